/* romkit internal — checks on the values and sizes that come from users and files.
 *
 * Two kinds of bad input must never turn into a crash or a silent wrong answer
 * (docs/reliability.md, "Values and sizes"):
 *
 * - sizes: a count read from a file or typed on the command line (a latent dimension, a
 *   hidden width, a mask band, a number of samples) multiplied by another overflows
 *   int64_t or size_t long before malloc can refuse it. Every product of such sizes goes
 *   through rom_count_mul / rom_malloc_n, which fail with ROM_ERR_NOMEM naming the sizes;
 *   rom_memory_check refuses, before allocating, a working set larger than the machine.
 * - values: a NaN or Inf in a file propagates through every product and comes out as NaN
 *   results with exit code 0. rom_check_finite_block checks what a reader has just
 *   loaded and names the file, the dataset and the index (as h5py spells it) of the first
 *   bad value.
 */
#ifndef ROMKIT_CORE_VALUES_H
#define ROMKIT_CORE_VALUES_H

#include "core/check.h"

/* rom_count_mul - *out = a * b for counts a, b >= 0; ROM_ERR_ARG if one is negative,
 * ROM_ERR_NOMEM if the product exceeds INT64_MAX (the message names `what` and both
 * factors). Not collective. */
int rom_count_mul(rom_ctx *ctx, rom_int a, rom_int b, const char *what, rom_int *out);
/* rom_count_add - *out = a + b for counts a, b >= 0, with the same errors. Not collective. */
int rom_count_add(rom_ctx *ctx, rom_int a, rom_int b, const char *what, rom_int *out);

/* rom_malloc_n - rom_malloc of a * b elements of `size` bytes, every product checked
 * (rom_count_mul, rom_size_mul). Not collective. */
int rom_malloc_n(rom_ctx *ctx, rom_int a, rom_int b, size_t size, void **out);

/* rom_memory_physical - bytes of physical memory of this machine (sysconf), 0 if unknown.
 * Not collective. */
double rom_memory_physical(void);
/* rom_memory_check - ROM_ERR_NOMEM if `bytes` (this rank's need) exceeds the physical
 * memory of the machine, with the sentence "<what> need X GiB per rank, more than the Y GiB
 * of memory of this machine: <hint>" (what: a plural noun phrase; hint: what to change, may
 * be NULL). Refusing before the allocation keeps an absurd size from being granted by the
 * kernel's overcommit and then swapping or being killed. It is a sanity bound, not a
 * budget: ranks sharing a machine are not added up. Not collective (wrap it in ROM_TRY_ALL
 * where the sizes differ between ranks). */
int rom_memory_check(rom_ctx *ctx, double bytes, const char *what, const char *hint);

/* rom_check_finite_block - ROM_ERR_NOT_FINITE on every rank if any value of this rank's
 * block is NaN or Inf. The dataset `dataset` of `file` has `ndims` (1..4) dims `dims`; it is
 * seen as a matrix of dims[0] rows and dims[1] * .. * dims[ndims-1] columns (1-D: one row
 * of dims[0] columns). This rank holds rows [row0, row0 + rows) x columns [col0, col0 +
 * cols) of it, element (a, b) at data[a * ld + b]. The message names the file, the dataset,
 * the full index of the first bad value in file order ("[3, 17]", as h5py indexes it) and
 * whether it is NaN, +Inf or -Inf. file and dataset may be NULL ("(memory)"). Collective. */
int rom_check_finite_block(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, rom_int row0, rom_int rows, rom_int col0,
                           rom_int cols, const double *data, rom_int ld);
/* rom_check_finite_local - the same check on this rank alone, for loops whose trip count
 * differs between ranks (the caller agrees afterwards, e.g. ROM_TRY_ALL). Not collective. */
int rom_check_finite_local(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, rom_int row0, rom_int rows, rom_int col0,
                           rom_int cols, const double *data, rom_int ld);
/* rom_check_finite_array - the whole replicated (or rank-local) array of `ndims` dims in
 * row-major order: rom_check_finite_block of all of it. Collective. */
int rom_check_finite_array(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, const double *data);

#endif
