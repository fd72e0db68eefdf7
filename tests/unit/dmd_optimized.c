/* Optimized DMD (variable projection) and BOP-DMD: rom_dmd_optimized_fit on a linear system
 * with known continuous-time eigenvalues (three damped oscillators), against the analytic
 * truth and against exact DMD computed here with LAPACK on the same data.
 *
 *   x(t) = sum_p exp(s_p t) (a_p cos(w_p t) + c_p sin(w_p t)),   x in R^k,
 *
 * so x(t) = sum_i B_i exp(omega_i t) with omega = s_p +- i w_p and B = (a_p -+ i c_p) / 2. */
#include "testutil.h"

#include <complex.h>
#include <float.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "dmd/dmd_optimized.h"

#define NP 3
#define R (2 * NP)
static const double sigma_true[NP] = {-0.1, -0.25, -0.05};
static const double freq_true[NP] = {2.0, 5.0, 0.7};

/* The true eigenvalues and B (r x k) for mode vectors drawn from `seed`. */
static void truth(int k, uint64_t seed, double complex *omega, double complex *B) {
  for (int p = 0; p < NP; p++) {
    omega[2 * p] = sigma_true[p] + I * freq_true[p];
    omega[2 * p + 1] = sigma_true[p] - I * freq_true[p];
    for (int l = 0; l < k; l++) {
      double a = rom_rng_normal(seed, 1, (uint64_t)(p * k + l));
      double c = rom_rng_normal(seed, 2, (uint64_t)(p * k + l));
      B[2 * p + (size_t)R * l] = 0.5 * (a - I * c);
      B[2 * p + 1 + (size_t)R * l] = 0.5 * (a + I * c);
    }
  }
}

/* Y (k x m) = sum_i B_i exp(omega_i t_j) + noise * rms(Y) * N(0, 1) (noise draw `draw`). */
static void sample(int k, int m, const double *t, const double complex *omega,
                   const double complex *B, double noise, uint64_t draw, double *Y) {
  double ss = 0;
  for (int j = 0; j < m; j++)
    for (int l = 0; l < k; l++) {
      double complex v = 0;
      for (int i = 0; i < R; i++)
        v += B[i + (size_t)R * l] * cexp(omega[i] * t[j]);
      Y[l + (size_t)k * j] = creal(v);
      ss += creal(v) * creal(v);
    }
  double rms = sqrt(ss / ((double)k * m));
  if (noise > 0)
    for (int j = 0; j < m; j++)
      for (int l = 0; l < k; l++)
        Y[l + (size_t)k * j] += noise * rms * rom_rng_normal(1000 + draw, 3, (uint64_t)(l + k * j));
}

/* Largest |est - true| / |true| after matching each true eigenvalue to the nearest estimate
 * (the eigenvalues are well separated). */
static double eig_error(const double complex *est, const double complex *tru) {
  double e = 0;
  for (int i = 0; i < R; i++) {
    double best = INFINITY;
    for (int j = 0; j < R; j++)
      best = fmin(best, cabs(est[j] - tru[i]));
    e = fmax(e, best / cabs(tru[i]));
  }
  return e;
}

/* Exact DMD (Tu et al. 2014) of uniformly sampled Y with rank-r truncation, by LAPACK:
 * X1 = U S V^T, Atilde = U^T X2 V S^-1, omega = log(eig(Atilde)) / dt. */
