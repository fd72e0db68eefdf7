/* romkit train — placeholder until implemented. */
#include "cli.h"

int cmd_train(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "train", "not implemented yet");
}
