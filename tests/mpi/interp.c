/* Grassmann interpolation of row-distributed bases (include/romkit/interp.h) at 1, 2 and
 * 4 ranks (uneven partition, an empty rank at 4):
 *   - analytic truth: bases on one geodesic Y(t) = (Y0 V cos(tS) + U sin(tS)) V^T
 *     (Edelman, Arias, Smith 1998) are collinear in every tangent space of the geodesic,
 *     so a linear-exact interpolant (Lagrange, RBF + linear polynomial) returns Y(t*)
 *     exactly at unseen t*; the training bases are given with arbitrary column
 *     rotations, so the test also covers the representative-independence of the Log;
 *   - at the training parameters every method returns the training subspace (1e-12),
 *     and after rom_basis_align the training matrix itself;
 *   - equivariance: a Householder reflection H of R^N applied to every training basis
 *     gives H times the result;
 *   - rank counts: the distributed result equals the one computed on one process
 *     (MPI_COMM_SELF, all rows) to 1e-12;
 *   - bad input: mismatched columns, orthogonal subspaces, NaN, outside the range. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define N 90
#define K 3
#define NT 4

static const double S[K] = {0.3, 0.55, 0.8};

/* V: a fixed orthogonal K x K matrix (two Givens rotations), column-major. */
static void fixed_v(double *V) {
  const double a = 0.7, b = -0.4;
  const double G1[9] = {cos(a), sin(a), 0, -sin(a), cos(a), 0, 0, 0, 1};
  const double G2[9] = {1, 0, 0, 0, cos(b), sin(b), 0, -sin(b), cos(b)};
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < K; ++i) {
      double s = 0;
      for (int l = 0; l < K; ++l)
        s += G1[i + l * K] * G2[l + j * K];
      V[i + j * K] = s;
    }
}

/* R_i: a rotation of the columns by angle phi about a fixed axis pair (i-dependent). */
static void column_rotation(int i, double *R) {
  const double phi = 0.9 * (i + 1);
  const int p = i % K, q = (i + 1) % K;
  memset(R, 0, sizeof(double) * K * K);
  for (int l = 0; l < K; ++l)
    R[l + l * K] = 1.0;
  R[p + p * K] = cos(phi);
  R[q + q * K] = cos(phi);
  R[q + p * K] = sin(phi);
  R[p + q * K] = -sin(phi);
}

/* Row g of Y(t) R (R may be NULL: identity). Y0 = DST columns 0..K-1, U = columns K..2K-1
 * (orthonormal, U^T Y0 = 0). */
static void geodesic_row(rom_int g, double t, const double *R, double *row) {
  double V[K * K], y[K];
  fixed_v(V);
  for (int c = 0; c < K; ++c) { /* (Y0 V cos(tS) + U sin(tS)) V^T, column c */
    double s = 0.0;
    for (int l = 0; l < K; ++l) {
      double y0v = 0.0;
      for (int q = 0; q < K; ++q)
        y0v += rom_dst_entry(N, g, q) * V[q + l * K];
      s += (y0v * cos(t * S[l]) + rom_dst_entry(N, g, K + l) * sin(t * S[l])) * V[c + l * K];
    }
    y[c] = s;
  }
  for (int c = 0; c < K; ++c) {
    double s = 0.0;
    for (int l = 0; l < K; ++l)
      s += y[l] * (R ? R[l + c * K] : (l == c ? 1.0 : 0.0));
    row[c] = s;
  }
}

static void fill_geodesic(rom_dmat *Y, double t, const double *R) {
  double row[K];
  for (rom_int l = 0; l < rom_dmat_local_rows(Y); ++l) {
    geodesic_row(rom_dmat_row_offset(Y) + l, t, R, row);
    for (int c = 0; c < K; ++c)
      rom_dmat_data(Y)[l + c * rom_dmat_ld(Y)] = row[c];
  }
}

/* ||A - B (B^T A)||_F: A's distance from span(B) (B orthonormal). Collective. */
static double subspace_distance(const rom_dmat *A, const rom_dmat *B) {
  double C[K * K], loc = 0.0, tot = 0.0;
  rom_dmat_transpose_times(B, A, C, K);
  for (rom_int l = 0; l < rom_dmat_local_rows(A); ++l)
    for (int c = 0; c < K; ++c) {
      double r = rom_dmat_data_const(A)[l + c * rom_dmat_ld(A)];
      for (int q = 0; q < K; ++q)
        r -= rom_dmat_data_const(B)[l + q * rom_dmat_ld(B)] * C[q + c * K];
      loc += r * r;
    }
  MPI_Allreduce(&loc, &tot, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(rom_dmat_ctx(A)));
  return sqrt(tot);
}

/* max |A - B| over all entries. Collective. */
static double max_diff(const rom_dmat *A, const rom_dmat *B) {
  double loc = 0.0, tot = 0.0;
  for (rom_int l = 0; l < rom_dmat_local_rows(A); ++l)
    for (int c = 0; c < K; ++c)
      loc = fmax(loc, fabs(rom_dmat_data_const(A)[l + c * rom_dmat_ld(A)] -
                           rom_dmat_data_const(B)[l + c * rom_dmat_ld(B)]));
  MPI_Allreduce(&loc, &tot, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(rom_dmat_ctx(A)));
  return tot;
}

