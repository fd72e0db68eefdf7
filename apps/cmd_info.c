/* romkit info — placeholder until implemented. */
#include "cli.h"

int cmd_info(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "info", "not implemented yet");
}
