/* romkit internal — the evaluators behind rom_optimize (include/romkit/optimize.h): the FOM
 * objective with its adjoint gradient, the ROM objective with its reduced-adjoint gradient, the
 * ROM built from snapshots (grown with rom_affine_rom_extend in the trust region). Only
 * librom/optim/ includes this header. */
#ifndef ROMKIT_OPTIM_OPTIM_IMPL_H
#define ROMKIT_OPTIM_OPTIM_IMPL_H

#include "romkit/optimize.h"

/* J = sum_o c_o s_o + 1/2 sum_o w_o (s_o - t_o)^2 and dJ/ds (num_outputs values; may be NULL). */
double rom_optim_objective(const rom_design *d, const double *s, double *dJds);

/* The model and design sizes both evaluators work with (one setup: rom_optim_dims_init). */
typedef struct {
  rom_ctx *ctx;
  rom_model *model;
  const rom_design *design;
  int p, Qa, Qf, no; /* parameters, operator terms, rhs terms, outputs */
  rom_int L;         /* this rank's rows */
} rom_optim_dims;

/* Fills *d from the model and the design. Not collective. */
void rom_optim_dims_init(rom_optim_dims *d, rom_model *model, const rom_design *design);

/* The FOM objective: one state solve, and with a gradient one aggregated adjoint solve
 * A^T lambda = sum_o dJ/ds_o l_o. Keeps u and lambda of the last evaluation (the trust
 * region's enrichment snapshots). Collective. */
typedef struct {
  rom_optim_dims dim;
  double *F;      /* L x Qf: the rhs terms f_q (asked once) */
  double *u, *f;  /* L: the state of the last evaluation, the assembled rhs */
  double *lambda; /* L: the aggregated adjoint of the last gradient evaluation */
  double *W;      /* L x Qa: A_q u */
  double *theta, *phi, *dtheta, *dphi; /* Qa, Qf, Qa x p, Qf x p */
  double *s, *dJds, *buf;              /* no, no, reduction buffer */
  double *S;                           /* L x p: the state's sensitivities (or NULL) */
  int solves, adjoint_solves, sensitivity_solves;
} rom_optim_fom;

int rom_optim_fom_create(rom_model *model, const rom_design *design, rom_optim_fom **out);
void rom_optim_fom_destroy(rom_optim_fom **fom);
/* J (and grad, p values, if not NULL) at mu; the same numbers on every rank. Collective. */
int rom_optim_fom_evaluate(rom_optim_fom *fom, const double *mu, double *J, double *grad);
/* The state's parameter sensitivities du/dmu_j, j < p, into fom->S (allocated here):
 * A du_j = sum_q dphi_qj f_q - sum_q dtheta_qj A_q u, p solves with the matrix of the last
 * evaluation, which must have been rom_optim_fom_evaluate at mu with a gradient. Collective. */
int rom_optim_fom_sensitivities(rom_optim_fom *fom, const double *mu);
/* u at mu only (a training snapshot), into u_local. Collective. */
int rom_optim_fom_state(rom_optim_fom *fom, const double *mu, double *u_local);

/* The ROM objective: a Galerkin ROM on an orthonormal basis Phi with the design's outputs.
 * Phi comes from POD of training snapshots (rom_optim_rom_set_pod) or grows by Gram-Schmidt
 * (rom_optim_rom_add_snapshot: the old columns stay, so the ROM and its estimator are
 * extended, not rebuilt: rom_optim_rom_extend). */
typedef struct {
  rom_optim_dims dim;
  double pod_tolerance;
  rom_int k, cap; /* basis vectors held, capacity */
  double *Phi;    /* L x cap, orthonormal columns */
  rom_basis *basis;
  rom_affine_rom *rom;
  double *theta, *phi, *dtheta, *dphi, *q, *s, *dJds, *dsdt, *dsdp;
  int solves; /* ROM solves */
} rom_optim_rom;

int rom_optim_rom_create(rom_model *model, const rom_design *design, double pod_tolerance,
                         rom_optim_rom **out);
void rom_optim_rom_destroy(rom_optim_rom **r);
/* Orthonormalises v against Phi (classical Gram-Schmidt, twice: "twice is enough", Giraud,
 * Langou, Rozloznik 2005) and appends it unless its new part is below pod_tolerance of its norm
 * (*added = 0 then). Collective. */
int rom_optim_rom_add_snapshot(rom_optim_rom *r, const double *v_local, int *added);
/* Phi = the POD modes of the snapshots S (L x m, unit-normalised first) with singular value
 * >= pod_tolerance s_1. Collective. */
int rom_optim_rom_set_pod(rom_optim_rom *r, const rom_dmat *S);
/* The ROM on Phi and its outputs. Collective. */
int rom_optim_rom_rebuild(rom_optim_rom *r);
/* Grows the ROM to the columns appended to Phi since the last build or extension
 * (rom_affine_rom_extend: only the new rows and columns are projected, and the estimator, if
 * the ROM has one, gets only the new representers); builds it if there is none. Collective. */
int rom_optim_rom_extend(rom_optim_rom *r);
/* J_r (and grad if not NULL) at mu. Not collective. */
int rom_optim_rom_evaluate(rom_optim_rom *r, const double *mu, double *J, double *grad);

/* NLopt on every rank: minimise f over the box from x (overwritten). Returns NLopt's result in
 * *code; ROM_ERR_NOT_CONVERGED (message with the code) if NLopt failed, ROM_ERR_UNSUPPORTED
 * without NLopt. `f` returns a romkit error code; the first failure stops NLopt and is
 * returned. */
typedef int (*rom_optim_fn)(void *user, const double *x, double *J, double *grad);
int rom_optim_nlopt_minimize(rom_ctx *ctx, const rom_optimize_options *opts, int n,
                             const double *lower, const double *upper, rom_optim_fn f, void *user,
                             double *x, double *fmin, int *code, int *evaluations);
/* Checks the algorithm name (known, gradient-based, bound-constrained). Not collective. */
int rom_optim_nlopt_check_algorithm(rom_ctx *ctx, const char *name);

/* The trust-region loop (optim_trust_region.c). Collective. */
int rom_optim_trust_region(rom_model *model, const rom_design *design,
                           const rom_optimize_options *opts, double *mu,
                           rom_optimize_result *result);

#endif
