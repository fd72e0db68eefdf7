/* romkit — parametric interpolation on matrix manifolds (docs/interp.md).
 *
 * Reduced-order models built at training parameters mu_1..mu_n (a basis V_i and reduced
 * matrices A_i each) are combined into a model at an unseen parameter mu* by
 * interpolating, not the matrices themselves, but their images in a tangent space of
 * the manifold they live on (Amsallem and Farhat, "Interpolation method for adapting
 * reduced-order models and application to aeroelasticity", AIAA J. 46(7), 2008;
 * Amsallem and Farhat, "An online method for interpolating linear parametric
 * reduced-order models", SIAM J. Sci. Comput. 33(5), 2011; libROM's
 * lib/algo/manifold_interp follows the same papers):
 *
 *   1. pick a reference point i0; map every point X_i to the tangent space at X_i0 with
 *      the manifold's logarithm, Gamma_i = Log_{X_i0}(X_i);
 *   2. interpolate the tangent vectors, Gamma* = sum_i w_i(mu*) Gamma_i, with weights
 *      from an interpolant of the parameters (IDW, RBF, Lagrange: the method table);
 *   3. map back with the exponential, X* = Exp_{X_i0}(Gamma*).
 *
 * Manifolds:
 *   Grassmann G(k, N) (bases; rows distributed, rom_dmat): for orthonormal Y0, Y,
 *     Log: (I - Y0 Y0^T) Y (Y0^T Y)^-1 = U S V^T (thin SVD), Gamma = U atan(S) V^T;
 *     Exp: Gamma = U S V^T, Y = (Y0 V cos(S) + U sin(S)) V^T
 *     (AF 2008, eqs. (13)-(14); the trailing V^T keeps the representative aligned to Y0,
 *     see rom_basis_align). The thin SVDs of the distributed N x k matrices are TSQR
 *     (librom/linalg/tsqr.h) followed by LAPACK on the k x k factor.
 *   general matrices (vector space): Log_X0(X) = X - X0, Exp_X0(G) = X0 + G;
 *   symmetric positive definite matrices (affine-invariant metric):
 *     Log_X0(X) = log(X0^-1/2 X X0^-1/2), Exp_X0(G) = X0^1/2 exp(G) X0^1/2,
 *     by symmetric eigendecompositions (LAPACK dsyevd); the result is SPD by construction;
 *   nonsingular matrices: Log_X0(X) = log(X X0^-1), Exp_X0(G) = exp(G) X0, the principal
 *     matrix logarithm by a complex eigendecomposition (zgeev; a matrix with a real
 *     eigenvalue <= 0 or a defective one has no such log and is refused) and the matrix
 *     exponential by scaling and squaring.
 *
 * Consistent bases (AF 2011, sec. 3): a basis is defined up to a rotation V_i Q of its
 * columns, and so are the reduced matrices (Q^T A_i Q). Interpolating A_i from
 * independently computed bases mixes unrelated coordinates and is meaningless; the bases
 * are first rotated to the reference by the orthogonal Procrustes problem,
 *   Q_i = argmin_{Q^T Q = I} ||V_i Q - V_i0||_F = U W^T  for  V_i^T V_i0 = U S W^T,
 * and the reduced matrices transformed with the same Q_i (rom_basis_align,
 * rom_interp_linear_rom). After alignment V_i0^T V_i is symmetric positive
 * semi-definite, and the Grassmann Exp above returns exactly such a representative, so
 * the interpolated basis and the interpolated reduced matrices share coordinates.
 *
 * Outside the training set: parameters are checked against the training box (the
 * axis-aligned hull [min_i mu_i, max_i mu_i] of every coordinate; for one parameter
 * this is the convex hull). options.outside says whether a target outside it is refused
 * (the default: ROM_ERR_ARG naming the coordinate), accepted with a warning through the
 * context's logger, or accepted silently. */
#ifndef ROMKIT_INTERP_H
#define ROMKIT_INTERP_H

#include "romkit/matrix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Interpolants of the parameters (the table librom/interp/interp_methods.h, in this
 * order). Each yields weights w_i(mu*) with sum_i w_i Gamma_i the interpolated tangent
 * vector. */
typedef enum {
  ROM_INTERP_IDW = 0,              /* inverse distance weighting (Shepard 1968): w_i ~ 1/d_i^p */
  ROM_INTERP_RBF_GAUSSIAN = 1,     /* radial basis functions phi(eps r) = exp(-(eps r)^2) */
  ROM_INTERP_RBF_MULTIQUADRIC = 2, /* phi(eps r) = sqrt(1 + (eps r)^2) (Hardy 1971) */
  ROM_INTERP_RBF_INVERSE_QUADRATIC = 3, /* phi(eps r) = 1 / (1 + (eps r)^2) */
  ROM_INTERP_LAGRANGE = 4 /* Lagrange polynomials: 1-D, or tensor products on a grid */
} rom_interp_method;

