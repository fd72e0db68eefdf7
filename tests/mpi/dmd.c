/* DMD at 1, 2 and 4 ranks (uneven partition, an empty rank at P = 4), against analytic truth:
 *  (a) exact DMD of a known linear system x(t) = sum of damped oscillations and decays:
 *      eigenvalues to 1e-10, prediction beyond the data to 1e-8;
 *  (b) the same fit on one rank (MPI_COMM_SELF, all rows gathered) agrees to 1e-12;
 *  (c) DMDc recovers A and B of x_{k+1} = A x_k + B u_k to 1e-9, and steps the trajectory;
 *  (d) irregular time stamps: the continuous-time fit, error O(h^4) (halving h gains >= 8x);
 *  (e) windowed DMD: every window finds the eigenvalues, predictions in each window;
 *  (f) streaming DMD on the incremental SVD = batch exact DMD (eigenvalues to 1e-9);
 *  (g) a file written on P ranks read on 1 rank (and on P): same predictions;
 *  (h) projected DMD from the fit's basis and operator: same eigenvalues;
 *  (i) bad input: < 2 snapshots, non-increasing or NaN times, control of the wrong kind,
 *      NaN in the snapshots or the control, irregular stamps for dmdc, bad options. */
#include "testutil.h"

#include <complex.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS 300
#define NMODES 6
#define PI_ 3.14159265358979323846

/* continuous eigenvalues of the known system: two oscillating pairs, two decays */
static const double sig[4] = {-0.1, 0.05, -0.3, -0.8};
static const double freq[4] = {1.3, 0.7, 0.0, 0.0};

static double sorted_re[NMODES], sorted_im[NMODES];

/* the expected omegas in the library's order: Re descending, then Im descending */
static void expected_omegas(void) {
  int n = 0, i, j;
  for (i = 0; i < 4; i++) {
    if (freq[i] != 0.0) {
      sorted_re[n] = sig[i], sorted_im[n++] = freq[i];
      sorted_re[n] = sig[i], sorted_im[n++] = -freq[i];
    } else {
      sorted_re[n] = sig[i], sorted_im[n++] = 0.0;
    }
  }
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && (sorted_re[j] > sorted_re[j - 1] ||
                          (sorted_re[j] == sorted_re[j - 1] && sorted_im[j] > sorted_im[j - 1]));
         j--) {
      double a = sorted_re[j], b = sorted_im[j];
      sorted_re[j] = sorted_re[j - 1], sorted_im[j] = sorted_im[j - 1];
      sorted_re[j - 1] = a, sorted_im[j - 1] = b;
    }
}

/* the state at global row g, time t */
static double state(rom_int g, double t) {
  double x = (double)(g + 1) / (double)(N_ROWS + 1), v = 0.0;
  int i;
  for (i = 0; i < 4; i++) {
    double a = sin((i + 1) * PI_ * x), c = cos((i + 1.5) * PI_ * x * x);
    if (freq[i] != 0.0)
      v += exp(sig[i] * t) * (a * cos(freq[i] * t) + c * sin(freq[i] * t));
    else
      v += exp(sig[i] * t) * (a + 0.5 * c);
  }
  return v;
}

static void fill(rom_dmat *X, const double *t) {
  rom_int n = rom_dmat_local_rows(X), off = rom_dmat_row_offset(X), ld = rom_dmat_ld(X);
  for (rom_int j = 0; j < rom_dmat_cols(X); j++)
    for (rom_int i = 0; i < n; i++)
      rom_dmat_data(X)[i + j * ld] = state(off + i, t[j]);
}

static double omega_error(const rom_dmd *d) {
  const double *om = rom_dmd_omegas(d);
  double e = 0.0;
  if (rom_dmd_rank(d) != NMODES) return INFINITY;
  for (int i = 0; i < NMODES; i++)
    e = fmax(e, cabs((om[2 * i] - sorted_re[i]) + I * (om[2 * i + 1] - sorted_im[i])));
  return e;
}

static double lambda_error(const rom_dmd *d, double dt) {
  const double *la = rom_dmd_eigenvalues(d);
  double e = 0.0;
  if (rom_dmd_rank(d) != NMODES) return INFINITY;
  for (int i = 0; i < NMODES; i++) {
    double complex ex = cexp((sorted_re[i] + I * sorted_im[i]) * dt);
    e = fmax(e, cabs(la[2 * i] + I * la[2 * i + 1] - ex));
  }
  return e;
}

