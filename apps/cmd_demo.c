/* romkit demo — the P3 pipeline end to end (docs/problems.md, docs/problems.md):
 *
 *   FOM steady solves at training parameters -> snapshots (streamed to snapshots.h5)
 *   -> POD (TSQR + SVD) -> basis.h5 -> Galerkin projection of the affine terms
 *   -> rom.h5 -> read back (the online stage uses only the ROM file)
 *   -> solves at unseen parameters: error against the FOM, time, speed-up;
 *   -> a transient run (implicit Euler) with its space-time error.
 *
 * Parameters: mu in [0.1, 10]^4, log-uniform (mu = 10^(-1 + 2U), U from rom_rng_uniform
 * with the seed; training stream 1, test stream 2, so test parameters are unseen). */
/* mkdtemp is POSIX.1-2008, not C99. */
#define _POSIX_C_SOURCE 200809L

#include "bench_common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_Q 4
#define DEMO_MAX_TEST 1000
#define DEMO_ENERGY 0.999999
#define DEMO_PATH 4096

static const char *const help =
    "usage: [mpirun -n P] romkit demo [--n 64] [--train 40] [--test 10] [--workdir DIR]\n"
    "                                 [--seed 42] [--overwrite]\n\n"
    "The P3 pipeline end to end: FOM solves of 2D heat conduction with 4 conductivity\n"
    "subdomains (mu in [0.1, 10]^4, log-uniform) -> snapshots.h5 -> POD -> basis.h5 ->\n"
    "Galerkin ROM -> rom.h5 (read back for the online stage) -> errors and speed-up at\n"
    "--test unseen parameters for k = 2, 5, 10, 20 and the POD energy criterion, and a\n"
    "transient run (implicit Euler, dt = 0.01, 50 steps).\n\n"
    "  --n N          interior grid nodes per direction (N^2 unknowns), 8..1024\n"
    "  --train M      training FOM solves (snapshots), 2..10000\n"
    "  --test T       unseen test parameters, 1..1000\n"
    "  --workdir DIR  where the HDF5 files go (default: a new directory under /tmp);\n"
    "                 existing files there are kept unless --overwrite is given\n"
    "  --seed S       seed of the parameter samples\n";

typedef struct {
  rom_int n, train, test, seed;
  int overwrite;
  const char *workdir;
} demo_options;

static void sample_mu(uint64_t seed, uint64_t stream, rom_int index, double *mu) {
  for (int q = 0; q < DEMO_Q; ++q)
    mu[q] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(seed, stream, (uint64_t)(index * DEMO_Q + q)));
}

static double dist_norm2(rom_ctx *ctx, const double *x, const double *y, rom_int L) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l) {
    double d = y ? x[l] - y[l] : x[l];
    s += d * d;
  }
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  return sqrt(t);
}

static int parse(rom_ctx *ctx, int argc, char **argv, demo_options *o) {
  o->n = 64;
  o->train = 40;
  o->test = 10;
  o->seed = 42;
  o->overwrite = 0;
  o->workdir = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--overwrite")) {
      o->overwrite = 1;
      continue;
    }
    if (i + 1 >= argc)
      return cli_usage_error(ctx, "demo", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    rom_int *target = !strcmp(a, "--n")       ? &o->n
                      : !strcmp(a, "--train") ? &o->train
                      : !strcmp(a, "--test")  ? &o->test
                      : !strcmp(a, "--seed")  ? &o->seed
                                              : NULL;
    if (!strcmp(a, "--workdir")) {
      if (!*v) return cli_usage_error(ctx, "demo", "--workdir must not be empty");
      o->workdir = v;
    } else if (!target) {
      return cli_usage_error(ctx, "demo", "unknown option '%s'", a);
    } else if (cli_parse_int(v, target)) {
      return cli_usage_error(ctx, "demo", "%s expects an integer, got '%s'", a, v);
    }
  }
  if (o->n < 8 || o->n > 1024) return cli_usage_error(ctx, "demo", "--n must be in 8..1024");
  if (o->train < 2 || o->train > 10000)
    return cli_usage_error(ctx, "demo", "--train must be in 2..10000");
  if (o->test < 1 || o->test > DEMO_MAX_TEST)
    return cli_usage_error(ctx, "demo", "--test must be in 1..%d", DEMO_MAX_TEST);
  if (o->seed < 0) return cli_usage_error(ctx, "demo", "--seed must be >= 0");
  return CLI_EXIT_OK;
}

