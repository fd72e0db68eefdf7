/* Reduced matrices on matrix manifolds (Amsallem and Farhat, SIAM J. Sci. Comput. 33(5),
 * 2011, sec. 4 and Table 4.1; libROM's MatrixInterpolator):
 *   general:      Log_X0(X) = X - X0,                          Exp_X0(G) = X0 + G
 *   SPD:          Log_X0(X) = log(X0^-1/2 X X0^-1/2),          Exp_X0(G) = X0^1/2 exp(G) X0^1/2
 *   nonsingular:  Log_X0(X) = log(X X0^-1),                    Exp_X0(G) = exp(G) X0
 * The symmetric functions (log, exp, square roots) go through one eigendecomposition each
 * (LAPACK dsyevd). The principal logarithm of the nonsingular case goes through the
 * complex eigendecomposition (zgeev): log(P) = W diag(log lambda) W^-1, refused when an
 * eigenvalue is real and <= 0 (no real logarithm) or W is ill-conditioned (P defective or
 * nearly so); the exponential is Taylor with scaling and squaring (Moler and Van Loan,
 * "Nineteen dubious ways...", SIAM Review 45(1), 2003, method 3). All matrices are small
 * (k x k) and replicated: nothing here communicates. */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <cblas.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

static void gemm(rom_int k, const double *A, const double *B, double *C) {
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)k, (int)k, 1.0, A, (int)k, B,
              (int)k, 0.0, C, (int)k);
}

/* Symmetric f(S) = E f(lambda) E^T for S symmetric (only its upper triangle is read).
 * fn: 0 log, 1 exp, 2 sqrt, 3 1/sqrt. Positive eigenvalues are required for 0, 2, 3. */
static int symmetric_function(rom_ctx *ctx, rom_int k, const double *S, int fn, const char *what,
                              double *out) {
  int err = ROM_OK;
  double *E = NULL, *lam = NULL, *F = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&E));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&F));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)k, (void **)&lam));
  memcpy(E, S, sizeof(double) * (size_t)(k * k));
  {
    lapack_int info =
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)k, E, (lapack_int)k, lam);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dsyevd of %s failed (info %d)", what, (int)info);
  }
  if (fn != 1)
    ROM_CHECK(ctx, lam[0] > 1e-14 * fabs(lam[k - 1]) && lam[0] > 0.0, ROM_ERR_SINGULAR,
              "%s is not positive definite (eigenvalues %g .. %g)", what, lam[0], lam[k - 1]);
  for (rom_int j = 0; j < k; ++j) {
    double f = fn == 0   ? log(lam[j])
               : fn == 1 ? exp(lam[j])
               : fn == 2 ? sqrt(lam[j])
                         : 1.0 / sqrt(lam[j]);
    for (rom_int i = 0; i < k; ++i)
      F[i + j * k] = E[i + j * k] * f;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)k, 1.0, F, (int)k, E,
              (int)k, 0.0, out, (int)k);
  for (rom_int j = 0; j < k; ++j) /* exactly symmetric */
    for (rom_int i = 0; i < j; ++i)
      out[i + j * k] = out[j + i * k] = 0.5 * (out[i + j * k] + out[j + i * k]);
cleanup:
  rom_free(ctx, E);
  rom_free(ctx, F);
  rom_free(ctx, lam);
  return err;
}

/* A symmetric matrix to round-off: |A_ij - A_ji| <= 1e-10 max|A|. */
static int check_symmetric(rom_ctx *ctx, rom_int k, const double *A, const char *what) {
  int err = ROM_OK;
  double amax = 0.0;
  for (rom_int i = 0; i < k * k; ++i)
    amax = fmax(amax, fabs(A[i]));
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < j; ++i)
      ROM_CHECK(ctx, fabs(A[i + j * k] - A[j + i * k]) <= 1e-10 * amax, ROM_ERR_SINGULAR,
                "%s is not symmetric (entries (%lld, %lld) = %g and (%lld, %lld) = %g): not on "
                "the SPD manifold",
                what, (long long)i, (long long)j, A[i + j * k], (long long)j, (long long)i,
                A[j + i * k]);
cleanup:
  return err;
}

/* out = exp(G) by scaling and squaring: exp(G) = (T(G / 2^s))^(2^s) with T the Taylor
 * polynomial of degree 18 and ||G / 2^s||_1 <= 1/4 (truncation below 1e-26). */
