/* Uncertainty quantification with a ROM: Monte Carlo over the P3 heat problem.
 *
 * The four conductivities of P3 (docs/problems.md) are uncertain, independent and
 * log-uniform on [0.1, 10]. Quantities of interest: the average temperature and the
 * temperature at two probes. The question a UQ study asks — their mean, variance and
 * distribution — needs thousands of solves; this example
 *
 *   1. trains a Galerkin ROM offline: 80 FOM solves at Latin-hypercube parameters, POD,
 *      projection, and the three outputs as ROM outputs (l^r = Phi^T l, no lifting online);
 *   2. runs a ROM Monte Carlo with 10000 samples (rom_sweep_run, distributed over the ranks);
 *   3. runs a FOM Monte Carlo with the first 200 samples of the same design (same seed);
 *   4. checks that the ROM's statistics on those 200 samples match the FOM's within the
 *      ROM's own error there — rigorous bounds: |mean_ROM - mean_FOM| <= max_i |e_i| and
 *      |std_ROM - std_FOM| <= ||e||_2 / sqrt(n - 1) for the per-sample errors e_i — and
 *      that the 10000-sample mean agrees with the FOM's 200-sample mean within 5 standard
 *      errors; prints the statistics with a text histogram and the ROM's speed-up.
 *
 * Exits 0 only if every check passes.
 *
 *   mpirun -n 2 build/examples/example_uq_heat
 */
#include <romkit.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID 40  /* interior nodes per direction: N = 1600 */
#define NQ 4     /* conductivity subdomains = parameters */
#define NO 3     /* outputs */
#define TRAIN 80 /* FOM solves for the basis */
#define ROM_SAMPLES 10000
#define FOM_SAMPLES 200
#define SEED 42
#define BINS 16

static int failures = 0;
static void check(int rank, int ok, const char *what) {
  if (!ok) ++failures;
  if (rank == 0) printf("  [%s] %s\n", ok ? "ok" : "FAILED", what);
}

static double dot(MPI_Comm comm, const double *x, const double *y, rom_int n) {
  double s = 0.0, t = 0.0;
  for (rom_int i = 0; i < n; ++i)
    s += x[i] * y[i];
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, comm);
  return t;
}

/* Mean and sample variance (two-pass) of n values with stride. */
static void moments(const double *x, int n, int stride, double *mean, double *var) {
  double s = 0.0, m2 = 0.0;
  for (int i = 0; i < n; ++i)
    s += x[i * stride];
  *mean = s / n;
  for (int i = 0; i < n; ++i)
    m2 += (x[i * stride] - *mean) * (x[i * stride] - *mean);
  *var = n > 1 ? m2 / (n - 1) : 0.0;
}