static int exact_dmd(int k, int m, const double *Y, double dt, double complex *omega) {
  int n = m - 1, mn = k < n ? k : n, rc = 0;
  double *X1 = malloc(sizeof(double) * (size_t)k * n), *s = malloc(sizeof(double) * mn);
  double *U = malloc(sizeof(double) * (size_t)k * mn),
         *Vt = malloc(sizeof(double) * (size_t)mn * n);
  double *T = malloc(sizeof(double) * (size_t)k * R), *A = malloc(sizeof(double) * R * R);
  double wr[R], wi[R];
  memcpy(X1, Y, sizeof(double) * (size_t)k * n);
  if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', k, n, X1, k, s, U, k, Vt, mn) != 0) rc = 1;
  /* T = X2 V_r S_r^-1 (k x r), then A = U_r^T T. */
  for (int c = 0; !rc && c < R; c++)
    for (int l = 0; l < k; l++) {
      double v = 0;
      for (int j = 0; j < n; j++)
        v += Y[l + (size_t)k * (j + 1)] * Vt[c + (size_t)mn * j];
      T[l + (size_t)k * c] = v / s[c];
    }
  for (int a = 0; !rc && a < R; a++)
    for (int c = 0; c < R; c++) {
      double v = 0;
      for (int l = 0; l < k; l++)
        v += U[l + (size_t)k * a] * T[l + (size_t)k * c];
      A[a + R * c] = v;
    }
  if (!rc && LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', R, A, R, wr, wi, NULL, 1, NULL, 1) != 0)
    rc = 1;
  for (int i = 0; !rc && i < R; i++)
    omega[i] = clog(wr[i] + I * wi[i]) / dt;
  free(X1), free(s), free(U), free(Vt), free(T), free(A);
  return rc;
}

static rom_dmd_opt_params params(int max_iter, double tol, int bags, int bag_size) {
  rom_dmd_opt_params p;
  memset(&p, 0, sizeof p);
  p.max_iter = max_iter, p.tol = tol, p.bags = bags, p.bag_size = bag_size, p.seed = 7;
  return p;
}

/* A conjugate-symmetric starting guess 5 % (relative) off the truth. */
static void perturbed(const double complex *omega, double complex *omega0) {
  for (int p = 0; p < NP; p++) {
    double complex w = omega[2 * p] * (1.0 + 0.05 * (p % 2 ? 1 : -1)) + 0.03 * I;
    omega0[2 * p] = w, omega0[2 * p + 1] = conj(w);
  }
}

/* No noise: eigenvalues and B to ~1e-10, uniform and then non-uniform random times in any
 * order; the output is exactly conjugate-symmetric; two calls agree bit for bit. */
static void test_noise_free(rom_ctx *ctx) {
  const int k = 8, m = 100;
  double complex omega[R], Bt[R * 8], omega0[R], om[R], Bf[R * 8], om2[R], Bf2[R * 8];
  double t[100], Y[8 * 100];
  rom_dmd_opt_params p = params(100, 1e-12, 0, 0);
  truth(k, 11, omega, Bt);
  perturbed(omega, omega0);
  for (int pass = 0; pass < 3; pass++) {
    /* pass 0: uniform; 1: sorted random times; 2: the same random times shuffled. */
    for (int j = 0; j < m; j++)
      t[j] = pass == 0 ? 0.1 * j : 10.0 * rom_rng_uniform(5, 0, (uint64_t)j);
    if (pass >= 1)
      for (int a = 0; a < m; a++) /* insertion sort */
        for (int b = a; b > 0 && t[b] < t[b - 1]; b--) {
          double x = t[b];
          t[b] = t[b - 1], t[b - 1] = x;
        }
    if (pass == 2)
      for (int j = m - 1; j > 0; j--) {
        int s = (int)(rom_rng_uniform(6, 0, (uint64_t)j) * (j + 1));
        double x = t[j];
        t[j] = t[s], t[s] = x;
      }
    sample(k, m, t, omega, Bt, 0.0, 0, Y);
    CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, omega0, &p, om, Bf, NULL));
    double e = eig_error(om, omega), eb = 0;
    for (int i = 0; i < R; i++) {
      CHECK(om[i ^ 1] == conj(om[i]), "pass %d: omega[%d] and omega[%d] are exact conjugates", pass,
            i, i ^ 1);
      int j = 0; /* the estimate matched to true eigenvalue i */
      for (int c = 1; c < R; c++)
        if (cabs(om[c] - omega[i]) < cabs(om[j] - omega[i])) j = c;
      for (int l = 0; l < k; l++)
        eb = fmax(eb, cabs(Bf[j + (size_t)R * l] - Bt[i + (size_t)R * l]) /
                          cabs(Bt[i + (size_t)R * l]));
    }
    printf("noise-free pass %d (%s times): max relative eigenvalue error %.2e, B error %.2e\n",
           pass,
           pass == 0   ? "uniform"
           : pass == 1 ? "random sorted"
                       : "random shuffled",
           e, eb);
    CHECK(e < 1e-10, "pass %d: eigenvalue error %.3e < 1e-10", pass, e);
    CHECK(eb < 1e-8, "pass %d: B error %.3e < 1e-8", pass, eb);
  }
  /* Determinism: the same call again gives the same bits. */
  CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, omega0, &p, om2, Bf2, NULL));
  CHECK(memcmp(om, om2, sizeof om) == 0 && memcmp(Bf, Bf2, sizeof Bf) == 0,
        "two identical calls give bit-identical omega and B");
  /* Times far from 0: the fit shifts them internally and refers B back to t = 0. */
  for (int j = 0; j < m; j++)
    t[j] = 3.0 + 0.1 * j;
  sample(k, m, t, omega, Bt, 0.0, 0, Y);
  CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, omega0, &p, om, Bf, NULL));
  CHECK(eig_error(om, omega) < 1e-10, "times starting at 3: eigenvalue error %.3e",
        eig_error(om, omega));
}

