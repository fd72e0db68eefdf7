/* The ScaLAPACK SVD driver (ROM_SVD_SCALAPACK) at 1, 2 and 4 ranks, against references
 * that do not depend on the rank count:
 *  (a) LAPACK dgesdd on the gathered matrix (rank 0): random matrices of several shapes
 *      (1-D and 2-D process grids, several row and column blocks per process), uneven
 *      partitions with an empty rank, an empty rank 0, N < m, centring;
 *  (b) known spectra (A = U diag(s) V^T with DST vectors): graded 10^(-8 i/m), clustered
 *      (groups of nearly equal values), exactly repeated values (subspaces compared, not
 *      vectors), rank-deficient, 1 x 1, k = m;
 *  (c) errors on every rank: a memory budget too small (ROM_ERR_NOMEM with the bytes in the
 *      sentence, nothing allocated; the stated size is enough and is not exceeded), NaN on
 *      one rank (ROM_ERR_NOT_FINITE);
 *  (d) a run on a sub-communicator (the grid is built on the context's communicator);
 *  (f) the memory goal at 1 and 2 ranks: peak beyond the input <= 2 local blocks + 5 m^2;
 *  (e) ROM_SVD_AUTO's rule (rom_pod_choose_method) on a few shapes. */
#include "testutil_svd.h"

#include "pod/svd_driver.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Serial: || (I - X X^T) Y ||_F for N x c orthonormal X and Y (ld N): the sine of the
 * angles between the two subspaces, accurate to round-off (not a difference of squares). */
static double subspace_distance(rom_int N, rom_int c, const double *X, const double *Y) {
  double e = 0.0;
  double *g = malloc(sizeof(double) * (size_t)(c * c));
  for (rom_int a = 0; a < c; ++a)
    for (rom_int b = 0; b < c; ++b) {
      double v = 0.0;
      for (rom_int i = 0; i < N; ++i)
        v += X[i + a * N] * Y[i + b * N];
      g[a + b * c] = v;
    }
  for (rom_int b = 0; b < c; ++b)
    for (rom_int i = 0; i < N; ++i) {
      double v = Y[i + b * N];
      for (rom_int a = 0; a < c; ++a)
        v -= X[i + a * N] * g[a + b * c];
      e += v * v;
    }
  free(g);
  return sqrt(e);
}

static rom_pod_options scalapack_options(rom_int rank) {
  rom_pod_options o = rom_pod_options_default();
  o.method = ROM_SVD_SCALAPACK;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = rank;
  return o;
}

/* Compares a basis with LAPACK on the gathered (optionally centred) matrix: every singular
 * value to 1e-12 * s_0, the leading five to 1e-12 relative, the vectors after the sign rule to
 * vec_tol, or, when `subspace` is set, the span of the first k vectors. */
static void compare_with_lapack(rom_ctx *ctx, const char *what, const rom_dmat *A, int center,
                                const rom_basis *b, double vec_tol, int subspace) {
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), r = N < m ? N : m, rb = 0;
  rom_int k = rom_basis_dim(b);
  const double *sv = rom_basis_singular_values(b, &rb);
  double *all = test_gather(ctx, A), *basis = test_gather(ctx, rom_basis_vectors(b));
  CHECK(rb == r, "%s: %lld singular values, expected min(N, m) = %lld", what, (long long)rb,
        (long long)r);
  double orth = test_orthogonality_error(ctx, rom_basis_vectors(b));
  CHECK(orth <= 1e-12, "%s: ||U^T U - I||_max = %.3g > 1e-12", what, orth);
  if (rom_ctx_rank(ctx) == 0 && rb == r) {
    double *s = malloc(sizeof(double) * (size_t)r), *U = malloc(sizeof(double) * (size_t)(N * r));
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
    double sv_err = 0.0, vec_err = 0.0;
    for (rom_int i = 0; i < r; ++i)
      sv_err = fmax(sv_err, fabs(sv[i] - s[i]) / s[0]);
    CHECK(sv_err <= 1e-12, "%s: singular values differ from LAPACK by %.3g (relative to s_0)", what,
          sv_err);
    for (rom_int i = 0; i < 5 && i < r; ++i)
      CHECK_CLOSE(sv[i], s[i], 1e-12, "%s: leading singular value %lld", what, (long long)i);
    if (subspace) {
      vec_err = subspace_distance(N, k, basis, U);
    } else {
      for (rom_int j = 0; j < k; ++j)
        for (rom_int i = 0; i < N; ++i)
          vec_err = fmax(vec_err, fabs(basis[i + j * N] - U[i + j * N]));
    }
    CHECK(vec_err <= vec_tol, "%s: basis differs from LAPACK's by %.3g (%s)", what, vec_err,
          subspace ? "subspace distance" : "max entry");
    free(s);
    free(U);
  }
  free(all);
  free(basis);
}

