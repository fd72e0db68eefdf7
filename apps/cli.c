/* Shared helpers of the romkit command-line program. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fdopen: the JSON mode's stdout */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- global options and the options file ------------------------------------------------ */

#define CLI_OPTIONS_LINE_MAX 4096

/* A log level by name or number (0..4); -1 if neither. */
static int parse_level(const char *text) {
  static const char *const names[] = {"silent", "error", "warning", "info", "debug"};
  if (!text) return -1;
  for (int i = 0; i < 5; ++i)
    if (!strcmp(text, names[i])) return i;
  if (!strcmp(text, "warn")) return ROM_LOG_WARN;
  if (text[0] >= '0' && text[0] <= '4' && text[1] == '\0') return text[0] - '0';
  return -1;
}

/* Takes one global option at argv[*i] (advancing *i past its value); 1 if it was one, 0 if
 * not, -1 on a bad value (message printed). */
static int take_global(rom_ctx *ctx, int argc, char **argv, int *i, int *level, int *json) {
  const char *a = argv[*i];
  if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
    *level = ROM_LOG_DEBUG;
  } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
    *level = ROM_LOG_ERROR;
  } else if (!strcmp(a, "--json")) {
    *json = 1;
  } else if (!strcmp(a, "--log-level")) {
    if (*i + 1 >= argc || (*level = parse_level(argv[*i + 1])) < 0) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr,
                "romkit: --log-level needs one of silent, error, warning, info, debug (or "
                "0..4)%s%s%s\n",
                *i + 1 < argc ? ", got '" : "", *i + 1 < argc ? argv[*i + 1] : "",
                *i + 1 < argc ? "'" : "");
      return -1;
    }
    ++*i;
  } else {
    return 0;
  }
  return 1;
}

static void strip(char **begin, char **end) {
  while (*begin < *end && isspace((unsigned char)**begin))
    ++*begin;
  while (*end > *begin && isspace((unsigned char)(*end)[-1]))
    --*end;
}

/* Appends a copy of [begin, end) to the owned strings; NULL if out of memory. */
static char *own(cli_globals *g, int *nstore, const char *begin, size_t len) {
  char *copy = malloc(len + 1);
  if (!copy) return NULL;
  memcpy(copy, begin, len);
  copy[len] = '\0';
  g->storage[(*nstore)++] = copy;
  return copy;
}

/* Reads the options file into flags[]/values[] (values[j] NULL for a flag alone). Returns
 * the count, or -1 after printing "romkit: options file 'F', line L: ...". */
static int read_options_file(rom_ctx *ctx, const char *path, cli_globals *g, int *nstore, int max,
                             char **flags, char **values) {
  FILE *f = fopen(path, "r");
  char line[CLI_OPTIONS_LINE_MAX];
  int count = 0, lineno = 0, rc = 0;
  const int say = rom_ctx_rank(ctx) == 0;
  if (!f) {
    if (say) fprintf(stderr, "romkit: --options '%s': cannot open: %s\n", path, strerror(errno));
    return -1;
  }
  while (fgets(line, sizeof line, f)) {
    ++lineno;
    size_t len = strlen(line);
    if (len + 1 == sizeof line && line[len - 1] != '\n') {
      if (say)
        fprintf(stderr, "romkit: options file '%s', line %d: longer than %d characters\n", path,
                lineno, CLI_OPTIONS_LINE_MAX - 2);
      rc = -1;
      break;
    }
    /* a comment starts at a '#' at the beginning or after a blank */
    for (char *h = line; *h; ++h)
      if (*h == '#' && (h == line || isspace((unsigned char)h[-1]))) {
        *h = '\0';
        break;
      }
    char *begin = line, *end = line + strlen(line);
    strip(&begin, &end);
    if (begin == end) continue;
    char *flag_end = begin;
    while (flag_end < end && !isspace((unsigned char)*flag_end))
      ++flag_end;
    if (begin[0] != '-' || flag_end - begin < 2 || !strncmp(begin, "--options", 9)) {
      if (say)
        fprintf(stderr,
                "romkit: options file '%s', line %d: expected '--flag [value]', got '%.*s'%s\n",
                path, lineno, (int)(end - begin), begin,
                !strncmp(begin, "--options", 9) ? " (options files do not nest)" : "");
      rc = -1;
      break;
    }
    char *value = flag_end;
    strip(&value, &end);
    /* a value in matching quotes keeps its blanks: "my file.h5" */
    if (end - value >= 2 && (value[0] == '"' || value[0] == '\'') && end[-1] == value[0])
      ++value, --end;
    if (count == max || !(flags[count] = own(g, nstore, begin, (size_t)(flag_end - begin))) ||
        (value < end && !(values[count] = own(g, nstore, value, (size_t)(end - value))))) {
      if (say)
        fprintf(stderr, "romkit: options file '%s', line %d: more than %d options\n", path, lineno,
                max);
      rc = -1;
      break;
    }
    if (value >= end) values[count] = NULL;
    ++count;
  }
  if (rc == 0 && ferror(f)) {
    if (say) fprintf(stderr, "romkit: --options '%s': read error: %s\n", path, strerror(errno));
    rc = -1;
  }
  fclose(f);
  return rc < 0 ? -1 : count;
}

