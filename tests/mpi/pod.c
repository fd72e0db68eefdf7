/* POD by TSQR at 1, 2 and 4 ranks, against independent references:
 *  (a) a matrix with known SVD (discrete sine transform vectors, graded spectrum);
 *  (b) a random matrix against LAPACK dgesdd on the gathered matrix (rank 0);
 *  (c) uneven partitions: a rank with zero rows (also rank 0), ranks with fewer rows than m,
 *      and N < m;
 *  (d) rank-deficient input (rank 5, m = 20): the basis stays orthonormal;
 *  (e) energy and rank truncation, centering, projection and lifting;
 *  (f) errors on every rank (NaN on one rank, bad options, no snapshots, all zero),
 *      basis files (exists, round trip on even and uneven partitions). */
#include "testutil_svd.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Compares a POD basis with the LAPACK SVD of the gathered (optionally centered) matrix:
 * singular values to sv_tol relative to s_0, the first `vec_count` vectors to vec_tol. */
static void compare_with_lapack(rom_ctx *ctx, const char *what, const rom_dmat *A, int center,
                                const rom_basis *b, double sv_tol, rom_int vec_count,
                                double vec_tol) {
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), r = N < m ? N : m, rb = 0;
  rom_int k = rom_basis_dim(b);
  const double *sv = rom_basis_singular_values(b, &rb);
  double *all = test_gather(ctx, A), *basis = test_gather(ctx, rom_basis_vectors(b));
  CHECK(rb == r, "%s: %lld singular values, expected min(N, m) = %lld", what, (long long)rb,
        (long long)r);
  CHECK(test_orthogonality_error(ctx, rom_basis_vectors(b)) <= 1e-12,
        "%s: basis not orthonormal to 1e-12", what);
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
    for (rom_int j = 0; j < vec_count && j < k; ++j)
      for (rom_int i = 0; i < N; ++i)
        vec_err = fmax(vec_err, fabs(basis[i + j * N] - U[i + j * N]));
    CHECK(sv_err <= sv_tol, "%s: singular values differ from LAPACK by %.3g (relative to s_0)",
          what, sv_err);
    CHECK(vec_err <= vec_tol, "%s: basis vectors differ from LAPACK by %.3g", what, vec_err);
    for (rom_int i = 0; i < 5 && i < r; ++i)
      CHECK_CLOSE(sv[i], s[i], 1e-12, "%s: leading singular value %lld", what, (long long)i);
    free(s);
    free(U);
  }
  free(all);
  free(basis);
}

