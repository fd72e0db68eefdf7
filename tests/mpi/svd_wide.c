/* Wide snapshot sets (m >> N) at 1, 2 and 4 ranks: the "wide" driver (TSQR of the
 * transpose, librom/pod/svd_wide.c) and TSQR beyond the old 32767-column limit, against
 * references that do not depend on the rank count:
 *  (a) LAPACK dgesdd on the gathered (optionally centred) matrix, on rank 0: random wide
 *      matrices with m = 40000 > 32767, uneven partitions with an empty last rank, an empty
 *      rank 0, every row on the last rank, N < P (ranks without rows), m < P (ranks without
 *      columns of the transpose), centring, truncation;
 *  (b) a graded spectrum s_i = 10^(-10 i / (N - 1)) (A = U diag(s) V^T with DST vectors): every
 *      singular value to 1e-13 s_1 absolute (the method of snapshots, which squares the
 *      condition number, loses everything below about 1e-8 s_1), and each vector to its
 *      perturbation bound eps s_1 / gap;
 *  (c) errors on every rank: a memory budget too small (ROM_ERR_NOMEM naming the bytes);
 *  (d) ROM_SVD_AUTO takes "wide" for m > N, m > 4000 (rom_pod_choose_method, and the method stored
 * in the basis's provenance through rom_pod_compute). */
#include "testutil_svd.h"

#include "pod/svd_driver.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static rom_pod_options wide_options(rom_svd_method method, rom_int rank) {
  rom_pod_options o = rom_pod_options_default();
  o.method = method;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = rank;
  return o;
}

/* The basis against LAPACK on the gathered matrix: every singular value to 1e-12 s_1, the
 * first k vectors (after the sign rule) to vec_tol, orthonormality to 1e-12. */
static void compare_with_lapack(rom_ctx *ctx, const char *what, const rom_dmat *A, int center,
                                const rom_basis *b, double vec_tol) {
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), r = N < m ? N : m, rb = 0;
  rom_int k = rom_basis_dim(b);
  const double *sv = rom_basis_singular_values(b, &rb);
  double *all = test_gather(ctx, A), *basis = test_gather(ctx, rom_basis_vectors(b));
  double orth = test_orthogonality_error(ctx, rom_basis_vectors(b));
  CHECK(rb == r, "%s: %lld singular values, expected min(N, m) = %lld", what, (long long)rb,
        (long long)r);
  CHECK(orth <= 1e-12, "%s: ||U^T U - I||_max = %.3g > 1e-12", what, orth);
  if (rom_ctx_rank(ctx) == 0 && rb == r) {
    double *s = malloc(sizeof(double) * (size_t)r), *U = malloc(sizeof(double) * (size_t)(N * r));
    double sv_err = 0.0, vec_err = 0.0;
    if (center)
      for (rom_int i = 0; i < N; ++i) {
        double mean = 0.0;
        for (rom_int j = 0; j < m; ++j)
          mean += all[i + j * N];
        mean /= (double)m;
        for (rom_int j = 0; j < m; ++j)
          all[i + j * N] -= mean;
      }
    test_lapack_svd(N, m, all, s, U);
    for (rom_int i = 0; i < r; ++i)
      sv_err = fmax(sv_err, fabs(sv[i] - s[i]) / s[0]);
    CHECK(sv_err <= 1e-12, "%s: singular values differ from LAPACK by %.3g (relative to s_1)", what,
          sv_err);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i < N; ++i)
        vec_err = fmax(vec_err, fabs(basis[i + j * N] - U[i + j * N]));
    CHECK(vec_err <= vec_tol, "%s: basis differs from LAPACK's by %.3g (max entry)", what, vec_err);
    free(s);
    free(U);
  }
  free(all);
  free(basis);
}

static void run_random(rom_ctx *ctx, const char *what, rom_svd_method method, rom_int lr, rom_int m,
                       rom_int rank_opt, int center, uint64_t seed) {
  rom_dmat *A = test_random_matrix(ctx, lr, m, seed);
  rom_basis *b = NULL;
  rom_pod_options o = wide_options(method, rank_opt);
  o.center = center;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) compare_with_lapack(ctx, what, A, center, b, 1e-9);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

