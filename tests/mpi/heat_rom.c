/* P3 heat conduction FOM and its Galerkin affine ROM, at 1, 2 and 4 ranks, with the even
 * and an uneven partition (the last rank empty at 4 ranks).
 *
 * Independent checks:
 *  - the operator against the analytic solution: with mu = 1, A applied to the sampled
 *    u = sin(pi x) sin(pi y) equals 2 pi^2 u up to the 5-point truncation error
 *    (h^2/12)(u_xxxx + u_yyyy), whose maximum h^2 pi^4/6 the test predicts, and which
 *    drops by 4 when h halves;
 *  - each term A_q against this file's own stencil with kappa = indicator of subdomain
 *    q, evaluated from coordinates in floating point (not the library's integer rule);
 *  - the FOM solves against their own residuals (band Cholesky vs the term callbacks);
 *  - the ROM with a full random orthonormal basis (k = N) against the FOM, steady and
 *    transient; the POD ROM's error falling with k; the distributed ROM against a serial
 *    one computed on rank 0 (MPI_COMM_SELF) from the same data. */
#include "testutil.h"
#include "testutil_p3.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

static const double pi = 3.14159265358979323846;

/* The P3 fixture is shared with tests/mpi/bounds.c (tests/testutil_p3.h). */
typedef test_p3 fom;

static void fom_make(rom_ctx *ctx, rom_int n, int bx, int by, int uneven, fom *f) {
  test_p3_make(ctx, n, bx, by, uneven, f);
}

static double *vec(rom_int n) {
  return test_vec(n);
}

/* y = A(mu) x = sum_q mu_q A_q x through the model's term callbacks. */
static void apply_A(fom *f, const double *mu, const double *x, double *y) {
  double *t = vec(f->L);
  memset(y, 0, sizeof(double) * (size_t)f->L);
  for (int q = 0; q < f->Q; ++q) {
    CHECK_OK(f->ctx, rom_model_apply_operator_term(f->model, q, x, t));
    for (rom_int l = 0; l < f->L; ++l)
      y[l] += mu[q] * t[l];
  }
  free(t);
}

static double norm2(rom_ctx *ctx, const double *x, rom_int L) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l)
    s += x[l] * x[l];
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  return sqrt(t);
}

static double diff2(rom_ctx *ctx, const double *x, const double *y, rom_int L) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l)
    s += (x[l] - y[l]) * (x[l] - y[l]);
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  return sqrt(t);
}

static void sample_mu(uint64_t stream, int index, int Q, double *mu) {
  test_p3_sample_mu(7, stream, index, Q, mu);
}

/* ---- the operator against the analytic solution ------------------------------------------ */

