/* A-posteriori error bounds of the affine ROM (include/romkit/affine_rom.h) on P3 (n = 24),
 * at 1, 2 and 4 ranks with an uneven partition (the last rank empty at 4 ranks).
 *
 * Independent truth: the FOM (banded Cholesky, rom_heat2d_solve) at every test parameter;
 * the true error e = u - (Phi q) in the X norm, ||e||_X^2 = e^T A(1) e, applied through the
 * model's term callbacks (not through the estimator's data).
 *  - the bound is a bound: effectivity ||e||_X-bound / ||e||_X >= 1 at 1000 Monte Carlo
 *    parameters (log-uniform [0.1, 10]^4), and the energy-norm bound too;
 *  - down to small errors: a large basis (true errors near 1e-12 relative) keeps effectivity
 *    >= 1 with the stable form, where the naive Gram form stalls (its value at the smallest
 *    error is far above the true residual);
 *  - output bounds with the primal-dual correction hold against the FOM outputs (the mean,
 *    dual space given; a probe, dual space from dual snapshots);
 *  - the implicit-Euler transient bound holds at every step against the FOM trajectory;
 *  - the incremental extension equals a build at the larger dimension;
 *  - the same bounds on one rank (MPI_COMM_SELF on rank 0) as distributed;
 *  - bad input is refused with the documented codes. */
#include "testutil.h"
#include "testutil_p3.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* The P3 fixture is shared with tests/mpi/heat_rom.c (tests/testutil_p3.h). */
typedef test_p3 fom;

static void fom_make(rom_ctx *ctx, rom_int n, int uneven, fom *f) {
  test_p3_make(ctx, n, 2, 2, uneven, f);
}

static double *vec(rom_int n) {
  return test_vec(n);
}

static void sample_mu(uint64_t stream, int index, double *mu) {
  test_p3_sample_mu(11, stream, index, 4, mu);
}

/* POD basis of m FOM solves (training stream 1), rank k. */
static rom_basis *pod_basis(fom *f, int m, rom_int k) {
  return test_p3_pod_basis(f, 11, 1, m, k);
}

static rom_basis *leading(fom *f, const rom_basis *b, rom_int k) {
  return test_p3_leading(f, b, k);
}

/* ||x||_X^2 = x^T A(1) x through the term callbacks; also ||x||_mu^2 = x^T A(mu) x. */
static void norms(fom *f, const double *mu, const double *x, double *xnorm, double *enorm) {
  double *t = vec(f->L), loc[2] = {0, 0}, tot[2];
  for (int q = 0; q < 4; ++q) {
    CHECK_OK(f->ctx, rom_model_apply_operator_term(f->model, q, x, t));
    for (rom_int l = 0; l < f->L; ++l) {
      loc[0] += x[l] * t[l];
      loc[1] += mu[q] * x[l] * t[l];
    }
  }
  MPI_Allreduce(loc, tot, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(f->ctx));
  *xnorm = sqrt(fmax(tot[0], 0.0));
  *enorm = sqrt(fmax(tot[1], 0.0));
  free(t);
}

/* True X- and energy-norm errors of the ROM at mu, the bound info, and ||u||_X. */
static void errors_at(fom *f, rom_affine_rom *rom, const rom_basis *b, const double *mu, double *ex,
                      double *ee, double *ux, rom_error_bound_info *info) {
  const rom_int k = rom_basis_dim(b);
  double *u = vec(f->L), *q = vec(k), phi = 1.0, dummy;
  CHECK_OK(f->ctx, rom_heat2d_solve(f->h, mu, u));
  norms(f, mu, u, ux, &dummy);
  CHECK_OK(f->ctx, rom_affine_rom_solve(rom, mu, &phi, q));
  CHECK_OK(f->ctx, rom_affine_rom_error_bound_info(rom, mu, &phi, q, info));
  const rom_dmat *V = rom_basis_vectors(b);
  if (f->L > 0)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)f->L, (int)k, -1.0, rom_dmat_data_const(V),
                (int)rom_dmat_ld(V), q, 1, 1.0, u, 1);
  norms(f, mu, u, ex, ee);
  free(u);
  free(q);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* ---- the bound is a bound at 1000 Monte Carlo parameters ---------------------------------- */