void cli_globals_release(cli_globals *g) {
  if (!g || !g->storage) return;
  for (char **s = g->storage; *s; ++s)
    free(*s);
  free(g->storage);
  free(g->argv);
  g->storage = NULL;
  g->argv = NULL;
}

#define CLI_OPTIONS_MAX 256

int cli_globals_parse(rom_ctx *ctx, int argc, char **argv, cli_globals *g) {
  const int say = rom_ctx_rank(ctx) == 0;
  int level = ROM_LOG_INFO, json = 0, nstore = 0, nfile = 0, command = 0;
  const char *options_path = NULL;
  char *flags[CLI_OPTIONS_MAX], *values[CLI_OPTIONS_MAX];
  memset(g, 0, sizeof *g);
  /* the owned strings: at most two per options-file line, NULL-terminated */
  g->storage = calloc(2 * CLI_OPTIONS_MAX + 1, sizeof *g->storage);
  g->argv = calloc((size_t)argc + 2 * CLI_OPTIONS_MAX + 1, sizeof *g->argv);
  if (!g->storage || !g->argv) {
    if (say) fprintf(stderr, "romkit: out of memory reading the command line\n");
    cli_globals_release(g);
    return CLI_EXIT_USAGE;
  }
  const char *env = getenv("ROMKIT_LOG");
  if (env && *env && (level = parse_level(env)) < 0) {
    if (say)
      fprintf(stderr,
              "romkit: ROMKIT_LOG='%s' is not one of silent, error, warning, info, debug (or "
              "0..4)\n",
              env);
    goto usage;
  }
  /* --options FILE, anywhere; then the command's name: the first word that is not a global
   * option before it */
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--options")) {
      if (i + 1 >= argc || !argv[i + 1][0]) {
        if (say) fprintf(stderr, "romkit: --options needs a file name\n");
        goto usage;
      }
      if (options_path) {
        if (say) fprintf(stderr, "romkit: --options given twice\n");
        goto usage;
      }
      options_path = argv[++i];
    }
  }
  for (int i = 1; i < argc && !command; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--options") || !strcmp(a, "--log-level")) {
      ++i; /* its value: checked below */
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      g->help = 1;
    } else if (!strcmp(a, "--version")) {
      g->version = 1;
    } else if (strcmp(a, "-v") && strcmp(a, "--verbose") && strcmp(a, "-q") &&
               strcmp(a, "--quiet") && strcmp(a, "--json")) {
      command = i;
    }
  }
  if (options_path && (nfile = read_options_file(ctx, options_path, g, &nstore, CLI_OPTIONS_MAX,
                                                 flags, values)) < 0)
    goto usage;
  {
    /* The merged list: the globals before the command, the command's name, the options
     * file's flags that the command line does not give, then the command line's. */
    char **merged = malloc(((size_t)argc + 2 * CLI_OPTIONS_MAX + 1) * sizeof *merged);
    int n = 0, insert_after = command;
    if (!merged) goto usage;
    /* the file's flags go after the command's leading words (the action of 'dmd fit',
     * 'bench pod', 'interp heat', or an input file), before the command line's flags, so
     * that a parser that keeps the last value keeps the command line's */
    while (command && insert_after + 1 < argc && argv[insert_after + 1][0] != '-')
      ++insert_after;
    for (int i = 1; i < argc; ++i) {
      if (!strcmp(argv[i], "--options")) {
        ++i;
        continue;
      }
      merged[n++] = argv[i];
      if (!command || i != insert_after) continue;
      for (int j = 0; j < nfile; ++j) {
        int given = 0;
        for (int k = command + 1; k < argc && !given; ++k)
          given = !strcmp(argv[k], flags[j]);
        if (given) continue;
        merged[n++] = flags[j];
        if (values[j]) merged[n++] = values[j];
      }
    }
    if (!command) /* no command: the file's globals still count (romkit --options F --help) */
      for (int j = 0; j < nfile; ++j) {
        merged[n++] = flags[j];
        if (values[j]) merged[n++] = values[j];
      }
    /* the global options out, wherever they are */
    static char help_flag[] = "--help";
    int before = 1, help_before = 0;
    for (int i = 0; i < n; ++i) {
      int taken = take_global(ctx, n, merged, &i, &level, &json);
      if (taken < 0) {
        free(merged);
        goto usage;
      }
      if (taken) continue;
      if (before && (!strcmp(merged[i], "-h") || !strcmp(merged[i], "--help") ||
                     !strcmp(merged[i], "--version"))) {
        help_before |= strcmp(merged[i], "--version") != 0;
        continue;
      }
      g->argv[g->argc++] = merged[i];
      /* 'romkit -h pod' asks for pod's help, as 'romkit pod -h' does: the flag goes to the
       * command (g->argv has room: the flag itself was not copied) */
      if (before && help_before) g->argv[g->argc++] = help_flag;
      before = 0;
    }
    free(merged);
  }
  g->json = json;
  if (g->argc == 0) {
    free(g->argv);
    g->argv = NULL;
  }
  rom_ctx_set_log_level(ctx, (rom_log_level)level);
  return CLI_EXIT_OK;
