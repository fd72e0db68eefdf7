/* POD: validation, centring, the choice of SVD method ('auto'), and the finishing touches
 * every method shares (truncation rule, sign rule, the basis object). The SVDs themselves
 * are the drivers of the table in svd_methods.h: svd_tsqr.c, svd_scalapack.c,
 * svd_randomized.c, svd_incremental.c, svd_wide.c. See include/romkit/pod.h and docs/pod.md. */
#include "core/check.h"
#include "pod/basis_impl.h"
#include "pod/svd_driver.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

rom_pod_options rom_pod_options_default(void) {
  rom_pod_options o;
  memset(&o, 0, sizeof o);
  o.truncation = ROM_POD_TRUNCATE_ENERGY;
  o.energy = 0.9999;
  o.rank = 0;
  o.center = 0;
  o.reference_local = NULL;
  o.method = ROM_SVD_AUTO;
  o.memory_budget = 0.0;
  o.target_rank = 0;
  o.oversampling = 10;
  o.power_iterations = 2;
  o.incremental_tolerance = 1e-12;
  return o;
}

/* ROM_SVD_AUTO's rule (docs/pod.md, "Automatic choice"). With B the memory budget per rank
 * (0: no limit), n = ceil(N / P) the rows of an evenly partitioned rank, 8-byte doubles, and
 * the TSQR tree depth d = ceil(log2 P) + 1 (levels at which a rank may hold a stacked factor):
 *   1. B > 0 and the local block copy 8 n m > B                       -> incremental
 *      (every exact method copies the local block; Brand's update streams the snapshots);
 *   1b. m > N, N <= 4000 and 8 N ceil(m / P) + 4 N^2 * 8 * d + 64 N^2 <= B (or B = 0)
 *                                                                     -> wide
 *      (a wide snapshot set: TSQR of the transpose, whose factors are N x N; exact, and its
 *      local QRs are m / P x N, so it is faster than serial LAPACK on A: docs/pod.md);
 *   2. m <= 4000 and 8 n m + 2 m^2 * 8 * d <= B (or B = 0)            -> tsqr
 *      (the m x m factors are small: TSQR is exact and the fastest, one pass, log P messages);
 *   3. a target rank is given (target_rank > 0, or ROM_POD_TRUNCATE_RANK with rank <= m / 4),
 *      and N > 4000 too                                               -> randomized
 *      (both sides are large here and only k << m triplets are wanted; with N <= 4000 the
 *      matrix has at most N singular values and an exact SVD costs about what the sketch's
 *      passes cost, so a sketch's approximation buys nothing);
 *   4. ScaLAPACK's estimate 4 * 8 n m (block-cyclic copy, receive buffer, U, workspace)
 *      fits B (or B = 0)                                              -> scalapack
 *      (exact values for large m, O(N m / P) memory, no m x m factor on one rank);
 *   5. otherwise                                                      -> incremental.
 * Pure arithmetic on (N, m, P, options), the same on every rank. */
rom_svd_method rom_pod_choose_method(rom_int N, rom_int m, int P, const rom_pod_options *o) {
  const double B = o && o->memory_budget > 0.0 ? o->memory_budget : 0.0;
  double n = 0.0, block = 0.0, depth = 1.0;
  int target = 0;
  if (P < 1) P = 1;
  n = (double)((N + P - 1) / P);
  block = 8.0 * n * (double)m;
  for (int p = 1; p < P; p *= 2)
    depth += 1.0;
  if (B > 0.0 && block > B) return ROM_SVD_INCREMENTAL;
  if (m <= 4000 && (B == 0.0 || block + 2.0 * (double)m * (double)m * 8.0 * depth <= B))
    return ROM_SVD_TSQR;
  if (m > N && N <= 4000 &&
      (B == 0.0 || 8.0 * (double)N * (double)((m + P - 1) / P) +
                           4.0 * (double)N * (double)N * 8.0 * depth +
                           64.0 * (double)N * (double)N <=
                       B))
    return ROM_SVD_WIDE;
  if (o && N > 4000 &&
      (o->target_rank > 0 ||
       (o->truncation == ROM_POD_TRUNCATE_RANK && o->rank >= 1 && o->rank <= m / 4)))
    target = 1;
  if (target) return ROM_SVD_RANDOMIZED;
  if (B == 0.0 || 4.0 * block <= B) return ROM_SVD_SCALAPACK;
  return ROM_SVD_INCREMENTAL;
}