/* ROMKIT_BOUNDS_N=64 runs it on the full P3 grid (docs/many-query.md reports that run). */
static void test_effectivity(rom_ctx *ctx) {
  fom f;
  const char *env = getenv("ROMKIT_BOUNDS_N");
  const rom_int n = env && atoi(env) >= 4 ? atoi(env) : 24;
  fom_make(ctx, n, 1, &f);
  rom_basis *b = pod_basis(&f, 20, 10);
  rom_affine_rom *rom = NULL;
  rom_sweep_design *d = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  CHECK(rom_affine_rom_has_estimator(rom) == 1, "has estimator");
  double low[4] = {0.1, 0.1, 0.1, 0.1}, high[4] = {10, 10, 10, 10};
  int logs[4] = {1, 1, 1, 1};
  const int ns = 1000;
  CHECK_OK(ctx, rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, 4, low, high, logs, ns, NULL,
                                        2026, &d));
  double *eff = vec(ns), worst = INFINITY, worst_e = INFINITY;
  int bad = 0;
  for (int i = 0; i < ns; ++i) {
    double mu[4], ex, ee, ux;
    rom_error_bound_info info;
    CHECK_OK(ctx, rom_sweep_design_sample(d, i, mu));
    errors_at(&f, rom, b, mu, &ex, &ee, &ux, &info);
    eff[i] = info.x_bound / ex;
    worst = fmin(worst, eff[i]);
    worst_e = fmin(worst_e, info.energy_bound / ee);
    double bnd = 0.0, phi = 1.0, *q = vec(10);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_error_bound(rom, mu, &phi, q, &bnd));
    if (bnd != info.x_bound) bad++;
    free(q);
  }
  qsort(eff, ns, sizeof(double), cmp_double);
  if (rom_ctx_rank(ctx) == 0)
    printf("bounds: k = 10, n = %lld, 1000 MC: effectivity min %.3f median %.3f max %.3f; energy "
           "min %.3f\n",
           (long long)n, eff[0], eff[ns / 2], eff[ns - 1], worst_e);
  CHECK(worst >= 1.0, "X-norm effectivity >= 1 at every point (min %.6f)", worst);
  CHECK(worst_e >= 1.0, "energy effectivity >= 1 at every point (min %.6f)", worst_e);
  CHECK(eff[ns / 2] <= 50.0, "median effectivity %.3f is not absurd", eff[ns / 2]);
  CHECK(bad == 0, "error_bound equals error_bound_info's x_bound (%d differ)", bad);
  free(eff);
  rom_sweep_design_destroy(&d);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- small errors: stable vs naive -------------------------------------------------------- */

