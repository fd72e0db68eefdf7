/* Error table lookups and the recording of the last error on a context. */
#include "core/check.h"
#include "core/context_impl.h"

#include <stdio.h>
#include <string.h>

const char *rom_strerror(int code) {
  switch (code) {
#define ROM_X_MESSAGE(name, value, message)                                                        \
  case value:                                                                                      \
    return message;
    ROM_ERROR_TABLE(ROM_X_MESSAGE)
#undef ROM_X_MESSAGE
  default:
    return "unknown error code";
  }
}

const char *rom_error_name(int code) {
  switch (code) {
#define ROM_X_NAME(name, value, message)                                                           \
  case value:                                                                                      \
    return #name;
    ROM_ERROR_TABLE(ROM_X_NAME)
#undef ROM_X_NAME
  default:
    return "ROM_ERR_UNKNOWN";
  }
}

static const char *basename_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int rom_error_set(rom_ctx *ctx, int code, const char *file, int line, const char *func,
                  const char *fmt, ...) {
  if (!ctx) return code;
  /* the sentence is kept alone too (rom_ctx_last_error_sentence); its size leaves room in
   * last_error for the name, function and file:line */
  char *sentence = ctx->last_error_sentence;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sentence, sizeof ctx->last_error_sentence, fmt, ap);
  va_end(ap);
  ctx->last_error_code = code;
  char where[384];
  snprintf(where, sizeof where, " (%.120s at %.200s:%d)", func, basename_of(file), line);
  snprintf(ctx->last_error, sizeof ctx->last_error, "%.40s: %s%s", rom_error_name(code), sentence,
           where);
  /* The caller gets the code and this message back; logging it as an error too would
   * print every failure twice. At debug level it is logged where it happens. */
  rom_log_local(ctx, ROM_LOG_DEBUG, "%s", ctx->last_error);
  return code;
}

int rom_error_trace(rom_ctx *ctx, int code, const char *file, int line, const char *func) {
  if (!ctx) return code;
  if (ctx->last_error_code != code || ctx->last_error[0] == '\0') {
    /* The failing call did not record a message (e.g. a NULL ctx below us). */
    ctx->last_error_code = code;
    snprintf(ctx->last_error, sizeof ctx->last_error, "%s: %s", rom_error_name(code),
             rom_strerror(code));
    snprintf(ctx->last_error_sentence, sizeof ctx->last_error_sentence, "%s", rom_strerror(code));
  }
  size_t used = strlen(ctx->last_error);
  if (used + 1 < sizeof ctx->last_error)
    snprintf(ctx->last_error + used, sizeof ctx->last_error - used, "\n  <- %.120s (%.200s:%d)",
             func, basename_of(file), line);
  return code;
}
