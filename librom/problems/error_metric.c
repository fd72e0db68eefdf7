/* The error metric of the published tables (Kim, Choi, Widemann, Zohdi, J. Comput. Phys.
 * 451 (2022), sec. 5; the definition as the authors' code computes it, docs/problems.md):
 *
 *   avg = sqrt(sum_n ||e_n||^2) / sqrt(sum_n ||u_FOM(t_n)||^2)    (space-time relative)
 *   max = max_n ||e_n|| / ||u_FOM(t_n)||,                          e_n = u_FOM - u_ROM,
 *
 * over all stored states n = 0..nt (the initial state included), in percent. For P1 the
 * norms run over all 1001 nodes, so the periodic copy (node N = node 0) counts twice.
 *
 * The per-state squared norms are summed locally and reduced with one MPI_Allreduce of
 * 2 * nstates values: rounding depends on the partition only at the last bits. */
#include "core/check.h"
#include "romkit/problems.h"

#include <math.h>

/* Rows [begin, end) of this rank's local rows take part; `twice` is the local index of
 * a row counted twice (-1: none). */
static int error_metric_rows(rom_ctx *ctx, rom_int nstates, rom_int local_rows, rom_int begin,
                             rom_int end, rom_int twice, const double *fom, const double *rom,
                             double *avg_pct, double *max_pct) {
  int err = ROM_OK;
  double *sums = NULL, *global = NULL;
  ROM_CHECK_ALL(ctx, nstates >= 1, ROM_ERR_ARG, "nstates = %lld must be >= 1", (long long)nstates);
  ROM_CHECK_ALL(ctx, local_rows >= 0, ROM_ERR_ARG, "local_rows = %lld must be >= 0",
                (long long)local_rows);
  ROM_CHECK_ALL(ctx, avg_pct != NULL && max_pct != NULL, ROM_ERR_ARG,
                "avg_pct and max_pct must not be NULL");
  ROM_CHECK_ALL(ctx, local_rows == 0 || (fom != NULL && rom != NULL), ROM_ERR_ARG,
                "the trajectories must not be NULL on a rank with %lld rows",
                (long long)local_rows);
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(2 * nstates), sizeof(double), (void **)&sums));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(2 * nstates), sizeof(double), (void **)&global));
  for (rom_int n = 0; n < nstates; ++n) {
    const double *f = fom + n * local_rows, *g = rom + n * local_rows;
    double se = 0.0, sf = 0.0;
    for (rom_int l = begin; l < end; ++l) {
      double e = f[l] - g[l], w = l == twice ? 2.0 : 1.0;
      se += w * e * e;
      sf += w * f[l] * f[l];
    }
    sums[2 * n] = se;
    sums[2 * n + 1] = sf;
  }
  ROM_MPI(ctx,
          MPI_Allreduce(sums, global, (int)(2 * nstates), MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  {
    double se = 0.0, sf = 0.0, mx = 0.0;
    for (rom_int n = 0; n < nstates; ++n) {
      se += global[2 * n];
      sf += global[2 * n + 1];
      if (global[2 * n + 1] > 0.0) {
        double rel = sqrt(global[2 * n] / global[2 * n + 1]);
        if (rel > mx) mx = rel;
      }
    }
    ROM_CHECK(ctx, sf > 0.0, ROM_ERR_ARG,
              "the FOM trajectory is zero in every state: the relative error is undefined");
    *avg_pct = 100.0 * sqrt(se / sf);
    *max_pct = 100.0 * mx;
  }
cleanup:
  rom_free(ctx, sums);
  rom_free(ctx, global);
  return err;
}

int rom_burgers_error_metric(rom_ctx *ctx, rom_int nstates, rom_int local_rows,
                             const double *fom_local, const double *rom_local,
                             int include_periodic_copy, double *avg_pct, double *max_pct) {
  int err = ROM_OK;
  if (!ctx) return ROM_ERR_ARG;
  rom_int offset = 0;
  ROM_CHECK_ALL(ctx, local_rows >= 0, ROM_ERR_ARG, "local_rows = %lld must be >= 0",
                (long long)local_rows);
  ROM_MPI(ctx, MPI_Exscan(&local_rows, &offset, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  if (rom_ctx_rank(ctx) == 0) offset = 0;
  /* global row 0 lives on the first rank with rows: offset 0 and local_rows > 0 */
  ROM_TRY(ctx, error_metric_rows(ctx, nstates, local_rows, 0, local_rows,
                                 include_periodic_copy && offset == 0 && local_rows > 0 ? 0 : -1,
                                 fom_local, rom_local, avg_pct, max_pct));
cleanup:
  return err;
}

int rom_burgers2d_error_metric(const rom_burgers2d *h, rom_int nstates, const double *fom_local,
                               const double *rom_local, int component, double *avg_pct,
                               double *max_pct) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(rom_burgers2d_model((rom_burgers2d *)h));
  const rom_int L = rom_burgers2d_local_rows(h), off = rom_burgers2d_row_offset(h),
                M = rom_burgers2d_component_rows(h);
  ROM_CHECK_ALL(ctx, component == 0 || component == 1, ROM_ERR_ARG,
                "component = %d must be 0 (u) or 1 (v)", component);
  {
    /* this rank's rows of component c: global rows [c M, (c + 1) M) */
    rom_int lo = component * M - off, hi = (component + 1) * M - off;
    if (lo < 0) lo = 0;
    if (hi > L) hi = L;
    if (hi < lo) hi = lo;
    ROM_TRY(ctx,
            error_metric_rows(ctx, nstates, L, lo, hi, -1, fom_local, rom_local, avg_pct, max_pct));
  }
cleanup:
  return err;
}
