/* romkit — greedy construction of a reduced basis for a linear affine problem.
 *
 * The reduced-basis greedy (Veroy, Prud'homme, Rovas, Patera, AIAA 2003-3847; Hesthaven,
 * Rozza, Stamm, "Certified Reduced Basis Methods", Springer 2016, sec. 3.2.2; Buffa, Maday,
 * Patera, Prud'homme, Turinici, ESAIM M2AN 46, 2012 for its convergence): over a training set
 * Xi of parameters (a rom_sweep_design: grid, Latin hypercube or Monte Carlo, thousands of
 * points, or an explicit list),
 *
 *   mu_1 = the argmax over Xi of the zero-basis estimate Delta_0(mu) (option first_index:
 *          ROM_GREEDY_FIRST_ARGMAX, the default), or a given training point;
 *   for k = 1, 2, ...:
 *     u(mu_k) = the FOM solve at mu_k, through the host's solver (rom_model_affine_solve);
 *     orthonormalise u(mu_k) against Phi_{k-1} (classical Gram-Schmidt twice, in the
 *       Euclidean inner product, so Phi^T Phi = I as every romkit basis promises);
 *     Phi_k = [Phi_{k-1}, the new vector]; the Galerkin ROM on Phi_k;
 *     e_k = max over Xi of the estimator Delta_k(mu); stop if e_k <= tolerance or
 *       k = max_size; else mu_{k+1} = the argmax.
 *
 * The ROM is built once (k = 1) and then updated incrementally: rom_affine_rom_extend projects
 * only the new row and column of every reduced matrix and adds the new vector's Riesz
 * representers to the error estimator (no re-projection of the old part).
 *
 * Estimators: ROM_GREEDY_WEAK (the default), the a-posteriori bound
 * ||u(mu) - u_r(mu)||_X <= Delta(mu) of rom_affine_rom_error_bound (X = A(theta_bar), the
 * stable residual dual norm over a coercivity lower bound), evaluated online at a cost
 * independent of N; ROM_GREEDY_STRONG, the true error ||u(mu) - Phi_k q(mu)||_2 (Euclidean)
 * at every training point: a FOM solve at every training point once (kept in memory), the
 * reference for small training sets.
 *
 * Distribution: the training points are split over the model's ranks in contiguous blocks
 * (rank r gets ns/P points, the first ns mod P one more; a rank may get none); FOM solves,
 * the Gram-Schmidt reductions and the ROM update are collective. The argmax is reduced
 * deterministically: the lowest training index whose value is within a relative
 * ROM_GREEDY_TIE_TOLERANCE of the maximum, so values that differ only by the rounding of
 * a different rank count still give the same choice on 1, 2 or 4 ranks.
 *
 * A snapshot whose component orthogonal to the basis is below span_tolerance times its norm
 * is already in the span (to rounding): the greedy stops there (ROM_GREEDY_STOP_SPAN,
 * logged at ROM_LOG_WARN with the index and the norms) instead of adding a vector of noise.
 * docs/greedy.md is the user's guide.
 */
#ifndef ROMKIT_GREEDY_H
#define ROMKIT_GREEDY_H

#include "romkit/affine_rom.h"
#include "romkit/sweep.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_GREEDY_WEAK = 0,  /* a-posteriori error bound (cost independent of N per point) */
  ROM_GREEDY_STRONG = 1 /* true Euclidean error (a FOM solve at every training point) */
} rom_greedy_estimator;

/* Names as the CLI spells them: "weak", "strong". from_name: ROM_ERR_ARG for anything else.
 * Not collective. */
const char *rom_greedy_estimator_name(rom_greedy_estimator estimator);
int rom_greedy_estimator_from_name(const char *name, rom_greedy_estimator *estimator);

