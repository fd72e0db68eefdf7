/* Core: the error table, the context's error recording and traceback, the logger,
 * tracked allocation, and the counter-based RNG. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

/* librom internal API: error recording is exercised through it directly. */
#include "core/check.h"

typedef struct {
  int calls;
  rom_log_level last_level;
  char last_line[512];
} log_capture;

static void capture_log(void *user, rom_log_level level, const char *line) {
  log_capture *c = user;
  c->calls++;
  c->last_level = level;
  snprintf(c->last_line, sizeof c->last_line, "%s", line);
}

static int inner_failure(rom_ctx *ctx, int n) {
  int err = ROM_OK;
  ROM_CHECK(ctx, n >= 0, ROM_ERR_ARG, "n = %d must be >= 0", n);
cleanup:
  return err;
}

static int outer_call(rom_ctx *ctx, int n) {
  int err = ROM_OK;
  ROM_TRY(ctx, inner_failure(ctx, n));
cleanup:
  return err;
}

static void test_error_table(void) {
  CHECK(strcmp(rom_strerror(ROM_OK), "success") == 0, "ROM_OK message");
  CHECK(strcmp(rom_error_name(ROM_ERR_DIM), "ROM_ERR_DIM") == 0, "name of ROM_ERR_DIM");
  CHECK(strcmp(rom_strerror(12345), "unknown error code") == 0, "unknown code message");
  CHECK(strcmp(rom_error_name(-999), "ROM_ERR_UNKNOWN") == 0, "unknown code name");
  /* Every code in the table is negative (or 0), distinct, and has a message. */
  static const int codes[] = {
#define ROM_X_CODE(name, value, message) value,
      ROM_ERROR_TABLE(ROM_X_CODE)
#undef ROM_X_CODE
  };
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; ++i) {
    CHECK(codes[i] <= 0, "code %d is not <= 0", codes[i]);
    CHECK(strcmp(rom_strerror(codes[i]), "unknown error code") != 0, "code %d has no message",
          codes[i]);
    for (size_t j = i + 1; j < n; ++j)
      CHECK(codes[i] != codes[j], "duplicate code %d", codes[i]);
  }
}

static void test_context(rom_ctx *ctx) {
  CHECK(rom_ctx_create(MPI_COMM_WORLD, NULL) == ROM_ERR_ARG, "NULL out rejected");
  rom_ctx *bad = (rom_ctx *)0x1;
  CHECK(rom_ctx_create(MPI_COMM_NULL, &bad) == ROM_ERR_ARG && bad == NULL,
        "MPI_COMM_NULL rejected and out cleared");

  /* The communicator is a duplicate, not the caller's. */
  int cmp = MPI_UNEQUAL;
  MPI_Comm_compare(rom_ctx_comm(ctx), MPI_COMM_WORLD, &cmp);
  CHECK(cmp == MPI_CONGRUENT, "context communicator is a duplicate (compare = %d)", cmp);
  CHECK(rom_ctx_seed(ctx) == 42, "default seed");
  rom_ctx_set_seed(ctx, 7);
  CHECK(rom_ctx_seed(ctx) == 7, "seed set");
  CHECK(rom_ctx_log_level(ctx) == ROM_LOG_SILENT, "silent by default");

  /* Destroy is NULL-safe and clears the handle. */
  rom_ctx *other = NULL;
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_WORLD, &other));
  CHECK_OK(ctx, rom_ctx_destroy(&other));
  CHECK(other == NULL, "destroy sets the handle to NULL");
  CHECK_OK(ctx, rom_ctx_destroy(&other));
  CHECK_OK(ctx, rom_ctx_destroy(NULL));
}

static void test_error_recording(rom_ctx *ctx) {
  log_capture cap = {0};
  rom_ctx_set_log_fn(ctx, capture_log, &cap);

  /* Silent by default: a failure records a message but logs nothing. */
  CHECK(outer_call(ctx, -3) == ROM_ERR_ARG, "error code propagates");
  const char *msg = rom_ctx_last_error(ctx);
  CHECK(strstr(msg, "ROM_ERR_ARG") != NULL, "message names the code: %s", msg);
  CHECK(strstr(msg, "n = -3 must be >= 0") != NULL, "message has the sentence: %s", msg);
  CHECK(strstr(msg, "inner_failure at core.c:") != NULL, "message has function and file:line: %s",
        msg);
  CHECK(strstr(msg, "<- outer_call (core.c:") != NULL, "message has the traceback: %s", msg);
  CHECK(rom_ctx_last_error_code(ctx) == ROM_ERR_ARG, "last error code kept");
  const char *sentence = rom_ctx_last_error_sentence(ctx);
  CHECK(strstr(sentence, "n = -3 must be >= 0") == sentence && !strstr(sentence, "ROM_ERR_ARG") &&
            !strstr(sentence, "core.c") && !strchr(sentence, '\n'),
        "the sentence alone: %s", sentence);
  CHECK(cap.calls == 0, "nothing logged while silent (%d calls)", cap.calls);

  /* Errors go back to the caller, not to the log, even at error level... */
  rom_ctx_set_log_level(ctx, ROM_LOG_ERROR);
  CHECK(inner_failure(ctx, -1) == ROM_ERR_ARG, "second failure");
  CHECK(cap.calls == 0, "a returned error is not also logged at error level (%d)", cap.calls);
  /* ...and at debug level the logger shows each error where it is recorded. */
  rom_ctx_set_log_level(ctx, ROM_LOG_DEBUG);
  CHECK(inner_failure(ctx, -1) == ROM_ERR_ARG, "third failure");
  CHECK(cap.calls == 1 && cap.last_level == ROM_LOG_DEBUG, "error logged once (%d)", cap.calls);
  CHECK(strstr(cap.last_line, "n = -1") != NULL, "logged line: %s", cap.last_line);
  rom_ctx_set_log_level(ctx, ROM_LOG_ERROR);
  rom_log(ctx, ROM_LOG_INFO, "info %d", 1); /* above the level: dropped */
  CHECK(cap.calls == 1, "info dropped at error level");
  rom_ctx_set_log_level(ctx, ROM_LOG_DEBUG);
  rom_log(ctx, ROM_LOG_INFO, "info %d", 2);
  CHECK(cap.calls == (rom_ctx_rank(ctx) == 0 ? 2 : 1), "rom_log prints on rank 0 only");
  rom_ctx_set_log_level(ctx, ROM_LOG_SILENT);
  rom_ctx_set_log_fn(ctx, NULL, NULL);

  rom_ctx_clear_error(ctx);
  CHECK(rom_ctx_last_error(ctx)[0] == '\0' && rom_ctx_last_error_sentence(ctx)[0] == '\0' &&
            rom_ctx_last_error_code(ctx) == ROM_OK,
        "clear_error");

  /* A very long message is truncated, not overflowed. */
  char long_arg[4000];
  memset(long_arg, 'x', sizeof long_arg - 1);
  long_arg[sizeof long_arg - 1] = '\0';
  int err = rom_error_set(ctx, ROM_ERR_IO, __FILE__, __LINE__, __func__, "file %s", long_arg);
  CHECK(err == ROM_ERR_IO && strlen(rom_ctx_last_error(ctx)) < 2048, "long message truncated");
}

