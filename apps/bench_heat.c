/* romkit bench heat — P3 heat conduction: online cost of the affine Galerkin ROM beside
 * the FOM's direct solve, measured in one run (docs/problems.md: ratios side by side,
 * medians of repeated measurements, OPENBLAS_NUM_THREADS=1).
 *
 * Offline: FOM steady solves at log-uniform training parameters in [0.1, 10]^4, POD
 * (rank 20), projection. Online, per core: solves per second at k = 10 and 20 (each
 * solve: assemble sum theta_q A_q^r, factorise, solve, at a new parameter every call),
 * the implicit-Euler step time, and the FOM solve time (band Cholesky, assembly
 * included). Then the same k at n = 32, 64, 128 to show that the online cost does not
 * depend on N. Online timings are taken on every rank at once (the solves are not
 * collective); the table shows rank 0's. */
#include "bench_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_TRAIN 40
#define BENCH_KMAX 20
#define BENCH_NTHETA 256

static const char *const help =
    "usage: [mpirun -n P] romkit bench heat [--n 128] [--repeat 5] [--train 40] [--json]\n\n"
    "P3 heat conduction (4 conductivity subdomains, mu in [0.1, 10]^4): online reduced\n"
    "solves per second at k = 10 and 20, implicit-Euler step time, the FOM direct-solve\n"
    "time and the speed-up, then the online rate at n = 32, 64, 128 (flat in N).\n"
    "Timings are medians over --repeat runs. --json prints one JSON object on stdout\n"
    "instead of the table. Set OPENBLAS_NUM_THREADS=1.\n";

/* Log-uniform parameters in [0.1, 10]: mu = 10^(-1 + 2 U). */
static void sample_mu(uint64_t seed, uint64_t stream, rom_int index, int Q, double *mu) {
  for (int q = 0; q < Q; ++q)
    mu[q] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(seed, stream, (uint64_t)(index * Q + q)));
}

typedef struct {
  rom_heat2d *fom;
  rom_basis *pod;         /* rank BENCH_KMAX */
  rom_affine_rom *rom[2]; /* k = 10, 20 */
  double fom_seconds;     /* median FOM solve */
} heat_setup;

static void setup_destroy(heat_setup *s) {
  rom_affine_rom_destroy(&s->rom[0]);
  rom_affine_rom_destroy(&s->rom[1]);
  rom_basis_destroy(&s->pod);
  rom_heat2d_destroy(&s->fom);
}

/* The first k vectors of the POD basis as a basis of their own (a view: no copy needed
 * beyond what rom_basis_create makes). */
static int leading_basis(rom_ctx *ctx, const rom_basis *pod, rom_int k, rom_basis **out) {
  rom_dmat *view = NULL;
  const rom_dmat *V = rom_basis_vectors(pod);
  int rc = rom_dmat_wrap(ctx, rom_dmat_local_rows(V), k, (double *)rom_dmat_data_const(V),
                         rom_dmat_ld(V), &view);
  if (rc == ROM_OK) rc = rom_basis_create(view, NULL, 0, rom_basis_reference(pod), out);
  rom_dmat_destroy(&view);
  return rc;
}

