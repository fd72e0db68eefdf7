/* Progress lines and stage timers (romkit/progress.h; docs/user-guide.md, "Progress and
 * timing"). Everything prints through rom_log at ROM_LOG_INFO, so the context's threshold
 * (-q, ROMKIT_LOG=0) silences it and a host's log sink receives it. */
#include "core/check.h"
#include "core/context_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PROGRESS_MIN_SECONDS 2.0
#define PROGRESS_MIN_FRACTION 0.1

void rom_progress_start(rom_progress *p, const rom_ctx *ctx, const char *label, rom_int total) {
  if (!p) return;
  memset(p, 0, sizeof *p);
  p->ctx = ctx;
  snprintf(p->label, sizeof p->label, "%s", label ? label : "progress");
  p->total = total >= 1 ? total : 1;
  p->min_seconds = PROGRESS_MIN_SECONDS;
  p->min_fraction = PROGRESS_MIN_FRACTION;
  p->start = p->last_time = rom_wtime();
  p->last_done = 0;
  p->lines = 0;
}

double rom_progress_eta(double elapsed, rom_int done, rom_int total) {
  if (done <= 0) return -1.0;
  if (done >= total) return 0.0;
  return elapsed * (double)(total - done) / (double)done;
}

const char *rom_progress_format_seconds(double s, char *buf, size_t len) {
  if (!buf || len == 0) return buf;
  if (!(s >= 0.0) || !isfinite(s)) {
    snprintf(buf, len, "?");
  } else if (s < 60.0) {
    snprintf(buf, len, "%.1f s", s);
  } else if (s < 3600.0) {
    const long t = (long)(s + 0.5);
    snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
  } else {
    const long t = (long)(s / 60.0 + 0.5);
    snprintf(buf, len, "%ldh%02ldm", t / 60, t % 60);
  }
  return buf;
}

int rom_progress_update_at(rom_progress *p, rom_int done, double now) {
  if (!p) return 0;
  if (done > p->total) done = p->total;
  if (done < 0) done = 0;
  const int last = done == p->total;
  /* the last line once; otherwise only forward, and only when the throttle allows */
  if (last && p->last_done == p->total && p->lines > 0) return 0;
  if (!last) {
    const double step = p->min_fraction * (double)p->total;
    const int by_time = now - p->last_time >= p->min_seconds;
    /* a count step needs a tenth of the time step too: a run of a second prints its last
     * line, not ten lines a few milliseconds apart */
    const int by_count = (double)(done - p->last_done) >= (step >= 1.0 ? step : 1.0) &&
                         now - p->last_time >= 0.1 * p->min_seconds;
    if (done <= p->last_done || !(by_time || by_count)) return 0;
  }
  char el[32], eta[32];
  const double elapsed = now - p->start;
  rom_progress_format_seconds(elapsed, el, sizeof el);
  if (last)
    rom_log(p->ctx, ROM_LOG_INFO, "%s: %lld/%lld (100%%), done in %s", p->label, (long long)done,
            (long long)p->total, el);
  else
    rom_log(
        p->ctx, ROM_LOG_INFO, "%s: %lld/%lld (%.0f%%), %s elapsed, ETA %s", p->label,
        (long long)done, (long long)p->total, 100.0 * (double)done / (double)p->total, el,
        rom_progress_format_seconds(rom_progress_eta(elapsed, done, p->total), eta, sizeof eta));
  p->last_done = done;
  p->last_time = now;
  p->lines++;
  return 1;
}

void rom_progress_update(rom_progress *p, rom_int done) {
  /* the clock is read only where a line may be due: rank 0 with the level let through */
  if (!p || !p->ctx || rom_ctx_rank(p->ctx) != 0 || rom_ctx_log_level(p->ctx) < ROM_LOG_INFO)
    return;
  rom_progress_update_at(p, done, rom_wtime());
}

/* ---- stage timers ------------------------------------------------------------------------ */

