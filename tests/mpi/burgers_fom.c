/* The Burgers reference FOMs (P1, P2 of docs/problems.md; Kim, Choi, Widemann, Zohdi,
 * J. Comput. Phys. 451 (2022), sec. 5) and the FOM integrator, at 1, 2 and 4 ranks with an
 * uneven partition (the last rank empty at 4 ranks).
 *
 * Checked against independent computations:
 *  - the Jacobian action and the assembled CSR Jacobian against central differences of
 *    the velocity (F is quadratic in u, so the central difference is exact up to rounding:
 *    relative 1e-6 leaves room only for rounding), P1 and P2;
 *  - the sampled velocity / Jacobian at random rows, from the sample mesh alone, equal
 *    the full ones at those rows exactly (same arithmetic);
 *  - the stencils against the test's own lists (P1: {i-1 mod N, i}; P2: the 5-point
 *    neighbours of the same component plus the other component at the node);
 *  - P1 physics: the upwind scheme's maximum principle keeps u in [1, 1 + a]; a Riemann
 *    problem's shock moves at about the Rankine-Hugoniot speed (u_L + u_R)/2;
 *  - the full P1 run at a = 1 (500 steps) equals a serial run on MPI_COMM_SELF to 1e-12
 *    on every rank count, with Newton converging in <= 10 iterations at every step;
 *  - P2 on a 20 x 20 grid: the same parallel-vs-serial check, v equal to u mirrored
 *    across the diagonal, and the three direct solvers agreeing;
 *  - the error-metric helper against a hand computation;
 *  - errors: a Newton that cannot converge -> ROM_ERR_NOT_CONVERGED everywhere with the
 *    step and residual in the sentence; a velocity callback failing on one rank ->
 *    ROM_ERR_CALLBACK everywhere. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

typedef struct {
  rom_ctx *ctx;
  rom_int N, L, off;
  int *counts, *displs;
} layout;

static void layout_init(layout *y, rom_ctx *ctx, rom_int N, rom_int L) {
  int size = rom_ctx_size(ctx), mine = (int)L;
  y->ctx = ctx;
  y->N = N;
  y->L = L;
  y->off = 0;
  MPI_Exscan(&L, &y->off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) y->off = 0;
  y->counts = malloc(sizeof(int) * (size_t)size);
  y->displs = malloc(sizeof(int) * (size_t)size);
  MPI_Allgather(&mine, 1, MPI_INT, y->counts, 1, MPI_INT, rom_ctx_comm(ctx));
  y->displs[0] = 0;
  for (int r = 1; r < size; ++r)
    y->displs[r] = y->displs[r - 1] + y->counts[r - 1];
}

static void layout_free(layout *y) {
  free(y->counts);
  free(y->displs);
}

static void gather_all(const layout *y, const double *local, double *full) {
  MPI_Allgatherv(local, (int)y->L, MPI_DOUBLE, full, y->counts, y->displs, MPI_DOUBLE,
                 rom_ctx_comm(y->ctx));
}

/* Global 2-norm of a distributed vector. */
static double norm2(const layout *y, const double *v) {
  double s = 0.0, g = 0.0;
  for (rom_int l = 0; l < y->L; ++l)
    s += v[l] * v[l];
  MPI_Allreduce(&s, &g, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(y->ctx));
  return sqrt(g);
}

