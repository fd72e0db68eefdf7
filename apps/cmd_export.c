/* romkit export-snapshots P1|P2|--problem NAME -o OUT.h5 [--component C] [--states S] ...
 *
 * Writes the training set of reproduce's networks (the training FOM runs' states, one
 * component, as differences u^n - u^0 or raw states) to a snapshot file that `romkit train`
 * reads: the library's rom_reproduce_export_training_set (romkit/workflow.h), with the same
 * cache as `romkit reproduce --workdir`. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "export-snapshots"

static const char *const help =
    "usage: [mpirun -n P] romkit export-snapshots P1|P2|--problem NAME -o OUT.h5\n"
    "           [--component C] [--states auto|diff|raw] [--train-params a,b,...]\n"
    "           [--grid G] [--steps S] [--workdir DIR] [--overwrite]\n\n"
    "Writes the training set of the reproduction's autoencoders (docs/reproduction.md) to a\n"
    "snapshot file (dataset /snapshots {m, N}, docs/file-format.md) that `romkit train`\n"
    "reads: the states of the problem's training FOM runs, one component's rows, runs in\n"
    "training order. The runs come from the work directory's cache (the one `romkit\n"
    "reproduce --workdir DIR` fills), or are computed and cached there.\n\n"
    "  --problem NAME      the problem, as the positional P1 / P2 (romkit/problem.h)\n"
    "  -o, --output FILE   the snapshot file to write (required; never replaced without\n"
    "                      --overwrite)\n"
    "  --component C       the component: its index or name (P2: u = 0, v = 1); default 0\n"
    "  --states S          diff: u^n - u^0, n = 1..steps (P1's network); raw: u^n,\n"
    "                      n = 0..steps (P2's, which scales its inputs); auto (default): the\n"
    "                      problem's recipe\n"
    "  --train-params L    training parameters a; default the recipe's (P1 0.9,1.1, P2\n"
    "                      0.9,0.95,1.05,1.1)\n"
    "  --grid G, --steps S reduced settings (P2 grid points per direction, time steps)\n"
    "  --workdir DIR       the cache of training runs; default: a new directory under\n"
    "                      $TMPDIR or /tmp\n"
    "  --overwrite         replace an existing output file\n"
    "  --json              one JSON object on stdout (path, rows, columns, component,\n"
    "                      states); the text goes to stderr\n\n"
    "Then, e.g.: romkit train OUT.h5 -o ae.h5 --problem P1 --latent 5\n\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

typedef struct {
  const char *problem, *output, *component, *states, *workdir;
  rom_int grid, steps;
  double train[ROM_PROBLEM_MAX_TRAIN];
  int ntrain, overwrite;
} export_args;

static int parse(rom_ctx *ctx, int argc, char **argv, export_args *a) {
  char names[256];
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; ++i) {
    const char *s = argv[i];
    if (!strcmp(s, "--overwrite")) {
      a->overwrite = 1;
      continue;
    }
    if (s[0] != '-') {
      if (a->problem)
        return cli_usage_error(ctx, CMD, "more than one problem ('%s', '%s')", a->problem, s);
      a->problem = s;
      continue;
    }
    if (i + 1 >= argc) return cli_usage_error(ctx, CMD, "unknown option '%s' or missing value", s);
    const char *v = argv[++i];
    if (!strcmp(s, "--problem")) {
      if (a->problem)
        return cli_usage_error(ctx, CMD, "more than one problem ('%s', '%s')", a->problem, v);
      a->problem = v;
    } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
      a->output = v;
    } else if (!strcmp(s, "--component")) {
      a->component = v;
    } else if (!strcmp(s, "--states")) {
      if (strcmp(v, "auto") && strcmp(v, "diff") && strcmp(v, "raw"))
        return cli_usage_error(ctx, CMD, "--states %s: expected auto, diff or raw", v);
      a->states = v;
    } else if (!strcmp(s, "--workdir")) {
      if (!*v) return cli_usage_error(ctx, CMD, "--workdir must not be empty");
      a->workdir = v;
    } else if (!strcmp(s, "--train-params")) {
      a->ntrain = cli_parse_double_list(v, a->train, ROM_PROBLEM_MAX_TRAIN);
      if (a->ntrain < 1)
        return cli_usage_error(ctx, CMD,
                               "--train-params expects comma-separated numbers (at most %d), "
                               "got '%s'",
                               ROM_PROBLEM_MAX_TRAIN, v);
      for (int t = 0; t < a->ntrain; ++t)
        if (!(a->train[t] >= 0.0) || !isfinite(a->train[t]))
          return cli_usage_error(ctx, CMD,
                                 "--train-params: a = %g (the upwind scheme needs a finite a >= 0)",
                                 a->train[t]);
    } else if (!strcmp(s, "--grid")) {
      if (cli_parse_int(v, &a->grid) || a->grid < 5 || a->grid > 1000)
        return cli_usage_error(ctx, CMD, "--grid expects 5..1000 grid points, got '%s'", v);
    } else if (!strcmp(s, "--steps")) {
      if (cli_parse_int(v, &a->steps) || a->steps < 1 || a->steps > 1000000)
        return cli_usage_error(ctx, CMD, "--steps expects 1..1000000, got '%s'", v);
    } else {
      return cli_usage_error(ctx, CMD, "unknown option '%s'", s);
    }
  }
  if (!a->problem)
    return cli_usage_error(ctx, CMD, "give the problem: %s",
                           rom_problem_names(names, sizeof names));
  if (!rom_problem_find(a->problem))
    return cli_usage_error(ctx, CMD, "unknown problem '%s' (%s)", a->problem,
                           rom_problem_names(names, sizeof names));
  if (!a->output || !*a->output)
    return cli_usage_error(ctx, CMD, "no output file given (-o OUT.h5)");
  return CLI_EXIT_OK;
}

/* --component: an index or the name the reports give it (u, v, ...). */
static int component_of(rom_ctx *ctx, const char *text, int ncomp, int *c) {
  rom_int v = 0;
  *c = 0;
  if (!text) return CLI_EXIT_OK;
  for (int k = 0; k < ncomp; ++k)
    if (ncomp > 1 && !strcmp(text, rom_reproduce_component_name(ncomp, k))) {
      *c = k;
      return CLI_EXIT_OK;
    }
  if (cli_parse_int(text, &v) || v < 0 || v >= ncomp)
    return cli_usage_error(ctx, CMD, "--component %s: the problem has components 0..%d%s", text,
                           ncomp - 1, ncomp > 1 ? " (or their names u, v, ...)" : "");
  *c = (int)v;
  return CLI_EXIT_OK;
}

