/* romkit optimize — the P3 design problem of docs/optimisation.md through rom_optimize
 * (romkit/optimize.h): the four conductivities that bring nine probe temperatures closest (in
 * least squares) to a target, with bounds. Parses, calls, prints one line per method. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: [mpirun -n P] romkit optimize [--method fom|rom|trust-region|all] [--n 64]\n"
    "                                     [--algorithm LD_SLSQP] [--lower 0.1] [--upper 10]\n"
    "                                     [--start 1,1,1,1] [--target-mu 2,0.5,1,3]\n"
    "                                     [--training 40] [--tau 0.1] [--sensitivities 0|1]\n"
    "                                     [--direct-bound 0|1]\n\n"
    "P3 design (docs/optimisation.md): choose the conductivities mu_0..mu_3 of the four\n"
    "subdomains so that the temperatures at nine probes (the nodes nearest (i/4, j/4),\n"
    "i, j = 1..3) match a target in least squares, J = 1/2 sum (s - t)^2, with\n"
    "lower <= mu <= upper. The target is the FOM's probe temperatures at --target-mu, moved\n"
    "by -5%, +5%, -5%, ... so that J* > 0.\n\n"
    "  --method M      fom (FOM solves and adjoints), rom (a fixed ROM from POD of --training\n"
    "                  FOM solves at log-uniform parameters), trust-region (the trust-region\n"
    "                  reduced-basis loop), or all three (default trust-region)\n"
    "  --algorithm A   NLopt's gradient-based algorithm: LD_SLSQP, LD_MMA, LD_CCSAQ, LD_LBFGS\n"
    "  --tau T         trust region: allowed estimated relative error of the ROM objective\n"
    "  --sensitivities 1  trust region: also enrich with du/dmu (p more FOM solves per step)\n"
    "  --direct-bound 1   trust region: the bound's residual norm by one solve per candidate\n"
    "                  instead of the estimator's Riesz representers (docs/optimisation.md)\n"
    "  --n N           interior grid nodes per direction (8..1024)\n"
    "  --json          one JSON object on stdout (per method J, the FOM's J there, FOM solves,\n"
    "                  adjoints, k, iterations, seconds, mu); the text goes to stderr\n";

#define NPROBE 9

typedef struct {
  const char *method, *algorithm;
  rom_int n, training;
  double lower, upper, tau, start[4], target_mu[4];
  rom_int sensitivities, direct_bound; /* trust-region options, 0 or 1 */
} optimize_args;

static int parse(rom_ctx *ctx, int argc, char **argv, optimize_args *o) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (i + 1 >= argc)
      return cli_usage_error(ctx, "optimize", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    int bad = 0;
    if (!strcmp(a, "--method"))
      o->method = v;
    else if (!strcmp(a, "--algorithm"))
      o->algorithm = v;
    else if (!strcmp(a, "--n"))
      bad = cli_parse_int(v, &o->n);
    else if (!strcmp(a, "--training"))
      bad = cli_parse_int(v, &o->training);
    else if (!strcmp(a, "--lower"))
      bad = cli_parse_double(v, &o->lower);
    else if (!strcmp(a, "--upper"))
      bad = cli_parse_double(v, &o->upper);
    else if (!strcmp(a, "--tau"))
      bad = cli_parse_double(v, &o->tau);
    else if (!strcmp(a, "--sensitivities"))
      bad = cli_parse_int(v, &o->sensitivities) || o->sensitivities < 0 || o->sensitivities > 1;
    else if (!strcmp(a, "--direct-bound"))
      bad = cli_parse_int(v, &o->direct_bound) || o->direct_bound < 0 || o->direct_bound > 1;
    else if (!strcmp(a, "--start"))
      bad = cli_parse_double_list(v, o->start, 4) != 4;
    else if (!strcmp(a, "--target-mu"))
      bad = cli_parse_double_list(v, o->target_mu, 4) != 4;
    else
      return cli_usage_error(ctx, "optimize", "unknown option '%s'", a);
    if (bad) return cli_usage_error(ctx, "optimize", "bad value '%s' for %s", v, a);
  }
  if (o->n < 8 || o->n > 1024) return cli_usage_error(ctx, "optimize", "--n must be in 8..1024");
  if (o->training < 1) return cli_usage_error(ctx, "optimize", "--training must be >= 1");
  rom_optimize_method m;
  if (strcmp(o->method, "all") && rom_optimize_method_from_name(o->method, &m) != ROM_OK)
    return cli_usage_error(ctx, "optimize",
                           "unknown --method '%s': use fom, rom, trust-region or all", o->method);
  return CLI_EXIT_OK;
}

