/* romkit — Galerkin reduced model of a linear affine problem.
 *
 * Offline (collective, cost grows with N): with basis Phi (N x k) and reference u_ref
 * (zero if the basis has none), u ~ u_ref + Phi q, project every affine term:
 *     A_q^r = Phi^T A_q Phi            (k x k)
 *     g_q^r = Phi^T A_q u_ref          (k)
 *     f_q^r = Phi^T f_q                (k)
 *     M^r   = Phi^T M Phi, m^r = Phi^T M u_ref
 * Online (not collective, cost independent of N):
 *     steady     (sum_q theta_q A_q^r) q = sum_q phi_q f_q^r - sum_q theta_q g_q^r
 *     transient  implicit Euler:  (M^r + dt A^r) q^{n+1} = M^r q^n + dt (f^r - g^r)
 * The k x k system is solved by Cholesky (dpotrf) when every A_q^r is symmetric and
 * the assembled matrix is positive definite, by LU (dgesv) otherwise.
 */
#ifndef ROMKIT_AFFINE_ROM_H
#define ROMKIT_AFFINE_ROM_H

#include "romkit/model.h"
#include "romkit/pod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rom_affine_rom rom_affine_rom;

/* rom_affine_rom_build - projects the model's affine terms onto the basis. Collective.
 * The model and basis must have the same local rows on every rank. */
int rom_affine_rom_build(rom_model *model, const rom_basis *basis, rom_affine_rom **out);
int rom_affine_rom_destroy(rom_affine_rom **rom); /* NULL-safe. Not collective. */

rom_int rom_affine_rom_dim(const rom_affine_rom *rom); /* k */
int rom_affine_rom_operator_terms(const rom_affine_rom *rom);
int rom_affine_rom_rhs_terms(const rom_affine_rom *rom);

/* rom_affine_rom_solve - steady reduced solve for the given coefficient values
 * (theta: operator_terms values, phi: rhs_terms values); q gets k values.
 * Not collective; no allocation after the first call. ROM_ERR_SINGULAR if the reduced
 * matrix is singular. */
int rom_affine_rom_solve(rom_affine_rom *rom, const double *theta, const double *phi, double *q);

/* rom_affine_rom_transient - implicit Euler from q0 (k values; NULL = 0) for `steps`
 * steps of size dt; trajectory gets (steps + 1) x k values, state n at trajectory + n*k.
 * Not collective. */
int rom_affine_rom_transient(rom_affine_rom *rom, const double *theta, const double *phi, double dt,
                             rom_int steps, const double *q0, double *trajectory);

/* File I/O (kind "affine_rom", docs/file-format.md). The file holds the reduced
 * matrices only: online solves need no basis and no FOM. Write: collective, written
 * by rank 0's data (the reduced matrices are replicated). Read: collective. */
int rom_affine_rom_write(const rom_affine_rom *rom, const char *path, int overwrite);
int rom_affine_rom_read(rom_ctx *ctx, const char *path, rom_affine_rom **out);

/* ---- Outputs (quantities of interest), librom/affine/affine_outputs.c ------------------------
 *
 * A linear output s(mu) = l^T u(mu) of the FOM state (an average, a probe value, a flux
 * through a boundary written as a weight vector l) is evaluated online without lifting u:
 * with u ~ u_ref + Phi q,
 *     s ~ l_0 + l^r . q,     l^r = Phi^T l (k values),  l_0 = l^T u_ref,
 * so an output costs k multiply-adds per solve (Hesthaven, Rozza, Stamm, "Certified Reduced
 * Basis Methods", 2016, sec. 2.3, the "compliant/non-compliant output" of the RB method;
 * here without the dual correction). Outputs are stored in the ROM file (docs/file-format.md). */

/* rom_affine_rom_add_output - projects the weights l (this rank's rows of l, the basis'
 * partition) onto the basis and appends the output `name` (1..63 characters, no ',' and
 * no control characters, unique within the ROM). The basis must be the one the ROM was
 * built from (same k; ROM_ERR_DIM otherwise). Collective over the basis' context. */
int rom_affine_rom_add_output(rom_affine_rom *rom, const rom_basis *basis, const char *name,
                              const double *l_local);