static double analytic_error(rom_ctx *ctx, rom_int n, int uneven) {
  fom f;
  fom_make(ctx, n, 2, 2, uneven, &f);
  double mu[4] = {1, 1, 1, 1}, h = 1.0 / (double)(n + 1);
  double *u = vec(f.L), *y = vec(f.L), emax = 0.0, e = 0.0;
  for (rom_int l = 0; l < f.L; ++l) {
    rom_int g = f.off + l;
    u[l] = sin(pi * h * (double)(g % n + 1)) * sin(pi * h * (double)(g / n + 1));
  }
  apply_A(&f, mu, u, y);
  for (rom_int l = 0; l < f.L; ++l)
    emax = fmax(emax, fabs(y[l] - 2.0 * pi * pi * u[l]));
  MPI_Allreduce(&emax, &e, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  free(u);
  free(y);
  rom_heat2d_destroy(&f.h);
  return e;
}

static void test_operator_analytic(rom_ctx *ctx) {
  double e16 = analytic_error(ctx, 16, 0), e32 = analytic_error(ctx, 32, 1),
         e64 = analytic_error(ctx, 64, 0);
  /* Leading truncation error (h^2/12) * 2 pi^4 sin sin: at most h^2 pi^4 / 6. */
  for (int i = 0; i < 3; ++i) {
    rom_int n = 16 << i;
    double e = i == 0 ? e16 : i == 1 ? e32 : e64, h = 1.0 / (double)(n + 1);
    double predicted = h * h * pi * pi * pi * pi / 6.0;
    CHECK(e > 0.9 * predicted && e < 1.01 * predicted,
          "n = %lld: truncation error %.3e vs predicted %.3e", (long long)n, e, predicted);
  }
  CHECK(e16 / e32 > 3.6 && e16 / e32 < 4.4, "error ratio 16 -> 32: %g", e16 / e32);
  CHECK(e32 / e64 > 3.8 && e32 / e64 < 4.2, "error ratio 32 -> 64: %g", e32 / e64);
}

/* ---- each A_q against an independent stencil --------------------------------------------- */

/* Subdomain of a point, from floating-point coordinates: the first block whose upper
 * edge is >= the coordinate (a point on an edge goes to the lower block). */
static int test_block(double x, int b) {
  for (int c = 0; c < b; ++c)
    if (x <= (double)(c + 1) / (double)b + 1e-12) return c;
  return b - 1;
}

static void test_terms_stencil(rom_ctx *ctx, rom_int n, int bx, int by, int uneven) {
  fom f;
  fom_make(ctx, n, bx, by, uneven, &f);
  double h = 1.0 / (double)(n + 1), worst = 0.0, all = 0.0;
  double *x = vec(f.L), *y = vec(f.L);
  for (rom_int l = 0; l < f.L; ++l)
    x[l] = rom_rng_normal(3, 1, (uint64_t)(f.off + l));
  for (int q = 0; q < f.Q; ++q) {
    CHECK_OK(ctx, rom_model_apply_operator_term(f.model, q, x, y));
    for (rom_int l = 0; l < f.L; ++l) {
      rom_int g = f.off + l, i = g % n, j = g / n;
      double xc = (double)(i + 1) * h, yc = (double)(j + 1) * h, acc = 0.0;
      /* Neighbour values from the same counter-based generator: no communication. */
      double xw = i > 0 ? rom_rng_normal(3, 1, (uint64_t)(g - 1)) : 0.0;
      double xe = i < n - 1 ? rom_rng_normal(3, 1, (uint64_t)(g + 1)) : 0.0;
      double xs = j > 0 ? rom_rng_normal(3, 1, (uint64_t)(g - n)) : 0.0;
      double xn = j < n - 1 ? rom_rng_normal(3, 1, (uint64_t)(g + n)) : 0.0;
      const double mids[4][2] = {
          {xc - h / 2, yc}, {xc + h / 2, yc}, {xc, yc - h / 2}, {xc, yc + h / 2}};
      const double nb[4] = {xw, xe, xs, xn};
      for (int e = 0; e < 4; ++e) {
        int block = test_block(mids[e][0], bx) + bx * test_block(mids[e][1], by);
        if (block == q) acc += x[l] - nb[e];
      }
      acc /= h * h;
      worst = fmax(worst, fabs(acc - y[l]) / (fabs(acc) + 1.0 / (h * h)));
    }
  }
  MPI_Allreduce(&worst, &all, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  CHECK(all < 1e-13, "n = %lld, %d x %d blocks: A_q differs from the stencil by %.3e", (long long)n,
        bx, by, all);
  free(x);
  free(y);
  rom_heat2d_destroy(&f.h);
}

/* ---- FOM solves ---------------------------------------------------------------------------- */

static void test_fom_solves(rom_ctx *ctx, int uneven) {
  fom f;
  fom_make(ctx, 20, 2, 2, uneven, &f);
  double mu[4] = {0.13, 7.1, 2.2, 0.5};
  double *u = vec(f.L), *r = vec(f.L), *one = vec(f.L);
  for (rom_int l = 0; l < f.L; ++l)
    one[l] = 1.0;
  CHECK_OK(ctx, rom_heat2d_solve(f.h, mu, u));
  apply_A(&f, mu, u, r);
  double res = diff2(ctx, r, one, f.L) / norm2(ctx, one, f.L);
  CHECK(res < 1e-11, "steady residual ||A u - f|| / ||f|| = %.3e", res);
  CHECK(norm2(ctx, u, f.L) > 1e-3, "nontrivial solution");

  /* Transient: each step satisfies (I + dt A) u^{s+1} = u^s + dt f. */
  const rom_int steps = 5;
  const double dt = 0.01;
  double *traj = vec(f.L * (steps + 1)), worst = 0.0;
  CHECK_OK(ctx, rom_heat2d_transient(f.h, mu, dt, steps, traj));
  CHECK(norm2(ctx, traj, f.L) == 0.0, "initial state is zero");
  for (rom_int s = 0; s < steps; ++s) {
    const double *a = traj + s * f.L, *b = traj + (s + 1) * f.L;
    apply_A(&f, mu, b, r);
    for (rom_int l = 0; l < f.L; ++l)
      r[l] = b[l] + dt * r[l] - a[l] - dt;
    worst = fmax(worst, norm2(ctx, r, f.L) / (dt * norm2(ctx, one, f.L)));
  }
  CHECK(worst < 1e-11, "transient step residual %.3e", worst);

  /* Validation: sentences naming the offending value. */
  double bad[4] = {1, 1, -2, 1};
  CHECK_ERR(ctx, rom_heat2d_solve(f.h, bad, u), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "mu_2 = -2") != NULL, "message: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_heat2d_transient(f.h, mu, -1.0, 3, traj), ROM_ERR_ARG);
  free(u);
  free(r);
  free(one);
  free(traj);
  rom_heat2d_destroy(&f.h);
}

/* The model's linear solver (rom_model_affine_solve): against the residual of the term
 * callbacks for a random right-hand side, steady and shifted (I + dt A), the cached
 * factorisation reused and replaced, and its errors on every rank. */
static void test_model_solve(rom_ctx *ctx, int uneven) {
  fom f;
  fom_make(ctx, 14, 2, 2, uneven, &f);
  double mu[4] = {0.4, 3.0, 1.7, 0.9}, mu2[4] = {2.0, 0.2, 5.0, 1.1};
  double *b = vec(f.L), *x = vec(f.L), *r = vec(f.L), *u = vec(f.L);
  for (rom_int l = 0; l < f.L; ++l)
    b[l] = sin(0.37 * (double)(f.off + l)) + 0.5;
  CHECK(rom_model_has_affine_solve(f.model) == 1, "P3 has a solver");
  /* mu, mu (cached), mu2 (second slot), mu (still cached), then mu3, mu4, mu5 evict the
   * least recently used factors, and mu2, mu come back refactorised: every answer must be
   * the right matrix's. */
  double mu3[4] = {1.0, 1.0, 1.0, 1.0}, mu4[4] = {0.3, 0.3, 7.0, 2.0},
         mu5[4] = {9.0, 1.0, 0.2, 3.0};
  const double *seq[] = {mu, mu, mu2, mu, mu3, mu4, mu5, mu2, mu, mu5, mu4};
  for (int pass = 0; pass < (int)(sizeof seq / sizeof seq[0]); ++pass) {
    const double *m = seq[pass];
    CHECK_OK(ctx, rom_model_affine_solve(f.model, m, 0.0, 1.0, pass == 1, b, x));
    apply_A(&f, m, x, r);
    double res = diff2(ctx, r, b, f.L) / norm2(ctx, b, f.L);
    CHECK(res < 1e-11, "pass %d: ||A x - b|| / ||b|| = %.3e", pass, res);
  }
  const double dt = 0.05;
  CHECK_OK(ctx, rom_model_affine_solve(f.model, mu, 1.0, dt, 0, b, x));
  apply_A(&f, mu, x, r);
  for (rom_int l = 0; l < f.L; ++l)
    r[l] = x[l] + dt * r[l];
  double res = diff2(ctx, r, b, f.L) / norm2(ctx, b, f.L);
  CHECK(res < 1e-11, "||(I + dt A) x - b|| / ||b|| = %.3e", res);
  /* b = f = 1 gives the FOM's own steady solve. */
  for (rom_int l = 0; l < f.L; ++l)
    b[l] = 1.0;
  CHECK_OK(ctx, rom_model_affine_solve(f.model, mu, 0.0, 1.0, 0, b, x));
  CHECK_OK(ctx, rom_heat2d_solve(f.h, mu, u));
  double d = diff2(ctx, x, u, f.L) / norm2(ctx, u, f.L);
  CHECK(d < 1e-13, "solver vs rom_heat2d_solve: %.3e", d);
  /* A matrix that is not positive definite fails on every rank (no hang). */
  double neg[4] = {-1.0, -1.0, -1.0, -1.0}, inf[4] = {1.0, INFINITY, 1.0, 1.0};
  CHECK_ERR(ctx, rom_model_affine_solve(f.model, neg, 0.0, 1.0, 0, b, x), ROM_ERR_CALLBACK);
  CHECK_ERR(ctx, rom_model_affine_solve(f.model, inf, 0.0, 1.0, 0, b, x), ROM_ERR_NOT_FINITE);
  CHECK_ERR(ctx, rom_model_affine_solve(f.model, NULL, 0.0, 1.0, 0, b, x), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_model_affine_solve(f.model, mu, 0.0, 1.0, 0, b, b), ROM_ERR_ARG);
  /* After a failure the solver still works (the cache was dropped, not left half-made). */
  CHECK_OK(ctx, rom_model_affine_solve(f.model, mu, 0.0, 1.0, 0, b, x));
  d = diff2(ctx, x, u, f.L) / norm2(ctx, u, f.L);
  CHECK(d < 1e-13, "solver after a failure: %.3e", d);
  rom_model_set_affine_solve(f.model, NULL);
  CHECK(rom_model_has_affine_solve(f.model) == 0, "solver removed");
  CHECK_ERR(ctx, rom_model_affine_solve(f.model, mu, 0.0, 1.0, 0, b, x), ROM_ERR_STATE);
  free(b);
  free(x);
  free(r);
  free(u);
  rom_heat2d_destroy(&f.h);
}

static void test_options(rom_ctx *ctx) {
  rom_heat2d *h = NULL;
  rom_heat2d_options o = rom_heat2d_options_default();
  CHECK(o.n == 64 && o.blocks_x == 2 && o.blocks_y == 2, "defaults");
  o.n = 1;
  CHECK_ERR(ctx, rom_heat2d_create(ctx, &o, ROM_AUTO_ROWS, &h), ROM_ERR_ARG);
  o.n = 4;
  o.blocks_x = 5;
  CHECK_ERR(ctx, rom_heat2d_create(ctx, &o, ROM_AUTO_ROWS, &h), ROM_ERR_ARG);
  o.blocks_x = 0;
  CHECK_ERR(ctx, rom_heat2d_create(ctx, &o, ROM_AUTO_ROWS, &h), ROM_ERR_ARG);
  o.blocks_x = 2;
  CHECK_ERR(ctx, rom_heat2d_create(ctx, &o, rom_ctx_rank(ctx) == 0 ? 17 : 0, &h), ROM_ERR_DIM);
  CHECK(h == NULL, "no object on failure");
}

/* ---- bases --------------------------------------------------------------------------------- */

/* A random N x k orthonormal basis (Householder QR of a Gaussian matrix computed
 * redundantly on every rank from counter-based numbers: the same on any rank count),
 * optionally with a random reference vector. */
static rom_basis *random_basis(fom *f, rom_int k, int with_reference) {
  rom_int N = f->N;
  double *G = malloc(sizeof(double) * (size_t)(N * k)), *tau = malloc(sizeof(double) * (size_t)k);
  for (rom_int i = 0; i < N * k; ++i)
    G[i] = rom_rng_normal(11, 2, (uint64_t)i);
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)k, G, (lapack_int)N, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)k, (lapack_int)k, G, (lapack_int)N,
                 tau);
  rom_dmat *V = NULL;
  CHECK_OK(f->ctx, rom_dmat_create(f->ctx, f->L, k, &V));
  for (rom_int j = 0; j < k; ++j)
    for (rom_int l = 0; l < f->L; ++l)
      rom_dmat_data(V)[l + j * f->L] = G[f->off + l + j * N];
  double *ref = vec(f->L);
  for (rom_int l = 0; l < f->L; ++l)
    ref[l] = 0.01 * rom_rng_normal(11, 3, (uint64_t)(f->off + l));
  rom_basis *b = NULL;
  CHECK_OK(f->ctx, rom_basis_create(V, NULL, 0, with_reference ? ref : NULL, &b));
  rom_dmat_destroy(&V);
  free(ref);
  free(G);
  free(tau);
  return b;
}