static void test_known_spectrum(rom_ctx *ctx, int rank, int size) {
  const rom_int N = 600, m = 40;
  double s[40];
  for (int i = 0; i < m; ++i)
    s[i] = pow(10.0, -8.0 * i / (double)m);
  rom_dmat *A = test_known_matrix(ctx, rom_dmat_partition_even(N, rank, size), m, s, m);
  rom_basis *b = NULL;
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = m;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (!b) goto done;
  rom_int r = 0;
  const double *sv = rom_basis_singular_values(b, &r);
  CHECK(r == m && rom_basis_dim(b) == m, "known spectrum: r = %lld, k = %lld", (long long)r,
        (long long)rom_basis_dim(b));
  double lead = 0.0, all = 0.0;
  for (int i = 0; i < m; ++i) {
    double e = fabs(sv[i] - s[i]);
    if (i < 10) lead = fmax(lead, e / s[i]); /* s down to 1e-2 */
    all = fmax(all, e);
  }
  CHECK(lead <= 1e-12, "known spectrum: leading 10 values relative error %.3g > 1e-12", lead);
  CHECK(all <= 1e-14, "known spectrum: absolute error %.3g > 1e-14 (s_0 = 1)", all);
  CHECK(test_orthogonality_error(ctx, rom_basis_vectors(b)) <= 1e-12,
        "known spectrum: orthonormality");
  /* The first 10 vectors against the exact DST columns (gap s_i - s_{i+1} >= 0.37 s_i). */
  {
    const rom_dmat *U = rom_basis_vectors(b);
    rom_int off = rom_dmat_row_offset(U), lr = rom_dmat_local_rows(U), ld = rom_dmat_ld(U);
    const double *u = rom_dmat_data_const(U);
    double e = 0.0;
    for (rom_int j = 0; j < 10; ++j) {
      /* the exact vector's sign under the rule: its largest entry (lowest row on ties) */
      double best = -1.0, sign = 1.0;
      for (rom_int i = 0; i < N; ++i) {
        double v = rom_dst_entry(N, i, j);
        if (fabs(v) > best + 1e-14) best = fabs(v), sign = v < 0 ? -1.0 : 1.0;
      }
      for (rom_int i = 0; i < lr; ++i)
        e = fmax(e, fabs(u[i + j * ld] - sign * rom_dst_entry(N, off + i, j)));
    }
    MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
    /* DST columns have equal-magnitude maxima: the rule then depends on round-off, so compare
     * up to sign per vector when the plain comparison fails. */
    if (e > 1e-10) {
      e = 0.0;
      for (rom_int j = 0; j < 10; ++j) {
        double dp = 0.0, dm = 0.0;
        for (rom_int i = 0; i < lr; ++i) {
          dp = fmax(dp, fabs(u[i + j * ld] - rom_dst_entry(N, off + i, j)));
          dm = fmax(dm, fabs(u[i + j * ld] + rom_dst_entry(N, off + i, j)));
        }
        double both[2] = {dp, dm};
        MPI_Allreduce(MPI_IN_PLACE, both, 2, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
        e = fmax(e, fmin(both[0], both[1]));
      }
    }
    CHECK(e <= 1e-10, "known spectrum: the first 10 vectors differ from the DST columns by %.3g",
          e);
  }
done:
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

static void test_random(rom_ctx *ctx, int rank, int size) {
  rom_dmat *A = test_random_matrix(ctx, rom_dmat_partition_even(500, rank, size), 30, 7);
  rom_basis *b = NULL;
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 30;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) compare_with_lapack(ctx, "random 500 x 30", A, 0, b, 1e-12, 30, 1e-10);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

static void test_uneven(rom_ctx *ctx, int rank, int size) {
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 1000;
  /* test_uneven_rows: shares 1 : 2 : 3 (: 0); with N = 60 and m = 40 every rank of a
   * parallel run has fewer rows than m, and at P = 4 the last rank has none. */
  {
    rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(60, rank, size), 40, 11);
    rom_basis *b = NULL;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) compare_with_lapack(ctx, "uneven 60 x 40", A, 0, b, 1e-12, 40, 1e-9);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
  /* Rank 0 (the tree's root) without rows. */
  {
    rom_int lr =
        size == 1 ? 100 : (rank == 0 ? 0 : rom_dmat_partition_even(100, rank - 1, size - 1));
    rom_dmat *A = test_random_matrix(ctx, lr, 40, 12);
    rom_basis *b = NULL;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) compare_with_lapack(ctx, "empty root 100 x 40", A, 0, b, 1e-12, 40, 1e-9);
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
  /* N < m: r = N singular values. */
  {
    rom_dmat *A = test_random_matrix(ctx, test_uneven_rows(15, rank, size), 20, 13);
    rom_basis *b = NULL;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      CHECK(rom_basis_dim(b) == 15, "N < m: k = %lld, expected 15", (long long)rom_basis_dim(b));
      compare_with_lapack(ctx, "wide 15 x 20", A, 0, b, 1e-12, 15, 1e-9);
    }
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
}

static void test_rank_deficient(rom_ctx *ctx, int rank, int size) {
  const double s[5] = {1.0, 0.5, 0.25, 0.125, 0.0625};
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 20;
  for (int pass = 0; pass < 2; ++pass) {
    /* pass 0: even partition of 300 rows; pass 1: uneven 50 rows (ranks with < 20 rows) */
    rom_int N = pass == 0 ? 300 : 50;
    rom_int lr =
        pass == 0 ? rom_dmat_partition_even(N, rank, size) : test_uneven_rows(N, rank, size);
    rom_dmat *A = test_known_matrix(ctx, lr, 20, s, 5);
    rom_basis *b = NULL;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      rom_int r = 0;
      const double *sv = rom_basis_singular_values(b, &r);
      CHECK(r == 20 && rom_basis_dim(b) == 20, "rank 5: r = %lld, k = %lld", (long long)r,
            (long long)rom_basis_dim(b));
      for (int i = 0; i < 5; ++i)
        CHECK_CLOSE(sv[i], s[i], 1e-12, "rank-deficient pass %d: value %d", pass, i);
      for (int i = 5; i < 20; ++i)
        CHECK(sv[i] <= 1e-14, "rank-deficient: s_%d = %.3g not ~0", i, sv[i]);
      double e = test_orthogonality_error(ctx, rom_basis_vectors(b));
      CHECK(e <= 1e-10, "rank-deficient pass %d: ||U^T U - I||_max = %.3g", pass, e);
    }
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
}

static void test_truncation_and_centering(rom_ctx *ctx, int rank, int size) {
  const rom_int N = 400, m = 30;
  double s[30];
  for (int i = 0; i < m; ++i)
    s[i] = pow(10.0, -4.0 * i / (double)m);
  rom_dmat *A = test_known_matrix(ctx, rom_dmat_partition_even(N, rank, size), m, s, m);
  rom_basis *b = NULL;
  rom_pod_options o = rom_pod_options_default();
  /* energy: the smallest k with sum_{i<k} s_i^2 >= energy * sum s_i^2 */
  const double energies[4] = {0.5, 0.9, 0.999, 1.0};
  for (int e = 0; e < 4; ++e) {
    o.energy = energies[e];
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (!b) continue;
    rom_int r = 0, expect = 0;
    const double *sv = rom_basis_singular_values(b, &r);
    double total = 0.0, part = 0.0, exact_total = 0.0, exact_part = 0.0;
    rom_int exact_k = 0;
    for (rom_int i = 0; i < r; ++i)
      total += sv[i] * sv[i], exact_total += s[i] * s[i];
    for (expect = 1; expect <= r; ++expect) {
      part += sv[expect - 1] * sv[expect - 1];
      if (part >= energies[e] * total) break;
    }
    for (exact_k = 1; exact_k <= m; ++exact_k) {
      exact_part += s[exact_k - 1] * s[exact_k - 1];
      if (exact_part >= energies[e] * exact_total) break;
    }
    if (exact_k > m) exact_k = m;
    CHECK(rom_basis_dim(b) == expect, "energy %g: k = %lld, formula gives %lld", energies[e],
          (long long)rom_basis_dim(b), (long long)expect);
    if (energies[e] < 1.0)
      CHECK(rom_basis_dim(b) == exact_k, "energy %g: k = %lld, exact spectrum gives %lld",
            energies[e], (long long)rom_basis_dim(b), (long long)exact_k);
    double captured = rom_basis_energy(b), want = 0.0;
    for (rom_int i = 0; i < rom_basis_dim(b); ++i)
      want += sv[i] * sv[i];
    CHECK_CLOSE(captured, want / total, 1e-14, "rom_basis_energy");
    CHECK(captured >= energies[e] * (1 - 1e-15), "energy captured %.17g < %g", captured,
          energies[e]);
    rom_basis_destroy(&b);
  }
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 7;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  CHECK(b && rom_basis_dim(b) == 7, "rank 7 truncation: k = %lld",
        b ? (long long)rom_basis_dim(b) : -1LL);
  if (b) {
    rom_int r = 0;
    rom_basis_singular_values(b, &r);
    CHECK(r == m, "rank truncation keeps all %lld singular values, got %lld", (long long)m,
          (long long)r);
    CHECK(rom_basis_reference(b) == NULL, "no reference without centering");
  }
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);

  /* Centering: random data plus a row-dependent offset; mean and SVD of the centered data
   * against a direct computation on the gathered matrix. */
  A = test_random_matrix(ctx, test_uneven_rows(200, rank, size), 25, 21);
  {
    rom_int lr = rom_dmat_local_rows(A), off = rom_dmat_row_offset(A), ld = rom_dmat_ld(A);
    double *a = rom_dmat_data(A);
    for (rom_int j = 0; j < 25; ++j)
      for (rom_int i = 0; i < lr; ++i)
        a[i + j * ld] += 3.0 + sin(0.1 * (double)(off + i));
  }
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 24;
  o.center = 1;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (b) {
    rom_int lr = rom_dmat_local_rows(A), ld = rom_dmat_ld(A);
    const double *a = rom_dmat_data_const(A), *ref = rom_basis_reference(b);
    double e = 0.0;
    CHECK(ref != NULL, "centering stores the mean as the reference");
    for (rom_int i = 0; i < lr && ref; ++i) {
      double mean = 0.0;
      for (rom_int j = 0; j < 25; ++j)
        mean += a[i + j * ld];
      e = fmax(e, fabs(ref[i] - mean / 25.0));
    }
    CHECK(e <= 1e-14, "mean differs by %.3g", e);
    compare_with_lapack(ctx, "centered 200 x 25", A, 1, b, 1e-12, 20, 1e-9);
    /* The last singular value of centered data is ~0 (the columns sum to zero). */
    rom_int r = 0;
    const double *sv = rom_basis_singular_values(b, &r);
    CHECK(sv[r - 1] <= 1e-12 * sv[0], "centered: s_min = %.3g should be ~0", sv[r - 1]);

    /* project / lift: u = ref + Phi q0 -> q0; lift(q0) = u */
    rom_int k = rom_basis_dim(b);
    double *q0 = malloc(sizeof(double) * (size_t)k), *q = malloc(sizeof(double) * (size_t)k);
    double *u = malloc(sizeof(double) * (size_t)(lr + 1)),
           *u2 = malloc(sizeof(double) * (size_t)(lr + 1));
    for (rom_int j = 0; j < k; ++j)
      q0[j] = 1.0 / (1.0 + (double)j);
    CHECK_OK(ctx, rom_basis_lift(b, q0, u));
    const rom_dmat *U = rom_basis_vectors(b);
    e = 0.0;
    for (rom_int i = 0; i < lr; ++i) {
      double v = ref[i];
      for (rom_int j = 0; j < k; ++j)
        v += rom_dmat_data_const(U)[i + j * rom_dmat_ld(U)] * q0[j];
      e = fmax(e, fabs(u[i] - v));
    }
    CHECK(e <= 1e-13, "lift differs by %.3g", e);
    CHECK_OK(ctx, rom_basis_project(b, u, q));
    e = 0.0;
    for (rom_int j = 0; j < k; ++j)
      e = fmax(e, fabs(q[j] - q0[j]));
    CHECK(e <= 1e-13, "project(lift(q0)) differs from q0 by %.3g", e);
    (void)u2;
    free(q0), free(q), free(u), free(u2);
  }
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
}

