/* P3 design problem (docs/optimisation.md): choose the four conductivities of the heat
 * conduction problem P3 (docs/problems.md) so that the temperature at nine probes matches a
 * target profile, in least squares, with 0.1 <= mu_q <= 10; solved three ways with
 * rom_optimize (romkit/optimize.h): FOM only, a fixed ROM from POD of FOM solves, and the
 * trust-region ROM. Prints one table row per run: objective, FOM solves, factorisations, wall time.
 *
 *   mpirun -np 1 build/examples/example_p3_design [--n 32] [--algorithm LD_SLSQP]
 *          [--training 40] [--tau 0.1] [--fom-algorithms LD_SLSQP,LD_LBFGS,...] [--tr 15]
 *
 * --rom 0 leaves the fixed ROM out; --log 1 prints the trust region's steps and where its time
 * goes.
 * --algorithm is the ROM runs' NLopt algorithm; --fom-algorithms the FOM-only runs' (one run
 * each); --tr, a sum of 1: the plain trust region, 2: with sensitivity enrichment, 4: with the
 * direct bound (tr_direct_bound), 8: both options (default 15: all four).
 *
 * The target is the FOM's probe temperatures at mu* = (2, 0.5, 1, 3), each moved by +-5%, so
 * that no conductivity reaches it exactly and the optimum has J* > 0. */
#include "romkit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NP 9