static void test_small_errors(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 24, 1, &f);
  const rom_int k = 70;
  rom_basis *b = pod_basis(&f, 120, k);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  double worst = INFINITY, min_rel = INFINITY, naive_over = 0.0, stable_over = 0.0;
  for (int i = 0; i < 40; ++i) {
    double mu[4], ex, ee, ux;
    rom_error_bound_info info;
    sample_mu(2, i, mu);
    errors_at(&f, rom, b, mu, &ex, &ee, &ux, &info);
    worst = fmin(worst, info.x_bound / ex);
    if (ex / ux < min_rel) {
      min_rel = ex / ux;
      naive_over = info.residual_norm_naive / info.residual_norm;
      stable_over = info.x_bound / ex;
    }
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("bounds: k = %lld: smallest relative true error %.3e, effectivity there %.3f, naive / "
           "stable residual there %.3e; min effectivity %.3f\n",
           (long long)k, min_rel, stable_over, naive_over, worst);
  CHECK(min_rel < 1e-11, "the large basis reaches true errors below 1e-11 (%.3e)", min_rel);
  CHECK(worst >= 1.0, "effectivity >= 1 down to small errors (min %.6f)", worst);
  /* sqrt(c^T G c) loses half the digits: at the smallest error it is wrong by more than
   * 100 % (often 0, the rounded c^T G c being negative, which would certify nothing). */
  CHECK(fabs(naive_over - 1.0) > 1.0 || naive_over == 0.0,
        "the naive Gram form stalls (naive / stable = %.3e)", naive_over);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- extension and rank independence ------------------------------------------------------ */

static void test_extend(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 24, 1, &f);
  rom_basis *b = pod_basis(&f, 20, 12), *b6 = leading(&f, b, 6);
  rom_affine_rom *small = NULL, *full = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b6, &small));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(small, f.model, b6, NULL));
  CHECK_OK(ctx, rom_affine_rom_extend(small, f.model, b));
  CHECK(rom_affine_rom_dim(small) == 12, "extended to k = 12");
  CHECK(rom_affine_rom_has_estimator(small), "the estimator survives the extension");
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &full));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(full, f.model, b, NULL));
  double worst_q = 0.0, worst_b = 0.0;
  for (int i = 0; i < 20; ++i) {
    double mu[4], phi = 1.0, q1[12], q2[12], b1, b2;
    sample_mu(3, i, mu);
    CHECK_OK(ctx, rom_affine_rom_solve(small, mu, &phi, q1));
    CHECK_OK(ctx, rom_affine_rom_solve(full, mu, &phi, q2));
    for (int j = 0; j < 12; ++j)
      worst_q = fmax(worst_q, fabs(q1[j] - q2[j]) / (fabs(q2[0]) + 1e-300));
    CHECK_OK(ctx, rom_affine_rom_error_bound(small, mu, &phi, q2, &b1));
    CHECK_OK(ctx, rom_affine_rom_error_bound(full, mu, &phi, q2, &b2));
    worst_b = fmax(worst_b, fabs(b1 - b2) / b2);
  }
  CHECK(worst_q < 1e-10, "extended ROM solves as the full build (rel %.3e)", worst_q);
  CHECK(worst_b < 1e-6, "extended estimator bounds as the full build (rel %.3e)", worst_b);
  /* Extension errors: not larger, wrong basis size. */
  CHECK_ERR(ctx, rom_affine_rom_extend(small, f.model, b6), ROM_ERR_DIM);
  rom_affine_rom_destroy(&small);
  rom_affine_rom_destroy(&full);
  rom_basis_destroy(&b6);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* Bounds at fixed parameters with k = 8; out gets 10 values. */
static void bounds_on(rom_ctx *ctx, int uneven, double *out) {
  fom f;
  fom_make(ctx, 24, uneven, &f);
  rom_basis *b = pod_basis(&f, 16, 8);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  for (int i = 0; i < 10; ++i) {
    double mu[4], phi = 1.0, q[8];
    sample_mu(4, i, mu);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_error_bound(rom, mu, &phi, q, &out[i]));
  }
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