/* Rank 0 creates (or checks) the working directory and refuses to replace files there
 * without --overwrite; the outcome and the directory name are broadcast. */
static int prepare_workdir(rom_ctx *ctx, const demo_options *o, char *dir) {
  static const char *const outputs[] = {"snapshots.h5", "basis.h5",   "rom.h5",       "rom_k2.h5",
                                        "rom_k5.h5",    "rom_k10.h5", "rom_energy.h5"};
  char message[3 * DEMO_PATH] = "";
  int ok = 1;
  if (rom_ctx_rank(ctx) == 0) {
    struct stat st;
    if (!o->workdir) {
      const char *tmp = getenv("TMPDIR");
      snprintf(dir, DEMO_PATH, "%s/romkit-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      if (!mkdtemp(dir)) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create a directory %s: %s", dir, strerror(errno));
      }
    } else {
      snprintf(dir, DEMO_PATH, "%s", o->workdir);
      if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create --workdir %s: %s", dir, strerror(errno));
      } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ok = 0;
        snprintf(message, sizeof message, "--workdir %s is not a directory", dir);
      }
      for (size_t i = 0; ok && i < sizeof outputs / sizeof outputs[0]; ++i) {
        char path[DEMO_PATH + 64];
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i]);
        if (access(path, F_OK) == 0) {
          if (!o->overwrite) {
            ok = 0;
            snprintf(message, sizeof message,
                     "%s exists: pass --overwrite to replace the demo's files in %s", path, dir);
          } else {
            printf("note: --overwrite: replacing %s\n", path);
          }
        }
      }
    }
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  MPI_Bcast(dir, DEMO_PATH, MPI_CHAR, 0, rom_ctx_comm(ctx));
  if (!ok && rom_ctx_rank(ctx) == 0) fprintf(stderr, "romkit demo: error: %s\n", message);
  return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* The first k vectors of b as a basis of their own. */
static int leading_basis(rom_ctx *ctx, const rom_basis *b, rom_int k, rom_basis **out) {
  rom_dmat *view = NULL;
  const rom_dmat *V = rom_basis_vectors(b);
  int rc = rom_dmat_wrap(ctx, rom_dmat_local_rows(V), k, (double *)rom_dmat_data_const(V),
                         rom_dmat_ld(V), &view);
  if (rc == ROM_OK) rc = rom_basis_create(view, NULL, 0, rom_basis_reference(b), out);
  rom_dmat_destroy(&view);
  return rc;
}

typedef struct {
  rom_int k;
  char label[32];
  char file[DEMO_PATH + 64];
  double err_mean, err_max, rom_seconds;
} demo_row;