static int matrix_exp(rom_ctx *ctx, rom_int k, const double *G, double *out) {
  int err = ROM_OK;
  double *A = NULL, *term = NULL, *tmp = NULL, norm = 0.0;
  int s = 0;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&A));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&term));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&tmp));
  for (rom_int j = 0; j < k; ++j) {
    double col = 0.0;
    for (rom_int i = 0; i < k; ++i)
      col += fabs(G[i + j * k]);
    norm = fmax(norm, col);
  }
  ROM_CHECK(ctx, isfinite(norm) && norm < 700.0, ROM_ERR_NOT_FINITE,
            "the matrix exponential of a matrix of 1-norm %g overflows", norm);
  while (norm / ldexp(1.0, s) > 0.25)
    ++s;
  for (rom_int i = 0; i < k * k; ++i)
    A[i] = G[i] / ldexp(1.0, s);
  memset(out, 0, sizeof(double) * (size_t)(k * k));
  memset(term, 0, sizeof(double) * (size_t)(k * k));
  for (rom_int i = 0; i < k; ++i)
    out[i + i * k] = term[i + i * k] = 1.0;
  for (int m = 1; m <= 18; ++m) {
    gemm(k, term, A, tmp);
    for (rom_int i = 0; i < k * k; ++i) {
      term[i] = tmp[i] / m;
      out[i] += term[i];
    }
  }
  for (int j = 0; j < s; ++j) {
    gemm(k, out, out, tmp);
    memcpy(out, tmp, sizeof(double) * (size_t)(k * k));
  }
cleanup:
  rom_free(ctx, A);
  rom_free(ctx, term);
  rom_free(ctx, tmp);
  return err;
}

/* out = principal log(P) of a real k x k matrix (see the file comment):
 * P = W diag(lambda) W^-1, log(P) = (W diag(log lambda)) W^-1, the last product as the
 * solve W^T L^T = (W diag(log lambda))^T. */
static int matrix_log(rom_ctx *ctx, rom_int k, const double *P, double *out) {
  int err = ROM_OK;
  double complex *A = NULL, *W = NULL, *lam = NULL, *B = NULL;
  lapack_int *ipiv = NULL;
  const size_t kk = (size_t)(k * k);
  double anorm = 0.0, rcond = 0.0, imax = 0.0, rmax = 0.0;
  lapack_int info = 0;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * kk, (void **)&A));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * kk, (void **)&W));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * kk, (void **)&B));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)k, (void **)&lam));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)k, (void **)&ipiv));
  for (size_t i = 0; i < kk; ++i)
    A[i] = P[i];
  info = LAPACKE_zgeev(LAPACK_COL_MAJOR, 'N', 'V', (lapack_int)k, A, (lapack_int)k, lam, NULL, 1, W,
                       (lapack_int)k);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgeev failed (info %d)", (int)info);
  for (rom_int j = 0; j < k; ++j) {
    const double complex l = lam[j];
    ROM_CHECK(ctx, cabs(l) > 0.0 && !(fabs(cimag(l)) <= 1e-12 * cabs(l) && creal(l) <= 0.0),
              ROM_ERR_SINGULAR,
              "X X0^-1 has the real eigenvalue %g <= 0: it has no real principal logarithm, "
              "so the matrix cannot be interpolated on the nonsingular manifold from this "
              "reference",
              creal(l));
    const double complex lg = clog(l);
    for (rom_int i = 0; i < k; ++i)
      B[j + i * k] = W[i + j * k] * lg; /* B = (W D)^T */
  }
  for (rom_int j = 0; j < k; ++j) /* A = W^T */
    for (rom_int i = 0; i < k; ++i)
      A[i + j * k] = W[j + i * k];
  for (rom_int j = 0; j < k; ++j) {
    double col = 0.0;
    for (rom_int i = 0; i < k; ++i)
      col += cabs(A[i + j * k]);
    anorm = fmax(anorm, col);
  }
  info = LAPACKE_zgetrf(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)k, A, (lapack_int)k, ipiv);
  if (info == 0)
    info = LAPACKE_zgecon(LAPACK_COL_MAJOR, '1', (lapack_int)k, A, (lapack_int)k, anorm, &rcond);
  ROM_CHECK(ctx, info == 0 && rcond >= 1e-10, ROM_ERR_SINGULAR,
            "X X0^-1 is defective or nearly so (eigenvector reciprocal condition %.2e): its "
            "logarithm is not computed reliably by diagonalisation",
            rcond);
  info = LAPACKE_zgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)k, (lapack_int)k, A, (lapack_int)k, ipiv,
                        B, (lapack_int)k);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgetrs failed (info %d)", (int)info);
  /* B = L^T; a real P has a real principal log (its complex eigenvalues come in pairs) */
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < k; ++i) {
      out[i + j * k] = creal(B[j + i * k]);
      imax = fmax(imax, fabs(cimag(B[j + i * k])));
      rmax = fmax(rmax, fabs(creal(B[j + i * k])));
    }
  ROM_CHECK(ctx, imax <= 1e-8 * fmax(1.0, rmax), ROM_ERR_SINGULAR,
            "the logarithm of X X0^-1 is not real (imaginary part %g)", imax);
