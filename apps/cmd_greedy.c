/* romkit greedy — a reduced basis for an affine problem chosen by the greedy
 * (romkit/greedy.h, docs/greedy.md): the training set is a parameter design (grid, Latin
 * hypercube, Monte Carlo) in the problem's ranges, the FOM is solved only at the points the
 * estimator picks, and the ROM is written as an affine_rom file (romkit sweep reads it).
 *
 * --compare-pod K,K,...: the measurement of docs/greedy.md. After the greedy, for each K the
 * greedy basis truncated to K vectors and POD of K random FOM solves (Monte Carlo, seed + 1)
 * are evaluated over --test-samples Monte Carlo test points (seed + 2) against the FOM; and
 * the number of random FOM solves POD needs for a max test error <= --tol is searched. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GREEDY_MAX_PARAMETERS 64
#define GREEDY_MAX_COMPARE 16

static const char *const help =
    "usage: [mpirun -n P] romkit greedy [--problem NAME] [--resolution n] [--design "
    "{grid,lhs,mc}]\n"
    "                      [--samples N] [--seed S] [--estimator {weak,strong}] [--tol T]\n"
    "                      [--max-size K] [--out ROM.h5] [--basis BASIS.h5] [--overwrite]\n"
    "                      [--compare-pod K[,K...]] [--test-samples M]\n\n"
    "Builds a reduced basis by the greedy: the estimator is evaluated at every training point\n"
    "(the points split over the ranks), the FOM is solved at the worst one through the\n"
    "problem's solver, the snapshot is orthonormalised against the basis (Gram-Schmidt\n"
    "twice) and the ROM updated; stops when the max estimate <= --tol or at --max-size.\n"
    "Prints one line per iteration (k, the training point chosen, the max estimate).\n\n"
    "  --problem NAME   an affine problem (default heat, i.e. P3); a non-affine one is the\n"
    "                   residual-driven greedy of nonlinear ROMs (not in this build)\n"
    "  --resolution n   the problem's resolution (P3: interior nodes per direction, 64)\n"
    "  --design D       the training set: grid, lhs (default) or mc, in the problem's\n"
    "                   parameter ranges (P3: [0.1, 10]^4, log-uniform)\n"
    "  --samples N      training points (default 1000; grid: n^p)\n"
    "  --seed S         seed of lhs / mc (default 42)\n"
    "  --estimator E    weak (default: the a-posteriori error bound) or strong (the true\n"
    "                   error: a FOM solve at every training point, for small sets)\n"
    "  --tol T          target max estimate (default 1e-6)\n"
    "  --max-size K     the largest basis (default 50)\n"
    "  --out FILE       the ROM (kind affine_rom); --basis FILE the basis (kind basis)\n"
    "  --compare-pod L  for each K in L: max true error over --test-samples (default 1000)\n"
    "                   Monte Carlo test points of the greedy basis truncated to K vectors\n"
    "                   and of POD of K random FOM solves; then the random FOM solves POD\n"
    "                   needs for a max true error <= --tol\n\n"
    "problems (--problem NAME):\n";

typedef struct {
  const char *problem, *design, *out_path, *basis_path, *estimator, *compare_text;
  rom_int samples, seed, max_size, resolution, test_samples;
  double tol;
  int overwrite;
} greedy_options;

static int parse(rom_ctx *ctx, int argc, char **argv, greedy_options *o) {
  memset(o, 0, sizeof *o);
  o->problem = "heat";
  o->design = "lhs";
  o->estimator = "weak";
  o->samples = 1000;
  o->seed = 42;
  o->max_size = 50;
  o->tol = 1e-6;
  o->test_samples = 1000;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--overwrite")) {
      o->overwrite = 1;
      continue;
    }
    if (i + 1 >= argc || a[0] != '-')
      return cli_usage_error(ctx, "greedy", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--problem")) {
      o->problem = v;
    } else if (!strcmp(a, "--design")) {
      o->design = v;
    } else if (!strcmp(a, "--estimator")) {
      o->estimator = v;
    } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
      o->out_path = v;
    } else if (!strcmp(a, "--basis")) {
      o->basis_path = v;
    } else if (!strcmp(a, "--compare-pod")) {
      o->compare_text = v;
    } else if (!strcmp(a, "--samples")) {
      if (cli_parse_int(v, &o->samples) || o->samples < 1)
        return cli_usage_error(ctx, "greedy", "--samples expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--test-samples")) {
      if (cli_parse_int(v, &o->test_samples) || o->test_samples < 1)
        return cli_usage_error(ctx, "greedy", "--test-samples expects an integer >= 1, got '%s'",
                               v);
    } else if (!strcmp(a, "--seed")) {
      if (cli_parse_int(v, &o->seed) || o->seed < 0)
        return cli_usage_error(ctx, "greedy", "--seed expects an integer >= 0, got '%s'", v);
    } else if (!strcmp(a, "--max-size")) {
      if (cli_parse_int(v, &o->max_size) || o->max_size < 1)
        return cli_usage_error(ctx, "greedy", "--max-size expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--resolution")) {
      if (cli_parse_int(v, &o->resolution) || o->resolution < 1)
        return cli_usage_error(ctx, "greedy", "--resolution expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--tol")) {
      if (cli_parse_double(v, &o->tol) || !(o->tol > 0.0) || !isfinite(o->tol))
        return cli_usage_error(ctx, "greedy", "--tol expects a finite number > 0, got '%s'", v);
    } else {
      return cli_usage_error(ctx, "greedy", "unknown option '%s'", a);
    }
  }
  rom_sweep_design_kind kind;
  if (rom_sweep_design_kind_from_name(o->design, &kind))
    return cli_usage_error(ctx, "greedy", "--design must be grid, lhs or mc, got '%s'", o->design);
  rom_greedy_estimator est;
  if (rom_greedy_estimator_from_name(o->estimator, &est))
    return cli_usage_error(ctx, "greedy", "--estimator must be weak or strong, got '%s'",
                           o->estimator);
  if (!rom_problem_find(o->problem)) {
    char known[512];
    return cli_usage_error(ctx, "greedy", "--problem '%s' is not known (known: %s)", o->problem,
                           rom_problem_names(known, sizeof known));
  }
  return CLI_EXIT_OK;
}

typedef struct {
  rom_ctx *ctx;
  int p;
} progress_state;

static int progress(void *user, rom_int iteration, rom_int index, const double *mu,
                    double max_estimate, double seconds) {
  progress_state *s = user;
  char text[256];
  size_t n = 0;
  text[0] = '\0';
  for (int j = 0; j < s->p && n + 16 < sizeof text; ++j)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s%.4g", j ? ", " : "", mu[j]);
  cli_printf(s->ctx, "  k = %3lld  point %6lld  mu = (%s)  max estimate %.3e  %.2f s\n",
             (long long)iteration + 1, (long long)index, text, max_estimate, seconds);
  return 0;
}

/* u = A(theta(mu))^{-1} f(mu) through the model's solver. Collective. */
static int fom_solve(rom_model *m, const double *mu, rom_int L, const double *F, double *u) {
  int rc = ROM_OK;
  const int Qa = rom_model_operator_terms(m), Qf = rom_model_rhs_terms(m);
  double theta[GREEDY_MAX_PARAMETERS], phi[GREEDY_MAX_PARAMETERS];
  double *rhs = calloc((size_t)L + 1, sizeof(double));
  if (!rhs) return ROM_ERR_NOMEM;
  if (Qa > GREEDY_MAX_PARAMETERS || Qf > GREEDY_MAX_PARAMETERS) {
    rc = ROM_ERR_UNSUPPORTED;
    goto done;
  }
  if ((rc = rom_model_operator_coefficients(m, mu, theta))) goto done;
  if ((rc = rom_model_rhs_coefficients(m, mu, phi))) goto done;
  for (int q = 0; q < Qf; ++q)
    for (rom_int l = 0; l < L; ++l)
      rhs[l] += phi[q] * F[q * L + l];
  rc = rom_model_affine_solve(m, theta, 0.0, 1.0, 0, rhs, u);
done:
  free(rhs);
  return rc;
}

