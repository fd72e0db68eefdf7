/* romkit — row-distributed tall-skinny matrices.
 *
 * A rom_dmat is a global N x n matrix (N large: mesh unknowns; n small: snapshots
 * or basis vectors). Each rank owns a contiguous block of rows of its own choosing
 * (the host's partition, any sizes, zero allowed); global offsets are computed with
 * MPI_Exscan. The local block is stored column-major with a leading dimension
 * ld >= local_rows, so column j of the local block starts at data + j*ld.
 *
 * rom_dmat_wrap uses the caller's array without copying; the caller keeps
 * ownership and must keep it alive while the rom_dmat exists.
 */
#ifndef ROMKIT_MATRIX_H
#define ROMKIT_MATRIX_H

#include "romkit/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rom_dmat rom_dmat;

/* rom_dmat_create - allocates a zeroed matrix with `local_rows` rows on this rank
 * and `cols` columns (same on every rank). Collective. */
int rom_dmat_create(rom_ctx *ctx, rom_int local_rows, rom_int cols, rom_dmat **out);

/* rom_dmat_wrap - wraps the caller's column-major local block (ld >= local_rows)
 * without copying. `data` may be NULL only when local_rows == 0 or cols == 0.
 * Collective. */
int rom_dmat_wrap(rom_ctx *ctx, rom_int local_rows, rom_int cols, double *data, rom_int ld,
                  rom_dmat **out);

/* rom_dmat_destroy - frees the matrix (not a wrapped array). NULL-safe, sets *m = NULL.
 * Not collective. */
int rom_dmat_destroy(rom_dmat **m);

/* Accessors. Not collective. */
rom_ctx *rom_dmat_ctx(const rom_dmat *m);
rom_int rom_dmat_local_rows(const rom_dmat *m);
rom_int rom_dmat_global_rows(const rom_dmat *m);
rom_int rom_dmat_cols(const rom_dmat *m);
rom_int rom_dmat_row_offset(const rom_dmat *m); /* global index of the first local row */
rom_int rom_dmat_ld(const rom_dmat *m);
double *rom_dmat_data(rom_dmat *m);
const double *rom_dmat_data_const(const rom_dmat *m);

/* rom_dmat_partition_even - the default partition: N rows split into `size` nearly
 * equal contiguous blocks; returns the number of rows of `rank`. Not collective. */
rom_int rom_dmat_partition_even(rom_int global_rows, int rank, int size);

/* rom_dmat_check_finite - ROM_ERR_NOT_FINITE (on every rank) if any entry on any rank
 * is NaN or Inf; the message names `what`, the global row and column. Collective. */
int rom_dmat_check_finite(const rom_dmat *m, const char *what);

/* rom_dmat_gather - copies the whole N x n matrix to `root` into `out` (column-major,
 * leading dimension N; only read on root, may be NULL elsewhere). For tests and small
 * problems: O(N n) memory on root. Collective. */
int rom_dmat_gather(const rom_dmat *m, int root, double *out);

/* rom_dmat_transpose_times - C = A^T B (A: N x a, B: N x b, both distributed alike),
 * C a x b column-major with leading dimension ldc, replicated on every rank
 * (local dgemm + MPI_Allreduce). Collective. */
int rom_dmat_transpose_times(const rom_dmat *A, const rom_dmat *B, double *C, rom_int ldc);

/* rom_dmat_transpose_times_vector - y = A^T x for a distributed vector x (local part,
 * local_rows entries); y (A->cols entries) replicated. Collective. */
int rom_dmat_transpose_times_vector(const rom_dmat *A, const double *x_local, double *y);

/* rom_dmat_times_vector - y_local = A x for a replicated x (cols entries); no
 * communication. Not collective. */
int rom_dmat_times_vector(const rom_dmat *A, const double *x, double *y_local);

#ifdef __cplusplus
}
#endif
#endif
