/* The API traps of issue 16 in C, at 1, 2 and 4 ranks (uneven rows, an empty rank at 4):
 *  - POD energy against ||S - shift||_F^2: a rank-k randomized or incremental basis of a
 *    matrix with the known spectrum s_i = 0.9^i reports the analytic fraction, not 1.0;
 *  - 'auto' does not pick randomized for N = 256 (rom_pod_choose_method);
 *  - rom_basis_truncate keeps every singular value, the reference and the total;
 *  - POD with a reference state: the singular values of S - u_ref 1^T against LAPACK on
 *    rank 0, u_ref stored, kept through a file round trip with the total energy;
 *  - a pointer into rom_snapshots_matrix's data stays valid (and unchanged) across adds
 *    that grow the collection (ASan would report a use after free);
 *  - the affine callbacks' output guard: NaN written or an output left unwritten is
 *    ROM_ERR_CALLBACK naming the term, an in-place (aliased) call still works. */
#include "testutil_svd.h"
#include "pod/svd_driver.h"

#include <stdlib.h>
#include <string.h>

static double fraction(const double *s, rom_int k, rom_int r) {
  double kept = 0.0, total = 0.0;
  for (rom_int i = 0; i < r; ++i) {
    total += s[i] * s[i];
    if (i < k) kept += s[i] * s[i];
  }
  return kept / total;
}

static void energy_and_truncation(rom_ctx *ctx) {
  const rom_int N = 300, m = 60, k = 10;
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  double s[60];
  for (int i = 0; i < 60; ++i)
    s[i] = pow(0.9, i);
  rom_dmat *A = test_known_matrix(ctx, test_uneven_rows(N, me, P), m, s, m);
  const double truth = fraction(s, k, m);
  double sum2 = 0.0;
  for (int i = 0; i < 60; ++i)
    sum2 += s[i] * s[i];
  CHECK(truth < 0.9, "the case is one where reporting 1.0 would be wrong (%g)", truth);
  rom_svd_method methods[3] = {ROM_SVD_TSQR, ROM_SVD_RANDOMIZED, ROM_SVD_INCREMENTAL};
  for (int t = 0; t < 3; ++t) {
    rom_pod_options o = rom_pod_options_default();
    o.truncation = ROM_POD_TRUNCATE_RANK;
    o.rank = k;
    o.method = methods[t];
    if (methods[t] == ROM_SVD_RANDOMIZED) o.target_rank = k;
    rom_basis *b = NULL, *t3 = NULL;
    CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
    if (!b) continue;
    CHECK_CLOSE(rom_basis_total_energy(b), sum2, 1e-12, "%s: total energy is ||S||_F^2",
                rom_svd_method_name(methods[t]));
    CHECK_CLOSE(rom_basis_energy(b), truth, methods[t] == ROM_SVD_TSQR ? 1e-12 : 1e-3,
                "%s: energy of k = %lld against the analytic fraction",
                rom_svd_method_name(methods[t]), (long long)k);
    CHECK(!strcmp(rom_basis_method(b), rom_svd_method_name(methods[t])), "method %s",
          rom_basis_method(b));
    /* truncation keeps every singular value */
    rom_int r = 0, r3 = 0;
    const double *sv = rom_basis_singular_values(b, &r);
    CHECK_ERR(ctx, rom_basis_truncate(b, 11, &t3), ROM_ERR_ARG);
    CHECK_OK(ctx, rom_basis_truncate(b, 3, &t3));
    const double *sv3 = rom_basis_singular_values(t3, &r3);
    CHECK(t3 && rom_basis_dim(t3) == 3 && r3 == r && !memcmp(sv, sv3, sizeof(double) * r),
          "truncate keeps all %lld singular values (%lld)", (long long)r, (long long)r3);
    CHECK_CLOSE(rom_basis_energy(t3), fraction(s, 3, m), methods[t] == ROM_SVD_TSQR ? 1e-12 : 1e-3,
                "truncated energy");
    rom_basis_destroy(&t3);
    rom_basis_destroy(&b);
  }
  rom_dmat_destroy(&A);
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 10;
  CHECK(rom_pod_choose_method(256, 40000, 1, &o) != ROM_SVD_RANDOMIZED,
        "256 x 40000 with rank 10: not randomized");
  CHECK(rom_pod_choose_method(100000, 40000, 8, &o) == ROM_SVD_RANDOMIZED,
        "100000 x 40000 with rank 10 on 8 ranks: randomized");
}