static void test_rank_independence(rom_ctx *ctx) {
  double dist[10], ser[10];
  bounds_on(ctx, 1, dist);
  if (rom_ctx_rank(ctx) == 0) {
    rom_ctx *self = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    bounds_on(self, 0, ser);
    rom_ctx_destroy(&self);
  }
  MPI_Bcast(ser, 10, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  double worst = 0.0;
  for (int i = 0; i < 10; ++i)
    worst = fmax(worst, fabs(dist[i] - ser[i]) / ser[i]);
  CHECK(worst < 1e-8, "bounds on %d ranks = bounds on one (rel %.3e)", rom_ctx_size(ctx), worst);
}

/* ---- bad input ---------------------------------------------------------------------------- */

/* A diagonal host model: A_0 = I, A_1 = -diag(1 + global index): symmetric, A_1 indefinite,
 * so the min-theta bound does not apply. No communication needed. */
typedef struct {
  rom_int L, off;
} diag_host;

static int diag_apply(void *user, int q, const double *x, double *y) {
  diag_host *h = user;
  for (rom_int l = 0; l < h->L; ++l)
    y[l] = q == 0 ? x[l] : -(1.0 + (double)(h->off + l)) * x[l];
  return 0;
}
static int diag_rhs(void *user, int q, double *f) {
  diag_host *h = user;
  (void)q;
  for (rom_int l = 0; l < h->L; ++l)
    f[l] = 1.0;
  return 0;
}
static int diag_coef(void *user, const double *mu, double *c) {
  (void)user;
  c[0] = mu[0];
  return 0;
}
static int diag_solve(void *user, const double *theta, double shift, double scale, int transpose,
                      const double *b, double *x) {
  diag_host *h = user;
  (void)transpose;
  for (rom_int l = 0; l < h->L; ++l)
    x[l] = b[l] / (shift + scale * (theta[0] - theta[1] * (1.0 + (double)(h->off + l))));
  return 0;
}
static int lb_const(void *user, const double *theta, double *alpha) {
  (void)user;
  *alpha = theta[0] - 20.0 * theta[1];
  return 0;
}

static void test_errors(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 12, 1, &f);
  rom_basis *b = pod_basis(&f, 6, 4), *b3 = leading(&f, b, 3);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  double mu[4] = {1, 2, 3, 4}, phi = 1.0, q[4] = {0}, bnd = 0.0, neg[4] = {1, -1, 1, 1};
  CHECK_ERR(ctx, rom_affine_rom_error_bound(rom, mu, &phi, q, &bnd), ROM_ERR_STATE);
  rom_estimator_options o = rom_estimator_options_default();
  o.theta_bar = neg;
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, f.model, b, &o), ROM_ERR_ARG);
  o = rom_estimator_options_default();
  o.coercivity = ROM_COERCIVITY_CALLBACK;
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, f.model, b, &o), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, f.model, b3, NULL), ROM_ERR_DIM);
  CHECK(!rom_affine_rom_has_estimator(rom), "no estimator after failures");
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
  CHECK_ERR(ctx, rom_affine_rom_error_bound(rom, neg, &phi, q, &bnd), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_affine_rom_error_bound(rom, mu, &phi, NULL, &bnd), ROM_ERR_ARG);
  {
    double nan_q[4] = {NAN, 0, 0, 0};
    CHECK_ERR(ctx, rom_affine_rom_error_bound(rom, mu, &phi, nan_q, &bnd), ROM_ERR_NOT_FINITE);
  }
  rom_affine_rom_destroy(&rom);

  /* Non-coercive request without a lower bound. */
  {
    diag_host h = {8, 0};
    rom_model *m = NULL;
    rom_dmat *V = NULL;
    rom_basis *bd = NULL;
    rom_affine_rom *r = NULL;
    MPI_Exscan(&h.L, &h.off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
    if (rom_ctx_rank(ctx) == 0) h.off = 0;
    CHECK_OK(ctx, rom_model_create(ctx, h.L, 1, &h, &m));
    CHECK_OK(ctx, rom_model_set_affine_operator(m, 2, diag_apply, NULL));
    CHECK_OK(ctx, rom_model_set_affine_rhs(m, 1, diag_rhs, diag_coef));
    CHECK_OK(ctx, rom_model_set_affine_solve(m, diag_solve));
    CHECK_OK(ctx, rom_dmat_create(ctx, h.L, 2, &V));
    double *Vd = rom_dmat_data(V), s = 1.0 / sqrt((double)(8 * rom_ctx_size(ctx)));
    for (rom_int l = 0; l < h.L; ++l) { /* two orthonormal vectors: constant, alternating */
      Vd[l] = s;
      Vd[l + h.L] = ((h.off + l) % 2 ? -1.0 : 1.0) * s;
    }
    CHECK_OK(ctx, rom_basis_create(V, NULL, 0, NULL, &bd));
    CHECK_OK(ctx, rom_affine_rom_build(m, bd, &r));
    int before = test_failed > 0;
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(r, m, bd, NULL), ROM_ERR_UNSUPPORTED);
    if (!before) {
      const char *msg = rom_ctx_last_error(ctx);
      CHECK(msg && strstr(msg, "non-coercive bound request without a lower bound"),
            "the refusal says why: %s", msg ? msg : "(none)");
    }
    /* With the caller's lower bound it works (alpha = theta_0 - 20 theta_1 is a true bound
     * only for small problems; here it is only exercised). */
    rom_estimator_options oc = rom_estimator_options_default();
    double tbar[2] = {100.0, 1.0}; /* X = 100 I - diag(1 + i): SPD for the 32 rows at most */
    oc.theta_bar = tbar;
    oc.lower_bound = lb_const;
    CHECK_OK(ctx, rom_affine_rom_build_estimator(r, m, bd, &oc));
    double th[2] = {1000.0, 1.0}, ph = 1.0, qq[2];
    CHECK_OK(ctx, rom_affine_rom_solve(r, th, &ph, qq));
    CHECK_OK(ctx, rom_affine_rom_error_bound(r, th, &ph, qq, &bnd));
    CHECK(bnd >= 0.0 && isfinite(bnd), "callback bound %g", bnd);
    double th_bad[2] = {1.0, 1.0};
    CHECK_ERR(ctx, rom_affine_rom_error_bound(r, th_bad, &ph, qq, &bnd), ROM_ERR_CALLBACK);
    rom_affine_rom_destroy(&r);
    rom_basis_destroy(&bd);
    rom_dmat_destroy(&V);
    rom_model_destroy(&m);
  }
  rom_basis_destroy(&b3);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- output bounds ------------------------------------------------------------------------ */