/* The driver of ROM_SVD_AUTO: the method rom_pod_choose_method picks for A on this
 * communicator, logged at ROM_LOG_INFO, then that method's driver; res->method gets the
 * choice (it becomes the basis's provenance). Collective. */
int rom_svd_auto(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                 rom_svd_result *res) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  const rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A);
  const rom_svd_method method = rom_pod_choose_method(N, m, rom_ctx_size(ctx), o);
  rom_log(ctx, ROM_LOG_INFO, "POD: method 'auto' chose '%s' for N = %lld, m = %lld on %d ranks",
          rom_svd_method_name(method), (long long)N, (long long)m, rom_ctx_size(ctx));
  res->method = method;
  ROM_TRY(ctx, rom_svd_method_lookup(method)->driver(A, shift, o, res));
cleanup:
  return err;
}

/* The k of the truncation rule (header comment of rom_pod_truncation), s descending.
 * Energy: the smallest k with sum_{i<k} s_i^2 >= energy * sum_{i<r} s_i^2; the partial sums
 * are accumulated in the same order as the total, so k <= r even for energy = 1. */
rom_int rom_pod_choose_k(const rom_pod_options *o, const double *s, rom_int r) {
  if (o->truncation == ROM_POD_TRUNCATE_RANK) return o->rank < r ? o->rank : r;
  double total = 0.0, partial = 0.0;
  for (rom_int i = 0; i < r; ++i)
    total += s[i] * s[i];
  for (rom_int k = 1; k <= r; ++k) {
    partial += s[k - 1] * s[k - 1];
    if (partial >= o->energy * total) return k;
  }
  return r;
}

/* SVD of a small dense r x m matrix on the calling rank: u (r x r, ld r) and s (r).
 * dgesdd (divide and conquer) first; dgesvd if it does not converge. */
int rom_small_svd(rom_ctx *ctx, rom_int r, rom_int m, const double *R, rom_int ldr, double *u,
                  double *s) {
  int err = ROM_OK;
  double *a = NULL, *vt = NULL, *work = NULL, query = 0.0;
  lapack_int *iwork = NULL, info = 0, lwork = 0;
  size_t bytes = 0;
  if (r == 0) return ROM_OK;
  ROM_TRY(ctx, rom_size_mul(ctx, r * m, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&a));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&vt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)(8 * r), (void **)&iwork));
  for (rom_int j = 0; j < m; ++j)
    memcpy(a + j * r, R + j * ldr, sizeof(double) * (size_t)r);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)r, (lapack_int)m, a, (lapack_int)r,
                             s, u, (lapack_int)r, vt, (lapack_int)r, &query, -1, iwork);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "dgesdd workspace query (%lld x %lld) returned info = %d", (long long)r, (long long)m,
            (int)info);
  ROM_CHECK(ctx, query < (double)INT_MAX, ROM_ERR_UNSUPPORTED,
            "dgesdd asks for %.0f doubles of workspace for the %lld x %lld factor, beyond "
            "LAPACK's 32-bit LWORK",
            query, (long long)r, (long long)m);
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
    for (rom_int j = 0; j < m; ++j)
      memcpy(a + j * r, R + j * ldr, sizeof(double) * (size_t)r);
    info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'S', 'N', (lapack_int)r, (lapack_int)m, a,
                               (lapack_int)r, s, u, (lapack_int)r, vt, 1, &query, -1);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgesvd workspace query returned info = %d",
              (int)info);
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
int rom_pod_sign_normalise(rom_dmat *U) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  rom_int k = rom_dmat_cols(U), lr = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U);
  double *amax = NULL;
  int64_t *key = NULL;
  if (k == 0) return ROM_OK;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)k, (void **)&amax));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int64_t) * (size_t)k, (void **)&key));
  for (rom_int j = 0; j < k; ++j) {
    const double *col = rom_dmat_data(U) + j * rom_dmat_ld(U);
    double a = 0.0;
    for (rom_int i = 0; i < lr; ++i)
      a = fmax(a, fabs(col[i]));
    amax[j] = a;
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, amax, (int)k, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < k; ++j) {
    const double *col = rom_dmat_data(U) + j * rom_dmat_ld(U);
    key[j] = INT64_MAX;
    if (amax[j] > 0.0)
      for (rom_int i = 0; i < lr; ++i)
        if (fabs(col[i]) == amax[j]) {
          key[j] = 2 * (off + i) + (col[i] < 0.0 ? 1 : 0);
          break;
        }
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, key, (int)k, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < k; ++j)
    if (key[j] != INT64_MAX && (key[j] & 1)) {
      double *col = rom_dmat_data(U) + j * rom_dmat_ld(U);
      for (rom_int i = 0; i < lr; ++i)
        col[i] = -col[i];
    }
