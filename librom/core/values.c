/* Checks on values and sizes from users and files (core/values.h). */
#include "core/values.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int rom_count_mul(rom_ctx *ctx, rom_int a, rom_int b, const char *what, rom_int *out) {
  int err = ROM_OK;
  ROM_CHECK(ctx, a >= 0 && b >= 0, ROM_ERR_ARG, "%s: negative size %lld x %lld",
            what ? what : "size", (long long)a, (long long)b);
  ROM_CHECK(ctx, a == 0 || b <= INT64_MAX / a, ROM_ERR_NOMEM,
            "%s: %lld x %lld elements overflow a 64-bit size", what ? what : "size", (long long)a,
            (long long)b);
  *out = a * b;
cleanup:
  return err;
}

int rom_count_add(rom_ctx *ctx, rom_int a, rom_int b, const char *what, rom_int *out) {
  int err = ROM_OK;
  ROM_CHECK(ctx, a >= 0 && b >= 0, ROM_ERR_ARG, "%s: negative size %lld + %lld",
            what ? what : "size", (long long)a, (long long)b);
  ROM_CHECK(ctx, b <= INT64_MAX - a, ROM_ERR_NOMEM,
            "%s: %lld + %lld elements overflow a 64-bit size", what ? what : "size", (long long)a,
            (long long)b);
  *out = a + b;
cleanup:
  return err;
}

int rom_malloc_n(rom_ctx *ctx, rom_int a, rom_int b, size_t size, void **out) {
  int err = ROM_OK;
  rom_int count = 0;
  size_t bytes = 0;
  *out = NULL;
  ROM_TRY(ctx, rom_count_mul(ctx, a, b, "allocation", &count));
  ROM_TRY(ctx, rom_size_mul(ctx, count, size, &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, out));
cleanup:
  return err;
}

double rom_memory_physical(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
}

int rom_memory_check(rom_ctx *ctx, double bytes, const char *what, const char *hint) {
  int err = ROM_OK;
  const double phys = rom_memory_physical(), gib = 1024.0 * 1024.0 * 1024.0;
  ROM_CHECK(ctx, phys <= 0.0 || (bytes >= 0.0 && bytes <= phys), ROM_ERR_NOMEM,
            "%s need %.3g GiB per rank, more than the %.3g GiB of memory of this machine%s%s",
            what ? what : "this operation", bytes / gib, phys / gib, hint ? ": " : "",
            hint ? hint : "");
cleanup:
  return err;
}

/* "[3, 17]": the index of element (r, c) of the matrix view of a dataset of dims `dims`
 * (the column index unravelled over dims[1..] in row-major order). */
static void index_text(int ndims, const rom_int *dims, rom_int r, rom_int c, char *buf,
                       size_t len) {
  rom_int idx[4] = {0, 0, 0, 0};
  if (ndims <= 1) {
    snprintf(buf, len, "[%lld]", (long long)c);
    return;
  }
  idx[0] = r;
  for (int d = ndims - 1; d >= 1; --d) {
    rom_int n = dims[d] > 0 ? dims[d] : 1;
    idx[d] = c % n;
    c /= n;
  }
  size_t used = (size_t)snprintf(buf, len, "[");
  for (int d = 0; d < ndims && used < len; ++d)
    used += (size_t)snprintf(buf + used, len - used, "%s%lld", d ? ", " : "", (long long)idx[d]);
  if (used < len) snprintf(buf + used, len - used, "]");
}

/* The first non-finite value of a block as a key: its linear position in the dataset's
 * matrix view times 4 plus its kind (0 NaN, 1 +Inf, 2 -Inf); INT64_MAX if none. */
static rom_int first_bad_key(rom_int row0, rom_int rows, rom_int col0, rom_int cols,
                             rom_int total_cols, const double *data, rom_int ld) {
  for (rom_int a = 0; a < rows && data; ++a) {
    const double *row = data + a * ld;
    for (rom_int b = 0; b < cols; ++b)
      if (!isfinite(row[b]))
        return ((row0 + a) * total_cols + col0 + b) * 4 + (isnan(row[b]) ? 0 : row[b] > 0 ? 1 : 2);
  }
  return INT64_MAX;
}

static rom_int matrix_cols(int ndims, const rom_int *dims) {
  rom_int cols = 1;
  for (int d = ndims >= 2 ? 1 : 0; d < ndims; ++d)
    cols *= dims[d] > 0 ? dims[d] : 1;
  return cols;
}

static int report(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                  const rom_int *dims, rom_int key, const char *func, int line) {
  char where[128];
  static const char *const kinds[3] = {"NaN", "+Inf", "-Inf"};
  rom_int cols = matrix_cols(ndims, dims), pos = key / 4;
  index_text(ndims < 1 ? 1 : (ndims > 4 ? 4 : ndims), dims, pos / cols, pos % cols, where,
             sizeof where);
  return rom_error_set(ctx, ROM_ERR_NOT_FINITE, __FILE__, line, func,
                       "dataset '%s' in '%s' holds %s at %s", dataset ? dataset : "(memory)",
                       file ? file : "(memory)", kinds[key % 4], where);
}

int rom_check_finite_local(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, rom_int row0, rom_int rows, rom_int col0,
                           rom_int cols, const double *data, rom_int ld) {
  rom_int key = first_bad_key(row0, rows, col0, cols, matrix_cols(ndims, dims), data, ld);
  return key == INT64_MAX ? ROM_OK
                          : report(ctx, file, dataset, ndims, dims, key, __func__, __LINE__);
}

int rom_check_finite_block(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, rom_int row0, rom_int rows, rom_int col0,
                           rom_int cols, const double *data, rom_int ld) {
  /* every rank reports the same first bad value (the lowest position over the ranks), so
   * the message does not depend on which rank holds it */
  rom_int key = first_bad_key(row0, rows, col0, cols, matrix_cols(ndims, dims), data, ld), all = 0;
  if (MPI_Allreduce(&key, &all, 1, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)) != MPI_SUCCESS)
    return rom_error_set(ctx, ROM_ERR_MPI, __FILE__, __LINE__, __func__,
                         "MPI_Allreduce failed while checking dataset '%s' in '%s'",
                         dataset ? dataset : "(memory)", file ? file : "(memory)");
  return all == INT64_MAX ? ROM_OK
                          : report(ctx, file, dataset, ndims, dims, all, __func__, __LINE__);
}

int rom_check_finite_array(rom_ctx *ctx, const char *file, const char *dataset, int ndims,
                           const rom_int *dims, const double *data) {
  rom_int rows = ndims >= 2 ? dims[0] : 1, cols = 1;
  for (int d = ndims >= 2 ? 1 : 0; d < ndims; ++d)
    cols *= dims[d]; /* the caller holds rows * cols values: the product fits */
  return rom_check_finite_block(ctx, file, dataset, ndims, dims, 0, rows, 0, cols, data, cols);
}