static double dot_all(fom *f, const double *x, const double *y) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < f->L; ++l)
    s += x[l] * y[l];
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(f->ctx));
  return t;
}

static void test_output_bounds(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 24, 1, &f);
  rom_basis *b = pod_basis(&f, 20, 8);
  rom_affine_rom *rom = NULL;
  rom_int off = 0;
  MPI_Exscan(&f.L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) off = 0;
  /* outputs: the mean temperature (compliant: l = f / N) and a probe at node (5, 17) */
  double *lmean = vec(f.L), *lprobe = vec(f.L), *u = vec(f.L);
  for (rom_int l = 0; l < f.L; ++l) {
    lmean[l] = 1.0 / (double)f.N;
    lprobe[l] = off + l == 5 + 24 * 17 ? 1.0 : 0.0;
  }
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_add_output(rom, b, "mean", lmean));
  CHECK_OK(ctx, rom_affine_rom_add_output(rom, b, "probe", lprobe));
  CHECK_ERR(ctx, rom_affine_rom_set_output_dual(rom, f.model, b, 0, b, NULL, 0), ROM_ERR_STATE);
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  /* mean: the caller's dual space (the primal basis: l = f / N, so z = -u / N) */
  CHECK_OK(ctx, rom_affine_rom_set_output_dual(rom, f.model, b, 0, b, NULL, 0));
  /* probe: dual snapshots at 12 training parameters */
  double train[12 * 4];
  for (int i = 0; i < 12; ++i)
    sample_mu(5, i, train + 4 * i);
  CHECK_OK(ctx, rom_affine_rom_set_output_dual(rom, f.model, b, 1, NULL, train, 12));
  CHECK_ERR(ctx, rom_affine_rom_set_output_dual(rom, f.model, b, 2, NULL, train, 12), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_affine_rom_set_output_dual(rom, f.model, b, 1, NULL, train, 0), ROM_ERR_ARG);
  CHECK(rom_affine_rom_has_output_bound(rom, 0) && rom_affine_rom_has_output_bound(rom, 1),
        "both outputs have bounds");
  double worst[2] = {INFINITY, INFINITY}, gain[2] = {0, 0};
  for (int i = 0; i < 200; ++i) {
    double mu[4], phi = 1.0, q[8], s[2], corr[2], bnd[2], sr[2];
    sample_mu(6, i, mu);
    CHECK_OK(ctx, rom_heat2d_solve(f.h, mu, u));
    s[0] = dot_all(&f, lmean, u);
    s[1] = dot_all(&f, lprobe, u);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(rom, q, sr));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(rom, mu, &phi, q, corr, bnd));
    for (int o = 0; o < 2; ++o) {
      double e = fabs(s[o] - corr[o]);
      /* an error at rounding level certifies trivially: compare with a floor */
      worst[o] = fmin(worst[o], (bnd[o] + 1e-15 * fabs(s[o])) / fmax(e, 1e-300));
      gain[o] += log10(fmax(fabs(s[o] - sr[o]), 1e-300) / fmax(e, 1e-300)) / 200.0;
    }
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("bounds: outputs k = 8: min output effectivity mean %.3f probe %.3f; mean log10 "
           "gain of the correction %.2f, %.2f\n",
           worst[0], worst[1], gain[0], gain[1]);
  CHECK(worst[0] >= 1.0 && worst[1] >= 1.0, "output bounds hold (min eff %.4f, %.4f)", worst[0],
        worst[1]);
  CHECK(gain[1] > 0.3, "the dual correction improves the probe output (%.2f decades)", gain[1]);
  /* sweep with bounds: per-sample bounds, certified mean and quantiles vs the FOM */
  {
    double low[4] = {0.1, 0.1, 0.1, 0.1}, high[4] = {10, 10, 10, 10};
    int logs[4] = {1, 1, 1, 1};
    const int ns = 60;
    rom_sweep_design *d = NULL;
    rom_sweep *sw = NULL;
    double sfom[60][2], mean[2] = {0, 0}, lo[2], hi[2];
    double qe[ROM_SWEEP_NUM_QUANTILES * 2], ql[ROM_SWEEP_NUM_QUANTILES * 2],
        qh[ROM_SWEEP_NUM_QUANTILES * 2];
    CHECK_OK(ctx, rom_sweep_design_create(ctx, ROM_SWEEP_LHS, 4, low, high, logs, ns, NULL, 5, &d));
    CHECK_OK(ctx, rom_sweep_run(rom, d, NULL, NULL, &sw));
    CHECK(rom_sweep_has_bounds(sw), "the sweep has bounds");
    for (int i = 0; i < ns; ++i) {
      double mu[4];
      CHECK_OK(ctx, rom_sweep_design_sample(d, i, mu));
      CHECK_OK(ctx, rom_heat2d_solve(f.h, mu, u));
      sfom[i][0] = dot_all(&f, lmean, u);
      sfom[i][1] = dot_all(&f, lprobe, u);
      mean[0] += sfom[i][0] / ns;
      mean[1] += sfom[i][1] / ns;
    }
    const double *vals = rom_sweep_local_outputs(sw), *bs = rom_sweep_local_bounds(sw);
    int held = 1;
    for (rom_int i = 0; i < rom_sweep_local_samples(sw); ++i)
      for (int o = 0; o < 2; ++o)
        held = held && fabs(sfom[rom_sweep_local_offset(sw) + i][o] - vals[i * 2 + o]) <=
                           bs[i * 2 + o] + 1e-15 * fabs(vals[i * 2 + o]);
    CHECK(held, "every sample's output bound holds in the sweep");
    CHECK_OK(ctx, rom_sweep_certified_mean(sw, lo, hi));
    CHECK_OK(ctx, rom_sweep_quantiles(sw, qe, ql, qh));
    for (int o = 0; o < 2; ++o) {
      double sorted[60];
      for (int i = 0; i < ns; ++i)
        sorted[i] = sfom[i][o];
      qsort(sorted, ns, sizeof(double), cmp_double);
      const double slack = 1e-14 * fabs(mean[o]);
      CHECK(lo[o] - slack <= mean[o] && mean[o] <= hi[o] + slack,
            "certified mean of output %d: %.10g in [%.10g, %.10g]", o, mean[o], lo[o], hi[o]);
      for (int j = 0; j < ROM_SWEEP_NUM_QUANTILES; ++j) {
        int idx = (int)ceil(rom_sweep_quantile_levels[j] * ns);
        double t = sorted[(idx < 1 ? 1 : idx) - 1];
        CHECK(ql[j * 2 + o] - slack <= t && t <= qh[j * 2 + o] + slack,
              "certified quantile %g of output %d: %.10g in [%.10g, %.10g]",
              rom_sweep_quantile_levels[j], o, t, ql[j * 2 + o], qh[j * 2 + o]);
      }
    }
    rom_sweep_destroy(&sw);
    rom_sweep_design_destroy(&d);
  }
  /* file round trip: identical bounds */
  {
    char path[512];
    rom_affine_rom *back = NULL, *plain = NULL;
    rom_basis *b4 = leading(&f, b, 4);
    test_path(ctx, "bounds_rom", path, sizeof path);
    CHECK_OK(ctx, rom_affine_rom_write(rom, path, 1));
    CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
    CHECK(rom_affine_rom_has_estimator(back) && rom_affine_rom_has_output_bound(back, 1),
          "the estimator and the output duals are read back");
    int same = 1;
    for (int i = 0; i < 20; ++i) {
      double mu[4], phi = 1.0, q[8], b1, b2, c1[2], c2[2], o1[2], o2[2];
      sample_mu(9, i, mu);
      CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
      CHECK_OK(ctx, rom_affine_rom_error_bound(rom, mu, &phi, q, &b1));
      CHECK_OK(ctx, rom_affine_rom_error_bound(back, mu, &phi, q, &b2));
      CHECK_OK(ctx, rom_affine_rom_output_bounds(rom, mu, &phi, q, c1, o1));
      CHECK_OK(ctx, rom_affine_rom_output_bounds(back, mu, &phi, q, c2, o2));
      same = same && b1 == b2 && memcmp(c1, c2, sizeof c1) == 0 && memcmp(o1, o2, sizeof o1) == 0;
    }
    CHECK(same, "file round trip gives bitwise identical bounds");
    /* read-back ROMs keep no representers or weights: no extension, no new duals */
    CHECK_ERR(ctx, rom_affine_rom_set_output_dual(back, f.model, b, 1, NULL, train, 12),
              ROM_ERR_STATE);
    /* a ROM written without an estimator reads as one without */
    CHECK_OK(ctx, rom_affine_rom_build(f.model, b4, &plain));
    CHECK_OK(ctx, rom_affine_rom_write(plain, path, 1));
    rom_affine_rom_destroy(&plain);
    CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &plain));
    CHECK(!rom_affine_rom_has_estimator(plain), "no estimator in a plain file");
    rom_affine_rom_destroy(&plain);
    rom_affine_rom_destroy(&back);
    rom_basis_destroy(&b4);
    if (rom_ctx_rank(ctx) == 0) remove(path);
  }
  /* extension keeps the dual data (the same numbers as setting it again on the new basis) */
  {
    rom_basis *b10 = pod_basis(&f, 20, 10), *b8 = leading(&f, b10, 8);
    rom_affine_rom *r2 = NULL;
    double mu[4] = {1, 2, 3, 4}, phi = 1.0, q[10], corr[1], bnd[1];
    CHECK_OK(ctx, rom_affine_rom_build(f.model, b8, &r2));
    CHECK_OK(ctx, rom_affine_rom_add_output(r2, b8, "probe", lprobe));
    CHECK_OK(ctx, rom_affine_rom_build_estimator(r2, f.model, b8, NULL));
    CHECK_OK(ctx, rom_affine_rom_set_output_dual(r2, f.model, b8, 0, NULL, train, 12));
    CHECK_OK(ctx, rom_affine_rom_extend(r2, f.model, b10));
    CHECK(rom_affine_rom_has_output_bound(r2, 0), "extension keeps the dual data");
    double corr_kept[1] = {0}, bnd_kept[1] = {0};
    CHECK_OK(ctx, rom_affine_rom_solve(r2, mu, &phi, q));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(r2, mu, &phi, q, corr_kept, bnd_kept));
    CHECK_OK(ctx, rom_affine_rom_set_output_dual(r2, f.model, b10, 0, NULL, train, 12));
    CHECK_OK(ctx, rom_affine_rom_output_bounds(r2, mu, &phi, q, corr, bnd));
    CHECK(fabs(corr_kept[0] - corr[0]) <= 1e-10 * fabs(corr[0]) &&
              fabs(bnd_kept[0] - bnd[0]) <= 1e-10 * bnd[0],
          "kept dual data vs set again: corrected %.17g vs %.17g, bound %.3e vs %.3e", corr_kept[0],
          corr[0], bnd_kept[0], bnd[0]);
    CHECK_OK(ctx, rom_heat2d_solve(f.h, mu, u));
    double s = dot_all(&f, lprobe, u), sr = 0.0;
    CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(r2, q, &sr));
    CHECK(fabs(s - corr[0]) <= bnd[0] + 1e-15, "output bound after extension");
    rom_affine_rom_destroy(&r2);
    rom_basis_destroy(&b8);
    rom_basis_destroy(&b10);
  }
  free(lmean);
  free(lprobe);
  free(u);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- transient bound ---------------------------------------------------------------------- */

