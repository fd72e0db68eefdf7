/* The reproduction's cache (romkit/workflow.h): the work directory, the training runs and
 * the per-component bases, in files named by the settings that produced them
 * (PREFIX_fom_a<a>.h5, PREFIX_newton_a<a>.h5, PREFIX_basis_c<c>_p<k>_train<list>.h5,
 * PREFIX_resbasis_c<c>_nb<nb>_train<list>.h5; PREFIX = rom_problem_cache_prefix). A file is
 * written once (the library's writers never overwrite) and read back by any later run with
 * the same settings, on any number of ranks. docs/reproduction.md describes the layout. */
/* mkdtemp is POSIX.1-2008, not C99. */
#define _POSIX_C_SOURCE 200809L

#include "romkit/fom.h"
#include "romkit/progress.h"
#include "romkit/snapshots.h"
#include "workflow/workflow_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rom_reproduce_format_number(double v, char *out, size_t len) {
  snprintf(out, len, "%.15g", v); /* the shortest of %.15g / %.17g that reads back exactly */
  if (strtod(out, NULL) != v) snprintf(out, len, "%.17g", v);
}

void repro_point_text(const repro_run *r, const double *mu, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < r->nparam && used < len; ++i) {
    char one[40];
    rom_reproduce_format_number(mu[i], one, sizeof one);
    int w = snprintf(out + used, len - used, "%s%s", i ? "_" : "", one);
    if (w < 0) break;
    used += (size_t)w;
  }
}

