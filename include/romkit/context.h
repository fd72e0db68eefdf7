/* romkit — the context.
 *
 * A rom_ctx carries everything that would otherwise be global: the communicator
 * (a duplicate of the caller's, so romkit's messages never collide with the
 * host's), the RNG seed, the log level and log sink, and the last error.
 * Every other romkit object is created from a context and must be destroyed
 * before it.
 */
#ifndef ROMKIT_CONTEXT_H
#define ROMKIT_CONTEXT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Indices and sizes: 64-bit, so global problems beyond 2^31 rows work. */
typedef int64_t rom_int;

typedef struct rom_ctx rom_ctx;

typedef enum {
  ROM_LOG_SILENT = 0, /* default: the library prints nothing */
  ROM_LOG_ERROR = 1,
  ROM_LOG_WARN = 2,
  ROM_LOG_INFO = 3,
  ROM_LOG_DEBUG = 4
} rom_log_level;

/* Where log lines go. `line` has no trailing newline. Called on rank 0 of the
 * context only, unless the message is rank-local (then from that rank). */
typedef void (*rom_log_fn)(void *user, rom_log_level level, const char *line);

/* rom_ctx_create - creates a context on a duplicate of `comm`.
 *   Collective on comm.
 *   comm  the caller's communicator (MPI must be initialised)
 *   out   the new context; on failure *out is NULL
 * Returns ROM_OK, ROM_ERR_ARG (NULL out, MPI not initialised) or ROM_ERR_MPI/NOMEM. */
int rom_ctx_create(MPI_Comm comm, rom_ctx **out);

/* rom_ctx_destroy - frees the context and its communicator; NULL-safe, sets *ctx = NULL.
 *   Collective (MPI_Comm_free). */
int rom_ctx_destroy(rom_ctx **ctx);

/* Accessors. Not collective. */
MPI_Comm rom_ctx_comm(const rom_ctx *ctx);
int rom_ctx_rank(const rom_ctx *ctx);
int rom_ctx_size(const rom_ctx *ctx);

/* Seed for every random choice romkit makes (sketches, shuffles, test data).
 * Results are deterministic for a fixed seed and rank count. Default 42.
 * Set the same value on every rank. */
void rom_ctx_set_seed(rom_ctx *ctx, uint64_t seed);
uint64_t rom_ctx_seed(const rom_ctx *ctx);

/* Log level (default ROM_LOG_SILENT) and sink (default: stderr, "[romkit] " prefix). */
void rom_ctx_set_log_level(rom_ctx *ctx, rom_log_level level);
rom_log_level rom_ctx_log_level(const rom_ctx *ctx);
void rom_ctx_set_log_fn(rom_ctx *ctx, rom_log_fn fn, void *user);

/* The last error recorded on this rank: a sentence naming the argument, file,
 * dataset or dimension at fault, "(at file:line in function)", and the calls it
 * unwound through. "" when there was none. Valid until the next failing call. */
const char *rom_ctx_last_error(const rom_ctx *ctx);
/* The sentence of the last error alone: no error name, place or unwound calls (for a
 * front end that puts it in a message of its own). "" when there was none. */
const char *rom_ctx_last_error_sentence(const rom_ctx *ctx);
int rom_ctx_last_error_code(const rom_ctx *ctx);
void rom_ctx_clear_error(rom_ctx *ctx);

/* Bytes currently allocated by romkit through this context, and the peak since
 * creation or the last reset (LAPACK workspaces romkit allocates are included;
 * memory the BLAS library allocates internally is not). Not collective. */
size_t rom_ctx_bytes_in_use(const rom_ctx *ctx);
size_t rom_ctx_bytes_peak(const rom_ctx *ctx);
void rom_ctx_reset_peak(rom_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