/* Number of outputs (0 for a ROM without any). Not collective. */
int rom_affine_rom_num_outputs(const rom_affine_rom *rom);
/* Name of output o (0 <= o < num_outputs), NULL if out of range. Not collective. */
const char *rom_affine_rom_output_name(const rom_affine_rom *rom, int o);
/* rom_affine_rom_evaluate_outputs - values[o] = l_0,o + l^r_o . q for the k reduced
 * coordinates q of a solve; num_outputs values. Not collective; does not allocate. */
int rom_affine_rom_evaluate_outputs(const rom_affine_rom *rom, const double *q, double *values);

/* ---- A-posteriori error bounds, librom/affine/affine_estimator.c ------------------------------
 *
 * For A(mu) = sum_q theta_q A_q coercive with respect to the inner product
 * (v, w)_X = v^T X w, X = A(theta_bar) (symmetric positive definite; a non-symmetric term
 * stays out of X with theta_bar_q = 0, e.g. X = A_diff for advection-diffusion), the Galerkin
 * error
 * e = u - u_r of a steady reduced solve satisfies
 *     ||e||_X <= ||r(mu)||_X' / alpha_LB(mu),    |||e|||_mu <= ||r(mu)||_X' / sqrt(alpha_LB(mu))
 * (energy norm |||v|||_mu^2 = v^T A(mu) v, the latter for symmetric A), with r(mu) = f(mu) -
 * A(mu) u_r(mu) the FOM residual and alpha_LB(mu) a lower bound of the coercivity constant
 * inf_v v^T A(mu) v / ||v||_X^2 (Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods",
 * 2016, sec. 4.2).
 *
 * Residual dual norm, offline/online in the numerically stable form (Buhr, Engwer, Ohlberger,
 * Rave, "A numerically stable a posteriori error estimator for reduced basis approximations
 * of elliptic equations", 2014): the residual is affine, r = sum_i c_i(mu) v_i with the terms
 *     v = [f_0 .. f_{Qf-1} | A_0 u_ref .. A_{Qa-1} u_ref | for each basis vector j:
 *          A_0 phi_j .. A_{Qa-1} phi_j, M phi_j]
 * and c = [phi | -theta | -theta_q q_j .. , -(q_j - q_j^old)/dt]. Offline, the Riesz
 * representers X^{-1} v_i are computed with the host's solver (rom_model_affine_solve,
 * B = A(theta_bar)) and orthonormalised in the X inner product (Gram-Schmidt, twice); the
 * ROM keeps the coefficients B (npsi x nterms) of each representer in that orthonormal
 * basis, so online ||r||_X' = ||B c||_2: O(npsi * nterms) operations, independent of N,
 * and accurate down to rounding of the terms' size (about 1e-16 relative to max_i |c_i|
 * ||v_i||_X'), where the usual sqrt(c^T G c) with the Gram matrix G loses half the digits
 * (stalls near sqrt(eps) relative; docs/many-query.md shows both).
 *
 * Coercivity lower bound:
 *   ROM_COERCIVITY_MIN_THETA  alpha_LB(mu) = min_{q: theta_bar_q > 0} theta_q(mu) /
 *       theta_bar_q (parametric coercivity; P3). Valid when every term in X (theta_bar_q > 0)
 *       is symmetric positive semi-definite with theta_q(mu) > 0, and every other term has a
 *       positive semi-definite symmetric part (A_q + A_q^T)/2 with theta_q(mu) >= 0, or a zero
 *       symmetric part (skew-symmetric: v^T A_q v = 0, any sign of theta_q; a central-
 *       difference advection term with a divergence-free wind and Dirichlet boundary): only
 *       the symmetric part of A(mu) enters v^T A(mu) v. Checked on the projected terms (a
 *       necessary condition; the FOM properties are the caller's statement): at build, A_q^r
 *       symmetric for theta_bar_q > 0, and the smallest eigenvalue of (A_q^r + A_q^r^T)/2
 *       >= -1e-10 max|A_q^r| for every q; at every evaluation, theta_q > 0 for the terms in X
 *       and theta_q >= 0 for the others unless max|A_q^r + A_q^r^T| <= 1e-10 max|A_q^r|;
 *   ROM_COERCIVITY_CALLBACK  the caller's lower bound alpha_LB(theta) (any coercive problem);
 *   ROM_COERCIVITY_SCM  the Successive Constraint Method (Huynh, Rozza, Sen, Patera, C. R.
 *       Acad. Sci. Paris, Ser. I 345 (2007) 473-478; Hesthaven, Rozza, Stamm 2016, sec. 4.3)
 *       for any coercive problem, e.g. a reaction term of either sign
 *       (librom/affine/affine_scm.c). Offline (collective): the box
 *       B = prod_q [min, max] of the Rayleigh quotients v^T A_q v / v^T X v, and by a greedy
 *       over the caller's training set of coefficient vectors, the coercivity constants
 *       alpha(theta_k) = min eig of A(theta_k) v = lambda X v with the minimiser's Rayleigh
 *       quotients y_k,q = v^T A_q v / v^T X v, until (alpha_UB - alpha_LB) / alpha_UB <=
 *       scm_eps on every training point. The eigenvalues come from a Lanczos iteration with
 *       full reorthogonalisation in the X inner product (one host solve with X per step). Online
 *       (not collective, cost independent of N): alpha_LB(theta) = min_{y in B} theta . y
 *       subject to theta_k . y >= alpha(theta_k) for the scm_m_alpha SCM points nearest to
 *       theta and theta' . y >= 0 for the scm_m_plus nearest training points, a linear
 *       program in Qa variables solved by GLPK (a build without GLPK gives
 *       ROM_ERR_UNSUPPORTED). The data (box, points, alphas, y's, training set) is stored in
 *       the ROM file. Distances are Euclidean in theta;
 *   ROM_COERCIVITY_AUTO (default) min-theta when its checks pass, otherwise the build is
 *       refused: "a non-coercive bound request without a lower bound". */
