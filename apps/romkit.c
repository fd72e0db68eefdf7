/* romkit — the command-line program: one sub-command per pipeline step.
 * Run with mpirun on any number of ranks. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*run)(rom_ctx *ctx, int argc, char **argv);
  int json; /* takes --json (the commands that produce results) */
  const char *summary;
} command;

static int cmd_version(rom_ctx *ctx, int argc, char **argv);

static const command commands[] = {
    {"pod", cmd_pod, 1, "POD basis of an HDF5 snapshot file (distributed TSQR + SVD)"},
    {"info", cmd_info, 1, "what a romkit HDF5 file holds"},
    {"demo", cmd_demo, 0, "end-to-end P3 pipeline: snapshots -> POD -> HDF5 -> online ROM"},
    {"train", cmd_train, 1,
     "train the masked autoencoder of a nonlinear-manifold ROM on snapshots"},
    {"hyper", cmd_hyper, 1, "hyper-reduction samples (DEIM, QDEIM, GNAT, S-OPT) from a basis file"},
    {"reproduce", cmd_reproduce, 1, "reproduce the published P1/P2 Burgers results (FOM vs ROM)"},
    {"export-snapshots", cmd_export_snapshots, 1,
     "the training set of reproduce's networks as a snapshot file for 'romkit train'"},
    {"greedy-nonlinear", cmd_greedy_nonlinear, 1,
     "greedy training parameters of a nonlinear ROM (residual indicator)"},
    {"dmd", cmd_dmd, 1, "dynamic mode decomposition of a snapshot file: fit, predict, info"},
    {"sweep", cmd_sweep, 1,
     "evaluate a ROM over thousands of parameter samples (UQ, design sweeps)"},
    {"greedy", cmd_greedy, 1,
     "reduced basis by the (weak) greedy over a training set of parameters"},
    {"optimize", cmd_optimize, 1,
     "ROM-accelerated design optimisation of P3 (NLopt, trust region)"},
    {"interp", cmd_interp, 1,
     "interpolated ROMs and parametric DMD on matrix manifolds (P3X, unseen parameters)"},
    {"bench", cmd_bench, 1,
     "benchmarks: 'romkit bench pod', 'romkit bench svd', 'romkit bench heat'"},
    {"version", cmd_version, 1, "the version of romkit (also: romkit --version)"},
};

static int cmd_version(rom_ctx *ctx, int argc, char **argv) {
  (void)argv;
  if (argc > 1) return cli_usage_error(ctx, "version", "takes no arguments");
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "version", ROM_VERSION_STRING);
    cli_json_end(ctx);
  } else {
    cli_printf(ctx, "romkit %s\n", ROM_VERSION_STRING);
  }
  return CLI_EXIT_OK;
}

static void print_usage(void) {
  printf("romkit %s — reduced-order modelling toolkit\n\n", ROM_VERSION_STRING);
  printf("usage: [mpirun -n P] romkit [global options] <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    printf("  %-16s %s\n", commands[i].name, commands[i].summary);
  printf("\nglobal options (before or after the command name):\n"
         "  -v, --verbose        debug lines of the library too (--log-level debug)\n"
         "  -q, --quiet          errors only: no info or progress lines (--log-level error)\n"
         "  --log-level LEVEL    silent, error, warning, info (the default) or debug; the\n"
         "                       last of -v, -q, --log-level wins over ROMKIT_LOG (the same\n"
         "                       names, or 0..4)\n"
         "  --json               the commands that produce results write one JSON object to\n"
         "                       stdout and every human line to stderr\n"
         "  --options FILE       more options, one '--flag [value]' per line, '#' comments;\n"
         "                       the command line wins over the file\n"
         "  --version            the version (as 'romkit version')\n"
         "  -h, --help           this text\n"
         "\nLog and progress lines go to stderr, results to stdout. Every command checks its\n"
         "output paths before computing (directory present and writable, file absent unless\n"
         "--overwrite). 'romkit <command> --help' describes each command; docs/user-guide.md\n"
         "the conventions. Exit codes: 0 success, 1 failure (the message says why), 2 bad\n"
         "arguments.\n");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  cli_globals g;
  int exit_code = CLI_EXIT_OK;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) {
    fprintf(stderr, "romkit: could not create a context (MPI failure)\n");
    MPI_Finalize();
    return CLI_EXIT_FAILURE;
  }
  if ((exit_code = cli_globals_parse(ctx, argc, argv, &g)) != CLI_EXIT_OK) {
    /* the message is printed */
  } else if (g.argc == 0 && g.version) {
    if (g.json) cli_json_start();
    exit_code = cmd_version(ctx, 1, argv);
  } else if (g.argc == 0 || !strcmp(g.argv[0], "help")) {
    if (rom_ctx_rank(ctx) == 0) print_usage();
    exit_code = g.argc == 0 && !g.help ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  } else {
    const command *found = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
      if (!strcmp(g.argv[0], commands[i].name)) found = &commands[i];
    if (!found) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr, "romkit: unknown command '%s' (see 'romkit --help')\n", g.argv[0]);
      exit_code = CLI_EXIT_USAGE;
    } else if (g.json && !found->json) {
      exit_code = cli_usage_error(ctx, found->name, "--json: this command produces no results");
    } else {
      if (g.json) cli_json_start();
      exit_code = found->run(ctx, g.argc, g.argv);
      /* the stages the command timed, as PETSc's -log_view (info level, stderr; nothing
       * when no stage was timed; docs/user-guide.md, "Progress and timing") */
      rom_stage_summary(ctx);
    }
  }
  cli_globals_release(&g);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return exit_code;
}
