/* romkit greedy-nonlinear --problem NAME [--hr] ...
 *
 * Parses the arguments, creates the problem from the registry, runs the library's greedy
 * choice of training parameters driven by the residual error indicator (rom_nlgreedy_run,
 * romkit/greedy_nonlinear.h; docs/nonlinear.md, "Residual error indicator and greedy
 * training"), and with --test compares its ROM against a fixed training set
 * (rom_nlgreedy_test_error) at the test parameters. `romkit greedy` (affine problems) is
 * to route nonlinear problems to cmd_greedy_nonlinear. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "greedy-nonlinear"
#define MAX_LIST 64

static const char *const help =
    "usage: [mpirun -n P] romkit greedy-nonlinear [--problem NAME] [--hr] [--dim k]\n"
    "           [--grid G] [--initial a,b,...] [--max-fom M] [--tolerance PCT]\n"
    "           [--indicator-tolerance ETA] [--stall R] [--test L] [--compare L]\n"
    "           [--resolution N] [--steps S]\n\n"
    "Chooses the training parameters of a POD-LSPG ROM (with --hr: POD-LSPG-HR, GNAT) of a\n"
    "nonlinear problem greedily: at each step the ROM of the current training runs is solved\n"
    "at every candidate (split over the ranks), the candidate with the largest residual\n"
    "error indicator (sum over steps of the FOM residual norm at the ROM state) gets a FOM\n"
    "run, and the basis is rebuilt. Stops at --max-fom runs or at the tolerance on the\n"
    "calibrated estimate (the indicator times the ratio true error / indicator at the last\n"
    "chosen point). docs/nonlinear.md.\n\n"
    "  --problem NAME          default P1 (parameter a in [0.9, 1.1])\n"
    "  --hr                    POD-LSPG-HR (the problem's recipe sizes; P1 30 / 47)\n"
    "  --dim k                 POD basis vectors; default the recipe's (P1: 5)\n"
    "  --grid G                candidates per parameter over the problem's range; default 21\n"
    "  --initial L             the first training parameters; default the box centre\n"
    "  --max-fom M             FOM runs at most; default 4\n"
    "  --tolerance PCT         stop when the calibrated estimate of the max error (%) is <= PCT\n"
    "  --indicator-tolerance E stop when the largest indicator is <= E\n"
    "  --stall R               stop when a FOM run lowered the largest indicator by less\n"
    "                          than the fraction R (the basis dimension limits the error)\n"
    "  --test L                test parameters: report the problem's avg/max error (%) there\n"
    "  --compare L             with --test (required): the same report for this fixed\n"
    "                          training set\n"
    "                          (default the recipe's, P1: 0.9,1.1)\n"
    "  --resolution N, --steps S  a smaller problem (tests)\n"
    "  --json                  one JSON object on stdout (the chosen parameters, per pick the\n"
    "                          indicator, estimate and calibration, the --test / --compare\n"
    "                          errors); the text goes to stderr\n";

static int parse_list(rom_ctx *ctx, const char *flag, const char *v, double *out, int *n) {
  *n = cli_parse_double_list(v, out, MAX_LIST);
  if (*n < 1)
    return cli_usage_error(ctx, CMD, "%s expects comma-separated numbers, got '%s'", flag, v);
  for (int i = 0; i < *n; ++i)
    if (!isfinite(out[i])) return cli_usage_error(ctx, CMD, "%s: '%s' is not finite", flag, v);
  return 0;
}

/* One line per test point: the point's first parameter, its avg and max error (%). */
static void print_points(rom_ctx *ctx, const char *label, int np, int ntest, const double *test,
                         const double *avg, const double *mx) {
  for (int i = 0; i < ntest; ++i)
    cli_printf(ctx, "  %-8s test mu_0 = %-8g avg %.4f %%  max %.4f %%\n", label, test[i * np],
               avg[i], mx[i]);
}

