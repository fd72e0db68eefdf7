/* romkit sweep — placeholder until implemented. */
#include "cli.h"

int cmd_sweep(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "sweep", "not implemented yet");
}