/* Rules of a method (rom_interp_method_rules): */
#define ROM_INTERP_RULE_LINEAR 0x1u /* reproduces linear functions of mu exactly */
#define ROM_INTERP_RULE_GRID 0x2u   /* needs training points on a tensor grid (or d = 1) */
#define ROM_INTERP_RULE_RBF 0x4u    /* a radial basis function: options.shape applies */

int rom_interp_method_count(void);
const char *rom_interp_method_name(rom_interp_method method); /* "unknown" out of range */
int rom_interp_method_from_name(const char *name, rom_interp_method *method); /* ROM_ERR_ARG */
const char *rom_interp_method_description(rom_interp_method method);
unsigned rom_interp_method_rules(rom_interp_method method);

/* What to do with a target outside the training box. */
typedef enum {
  ROM_INTERP_OUTSIDE_REFUSE = 0, /* default: ROM_ERR_ARG naming the coordinate */
  ROM_INTERP_OUTSIDE_WARN = 1,   /* extrapolate, with a warning through the logger */
  ROM_INTERP_OUTSIDE_ALLOW = 2   /* extrapolate silently */
} rom_interp_outside;

/* Matrix manifolds of reduced matrices. */
typedef enum {
  ROM_MANIFOLD_GENERAL = 0,    /* any rows x cols matrix: linear interpolation */
  ROM_MANIFOLD_SPD = 1,        /* symmetric positive definite (square) */
  ROM_MANIFOLD_NONSINGULAR = 2 /* invertible (square) */
} rom_matrix_manifold;

typedef struct {
  rom_interp_method method; /* default ROM_INTERP_RBF_GAUSSIAN */
  /* RBF shape parameter eps in phi(eps r), r the Euclidean distance of parameters (scale
   * them to comparable ranges first). 0 (default): chosen from closest_value as libROM
   * does, so that phi = closest_value at the closest pair of training points. Larger eps
   * makes the basis functions narrower (better conditioned, less smooth). */
  double shape;
  double closest_value; /* in (0, 1); default 0.9 (libROM's closest_rbf_val) */
  /* RBF: add a linear polynomial (1, mu_1..mu_d) with the usual side conditions
   * (Fasshauer, Meshfree Approximation Methods with MATLAB, 2007, ch. 6), so that linear
   * functions of mu are reproduced exactly; needs d + 1 affinely independent points.
   * Default 1. */
  int polynomial;
  double idw_power;           /* IDW exponent p > 0; default 2 */
  rom_interp_outside outside; /* default ROM_INTERP_OUTSIDE_REFUSE */
  /* Use only the `neighbours` training points nearest to the target (ties: the lower
   * index), the others get weight 0: a local interpolation, as Amsallem and Farhat
   * interpolate between nearby points. The tangent-space linearisation is accurate near
   * the reference only, and a high-degree Lagrange polynomial over far points oscillates,
   * so 2 (1-D: piecewise geodesic) to d + 2 is the robust choice for bases whose subspaces
   * turn quickly with mu. 0 (default): all points. The training-range check still uses
   * all points. */
  int neighbours;
  /* Training point whose tangent space is used (the reference i0); -1 (default): the
   * training point nearest to the target. */
  int reference;
} rom_interp_options;

rom_interp_options rom_interp_options_default(void);

/* rom_interp_weights - the weights w[0..n-1] of the n training parameters (params: n x d,
 * row major, point i at params + i d) at `target` (d values): an interpolated quantity is
 * sum_i w[i] X_i. At a training point the weights are that point's unit vector (every
 * method interpolates). Errors (ROM_ERR_*, with a sentence on ctx): n < 2 or d < 1 (ARG),
 * NaN/Inf in params or target (NOT_FINITE), two equal training points (ARG, naming both),
 * a target outside the training box under ROM_INTERP_OUTSIDE_REFUSE (ARG), Lagrange on
 * points that are not a tensor grid (ARG), an ill-conditioned RBF system (SINGULAR). Not
 * collective (the warning of ROM_INTERP_OUTSIDE_WARN goes through rom_log: rank 0). */
int rom_interp_weights(rom_ctx *ctx, int n, int d, const double *params, const double *target,
                       const rom_interp_options *o, double *w);