/* 1 % Gaussian noise, uniform samples: optimized DMD's eigenvalue error is at most 1/5 of
 * exact DMD's (mean over noise draws), exact DMD serving as the starting guess. */
static void test_noise(rom_ctx *ctx) {
  enum { K = 8, M = 400, DRAWS = 8 };
  const double dt = 0.05;
  double complex omega[R], Bt[R * K], oe[R], oo[R], Bo[R * K];
  double *Y = malloc(sizeof(double) * K * M), t[M];
  double sum_exact = 0, sum_opt = 0;
  rom_dmd_opt_params p = params(100, 1e-10, 0, 0);
  truth(K, 21, omega, Bt);
  for (int j = 0; j < M; j++)
    t[j] = dt * j;
  for (int d = 0; d < DRAWS; d++) {
    sample(K, M, t, omega, Bt, 0.01, (uint64_t)d, Y);
    CHECK(exact_dmd(K, M, Y, dt, oe) == 0, "exact DMD by LAPACK");
    CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, K, M, Y, t, R, oe, &p, oo, Bo, NULL));
    double ee = eig_error(oe, omega), eo = eig_error(oo, omega);
    sum_exact += ee, sum_opt += eo;
    printf("1%% noise, draw %d: relative eigenvalue error exact DMD %.3e, optimized %.3e\n", d, ee,
           eo);
  }
  printf("1%% noise, mean over %d draws: exact DMD %.3e, optimized DMD %.3e, ratio %.1f\n", DRAWS,
         sum_exact / DRAWS, sum_opt / DRAWS, sum_exact / sum_opt);
  CHECK(sum_opt <= sum_exact / 5, "optimized error %.3e <= 1/5 of exact DMD's %.3e",
        sum_opt / DRAWS, sum_exact / DRAWS);
  free(Y);
}

/* BOP-DMD on noisy, non-uniformly sampled data: the bags' standard deviation covers the
 * true error (z = |omega_bop - omega_true| / std, pooled over eigenvalues and draws). */
static void test_bop(rom_ctx *ctx) {
  enum { K = 8, M = 300, DRAWS = 4, BAGS = 40 };
  double complex omega[R], Bt[R * K], o0[R], ob[R], Bb[R * K];
  double *Y = malloc(sizeof(double) * K * M), t[M], sd[2 * R], zmax = 0, z2 = 0;
  int nz = 0, above3 = 0;
  rom_dmd_opt_params p = params(100, 1e-10, BAGS, 0);
  truth(K, 31, omega, Bt);
  for (int j = 0; j < M; j++)
    t[j] = 15.0 * rom_rng_uniform(9, 0, (uint64_t)j);
  perturbed(omega, o0);
  for (int d = 0; d < DRAWS; d++) {
    sample(K, M, t, omega, Bt, 0.01, (uint64_t)(100 + d), Y);
    CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, K, M, Y, t, R, o0, &p, ob, Bb, sd));
    printf("BOP-DMD draw %d z-scores:", d);
    for (int i = 0; i < R; i++) {
      int j = 0;
      for (int c = 1; c < R; c++)
        if (cabs(ob[c] - omega[i]) < cabs(ob[j] - omega[i])) j = c;
      /* The complex std: sqrt(std(Re)^2 + std(Im)^2). */
      double sj = hypot(sd[2 * j], sd[2 * j + 1]);
      CHECK(sj > 0 && isfinite(sj), "std of omega[%d] = %g is positive", j, sj);
      double z = cabs(ob[j] - omega[i]) / sj;
      printf(" %.2f", z);
      zmax = fmax(zmax, z), z2 += z * z, nz++, above3 += z > 3;
    }
    printf("  (std Re, Im of omega[0]: %.2e, %.2e)\n", sd[0], sd[1]);
    for (int i = 0; i < R; i++)
      CHECK(ob[i ^ 1] == conj(ob[i]) && sd[2 * (i ^ 1)] == sd[2 * i] &&
                sd[2 * (i ^ 1) + 1] == sd[2 * i + 1],
            "BOP output conjugate-symmetric");
  }
  double zrms = sqrt(z2 / nz);
  printf("BOP-DMD: %d z-scores, rms %.2f, max %.2f, %d above 3\n", nz, zrms, zmax, above3);
  CHECK(above3 <= nz / 10, "%d of %d z-scores above 3", above3, nz);
  CHECK(zrms < 2.0, "rms z-score %.2f < 2 (the std is not too small)", zrms);
  CHECK(zrms > 0.2, "rms z-score %.2f > 0.2 (the std is not absurdly large)", zrms);
  /* Same seed, same bags: bit-identical; another seed: different bags. */
  double complex ob2[R], Bb2[R * K];
  double sd2[2 * R];
  CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, K, M, Y, t, R, o0, &p, ob2, Bb2, sd2));
  CHECK(memcmp(ob, ob2, sizeof ob) == 0 && memcmp(sd, sd2, sizeof sd) == 0,
        "BOP-DMD with the same seed is bit-identical");
  p.seed = 8;
  CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, K, M, Y, t, R, o0, &p, ob2, Bb2, sd2));
  CHECK(memcmp(sd, sd2, sizeof sd) != 0, "another seed draws other bags");
  free(Y);
}