static void test_allocation(rom_ctx *ctx) {
  size_t before = rom_ctx_bytes_in_use(ctx);
  rom_ctx_reset_peak(ctx);
  double *a = NULL, *b = NULL;
  CHECK_OK(ctx, rom_malloc(ctx, 1000 * sizeof(double), (void **)&a));
  CHECK_OK(ctx, rom_calloc(ctx, 500, sizeof(double), (void **)&b));
  CHECK(((uintptr_t)a % 16) == 0 && ((uintptr_t)b % 16) == 0, "allocations are 16-byte aligned");
  CHECK(b[0] == 0.0 && b[499] == 0.0, "calloc zeroes");
  CHECK(rom_ctx_bytes_in_use(ctx) == before + 1500 * sizeof(double), "bytes in use counted");
  rom_free(ctx, a);
  CHECK(rom_ctx_bytes_peak(ctx) == before + 1500 * sizeof(double), "peak kept after free");
  rom_free(ctx, b);
  rom_free(ctx, NULL);
  CHECK(rom_ctx_bytes_in_use(ctx) == before, "all freed");

  void *huge = (void *)0x1;
  CHECK_ERR(ctx, rom_malloc(ctx, SIZE_MAX - 4, &huge), ROM_ERR_NOMEM);
  CHECK(huge == NULL, "failed allocation returns NULL");
  CHECK_ERR(ctx, rom_calloc(ctx, SIZE_MAX / 2, 4, &huge), ROM_ERR_NOMEM);
  size_t bytes = 0;
  CHECK_ERR(ctx, rom_size_mul(ctx, -5, 8, &bytes), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_size_mul(ctx, INT64_MAX, 8, &bytes), ROM_ERR_NOMEM);
  CHECK_OK(ctx, rom_size_mul(ctx, 1000, 8, &bytes));
  CHECK(bytes == 8000, "size_mul");
}

static void test_rng(void) {
  /* Pure function of (seed, stream, index). */
  CHECK(rom_rng_bits(1, 2, 3) == rom_rng_bits(1, 2, 3), "deterministic");
  CHECK(rom_rng_bits(1, 2, 3) != rom_rng_bits(1, 2, 4), "index matters");
  CHECK(rom_rng_bits(1, 2, 3) != rom_rng_bits(1, 3, 3), "stream matters");
  CHECK(rom_rng_bits(1, 2, 3) != rom_rng_bits(2, 2, 3), "seed matters");
  /* Moments of 200000 draws: mean 1/2 and 0, variance 1/12 and 1 (5 sigma bounds). */
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; ++i) {
    double u = rom_rng_uniform(9, 0, (uint64_t)i), z = rom_rng_normal(9, 1, (uint64_t)i);
    su += u;
    su2 += u * u;
    sn += z;
    sn2 += z * z;
    if (u < umin) umin = u;
    if (u > umax) umax = u;
  }
  double mean_u = su / n, var_u = su2 / n - mean_u * mean_u;
  double mean_n = sn / n, var_n = sn2 / n - mean_n * mean_n;
  CHECK(umin >= 0.0 && umax < 1.0, "uniform in [0,1)");
  CHECK(fabs(mean_u - 0.5) < 5 * sqrt(1.0 / 12 / n), "uniform mean %g", mean_u);
  CHECK(fabs(var_u - 1.0 / 12) < 0.002, "uniform variance %g", var_u);
  CHECK(fabs(mean_n) < 5 / sqrt((double)n), "normal mean %g", mean_n);
  CHECK(fabs(var_n - 1.0) < 0.02, "normal variance %g", var_n);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_error_table();
  test_context(ctx);
  test_error_recording(ctx);
  test_allocation(ctx);
  test_rng();
  return test_finish(&ctx);
}
