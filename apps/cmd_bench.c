/* romkit bench <target>: dispatch to the benchmark programs. */
#include "cli.h"

#include <string.h>

static const char *const bench_help =
    "usage: romkit bench <target> [options]\n\n"
    "targets:\n"
    "  pod    POD of a 20000 x 200 matrix with known spectrum s_i = 10^(-8 i/200):\n"
    "         TSQR time, peak memory, singular-value error, beside serial LAPACK\n"
    "  svd    every SVD method (tsqr, scalapack, randomized, incremental, wide) on an N x m "
    "matrix\n"
    "         with known spectrum: time, peak memory, errors, beside serial LAPACK\n"
    "  heat   P3 heat conduction: online ROM solves per second at k = 10, 20 and the\n"
    "         speed-up over the FOM's direct solve\n\n"
    "'romkit bench <target> --help' lists each target's options.\n";

int cmd_bench(rom_ctx *ctx, int argc, char **argv) {
  if (argc < 2) {
    cli_printf(ctx, "%s", bench_help);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    cli_printf(ctx, "%s", bench_help);
    return CLI_EXIT_OK;
  }
  if (!strcmp(argv[1], "pod")) return bench_pod(ctx, argc - 1, argv + 1);
  if (!strcmp(argv[1], "svd")) return bench_svd(ctx, argc - 1, argv + 1);
  if (!strcmp(argv[1], "heat")) return bench_heat(ctx, argc - 1, argv + 1);
  return cli_usage_error(ctx, "bench", "unknown target '%s'", argv[1]);
}