/* Max Euclidean error ||u - Phi q|| over the nt test points (solutions U, L x nt). */
static int max_error(rom_ctx *ctx, rom_model *m, const rom_basis *b, rom_int L, int p, rom_int nt,
                     const double *tmu, const double *U, double *emax) {
  int rc = ROM_OK;
  rom_affine_rom *rom = NULL;
  const rom_int k = rom_basis_dim(b);
  double theta[GREEDY_MAX_PARAMETERS], phi[GREEDY_MAX_PARAMETERS];
  double *q = calloc((size_t)k, sizeof(double)), *ur = calloc((size_t)L + 1, sizeof(double));
  double *loc = calloc((size_t)nt, sizeof(double));
  if (!q || !ur || !loc) {
    rc = ROM_ERR_NOMEM;
    goto done;
  }
  if ((rc = rom_affine_rom_build(m, b, &rom))) goto done;
  for (rom_int i = 0; i < nt; ++i) {
    if ((rc = rom_model_operator_coefficients(m, tmu + i * p, theta))) goto done;
    if ((rc = rom_model_rhs_coefficients(m, tmu + i * p, phi))) goto done;
    if ((rc = rom_affine_rom_solve(rom, theta, phi, q))) goto done;
    if ((rc = rom_basis_lift(b, q, ur))) goto done;
    for (rom_int l = 0; l < L; ++l)
      loc[i] += (U[i * L + l] - ur[l]) * (U[i * L + l] - ur[l]);
  }
  MPI_Allreduce(MPI_IN_PLACE, loc, (int)nt, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  *emax = 0.0;
  for (rom_int i = 0; i < nt; ++i)
    *emax = fmax(*emax, sqrt(loc[i]));
done:
  rom_affine_rom_destroy(&rom);
  free(q);
  free(ur);
  free(loc);
  return rc;
}

/* POD of the first K columns of R (L x K random FOM solutions), rank K. */
static int pod_of(rom_ctx *ctx, rom_int L, rom_int K, double *R, rom_basis **out) {
  int rc = ROM_OK;
  rom_dmat *S = NULL;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = K;
  if ((rc = rom_dmat_wrap(ctx, L, K, R, L > 0 ? L : 1, &S))) return rc;
  rc = rom_pod_compute(S, &po, out);
  rom_dmat_destroy(&S);
  return rc;
}

static int compare_pod(rom_ctx *ctx, rom_problem *problem, const rom_greedy *g,
                       const greedy_options *o, const double *low, const double *high,
                       const int *logs) {
  int rc = ROM_OK;
  rom_model *m = rom_problem_model(problem);
  const int p = rom_problem_num_parameters(problem), Qf = rom_model_rhs_terms(m);
  const rom_int L = rom_problem_local_rows(problem), nt = o->test_samples;
  const rom_int Ls = L > 0 ? L : 1;
  double ks[GREEDY_MAX_COMPARE];
  const int nk = cli_parse_double_list(o->compare_text, ks, GREEDY_MAX_COMPARE);
  rom_sweep_design *test = NULL, *rnd = NULL;
  rom_basis *b = NULL;
  double *F = NULL, *U = NULL, *R = NULL, *tmu = NULL;
  const rom_int rmax = 200; /* random solves POD may use in the search */
  double t0 = 0.0;
  if (nk < 1)
    return cli_usage_error(ctx, "greedy", "--compare-pod '%s' is not a list", o->compare_text);
  F = calloc((size_t)(Ls * Qf), sizeof(double));
  U = calloc((size_t)(Ls * nt), sizeof(double));
  R = calloc((size_t)(Ls * rmax), sizeof(double));
  tmu = calloc((size_t)(nt * p), sizeof(double));
  if (!F || !U || !R || !tmu) {
    rc = ROM_ERR_NOMEM;
    goto done;
  }
  for (int q = 0; q < Qf; ++q)
    if ((rc = rom_model_rhs_term(m, q, F + q * Ls))) goto done;
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs, nt, NULL,
                                    (uint64_t)o->seed + 2, &test)))
    goto done;
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs, rmax, NULL,
                                    (uint64_t)o->seed + 1, &rnd)))
    goto done;
  t0 = MPI_Wtime();
  for (rom_int i = 0; i < nt; ++i) {
    if ((rc = rom_sweep_design_sample(test, i, tmu + i * p))) goto done;
    if ((rc = fom_solve(m, tmu + i * p, L, F, U + i * Ls))) goto done;
  }
  cli_printf(ctx,
             "\ncomparison with POD of random FOM solves (%lld Monte Carlo test points, seed "
             "%lld; %.2f s of test FOM solves)\n",
             (long long)nt, (long long)o->seed + 2, MPI_Wtime() - t0);
  cli_printf(ctx, "  %4s  %22s  %22s\n", "K", "greedy max error", "POD(K random) max error");
  rom_int have = 0;
  for (int j = 0; j < nk; ++j) {
    const rom_int K = (rom_int)ks[j];
    double eg = NAN, ep = NAN;
    if (!(ks[j] >= 1 && ks[j] <= (double)rmax)) {
      rc = cli_usage_error(ctx, "greedy", "--compare-pod: %g is not an integer in 1..%lld", ks[j],
                           (long long)rmax);
      goto done;
    }
    if (K <= rom_greedy_size(g)) {
      if ((rc = rom_basis_truncate(rom_greedy_basis(g), K, &b))) goto done;
      if ((rc = max_error(ctx, m, b, L, p, nt, tmu, U, &eg))) goto done;
      rom_basis_destroy(&b);
    }
    for (; have < K; ++have) {
      double mu[GREEDY_MAX_PARAMETERS];
      if ((rc = rom_sweep_design_sample(rnd, have, mu))) goto done;
      if ((rc = fom_solve(m, mu, L, F, R + have * Ls))) goto done;
    }
    if ((rc = pod_of(ctx, L, K, R, &b))) goto done;
    if ((rc = max_error(ctx, m, b, L, p, nt, tmu, U, &ep))) goto done;
    rom_basis_destroy(&b);
    cli_printf(ctx, "  %4lld  %22.3e  %22.3e\n", (long long)K, eg, ep);
  }
  /* The smallest number of random solves whose POD reaches the tolerance. */
  {
    rom_int found = -1;
    double e = NAN;
    for (rom_int K = 1; K <= rmax && found < 0; ++K) {
      for (; have < K; ++have) {
        double mu[GREEDY_MAX_PARAMETERS];
        if ((rc = rom_sweep_design_sample(rnd, have, mu))) goto done;
        if ((rc = fom_solve(m, mu, L, F, R + have * Ls))) goto done;
      }
      if ((rc = pod_of(ctx, L, K, R, &b))) goto done;
      if ((rc = max_error(ctx, m, b, L, p, nt, tmu, U, &e))) goto done;
      rom_basis_destroy(&b);
      if (e <= o->tol) found = K;
    }
    if (found > 0)
      cli_printf(ctx,
                 "  POD needs %lld random FOM solves for max true error <= %g (%.3e); the "
                 "greedy used %lld FOM solves for max estimate %.3e\n",
                 (long long)found, o->tol, e, (long long)rom_greedy_fom_solves(g),
                 rom_greedy_max_estimates(g)[rom_greedy_size(g) - 1]);
    else
      cli_printf(ctx, "  POD of up to %lld random FOM solves does not reach max true error <= %g\n",
                 (long long)rmax, o->tol);
  }
