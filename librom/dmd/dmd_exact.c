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

int rom_dmd_fit_exact(const rom_dmd_data *d, rom_dmd *dmd) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(d->X);
  rom_dmat *X1 = NULL, *X2 = NULL, *U = NULL;
  rom_basis *basis = NULL;
  double *V = NULL, *P = NULL, *At = NULL;
  double complex *W = NULL, *M = NULL;
  rom_int m = d->m, r = 0, i, j, k;
  if (!d->uniform) return fit_continuous(d, dmd);
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 0, m - 1, &X1));
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 1, m - 1, &X2));
  ROM_TRY(ctx, dmd_pod(X1, d->opts, dmd, &basis, &r));
  ROM_TRY(ctx, rom_dmd_copy_cols(rom_basis_vectors(basis), r, &U));
  ROM_TRY(ctx, rom_dmd_set_rank(dmd, r, rom_dmat_local_rows(d->X)));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)((m - 1) * r), (void **)&V));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * (m - 1)), (void **)&P));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&At));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&W));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)((m - 1) * r), (void **)&M));
  /* V S^-1 = X1^T U S^-2 (X1^T U = V S) */
  ROM_TRY(ctx, rom_dmat_transpose_times(X1, U, V, m - 1));
  for (k = 0; k < r; k++)
    for (j = 0; j < m - 1; j++)
      V[j + k * (m - 1)] /= dmd->sv[k] * dmd->sv[k];
  /* Atilde = (U^T X2) (V S^-1) */
  ROM_TRY(ctx, rom_dmat_transpose_times(U, X2, P, r));
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)r, (int)(m - 1), 1.0, P,
              (int)r, V, (int)(m - 1), 0.0, At, (int)r);
  ROM_TRY(ctx, rom_dmd_spectrum(dmd, At, 0, W));
  /* exact modes X2 (V S^-1 W) */
  for (k = 0; k < r; k++)
    for (j = 0; j < m - 1; j++) {
      double complex s = 0.0;
      for (i = 0; i < r; i++)
        s += V[j + i * (m - 1)] * W[i + k * r];
      M[j + k * (m - 1)] = s;
    }
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, X2, m - 1, M));
  ROM_TRY(ctx, rom_dmd_fit_amplitudes(dmd, d->X, m, d->times,
                                      d->opts->amplitudes == ROM_DMD_AMPLITUDES_ALL));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  ROM_TRY(ctx, rom_dmat_transpose_times(U, X1, P, r)); /* first column: U^T x_0 */
  memcpy(dmd->y0, P, sizeof(double) * (size_t)r);
  dmd->Atilde = At;
  At = NULL;
  dmd->basis = U;
  U = NULL;
cleanup:
  rom_dmat_destroy(&X1);
  rom_dmat_destroy(&X2);
  rom_dmat_destroy(&U);
  rom_basis_destroy(&basis);
  rom_free(ctx, V);
  rom_free(ctx, P);
  rom_free(ctx, At);
  rom_free(ctx, W);
  rom_free(ctx, M);
  return err;
}
