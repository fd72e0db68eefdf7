/* romkit — output gradients and ROM-accelerated design optimisation of linear affine problems.
 *
 * Output gradients. For A(mu) u = f(mu), A = sum_q theta_q(mu) A_q, f = sum_q phi_q(mu) f_q and
 * an output s = l^T u, the adjoint A^T lambda = l gives, without one solve per parameter,
 *     ds/dmu_j = sum_q dtheta_q/dmu_j (-lambda^T A_q u) + sum_q dphi_q/dmu_j (lambda^T f_q)
 * (Hinze, Pinnau, Ulbrich, Ulbrich, "Optimization with PDE Constraints", Springer 2009,
 * sec. 1.6). The ROM does the same in the reduced space: A_r^T lambda_r = l_r and, with
 * u ~ u_ref + Phi q,
 *     ds/dtheta_q = -lambda_r^T (A_q^r q + g_q^r),   ds/dphi_q = lambda_r^T f_q^r,
 * chained with d theta / d mu and d phi / d mu from the model
 * (rom_model_operator_coefficient_derivatives: the host's callback, or central differences of
 * theta(mu)). The ROM's gradient is the exact gradient of the ROM's output (not an estimate of
 * the FOM's), so an optimiser sees a consistent function and gradient.
 *
 * Design optimisation. The objective is output-based:
 *     J(mu) = sum_o c_o s_o(mu) + 1/2 sum_o w_o (s_o(mu) - t_o)^2
 * (a weighted output to minimise, a least-squares misfit to target outputs t, or both),
 * minimised over the box lower <= mu <= upper with NLopt's gradient-based algorithms
 * (S. G. Johnson, "The NLopt nonlinear-optimization package", https://github.com/stevengj/nlopt;
 * LD_SLSQP, LD_MMA, LD_CCSAQ, LD_LBFGS, ...). Three ways, rom_optimize_method:
 *  - FOM:   every evaluation is a FOM solve and one FOM adjoint solve;
 *  - ROM:   a Galerkin ROM built once by POD of FOM solves at given training parameters;
 *  - TRUST_REGION: a trust-region reduced-basis loop (Yue, Meerbergen, SIAM J. Optim. 23,
 *    2013; Keil, Mechelli, Ohlberger, Schindler, Volkwein, ESAIM: M2AN 55, 2021): the ROM is
 *    optimised inside a region where an a-posteriori bound of the ROM objective's error is
 *    small, steps are accepted or rejected against the FOM, and the basis is enriched with the
 *    FOM state and adjoint at accepted points. docs/optimisation.md.
 * NLopt runs on every rank on the same numbers (rank 0's objective and gradient are broadcast),
 * so all ranks take the same steps.
 */
#ifndef ROMKIT_OPTIMIZE_H
#define ROMKIT_OPTIMIZE_H

#include "romkit/affine_rom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- output gradients ----------------------------------------------------------------------- */

/* rom_affine_rom_output_sensitivities - steady reduced solve at the coefficients (theta, phi),
 * the outputs, and their derivatives with respect to the coefficients by the reduced adjoint:
 *   q          k values (may be NULL), the reduced solution;
 *   values     num_outputs values (may be NULL);
 *   ds_dtheta  num_outputs x Qa, row-major: ds_o / dtheta_q at [o * Qa + q];
 *   ds_dphi    num_outputs x Qf, row-major (may be NULL when Qf = 0).
 * Costs one k x k LU factorisation, 1 + num_outputs triangular solves and O(num_outputs Qa k^2)
 * flops, independent of N. ROM_ERR_STATE for a ROM without outputs, ROM_ERR_SINGULAR for a
 * singular reduced matrix. Not collective. */
int rom_affine_rom_output_sensitivities(rom_affine_rom *rom, const double *theta, const double *phi,
                                        double *q, double *values, double *ds_dtheta,
                                        double *ds_dphi);

/* rom_affine_rom_output_gradients - the ROM's outputs at mu and their gradients
 * (num_outputs x p, row-major: ds_o / dmu_j at [o * p + j]) through the model's coefficient
 * functions and their derivatives. The model must be the one the ROM was built from (the same
 * Qa, Qf). Not collective (the coefficient functions are rank-local). */
int rom_affine_rom_output_gradients(rom_affine_rom *rom, rom_model *model, const double *mu,
                                    double *values, double *gradients);

/* rom_fom_output_gradients - the FOM's outputs s_o = l_o^T u(mu) and their gradients
 * (num_outputs x p, row-major) by the FOM adjoint: one solve A(mu) u = f(mu) and num_outputs
 * adjoint solves A(mu)^T lambda_o = l_o through the host's solver (rom_model_affine_solve with
 * transpose = 1; the host may reuse its factorisation). L_local holds this rank's rows of the
 * output weights, local_rows x num_outputs column-major; u_local (may be NULL) receives the
 * state, lambda_local (may be NULL) the adjoints (local_rows x num_outputs). values and
 * gradients are the same on every rank (rank 0's, broadcast). Collective. */
int rom_fom_output_gradients(rom_model *model, const double *mu, int num_outputs,
                             const double *L_local, double *u_local, double *lambda_local,
                             double *values, double *gradients);

/* ---- design optimisation -------------------------------------------------------------------- */

