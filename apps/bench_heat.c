/* romkit bench heat — placeholder until implemented. */
#include "cli.h"

int bench_heat(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "bench heat", "not implemented yet");
}
