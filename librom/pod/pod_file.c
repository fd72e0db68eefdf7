/* Out-of-core POD: the basis of a snapshot file larger than the memory budget.
 *
 * Method (docs/pod.md, "Out-of-core POD"): the /snapshots dataset {m, N} is read
 * collectively in blocks of b snapshots (rows of the dataset, columns of the N x m matrix)
 * on an even row partition, and every snapshot of a block is fed to the incremental SVD
 * (svd_incremental.c; Brand 2002/2006 with Gram-Schmidt twice). Why this rather than the
 * alternatives:
 *  - one pass over the file (two with centring): reading dominates out-of-core, and a
 *    two-pass randomized SVD with q power iterations reads the file 2q + 2 times
 *    (Halko, Martinsson, Tropp 2011, section 5.5, notes the same trade-off);
 *  - blocked TSQR over column blocks would have to keep Q (N x m) or re-read the file, and
 *    its memory grows with m, not with the kept rank;
 *  - the streaming SVD's memory is O(N/P * (k + extra)) whatever m is, and its result is
 *    exact to round-off when the data's rank is within k (target_rank / rank option).
 * Centring needs the mean before the first snapshot is absorbed: a first pass over the file
 * computes it (same blocks), the second subtracts it from each block.
 *
 * Memory: b is the largest block such that
 *   isvd workspace (capacity k + extra, fixed at creation) + block (N/P * b doubles)
 *   + mean + the basis' small arrays + a small allowance for handles
 * fits opts->memory_budget on the rank with the most rows; the basis is handed over in the
 * SVD's own storage (no copy), so rom_ctx_bytes_peak stays within the budget.
 */
#include "core/check.h"
#include "io/h5.h"
#include "pod/basis_impl.h"
#include "pod/isvd_impl.h"
#include "pod/svd_driver.h"
#include "romkit/progress.h"
#include "romkit/snapshots.h"

#include <stdio.h>
#include <string.h>

#define POD_FILE_KIND "snapshots"
#define POD_FILE_DATASET "snapshots"
#define POD_FILE_SLACK ((size_t)65536) /* file handle, path strings, small arrays */
#define POD_FILE_DEFAULT_BLOCK 64

static int pod_file_in_core(rom_ctx *ctx, const char *path, const rom_pod_options *o, rom_int N,
                            rom_int m, rom_int lr_max, rom_basis **out) {
  int err = ROM_OK;
  rom_dmat *S = NULL;
  double need = 8.0 * (double)lr_max * (double)m;
  ROM_CHECK(
      ctx, o->memory_budget == 0.0 || need <= o->memory_budget, ROM_ERR_NOMEM,
      "out-of-core POD of '%s' with method '%s' reads the whole %lld x %lld matrix: %.0f bytes "
      "per rank for the snapshots alone, over the budget of %.0f bytes (use method "
      "'incremental' or 'auto' to stream it)",
      path, rom_svd_method_name(o->method), (long long)N, (long long)m, need, o->memory_budget);
  ROM_TRY(ctx, rom_snapshots_read(ctx, path, ROM_AUTO_ROWS, &S));
  ROM_TRY(ctx, rom_pod_compute(S, o, out));
cleanup:
  rom_dmat_destroy(&S);
  return err;
}