static void run_random(rom_ctx *ctx, const char *what, rom_int lr, rom_int m, rom_int rank_opt,
                       int center, uint64_t seed) {
  rom_dmat *A = test_random_matrix(ctx, lr, m, seed);
  rom_basis *b = NULL;
  rom_pod_options o = scalapack_options(rank_opt);
  o.center = center;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) compare_with_lapack(ctx, what, A, center, b, 1e-9, 0);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

static void test_random_shapes(rom_ctx *ctx, int rank, int size) {
  /* tall, m = 7: a P x 1 grid */
  run_random(ctx, "random 500 x 7", rom_dmat_partition_even(500, rank, size), 7, 7, 0, 1);
  /* m = 50: a 2 x 2 grid at P = 4 (nb = 25), two column blocks */
  run_random(ctx, "random 200 x 50", rom_dmat_partition_even(200, rank, size), 50, 50, 0, 2);
  /* nb = 17 at P = 4: several row blocks per process row (the cyclic wrap) */
  run_random(ctx, "random 130 x 33 uneven", test_uneven_rows(130, rank, size), 33, 33, 0, 3);
  /* uneven with fewer rows than m on every rank, an empty last rank at P = 4 */
  run_random(ctx, "uneven 60 x 40", test_uneven_rows(60, rank, size), 40, 40, 0, 4);
  /* rank 0 owns no rows */
  run_random(ctx, "empty root 100 x 40",
             size == 1 ? 100 : (rank == 0 ? 0 : rom_dmat_partition_even(100, rank - 1, size - 1)),
             40, 40, 0, 5);
  /* N < m: r = N */
  run_random(ctx, "wide 15 x 20", test_uneven_rows(15, rank, size), 20, 1000, 0, 6);
  /* centring (the shift applied during the redistribution) and truncation k < r */
  run_random(ctx, "centred 200 x 25, k = 10", test_uneven_rows(200, rank, size), 25, 10, 1, 7);
}

/* Known spectrum: values against s (leading `lead` relative, all absolute 1e-14 * s_0) and,
 * for each group [g0, g1) of `groups`, the span of those basis vectors against the exact
 * DST columns (repeated or clustered values: only the subspace is determined). */
static void run_known(rom_ctx *ctx, const char *what, rom_int lr, rom_int m, const double *s,
                      rom_int nonzero, const rom_int *groups, int ngroups) {
  rom_dmat *A = test_known_matrix(ctx, lr, m, s, nonzero);
  rom_basis *b = NULL;
  rom_pod_options o = scalapack_options(m);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) {
    rom_int r = 0, N = rom_dmat_global_rows(A);
    const double *sv = rom_basis_singular_values(b, &r);
    CHECK(r == (N < m ? N : m) && rom_basis_dim(b) == r, "%s: r = %lld, k = %lld", what,
          (long long)r, (long long)rom_basis_dim(b));
    double rel = 0.0, abs_err = 0.0;
    for (rom_int i = 0; i < r; ++i) {
      double exact = i < nonzero ? s[i] : 0.0;
      if (i < nonzero && exact >= 1e-2 * s[0]) rel = fmax(rel, fabs(sv[i] - exact) / exact);
      abs_err = fmax(abs_err, fabs(sv[i] - exact));
    }
    CHECK(rel <= 1e-12, "%s: leading values relative error %.3g > 1e-12", what, rel);
    CHECK(abs_err <= 1e-14 * s[0], "%s: absolute error %.3g > 1e-14 s_0", what, abs_err);
    double orth = test_orthogonality_error(ctx, rom_basis_vectors(b));
    CHECK(orth <= 1e-12, "%s: ||U^T U - I||_max = %.3g", what, orth);
    double *basis = test_gather(ctx, rom_basis_vectors(b));
    if (rom_ctx_rank(ctx) == 0)
      for (int g = 0; g < ngroups; ++g) {
        rom_int g0 = groups[2 * g], g1 = groups[2 * g + 1], c = g1 - g0;
        double *E = malloc(sizeof(double) * (size_t)(N * c));
        for (rom_int j = 0; j < c; ++j)
          for (rom_int i = 0; i < N; ++i)
            E[i + j * N] = rom_dst_entry(N, i, g0 + j);
        double d = subspace_distance(N, c, basis + g0 * N, E);
        CHECK(d <= 1e-10,
              "%s: vectors %lld..%lld span a subspace at distance %.3g from the exact one", what,
              (long long)g0, (long long)(g1 - 1), d);
        free(E);
      }
    free(basis);
  }
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