/* Y <- H Y, H = I - 2 v v^T / v^T v, v_g = sin(0.37 g + 1). Collective. */
static void householder(rom_dmat *Y) {
  double vy[K] = {0}, tot[K], vv = 0.0;
  for (rom_int g = 0; g < N; ++g)
    vv += pow(sin(0.37 * (double)g + 1.0), 2);
  for (rom_int l = 0; l < rom_dmat_local_rows(Y); ++l) {
    double v = sin(0.37 * (double)(rom_dmat_row_offset(Y) + l) + 1.0);
    for (int c = 0; c < K; ++c)
      vy[c] += v * rom_dmat_data(Y)[l + c * rom_dmat_ld(Y)];
  }
  MPI_Allreduce(vy, tot, K, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(rom_dmat_ctx(Y)));
  for (rom_int l = 0; l < rom_dmat_local_rows(Y); ++l) {
    double v = sin(0.37 * (double)(rom_dmat_row_offset(Y) + l) + 1.0);
    for (int c = 0; c < K; ++c)
      rom_dmat_data(Y)[l + c * rom_dmat_ld(Y)] -= 2.0 * v * tot[c] / vv;
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const rom_int L = test_uneven_rows(N, rank, size);
  const double t[NT] = {0.0, 0.4, 1.0, 1.3}, tstar[] = {0.2, 0.75, 1.2};
  rom_dmat *Y[NT] = {0}, *out = NULL, *truth = NULL;
  double R[K * K];
  for (int i = 0; i < NT; ++i) {
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &Y[i]));
    column_rotation(i, R);
    fill_geodesic(Y[i], t[i], R);
  }
  CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &out));
  CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &truth));
  const rom_dmat *const *bases = (const rom_dmat *const *)Y;

  for (int m = 0; m < rom_interp_method_count(); ++m) {
    rom_interp_options o = rom_interp_options_default();
    o.method = (rom_interp_method)m;
    const char *name = rom_interp_method_name(o.method);
    /* at the training points: the training subspace */
    double dmax = 0.0;
    for (int i = 0; i < NT; ++i) {
      CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &t[i], &o, out));
      dmax = fmax(dmax, subspace_distance(out, Y[i]));
    }
    CHECK(dmax < 1e-12, "%s: training subspaces returned to %.2e", name, dmax);
    /* at unseen points, linear-exact methods give the geodesic */
    if (rom_interp_method_rules(o.method) & ROM_INTERP_RULE_LINEAR) {
      double emax = 0.0;
      for (int s = 0; s < 3; ++s)
        for (int r = 0; r < NT; ++r) {
          o.reference = r;
          CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &tstar[s], &o, out));
          fill_geodesic(truth, tstar[s], NULL);
          emax = fmax(emax, subspace_distance(out, truth));
        }
      CHECK(emax < 1e-12, "%s: the geodesic at unseen t to %.2e", name, emax);
    }
    /* orthonormal result */
    {
      double C[K * K], e = 0.0;
      o.reference = -1;
      CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &tstar[1], &o, out));
      CHECK_OK(ctx, rom_dmat_transpose_times(out, out, C, K));
      for (int j = 0; j < K; ++j)
        for (int i = 0; i < K; ++i)
          e = fmax(e, fabs(C[i + j * K] - (i == j)));
      CHECK(e < 1e-13, "%s: orthonormal to %.2e", name, e);
    }
  }

  /* IDW is not linear-exact: its result is off the geodesic (so the check above can fail) */
  {
    rom_interp_options o = rom_interp_options_default();
    o.method = ROM_INTERP_IDW;
    CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &tstar[1], &o, out));
    fill_geodesic(truth, tstar[1], NULL);
    CHECK(subspace_distance(out, truth) > 1e-4, "IDW is off the geodesic");
  }

  /* alignment: Y(t_i) R_i aligned to Y(0) is Y(t_i) (Y(0)^T Y(t) is SPD), and Exp(Log)
   * returns the aligned matrix itself */
  {
    rom_dmat *A = NULL, *Y0 = NULL;
    double Q[K * K], e = 0.0, e2 = 0.0;
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &A));
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &Y0));
    fill_geodesic(Y0, 0.0, NULL);
    for (int i = 1; i < NT; ++i) {
      column_rotation(i, R);
      fill_geodesic(A, t[i], R);
      CHECK_OK(ctx, rom_basis_align(Y0, A, Q));
      fill_geodesic(truth, t[i], NULL);
      e = fmax(e, max_diff(A, truth));
      CHECK_OK(ctx, rom_grassmann_log(Y0, A, out));
      CHECK_OK(ctx, rom_grassmann_exp(Y0, out, truth));
      e2 = fmax(e2, max_diff(A, truth));
    }
    CHECK(e < 1e-12, "Procrustes alignment recovers Y(t_i) to %.2e", e);
    CHECK(e2 < 1e-12, "Exp(Log(Y)) = Y for an aligned Y to %.2e", e2);
    rom_dmat_destroy(&A);
    rom_dmat_destroy(&Y0);
  }

  /* equivariance under a reflection of R^N */
  {
    rom_dmat *HY[NT] = {0}, *Hout = NULL;
    rom_interp_options o = rom_interp_options_default();
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &Hout));
    for (int i = 0; i < NT; ++i) {
      CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &HY[i]));
      column_rotation(i, R);
      fill_geodesic(HY[i], t[i], R);
      householder(HY[i]);
    }
    double e = 0.0;
    for (int m = 0; m < rom_interp_method_count(); ++m) {
      o.method = (rom_interp_method)m;
      CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &tstar[2], &o, out));
      CHECK_OK(ctx, rom_grassmann_interpolate(NT, (const rom_dmat *const *)HY, 1, t, &tstar[2], &o,
                                              Hout));
      householder(out);
      e = fmax(e, max_diff(out, Hout));
    }
    CHECK(e < 1e-12, "interpolate(H Y_i) = H interpolate(Y_i) to %.2e", e);
    for (int i = 0; i < NT; ++i)
      rom_dmat_destroy(&HY[i]);
    rom_dmat_destroy(&Hout);
  }

  /* rank counts: the same on one process with every row (MPI_COMM_SELF) */
  {
    rom_ctx *self = NULL;
    rom_dmat *Ys[NT] = {0}, *outs = NULL;
    double *full = NULL, *mine = NULL;
    rom_interp_options o = rom_interp_options_default();
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    for (int i = 0; i < NT; ++i) {
      CHECK_OK(self, rom_dmat_create(self, N, K, &Ys[i]));
      column_rotation(i, R);
      fill_geodesic(Ys[i], t[i], R);
    }
    CHECK_OK(self, rom_dmat_create(self, N, K, &outs));
    full = malloc(sizeof(double) * N * K);
    mine = malloc(sizeof(double) * N * K);
    double e = 0.0;
    for (int m = 0; m < rom_interp_method_count(); ++m) {
      o.method = (rom_interp_method)m;
      CHECK_OK(self, rom_grassmann_interpolate(NT, (const rom_dmat *const *)Ys, 1, t, &tstar[0], &o,
                                               outs));
      CHECK_OK(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &tstar[0], &o, out));
      CHECK_OK(ctx, rom_dmat_gather(out, 0, mine));
      if (rank == 0)
        for (int q = 0; q < N * K; ++q)
          e = fmax(e, fabs(mine[q] - rom_dmat_data(outs)[q % N + (q / N) * rom_dmat_ld(outs)]));
    }
    MPI_Bcast(&e, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    CHECK(e < 1e-12, "%d ranks agree with one process to %.2e", size, e);
    free(full);
    free(mine);
    for (int i = 0; i < NT; ++i)
      rom_dmat_destroy(&Ys[i]);
    rom_dmat_destroy(&outs);
    CHECK(rom_ctx_bytes_in_use(self) == 0, "no leak on the serial context");
    rom_ctx_destroy(&self);
  }

  /* bad input */
  {
    rom_dmat *W = NULL, *Z = NULL;
    rom_interp_options o = rom_interp_options_default();
    const double far = 2.0;
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K - 1, &W));
    CHECK_ERR(ctx, rom_grassmann_log(Y[0], W, out), ROM_ERR_DIM);
    CHECK_ERR(ctx, rom_grassmann_interpolate(NT, bases, 1, t, &far, &o, out), ROM_ERR_ARG);
    /* orthogonal subspaces: Y0 and U of the geodesic */
    CHECK_OK(ctx, rom_dmat_create(ctx, L, K, &Z));
    for (rom_int l = 0; l < L; ++l)
      for (int c = 0; c < K; ++c)
        rom_dmat_data(Z)[l + c * rom_dmat_ld(Z)] =
            rom_dst_entry(N, rom_dmat_row_offset(Z) + l, K + c);
    fill_geodesic(truth, 0.0, NULL);
    CHECK_ERR(ctx, rom_grassmann_log(truth, Z, out), ROM_ERR_SINGULAR);
    /* NaN on one rank only: every rank fails */
    fill_geodesic(Z, 0.5, NULL);
    if (rank == 0 && L > 0) rom_dmat_data(Z)[0] = NAN;
    CHECK_ERR(ctx, rom_grassmann_log(truth, Z, out), ROM_ERR_NOT_FINITE);
    /* duplicate training parameters */
    const double tdup[NT] = {0.0, 0.4, 0.4, 1.3};
    CHECK_ERR(ctx, rom_grassmann_interpolate(NT, bases, 1, tdup, &tstar[0], &o, out), ROM_ERR_ARG);
    rom_dmat_destroy(&W);
    rom_dmat_destroy(&Z);
  }

  for (int i = 0; i < NT; ++i)
    rom_dmat_destroy(&Y[i]);
  rom_dmat_destroy(&out);
  rom_dmat_destroy(&truth);
  return test_finish(&ctx);
}
