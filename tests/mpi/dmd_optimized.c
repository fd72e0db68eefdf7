/* Optimized DMD ("opt") and BOP-DMD ("bop") through rom_dmd_fit at 1, 2 and 4 ranks (uneven
 * partition, an empty rank at P = 4), against analytic truth:
 *  (a) a known linear system (two damped oscillations, two decays), no noise, uniform and
 *      irregular time stamps: eigenvalues to 1e-9, prediction beyond the data to 1e-8;
 *  (b) every rank holds bit-identical eigenvalues (the fit runs redundantly on each rank);
 *  (c) the same fit on one rank (MPI_COMM_SELF, all rows) agrees to 1e-10;
 *  (d) "bop" with 1 % noise: a positive standard deviation per eigenvalue, the same on every
 *      rank, and the error within 4 standard deviations. */
#include "testutil.h"

#include <complex.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS 240
#define NMODES 6
#define PI_ 3.14159265358979323846

static const double sig[4] = {-0.1, -0.05, -0.3, -0.8};
static const double freq[4] = {1.3, 0.7, 0.0, 0.0};

static double state(rom_int g, double t) {
  double x = (double)(g + 1) / (double)(N_ROWS + 1), v = 0.0;
  for (int i = 0; i < 4; i++) {
    double a = sin((i + 1) * PI_ * x), c = cos((i + 1.5) * PI_ * x * x);
    if (freq[i] != 0.0)
      v += exp(sig[i] * t) * (a * cos(freq[i] * t) + c * sin(freq[i] * t));
    else
      v += exp(sig[i] * t) * (a + 0.5 * c);
  }
  return v;
}

/* Largest |omega_fit - omega_true| over the true eigenvalues (nearest fitted one). */
static double omega_error(const rom_dmd *d) {
  const double *om = rom_dmd_omegas(d);
  double e = 0.0;
  if (rom_dmd_rank(d) != NMODES) return INFINITY;
  for (int i = 0; i < 4; i++)
    for (int s = -1; s <= 1; s += 2) {
      if (freq[i] == 0.0 && s > 0) continue;
      double complex w = sig[i] + I * s * freq[i], best = INFINITY;
      for (int j = 0; j < NMODES; j++)
        best = fmin(best, cabs(om[2 * j] + I * om[2 * j + 1] - w));
      e = fmax(e, creal(best));
    }
  return e;
}

/* 1 if every rank holds the same n doubles bit for bit. */
static int same_on_all_ranks(rom_ctx *ctx, const double *v, int n) {
  int ok = 1;
  for (int i = 0; i < n; i++) {
    double lo = v[i], hi = v[i];
    MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_DOUBLE, MPI_MIN, rom_ctx_comm(ctx));
    MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
    ok &= lo == hi;
  }
  return ok;
}

static double predict_error(rom_ctx *ctx, const rom_dmd *d, rom_int off, double t) {
  rom_int n = rom_dmd_local_rows(d);
  double *x = malloc(sizeof(double) * (size_t)(n + 1)), e = 0.0, s = 0.0;
  CHECK_OK(ctx, rom_dmd_predict(d, t, x));
  for (rom_int i = 0; i < n; i++) {
    e = fmax(e, fabs(x[i] - state(off + i, t)));
    s = fmax(s, fabs(state(off + i, t)));
  }
  MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  free(x);
  return e / s;
}

/* The snapshots at times t (m of them) on this context's partition, plus noise * N(0,1)
 * drawn by global row (the same data on any rank count). */
static void fill(rom_dmat *X, const double *t, double noise) {
  rom_int n = rom_dmat_local_rows(X), off = rom_dmat_row_offset(X), ld = rom_dmat_ld(X);
  for (rom_int j = 0; j < rom_dmat_cols(X); j++)
    for (rom_int i = 0; i < n; i++)
      rom_dmat_data(X)[i + j * ld] =
          state(off + i, t[j]) +
          noise * rom_rng_normal(77, 5, (uint64_t)((off + i) * rom_dmat_cols(X) + j));
}

