/* romkit internal — the context's fields. Only librom/core reads these directly. */
#ifndef ROMKIT_CORE_CONTEXT_IMPL_H
#define ROMKIT_CORE_CONTEXT_IMPL_H

#include "romkit/context.h"
#include "romkit/progress.h"

#define ROM_ERROR_MESSAGE_MAX 2048

struct rom_ctx {
  MPI_Comm comm; /* duplicate of the caller's */
  int rank, size;
  uint64_t seed;
  rom_log_level log_level;
  rom_log_fn log_fn;
  void *log_user;
  int last_error_code;
  char last_error[ROM_ERROR_MESSAGE_MAX];
  char last_error_sentence[ROM_ERROR_MESSAGE_MAX - 512]; /* the sentence alone */
  size_t bytes_in_use, bytes_peak;
  /* the io stage's outputs waiting to be published (librom/io/h5_publish.c) */
  void *outputs;
  void (*outputs_release)(rom_ctx *ctx, void *outputs);
  /* stage timers (librom/core/progress.c, romkit/progress.h) */
  struct {
    char name[ROM_STAGE_NAME_MAX];
    rom_int count;
    double seconds, started; /* started < 0: not running */
  } stages[ROM_STAGE_MAX];
  int nstages;
  double stages_t0; /* rom_wtime() when the first stage began */
};

#endif
