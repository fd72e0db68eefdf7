/* romkit pod — placeholder until implemented. */
#include "cli.h"

int cmd_pod(rom_ctx *ctx, int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_usage_error(ctx, "pod", "not implemented yet");
}