/* (a) */
static void test_random_shapes(rom_ctx *ctx, int rank, int size) {
  const rom_int big = 40000; /* > 32767, the old TSQR limit */
  /* N = 16, every rank with rows except the last at P = 4 */
  run_random(ctx, "wide 16 x 40000 uneven", ROM_SVD_WIDE, test_uneven_rows(16, rank, size), big, 16,
             0, 11);
  /* centring (the shift gathered and subtracted after the transposition), truncation k < N */
  run_random(ctx, "wide 8 x 40000 centred, k = 5", ROM_SVD_WIDE, test_uneven_rows(8, rank, size),
             big, 5, 1, 12);
  /* rank 0 owns no rows (it still gets columns of the transpose, and holds R) */
  run_random(ctx, "wide 24 x 3001 empty root", ROM_SVD_WIDE,
             size == 1 ? 24 : (rank == 0 ? 0 : rom_dmat_partition_even(24, rank - 1, size - 1)),
             3001, 24, 0, 13);
  /* every row on the last rank */
  run_random(ctx, "wide 20 x 999 all rows on the last rank", ROM_SVD_WIDE,
             rank == size - 1 ? 20 : 0, 999, 20, 0, 14);
  /* N = 3 < P = 4: a rank with zero rows on an even partition */
  run_random(ctx, "wide 3 x 5000", ROM_SVD_WIDE, rom_dmat_partition_even(3, rank, size), 5000, 3, 0,
             15);
  /* m = 3 < P: ranks with no columns of the transpose; tall (r = m) */
  run_random(ctx, "tall 30 x 3 by wide", ROM_SVD_WIDE, test_uneven_rows(30, rank, size), 3, 3, 0,
             16);
  /* N = 64, more columns per rank than rows: the R_q are full N x N */
  run_random(ctx, "wide 64 x 2000", ROM_SVD_WIDE, rom_dmat_partition_even(64, rank, size), 2000, 64,
             1, 17);
  /* TSQR itself, beyond its old 32767-column limit (a wide matrix: R is N x m on rank 0) */
  run_random(ctx, "tsqr 8 x 40000", ROM_SVD_TSQR, test_uneven_rows(8, rank, size), big, 8, 0, 18);
}

/* (b) A = U diag(s) V^T, s_i = 10^(-10 i / (N - 1)): values to 1e-13 s_1 absolute (the
 * Gram matrix A A^T would give about sqrt(eps) s_1 = 1e-8 s_1 for the small ones), vector j to
 * 1e-13 s_1 / (min gap to its neighbours), against the exact DST vectors and LAPACK. */
static void test_graded(rom_ctx *ctx, int rank, int size) {
  const rom_int N = 32, m = 40000;
  double s[32];
  for (rom_int i = 0; i < N; ++i)
    s[i] = pow(10.0, -10.0 * (double)i / (double)(N - 1));
  rom_dmat *A = test_known_matrix(ctx, test_uneven_rows(N, rank, size), m, s, N);
  rom_basis *b = NULL;
  rom_pod_options o = wide_options(ROM_SVD_WIDE, N);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b && A) {
    rom_int rb = 0;
    const double *sv = rom_basis_singular_values(b, &rb);
    double sv_err = 0.0, small_rel = 0.0;
    CHECK(rb == N, "graded: %lld singular values, expected %lld", (long long)rb, (long long)N);
    for (rom_int i = 0; i < N && i < rb; ++i) {
      sv_err = fmax(sv_err, fabs(sv[i] - s[i]));
      if (i == N - 1) small_rel = fabs(sv[i] - s[i]) / s[i];
    }
    CHECK(sv_err <= 1e-13, "graded: singular values off the exact ones by %.3g s_1 (> 1e-13)",
          sv_err);
    CHECK(small_rel <= 1e-2, "graded: s_N = 1e-10 off by %.3g relative (> 1e-2)", small_rel);
    /* vectors: the exact U is the DST-I matrix of size N (problems.h), sign rule applied */
    double *basis = test_gather(ctx, rom_basis_vectors(b)), *all = test_gather(ctx, A);
    if (rank == 0) {
      double *ls = malloc(sizeof(double) * (size_t)N), *lu = malloc(sizeof(double) * (size_t)N * N);
      double *exact = malloc(sizeof(double) * (size_t)N * N);
      double worst = 0.0, worst_lapack = 0.0;
      test_lapack_svd(N, m, all, ls, lu);
      for (rom_int j = 0; j < N; ++j)
        for (rom_int i = 0; i < N; ++i) {
          rom_int t = ((i + 1) * (j + 1)) % (2 * (N + 1));
          exact[i + j * N] = sqrt(2.0 / (double)(N + 1)) *
                             sin(3.14159265358979323846 * (double)t / (double)(N + 1));
        }
      test_sign_normalise(N, N, exact);
      for (rom_int j = 0; j < N; ++j) {
        /* up to sign: a DST vector's two peaks have equal magnitude, so the sign rule's
         * choice depends on round-off (docs/pod.md, "Sign rule") */
        double gap = INFINITY, e[2] = {0.0, 0.0}, el[2] = {0.0, 0.0};
        if (j > 0) gap = fmin(gap, s[j - 1] - s[j]);
        if (j + 1 < N) gap = fmin(gap, s[j] - s[j + 1]);
        for (rom_int i = 0; i < N; ++i)
          for (int sg = 0; sg < 2; ++sg) {
            double x = sg ? -basis[i + j * N] : basis[i + j * N];
            e[sg] = fmax(e[sg], fabs(x - exact[i + j * N]));
            el[sg] = fmax(el[sg], fabs(x - lu[i + j * N]));
          }
        worst = fmax(worst, fmin(e[0], e[1]) * gap / 1e-13);
        worst_lapack = fmax(worst_lapack, fmin(el[0], el[1]) * gap / 1e-13);
      }
      {
        /* The test tells the methods apart: the method of snapshots (eigenvalues of the Gram
         * matrix A A^T, then s = sqrt) misses the 1e-13 s_1 bound by orders of magnitude. */
        double *G = malloc(sizeof(double) * (size_t)N * N), *w = malloc(sizeof(double) * (size_t)N);
        double gram_err = 0.0;
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)N, (int)m, 1.0, all, (int)N, 0.0,
                    G, (int)N);
        CHECK(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)N, G, (lapack_int)N, w) == 0,
              "graded: dsyev of the Gram matrix");
        for (rom_int i = 0; i < N; ++i) /* w ascending */
          gram_err = fmax(gram_err, fabs(sqrt(fmax(w[N - 1 - i], 0.0)) - s[i]));
        CHECK(gram_err > 1e-11, "graded: the Gram matrix's values are off by only %.3g s_1",
              gram_err);
        free(G);
        free(w);
      }
      CHECK(worst <= 1.0,
            "graded: a vector is off the exact one by %.3g x its bound 1e-13 s_1 / gap", worst);
      CHECK(worst_lapack <= 1.0,
            "graded: a vector is off LAPACK's by %.3g x its bound 1e-13 s_1 / gap", worst_lapack);
      free(ls);
      free(lu);
      free(exact);
    }
    free(basis);
    free(all);
  }
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

