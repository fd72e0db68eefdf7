/* The romkit command-line program: shared helpers for the sub-commands.
 * Convention: a sub-command is `int cmd_NAME(rom_ctx *ctx, int argc, char **argv)`
 * (argv[0] is the sub-command's name) returning the process exit code:
 * 0 success, 1 failure of the computation, 2 bad arguments (one-line message). */
#ifndef ROMKIT_APPS_CLI_H
#define ROMKIT_APPS_CLI_H

#include "romkit.h"

#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

/* ---- the conventions every command shares (docs/user-guide.md, "Command-line conventions")
 * Global options, accepted before or after the command name and removed from its argv:
 *   -v/--verbose, -q/--quiet, --log-level silent|error|warning|info|debug (also 0..4; the
 *   last one given wins, over ROMKIT_LOG, over the default info), --json, --options FILE.
 * --options FILE: one "--flag [value]" per line, '#' comments, blank lines; merged under
 * the command line (a flag the command line gives is taken from the command line), as
 * PETSc's -options_file. */
typedef struct {
  int argc;       /* the command's argv after the merge: argv[0] is the command's name */
  char **argv;    /* (NULL when no command was given) */
  int json;       /* --json */
  int help;       /* -h/--help before the command name (or no command) */
  int version;    /* --version before the command name */
  char **storage; /* owned strings and vector (cli_globals_release) */
} cli_globals;

/* Reads the global options and the options file out of the program's argv, sets the
 * context's log level, and fills *g. Returns CLI_EXIT_OK or CLI_EXIT_USAGE (message printed
 * on rank 0, naming the file and line for an options-file error). Not collective: every
 * rank reads the options file itself. */
int cli_globals_parse(rom_ctx *ctx, int argc, char **argv, cli_globals *g);
void cli_globals_release(cli_globals *g);

/* JSON mode (--json): cli_json_start keeps the real stdout for the JSON and points file
 * descriptor 1 at stderr, so that every human line (ours, the library's, HDF5's) goes to
 * stderr and stdout holds one JSON object. cli_json_mode() says whether it is on. */
void cli_json_start(void);
int cli_json_mode(void);
/* The stream the JSON goes to (stdout, or the kept stdout in JSON mode). */
FILE *cli_json_stream(void);
/* A small JSON writer, rank 0 only: cli_json_begin opens the top-level object, each call
 * adds one member (non-finite numbers are written as null), cli_json_object/_array open a
 * nested one (key NULL inside an array), cli_json_end closes the innermost (the top level:
 * with a newline and a flush). cli_json_raw inserts text that already is JSON. */
void cli_json_begin(rom_ctx *ctx);
void cli_json_string(rom_ctx *ctx, const char *key, const char *value);
void cli_json_number(rom_ctx *ctx, const char *key, double value);
void cli_json_integer(rom_ctx *ctx, const char *key, long long value);
void cli_json_numbers(rom_ctx *ctx, const char *key, const double *values, long long count);
void cli_json_raw(rom_ctx *ctx, const char *key, const char *json);
void cli_json_object(rom_ctx *ctx, const char *key);
void cli_json_array(rom_ctx *ctx, const char *key);
void cli_json_end(rom_ctx *ctx);
/* printf to the JSON stream, rank 0 only (JSON written by hand: the benchmarks). */
void cli_json_printf(rom_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "romkit <cmd>: <message>" (rank 0) and returns CLI_EXIT_USAGE. */
int cli_usage_error(rom_ctx *ctx, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prints romkit's last error for a failed call (rank 0 and any rank whose message
 * differs) and returns CLI_EXIT_FAILURE. */
int cli_fail(rom_ctx *ctx, const char *cmd, int code);
/* printf on rank 0 only (stdout; stderr in JSON mode). */
void cli_printf(rom_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The tail of a sub-command's option loop, for a word `a` that is no known option: '-x' is
 * "unknown option '-x'" (with " for 'SUB'" when sub is given), the first other word is the
 * input file (*input), a second one "more than one WHAT ('A' and 'B')". Returns
 * CLI_EXIT_OK or CLI_EXIT_USAGE (message printed). */
int cli_take_input(rom_ctx *ctx, const char *cmd, const char *sub, const char *a,
                   const char **input, const char *what);
/* True if argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);
/* Strict number parsing: the whole string must be a number. Return 0 on success. */
int cli_parse_double(const char *text, double *out);
int cli_parse_int(const char *text, rom_int *out);
/* Parses a size like "2GiB", "512MiB", "1e9" into bytes. */
int cli_parse_bytes(const char *text, double *out);
/* Comma-separated doubles, at most `max`; returns the count or -1. */
int cli_parse_double_list(const char *text, double *out, int max);

/* Method families: the library's tables (romkit/pod.h, hyper.h, autoencoder.h), read by
 * the help texts and the "unknown name" errors so that no sub-command spells a name. */
typedef enum { CLI_SVD_METHODS, CLI_HYPER_METHODS, CLI_ACTIVATIONS, CLI_DMD_METHODS } cli_family;
/* The names of the family's members whose rules r satisfy (r & mask) == value (0, 0: all),
 * in table order, joined by ", " and `last` before the final one ("gnat, sopt or
 * deim-os"), into buf (truncated to size). Returns buf. */
const char *cli_list_names(cli_family family, unsigned mask, unsigned value, const char *last,
                           char *buf, size_t size);
/* Help lines, one per member: `indent` spaces, the name padded to the longest, its
 * one-line description (wrapped), its rules where the family has some (hyper: NS = NB or
 * NS >= NB) and "; the default" for the member numbered default_member (-1: none). Into buf
 * (truncated to size); returns buf. */
const char *cli_describe_names(cli_family family, int indent, int default_member, char *buf,
                               size_t size);

/* Sub-commands (one file each in apps/). */
/* The registered problems (romkit/problem.h), one "indent NAME  summary" line each, for the
 * help texts of the sub-commands that take --problem. Rank 0 prints. */
void cli_print_problems(rom_ctx *ctx, const char *indent);
/* The sentence of the context's last error without its code name, place and traceback, for
 * a usage error that quotes the library's reason. Returns buf. */
const char *cli_error_sentence(rom_ctx *ctx, char *buf, size_t len);

int cmd_pod(rom_ctx *ctx, int argc, char **argv);
int cmd_info(rom_ctx *ctx, int argc, char **argv);
int cmd_demo(rom_ctx *ctx, int argc, char **argv);
int cmd_bench(rom_ctx *ctx, int argc, char **argv);
int cmd_hyper(rom_ctx *ctx, int argc, char **argv);
int cmd_reproduce(rom_ctx *ctx, int argc, char **argv);
int cmd_greedy_nonlinear(rom_ctx *ctx, int argc, char **argv);
int cmd_sweep(rom_ctx *ctx, int argc, char **argv);
int cmd_greedy(rom_ctx *ctx, int argc, char **argv);
int cmd_train(rom_ctx *ctx, int argc, char **argv);
int cmd_interp(rom_ctx *ctx, int argc, char **argv);
int cmd_dmd(rom_ctx *ctx, int argc, char **argv);
int cmd_export_snapshots(rom_ctx *ctx, int argc, char **argv);
int cmd_optimize(rom_ctx *ctx, int argc, char **argv);
/* `romkit bench` targets. */
int bench_pod(rom_ctx *ctx, int argc, char **argv);
int bench_svd(rom_ctx *ctx, int argc, char **argv);
int bench_heat(rom_ctx *ctx, int argc, char **argv);

#endif
