/* romkit — the host model: how a full-order model (FOM) plugs into romkit.
 *
 * romkit never sees the host's mesh. The host describes its model with callbacks that
 * act on its own distributed vectors (each rank passes and receives only its local
 * rows, in its own partition), plus a `void *user` pointer romkit hands back unchanged.
 * Callbacks are collective over the context's ranks (the host may communicate
 * inside them, e.g. for halo exchange) and return 0 on success, non-zero on failure;
 * romkit turns a failure into ROM_ERR_CALLBACK on every rank.
 *
 * Output contract: before every call romkit fills the callback's output (y, f, F, Y,
 * coefficients, sampled F and Y) with NaN, and after it checks that every value was
 * overwritten with a finite number. A callback that returns 0 but leaves any output value
 * unwritten, or writes NaN or Inf from a finite input, fails with ROM_ERR_CALLBACK naming
 * the callback, the output and the first bad position (a non-finite output from a
 * non-finite input state passes, for the caller's divergence check). So a callback must
 * write every output value on every call, in place; it must never read its output before
 * writing it (it holds NaN, not zero).
 *
 * The model is built with setters, so later kinds of callback (nonlinear residual,
 * Jacobian action, residual at sampled rows for hyper-reduction) are added by new
 * setters without breaking code written against this header.
 *
 * Linear affine problems:
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
/* rom_model_set_affine_operator_transpose - the transposed terms, y = A_q^T x (optional;
 * same signature as the operator's callback). Needed only by what applies A(mu)^T to vectors
 * romkit chooses: the dual residual of the output bounds of a non-symmetric operator
 * (include/romkit/affine_rom.h). A term the host knows to be symmetric may apply A_q, a
 * skew-symmetric one -A_q. NULL removes it. Not collective. */
int rom_model_set_affine_operator_transpose(rom_model *m, rom_apply_term_fn apply_transpose);
/* f(mu) = sum_q phi_q(mu) f_q with `nterms` terms. Not collective. */
int rom_model_set_affine_rhs(rom_model *m, int nterms, rom_vector_term_fn term,
                             rom_coefficients_fn phi);
/* Mass matrix for transient problems (default: identity). Not collective. */
int rom_model_set_mass(rom_model *m, rom_apply_fn apply_mass);

/* The host's linear solver (optional): x = B^{-1} b, or x = B^{-T} b when `transpose` is
 * non-zero, with B = shift M + scale A(theta) on this rank's rows, for the operator
 * coefficients theta (Qa values); M is the mass matrix above (the identity by default).
 * Steady solves pass (shift, scale) = (0, 1), an implicit-Euler step (1, dt). romkit calls
 * it for full-order solves it chooses itself: the greedy's snapshots, the Riesz
 * representers of the error bounds (B = A(theta_bar), the inner-product matrix) and the
 * adjoints of output gradients. A host with a symmetric A may ignore `transpose`.
 * Collective. */
typedef int (*rom_affine_solve_fn)(void *user, const double *theta, double shift, double scale,
                                   int transpose, const double *b_local, double *x_local);
/* NULL removes the solver. Not collective. */
int rom_model_set_affine_solve(rom_model *m, rom_affine_solve_fn solve);

/* Derivatives of the affine coefficients (optional; output gradients, romkit/optimize.h):
 * dcoefficients[q + nterms * j] = d coefficient_q / d mu_j, an nterms x num_parameters
 * column-major array (nterms = Qa for theta, Qf for phi). Not collective. */
typedef int (*rom_coefficient_derivatives_fn)(void *user, const double *mu, double *dcoefficients);
/* Either may be NULL: then rom_model_*_coefficient_derivatives falls back to central
 * differences of theta(mu) / phi(mu) (two coefficient calls per parameter, cheap and
 * independent of N). Not collective. */
int rom_model_set_coefficient_derivatives(rom_model *m, rom_coefficient_derivatives_fn dtheta,
                                          rom_coefficient_derivatives_fn dphi);

/* ---- Nonlinear time-dependent problems -------------------------------------------------
 *
 * Semi-discrete form, mass matrix identity:      du/dt = F(u, t; mu)
 *
 * The host provides the velocity F and its Jacobian dF/du; romkit applies the time
 * discretisation itself (backward Euler, BDF2), so one set of callbacks serves the
 * reference FOM integrator, Galerkin and LSPG ROMs, and hyper-reduced ROMs. With
 * backward Euler the fully discrete residual is r(u) = u - u^n - dt F(u, t^{n+1}; mu).
 */

/* F_local = F(u, t; mu) on this rank's rows. Collective. */
typedef int (*rom_velocity_fn)(void *user, const double *u_local, double t, const double *mu,
                               double *F_local);
