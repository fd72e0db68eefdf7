/* Output bounds with the primal-dual correction for a NON-symmetric affine operator
 * (include/romkit/affine_rom.h) on steady advection-diffusion (tests/testutil_advdiff.h:
 * A(mu) = mu_1 A_diff + mu_2 A_adv, A_adv skew-symmetric, X = A_diff via theta_bar = (1, 0)),
 * at 1, 2 and 4 ranks with an uneven partition (the last rank empty at 4 ranks).
 *
 * Independent truth: a direct FOM solve (banded LU, LAPACK dgbtrf) at every test parameter,
 * the outputs l^T u summed over the ranks.
 *  - the corrected output's true error <= its bound at 500 random parameters
 *    (mu_1 log-uniform in [0.1, 1], mu_2 uniform in [-20, 20]: both wind directions), for the
 *    domain mean and a local mean; median effectivities printed; the primal X-norm bound too;
 *  - the corrected output is more accurate than the uncorrected one (median and max error);
 *  - the online evaluation uses reduced data only: no host callback is called during 500
 *    evaluations, and after the FOM (model and all its vectors) is destroyed the bounds are
 *    the same numbers;
 *  - rom_affine_rom_extend keeps the output duals: the extended ROM's corrected outputs and
 *    bounds equal those of a ROM built from scratch on the extended basis (1e-10 relative);
 *  - bad input: X with a non-symmetric term, a dual without the transposed terms. */
#include "testutil.h"
#include "testutil_advdiff.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define NTEST 500
#define NTRAIN_DUAL 10

static void sample_mu(uint64_t stream, int index, double *mu) {
  mu[0] = pow(10.0, -1.0 + rom_rng_uniform(13, stream, (uint64_t)(2 * index)));
  mu[1] = -20.0 + 40.0 * rom_rng_uniform(13, stream, (uint64_t)(2 * index + 1));
}

static double *vec(rom_int n) {
  return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

static double dot_all(rom_ctx *ctx, const double *x, const double *y, rom_int L) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l)
    s += x[l] * y[l];
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  return t;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* POD basis (rank k) of m FOM solves at the parameters of stream 1. */
static rom_basis *pod_basis(rom_ctx *ctx, test_advdiff *p, int m, rom_int k) {
  const rom_int L = test_advdiff_local_rows(p);
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, L, m, &S));
  for (int s = 0; s < m; ++s) {
    double mu[2];
    sample_mu(1, s, mu);
    CHECK(test_advdiff_solve(p, mu, 0, NULL, rom_dmat_data(S) + s * rom_dmat_ld(S)) == 0,
          "FOM solve %d", s);
  }
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
  rom_dmat_destroy(&S);
  return b;
}

static rom_basis *leading(rom_ctx *ctx, const rom_basis *b, rom_int L, rom_int k) {
  rom_dmat *V = NULL;
  rom_basis *out = NULL;
  const rom_dmat *W = rom_basis_vectors(b);
  CHECK_OK(ctx, rom_dmat_wrap(ctx, L, k, (double *)rom_dmat_data_const(W), rom_dmat_ld(W), &V));
  CHECK_OK(ctx, rom_basis_create(V, NULL, 0, NULL, &out));
  rom_dmat_destroy(&V);
  return out;
}

/* The ROM on basis b with both outputs, the estimator (X = A_diff) and dual spaces from
 * NTRAIN_DUAL dual snapshots (stream 2) for each output. */
static rom_affine_rom *rom_with_bounds(rom_ctx *ctx, test_advdiff *p, const rom_basis *b) {
  rom_model *model = test_advdiff_model(p);
  rom_affine_rom *rom = NULL;
  const double theta_bar[2] = {1.0, 0.0};
  double train[2 * NTRAIN_DUAL];
  for (int i = 0; i < NTRAIN_DUAL; ++i)
    sample_mu(2, i, train + 2 * i);
  CHECK_OK(ctx, rom_affine_rom_build(model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_add_output(rom, b, "mean", test_advdiff_output_weights(p, 0)));
  CHECK_OK(ctx, rom_affine_rom_add_output(rom, b, "square", test_advdiff_output_weights(p, 1)));
  rom_estimator_options eo = rom_estimator_options_default();
  eo.theta_bar = theta_bar;
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, model, b, &eo));
  for (int o = 0; o < 2; ++o)
    CHECK_OK(ctx, rom_affine_rom_set_output_dual(rom, model, b, o, NULL, train, NTRAIN_DUAL));
  return rom;
}