static void test_bad_input(rom_ctx *ctx) {
  const int k = 8, m = 40;
  double complex omega[R], Bt[R * 8], o0[R], om[R], Bf[R * 8];
  double t[40], Y[8 * 40], sd[2 * R];
  rom_dmd_opt_params p = params(50, 1e-10, 0, 0);
  truth(k, 41, omega, Bt);
  for (int j = 0; j < m; j++)
    t[j] = 0.1 * j;
  sample(k, m, t, omega, Bt, 0.0, 0, Y);
  perturbed(omega, o0);
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, 4, m, Y, t, R, o0, &p, om, Bf, NULL), ROM_ERR_DIM);
  CHECK(strstr(rom_ctx_last_error(ctx), "r = 6") != NULL, "r > k names r: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, 1, Y, t, 1, o0, &p, om, Bf, NULL), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "m = 1") != NULL, "m < 2 names m: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, 5, Y, t, R, o0, &p, om, Bf, NULL), ROM_ERR_DIM);
  p.max_iter = -1;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "max_iter = -1") != NULL, "max_iter named: %s",
        rom_ctx_last_error(ctx));
  /* Zero fields mean the defaults (rom_dmd_opt_params): a plain fit converges. */
  p.max_iter = 0, p.tol = 0;
  CHECK_OK(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL));
  CHECK(eig_error(om, omega) < 1e-9, "defaults: eigenvalue error %.3e", eig_error(om, omega));
  p.max_iter = 50;
  p.tol = NAN;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL), ROM_ERR_ARG);
  p.tol = 1e-10;
  /* BOP-DMD (omega_std given): at least 2 bags, r < bag_size < m. */
  p.bags = 1;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, sd), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "bags = 1") != NULL, "bags named: %s",
        rom_ctx_last_error(ctx));
  p.bags = 5, p.bag_size = m;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, sd), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "bag_size = 40") != NULL, "bag_size named: %s",
        rom_ctx_last_error(ctx));
  p.bags = 0, p.bag_size = 0;
  Y[3 + k * 17] = NAN;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL),
            ROM_ERR_NOT_FINITE);
  CHECK(strstr(rom_ctx_last_error(ctx), "row 3, column 17") != NULL, "NaN located: %s",
        rom_ctx_last_error(ctx));
  Y[3 + k * 17] = 0.5;
  t[5] = INFINITY;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL),
            ROM_ERR_NOT_FINITE);
  t[5] = 0.5;
  o0[2] = NAN;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL),
            ROM_ERR_NOT_FINITE);
  /* omega0 that overflows exp(omega t) over the data. */
  o0[2] = 1e4, o0[3] = 1e4;
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, Y, t, R, o0, &p, om, Bf, NULL),
            ROM_ERR_NOT_FINITE);
  CHECK_ERR(ctx, rom_dmd_optimized_fit(ctx, k, m, NULL, t, R, o0, &p, om, Bf, NULL), ROM_ERR_ARG);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_noise_free(ctx);
  test_noise(ctx);
  test_bop(ctx);
  test_bad_input(ctx);
  return test_finish(&ctx);
}