int cmd_optimize(rom_ctx *ctx, int argc, char **argv) {
  optimize_args a = {"trust-region", "LD_SLSQP",           64, 40, 0.1, 10.0, 0.1,
                     {1, 1, 1, 1},   {2.0, 0.5, 1.0, 3.0}, 0,  0};
  rom_heat2d *h = NULL;
  double *Lw = NULL, *training = NULL;
  int rc = ROM_OK, exit_code = CLI_EXIT_OK;
  /* the methods run, kept for --json */
  int nrun = 0, ran[3];
  rom_optimize_result results[3];
  double seconds[3], mus[3][4];
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &a)) != CLI_EXIT_OK) return exit_code;
  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = a.n;
  if ((rc = rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &h)) != ROM_OK)
    return cli_fail(ctx, "optimize", rc);
  {
    rom_model *model = rom_heat2d_model(h);
    const rom_int L = rom_heat2d_local_rows(h);
    Lw = calloc((size_t)(L * NPROBE + 1), sizeof(double));
    training = malloc(sizeof(double) * (size_t)(4 * a.training));
    if (!Lw || !training) {
      exit_code = cli_usage_error(ctx, "optimize", "out of memory");
      goto done;
    }
    if ((rc = rom_heat2d_probe_weights(h, 4, Lw)) != ROM_OK) { /* NPROBE = 9 */
      exit_code = cli_fail(ctx, "optimize", rc);
      goto done;
    }
    double s[NPROBE], grad[NPROBE * 4], target[NPROBE], lower[4], upper[4];
    for (int q = 0; q < 4; ++q) {
      lower[q] = a.lower;
      upper[q] = a.upper;
    }
    if ((rc = rom_fom_output_gradients(model, a.target_mu, NPROBE, Lw, NULL, NULL, s, grad)) !=
        ROM_OK) {
      exit_code = cli_fail(ctx, "optimize", rc);
      goto done;
    }
    for (int p = 0; p < NPROBE; ++p)
      target[p] = s[p] * (1.0 + 0.05 * (p % 2 ? 1.0 : -1.0));
    /* log-uniform in the box (rom_rng stream 1, as docs/problems.md draws P3's training) */
    for (rom_int i = 0; i < 4 * a.training; ++i)
      training[i] = a.lower * pow(a.upper / a.lower, rom_rng_uniform(1, 1, (uint64_t)i));
    rom_design d;
    memset(&d, 0, sizeof d);
    d.num_outputs = NPROBE;
    d.L_local = Lw;
    d.target = target;
    d.lower = lower;
    d.upper = upper;
    cli_printf(ctx, "method        J                      FOM J there            FOM solves "
                    "adjoints  k   iterations  seconds  mu\n");
    for (int m = 0; m < 3; ++m) {
      const char *name = rom_optimize_method_name((rom_optimize_method)m);
      if (strcmp(a.method, "all") && strcmp(a.method, name)) continue;
      rom_optimize_options o = rom_optimize_options_default();
      rom_optimize_result r;
      double mu[4];
      memcpy(mu, a.start, sizeof mu);
      o.method = (rom_optimize_method)m;
      o.algorithm = a.algorithm;
      o.num_training = (int)a.training;
      o.training = training;
      o.tr_bound_tolerance = a.tau;
      o.tr_sensitivities = (int)a.sensitivities;
      o.tr_direct_bound = (int)a.direct_bound;
      double t0 = MPI_Wtime();
      if ((rc = rom_optimize(model, &d, &o, mu, &r)) != ROM_OK) {
        exit_code = cli_fail(ctx, "optimize", rc);
        goto done;
      }
      const double t = MPI_Wtime() - t0;
      cli_printf(ctx, "%-13s %-22.15g %-22.15g %-10d %-9d %-3d %-11d %-8.3f %g,%g,%g,%g\n", name,
                 r.objective, r.fom_objective, r.fom_solves, r.fom_adjoint_solves, r.rom_dim,
                 r.iterations, t, mu[0], mu[1], mu[2], mu[3]);
      ran[nrun] = m;
      results[nrun] = r;
      seconds[nrun] = t;
      memcpy(mus[nrun], mu, sizeof mu);
      ++nrun;
    }
  }
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "optimize");
    cli_json_integer(ctx, "n", (long long)a.n);
    cli_json_integer(ctx, "N", (long long)(a.n * a.n));
    cli_json_string(ctx, "algorithm", a.algorithm);
    cli_json_number(ctx, "lower", a.lower);
    cli_json_number(ctx, "upper", a.upper);
    cli_json_numbers(ctx, "start", a.start, 4);
    cli_json_numbers(ctx, "target_mu", a.target_mu, 4);
    cli_json_integer(ctx, "training", (long long)a.training);
    cli_json_number(ctx, "tau", a.tau);
    cli_json_array(ctx, "methods");
    for (int i = 0; i < nrun; ++i) {
      const rom_optimize_result *r = &results[i];
      cli_json_object(ctx, NULL);
      cli_json_string(ctx, "method", rom_optimize_method_name((rom_optimize_method)ran[i]));
      cli_json_number(ctx, "J", r->objective);
      cli_json_number(ctx, "fom_J", r->fom_objective);
      cli_json_integer(ctx, "fom_solves", r->fom_solves);
      cli_json_integer(ctx, "adjoints", r->fom_adjoint_solves);
      cli_json_integer(ctx, "sensitivity_solves", r->fom_sensitivity_solves);
      cli_json_integer(ctx, "estimator_solves", r->estimator_solves);
      cli_json_integer(ctx, "k", r->rom_dim);
      cli_json_integer(ctx, "iterations", r->iterations);
      cli_json_integer(ctx, "evaluations", r->evaluations);
      cli_json_number(ctx, "seconds", seconds[i]);
      cli_json_numbers(ctx, "mu", mus[i], 4);
      cli_json_end(ctx);
    }
    cli_json_end(ctx);
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
done:
  free(Lw);
  free(training);
  rom_heat2d_destroy(&h);
  return exit_code;
}