cleanup:
  rom_free(ctx, A);
  rom_free(ctx, W);
  rom_free(ctx, B);
  rom_free(ctx, lam);
  rom_free(ctx, ipiv);
  return err;
}

static int check_args(rom_ctx *ctx, rom_matrix_manifold manifold, rom_int rows, rom_int cols,
                      const double *A, const char *a, const double *B, const char *b) {
  int err = ROM_OK;
  ROM_CHECK(ctx, manifold >= ROM_MANIFOLD_GENERAL && manifold <= ROM_MANIFOLD_NONSINGULAR,
            ROM_ERR_ARG, "unknown matrix manifold %d", (int)manifold);
  ROM_CHECK(ctx, rows >= 1 && cols >= 1, ROM_ERR_ARG, "the matrices are %lld x %lld",
            (long long)rows, (long long)cols);
  ROM_CHECK(ctx, manifold == ROM_MANIFOLD_GENERAL || rows == cols, ROM_ERR_DIM,
            "the %s manifold holds square matrices, not %lld x %lld",
            manifold == ROM_MANIFOLD_SPD ? "SPD" : "nonsingular", (long long)rows, (long long)cols);
  ROM_CHECK(ctx, A && B, ROM_ERR_ARG, "%s and %s must not be NULL", a, b);
  for (rom_int i = 0; i < rows * cols; ++i) {
    ROM_CHECK(ctx, isfinite(A[i]), ROM_ERR_NOT_FINITE, "%s holds %g at entry (%lld, %lld)", a, A[i],
              (long long)(i % rows), (long long)(i / rows));
    ROM_CHECK(ctx, isfinite(B[i]), ROM_ERR_NOT_FINITE, "%s holds %g at entry (%lld, %lld)", b, B[i],
              (long long)(i % rows), (long long)(i / rows));
  }
cleanup:
  return err;
}

/* X0^1/2 and X0^-1/2 of an SPD X0. */
static int spd_roots(rom_ctx *ctx, rom_int k, const double *X0, double *half, double *inv_half) {
  int err = ROM_OK;
  ROM_TRY(ctx, check_symmetric(ctx, k, X0, "the reference matrix"));
  if (half) ROM_TRY(ctx, symmetric_function(ctx, k, X0, 2, "the reference matrix", half));
  if (inv_half) ROM_TRY(ctx, symmetric_function(ctx, k, X0, 3, "the reference matrix", inv_half));
cleanup:
  return err;
}

int rom_matrix_manifold_log(rom_ctx *ctx, rom_matrix_manifold manifold, rom_int rows, rom_int cols,
                            const double *X0, const double *X, double *Gamma) {
  int err = ROM_OK;
  double *R = NULL, *T = NULL;
  lapack_int *ipiv = NULL;
  const rom_int k = rows;
  if (!ctx) return ROM_ERR_ARG;
  ROM_TRY(ctx, check_args(ctx, manifold, rows, cols, X0, "the reference matrix", X, "the matrix"));
  ROM_CHECK(ctx, Gamma != NULL, ROM_ERR_ARG, "Gamma must not be NULL");
  if (manifold == ROM_MANIFOLD_GENERAL) {
    for (rom_int i = 0; i < rows * cols; ++i)
      Gamma[i] = X[i] - X0[i];
    return ROM_OK;
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&R));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&T));
  if (manifold == ROM_MANIFOLD_SPD) {
    ROM_TRY(ctx, check_symmetric(ctx, k, X, "the matrix"));
    ROM_TRY(ctx, spd_roots(ctx, k, X0, NULL, R));
    gemm(k, R, X, T);
    gemm(k, T, R, Gamma);
    ROM_TRY(ctx, symmetric_function(ctx, k, Gamma, 0, "X0^-1/2 X X0^-1/2", T));
    memcpy(Gamma, T, sizeof(double) * (size_t)(k * k));
  } else {
    /* P = X X0^-1, i.e. X0^T P^T = X^T */
    lapack_int info = 0;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)k, (void **)&ipiv));
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i < k; ++i) {
        R[i + j * k] = X0[j + i * k];
        T[i + j * k] = X[j + i * k];
      }
    info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)k, R, (lapack_int)k, ipiv, T,
                         (lapack_int)k);
    ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dgesv: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "the reference matrix is singular (dgesv: zero pivot %d)", (int)info);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i < k; ++i)
        R[i + j * k] = T[j + i * k];
    ROM_TRY(ctx, matrix_log(ctx, k, R, Gamma));
  }
