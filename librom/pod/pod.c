/* POD by TSQR + SVD of the small R (see include/romkit/pod.h and docs/pod.md).
 *
 *   S (- mean 1^T) = Q R          TSQR over the ranks (linalg/tsqr.c)
 *   R = U_r diag(s) V^T            dgesdd on rank 0 (r x m, r = min(N, m))
 *   U = Q U_r[:, :k]               pushed back down the TSQR tree, written into the basis
 *
 * Why not Cholesky-QR (eigendecomposition of S^T S): squaring doubles the condition
 * number's exponent, so singular values below sqrt(eps) * s_max (1e-8 relative) are lost;
 * the benchmark's spectrum spans exactly 1e8. */
#include "core/check.h"
#include "linalg/dmat_impl.h"
#include "linalg/tsqr.h"
#include "pod/basis_impl.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

rom_pod_options rom_pod_options_default(void) {
  rom_pod_options o;
  o.truncation = ROM_POD_TRUNCATE_ENERGY;
  o.energy = 0.9999;
  o.rank = 0;
  o.center = 0;
  return o;
}

/* The k of the truncation rule (header comment of rom_pod_truncation), s descending.
 * Energy: the smallest k with sum_{i<k} s_i^2 >= energy * sum_{i<r} s_i^2; the partial sums
 * are accumulated in the same order as the total, so k <= r even for energy = 1. */
static rom_int pod_choose_k(const rom_pod_options *o, const double *s, rom_int r) {
  if (o->truncation == ROM_POD_TRUNCATE_RANK) return o->rank < r ? o->rank : r;
  double total = 0.0, partial = 0.0;
  for (rom_int i = 0; i < r; ++i) total += s[i] * s[i];
  for (rom_int k = 1; k <= r; ++k) {
    partial += s[k - 1] * s[k - 1];
    if (partial >= o->energy * total) return k;
  }
  return r;
}

/* Rank 0: SVD of R (r x m). On success u (r x r, ld r) and s (r) are filled.
 * dgesdd (divide and conquer) first; dgesvd if it does not converge. */
static int pod_small_svd(rom_ctx *ctx, rom_int r, rom_int m, const double *R, rom_int ldr,
                         double *u, double *s) {
  int err = ROM_OK;
  double *a = NULL, *vt = NULL, *work = NULL, query = 0.0;
  lapack_int *iwork = NULL, info = 0, lwork = 0;
  size_t bytes = 0;
  if (r == 0) return ROM_OK;
  ROM_TRY(ctx, rom_size_mul(ctx, r * m, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&a));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&vt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)(8 * r), (void **)&iwork));
  for (rom_int j = 0; j < m; ++j) memcpy(a + j * r, R + j * ldr, sizeof(double) * (size_t)r);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)r, (lapack_int)m, a, (lapack_int)r,
                             s, u, (lapack_int)r, vt, (lapack_int)r, &query, -1, iwork);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgesdd workspace query (%lld x %lld) returned info = %d",
            (long long)r, (long long)m, (int)info);
  lwork = query >= 1.0 ? (lapack_int)query : 1;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)r, (lapack_int)m, a, (lapack_int)r,
                             s, u, (lapack_int)r, vt, (lapack_int)r, work, lwork, iwork);
  ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dgesdd on the %lld x %lld R factor returned info = %d",
            (long long)r, (long long)m, (int)info);
  if (info > 0) {
    /* Divide and conquer did not converge: QR iteration (dgesvd) on a fresh copy. */
    rom_free(ctx, work);
    work = NULL;
    for (rom_int j = 0; j < m; ++j) memcpy(a + j * r, R + j * ldr, sizeof(double) * (size_t)r);
    info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'S', 'N', (lapack_int)r, (lapack_int)m, a,
                               (lapack_int)r, s, u, (lapack_int)r, vt, 1, &query, -1);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgesvd workspace query returned info = %d", (int)info);
    lwork = query >= 1.0 ? (lapack_int)query : 1;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
    info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'S', 'N', (lapack_int)r, (lapack_int)m, a,
                               (lapack_int)r, s, u, (lapack_int)r, vt, 1, work, lwork);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
              "dgesdd and dgesvd both failed on the %lld x %lld R factor (dgesvd info = %d)",
              (long long)r, (long long)m, (int)info);
  }
cleanup:
  rom_free(ctx, a);
  rom_free(ctx, vt);
  rom_free(ctx, work);
  rom_free(ctx, iwork);
  return err;
}

/* Sign rule: in each column the entry of largest magnitude is made positive; among equal
 * magnitudes the lowest global row decides. Two reductions of k values: the column maxima,
 * then the minimum of key = 2 * global_row + (entry < 0) over the entries attaining it. */
static int pod_sign_normalise(rom_dmat *U) {
  int err = ROM_OK;
  rom_ctx *ctx = U->ctx;
  rom_int k = U->cols, lr = U->local_rows;
  double *amax = NULL;
  int64_t *key = NULL;
  if (k == 0) return ROM_OK;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)k, (void **)&amax));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int64_t) * (size_t)k, (void **)&key));
  for (rom_int j = 0; j < k; ++j) {
    const double *col = U->data + j * U->ld;
    double a = 0.0;
    for (rom_int i = 0; i < lr; ++i) a = fmax(a, fabs(col[i]));
    amax[j] = a;
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, amax, (int)k, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < k; ++j) {
    const double *col = U->data + j * U->ld;
    key[j] = INT64_MAX;
    if (amax[j] > 0.0)
      for (rom_int i = 0; i < lr; ++i)
        if (fabs(col[i]) == amax[j]) {
          key[j] = 2 * (U->row_offset + i) + (col[i] < 0.0 ? 1 : 0);
          break;
        }
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, key, (int)k, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < k; ++j)
    if (key[j] != INT64_MAX && (key[j] & 1)) {
      double *col = U->data + j * U->ld;
      for (rom_int i = 0; i < lr; ++i) col[i] = -col[i];
    }