static void test_transient(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 24, 1, &f);
  const double dt = 0.01;
  const rom_int steps = 50, k = 8;
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  rom_affine_rom *rom = NULL;
  double *traj = vec(f.L * (steps + 1)), *qt = vec(k * (steps + 1)), *bnd = vec(steps + 1);
  double *u = vec(f.L);
  /* POD of the trajectories at 3 training parameters (every 5th state) */
  CHECK_OK(ctx, rom_dmat_create(ctx, f.L, 30, &S));
  for (int s = 0; s < 3; ++s) {
    double mu[4];
    sample_mu(7, s, mu);
    CHECK_OK(ctx, rom_heat2d_transient(f.h, mu, dt, steps, traj));
    for (int c = 0; c < 10; ++c)
      memcpy(rom_dmat_data(S) + (s * 10 + c) * f.L, traj + (5 * c + 5) * f.L,
             sizeof(double) * (size_t)f.L);
  }
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, f.model, b, NULL));
  double worst = INFINITY, worst_final = 0.0;
  for (int i = 0; i < 8; ++i) {
    double mu[4], phi = 1.0;
    sample_mu(8, i, mu);
    CHECK_OK(ctx, rom_heat2d_transient(f.h, mu, dt, steps, traj));
    CHECK_OK(ctx, rom_affine_rom_transient(rom, mu, &phi, dt, steps, NULL, qt));
    CHECK_OK(ctx, rom_affine_rom_transient_bound(rom, mu, &phi, dt, steps, qt, 0.0, bnd));
    for (rom_int n = 1; n <= steps; ++n) {
      const rom_dmat *V = rom_basis_vectors(b);
      memcpy(u, traj + n * f.L, sizeof(double) * (size_t)f.L);
      if (f.L > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)f.L, (int)k, -1.0, rom_dmat_data_const(V),
                    (int)rom_dmat_ld(V), qt + n * k, 1, 1.0, u, 1);
      double e2 = 0.0, e = 0.0;
      for (rom_int l = 0; l < f.L; ++l)
        e2 += u[l] * u[l];
      MPI_Allreduce(&e2, &e, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
      e = sqrt(e);
      worst = fmin(worst, bnd[n] / e);
      if (n == steps) worst_final = fmax(worst_final, bnd[n] / e);
    }
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("bounds: transient k = 8, 50 steps: min effectivity %.3f, largest at the final step "
           "%.3f\n",
           worst, worst_final);
  CHECK(worst >= 1.0, "transient bound holds at every step (min eff %.4f)", worst);
  {
    double mu[4] = {1, 1, 1, 1}, phi = 1.0;
    CHECK_ERR(ctx, rom_affine_rom_transient_bound(rom, mu, &phi, -dt, steps, qt, 0.0, bnd),
              ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_affine_rom_transient_bound(rom, mu, &phi, dt, steps, qt, -1.0, bnd),
              ROM_ERR_ARG);
  }
  free(traj);
  free(qt);
  free(bnd);
  free(u);
  rom_dmat_destroy(&S);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_errors(ctx);
  test_effectivity(ctx);
  test_small_errors(ctx);
  test_extend(ctx);
  test_output_bounds(ctx);
  test_transient(ctx);
  test_rank_independence(ctx);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "romkit still holds %zu bytes (leak)",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
