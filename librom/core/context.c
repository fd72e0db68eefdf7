/* The context: communicator duplicate, seed, logging, last error, memory accounting. */
#include "core/check.h"
#include "core/context_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void default_log_sink(void *user, rom_log_level level, const char *line) {
  (void)user;
  static const char *const names[] = {"", "error", "warning", "info", "debug"};
  if (level >= ROM_LOG_INFO)
    fprintf(stderr, "[romkit] %s\n", line);
  else
    fprintf(stderr, "[romkit %s] %s\n", names[level], line);
}

int rom_ctx_create(MPI_Comm comm, rom_ctx **out) {
  if (!out) return ROM_ERR_ARG;
  *out = NULL;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return ROM_ERR_ARG; /* no context to carry a message yet */
  if (comm == MPI_COMM_NULL) return ROM_ERR_ARG;
  rom_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return ROM_ERR_NOMEM;
  if (MPI_Comm_dup(comm, &ctx->comm) != MPI_SUCCESS) {
    free(ctx);
    return ROM_ERR_MPI;
  }
  /* MPI's default handler aborts the whole job on an error; on romkit's own
   * communicator errors come back as codes, so ROM_MPI can report them. */
  MPI_Comm_set_errhandler(ctx->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(ctx->comm, &ctx->rank);
  MPI_Comm_size(ctx->comm, &ctx->size);
  ctx->seed = 42;
  ctx->log_level = ROM_LOG_SILENT;
  ctx->log_fn = default_log_sink;
  *out = ctx;
  return ROM_OK;
}

int rom_ctx_destroy(rom_ctx **pctx) {
  if (!pctx || !*pctx) return ROM_OK;
  rom_ctx *ctx = *pctx;
  int finalized = 0;
  if (ctx->outputs_release) ctx->outputs_release(ctx, ctx->outputs);
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Comm_free(&ctx->comm);
  free(ctx);
  *pctx = NULL;
  return ROM_OK;
}

void *rom_ctx_outputs(const rom_ctx *ctx) {
  return ctx ? ctx->outputs : NULL;
}
void rom_ctx_set_outputs(rom_ctx *ctx, void *outputs, void (*release)(rom_ctx *, void *)) {
  if (!ctx) return;
  ctx->outputs = outputs;
  ctx->outputs_release = outputs ? release : NULL;
}

MPI_Comm rom_ctx_comm(const rom_ctx *ctx) {
  return ctx ? ctx->comm : MPI_COMM_NULL;
}
int rom_ctx_rank(const rom_ctx *ctx) {
  return ctx ? ctx->rank : 0;
}
int rom_ctx_size(const rom_ctx *ctx) {
  return ctx ? ctx->size : 0;
}
void rom_ctx_set_seed(rom_ctx *ctx, uint64_t seed) {
  if (ctx) ctx->seed = seed;
}
uint64_t rom_ctx_seed(const rom_ctx *ctx) {
  return ctx ? ctx->seed : 0;
}
void rom_ctx_set_log_level(rom_ctx *ctx, rom_log_level level) {
  if (!ctx) return;
  if (level < ROM_LOG_SILENT) level = ROM_LOG_SILENT;
  if (level > ROM_LOG_DEBUG) level = ROM_LOG_DEBUG;
  ctx->log_level = level;
}
rom_log_level rom_ctx_log_level(const rom_ctx *ctx) {
  return ctx ? ctx->log_level : ROM_LOG_SILENT;
}
void rom_ctx_set_log_fn(rom_ctx *ctx, rom_log_fn fn, void *user) {
  if (!ctx) return;
  ctx->log_fn = fn ? fn : default_log_sink;
  ctx->log_user = fn ? user : NULL;
}
const char *rom_ctx_last_error(const rom_ctx *ctx) {
  return ctx ? ctx->last_error : "";
}

const char *rom_ctx_last_error_sentence(const rom_ctx *ctx) {
  return ctx ? ctx->last_error_sentence : "";
}
int rom_ctx_last_error_code(const rom_ctx *ctx) {
  return ctx ? ctx->last_error_code : ROM_OK;
}
void rom_ctx_clear_error(rom_ctx *ctx) {
  if (!ctx) return;
  ctx->last_error_code = ROM_OK;
  ctx->last_error[0] = '\0';
  ctx->last_error_sentence[0] = '\0';
}
size_t rom_ctx_bytes_in_use(const rom_ctx *ctx) {
  return ctx ? ctx->bytes_in_use : 0;
}
size_t rom_ctx_bytes_peak(const rom_ctx *ctx) {
  return ctx ? ctx->bytes_peak : 0;
}
void rom_ctx_reset_peak(rom_ctx *ctx) {
  if (ctx) ctx->bytes_peak = ctx->bytes_in_use;
}

int rom_all_ok(rom_ctx *ctx, int local_ok) {
  int global_ok = 0;
  if (MPI_Allreduce(&local_ok, &global_ok, 1, MPI_INT, MPI_LAND, ctx->comm) != MPI_SUCCESS)
    return 0;
  return global_ok;
}

int rom_agree_error(rom_ctx *ctx, int local_err) {
  int global_err = ROM_OK;
  if (MPI_Allreduce(&local_err, &global_err, 1, MPI_INT, MPI_MIN, ctx->comm) != MPI_SUCCESS)
    return ROM_ERR_MPI;
  return global_err;
}

double rom_wtime(void) {
  return MPI_Wtime();
}

/* ---- logging ---------------------------------------------------------------------------- */

static void log_v(const rom_ctx *ctx, rom_log_level level, const char *fmt, va_list ap) {
  char line[ROM_ERROR_MESSAGE_MAX + 64];
  vsnprintf(line, sizeof line, fmt, ap);
  ctx->log_fn(ctx->log_user, level, line);
}

void rom_log(const rom_ctx *ctx, rom_log_level level, const char *fmt, ...) {
  if (!ctx || level > ctx->log_level || level == ROM_LOG_SILENT || ctx->rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  log_v(ctx, level, fmt, ap);
  va_end(ap);
}

void rom_log_local(const rom_ctx *ctx, rom_log_level level, const char *fmt, ...) {
  if (!ctx || level > ctx->log_level || level == ROM_LOG_SILENT) return;
  va_list ap;
  va_start(ap, fmt);
  log_v(ctx, level, fmt, ap);
  va_end(ap);
}

/* ---- tracked allocation -------------------------------------------------------------------
 * A 16-byte header in front of each block keeps its size, so rom_free can account for it
 * and the context can report the peak romkit itself allocated (the benchmark's memory
 * figure). 16 bytes keep the payload aligned for doubles and SIMD loads. */

typedef union {
  size_t bytes;
  long double align_ld; /* C99 has no max_align_t: these two cover every payload type */
  void *align_ptr;
} alloc_header;

int rom_size_mul(rom_ctx *ctx, rom_int count, size_t size, size_t *out) {
  int err = ROM_OK;
  ROM_CHECK(ctx, count >= 0, ROM_ERR_ARG, "negative element count %lld", (long long)count);
  ROM_CHECK(ctx, size == 0 || (uint64_t)count <= (SIZE_MAX - sizeof(alloc_header)) / size,
            ROM_ERR_NOMEM, "allocation of %lld elements of %zu bytes overflows size_t",
            (long long)count, size);
  *out = (size_t)count * size;
cleanup:
  return err;
}

int rom_malloc(rom_ctx *ctx, size_t bytes, void **out) {
  int err = ROM_OK;
  *out = NULL;
  ROM_CHECK(ctx, bytes <= SIZE_MAX - sizeof(alloc_header), ROM_ERR_NOMEM,
            "allocation of %zu bytes overflows size_t", bytes);
  alloc_header *h = malloc(sizeof(alloc_header) + bytes);
  ROM_CHECK(ctx, h != NULL, ROM_ERR_NOMEM, "could not allocate %.1f MiB",
            (double)bytes / (1024.0 * 1024.0));
  h->bytes = bytes;
  if (ctx) {
    ctx->bytes_in_use += bytes;
    if (ctx->bytes_in_use > ctx->bytes_peak) ctx->bytes_peak = ctx->bytes_in_use;
  }
  *out = h + 1;
cleanup:
  return err;
}

int rom_calloc(rom_ctx *ctx, size_t count, size_t size, void **out) {
  int err = ROM_OK;
  *out = NULL;
  ROM_CHECK(ctx, size == 0 || count <= (SIZE_MAX - sizeof(alloc_header)) / size, ROM_ERR_NOMEM,
            "allocation of %zu x %zu bytes overflows size_t", count, size);
  ROM_TRY(ctx, rom_malloc(ctx, count * size, out));
  memset(*out, 0, count * size);
cleanup:
  return err;
}

void rom_free(rom_ctx *ctx, void *ptr) {
  if (!ptr) return;
  alloc_header *h = (alloc_header *)ptr - 1;
  if (ctx) ctx->bytes_in_use -= h->bytes;
  free(h);
}