/* max relative error of the prediction at time t against the analytic state */
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

/* (a), (b), (g), (h) */
static void test_exact(rom_ctx *ctx) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int n = test_uneven_rows(N_ROWS, rank, size), m = 40, off = 0;
  double dt = 0.1, t[40];
  rom_dmat *X = NULL;
  rom_dmd *d = NULL, *d1 = NULL, *dr = NULL, *dp = NULL;
  rom_dmd_options o = rom_dmd_options_default();
  for (int r = 0; r < rank; r++)
    off += test_uneven_rows(N_ROWS, r, size);
  for (rom_int j = 0; j < m; j++)
    t[j] = 0.5 + (double)j * dt;
  CHECK_OK(ctx, rom_dmat_create(ctx, n, m, &X));
  fill(X, t);
  o.dt = dt;
  o.t0 = 0.5;
  CHECK_OK(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d));
  if (!d) return;
  CHECK(rom_dmd_rank(d) == NMODES, "exact DMD rank %lld, expected %d", (long long)rom_dmd_rank(d),
        NMODES);
  CHECK(lambda_error(d, dt) <= 1e-10, "exact DMD eigenvalue error %.3g > 1e-10",
        lambda_error(d, dt));
  CHECK(omega_error(d) <= 1e-9, "exact DMD omega error %.3g > 1e-9", omega_error(d));
  CHECK(predict_error(ctx, d, off, 0.5) <= 1e-9, "exact DMD reconstruction of x_0: %.3g",
        predict_error(ctx, d, off, 0.5));
  CHECK(predict_error(ctx, d, off, 6.0) <= 1e-8,
        "exact DMD prediction at t = 6 (beyond the data "
        "at 4.4): %.3g",
        predict_error(ctx, d, off, 6.0));
  CHECK(rom_dmd_operator(d) != NULL && rom_dmd_basis(d) != NULL, "exact DMD keeps Atilde and U");
  /* the same times given explicitly: the same fit */
  {
    rom_dmd *dt_ = NULL;
    CHECK_OK(ctx, rom_dmd_fit(X, t, 0, NULL, NULL, &dt_));
    if (dt_)
      CHECK(lambda_error(dt_, dt) <= 1e-10, "explicit uniform times: %.3g", lambda_error(dt_, dt));
    rom_dmd_destroy(&dt_);
  }
  /* amplitudes fitted to all snapshots give the same prediction */
  {
    rom_dmd *da = NULL;
    o.amplitudes = ROM_DMD_AMPLITUDES_ALL;
    CHECK_OK(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &da));
    if (da)
      CHECK(predict_error(ctx, da, off, 6.0) <= 1e-8, "ALL amplitudes prediction %.3g",
            predict_error(ctx, da, off, 6.0));
    rom_dmd_destroy(&da);
    o.amplitudes = ROM_DMD_AMPLITUDES_FIRST;
  }

  /* (b) one rank, all rows: gather X to rank 0 and fit there */
  {
    double *all = rank == 0 ? malloc(sizeof(double) * N_ROWS * (size_t)m) : NULL;
    double *pref = malloc(sizeof(double) * N_ROWS), *pdist = malloc(sizeof(double) * N_ROWS);
    double ref[2 * NMODES];
    double *mine = malloc(sizeof(double) * (size_t)(n + 1));
    int *counts = malloc(sizeof(int) * (size_t)size), *displs = malloc(sizeof(int) * (size_t)size);
    int ok = 1;
    CHECK_OK(ctx, rom_dmat_gather(X, 0, all));
    if (rank == 0) {
      rom_ctx *self = NULL;
      rom_dmat *Xs = NULL;
      ok = rom_ctx_create(MPI_COMM_SELF, &self) == ROM_OK &&
           rom_dmat_wrap(self, N_ROWS, m, all, N_ROWS, &Xs) == ROM_OK &&
           rom_dmd_fit(Xs, NULL, 0, NULL, &o, &d1) == ROM_OK && rom_dmd_rank(d1) == NMODES &&
           rom_dmd_predict(d1, 6.0, pref) == ROM_OK;
      if (ok) memcpy(ref, rom_dmd_eigenvalues(d1), sizeof ref);
      rom_dmd_destroy(&d1);
      rom_dmat_destroy(&Xs);
      rom_ctx_destroy(&self);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, rom_ctx_comm(ctx));
    CHECK(ok, "the one-rank reference fit failed");
    MPI_Bcast(ref, 2 * NMODES, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
    MPI_Bcast(pref, N_ROWS, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
    {
      double e = 0.0;
      const double *la = rom_dmd_eigenvalues(d);
      for (int i = 0; i < 2 * NMODES; i++)
        e = fmax(e, fabs(la[i] - ref[i]));
      CHECK(e <= 1e-12, "eigenvalues on %d ranks vs 1 rank differ by %.3g > 1e-12", size, e);
      if (rank == 0)
        printf("dmd(np=%d): exact DMD eigenvalue error %.2e, vs 1 rank %.2e\n", size,
               lambda_error(d, dt), e);
    }
    CHECK_OK(ctx, rom_dmd_predict(d, 6.0, mine));
    {
      int cnt = (int)n;
      MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx));
      displs[0] = 0;
      for (int r = 1; r < size; r++)
        displs[r] = displs[r - 1] + counts[r - 1];
      MPI_Allgatherv(mine, cnt, MPI_DOUBLE, pdist, counts, displs, MPI_DOUBLE, rom_ctx_comm(ctx));
      double e = 0.0, s = 0.0;
      for (int i = 0; i < N_ROWS; i++)
        e = fmax(e, fabs(pdist[i] - pref[i])), s = fmax(s, fabs(pref[i]));
      CHECK(e <= 1e-12 * s, "prediction on %d ranks vs 1 rank differs by %.3g (relative)", size,
            e / s);
      if (rank == 0)
        printf("dmd(np=%d): prediction at t = 6 vs 1 rank %.2e (relative)\n", size, e / s);
    }
    free(all);
    free(pref);
    free(pdist);
    free(mine);
    free(counts);
    free(displs);
  }

  /* (g) write on P ranks, read on P ranks and on one rank */
  {
    char path[512];
    test_path(ctx, "dmd_exact", path, sizeof path);
    CHECK_OK(ctx, rom_dmd_write(d, path, 1));
    CHECK_ERR(ctx, rom_dmd_write(d, path, 0), ROM_ERR_EXISTS);
    CHECK_OK(ctx, rom_dmd_read(ctx, path, n, &dr));
    if (dr) {
      CHECK(lambda_error(dr, dt) <= 1e-10, "read back: eigenvalue error %.3g",
            lambda_error(dr, dt));
      CHECK(predict_error(ctx, dr, off, 6.0) <= 1e-8, "read back: prediction %.3g",
            predict_error(ctx, dr, off, 6.0));
      CHECK(rom_dmd_operator(dr) != NULL && rom_dmd_dt(dr) == dt && rom_dmd_t0(dr) == 0.5,
            "read back: operator, dt, t0");
    }
    if (rank == 0) {
      rom_ctx *self = NULL;
      rom_dmd *ds = NULL;
      double *x = malloc(sizeof(double) * N_ROWS), e = 0.0;
      int ok = rom_ctx_create(MPI_COMM_SELF, &self) == ROM_OK &&
               rom_dmd_read(self, path, ROM_AUTO_ROWS, &ds) == ROM_OK &&
               rom_dmd_predict(ds, 6.0, x) == ROM_OK;
      CHECK(ok, "reading the %d-rank file on one rank: %s", size,
            self ? rom_ctx_last_error(self) : "no context");
      if (ok)
        for (int i = 0; i < N_ROWS; i++)
          e = fmax(e, fabs(x[i] - state(i, 6.0)));
      CHECK(ok && e <= 1e-8 * 3.0, "file from %d ranks read on 1 rank: prediction error %.3g", size,
            e);
      rom_dmd_destroy(&ds);
      rom_ctx_destroy(&self);
      free(x);
    }
    CHECK_ERR(ctx, rom_basis_read(ctx, path, ROM_AUTO_ROWS, &(rom_basis *){NULL}), ROM_ERR_FORMAT);
  }

  /* (h) projected DMD from the fit's basis and operator */
  {
    double *x0 = malloc(sizeof(double) * (size_t)(n + 1));
    for (rom_int i = 0; i < n; i++)
      x0[i] = state(off + i, 0.5);
    CHECK_OK(ctx,
             rom_dmd_create_projected(rom_dmd_basis(d), rom_dmd_operator(d), dt, 0.5, x0, &dp));
    if (dp) {
      CHECK(lambda_error(dp, dt) <= 1e-10, "projected DMD eigenvalues %.3g", lambda_error(dp, dt));
      CHECK(predict_error(ctx, dp, off, 6.0) <= 1e-8, "projected DMD prediction %.3g",
            predict_error(ctx, dp, off, 6.0));
    }
    free(x0);
  }
  rom_dmd_destroy(&d);
  rom_dmd_destroy(&dr);
  rom_dmd_destroy(&dp);
  rom_dmat_destroy(&X);
}