static void test_known_spectra(rom_ctx *ctx, int rank, int size) {
  double s[40];
  /* graded: 10^(-8 i / m); groups of one for the first 10 (gaps >= 0.37 s_i) */
  {
    const rom_int m = 40, groups[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 10};
    for (int i = 0; i < m; ++i)
      s[i] = pow(10.0, -8.0 * i / (double)m);
    run_known(ctx, "graded 600 x 40", rom_dmat_partition_even(600, rank, size), m, s, m, groups, 6);
  }
  /* clustered: three groups of four values within 1e-10 of each other */
  {
    const rom_int m = 20, groups[] = {0, 4, 4, 8, 8, 12};
    for (int i = 0; i < m; ++i)
      s[i] = i < 12 ? pow(0.5, (double)(i / 4)) * (1.0 - 1e-10 * (i % 4)) : 1e-3 / (i + 1);
    run_known(ctx, "clustered 300 x 20", test_uneven_rows(300, rank, size), m, s, m, groups, 3);
  }
  /* exactly repeated: 1 (x3), 0.5 (x2), 0.25 (x4), then distinct */
  {
    const rom_int m = 16, groups[] = {0, 3, 3, 5, 5, 9};
    const double rep[16] = {1,    1,   1,    0.5,  0.5,  0.25,  0.25,  0.25,
                            0.25, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001};
    run_known(ctx, "repeated 250 x 16", test_uneven_rows(250, rank, size), m, rep, m, groups, 3);
    /* against LAPACK too: the repeated clusters by subspace */
    rom_dmat *A = test_known_matrix(ctx, rom_dmat_partition_even(250, rank, size), m, rep, m);
    rom_basis *b = NULL;
    rom_pod_options o = scalapack_options(3);
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) compare_with_lapack(ctx, "repeated 250 x 16, k = 3 (subspace)", A, 0, b, 1e-10, 1);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
  /* rank-deficient: 5 nonzero values of 20, uneven rows (ranks with fewer rows than m) */
  {
    const double d[5] = {1.0, 0.5, 0.25, 0.125, 0.0625};
    const rom_int groups[] = {0, 1, 1, 2, 2, 5};
    run_known(ctx, "rank 5 of 20, 300 rows", rom_dmat_partition_even(300, rank, size), 20, d, 5,
              groups, 3);
    run_known(ctx, "rank 5 of 20, 50 rows uneven", test_uneven_rows(50, rank, size), 20, d, 5,
              groups, 3);
  }
  /* 1 x 1: one rank owns the only row */
  {
    rom_dmat *A = NULL;
    rom_basis *b = NULL;
    rom_pod_options o = scalapack_options(1);
    CHECK_OK(ctx, rom_dmat_create(ctx, rank == size - 1 ? 1 : 0, 1, &A));
    if (rank == size - 1) rom_dmat_data(A)[0] = -3.0;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      rom_int r = 0;
      const double *sv = rom_basis_singular_values(b, &r);
      CHECK(r == 1 && rom_basis_dim(b) == 1 && sv[0] == 3.0, "1 x 1: r = %lld, s = %.17g",
            (long long)r, r ? sv[0] : -1.0);
      if (rank == size - 1)
        CHECK(rom_dmat_data_const(rom_basis_vectors(b))[0] == 1.0, "1 x 1: U = %.17g, expected 1",
              rom_dmat_data_const(rom_basis_vectors(b))[0]);
    }
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
  /* k = m by energy 1 as well as by rank */
  {
    rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(90, rank, size), 12, 9);
    rom_basis *b = NULL;
    rom_pod_options o = rom_pod_options_default();
    o.method = ROM_SVD_SCALAPACK;
    o.energy = 1.0;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    CHECK(b && rom_basis_dim(b) == 12, "energy 1: k = %lld, expected m = 12",
          b ? (long long)rom_basis_dim(b) : -1LL);
    if (b) compare_with_lapack(ctx, "k = m (energy 1)", A, 0, b, 1e-9, 0);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
}