/* u = ref + Phi q on this rank's rows, computed here (not with rom_basis_lift). */
static void lift(const rom_basis *b, const double *q, double *u) {
  const rom_dmat *V = rom_basis_vectors(b);
  rom_int L = rom_basis_local_rows(b), k = rom_basis_dim(b);
  const double *ref = rom_basis_reference(b);
  for (rom_int l = 0; l < L; ++l) {
    double s = ref ? ref[l] : 0.0;
    for (rom_int j = 0; j < k; ++j)
      s += rom_dmat_data_const(V)[l + j * rom_dmat_ld(V)] * q[j];
    u[l] = s;
  }
}

/* ROM solve at mu, lifted; returns ||u_FOM - u_ROM|| / ||u_FOM||. */
static double rom_error(fom *f, rom_affine_rom *rom, const rom_basis *b, const double *mu) {
  double *u = vec(f->L), *ur = vec(f->L), *q = vec(rom_affine_rom_dim(rom)), phi = 1.0;
  CHECK_OK(f->ctx, rom_heat2d_solve(f->h, mu, u));
  CHECK_OK(f->ctx, rom_affine_rom_solve(rom, mu, &phi, q));
  lift(b, q, ur);
  double e = diff2(f->ctx, u, ur, f->L) / norm2(f->ctx, u, f->L);
  free(u);
  free(ur);
  free(q);
  return e;
}

