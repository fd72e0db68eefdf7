/* Randomized SVD (Halko-Martinsson-Tropp) at 1, 2 and 4 ranks, against LAPACK dgesdd on the
 * gathered matrix (rank 0):
 *  (a) fast-decaying spectrum (s_i = 2^-i), k = 10, q = 2: leading values to 1e-10 relative,
 *      vectors, orthonormality; uneven partition with an empty rank at P = 4;
 *  (b) exactly low-rank matrix: values exact to 1e-12 (also q = 0);
 *  (c) the seed changes the sketch (visible with q = 0 on a flat spectrum) but not converged
 *      values; every rank count meets the same LAPACK reference;
 *  (d) centring against TSQR; target_rank > min(N, m) -> ROM_ERR_ARG; 1 x 1. */
#include "testutil_svd.h"

#include <lapacke.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK on the gathered (optionally centred) matrix vs the basis: max relative error of the
 * first `nv` values, max vector error (up to sign) of the first `nvec` vectors. Rank 0 computes,
 * the results are broadcast. */
static void compare(rom_ctx *ctx, const rom_dmat *A, int center, const rom_basis *b, rom_int nv,
                    rom_int nvec, double *sv_err, double *vec_err) {
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), r = N < m ? N : m,
          k = rom_basis_dim(b);
  int rank = rom_ctx_rank(ctx);
  double *all = rank == 0 ? malloc(sizeof(double) * (size_t)(N * m + 1)) : NULL;
  double *basis = rank == 0 ? malloc(sizeof(double) * (size_t)(N * k + 1)) : NULL;
  double out[2] = {0.0, 0.0};
  CHECK_OK(ctx, rom_dmat_gather(A, 0, all));
  CHECK_OK(ctx, rom_dmat_gather(rom_basis_vectors(b), 0, basis));
  if (rank == 0) {
    if (center)
      for (rom_int i = 0; i < N; ++i) {
        double mean = 0.0;
        for (rom_int j = 0; j < m; ++j)
          mean += all[i + j * N];
        for (rom_int j = 0; j < m; ++j)
          all[i + j * N] -= mean / (double)m;
      }
    double *s = malloc(sizeof(double) * (size_t)r), *U = malloc(sizeof(double) * (size_t)(N * r));
    double *vt = malloc(sizeof(double) * (size_t)(r * m));
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (int)N, (int)m, all, (int)N, s, U, (int)N, vt,
                              (int)r);
    CHECK(info == 0, "reference dgesdd info %d", info);
    const double *sv = rom_basis_singular_values(b, NULL);
    for (rom_int i = 0; i < nv; ++i)
      out[0] = fmax(out[0], fabs(sv[i] - s[i]) / s[i]);
    for (rom_int j = 0; j < nvec && j < k; ++j) {
      double dp = 0.0, dm = 0.0;
      for (rom_int i = 0; i < N; ++i) {
        dp = fmax(dp, fabs(basis[i + j * N] - U[i + j * N]));
        dm = fmax(dm, fabs(basis[i + j * N] + U[i + j * N]));
      }
      out[1] = fmax(out[1], fmin(dp, dm));
    }
    free(s);
    free(U);
    free(vt);
  }
  MPI_Bcast(out, 2, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  *sv_err = out[0];
  *vec_err = out[1];
  free(all);
  free(basis);
}

static rom_pod_options randomized(rom_int k, int q) {
  rom_pod_options o = rom_pod_options_default();
  o.method = ROM_SVD_RANDOMIZED;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = k;
  o.target_rank = k;
  o.power_iterations = q;
  return o;
}

static void test_fast_decay(rom_ctx *ctx, int rank, int size) {
  double s[80];
  for (int i = 0; i < 80; ++i)
    s[i] = pow(0.5, i);
  for (int pass = 0; pass < 2; ++pass) {
    rom_int lr =
        pass == 0 ? rom_dmat_partition_even(500, rank, size) : test_uneven_rows(500, rank, size);
    rom_dmat *A = test_known_matrix(ctx, lr, 80, s, 80);
    rom_basis *b = NULL;
    rom_pod_options o = randomized(10, 2);
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      rom_int r = 0;
      rom_basis_singular_values(b, &r);
      CHECK(r == 10 && rom_basis_dim(b) == 10, "fast decay: r = %lld, k = %lld", (long long)r,
            (long long)rom_basis_dim(b));
      double se = 1, ve = 1;
      compare(ctx, A, 0, b, 10, 10, &se, &ve);
      CHECK(se <= 1e-10, "fast decay (pass %d): leading 10 values relative error %.3g > 1e-10",
            pass, se);
      CHECK(ve <= 1e-8, "fast decay (pass %d): leading 10 vectors differ by %.3g", pass, ve);
      CHECK(test_orthogonality_error(ctx, rom_basis_vectors(b)) <= 1e-13,
            "fast decay: orthonormality");
      if (rank == 0 && getenv("ROMKIT_VERBOSE"))
        printf("fast decay pass %d: values %.3g vectors %.3g\n", pass, se, ve);
    }
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
}

