/* The host-model interface and the affine ROM on a non-symmetric 1D host, at 1, 2 and 4
 * ranks with an uneven partition (the last rank empty at 4 ranks).
 *
 * Host: N unknowns, A(theta) = theta_0 K + theta_1 C with K = tridiag(-1, 2, -1)
 * (symmetric) and C the first-order upwind difference (non-symmetric), f = f_0 + phi_1 f_1,
 * lumped mass M = diag(1 + sin(i)/2). Checks, against dense LAPACK solves of the whole
 * system computed on every rank by this test:
 *  - full basis (k = N) with a reference vector: the ROM reproduces the FOM (LU path),
 *    steady and transient with the non-identity mass;
 *  - a small basis satisfies Galerkin orthogonality Phi^T (A u_rom - f) = 0;
 *  - a symmetric model with an indefinite assembly (theta = -1) falls back from Cholesky
 *    to LU and still solves;
 *  - the ROM file's /operators holds operators[q][i][j] = (Phi^T A_q Phi)_{ij} (read here
 *    with plain HDF5, so a transposition cannot cancel between writer and reader);
 *  - callbacks failing on one rank (rhs, mass) give ROM_ERR_CALLBACK on every rank;
 *  - a model without rhs terms (Qf = 0) works. */
#include "testutil.h"

#include <hdf5.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#define GN 30

typedef struct {
  rom_ctx *ctx;
  rom_int L, off;
  int *counts, *displs;
  double full[GN];
  int fail_rhs_rank, fail_mass_rank; /* -1: never */
} host;

static double mass_of(rom_int i) {
  return 1.0 + 0.5 * sin((double)i);
}

static int host_apply(void *user, int q, const double *x, double *y) {
  host *h = user;
  if (MPI_Allgatherv(x, (int)h->L, MPI_DOUBLE, h->full, h->counts, h->displs, MPI_DOUBLE,
                     rom_ctx_comm(h->ctx)) != MPI_SUCCESS)
    return 1;
  for (rom_int l = 0; l < h->L; ++l) {
    rom_int g = h->off + l;
    double left = g > 0 ? h->full[g - 1] : 0.0, right = g < GN - 1 ? h->full[g + 1] : 0.0;
    y[l] = q == 0 ? 2.0 * h->full[g] - left - right : h->full[g] - left;
  }
  return 0;
}

static int host_rhs(void *user, int q, double *f) {
  host *h = user;
  for (rom_int l = 0; l < h->L; ++l)
    f[l] = q == 0 ? 1.0 : (double)(h->off + l + 1) / (GN + 1);
  return rom_ctx_rank(h->ctx) == h->fail_rhs_rank ? 3 : 0;
}

static int host_mass(void *user, const double *x, double *y) {
  host *h = user;
  for (rom_int l = 0; l < h->L; ++l)
    y[l] = mass_of(h->off + l) * x[l];
  return rom_ctx_rank(h->ctx) == h->fail_mass_rank ? 5 : 0;
}

static int host_theta(void *user, const double *mu, double *theta) {
  (void)user;
  theta[0] = mu[0];
  theta[1] = mu[1];
  return 0;
}

static int host_phi(void *user, const double *mu, double *phi) {
  (void)user;
  phi[0] = 1.0;
  phi[1] = mu[1];
  return 0;
}

/* Dense A(theta) (column-major GN x GN). */
static void dense_A(const double *theta, double *A) {
  memset(A, 0, sizeof(double) * GN * GN);
  for (int i = 0; i < GN; ++i) {
    A[i + i * GN] = 2.0 * theta[0] + theta[1];
    if (i > 0) A[i + (i - 1) * GN] = -theta[0] - theta[1];
    if (i < GN - 1) A[i + (i + 1) * GN] = -theta[0];
  }
}

static void dense_f(const double *phi, double *f) {
  for (int i = 0; i < GN; ++i)
    f[i] = phi[0] + phi[1] * (double)(i + 1) / (GN + 1);
}

/* Random GN x k orthonormal matrix, the same on every rank. */
static void orthonormal(int k, double *Q) {
  double tau[GN];
  for (int i = 0; i < GN * k; ++i)
    Q[i] = rom_rng_normal(21, 4, (uint64_t)i);
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, GN, k, Q, GN, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, GN, k, k, Q, GN, tau);
}

static rom_basis *make_basis(host *h, int k, const double *Q, const double *ref_full) {
  rom_dmat *V = NULL;
  rom_basis *b = NULL;
  double ref[GN];
  CHECK_OK(h->ctx, rom_dmat_create(h->ctx, h->L, k, &V));
  for (int j = 0; j < k; ++j)
    for (rom_int l = 0; l < h->L; ++l)
      rom_dmat_data(V)[l + j * h->L] = Q[h->off + l + j * GN];
  for (rom_int l = 0; l < h->L; ++l)
    ref[l] = ref_full ? ref_full[h->off + l] : 0.0;
  CHECK_OK(h->ctx, rom_basis_create(V, NULL, 0, ref_full ? ref : NULL, &b));
  rom_dmat_destroy(&V);
  return b;
}

