/* romkit — error codes.
 *
 * Every fallible romkit function returns an int: ROM_OK (0) or one of the negative
 * codes below. The context (rom_ctx) keeps a sentence describing the last failure,
 * with file:line and a traceback of the calls it unwound through
 * (rom_ctx_last_error). The library never exits, aborts or calls MPI_Abort.
 */
#ifndef ROMKIT_ERROR_H
#define ROMKIT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* The one table: X(name, value, message). Adding a code here adds its name and
 * message to rom_strerror / rom_error_name. Values are part of the ABI: never reuse. */
#define ROM_ERROR_TABLE(X)                                                                         \
  X(ROM_OK, 0, "success")                                                                          \
  X(ROM_ERR_ARG, -1, "invalid argument")                                                           \
  X(ROM_ERR_NOMEM, -2, "out of memory")                                                            \
  X(ROM_ERR_MPI, -3, "MPI call failed")                                                            \
  X(ROM_ERR_IO, -4, "file input/output failed")                                                    \
  X(ROM_ERR_FORMAT, -5, "file is not a romkit file of the expected kind and version")              \
  X(ROM_ERR_DIM, -6, "dimension mismatch")                                                         \
  X(ROM_ERR_NOT_FINITE, -7, "input contains NaN or Inf")                                           \
  X(ROM_ERR_LAPACK, -8, "LAPACK/ScaLAPACK routine failed")                                         \
  X(ROM_ERR_CALLBACK, -9, "host callback returned an error")                                       \
  X(ROM_ERR_SINGULAR, -10, "matrix is singular or not positive definite")                          \
  X(ROM_ERR_NOT_CONVERGED, -11, "iteration did not converge")                                      \
  X(ROM_ERR_EXISTS, -12, "output file exists (pass overwrite to replace it)")                      \
  X(ROM_ERR_STATE, -13, "object is not in a state that allows this call")                          \
  X(ROM_ERR_UNSUPPORTED, -14, "operation not supported")                                           \
  X(ROM_ERR_INTERNAL, -15, "internal error (a bug in romkit: please report it)")

typedef enum {
#define ROM_X_ENUM(name, value, message) name = value,
  ROM_ERROR_TABLE(ROM_X_ENUM)
#undef ROM_X_ENUM
} rom_error_code;

/* Human-readable message for a code ("unknown error code" for anything else).
 * Not collective. Never returns NULL. */
const char *rom_strerror(int code);

/* The code's name, e.g. "ROM_ERR_DIM". Not collective. Never returns NULL. */
const char *rom_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
