/* romkit — exact DMD (Tu, Rowley, Luchtenburg, Brunton, Kutz, "On dynamic mode
 * decomposition: theory and applications", J. Comput. Dyn. 1, 2014, Algorithm 2), and on
 * irregular time stamps a fit of the continuous-time operator (docs/dmd.md).
 *
 * Uniform stamps: X1 = [x_0 .. x_{m-2}] = U S V^T by the POD drivers (distributed TSQR or
 * ScaLAPACK), Atilde = U^T X2 V S^-1 (r x r, replicated), Atilde W = W Lambda, exact modes
 * Phi = X2 V S^-1 W (not divided by lambda, so a mode with lambda = 0 stays defined; the
 * amplitudes absorb the scale). */
#include "core/check.h"
#include "dmd/dmd_methods.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Singular values below this fraction of s_1 are dropped whatever the truncation asks:
 * V = X^T U S^-1 would amplify round-off by 1/s. */
#define DMD_RANK_CUTOFF 1e-12

/* The POD of X (a view), truncated by the options and clipped to the numerical rank. */
static int dmd_pod(const rom_dmat *X, const rom_dmd_options *o, rom_dmd *dmd, rom_basis **basis,
                   rom_int *r_out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(X);
  rom_pod_options po = rom_pod_options_default();
  const double *s;
  rom_int ns = 0, r, k;
  po.truncation = o->truncation;
  po.energy = o->energy;
  po.rank = o->rank;
  po.method = o->svd_method;
  po.center = 0;
  ROM_TRY(ctx, rom_pod_compute(X, &po, basis));
  s = rom_basis_singular_values(*basis, &ns);
  r = rom_basis_dim(*basis);
  ROM_CHECK(ctx, ns >= 1 && s[0] > 0.0, ROM_ERR_ARG,
            "the DMD snapshots are all zero: there is nothing to fit");
  for (k = 0; k < r; k++)
    if (!(s[k] > DMD_RANK_CUTOFF * s[0])) break;
  r = k;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)ns, (void **)&dmd->sv));
  memcpy(dmd->sv, s, sizeof(double) * (size_t)ns);
  dmd->nsv = ns;
  *r_out = r;
cleanup:
  return err;
}

/* Time derivative of the rows of Y (r x m) at irregular stamps: the derivative at t_j of
 * the Lagrange polynomial through the DMD_STENCIL nearest nodes (centred inside, shifted at
 * the ends): order DMD_STENCIL - 1 in the step, fewer nodes when m is smaller. */
#define DMD_STENCIL 5
static void time_derivative(rom_int r, rom_int m, const double *t, const double *Y, double *dY) {
  rom_int j, i, s = m < DMD_STENCIL ? m : DMD_STENCIL;
  for (j = 0; j < m; j++) {
    rom_int first = j - s / 2, k, l, n;
    double w[DMD_STENCIL];
    if (first < 0) first = 0;
    if (first + s > m) first = m - s;
    /* w_k = L_k'(t_j) = sum_{l != k} 1/(x_k - x_l) prod_{n != k, l} (t_j - x_n)/(x_k - x_n) */
    for (k = 0; k < s; k++) {
      double xk = t[first + k], sum = 0.0;
      for (l = 0; l < s; l++) {
        double term;
        if (l == k) continue;
        term = 1.0 / (xk - t[first + l]);
        for (n = 0; n < s; n++)
          if (n != k && n != l) term *= (t[j] - t[first + n]) / (xk - t[first + n]);
        sum += term;
      }
      w[k] = sum;
    }
    for (i = 0; i < r; i++) {
      double v = 0.0;
      for (k = 0; k < s; k++)
        v += w[k] * Y[i + (first + k) * r];
      dY[i + j * r] = v;
    }
  }
}