static void reference_state(rom_ctx *ctx) {
  const rom_int N = 80, m = 25;
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  const rom_int lr = test_uneven_rows(N, me, P);
  rom_dmat *A = test_random_matrix(ctx, lr, m, 17);
  double *ref = malloc(sizeof(double) * (size_t)(lr + 1));
  memcpy(ref, rom_dmat_data(A), sizeof(double) * (size_t)lr); /* the first snapshot */
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 6;
  o.reference_local = ref;
  o.center = 1;
  rom_basis *b = NULL, *back = NULL;
  CHECK_ERR(ctx, rom_pod_compute(A, &o, &b), ROM_ERR_ARG);
  o.center = 0;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  double *full = test_gather(ctx, A);
  if (b && me == 0) {
    double *s = malloc(sizeof(double) * m), *U = malloc(sizeof(double) * N * m);
    for (rom_int j = m - 1; j >= 0; --j)
      for (rom_int i = 0; i < N; ++i)
        full[i + j * N] -= full[i];
    test_lapack_svd(N, m, full, s, U);
    rom_int r = 0;
    const double *sv = rom_basis_singular_values(b, &r);
    double worst = 0.0;
    for (rom_int i = 0; i < r && i < m; ++i)
      worst = fmax(worst, fabs(sv[i] - s[i]) / s[0]);
    CHECK(r >= 6 && worst < 1e-12, "singular values of S - u_ref 1^T vs LAPACK: %.3g", worst);
    free(s);
    free(U);
  }
  free(full);
  if (b) {
    CHECK(rom_basis_reference(b) &&
              (lr == 0 || !memcmp(rom_basis_reference(b), ref, sizeof(double) * (size_t)lr)),
          "the reference is stored with the basis");
    char path[512];
    test_path(ctx, "api_traps_ref", path, sizeof path);
    CHECK_OK(ctx, rom_basis_write(b, path, 1));
    CHECK_OK(ctx, rom_basis_read(ctx, path, lr, &back));
    if (back) {
      CHECK(rom_basis_reference(back) &&
                (lr == 0 || !memcmp(rom_basis_reference(back), ref, sizeof(double) * lr)),
            "reference read back");
      CHECK(rom_basis_total_energy(back) == rom_basis_total_energy(b) &&
                rom_basis_energy(back) == rom_basis_energy(b),
            "total energy read back: %g vs %g", rom_basis_total_energy(back),
            rom_basis_total_energy(b));
    }
  }
  rom_basis_destroy(&back);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
  free(ref);
}

static void snapshot_views_survive_growth(rom_ctx *ctx) {
  const rom_int lr = 3 + rom_ctx_rank(ctx);
  double u[8];
  rom_snapshots *s = NULL;
  const rom_dmat *M = NULL;
  CHECK_OK(ctx, rom_snapshots_create(ctx, lr, NULL, &s));
  for (rom_int i = 0; i < lr; ++i)
    u[i] = 1.0 + (double)i;
  CHECK_OK(ctx, rom_snapshots_add(s, u));
  CHECK_OK(ctx, rom_snapshots_matrix(s, &M));
  const double *first = rom_dmat_data_const(M);
  for (int n = 0; n < 100; ++n) { /* capacity 4 -> 128: several reallocations */
    for (rom_int i = 0; i < lr; ++i)
      u[i] = -1.0 - n;
    CHECK_OK(ctx, rom_snapshots_add(s, u));
    int same = 1;
    for (rom_int i = 0; i < lr; ++i)
      same = same && first[i] == 1.0 + (double)i;
    if (!same) {
      CHECK(0, "the first matrix's data changed after add %d", n);
      break;
    }
  }
  CHECK_OK(ctx, rom_snapshots_matrix(s, &M));
  CHECK(rom_dmat_cols(M) == 101 && rom_dmat_data_const(M)[0] == 1.0, "the current matrix");
  CHECK_OK(ctx, rom_snapshots_release_views(s));
  CHECK_OK(ctx, rom_snapshots_add(s, u));
  rom_snapshots_destroy(&s);
}

/* An affine host whose term 1 misbehaves as `mode` says. */
typedef struct {
  rom_int L;
  int mode; /* 0 fine, 1 writes NaN at row 2, 2 leaves the last row unwritten */
} affine_host;

static int apply(void *user, int q, const double *x, double *y) {
  const affine_host *h = user;
  for (rom_int i = 0; i < h->L; ++i) {
    if (q == 1 && h->mode == 2 && i == h->L - 1) break;
    y[i] = (q + 1) * x[i];
  }
  if (q == 1 && h->mode == 1 && h->L > 2) y[2] = NAN;
  return 0;
}

static void affine_output_guard(rom_ctx *ctx) {
  affine_host h = {5, 0};
  rom_model *m = NULL;
  double x[5] = {1, 2, 3, 4, 5}, y[5];
  CHECK_OK(ctx, rom_model_create(ctx, h.L, 0, &h, &m));
  CHECK_OK(ctx, rom_model_set_affine_operator(m, 2, apply, NULL));
  CHECK_OK(ctx, rom_model_apply_operator_term(m, 1, x, y));
  CHECK(y[4] == 10.0, "y = 2 x");
  CHECK_OK(ctx, rom_model_apply_operator_term(m, 1, x, x)); /* in place: not poisoned */
  CHECK(x[0] == 2.0 && x[4] == 10.0, "in place y = 2 x (%g, %g)", x[0], x[4]);
  h.mode = rom_ctx_rank(ctx) == 0 ? 1 : 0; /* one rank misbehaves: all ranks fail */
  CHECK_ERR(ctx, rom_model_apply_operator_term(m, 1, x, y), ROM_ERR_CALLBACK);
  CHECK(
      strstr(rom_ctx_last_error(ctx), rom_ctx_rank(ctx) == 0 ? "y_local[2] = nan" : "another rank"),
      "NaN named: %s", rom_ctx_last_error(ctx));
  h.mode = 2;
  CHECK_ERR(ctx, rom_model_apply_operator_term(m, 1, x, y), ROM_ERR_CALLBACK);
  CHECK(strstr(rom_ctx_last_error(ctx), "y_local[4] unwritten") &&
            strstr(rom_ctx_last_error(ctx), "q = 1"),
        "unwritten named: %s", rom_ctx_last_error(ctx));
  CHECK_OK(ctx, rom_model_apply_operator_term(m, 0, x, y)); /* term 0 is fine */
  rom_model_destroy(&m);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  energy_and_truncation(ctx);
  reference_state(ctx);
  snapshot_views_survive_growth(ctx);
  affine_output_guard(ctx);
  return test_finish(&ctx);
}
