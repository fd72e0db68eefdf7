/* A small nonlinear host for the nonlinear-ROM and hyper-reduction tests: 1D viscous
 * Burgers with a reaction term on N interior nodes of (0, 1), zero Dirichlet boundaries,
 *     F_i(u; mu) = -u_i (u_i - u_{i-1}) / h + mu_0 (u_{i-1} - 2 u_i + u_{i+1}) / h^2 - mu_1 u_i^3
 * (upwind convection for u >= 0, central diffusion, cubic reaction), with every callback
 * of model.h's nonlinear section: velocity, block Jacobian action, stencil, sampled
 * velocity and sampled Jacobian. Rows are partitioned as the test chooses; the collective
 * callbacks all-gather the state (N is small). The same formulas evaluated serially on a
 * full vector (nlh_velocity_full, nlh_jacobian_full) give the tests an independent FOM.
 * Included by tests/mpi/nonlinear_rom.c and tests/mpi/hyper.c. */
#ifndef ROMKIT_TESTS_NL_HOST_H
#define ROMKIT_TESTS_NL_HOST_H

#include "testutil.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  rom_ctx *ctx;
  rom_int N, L, off;
  int *counts, *displs;
  double *full, *xfull;
  double h;
  int nan_velocity; /* 1: the velocity returns NaN (to provoke divergence) */
  int skip_write;   /* 1: the velocity (full or sampled) leaves its last row unwritten,
                       2: the Jacobian (full or sampled) leaves its last column unwritten */
  int setup_calls;  /* sample-mesh setup calls seen */
  rom_int setup_nrows, setup_nneeded;
  rom_model *model;
} nlh;

static void nlh_velocity_full(const nlh *H, const double *u, const double *mu, double *F) {
  const double h = H->h;
  for (rom_int i = 0; i < H->N; ++i) {
    double um = i > 0 ? u[i - 1] : 0.0, up = i + 1 < H->N ? u[i + 1] : 0.0;
    F[i] = -u[i] * (u[i] - um) / h + mu[0] * (um - 2.0 * u[i] + up) / (h * h) -
           mu[1] * u[i] * u[i] * u[i];
  }
}

/* Entry J(i, j) of dF/du at u (zero outside the stencil). */
static double nlh_jacobian_entry(const nlh *H, const double *u_at, rom_int i, rom_int j,
                                 const double *mu, double ui, double um) {
  (void)u_at;
  const double h = H->h;
  if (j == i) return -(2.0 * ui - um) / h - 2.0 * mu[0] / (h * h) - 3.0 * mu[1] * ui * ui;
  if (j == i - 1) return ui / h + mu[0] / (h * h);
  if (j == i + 1) return mu[0] / (h * h);
  return 0.0;
}

/* Dense J (N x N, column-major). */
static void nlh_jacobian_full(const nlh *H, const double *u, const double *mu, double *J) {
  const rom_int N = H->N;
  memset(J, 0, sizeof(double) * (size_t)(N * N));
  for (rom_int i = 0; i < N; ++i) {
    double um = i > 0 ? u[i - 1] : 0.0;
    for (rom_int j = i - 1; j <= i + 1; ++j)
      if (j >= 0 && j < N) J[i + j * N] = nlh_jacobian_entry(H, u, i, j, mu, u[i], um);
  }
}

static int nlh_gather(nlh *H, const double *x, double *full) {
  return MPI_Allgatherv(x, (int)H->L, MPI_DOUBLE, full, H->counts, H->displs, MPI_DOUBLE,
                        rom_ctx_comm(H->ctx)) != MPI_SUCCESS;
}

static int nlh_cb_velocity(void *user, const double *u, double t, const double *mu, double *F) {
  nlh *H = user;
  (void)t;
  if (nlh_gather(H, u, H->full)) return 1;
  double *Ff = malloc(sizeof(double) * (size_t)H->N);
  nlh_velocity_full(H, H->full, mu, Ff);
  for (rom_int l = 0; l < H->L - (H->skip_write == 1); ++l)
    F[l] = H->nan_velocity ? NAN : Ff[H->off + l];
  free(Ff);
  return 0;
}

static int nlh_cb_jacobian(void *user, const double *u, double t, const double *mu, rom_int ncols,
                           const double *X, rom_int ldx, double *Y, rom_int ldy) {
  nlh *H = user;
  (void)t;
  if (nlh_gather(H, u, H->full)) return 1;
  for (rom_int c = 0; c < ncols; ++c) {
    if (nlh_gather(H, X + c * ldx, H->xfull)) return 1;
    for (rom_int l = 0; l < H->L; ++l) {
      rom_int i = H->off + l;
      double um = i > 0 ? H->full[i - 1] : 0.0, s = 0.0;
      for (rom_int j = i - 1; j <= i + 1; ++j)
        if (j >= 0 && j < H->N)
          s += nlh_jacobian_entry(H, H->full, i, j, mu, H->full[i], um) * H->xfull[j];
      if (!(H->skip_write == 2 && c == ncols - 1)) Y[l + c * ldy] = s;
    }
  }
  return 0;
}