/* Y = dF/du(u, t; mu) X for `ncols` vectors at once (column-major blocks of local rows,
 * leading dimensions ldx, ldy >= local_rows). Collective. */
typedef int (*rom_velocity_jacobian_fn)(void *user, const double *u_local, double t,
                                        const double *mu, rom_int ncols, const double *X_local,
                                        rom_int ldx, double *Y_local, rom_int ldy);

/* An assembled sparse matrix in compressed sparse rows: this rank's rows, global column
 * indices. The arrays belong to the host and must stay valid until its next call. */
typedef struct {
  rom_int local_rows;
  rom_int global_cols;
  const rom_int *row_ptr;   /* local_rows + 1 offsets into col_index / values */
  const rom_int *col_index; /* global column indices */
  const double *values;
} rom_csr;
/* J = dF/du(u, t; mu) assembled (for direct solvers of the reference FOM). Collective. */
typedef int (*rom_velocity_jacobian_csr_fn)(void *user, const double *u_local, double t,
                                            const double *mu, rom_csr *J);

/* Hyper-reduction: F evaluated at a few sampled rows only.
 *
 * stencil: the global rows whose state values row `row` of F depends on (its own row
 *   included). Writes at most `max` indices into cols and the true count into *count (if
 *   *count > max romkit calls again with a larger buffer). Called offline for rows this
 *   rank owns. Not collective.
 * sampled velocity / Jacobian: F and dF/du at `nrows` sampled global rows, given the state
 *   only at the `nneeded` global rows `needed` (sorted, the union of the samples'
 *   stencils): the host's "sample mesh". Called online with the same arguments on every
 *   rank, for any rows (not only owned ones): the host must be able to evaluate a sampled
 *   row from the listed values alone. Not collective.
 *   Jacobian: Y (nrows x ncols, ld ldy) = dF/du[rows, needed] X (nneeded x ncols, ld ldx). */
typedef int (*rom_stencil_fn)(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count);
typedef int (*rom_velocity_sampled_fn)(void *user, rom_int nrows, const rom_int *rows,
                                       rom_int nneeded, const rom_int *needed,
                                       const double *u_needed, double t, const double *mu,
                                       double *F_rows);
typedef int (*rom_velocity_jacobian_sampled_fn)(void *user, rom_int nrows, const rom_int *rows,
                                                rom_int nneeded, const rom_int *needed,
                                                const double *u_needed, double t, const double *mu,
                                                rom_int ncols, const double *X, rom_int ldx,
                                                double *Y, rom_int ldy);

/* sample-mesh setup: called once when a hyper-reduced ROM is created (rom_nlrom_create,
 *   rom_nlrom_create_manifold with hr), with the sample rows and the sample mesh `needed`
 *   (sorted) that every later sampled call will pass (the same arrays, which stay valid and
 *   unchanged while the ROM lives). The host builds its index map (each sampled row's
 *   neighbours' positions in `needed`) here once instead of at every call. Optional.
 *   Called on every rank; not collective (a failure on any rank fails the ROM's creation on
 *   every rank). */
typedef int (*rom_sample_mesh_setup_fn)(void *user, rom_int nrows, const rom_int *rows,
                                        rom_int nneeded, const rom_int *needed);

/* Setters. jacobian and jacobian_csr may be NULL (then romkit cannot run what needs
 * them and says so). Not collective. */
int rom_model_set_velocity(rom_model *m, rom_velocity_fn velocity,
                           rom_velocity_jacobian_fn jacobian);
int rom_model_set_velocity_jacobian_csr(rom_model *m, rom_velocity_jacobian_csr_fn jacobian_csr);
int rom_model_set_sampled_velocity(rom_model *m, rom_stencil_fn stencil,
                                   rom_velocity_sampled_fn velocity,
                                   rom_velocity_jacobian_sampled_fn jacobian);
/* The optional one-time sample-mesh setup (NULL removes it). Not collective. */
int rom_model_set_sample_mesh_setup(rom_model *m, rom_sample_mesh_setup_fn setup);

/* Which callbacks the model has: ROM_MODEL_HAS_* flags, or-ed. Not collective. */
#define ROM_MODEL_HAS_VELOCITY 0x1u          /* F */
#define ROM_MODEL_HAS_JACOBIAN 0x2u          /* dF/du X */
#define ROM_MODEL_HAS_JACOBIAN_CSR 0x4u      /* assembled dF/du */
#define ROM_MODEL_HAS_SAMPLED_VELOCITY 0x8u  /* stencil and sampled F */
#define ROM_MODEL_HAS_SAMPLED_JACOBIAN 0x10u /* sampled dF/du X */
#define ROM_MODEL_HAS_SAMPLE_MESH_SETUP 0x20u
#define ROM_MODEL_HAS_AFFINE_OPERATOR 0x40u
#define ROM_MODEL_HAS_AFFINE_RHS 0x80u
unsigned rom_model_callbacks(const rom_model *m);