static void print_errors(rom_ctx *ctx, const char *label, int nfom, int ntest, const double *avg,
                         const double *mx) {
  double sa = 0.0, worst_avg = 0.0, worst_max = 0.0;
  for (int i = 0; i < ntest; ++i) {
    sa += avg[i];
    if (!(avg[i] <= worst_avg)) worst_avg = avg[i];
    if (!(mx[i] <= worst_max)) worst_max = mx[i];
  }
  cli_printf(ctx,
             "%-8s FOM runs %2d   test avg error: mean %.4f %%, worst %.4f %%;"
             "   max error: worst %.4f %%\n",
             label, nfom, sa / ntest, worst_avg, worst_max);
}

/* --json: nfom points of np parameters as an array of arrays. */
static void json_points(rom_ctx *ctx, const char *key, int np, int npoints, const double *mu) {
  cli_json_array(ctx, key);
  for (int i = 0; i < npoints; ++i)
    cli_json_numbers(ctx, NULL, mu + (size_t)i * (size_t)np, np);
  cli_json_end(ctx);
}

/* --json: one training set's test errors (the numbers print_points / print_errors print). */
static void json_errors(rom_ctx *ctx, const char *key, int np, int nfom, const double *train,
                        int ntest, const double *avg, const double *mx) {
  double sa = 0.0, worst_avg = 0.0, worst_max = 0.0;
  for (int i = 0; i < ntest; ++i) {
    sa += avg[i];
    if (!(avg[i] <= worst_avg)) worst_avg = avg[i];
    if (!(mx[i] <= worst_max)) worst_max = mx[i];
  }
  cli_json_object(ctx, key);
  cli_json_integer(ctx, "fom_runs", nfom);
  json_points(ctx, "train", np, nfom, train);
  cli_json_numbers(ctx, "avg_error_pct", avg, ntest);
  cli_json_numbers(ctx, "max_error_pct", mx, ntest);
  cli_json_number(ctx, "mean_avg_error_pct", sa / ntest);
  cli_json_number(ctx, "worst_avg_error_pct", worst_avg);
  cli_json_number(ctx, "worst_max_error_pct", worst_max);
  cli_json_end(ctx);
}

/* The greedy's progress lines: human text (stderr in JSON mode, as every human line), at the
 * info level like the library's own lines, so -q and ROMKIT_LOG=0 silence them (as
 * reproduce's). */
static void to_stdout(void *user, const char *text) {
  if (rom_ctx_log_level((const rom_ctx *)user) < ROM_LOG_INFO) return;
  fputs(text, stdout);
  fflush(stdout);
}