/* u = ref + Q q (full vectors). */
static void lift_full(int k, const double *Q, const double *ref, const double *q, double *u) {
  for (int i = 0; i < GN; ++i) {
    double s = ref ? ref[i] : 0.0;
    for (int j = 0; j < k; ++j)
      s += Q[i + j * GN] * q[j];
    u[i] = s;
  }
}

static double rel_diff(const double *a, const double *b, int n) {
  double d = 0.0, s = 0.0;
  for (int i = 0; i < n; ++i) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    s += b[i] * b[i];
  }
  return sqrt(d / s);
}

static void host_init(rom_ctx *ctx, host *h) {
  memset(h, 0, sizeof *h);
  h->ctx = ctx;
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  h->L = test_uneven_rows(GN, rank, size);
  MPI_Exscan(&h->L, &h->off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rank == 0) h->off = 0;
  h->counts = calloc((size_t)size, sizeof(int));
  h->displs = calloc((size_t)size, sizeof(int));
  int mine = (int)h->L;
  MPI_Allgather(&mine, 1, MPI_INT, h->counts, 1, MPI_INT, rom_ctx_comm(ctx));
  for (int r = 1; r < size; ++r)
    h->displs[r] = h->displs[r - 1] + h->counts[r - 1];
  h->fail_rhs_rank = h->fail_mass_rank = -1;
}

static rom_model *make_model(host *h, int Qa, int Qf, int mass) {
  rom_model *m = NULL;
  CHECK_OK(h->ctx, rom_model_create(h->ctx, h->L, 2, h, &m));
  CHECK_OK(h->ctx, rom_model_set_affine_operator(m, Qa, host_apply, host_theta));
  if (Qf > 0) CHECK_OK(h->ctx, rom_model_set_affine_rhs(m, Qf, host_rhs, host_phi));
  if (mass) CHECK_OK(h->ctx, rom_model_set_mass(m, host_mass));
  CHECK(rom_model_local_rows(m) == h->L && rom_model_num_parameters(m) == 2 &&
            rom_model_operator_terms(m) == Qa && rom_model_rhs_terms(m) == Qf &&
            rom_model_ctx(m) == h->ctx,
        "accessors");
  return m;
}

