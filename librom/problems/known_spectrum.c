/* Matrices with a known singular value decomposition: the POD benchmark of docs/problems.md
 * and the reference of the SVD tests (problems.h).
 *
 *   A = U diag(s) V^T,   U = the first m columns of the orthonormal DST-I matrix of size N,
 *                        V = the DST-I matrix of size m,
 *   u_j(i) = sqrt(2/(N+1)) sin(pi (i+1)(j+1)/(N+1))   (exactly orthonormal).
 *
 * The sine's argument is reduced in integers, so every rank computes bit-identical entries
 * for its global rows, and A is the same on any partition. No SVD or QR is involved: the
 * singular values are exactly s (up to the rounding of the product). Built as one dgemm of
 * the local rows of U diag(s) with V^T. */
#include "core/check.h"
#include "romkit/problems.h"

#include <cblas.h>
#include <math.h>

double rom_dst_entry(rom_int n, rom_int i, rom_int j) {
  const double pi = 3.14159265358979323846;
  rom_int t = ((i + 1) * (j + 1)) % (2 * (n + 1));
  return sqrt(2.0 / (double)(n + 1)) * sin(pi * (double)t / (double)(n + 1));
}

int rom_known_spectrum_matrix(rom_ctx *ctx, rom_int local_rows, rom_int m, const double *s,
                              rom_int rank, rom_dmat **out) {
  int err = ROM_OK;
  rom_dmat *A = NULL;
  double *us = NULL, *vt = NULL;
  rom_int N = 0, lr = 0, off = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, m >= 1 && rank >= 0 && rank <= m, ROM_ERR_ARG,
                "known-spectrum matrix: m = %lld must be >= 1 and rank = %lld in [0, m]",
                (long long)m, (long long)rank);
  ROM_CHECK_ALL(ctx, s != NULL || rank == 0, ROM_ERR_ARG, "known-spectrum matrix: s is NULL");
  ROM_TRY(ctx, rom_dmat_create(ctx, local_rows, m, &A));
  N = rom_dmat_global_rows(A);
  lr = rom_dmat_local_rows(A);
  off = rom_dmat_row_offset(A);
  ROM_CHECK_ALL(ctx, N >= rank, ROM_ERR_ARG,
                "known-spectrum matrix: rank = %lld exceeds the N = %lld rows", (long long)rank,
                (long long)N);
  if (rank > 0) {
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(lr * rank + 1), (void **)&us));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m * rank), (void **)&vt));
    for (rom_int l = 0; l < rank; ++l)
      for (rom_int i = 0; i < lr; ++i)
        us[i + l * lr] = rom_dst_entry(N, off + i, l) * s[l];
    for (rom_int l = 0; l < rank; ++l)
      for (rom_int c = 0; c < m; ++c)
        vt[l + c * rank] = rom_dst_entry(m, c, l);
    if (lr > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lr, (int)m, (int)rank, 1.0, us,
                  (int)lr, vt, (int)rank, 0.0, rom_dmat_data(A), (int)rom_dmat_ld(A));
  }
  *out = A;
  A = NULL;
cleanup:
  rom_free(ctx, us);
  rom_free(ctx, vt);
  rom_dmat_destroy(&A);
  return err;
}