/* Irregular stamps: POD of all snapshots X = U S V^T, coordinates Y = U^T X, their time
 * derivative dY (time_derivative), and the continuous-time operator L = dY Y^+ by least
 * squares (dgels on Y^T L^T = dY^T); omega = eig(L), projected modes Phi = U W, amplitudes
 * fitted to all snapshots. */
static int fit_continuous(const rom_dmd_data *d, rom_dmd *dmd) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(d->X);
  rom_basis *basis = NULL;
  rom_dmat *U = NULL;
  double *Y = NULL, *dY = NULL, *A = NULL, *B = NULL, *L = NULL, *work = NULL, wq = 0.0;
  double complex *W = NULL;
  rom_int r = 0, m = d->m, i, j;
  lapack_int info;
  ROM_TRY(ctx, dmd_pod(d->X, d->opts, dmd, &basis, &r));
  ROM_TRY(ctx, rom_dmd_copy_cols(rom_basis_vectors(basis), r, &U));
  ROM_TRY(ctx, rom_dmd_set_rank(dmd, r, rom_dmat_local_rows(d->X)));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&Y));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&dY));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&A));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&B));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&L));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&W));
  ROM_TRY(ctx, rom_dmat_transpose_times(U, d->X, Y, r));
  time_derivative(r, m, d->times, Y, dY);
  for (j = 0; j < m; j++)
    for (i = 0; i < r; i++) {
      A[j + i * m] = Y[i + j * r];
      B[j + i * m] = dY[i + j * r];
    }
  info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)m, (lapack_int)r, (lapack_int)r, A,
                            (lapack_int)m, B, (lapack_int)m, &wq, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgels workspace query failed (info = %d)", (int)info);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(wq + 1), (void **)&work));
  info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)m, (lapack_int)r, (lapack_int)r, A,
                            (lapack_int)m, B, (lapack_int)m, work, (lapack_int)wq);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "the continuous-time DMD least squares (dgels) failed (info = %d)", (int)info);
  for (i = 0; i < r; i++)
    for (j = 0; j < r; j++)
      L[i + j * r] = B[j + i * m]; /* L = (L^T)^T */
  ROM_TRY(ctx, rom_dmd_spectrum(dmd, L, 1, W));
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, U, r, W));
  ROM_TRY(ctx, rom_dmd_fit_amplitudes(dmd, d->X, m, d->times, 1));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  memcpy(dmd->y0, Y, sizeof(double) * (size_t)r);
  dmd->basis = U;
  U = NULL;
cleanup:
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&U);
  rom_free(ctx, Y);
  rom_free(ctx, dY);
  rom_free(ctx, A);
  rom_free(ctx, B);
  rom_free(ctx, L);
  rom_free(ctx, W);
  rom_free(ctx, work);
  return err;
}

/* Z = Y1^+ (c x r) for Y1 (r x c, full row rank, c >= r): QR of Y1^T = Q R (dgeqrf,
 * dorgqr), Z = Q R^-T (dtrsm). Backward stable, and invariant under the rotations of the
 * basis U that round-off makes differ between rank counts. */