/* Jacobian action, CSR Jacobian and sampled calls of model `m` at state u (local rows). */
static void check_derivatives(rom_model *m, const layout *y, const double *u, const double *mu,
                              const char *name) {
  rom_ctx *ctx = y->ctx;
  const rom_int L = y->L, N = y->N, nc = 3, ld = L + 2;
  double *X = calloc((size_t)(ld * nc), sizeof(double)),
         *Y = calloc((size_t)(ld * nc), sizeof(double));
  double *Fp = calloc((size_t)L + 1, sizeof(double)), *Fm = calloc((size_t)L + 1, sizeof(double));
  double *up = calloc((size_t)L + 1, sizeof(double)), *D = calloc((size_t)L + 1, sizeof(double));
  double *Xfull = calloc((size_t)N, sizeof(double)), *ufull = calloc((size_t)N, sizeof(double));
  double *F = calloc((size_t)L + 1, sizeof(double)), *Ffull = calloc((size_t)N, sizeof(double));
  double *JXfull = calloc((size_t)(N * nc), sizeof(double));
  for (rom_int c = 0; c < nc; ++c)
    for (rom_int l = 0; l < L; ++l)
      X[l + c * ld] = rom_rng_normal(7, (uint64_t)c, (uint64_t)(y->off + l));
  CHECK_OK(ctx, rom_model_velocity_jacobian(m, u, 0.0, mu, nc, X, ld, Y, ld));
  CHECK_OK(ctx, rom_model_velocity(m, u, 0.0, mu, F));
  gather_all(y, u, ufull);
  gather_all(y, F, Ffull);
  for (rom_int c = 0; c < nc; ++c) {
    /* central difference: exact for a quadratic F up to rounding */
    const double eps = 1e-4;
    for (rom_int l = 0; l < L; ++l)
      up[l] = u[l] + eps * X[l + c * ld];
    CHECK_OK(ctx, rom_model_velocity(m, up, 0.0, mu, Fp));
    for (rom_int l = 0; l < L; ++l)
      up[l] = u[l] - eps * X[l + c * ld];
    CHECK_OK(ctx, rom_model_velocity(m, up, 0.0, mu, Fm));
    for (rom_int l = 0; l < L; ++l)
      D[l] = (Fp[l] - Fm[l]) / (2.0 * eps) - Y[l + c * ld];
    double rel = norm2(y, D), ref = norm2(y, Y + c * ld);
    CHECK(rel <= 1e-6 * ref,
          "%s: Jacobian action vs central difference, column %lld: "
          "||diff|| = %g, ||JX|| = %g",
          name, (long long)c, rel, ref);
    /* the assembled CSR Jacobian times X */
    rom_csr J;
    CHECK_OK(ctx, rom_model_velocity_jacobian_csr(m, u, 0.0, mu, &J));
    gather_all(y, X + c * ld, Xfull);
    for (rom_int l = 0; l < L; ++l) {
      double s = 0.0;
      for (rom_int k = J.row_ptr[l]; k < J.row_ptr[l + 1]; ++k)
        s += J.values[k] * Xfull[J.col_index[k]];
      D[l] = s - Y[l + c * ld];
    }
    rel = norm2(y, D);
    CHECK(rel <= 1e-12 * ref,
          "%s: CSR Jacobian times X vs the action, column %lld: "
          "||diff|| = %g",
          name, (long long)c, rel);
    gather_all(y, Y + c * ld, JXfull + c * N);
  }
  /* sampled rows: random, the same on every rank; each rank evaluates all of them */
  {
    enum { NS = 7 };
    rom_int rows[NS], needed[NS * 8], nneeded = 0;
    for (int k = 0; k < NS; ++k)
      rows[k] = (rom_int)(rom_rng_uniform(11, 0, (uint64_t)k) * (double)N) % N;
    rows[0] = 0;     /* the periodic wrap of P1, the first u row of P2 */
    rows[1] = N - 1; /* the last row */
    for (int k = 0; k < NS; ++k) {
      rom_int cols[8], cnt = 0;
      CHECK_OK(ctx, rom_model_stencil(m, rows[k], 8, cols, &cnt));
      for (rom_int q = 0; q < cnt && q < 8; ++q) {
        rom_int p = 0;
        while (p < nneeded && needed[p] < cols[q])
          ++p;
        if (p < nneeded && needed[p] == cols[q]) continue;
        memmove(needed + p + 1, needed + p, sizeof(rom_int) * (size_t)(nneeded - p));
        needed[p] = cols[q];
        ++nneeded;
      }
    }
    double uneed[NS * 8], Fs[NS], Xn[NS * 8 * 3], Ys[NS * 3];
    for (rom_int p = 0; p < nneeded; ++p) {
      uneed[p] = ufull[needed[p]];
      for (rom_int c = 0; c < nc; ++c) {
        double xv = rom_rng_normal(7, (uint64_t)c, (uint64_t)needed[p]);
        Xn[p + c * nneeded] = xv;
      }
    }
    CHECK_OK(ctx, rom_model_velocity_sampled(m, NS, rows, nneeded, needed, uneed, 0.0, mu, Fs));
    CHECK_OK(ctx, rom_model_velocity_jacobian_sampled(m, NS, rows, nneeded, needed, uneed, 0.0, mu,
                                                      nc, Xn, nneeded, Ys, NS));
    int exact = 1;
    for (int k = 0; k < NS; ++k) {
      if (Fs[k] != Ffull[rows[k]]) exact = 0;
      for (rom_int c = 0; c < nc; ++c)
        if (Ys[k + c * NS] != JXfull[rows[k] + c * N]) exact = 0;
    }
    CHECK(exact, "%s: sampled velocity / Jacobian differ from the full ones at the sampled rows",
          name);
    /* a sample mesh without a stencil row is the host's error */
    if (nneeded > 1)
      CHECK_ERR(
          ctx,
          rom_model_velocity_sampled(m, NS, rows, nneeded - 1, needed + 1, uneed + 1, 0.0, mu, Fs),
          ROM_ERR_CALLBACK);
  }
  free(X), free(Y), free(Fp), free(Fm), free(up), free(D), free(Xfull), free(ufull), free(F);
  free(Ffull), free(JXfull);
}