/* ---- Grassmann manifold: row-distributed orthonormal bases (N x k, N >= k) -------------- */

/* rom_grassmann_log - Gamma = Log_{Y0}(Y) (N x k, partitioned like Y0). Y0^T Y must be
 * nonsingular (the subspaces are not orthogonal in any direction; ROM_ERR_SINGULAR
 * otherwise). Collective. */
int rom_grassmann_log(const rom_dmat *Y0, const rom_dmat *Y, rom_dmat *Gamma);

/* rom_grassmann_exp - Y = Exp_{Y0}(Gamma) (N x k, orthonormal). Collective. */
int rom_grassmann_exp(const rom_dmat *Y0, const rom_dmat *Gamma, rom_dmat *Y);

/* rom_basis_align - rotates Y in place to Y Q, Q the orthogonal k x k matrix closest to
 * aligning Y with Y0 (Procrustes, see above); Q (k x k, column-major, replicated) is
 * returned when not NULL, to transform the reduced matrices of Y's model: A -> Q^T A Q,
 * b -> Q^T b. Collective. */
int rom_basis_align(const rom_dmat *Y0, rom_dmat *Y, double *Q);

/* rom_grassmann_interpolate - the basis at `target` from n orthonormal bases (all N x k,
 * partitioned alike) at the training parameters (n x d, row major): Log at the reference
 * (options.reference), weighted sum of the tangent vectors, Exp. The span of the result
 * at a training point is that point's span; the result is equivariant under a rotation
 * of R^N applied to every basis. `out` (N x k, partitioned like the bases) receives the
 * basis. Collective. */
int rom_grassmann_interpolate(int n, const rom_dmat *const *bases, int d, const double *params,
                              const double *target, const rom_interp_options *o, rom_dmat *out);

/* ---- reduced matrices (small, replicated on every rank) ---------------------------------- */

/* rom_matrix_manifold_log / _exp - Gamma = Log_{X0}(X) and X = Exp_{X0}(Gamma) on the
 * manifold (rows x cols, column-major; square for SPD and nonsingular). Errors: a matrix
 * that is not on the manifold (not symmetric or not positive definite for SPD: SINGULAR;
 * singular or without a real principal logarithm for NONSINGULAR: SINGULAR), NaN
 * (NOT_FINITE). Not collective. */
int rom_matrix_manifold_log(rom_ctx *ctx, rom_matrix_manifold manifold, rom_int rows, rom_int cols,
                            const double *X0, const double *X, double *Gamma);
int rom_matrix_manifold_exp(rom_ctx *ctx, rom_matrix_manifold manifold, rom_int rows, rom_int cols,
                            const double *X0, const double *Gamma, double *X);

/* rom_interp_matrices - the rows x cols matrix at `target` from n matrices mats[i] at the
 * training parameters, interpolated on `manifold` (the same steps as above). Not
 * collective. */
int rom_interp_matrices(rom_ctx *ctx, rom_matrix_manifold manifold, int n, rom_int rows,
                        rom_int cols, const double *const *mats, int d, const double *params,
                        const double *target, const rom_interp_options *o, double *out);

/* ---- interpolated linear ROMs (Amsallem and Farhat 2011) -------------------------------- */

/* rom_interp_linear_rom - the ROM of a linear system A(mu) u = f(mu) at `target` from n
 * local Galerkin ROMs: basis V_i (N x k), reduced operator A_i = V_i^T A(mu_i) V_i (k x k)
 * and reduced right-hand side b_i = V_i^T f(mu_i) (k). Aligns every V_i to the reference
 * basis (rom_basis_align) and transforms A_i and b_i with the same rotation, then
 * interpolates A on `manifold` (ROM_MANIFOLD_SPD for a symmetric positive definite
 * operator, as in the heat problem), b linearly and V on the Grassmann manifold.
 * Outputs: A (k x k) and b (k), replicated, and V (N x k, partitioned like the V_i; may be
 * NULL when only the reduced model is wanted). b and b_out may both be NULL (a model without
 * a right-hand side, e.g. a DMD's Atilde alone). The inputs are not modified. The solution
 * is u(target) ~ V q with A q = b (or the time-dependent system with these operators).
 * Collective. */
int rom_interp_linear_rom(int n, const rom_dmat *const *V, const double *const *A,
                          const double *const *b, rom_matrix_manifold manifold, int d,
                          const double *params, const double *target, const rom_interp_options *o,
                          double *A_out, double *b_out, rom_dmat *V_out);

#ifdef __cplusplus
}
#endif
#endif