/* ScaLAPACK and TSQR agree on the same matrix (both exact methods). */
static void test_against_tsqr(rom_ctx *ctx, int rank, int size) {
  rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(180, rank, size), 30, 17);
  rom_basis *b1 = NULL, *b2 = NULL;
  rom_pod_options o = scalapack_options(30);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b1));
  o.method = ROM_SVD_TSQR;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b2));
  if (b1 && b2) {
    rom_int r = 0;
    const double *s1 = rom_basis_singular_values(b1, &r), *s2 = rom_basis_singular_values(b2, &r);
    double e = 0.0, v = 0.0;
    for (rom_int i = 0; i < r; ++i)
      e = fmax(e, fabs(s1[i] - s2[i]) / s2[0]);
    CHECK(e <= 1e-13, "scalapack vs tsqr: singular values differ by %.3g", e);
    const rom_dmat *U1 = rom_basis_vectors(b1), *U2 = rom_basis_vectors(b2);
    for (rom_int j = 0; j < rom_dmat_cols(U1); ++j)
      for (rom_int i = 0; i < rom_dmat_local_rows(U1); ++i)
        v = fmax(v, fabs(rom_dmat_data_const(U1)[i + j * rom_dmat_ld(U1)] -
                         rom_dmat_data_const(U2)[i + j * rom_dmat_ld(U2)]));
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
    CHECK(v <= 1e-10, "scalapack vs tsqr: vectors differ by %.3g", v);
  }
  rom_basis_destroy(&b1);
  rom_basis_destroy(&b2);
  rom_dmat_destroy(&A);
}

static void test_errors(rom_ctx *ctx, int rank, int size) {
  rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(400, rank, size), 24, 19);
  rom_basis *b = NULL;
  rom_pod_options o = scalapack_options(24);
  size_t before = rom_ctx_bytes_in_use(ctx);
  /* budget too small: ROM_ERR_NOMEM on every rank, the sentence has the bytes and the budget */
  o.memory_budget = 1000.0;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOMEM);
  CHECK(b == NULL, "no basis after ROM_ERR_NOMEM");
  const char *msg = rom_ctx_last_error(ctx), *at = strstr(msg, "needs ");
  CHECK(at && strstr(msg, "bytes per rank") && strstr(msg, "budget is 1000 bytes"),
        "NOMEM message: '%s'", msg);
  CHECK(rom_ctx_bytes_in_use(ctx) == before, "memory left allocated after ROM_ERR_NOMEM");
  /* the stated size is enough, and the driver stays within it */
  if (at) {
    double needed = strtod(at + 6, NULL);
    rom_ctx_reset_peak(ctx);
    o.memory_budget = needed;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    double used = (double)rom_ctx_bytes_peak(ctx) - (double)before;
    /* pod.c adds only the sign rule's 2 k values on top of the driver */
    CHECK(used <= needed + 1024.0, "peak %.0f bytes above the %.0f the driver announced", used,
          needed);
    o.memory_budget = needed - 1.0;
    rom_basis_destroy(&b);
    CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOMEM);
  }
  rom_basis_destroy(&b);
  o.memory_budget = 0.0;
  /* NaN on one rank (the last rank that owns rows) */
  {
    int owner = rom_dmat_local_rows(A) > 0 ? rank : -1;
    MPI_Allreduce(MPI_IN_PLACE, &owner, 1, MPI_INT, MPI_MAX, rom_ctx_comm(ctx));
    if (rank == owner) rom_dmat_data(A)[3 * rom_dmat_ld(A)] = NAN;
    CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOT_FINITE);
    CHECK(b == NULL, "no basis after NaN");
  }
  rom_dmat_destroy(&A);
}

/* The driver on a sub-communicator: the two halves of the ranks each compute their own POD
 * at the same time; each must match LAPACK (a grid on MPI_COMM_WORLD would hang or mix). */
static void test_subcommunicator(rom_ctx *ctx, int rank, int size) {
  MPI_Comm half = MPI_COMM_NULL;
  rom_ctx *sub = NULL;
  int color = size >= 2 ? rank % 2 : 0;
  MPI_Comm_split(rom_ctx_comm(ctx), color, rank, &half);
  CHECK_OK(ctx, rom_ctx_create(half, &sub));
  if (sub) {
    int r = rom_ctx_rank(sub), p = rom_ctx_size(sub);
    rom_dmat *A = test_random_matrix(sub, test_uneven_rows(120, r, p), 18, 23 + (uint64_t)color);
    rom_basis *b = NULL;
    rom_pod_options o = scalapack_options(18);
    CHECK_OK(sub, rom_pod_compute(A, &o, &b));
    if (b) compare_with_lapack(sub, "sub-communicator 120 x 18", A, 0, b, 1e-9, 0);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
    CHECK(rom_ctx_bytes_in_use(sub) == 0, "sub-context: %zu bytes still allocated",
          rom_ctx_bytes_in_use(sub));
    rom_ctx_destroy(&sub);
  }
  MPI_Comm_free(&half);
}