/* The design problem: the objective J above and the box. Arrays belong to the caller. */
typedef struct {
  int num_outputs;
  const double *L_local;        /* output weights, local_rows x num_outputs column-major */
  const double *target;         /* t (num_outputs) or NULL: no misfit term */
  const double *misfit_weights; /* w (num_outputs) or NULL: all 1 (used with a target) */
  const double *linear_weights; /* c (num_outputs) or NULL: no linear term */
  const double *lower, *upper;  /* the box, p values each; lower < upper, both finite */
} rom_design;

typedef enum {
  ROM_OPTIMIZE_FOM = 0,         /* FOM solves and FOM adjoints only */
  ROM_OPTIMIZE_ROM = 1,         /* a fixed ROM from POD of FOM solves at training parameters */
  ROM_OPTIMIZE_TRUST_REGION = 2 /* trust-region reduced-basis loop */
} rom_optimize_method;

/* Names "fom", "rom", "trust-region" (the CLI's --method). */
const char *rom_optimize_method_name(rom_optimize_method method);
int rom_optimize_method_from_name(const char *name, rom_optimize_method *method);

typedef struct {
  rom_optimize_method method; /* default ROM_OPTIMIZE_FOM */
  const char *algorithm;      /* NLopt algorithm name without "NLOPT_", default "LD_SLSQP"; must
                                 be gradient-based (LD_*) and support bound constraints */
  double ftol_rel;            /* NLopt's relative objective tolerance; default 1e-12 */
  double xtol_rel;            /* NLopt's relative parameter tolerance; default 1e-10 */
  int max_evaluations;        /* per NLopt run; default 500 */
  /* ROM_OPTIMIZE_ROM: the training parameters (num_training x p, row-major) of the fixed
   * basis. Both ROM methods keep the POD modes of the (unit-norm) snapshots whose singular
   * value is >= pod_tolerance times the largest. */
  int num_training;
  const double *training;
  double pod_tolerance; /* default 1e-9 */
  /* ROM_OPTIMIZE_TRUST_REGION (docs/optimisation.md, "Trust region"). */
  double tr_gradient_tolerance;  /* stop when the FOM's projected gradient norm (relative to
                                    the first one) is below; default 1e-8 */
  double tr_objective_tolerance; /* or when an accepted step lowers J by less than this times
                                    |J| (the sub-problem's own rounding floor); default 1e-10 */
  double tr_bound_tolerance;     /* the first trust region: estimated relative error of the
                                    ROM objective, Delta_J / |J_r| <= this (then adapted:
                                    doubled after good steps, halved on rejects); default 0.1 */
  double tr_radius;              /* initial box radius around the iterate, as a fraction of
                                    upper - lower; default 0.5 */
  int tr_max_iterations;         /* outer iterations; default 50 */
  int tr_sensitivities;          /* 1: also enrich with the state's parameter sensitivities
                                    du/dmu_j at every accepted iterate (p more FOM solves with
                                    the iterate's matrix, counted in fom_sensitivity_solves;
                                    Banholzer et al. 2022, docs/optimisation.md); default 0 */
  int tr_direct_bound;           /* 1: the bound's residual norm by one host solve with X at
                                    each candidate instead of the estimator's Riesz
                                    representers (k (Qa + 1) solves, grown with the basis);
                                    needs min-theta coercivity (theta > 0, every A_q symmetric
                                    positive semi-definite); docs/optimisation.md; default 0 */
} rom_optimize_options;

rom_optimize_options rom_optimize_options_default(void);

typedef struct {
  double objective;       /* J at mu, by the method's own model (the ROM's for ROM_OPTIMIZE_ROM) */
  double fom_objective;   /* J at mu by the FOM (one more FOM solve, not counted below) */
  int nlopt_code;         /* NLopt's result of the (last) run (nlopt_result, > 0 on success) */
  int evaluations;        /* objective evaluations by the optimiser (all NLopt runs) */
  int fom_solves;         /* FOM state solves (training, evaluations, enrichment) */
  int fom_adjoint_solves; /* FOM adjoint solves */
  int fom_sensitivity_solves; /* trust region with tr_sensitivities: FOM solves for du/dmu_j */
  int estimator_solves;       /* trust region: host solves with the one matrix A(theta_bar) for the
                                 bound: its Riesz representers and the outputs' dual norms, or
                                 with tr_direct_bound one per bound evaluation (a factorisation
                                 the host may reuse) */
  int rom_dim;                /* final ROM dimension (0 for FOM) */
  int iterations;             /* trust region: outer iterations; else NLopt runs (1) */
  int rejected;               /* trust region: rejected steps */
} rom_optimize_result;

/* rom_optimize - minimises the design objective over the box from mu (p values, inside the
 * box), overwritten with the optimum. The model needs affine operator and right-hand side
 * terms with coefficient functions and a linear solver (rom_model_set_affine_solve).
 * Errors: ROM_ERR_ARG for bad input (an inverted or non-finite box, mu outside it, an unknown
 * or derivative-free NLopt algorithm, no objective term), ROM_ERR_NOT_CONVERGED when NLopt
 * fails (the message names NLopt's code and its meaning) or the trust region stalls,
 * ROM_ERR_UNSUPPORTED when romkit was built without NLopt. Collective. */
int rom_optimize(rom_model *model, const rom_design *design, const rom_optimize_options *opts,
                 double *mu, rom_optimize_result *result);

/* 1 if romkit was built with NLopt (CMake option ROMKIT_WITH_NLOPT), else 0. Not collective. */
int rom_optimize_available(void);

#ifdef __cplusplus
}
#endif
#endif