typedef enum {
  ROM_GREEDY_STOP_NONE = 0,      /* not run */
  ROM_GREEDY_STOP_TOLERANCE = 1, /* the max estimate reached the tolerance */
  ROM_GREEDY_STOP_MAX_SIZE = 2,  /* the basis reached max_size (or the training set size) */
  ROM_GREEDY_STOP_SPAN = 3,      /* the next snapshot was already in the span */
  ROM_GREEDY_STOP_POOL = 4       /* adaptive: the pool ran out before a validation passed */
} rom_greedy_stop;
/* "none", "tolerance", "max-size", "span", "pool". Not collective. */
const char *rom_greedy_stop_name(rom_greedy_stop stop);

/* Relative window of the deterministic argmax (see above). */
#define ROM_GREEDY_TIE_TOLERANCE 1e-10

/* first_index = ROM_GREEDY_FIRST_ARGMAX: the first snapshot is taken where the estimator of
 * the EMPTY basis is largest, so that every snapshot is chosen by the greedy rule, as in the
 * analysis of the (weak) greedy (Binev, Cohen, Dahmen, DeVore, Petrova, Wojtaszczyk, SIAM J.
 * Math. Anal. 43, 2011: f_0 with ||f_0|| >= gamma max ||f||) and in pyMOR's weak_greedy. With
 * the empty basis u_r = 0, so the weak estimate is Delta_0(mu) = ||f(mu)||_X' / alpha_LB(mu)
 * (Riesz representers of the Qf rhs terms, Qf solves with X = A(theta_bar)), and the strong
 * one ||u(mu)||_2. */
#define ROM_GREEDY_FIRST_ARGMAX (-1)

/* Progress callback: called on every rank after iteration `iteration` (0-based; the basis
 * then has k = iteration + 1 vectors), with the training index and parameters (p values)
 * of the snapshot added, the max estimate over the training set with the new basis and the
 * seconds since the start. Return 0 to go on. Not collective (romkit calls it on every
 * rank with the same values; print on one). */
typedef int (*rom_greedy_progress_fn)(void *user, rom_int iteration, rom_int index,
                                      const double *mu, double max_estimate, double seconds);

typedef struct {
  rom_greedy_estimator estimator; /* default ROM_GREEDY_WEAK */
  double tolerance;               /* > 0: stop when the max estimate <= tolerance; default 1e-6 */
  rom_int max_size;               /* >= 1: the largest basis; default 50 */
  rom_int first_index;            /* training index of the first snapshot, or
                                     ROM_GREEDY_FIRST_ARGMAX (the default): the argmax of the
                                     zero-basis estimate */
  double span_tolerance;          /* in (0, 1): a snapshot whose orthogonal part is below this
                                     fraction of its norm is in the span; default 1e-10 */
  const rom_estimator_options *estimator_options; /* weak: the bound's inner product
                                     X = A(theta_bar) and coercivity bound (romkit/affine_rom.h);
                                     NULL: defaults (theta_bar = 1, min-theta) */
  rom_greedy_progress_fn progress;                /* NULL: none */
  void *progress_user;
  /* Adaptive refinement of the training set (weak estimator only), the "adaptively enriching
   * greedy" of Hesthaven, Stamm, Zhang, ESAIM: M2AN 48 (2014) 259-283, sec. 4: the training
   * set keeps M = ns points (the given ones first). After each iteration the points whose
   * estimate is <= tolerance are dropped (by the saturation assumption they stay resolved)
   * and replaced by fresh points from adaptive_pool, so the greedy sees ever new parameters;
   * when the max over the set reaches the tolerance, a safety check draws
   * adaptive_validation fresh points: if every estimate there is <= tolerance the greedy
   * stops (certified on the training set and the fresh sample), otherwise the failing points
   * join the set and the greedy goes on. Fresh points are taken from the pool in order
   * (sample 0, 1, ...; a pure function of the design and the index: the same on every rank
   * count); the pool is typically a Monte Carlo design with a large sample count. When it
   * runs out before a validation passes the greedy stops with ROM_GREEDY_STOP_POOL. */
  /* weak: 1 bounds the energy norm |||e|||_mu = sqrt(e^T A(mu) e) <= ||r||_X' / sqrt(alpha_LB)
   * (Hesthaven, Rozza, Stamm 2016, sec. 4.2.2) instead of ||e||_X <= ||r||_X' / alpha_LB (0,
   * the default): the energy bound's effectivity is the square root of the X bound's
   * (parameter-dependent) one, at most sqrt(gamma_UB / alpha_LB), so its argmax is closer
   * to the point of largest true error. */
  int energy_norm;
  const rom_sweep_design *adaptive_pool; /* NULL (default): the training set is fixed */
  rom_int adaptive_validation;           /* fresh points per safety check; 0 (default): ns */
} rom_greedy_options;

