/* Parametric DMD (rom_dmd_parametric, include/romkit/parametric.h) at 1, 2 and 4 ranks, on
 * data with analytic truth: x_j(mu) = U A(mu)^j y0 with U a fixed orthonormal N x 3 basis and
 * A(mu) = A0 + mu A1. Every training DMD spans U, so after alignment the training Atilde are
 * R^T A(mu_i) R for one rotation R: linear in mu, and a quadratic (Lagrange) interpolant
 * gives eig(A(mu*)) exactly at an unseen mu*; its prediction is U A(mu*)^j y0. At a training
 * parameter the training DMD comes back. Bad input: ranks that differ, windowed DMDs, DMDs
 * with control, outside the training range, duplicate parameters. */
#include "testutil.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#define N 80
#define R 3
#define M 12

static const double A0[9] = {0.9, 0.05, 0.0, 0.02, 0.7, 0.04, 0.0, 0.01, 0.5};
static const double A1[9] = {0.05, 0.0, 0.01, 0.02, -0.1, 0.0, 0.0, 0.03, 0.08};
static const double Y0[R] = {1.0, 0.5, -0.3};

static void amat(double mu, double *A) {
  for (int i = 0; i < 9; ++i)
    A[i] = A0[i] + mu * A1[i];
}

/* y = A(mu)^j y0 */
static void reduced_state(double mu, int j, double *y) {
  double A[9], z[R];
  amat(mu, A);
  memcpy(y, Y0, sizeof Y0);
  for (int s = 0; s < j; ++s) {
    for (int i = 0; i < R; ++i) {
      z[i] = 0.0;
      for (int l = 0; l < R; ++l)
        z[i] += A[i + 3 * l] * y[l];
    }
    memcpy(y, z, sizeof z);
  }
}

static double state_row(rom_int g, double mu, int j) {
  double y[R], x = 0.0;
  reduced_state(mu, j, y);
  for (int l = 0; l < R; ++l)
    x += rom_dst_entry(N, g, l) * y[l];
  return x;
}

static int fit(rom_ctx *ctx, rom_int L, double mu, rom_int rank, rom_int window, rom_dmd **out) {
  rom_dmat *X = NULL;
  rom_dmd_options o = rom_dmd_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = rank;
  o.dt = 0.1;
  o.window = window;
  rom_dmat_create(ctx, L, M, &X);
  for (int j = 0; j < M; ++j)
    for (rom_int l = 0; l < L; ++l)
      rom_dmat_data(X)[l + j * rom_dmat_ld(X)] = state_row(rom_dmat_row_offset(X) + l, mu, j);
  int rc = rom_dmd_fit(X, NULL, 0, NULL, &o, out);
  rom_dmat_destroy(&X);
  return rc;
}