static int setup(rom_ctx *ctx, rom_int n, int ntrain, int repeat, int time_fom, heat_setup *s) {
  int rc = ROM_OK;
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  double *times = NULL, mu[4];
  const rom_int ks[2] = {10, BENCH_KMAX};
  rom_heat2d_options o = rom_heat2d_options_default();
  memset(s, 0, sizeof *s);
  o.n = n;
  rc = rom_heat2d_create(ctx, &o, ROM_AUTO_ROWS, &s->fom);
  if (rc) goto done;
  const rom_int L = rom_heat2d_local_rows(s->fom);
  rc = rom_dmat_create(ctx, L, ntrain, &S);
  for (int i = 0; rc == ROM_OK && i < ntrain; ++i) {
    sample_mu(42, 1, i, 4, mu);
    rc = rom_heat2d_solve(s->fom, mu, rom_dmat_data(S) + (rom_int)i * L);
  }
  if (rc) goto done;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = BENCH_KMAX;
  rc = rom_pod_compute(S, &po, &s->pod);
  for (int i = 0; rc == ROM_OK && i < 2; ++i) {
    rc = leading_basis(ctx, s->pod, ks[i], &b);
    if (rc == ROM_OK) rc = rom_affine_rom_build(rom_heat2d_model(s->fom), b, &s->rom[i]);
    rom_basis_destroy(&b);
  }
  if (rc || !time_fom) goto done;
  times = malloc(sizeof(double) * (size_t)repeat);
  double *u = malloc(sizeof(double) * (size_t)(L > 0 ? L : 1));
  for (int r = 0; rc == ROM_OK && r < repeat; ++r) {
    sample_mu(42, 2, r, 4, mu);
    MPI_Barrier(rom_ctx_comm(ctx));
    double t0 = MPI_Wtime();
    rc = rom_heat2d_solve(s->fom, mu, u);
    double t = MPI_Wtime() - t0;
    MPI_Allreduce(&t, &times[r], 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  }
  free(u);
  if (rc == ROM_OK) s->fom_seconds = bench_median(times, repeat);
done:
  free(times);
  rom_dmat_destroy(&S);
  return rc;
}

/* Online solves per second: `repeat` timed batches of about 0.2 s each, every solve at a
 * new parameter (cycling through BENCH_NTHETA test parameters), median rate. */
static int online_rate(rom_affine_rom *rom, int repeat, double *rate) {
  int rc = ROM_OK;
  double thetas[BENCH_NTHETA * 4], q[64], phi = 1.0, *rates = NULL;
  volatile double sink = 0.0; /* keeps the solves observable */
  for (int i = 0; i < BENCH_NTHETA; ++i)
    sample_mu(42, 3, i, 4, thetas + 4 * i);
  /* Calibrate the batch to about 0.2 s. */
  long count = 1000;
  double t0 = MPI_Wtime();
  for (long i = 0; rc == ROM_OK && i < count; ++i)
    rc = rom_affine_rom_solve(rom, thetas + 4 * (i % BENCH_NTHETA), &phi, q);
  double per = (MPI_Wtime() - t0) / (double)count;
  if (per > 0) count = (long)fmax(1000.0, 0.2 / per);
  rates = malloc(sizeof(double) * (size_t)repeat);
  for (int r = 0; rc == ROM_OK && r < repeat; ++r) {
    t0 = MPI_Wtime();
    for (long i = 0; rc == ROM_OK && i < count; ++i) {
      rc = rom_affine_rom_solve(rom, thetas + 4 * (i % BENCH_NTHETA), &phi, q);
      sink += q[0];
    }
    rates[r] = (double)count / (MPI_Wtime() - t0);
  }
  if (rc == ROM_OK) *rate = bench_median(rates, repeat);
  free(rates);
  return rc;
}

/* Implicit-Euler step time: 1000 steps per run (one factorisation amortised), median. */
static int step_time(rom_affine_rom *rom, int repeat, double *seconds) {
  int rc = ROM_OK;
  const rom_int steps = 1000, k = rom_affine_rom_dim(rom);
  double mu[4], phi = 1.0, *traj = malloc(sizeof(double) * (size_t)(k * (steps + 1)));
  double *times = malloc(sizeof(double) * (size_t)repeat);
  sample_mu(42, 2, 0, 4, mu);
  for (int r = 0; rc == ROM_OK && r < repeat; ++r) {
    double t0 = MPI_Wtime();
    rc = rom_affine_rom_transient(rom, mu, &phi, 0.01, steps, NULL, traj);
    times[r] = (MPI_Wtime() - t0) / (double)steps;
  }
  if (rc == ROM_OK) *seconds = bench_median(times, repeat);
  free(traj);
  free(times);
  return rc;
}

int bench_heat(rom_ctx *ctx, int argc, char **argv) {
  rom_int n = 128, repeat = 5, train = BENCH_TRAIN;
  const int json = cli_json_mode(); /* --json: a global option (apps/cli.h) */
  int rc = ROM_OK;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--n") || !strcmp(a, "--repeat") || !strcmp(a, "--train")) {
      rom_int v = 0;
      if (i + 1 >= argc) return cli_usage_error(ctx, "bench heat", "%s needs a value", a);
      if (cli_parse_int(argv[++i], &v))
        return cli_usage_error(ctx, "bench heat", "%s expects an integer, got '%s'", a, argv[i]);
      if (!strcmp(a, "--n"))
        n = v;
      else if (!strcmp(a, "--repeat"))
        repeat = v;
      else
        train = v;
    } else {
      return cli_usage_error(ctx, "bench heat", "unknown option '%s'", a);
    }
  }
  if (n < 8 || n > 2048) return cli_usage_error(ctx, "bench heat", "--n must be in 8..2048");
  if (repeat < 1 || repeat > 1000)
    return cli_usage_error(ctx, "bench heat", "--repeat must be in 1..1000");
  if (train < BENCH_KMAX || train > 10000)
    return cli_usage_error(ctx, "bench heat", "--train must be in %d..10000", BENCH_KMAX);

  heat_setup s;
  double rate[2] = {0, 0}, step[2] = {0, 0};
  const rom_int flat_n[3] = {32, 64, 128};
  double flat_rate[3] = {0, 0, 0};
  rc = setup(ctx, n, (int)train, (int)repeat, 1, &s);
  for (int i = 0; rc == ROM_OK && i < 2; ++i) {
    rc = online_rate(s.rom[i], (int)repeat, &rate[i]);
    if (rc == ROM_OK) rc = step_time(s.rom[i], (int)repeat, &step[i]);
  }
  double fom_seconds = s.fom_seconds;
  setup_destroy(&s);
  for (int j = 0; rc == ROM_OK && j < 3; ++j) {
    rc = setup(ctx, flat_n[j], (int)train, (int)repeat, 0, &s);
    if (rc == ROM_OK) rc = online_rate(s.rom[1], (int)repeat, &flat_rate[j]);
    setup_destroy(&s);
  }
  if (rc != ROM_OK) return cli_fail(ctx, "bench heat", rc);

  const int ranks = rom_ctx_size(ctx);
  const char *threads = getenv("OPENBLAS_NUM_THREADS");
  if (json) {
    cli_json_printf(ctx,
                    "{\"benchmark\": \"heat\", \"n\": %lld, \"N\": %lld, \"ranks\": %d, "
                    "\"openblas_threads\": \"%s\", \"train\": %lld, \"repeat\": %lld, "
                    "\"fom_solve_seconds\": %.6e, \"online\": [",
                    (long long)n, (long long)(n * n), ranks, threads ? threads : "unset",
                    (long long)train, (long long)repeat, fom_seconds);
    for (int i = 0; i < 2; ++i)
      cli_json_printf(ctx,
                      "%s{\"k\": %d, \"solves_per_second\": %.6e, \"seconds_per_solve\": %.6e, "
                      "\"speedup\": %.6e, \"transient_step_seconds\": %.6e}",
                      i ? ", " : "", i ? BENCH_KMAX : 10, rate[i], 1.0 / rate[i],
                      fom_seconds * rate[i], step[i]);
    cli_json_printf(ctx, "], \"flat_in_N\": [");
    for (int j = 0; j < 3; ++j)
      cli_json_printf(ctx, "%s{\"n\": %lld, \"N\": %lld, \"k\": %d, \"solves_per_second\": %.6e}",
                      j ? ", " : "", (long long)flat_n[j], (long long)(flat_n[j] * flat_n[j]),
                      BENCH_KMAX, flat_rate[j]);
    cli_json_printf(ctx, "]}\n");
    return CLI_EXIT_OK;
  }
  cli_printf(ctx,
             "romkit bench heat: P3, n = %lld (N = %lld), 2 x 2 subdomains, %lld training "
             "solves, %d rank(s), OPENBLAS_NUM_THREADS=%s, medians of %lld runs\n\n",
             (long long)n, (long long)(n * n), (long long)train, ranks, threads ? threads : "unset",
             (long long)repeat);
  cli_printf(ctx, "FOM direct solve (assembly + banded Cholesky dpbtrf/dpbtrs): %.3f ms\n\n",
             1e3 * fom_seconds);
  cli_printf(ctx, "   k   online solves/s   time/solve   speed-up vs FOM   implicit-Euler step\n");
  for (int i = 0; i < 2; ++i)
    cli_printf(ctx, "  %2d   %15.3e   %8.2f us   %15.3e   %16.2f us\n", i ? BENCH_KMAX : 10,
               rate[i], 1e6 / rate[i], fom_seconds * rate[i], 1e6 * step[i]);
  cli_printf(ctx, "\nonline cost against the FOM size (k = %d):\n     n        N   solves/s\n",
             BENCH_KMAX);
  for (int j = 0; j < 3; ++j)
    cli_printf(ctx, "  %4lld  %7lld   %.3e\n", (long long)flat_n[j],
               (long long)(flat_n[j] * flat_n[j]), flat_rate[j]);
  cli_printf(ctx, "\ngoal (docs/problems.md): >= 1e5 online solves/s per core at k = 20: %s\n",
             rate[1] >= 1e5 ? "met" : "NOT met");
  return CLI_EXIT_OK;
}
