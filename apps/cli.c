/* Shared helpers of the romkit command-line program. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(rom_ctx *ctx, const char *cmd, const char *fmt, ...) {
  if (rom_ctx_rank(ctx) == 0) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "romkit %s: %s (see 'romkit %s --help')\n", cmd, line, cmd);
  }
  return CLI_EXIT_USAGE;
}

int cli_fail(rom_ctx *ctx, const char *cmd, int code) {
  const char *message = rom_ctx_last_error(ctx);
  if (rom_ctx_rank(ctx) == 0 || (message[0] && !strstr(message, "on another rank"))) {
    fprintf(stderr, "romkit %s: error: %s\n", cmd, message[0] ? message : rom_strerror(code));
    if (code == ROM_ERR_EXISTS) /* the library's "pass overwrite" is a flag on the CLI */
      fprintf(stderr, "romkit %s: pass --overwrite to replace it\n", cmd);
  }
  return CLI_EXIT_FAILURE;
}

void cli_printf(rom_ctx *ctx, const char *fmt, ...) {
  if (rom_ctx_rank(ctx) != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
  return 0;
}

int cli_parse_double(const char *text, double *out) {
  if (!text || !*text) return -1;
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || *end != '\0' || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

int cli_parse_int(const char *text, rom_int *out) {
  if (!text || !*text) return -1;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || *end != '\0') return -1;
  *out = (rom_int)v;
  return 0;
}

int cli_parse_bytes(const char *text, double *out) {
  if (!text || !*text) return -1;
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || !(v >= 0) || !isfinite(v)) return -1;
  static const struct {
    const char *suffix;
    double scale;
  } units[] = {{"", 1.0},   {"B", 1.0},  {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
               {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i)
    if (!strcmp(end, units[i].suffix)) {
      *out = v * units[i].scale;
      return 0;
    }
  return -1;
}

int cli_parse_double_list(const char *text, double *out, int max) {
  if (!text || !*text) return -1;
  int count = 0;
  const char *p = text;
  while (*p) {
    char *end = NULL;
    errno = 0;
    double v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || count >= max) return -1;
    out[count++] = v;
    if (*end == ',') {
      p = end + 1;
      if (!*p) return -1;
    } else if (*end == '\0') {
      p = end;
    } else {
      return -1;
    }
  }
  return count;
}

void cli_print_problems(rom_ctx *ctx, const char *indent) {
  for (int i = 0; i < rom_problem_count(); ++i) {
    const rom_problem_ops *ops = rom_problem_ops_at(i);
    const int aka = ops->aliases && ops->aliases[0];
    cli_printf(ctx, "%s%-4s %s%s%s%s\n", indent, ops->name, ops->summary, aka ? " [" : "",
               aka ? ops->aliases : "", aka ? "]" : "");
  }
}

const char *cli_error_sentence(rom_ctx *ctx, char *buf, size_t len) {
  /* "ROM_ERR_X: sentence (function at file.c:123)\n  <- ...": keep the sentence */
  const char *m = rom_ctx_last_error(ctx), *colon = strstr(m, ": ");
  const char *start = colon ? colon + 2 : m, *nl = strchr(start, '\n');
  size_t n = nl ? (size_t)(nl - start) : strlen(start);
  if (len == 0) return buf;
  if (n >= len) n = len - 1;
  memcpy(buf, start, n);
  buf[n] = '\0';
  char *where = NULL;
  for (char *p = strstr(buf, " ("); p; p = strstr(p + 1, " ("))
    where = p;
  if (where && strstr(where, " at ") && where[strlen(where) - 1] == ')') *where = '\0';
  return buf;
}