/* ---- ROM with the full basis reproduces the FOM --------------------------------------------- */

static void test_full_basis(rom_ctx *ctx, int uneven) {
  fom f;
  fom_make(ctx, 12, 2, 2, uneven, &f);
  for (int with_ref = 0; with_ref < 2; ++with_ref) {
    rom_basis *b = random_basis(&f, f.N, with_ref);
    rom_affine_rom *rom = NULL;
    CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
    if (!rom) {
      rom_basis_destroy(&b);
      continue;
    }
    CHECK(rom_affine_rom_dim(rom) == f.N && rom_affine_rom_operator_terms(rom) == 4 &&
              rom_affine_rom_rhs_terms(rom) == 1,
          "ROM dims");
    for (int t = 0; t < 3; ++t) {
      double mu[4];
      sample_mu(99, t, 4, mu);
      double e = rom_error(&f, rom, b, mu);
      CHECK(e < 1e-10, "full basis (reference %d): ROM vs FOM %.3e", with_ref, e);
    }
    /* Transient: implicit Euler of the ROM from the projected zero state equals the FOM. */
    {
      const rom_int steps = 8, k = f.N;
      const double dt = 0.01, phi = 1.0;
      double mu[4] = {0.3, 3.0, 1.0, 8.0};
      double *tf = vec(f.L * (steps + 1)), *tr = vec(k * (steps + 1)), *q0 = vec(k), *ur = vec(f.L),
             *neg = vec(f.L), num = 0.0, den = 0.0;
      /* q0 = Phi^T (0 - ref): the ROM's initial state for u(0) = 0. */
      const double *ref = rom_basis_reference(b);
      for (rom_int l = 0; l < f.L; ++l)
        neg[l] = ref ? -ref[l] : 0.0;
      CHECK_OK(ctx, rom_dmat_transpose_times_vector(rom_basis_vectors(b), neg, q0));
      CHECK_OK(ctx, rom_heat2d_transient(f.h, mu, dt, steps, tf));
      CHECK_OK(ctx, rom_affine_rom_transient(rom, mu, &phi, dt, steps, q0, tr));
      for (rom_int s = 0; s <= steps; ++s) {
        lift(b, tr + s * k, ur);
        double e = diff2(ctx, tf + s * f.L, ur, f.L), n = norm2(ctx, tf + s * f.L, f.L);
        num += e * e;
        den += n * n;
      }
      CHECK(sqrt(num / den) < 1e-10, "full basis transient: space-time error %.3e",
            sqrt(num / den));
      free(tf);
      free(tr);
      free(q0);
      free(ur);
      free(neg);
    }
    /* Singular assembled matrix (theta = 0) and argument errors. */
    {
      double zero[4] = {0, 0, 0, 0}, phi = 1.0, *q = vec(f.N);
      CHECK_ERR(ctx, rom_affine_rom_solve(rom, zero, &phi, q), ROM_ERR_SINGULAR);
      CHECK_ERR(ctx, rom_affine_rom_solve(rom, NULL, &phi, q), ROM_ERR_ARG);
      double nan_theta[4] = {1, NAN, 1, 1};
      CHECK_ERR(ctx, rom_affine_rom_solve(rom, nan_theta, &phi, q), ROM_ERR_NOT_FINITE);
      CHECK(strstr(rom_ctx_last_error(ctx), "theta[1]") != NULL, "message: %s",
            rom_ctx_last_error(ctx));
      CHECK_ERR(ctx, rom_affine_rom_transient(rom, zero, &phi, 0.0, 3, NULL, q), ROM_ERR_ARG);
      free(q);
    }
    rom_affine_rom_destroy(&rom);
    rom_basis_destroy(&b);
  }
  rom_heat2d_destroy(&f.h);
}