int repro_prepare_workdir(repro_run *r, const char *dir_in) {
  int err = ROM_OK, ok = 1;
  char message[512] = "";
  rom_ctx *ctx = r->ctx;
  if (rom_ctx_rank(ctx) == 0) {
    struct stat st;
    if (!dir_in) {
      const char *tmp = getenv("TMPDIR");
      snprintf(r->dir, sizeof r->dir, "%s/romkit-reproduce-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      if (!mkdtemp(r->dir)) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create a directory %.300s: %.100s", r->dir,
                 strerror(errno));
      }
    } else {
      snprintf(r->dir, sizeof r->dir, "%s", dir_in);
      if (stat(r->dir, &st) != 0 && mkdir(r->dir, 0777) != 0) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create the work directory %.300s: %.100s", r->dir,
                 strerror(errno));
      } else if (stat(r->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ok = 0;
        snprintf(message, sizeof message, "the work directory %.300s is not a directory", r->dir);
      }
    }
  }
  ROM_MPI(ctx, MPI_Bcast(&ok, 1, MPI_INT, 0, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(r->dir, (int)sizeof r->dir, MPI_CHAR, 0, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(message, (int)sizeof message, MPI_CHAR, 0, rom_ctx_comm(ctx)));
  ROM_CHECK(ctx, ok, ROM_ERR_IO, "%s", message);
cleanup:
  return err;
}

int repro_exists(repro_run *r, const char *path, int *exists) {
  int err = ROM_OK;
  int e = rom_ctx_rank(r->ctx) == 0 ? access(path, F_OK) == 0 : 0;
  ROM_MPI(r->ctx, MPI_Bcast(&e, 1, MPI_INT, 0, rom_ctx_comm(r->ctx)));
  *exists = e;
cleanup:
  return err;
}

int repro_cache_mismatch(repro_run *r, const char *path, const char *what, rom_int have,
                         rom_int want) {
  return rom_error_set(r->ctx, ROM_ERR_DIM, __FILE__, __LINE__, __func__,
                       "cached %s has %lld %s, expected %lld (remove it or use another work "
                       "directory)",
                       path, (long long)have, what, (long long)want);
}

/* Observer of the training runs: every Newton iterate into a snapshot collection (when the
 * recipe keeps them), and the time steps to the progress reporter. */
typedef struct {
  rom_snapshots *s;
  int rc;
  rom_progress *progress;
} newton_sink;

static void newton_observer(void *user, rom_int step, int iteration, const double *u_local) {
  newton_sink *k = user;
  (void)iteration;
  if (k->progress) rom_progress_update(k->progress, step - 1); /* steps before this one */
  if (k->s && k->rc == ROM_OK) k->rc = rom_snapshots_add(k->s, u_local);
}

/* Runs the FOM at training point mu and writes what is missing of its trajectory (fpath)
 * and Newton iterates (npath, when the recipe keeps them). */
static int compute_training_run(repro_run *r, const double *mu, const char *num, int have_f,
                                int have_n, const char *fpath, const char *npath) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  double *u0 = NULL, *T = NULL;
  rom_snapshots *st = NULL, *sn = NULL;
  rom_snapshots_options so = rom_snapshots_options_default();
  newton_sink sink = {NULL, ROM_OK, NULL};
  rom_fom_options fo = rom_fom_options_default();
  rom_fom_stats fs;
  rom_progress progress;
  char label[1200];
  const int newton = r->recipe.hr_newton_snapshots;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(r->L + 1), sizeof(double), (void **)&u0));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)((r->L + 1) * (r->steps + 1)), sizeof(double), (void **)&T));
  if (newton) {
    so.capacity_hint = 3 * r->steps;
    ROM_TRY(ctx, rom_snapshots_create(ctx, r->L, &so, &sn));
    sink.s = sn;
  }
  /* the time steps of this run to the logger (info, throttled: romkit/progress.h) */
  snprintf(label, sizeof label, "training FOM at a = %s, time steps", num);
  rom_progress_start(&progress, ctx, label, r->steps);
  sink.progress = &progress;
  fo.observer = newton_observer;
  fo.observer_user = &sink;
  ROM_TRY(ctx, rom_problem_initial(r->problem, mu, u0));
  ROM_TRY(ctx, rom_fom_integrate(r->model, mu, u0, 0.0, r->dt, r->steps, &fo, T, &fs));
  rom_progress_update(&progress, r->steps);
  ROM_TRY_ALL(ctx, sink.rc);
  /* say what was run and what the cache now holds (the trajectory may have been cached
   * without the Newton iterates another method needs) */
  repro_progress(r, "  training FOM at a = %s: computed%s, %.2f s, %lld Newton iterations -> %s\n",
                 num, have_f ? " for its Newton iterates (the trajectory was cached)" : "",
                 fs.seconds, (long long)fs.newton_iterations,
                 have_f   ? "Newton iterates cached"
                 : newton ? "trajectory and Newton iterates cached"
                          : "trajectory cached");
  so = rom_snapshots_options_default();
  so.capacity_hint = r->steps + 1;
  if (!have_f) {
    ROM_TRY(ctx, rom_snapshots_create(ctx, r->L, &so, &st));
    ROM_TRY(ctx, rom_snapshots_add_block(st, r->steps + 1, T, r->L));
    ROM_TRY(ctx, rom_snapshots_write(st, fpath, 0));
  }
  if (sn && !have_n) ROM_TRY(ctx, rom_snapshots_write(sn, npath, 0));
cleanup:
  rom_snapshots_destroy(&st);
  rom_snapshots_destroy(&sn);
  rom_free(ctx, u0);
  rom_free(ctx, T);
  return err;
}

int repro_training_run(repro_run *r, int t, rom_dmat **traj, rom_dmat **newton) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  const double *mu = r->o.train + (size_t)t * (size_t)r->nparam;
  char fpath[ROM_REPRODUCE_PATH + 1300], npath[ROM_REPRODUCE_PATH + 1300], num[1024];
  int have_f = 0, have_n = 1;
  *traj = NULL;
  if (newton) *newton = NULL;
  repro_point_text(r, mu, num, sizeof num);
  snprintf(fpath, sizeof fpath, "%s/%s_fom_a%s.h5", r->dir, r->prefix, num);
  snprintf(npath, sizeof npath, "%s/%s_newton_a%s.h5", r->dir, r->prefix, num);
  /* The Newton iterates are cached with every training run of a problem whose residual
   * basis needs them, so a later HR run finds them. */
  const int want_newton = newton != NULL && r->recipe.hr_newton_snapshots;
  ROM_TRY(ctx, repro_exists(r, fpath, &have_f));
  if (r->recipe.hr_newton_snapshots) ROM_TRY(ctx, repro_exists(r, npath, &have_n));
  if (!have_f || (want_newton && !have_n)) {
    rom_stage_begin(ctx, "reproduce: training FOM runs");
    err = compute_training_run(r, mu, num, have_f, have_n, fpath, npath);
    rom_stage_end(ctx, "reproduce: training FOM runs");
    ROM_TRY(ctx, err);
  } else
    repro_progress(r, "  training FOM at a = %s: cached (%s_fom_a%s.h5)\n", num, r->prefix, num);
  ROM_TRY(ctx, rom_snapshots_read(ctx, fpath, r->L, traj));
  if (rom_dmat_cols(*traj) != r->steps + 1) {
    err = repro_cache_mismatch(r, fpath, "states", rom_dmat_cols(*traj), r->steps + 1);
    goto cleanup;
  }
  if (want_newton) ROM_TRY(ctx, rom_snapshots_read(ctx, npath, r->L, newton));