static void test_errors(rom_ctx *ctx, int rank, int size) {
  rom_basis *b = NULL;
  rom_pod_options o = rom_pod_options_default();
  rom_dmat *A = test_random_matrix(ctx, rom_dmat_partition_even(50, rank, size), 5, 3);
  /* NaN on the last rank only: every rank reports ROM_ERR_NOT_FINITE. */
  if (rank == size - 1) rom_dmat_data(A)[rom_dmat_local_rows(A) - 1 + 2 * rom_dmat_ld(A)] = NAN;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_NOT_FINITE);
  CHECK(b == NULL, "no basis after an error");
  if (rank == size - 1) {
    CHECK(strstr(rom_ctx_last_error(ctx), "snapshots") != NULL &&
              strstr(rom_ctx_last_error(ctx), "NaN"),
          "NaN message names the snapshots: '%s'", rom_ctx_last_error(ctx));
    rom_dmat_data(A)[rom_dmat_local_rows(A) - 1 + 2 * rom_dmat_ld(A)] = 1.0;
  }
  o.energy = 0.0;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "energy") != NULL, "message names energy: '%s'",
        rom_ctx_last_error(ctx));
  o.energy = 1.5;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  o.energy = NAN;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 0;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "rank") != NULL, "message names rank: '%s'",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_pod_compute(A, NULL, NULL), ROM_ERR_ARG);
  rom_dmat_destroy(&A);

  /* no snapshots */
  CHECK_OK(ctx, rom_dmat_create(ctx, rom_dmat_partition_even(50, rank, size), 0, &A));
  CHECK_ERR(ctx, rom_pod_compute(A, NULL, &b), ROM_ERR_ARG);
  rom_dmat_destroy(&A);
  /* all zero */
  CHECK_OK(ctx, rom_dmat_create(ctx, rom_dmat_partition_even(50, rank, size), 4, &A));
  CHECK_ERR(ctx, rom_pod_compute(A, NULL, &b), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "all zero") != NULL, "message says all zero: '%s'",
        rom_ctx_last_error(ctx));
  rom_dmat_destroy(&A);
  /* identical snapshots, centered: zero after centering */
  A = test_random_matrix(ctx, rom_dmat_partition_even(50, rank, size), 1, 5);
  o = rom_pod_options_default();
  o.center = 1;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  rom_dmat_destroy(&A);
  rom_basis_destroy(&b);
}