static int nlh_cb_stencil(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  nlh *H = user;
  rom_int n = 0, tmp[3];
  for (rom_int j = row - 1; j <= row + 1; ++j)
    if (j >= 0 && j < H->N) tmp[n++] = j;
  for (rom_int a = 0; a < n && a < max; ++a)
    cols[a] = tmp[a];
  *count = n;
  return 0;
}

static rom_int nlh_find(rom_int n, const rom_int *rows, rom_int row) {
  for (rom_int a = 0; a < n; ++a)
    if (rows[a] == row) return a;
  return -1;
}

/* u at global row j from the sample-mesh values (0 outside the domain); -1 if missing. */
static int nlh_at(const nlh *H, rom_int nneeded, const rom_int *needed, const double *u, rom_int j,
                  double *v) {
  if (j < 0 || j >= H->N) {
    *v = 0.0;
    return 0;
  }
  rom_int a = nlh_find(nneeded, needed, j);
  if (a < 0) return -1;
  *v = u[a];
  return 0;
}

static int nlh_cb_velocity_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                                   const rom_int *needed, const double *u, double t,
                                   const double *mu, double *F) {
  nlh *H = user;
  (void)t;
  for (rom_int r = 0; r < nrows; ++r) {
    rom_int i = rows[r];
    double um, ui, up;
    if (nlh_at(H, nneeded, needed, u, i - 1, &um) || nlh_at(H, nneeded, needed, u, i, &ui) ||
        nlh_at(H, nneeded, needed, u, i + 1, &up))
      return 2;
    const double h = H->h;
    if (H->skip_write == 1 && r == nrows - 1) break;
    F[r] = -ui * (ui - um) / h + mu[0] * (um - 2.0 * ui + up) / (h * h) - mu[1] * ui * ui * ui;
    if (H->nan_velocity) F[r] = NAN;
  }
  return 0;
}

static int nlh_cb_jacobian_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                                   const rom_int *needed, const double *u, double t,
                                   const double *mu, rom_int ncols, const double *X, rom_int ldx,
                                   double *Y, rom_int ldy) {
  nlh *H = user;
  (void)t;
  for (rom_int r = 0; r < nrows; ++r) {
    rom_int i = rows[r];
    double um, ui;
    if (nlh_at(H, nneeded, needed, u, i - 1, &um) || nlh_at(H, nneeded, needed, u, i, &ui))
      return 2;
    const rom_int nc = ncols - (H->skip_write == 2); /* 2: the last column unwritten */
    for (rom_int c = 0; c < nc; ++c)
      Y[r + c * ldy] = 0.0;
    for (rom_int j = i - 1; j <= i + 1; ++j) {
      if (j < 0 || j >= H->N) continue;
      rom_int a = nlh_find(nneeded, needed, j);
      if (a < 0) return 2;
      double e = nlh_jacobian_entry(H, NULL, i, j, mu, ui, um);
      for (rom_int c = 0; c < nc; ++c)
        Y[r + c * ldy] += e * X[a + c * ldx];
    }
  }
  return 0;
}

/* Creates the host with N unknowns, rows partitioned unevenly (test_uneven_rows). */
static void nlh_create(rom_ctx *ctx, rom_int N, nlh *H) {
  memset(H, 0, sizeof *H);
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  H->ctx = ctx;
  H->N = N;
  H->h = 1.0 / (double)(N + 1);
  H->L = test_uneven_rows(N, me, P);
  H->counts = malloc(sizeof(int) * (size_t)P);
  H->displs = malloc(sizeof(int) * (size_t)P);
  H->full = malloc(sizeof(double) * (size_t)N);
  H->xfull = malloc(sizeof(double) * (size_t)N);
  int c = (int)H->L;
  MPI_Allgather(&c, 1, MPI_INT, H->counts, 1, MPI_INT, rom_ctx_comm(ctx));
  int s = 0;
  for (int p = 0; p < P; ++p) {
    H->displs[p] = s;
    s += H->counts[p];
  }
  H->off = H->displs[me];
  CHECK_OK(ctx, rom_model_create(ctx, H->L, 2, H, &H->model));
  CHECK_OK(ctx, rom_model_set_velocity(H->model, nlh_cb_velocity, nlh_cb_jacobian));
  CHECK_OK(ctx, rom_model_set_sampled_velocity(H->model, nlh_cb_stencil, nlh_cb_velocity_sampled,
                                               nlh_cb_jacobian_sampled));
}