int cmd_export_snapshots(rom_ctx *ctx, int argc, char **argv) {
  export_args a;
  rom_problem *p = NULL;
  int rc, exit_code = CLI_EXIT_OK, component = 0;
  rom_int count = 0;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &a)) != CLI_EXIT_OK) return exit_code;
  rom_problem_options po = rom_problem_options_default();
  po.resolution = a.grid;
  po.steps = a.steps;
  if ((rc = rom_problem_create(ctx, a.problem, &po, &p))) return cli_fail(ctx, CMD, rc);
  if ((exit_code = component_of(ctx, a.component, rom_problem_num_components(p), &component)))
    goto done;
  rom_reproduce_options o = rom_reproduce_options_default();
  if (a.ntrain) {
    o.train = a.train;
    o.ntrain = a.ntrain;
  }
  o.workdir = a.workdir;
  const int states = !a.states || !strcmp(a.states, "auto") ? -1 : !strcmp(a.states, "raw");
  if ((rc = rom_reproduce_export_training_set(ctx, p, &o, component, states, a.output, a.overwrite,
                                              &count))) {
    exit_code = cli_fail(ctx, CMD, rc);
    goto done;
  }
  cli_printf(ctx, "export-snapshots: %lld snapshots of %s%s%s -> %s\n", (long long)count,
             rom_problem_name_of(p), rom_problem_num_components(p) > 1 ? " component " : "",
             rom_reproduce_component_name(rom_problem_num_components(p), component), a.output);
  if (cli_json_mode()) {
    /* rows: the component's unknowns (the file's N, one row of the snapshot matrix each);
     * columns: the snapshots (the file's m); states: the library's choice for auto, the
     * recipe's (rom_reproduce_export_training_set) */
    rom_int Lc = 0, first = 0;
    long long rows = 0;
    rom_problem_component_local(p, component, &Lc, &first);
    long long local = (long long)Lc;
    MPI_Allreduce(&local, &rows, 1, MPI_LONG_LONG, MPI_SUM, rom_ctx_comm(ctx));
    int raw = states;
    if (raw < 0) {
      rom_problem_recipe r;
      raw = rom_problem_recipe_of(p, &r) == ROM_OK && r.ae_minmax_scaling;
    }
    const int ncomp = rom_problem_num_components(p);
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", CMD);
    cli_json_string(ctx, "problem", rom_problem_name_of(p));
    cli_json_string(ctx, "path", a.output);
    cli_json_integer(ctx, "rows", rows);
    cli_json_integer(ctx, "columns", (long long)count);
    cli_json_integer(ctx, "component", component);
    if (ncomp > 1)
      cli_json_string(ctx, "component_name", rom_reproduce_component_name(ncomp, component));
    cli_json_string(ctx, "states", raw ? "raw" : "diff");
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
done:
  rom_problem_destroy(&p);
  return exit_code;
}
