/* Parametric interpolation (include/romkit/interp.h), the serial parts: the interpolant
 * table; weights that reproduce the data at the nodes and linear functions where the
 * method promises it (ROM_INTERP_RULE_LINEAR), constants for IDW; matrices on the SPD and
 * nonsingular manifolds against analytic truth (log-linear families exp(mu S) X0 are
 * reproduced exactly by a linear interpolant); and the bad input of the issue: outside
 * the training range, duplicate points, mismatched sizes, NaN. */
#include "testutil.h"

#include <lapacke.h>
#include <string.h>

#define NMETHODS 5

static double linear(const double *mu, int d) {
  double f = 0.7;
  for (int k = 0; k < d; ++k)
    f += (k + 1.5) * mu[k];
  return f;
}

static double weighted(int n, const double *w, const double *f) {
  double s = 0.0;
  for (int i = 0; i < n; ++i)
    s += w[i] * f[i];
  return s;
}

/* Weights at the nodes and at off-node targets of one point set. */
static void check_points(rom_ctx *ctx, int n, int d, const double *params, int ntargets,
                         const double *targets, int grid, const char *what) {
  double f[32], w[32];
  for (int i = 0; i < n; ++i)
    f[i] = linear(params + i * d, d);
  for (int m = 0; m < NMETHODS; ++m) {
    rom_interp_options o = rom_interp_options_default();
    o.method = (rom_interp_method)m;
    const unsigned rules = rom_interp_method_rules(o.method);
    if ((rules & ROM_INTERP_RULE_GRID) && !grid) {
      CHECK_ERR(ctx, rom_interp_weights(ctx, n, d, params, targets, &o, w), ROM_ERR_ARG);
      continue;
    }
    double node_err = 0.0;
    for (int i = 0; i < n; ++i) {
      CHECK_OK(ctx, rom_interp_weights(ctx, n, d, params, params + i * d, &o, w));
      for (int j = 0; j < n; ++j)
        node_err = fmax(node_err, fabs(w[j] - (i == j ? 1.0 : 0.0)));
    }
    CHECK(node_err < 1e-11, "%s, %s: weights at the nodes are e_i to %.2e", what,
          rom_interp_method_name(o.method), node_err);
    for (int t = 0; t < ntargets; ++t) {
      CHECK_OK(ctx, rom_interp_weights(ctx, n, d, params, targets + t * d, &o, w));
      double sum = 0.0;
      for (int j = 0; j < n; ++j)
        sum += w[j];
      CHECK_CLOSE(sum, 1.0, 1e-12, "%s, %s: weights reproduce constants", what,
                  rom_interp_method_name(o.method));
      if (rules & ROM_INTERP_RULE_LINEAR)
        CHECK_CLOSE(weighted(n, w, f), linear(targets + t * d, d), 1e-11,
                    "%s, %s: a linear function is reproduced at target %d", what,
                    rom_interp_method_name(o.method), t);
      else
        CHECK(fabs(weighted(n, w, f) - linear(targets + t * d, d)) > 1e-6,
              "%s, %s: not linear-exact (as documented), so this check can fail", what,
              rom_interp_method_name(o.method));
    }
  }
}

/* M = R(theta) diag(a, b) R(theta)^T, R the 2-D rotation. */
static void rotated_diag(double theta, double a, double b, double *M) {
  const double c = cos(theta), s = sin(theta);
  M[0] = c * c * a + s * s * b;
  M[1] = M[2] = c * s * (a - b);
  M[3] = s * s * a + c * c * b;
}

