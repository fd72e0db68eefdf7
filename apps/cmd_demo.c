/* romkit demo — placeholder until implemented. */
#include "cli.h"

int cmd_demo(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "demo", "not implemented yet");
}
