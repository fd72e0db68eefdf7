/* romkit — the host model: how a full-order model (FOM) plugs into romkit.
 *
 * romkit never sees the host's mesh. The host describes its model with callbacks that
 * act on its own distributed vectors (each rank passes and receives only its local
 * rows, in its own partition), plus a `void *user` pointer romkit hands back unchanged.
 * Callbacks are collective over the context's ranks (the host may communicate
 * inside them, e.g. for halo exchange) and return 0 on success, non-zero on failure;
 * romkit turns a failure into ROM_ERR_CALLBACK on every rank.
 *
 * The model is built with setters, so later kinds of callback (nonlinear residual,
 * Jacobian action, residual at sampled rows for hyper-reduction) are added by new
 * setters without breaking code written against this header.
 *
 * Linear affine problems (this release):
 *   steady      A(mu) u = f(mu)
 *   transient   M du/dt + A(mu) u = f(mu)
 * with A(mu) = sum_q theta_q(mu) A_q  (q = 0..Qa-1) and f(mu) = sum_q phi_q(mu) f_q.
 */
#ifndef ROMKIT_MODEL_H
#define ROMKIT_MODEL_H

#include "romkit/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rom_model rom_model;

/* y = A_q x on this rank's rows (x, y: local_rows values). Collective. */
typedef int (*rom_apply_term_fn)(void *user, int q, const double *x_local, double *y_local);
/* f_local = f_q on this rank's rows. Collective. */
typedef int (*rom_vector_term_fn)(void *user, int q, double *f_local);
/* coefficients[q] = theta_q(mu) (or phi_q(mu)), q = 0..nterms-1. Not collective. */
typedef int (*rom_coefficients_fn)(void *user, const double *mu, double *coefficients);
/* y = M x on this rank's rows. Collective. */
typedef int (*rom_apply_fn)(void *user, const double *x_local, double *y_local);

/* rom_model_create - a model with `local_rows` unknowns on this rank and
 * `num_parameters` parameters. Collective. */
int rom_model_create(rom_ctx *ctx, rom_int local_rows, int num_parameters, void *user,
                     rom_model **out);
int rom_model_destroy(rom_model **m); /* NULL-safe. Not collective. */

/* A(mu) = sum_q theta_q(mu) A_q with `nterms` terms. `theta` may be NULL if the caller
 * always passes coefficient values directly. Not collective. */
int rom_model_set_affine_operator(rom_model *m, int nterms, rom_apply_term_fn apply,
                                  rom_coefficients_fn theta);
/* f(mu) = sum_q phi_q(mu) f_q with `nterms` terms. Not collective. */
int rom_model_set_affine_rhs(rom_model *m, int nterms, rom_vector_term_fn term,
                             rom_coefficients_fn phi);
/* Mass matrix for transient problems (default: identity). Not collective. */
int rom_model_set_mass(rom_model *m, rom_apply_fn apply_mass);

/* Accessors. Not collective. */
rom_ctx *rom_model_ctx(const rom_model *m);
rom_int rom_model_local_rows(const rom_model *m);
int rom_model_num_parameters(const rom_model *m);
int rom_model_operator_terms(const rom_model *m);
int rom_model_rhs_terms(const rom_model *m);

/* Calls into the host through the table, with argument checks and error mapping
 * (used by romkit's offline stages; also handy for hosts testing their callbacks). */
int rom_model_apply_operator_term(rom_model *m, int q, const double *x_local, double *y_local);
int rom_model_rhs_term(rom_model *m, int q, double *f_local);
int rom_model_apply_mass(rom_model *m, const double *x_local, double *y_local);
int rom_model_operator_coefficients(rom_model *m, const double *mu, double *theta);
int rom_model_rhs_coefficients(rom_model *m, const double *mu, double *phi);

#ifdef __cplusplus
}
#endif
#endif