static int is_spd(const double *M) {
  double A[4], lam[2];
  memcpy(A, M, sizeof A);
  if (fabs(M[1] - M[2]) > 1e-14 * fabs(M[0])) return 0;
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', 2, A, 2, lam) != 0) return 0;
  return lam[0] > 0.0;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);

  /* The table: enum order, names round-trip. */
  CHECK(rom_interp_method_count() == NMETHODS, "%d methods", rom_interp_method_count());
  for (int m = 0; m < rom_interp_method_count(); ++m) {
    rom_interp_method back = (rom_interp_method)-1;
    CHECK_OK(ctx, rom_interp_method_from_name(rom_interp_method_name((rom_interp_method)m), &back));
    CHECK(back == (rom_interp_method)m, "method %d round-trips through its name", m);
    CHECK(rom_interp_method_description((rom_interp_method)m)[0] != '\0', "description %d", m);
  }
  {
    rom_interp_method back;
    CHECK(rom_interp_method_from_name("kriging", &back) == ROM_ERR_ARG, "unknown name");
    CHECK(!strcmp(rom_interp_method_name((rom_interp_method)99), "unknown"), "out of range");
  }

  /* 1-D: 5 uneven points; 2-D: a 3 x 3 tensor grid and 7 scattered points. */
  {
    const double p1[] = {0.0, 0.3, 0.5, 1.1, 2.0}, t1[] = {0.15, 0.77, 1.9};
    check_points(ctx, 5, 1, p1, 3, t1, 1, "1-D");
    double p2[18];
    const double gx[] = {-1.0, 0.2, 1.0}, gy[] = {0.0, 0.5, 2.0};
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i) {
        p2[2 * (i + 3 * j)] = gx[i];
        p2[2 * (i + 3 * j) + 1] = gy[j];
      }
    const double t2[] = {0.1, 0.3, -0.7, 1.6, 0.9, 0.05};
    check_points(ctx, 9, 2, p2, 3, t2, 1, "2-D grid");
    const double ps[] = {0.0, 0.0, 1.0, 0.1, 0.2, 0.9, 0.8, 0.8, 0.5, 0.4, 0.1, 0.6, 0.9, 0.3};
    const double ts[] = {0.45, 0.5, 0.3, 0.2};
    check_points(ctx, 7, 2, ps, 2, ts, 0, "2-D scattered");
  }

  /* Bad input. */
  {
    const double p[] = {0.0, 1.0, 2.0}, pd[] = {0.0, 1.0, 1.0};
    double w[3], out = 2.5, nan = NAN;
    rom_interp_options o = rom_interp_options_default();
    CHECK_ERR(ctx, rom_interp_weights(ctx, 1, 1, p, p, &o, w), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, pd, p, &o, w), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "1 and 2") != NULL, "names the duplicates: %s",
          rom_ctx_last_error(ctx));
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, p, &out, &o, w), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "outside") != NULL, "says outside: %s",
          rom_ctx_last_error(ctx));
    o.outside = ROM_INTERP_OUTSIDE_WARN;
    CHECK_OK(ctx, rom_interp_weights(ctx, 3, 1, p, &out, &o, w));
    o.outside = ROM_INTERP_OUTSIDE_ALLOW;
    o.method = ROM_INTERP_LAGRANGE;
    CHECK_OK(ctx, rom_interp_weights(ctx, 3, 1, p, &out, &o, w));
    CHECK_CLOSE(w[0] * 1.0 + w[1] * 3.0 + w[2] * 5.0, 6.0, 1e-12, "extrapolates a line");
    o = rom_interp_options_default();
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, p, &nan, &o, w), ROM_ERR_NOT_FINITE);
    const double pn[] = {0.0, NAN, 2.0};
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, pn, p, &o, w), ROM_ERR_NOT_FINITE);
    o.closest_value = 1.5;
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, p, p + 1, &o, w), ROM_ERR_ARG);
    o = rom_interp_options_default();
    o.method = (rom_interp_method)17;
    CHECK_ERR(ctx, rom_interp_weights(ctx, 3, 1, p, p + 1, &o, w), ROM_ERR_ARG);
  }

  /* SPD: A(mu) = R diag(e^{2 mu}, e^{-mu}) R^T X0-free family exp(mu S), S = R diag(2, -1) R^T:
   * Log_{A(mu0)} A(mu) = (mu - mu0) S' exactly, so Lagrange is exact at every mu. */
  {
    const double th = 0.4, mus[] = {0.0, 0.5, 1.0};
    double A[3][4], out[4], truth[4];
    const double *mats[] = {A[0], A[1], A[2]};
    for (int i = 0; i < 3; ++i)
      rotated_diag(th, exp(2.0 * mus[i]), exp(-mus[i]), A[i]);
    rom_interp_options o = rom_interp_options_default();
    o.method = ROM_INTERP_LAGRANGE;
    for (int r = 0; r < 3; ++r) {
      o.reference = r;
      const double t = 0.8;
      CHECK_OK(ctx, rom_interp_matrices(ctx, ROM_MANIFOLD_SPD, 3, 2, 2, mats, 1, mus, &t, &o, out));
      rotated_diag(th, exp(2.0 * t), exp(-t), truth);
      double e = 0.0;
      for (int q = 0; q < 4; ++q)
        e = fmax(e, fabs(out[q] - truth[q]));
      CHECK(e < 1e-12, "SPD, reference %d: exp(mu S) reproduced to %.2e", r, e);
      /* a linear interpolation of the entries is not exact: the check can fail */
      CHECK_OK(ctx,
               rom_interp_matrices(ctx, ROM_MANIFOLD_GENERAL, 3, 2, 2, mats, 1, mus, &t, &o, out));
      e = 0.0;
      for (int q = 0; q < 4; ++q)
        e = fmax(e, fabs(out[q] - truth[q]));
      CHECK(e > 1e-4, "general (linear) interpolation is not exact here: %.2e", e);
    }
    /* SPD stays SPD, every method, over the range; at the nodes the data */
    for (int m = 0; m < NMETHODS; ++m) {
      rom_interp_options om = rom_interp_options_default();
      om.method = (rom_interp_method)m;
      int spd = 1;
      for (int s = 0; s <= 20; ++s) {
        const double t = 0.05 * s;
        CHECK_OK(ctx,
                 rom_interp_matrices(ctx, ROM_MANIFOLD_SPD, 3, 2, 2, mats, 1, mus, &t, &om, out));
        spd = spd && is_spd(out);
      }
      CHECK(spd, "%s: the interpolated matrix stays SPD", rom_interp_method_name(om.method));
      double e = 0.0;
      for (int i = 0; i < 3; ++i) {
        CHECK_OK(ctx, rom_interp_matrices(ctx, ROM_MANIFOLD_SPD, 3, 2, 2, mats, 1, mus, &mus[i],
                                          &om, out));
        for (int q = 0; q < 4; ++q)
          e = fmax(e, fabs(out[q] - A[i][q]));
      }
      CHECK(e < 1e-11, "%s: SPD data at the nodes to %.2e", rom_interp_method_name(om.method), e);
    }
    /* not symmetric, not positive definite, not square, NaN */
    double B[4] = {1.0, 0.5, 0.0, 1.0}, G[4], C[4] = {1.0, 0.0, 0.0, -1.0};
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_SPD, 2, 2, A[0], B, G),
              ROM_ERR_SINGULAR);
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_SPD, 2, 2, A[0], C, G),
              ROM_ERR_SINGULAR);
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_SPD, 2, 1, A[0], A[1], G),
              ROM_ERR_DIM);
    B[3] = NAN;
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_SPD, 2, 2, A[0], B, G),
              ROM_ERR_NOT_FINITE);
  }

  /* Nonsingular: A(mu) = exp(mu G) X0 with G = [[b, -a], [a, b]], exp(mu G) = e^{b mu}
   * times the rotation by a mu: Log_{A(mu0)} A(mu) = (mu - mu0) G, so Lagrange is exact. */
  {
    const double a = 0.9, b = -0.3, X0[4] = {2.0, 0.3, -0.5, 1.0}, mus[] = {0.0, 0.6, 1.2, 1.5};
    double A[4][4], out[4], truth[4];
    const double *mats[] = {A[0], A[1], A[2], A[3]};
    for (int i = 0; i < 4; ++i) {
      const double e = exp(b * mus[i]), c = cos(a * mus[i]), s = sin(a * mus[i]);
      const double E[4] = {e * c, e * s, -e * s, e * c};
      for (int col = 0; col < 2; ++col)
        for (int row = 0; row < 2; ++row)
          A[i][row + 2 * col] = E[row] * X0[2 * col] + E[row + 2] * X0[1 + 2 * col];
    }
    rom_interp_options o = rom_interp_options_default();
    o.method = ROM_INTERP_LAGRANGE;
    const double t = 0.9;
    CHECK_OK(ctx, rom_interp_matrices(ctx, ROM_MANIFOLD_NONSINGULAR, 4, 2, 2, mats, 1, mus, &t, &o,
                                      out));
    {
      const double e = exp(b * t), c = cos(a * t), s = sin(a * t);
      const double E[4] = {e * c, e * s, -e * s, e * c};
      for (int col = 0; col < 2; ++col)
        for (int row = 0; row < 2; ++row)
          truth[row + 2 * col] = E[row] * X0[2 * col] + E[row + 2] * X0[1 + 2 * col];
    }
    double e = 0.0;
    for (int q = 0; q < 4; ++q)
      e = fmax(e, fabs(out[q] - truth[q]));
    CHECK(e < 1e-12, "nonsingular: exp(mu G) X0 reproduced to %.2e", e);
    /* X X0^-1 = -I has no real logarithm; a singular reference */
    const double Id[4] = {1.0, 0.0, 0.0, 1.0}, mI[4] = {-1.0, 0.0, 0.0, -1.0}, Z[4] = {0};
    double G[4];
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_NONSINGULAR, 2, 2, Id, mI, G),
              ROM_ERR_SINGULAR);
    CHECK_ERR(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_NONSINGULAR, 2, 2, Z, Id, G),
              ROM_ERR_SINGULAR);
    /* round trip */
    CHECK_OK(ctx, rom_matrix_manifold_log(ctx, ROM_MANIFOLD_NONSINGULAR, 2, 2, A[0], A[2], G));
    CHECK_OK(ctx, rom_matrix_manifold_exp(ctx, ROM_MANIFOLD_NONSINGULAR, 2, 2, A[0], G, out));
    e = 0.0;
    for (int q = 0; q < 4; ++q)
      e = fmax(e, fabs(out[q] - A[2][q]));
    CHECK(e < 1e-13, "Exp(Log(X)) = X to %.2e", e);
    /* mismatched count */
    CHECK_ERR(ctx,
              rom_interp_matrices(ctx, ROM_MANIFOLD_GENERAL, 1, 2, 2, mats, 1, mus, &t, &o, out),
              ROM_ERR_ARG);
  }
  return test_finish(&ctx);
}
