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

/* ---- method families (the library's tables) ---------------------------------------------- */

static int family_count(cli_family family) {
  switch (family) {
  case CLI_SVD_METHODS:
    return rom_svd_method_count();
  case CLI_HYPER_METHODS:
    return rom_hyper_method_count();
  case CLI_ACTIVATIONS:
    return rom_activation_count();
  case CLI_DMD_METHODS:
    return rom_dmd_method_count();
  }
  return 0;
}

static const char *family_name(cli_family family, int i) {
  switch (family) {
  case CLI_SVD_METHODS:
    return rom_svd_method_name((rom_svd_method)i);
  case CLI_HYPER_METHODS:
    return rom_hyper_method_name((rom_hyper_method)i);
  case CLI_ACTIVATIONS:
    return rom_activation_name((rom_activation)i);
  case CLI_DMD_METHODS:
    return rom_dmd_method_name((rom_dmd_method)i);
  }
  return "unknown";
}

static const char *family_description(cli_family family, int i) {
  switch (family) {
  case CLI_SVD_METHODS:
    return rom_svd_method_description((rom_svd_method)i);
  case CLI_HYPER_METHODS:
    return rom_hyper_method_description((rom_hyper_method)i);
  case CLI_ACTIVATIONS:
    return rom_activation_description((rom_activation)i);
  case CLI_DMD_METHODS:
    return rom_dmd_method_description((rom_dmd_method)i);
  }
  return "";
}

static unsigned family_rules(cli_family family, int i) {
  switch (family) {
  case CLI_SVD_METHODS:
    return rom_svd_method_rules((rom_svd_method)i);
  case CLI_HYPER_METHODS:
    return rom_hyper_method_rules((rom_hyper_method)i);
  case CLI_ACTIVATIONS:
    return 0u;
  case CLI_DMD_METHODS:
    return rom_dmd_method_rules((rom_dmd_method)i);
  }
  return 0u;
}

/* Appends printf output to buf at *used, never past size. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...) {
  va_list ap;
  if (*used >= size) return;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *used, size - *used, fmt, ap);
  va_end(ap);
  if (w > 0) *used = *used + (size_t)w < size ? *used + (size_t)w : size - 1;
}

const char *cli_list_names(cli_family family, unsigned mask, unsigned value, const char *last,
                           char *buf, size_t size) {
  const int n = family_count(family);
  int total = 0, done = 0;
  size_t used = 0;
  if (!buf || size == 0) return "";
  buf[0] = '\0';
  for (int i = 0; i < n; ++i)
    total += (family_rules(family, i) & mask) == value;
  for (int i = 0; i < n; ++i) {
    if ((family_rules(family, i) & mask) != value) continue;
    append(buf, size, &used, "%s%s", done == 0 ? "" : (done == total - 1 ? last : ", "),
           family_name(family, i));
    ++done;
  }
  return buf;
}

#define CLI_HELP_WIDTH 92 /* the help texts' line width */

const char *cli_describe_names(cli_family family, int indent, int default_member, char *buf,
                               size_t size) {
  const int n = family_count(family);
  int width = 0;
  size_t used = 0;
  if (!buf || size == 0) return "";
  buf[0] = '\0';
  for (int i = 0; i < n; ++i) {
    int len = (int)strlen(family_name(family, i));
    width = len > width ? len : width;
  }
  for (int i = 0; i < n; ++i) {
    char text[512];
    const char *word = text;
    int column = indent + width + 2;
    snprintf(text, sizeof text, "%s%s%s", family_description(family, i),
             family != CLI_HYPER_METHODS                                ? ""
             : (family_rules(family, i) & ROM_HYPER_RULE_EXACT_SAMPLES) ? "; NS = NB"
                                                                        : "; NS >= NB",
             i == default_member ? "; the default" : "");
    append(buf, size, &used, "%*s%-*s  ", indent, "", width, family_name(family, i));
    /* the description, word by word, wrapped at CLI_HELP_WIDTH under its first column */
    for (int first = 1; *word;) {
      size_t len = strcspn(word, " ");
      if (!first && column + 1 + (int)len > CLI_HELP_WIDTH) {
        append(buf, size, &used, "\n%*s", indent + width + 2, "");
        column = indent + width + 2;
      } else if (!first) {
        append(buf, size, &used, " ");
        column += 1;
      }
      append(buf, size, &used, "%.*s", (int)len, word);
      column += (int)len;
      first = 0;
      word += len;
      while (*word == ' ')
        ++word;
    }
    append(buf, size, &used, "\n");
  }
  return buf;
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
  if (len > 0) snprintf(buf, len, "%s", rom_ctx_last_error_sentence(ctx));
  return buf;
}