static void report(rom_ctx *ctx, int rc) {
  if (rc != ROM_OK && rom_ctx_rank(ctx) == 0) fprintf(stderr, "%s\n", rom_ctx_last_error(ctx));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_heat2d *h = NULL;
  int rc = ROM_OK, ntrain = 40;
  long n = 32; /* the tables in docs/optimisation.md: --n 64, 128 and 256 */
  double tau = 0.1;
  const char *algorithm = "LD_SLSQP", *fom_algorithms = "LD_SLSQP";
  int with_rom = 1;     /* --rom 0: no fixed-ROM run */
  int verbose = 0;      /* --log 1: the trust region's steps and where its time goes */
  int tr_variants = 15; /* bits: plain, + sensitivities, + direct bound, + both */
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--n")) n = atol(argv[i + 1]);
    if (!strcmp(argv[i], "--algorithm")) algorithm = argv[i + 1];
    if (!strcmp(argv[i], "--training")) ntrain = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--tau")) tau = atof(argv[i + 1]);
    if (!strcmp(argv[i], "--fom-algorithms")) fom_algorithms = argv[i + 1];
    if (!strcmp(argv[i], "--tr")) tr_variants = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--log")) verbose = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--rom")) with_rom = atoi(argv[i + 1]);
  }
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) MPI_Abort(MPI_COMM_WORLD, 1);
  if (verbose) rom_ctx_set_log_level(ctx, ROM_LOG_INFO);
  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = n;
  rc = rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &h);
  report(ctx, rc);
  if (rc != ROM_OK) goto done;
  {
    rom_model *model = rom_heat2d_model(h);
    const rom_int L = rom_heat2d_local_rows(h);
    /* Probes at the nodes nearest to (i/4, j/4), i, j = 1..3: output weights e_g. */
    double *Lw = calloc((size_t)(L * NP + 1), sizeof(double)),
           *u = calloc((size_t)L + 1, sizeof(double));
    rc = rom_heat2d_probe_weights(h, 4, Lw);
    report(ctx, rc);
    const double mu_star[4] = {2.0, 0.5, 1.0, 3.0};
    double target[NP], lower[4], upper[4], s[NP], grad[NP * 4];
    rc = rom_fom_output_gradients(model, mu_star, NP, Lw, u, NULL, s, grad);
    report(ctx, rc);
    for (int p = 0; p < NP; ++p)
      target[p] = s[p] * (1.0 + 0.05 * (p % 2 ? 1.0 : -1.0));
    for (int q = 0; q < 4; ++q) {
      lower[q] = 0.1;
      upper[q] = 10.0;
    }
    rom_design d;
    memset(&d, 0, sizeof d);
    d.num_outputs = NP;
    d.L_local = Lw;
    d.target = target;
    d.lower = lower;
    d.upper = upper;
    double *training = malloc(sizeof(double) * (size_t)(4 * ntrain));
    for (int i = 0; i < 4 * ntrain; ++i)
      training[i] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(1, 1, (uint64_t)i));

    /* The runs: FOM-only with every algorithm asked (the baseline is the one with the fewest
     * FOM solves that reaches the best optimum), the fixed ROM, the trust region without and
     * with sensitivity enrichment. */
    enum { MAXRUN = 16 };
    rom_optimize_method method[MAXRUN];
    const char *alg[MAXRUN];
    int sens[MAXRUN], direct[MAXRUN] = {0}, nrun = 0;
    char algbuf[256];
    snprintf(algbuf, sizeof algbuf, "%s", fom_algorithms);
    for (char *t = strtok(algbuf, ","); t && nrun < MAXRUN - 3; t = strtok(NULL, ",")) {
      method[nrun] = ROM_OPTIMIZE_FOM;
      alg[nrun] = t;
      sens[nrun++] = 0;
    }
    const int nfom = nrun;
    if (with_rom) {
      method[nrun] = ROM_OPTIMIZE_ROM;
      alg[nrun] = algorithm;
      sens[nrun++] = 0;
    }
    for (int v = 0; v < 4; ++v)
      if (tr_variants & (1 << v)) {
        method[nrun] = ROM_OPTIMIZE_TRUST_REGION;
        alg[nrun] = algorithm;
        direct[nrun] = v / 2;
        sens[nrun++] = v % 2;
      }
    double J[MAXRUN] = {0}, secs[MAXRUN] = {0};
    int solves[MAXRUN] = {0};
    long fact[MAXRUN] = {0};
    if (rom_ctx_rank(ctx) == 0) {
      double load[3] = {0};
      FILE *f = fopen("/proc/loadavg", "r");
      if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
        fclose(f);
      }
      printf("P3 design, n = %ld (N = %ld), %d probes, %d ranks, load average %.2f\n\n", n, n * n,
             NP, rom_ctx_size(ctx), load[0]);
      printf("| method | algorithm | J at the optimum | FOM J there | FOM solves + adjoints "
             "(+ sensitivities) | factorisations | estimator solves | ROM dim | iterations | "
             "wall s | mu |\n");
      printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    }
    for (int m = 0; m < nrun && rc == ROM_OK; ++m) {
      rom_optimize_options o = rom_optimize_options_default();
      rom_optimize_result r;
      double mu[4] = {1.0, 1.0, 1.0, 1.0};
      o.method = method[m];
      o.algorithm = alg[m];
      o.num_training = ntrain;
      o.training = training;
      o.tr_bound_tolerance = tau;
      o.tr_sensitivities = sens[m];
      o.tr_direct_bound = direct[m];
      MPI_Barrier(MPI_COMM_WORLD);
      const long f0 = rom_heat2d_factorizations(h);
      double t0 = MPI_Wtime();
      rc = rom_optimize(model, &d, &o, mu, &r);
      secs[m] = MPI_Wtime() - t0;
      if (rc != ROM_OK && m < nfom) {
        /* a FOM-only algorithm that fails (an NLopt code, the evaluation limit) is reported
         * and left out of the baseline */
        if (rom_ctx_rank(ctx) == 0)
          printf("| fom | %s | failed: %s |\n", alg[m], rom_ctx_last_error(ctx));
        J[m] = NAN;
        rc = ROM_OK;
        continue;
      }
      report(ctx, rc);
      if (rc != ROM_OK) break;
      /* the fixed ROM's check at its optimum is one more factorisation, not counted */
      fact[m] = rom_heat2d_factorizations(h) - f0 - (method[m] == ROM_OPTIMIZE_ROM ? 1 : 0);
      J[m] = r.fom_objective;
      solves[m] = r.fom_solves + r.fom_adjoint_solves + r.fom_sensitivity_solves;
      if (rom_ctx_rank(ctx) == 0)
        printf("| %s%s%s | %s | %.12g | %.12g | %d + %d (+ %d) | %ld | %d | %d | %d | %.3f | %.5f "
               "%.5f %.5f %.5f |\n",
               rom_optimize_method_name(method[m]), sens[m] ? " + sensitivities" : "",
               direct[m] ? " + direct bound" : "", alg[m], r.objective, r.fom_objective,
               r.fom_solves, r.fom_adjoint_solves, r.fom_sensitivity_solves, fact[m],
               r.estimator_solves, r.rom_dim, r.iterations, secs[m], mu[0], mu[1], mu[2], mu[3]);
    }
    /* The reference optimum is the lowest FOM-only J; the baseline the FOM-only run with the
     * fewest solves that reaches it to 1e-6 relative. */
    int base = -1;
    double Jref = 0.0;
    for (int m = 0; m < nfom && rc == ROM_OK; ++m)
      if (isfinite(J[m]) && (Jref == 0.0 || J[m] < Jref)) Jref = J[m];
    for (int m = 0; m < nfom && rc == ROM_OK; ++m)
      if (isfinite(J[m]) && fabs(J[m] - Jref) <= 1e-6 * Jref &&
          (base < 0 || solves[m] < solves[base]))
        base = m;
    if (rc == ROM_OK && base < 0) {
      if (rom_ctx_rank(ctx) == 0) fprintf(stderr, "no FOM-only run succeeded\n");
      rc = ROM_ERR_NOT_CONVERGED;
    }
    if (rc == ROM_OK && rom_ctx_rank(ctx) == 0) {
      printf("\nrel. diff. of J to the best FOM-only J = %.12g:", Jref);
      for (int m = 0; m < nrun; ++m)
        printf(" %s%s%s/%s %.1e", rom_optimize_method_name(method[m]), sens[m] ? "+sens" : "",
               direct[m] ? "+direct" : "", alg[m], fabs(J[m] - Jref) / Jref);
      printf("\nbaseline: fom %s (%d solves, %ld factorisations, %.3f s)\n", alg[base],
             solves[base], fact[base], secs[base]);
      for (int m = nfom; m < nrun; ++m)
        if (method[m] == ROM_OPTIMIZE_TRUST_REGION)
          printf("trust region%s%s vs the baseline: %.1fx fewer FOM solves, %.1fx fewer "
                 "factorisations, %.1fx less wall time\n",
                 sens[m] ? " + sensitivities" : "", direct[m] ? " + direct bound" : "",
                 (double)solves[base] / solves[m], (double)fact[base] / (double)fact[m],
                 secs[base] / secs[m]);
    }
    /* The example checks its own result: the same optimum (FOM objective) every way. */
    for (int m = nfom; m < nrun && rc == ROM_OK; ++m)
      if (!(fabs(J[m] - Jref) <= 1e-6 * Jref)) {
        if (rom_ctx_rank(ctx) == 0)
          fprintf(stderr, "%s: J = %.15g differs from FOM-only's %.15g by more than 1e-6\n",
                  rom_optimize_method_name(method[m]), J[m], Jref);
        rc = ROM_ERR_NOT_CONVERGED;
      }
    free(training);
    free(Lw);
    free(u);
  }
done:
  rom_heat2d_destroy(&h);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc == ROM_OK ? 0 : 1;
}
