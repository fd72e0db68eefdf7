/* romkit hyper — placeholder until implemented. */
#include "cli.h"

int cmd_hyper(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "hyper", "not implemented yet");
}
