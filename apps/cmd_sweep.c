/* romkit sweep — a ROM file evaluated over a parameter design (grid, Latin hypercube,
 * Monte Carlo), distributed over the MPI ranks; outputs and statistics to an HDF5 file.
 *
 * The coefficient map comes from --problem: any registered problem whose model is affine
 * (romkit/problem.h) gives theta_q(mu) and phi_q(mu) through its model's callbacks
 * (rom_sweep_model_coefficients). For heat (P3, docs/problems.md, the default):
 * theta_q = mu_q (one parameter per conductivity subdomain), phi_0 = 1. A ROM file whose
 * term counts differ from the model's is refused with a sentence saying so. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_MAX_PARAMETERS 64

static const char *const help =
    "usage: [mpirun -n P] romkit sweep ROM.h5 --design {grid,lhs,mc} --samples N -o SWEEP.h5\n"
    "                     [--problem NAME] [--counts n[,n...]] [--range lo:hi[,lo:hi...]]\n"
    "                     [--log] [--seed 42] [--overwrite]\n\n"
    "Evaluates the affine ROM in ROM.h5 (kind affine_rom, e.g. from 'romkit demo') at every\n"
    "sample of a parameter design, the samples split over the ranks in contiguous blocks, and\n"
    "writes the parameters and the ROM's outputs (its reduced coordinates q if it has none)\n"
    "to SWEEP.h5 (kind sweep). Prints the throughput and mean, std, min, max per output.\n"
    "Sample i depends only on (design, seed, i): any rank count gives the same file (up to\n"
    "its 'ranks' and 'created' attributes).\n"
    "Certified bounds are automatic when ROM.h5 holds an error estimator\n"
    "(rom_affine_rom_build_estimator, docs/many-query.md): each output with dual data is\n"
    "reported as its corrected value with a bound (/bounds), every sample gets its state\n"
    "bound (/state_bounds), and for lhs and mc designs the certified intervals of the mean\n"
    "and of the 5/25/50/75/95 % quantiles are printed (and stored).\n\n"
    "  --problem NAME   the problem the ROM was built for (default heat, i.e. P3: theta_q =\n"
    "                   mu_q, one parameter per conductivity subdomain, phi_0 = 1): any\n"
    "                   registered problem with an affine model (listed below); theta(mu),\n"
    "                   phi(mu) come from its model, and the ROM's term counts must match\n"
    "  --design D       grid (tensor grid), lhs (Latin hypercube), mc (Monte Carlo)\n"
    "  --samples N      number of samples (lhs, mc); for grid, N must be n^p (n points per\n"
    "                   parameter) unless --counts is given\n"
    "  --counts LIST    grid points per parameter (one value: the same for all)\n"
    "  --range LIST     lo:hi per parameter, comma-separated; one pair applies to all\n"
    "                   (default: the problem's ranges; P3: 0.1:10, the range of\n"
    "                   'romkit demo')\n"
    "  --log            log-uniform sampling (logarithmically spaced grid) for every parameter\n"
    "  --seed S         seed of the random designs (default 42)\n"
    "  -o FILE          the sweep file; an existing one is kept unless --overwrite\n"
    "  --json           one JSON object on stdout (design, samples, seconds, and mean, std,\n"
    "                   min, max per output); the text goes to stderr\n\n"
    "problems (--problem NAME; names and aliases in any case):\n";

typedef struct {
  const char *rom_path, *out_path, *problem, *design, *range_text, *counts_text;
  rom_int samples, seed;
  int log_scale, overwrite, samples_given;
} sweep_options;

static int parse(rom_ctx *ctx, int argc, char **argv, sweep_options *o) {
  memset(o, 0, sizeof *o);
  o->problem = "heat";
  o->seed = 42;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--log")) {
      o->log_scale = 1;
      continue;
    }
    if (!strcmp(a, "--overwrite")) {
      o->overwrite = 1;
      continue;
    }
    if (a[0] != '-') {
      if (o->rom_path) return cli_usage_error(ctx, "sweep", "more than one ROM file: '%s'", a);
      o->rom_path = a;
      continue;
    }
    if (i + 1 >= argc)
      return cli_usage_error(ctx, "sweep", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      o->out_path = v;
    } else if (!strcmp(a, "--problem")) {
      o->problem = v;
    } else if (!strcmp(a, "--design")) {
      o->design = v;
    } else if (!strcmp(a, "--range")) {
      o->range_text = v;
    } else if (!strcmp(a, "--counts")) {
      o->counts_text = v;
    } else if (!strcmp(a, "--samples")) {
      if (cli_parse_int(v, &o->samples) || o->samples < 1)
        return cli_usage_error(ctx, "sweep", "--samples expects an integer >= 1, got '%s'", v);
      o->samples_given = 1;
    } else if (!strcmp(a, "--seed")) {
      if (cli_parse_int(v, &o->seed) || o->seed < 0)
        return cli_usage_error(ctx, "sweep", "--seed expects an integer >= 0, got '%s'", v);
    } else {
      return cli_usage_error(ctx, "sweep", "unknown option '%s'", a);
    }
  }
  if (!o->rom_path) return cli_usage_error(ctx, "sweep", "no ROM file given (see --help)");
  if (!o->out_path || !*o->out_path)
    return cli_usage_error(ctx, "sweep", "no output file given: -o SWEEP.h5");
  if (!rom_problem_find(o->problem)) {
    char known[512];
    return cli_usage_error(ctx, "sweep", "--problem '%s' is not known (known: %s)", o->problem,
                           rom_problem_names(known, sizeof known));
  }
  if (!o->design) return cli_usage_error(ctx, "sweep", "--design {grid,lhs,mc} is required");
  rom_sweep_design_kind kind;
  if (rom_sweep_design_kind_from_name(o->design, &kind))
    return cli_usage_error(ctx, "sweep", "--design must be grid, lhs or mc, got '%s'", o->design);
  if (kind != ROM_SWEEP_GRID && !o->samples_given)
    return cli_usage_error(ctx, "sweep", "--samples N is required for --design %s", o->design);
  if (kind != ROM_SWEEP_GRID && o->counts_text)
    return cli_usage_error(ctx, "sweep", "--counts is for --design grid only");
  if (kind == ROM_SWEEP_GRID && !o->samples_given && !o->counts_text)
    return cli_usage_error(ctx, "sweep", "--design grid needs --samples N or --counts");
  return CLI_EXIT_OK;
}

/* "lo:hi[,lo:hi...]" -> up to max pairs; returns the count, or -1 with a reason. */
static int parse_ranges(const char *text, double *low, double *high, int max, char *why,
                        size_t whylen) {
  int n = 0;
  const char *p = text;
  while (*p) {
    char item[128];
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (n >= max || len == 0 || len >= sizeof item) {
      snprintf(why, whylen, "'%s' is not a list of at most %d lo:hi pairs", text, max);
      return -1;
    }
    memcpy(item, p, len);
    item[len] = '\0';
    char *colon = strchr(item, ':');
    if (!colon) {
      snprintf(why, whylen, "'%s' in --range is not lo:hi", item);
      return -1;
    }
    *colon = '\0';
    if (cli_parse_double(item, &low[n]) || cli_parse_double(colon + 1, &high[n]) ||
        !isfinite(low[n]) || !isfinite(high[n])) {
      snprintf(why, whylen, "'%s:%s' in --range is not two finite numbers", item, colon + 1);
      return -1;
    }
    ++n;
    p += len;
    if (*p == ',') ++p;
  }
  return n;
}