/* ---- POD ROM: error falls with k ---------------------------------------------------------- */

static rom_basis *pod_basis(fom *f, int m, rom_int rank) {
  return test_p3_pod_basis(f, 7, 5, m, rank);
}

/* The first k vectors of b as a new basis. */
static rom_basis *leading(fom *f, const rom_basis *b, rom_int k) {
  return test_p3_leading(f, b, k);
}

static void test_pod_convergence(rom_ctx *ctx, int uneven) {
  fom f;
  fom_make(ctx, 24, 2, 2, uneven, &f);
  const int m = 40;
  rom_basis *pod = pod_basis(&f, m, m);
  if (!pod) {
    rom_heat2d_destroy(&f.h);
    return;
  }
  const rom_int ks[4] = {2, 5, 10, 20};
  double prev = INFINITY;
  for (int i = 0; i < 4; ++i) {
    rom_basis *b = leading(&f, pod, ks[i]);
    rom_affine_rom *rom = NULL;
    CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
    double emax = 0.0;
    for (int t = 0; t < 5; ++t) {
      double mu[4];
      sample_mu(77, t, 4, mu); /* a stream never used for training */
      emax = fmax(emax, rom_error(&f, rom, b, mu));
    }
    if (rom_ctx_rank(ctx) == 0 && getenv("ROMKIT_TEST_VERBOSE"))
      printf("  k = %2lld: max relative error %.3e\n", (long long)ks[i], emax);
    CHECK(emax < prev, "k = %lld: error %.3e does not fall (previous %.3e)", (long long)ks[i], emax,
          prev);
    if (ks[i] == 20) CHECK(emax < 2e-3, "k = 20: error %.3e", emax);
    prev = emax;
    rom_affine_rom_destroy(&rom);
    rom_basis_destroy(&b);
  }
  /* Every mode above 1e-12 of the leading singular value: ROM at ~FOM accuracy. */
  {
    rom_int r = 0, k = 0;
    const double *s = rom_basis_singular_values(pod, &r);
    CHECK(s != NULL && r >= 20, "singular values stored (r = %lld)", (long long)r);
    while (s && k < r && k < m && s[k] > 1e-12 * s[0])
      ++k;
    rom_basis *b = leading(&f, pod, k);
    rom_affine_rom *rom = NULL;
    CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
    double emax = 0.0;
    for (int t = 0; t < 5; ++t) {
      double mu[4];
      sample_mu(77, t, 4, mu);
      emax = fmax(emax, rom_error(&f, rom, b, mu));
    }
    CHECK(emax < 1e-6, "all %lld modes above 1e-12: error %.3e", (long long)k, emax);
    rom_affine_rom_destroy(&rom);
    rom_basis_destroy(&b);
  }
  rom_basis_destroy(&pod);
  rom_heat2d_destroy(&f.h);
}