/* ---- a model wrapping another one, failing on one rank -------------------------------- */

typedef struct {
  rom_model *inner;
  int fail_rank, rank;
} wrapper;

static int wrap_velocity(void *user, const double *u, double t, const double *mu, double *F) {
  wrapper *w = user;
  int rc = rom_model_velocity(w->inner, u, t, mu, F);
  return rc != ROM_OK ? 1 : (w->rank == w->fail_rank ? 7 : 0);
}

static int wrap_csr(void *user, const double *u, double t, const double *mu, rom_csr *J) {
  wrapper *w = user;
  return rom_model_velocity_jacobian_csr(w->inner, u, t, mu, J) != ROM_OK;
}

/* ---- P1 ------------------------------------------------------------------------------- */

static void test_p1(rom_ctx *ctx) {
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_burgers1d *h = NULL;
  const rom_int N = 1000, L = test_uneven_rows(N, rank, size);
  const double a = 1.0, mu[1] = {1.0};
  layout y;
  layout_init(&y, ctx, N, L);
  CHECK_OK(ctx, rom_burgers1d_create(ctx, NULL, L, &h));
  if (!h) return;
  rom_model *m = rom_burgers1d_model(h);
  CHECK(rom_burgers1d_global_rows(h) == N && rom_burgers1d_row_offset(h) == y.off &&
            rom_burgers1d_steps(h) == 500 && fabs(rom_burgers1d_time_step(h) - 1e-3) < 1e-15,
        "P1 sizes: N = %lld, offset %lld, steps %lld, dt %g",
        (long long)rom_burgers1d_global_rows(h), (long long)rom_burgers1d_row_offset(h),
        (long long)rom_burgers1d_steps(h), rom_burgers1d_time_step(h));

  double *u0 = calloc((size_t)L + 1, sizeof(double)), *u = calloc((size_t)L + 1, sizeof(double));
  CHECK_OK(ctx, rom_burgers1d_initial(h, a, u0));
  for (rom_int l = 0; l < L; ++l) {
    double x = 0.002 * (double)(y.off + l), s = sin(PI * x);
    double expect = x <= 1.0 ? 1.0 + a * s * s : 1.0;
    if (fabs(u0[l] - expect) > 1e-14) {
      CHECK(0, "P1 initial condition at x = %g: %g vs %g", x, u0[l], expect);
      break;
    }
  }
  /* derivatives at a perturbed state (so that u_i != u_{i-1} everywhere) */
  for (rom_int l = 0; l < L; ++l)
    u[l] = u0[l] + 0.1 * rom_rng_uniform(3, 0, (uint64_t)(y.off + l));
  check_derivatives(m, &y, u, mu, "P1");

  /* stencils of the owned rows */
  {
    int ok = 1;
    for (rom_int l = 0; l < L && ok; ++l) {
      rom_int i = y.off + l, cols[2] = {-1, -1}, cnt = 0, im = i == 0 ? N - 1 : i - 1;
      CHECK_OK(ctx, rom_model_stencil(m, i, 2, cols, &cnt));
      rom_int lo = im < i ? im : i, hi = im < i ? i : im;
      ok = cnt == 2 && cols[0] == lo && cols[1] == hi;
      if (!ok)
        CHECK(0, "P1 stencil of row %lld: count %lld, {%lld, %lld}", (long long)i, (long long)cnt,
              (long long)cols[0], (long long)cols[1]);
    }
    rom_int cnt = 0;
    CHECK_OK(ctx, rom_model_stencil(m, 5, 0, NULL, &cnt)); /* size query */
    CHECK(cnt == 2, "P1 stencil size query gives %lld", (long long)cnt);
  }

  /* the full run at a = 1 and its serial twin on MPI_COMM_SELF */
  {
    const rom_int steps = 500;
    double *traj = calloc((size_t)((steps + 1) * L) + 1, sizeof(double));
    rom_fom_stats st;
    rom_fom_options o = rom_fom_options_default();
    CHECK(o.max_iterations == 10 && o.tolerance == 1e-8 && o.scheme == ROM_FOM_BACKWARD_EULER,
          "FOM defaults: %d iterations, tolerance %g", o.max_iterations, o.tolerance);
    CHECK_OK(ctx, rom_fom_integrate(m, mu, u0, 0.0, 1e-3, steps, &o, traj, &st));
    CHECK(st.steps == steps && st.max_step_iterations >= 1 && st.max_step_iterations <= 10 &&
              st.max_final_residual < 1e-8,
          "P1 Newton: %lld steps, at most %d iterations per step, final residual %g",
          (long long)st.steps, st.max_step_iterations, st.max_final_residual);
    double lo = 1e300, hi = -1e300;
    for (rom_int k = 0; k < (steps + 1) * L; ++k)
      lo = fmin(lo, traj[k]), hi = fmax(hi, traj[k]);
    double glo = 0, ghi = 0;
    MPI_Allreduce(&lo, &glo, 1, MPI_DOUBLE, MPI_MIN, rom_ctx_comm(ctx));
    MPI_Allreduce(&hi, &ghi, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
    CHECK(glo >= 1.0 - 1e-9 && ghi <= 1.0 + a + 1e-9 && ghi > 1.0 + 0.9 * a,
          "P1 maximum principle: u in [%.15g, %.15g], expected within [1, %g]", glo, ghi, 1.0 + a);

    rom_ctx *self = NULL;
    rom_burgers1d *hs = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    CHECK_OK(self, rom_burgers1d_create(self, NULL, N, &hs));
    double *u0s = calloc((size_t)N, sizeof(double));
    double *trs = calloc((size_t)((steps + 1) * N), sizeof(double));
    CHECK_OK(self, rom_burgers1d_initial(hs, a, u0s));
    CHECK_OK(self, rom_fom_integrate(rom_burgers1d_model(hs), mu, u0s, 0.0, 1e-3, steps, NULL, trs,
                                     NULL));
    double diff = 0.0;
    for (rom_int n = 0; n <= steps; ++n)
      for (rom_int l = 0; l < L; ++l)
        diff = fmax(diff, fabs(traj[n * L + l] - trs[n * N + y.off + l]));
    CHECK(diff <= 1e-12, "P1 parallel vs serial trajectory: max difference %g", diff);

    /* the other direct solvers give the same trajectory (first 50 steps) */
    for (int solver = ROM_FOM_SOLVER_UMFPACK; solver <= ROM_FOM_SOLVER_BANDED; ++solver) {
      if (solver == ROM_FOM_SOLVER_KLU) continue; /* the default */
      rom_fom_options os = rom_fom_options_default();
      os.solver = (rom_fom_solver)solver;
      double *t2 = calloc((size_t)(51 * L) + 1, sizeof(double));
      CHECK_OK(ctx, rom_fom_integrate(m, mu, u0, 0.0, 1e-3, 50, &os, t2, NULL));
      double d = 0.0;
      for (rom_int k = 0; k < 51 * L; ++k)
        d = fmax(d, fabs(t2[k] - traj[k]));
      CHECK(d <= 1e-11, "P1 solver %d vs the default (KLU): max difference %g", solver, d);
      free(t2);
    }
    rom_burgers1d_destroy(&hs);
    rom_ctx_destroy(&self);
    free(u0s);
    free(trs);
    free(traj);
  }

  /* Riemann problem u = 2 on [0.2, 0.6), 1 elsewhere: the shock at x = 0.6 moves at the
   * Rankine-Hugoniot speed (2 + 1)/2 = 1.5; measured by where u crosses 1.5 at t = 0.1
   * and t = 0.2 (the rarefaction from x = 0.2 reaches it only at t = 0.8). */
  {
    const rom_int steps = 200;
    double *traj = calloc((size_t)((steps + 1) * L) + 1, sizeof(double));
    double *full = calloc((size_t)N, sizeof(double));
    for (rom_int l = 0; l < L; ++l) {
      double x = 0.002 * (double)(y.off + l);
      u[l] = x >= 0.2 - 1e-12 && x < 0.6 - 1e-12 ? 2.0 : 1.0;
    }
    CHECK_OK(ctx, rom_fom_integrate(m, mu, u, 0.0, 1e-3, steps, NULL, traj, NULL));
    double pos[2];
    for (int q = 0; q < 2; ++q) {
      gather_all(&y, traj + (rom_int)(100 * (q + 1)) * L, full);
      pos[q] = -1.0;
      for (rom_int i = 0; i < N - 1; ++i)
        if (full[i] >= 1.5 && full[i + 1] < 1.5) {
          pos[q] = 0.002 * ((double)i + (full[i] - 1.5) / (full[i] - full[i + 1]));
          break;
        }
    }
    double speed = (pos[1] - pos[0]) / 0.1;
    CHECK(fabs(speed - 1.5) <= 0.05 * 1.5,
          "P1 shock speed %g (positions %g, %g) vs Rankine-Hugoniot 1.5", speed, pos[0], pos[1]);
    free(traj);
    free(full);
  }

  /* Newton that cannot converge: one iteration, tolerance far below what one gives */
  {
    rom_fom_options o = rom_fom_options_default();
    o.max_iterations = 1;
    o.tolerance = 1e-15;
    rom_fom_stats st;
    CHECK_ERR(ctx, rom_fom_integrate(m, mu, u0, 0.0, 1e-3, 5, &o, NULL, &st),
              ROM_ERR_NOT_CONVERGED);
    const char *msg = rom_ctx_last_error(ctx);
    CHECK(strstr(msg, "step 1") && strstr(msg, "||r||_2") && strstr(msg, "1 iterations"),
          "non-convergence sentence: '%s'", msg);
    CHECK_ERR(ctx, rom_fom_integrate(m, mu, u0, 0.0, -1.0, 5, NULL, NULL, NULL), ROM_ERR_ARG);
  }

  /* a velocity callback failing on the last non-empty rank */
  {
    wrapper w;
    rom_model *wm = NULL;
    int active = size >= 3 ? size - 1 : size;
    w.inner = m;
    w.rank = rank;
    w.fail_rank = active - 1;
    CHECK_OK(ctx, rom_model_create(ctx, L, 1, &w, &wm));
    CHECK_OK(ctx, rom_model_set_velocity(wm, wrap_velocity, NULL));
    CHECK_OK(ctx, rom_model_set_velocity_jacobian_csr(wm, wrap_csr));
    CHECK_ERR(ctx, rom_fom_integrate(wm, mu, u0, 0.0, 1e-3, 3, NULL, NULL, NULL), ROM_ERR_CALLBACK);
    CHECK_ERR(ctx, rom_model_velocity(wm, u0, 0.0, mu, u), ROM_ERR_CALLBACK);
    /* no Jacobian action was given */
    CHECK_ERR(ctx,
              rom_model_velocity_jacobian(wm, u0, 0.0, mu, 1, u0, L > 0 ? L : 1, u, L > 0 ? L : 1),
              ROM_ERR_STATE);
    rom_model_destroy(&wm);
  }
  free(u0);
  free(u);
  layout_free(&y);
  rom_burgers1d_destroy(&h);
}

/* ---- P2 on a 20 x 20 grid ------------------------------------------------------------ */

static void test_p2(rom_ctx *ctx) {
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_burgers2d *h = NULL;
  rom_burgers2d_options opt = rom_burgers2d_options_default();
  opt.grid_points = 20;
  const rom_int n = 18, M = n * n, N = 2 * M, L = test_uneven_rows(N, rank, size);
  const double a = 1.0, mu[1] = {1.0}, dt = 2.0 / 1500.0;
  layout y;
  layout_init(&y, ctx, N, L);
  CHECK(opt.reynolds == 10000.0 && opt.steps == 1500 && opt.final_time == 2.0,
        "P2 defaults: Re %g, %lld steps, T %g", opt.reynolds, (long long)opt.steps, opt.final_time);
  CHECK_OK(ctx, rom_burgers2d_create(ctx, &opt, L, &h));
  if (!h) return;
  rom_model *m = rom_burgers2d_model(h);
  CHECK(rom_burgers2d_global_rows(h) == N && rom_burgers2d_component_rows(h) == M,
        "P2 sizes %lld, %lld", (long long)rom_burgers2d_global_rows(h),
        (long long)rom_burgers2d_component_rows(h));
  double *u0 = calloc((size_t)L + 1, sizeof(double)), *u = calloc((size_t)L + 1, sizeof(double));
  CHECK_OK(ctx, rom_burgers2d_initial(h, a, u0));
  {
    int ok = 1;
    for (rom_int l = 0; l < L; ++l) {
      rom_int g = y.off + l, k = g % M, i = k % n, j = k / n;
      double xx = (double)(i + 1) / 19.0, yy = (double)(j + 1) / 19.0;
      double e = xx <= 0.5 && yy <= 0.5 ? a * sin(2 * PI * xx) * sin(2 * PI * yy) : 0.0;
      if (fabs(u0[l] - e) > 1e-14) ok = 0;
    }
    CHECK(ok, "P2 initial condition");
  }
  for (rom_int l = 0; l < L; ++l)
    u[l] = u0[l] + 0.2 * rom_rng_uniform(5, 0, (uint64_t)(y.off + l));
  check_derivatives(m, &y, u, mu, "P2");

  /* stencils: the 5-point neighbours of the component, and the other component at the node */
  {
    int ok = 1;
    for (rom_int l = 0; l < L && ok; ++l) {
      rom_int g = y.off + l, comp = g / M, k = g % M, i = k % n, j = k / n;
      rom_int expect[6], ne = 0, cols[6], cnt = 0;
      if (comp == 1) expect[ne++] = k;
      if (j > 0) expect[ne++] = comp * M + k - n;
      if (i > 0) expect[ne++] = comp * M + k - 1;
      expect[ne++] = comp * M + k;
      if (i < n - 1) expect[ne++] = comp * M + k + 1;
      if (j < n - 1) expect[ne++] = comp * M + k + n;
      if (comp == 0) expect[ne++] = M + k;
      CHECK_OK(ctx, rom_model_stencil(m, g, 6, cols, &cnt));
      ok = cnt == ne;
      for (rom_int q = 0; q < ne && ok; ++q)
        ok = cols[q] == expect[q];
      if (!ok)
        CHECK(0, "P2 stencil of row %lld (count %lld, expected %lld)", (long long)g, (long long)cnt,
              (long long)ne);
    }
  }

  /* a short run: parallel vs serial, v = u mirrored, solvers agree, BDF2 runs */
  {
    const rom_int steps = 30;
    double *traj = calloc((size_t)((steps + 1) * L) + 1, sizeof(double));
    rom_fom_stats st;
    CHECK_OK(ctx, rom_fom_integrate(m, mu, u0, 0.0, dt, steps, NULL, traj, &st));
    CHECK(st.max_step_iterations <= 10 && st.max_final_residual < 1e-8,
          "P2 Newton: at most %d iterations per step", st.max_step_iterations);
    rom_ctx *self = NULL;
    rom_burgers2d *hs = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    CHECK_OK(self, rom_burgers2d_create(self, &opt, N, &hs));
    double *u0s = calloc((size_t)N, sizeof(double));
    double *trs = calloc((size_t)((steps + 1) * N), sizeof(double));
    CHECK_OK(self, rom_burgers2d_initial(hs, a, u0s));
    CHECK_OK(self,
             rom_fom_integrate(rom_burgers2d_model(hs), mu, u0s, 0.0, dt, steps, NULL, trs, NULL));
    double diff = 0.0, mirror = 0.0, umax = 0.0;
    for (rom_int s = 0; s <= steps; ++s)
      for (rom_int l = 0; l < L; ++l)
        diff = fmax(diff, fabs(traj[s * L + l] - trs[s * N + y.off + l]));
    CHECK(diff <= 1e-12, "P2 parallel vs serial trajectory: max difference %g", diff);
    for (rom_int k = 0; k < M; ++k) {
      rom_int i = k % n, j = k / n;
      mirror = fmax(mirror, fabs(trs[steps * N + M + k] - trs[steps * N + j + n * i]));
      umax = fmax(umax, fabs(trs[steps * N + k]));
    }
    CHECK(mirror <= 1e-12 && umax > 0.5,
          "P2: v is u mirrored across the diagonal (max "
          "difference %g, max |u| %g)",
          mirror, umax);
    for (int solver = ROM_FOM_SOLVER_UMFPACK; solver <= ROM_FOM_SOLVER_BANDED; ++solver) {
      if (solver == ROM_FOM_SOLVER_KLU) continue; /* the default */
      rom_fom_options os = rom_fom_options_default();
      os.solver = (rom_fom_solver)solver;
      double *t2 = calloc((size_t)((steps + 1) * L) + 1, sizeof(double));
      CHECK_OK(ctx, rom_fom_integrate(m, mu, u0, 0.0, dt, steps, &os, t2, NULL));
      double d = 0.0;
      for (rom_int k = 0; k < (steps + 1) * L; ++k)
        d = fmax(d, fabs(t2[k] - traj[k]));
      CHECK(d <= 1e-11, "P2 solver %d vs the default (KLU): max difference %g", solver, d);
      free(t2);
    }
    {
      /* BDF2 is second order: against a backward-Euler run with dt/8 its difference from
       * the dt run is smaller than backward Euler's own */
      rom_fom_options ob = rom_fom_options_default();
      ob.scheme = ROM_FOM_BDF2;
      double *tb = calloc((size_t)((steps + 1) * N), sizeof(double));
      double *tf = calloc((size_t)((8 * steps + 1) * N), sizeof(double));
      CHECK_OK(self,
               rom_fom_integrate(rom_burgers2d_model(hs), mu, u0s, 0.0, dt, steps, &ob, tb, NULL));
      ob.scheme = ROM_FOM_BDF2;
      CHECK_OK(self, rom_fom_integrate(rom_burgers2d_model(hs), mu, u0s, 0.0, dt / 8.0, 8 * steps,
                                       &ob, tf, NULL));
      double eb = 0.0, ee = 0.0;
      for (rom_int k = 0; k < N; ++k) {
        double ref = tf[8 * steps * N + k];
        eb = fmax(eb, fabs(tb[steps * N + k] - ref));
        ee = fmax(ee, fabs(trs[steps * N + k] - ref));
      }
      CHECK(eb < 0.25 * ee, "P2 BDF2 error %g vs backward Euler %g (against BDF2 at dt/8)", eb, ee);
      free(tb);
      free(tf);
    }
    rom_burgers2d_destroy(&hs);
    rom_ctx_destroy(&self);
    free(u0s);
    free(trs);
    free(traj);
  }
  free(u0);
  free(u);
  layout_free(&y);
  rom_burgers2d_destroy(&h);
}

/* ---- the error metric ------------------------------------------------------------------ */

static void test_error_metric(rom_ctx *ctx) {
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  /* 4 rows, 2 states, FOM all ones, ROM equal except global row 0 of state 1 = 0.5:
   *  with the periodic copy, state 1: ||e||^2 = 2 * 0.25, ||f||^2 = 5 (state 0 too):
   *    avg = sqrt(0.5 / 10) = 22.36..%, max = sqrt(0.5 / 5) = 31.62..%;
   *  without: avg = sqrt(0.25 / 8) = 17.67..%, max = sqrt(0.25 / 4) = 25 %. */
  const rom_int N = 4, L = test_uneven_rows(N, rank, size);
  rom_int off = 0;
  MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rank == 0) off = 0;
  double fom[8], rom[8], avg = 0, mx = 0;
  for (rom_int k = 0; k < 2 * L; ++k)
    fom[k] = rom[k] = 1.0;
  if (off == 0 && L > 0) rom[L] = 0.5;
  CHECK_OK(ctx, rom_burgers_error_metric(ctx, 2, L, fom, rom, 1, &avg, &mx));
  CHECK_CLOSE(avg, 100.0 * sqrt(0.05), 1e-14, "avg with the periodic copy");
  CHECK_CLOSE(mx, 100.0 * sqrt(0.1), 1e-14, "max with the periodic copy");
  CHECK_OK(ctx, rom_burgers_error_metric(ctx, 2, L, fom, rom, 0, &avg, &mx));
  CHECK_CLOSE(avg, 100.0 * sqrt(0.25 / 8.0), 1e-14, "avg without the periodic copy");
  CHECK_CLOSE(mx, 25.0, 1e-14, "max without the periodic copy");
  CHECK_ERR(ctx, rom_burgers_error_metric(ctx, 0, L, fom, rom, 0, &avg, &mx), ROM_ERR_ARG);

  /* P2 components on a 5 x 5 grid (3 x 3 interior, 18 rows): error only in v */
  {
    rom_burgers2d_options opt = rom_burgers2d_options_default();
    rom_burgers2d *h = NULL;
    opt.grid_points = 5;
    const rom_int L2 = test_uneven_rows(18, rank, size);
    CHECK_OK(ctx, rom_burgers2d_create(ctx, &opt, L2, &h));
    if (h) {
      rom_int o2 = rom_burgers2d_row_offset(h);
      double f2[18], r2[18];
      for (rom_int l = 0; l < L2; ++l) {
        f2[l] = 2.0;
        r2[l] = o2 + l >= 9 ? 1.0 : 2.0; /* v rows off by 1: 50 % */
      }
      CHECK_OK(ctx, rom_burgers2d_error_metric(h, 1, f2, r2, 0, &avg, &mx));
      CHECK(avg == 0.0 && mx == 0.0, "P2 u error %g %g", avg, mx);
      CHECK_OK(ctx, rom_burgers2d_error_metric(h, 1, f2, r2, 1, &avg, &mx));
      CHECK_CLOSE(avg, 50.0, 1e-14, "P2 v avg");
      CHECK_CLOSE(mx, 50.0, 1e-14, "P2 v max");
      CHECK_ERR(ctx, rom_burgers2d_error_metric(h, 1, f2, r2, 2, &avg, &mx), ROM_ERR_ARG);
    }
    rom_burgers2d_destroy(&h);
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_error_metric(ctx);
  test_p1(ctx);
  test_p2(ctx);
  return test_finish(&ctx);
}