static void test_full_basis(rom_ctx *ctx, host *h) {
  static double Q[GN * GN], A[GN * GN], ref[GN], u[GN], ur[GN], f[GN];
  rom_model *m = make_model(h, 2, 2, 1);
  orthonormal(GN, Q);
  for (int i = 0; i < GN; ++i)
    ref[i] = 0.1 * cos((double)i);
  rom_basis *b = make_basis(h, GN, Q, ref);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(m, b, &rom));
  if (!rom) goto done;
  /* Steady: LU path (the convection term is not symmetric). */
  {
    double mu[2] = {1.5, 0.7}, theta[2], phi[2], q[GN];
    lapack_int piv[GN];
    CHECK_OK(ctx, rom_model_operator_coefficients(m, mu, theta));
    CHECK_OK(ctx, rom_model_rhs_coefficients(m, mu, phi));
    dense_A(theta, A);
    dense_f(phi, u);
    LAPACKE_dgesv(LAPACK_COL_MAJOR, GN, 1, A, GN, piv, u, GN);
    CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, phi, q));
    lift_full(GN, Q, ref, q, ur);
    CHECK(rel_diff(ur, u, GN) < 1e-12, "non-symmetric full-basis ROM vs dense: %.3e",
          rel_diff(ur, u, GN));
  }
  /* Transient with the mass: (M + dt A) u^{s+1} = M u^s + dt f from u = 0. */
  {
    enum { STEPS = 6 };
    const double dt = 0.1;
    double theta[2] = {1.0, 2.0}, phi[2] = {1.0, 2.0}, q0[GN], traj[GN * (STEPS + 1)], neg[GN];
    double T[GN * GN], ud[GN] = {0}, worst = 0.0;
    lapack_int piv[GN];
    dense_A(theta, A);
    dense_f(phi, f);
    for (int i = 0; i < GN * GN; ++i)
      T[i] = dt * A[i];
    for (int i = 0; i < GN; ++i)
      T[i + i * GN] += mass_of(i);
    LAPACKE_dgetrf(LAPACK_COL_MAJOR, GN, GN, T, GN, piv);
    /* q0 = Q^T (0 - ref) */
    for (int i = 0; i < GN; ++i)
      neg[i] = -ref[i];
    for (int j = 0; j < GN; ++j) {
      q0[j] = 0.0;
      for (int i = 0; i < GN; ++i)
        q0[j] += Q[i + j * GN] * neg[i];
    }
    CHECK_OK(ctx, rom_affine_rom_transient(rom, theta, phi, dt, STEPS, q0, traj));
    for (int s = 1; s <= STEPS; ++s) {
      for (int i = 0; i < GN; ++i)
        ud[i] = mass_of(i) * ud[i] + dt * f[i];
      LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', GN, 1, T, GN, piv, ud, GN);
      lift_full(GN, Q, ref, traj + s * GN, ur);
      worst = fmax(worst, rel_diff(ur, ud, GN));
    }
    CHECK(worst < 1e-12, "transient with mass vs dense implicit Euler: %.3e", worst);
  }
  /* The file: round trip, and the layout read with plain HDF5 on rank 0. */
  {
    char path[512];
    test_path(ctx, "model_affine", path, sizeof path);
    CHECK_OK(ctx, rom_affine_rom_write(rom, path, 1));
    rom_affine_rom *back = NULL;
    CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
    if (back) {
      double theta[2] = {0.3, 1.1}, phi[2] = {1.0, 1.1}, q1[GN], q2[GN];
      CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, phi, q1));
      CHECK_OK(ctx, rom_affine_rom_solve(back, theta, phi, q2));
      CHECK(memcmp(q1, q2, sizeof q1) == 0, "non-symmetric ROM bitwise equal after round trip");
    }
    rom_affine_rom_destroy(&back);
    double worst = 0.0;
    if (rom_ctx_rank(ctx) == 0) {
      static double ops[2 * GN * GN], refterms[2 * GN], AQ[GN * GN];
      hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
      hid_t d = H5Dopen2(file, "/operators", H5P_DEFAULT);
      CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ops) >= 0,
            "read /operators");
      H5Dclose(d);
      d = H5Dopen2(file, "/operator_reference_terms", H5P_DEFAULT);
      CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, refterms) >= 0,
            "read /operator_reference_terms");
      H5Dclose(d);
      H5Fclose(file);
      for (int qt = 0; qt < 2; ++qt) {
        double theta[2] = {qt == 0 ? 1.0 : 0.0, qt == 1 ? 1.0 : 0.0};
        dense_A(theta, A);
        /* AQ = A_q Q, then (Q^T A_q Q)_{ij} and (Q^T A_q ref)_i */
        for (int j = 0; j < GN; ++j)
          for (int i = 0; i < GN; ++i) {
            double s = 0.0;
            for (int l = 0; l < GN; ++l)
              s += A[i + l * GN] * Q[l + j * GN];
            AQ[i + j * GN] = s;
          }
        for (int i = 0; i < GN; ++i) {
          for (int j = 0; j < GN; ++j) {
            double s = 0.0;
            for (int l = 0; l < GN; ++l)
              s += Q[l + i * GN] * AQ[l + j * GN];
            worst = fmax(worst, fabs(ops[qt * GN * GN + i * GN + j] - s));
          }
          double g = 0.0;
          for (int l = 0; l < GN; ++l) {
            double Ar = 0.0;
            for (int c = 0; c < GN; ++c)
              Ar += A[l + c * GN] * ref[c];
            g += Q[l + i * GN] * Ar;
          }
          worst = fmax(worst, fabs(refterms[qt * GN + i] - g));
        }
      }
    }
    MPI_Bcast(&worst, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
    CHECK(worst < 1e-12, "file layout operators[q][i][j] = (Phi^T A_q Phi)_ij: %.3e", worst);
  }
done:
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_model_destroy(&m);
}

/* Galerkin orthogonality with a small basis: Phi^T (A(ref + Phi q) - f) = 0. */
static void test_galerkin(rom_ctx *ctx, host *h) {
  enum { K = 5 };
  static double Q[GN * K], A[GN * GN], ref[GN], u[GN], f[GN];
  rom_model *m = make_model(h, 2, 2, 0);
  orthonormal(K, Q);
  for (int i = 0; i < GN; ++i)
    ref[i] = 0.2 * sin(0.3 * i);
  rom_basis *b = make_basis(h, K, Q, ref);
  rom_affine_rom *rom = NULL;
  double theta[2] = {2.0, 0.5}, phi[2] = {1.0, -3.0}, q[K], worst = 0.0, scale = 0.0;
  CHECK_OK(ctx, rom_affine_rom_build(m, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, phi, q));
  lift_full(K, Q, ref, q, u);
  dense_A(theta, A);
  dense_f(phi, f);
  for (int j = 0; j < K; ++j) {
    double s = 0.0;
    for (int i = 0; i < GN; ++i) {
      double r = -f[i];
      for (int l = 0; l < GN; ++l)
        r += A[i + l * GN] * u[l];
      s += Q[i + j * GN] * r;
    }
    worst = fmax(worst, fabs(s));
  }
  for (int i = 0; i < GN; ++i)
    scale = fmax(scale, fabs(f[i]));
  CHECK(worst < 1e-12 * scale * 10, "Galerkin orthogonality |Phi^T r| = %.3e", worst);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_model_destroy(&m);
}