static void test_low_rank(rom_ctx *ctx, int rank, int size) {
  const double s[6] = {5.0, 4.0, 3.0, 2.0, 1.0, 0.5};
  rom_dmat *A = test_known_matrix(ctx, test_uneven_rows(300, rank, size), 40, s, 6);
  for (int q = 0; q <= 2; q += 2) {
    rom_basis *b = NULL;
    rom_pod_options o = randomized(6, q);
    o.oversampling = 4;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      const double *sv = rom_basis_singular_values(b, NULL);
      for (int i = 0; i < 6; ++i)
        CHECK_CLOSE(sv[i], s[i], 1e-12, "low rank (q = %d): value %d", q, i);
      double se = 1, ve = 1;
      compare(ctx, A, 0, b, 6, 6, &se, &ve);
      CHECK(se <= 1e-12 && ve <= 1e-10, "low rank (q = %d) vs LAPACK: values %.3g vectors %.3g", q,
            se, ve);
      CHECK(test_orthogonality_error(ctx, rom_basis_vectors(b)) <= 1e-13,
            "low rank: orthonormality");
    }
    rom_basis_destroy(&b);
  }
  rom_dmat_destroy(&A);
}

static void test_seed(rom_ctx *ctx, int rank, int size) {
  /* flat spectrum, no power iteration: the sketch shows in the values */
  rom_dmat *A = test_random_matrix(ctx, rom_dmat_partition_even(200, rank, size), 40, 3);
  rom_basis *b1 = NULL, *b2 = NULL;
  rom_pod_options o = randomized(5, 0);
  o.oversampling = 2;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b1));
  rom_ctx_set_seed(ctx, 7);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b2));
  if (b1 && b2) {
    double d = 0.0;
    for (int i = 0; i < 5; ++i)
      d = fmax(
          d, fabs(rom_basis_singular_values(b1, NULL)[i] - rom_basis_singular_values(b2, NULL)[i]));
    CHECK(d > 1e-6, "seed 42 vs 7 with q = 0 on a flat spectrum: values differ by only %.3g", d);
  }
  rom_basis_destroy(&b1);
  rom_basis_destroy(&b2);
  rom_dmat_destroy(&A);
  /* converged values do not depend on the seed */
  double s[60];
  for (int i = 0; i < 60; ++i)
    s[i] = pow(0.3, i);
  A = test_known_matrix(ctx, rom_dmat_partition_even(300, rank, size), 60, s, 60);
  o = randomized(8, 2);
  rom_ctx_set_seed(ctx, 42);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b1));
  rom_ctx_set_seed(ctx, 12345);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b2));
  rom_ctx_set_seed(ctx, 42);
  if (b1 && b2) {
    double d = 0.0;
    for (int i = 0; i < 8; ++i)
      d = fmax(
          d, fabs(rom_basis_singular_values(b1, NULL)[i] - rom_basis_singular_values(b2, NULL)[i]) /
                 s[i]);
    CHECK(d <= 1e-12, "converged values differ across seeds by %.3g", d);
    double se = 1, ve = 1;
    compare(ctx, A, 0, b2, 8, 8, &se, &ve);
    CHECK(se <= 1e-12, "seed 12345: values vs LAPACK %.3g", se);
  }
  rom_basis_destroy(&b1);
  rom_basis_destroy(&b2);
  rom_dmat_destroy(&A);
}

static void test_center_and_errors(rom_ctx *ctx, int rank, int size) {
  double s[30];
  for (int i = 0; i < 30; ++i)
    s[i] = pow(0.4, i);
  rom_dmat *A = test_known_matrix(ctx, test_uneven_rows(200, rank, size), 30, s, 30);
  {
    rom_int lr = rom_dmat_local_rows(A), off = rom_dmat_row_offset(A), ld = rom_dmat_ld(A);
    for (rom_int j = 0; j < 30; ++j)
      for (rom_int i = 0; i < lr; ++i)
        rom_dmat_data(A)[i + j * ld] += 2.0 + sin(0.1 * (double)(off + i));
  }
  rom_basis *b = NULL;
  rom_pod_options o = randomized(8, 2);
  o.center = 1;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) {
    double se = 1, ve = 1;
    compare(ctx, A, 1, b, 8, 8, &se, &ve);
    CHECK(se <= 1e-10 && ve <= 1e-8, "centred: values %.3g vectors %.3g vs LAPACK", se, ve);
    CHECK(rom_basis_reference(b) != NULL, "centred: mean stored");
  }
  rom_basis_destroy(&b);
  o.center = 0;
  o.target_rank = 31;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "31") && strstr(rom_ctx_last_error(ctx), "30"),
        "the message names both numbers: %s", rom_ctx_last_error(ctx));
  /* energy truncation without target_rank: all values, exact */
  o = rom_pod_options_default();
  o.method = ROM_SVD_RANDOMIZED;
  o.energy = 0.999999;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
  /* 1 x 1 on rank 0 only (other ranks empty) */
  rom_dmat *one = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, rank == 0 ? 1 : 0, 1, &one));
  if (one && rank == 0) rom_dmat_data(one)[0] = -2.5;
  o = randomized(1, 2);
  CHECK_OK(ctx, rom_pod_compute(one, &o, &b));
  if (b) {
    CHECK_CLOSE(rom_basis_singular_values(b, NULL)[0], 2.5, 1e-15, "1 x 1 value");
    if (rank == 0) CHECK(rom_dmat_data_const(rom_basis_vectors(b))[0] == 1.0, "1 x 1 vector sign");
  }
  rom_basis_destroy(&b);
  rom_dmat_destroy(&one);
  (void)size;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  test_fast_decay(ctx, rank, size);
  test_low_rank(ctx, rank, size);
  test_seed(ctx, rank, size);
  test_center_and_errors(ctx, rank, size);
  return test_finish(&ctx);
}