/* ---- the same numbers on every rank count --------------------------------------------------- */

static void test_rank_independence(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 12, 2, 2, 1, &f);
  rom_basis *b = random_basis(&f, 30, 1);
  rom_affine_rom *rom = NULL;
  double mu[4] = {0.2, 5.0, 1.5, 0.7}, phi = 1.0, q[30], qs[30];
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q));
  /* Every rank holds the same reduced model bit for bit, hence the same q. */
  double q0[30];
  memcpy(q0, q, sizeof q);
  MPI_Bcast(q0, 30, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  CHECK(memcmp(q0, q, sizeof q) == 0, "q is bitwise the same on every rank");
  /* Rank 0 recomputes everything serially on MPI_COMM_SELF. */
  double diff = 0.0;
  if (rom_ctx_rank(ctx) == 0) {
    rom_ctx *self = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    fom g;
    fom_make(self, 12, 2, 2, 0, &g);
    rom_basis *bs = random_basis(&g, 30, 1);
    rom_affine_rom *rs = NULL;
    CHECK_OK(self, rom_affine_rom_build(g.model, bs, &rs));
    CHECK_OK(self, rom_affine_rom_solve(rs, mu, &phi, qs));
    double nq = 0.0;
    for (int i = 0; i < 30; ++i) {
      diff = fmax(diff, fabs(q[i] - qs[i]));
      nq = fmax(nq, fabs(qs[i]));
    }
    diff /= nq;
    rom_affine_rom_destroy(&rs);
    rom_basis_destroy(&bs);
    rom_heat2d_destroy(&g.h);
    rom_ctx_destroy(&self);
  }
  MPI_Bcast(&diff, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  CHECK(diff < 1e-12, "distributed vs serial reduced solution: %.3e", diff);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- errors ---------------------------------------------------------------------------------- */

typedef struct {
  rom_model *inner;
  int fail_rank, fail_q;
  int rank;
} failing_host;

static int failing_apply(void *user, int q, const double *x, double *y) {
  failing_host *fh = user;
  if (rom_model_apply_operator_term(fh->inner, q, x, y) != ROM_OK) return 2;
  return (fh->rank == fh->fail_rank && q == fh->fail_q) ? 7 : 0;
}

static int dummy_apply(void *user, int q, const double *x, double *y) {
  (void)user;
  (void)q;
  (void)x;
  (void)y;
  return 0;
}

static void test_errors(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 8, 2, 2, 1, &f);
  rom_basis *b = random_basis(&f, 6, 0);
  rom_affine_rom *rom = NULL;
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);

  /* Model and basis on different partitions. */
  {
    rom_model *m = NULL;
    CHECK_OK(ctx, rom_model_create(ctx, f.L + (rank == 0 ? 1 : 0), 4, NULL, &m));
    CHECK_OK(ctx, rom_model_set_affine_operator(m, 4, dummy_apply, NULL));
    CHECK_ERR(ctx, rom_affine_rom_build(m, b, &rom), ROM_ERR_DIM);
    CHECK(rom == NULL, "no ROM on failure");
    if (rank == 0)
      CHECK(strstr(rom_ctx_last_error(ctx), "local rows") != NULL, "message: %s",
            rom_ctx_last_error(ctx));
    rom_model_destroy(&m);
  }
  /* A model without an operator. */
  {
    rom_model *m = NULL;
    double x = 0, y = 0;
    CHECK_OK(ctx, rom_model_create(ctx, f.L, 4, NULL, &m));
    CHECK_ERR(ctx, rom_affine_rom_build(m, b, &rom), ROM_ERR_STATE);
    CHECK(strstr(rom_ctx_last_error(ctx), "rom_model_set_affine_operator") != NULL, "message: %s",
          rom_ctx_last_error(ctx));
    CHECK_ERR(ctx, rom_model_apply_operator_term(m, 0, &x, &y), ROM_ERR_STATE);
    CHECK_ERR(ctx, rom_model_set_affine_operator(m, 0, dummy_apply, NULL), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_model_set_affine_operator(m, 2, NULL, NULL), ROM_ERR_ARG);
    CHECK_OK(ctx, rom_model_set_affine_operator(m, 2, dummy_apply, NULL));
    CHECK_ERR(ctx, rom_model_operator_coefficients(m, &x, &y), ROM_ERR_STATE);
    CHECK_ERR(ctx, rom_model_rhs_term(m, 0, &y), ROM_ERR_STATE);
    rom_model_destroy(&m);
    CHECK(m == NULL, "destroy sets NULL");
    CHECK_OK(ctx, rom_model_destroy(&m));
  }
  /* q out of range names q and the term count. */
  {
    double *x = vec(f.L), *y = vec(f.L);
    CHECK_ERR(ctx, rom_model_apply_operator_term(f.model, 4, x, y), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "q = 4") &&
              strstr(rom_ctx_last_error(ctx), "4 operator terms"),
          "message: %s", rom_ctx_last_error(ctx));
    CHECK_ERR(ctx, rom_model_rhs_term(f.model, -1, y), ROM_ERR_ARG);
    free(x);
    free(y);
  }
  /* A host callback failing on one rank only: ROM_ERR_CALLBACK everywhere. */
  {
    failing_host fh = {f.model, size - 1, 1, rank};
    rom_model *m = NULL;
    CHECK_OK(ctx, rom_model_create(ctx, f.L, 4, &fh, &m));
    CHECK_OK(ctx, rom_model_set_affine_operator(m, 4, failing_apply, NULL));
    CHECK_ERR(ctx, rom_affine_rom_build(m, b, &rom), ROM_ERR_CALLBACK);
    CHECK(strstr(rom_ctx_last_error(ctx), "q = 1") != NULL, "message: %s", rom_ctx_last_error(ctx));
    rom_model_destroy(&m);
  }
  /* Coefficients: theta(mu) = mu, with mu <= 0 refused by the host. */
  {
    double mu[4] = {1, 2, 3, 4}, theta[4], phi[1], bad[4] = {1, 0, 1, 1};
    CHECK_OK(ctx, rom_model_operator_coefficients(f.model, mu, theta));
    CHECK(theta[0] == 1 && theta[3] == 4, "theta = mu");
    CHECK_OK(ctx, rom_model_rhs_coefficients(f.model, mu, phi));
    CHECK(phi[0] == 1.0, "phi = 1");
    CHECK_ERR(ctx, rom_model_operator_coefficients(f.model, bad, theta), ROM_ERR_CALLBACK);
  }
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