static void test_auto_rule(rom_ctx *ctx) {
  rom_pod_options o = rom_pod_options_default();
  (void)ctx;
  /* the benchmark shape: TSQR */
  CHECK(rom_pod_choose_method(20000, 200, 2, &o) == ROM_SVD_TSQR, "20000 x 200 on 2 ranks: tsqr");
  CHECK(rom_pod_choose_method(1000000, 4000, 64, &o) == ROM_SVD_TSQR, "m = 4000: tsqr");
  /* large m, exact values wanted: ScaLAPACK */
  CHECK(rom_pod_choose_method(1000000, 5000, 64, &o) == ROM_SVD_SCALAPACK, "m = 5000: scalapack");
  /* large m with a target rank: randomized */
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 50;
  CHECK(rom_pod_choose_method(1000000, 5000, 64, &o) == ROM_SVD_RANDOMIZED,
        "m = 5000, rank 50: randomized");
  o.rank = 2000; /* > m / 4: exact */
  CHECK(rom_pod_choose_method(1000000, 5000, 64, &o) == ROM_SVD_SCALAPACK,
        "m = 5000, rank 2000: scalapack");
  o = rom_pod_options_default();
  o.target_rank = 100;
  CHECK(rom_pod_choose_method(1000000, 5000, 64, &o) == ROM_SVD_RANDOMIZED,
        "target_rank 100: randomized");
  /* m small with a target rank: TSQR is exact and cheap */
  CHECK(rom_pod_choose_method(1000000, 300, 64, &o) == ROM_SVD_TSQR, "m = 300, target 100: tsqr");
  /* budget below the local block: incremental */
  o = rom_pod_options_default();
  o.memory_budget = 1e6;
  CHECK(rom_pod_choose_method(1000000, 200, 2, &o) == ROM_SVD_INCREMENTAL,
        "block > budget: incremental");
  /* block fits but TSQR's m x m factors do not (m = 3000, 8 levels: 1.15 GB) */
  o.memory_budget = 1e9;
  CHECK(rom_pod_choose_method(100000, 3000, 128, &o) == ROM_SVD_SCALAPACK,
        "m x m factors over budget: scalapack");
  /* the same answer whatever the options pointer's other fields */
  o = rom_pod_options_default();
  CHECK(rom_pod_choose_method(1, 1, 1, &o) == ROM_SVD_TSQR, "1 x 1: tsqr");
}

/* The QR-first paths for N >= m (pdgeqrf, SVD of R, pdormqr), told apart by the driver's
 * debug log line: R gathered to rank 0 (dgesdd there) by default, and R kept on the grid
 * (pdgesvd of the m x m R) when a memory budget admits only that. Both against LAPACK. */
static char scalapack_log_line[512];
static void capture_log(void *user, rom_log_level level, const char *line) {
  (void)user;
  (void)level;
  if (strstr(line, "ScaLAPACK SVD of"))
    snprintf(scalapack_log_line, sizeof scalapack_log_line, "%s", line);
}

static void run_qr_path(rom_ctx *ctx, const char *what, rom_dmat *A, rom_int k, int center,
                        int use_budget, const char *expect) {
  rom_basis *b = NULL;
  rom_pod_options o = scalapack_options(k);
  o.center = center;
  if (use_budget) {
    /* the smallest budget the driver accepts: the path that needs the least */
    o.memory_budget = 1000.0;
    CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOMEM);
    const char *at = strstr(rom_ctx_last_error(ctx), "needs ");
    CHECK(at != NULL, "%s: no byte count in '%s'", what, rom_ctx_last_error(ctx));
    o.memory_budget = at ? strtod(at + 6, NULL) : 0.0;
  }
  scalapack_log_line[0] = '\0';
  rom_log_level level = rom_ctx_log_level(ctx);
  rom_ctx_set_log_level(ctx, ROM_LOG_DEBUG);
  rom_ctx_set_log_fn(ctx, capture_log, NULL);
  size_t before = rom_ctx_bytes_in_use(ctx);
  rom_ctx_reset_peak(ctx);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  double used = (double)rom_ctx_bytes_peak(ctx) - (double)before;
  rom_ctx_set_log_fn(ctx, NULL, NULL);
  rom_ctx_set_log_level(ctx, level);
  if (use_budget)
    CHECK(used <= o.memory_budget + 1024.0, "%s: peak %.0f above the budget %.0f", what, used,
          o.memory_budget);
  if (rom_ctx_rank(ctx) == 0)
    CHECK(strstr(scalapack_log_line, expect) != NULL, "%s: expected path '%s', log: '%s'", what,
          expect, scalapack_log_line);
  if (b) compare_with_lapack(ctx, what, A, center, b, 1e-9, 0);
  rom_basis_destroy(&b);
}

