/* The P3 demo pipeline (romkit/workflow.h; docs/problems.md, "P3"): FOM steady solves at
 * training parameters -> snapshots (streamed to snapshots.h5) -> POD (TSQR + SVD) ->
 * basis.h5 -> Galerkin projection of the affine terms -> rom*.h5 -> read back (the online
 * stage uses only the ROM files) -> solves at unseen parameters: error against the FOM,
 * time, speed-up -> a transient run (implicit Euler) with its space-time error.
 *
 * The FOM is rom_heat2d itself (romkit/problems.h): the demo needs its steady solve and its
 * transient, which the rom_problem interface does not carry. Parameters: mu in [0.1, 10]^4,
 * log-uniform (mu = 10^(-1 + 2U), U from rom_rng_uniform with the seed; training stream 1,
 * test stream 2, so test parameters are unseen). */
/* mkdtemp is POSIX.1-2008, not C99. */
#define _POSIX_C_SOURCE 200809L

#include "core/check.h"
#include "romkit/affine_rom.h"
#include "romkit/pod.h"
#include "romkit/problems.h"
#include "romkit/rng.h"
#include "romkit/snapshots.h"
#include "romkit/workflow.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_Q 4
#define DEMO_ENERGY 0.999999
#define DEMO_REPS 200 /* ROM solves per timing: one is too short for the clock */

rom_demo_options rom_demo_options_default(void) {
  rom_demo_options o;
  memset(&o, 0, sizeof o);
  o.n = 64;
  o.train = 40;
  o.test = 10;
  o.seed = 42;
  return o;
}

size_t rom_demo_sizeof(const char *record) {
  if (!record) return 0;
  if (!strcmp(record, "rom_demo_options")) return sizeof(rom_demo_options);
  if (!strcmp(record, "rom_demo_result")) return sizeof(rom_demo_result);
  return 0;
}

typedef struct {
  rom_ctx *ctx;
  const rom_demo_options *o;
  char pending[1024]; /* no callback: text not yet logged (whole lines go to the logger) */
  size_t npending;
} demo_run;

static void flush_pending(demo_run *r) {
  if (r->npending == 0) return;
  r->pending[r->npending] = '\0';
  rom_log(r->ctx, ROM_LOG_INFO, "%s", r->pending);
  r->npending = 0;
}

/* Progress text on rank 0: to the callback, or line by line to the logger (info). */
static void ROM_PRINTF(2, 3) progress(demo_run *r, const char *fmt, ...) {
  char text[3 * ROM_REPRODUCE_PATH];
  if (rom_ctx_rank(r->ctx) != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (r->o->progress) {
    r->o->progress(r->o->progress_user, text);
    return;
  }
  for (const char *s = text; *s; ++s) {
    if (*s == '\n' || r->npending + 1 >= sizeof r->pending) flush_pending(r);
    if (*s != '\n') r->pending[r->npending++] = *s;
  }
}

static void sample_mu(uint64_t seed, uint64_t stream, rom_int index, double *mu) {
  for (int q = 0; q < DEMO_Q; ++q)
    mu[q] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(seed, stream, (uint64_t)(index * DEMO_Q + q)));
}

/* ||x - y|| (y NULL: ||x||) of distributed vectors. Collective. */
static int dist_norm2(rom_ctx *ctx, const double *x, const double *y, rom_int L, double *out) {
  int err = ROM_OK;
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l) {
    double d = y ? x[l] - y[l] : x[l];
    s += d * d;
  }
  ROM_MPI(ctx, MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  *out = sqrt(t);
cleanup:
  return err;
}

static int compare_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of v[0..n-1] (n >= 1), v left as it was. Not collective. */
static int median(rom_ctx *ctx, const double *v, rom_int n, double *out) {
  int err = ROM_OK;
  double *c = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n, (void **)&c));
  memcpy(c, v, sizeof(double) * (size_t)n);
  qsort(c, (size_t)n, sizeof(double), compare_double);
  *out = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
cleanup:
  rom_free(ctx, c);
  return err;
}