/* ---- the ROM file ------------------------------------------------------------------------- */

static void test_file(rom_ctx *ctx) {
  fom f;
  fom_make(ctx, 10, 2, 2, 1, &f);
  rom_basis *b = random_basis(&f, 12, 1);
  rom_affine_rom *rom = NULL, *back = NULL;
  char path[512], basis_path[512];
  test_path(ctx, "heat_rom_affine", path, sizeof path);
  test_path(ctx, "heat_rom_basis", basis_path, sizeof basis_path);
  CHECK_OK(ctx, rom_affine_rom_build(f.model, b, &rom));
  if (!rom) goto done;
  CHECK_OK(ctx, rom_affine_rom_write(rom, path, 1));
  CHECK_ERR(ctx, rom_affine_rom_write(rom, path, 0), ROM_ERR_EXISTS);
  CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
  if (back) {
    double mu[4] = {0.4, 2.0, 9.0, 0.11}, phi = 1.0, q1[12], q2[12], t1[12 * 4], t2[12 * 4];
    CHECK(rom_affine_rom_dim(back) == 12 && rom_affine_rom_operator_terms(back) == 4 &&
              rom_affine_rom_rhs_terms(back) == 1,
          "dims after read");
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mu, &phi, q1));
    size_t before = rom_ctx_bytes_in_use(ctx);
    CHECK_OK(ctx, rom_affine_rom_solve(back, mu, &phi, q2));
    CHECK_OK(ctx, rom_affine_rom_solve(back, mu, &phi, q2));
    CHECK(rom_ctx_bytes_in_use(ctx) == before, "solve allocates nothing");
    CHECK(memcmp(q1, q2, sizeof q1) == 0, "steady solve bitwise equal after the round trip");
    CHECK_OK(ctx, rom_affine_rom_transient(rom, mu, &phi, 0.05, 3, NULL, t1));
    CHECK_OK(ctx, rom_affine_rom_transient(back, mu, &phi, 0.05, 3, NULL, t2));
    CHECK(memcmp(t1, t2, sizeof t1) == 0, "transient bitwise equal after the round trip");
  }
  /* A basis file is not an affine ROM. */
  CHECK_OK(ctx, rom_basis_write(b, basis_path, 1));
  {
    rom_affine_rom *wrong = NULL;
    CHECK_ERR(ctx, rom_affine_rom_read(ctx, basis_path, &wrong), ROM_ERR_FORMAT);
    CHECK(wrong == NULL, "no object on failure");
    CHECK_ERR(ctx, rom_affine_rom_read(ctx, "/nonexistent/dir/rom.h5", &wrong), ROM_ERR_IO);
  }
done:
  rom_affine_rom_destroy(&rom);
  rom_affine_rom_destroy(&back);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&f.h);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_options(ctx);
  test_operator_analytic(ctx);
  test_terms_stencil(ctx, 12, 3, 2, 1);
  test_terms_stencil(ctx, 11, 2, 3, 0);
  test_terms_stencil(ctx, 9, 4, 4, 1);
  test_fom_solves(ctx, 0);
  test_fom_solves(ctx, 1);
  test_model_solve(ctx, 0);
  test_model_solve(ctx, 1);
  test_errors(ctx);
  test_full_basis(ctx, 0);
  test_full_basis(ctx, 1);
  test_rank_independence(ctx);
  test_pod_convergence(ctx, 1);
  test_file(ctx);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "romkit still holds %zu bytes (leak)",
        rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
