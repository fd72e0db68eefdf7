/* romkit reproduce — placeholder until implemented. */
#include "cli.h"

int cmd_reproduce(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "reproduce", "not implemented yet");
}