int rom_pod_compute_file(rom_ctx *ctx, const char *path, const rom_pod_options *opts,
                         rom_basis **out) {
  int err = ROM_OK;
  int in_core = 0;
  rom_pod_options o;
  rom_h5 *f = NULL;
  rom_isvd *t = NULL;
  rom_dmat *U = NULL;
  double *block = NULL, *mean = NULL, *s = NULL, total = 0.0;
  rom_int dims[4] = {0, 0, 0, 0}, N = 0, m = 0, mn = 0, lr = 0, lr_max = 0, kmax = 0, cap = 0;
  rom_int b = 0, k = 0, r = 0;
  int ndims = 0;
  size_t ws = 0, fixed = 0;
  rom_basis_provenance prov;
  rom_progress progress;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_pod_compute_file: out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && *path, ROM_ERR_ARG, "rom_pod_compute_file: no snapshot path");
  o = opts ? *opts : rom_pod_options_default();
  ROM_TRY(ctx, rom_pod_check_options(ctx, &o, -1, -1)); /* before touching the file */
  rom_stage_begin(ctx, "pod: POD of a snapshot file");

  ROM_TRY(ctx, rom_h5_open(ctx, path, POD_FILE_KIND, &f));
  ROM_TRY(ctx, rom_h5_dataset_dims(f, POD_FILE_DATASET, &ndims, dims, NULL));
  ROM_CHECK(ctx, ndims == 2 && dims[0] >= 1 && dims[1] >= 1, ROM_ERR_FORMAT,
            "'%s': dataset /%s has %d dims ({%lld, %lld}); POD needs {m >= 1 snapshots, N >= 1}",
            path, POD_FILE_DATASET, ndims, (long long)dims[0], (long long)dims[1]);
  m = dims[0];
  N = dims[1];
  mn = N < m ? N : m;
  lr = rom_dmat_partition_even(N, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  lr_max = rom_dmat_partition_even(N, 0, rom_ctx_size(ctx)); /* rank 0 has the most rows */

  /* 'auto' streams only when it must: if the whole matrix, TSQR's copy of it and the basis
   * (about 3 local blocks) fit the budget, the in-core exact methods are better. */
  if ((rom_svd_method_rules(o.method) & ROM_SVD_RULE_AUTOMATIC) &&
      (o.memory_budget == 0.0 || 3.0 * 8.0 * (double)lr_max * (double)m <= o.memory_budget))
    in_core = 1;
  if (in_core || !(rom_svd_method_rules(o.method) & ROM_SVD_RULE_STREAMS)) {
    rom_h5_abort(&f);
    ROM_TRY(ctx, pod_file_in_core(ctx, path, &o, N, m, lr_max, out));
    goto cleanup;
  }

  ROM_TRY(ctx, rom_pod_check_options(ctx, &o, N, m));
  kmax = o.target_rank > 0 ? o.target_rank
                           : (o.truncation == ROM_POD_TRUNCATE_RANK && o.rank < mn ? o.rank : mn);
  cap = rom_isvd_full_capacity(kmax, 0);
  ROM_TRY(ctx, rom_isvd_workspace_bytes(ctx, lr_max, cap, &ws));
  /* block-independent memory: SVD workspace, mean, singular values and sign-rule arrays of
   * the basis (3 x cap doubles), handles */
  fixed = ws + sizeof(double) * (size_t)(o.center || o.reference_local ? lr_max : 0) +
          3 * sizeof(double) * (size_t)cap + POD_FILE_SLACK;
  if (o.memory_budget > 0.0) {
    double room = o.memory_budget - (double)fixed;
    b = lr_max > 0 ? (room >= 0.0 ? (rom_int)(room / (8.0 * (double)lr_max)) : 0) : m;
    ROM_CHECK(
        ctx, b >= 1, ROM_ERR_NOMEM,
        "out-of-core POD of '%s' (N = %lld, m = %lld, %d ranks): a memory budget of %.0f bytes "
        "per rank is too small even for one snapshot at a time: the incremental SVD of "
        "rank %lld needs %zu bytes and one snapshot %lld more (%.0f bytes in all)",
        path, (long long)N, (long long)m, rom_ctx_size(ctx), o.memory_budget, (long long)kmax,
        fixed, (long long)(8 * lr_max), (double)fixed + 8.0 * (double)lr_max);
  } else {
    b = POD_FILE_DEFAULT_BLOCK;
  }
  if (b > m) b = m;
  rom_log(ctx, ROM_LOG_INFO,
          "out-of-core POD of '%s': N = %lld, m = %lld, incremental SVD of rank <= %lld, blocks of "
          "%lld snapshots (%.1f MiB per rank), %s",
          path, (long long)N, (long long)m, (long long)kmax, (long long)b,
          8.0 * (double)lr_max * (double)b / 1048576.0,
          o.center ? "two passes (the first for the mean)" : "one pass");

  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(lr * b), (void **)&block));
  if (o.reference_local) {
    /* the caller's reference state on this rank's rows of the even partition */
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(lr > 0 ? lr : 1), sizeof(double), (void **)&mean));
    if (lr > 0) memcpy(mean, o.reference_local, sizeof(double) * (size_t)lr);
  } else if (o.center) {
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)lr, sizeof(double), (void **)&mean));
    for (rom_int j0 = 0; j0 < m; j0 += b) {
      rom_int cnt = m - j0 < b ? m - j0 : b;
      ROM_TRY(ctx, rom_h5_read_dmat_rows(f, POD_FILE_DATASET, j0, cnt, lr, block, lr > 0 ? lr : 1));
      for (rom_int j = 0; j < cnt; ++j)
        for (rom_int i = 0; i < lr; ++i)
          mean[i] += block[i + j * lr];
    }
    for (rom_int i = 0; i < lr; ++i)
      mean[i] /= (double)m;
  }
  ROM_TRY(ctx, rom_isvd_create_ex(ctx, lr, kmax, o.incremental_tolerance, 0, cap, &t));
  rom_progress_start(&progress, ctx, "out-of-core POD: snapshots", m);
  for (rom_int j0 = 0; j0 < m; j0 += b) {
    rom_int cnt = m - j0 < b ? m - j0 : b;
    ROM_TRY(ctx, rom_h5_read_dmat_rows(f, POD_FILE_DATASET, j0, cnt, lr, block, lr > 0 ? lr : 1));
    for (rom_int j = 0; j < cnt; ++j) {
      double *col = block + j * lr;
      if (mean)
        for (rom_int i = 0; i < lr; ++i)
          col[i] -= mean[i];
      for (rom_int i = 0; i < lr; ++i)
        total += col[i] * col[i];
      ROM_TRY(ctx, rom_isvd_add(t, col));
      rom_progress_update(&progress, j0 + j + 1);
    }
  }
  rom_progress_update(&progress, m);
  rom_free(ctx, block);
  block = NULL;
  ROM_TRY(ctx, rom_h5_close(&f));

  rom_isvd_singular_values(t, &r);
  if (r == 0) {
    if (o.center)
      ROM_FAIL(ctx, ROM_ERR_ARG, "the centered snapshots of '%s' are all zero, no basis", path);
    ROM_FAIL(ctx, ROM_ERR_ARG, "the snapshots of '%s' are all zero, no basis", path);
  }
  ROM_TRY(ctx, rom_isvd_take_basis(t, &o, &k, &U));
  ROM_TRY(ctx, rom_pod_sign_normalise(U));
  {
    const double *sv = rom_isvd_singular_values(t, &r);
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&s));
    memcpy(s, sv, sizeof(double) * (size_t)r);
  }
  rom_isvd_destroy(&t);
  memset(&prov, 0, sizeof prov);
  snprintf(prov.method, sizeof prov.method, "%s", "incremental");
  strcpy(prov.truncation, o.truncation == ROM_POD_TRUNCATE_RANK ? "rank" : "energy");
  prov.energy = o.energy;
  prov.rank = o.truncation == ROM_POD_TRUNCATE_RANK ? o.rank : 0;
  prov.center = o.center ? 1 : 0;
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  ROM_TRY_ALL(ctx, rom_basis_adopt(&U, &s, r, mean ? &mean : NULL, o.center && !o.reference_local,
                                   &prov, out));
  (*out)->total_energy = total; /* the incremental SVD keeps only the largest values */
  rom_log(ctx, ROM_LOG_INFO, "out-of-core POD of '%s': k = %lld of %lld values, peak %.1f MiB here",
          path, (long long)k, (long long)r, (double)rom_ctx_bytes_peak(ctx) / 1048576.0);
cleanup:
  rom_stage_end(ctx, "pod: POD of a snapshot file");
  rom_h5_abort(&f);
  rom_isvd_destroy(&t);
  rom_dmat_destroy(&U);
  rom_free(ctx, block);
  rom_free(ctx, mean);
  rom_free(ctx, s);
  return err;
}
