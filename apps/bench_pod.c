/* romkit bench pod — placeholder until implemented. */
#include "cli.h"

int bench_pod(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "bench pod", "not implemented yet");
}