typedef enum {
  ROM_COERCIVITY_AUTO = 0,
  ROM_COERCIVITY_MIN_THETA = 1,
  ROM_COERCIVITY_CALLBACK = 2,
  ROM_COERCIVITY_SCM = 3
} rom_coercivity_kind;

/* The caller's coercivity lower bound: alpha_lb > 0 with v^T A(theta) v >= alpha_lb
 * ||v||_X^2 for all v. Return 0 on success. Not collective. */
typedef int (*rom_coercivity_fn)(void *user, const double *theta, double *alpha_lb);

typedef struct {
  const double *theta_bar; /* Qa values >= 0 (at least one > 0) of X = A(theta_bar), which
                              must be symmetric: 0 for every non-symmetric term; NULL = all
                              ones */
  rom_coercivity_kind coercivity;
  rom_coercivity_fn lower_bound; /* ROM_COERCIVITY_CALLBACK */
  void *lower_bound_user;
  /* ROM_COERCIVITY_SCM: the training set, scm_ntrain >= 1 coefficient vectors theta
   * (row-major scm_ntrain x Qa: row i = theta_i; map parameters with
   * rom_model_operator_coefficients), the same on every rank (rank 0's is used). */
  const double *scm_train;
  int scm_ntrain;
  double scm_eps;         /* greedy tolerance of (UB - LB) / UB, in (0, 1); default 0.75 */
  int scm_m_alpha;        /* SCM points in the LP's constraints (nearest); default 16 */
  int scm_m_plus;         /* training points in positivity constraints (valid if the problem
                             is coercive on the whole training set); default 16 */
  int scm_max_points;     /* most SCM points (eigenproblems); default 100 */
  int scm_max_iterations; /* Lanczos steps per eigenproblem (at most N); default 300 */
} rom_estimator_options;

rom_estimator_options rom_estimator_options_default(void);

/* rom_affine_rom_build_estimator - the offline part of the error bounds for the ROM built
 * from `basis` (the same basis; ROM_ERR_DIM otherwise): Qf + Qa + k (Qa + 1) Riesz
 * representers (one host solve each, plus Qa term applications). The model needs an
 * affine solver (rom_model_set_affine_solve). opts NULL = defaults. Collective. Errors:
 * ROM_ERR_STATE (no solver), ROM_ERR_ARG (theta_bar not > 0, callback kind without a
 * callback, a non-symmetric term with theta_bar_q > 0; SCM: eps not in (0, 1), an empty
 * training set, a training point where the problem is not coercive, alpha <= 0, named),
 * ROM_ERR_UNSUPPORTED (a non-coercive bound request without a lower bound; SCM in a build
 * without GLPK). */
int rom_affine_rom_build_estimator(rom_affine_rom *rom, rom_model *model, const rom_basis *basis,
                                   const rom_estimator_options *opts);
