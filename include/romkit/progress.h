/* romkit — progress lines and stage timers of long runs (docs/user-guide.md, "Progress and
 * timing").
 *
 * A progress reporter prints "LABEL: 30/100 (30%), 12.4 s elapsed, ETA 28.9 s" through the
 * context's logger (rom_log, ROM_LOG_INFO, rank 0 only), so it obeys the log threshold and
 * the log sink like every other line of the library. Lines are throttled: one when at least
 * `min_seconds` (default 2) have passed since the last one, or when the count has advanced
 * by `min_fraction` (default 10 %) of the total and a tenth of `min_seconds` has passed, and
 * always the last one (count == total), so a run of a second prints one line, a long one
 * about one per 10 % or per 2 s.
 * The ETA is the elapsed time scaled by the work left: elapsed * (total - done) / done.
 *
 * Stage timers add up the wall time of named stages on the context (begin / end, nested
 * stages counted inclusively), and rom_stage_summary prints a table in the spirit of PETSc's
 * -log_view: per stage its count, total seconds (max over ranks) and share of the run. The
 * romkit program prints it at the end of every command that timed a stage. */
#ifndef ROMKIT_PROGRESS_H
#define ROMKIT_PROGRESS_H

#include "romkit/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A progress reporter: a plain record, initialised by rom_progress_start (no allocation). */
typedef struct {
  const rom_ctx *ctx;
  char label[96];
  rom_int total;       /* units of work (>= 1) */
  double min_seconds;  /* throttle: at most one line per this many seconds (default 2) */
  double min_fraction; /* ... unless the count advanced by this share of total (default 0.1) */
  double start;        /* rom_wtime() at the start */
  double last_time;    /* of the last line printed */
  rom_int last_done;   /* count of the last line printed (-1: none yet) */
  rom_int lines;       /* lines printed so far */
} rom_progress;

/* rom_progress_start - starts a reporter of `total` units named `label` (copied, truncated).
 * total < 1 is taken as 1. Prints nothing. Not collective. */
void rom_progress_start(rom_progress *p, const rom_ctx *ctx, const char *label, rom_int total);

/* rom_progress_update - `done` units are complete (0 .. total): prints a line when the
 * throttle allows it, and always when done == total (once). Not collective (rank 0 prints). */
void rom_progress_update(rom_progress *p, rom_int done);

/* rom_progress_update_at - the same at a given time `now` (seconds on rom_wtime's clock):
 * for tests of the throttle and the ETA. Returns 1 if a line was due (and logged, where the
 * log level lets it through), else 0. */
int rom_progress_update_at(rom_progress *p, rom_int done, double now);

/* rom_progress_eta - seconds left after `done` of `total` units took `elapsed` seconds:
 * elapsed * (total - done) / done; 0 when done >= total, -1 (unknown) when done <= 0. */
double rom_progress_eta(double elapsed, rom_int done, rom_int total);

/* rom_progress_format_seconds - "12.4 s", "4m05s" or "2h03m" into buf. Returns buf. */
const char *rom_progress_format_seconds(double seconds, char *buf, size_t len);

/* ---- stage timers ------------------------------------------------------------------------ */

#define ROM_STAGE_MAX 32      /* distinct stage names per context */
#define ROM_STAGE_NAME_MAX 48 /* longer names are truncated */

/* rom_stage_begin / rom_stage_end - start and stop the timer of stage `name` (created on
 * first use; a begin while the stage runs, an end while it does not, and stages beyond
 * ROM_STAGE_MAX are ignored). A stage may run inside another: both count the time. Not
 * collective. */
void rom_stage_begin(rom_ctx *ctx, const char *name);
void rom_stage_end(rom_ctx *ctx, const char *name);

/* rom_stage_count - the number of stages timed on ctx so far. Not collective. */
int rom_stage_count(const rom_ctx *ctx);

/* rom_stage_get - stage i's name, count (completed begin/end pairs) and seconds on this rank.
 * ROM_ERR_ARG for i outside 0 .. rom_stage_count - 1. Not collective. */
int rom_stage_get(const rom_ctx *ctx, int i, const char **name, rom_int *count, double *seconds);

/* rom_stage_summary - logs (ROM_LOG_INFO, rank 0) the table of the stages: count, seconds
 * (max over ranks) and % of the run (the wall time since the first stage began). Prints
 * nothing when no stage was timed. Collective on ctx (two reductions; ranks that timed
 * different stages print rank 0's own times, and say so). */
int rom_stage_summary(rom_ctx *ctx);

/* rom_stage_reset - forgets every stage timer. Not collective. */
void rom_stage_reset(rom_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
