/* Shared helpers of romkit's SVD/POD tests (testutil_svd.h). */
#include "testutil_svd.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

rom_dmat *test_known_matrix(rom_ctx *ctx, rom_int lr, rom_int m, const double *s, rom_int rank) {
  rom_dmat *A = NULL;
  CHECK_OK(ctx, rom_known_spectrum_matrix(ctx, lr, m, s, rank, &A));
  return A;
}

rom_dmat *test_random_matrix(rom_ctx *ctx, rom_int lr, rom_int m, uint64_t seed) {
  rom_dmat *A = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, lr, m, &A));
  if (!A) return NULL;
  rom_int off = rom_dmat_row_offset(A), ld = rom_dmat_ld(A);
  double *a = rom_dmat_data(A);
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < lr; ++i)
      a[i + j * ld] = rom_rng_normal(seed, (uint64_t)j, (uint64_t)(off + i));
  return A;
}

double *test_gather(rom_ctx *ctx, const rom_dmat *A) {
  rom_int N = rom_dmat_global_rows(A), n = rom_dmat_cols(A);
  double *all = rom_ctx_rank(ctx) == 0 ? malloc(sizeof(double) * (size_t)(N * n + 1)) : NULL;
  CHECK_OK(ctx, rom_dmat_gather(A, 0, all));
  return all;
}

void test_sign_normalise(rom_int N, rom_int k, double *U) {
  for (rom_int j = 0; j < k; ++j) {
    double *c = U + j * N, best = -1.0;
    rom_int at = 0;
    for (rom_int i = 0; i < N; ++i)
      if (fabs(c[i]) > best) best = fabs(c[i]), at = i;
    if (c[at] < 0)
      for (rom_int i = 0; i < N; ++i)
        c[i] = -c[i];
  }
}

void test_lapack_svd(rom_int N, rom_int m, const double *A, double *s, double *U) {
  rom_int r = N < m ? N : m;
  double *a = malloc(sizeof(double) * (size_t)(N * m));
  double *vt = malloc(sizeof(double) * (size_t)(r * m));
  memcpy(a, A, sizeof(double) * (size_t)(N * m));
  int info =
      LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (int)N, (int)m, a, (int)N, s, U, (int)N, vt, (int)r);
  CHECK(info == 0, "reference dgesdd info = %d", info);
  test_sign_normalise(N, r, U);
  free(a);
  free(vt);
}

double test_orthogonality_error(rom_ctx *ctx, const rom_dmat *U) {
  rom_int k = rom_dmat_cols(U);
  double *g = malloc(sizeof(double) * (size_t)(k * k + 1)), e = 0.0;
  CHECK_OK(ctx, rom_dmat_transpose_times(U, U, g, k));
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < k; ++i)
      e = fmax(e, fabs(g[i + j * k] - (i == j ? 1.0 : 0.0)));
  free(g);
  return e;
}