/* Symmetric model (K only) with theta = -1: Cholesky fails, LU solves -K u = f. */
static void test_indefinite(rom_ctx *ctx, host *h) {
  static double Q[GN * GN], A[GN * GN], u[GN], ur[GN];
  rom_model *m = make_model(h, 1, 2, 0);
  orthonormal(GN, Q);
  rom_basis *b = make_basis(h, GN, Q, NULL);
  rom_affine_rom *rom = NULL;
  double theta[2] = {-1.0, 0.0}, phi[2] = {1.0, 0.0}, q[GN];
  lapack_int piv[GN];
  CHECK_OK(ctx, rom_affine_rom_build(m, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, phi, q));
  dense_A(theta, A);
  dense_f(phi, u);
  LAPACKE_dgesv(LAPACK_COL_MAJOR, GN, 1, A, GN, piv, u, GN);
  lift_full(GN, Q, NULL, q, ur);
  CHECK(rel_diff(ur, u, GN) < 1e-12, "negative definite assembly via LU: %.3e",
        rel_diff(ur, u, GN));
  theta[0] = 2.0;
  CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, phi, q));
  dense_A(theta, A);
  dense_f(phi, u);
  LAPACKE_dgesv(LAPACK_COL_MAJOR, GN, 1, A, GN, piv, u, GN);
  lift_full(GN, Q, NULL, q, ur);
  CHECK(rel_diff(ur, u, GN) < 1e-12, "positive definite assembly via Cholesky: %.3e",
        rel_diff(ur, u, GN));
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_model_destroy(&m);
}

static void test_callback_failures(rom_ctx *ctx, host *h) {
  static double Q[GN * 4];
  const int last = rom_ctx_size(ctx) - 1;
  orthonormal(4, Q);
  rom_basis *b = make_basis(h, 4, Q, NULL);
  rom_affine_rom *rom = NULL;
  rom_model *m = make_model(h, 2, 2, 1);
  h->fail_rhs_rank = last;
  CHECK_ERR(ctx, rom_affine_rom_build(m, b, &rom), ROM_ERR_CALLBACK);
  CHECK(strstr(rom_ctx_last_error(ctx), "rhs-term") != NULL, "message: %s",
        rom_ctx_last_error(ctx));
  h->fail_rhs_rank = -1;
  h->fail_mass_rank = last;
  CHECK_ERR(ctx, rom_affine_rom_build(m, b, &rom), ROM_ERR_CALLBACK);
  CHECK(strstr(rom_ctx_last_error(ctx), "mass") != NULL, "message: %s", rom_ctx_last_error(ctx));
  CHECK(rom == NULL, "no ROM on failure");
  h->fail_mass_rank = -1;
  rom_model_destroy(&m);

  /* No rhs terms: f = 0, the solve takes phi = NULL. */
  m = make_model(h, 2, 0, 0);
  CHECK_OK(ctx, rom_affine_rom_build(m, b, &rom));
  if (rom) {
    double theta[2] = {1.0, 1.0}, q[4] = {1, 1, 1, 1};
    CHECK(rom_affine_rom_rhs_terms(rom) == 0, "Qf = 0");
    CHECK_OK(ctx, rom_affine_rom_solve(rom, theta, NULL, q));
    CHECK(q[0] == 0.0 && q[3] == 0.0, "zero right-hand side, no reference: q = 0");
    char path[512];
    test_path(ctx, "model_affine_norhs", path, sizeof path);
    CHECK_OK(ctx, rom_affine_rom_write(rom, path, 1));
    rom_affine_rom *back = NULL;
    CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
    CHECK(back && rom_affine_rom_rhs_terms(back) == 0, "Qf = 0 after read");
    rom_affine_rom_destroy(&back);
  }
  rom_affine_rom_destroy(&rom);
  rom_model_destroy(&m);
  rom_basis_destroy(&b);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  host h;
  host_init(ctx, &h);
  test_full_basis(ctx, &h);
  test_galerkin(ctx, &h);
  test_indefinite(ctx, &h);
  test_callback_failures(ctx, &h);
  free(h.counts);
  free(h.displs);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "romkit still holds %zu bytes (leak)",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