int cmd_sweep(rom_ctx *ctx, int argc, char **argv) {
  sweep_options o;
  int exit_code = CLI_EXIT_OK, rc = ROM_OK;
  rom_affine_rom *rom = NULL;
  rom_sweep_design *design = NULL;
  rom_sweep *sweep = NULL;
  rom_problem *problem = NULL;
  rom_model *model = NULL;
  double low[SWEEP_MAX_PARAMETERS], high[SWEEP_MAX_PARAMETERS];
  int logs[SWEEP_MAX_PARAMETERS];
  rom_int counts[SWEEP_MAX_PARAMETERS];
  double *stats = NULL;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    cli_print_problems(ctx, "  ");
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  rom_sweep_design_kind kind = ROM_SWEEP_GRID;
  rom_sweep_design_kind_from_name(o.design, &kind);

  /* Ranges and counts that need no file are checked before reading it. */
  int nranges = 1;
  char why[512] = "";
  if (o.range_text) {
    nranges = parse_ranges(o.range_text, low, high, SWEEP_MAX_PARAMETERS, why, sizeof why);
    if (nranges < 0) return cli_usage_error(ctx, "sweep", "%s", why);
  }
  for (int j = 0; o.range_text && j < nranges; ++j) {
    if (!(low[j] < high[j]))
      return cli_usage_error(ctx, "sweep", "--range %g:%g is empty: lo must be < hi", low[j],
                             high[j]);
    if (o.log_scale && low[j] <= 0.0)
      return cli_usage_error(ctx, "sweep", "--log needs lo > 0, got the range %g:%g", low[j],
                             high[j]);
  }
  int ncounts = 0;
  if (o.counts_text) {
    double c[SWEEP_MAX_PARAMETERS];
    ncounts = cli_parse_double_list(o.counts_text, c, SWEEP_MAX_PARAMETERS);
    if (ncounts < 1)
      return cli_usage_error(ctx, "sweep", "--counts '%s' is not a list of integers",
                             o.counts_text);
    for (int j = 0; j < ncounts; ++j) {
      if (!(c[j] >= 1.0 && c[j] <= 1e9 && c[j] == floor(c[j])))
        return cli_usage_error(ctx, "sweep", "--counts: %g is not an integer >= 1", c[j]);
      counts[j] = (rom_int)c[j];
    }
  }

  /* The output is checked before the work (directory on every rank, file absent unless
   * --overwrite; rom_sweep_write checks again). */
  if ((rc = rom_output_check(ctx, o.out_path, o.overwrite))) goto fail;

  /* The problem's model gives the coefficients: it must be affine (rom_model_operator_terms
   * > 0). Its default resolution: the coefficient maps do not depend on the grid. */
  if ((rc = rom_problem_create(ctx, o.problem, NULL, &problem))) goto fail;
  model = rom_problem_model(problem);
  const int p = rom_problem_num_parameters(problem), Qa_model = rom_model_operator_terms(model),
            Qf_model = rom_model_rhs_terms(model);
  if (Qa_model < 1 || p > SWEEP_MAX_PARAMETERS) {
    exit_code =
        cli_usage_error(ctx, "sweep",
                        "--problem %s: the model of %s is not affine (%d operator terms, "
                        "%d parameters; a sweep needs theta_q(mu) and at most %d "
                        "parameters)",
                        o.problem, rom_problem_name_of(problem), Qa_model, p, SWEEP_MAX_PARAMETERS);
    goto done;
  }
  if (!o.range_text) { /* the problem's ranges, one pair when they are all the same */
    int lg[SWEEP_MAX_PARAMETERS];
    rom_problem_parameter_range(problem, low, high, lg);
    nranges = 1;
    for (int j = 1; j < p; ++j)
      if (low[j] != low[0] || high[j] != high[0]) nranges = p;
    for (int j = 0; j < nranges && o.log_scale; ++j)
      if (low[j] <= 0.0) {
        exit_code = cli_usage_error(ctx, "sweep", "--log needs lo > 0, but %s's range %d is %g:%g",
                                    rom_problem_name_of(problem), j, low[j], high[j]);
        goto done;
      }
  }

  if ((rc = rom_affine_rom_read(ctx, o.rom_path, &rom))) goto fail;
  const int Qa = rom_affine_rom_operator_terms(rom), Qf = rom_affine_rom_rhs_terms(rom);
  if (Qa != Qa_model || Qf != Qf_model) {
    if (rom_ctx_rank(ctx) == 0)
      fprintf(stderr,
              "romkit sweep: error: %s has %d operator terms and %d rhs terms, but the model of "
              "--problem %s (%s) has %d and %d: this ROM is not of that problem\n",
              o.rom_path, Qa, Qf, o.problem, rom_problem_name_of(problem), Qa_model, Qf_model);
    exit_code = CLI_EXIT_FAILURE;
    goto done;
  }
  if (nranges != 1 && nranges != p) {
    exit_code = cli_usage_error(ctx, "sweep",
                                "--range has %d pairs but problem %s has %d parameters: give 1 or "
                                "%d pairs",
                                nranges, rom_problem_name_of(problem), p, p);
    goto done;
  }
  for (int j = nranges; j < p; ++j) {
    low[j] = low[0];
    high[j] = high[0];
  }
  for (int j = 0; j < p; ++j)
    logs[j] = o.log_scale;
  if (kind == ROM_SWEEP_GRID) {
    if (ncounts == 0) {
      /* --samples N = n^p */
      rom_int n = (rom_int)llround(pow((double)o.samples, 1.0 / (double)p)), total = 1;
      for (int j = 0; j < p && total <= o.samples; ++j)
        total *= n;
      if (total != o.samples) {
        exit_code = cli_usage_error(ctx, "sweep",
                                    "--design grid --samples %lld: not n^%d for an integer n (the "
                                    "ROM has %d parameters); use --counts n1,...,n%d",
                                    (long long)o.samples, p, p, p);
        goto done;
      }
      ncounts = 1;
      counts[0] = n;
    }
    if (ncounts != 1 && ncounts != p) {
      exit_code = cli_usage_error(
          ctx, "sweep", "--counts has %d values but the ROM has %d parameters", ncounts, p);
      goto done;
    }
    for (int j = ncounts; j < p; ++j)
      counts[j] = counts[0];
    if (o.counts_text && o.samples_given) {
      double total = 1.0; /* counts <= 1e9 each: a double holds the product exactly enough */
      for (int j = 0; j < p; ++j)
        total *= (double)counts[j];
      if (total != (double)o.samples) {
        exit_code = cli_usage_error(ctx, "sweep",
                                    "--samples %lld does not match --counts (the grid has %.0f "
                                    "points): give one of them",
                                    (long long)o.samples, total);
        goto done;
      }
    }
  }
  if ((rc = rom_sweep_design_create(
           ctx, kind, p, low, high, logs, kind == ROM_SWEEP_GRID ? 0 : o.samples,
           kind == ROM_SWEEP_GRID ? counts : NULL, (uint64_t)o.seed, &design)))
    goto fail;
  const rom_int ns = rom_sweep_design_samples(design);
  cli_printf(ctx,
             "romkit sweep: %s (k = %lld, %s), problem %s (theta(mu), phi(mu) from its model)\n"
             "  design %s, %lld samples, %d parameters in [%g, %g]%s%s, seed %lld, %d rank(s)\n",
             o.rom_path, (long long)rom_affine_rom_dim(rom),
             rom_affine_rom_num_outputs(rom) > 0
                 ? "with outputs"
                 : "no outputs: the reduced coordinates q are reported",
             rom_problem_name_of(problem), o.design, (long long)ns, p, low[0], high[0],
             nranges > 1 ? " (first range)" : "", o.log_scale ? " log-uniform" : "",
             (long long)o.seed, rom_ctx_size(ctx));
  if ((rc = rom_sweep_run(rom, design, rom_sweep_model_coefficients, model, &sweep))) goto fail;
  {
    const double t = rom_sweep_seconds(sweep);
    cli_printf(ctx, "  %lld ROM solves in %.4f s: %.3g samples/s (%.2f us per sample per rank)\n",
               (long long)ns, t, t > 0 ? (double)ns / t : INFINITY,
               ns > 0 ? 1e6 * t * rom_ctx_size(ctx) / (double)ns : 0.0);
  }
  if ((rc = rom_sweep_write(sweep, o.out_path, o.overwrite))) goto fail;
  {
    const int no = rom_sweep_num_outputs(sweep);
    stats = calloc((size_t)(4 * no), sizeof(double));
    if (!stats) {
      rc = ROM_ERR_NOMEM;
      goto fail;
    }
    rom_sweep_statistics(sweep, stats, stats + no, stats + 2 * no, stats + 3 * no);
    cli_printf(ctx, "\n  %-20s %14s %14s %14s %14s\n", "output", "mean", "std", "min", "max");
    for (int i = 0; i < no; ++i)
      cli_printf(ctx, "  %-20s %14.6e %14.6e %14.6e %14.6e\n", rom_sweep_output_name(sweep, i),
                 stats[i], sqrt(stats[no + i]), stats[2 * no + i], stats[3 * no + i]);
    double max_state_bound = NAN;
    if (rom_sweep_has_bounds(sweep)) {
      /* the largest state bound over all samples */
      const double *sb = rom_sweep_local_state_bounds(sweep);
      double mx = 0.0, all = 0.0; /* max_state_bound below: the JSON's copy */
      for (rom_int i = 0; i < rom_sweep_local_samples(sweep); ++i)
        mx = fmax(mx, sb[i]);
      MPI_Allreduce(&mx, &all, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
      max_state_bound = all;
      cli_printf(ctx, "\n  certified: ||u - u_r||_X <= %.3e at every sample (state bound)\n", all);
      if (kind != ROM_SWEEP_GRID) {
        double *lo = calloc((size_t)(2 + 3 * ROM_SWEEP_NUM_QUANTILES) * (size_t)no, sizeof(double));
        if (!lo) {
          rc = ROM_ERR_NOMEM;
          goto fail;
        }
        double *hi = lo + no, *qe = hi + no, *ql = qe + ROM_SWEEP_NUM_QUANTILES * no,
               *qh = ql + ROM_SWEEP_NUM_QUANTILES * no;
        rom_sweep_certified_mean(sweep, lo, hi);
        rom_sweep_quantiles(sweep, qe, ql, qh);
        cli_printf(ctx, "  %-20s %-6s %14s %14s %14s\n", "output", "stat", "certified lo",
                   "estimate", "certified hi");
        for (int i = 0; i < no; ++i) {
          if (isnan(lo[i])) {
            cli_printf(ctx, "  %-20s (no output bound: set its dual data)\n",
                       rom_sweep_output_name(sweep, i));
            continue;
          }
          cli_printf(ctx, "  %-20s %-6s %14.8e %14.8e %14.8e\n", rom_sweep_output_name(sweep, i),
                     "mean", lo[i], stats[i], hi[i]);
          for (int j = 0; j < ROM_SWEEP_NUM_QUANTILES; ++j) {
            char lev[16];
            snprintf(lev, sizeof lev, "q%.2g", rom_sweep_quantile_levels[j]);
            cli_printf(ctx, "  %-20s %-6s %14.8e %14.8e %14.8e\n", "", lev, ql[j * no + i],
                       qe[j * no + i], qh[j * no + i]);
          }
        }
        free(lo);
      }
    }
    cli_printf(ctx, "\n  -> %s (/parameters {%lld, %d}, /outputs {%lld, %d}%s)\n", o.out_path,
               (long long)ns, p, (long long)ns, no,
               rom_sweep_has_bounds(sweep) ? ", /bounds, /state_bounds, /quantiles" : "");
    if (cli_json_mode()) {
      const double t = rom_sweep_seconds(sweep);
      cli_json_begin(ctx);
      cli_json_string(ctx, "command", "sweep");
      cli_json_string(ctx, "rom", o.rom_path);
      cli_json_string(ctx, "problem", rom_problem_name_of(problem));
      cli_json_string(ctx, "design", o.design);
      cli_json_integer(ctx, "samples", (long long)ns);
      cli_json_integer(ctx, "parameters", p);
      cli_json_number(ctx, "seconds", t);
      cli_json_number(ctx, "samples_per_second", t > 0 ? (double)ns / t : NAN);
      cli_json_string(ctx, "output", o.out_path);
      if (rom_sweep_has_bounds(sweep)) cli_json_number(ctx, "max_state_bound", max_state_bound);
      cli_json_array(ctx, "outputs");
      for (int i = 0; i < no; ++i) {
        cli_json_object(ctx, NULL);
        cli_json_string(ctx, "name", rom_sweep_output_name(sweep, i));
        cli_json_number(ctx, "mean", stats[i]);
        cli_json_number(ctx, "std", sqrt(stats[no + i]));
        cli_json_number(ctx, "min", stats[2 * no + i]);
        cli_json_number(ctx, "max", stats[3 * no + i]);
        cli_json_end(ctx);
      }
      cli_json_end(ctx);
      cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
      cli_json_end(ctx);
    }
  }
  goto done;
fail:
  exit_code = cli_fail(ctx, "sweep", rc);
done:
  free(stats);
  rom_sweep_destroy(&sweep);
  rom_sweep_design_destroy(&design);
  rom_affine_rom_destroy(&rom);
  rom_problem_destroy(&problem);
  return exit_code;
}