cleanup:
  rom_free(ctx, R);
  rom_free(ctx, T);
  rom_free(ctx, ipiv);
  return err;
}

int rom_matrix_manifold_exp(rom_ctx *ctx, rom_matrix_manifold manifold, rom_int rows, rom_int cols,
                            const double *X0, const double *Gamma, double *X) {
  int err = ROM_OK;
  double *R = NULL, *T = NULL, *E = NULL;
  const rom_int k = rows;
  if (!ctx) return ROM_ERR_ARG;
  ROM_TRY(ctx, check_args(ctx, manifold, rows, cols, X0, "the reference matrix", Gamma,
                          "the tangent vector"));
  ROM_CHECK(ctx, X != NULL, ROM_ERR_ARG, "X must not be NULL");
  if (manifold == ROM_MANIFOLD_GENERAL) {
    for (rom_int i = 0; i < rows * cols; ++i)
      X[i] = X0[i] + Gamma[i];
    return ROM_OK;
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&R));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&T));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&E));
  if (manifold == ROM_MANIFOLD_SPD) {
    ROM_TRY(ctx, check_symmetric(ctx, k, Gamma, "the tangent vector"));
    ROM_TRY(ctx, spd_roots(ctx, k, X0, R, NULL));
    ROM_TRY(ctx, symmetric_function(ctx, k, Gamma, 1, "the tangent vector", E));
    gemm(k, R, E, T);
    gemm(k, T, R, X);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i < j; ++i)
        X[i + j * k] = X[j + i * k] = 0.5 * (X[i + j * k] + X[j + i * k]);
  } else {
    ROM_TRY(ctx, matrix_exp(ctx, k, Gamma, E));
    gemm(k, E, X0, X);
  }
cleanup:
  rom_free(ctx, R);
  rom_free(ctx, T);
  rom_free(ctx, E);
  return err;
}

int rom_interp_matrices_weighted(rom_ctx *ctx, rom_matrix_manifold manifold, int n, rom_int rows,
                                 rom_int cols, const double *const *mats, int reference,
                                 const double *w, double *out) {
  int err = ROM_OK;
  double *G = NULL, *Gi = NULL;
  const size_t size = (size_t)(rows * cols);
  ROM_TRY(ctx, rom_calloc(ctx, size, sizeof(double), (void **)&G));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * size, (void **)&Gi));
  for (int i = 0; i < n; ++i) {
    if (w[i] == 0.0 || i == reference) continue;
    ROM_TRY(ctx, rom_matrix_manifold_log(ctx, manifold, rows, cols, mats[reference], mats[i], Gi));
    for (size_t e = 0; e < size; ++e)
      G[e] += w[i] * Gi[e];
  }
  ROM_TRY(ctx, rom_matrix_manifold_exp(ctx, manifold, rows, cols, mats[reference], G, out));
cleanup:
  rom_free(ctx, G);
  rom_free(ctx, Gi);
  return err;
}

int rom_interp_matrices(rom_ctx *ctx, rom_matrix_manifold manifold, int n, rom_int rows,
                        rom_int cols, const double *const *mats, int d, const double *params,
                        const double *target, const rom_interp_options *o, double *out) {
  int err = ROM_OK;
  double *w = NULL;
  int reference = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, mats != NULL && out != NULL, ROM_ERR_ARG, "mats and out must not be NULL");
  ROM_CHECK(ctx, n >= 2, ROM_ERR_ARG, "interpolation needs at least 2 training points (n = %d)", n);
  for (int i = 0; i < n; ++i)
    ROM_CHECK(ctx, mats[i] != NULL, ROM_ERR_ARG, "matrix %d is NULL", i);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n, (void **)&w));
  ROM_TRY(ctx, rom_interp_prepare(ctx, n, d, params, target, o, w, &reference));
  ROM_TRY(ctx, rom_interp_matrices_weighted(ctx, manifold, n, rows, cols, mats, reference, w, out));
cleanup:
  rom_free(ctx, w);
  return err;
}
