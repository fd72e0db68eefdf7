/* Row-distributed tall-skinny matrices: creation, wrapping, and the two reductions
 * every projection needs (A^T B and A^T x), done as a local dgemm + MPI_Allreduce. */
#include "core/check.h"
#include "linalg/dmat_impl.h"
#include "linalg/dmat_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static int dmat_init(rom_ctx *ctx, rom_int local_rows, rom_int cols, rom_dmat **out) {
  int err = ROM_OK;
  rom_dmat *m = NULL;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, local_rows >= 0, ROM_ERR_ARG, "local_rows = %lld must be >= 0",
                (long long)local_rows);
  ROM_CHECK_ALL(ctx, cols >= 0, ROM_ERR_ARG, "cols = %lld must be >= 0", (long long)cols);
  {
    /* Every rank must agree on the column count. */
    rom_int cmin = 0, cmax = 0;
    ROM_MPI(ctx, MPI_Allreduce(&cols, &cmin, 1, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Allreduce(&cols, &cmax, 1, MPI_INT64_T, MPI_MAX, rom_ctx_comm(ctx)));
    ROM_CHECK(ctx, cmin == cmax, ROM_ERR_DIM,
              "column count differs across ranks (%lld here, range %lld..%lld)", (long long)cols,
              (long long)cmin, (long long)cmax);
  }
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *m, (void **)&m));
  m->ctx = ctx;
  m->local_rows = local_rows;
  m->cols = cols;
  m->ld = local_rows > 0 ? local_rows : 1; /* BLAS/LAPACK require ld >= 1 even when empty */
  ROM_MPI(ctx,
          MPI_Allreduce(&local_rows, &m->global_rows, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  /* MPI_Exscan leaves rank 0's result undefined: set it to 0 explicitly. */
  m->row_offset = 0;
  ROM_MPI(ctx, MPI_Exscan(&local_rows, &m->row_offset, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  if (rom_ctx_rank(ctx) == 0) m->row_offset = 0;
  *out = m;
  m = NULL;
cleanup:
  rom_free(ctx, m);
  return err;
}

int rom_dmat_create(rom_ctx *ctx, rom_int local_rows, rom_int cols, rom_dmat **out) {
  int err = ROM_OK;
  rom_dmat *m = NULL;
  size_t bytes = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_TRY(ctx, dmat_init(ctx, local_rows, cols, &m));
  ROM_TRY_ALL(ctx, rom_size_mul(ctx, local_rows * (cols > 0 ? cols : 1), sizeof(double), &bytes));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&m->data));
  memset(m->data, 0, bytes);
  m->owns_data = 1;
  *out = m;
  m = NULL;
cleanup:
  rom_dmat_destroy(&m);
  return err;
}

int rom_dmat_wrap(rom_ctx *ctx, rom_int local_rows, rom_int cols, double *data, rom_int ld,
                  rom_dmat **out) {
  int err = ROM_OK;
  rom_dmat *m = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, ld >= local_rows && ld >= 0, ROM_ERR_ARG,
                "leading dimension ld = %lld is smaller than local_rows = %lld", (long long)ld,
                (long long)local_rows);
  ROM_CHECK_ALL(ctx, data != NULL || local_rows == 0 || cols == 0, ROM_ERR_ARG,
                "data is NULL but the local block is %lld x %lld", (long long)local_rows,
                (long long)cols);
  ROM_TRY(ctx, dmat_init(ctx, local_rows, cols, &m));
  m->data = data;
  m->ld = ld > 0 ? ld : 1;
  m->owns_data = 0;
  *out = m;
  m = NULL;
cleanup:
  rom_dmat_destroy(&m);
  return err;
}

int rom_dmat_destroy(rom_dmat **pm) {
  if (!pm || !*pm) return ROM_OK;
  rom_dmat *m = *pm;
  if (m->owns_data) rom_free(m->ctx, m->data);
  rom_free(m->ctx, m);
  *pm = NULL;
  return ROM_OK;
}

rom_ctx *rom_dmat_ctx(const rom_dmat *m) {
  return m->ctx;
}
rom_int rom_dmat_local_rows(const rom_dmat *m) {
  return m->local_rows;
}
rom_int rom_dmat_global_rows(const rom_dmat *m) {
  return m->global_rows;
}
rom_int rom_dmat_cols(const rom_dmat *m) {
  return m->cols;
}
rom_int rom_dmat_row_offset(const rom_dmat *m) {
  return m->row_offset;
}
rom_int rom_dmat_ld(const rom_dmat *m) {
  return m->ld;
}
double *rom_dmat_data(rom_dmat *m) {
  return m->data;
}
const double *rom_dmat_data_const(const rom_dmat *m) {
  return m->data;
}
size_t rom_dmat_object_bytes(void) {
  return sizeof(struct rom_dmat);
}
void rom_dmat_keep_cols(rom_dmat *m, rom_int cols) {
  if (m && cols >= 0 && cols <= m->cols) m->cols = cols;
}