static void histogram(const char *name, const double *x, rom_int n, int stride, double lo,
                      double hi) {
  rom_int count[BINS] = {0}, most = 1;
  for (rom_int i = 0; i < n; ++i) {
    int b = (int)((x[i * stride] - lo) / (hi - lo) * BINS);
    count[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
  }
  for (int b = 0; b < BINS; ++b)
    most = count[b] > most ? count[b] : most;
  printf("\n  histogram of %s (%lld ROM samples)\n", name, (long long)n);
  for (int b = 0; b < BINS; ++b) {
    char bar[64];
    int len = (int)(50.0 * (double)count[b] / (double)most + 0.5);
    memset(bar, '#', (size_t)len);
    bar[len] = '\0';
    printf("  [%9.3e, %9.3e) %6lld %s\n", lo + (hi - lo) * b / BINS,
           lo + (hi - lo) * (b + 1) / BINS, (long long)count[b], bar);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_heat2d *fom = NULL;
  rom_dmat *S = NULL;
  rom_basis *basis = NULL;
  rom_affine_rom *rom = NULL;
  rom_sweep_design *train = NULL, *mc = NULL;
  rom_sweep *sweep = NULL;
  double *u = NULL, *l[NO] = {NULL, NULL, NULL}, *rom_all = NULL, *fom_out = NULL;
  int rc = ROM_OK;
  const char *names[NO] = {"T_average", "T_probe_a", "T_probe_b"};
  const double low[NQ] = {0.1, 0.1, 0.1, 0.1}, high[NQ] = {10, 10, 10, 10};
  const int logs[NQ] = {1, 1, 1, 1};

  if ((rc = rom_ctx_create(MPI_COMM_WORLD, &ctx))) goto fail;
  const MPI_Comm comm = rom_ctx_comm(ctx);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = GRID;
  if ((rc = rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &fom))) goto fail;
  const rom_int L = rom_heat2d_local_rows(fom), N = rom_heat2d_global_rows(fom);
  rom_int off = 0;
  MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, comm);
  if (rank == 0) off = 0;
  if (rank == 0)
    printf("UQ for P3 heat conduction: %d x %d grid (N = %lld), kappa_q log-uniform on [0.1, 10], "
           "%d rank(s)\n",
           GRID, GRID, (long long)N, size);

  /* Output weights: the average, and probes at the nodes nearest (0.25, 0.25), (0.75, 0.5). */
  u = calloc((size_t)L + 1, sizeof(double));
  const rom_int probe_a =
      (rom_int)(0.25 * (GRID + 1) - 1) * GRID + (rom_int)(0.25 * (GRID + 1) - 1);
  const rom_int probe_b = (rom_int)(0.5 * (GRID + 1) - 1) * GRID + (rom_int)(0.75 * (GRID + 1) - 1);
  for (int o = 0; o < NO; ++o)
    l[o] = calloc((size_t)L + 1, sizeof(double));
  for (rom_int i = 0; i < L; ++i) {
    l[0][i] = 1.0 / (double)N;
    l[1][i] = off + i == probe_a;
    l[2][i] = off + i == probe_b;
  }

  /* ---- 1. offline: training solves at LHS samples, POD, projection, outputs ---- */
  double t0 = MPI_Wtime();
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NQ, low, high, logs, TRAIN, NULL, 7,
                                    &train)))
    goto fail;
  if ((rc = rom_dmat_create(ctx, L, TRAIN, &S))) goto fail;
  for (rom_int j = 0; j < TRAIN; ++j) {
    double mu[NQ];
    rom_sweep_design_sample(train, j, mu);
    if ((rc = rom_heat2d_solve(fom, mu, rom_dmat_data(S) + j * rom_dmat_ld(S)))) goto fail;
  }
  {
    rom_pod_options po = rom_pod_options_default();
    po.energy = 1.0 - 1e-10;
    if ((rc = rom_pod_compute(S, &po, &basis))) goto fail;
  }
  if ((rc = rom_affine_rom_build(rom_heat2d_model(fom), basis, &rom))) goto fail;
  for (int o = 0; o < NO; ++o)
    if ((rc = rom_affine_rom_add_output(rom, basis, names[o], l[o]))) goto fail;
  if (rank == 0)
    printf("offline: %d FOM solves (Latin hypercube), POD k = %lld, ROM with %d outputs: %.2f s\n",
           TRAIN, (long long)rom_affine_rom_dim(rom), rom_affine_rom_num_outputs(rom),
           MPI_Wtime() - t0);

  /* ---- 2. ROM Monte Carlo ---- */
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, NQ, low, high, logs, ROM_SAMPLES,
                                    NULL, SEED, &mc)))
    goto fail;
  if ((rc = rom_sweep_run(rom, mc, NULL, NULL, &sweep))) goto fail; /* theta = mu, phi = 1 */
  const double t_rom = rom_sweep_seconds(sweep);
  double rmean[NO], rvar[NO], rmin[NO], rmax[NO];
  rom_sweep_statistics(sweep, rmean, rvar, rmin, rmax);
  /* The first FOM_SAMPLES ROM outputs on every rank (they may live on several ranks). */
  rom_all = calloc((size_t)(ROM_SAMPLES * NO), sizeof(double));
  {
    int *counts = calloc((size_t)size, sizeof(int)), *displs = calloc((size_t)size, sizeof(int));
    int mine = (int)(rom_sweep_local_samples(sweep) * NO);
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm);
    for (int r = 1; r < size; ++r)
      displs[r] = displs[r - 1] + counts[r - 1];
    MPI_Allgatherv(rom_sweep_local_outputs(sweep), mine, MPI_DOUBLE, rom_all, counts, displs,
                   MPI_DOUBLE, comm);
    free(counts);
    free(displs);
  }

  /* ---- 3. FOM Monte Carlo on the first samples of the same design ---- */
  fom_out = calloc((size_t)(FOM_SAMPLES * NO), sizeof(double));
  MPI_Barrier(comm);
  t0 = MPI_Wtime();
  for (int i = 0; i < FOM_SAMPLES; ++i) {
    double mu[NQ];
    rom_sweep_design_sample(mc, i, mu);
    if ((rc = rom_heat2d_solve(fom, mu, u))) goto fail;
    for (int o = 0; o < NO; ++o)
      fom_out[i * NO + o] = dot(comm, l[o], u, L);
  }
  const double t_fom = MPI_Wtime() - t0;

  /* ---- 4. comparison ---- */
  if (rank == 0) {
    printf("\nROM Monte Carlo: %d samples in %.4f s (%.3g samples/s); FOM Monte Carlo: %d "
           "samples in %.2f s\n",
           ROM_SAMPLES, t_rom, ROM_SAMPLES / t_rom, FOM_SAMPLES, t_fom);
    printf("speed-up per sample (FOM solve %.3f ms vs ROM solve + outputs %.2f us): %.0fx\n\n",
           1e3 * t_fom / FOM_SAMPLES, 1e6 * t_rom / ROM_SAMPLES,
           (t_fom / FOM_SAMPLES) / (t_rom / ROM_SAMPLES));
    printf("  %-10s | %-23s | %-23s | %-23s | %9s\n", "output", "FOM, 200 samples",
           "ROM, same 200 samples", "ROM, 10000 samples", "max rel.");
    printf("  %-10s | %11s %11s | %11s %11s | %11s %11s | %9s\n", "", "mean", "std", "mean", "std",
           "mean", "std", "ROM err");
  }
  int oks[NO][4];
  char lines[NO][4][160];
  for (int o = 0; o < NO; ++o) {
    double fm, fv, rm, rv, emax = 0.0, e2 = 0.0, emax_rel = 0.0;
    moments(fom_out + o, FOM_SAMPLES, NO, &fm, &fv);
    moments(rom_all + o, FOM_SAMPLES, NO, &rm, &rv);
    for (int i = 0; i < FOM_SAMPLES; ++i) {
      double e = rom_all[i * NO + o] - fom_out[i * NO + o];
      emax = fmax(emax, fabs(e));
      emax_rel = fmax(emax_rel, fabs(e) / fabs(fom_out[i * NO + o]));
      e2 += e * e;
    }
    if (rank == 0)
      printf("  %-10s | %11.5e %11.5e | %11.5e %11.5e | %11.5e %11.5e | %9.2e\n", names[o], fm,
             sqrt(fv), rm, sqrt(rv), rmean[o], sqrt(rvar[o]), emax_rel);
    const double slack = 1e-12 * fabs(fm); /* round-off of the moments themselves */
    const double std_bound = sqrt(e2 / (FOM_SAMPLES - 1)), se = sqrt(fv / FOM_SAMPLES);
    oks[o][0] = fabs(rm - fm) <= emax + slack;
    oks[o][1] = fabs(sqrt(rv) - sqrt(fv)) <= std_bound + slack;
    oks[o][2] = emax_rel < 5e-3;
    oks[o][3] = fabs(rmean[o] - fm) <= 5.0 * se;
    snprintf(lines[o][0], sizeof lines[o][0],
             "%s: |mean_ROM - mean_FOM| = %.2e <= max_i |e_i| = %.2e (same %d samples)", names[o],
             fabs(rm - fm), emax, FOM_SAMPLES);
    snprintf(lines[o][1], sizeof lines[o][1],
             "%s: |std_ROM - std_FOM| = %.2e <= ||e||_2 / sqrt(n - 1) = %.2e", names[o],
             fabs(sqrt(rv) - sqrt(fv)), std_bound);
    snprintf(lines[o][2], sizeof lines[o][2], "%s: max relative ROM error %.2e < 5e-3", names[o],
             emax_rel);
    snprintf(lines[o][3], sizeof lines[o][3],
             "%s: 10000-sample ROM mean - 200-sample FOM mean = %.2e, within 5 standard errors "
             "(5 x %.2e)",
             names[o], rmean[o] - fm, se);
  }
  if (rank == 0) printf("\nchecks\n");
  for (int o = 0; o < NO; ++o)
    for (int c = 0; c < 4; ++c)
      check(rank, oks[o][c], lines[o][c]);
  if (rank == 0) histogram(names[0], rom_all, ROM_SAMPLES, NO, rmin[0], rmax[0]);
  check(rank, t_fom / FOM_SAMPLES > t_rom / ROM_SAMPLES,
        "the ROM is faster per sample than the FOM");
  goto done;
fail:
  ++failures;
  if (!ctx || rom_ctx_rank(ctx) == 0)
    fprintf(stderr, "uq_heat: error: %s\n", ctx ? rom_ctx_last_error(ctx) : rom_strerror(rc));
done:
  if (ctx && rom_ctx_rank(ctx) == 0)
    printf("\nuq_heat: %s\n", failures ? "FAILED" : "all checks passed");
  free(u);
  for (int o = 0; o < NO; ++o)
    free(l[o]);
  free(rom_all);
  free(fom_out);
  rom_sweep_destroy(&sweep);
  rom_sweep_design_destroy(&mc);
  rom_sweep_design_destroy(&train);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&S);
  rom_heat2d_destroy(&fom);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return failures ? 1 : 0;
}
