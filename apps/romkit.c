/* romkit — the command-line program: one sub-command per pipeline step.
 * Run with mpirun on any number of ranks. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*run)(rom_ctx *ctx, int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"pod", cmd_pod, "POD basis of an HDF5 snapshot file (distributed TSQR + SVD)"},
    {"info", cmd_info, "what a romkit HDF5 file holds"},
    {"demo", cmd_demo, "end-to-end P3 pipeline: snapshots -> POD -> HDF5 -> online ROM"},
    {"train", cmd_train, "train the masked autoencoder of a nonlinear-manifold ROM on snapshots"},
    {"hyper", cmd_hyper, "hyper-reduction samples (DEIM, QDEIM, GNAT, S-OPT) from a basis file"},
    {"reproduce", cmd_reproduce, "reproduce the published P1/P2 Burgers results (FOM vs ROM)"},
    {"dmd", cmd_dmd, "dynamic mode decomposition of a snapshot file: fit, predict, info"},
    {"sweep", cmd_sweep, "evaluate a ROM over thousands of parameter samples (UQ, design sweeps)"},
    {"greedy", cmd_greedy, "reduced basis by the (weak) greedy over a training set of parameters"},
    {"interp", cmd_interp,
     "interpolated ROMs and parametric DMD on matrix manifolds (P3X, unseen parameters)"},
    {"bench", cmd_bench, "benchmarks: 'romkit bench pod', 'romkit bench heat'"},
};

static void print_usage(void) {
  printf("romkit %s — reduced-order modelling toolkit\n\n", ROM_VERSION_STRING);
  printf("usage: [mpirun -n P] romkit <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    printf("  %-10s %s\n", commands[i].name, commands[i].summary);
  printf("\n'romkit <command> --help' describes each command. Exit codes: 0 success,\n"
         "1 failure (the message says why), 2 bad arguments.\n");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  int exit_code = CLI_EXIT_OK;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) {
    fprintf(stderr, "romkit: could not create a context (MPI failure)\n");
    MPI_Finalize();
    return CLI_EXIT_FAILURE;
  }
  if (getenv("ROMKIT_LOG")) rom_ctx_set_log_level(ctx, (rom_log_level)atoi(getenv("ROMKIT_LOG")));
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
      !strcmp(argv[1], "help")) {
    if (rom_ctx_rank(ctx) == 0) print_usage();
    exit_code = argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  } else if (!strcmp(argv[1], "--version")) {
    cli_printf(ctx, "romkit %s\n", ROM_VERSION_STRING);
  } else {
    const command *found = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
      if (!strcmp(argv[1], commands[i].name)) found = &commands[i];
    if (!found) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr, "romkit: unknown command '%s' (see 'romkit --help')\n", argv[1]);
      exit_code = CLI_EXIT_USAGE;
    } else {
      exit_code = found->run(ctx, argc - 1, argv + 1);
    }
  }
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return exit_code;
}