done:
  rom_basis_destroy(&b);
  rom_sweep_design_destroy(&test);
  rom_sweep_design_destroy(&rnd);
  free(F);
  free(U);
  free(R);
  free(tmu);
  return rc;
}

int cmd_greedy(rom_ctx *ctx, int argc, char **argv) {
  greedy_options o;
  int exit_code = CLI_EXIT_OK, rc = ROM_OK;
  rom_problem *problem = NULL;
  rom_sweep_design *design = NULL;
  rom_greedy *g = NULL;
  double low[GREEDY_MAX_PARAMETERS], high[GREEDY_MAX_PARAMETERS];
  int logs[GREEDY_MAX_PARAMETERS];
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    cli_print_problems(ctx, "  ");
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  if (o.out_path && (rc = rom_output_check(ctx, o.out_path, o.overwrite))) goto fail;
  if (o.basis_path && (rc = rom_output_check(ctx, o.basis_path, o.overwrite))) goto fail;
  {
    rom_problem_options po = rom_problem_options_default();
    po.resolution = o.resolution;
    if ((rc = rom_problem_create(ctx, o.problem, &po, &problem))) goto fail;
  }
  rom_model *model = rom_problem_model(problem);
  const int p = rom_problem_num_parameters(problem);
  if (rom_model_operator_terms(model) < 1 || rom_problem_steps(problem) != 0) {
    /* The residual-driven greedy of nonlinear / transient ROMs (issue 13 item 3) plugs in
     * here as cmd_greedy_nonlinear when it is built. */
    if (rom_ctx_rank(ctx) == 0)
      fprintf(stderr,
              "romkit greedy: error: --problem %s: the model of %s is not a steady affine one, "
              "and the residual-driven greedy for nonlinear ROMs is not available in this "
              "build\n",
              o.problem, rom_problem_name_of(problem));
    exit_code = CLI_EXIT_FAILURE;
    goto done;
  }
  if (p > GREEDY_MAX_PARAMETERS) {
    exit_code = cli_usage_error(ctx, "greedy", "--problem %s has %d parameters (at most %d)",
                                o.problem, p, GREEDY_MAX_PARAMETERS);
    goto done;
  }
  rom_problem_parameter_range(problem, low, high, logs);
  rom_sweep_design_kind kind = ROM_SWEEP_LHS;
  rom_sweep_design_kind_from_name(o.design, &kind);
  {
    rom_int counts[GREEDY_MAX_PARAMETERS];
    if (kind == ROM_SWEEP_GRID) {
      rom_int n = (rom_int)llround(pow((double)o.samples, 1.0 / (double)p)), total = 1;
      for (int j = 0; j < p && total <= o.samples; ++j)
        total *= n;
      if (total != o.samples) {
        exit_code = cli_usage_error(ctx, "greedy",
                                    "--design grid --samples %lld: not n^%d for an integer n "
                                    "(%s has %d parameters)",
                                    (long long)o.samples, p, rom_problem_name_of(problem), p);
        goto done;
      }
      for (int j = 0; j < p; ++j)
        counts[j] = n;
    }
    if ((rc = rom_sweep_design_create(
             ctx, kind, p, low, high, logs, kind == ROM_SWEEP_GRID ? 0 : o.samples,
             kind == ROM_SWEEP_GRID ? counts : NULL, (uint64_t)o.seed, &design)))
      goto fail;
  }
  cli_printf(ctx,
             "romkit greedy: problem %s (N = %lld), %s greedy, training set %s of %lld points "
             "(seed %lld), tol %g, max size %lld, %d rank(s)\n",
             rom_problem_name_of(problem), (long long)rom_problem_global_rows(problem), o.estimator,
             o.design, (long long)rom_sweep_design_samples(design), (long long)o.seed, o.tol,
             (long long)o.max_size, rom_ctx_size(ctx));
  {
    progress_state ps = {ctx, p};
    rom_greedy_options go = rom_greedy_options_default();
    rom_greedy_estimator_from_name(o.estimator, &go.estimator);
    go.tolerance = o.tol;
    go.max_size = o.max_size;
    go.progress = progress;
    go.progress_user = &ps;
    if ((rc = rom_greedy_run(model, design, &go, &g))) goto fail;
  }
  cli_printf(ctx, "stopped (%s): k = %lld, max estimate %.3e, %lld FOM solves, %.2f s\n",
             rom_greedy_stop_name(rom_greedy_stop_reason(g)), (long long)rom_greedy_size(g),
             rom_greedy_max_estimates(g)[rom_greedy_size(g) - 1],
             (long long)rom_greedy_fom_solves(g), rom_greedy_seconds(g));
  if (rom_greedy_stop_reason(g) == ROM_GREEDY_STOP_SPAN)
    cli_printf(ctx, "  the next snapshot was already in the span of the basis: more vectors "
                    "would add rounding noise\n");
  if (o.out_path) {
    if ((rc = rom_affine_rom_write(rom_greedy_rom(g), o.out_path, o.overwrite))) goto fail;
    cli_printf(ctx, "  -> %s (affine_rom, k = %lld)\n", o.out_path, (long long)rom_greedy_size(g));
  }
  if (o.basis_path) {
    if ((rc = rom_basis_write(rom_greedy_basis(g), o.basis_path, o.overwrite))) goto fail;
    cli_printf(ctx, "  -> %s (basis)\n", o.basis_path);
  }
  if (o.compare_text) {
    rc = compare_pod(ctx, problem, g, &o, low, high, logs);
    if (rc == CLI_EXIT_USAGE) {
      exit_code = rc;
      goto done;
    }
    if (rc) goto fail;
  }
  goto done;
fail:
  exit_code = cli_fail(ctx, "greedy", rc);
done:
  rom_greedy_destroy(&g);
  rom_sweep_design_destroy(&design);
  rom_problem_destroy(&problem);
  return exit_code;
}