int cmd_demo(rom_ctx *ctx, int argc, char **argv) {
  demo_options o;
  char dir[DEMO_PATH];
  int rc = ROM_OK, exit_code = CLI_EXIT_OK;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  if ((exit_code = prepare_workdir(ctx, &o, dir)) != CLI_EXIT_OK) return exit_code;

  const MPI_Comm comm = rom_ctx_comm(ctx);
  const uint64_t seed = (uint64_t)o.seed;
  rom_heat2d *fom = NULL;
  rom_snapshots *snaps = NULL;
  rom_basis *pod = NULL, *pod_energy = NULL, *basis = NULL, *bk = NULL;
  rom_affine_rom *rom = NULL;
  double *u = NULL, *ur = NULL, *ufom = NULL, *fom_times = NULL, *rom_times = NULL;
  double *traj_fom = NULL, *traj_rom = NULL;
  double mu[DEMO_Q], phi = 1.0, *q = NULL; /* q: up to `train` reduced coordinates */
  demo_row rows[6];
  int nrows = 0;
  char path_snap[DEMO_PATH + 64], path_basis[DEMO_PATH + 64];
  snprintf(path_snap, sizeof path_snap, "%s/snapshots.h5", dir);
  snprintf(path_basis, sizeof path_basis, "%s/basis.h5", dir);

  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = o.n;
  cli_printf(ctx,
             "romkit demo: P3 heat conduction, -div(kappa grad u) = 1 on the unit square, u = 0 "
             "on the boundary\n"
             "  grid %lld x %lld interior nodes (N = %lld), kappa = mu_q on 2 x 2 subdomains, "
             "mu in [0.1, 10]^4 log-uniform, seed %lld, %d rank(s)\n  workdir %s\n\n",
             (long long)o.n, (long long)o.n, (long long)(o.n * o.n), (long long)o.seed,
             rom_ctx_size(ctx), dir);
  if ((rc = rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &fom))) goto fail;
  const rom_int L = rom_heat2d_local_rows(fom), N = rom_heat2d_global_rows(fom);
  u = calloc((size_t)(L > 0 ? L : 1), sizeof(double));
  ur = calloc((size_t)(L > 0 ? L : 1), sizeof(double));
  q = calloc((size_t)o.train, sizeof(double));

  /* ---- offline: snapshots ---- */
  {
    rom_snapshots_options so = rom_snapshots_options_default();
    so.capacity_hint = o.train;
    so.num_parameters = DEMO_Q;
    so.stream_path = path_snap;
    so.overwrite = o.overwrite;
    if ((rc = rom_snapshots_create(ctx, L, &so, &snaps))) goto fail;
    double t0 = MPI_Wtime();
    for (rom_int i = 0; i < o.train; ++i) {
      sample_mu(seed, 1, i, mu);
      if ((rc = rom_heat2d_solve(fom, mu, u))) goto fail;
      if ((rc = rom_snapshots_add_tagged(snaps, u, 0.0, mu))) goto fail;
    }
    cli_printf(ctx, "offline\n  %lld FOM solves -> %s (%lld x %lld): %.2f s\n", (long long)o.train,
               path_snap, (long long)o.train, (long long)N, MPI_Wtime() - t0);
  }
  /* ---- offline: POD, rank truncation at the largest k, and the energy criterion ---- */
  {
    const rom_dmat *S = NULL;
    rom_pod_options po = rom_pod_options_default();
    rom_int kmax = o.train < 20 ? o.train : 20;
    if ((rc = rom_snapshots_matrix(snaps, &S))) goto fail;
    double t0 = MPI_Wtime();
    po.truncation = ROM_POD_TRUNCATE_RANK;
    po.rank = kmax;
    if ((rc = rom_pod_compute(S, &po, &pod))) goto fail;
    double t_pod = MPI_Wtime() - t0;
    po.truncation = ROM_POD_TRUNCATE_ENERGY;
    po.energy = DEMO_ENERGY;
    if ((rc = rom_pod_compute(S, &po, &pod_energy))) goto fail;
    rom_int r = 0;
    const double *s = rom_basis_singular_values(pod, &r);
    kmax = rom_basis_dim(pod);
    cli_printf(ctx, "  POD (TSQR + SVD) of the %lld x %lld snapshot matrix: %.3f s; s_1 = %.3e",
               (long long)N, (long long)o.train, t_pod, s && r > 0 ? s[0] : NAN);
    if (s && r >= kmax)
      cli_printf(ctx, ", s_%lld / s_1 = %.2e", (long long)kmax, s[kmax - 1] / s[0]);
    cli_printf(ctx, "\n  energy %.6f kept by k = %lld modes\n", DEMO_ENERGY,
               (long long)rom_basis_dim(pod_energy));
    if ((rc = rom_basis_write(pod, path_basis, o.overwrite))) goto fail;
    cli_printf(ctx, "  basis (k = %lld) -> %s\n", (long long)kmax, path_basis);

    const rom_int ks[4] = {2, 5, 10, 20};
    for (int i = 0; i < 4; ++i)
      if (ks[i] <= kmax) {
        rows[nrows].k = ks[i];
        snprintf(rows[nrows].label, sizeof rows[nrows].label, "%lld", (long long)ks[i]);
        if (ks[i] == kmax)
          snprintf(rows[nrows].file, sizeof rows[nrows].file, "%s/rom.h5", dir);
        else
          snprintf(rows[nrows].file, sizeof rows[nrows].file, "%s/rom_k%lld.h5", dir,
                   (long long)ks[i]);
        ++nrows;
      }
    if (kmax < 20 && (nrows == 0 || rows[nrows - 1].k != kmax)) {
      rows[nrows].k = kmax;
      snprintf(rows[nrows].label, sizeof rows[nrows].label, "%lld", (long long)kmax);
      snprintf(rows[nrows].file, sizeof rows[nrows].file, "%s/rom.h5", dir);
      ++nrows;
    }
    rows[nrows].k = rom_basis_dim(pod_energy);
    snprintf(rows[nrows].label, sizeof rows[nrows].label, "%lld (energy)",
             (long long)rows[nrows].k);
    snprintf(rows[nrows].file, sizeof rows[nrows].file, "%s/rom_energy.h5", dir);
    ++nrows;
  }
  /* ---- offline: projection -> ROM files ---- */
  {
    double t0 = MPI_Wtime();
    for (int i = 0; i < nrows; ++i) {
      const int energy_row = i == nrows - 1;
      if (energy_row) {
        if ((rc = rom_affine_rom_build(rom_heat2d_model(fom), pod_energy, &rom))) goto fail;
      } else {
        if ((rc = leading_basis(ctx, pod, rows[i].k, &bk))) goto fail;
        if ((rc = rom_affine_rom_build(rom_heat2d_model(fom), bk, &rom))) goto fail;
        rom_basis_destroy(&bk);
      }
      if ((rc = rom_affine_rom_write(rom, rows[i].file, o.overwrite))) goto fail;
      rom_affine_rom_destroy(&rom);
    }
    cli_printf(ctx,
               "  Galerkin projection of the 4 + 1 affine terms, %d ROMs -> %s/rom*.h5: "
               "%.3f s\n\n",
               nrows, dir, MPI_Wtime() - t0);
  }

  /* ---- online: the ROM from its file; the basis file only to lift for the error ---- */
  if ((rc = rom_basis_read(ctx, path_basis, L, &basis))) goto fail;
  ufom = calloc((size_t)((L > 0 ? L : 1) * o.test), sizeof(double));
  fom_times = calloc((size_t)o.test, sizeof(double));
  rom_times = calloc((size_t)o.test, sizeof(double));
  for (rom_int t = 0; t < o.test; ++t) {
    sample_mu(seed, 2, t, mu);
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if ((rc = rom_heat2d_solve(fom, mu, ufom + t * L))) goto fail;
    double dt = MPI_Wtime() - t0;
    MPI_Allreduce(&dt, &fom_times[t], 1, MPI_DOUBLE, MPI_MAX, comm);
  }
  const double fom_median = bench_median(fom_times, (int)o.test);
  cli_printf(ctx, "online: %lld unseen parameters; each ROM read back from its file\n",
             (long long)o.test);
  cli_printf(ctx, "  FOM direct solve (banded Cholesky), median: %.3f ms\n\n", 1e3 * fom_median);
  cli_printf(ctx, "  %-14s %16s %16s %14s %10s\n", "k", "mean rel. error", "max rel. error",
             "ROM solve", "speed-up");
  for (int i = 0; i < nrows; ++i) {
    const int energy_row = i == nrows - 1;
    if ((rc = rom_affine_rom_read(ctx, rows[i].file, &rom))) goto fail;
    if (energy_row) {
      if ((rc = rom_basis_create(rom_basis_vectors(pod_energy), NULL, 0,
                                 rom_basis_reference(pod_energy), &bk)))
        goto fail;
    } else if ((rc = leading_basis(ctx, basis, rows[i].k, &bk))) {
      goto fail;
    }
    double sum = 0.0, emax = 0.0;
    const int reps = 200;
    for (rom_int t = 0; t < o.test; ++t) {
      sample_mu(seed, 2, t, mu);
      double t0 = MPI_Wtime();
      for (int r = 0; r < reps && rc == ROM_OK; ++r)
        rc = rom_affine_rom_solve(rom, mu, &phi, q);
      rom_times[t] = (MPI_Wtime() - t0) / reps;
      if (rc) goto fail;
      if ((rc = rom_basis_lift(bk, q, ur))) goto fail;
      double e = dist_norm2(ctx, ufom + t * L, ur, L) / dist_norm2(ctx, ufom + t * L, NULL, L);
      sum += e;
      emax = fmax(emax, e);
    }
    rows[i].err_mean = sum / (double)o.test;
    rows[i].err_max = emax;
    rows[i].rom_seconds = bench_median(rom_times, (int)o.test);
    cli_printf(ctx, "  %-14s %16.3e %16.3e %11.2f us %10.3g\n", rows[i].label, rows[i].err_mean,
               rows[i].err_max, 1e6 * rows[i].rom_seconds, fom_median / rows[i].rom_seconds);
    rom_basis_destroy(&bk);
    rom_affine_rom_destroy(&rom);
  }
  {
    int last = nrows >= 2 ? nrows - 2 : 0; /* largest k of the rank-truncated ROMs */
    cli_printf(ctx, "\n  largest k = %lld: max relative error %.3e, speed-up %.3g\n",
               (long long)rows[last].k, rows[last].err_max, fom_median / rows[last].rom_seconds);
  }

  /* ---- transient: implicit Euler at the first test parameter ---- */
  {
    const rom_int steps = 50;
    const double dt = 0.01;
    const int last = nrows >= 2 ? nrows - 2 : 0;
    const rom_int k = rows[last].k;
    double num = 0.0, den = 0.0, emax = 0.0;
    sample_mu(seed, 2, 0, mu);
    if ((rc = rom_affine_rom_read(ctx, rows[last].file, &rom))) goto fail;
    if ((rc = leading_basis(ctx, basis, k, &bk))) goto fail;
    traj_fom = calloc((size_t)((L > 0 ? L : 1) * (steps + 1)), sizeof(double));
    traj_rom = calloc((size_t)(k * (steps + 1)), sizeof(double));
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if ((rc = rom_heat2d_transient(fom, mu, dt, steps, traj_fom))) goto fail;
    double t_fom = MPI_Wtime() - t0;
    /* Initial reduced state: the projection of u(0) = 0, i.e. q0 = Phi^T (0 - u_ref). */
    for (rom_int l = 0; l < L; ++l)
      u[l] = 0.0;
    if ((rc = rom_basis_project(bk, u, q))) goto fail;
    t0 = MPI_Wtime();
    if ((rc = rom_affine_rom_transient(rom, mu, &phi, dt, steps, q, traj_rom))) goto fail;
    double t_rom = MPI_Wtime() - t0;
    for (rom_int s = 0; s <= steps; ++s) {
      if ((rc = rom_basis_lift(bk, traj_rom + s * k, ur))) goto fail;
      double e = dist_norm2(ctx, traj_fom + s * L, ur, L);
      double nf = dist_norm2(ctx, traj_fom + s * L, NULL, L);
      num += e * e;
      den += nf * nf;
      if (nf > 0) emax = fmax(emax, e / nf);
    }
    cli_printf(ctx,
               "\ntransient: u_t - div(kappa grad u) = 1, u(0) = 0, implicit Euler dt = %g, %lld "
               "steps, first test parameter\n"
               "  k = %lld: space-time relative error %.3e (avg), %.3e (max over steps); "
               "FOM %.2f ms, ROM %.1f us, speed-up %.3g\n",
               dt, (long long)steps, (long long)k, den > 0 ? sqrt(num / den) : 0.0, emax,
               1e3 * t_fom, 1e6 * t_rom, t_fom / t_rom);
    cli_printf(ctx,
               "  (the basis was trained on steady states only: the early transient states lie "
               "partly outside its span,\n   which the max over steps shows; add transient "
               "snapshots to the training set for transient use)\n");
  }
  cli_printf(ctx, "\nfiles in %s: snapshots.h5, basis.h5, rom*.h5 (see 'romkit info FILE')\n", dir);
  goto done;
fail:
  exit_code = cli_fail(ctx, "demo", rc);
done:
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&bk);
  rom_basis_destroy(&basis);
  rom_basis_destroy(&pod_energy);
  rom_basis_destroy(&pod);
  rom_snapshots_destroy(&snaps);
  rom_heat2d_destroy(&fom);
  free(u);
  free(ur);
  free(q);
  free(ufom);
  free(fom_times);
  free(rom_times);
  free(traj_fom);
  free(traj_rom);
  return exit_code;
}