/* ---- the bound is a bound; the correction helps; online cost ------------------------------ */

static void test_bounds(rom_ctx *ctx) {
  const int n = 16;
  const rom_int N = (rom_int)n * n;
  test_advdiff *p =
      test_advdiff_create(ctx, n, test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)));
  const rom_int L = test_advdiff_local_rows(p), k = 5;
  rom_basis *b = pod_basis(ctx, p, 20, k);
  rom_affine_rom *rom = rom_with_bounds(ctx, p, b);
  double *u = vec(L), *e = vec(L), *xe = vec(L), q[5], sr[2], sc[2], bd[2];
  double *eff[2], *err_c[2], *err_r[2], *eff_x = vec(NTEST), *cache = vec(4 * NTEST);
  double min_eff[2] = {INFINITY, INFINITY}, err_at_min[2] = {0, 0};
  int nres[2] = {0, 0};
  int bad[2] = {0, 0}, bad_x = 0;
  for (int o = 0; o < 2; ++o) {
    eff[o] = vec(NTEST);
    err_c[o] = vec(NTEST);
    err_r[o] = vec(NTEST);
  }
  const double phi = 1.0;
  for (int t = 0; t < NTEST; ++t) {
    double mu[2];
    sample_mu(3, t, mu);
    CHECK(test_advdiff_solve(p, mu, 0, NULL, u) == 0, "FOM solve at test point %d", t);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(rom, q, sr));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(rom, mu, &phi, q, sc, bd));
    for (int o = 0; o < 2; ++o) {
      const double s = dot_all(ctx, test_advdiff_output_weights(p, o), u, L);
      /* the FOM's own rounding (~1e-13 relative) is the floor of a "true" error */
      const double ec = fabs(s - sc[o]), floor_ = 1e-12 * fabs(s);
      err_c[o][t] = ec;
      err_r[o][t] = fabs(s - sr[o]);
      if (ec > floor_) { /* effectivity where the true error is resolved */
        eff[o][nres[o]] = bd[o] / ec;
        if (eff[o][nres[o]] < min_eff[o]) {
          min_eff[o] = eff[o][nres[o]];
          err_at_min[o] = ec;
        }
        nres[o]++;
      }
      if (!(bd[o] >= ec - floor_)) {
        if (bad[o] < 3 && rom_ctx_rank(ctx) == 0)
          printf("output %d at mu = (%g, %g): error %.3e > bound %.3e\n", o, mu[0], mu[1], ec,
                 bd[o]);
        bad[o]++;
      }
      cache[4 * t + 2 * o] = sc[o];
      cache[4 * t + 2 * o + 1] = bd[o];
    }
    /* the primal X-norm bound, X = A_diff: ||u - Phi q||_X against rom_affine_rom_error_bound */
    double xb = 0.0;
    CHECK_OK(ctx, rom_affine_rom_error_bound(rom, mu, &phi, q, &xb));
    memcpy(e, u, sizeof(double) * (size_t)L);
    const rom_dmat *V = rom_basis_vectors(b);
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)k, -1.0, rom_dmat_data_const(V),
                  (int)rom_dmat_ld(V), q, 1, 1.0, e, 1);
    CHECK_OK(ctx, rom_model_apply_operator_term(test_advdiff_model(p), 0, e, xe));
    const double ex = sqrt(fmax(dot_all(ctx, e, xe, L), 0.0));
    eff_x[t] = xb / ex;
    bad_x += !(xb >= ex);
  }
  CHECK(bad[0] == 0 && bad[1] == 0, "output bounds violated at %d (mean) and %d (square) of %d",
        bad[0], bad[1], NTEST);
  CHECK(bad_x == 0, "X-norm bound violated at %d of %d points", bad_x, NTEST);
  for (int o = 0; o < 2; ++o) {
    double maxc = 0.0, maxr = 0.0;
    for (int t = 0; t < NTEST; ++t) {
      maxc = fmax(maxc, err_c[o][t]);
      maxr = fmax(maxr, err_r[o][t]);
    }
    const double medc = median(err_c[o], NTEST), medr = median(err_r[o], NTEST);
    const int nr = nres[o];
    const double mede = nr > 0 ? median(eff[o], nr) : NAN;
    if (rom_ctx_rank(ctx) == 0)
      printf("output %d (k = %lld, kd <= %d): at the %d of %d points with a resolved error (> "
             "1e-12 |s|) median effectivity %.3g (min %.3g at error %.2e, max %.3g); error "
             "corrected median %.3e max %.3e, uncorrected median %.3e max %.3e\n",
             o, (long long)k, NTRAIN_DUAL, nr, NTEST, mede, min_eff[o], err_at_min[o],
             nr > 0 ? eff[o][nr - 1] : NAN, medc, maxc, medr, maxr);
    CHECK(nr >= NTEST / 2, "output %d: only %d of %d errors resolved", o, nr, NTEST);
    CHECK(nr > 0 && eff[o][0] >= 1.0, "output %d: smallest effectivity %.3g < 1", o, eff[o][0]);
    CHECK(medc < medr && maxc < maxr,
          "output %d: the corrected output is not more accurate (median %.3e vs %.3e, max %.3e "
          "vs %.3e)",
          o, medc, medr, maxc, maxr);
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("X-norm bound: median effectivity %.3g\n", median(eff_x, NTEST));

  /* Online: reduced data only. No callback during NTEST evaluations ... */
  const long calls0 = test_advdiff_calls(p);
  for (int t = 0; t < NTEST; ++t) {
    double mu[2];
    sample_mu(3, t, mu);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(rom, mu, &phi, q, sc, bd));
  }
  CHECK(test_advdiff_calls(p) == calls0, "the online bounds called the host %ld times",
        test_advdiff_calls(p) - calls0);
  /* ... and the same numbers with the FOM and the basis gone (ASan would see any access). */
  test_advdiff_destroy(&p);
  rom_basis_destroy(&b);
  int same = 1;
  for (int t = 0; t < NTEST; ++t) {
    double mu[2];
    sample_mu(3, t, mu);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(rom, mu, &phi, q, sc, bd));
    for (int o = 0; o < 2; ++o)
      same &= sc[o] == cache[4 * t + 2 * o] && bd[o] == cache[4 * t + 2 * o + 1];
  }
  CHECK(same, "the output bounds changed after the FOM was destroyed");
  rom_affine_rom_destroy(&rom);
  for (int o = 0; o < 2; ++o) {
    free(eff[o]);
    free(err_c[o]);
    free(err_r[o]);
  }
  free(eff_x);
  free(cache);
  free(u);
  free(e);
  free(xe);
}

