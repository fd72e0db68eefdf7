/* The reproduction's training data (romkit/workflow.h): the snapshot sets of the training
 * runs (w^n - w^0 for POD bases, raw states, or every Newton iterate), the POD of one
 * component's rows, and the block-diagonal basis diag(B_u, B_v, ...) of a problem whose
 * components are reduced separately (docs/problems.md, P2: separate u and v bases). */
#include "workflow/workflow_impl.h"

#include <string.h>

int repro_training_snapshots(repro_run *r, repro_snap_kind kind, double **out, rom_int *cols) {
  return repro_training_snapshots_except(r, kind, -1, out, cols);
}

int repro_training_snapshots_except(repro_run *r, repro_snap_kind kind, int skip, double **out,
                                    rom_int *cols_out) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  rom_int cols = 0;
  double *S = NULL, *grown = NULL;
  rom_dmat *traj = NULL, *newt = NULL;
  *out = NULL;
  *cols_out = 0;
  for (int t = 0; t < r->o.ntrain; ++t) {
    int stop = 0;
    if (t == skip) continue;
    /* a stop between runs loses nothing: the finished runs are in the cache */
    ROM_TRY(ctx, repro_stop_requested(r, &stop));
    if (stop) {
      repro_progress(r, "  stop requested: %d of %d training runs done (cached)\n", t, r->o.ntrain);
      goto cleanup;
    }
    ROM_TRY(ctx, repro_training_run(r, t, &traj, kind == REPRO_SNAP_NEWTON ? &newt : NULL));
    const rom_dmat *src = kind == REPRO_SNAP_NEWTON ? newt : traj;
    const rom_int ld = rom_dmat_ld(src), n = rom_dmat_cols(src);
    const double *D = rom_dmat_data_const(src);
    const rom_int per = kind == REPRO_SNAP_DIFF ? r->steps : n;
    /* grow S by this run's columns (the runs' Newton iterate counts differ) */
    ROM_TRY(ctx,
            rom_malloc(ctx, sizeof(double) * (size_t)((r->L + 1) * (cols + per)), (void **)&grown));
    if (cols > 0) memcpy(grown, S, sizeof(double) * (size_t)(r->L * cols));
    rom_free(ctx, S);
    S = grown;
    grown = NULL;
    for (rom_int j = 0; j < per; ++j)
      for (rom_int l = 0; l < r->L; ++l)
        S[l + (cols + j) * r->L] =
            kind == REPRO_SNAP_DIFF ? D[l + (j + 1) * ld] - D[l] : D[l + j * ld];
    cols += per;
    rom_dmat_destroy(&traj);
    rom_dmat_destroy(&newt);
  }
  *out = S;
  *cols_out = cols;
  S = NULL;
cleanup:
  rom_dmat_destroy(&traj);
  rom_dmat_destroy(&newt);
  rom_free(ctx, S);
  return err;
}

int repro_component_pod(repro_run *r, int c, rom_int k, double *S, rom_int ld, rom_int cols,
                        rom_basis **out) {
  int err = ROM_OK;
  rom_int Lc = 0, first = 0;
  rom_dmat *view = NULL;
  rom_problem_component_local(r->problem, c, &Lc, &first);
  ROM_TRY(r->ctx, rom_dmat_wrap(r->ctx, Lc, cols, Lc > 0 ? S + first : NULL, ld, &view));
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  ROM_TRY(r->ctx, rom_pod_compute(view, &po, out));
cleanup:
  rom_dmat_destroy(&view);
  return err;
}

/* With interleave (the residual basis), column j of component c is column c + ncomp j: the
 * gappy operator does not depend on the column order, and interleaving makes the GNAT pass
 * of repro_hyper_from_samples give every component its samples. */
int repro_block_diagonal(repro_run *r, rom_basis **b, rom_int k, int interleave, rom_dmat **out) {
  int err = ROM_OK;
  ROM_TRY(r->ctx, rom_dmat_create(r->ctx, r->L, r->ncomp * k, out));
  double *D = rom_dmat_data(*out);
  const rom_int ld = rom_dmat_ld(*out);
  for (int c = 0; c < r->ncomp; ++c) {
    rom_int Lc, first;
    rom_problem_component_local(r->problem, c, &Lc, &first);
    const rom_dmat *V = rom_basis_vectors(b[c]);
    const double *Vd = rom_dmat_data_const(V);
    const rom_int lv = rom_dmat_ld(V);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < Lc; ++l) {
        const rom_int col = interleave ? c + r->ncomp * j : c * k + j;
        D[first + l + col * ld] = Vd[l + j * lv];
      }
  }
cleanup:
  return err;
}

int repro_allgather_state(repro_run *r, const double *local, double *global) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  const int P = rom_ctx_size(ctx);
  int *counts = NULL, *displs = NULL, n = (int)r->L;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs));
  ROM_MPI(ctx, MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx)));
  for (int q = 0, off = 0; q < P; off += counts[q], ++q)
    displs[q] = off;
  ROM_MPI(ctx, MPI_Allgatherv(local, n, MPI_DOUBLE, global, counts, displs, MPI_DOUBLE,
                              rom_ctx_comm(ctx)));
cleanup:
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  return err;
}