cleanup:
  if (err != ROM_OK) {
    rom_dmat_destroy(traj);
    if (newton) rom_dmat_destroy(newton);
  }
  return err;
}

int repro_bases(repro_run *r, int kind, rom_int rank, rom_basis **bases) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  char(*path)[ROM_REPRODUCE_PATH + 1200] = NULL;
  int all = 1;
  rom_int cols = 0;
  double *S = NULL;
  const char *per = r->ncomp > 1 ? " per component" : "";
  ROM_TRY(ctx, rom_malloc(ctx, sizeof *path * (size_t)r->ncomp, (void **)&path));
  for (int k = 0; k < r->ncomp; ++k) {
    int e = 0;
    snprintf(path[k], sizeof path[k], "%s/%s_%s_c%d_%s%lld_train%s.h5", r->dir, r->prefix,
             kind ? "resbasis" : "basis", k, kind ? "nb" : "p", (long long)rank, r->train_text);
    ROM_TRY(ctx, repro_exists(r, path[k], &e));
    all = all && e;
  }
  if (all) {
    for (int k = 0; k < r->ncomp; ++k) {
      rom_int Lc, first;
      rom_problem_component_local(r->problem, k, &Lc, &first);
      ROM_TRY(ctx, rom_basis_read(ctx, path[k], Lc, &bases[k]));
      if (rom_basis_dim(bases[k]) != rank) {
        err = repro_cache_mismatch(r, path[k], "vectors", rom_basis_dim(bases[k]), rank);
        goto cleanup;
      }
    }
    repro_progress(r, "  %s basis (%lld vectors%s): cached\n", kind ? "residual" : "state",
                   (long long)rank, per);
    goto cleanup;
  }
  /* the state basis from w^n - w^0; the residual basis from the raw states or, where the
   * recipe says so (P2, docs/problems.md), from every Newton iterate */
  ROM_TRY(ctx, repro_training_snapshots(r,
                                        kind == 0                       ? REPRO_SNAP_DIFF
                                        : r->recipe.hr_newton_snapshots ? REPRO_SNAP_NEWTON
                                                                        : REPRO_SNAP_RAW,
                                        &S, &cols));
  if (r->interrupted) goto cleanup;
  double t0 = MPI_Wtime();
  rom_stage_begin(ctx, kind ? "reproduce: residual basis (POD)" : "reproduce: state basis (POD)");
  for (int k = 0; k < r->ncomp; ++k) {
    ROM_TRY(ctx, repro_component_pod(r, k, rank, S, r->L, cols, &bases[k]));
    ROM_TRY(ctx, rom_basis_write(bases[k], path[k], 0));
  }
  rom_stage_end(ctx, kind ? "reproduce: residual basis (POD)" : "reproduce: state basis (POD)");
  repro_progress(r, "  %s basis (%lld vectors%s): computed, POD of %lld snapshots, %.2f s\n",
                 kind ? "residual" : "state", (long long)rank, per, (long long)cols,
                 MPI_Wtime() - t0);
cleanup:
  rom_free(ctx, S);
  rom_free(ctx, path);
  return err;
}