cleanup:
  rom_free(ctx, amax);
  rom_free(ctx, key);
  return err;
}

int rom_pod_compute(const rom_dmat *S, const rom_pod_options *opts, rom_basis **out) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_pod_options o;
  rom_tsqr *qr = NULL;
  rom_dmat *U = NULL;
  double *mean = NULL, *s = NULL, *u_small = NULL;
  rom_int N = 0, m = 0, lr = 0, r = 0, k = 0;
  rom_basis_provenance prov;
  int rank = 0;
  if (!S) return ROM_ERR_ARG;
  ctx = S->ctx;
  rank = rom_ctx_rank(ctx);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_pod_compute: out must not be NULL");
  *out = NULL;
  o = opts ? *opts : rom_pod_options_default();
  N = S->global_rows;
  m = S->cols;
  lr = S->local_rows;

  ROM_CHECK_ALL(ctx,
                o.truncation == ROM_POD_TRUNCATE_ENERGY || o.truncation == ROM_POD_TRUNCATE_RANK,
                ROM_ERR_ARG, "POD option truncation = %d is neither ROM_POD_TRUNCATE_ENERGY nor "
                "ROM_POD_TRUNCATE_RANK", (int)o.truncation);
  ROM_CHECK_ALL(ctx, o.truncation != ROM_POD_TRUNCATE_ENERGY || (o.energy > 0.0 && o.energy <= 1.0),
                ROM_ERR_ARG, "POD option energy = %g must be in (0, 1] (the fraction of the "
                "squared singular values to keep)", o.energy);
  ROM_CHECK_ALL(ctx, o.truncation != ROM_POD_TRUNCATE_RANK || o.rank >= 1, ROM_ERR_ARG,
                "POD option rank = %lld must be >= 1 with ROM_POD_TRUNCATE_RANK", (long long)o.rank);
  ROM_CHECK_ALL(ctx, m >= 1, ROM_ERR_ARG,
                "the snapshot matrix has no columns: POD needs at least one snapshot");
  ROM_CHECK_ALL(ctx, N >= 1, ROM_ERR_ARG,
                "the snapshot matrix has no rows (N = 0): POD needs N >= 1");
  ROM_TRY(ctx, rom_dmat_check_finite(S, "snapshots"));

  if (o.center) {
    /* Row mean over the snapshots; subtracted inside TSQR's copy of the block. */
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)lr, sizeof(double), (void **)&mean));
    for (rom_int j = 0; j < m; ++j) {
      const double *col = S->data + j * S->ld;
      for (rom_int i = 0; i < lr; ++i) mean[i] += col[i];
    }
    for (rom_int i = 0; i < lr; ++i) mean[i] /= (double)m;
  }

  ROM_TRY(ctx, rom_tsqr_factor(S, mean, &qr));
  r = rom_tsqr_r_rows(qr);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&s));
  if (rank == 0) {
    rom_int ldr = 1;
    const double *R = rom_tsqr_r(qr, &ldr);
    local_err = rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&u_small);
    if (local_err == ROM_OK) local_err = pod_small_svd(ctx, r, m, R, ldr, u_small, s);
  }
  ROM_TRY_ALL(ctx, local_err);
  ROM_MPI(ctx, MPI_Bcast(s, (int)r, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  if (!(s[0] > 0.0)) {
    if (o.center)
      ROM_FAIL(ctx, ROM_ERR_ARG, "the centered snapshots are all zero (every snapshot equals the "
               "mean), no basis");
    ROM_FAIL(ctx, ROM_ERR_ARG, "snapshots are all zero, no basis");
  }

  k = pod_choose_k(&o, s, r);
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, k, &U));
  ROM_TRY(ctx, rom_tsqr_apply_q(qr, k, u_small, r, U));
  rom_tsqr_destroy(&qr); /* frees the copy of the snapshot block */
  ROM_TRY(ctx, pod_sign_normalise(U));

  memset(&prov, 0, sizeof prov);
  strcpy(prov.method, "tsqr");
  strcpy(prov.truncation, o.truncation == ROM_POD_TRUNCATE_RANK ? "rank" : "energy");
  prov.energy = o.energy;
  prov.rank = o.truncation == ROM_POD_TRUNCATE_RANK ? o.rank : 0;
  prov.center = o.center ? 1 : 0;
  ROM_TRY_ALL(ctx, rom_basis_adopt(&U, &s, r, o.center ? &mean : NULL, o.center, &prov, out));
  rom_log(ctx, ROM_LOG_INFO, "POD (TSQR): N = %lld, m = %lld, k = %lld, energy %.12g",
          (long long)N, (long long)m, (long long)k, rom_basis_energy(*out));
cleanup:
  rom_tsqr_destroy(&qr);
  rom_dmat_destroy(&U);
  rom_free(ctx, mean);
  rom_free(ctx, s);
  rom_free(ctx, u_small);
  return err;
}
