/* The progress reporter and the stage timers (romkit/progress.h): the ETA arithmetic, the
 * throttle (time and count), the last line always printed (once), silence under a quiet
 * log threshold, and the timing summary's table. */
#include "testutil.h"

#include <string.h>

typedef struct {
  int calls;
  char lines[64][256];
} log_capture;

static void capture_log(void *user, rom_log_level level, const char *line) {
  log_capture *c = user;
  (void)level;
  if (c->calls < 64) snprintf(c->lines[c->calls], sizeof c->lines[0], "%s", line);
  c->calls++;
}

static void test_eta(void) {
  /* 30 of 100 units in 12 s: 70 left at 0.4 s each = 28 s */
  CHECK_CLOSE(rom_progress_eta(12.0, 30, 100), 28.0, 1e-14, "ETA 30/100 in 12 s");
  CHECK_CLOSE(rom_progress_eta(5.0, 1, 3), 10.0, 1e-14, "ETA 1/3 in 5 s");
  CHECK(rom_progress_eta(5.0, 3, 3) == 0.0, "ETA 0 when done");
  CHECK(rom_progress_eta(5.0, 0, 3) < 0.0, "ETA unknown before the first unit");
  char b[32];
  CHECK(!strcmp(rom_progress_format_seconds(12.44, b, sizeof b), "12.4 s"), "12.4 s: %s", b);
  CHECK(!strcmp(rom_progress_format_seconds(245.0, b, sizeof b), "4m05s"), "4m05s: %s", b);
  CHECK(!strcmp(rom_progress_format_seconds(7380.0, b, sizeof b), "2h03m"), "2h03m: %s", b);
  CHECK(!strcmp(rom_progress_format_seconds(-1.0, b, sizeof b), "?"), "unknown: %s", b);
}

static void test_throttle(rom_ctx *ctx) {
  log_capture c;
  rom_progress p;
  memset(&c, 0, sizeof c);
  rom_ctx_set_log_fn(ctx, capture_log, &c);
  rom_ctx_set_log_level(ctx, ROM_LOG_INFO);
  rom_progress_start(&p, ctx, "FOM steps", 1000);
  const double t0 = p.start;
  /* count throttle: 10 % of 1000 = 100 units (and 0.2 s); time throttle 2 s */
  CHECK(rom_progress_update_at(&p, 50, t0 + 0.1) == 0, "50/1000 after 0.1 s: no line");
  CHECK(rom_progress_update_at(&p, 100, t0 + 0.1) == 0, "100/1000 after 0.1 s: no line yet");
  CHECK(rom_progress_update_at(&p, 100, t0 + 0.3) == 1, "100/1000 after 0.3 s: a line (10 %%)");
  CHECK(rom_progress_update_at(&p, 150, t0 + 0.4) == 0, "150/1000 after 0.1 s more: no line");
  CHECK(rom_progress_update_at(&p, 160, t0 + 2.4) == 1, "160/1000 after 2.1 s more: a line");
  CHECK(rom_progress_update_at(&p, 160, t0 + 9.0) == 0, "no progress: no line");
  CHECK(c.calls == 2, "2 lines, got %d", c.calls);
  CHECK(strstr(c.lines[0], "FOM steps: 100/1000 (10%)") != NULL, "line: %s", c.lines[0]);
  /* 100 units in 0.3 s: 900 more take 2.7 s */
  CHECK(strstr(c.lines[0], "0.3 s elapsed, ETA 2.7 s") != NULL, "ETA in line: %s", c.lines[0]);
  /* the last line always, once, even right after another */
  CHECK(rom_progress_update_at(&p, 1000, t0 + 2.41) == 1, "last line printed");
  CHECK(rom_progress_update_at(&p, 1000, t0 + 5.0) == 0, "last line printed once");
  CHECK(c.calls == 3 && strstr(c.lines[2], "1000/1000 (100%), done in 2.4 s") != NULL,
        "last line: %s", c.lines[2]);
  CHECK(p.lines == 3, "3 lines counted, got %lld", (long long)p.lines);

  /* a total of 3: every unit is >= 10 % (and 0.5 s apart) */
  c.calls = 0;
  rom_progress_start(&p, ctx, "runs", 3);
  for (int i = 1; i <= 3; ++i)
    rom_progress_update_at(&p, i, p.start + 0.5 * i);
  CHECK(c.calls == 3, "3 of 3 lines, got %d", c.calls);
  CHECK(strstr(c.lines[1], "runs: 2/3 (67%)") != NULL && strstr(c.lines[1], "ETA") != NULL,
        "line 2: %s", c.lines[1]);
  /* a quick run (5 ms per unit): only the last line */
  c.calls = 0;
  rom_progress_start(&p, ctx, "quick run", 30);
  for (int i = 1; i <= 30; ++i)
    rom_progress_update_at(&p, i, p.start + 0.005 * i);
  CHECK(c.calls == 1 && strstr(c.lines[0], "quick run: 30/30 (100%)") != NULL,
        "quick run: the last line only, got %d", c.calls);

  /* the wall-clock wrapper prints the last line too */
  c.calls = 0;
  rom_progress_start(&p, ctx, "quick", 5);
  rom_progress_update(&p, 5);
  CHECK(c.calls == 1 && strstr(c.lines[0], "quick: 5/5") != NULL, "wrapper: last line");

  /* silent under a quiet threshold (-q, ROMKIT_LOG=2): nothing reaches the sink */
  c.calls = 0;
  rom_ctx_set_log_level(ctx, ROM_LOG_WARN);
  rom_progress_start(&p, ctx, "quiet", 4);
  for (int i = 1; i <= 4; ++i) {
    rom_progress_update(&p, i);
    rom_progress_update_at(&p, i, p.start + 10.0 * i);
  }
  CHECK(c.calls == 0, "no line under ROM_LOG_WARN, got %d", c.calls);
  rom_ctx_set_log_level(ctx, ROM_LOG_SILENT);
  rom_ctx_set_log_fn(ctx, NULL, NULL);
}