static void test_qr_paths(rom_ctx *ctx, int rank, int size) {
  rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(300, rank, size), 20, 31);
  run_qr_path(ctx, "QR gather 300 x 20", A, 20, 0, 0, "dgesdd of R on rank 0");
  run_qr_path(ctx, "QR gather 300 x 20, centred, k = 7", A, 7, 1, 1, "dgesdd of R on rank 0");
  rom_dmat_destroy(&A);
  /* nearly square: rank 0's m x m copies for dgesdd outweigh the grid's share of R */
  A = test_random_matrix(ctx, test_uneven_rows(64, rank, size), 60, 32);
  run_qr_path(ctx, "QR on the grid 64 x 60", A, 60, 0, 1, "pdgesvd of R");
  run_qr_path(ctx, "QR on the grid 64 x 60, centred, k = 9", A, 9, 1, 1, "pdgesvd of R");
  rom_dmat_destroy(&A);
  /* N = m exactly, and a single row */
  A = test_random_matrix(ctx, test_uneven_rows(40, rank, size), 40, 33);
  run_qr_path(ctx, "QR 40 x 40", A, 40, 0, 0, "dgesdd of R on rank 0");
  rom_dmat_destroy(&A);
}

/* The memory goal (docs/benchmarks.md): at P = 2 (a 2 x 1 grid, Q applied by sl_apply_q_rows,
 * U sent back in column chunks) and at P = 1 the driver's peak beyond the input is at most 2
 * local blocks (A and U block-cyclic while U is formed; U block-cyclic and on the host on the
 * way back) + c m^2 doubles with c = 5: the workspace of the blocked Q is nb (3 nb + k + 1)
 * <= 4 m^2 + m (nb <= m); the grid's row imbalance adds (mloc - lr)(m + k) <= nb m <= m^2
 * (even partition at P = 2: |mloc - lr| <= nb / 2); one chunk's buffers on the way back are
 * <= m^2; tau, s and pod.c's 2 k values are O(m), a 4 m + 1 KiB allowance. Before the
 * chunks and the blocked Q the peak was 2.5 blocks (20 m^2 beyond 2 blocks here) and pdormqr's
 * workspace alone a third of a block: both fail this. 8000 x 100 with k = m: a block is
 * 40 m^2 at P = 2, so the bound is 2.125 blocks. */
static void test_peak_two_blocks(rom_ctx *ctx, int rank, int size) {
  const rom_int N = 8000, m = 100;
  rom_int lr = rom_dmat_partition_even(N, rank, size);
  rom_dmat *A = NULL;
  rom_basis *b = NULL;
  rom_pod_options o = scalapack_options(m);
  if (size > 2) return;
  A = test_random_matrix(ctx, lr, m, 41);
  size_t before = rom_ctx_bytes_in_use(ctx);
  rom_ctx_reset_peak(ctx);
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  double used = (double)rom_ctx_bytes_peak(ctx) - (double)before;
  double block = 8.0 * (double)lr * (double)m;
  double bound = 2.0 * block + 8.0 * (5.0 * (double)(m * m) + 4.0 * (double)m) + 1024.0;
  CHECK(used <= bound,
        "P = %d: peak beyond the input %.0f bytes = %.4f local blocks, above 2 "
        "blocks + 5 m^2 (%.0f bytes)",
        size, used, used / block, bound);
  if (b) CHECK(rom_basis_dim(b) == m, "peak test: k = %lld", (long long)rom_basis_dim(b));
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  test_random_shapes(ctx, rank, size);
  test_known_spectra(ctx, rank, size);
  test_against_tsqr(ctx, rank, size);
  test_errors(ctx, rank, size);
  test_qr_paths(ctx, rank, size);
  test_subcommunicator(ctx, rank, size);
  test_peak_two_blocks(ctx, rank, size);
  test_auto_rule(ctx);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "%zu bytes still allocated through the context",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