static void test_opt(rom_ctx *ctx, rom_ctx *self) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const rom_int m = 60;
  rom_int n = test_uneven_rows(N_ROWS, rank, size);
  double t[60];
  rom_dmat *X = NULL, *Xs = NULL;
  rom_dmd *d = NULL, *ds = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, n, m, &X));
  CHECK_OK(self, rom_dmat_create(self, N_ROWS, m, &Xs));
  for (int pass = 0; pass < 2; pass++) {
    /* pass 0: uniform dt = 0.1; pass 1: irregular stamps 0.1 (j + 0.4 sin(j)). */
    for (int j = 0; j < m; j++)
      t[j] = 0.1 * (j + (pass ? 0.4 * sin((double)j) : 0.0));
    fill(X, t, 0.0);
    fill(Xs, t, 0.0);
    rom_dmd_options o = rom_dmd_options_default();
    o.method = ROM_DMD_OPT;
    o.truncation = ROM_POD_TRUNCATE_RANK;
    o.rank = NMODES;
    o.dt = 0.1;
    CHECK_OK(ctx, rom_dmd_fit(X, pass ? t : NULL, 0, NULL, &o, &d));
    if (!d) continue;
    double e = omega_error(d);
    CHECK(e < 1e-9, "pass %d: opt eigenvalue error %.3e < 1e-9", pass, e);
    CHECK(same_on_all_ranks(ctx, rom_dmd_omegas(d), 2 * NMODES),
          "pass %d: bit-identical eigenvalues on every rank", pass);
    double ep = predict_error(ctx, d, rom_dmat_row_offset(X), 9.0);
    CHECK(ep < 1e-8, "pass %d: opt prediction at t = 9 (data up to ~6), error %.3e", pass, ep);
    /* one rank, all rows */
    CHECK_OK(self, rom_dmd_fit(Xs, pass ? t : NULL, 0, NULL, &o, &ds));
    if (ds) {
      double dmax = 0;
      for (int i = 0; i < 2 * NMODES; i++)
        dmax = fmax(dmax, fabs(rom_dmd_omegas(d)[i] - rom_dmd_omegas(ds)[i]));
      CHECK(dmax < 1e-10, "pass %d: P ranks vs one rank: eigenvalues differ by %.3e", pass, dmax);
    }
    if (rank == 0)
      printf("opt pass %d (%s stamps): eigenvalue error %.2e, prediction error %.2e\n", pass,
             pass ? "irregular" : "uniform", e, ep);
    rom_dmd_destroy(&d);
    rom_dmd_destroy(&ds);
  }

  /* (d) BOP-DMD with 1 % noise (of the state's scale, ~1). */
  for (int j = 0; j < m; j++)
    t[j] = 0.1 * j;
  fill(X, t, 0.01);
  rom_dmd_options o = rom_dmd_options_default();
  o.method = ROM_DMD_BOP;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = NMODES;
  o.dt = 0.1;
  o.opt.bags = 30;
  CHECK_OK(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d));
  if (d) {
    const double *sd = rom_dmd_eigenvalue_std(d), *om = rom_dmd_omegas(d);
    CHECK(sd != NULL, "bop gives standard deviations");
    if (sd) {
      CHECK(same_on_all_ranks(ctx, sd, 2 * NMODES) && same_on_all_ranks(ctx, om, 2 * NMODES),
            "bop: bit-identical eigenvalues and std on every rank");
      double zmax = 0;
      for (int i = 0; i < 4; i++)
        for (int s = -1; s <= 1; s += 2) {
          if (freq[i] == 0.0 && s > 0) continue;
          double complex w = sig[i] + I * s * freq[i];
          int jb = 0;
          for (int j = 1; j < NMODES; j++)
            if (cabs(om[2 * j] + I * om[2 * j + 1] - w) < cabs(om[2 * jb] + I * om[2 * jb + 1] - w))
              jb = j;
          double sj = hypot(sd[2 * jb], sd[2 * jb + 1]);
          CHECK(sj > 0, "bop: std of omega %d positive", jb);
          zmax = fmax(zmax, cabs(om[2 * jb] + I * om[2 * jb + 1] - w) / sj);
        }
      if (rank == 0) printf("bop, 1%% noise: largest z-score %.2f\n", zmax);
      CHECK(zmax < 4, "bop: every eigenvalue within 4 std of the truth (largest z %.2f)", zmax);
    }
  }
  rom_dmd_destroy(&d);
  rom_dmat_destroy(&X);
  rom_dmat_destroy(&Xs);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv), *self = NULL;
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
  test_opt(ctx, self);
  rom_ctx_destroy(&self);
  return test_finish(&ctx);
}
