/* Row-distributed matrix: offsets by MPI_Exscan on uneven partitions (including an
 * empty rank), wrapping without copying, A^T B and A^T x against the gathered matrix
 * computed serially, collective NaN detection, and argument errors. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Entry (i, j) of the test matrix, by global index: the same on any rank count. */
static double entry(rom_int i, rom_int j, uint64_t stream) {
  return rom_rng_normal(5, stream, (uint64_t)(i * 1000 + j));
}

static void fill(rom_dmat *m, uint64_t stream) {
  double *d = rom_dmat_data(m);
  for (rom_int j = 0; j < rom_dmat_cols(m); ++j)
    for (rom_int i = 0; i < rom_dmat_local_rows(m); ++i)
      d[i + j * rom_dmat_ld(m)] = entry(rom_dmat_row_offset(m) + i, j, stream);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const rom_int N = 103, a = 4, b = 3;
  rom_int nloc = test_uneven_rows(N, rank, size);

  /* Offsets: the sum of the rows of lower ranks. */
  rom_dmat *A = NULL, *B = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, nloc, a, &A));
  rom_int expected_offset = 0;
  for (int r = 0; r < rank; ++r)
    expected_offset += test_uneven_rows(N, r, size);
  CHECK(rom_dmat_global_rows(A) == N, "global rows %lld", (long long)rom_dmat_global_rows(A));
  CHECK(rom_dmat_row_offset(A) == expected_offset, "offset %lld vs %lld",
        (long long)rom_dmat_row_offset(A), (long long)expected_offset);
  CHECK(rom_dmat_local_rows(A) == nloc && rom_dmat_cols(A) == a, "local shape");
  fill(A, 1);

  /* Wrap: a caller's array with ld > local rows, used in place. */
  rom_int ld = nloc + 3;
  double *user = calloc((size_t)(ld * b + 1), sizeof(double));
  CHECK_OK(ctx, rom_dmat_wrap(ctx, nloc, b, user, ld, &B));
  CHECK(rom_dmat_data(B) == user, "wrap does not copy");
  fill(B, 2);
  CHECK(nloc == 0 || user[0] == entry(expected_offset, 0, 2), "writes go to the user's array");

  /* A^T B against the gathered matrices. */
  double C[12], y[4];
  CHECK_OK(ctx, rom_dmat_transpose_times(A, B, C, a));
  double *x = malloc(sizeof(double) * (size_t)(nloc > 0 ? nloc : 1));
  for (rom_int i = 0; i < nloc; ++i)
    x[i] = entry(expected_offset + i, 0, 3);
  CHECK_OK(ctx, rom_dmat_transpose_times_vector(A, x, y));
  double max_err = 0, max_err_y = 0;
  for (rom_int p = 0; p < a; ++p) {
    for (rom_int q = 0; q < b; ++q) {
      double s = 0;
      for (rom_int i = 0; i < N; ++i)
        s += entry(i, p, 1) * entry(i, q, 2);
      max_err = fmax(max_err, fabs(s - C[p + q * a]));
    }
    double s = 0;
    for (rom_int i = 0; i < N; ++i)
      s += entry(i, p, 1) * entry(i, 0, 3);
    max_err_y = fmax(max_err_y, fabs(s - y[p]));
  }
  CHECK(max_err < 1e-12, "A^T B error %g", max_err);
  CHECK(max_err_y < 1e-12, "A^T x error %g", max_err_y);

  /* A q on the local rows. */
  double q[4] = {1.0, -2.0, 0.5, 3.0};
  double *Aq = malloc(sizeof(double) * (size_t)(nloc > 0 ? nloc : 1));
  CHECK_OK(ctx, rom_dmat_times_vector(A, q, Aq));
  double max_err_aq = 0;
  for (rom_int i = 0; i < nloc; ++i) {
    double s = 0;
    for (rom_int p = 0; p < a; ++p)
      s += entry(expected_offset + i, p, 1) * q[p];
    max_err_aq = fmax(max_err_aq, fabs(s - Aq[i]));
  }
  CHECK(max_err_aq < 1e-13, "A q error %g", max_err_aq);

  /* Gather to the last rank. */
  double *G = rank == size - 1 ? malloc(sizeof(double) * (size_t)(N * a)) : NULL;
  CHECK_OK(ctx, rom_dmat_gather(A, size - 1, G));
  if (G) {
    int same = 1;
    for (rom_int j = 0; j < a; ++j)
      for (rom_int i = 0; i < N; ++i)
        same &= G[i + j * N] == entry(i, j, 1);
    CHECK(same, "gathered matrix equals the entries");
  }

  /* Finite check: clean passes; a NaN on the last non-empty rank fails everywhere. */
  CHECK_OK(ctx, rom_dmat_check_finite(A, "A"));
  int nan_rank = size >= 3 ? size - 2 : size - 1;
  if (rank == nan_rank && nloc > 1) rom_dmat_data(A)[1 + 2 * rom_dmat_ld(A)] = NAN;
  CHECK_ERR(ctx, rom_dmat_check_finite(A, "snapshots"), ROM_ERR_NOT_FINITE);
  if (rank == nan_rank) {
    const char *msg = rom_ctx_last_error(ctx);
    char want[64];
    snprintf(want, sizeof want, "NaN at global row %lld, column 2", (long long)expected_offset + 1);
    CHECK(strstr(msg, want) && strstr(msg, "snapshots"), "message names row/column: %s", msg);
  }

  /* Argument errors, collective: every rank gets the error, none hangs. */
  rom_dmat *bad = NULL;
  CHECK_ERR(ctx, rom_dmat_create(ctx, rank == 0 ? -1 : 5, 2, &bad), ROM_ERR_ARG);
  CHECK(bad == NULL, "no matrix on failure");
  if (size > 1) /* column counts that differ across ranks */
    CHECK_ERR(ctx, rom_dmat_create(ctx, 5, rank == size - 1 ? 3 : 2, &bad), ROM_ERR_DIM);
  CHECK_ERR(ctx, rom_dmat_wrap(ctx, 10, 2, user, 5, &bad), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_dmat_wrap(ctx, 10, 2, NULL, 10, &bad), ROM_ERR_ARG);
  rom_dmat *wrong_rows = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, nloc + (rank == 0 ? 1 : 0), 2, &wrong_rows));
  CHECK_ERR(ctx, rom_dmat_transpose_times(A, wrong_rows, C, a), ROM_ERR_DIM);

  /* Even partition covers all rows, sizes differ by at most one. */
  rom_int total = 0, mn = N, mx = 0;
  for (int r = 0; r < size; ++r) {
    rom_int n = rom_dmat_partition_even(N, r, size);
    total += n;
    mn = n < mn ? n : mn;
    mx = n > mx ? n : mx;
  }
  CHECK(total == N && mx - mn <= 1, "even partition");

  rom_dmat_destroy(&wrong_rows);
  rom_dmat_destroy(&A);
  rom_dmat_destroy(&B);
  CHECK(A == NULL && B == NULL, "destroy clears handles");
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "no romkit memory left: %zu bytes",
        rom_ctx_bytes_in_use(ctx));
  free(user);
  free(x);
  free(Aq);
  free(G);
  return test_finish(&ctx);
}