static void check_same_basis(rom_ctx *ctx, const char *what, const rom_basis *a,
                             const rom_basis *b) {
  rom_int ra = 0, rb = 0;
  const double *sa = rom_basis_singular_values(a, &ra), *sb = rom_basis_singular_values(b, &rb);
  CHECK(rom_basis_dim(a) == rom_basis_dim(b) &&
            rom_basis_global_rows(a) == rom_basis_global_rows(b),
        "%s: dims differ", what);
  CHECK(ra == rb && (ra == 0 || memcmp(sa, sb, sizeof(double) * (size_t)ra) == 0),
        "%s: singular values differ", what);
  CHECK((rom_basis_reference(a) == NULL) == (rom_basis_reference(b) == NULL),
        "%s: reference presence", what);
  double *ga = test_gather(ctx, rom_basis_vectors(a)), *gb = test_gather(ctx, rom_basis_vectors(b));
  if (rom_ctx_rank(ctx) == 0 && rom_basis_dim(a) == rom_basis_dim(b))
    CHECK(memcmp(ga, gb, sizeof(double) * (size_t)(rom_basis_dim(a) * rom_basis_global_rows(a))) ==
              0,
          "%s: basis vectors differ", what);
  free(ga);
  free(gb);
}

static void test_files(rom_ctx *ctx, int rank, int size) {
  char path[1024];
  rom_basis *b = NULL, *back = NULL;
  rom_pod_options o = rom_pod_options_default();
  o.center = 1;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 12;
  test_path(ctx, "pod_basis", path, sizeof path);
  if (rank == 0) unlink(path);
  MPI_Barrier(rom_ctx_comm(ctx));
  for (int pass = 0; pass < 2; ++pass) {
    /* pass 0: even partition; pass 1: uneven with an empty rank */
    rom_int N = 130;
    rom_int lr =
        pass == 0 ? rom_dmat_partition_even(N, rank, size) : test_uneven_rows(N, rank, size);
    rom_dmat *A = test_random_matrix(ctx, lr, 16, 31);
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (b) {
      CHECK_OK(ctx, rom_basis_write(b, path, pass));
      if (pass == 0) CHECK_ERR(ctx, rom_basis_write(b, path, 0), ROM_ERR_EXISTS);
      /* read back on the same partition: bit-identical */
      CHECK_OK(ctx, rom_basis_read(ctx, path, lr, &back));
      if (back) {
        check_same_basis(ctx, pass ? "round trip (uneven)" : "round trip (even)", b, back);
        const double *ra = rom_basis_reference(b), *rb = rom_basis_reference(back);
        CHECK(rb && memcmp(ra, rb, sizeof(double) * (size_t)lr) == 0, "reference (mean) differs");
        const rom_dmat *Va = rom_basis_vectors(b), *Vb = rom_basis_vectors(back);
        int same = rom_dmat_local_rows(Vb) == lr;
        for (rom_int j = 0; j < 12 && same; ++j)
          if (lr > 0)
            same = memcmp(rom_dmat_data_const(Va) + j * rom_dmat_ld(Va),
                          rom_dmat_data_const(Vb) + j * rom_dmat_ld(Vb),
                          sizeof(double) * (size_t)lr) == 0;
        CHECK(same, "local basis block differs after the round trip");
      }
      rom_basis_destroy(&back);
      /* and on the default (even) partition */
      CHECK_OK(ctx, rom_basis_read(ctx, path, ROM_AUTO_ROWS, &back));
      if (back) check_same_basis(ctx, "round trip (auto rows)", b, back);
      rom_basis_destroy(&back);
    }
    rom_basis_destroy(&b);
    rom_dmat_destroy(&A);
  }
  /* wrong partition: the sum of local rows differs from N */
  CHECK_ERR(ctx, rom_basis_read(ctx, path, rank == 0 ? 1 : 0, &back), ROM_ERR_DIM);
  /* missing file */
  CHECK(rom_basis_read(ctx, "/nonexistent/basis.h5", ROM_AUTO_ROWS, &back) != ROM_OK,
        "reading a missing file fails");
  CHECK(back == NULL, "no basis after a failed read");
  if (rank == 0) unlink(path);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  test_known_spectrum(ctx, rank, size);
  test_random(ctx, rank, size);
  test_uneven(ctx, rank, size);
  test_rank_deficient(ctx, rank, size);
  test_truncation_and_centering(ctx, rank, size);
  test_errors(ctx, rank, size);
  if (!getenv("ROMKIT_POD_TEST_NO_FILES")) test_files(ctx, rank, size);
  /* every tracked allocation of the library was released, on error paths too */
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "%zu bytes still allocated through the context",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