/* 1 if the ROM has an estimator (built or read from its file), else 0. Not collective. */
int rom_affine_rom_has_estimator(const rom_affine_rom *rom);
/* rom_affine_rom_set_coercivity_bound - (re)sets the caller's lower bound (a ROM read from a
 * file with kind "callback" needs it before its bounds can be evaluated). Not collective. */
int rom_affine_rom_set_coercivity_bound(rom_affine_rom *rom, rom_coercivity_fn lower_bound,
                                        void *user);

/* rom_affine_rom_coercivity_lower_bound - the coercivity lower bound alpha_LB(theta) > 0 the
 * ROM's bounds use (min-theta, the callback or the SCM's linear program). Not collective.
 * ROM_ERR_STATE without an estimator; with SCM, ROM_ERR_NOT_CONVERGED if the LP gives no
 * positive bound at theta (theta far from the training set: train the SCM there). */
int rom_affine_rom_coercivity_lower_bound(rom_affine_rom *rom, const double *theta,
                                          double *alpha_lb);

/* What the SCM's offline stage did (ROM_COERCIVITY_SCM; ROM_ERR_STATE otherwise). */
typedef struct {
  int points;          /* SCM points (eigenproblems of the greedy) */
  int ntrain;          /* training set size */
  double gap;          /* max over the training set of (UB - LB) / UB at the end */
  long solves;         /* host solves with X (box + points); 0 after a file read */
  long eig_iterations; /* Lanczos steps, all eigenproblems; 0 after a file read */
} rom_scm_info;
/* rom_affine_rom_scm_info - the SCM's summary; also alpha_UB(theta) = min_k theta . y_k when
 * theta and alpha_ub are not NULL. Not collective. */
int rom_affine_rom_scm_info(const rom_affine_rom *rom, const double *theta, double *alpha_ub,
                            rom_scm_info *info);

/* rom_affine_rom_error_bound - ||u(mu) - u_r(mu)||_X <= *bound for the steady reduced
 * solution q at the coefficients theta, phi. Not collective, cost independent of N. */
int rom_affine_rom_error_bound(rom_affine_rom *rom, const double *theta, const double *phi,
                               const double *q, double *bound);

typedef struct {
  double residual_norm;       /* ||r||_X' (stable form) */
  double residual_norm_naive; /* sqrt(max(c^T G c, 0)), G = B^T B: the Gram form, for
                                 comparison only (it stalls near sqrt(eps)) */
  double alpha_lb;            /* the coercivity lower bound used */
  double x_bound;             /* ||e||_X bound */
  double energy_bound;        /* |||e|||_mu bound = ||r||_X' / sqrt(alpha_lb) */
} rom_error_bound_info;
/* The same with every piece. Not collective. */
int rom_affine_rom_error_bound_info(rom_affine_rom *rom, const double *theta, const double *phi,
                                    const double *q, rom_error_bound_info *info);

/* rom_affine_rom_extend - grows the ROM to `basis`, which must be the ROM's basis with new
 * columns appended at the end (same reference and row partition, dimension k' > k): only the
 * new rows and columns of every reduced matrix are projected, and the estimator (if any) gets
 * the new basis vectors' Riesz representers, orthonormalised against the ones it holds.
 * Outputs are extended from the weights kept since rom_affine_rom_add_output (a ROM read
 * from a file has none: ROM_ERR_STATE if it has outputs), and output bounds stay valid: of
 * their dual data only Z^T A_q Phi depends on Phi, and its new columns are projected from the
 * same A_q phi_j (the dual vectors Z are kept since rom_affine_rom_set_output_dual; the
 * result equals a rebuild to rounding, tests/mpi/outbounds.c). The first k columns are trusted, not
 * compared. The estimator part needs the representers of this process (not available after a file
 * read: then the estimator is dropped and must be rebuilt). Collective. */
int rom_affine_rom_extend(rom_affine_rom *rom, rom_model *model, const rom_basis *basis);