rom_greedy_options rom_greedy_options_default(void);

typedef struct rom_greedy rom_greedy;

/* rom_greedy_run - the greedy over the training design (every sample of it). The model
 * must be affine (rom_model_set_affine_operator, rom_model_set_affine_rhs with its
 * coefficient maps theta(mu), phi(mu)) and have a solver (rom_model_set_affine_solve).
 * Collective over the model's context. Errors (agreed on every rank, naming the argument):
 * ROM_ERR_ARG (training NULL or empty, tolerance <= 0 or not finite, max_size < 1,
 * first_index outside the training set, span_tolerance outside (0, 1)), ROM_ERR_DIM (a
 * parameter count that differs from the model's), ROM_ERR_STATE (no affine operator or rhs, no
 * solver: rom_model_set_affine_solve), ROM_ERR_UNSUPPORTED (ROM_GREEDY_WEAK on a problem that is
 * not parametrically coercive without a coercivity bound: rom_affine_rom_build_estimator),
 * ROM_ERR_CALLBACK (a host callback failed), ROM_ERR_UNSUPPORTED (adaptive_pool with the
 * strong estimator), ROM_ERR_DIM (a pool with another parameter count), ROM_ERR_ARG
 * (adaptive_validation < 0), ROM_ERR_SINGULAR (a reduced matrix is singular at a
 * training point, naming it). */
int rom_greedy_run(rom_model *model, const rom_sweep_design *training,
                   const rom_greedy_options *opts, rom_greedy **out);
/* rom_greedy_run_points - the same over an explicit training set: ns points, mu
 * row-major (ns x p, the same on every rank). Collective. */
int rom_greedy_run_points(rom_model *model, rom_int ns, const double *mu,
                          const rom_greedy_options *opts, rom_greedy **out);
int rom_greedy_destroy(rom_greedy **g); /* NULL-safe. Not collective. */

/* Results. Not collective; the same on every rank. */
rom_int rom_greedy_size(const rom_greedy *g);                /* k, the basis size */
int rom_greedy_num_parameters(const rom_greedy *g);          /* p */
const rom_basis *rom_greedy_basis(const rom_greedy *g);      /* N x k, owned by g */
rom_affine_rom *rom_greedy_rom(const rom_greedy *g);         /* on the basis, owned by g */
const rom_int *rom_greedy_indices(const rom_greedy *g);      /* k training indices chosen */
const double *rom_greedy_parameters(const rom_greedy *g);    /* k x p, row-major */
const double *rom_greedy_max_estimates(const rom_greedy *g); /* k: after j + 1 vectors */
rom_greedy_stop rom_greedy_stop_reason(const rom_greedy *g);
rom_int rom_greedy_fom_solves(const rom_greedy *g); /* all FOM solves (strong: + ns) */
/* Adaptive refinement: the pool samples drawn, and the safety checks made (0 without a
 * pool). The index of a pool sample j in rom_greedy_indices is ns + j. */
rom_int rom_greedy_pool_samples(const rom_greedy *g);
rom_int rom_greedy_validations(const rom_greedy *g);
double rom_greedy_seconds(const rom_greedy *g); /* wall-clock, slowest rank */

#ifdef __cplusplus
}
#endif
#endif