cleanup:
  rom_free(ctx, amax);
  rom_free(ctx, key);
  return err;
}

/* The options' checks every POD entry point shares; the size-dependent ones (at least one
 * snapshot and one row, target_rank <= min(N, m)) only when N >= 0. Collective. */
int rom_pod_check_options(rom_ctx *ctx, const rom_pod_options *o, rom_int N, rom_int m) {
  int err = ROM_OK;
  ROM_CHECK_ALL(ctx,
                o->truncation == ROM_POD_TRUNCATE_ENERGY || o->truncation == ROM_POD_TRUNCATE_RANK,
                ROM_ERR_ARG,
                "POD option truncation = %d is neither ROM_POD_TRUNCATE_ENERGY nor "
                "ROM_POD_TRUNCATE_RANK",
                (int)o->truncation);
  ROM_CHECK_ALL(ctx,
                o->truncation != ROM_POD_TRUNCATE_ENERGY || (o->energy > 0.0 && o->energy <= 1.0),
                ROM_ERR_ARG,
                "POD option energy = %g must be in (0, 1] (the fraction of the "
                "squared singular values to keep)",
                o->energy);
  ROM_CHECK_ALL(ctx, o->truncation != ROM_POD_TRUNCATE_RANK || o->rank >= 1, ROM_ERR_ARG,
                "POD option rank = %lld must be >= 1 with ROM_POD_TRUNCATE_RANK",
                (long long)o->rank);
  ROM_CHECK_ALL(ctx, rom_svd_method_lookup(o->method) != NULL, ROM_ERR_ARG,
                "POD option method = %d is not a rom_svd_method (0..%d)", (int)o->method,
                rom_svd_method_count() - 1);
  ROM_CHECK_ALL(ctx, o->memory_budget >= 0.0 && isfinite(o->memory_budget), ROM_ERR_ARG,
                "POD option memory_budget = %g bytes must be finite and >= 0 (0: no limit)",
                o->memory_budget);
  ROM_CHECK_ALL(ctx, o->oversampling >= 0, ROM_ERR_ARG,
                "POD option oversampling = %lld must be >= 0", (long long)o->oversampling);
  ROM_CHECK_ALL(ctx,
                o->power_iterations >= 0 && o->power_iterations <= ROM_POD_MAX_POWER_ITERATIONS,
                ROM_ERR_ARG,
                "POD option power_iterations = %d must be in 0..%d (ROM_POD_MAX_POWER_ITERATIONS: "
                "one or two suffice in practice, each costs two passes over the snapshots)",
                o->power_iterations, ROM_POD_MAX_POWER_ITERATIONS);
  ROM_CHECK_ALL(ctx, !(o->center && o->reference_local), ROM_ERR_ARG,
                "POD options center and reference_local exclude each other (centring subtracts "
                "the mean, reference_local a state of your choosing)");
  if (N < 0) goto cleanup;
  ROM_CHECK_ALL(ctx, m >= 1, ROM_ERR_ARG,
                "the snapshot matrix has no columns: POD needs at least one snapshot");
  ROM_CHECK_ALL(ctx, N >= 1, ROM_ERR_ARG,
                "the snapshot matrix has no rows (N = 0): POD needs N >= 1");
  ROM_CHECK_ALL(ctx, o->target_rank >= 0 && o->target_rank <= (N < m ? N : m), ROM_ERR_ARG,
                "POD option target_rank = %lld exceeds min(N, m) = min(%lld, %lld) (or is "
                "negative)",
                (long long)o->target_rank, (long long)N, (long long)m);
cleanup:
  return err;
}