/* (c) DMDc on a small known system, N = 5, q = 2 */
static void test_control(rom_ctx *ctx) {
  enum { NS = 5, Q = 2, M = 30 };
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int n = test_uneven_rows(NS, rank, size), off = 0;
  double A[NS * NS], B[NS * Q], u[Q * (M - 1)], xs[NS * M];
  rom_dmat *X = NULL;
  rom_dmd *d = NULL;
  rom_dmd_options o = rom_dmd_options_default();
  for (int r = 0; r < rank; r++)
    off += test_uneven_rows(NS, r, size);
  for (int i = 0; i < NS; i++)
    for (int j = 0; j < NS; j++)
      A[i + j * NS] = (i == j ? 0.6 : 0.0) + 0.1 * sin(1.0 + i + 3.0 * j);
  for (int i = 0; i < NS * Q; i++)
    B[i] = cos(0.7 * i + 0.3);
  for (int i = 0; i < Q * (M - 1); i++)
    u[i] = sin(1.7 * i * i + 0.1 * i);
  for (int i = 0; i < NS; i++)
    xs[i] = 1.0 + 0.2 * i;
  for (int k = 0; k + 1 < M; k++)
    for (int i = 0; i < NS; i++) {
      double v = 0.0;
      for (int j = 0; j < NS; j++)
        v += A[i + j * NS] * xs[j + k * NS];
      for (int j = 0; j < Q; j++)
        v += B[i + j * NS] * u[j + k * Q];
      xs[i + (k + 1) * NS] = v;
    }
  CHECK_OK(ctx, rom_dmat_create(ctx, n, M, &X));
  for (int k = 0; k < M; k++)
    for (rom_int i = 0; i < n; i++)
      rom_dmat_data(X)[i + k * rom_dmat_ld(X)] = xs[off + i + k * NS];
  o.method = ROM_DMD_DMDC;
  CHECK_OK(ctx, rom_dmd_fit(X, NULL, Q, u, &o, &d));
  if (d && rom_dmd_rank(d) == NS) {
    /* A = Uh Atilde Uh^T, B = Uh Btilde with Uh gathered on every rank */
    double Uh[NS * NS], Ar[NS * NS], Br[NS * Q], ea = 0.0, eb = 0.0;
    const double *At = rom_dmd_operator(d), *Bt = rom_dmd_control_operator(d);
    CHECK_OK(ctx, rom_dmat_gather(rom_dmd_basis(d), 0, Uh));
    MPI_Bcast(Uh, NS * NS, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
    for (int i = 0; i < NS; i++)
      for (int j = 0; j < NS; j++) {
        double v = 0.0;
        for (int a = 0; a < NS; a++)
          for (int b = 0; b < NS; b++)
            v += Uh[i + a * NS] * At[a + b * NS] * Uh[j + b * NS];
        Ar[i + j * NS] = v;
        ea = fmax(ea, fabs(v - A[i + j * NS]));
      }
    for (int i = 0; i < NS; i++)
      for (int j = 0; j < Q; j++) {
        double v = 0.0;
        for (int a = 0; a < NS; a++)
          v += Uh[i + a * NS] * Bt[a + j * NS];
        Br[i + j * NS] = v;
        eb = fmax(eb, fabs(v - B[i + j * NS]));
      }
    (void)Ar, (void)Br;
    CHECK(ea <= 1e-9, "DMDc recovers A to %.3g > 1e-9", ea);
    if (rank == 0) printf("dmd(np=%d): DMDc error in A %.2e, in B %.2e\n", size, ea, eb);
    CHECK(eb <= 1e-9, "DMDc recovers B to %.3g > 1e-9", eb);
    /* stepping the reduced model with the inputs reproduces the trajectory */
    {
      double *Xp = malloc(sizeof(double) * (size_t)((n + 1) * M)), e = 0.0;
      CHECK_OK(ctx, rom_dmd_predict_control(d, NULL, M - 1, u, Xp, n > 0 ? n : 1));
      for (int k = 0; k < M; k++)
        for (rom_int i = 0; i < n; i++)
          e = fmax(e, fabs(Xp[i + k * (n > 0 ? n : 1)] - xs[off + i + k * NS]));
      MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
      CHECK(e <= 1e-8, "DMDc trajectory error %.3g", e);
      CHECK_ERR(ctx, rom_dmd_predict_control(d, NULL, M - 1, NULL, Xp, n > 0 ? n : 1), ROM_ERR_ARG);
      free(Xp);
    }
  } else {
    CHECK(0, "DMDc rank %lld, expected %d", (long long)(d ? rom_dmd_rank(d) : -1), NS);
  }
  /* bad control input */
  {
    rom_dmd *bad = NULL;
    double un = u[3];
    CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &bad), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_dmd_fit(X, NULL, Q, NULL, &o, &bad), ROM_ERR_ARG);
    u[3] = NAN;
    CHECK_ERR(ctx, rom_dmd_fit(X, NULL, Q, u, &o, &bad), ROM_ERR_NOT_FINITE);
    u[3] = un;
    o.method = ROM_DMD_EXACT;
    CHECK_ERR(ctx, rom_dmd_fit(X, NULL, Q, u, &o, &bad), ROM_ERR_ARG);
    CHECK(bad == NULL, "no object on failure");
  }
  rom_dmd_destroy(&d);
  rom_dmat_destroy(&X);
}