/* Checked calls into the host (argument checks agreed over ranks, a failing callback is
 * ROM_ERR_CALLBACK on every rank for the collective ones). */
int rom_model_velocity(rom_model *m, const double *u_local, double t, const double *mu,
                       double *F_local);
int rom_model_velocity_jacobian(rom_model *m, const double *u_local, double t, const double *mu,
                                rom_int ncols, const double *X_local, rom_int ldx, double *Y_local,
                                rom_int ldy);
int rom_model_velocity_jacobian_csr(rom_model *m, const double *u_local, double t, const double *mu,
                                    rom_csr *J);
int rom_model_stencil(rom_model *m, rom_int row, rom_int max, rom_int *cols, rom_int *count);
/* Calls the sample-mesh setup if the model has one (ROM_OK without it). Not collective. */
int rom_model_sample_mesh_setup(rom_model *m, rom_int nrows, const rom_int *rows, rom_int nneeded,
                                const rom_int *needed);
int rom_model_velocity_sampled(rom_model *m, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, double *F_rows);
int rom_model_velocity_jacobian_sampled(rom_model *m, rom_int nrows, const rom_int *rows,
                                        rom_int nneeded, const rom_int *needed,
                                        const double *u_needed, double t, const double *mu,
                                        rom_int ncols, const double *X, rom_int ldx, double *Y,
                                        rom_int ldy);

/* Accessors. Not collective. */
rom_ctx *rom_model_ctx(const rom_model *m);
rom_int rom_model_local_rows(const rom_model *m);
int rom_model_num_parameters(const rom_model *m);
int rom_model_operator_terms(const rom_model *m);
int rom_model_rhs_terms(const rom_model *m);
int rom_model_has_affine_solve(const rom_model *m); /* 1 if a solver was set, else 0 */
/* 1 if the transposed terms were set (rom_model_set_affine_operator_transpose), else 0 */
int rom_model_has_operator_transpose(const rom_model *m);
/* Calls of the host's solver through rom_model_affine_solve so far (for honest solve counts
 * in reports, e.g. rom_optimize's). */
long rom_model_affine_solve_count(const rom_model *m);

/* Calls into the host through the table, with argument checks and error mapping
 * (used by romkit's offline stages; also handy for hosts testing their callbacks). */
int rom_model_apply_operator_term(rom_model *m, int q, const double *x_local, double *y_local);
/* y = A_q^T x through rom_model_set_affine_operator_transpose (ROM_ERR_STATE without it). */
int rom_model_apply_operator_term_transpose(rom_model *m, int q, const double *x_local,
                                            double *y_local);
int rom_model_rhs_term(rom_model *m, int q, double *f_local);
int rom_model_apply_mass(rom_model *m, const double *x_local, double *y_local);
int rom_model_operator_coefficients(rom_model *m, const double *mu, double *theta);
int rom_model_rhs_coefficients(rom_model *m, const double *mu, double *phi);
/* rom_model_operator_coefficient_derivatives / rom_model_rhs_coefficient_derivatives -
 * d theta / d mu (Qa x p) or d phi / d mu (Qf x p), column-major, from the host's callback
 * (rom_model_set_coefficient_derivatives) or, without one, by central differences of the
 * coefficient function with the step h_j = eps^(1/3) |mu_j| (eps^(1/3) for mu_j = 0): the
 * error is O(h^2), about 1e-11 relative for smooth coefficients, and exact for coefficients
 * linear in mu (P3's theta_q = mu_q). The step is relative so that a positive parameter
 * stays positive. ROM_ERR_STATE without the coefficient function. Not collective. */
int rom_model_operator_coefficient_derivatives(rom_model *m, const double *mu, double *dtheta);
int rom_model_rhs_coefficient_derivatives(rom_model *m, const double *mu, double *dphi);
/* rom_model_affine_solve - the host's solver (rom_model_set_affine_solve) with checks:
 * ROM_ERR_STATE without a solver or an affine operator, ROM_ERR_ARG for non-finite theta,
 * shift or scale, ROM_ERR_CALLBACK (every rank) if the host fails or leaves x unwritten.
 * b_local and x_local may not overlap. Collective. */
int rom_model_affine_solve(rom_model *m, const double *theta, double shift, double scale,
                           int transpose, const double *b_local, double *x_local);

#ifdef __cplusplus
}
#endif
#endif