static int pseudo_inverse(rom_ctx *ctx, rom_int r, rom_int c, const double *Y1, double *Z) {
  int err = ROM_OK;
  double *tau = NULL, *R = NULL, *work = NULL, wq1 = 0.0, wq2 = 0.0;
  rom_int i, j;
  lapack_int info;
  ROM_CHECK(ctx, c >= r, ROM_ERR_ARG,
            "DMD rank %lld exceeds the %lld snapshot pairs: lower the rank", (long long)r,
            (long long)c);
  for (j = 0; j < r; j++)
    for (i = 0; i < c; i++)
      Z[i + j * c] = Y1[j + i * r];
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&tau));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&R));
  info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)r, Z, (lapack_int)c, tau,
                             &wq1, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgeqrf workspace query failed (info = %d)", (int)info);
  info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)r, (lapack_int)r, Z,
                             (lapack_int)c, tau, &wq2, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dorgqr workspace query failed (info = %d)", (int)info);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(fmax(wq1, wq2) + 1), (void **)&work));
  info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)r, Z, (lapack_int)c, tau,
                             work, (lapack_int)fmax(wq1, wq2));
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgeqrf of the reduced snapshots failed (info = %d)",
            (int)info);
  for (j = 0; j < r; j++)
    for (i = 0; i < r; i++)
      R[i + j * r] = i <= j ? Z[i + j * c] : 0.0;
  for (i = 0; i < r; i++)
    ROM_CHECK(ctx, R[i + i * r] != 0.0, ROM_ERR_LAPACK,
              "the reduced snapshots are rank deficient (R[%lld,%lld] = 0): lower the rank",
              (long long)i, (long long)i);
  info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)r, (lapack_int)r, Z,
                             (lapack_int)c, tau, work, (lapack_int)fmax(wq1, wq2));
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dorgqr failed (info = %d)", (int)info);
  cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasTrans, CblasNonUnit, (int)c, (int)r, 1.0,
              R, (int)r, Z, (int)c);
cleanup:
  rom_free(ctx, tau);
  rom_free(ctx, R);
  rom_free(ctx, work);
  return err;
}

int rom_dmd_fit_exact(const rom_dmd_data *d, rom_dmd *dmd) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(d->X);
  rom_dmat *X1 = NULL, *X2 = NULL, *U = NULL;
  rom_basis *basis = NULL;
  double *Y = NULL, *Z = NULL, *At = NULL;
  double complex *W = NULL, *M = NULL;
  rom_int m = d->m, c = d->m - 1, r = 0, i, j, k;
  if (!d->uniform) return fit_continuous(d, dmd);
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 0, c, &X1));
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 1, c, &X2));
  ROM_TRY(ctx, dmd_pod(X1, d->opts, dmd, &basis, &r));
  ROM_TRY(ctx, rom_dmd_copy_cols(rom_basis_vectors(basis), r, &U));
  ROM_TRY(ctx, rom_dmd_set_rank(dmd, r, rom_dmat_local_rows(d->X)));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&Y));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(c * r), (void **)&Z));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&At));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&W));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(c * r), (void **)&M));
  /* Y = U^T X = [Y1 y_{m-1}] with Y1 = U^T X1 = S V^T; then V S^-1 = Y1^+ and
   * Atilde = U^T X2 V S^-1 = Y2 Y1^+ (Tu et al. 2014, Algorithm 2) */
  ROM_TRY(ctx, rom_dmat_transpose_times(U, d->X, Y, r));
  ROM_TRY(ctx, pseudo_inverse(ctx, r, c, Y, Z));
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)r, (int)c, 1.0, Y + r, (int)r,
              Z, (int)c, 0.0, At, (int)r);
  ROM_TRY(ctx, rom_dmd_spectrum(dmd, At, 0, W));
  /* exact modes X2 (Y1^+ W) */
  for (k = 0; k < r; k++)
    for (j = 0; j < c; j++) {
      double complex s = 0.0;
      for (i = 0; i < r; i++)
        s += Z[j + i * c] * W[i + k * r];
      M[j + k * c] = s;
    }
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, X2, c, M));
  ROM_TRY(ctx, rom_dmd_fit_amplitudes(dmd, d->X, m, d->times,
                                      d->opts->amplitudes == ROM_DMD_AMPLITUDES_ALL));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  memcpy(dmd->y0, Y, sizeof(double) * (size_t)r);
  dmd->Atilde = At;
  At = NULL;
  dmd->basis = U;
  U = NULL;
cleanup:
  rom_dmat_destroy(&X1);
  rom_dmat_destroy(&X2);
  rom_dmat_destroy(&U);
  rom_basis_destroy(&basis);
  rom_free(ctx, Y);
  rom_free(ctx, Z);
  rom_free(ctx, At);
  rom_free(ctx, W);
  rom_free(ctx, M);
  return err;
}
