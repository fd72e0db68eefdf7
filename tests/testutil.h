/* romkit test harness: plain C, MPI-aware.
 *
 *   int main(int argc, char **argv) {
 *     rom_ctx *ctx = test_init(&argc, &argv);   // MPI_Init + context on MPI_COMM_WORLD
 *     CHECK(x == 1, "x = %d", x);
 *     CHECK_CLOSE(a, b, 1e-12, "a vs b");       // |a - b| <= tol * max(1, |b|)
 *     CHECK_OK(ctx, rom_something(...));         // prints romkit's message on failure
 *     CHECK_ERR(ctx, rom_bad(...), ROM_ERR_DIM); // expects that code, message non-empty
 *     return test_finish(&ctx);                  // prints "name: N passed, N failed"
 *   }
 * test_finish also fails if romkit memory is still allocated on the context (leak check).
 * Counts are summed over ranks; the exit code is non-zero on every rank if any failed. */
#ifndef ROMKIT_TESTUTIL_H
#define ROMKIT_TESTUTIL_H

#include "romkit.h"

#include <math.h>
#include <stdio.h>

extern long test_passed, test_failed;

rom_ctx *test_init(int *argc, char ***argv);
int test_finish(rom_ctx **ctx);
void test_record(int ok, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A scratch directory for files (ROMKIT_TEST_DIR or "."), and a path inside it that is
 * the same on every rank: "<dir>/<name>.np<P>.h5". */
const char *test_dir(void);
void test_path(rom_ctx *ctx, const char *name, char *buf, size_t len);
/* Uneven partition used by MPI tests: rank r gets a share proportional to r + 1,
 * and when P >= 3 the last rank gets zero rows (exercises empty ranks). */
rom_int test_uneven_rows(rom_int global_rows, int rank, int size);

#define CHECK(cond, ...) test_record(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_CLOSE(a, b, tol, ...)                                                                \
  do {                                                                                             \
    double check_a_ = (a), check_b_ = (b);                                                         \
    int check_ok_ = fabs(check_a_ - check_b_) <= (tol)*fmax(1.0, fabs(check_b_));                  \
    test_record(check_ok_, __FILE__, __LINE__, "%s = %.17g vs %.17g: ", #a, check_a_, check_b_);   \
    if (!check_ok_) test_record(0, __FILE__, __LINE__, __VA_ARGS__), test_failed--;                \
  } while (0)
#define CHECK_OK(ctx, expr)                                                                        \
  do {                                                                                             \
    int check_rc_ = (expr);                                                                        \
    test_record(check_rc_ == ROM_OK, __FILE__, __LINE__, "%s returned %s: %s", #expr,              \
                rom_error_name(check_rc_), rom_ctx_last_error(ctx));                               \
  } while (0)
#define CHECK_ERR(ctx, expr, code)                                                                 \
  do {                                                                                             \
    int check_rc_ = (expr);                                                                        \
    test_record(check_rc_ == (code) && rom_ctx_last_error(ctx)[0] != '\0', __FILE__, __LINE__,     \
                "%s returned %s (expected %s), message '%s'", #expr, rom_error_name(check_rc_),    \
                rom_error_name(code), rom_ctx_last_error(ctx));                                    \
  } while (0)

#endif