rom_int rom_dmat_partition_even(rom_int global_rows, int rank, int size) {
  if (size <= 0 || rank < 0 || rank >= size || global_rows < 0) return 0;
  rom_int base = global_rows / size, extra = global_rows % size;
  return base + (rank < extra ? 1 : 0);
}

int rom_dmat_check_finite(const rom_dmat *m, const char *what) {
  int err = ROM_OK;
  rom_ctx *ctx = m->ctx;
  rom_int bad_row = -1, bad_col = -1;
  double bad_value = 0.0;
  for (rom_int j = 0; j < m->cols && bad_row < 0; ++j)
    for (rom_int i = 0; i < m->local_rows; ++i)
      if (!isfinite(m->data[i + j * m->ld])) {
        bad_row = m->row_offset + i;
        bad_col = j;
        bad_value = m->data[i + j * m->ld];
        break;
      }
  ROM_CHECK_ALL(ctx, bad_row < 0, ROM_ERR_NOT_FINITE, "%s holds %s at global row %lld, column %lld",
                what ? what : "matrix", isnan(bad_value) ? "NaN" : "Inf", (long long)bad_row,
                (long long)bad_col);
cleanup:
  return err;
}

int rom_dmat_gather(const rom_dmat *m, int root, double *out) {
  int err = ROM_OK;
  rom_ctx *ctx = m->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  int *counts = NULL, *displs = NULL;
  ROM_CHECK_ALL(ctx, m->local_rows <= INT32_MAX, ROM_ERR_UNSUPPORTED,
                "rom_dmat_gather: local block of %lld rows exceeds MPI's int counts",
                (long long)m->local_rows);
  ROM_CHECK_ALL(ctx, rank != root || out != NULL || m->global_rows * m->cols == 0, ROM_ERR_ARG,
                "rom_dmat_gather: out is NULL on the root rank");
  ROM_CHECK_ALL(ctx, m->global_rows <= INT32_MAX, ROM_ERR_UNSUPPORTED,
                "rom_dmat_gather: %lld global rows exceed MPI's int displacements",
                (long long)m->global_rows);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)size, (void **)&counts));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)size, (void **)&displs));
  {
    int mine = (int)m->local_rows;
    ROM_MPI(ctx, MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, root, comm));
    if (rank == root) {
      displs[0] = 0;
      for (int r = 1; r < size; ++r)
        displs[r] = displs[r - 1] + counts[r - 1];
    }
    for (rom_int j = 0; j < m->cols; ++j) {
      ROM_MPI(ctx, MPI_Gatherv(m->data + j * m->ld, mine, MPI_DOUBLE,
                               rank == root ? out + j * m->global_rows : NULL, counts, displs,
                               MPI_DOUBLE, root, comm));
    }
  }
cleanup:
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  return err;
}

int rom_dmat_transpose_times(const rom_dmat *A, const rom_dmat *B, double *C, rom_int ldc) {
  int err = ROM_OK;
  rom_ctx *ctx = A->ctx;
  double *local = NULL;
  rom_int a = A->cols, b = B->cols;
  ROM_CHECK_ALL(ctx, A->local_rows == B->local_rows, ROM_ERR_DIM,
                "A^T B: A has %lld local rows but B has %lld", (long long)A->local_rows,
                (long long)B->local_rows);
  ROM_CHECK(ctx, ldc >= a, ROM_ERR_ARG, "A^T B: ldc = %lld < A's %lld columns", (long long)ldc,
            (long long)a);
  if (a == 0 || b == 0) goto cleanup;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(a * b), (void **)&local));
  if (A->local_rows > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)a, (int)b, (int)A->local_rows, 1.0,
                A->data, (int)A->ld, B->data, (int)B->ld, 0.0, local, (int)a);
  else
    memset(local, 0, sizeof(double) * (size_t)(a * b));
  ROM_MPI(ctx,
          MPI_Allreduce(MPI_IN_PLACE, local, (int)(a * b), MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < b; ++j)
    memcpy(C + j * ldc, local + j * a, sizeof(double) * (size_t)a);
cleanup:
  rom_free(ctx, local);
  return err;
}

int rom_dmat_transpose_times_vector(const rom_dmat *A, const double *x_local, double *y) {
  int err = ROM_OK;
  rom_ctx *ctx = A->ctx;
  if (A->cols == 0) return ROM_OK;
  if (A->local_rows > 0)
    cblas_dgemv(CblasColMajor, CblasTrans, (int)A->local_rows, (int)A->cols, 1.0, A->data,
                (int)A->ld, x_local, 1, 0.0, y, 1);
  else
    memset(y, 0, sizeof(double) * (size_t)A->cols);
  ROM_MPI(ctx,
          MPI_Allreduce(MPI_IN_PLACE, y, (int)A->cols, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

int rom_dmat_times_vector(const rom_dmat *A, const double *x, double *y_local) {
  if (A->local_rows == 0) return ROM_OK;
  if (A->cols == 0) {
    memset(y_local, 0, sizeof(double) * (size_t)A->local_rows);
    return ROM_OK;
  }
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)A->local_rows, (int)A->cols, 1.0, A->data,
              (int)A->ld, x, 1, 0.0, y_local, 1);
  return ROM_OK;
}
