/* Radial basis function interpolation of the parameters (Fasshauer, Meshfree
 * Approximation Methods with MATLAB, World Scientific 2007, ch. 2 and 6; libROM's
 * "LS" interpolation in lib/algo/manifold_interp/Interpolator.cpp):
 *
 *   s(mu) = sum_j c_j phi(eps ||mu - mu_j||) + sum_l beta_l p_l(mu),
 *   s(mu_i) = f_i,  sum_j c_j p_l(mu_j) = 0,
 *
 * p = (1, mu_1, .., mu_d) when options.polynomial (then linear f is reproduced exactly),
 * none otherwise. s is linear in f, s(mu*) = sum_i w_i f_i with
 *   [Phi P; P^T 0] [w; v] = [phi(mu*); p(mu*)]
 * (the system matrix is symmetric), solved by LU (dgetrf/dgetrs) with its reciprocal
 * condition number estimated (dgecon): below 1e-14 the weights are noise, and the call
 * says so instead of returning them.
 *
 * Shape parameter: eps = options.shape, or (shape = 0) libROM's rule: phi at the closest
 * pair of training points equals options.closest_value c, i.e. with r_min that distance
 *   Gaussian          exp(-(eps r)^2)      eps = sqrt(-log c) / r_min
 *   inverse quadratic 1 / (1 + (eps r)^2)  eps = sqrt(1/c - 1) / r_min
 *   multiquadric      sqrt(1 + (eps r)^2)  eps = sqrt(1/c^2 - 1) / r_min  (1/phi = c there)
 * A new radial function is one kernel below and one line in interp_methods.h. */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <lapacke.h>
#include <math.h>

typedef double (*kernel_fn)(double er);

static double gaussian(double er) {
  return exp(-er * er);
}
static double multiquadric(double er) {
  return sqrt(1.0 + er * er);
}
static double inverse_quadratic(double er) {
  return 1.0 / (1.0 + er * er);
}

/* eps from closest_value c (see above). */
static double shape_from_closest(kernel_fn phi, double c, double rmin) {
  if (phi == gaussian) return sqrt(-log(c)) / rmin;
  if (phi == inverse_quadratic) return sqrt(1.0 / c - 1.0) / rmin;
  return sqrt(1.0 / (c * c) - 1.0) / rmin;
}

static int rbf_weights(rom_ctx *ctx, kernel_fn phi, const char *name, int n, int d,
                       const double *params, const double *target, const rom_interp_options *o,
                       double *w) {
  int err = ROM_OK;
  const int np = o->polynomial ? d + 1 : 0, m = n + np;
  double *M = NULL, *z = NULL;
  lapack_int *ipiv = NULL;
  double eps = o->shape;
  ROM_CHECK(ctx, eps >= 0.0 && isfinite(eps), ROM_ERR_ARG,
            "options.shape = %g must be >= 0 (0: from options.closest_value)", eps);
  if (eps == 0.0) {
    double rmin = INFINITY;
    ROM_CHECK(ctx, o->closest_value > 0.0 && o->closest_value < 1.0, ROM_ERR_ARG,
              "options.closest_value = %g must lie in (0, 1)", o->closest_value);
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        rmin = fmin(rmin, rom_interp_distance(d, params + i * d, params + j * d));
    eps = shape_from_closest(phi, o->closest_value, rmin);
  }
  ROM_CHECK(ctx, !o->polynomial || n >= d + 1, ROM_ERR_ARG,
            "%s with a linear polynomial needs at least d + 1 = %d training points (n = %d); "
            "set options.polynomial = 0",
            name, d + 1, n);
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)m * (size_t)m, sizeof(double), (void **)&M));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)m, (void **)&z));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)m, (void **)&ipiv));
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i)
      M[i + (size_t)j * m] = phi(eps * rom_interp_distance(d, params + i * d, params + j * d));
    if (np) {
      M[n + (size_t)j * m] = 1.0;
      M[j + (size_t)n * m] = 1.0;
      for (int k = 0; k < d; ++k) {
        M[n + 1 + k + (size_t)j * m] = params[j * d + k];
        M[j + (size_t)(n + 1 + k) * m] = params[j * d + k];
      }
    }
  }
  for (int i = 0; i < n; ++i)
    z[i] = phi(eps * rom_interp_distance(d, params + i * d, target));
  if (np) {
    z[n] = 1.0;
    for (int k = 0; k < d; ++k)
      z[n + 1 + k] = target[k];
  }
  {
    double anorm = 0.0, rcond = 0.0;
    for (int j = 0; j < m; ++j) {
      double col = 0.0;
      for (int i = 0; i < m; ++i)
        col += fabs(M[i + (size_t)j * m]);
      anorm = fmax(anorm, col);
    }
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, m, m, M, m, ipiv);
    ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dgetrf: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "the %s system of %d training points is singular (the points lie on a "
              "hyperplane? set options.polynomial = 0)",
              name, n);
    info = LAPACKE_dgecon(LAPACK_COL_MAJOR, '1', m, M, m, anorm, &rcond);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgecon: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, rcond > 1e-14, ROM_ERR_SINGULAR,
              "the %s system is ill-conditioned (reciprocal condition %.2e with shape eps = %g): "
              "choose a larger options.shape or a smaller options.closest_value",
              name, rcond, eps);
    info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'T', m, 1, M, m, ipiv, z, m);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgetrs: argument %d is invalid", (int)-info);
  }
  for (int i = 0; i < n; ++i)
    w[i] = z[i];
cleanup:
  rom_free(ctx, M);
  rom_free(ctx, z);
  rom_free(ctx, ipiv);
  return err;
}

int rom_interp_weights_rbf_gaussian(rom_ctx *ctx, int n, int d, const double *params,
                                    const double *target, const rom_interp_options *o, double *w) {
  return rbf_weights(ctx, gaussian, "Gaussian RBF", n, d, params, target, o, w);
}
int rom_interp_weights_rbf_multiquadric(rom_ctx *ctx, int n, int d, const double *params,
                                        const double *target, const rom_interp_options *o,
                                        double *w) {
  return rbf_weights(ctx, multiquadric, "multiquadric RBF", n, d, params, target, o, w);
}
int rom_interp_weights_rbf_inverse_quadratic(rom_ctx *ctx, int n, int d, const double *params,
                                             const double *target, const rom_interp_options *o,
                                             double *w) {
  return rbf_weights(ctx, inverse_quadratic, "inverse-quadratic RBF", n, d, params, target, o, w);
}
