/* romkit internal — error recording, checks, allocation, logging.
 *
 * The convention inside the library (PETSc-like, but with C99 and a cleanup label):
 *
 *   int rom_thing(rom_ctx *ctx, ...) {
 *     int err = ROM_OK;
 *     double *work = NULL;
 *     ROM_CHECK(ctx, n >= 0, ROM_ERR_ARG, "n = %lld must be >= 0", (long long)n);
 *     ROM_TRY(ctx, rom_malloc(ctx, n * sizeof(double), (void **)&work));
 *     ROM_TRY(ctx, rom_other(ctx, ...));
 *   cleanup:
 *     rom_free(ctx, work);
 *     return err;
 *   }
 *
 * ROM_FAIL/ROM_CHECK record a sentence with file:line:function and jump to cleanup;
 * ROM_TRY appends "<- function (file:line)" to the message so the user sees the
 * traceback, then jumps to cleanup. Nothing ever exits or aborts.
 *
 * Collective functions must fail on every rank together, or the other ranks hang in
 * the next collective: checks on rank-local data go through ROM_CHECK_ALL, which
 * agrees (MPI_Allreduce) before failing.
 */
#ifndef ROMKIT_CORE_CHECK_H
#define ROMKIT_CORE_CHECK_H

#include "romkit/context.h"
#include "romkit/error.h"

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define ROM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ROM_PRINTF(a, b)
#endif

/* The slot where the io stage keeps the files written but not yet published
 * (rom_outputs_hold, librom/io/h5_publish.c): core only stores it and, when the context
 * is destroyed with something still held, calls `release` (which removes the
 * temporaries). Not collective. */
void *rom_ctx_outputs(const rom_ctx *ctx);
void rom_ctx_set_outputs(rom_ctx *ctx, void *outputs, void (*release)(rom_ctx *ctx, void *outputs));

/* Records `code` and the formatted message on ctx (ctx may be NULL); returns code. */
int rom_error_set(rom_ctx *ctx, int code, const char *file, int line, const char *func,
                  const char *fmt, ...) ROM_PRINTF(6, 7);
/* Appends a traceback frame to the message of the last error; returns code. */
int rom_error_trace(rom_ctx *ctx, int code, const char *file, int line, const char *func);

#define ROM_FAIL(ctx, code, ...)                                                                   \
  do {                                                                                             \
    err = rom_error_set((ctx), (code), __FILE__, __LINE__, __func__, __VA_ARGS__);                 \
    goto cleanup;                                                                                  \
  } while (0)

#define ROM_CHECK(ctx, cond, code, ...)                                                            \
  do {                                                                                             \
    if (!(cond)) ROM_FAIL(ctx, code, __VA_ARGS__);                                                 \
  } while (0)

#define ROM_TRY(ctx, expr)                                                                         \
  do {                                                                                             \
    err = (expr);                                                                                  \
    if (err != ROM_OK) {                                                                           \
      rom_error_trace((ctx), err, __FILE__, __LINE__, __func__);                                   \
      goto cleanup;                                                                                \
    }                                                                                              \
  } while (0)

/* Variants that return at once, for functions with nothing to clean up. */
#define ROM_RETURN_ERROR(ctx, code, ...)                                                           \
  return rom_error_set((ctx), (code), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define ROM_ENSURE(ctx, cond, code, ...)                                                           \
  do {                                                                                             \
    if (!(cond)) ROM_RETURN_ERROR(ctx, code, __VA_ARGS__);                                         \
  } while (0)
#define ROM_CALL(ctx, expr)                                                                        \
  do {                                                                                             \
    int rom_call_err_ = (expr);                                                                    \
    if (rom_call_err_ != ROM_OK)                                                                   \
      return rom_error_trace((ctx), rom_call_err_, __FILE__, __LINE__, __func__);                  \
  } while (0)

/* MPI calls: a failure becomes ROM_ERR_MPI naming the call. */
#define ROM_MPI(ctx, call)                                                                         \
  do {                                                                                             \
    int rom_mpi_rc_ = (call);                                                                      \
    if (rom_mpi_rc_ != MPI_SUCCESS)                                                                \
      ROM_FAIL(ctx, ROM_ERR_MPI, "%s failed (MPI error %d)", #call, rom_mpi_rc_);                  \
  } while (0)

/* rom_all_ok - true on every rank iff `local_ok` is true on every rank of ctx.
 * Collective. On an MPI failure returns false. */
int rom_all_ok(rom_ctx *ctx, int local_ok);
/* rom_agree_error - the same error code on every rank: ROM_OK if local_err is ROM_OK
 * everywhere, otherwise the most negative code any rank had. Collective. On an MPI
 * failure returns ROM_ERR_MPI. */
int rom_agree_error(rom_ctx *ctx, int local_err);

/* Collective check: every rank evaluates `cond` on its own data; if it is false
 * anywhere, every rank fails with `code` (the ranks where it was true record
 * "... failed on another rank"). */
#define ROM_CHECK_ALL(ctx, cond, code, ...)                                                        \
  do {                                                                                             \
    int rom_local_ok_ = (cond) ? 1 : 0;                                                            \
    if (!rom_all_ok((ctx), rom_local_ok_)) {                                                       \
      if (!rom_local_ok_) ROM_FAIL(ctx, code, __VA_ARGS__);                                        \
      ROM_FAIL(ctx, code, "%s: the check '%s' failed on another rank", __func__, #cond);           \
    }                                                                                              \
  } while (0)

/* Collective propagation: after a call that may have failed on some ranks only
 * (e.g. a rank-local LAPACK call), every rank fails together with the same code (the
 * most negative one any rank had); ranks where the call succeeded say so. */
#define ROM_TRY_ALL(ctx, expr)                                                                     \
  do {                                                                                             \
    int rom_local_err_ = (expr);                                                                   \
    err = rom_agree_error((ctx), rom_local_err_);                                                  \
    if (err != ROM_OK) {                                                                           \
      if (rom_local_err_ == err) {                                                                 \
        rom_error_trace((ctx), err, __FILE__, __LINE__, __func__);                                 \
        goto cleanup;                                                                              \
      }                                                                                            \
      ROM_FAIL(ctx, err, "%s: '%s' failed on another rank", __func__, #expr);                      \
    }                                                                                              \
  } while (0)

/* Tracked allocation (counts toward rom_ctx_bytes_in_use / _peak). Zero-size
 * requests return a valid unique pointer. rom_free(ctx, NULL) is a no-op. */
int rom_malloc(rom_ctx *ctx, size_t bytes, void **out);
int rom_calloc(rom_ctx *ctx, size_t count, size_t size, void **out);
void rom_free(rom_ctx *ctx, void *ptr);
/* Overflow-checked count*size for allocation sizes coming from rom_int. */
int rom_size_mul(rom_ctx *ctx, rom_int count, size_t size, size_t *out);

/* Logging: printed through the context's sink when level <= the context's level.
 * rom_log prints on rank 0 only; rom_log_local on the calling rank. */
void rom_log(const rom_ctx *ctx, rom_log_level level, const char *fmt, ...) ROM_PRINTF(3, 4);
void rom_log_local(const rom_ctx *ctx, rom_log_level level, const char *fmt, ...) ROM_PRINTF(3, 4);

/* Wall-clock seconds (MPI_Wtime). */
double rom_wtime(void);

#endif