static int stage_find(rom_ctx *ctx, const char *name, int create) {
  char key[ROM_STAGE_NAME_MAX];
  snprintf(key, sizeof key, "%s", name);
  for (int i = 0; i < ctx->nstages; ++i)
    if (!strcmp(ctx->stages[i].name, key)) return i;
  if (!create || ctx->nstages >= ROM_STAGE_MAX) return -1;
  const int i = ctx->nstages++;
  memcpy(ctx->stages[i].name, key, sizeof key);
  ctx->stages[i].count = 0;
  ctx->stages[i].seconds = 0.0;
  ctx->stages[i].started = -1.0;
  return i;
}

void rom_stage_begin(rom_ctx *ctx, const char *name) {
  if (!ctx || !name) return;
  const double now = rom_wtime();
  if (ctx->nstages == 0) ctx->stages_t0 = now;
  const int i = stage_find(ctx, name, 1);
  if (i < 0 || ctx->stages[i].started >= 0.0) return;
  ctx->stages[i].started = now;
}

void rom_stage_end(rom_ctx *ctx, const char *name) {
  if (!ctx || !name) return;
  const int i = stage_find(ctx, name, 0);
  if (i < 0 || ctx->stages[i].started < 0.0) return;
  ctx->stages[i].seconds += rom_wtime() - ctx->stages[i].started;
  ctx->stages[i].count++;
  ctx->stages[i].started = -1.0;
}

int rom_stage_count(const rom_ctx *ctx) {
  return ctx ? ctx->nstages : 0;
}

int rom_stage_get(const rom_ctx *ctx, int i, const char **name, rom_int *count, double *seconds) {
  if (!ctx || i < 0 || i >= ctx->nstages) return ROM_ERR_ARG;
  if (name) *name = ctx->stages[i].name;
  if (count) *count = ctx->stages[i].count;
  if (seconds) *seconds = ctx->stages[i].seconds;
  return ROM_OK;
}

void rom_stage_reset(rom_ctx *ctx) {
  if (ctx) ctx->nstages = 0;
}

int rom_stage_summary(rom_ctx *ctx) {
  int err = ROM_OK;
  if (!ctx) return ROM_ERR_ARG;
  const int n = ctx->nstages;
  int nmin = n, nmax = n, same = 1;
  double local[ROM_STAGE_MAX + 1], global[ROM_STAGE_MAX + 1];
  /* ranks that timed different stages cannot be reduced entry by entry */
  ROM_MPI(ctx, MPI_Allreduce(&n, &nmin, 1, MPI_INT, MPI_MIN, ctx->comm));
  ROM_MPI(ctx, MPI_Allreduce(&n, &nmax, 1, MPI_INT, MPI_MAX, ctx->comm));
  if (nmax == 0) goto cleanup;
  same = nmin == nmax;
  for (int i = 0; i < n; ++i)
    local[i] = ctx->stages[i].seconds;
  local[n] = rom_wtime() - ctx->stages_t0; /* the run: since the first stage began */
  memcpy(global, local, sizeof(double) * (size_t)(n + 1));
  if (same) ROM_MPI(ctx, MPI_Allreduce(local, global, n + 1, MPI_DOUBLE, MPI_MAX, ctx->comm));
  if (n == 0) goto cleanup; /* rank 0 timed nothing: nothing to print there */
  {
    const double run = global[n] > 0.0 ? global[n] : 1e-300;
    rom_log(ctx, ROM_LOG_INFO,
            "timing summary (wall seconds, %s%d rank%s; a stage inside another counts in both):",
            same ? "max over " : "rank 0 of ", ctx->size, ctx->size == 1 ? "" : "s");
    rom_log(ctx, ROM_LOG_INFO, "  %-40s %6s %11s %9s", "stage", "count", "seconds", "% of run");
    for (int i = 0; i < n; ++i)
      rom_log(ctx, ROM_LOG_INFO, "  %-40s %6lld %11.3f %8.1f%%", ctx->stages[i].name,
              (long long)ctx->stages[i].count, global[i], 100.0 * global[i] / run);
    rom_log(ctx, ROM_LOG_INFO, "  %-40s %6s %11.3f %8.1f%%", "run (since the first stage)", "",
            global[n], 100.0);
  }
cleanup:
  return err;
}