/* ---- extension keeps the duals ------------------------------------------------------------ */

static void test_extend(rom_ctx *ctx) {
  const int n = 14;
  const rom_int N = (rom_int)n * n;
  test_advdiff *p =
      test_advdiff_create(ctx, n, test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)));
  const rom_int L = test_advdiff_local_rows(p);
  rom_basis *b10 = pod_basis(ctx, p, 16, 10), *b6 = leading(ctx, b10, L, 6);
  rom_affine_rom *ext = rom_with_bounds(ctx, p, b6), *ref = rom_with_bounds(ctx, p, b10);
  CHECK(rom_affine_rom_has_output_bound(ext, 0) && rom_affine_rom_has_output_bound(ext, 1),
        "output bounds set");
  CHECK_OK(ctx, rom_affine_rom_extend(ext, test_advdiff_model(p), b10));
  CHECK(rom_affine_rom_dim(ext) == 10, "extended to k = %lld", (long long)rom_affine_rom_dim(ext));
  CHECK(rom_affine_rom_has_output_bound(ext, 0) && rom_affine_rom_has_output_bound(ext, 1),
        "the extended ROM keeps its output bounds");
  double worst = 0.0, q1[10], q2[10], c1[2], c2[2], b1[2], b2[2];
  const double phi = 1.0;
  for (int t = 0; t < 20; ++t) {
    double mu[2];
    sample_mu(4, t, mu);
    CHECK_OK(ctx, rom_affine_rom_solve(ext, mu, &phi, q1));
    CHECK_OK(ctx, rom_affine_rom_solve(ref, mu, &phi, q2));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(ext, mu, &phi, q1, c1, b1));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(ref, mu, &phi, q2, c2, b2));
    for (int o = 0; o < 2; ++o) {
      worst = fmax(worst, fabs(c1[o] - c2[o]) / fabs(c2[o]));
      worst = fmax(worst, fabs(b1[o] - b2[o]) / b2[o]);
    }
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("extend 6 -> 10: largest relative difference of corrected outputs and bounds to a "
           "rebuild %.3e\n",
           worst);
  CHECK(worst <= 1e-10, "extended vs rebuilt output bounds differ by %.3e relative", worst);
  rom_affine_rom_destroy(&ext);
  rom_affine_rom_destroy(&ref);
  rom_basis_destroy(&b6);
  rom_basis_destroy(&b10);
  test_advdiff_destroy(&p);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void test_errors(rom_ctx *ctx) {
  const int n = 8;
  test_advdiff *p = test_advdiff_create(ctx, n, ROM_AUTO_ROWS);
  rom_model *model = test_advdiff_model(p);
  rom_basis *b = pod_basis(ctx, p, 8, 4);
  rom_affine_rom *rom = NULL;
  double train[4] = {0.5, 3.0, 0.2, -4.0};
  CHECK_OK(ctx, rom_affine_rom_build(model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_add_output(rom, b, "mean", test_advdiff_output_weights(p, 0)));
  /* X = A(1, 1) is not symmetric */
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, NULL), ROM_ERR_ARG);
  rom_estimator_options eo = rom_estimator_options_default();
  const double zero[2] = {0.0, 0.0}, tb[2] = {1.0, 0.0};
  eo.theta_bar = zero;
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &eo), ROM_ERR_ARG);
  eo.theta_bar = tb;
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, model, b, &eo));
  /* min-theta: the term in X needs theta_0 > 0; the skew term any sign */
  double q[4], bound = 0.0, phi = 1.0, mu_bad[2] = {-0.5, 1.0}, mu_neg[2] = {0.5, -7.0};
  CHECK_OK(ctx, rom_affine_rom_solve(rom, mu_neg, &phi, q));
  CHECK_OK(ctx, rom_affine_rom_error_bound(rom, mu_neg, &phi, q, &bound));
  CHECK_ERR(ctx, rom_affine_rom_error_bound(rom, mu_bad, &phi, q, &bound), ROM_ERR_ARG);
  /* the dual of a non-symmetric ROM needs A_q^T */
  CHECK_OK(ctx, rom_model_set_affine_operator_transpose(model, NULL));
  CHECK_ERR(ctx, rom_affine_rom_set_output_dual(rom, model, b, 0, NULL, train, 2),
            ROM_ERR_UNSUPPORTED);
  CHECK(!rom_affine_rom_has_output_bound(rom, 0), "no output bound after the refusal");
  double *x = vec(test_advdiff_local_rows(p)), *y = vec(test_advdiff_local_rows(p));
  CHECK_ERR(ctx, rom_model_apply_operator_term_transpose(model, 0, x, y), ROM_ERR_STATE);
  free(x);
  free(y);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  test_advdiff_destroy(&p);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_bounds(ctx);
  test_extend(ctx);
  test_errors(ctx);
  return test_finish(&ctx);
}
