/* romkit demo — the P3 pipeline end to end (docs/problems.md, "P3"); the pipeline is
 * rom_demo_run (romkit/workflow.h, librom/workflow/demo.c): this file parses the arguments
 * and prints the report's lines as the pipeline produces them. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

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
} demo_args;

static int parse(rom_ctx *ctx, int argc, char **argv, demo_args *o) {
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
  if (o->test < 1 || o->test > ROM_DEMO_MAX_TEST)
    return cli_usage_error(ctx, "demo", "--test must be in 1..%d", ROM_DEMO_MAX_TEST);
  if (o->seed < 0) return cli_usage_error(ctx, "demo", "--seed must be >= 0");
  return CLI_EXIT_OK;
}

static void progress(void *user, const char *text) {
  (void)user;
  fputs(text, stdout);
  fflush(stdout);
}

int cmd_demo(rom_ctx *ctx, int argc, char **argv) {
  demo_args a = {64, 40, 10, 42, 0, NULL};
  rom_demo_result result;
  int exit_code;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &a)) != CLI_EXIT_OK) return exit_code;
  rom_demo_options o = rom_demo_options_default();
  o.n = a.n;
  o.train = a.train;
  o.test = a.test;
  o.seed = (uint64_t)a.seed;
  o.overwrite = a.overwrite;
  o.workdir = a.workdir;
  o.progress = progress;
  int rc = rom_demo_run(ctx, &o, &result);
  return rc == ROM_OK ? CLI_EXIT_OK : cli_fail(ctx, "demo", rc);
}