/* ---- Output bounds with the primal-dual correction (librom/affine/affine_output_bounds.c) ----
 *
 * For the output s(mu) = l^T u(mu) the dual problem A(mu)^T z(mu) = -l gives
 * s = s_r - z^T r_pr exactly (r_pr = f - A u_r, the primal residual), so with a reduced dual
 * z_r = Z y, (Z^T A^T Z) y = -Z^T l, the corrected output s_c = s_r - z_r^T r_pr(u_r) has
 *     |s - s_c| = |(z - z_r)^T r_pr| <= ||r_pr||_X' ||r_du||_X' / alpha_LB(mu),
 * r_du = -l - A^T z_r the dual residual (Hesthaven, Rozza, Stamm 2016, sec. 4.3.3; Pierce and
 * Giles, SIAM Review 42, 2000): the error of the corrected output is the product of the two
 * residuals, "squared" convergence. With symmetric terms (checked on the projected terms)
 * A_q^T = A_q is applied; otherwise the dual residual needs the host's transposed terms
 * (rom_model_set_affine_operator_transpose) and the dual snapshots its transposed solves
 * (rom_model_affine_solve with transpose = 1); the coercivity bound is the primal one, since
 * v^T A^T v = v^T A v. Each output has its own dual space. */

/* rom_affine_rom_set_output_dual - the dual data of output o (0 <= o < num_outputs), whose
 * weights the ROM keeps since rom_affine_rom_add_output (ROM_ERR_STATE after a file read).
 * The dual reduced space is
 *   dual != NULL: the caller's orthonormal basis Z (same rows as the model; its reference is
 *                 ignored), e.g. the primal basis for a compliant output (l = f);
 *   dual == NULL: built from dual snapshots: ntrain >= 1 host solves A(theta_i)^T z_i = -l at
 *                 the caller's coefficient vectors train_theta (ntrain x Qa, row i =
 *                 theta_i), orthonormalised (Gram-Schmidt twice, dependent ones dropped).
 * Needs the estimator (rom_affine_rom_build_estimator) and its model; for non-symmetric terms
 * the model's transposed terms (ROM_ERR_UNSUPPORTED without them). Extending the ROM keeps the
 * dual data (rom_affine_rom_extend). Collective. */
int rom_affine_rom_set_output_dual(rom_affine_rom *rom, rom_model *model, const rom_basis *basis,
                                   int o, const rom_basis *dual, const double *train_theta,
                                   int ntrain);
/* 1 if output o has dual data (an output bound), else 0. Not collective. */
int rom_affine_rom_has_output_bound(const rom_affine_rom *rom, int o);

/* rom_affine_rom_output_bounds - for the steady reduced solution q at (theta, phi): per output,
 * corrected[o] = s_r - z_r^T r_pr and bounds[o] >= |s(mu) - corrected[o]|; an output without
 * dual data gets corrected[o] = s_r and bounds[o] = NAN. Either array may be NULL. Not
 * collective, cost independent of N. */
int rom_affine_rom_output_bounds(rom_affine_rom *rom, const double *theta, const double *phi,
                                 const double *q, double *corrected, double *bounds);

/* rom_affine_rom_transient_bound - error bound of an implicit-Euler reduced trajectory
 * (rom_affine_rom_transient with the same theta, phi, dt, steps; trajectory: (steps + 1) x k):
 *     ||e^n||_M <= bounds[n] = sqrt(e0^2 + (dt / alpha_LB) sum_{m=1..n} ||r^m||_X'^2),
 * r^m = f - A u_r^m - M (u_r^m - u_r^{m-1}) / dt the FOM's step residual at the reduced
 * state, e0 >= ||e^0||_M the caller's bound of the initial error (0 when the initial state is
 * represented exactly, e.g. u_0 = 0 without reference). The standard energy argument for
 * backward Euler (Grepl, Patera, M2AN 39, 2005, Prop. 4.1; Haasdonk, Ohlberger, M2AN 42,
 * 2008): multiply the error equation by e^m, use (a - b)^T M a >= (|a|_M^2 - |b|_M^2) / 2 and
 * Young's inequality; the same sum also bounds dt alpha_LB sum_m ||e^m||_X^2. Supported: the
 * model's mass M symmetric positive definite (the identity, P3's, or the host's mass; the
 * projected M^r is checked for symmetry); the M-norm is then ||v||_M^2 = v^T M v (the
 * Euclidean norm for the identity). Not collective. */
int rom_affine_rom_transient_bound(rom_affine_rom *rom, const double *theta, const double *phi,
                                   double dt, rom_int steps, const double *trajectory, double e0,
                                   double *bounds);

#ifdef __cplusplus
}
#endif
#endif