/* (c) */
static void test_errors(rom_ctx *ctx, int rank, int size) {
  rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(40, rank, size), 4000, 21);
  rom_basis *b = NULL;
  rom_pod_options o = wide_options(ROM_SVD_WIDE, 10);
  o.memory_budget = 1e5; /* the transpose alone is 40 * 4000 * 8 / P bytes */
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOMEM);
  CHECK(strstr(rom_ctx_last_error(ctx), "bytes per rank") != NULL ||
            strstr(rom_ctx_last_error(ctx), "another rank") != NULL,
        "budget error names the bytes: '%s'", rom_ctx_last_error(ctx));
  CHECK(b == NULL, "no basis after an error");
  o.memory_budget = 0.0;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

/* (d) */
static void test_auto(rom_ctx *ctx, int rank, int size) {
  rom_pod_options o = rom_pod_options_default();
  CHECK(rom_pod_choose_method(256, 40000, 1, &o) == ROM_SVD_WIDE, "256 x 40000 on 1 rank: wide");
  CHECK(rom_pod_choose_method(256, 40000, 2, &o) == ROM_SVD_WIDE, "256 x 40000 on 2 ranks: wide");
  CHECK(rom_pod_choose_method(8, (rom_int)1 << 31, 64, &o) == ROM_SVD_WIDE,
        "8 x 2^31 on 64 ranks: wide");
  CHECK(rom_pod_choose_method(20000, 200, 2, &o) == ROM_SVD_TSQR, "20000 x 200: tsqr");
  CHECK(rom_pod_choose_method(400, 700, 2, &o) == ROM_SVD_TSQR,
        "400 x 700 (m <= 4000: TSQR's m x m factor is small): tsqr");
  CHECK(rom_pod_choose_method(5000, 40000, 16, &o) == ROM_SVD_SCALAPACK,
        "5000 x 40000 (N x N factors too large): scalapack");
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 20;
  CHECK(rom_pod_choose_method(256, 40000, 2, &o) == ROM_SVD_WIDE,
        "256 x 40000, rank 20: wide (exact and cheap)");
  o = rom_pod_options_default();
  o.memory_budget = 1e6; /* the local block exceeds it */
  CHECK(rom_pod_choose_method(256, 40000, 2, &o) == ROM_SVD_INCREMENTAL,
        "256 x 40000 with a 1 MB budget: incremental");
  {
    rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(12, rank, size), 5000, 31);
    rom_basis *b = NULL;
    rom_pod_options a = wide_options(ROM_SVD_AUTO, 12);
    CHECK_OK(ctx, rom_pod_compute(A, &a, &b));
    if (b) compare_with_lapack(ctx, "auto 12 x 5000", A, 0, b, 1e-9);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  test_random_shapes(ctx, rank, size);
  test_graded(ctx, rank, size);
  test_errors(ctx, rank, size);
  test_auto(ctx, rank, size);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "%zu bytes still allocated through the context",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