/* max over the eigenvalues of the distance to the nearest of `truth` (2 r interleaved) */
static double eig_distance(const double *lam, const double *truth_re, const double *truth_im) {
  double e = 0.0;
  for (int i = 0; i < R; ++i) {
    double best = INFINITY;
    for (int j = 0; j < R; ++j)
      best = fmin(best, hypot(lam[2 * i] - truth_re[j], lam[2 * i + 1] - truth_im[j]));
    e = fmax(e, best);
  }
  return e;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const rom_int L = test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  rom_int offset = 0;
  for (int p = 0; p < rom_ctx_rank(ctx); ++p)
    offset += test_uneven_rows(N, p, rom_ctx_size(ctx));
  const double mus[3] = {0.0, 0.5, 1.0};
  rom_dmd *train[3] = {0}, *pd = NULL;
  for (int i = 0; i < 3; ++i)
    CHECK_OK(ctx, fit(ctx, L, mus[i], R, 0, &train[i]));
  const rom_dmd *const *dmds = (const rom_dmd *const *)train;
  rom_interp_options o = rom_interp_options_default();
  o.method = ROM_INTERP_LAGRANGE;
  double *x0 = malloc(sizeof(double) * (size_t)(L + 1));
  double *x = malloc(sizeof(double) * (size_t)(L + 1));
  for (rom_int l = 0; l < L; ++l)
    x0[l] = state_row(offset + l, 0.0, 0); /* U y0: the same for every mu */

  /* unseen parameters: eig(A(mu*)) and U A(mu*)^j y0 */
  const double stars[] = {0.2, 0.77};
  for (int s = 0; s < 2; ++s) {
    for (int given = 0; given < 2; ++given) {
      CHECK_OK(ctx, rom_dmd_parametric(3, dmds, 1, mus, &stars[s], &o, ROM_MANIFOLD_GENERAL, 0.0,
                                       given ? x0 : NULL, &pd));
      if (!pd) continue;
      double A[9], wr[R], wi[R];
      amat(stars[s], A);
      LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', R, A, R, wr, wi, NULL, 1, NULL, 1);
      double e = eig_distance(rom_dmd_eigenvalues(pd), wr, wi);
      CHECK(e < 1e-10, "mu* = %g: eigenvalues of A(mu*) to %.2e", stars[s], e);
      double err = 0.0, nrm = 0.0, tot[2], loc[2];
      CHECK_OK(ctx, rom_dmd_predict(pd, 0.5, x)); /* t = 5 dt */
      for (rom_int l = 0; l < L; ++l) {
        const double truth = state_row(offset + l, stars[s], 5);
        err += (x[l] - truth) * (x[l] - truth);
        nrm += truth * truth;
      }
      loc[0] = err;
      loc[1] = nrm;
      MPI_Allreduce(loc, tot, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
      CHECK(sqrt(tot[0] / tot[1]) < 1e-10, "mu* = %g (x0 %s): prediction at t = 5 dt to %.2e",
            stars[s], given ? "given" : "interpolated", sqrt(tot[0] / tot[1]));
      rom_dmd_destroy(&pd);
    }
  }
  /* a training parameter: the training DMD's eigenvalues */
  {
    CHECK_OK(ctx, rom_dmd_parametric(3, dmds, 1, mus, &mus[1], &o, ROM_MANIFOLD_NONSINGULAR, 0.0,
                                     NULL, &pd));
    double e = 0.0;
    if (pd)
      for (int i = 0; i < 2 * R; ++i)
        e = fmax(e, fabs(rom_dmd_eigenvalues(pd)[i] - rom_dmd_eigenvalues(train[1])[i]));
    CHECK(e < 1e-12, "training parameter: the training DMD's eigenvalues to %.2e", e);
    rom_dmd_destroy(&pd);
  }
  /* bad input */
  {
    rom_dmd *other[3] = {train[0], train[1], NULL}, *windowed = NULL;
    const double far = 1.5, dup[3] = {0.0, 0.5, 0.5};
    CHECK_ERR(ctx,
              rom_dmd_parametric(3, dmds, 1, mus, &far, &o, ROM_MANIFOLD_GENERAL, 0.0, NULL, &pd),
              ROM_ERR_ARG);
    CHECK(pd == NULL, "no object on failure");
    CHECK_ERR(
        ctx,
        rom_dmd_parametric(3, dmds, 1, dup, &stars[0], &o, ROM_MANIFOLD_GENERAL, 0.0, NULL, &pd),
        ROM_ERR_ARG);
    CHECK_OK(ctx, fit(ctx, L, 1.0, 2, 0, &other[2]));
    CHECK_ERR(ctx,
              rom_dmd_parametric(3, (const rom_dmd *const *)other, 1, mus, &stars[0], &o,
                                 ROM_MANIFOLD_GENERAL, 0.0, NULL, &pd),
              ROM_ERR_DIM);
    rom_dmd_destroy(&other[2]);
    CHECK_OK(ctx, fit(ctx, L, 1.0, R, 6, &windowed));
    other[2] = windowed;
    CHECK_ERR(ctx,
              rom_dmd_parametric(3, (const rom_dmd *const *)other, 1, mus, &stars[0], &o,
                                 ROM_MANIFOLD_GENERAL, 0.0, NULL, &pd),
              ROM_ERR_STATE);
    rom_dmd_destroy(&windowed);
    /* a DMD with control: refused, Btilde would be dropped */
    {
      rom_dmat *X = NULL;
      rom_dmd *c = NULL;
      double u[M];
      rom_dmd_options d = rom_dmd_options_default();
      d.method = ROM_DMD_DMDC;
      d.truncation = ROM_POD_TRUNCATE_RANK;
      d.rank = R;
      d.dt = 0.1;
      for (int j = 0; j < M; ++j)
        u[j] = sin(1.0 + j);
      CHECK_OK(ctx, rom_dmat_create(ctx, L, M, &X));
      for (int j = 0; j < M; ++j)
        for (rom_int l = 0; l < L; ++l)
          rom_dmat_data(X)[l + j * rom_dmat_ld(X)] = state_row(offset + l, 1.0, j) + 0.01 * u[j];
      CHECK_OK(ctx, rom_dmd_fit(X, NULL, 1, u, &d, &c));
      other[2] = c;
      CHECK_ERR(ctx,
                rom_dmd_parametric(3, (const rom_dmd *const *)other, 1, mus, &stars[0], &o,
                                   ROM_MANIFOLD_GENERAL, 0.0, NULL, &pd),
                ROM_ERR_UNSUPPORTED);
      rom_dmd_destroy(&c);
      rom_dmat_destroy(&X);
    }
  }
  for (int i = 0; i < 3; ++i)
    rom_dmd_destroy(&train[i]);
  free(x0);
  free(x);
  return test_finish(&ctx);
}