/* (d) irregular stamps, (e) windows, (f) streaming */
static double irregular_error(rom_ctx *ctx, rom_int n, double h) {
  rom_int m = (rom_int)(8.0 / h);
  double *t = malloc(sizeof(double) * (size_t)m), e = INFINITY;
  rom_dmat *X = NULL;
  rom_dmd *d = NULL;
  for (rom_int j = 0; j < m; j++)
    t[j] = h * ((double)j + 0.3 * sin(3.0 * (double)j));
  CHECK_OK(ctx, rom_dmat_create(ctx, n, m, &X));
  fill(X, t);
  CHECK_OK(ctx, rom_dmd_fit(X, t, 0, NULL, NULL, &d));
  if (d) e = omega_error(d);
  rom_dmd_destroy(&d);
  rom_dmat_destroy(&X);
  free(t);
  return e;
}

static void test_variants(rom_ctx *ctx) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int n = test_uneven_rows(N_ROWS, rank, size), m = 61, off = 0;
  double dt = 0.1, *t = malloc(sizeof(double) * 61);
  rom_dmat *X = NULL;
  rom_dmd *d = NULL, *ds = NULL, *dw = NULL;
  rom_dmd_stream *st = NULL;
  rom_dmd_options o = rom_dmd_options_default();
  for (int r = 0; r < rank; r++)
    off += test_uneven_rows(N_ROWS, r, size);
  /* (d) */
  {
    double e1 = irregular_error(ctx, n, 0.1), e2 = irregular_error(ctx, n, 0.05);
    CHECK(e1 <= 1e-4, "irregular stamps, h = 0.1: omega error %.3g > 1e-4", e1);
    if (rank == 0)
      printf("dmd(np=%d): irregular stamps, omega error %.2e (h = 0.1), %.2e (h = 0.05)\n", size,
             e1, e2);
    CHECK(e2 <= e1 / 8.0, "irregular stamps: halving h took the error from %.3g to %.3g (< 8x)", e1,
          e2);
  }
  for (rom_int j = 0; j < m; j++)
    t[j] = (double)j * dt;
  CHECK_OK(ctx, rom_dmat_create(ctx, n, m, &X));
  fill(X, t);
  o.dt = dt;
  CHECK_OK(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d));
  /* (e) windows of 21 snapshots: 3 windows sharing boundaries */
  o.window = 21;
  o.truncation = ROM_POD_TRUNCATE_RANK; /* late windows: the fast decay is below 1e-10 energy */
  o.rank = NMODES;
  CHECK_OK(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &dw));
  if (dw) {
    CHECK(rom_dmd_window_count(dw) == 3, "windows: %lld, expected 3",
          (long long)rom_dmd_window_count(dw));
    for (rom_int k = 0; k < rom_dmd_window_count(dw); k++) {
      const rom_dmd *w = NULL;
      CHECK_OK(ctx, rom_dmd_window(dw, k, &w));
      if (w) {
        CHECK(lambda_error(w, dt) <= 1e-9, "window %lld eigenvalue error %.3g", (long long)k,
              lambda_error(w, dt));
        CHECK_CLOSE(rom_dmd_t0(w), 2.0 * (double)k, 1e-12, "window %lld start", (long long)k);
      }
    }
    CHECK(predict_error(ctx, dw, off, 1.05) <= 1e-8 && predict_error(ctx, dw, off, 3.3) <= 1e-8 &&
              predict_error(ctx, dw, off, 5.9) <= 1e-8,
          "windowed predictions");
    {
      char path[512];
      rom_dmd *rd = NULL;
      test_path(ctx, "dmd_windows", path, sizeof path);
      CHECK_OK(ctx, rom_dmd_write(dw, path, 1));
      CHECK_OK(ctx, rom_dmd_read(ctx, path, ROM_AUTO_ROWS, &rd));
      if (rd) CHECK(rom_dmd_window_count(rd) == 3, "windows read back");
      rom_dmd_destroy(&rd);
    }
    const rom_dmd *w = NULL;
    CHECK_ERR(ctx, rom_dmd_window(dw, 3, &w), ROM_ERR_ARG);
  }
  o.window = 0;
  o.truncation = ROM_POD_TRUNCATE_ENERGY;
  /* (f) streaming = batch */
  CHECK_OK(ctx, rom_dmd_stream_create(ctx, n, 0, &o, &st));
  if (st && d) {
    for (rom_int j = 0; j < m; j++)
      CHECK_OK(ctx, rom_dmd_stream_add(st, rom_dmat_data(X) + j * rom_dmat_ld(X)));
    CHECK(rom_dmd_stream_count(st) == m, "stream count");
    CHECK_OK(ctx, rom_dmd_stream_finalize(st, &ds));
    if (ds) {
      double e = 0.0;
      const double *a = rom_dmd_eigenvalues(ds), *b = rom_dmd_eigenvalues(d);
      CHECK(rom_dmd_rank(ds) == rom_dmd_rank(d), "streaming rank %lld vs batch %lld",
            (long long)rom_dmd_rank(ds), (long long)rom_dmd_rank(d));
      for (rom_int i = 0; i < 2 * rom_dmd_rank(d) && rom_dmd_rank(ds) == rom_dmd_rank(d); i++)
        e = fmax(e, fabs(a[i] - b[i]));
      CHECK(e <= 1e-9, "streaming vs batch eigenvalues differ by %.3g", e);
      if (rank == 0) printf("dmd(np=%d): streaming vs batch eigenvalues %.2e\n", size, e);
      CHECK(predict_error(ctx, ds, off, 7.0) <= 1e-7, "streaming prediction %.3g",
            predict_error(ctx, ds, off, 7.0));
    }
    /* a NaN snapshot is refused everywhere */
    {
      double *x = malloc(sizeof(double) * (size_t)(n + 1));
      for (rom_int i = 0; i < n; i++)
        x[i] = 1.0;
      if (n > 0 && rank == 0) x[0] = NAN;
      CHECK_ERR(ctx, rom_dmd_stream_add(st, x), ROM_ERR_NOT_FINITE);
      CHECK(rom_dmd_stream_count(st) == m, "count unchanged after NaN");
      free(x);
    }
  }
  rom_dmd_stream_destroy(&st);
  rom_dmd_destroy(&d);
  rom_dmd_destroy(&ds);
  rom_dmd_destroy(&dw);
  rom_dmat_destroy(&X);
  free(t);
}