usage:
  cli_globals_release(g);
  return CLI_EXIT_USAGE;
}

/* ---- JSON mode and writer --------------------------------------------------------------- */

static FILE *json_out = NULL; /* the kept stdout in JSON mode */
#define CLI_JSON_DEPTH 16
static int json_depth = 0;
static int json_first[CLI_JSON_DEPTH];    /* no member written yet at this depth */
static char json_bracket[CLI_JSON_DEPTH]; /* '{' or '[' */

void cli_json_start(void) {
  if (json_out) return;
  fflush(stdout);
  int fd = dup(STDOUT_FILENO);
  if (fd < 0 || !(json_out = fdopen(fd, "w"))) {
    json_out = NULL; /* no descriptor left: everything stays on stdout */
    if (fd >= 0) close(fd);
    return;
  }
  dup2(STDERR_FILENO, STDOUT_FILENO);
  setvbuf(stdout, NULL, _IOLBF, 0);
}

int cli_json_mode(void) {
  return json_out != NULL;
}

FILE *cli_json_stream(void) {
  return json_out ? json_out : stdout;
}

static void json_escaped(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* Writes the separator and the key of the next member; the stream, or NULL off rank 0. */
static FILE *json_member(rom_ctx *ctx, const char *key) {
  if (rom_ctx_rank(ctx) != 0 || json_depth == 0) return NULL;
  FILE *f = cli_json_stream();
  if (!json_first[json_depth - 1]) fputs(", ", f);
  json_first[json_depth - 1] = 0;
  if (key && json_bracket[json_depth - 1] == '{') {
    json_escaped(f, key);
    fputs(": ", f);
  }
  return f;
}

static void json_open(rom_ctx *ctx, const char *key, char bracket) {
  if (json_depth == CLI_JSON_DEPTH) return;
  FILE *f =
      json_depth == 0 ? (rom_ctx_rank(ctx) == 0 ? cli_json_stream() : NULL) : json_member(ctx, key);
  if (!f) return;
  fputc(bracket, f);
  json_first[json_depth] = 1;
  json_bracket[json_depth] = bracket;
  ++json_depth;
}

void cli_json_begin(rom_ctx *ctx) {
  json_depth = 0;
  json_open(ctx, NULL, '{');
}
void cli_json_object(rom_ctx *ctx, const char *key) {
  json_open(ctx, key, '{');
}
void cli_json_array(rom_ctx *ctx, const char *key) {
  json_open(ctx, key, '[');
}

void cli_json_end(rom_ctx *ctx) {
  if (rom_ctx_rank(ctx) != 0 || json_depth == 0) return;
  FILE *f = cli_json_stream();
  --json_depth;
  fputc(json_bracket[json_depth] == '[' ? ']' : '}', f);
  if (json_depth == 0) {
    fputc('\n', f);
    fflush(f);
  }
}

static void json_value(FILE *f, double value) {
  if (isfinite(value))
    fprintf(f, "%.12g", value);
  else
    fputs("null", f); /* JSON has no NaN or infinity */
}

void cli_json_string(rom_ctx *ctx, const char *key, const char *value) {
  FILE *f = json_member(ctx, key);
  if (f) json_escaped(f, value);
}
void cli_json_number(rom_ctx *ctx, const char *key, double value) {
  FILE *f = json_member(ctx, key);
  if (f) json_value(f, value);
}
void cli_json_integer(rom_ctx *ctx, const char *key, long long value) {
  FILE *f = json_member(ctx, key);
  if (f) fprintf(f, "%lld", value);
}
void cli_json_numbers(rom_ctx *ctx, const char *key, const double *values, long long count) {
  FILE *f = json_member(ctx, key);
  if (!f) return;
  fputc('[', f);
  for (long long i = 0; i < count; ++i) {
    if (i) fputs(", ", f);
    json_value(f, values[i]);
  }
  fputc(']', f);
}
void cli_json_printf(rom_ctx *ctx, const char *fmt, ...) {
  if (rom_ctx_rank(ctx) != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(cli_json_stream(), fmt, ap);
  va_end(ap);
  fflush(cli_json_stream());
}
void cli_json_raw(rom_ctx *ctx, const char *key, const char *json) {
  FILE *f = json_member(ctx, key);
  if (f) fputs(json, f);
}

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

/* The message with the error name once: a library message that quotes an inner failure
 * ("the mask ... is invalid: ROM_ERR_DIM: ...") would show a second name; the first one
 * (the outer failure's) is kept, the inner names are dropped. */
static void name_once(const char *message, char *out, size_t size) {
  size_t used = 0;
  int names = 0;
  for (const char *p = message; *p && used + 1 < size;) {
    if (!strncmp(p, "ROM_ERR_", 8) && (p == message || !isalnum((unsigned char)p[-1]))) {
      const char *q = p + 8;
      while (isupper((unsigned char)*q) || *q == '_')
        ++q;
      if (q[0] == ':' && q[1] == ' ' && names++ > 0) {
        p = q + 2;
        continue;
      }
    }
    out[used++] = *p++;
  }
  out[used] = '\0';
}

int cli_fail(rom_ctx *ctx, const char *cmd, int code) {
  const char *message = rom_ctx_last_error(ctx);
  if (rom_ctx_rank(ctx) == 0 || (message[0] && !strstr(message, "on another rank"))) {
    char once[2048];
    name_once(message, once, sizeof once);
    fprintf(stderr, "romkit %s: error: %s\n", cmd, once[0] ? once : rom_strerror(code));
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

int cli_take_input(rom_ctx *ctx, const char *cmd, const char *sub, const char *a,
                   const char **input, const char *what) {
  if (a[0] == '-' && a[1] != '\0')
    return cli_usage_error(ctx, cmd, "unknown option '%s'%s%s%s", a, sub ? " for '" : "",
                           sub ? sub : "", sub ? "'" : "");
  if (*input) return cli_usage_error(ctx, cmd, "more than one %s ('%s' and '%s')", what, *input, a);
  *input = a;
  return CLI_EXIT_OK;
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
      if (!isfinite(v * units[i].scale)) return -1; /* "1e308GiB" */
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