/* Rank 0 creates (or checks) the working directory and refuses to replace the demo's files
 * there unless o->overwrite; the outcome is agreed on and the directory name broadcast, so
 * the error is collective. */
static int prepare_workdir(demo_run *r, char *dir) {
  static const char *const outputs[] = {"snapshots.h5", "basis.h5",   "rom.h5",       "rom_k2.h5",
                                        "rom_k5.h5",    "rom_k10.h5", "rom_energy.h5"};
  int err = ROM_OK, ok = 1;
  rom_ctx *ctx = r->ctx;
  const rom_demo_options *o = r->o;
  char message[3 * ROM_REPRODUCE_PATH] = "";
  if (rom_ctx_rank(ctx) == 0) {
    struct stat st;
    if (!o->workdir) {
      const char *tmp = getenv("TMPDIR");
      snprintf(dir, ROM_REPRODUCE_PATH, "%s/romkit-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      if (!mkdtemp(dir)) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create a directory %s: %s", dir, strerror(errno));
      }
    } else {
      snprintf(dir, ROM_REPRODUCE_PATH, "%s", o->workdir);
      if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create --workdir %s: %s", dir, strerror(errno));
      } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ok = 0;
        snprintf(message, sizeof message, "--workdir %s is not a directory", dir);
      }
      for (size_t i = 0; ok && i < sizeof outputs / sizeof outputs[0]; ++i) {
        char path[ROM_REPRODUCE_PATH + 64];
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i]);
        if (access(path, F_OK) == 0) {
          if (!o->overwrite) {
            ok = 0;
            snprintf(message, sizeof message,
                     "%s exists: pass --overwrite to replace the demo's files in %s", path, dir);
          } else {
            progress(r, "note: --overwrite: replacing %s\n", path);
          }
        }
      }
    }
  }
  /* rank 0's message; the other ranks report "failed on another rank" (one line on stderr) */
  ROM_CHECK_ALL(ctx, ok, ROM_ERR_IO, "%s", message);
  ROM_MPI(ctx, MPI_Bcast(dir, ROM_REPRODUCE_PATH, MPI_CHAR, 0, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* The first k vectors of b as a basis of their own. Collective. */
static int leading_basis(rom_ctx *ctx, const rom_basis *b, rom_int k, rom_basis **out) {
  int err = ROM_OK;
  rom_dmat *view = NULL;
  const rom_dmat *V = rom_basis_vectors(b);
  ROM_TRY(ctx, rom_dmat_wrap(ctx, rom_dmat_local_rows(V), k, (double *)rom_dmat_data_const(V),
                             rom_dmat_ld(V), &view));
  ROM_TRY(ctx, rom_basis_create(view, NULL, 0, rom_basis_reference(b), out));
cleanup:
  rom_dmat_destroy(&view);
  return err;
}

static int check_options(rom_ctx *ctx, const rom_demo_options *o) {
  int err = ROM_OK;
  ROM_CHECK(ctx, o->n >= 8 && o->n <= 1024, ROM_ERR_ARG, "n = %lld must be in 8..1024",
            (long long)o->n);
  ROM_CHECK(ctx, o->train >= 2 && o->train <= 10000, ROM_ERR_ARG,
            "train = %lld must be in 2..10000", (long long)o->train);
  ROM_CHECK(ctx, o->test >= 1 && o->test <= ROM_DEMO_MAX_TEST, ROM_ERR_ARG,
            "test = %lld must be in 1..%d", (long long)o->test, ROM_DEMO_MAX_TEST);
  ROM_CHECK(ctx, !o->workdir || o->workdir[0], ROM_ERR_ARG, "workdir must not be empty");
  ROM_CHECK(ctx, !o->workdir || strlen(o->workdir) < ROM_REPRODUCE_PATH, ROM_ERR_ARG,
            "workdir is longer than %d characters", ROM_REPRODUCE_PATH - 1);
cleanup:
  return err;
}

/* The ROM files of the rows: k = 2, 5, 10, 20 up to kmax (the kmax one is rom.h5), kmax
 * itself when below 20, and the energy criterion's. */
static void plan_rows(rom_demo_result *res, rom_int kmax, rom_int kenergy) {
  static const rom_int ks[4] = {2, 5, 10, 20};
  const char *dir = res->workdir;
  int n = 0;
  for (int i = 0; i < 4; ++i)
    if (ks[i] <= kmax) {
      res->rows[n].k = ks[i];
      snprintf(res->rows[n].label, sizeof res->rows[n].label, "%lld", (long long)ks[i]);
      if (ks[i] == kmax)
        snprintf(res->rows[n].file, sizeof res->rows[n].file, "%s/rom.h5", dir);
      else
        snprintf(res->rows[n].file, sizeof res->rows[n].file, "%s/rom_k%lld.h5", dir,
                 (long long)ks[i]);
      ++n;
    }
  if (kmax < 20 && (n == 0 || res->rows[n - 1].k != kmax)) {
    res->rows[n].k = kmax;
    snprintf(res->rows[n].label, sizeof res->rows[n].label, "%lld", (long long)kmax);
    snprintf(res->rows[n].file, sizeof res->rows[n].file, "%s/rom.h5", dir);
    ++n;
  }
  res->rows[n].k = kenergy;
  snprintf(res->rows[n].label, sizeof res->rows[n].label, "%lld (energy)", (long long)kenergy);
  snprintf(res->rows[n].file, sizeof res->rows[n].file, "%s/rom_energy.h5", dir);
  res->nrows = n + 1;
  res->largest_row = res->nrows >= 2 ? res->nrows - 2 : 0;
}

int rom_demo_run(rom_ctx *ctx, const rom_demo_options *opts, rom_demo_result *res) {
  int err = ROM_OK;
  demo_run run;
  rom_heat2d *fom = NULL;
  rom_snapshots *snaps = NULL;
  rom_basis *pod = NULL, *pod_energy = NULL, *basis = NULL, *bk = NULL;
  rom_affine_rom *rom = NULL;
  double *u = NULL, *ur = NULL, *ufom = NULL, *fom_times = NULL, *rom_times = NULL;
  double *traj_fom = NULL, *traj_rom = NULL, *q = NULL; /* q: up to `train` coordinates */
  double mu[DEMO_Q], phi = 1.0;
  char path_snap[ROM_REPRODUCE_PATH + 64], path_basis[ROM_REPRODUCE_PATH + 64];
  memset(&run, 0, sizeof run);
  run.ctx = ctx;
  run.o = opts;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, opts && res, ROM_ERR_ARG, "opts and result must not be NULL");
  ROM_TRY(ctx, check_options(ctx, opts));
  memset(res, 0, sizeof *res);
  const rom_demo_options *o = opts;
  const MPI_Comm comm = rom_ctx_comm(ctx);
  const uint64_t seed = o->seed;
  ROM_TRY(ctx, prepare_workdir(&run, res->workdir));
  const char *dir = res->workdir;
  res->n = o->n;
  res->train = o->train;
  res->test = o->test;
  res->seed = o->seed;
  res->ranks = rom_ctx_size(ctx);
  res->energy = DEMO_ENERGY;
  snprintf(path_snap, sizeof path_snap, "%s/snapshots.h5", dir);
  snprintf(path_basis, sizeof path_basis, "%s/basis.h5", dir);

  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = o->n;
  progress(&run,
           "romkit demo: P3 heat conduction, -div(kappa grad u) = 1 on the unit square, u = 0 "
           "on the boundary\n"
           "  grid %lld x %lld interior nodes (N = %lld), kappa = mu_q on 2 x 2 subdomains, "
           "mu in [0.1, 10]^4 log-uniform, seed %llu, %d rank(s)\n  workdir %s\n\n",
           (long long)o->n, (long long)o->n, (long long)(o->n * o->n), (unsigned long long)seed,
           rom_ctx_size(ctx), dir);
  ROM_TRY(ctx, rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &fom));
  const rom_int L = rom_heat2d_local_rows(fom), N = rom_heat2d_global_rows(fom);
  const size_t L1 = (size_t)(L > 0 ? L : 1);
  res->N = N;
  ROM_TRY(ctx, rom_calloc(ctx, L1, sizeof(double), (void **)&u));
  ROM_TRY(ctx, rom_calloc(ctx, L1, sizeof(double), (void **)&ur));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)o->train, sizeof(double), (void **)&q));

  /* ---- offline: snapshots ---- */
  {
    rom_snapshots_options so = rom_snapshots_options_default();
    so.capacity_hint = o->train;
    so.num_parameters = DEMO_Q;
    so.stream_path = path_snap;
    so.overwrite = o->overwrite;
    ROM_TRY(ctx, rom_snapshots_create(ctx, L, &so, &snaps));
    double t0 = MPI_Wtime();
    for (rom_int i = 0; i < o->train; ++i) {
      sample_mu(seed, 1, i, mu);
      ROM_TRY(ctx, rom_heat2d_solve(fom, mu, u));
      ROM_TRY(ctx, rom_snapshots_add_tagged(snaps, u, 0.0, mu));
    }
    res->snapshot_seconds = MPI_Wtime() - t0;
    progress(&run, "offline\n  %lld FOM solves -> %s (%lld x %lld): %.2f s\n", (long long)o->train,
             path_snap, (long long)o->train, (long long)N, res->snapshot_seconds);
  }
  /* ---- offline: POD, rank truncation at the largest k, and the energy criterion ---- */
  {
    const rom_dmat *S = NULL;
    rom_pod_options po = rom_pod_options_default();
    rom_int kmax = o->train < 20 ? o->train : 20;
    ROM_TRY(ctx, rom_snapshots_matrix(snaps, &S));
    double t0 = MPI_Wtime();
    po.truncation = ROM_POD_TRUNCATE_RANK;
    po.rank = kmax;
    ROM_TRY(ctx, rom_pod_compute(S, &po, &pod));
    res->pod_seconds = MPI_Wtime() - t0;
    po.truncation = ROM_POD_TRUNCATE_ENERGY;
    po.energy = DEMO_ENERGY;
    ROM_TRY(ctx, rom_pod_compute(S, &po, &pod_energy));
    rom_int r = 0;
    const double *s = rom_basis_singular_values(pod, &r);
    kmax = rom_basis_dim(pod);
    res->kmax = kmax;
    res->energy_k = rom_basis_dim(pod_energy);
    res->s1 = s && r > 0 ? s[0] : NAN;
    res->s_kmax_ratio = s && r >= kmax ? s[kmax - 1] / s[0] : NAN;
    progress(&run, "  POD (TSQR + SVD) of the %lld x %lld snapshot matrix: %.3f s; s_1 = %.3e",
             (long long)N, (long long)o->train, res->pod_seconds, res->s1);
    if (s && r >= kmax) progress(&run, ", s_%lld / s_1 = %.2e", (long long)kmax, res->s_kmax_ratio);
    progress(&run, "\n  energy %.6f kept by k = %lld modes\n", DEMO_ENERGY,
             (long long)res->energy_k);
    ROM_TRY(ctx, rom_basis_write(pod, path_basis, o->overwrite));
    progress(&run, "  basis (k = %lld) -> %s\n", (long long)kmax, path_basis);
    plan_rows(res, kmax, res->energy_k);
  }
  /* ---- offline: projection -> ROM files ---- */
  {
    double t0 = MPI_Wtime();
    for (int i = 0; i < res->nrows; ++i) {
      if (i == res->nrows - 1) {
        ROM_TRY(ctx, rom_affine_rom_build(rom_heat2d_model(fom), pod_energy, &rom));
      } else {
        ROM_TRY(ctx, leading_basis(ctx, pod, res->rows[i].k, &bk));
        ROM_TRY(ctx, rom_affine_rom_build(rom_heat2d_model(fom), bk, &rom));
        rom_basis_destroy(&bk);
      }
      ROM_TRY(ctx, rom_affine_rom_write(rom, res->rows[i].file, o->overwrite));
      rom_affine_rom_destroy(&rom);
    }
    res->project_seconds = MPI_Wtime() - t0;
    progress(&run,
             "  Galerkin projection of the 4 + 1 affine terms, %d ROMs -> %s/rom*.h5: "
             "%.3f s\n\n",
             res->nrows, dir, res->project_seconds);
  }

  /* ---- online: the ROM from its file; the basis file only to lift for the error ---- */
  ROM_TRY(ctx, rom_basis_read(ctx, path_basis, L, &basis));
  ROM_TRY(ctx, rom_calloc(ctx, L1 * (size_t)o->test, sizeof(double), (void **)&ufom));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)o->test, sizeof(double), (void **)&fom_times));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)o->test, sizeof(double), (void **)&rom_times));
  for (rom_int t = 0; t < o->test; ++t) {
    sample_mu(seed, 2, t, mu);
    ROM_MPI(ctx, MPI_Barrier(comm));
    double t0 = MPI_Wtime();
    ROM_TRY(ctx, rom_heat2d_solve(fom, mu, ufom + t * L));
    double dt = MPI_Wtime() - t0;
    ROM_MPI(ctx, MPI_Allreduce(&dt, &fom_times[t], 1, MPI_DOUBLE, MPI_MAX, comm));
  }
  ROM_TRY(ctx, median(ctx, fom_times, o->test, &res->fom_median_seconds));
  const double fom_median = res->fom_median_seconds;
  progress(&run, "online: %lld unseen parameters; each ROM read back from its file\n",
           (long long)o->test);
  progress(&run, "  FOM direct solve (banded Cholesky), median: %.3f ms\n\n", 1e3 * fom_median);
  progress(&run, "  %-14s %16s %16s %14s %10s\n", "k", "mean rel. error", "max rel. error",
           "ROM solve", "speed-up");
  for (int i = 0; i < res->nrows; ++i) {
    rom_demo_row *row = &res->rows[i];
    ROM_TRY(ctx, rom_affine_rom_read(ctx, row->file, &rom));
    if (i == res->nrows - 1)
      ROM_TRY(ctx, rom_basis_create(rom_basis_vectors(pod_energy), NULL, 0,
                                    rom_basis_reference(pod_energy), &bk));
    else
      ROM_TRY(ctx, leading_basis(ctx, basis, row->k, &bk));
    double sum = 0.0, emax = 0.0;
    for (rom_int t = 0; t < o->test; ++t) {
      sample_mu(seed, 2, t, mu);
      double t0 = MPI_Wtime();
      for (int rep = 0; rep < DEMO_REPS && err == ROM_OK; ++rep)
        err = rom_affine_rom_solve(rom, mu, &phi, q);
      rom_times[t] = (MPI_Wtime() - t0) / DEMO_REPS;
      ROM_TRY(ctx, err);
      ROM_TRY(ctx, rom_basis_lift(bk, q, ur));
      double e = 0.0, nf = 0.0;
      ROM_TRY(ctx, dist_norm2(ctx, ufom + t * L, ur, L, &e));
      ROM_TRY(ctx, dist_norm2(ctx, ufom + t * L, NULL, L, &nf));
      e /= nf;
      sum += e;
      emax = fmax(emax, e);
    }
    row->err_mean = sum / (double)o->test;
    row->err_max = emax;
    ROM_TRY(ctx, median(ctx, rom_times, o->test, &row->rom_seconds));
    progress(&run, "  %-14s %16.3e %16.3e %11.2f us %10.3g\n", row->label, row->err_mean,
             row->err_max, 1e6 * row->rom_seconds, fom_median / row->rom_seconds);
    rom_basis_destroy(&bk);
    rom_affine_rom_destroy(&rom);
  }
  {
    const rom_demo_row *row = &res->rows[res->largest_row]; /* largest rank-truncated k */
    progress(&run, "\n  largest k = %lld: max relative error %.3e, speed-up %.3g\n",
             (long long)row->k, row->err_max, fom_median / row->rom_seconds);
  }

  /* ---- transient: implicit Euler at the first test parameter ---- */
  {
    const rom_int steps = 50;
    const double dt = 0.01;
    const rom_demo_row *row = &res->rows[res->largest_row];
    const rom_int k = row->k;
    double num = 0.0, den = 0.0, emax = 0.0;
    res->transient_k = k;
    res->transient_steps = steps;
    res->transient_dt = dt;
    sample_mu(seed, 2, 0, mu);
    ROM_TRY(ctx, rom_affine_rom_read(ctx, row->file, &rom));
    ROM_TRY(ctx, leading_basis(ctx, basis, k, &bk));
    ROM_TRY(ctx, rom_calloc(ctx, L1 * (size_t)(steps + 1), sizeof(double), (void **)&traj_fom));
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)(k * (steps + 1)), sizeof(double), (void **)&traj_rom));
    ROM_MPI(ctx, MPI_Barrier(comm));
    double t0 = MPI_Wtime();
    ROM_TRY(ctx, rom_heat2d_transient(fom, mu, dt, steps, traj_fom));
    res->transient_fom_seconds = MPI_Wtime() - t0;
    /* Initial reduced state: the projection of u(0) = 0, i.e. q0 = Phi^T (0 - u_ref). */
    for (rom_int l = 0; l < L; ++l)
      u[l] = 0.0;
    ROM_TRY(ctx, rom_basis_project(bk, u, q));
    t0 = MPI_Wtime();
    ROM_TRY(ctx, rom_affine_rom_transient(rom, mu, &phi, dt, steps, q, traj_rom));
    res->transient_rom_seconds = MPI_Wtime() - t0;
    for (rom_int s = 0; s <= steps; ++s) {
      double e = 0.0, nf = 0.0;
      ROM_TRY(ctx, rom_basis_lift(bk, traj_rom + s * k, ur));
      ROM_TRY(ctx, dist_norm2(ctx, traj_fom + s * L, ur, L, &e));
      ROM_TRY(ctx, dist_norm2(ctx, traj_fom + s * L, NULL, L, &nf));
      num += e * e;
      den += nf * nf;
      if (nf > 0) emax = fmax(emax, e / nf);
    }
    res->transient_err_avg = den > 0 ? sqrt(num / den) : 0.0;
    res->transient_err_max = emax;
    progress(&run,
             "\ntransient: u_t - div(kappa grad u) = 1, u(0) = 0, implicit Euler dt = %g, %lld "
             "steps, first test parameter\n"
             "  k = %lld: space-time relative error %.3e (avg), %.3e (max over steps); "
             "FOM %.2f ms, ROM %.1f us, speed-up %.3g\n",
             dt, (long long)steps, (long long)k, res->transient_err_avg, emax,
             1e3 * res->transient_fom_seconds, 1e6 * res->transient_rom_seconds,
             res->transient_fom_seconds / res->transient_rom_seconds);
    progress(&run, "  (the basis was trained on steady states only: the early transient states lie "
                   "partly outside its span,\n   which the max over steps shows; add transient "
                   "snapshots to the training set for transient use)\n");
  }
  progress(&run, "\nfiles in %s: snapshots.h5, basis.h5, rom*.h5 (see 'romkit info FILE')\n", dir);
cleanup:
  flush_pending(&run);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&bk);
  rom_basis_destroy(&basis);
  rom_basis_destroy(&pod_energy);
  rom_basis_destroy(&pod);
  rom_snapshots_destroy(&snaps);
  rom_heat2d_destroy(&fom);
  rom_free(ctx, u);
  rom_free(ctx, ur);
  rom_free(ctx, q);
  rom_free(ctx, ufom);
  rom_free(ctx, fom_times);
  rom_free(ctx, rom_times);
  rom_free(ctx, traj_fom);
  rom_free(ctx, traj_rom);
  return err;
}