int cmd_greedy_nonlinear(rom_ctx *ctx, int argc, char **argv) {
  const char *problem_name = "P1";
  rom_nlgreedy_options o = rom_nlgreedy_options_default();
  rom_problem_options po = rom_problem_options_default();
  double initial[MAX_LIST], test[MAX_LIST], compare[MAX_LIST];
  int ninitial = 0, ntest = 0, ncompare = 0, rc = 0;
  rom_problem *p = NULL;
  rom_nlgreedy_result *res = NULL;
  double *avg = NULL, *mx = NULL, *gavg = NULL, *gmx = NULL;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    const char *s = argv[i];
    if (!strcmp(s, "--hr")) {
      o.hyper = 1;
      continue;
    }
    if (i + 1 >= argc) return cli_usage_error(ctx, CMD, "unknown option or missing value: '%s'", s);
    const char *v = argv[++i];
    rom_int n = 0;
    double d = 0.0;
    if (!strcmp(s, "--problem")) {
      problem_name = v;
    } else if (!strcmp(s, "--dim") || !strcmp(s, "--grid") || !strcmp(s, "--max-fom") ||
               !strcmp(s, "--resolution") || !strcmp(s, "--steps")) {
      if (cli_parse_int(v, &n) || n < 1 || n > 100000000)
        return cli_usage_error(ctx, CMD, "%s expects a positive integer, got '%s'", s, v);
      if (!strcmp(s, "--dim")) o.dim = n;
      if (!strcmp(s, "--grid")) o.grid = (int)n;
      if (!strcmp(s, "--max-fom")) o.max_fom_runs = (int)n;
      if (!strcmp(s, "--resolution")) po.resolution = n;
      if (!strcmp(s, "--steps")) po.steps = n;
    } else if (!strcmp(s, "--stall")) {
      if (cli_parse_double(v, &d) || !(d > 0.0 && d < 1.0))
        return cli_usage_error(ctx, CMD, "--stall expects a fraction in (0, 1), got '%s'", v);
      o.stall_ratio = d;
    } else if (!strcmp(s, "--tolerance") || !strcmp(s, "--indicator-tolerance")) {
      if (cli_parse_double(v, &d) || !(d > 0.0) || !isfinite(d))
        return cli_usage_error(ctx, CMD, "%s expects a positive number, got '%s'", s, v);
      if (!strcmp(s, "--tolerance"))
        o.tolerance = d;
      else
        o.indicator_tolerance = d;
    } else if (!strcmp(s, "--initial")) {
      if ((rc = parse_list(ctx, s, v, initial, &ninitial))) return rc;
    } else if (!strcmp(s, "--test")) {
      if ((rc = parse_list(ctx, s, v, test, &ntest))) return rc;
    } else if (!strcmp(s, "--compare")) {
      if ((rc = parse_list(ctx, s, v, compare, &ncompare))) return rc;
    } else {
      return cli_usage_error(ctx, CMD, "unknown option '%s' (see --help)", s);
    }
  }
  /* --compare is reported beside the greedy's errors at the --test points: without test
   * points there is nothing to compare, and silently ignoring it reads as "no difference". */
  if (ncompare && !ntest)
    return cli_usage_error(ctx, CMD,
                           "--compare needs --test (the fixed training set is compared with "
                           "the greedy's at the test parameters)");
  if ((rc = rom_problem_create(ctx, problem_name, &po, &p))) return cli_fail(ctx, CMD, rc);
  const int np = rom_problem_num_parameters(p);
  if (ninitial % np || ntest % np || ncompare % np) {
    rc =
        cli_usage_error(ctx, CMD, "--initial, --test and --compare take %d value(s) per point", np);
    goto done;
  }
  if (ninitial) {
    o.initial = initial;
    o.ninitial = ninitial / np;
  }
  o.progress = to_stdout;
  o.progress_user = ctx;
  res = calloc(1, sizeof *res);
  avg = calloc(MAX_LIST, sizeof *avg);
  mx = calloc(MAX_LIST, sizeof *mx);
  gavg = calloc(MAX_LIST, sizeof *gavg);
  gmx = calloc(MAX_LIST, sizeof *gmx);
  if (!res || !avg || !mx || !gavg || !gmx) {
    rc = cli_usage_error(ctx, CMD, "out of memory");
    goto done;
  }
  if ((rc = rom_nlgreedy_run(ctx, p, &o, res))) {
    rc = cli_fail(ctx, CMD, rc);
    goto done;
  }
  const char *stop = res->converged == 1   ? "tolerance reached"
                     : res->converged == 2 ? "stalled"
                                           : "max FOM runs";
  cli_printf(ctx, "chosen training parameters (%d FOM runs, %s):", res->nfom, stop);
  for (int t = 0; t < res->nfom * np; ++t)
    cli_printf(ctx, "%s%.10g", t ? "," : " ", res->train[t]);
  cli_printf(ctx, "\n");
  for (int i = 0; i < res->iterations; ++i)
    if (isfinite(res->true_error_pct[i]))
      cli_printf(ctx,
                 "  pick %d (mu_0 = %g): indicator %.6g, estimate %.4g %%, true max error %.4g "
                 "%% (effectivity %.3g), calibration now %.4g %%/unit\n",
                 i, res->train[(res->ninitial + i) * np], res->max_indicator[i],
                 res->estimate_pct[i], res->true_error_pct[i],
                 res->estimate_pct[i] / res->true_error_pct[i], res->calibration[i]);
  cli_printf(ctx, "times: FOM %.3f s, offline %.3f s, candidate ROMs %.3f s (max over ranks)\n",
             res->fom_seconds, res->offline_seconds, res->rom_seconds);
  if (ntest) {
    rom_problem_recipe r;
    ntest /= np;
    if ((rc = rom_nlgreedy_test_error(ctx, p, &o, res->train, res->nfom, test, ntest, avg, mx))) {
      rc = cli_fail(ctx, CMD, rc);
      goto done;
    }
    print_points(ctx, "greedy", np, ntest, test, avg, mx);
    print_errors(ctx, "greedy", res->nfom, ntest, avg, mx);
    memcpy(gavg, avg, sizeof(double) * (size_t)ntest); /* avg, mx get the fixed set's next */
    memcpy(gmx, mx, sizeof(double) * (size_t)ntest);
    if (!ncompare && rom_problem_recipe_of(p, &r) == ROM_OK) {
      ncompare = r.ntrain * np;
      memcpy(compare, r.train, sizeof(double) * (size_t)ncompare);
    }
    if (ncompare) {
      if ((rc =
               rom_nlgreedy_test_error(ctx, p, &o, compare, ncompare / np, test, ntest, avg, mx))) {
        rc = cli_fail(ctx, CMD, rc);
        goto done;
      }
      print_points(ctx, "fixed", np, ntest, test, avg, mx);
      print_errors(ctx, "fixed", ncompare / np, ntest, avg, mx);
    }
  }
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", CMD);
    cli_json_string(ctx, "problem", rom_problem_name_of(p));
    cli_json_string(ctx, "rom", res->hyper ? "pod-lspg-hr" : "pod-lspg");
    cli_json_integer(ctx, "dim", (long long)res->dim);
    if (res->hyper) {
      cli_json_integer(ctx, "hr_basis", (long long)res->hr_basis);
      cli_json_integer(ctx, "hr_samples", (long long)res->hr_samples);
    }
    cli_json_integer(ctx, "parameters", np);
    cli_json_integer(ctx, "candidates", res->ncandidates);
    cli_json_integer(ctx, "failed_candidates", res->failed_candidates);
    cli_json_integer(ctx, "fom_runs", res->nfom);
    cli_json_integer(ctx, "initial", res->ninitial);
    cli_json_string(ctx, "stop_reason",
                    res->converged == 1   ? "tolerance"
                    : res->converged == 2 ? "stalled"
                                          : "max-fom-runs");
    json_points(ctx, "chosen", np, res->nfom, res->train);
    cli_json_array(ctx, "iterations");
    for (int i = 0; i < res->iterations; ++i) {
      cli_json_object(ctx, NULL);
      cli_json_integer(ctx, "pick", i);
      /* the pick's parameters: train[ninitial + i] if it got a FOM run */
      if (res->ninitial + i < res->nfom)
        cli_json_numbers(ctx, "mu", res->train + (size_t)(res->ninitial + i) * (size_t)np, np);
      cli_json_integer(ctx, "candidate", res->argmax[i]);
      cli_json_number(ctx, "indicator", res->max_indicator[i]);
      cli_json_number(ctx, "estimate_pct", res->estimate_pct[i]);
      cli_json_number(ctx, "true_error_pct", res->true_error_pct[i]);
      cli_json_number(ctx, "calibration", res->calibration[i]);
      cli_json_end(ctx);
    }
    cli_json_end(ctx);
    cli_json_number(ctx, "fom_seconds", res->fom_seconds);
    cli_json_number(ctx, "offline_seconds", res->offline_seconds);
    cli_json_number(ctx, "rom_seconds", res->rom_seconds);
    if (ntest) {
      cli_json_object(ctx, "test");
      json_points(ctx, "points", np, ntest, test);
      json_errors(ctx, "greedy", np, res->nfom, res->train, ntest, gavg, gmx);
      if (ncompare) json_errors(ctx, "fixed", np, ncompare / np, compare, ntest, avg, mx);
      cli_json_end(ctx);
    }
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
  rc = CLI_EXIT_OK;
done:
  free(res);
  free(avg);
  free(mx);
  free(gavg);
  free(gmx);
  rom_problem_destroy(&p);
  return rc;
}