static void nlh_destroy(nlh *H) {
  rom_model_destroy(&H->model);
  free(H->counts);
  free(H->displs);
  free(H->full);
  free(H->xfull);
}

/* Initial condition: a bump u0(x) = a sin^2(pi x / 0.6) on (0, 0.6), 0 elsewhere. */
static void nlh_initial(const nlh *H, double a, double *u) {
  for (rom_int i = 0; i < H->N; ++i) {
    double x = (double)(i + 1) * H->h;
    double s = sin(3.14159265358979323846 * x / 0.6);
    u[i] = x < 0.6 ? a * s * s : 0.0;
  }
}

/* Serial backward-Euler (or BDF2) FOM on every rank: dense Newton to ||r|| < 1e-13.
 * traj: (steps + 1) x N. */
static int nlh_fom(const nlh *H, const double *mu, const double *u0, double dt, rom_int steps,
                   int bdf2, double *traj) {
  const rom_int N = H->N;
  double *J = malloc(sizeof(double) * (size_t)(N * N)), *F = malloc(sizeof(double) * (size_t)N);
  double *r = malloc(sizeof(double) * (size_t)N);
  lapack_int *piv = malloc(sizeof(lapack_int) * (size_t)N);
  int ok = 1;
  memcpy(traj, u0, sizeof(double) * (size_t)N);
  for (rom_int n = 0; n < steps && ok; ++n) {
    const double *un = traj + n * N, *unm = n > 0 ? traj + (n - 1) * N : NULL;
    double *u = traj + (n + 1) * N;
    const int b2 = bdf2 && n > 0;
    const double bdt = b2 ? 2.0 / 3.0 * dt : dt;
    memcpy(u, un, sizeof(double) * (size_t)N);
    int it;
    for (it = 0; it < 50; ++it) {
      nlh_velocity_full(H, u, mu, F);
      double nr = 0.0;
      for (rom_int i = 0; i < N; ++i) {
        double hist = b2 ? 4.0 / 3.0 * un[i] - 1.0 / 3.0 * unm[i] : un[i];
        r[i] = -(u[i] - hist - bdt * F[i]);
        nr += r[i] * r[i];
      }
      if (sqrt(nr) < 1e-13) break;
      nlh_jacobian_full(H, u, mu, J);
      for (rom_int j = 0; j < N; ++j)
        for (rom_int i = 0; i < N; ++i)
          J[i + j * N] = (i == j ? 1.0 : 0.0) - bdt * J[i + j * N];
      if (LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)N, 1, J, (lapack_int)N, piv, r,
                        (lapack_int)N) != 0) {
        ok = 0;
        break;
      }
      for (rom_int i = 0; i < N; ++i)
        u[i] += r[i];
    }
    if (it == 50) ok = 0;
  }
  free(J);
  free(F);
  free(r);
  free(piv);
  return ok;
}

/* Deterministic pseudo-random numbers in [-1, 1) from an index (same on every rank). */
static double nlh_hash(uint64_t i) {
  uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 4503599627370496.0 - 1.0;
}

/* A random N x k orthonormal matrix (full, column-major), the same on every rank. */
static void nlh_random_orthonormal(rom_int N, rom_int k, uint64_t seed, double *Q) {
  double *tau = malloc(sizeof(double) * (size_t)k);
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < N; ++i)
      Q[i + j * N] = nlh_hash(seed * 1000003u + (uint64_t)(i + j * N));
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)k, Q, (lapack_int)N, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)k, (lapack_int)k, Q, (lapack_int)N,
                 tau);
  free(tau);
}

/* A basis from the full N x k matrix Q: this rank's rows, optional full reference. */
static rom_basis *nlh_basis(const nlh *H, const double *Q, rom_int k, const double *ref_full) {
  rom_dmat *V = NULL;
  rom_basis *b = NULL;
  CHECK_OK(H->ctx, rom_dmat_create(H->ctx, H->L, k, &V));
  double *v = rom_dmat_data(V);
  rom_int ld = rom_dmat_ld(V);
  for (rom_int j = 0; j < k; ++j)
    for (rom_int l = 0; l < H->L; ++l)
      v[l + j * ld] = Q[H->off + l + j * H->N];
  CHECK_OK(H->ctx, rom_basis_create(V, NULL, 0, ref_full ? ref_full + H->off : NULL, &b));
  rom_dmat_destroy(&V);
  return b;
}

#endif