/* (i) */
static void test_bad_input(rom_ctx *ctx) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int n = test_uneven_rows(50, rank, size);
  double t[6] = {0, 1, 2, 2, 4, 5};
  rom_dmat *X = NULL, *X1 = NULL;
  rom_dmd *d = NULL;
  rom_dmd_options o = rom_dmd_options_default();
  CHECK_OK(ctx, rom_dmat_create(ctx, n, 6, &X));
  CHECK_OK(ctx, rom_dmat_create(ctx, n, 1, &X1));
  for (rom_int j = 0; j < 6; j++)
    for (rom_int i = 0; i < n; i++)
      rom_dmat_data(X)[i + j * rom_dmat_ld(X)] = sin(i + 2.0 * j);
  CHECK_ERR(ctx, rom_dmd_fit(X1, NULL, 0, NULL, NULL, &d), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "at least 2 snapshots") != NULL, "message: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_dmd_fit(X, t, 0, NULL, NULL, &d), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "increase strictly") != NULL, "message: %s",
        rom_ctx_last_error(ctx));
  t[3] = NAN;
  CHECK_ERR(ctx, rom_dmd_fit(X, t, 0, NULL, NULL, &d), ROM_ERR_ARG);
  t[3] = 3.5;
  if (size > 1) { /* times that differ between ranks are refused on every rank */
    t[2] = rank == 1 ? 2.5 : 2.0;
    CHECK_ERR(ctx, rom_dmd_fit(X, t, 0, NULL, NULL, &d), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "differ between ranks") != NULL || rank == 1,
          "message: %s", rom_ctx_last_error(ctx));
    t[2] = 2.0;
  }
  o.method = ROM_DMD_DMDC;
  {
    double u[5] = {1, 2, 3, 4, 5};
    CHECK_ERR(ctx, rom_dmd_fit(X, t, 1, u, &o, &d), ROM_ERR_ARG); /* irregular stamps */
    CHECK(strstr(rom_ctx_last_error(ctx), "uniform") != NULL, "message: %s",
          rom_ctx_last_error(ctx));
  }
  o = rom_dmd_options_default();
  o.dt = -1.0;
  CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d), ROM_ERR_ARG);
  o = rom_dmd_options_default();
  o.energy = 1.5;
  CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d), ROM_ERR_ARG);
  o = rom_dmd_options_default();
  o.window = 1;
  CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d), ROM_ERR_ARG);
  o = rom_dmd_options_default();
  o.method = (rom_dmd_method)17;
  CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, &o, &d), ROM_ERR_ARG);
  /* NaN on the last rank with rows only: every rank fails */
  {
    int last = -1;
    for (int r = 0; r < size; r++)
      if (test_uneven_rows(50, r, size) > 0) last = r;
    if (rank == last) rom_dmat_data(X)[n - 1 + 4 * rom_dmat_ld(X)] = NAN;
    CHECK_ERR(ctx, rom_dmd_fit(X, NULL, 0, NULL, NULL, &d), ROM_ERR_NOT_FINITE);
  }
  CHECK(d == NULL, "no object on failure");
  CHECK_ERR(ctx, rom_dmd_read(ctx, "/nonexistent/dmd.h5", ROM_AUTO_ROWS, &d), ROM_ERR_IO);
  /* the method registry */
  {
    rom_dmd_method mm;
    CHECK(rom_dmd_method_count() == 4, "4 DMD methods");
    for (int i = 0; i < rom_dmd_method_count(); i++)
      CHECK(rom_dmd_method_from_name(rom_dmd_method_name((rom_dmd_method)i), &mm) == ROM_OK &&
                (int)mm == i,
            "method %d round trip", i);
    CHECK(rom_dmd_method_from_name("nope", &mm) == ROM_ERR_ARG, "unknown name refused");
    CHECK(rom_dmd_method_rules(ROM_DMD_DMDC) & ROM_DMD_RULE_CONTROL, "dmdc needs control");
  }
  rom_dmat_destroy(&X);
  rom_dmat_destroy(&X1);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  expected_omegas();
  test_exact(ctx);
  test_control(ctx);
  test_variants(ctx);
  test_bad_input(ctx);
  return test_finish(&ctx);
}