static void test_stages(rom_ctx *ctx) {
  log_capture c;
  memset(&c, 0, sizeof c);
  rom_ctx_set_log_fn(ctx, capture_log, &c);
  rom_ctx_set_log_level(ctx, ROM_LOG_INFO);
  CHECK(rom_stage_count(ctx) == 0, "no stage yet");
  CHECK_OK(ctx, rom_stage_summary(ctx));
  CHECK(c.calls == 0, "no summary without stages");
  for (int i = 0; i < 3; ++i) {
    rom_stage_begin(ctx, "outer");
    rom_stage_begin(ctx, "inner");
    rom_stage_begin(ctx, "inner"); /* ignored: already running */
    double t = MPI_Wtime();
    while (MPI_Wtime() - t < 0.002) {
    }
    rom_stage_end(ctx, "inner");
    rom_stage_end(ctx, "outer");
  }
  rom_stage_end(ctx, "never begun"); /* ignored */
  const char *name = NULL;
  rom_int count = 0;
  double outer = 0, inner = 0;
  CHECK(rom_stage_count(ctx) == 2, "2 stages, got %d", rom_stage_count(ctx));
  CHECK_OK(ctx, rom_stage_get(ctx, 0, &name, &count, &outer));
  CHECK(!strcmp(name, "outer") && count == 3, "outer x3: %s x%lld", name, (long long)count);
  CHECK_OK(ctx, rom_stage_get(ctx, 1, &name, &count, &inner));
  CHECK(!strcmp(name, "inner") && count == 3, "inner x3: %s x%lld", name, (long long)count);
  CHECK(inner >= 0.006 && outer >= inner, "times: outer %g >= inner %g >= 0.006", outer, inner);
  CHECK(rom_stage_get(ctx, 2, NULL, NULL, NULL) == ROM_ERR_ARG, "stage 2 does not exist");
  CHECK_OK(ctx, rom_stage_summary(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    CHECK(c.calls == 5, "summary: header, column names, 2 stages, run: %d lines", c.calls);
    CHECK(strstr(c.lines[0], "timing summary") != NULL, "header: %s", c.lines[0]);
    CHECK(strstr(c.lines[2], "outer") != NULL && strstr(c.lines[2], "     3 ") != NULL,
          "outer row: %s", c.lines[2]);
    CHECK(strstr(c.lines[4], "100.0%") != NULL, "run row: %s", c.lines[4]);
  }
  /* quiet: the summary is silent too */
  c.calls = 0;
  rom_ctx_set_log_level(ctx, ROM_LOG_WARN);
  CHECK_OK(ctx, rom_stage_summary(ctx));
  CHECK(c.calls == 0, "no summary under ROM_LOG_WARN");
  rom_stage_reset(ctx);
  CHECK(rom_stage_count(ctx) == 0, "reset");
  rom_ctx_set_log_level(ctx, ROM_LOG_SILENT);
  rom_ctx_set_log_fn(ctx, NULL, NULL);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_eta();
  test_throttle(ctx);
  test_stages(ctx);
  return test_finish(&ctx);
}