int rom_pod_compute(const rom_dmat *S, const rom_pod_options *opts, rom_basis **out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_pod_options o;
  rom_svd_result res = {0, NULL, NULL, ROM_SVD_AUTO, 0, 0.0};
  rom_svd_method method = ROM_SVD_AUTO;
  double *mean = NULL, total = 0.0;
  rom_int N = 0, m = 0, lr = 0;
  rom_basis_provenance prov;
  if (!S) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(S);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_pod_compute: out must not be NULL");
  *out = NULL;
  o = opts ? *opts : rom_pod_options_default();
  N = rom_dmat_global_rows(S);
  m = rom_dmat_cols(S);
  lr = rom_dmat_local_rows(S);

  ROM_TRY(ctx, rom_pod_check_options(ctx, &o, N, m));
  ROM_TRY(ctx, rom_dmat_check_finite(S, "snapshots"));

  if (o.reference_local) {
    /* The caller's reference state: subtracted by the drivers exactly like the mean. */
    rom_int bad = -1;
    for (rom_int i = 0; i < lr && bad < 0; ++i)
      if (!isfinite(o.reference_local[i])) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE,
                  "the POD reference state is not finite at local row %lld (rank %d)",
                  (long long)bad, rom_ctx_rank(ctx));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(lr > 0 ? lr : 1), (void **)&mean));
    if (lr > 0) memcpy(mean, o.reference_local, sizeof(double) * (size_t)lr);
  } else if (o.center) {
    /* Row mean over the snapshots; each driver subtracts it from its own copy or product. */
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)lr, sizeof(double), (void **)&mean));
    for (rom_int j = 0; j < m; ++j) {
      const double *col = rom_dmat_data_const(S) + j * rom_dmat_ld(S);
      for (rom_int i = 0; i < lr; ++i)
        mean[i] += col[i];
    }
    for (rom_int i = 0; i < lr; ++i)
      mean[i] /= (double)m;
  }

  /* ||S - shift||_F^2, the denominator of the basis's energy (rom_basis_energy): one pass,
   * one reduction, next to an SVD of the same matrix. */
  for (rom_int j = 0; j < m; ++j) {
    const double *col = rom_dmat_data_const(S) + j * rom_dmat_ld(S);
    for (rom_int i = 0; i < lr; ++i) {
      double d = mean ? col[i] - mean[i] : col[i];
      total += d * d;
    }
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));

  res.method = o.method;
  ROM_TRY(ctx, rom_svd_method_lookup(o.method)->driver(S, mean, &o, &res));
  method = res.method; /* 'auto': the method it chose */
  if (!(res.r > 0 && res.s[0] > 0.0)) {
    if (o.reference_local)
      ROM_FAIL(ctx, ROM_ERR_ARG,
               "the snapshots minus the reference state are all zero (every snapshot equals "
               "the reference), no basis");
    if (o.center)
      ROM_FAIL(ctx, ROM_ERR_ARG,
               "the centered snapshots are all zero (every snapshot equals the "
               "mean), no basis");
    ROM_FAIL(ctx, ROM_ERR_ARG, "snapshots are all zero, no basis");
  }
  ROM_TRY(ctx, rom_pod_sign_normalise(res.U));

  memset(&prov, 0, sizeof prov);
  snprintf(prov.method, sizeof prov.method, "%s", rom_svd_method_name(method));
  strcpy(prov.truncation, o.truncation == ROM_POD_TRUNCATE_RANK ? "rank" : "energy");
  prov.energy = o.energy;
  prov.rank = o.truncation == ROM_POD_TRUNCATE_RANK ? o.rank : 0;
  prov.center = o.center ? 1 : 0;
  prov.has_discarded_bound = res.has_discarded_bound;
  prov.discarded_energy_bound = res.discarded_energy_bound;
  ROM_TRY_ALL(ctx, rom_basis_adopt(&res.U, &res.s, res.r, mean ? &mean : NULL,
                                   o.center && !o.reference_local, &prov, out));
  (*out)->total_energy = total;
  rom_log(ctx, ROM_LOG_INFO, "POD (%s): N = %lld, m = %lld, k = %lld, energy %.12g",
          rom_svd_method_name(method), (long long)N, (long long)m, (long long)rom_basis_dim(*out),
          rom_basis_energy(*out));
cleanup:
  rom_dmat_destroy(&res.U);
  rom_free(ctx, res.s);
  rom_free(ctx, mean);
  return err;
}
