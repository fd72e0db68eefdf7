/* Galerkin and LSPG ROMs of a nonlinear host (tests/mpi/nl_host.h: 1D viscous Burgers
 * with a cubic reaction), at 1, 2 and 4 ranks with an uneven partition (the last rank
 * empty at 4 ranks). Independent checks against a serial dense-Newton FOM in this test:
 *  - a full random orthonormal basis (k = N) with the initial state as reference
 *    reproduces the FOM trajectory to round-off: Galerkin, LSPG (normal equations and
 *    TSQR), backward Euler and BDF2;
 *  - from the same state, LSPG's full residual after a step is never larger than
 *    Galerkin's (LSPG minimises it over the same subspace), along a POD trajectory;
 *  - the POD ROM's error at k = 6 is small, and the reduced states agree bit for bit on
 *    every rank;
 *  - fail_if_not_converged gives ROM_ERR_NOT_CONVERGED on every rank, the default accepts
 *    and counts the step; a velocity that writes NaN, or leaves an output unwritten, is
 *    ROM_ERR_CALLBACK naming it;
 *  - the absolute guards: a trajectory that doubles every step (each step converging)
 *    stops with ROM_ERR_NOT_CONVERGED at the step the growth factor predicts, or at the
 *    host's state bound; a model without its Jacobian is refused at creation. */
#include "nl_host.h"

#define GN 40
#define STEPS 30
static const double DT = 0.01;
static const double MU[2] = {0.01, 0.5};

/* max_n ||u_rom(n) - u_fom(n)|| / ||u_fom(n)|| with u_rom = ref + Q q. */
static double trajectory_error(rom_int N, rom_int k, const double *Q, const double *ref,
                               const double *traj_q, const double *fom, rom_int steps) {
  double worst = 0.0;
  for (rom_int n = 0; n <= steps; ++n) {
    double e = 0.0, f = 0.0;
    for (rom_int i = 0; i < N; ++i) {
      double u = ref[i];
      for (rom_int j = 0; j < k; ++j)
        u += Q[i + j * N] * traj_q[n * k + j];
      double d = u - fom[n * N + i];
      e += d * d;
      f += fom[n * N + i] * fom[n * N + i];
    }
    worst = fmax(worst, sqrt(e) / fmax(sqrt(f), 1e-300));
  }
  return worst;
}

/* ||u - u_old - dt F(u)|| for u = ref + Q q (serial, full). */
static double full_residual_norm(const nlh *H, const double *Q, rom_int k, const double *ref,
                                 const double *q, const double *q_old) {
  const rom_int N = H->N;
  double *u = calloc((size_t)N, sizeof(double)), *uo = calloc((size_t)N, sizeof(double));
  double *F = malloc(sizeof(double) * N), s = 0.0;
  for (rom_int i = 0; i < N; ++i) {
    u[i] = uo[i] = ref[i];
    for (rom_int j = 0; j < k; ++j) {
      u[i] += Q[i + j * N] * q[j];
      uo[i] += Q[i + j * N] * q_old[j];
    }
  }
  nlh_velocity_full(H, u, MU, F);
  for (rom_int i = 0; i < N; ++i) {
    double r = u[i] - uo[i] - DT * F[i];
    s += r * r;
  }
  free(u);
  free(uo);
  free(F);
  return sqrt(s);
}

/* 1 if x (n values) is bitwise the same on every rank. */
static int same_on_all_ranks(rom_ctx *ctx, const double *x, rom_int n) {
  double *y = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  memcpy(y, x, sizeof(double) * (size_t)n);
  MPI_Bcast(y, (int)n, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  int same = memcmp(x, y, sizeof(double) * (size_t)n) == 0, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, rom_ctx_comm(ctx));
  free(y);
  return all;
}

static void full_basis_reproduces_fom(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N;
  double *Q = malloc(sizeof(double) * N * N), *u0 = malloc(sizeof(double) * N);
  double *fom = malloc(sizeof(double) * N * (STEPS + 1));
  double *fom2 = malloc(sizeof(double) * N * (STEPS + 1));
  double *traj = malloc(sizeof(double) * N * (STEPS + 1));
  nlh_random_orthonormal(N, N, 7, Q);
  nlh_initial(H, 1.0, u0);
  CHECK(nlh_fom(H, MU, u0, DT, STEPS, 0, fom), "serial backward-Euler FOM converged");
  CHECK(nlh_fom(H, MU, u0, DT, STEPS, 1, fom2), "serial BDF2 FOM converged");
  rom_basis *b = nlh_basis(H, Q, N, NULL);
  struct {
    rom_nlrom_projection p;
    rom_lspg_solver s;
    rom_time_scheme t;
    const char *name;
  } cases[] = {
      {ROM_NLROM_GALERKIN, ROM_LSPG_NORMAL_EQUATIONS, ROM_TIME_BACKWARD_EULER, "Galerkin BE"},
      {ROM_NLROM_LSPG, ROM_LSPG_NORMAL_EQUATIONS, ROM_TIME_BACKWARD_EULER, "LSPG-NE BE"},
      {ROM_NLROM_LSPG, ROM_LSPG_TSQR, ROM_TIME_BACKWARD_EULER, "LSPG-TSQR BE"},
      {ROM_NLROM_GALERKIN, ROM_LSPG_NORMAL_EQUATIONS, ROM_TIME_BDF2, "Galerkin BDF2"},
      {ROM_NLROM_LSPG, ROM_LSPG_TSQR, ROM_TIME_BDF2, "LSPG-TSQR BDF2"}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    rom_nlrom_options o = rom_nlrom_options_default();
    o.projection = cases[c].p;
    o.lspg_solver = cases[c].s;
    o.scheme = cases[c].t;
    o.tolerance = 1e-12;
    o.max_iterations = 30;
    o.fail_if_not_converged = 1;
    rom_nlrom *rom = NULL;
    rom_nlrom_stats st;
    /* The reference is passed explicitly (the basis has none): u = u0 + Phi q, q0 = 0. */
    CHECK_OK(ctx, rom_nlrom_create(H->model, b, u0 + H->off, NULL, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, DT, STEPS, NULL, traj, &st));
    double e = trajectory_error(N, N, Q, u0, traj, cases[c].t == ROM_TIME_BDF2 ? fom2 : fom, STEPS);
    CHECK(e < 1e-10, "%s with the full basis: max relative error vs the FOM %.3e", cases[c].name,
          e);
    if (rom_ctx_rank(ctx) == 0)
      printf("nonlinear_rom: full basis k = N = %lld, %-14s max relative error %.2e, %lld "
             "iterations in %d steps\n",
             (long long)N, cases[c].name, e, (long long)st.iterations, STEPS);
    CHECK(st.steps == STEPS && st.not_converged_steps == 0 && st.iterations >= STEPS,
          "%s stats: %lld steps, %lld iterations, %lld not converged", cases[c].name,
          (long long)st.steps, (long long)st.iterations, (long long)st.not_converged_steps);
    CHECK(same_on_all_ranks(ctx, traj, N * (STEPS + 1)), "%s: q bitwise equal on every rank",
          cases[c].name);
    /* Lift agrees with the test's own lift. */
    double *ul = malloc(sizeof(double) * (size_t)(H->L + 1)), worst = 0.0;
    CHECK_OK(ctx, rom_nlrom_lift(rom, traj + STEPS * N, ul));
    for (rom_int l = 0; l < H->L; ++l) {
      double u = u0[H->off + l];
      for (rom_int j = 0; j < N; ++j)
        u += Q[H->off + l + j * N] * traj[STEPS * N + j];
      worst = fmax(worst, fabs(u - ul[l]));
    }
    CHECK(worst < 1e-13, "%s: rom_nlrom_lift matches ref + Phi q (%.2e)", cases[c].name, worst);
    free(ul);
    rom_nlrom_destroy(&rom);
  }
  rom_basis_destroy(&b);
  free(Q);
  free(u0);
  free(fom);
  free(fom2);
  free(traj);
}

/* POD basis (k vectors, full copy in Qk) of the FOM snapshots u^n - u^0, n = 1..STEPS. */
static rom_basis *pod_basis(nlh *H, const double *fom, rom_int k, double *Qk) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N;
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, H->L, STEPS, &S));
  double *s = rom_dmat_data(S);
  for (rom_int n = 1; n <= STEPS; ++n)
    for (rom_int l = 0; l < H->L; ++l)
      s[l + (n - 1) * rom_dmat_ld(S)] = fom[n * N + H->off + l] - fom[H->off + l];
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &po, &b));
  CHECK_OK(ctx, rom_dmat_gather(rom_basis_vectors(b), 0, Qk));
  MPI_Bcast(Qk, (int)(N * k), MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  rom_dmat_destroy(&S);
  return b;
}

static void lspg_minimises_the_residual(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N, k = 6;
  double *u0 = malloc(sizeof(double) * N), *fom = malloc(sizeof(double) * N * (STEPS + 1));
  double *Q = malloc(sizeof(double) * N * k);
  double *tg = malloc(sizeof(double) * k * (STEPS + 1)),
         *tl = malloc(sizeof(double) * k * (STEPS + 1));
  nlh_initial(H, 1.0, u0);
  CHECK(nlh_fom(H, MU, u0, DT, STEPS, 0, fom), "FOM converged");
  rom_basis *b = pod_basis(H, fom, k, Q);
  rom_nlrom_options og = rom_nlrom_options_default(), ol = rom_nlrom_options_default();
  og.projection = ROM_NLROM_GALERKIN;
  ol.projection = ROM_NLROM_LSPG;
  og.tolerance = ol.tolerance = 1e-13;
  og.max_iterations = ol.max_iterations = 60;
  rom_nlrom *g = NULL, *l = NULL;
  CHECK_OK(ctx, rom_nlrom_create(H->model, b, u0 + H->off, NULL, &og, &g));
  CHECK_OK(ctx, rom_nlrom_create(H->model, b, u0 + H->off, NULL, &ol, &l));
  CHECK_OK(ctx, rom_nlrom_run(g, MU, 0.0, DT, STEPS, NULL, tg, NULL));
  CHECK_OK(ctx, rom_nlrom_run(l, MU, 0.0, DT, STEPS, NULL, tl, NULL));
  double eg = trajectory_error(N, k, Q, u0, tg, fom, STEPS);
  double el = trajectory_error(N, k, Q, u0, tl, fom, STEPS);
  CHECK(eg < 0.05 && el < 0.05, "POD k = %lld: max relative errors Galerkin %.3e, LSPG %.3e",
        (long long)k, eg, el);
  if (rom_ctx_rank(ctx) == 0)
    printf("nonlinear_rom: POD k = %lld, max relative error Galerkin %.4e, LSPG %.4e\n",
           (long long)k, eg, el);
  int worse = 0;
  double qg[16], ql[16];
  for (rom_int n = 0; n < STEPS; ++n) {
    const double *qo = tg + n * k;
    memcpy(qg, qo, sizeof(double) * k);
    memcpy(ql, qo, sizeof(double) * k);
    CHECK_OK(ctx, rom_nlrom_step(g, MU, n * DT, DT, n + 1, qo, NULL, qg, NULL));
    CHECK_OK(ctx, rom_nlrom_step(l, MU, n * DT, DT, n + 1, qo, NULL, ql, NULL));
    double rg = full_residual_norm(H, Q, k, u0, qg, qo),
           rl = full_residual_norm(H, Q, k, u0, ql, qo);
    if (rl > rg * (1.0 + 1e-9) + 1e-14) {
      ++worse;
      CHECK(0, "step %lld: LSPG residual %.6e > Galerkin residual %.6e", (long long)n + 1, rl, rg);
    }
  }
  CHECK(worse == 0, "LSPG's residual <= Galerkin's at each of %d steps", STEPS);
  CHECK(same_on_all_ranks(ctx, tl, k * (STEPS + 1)), "LSPG q bitwise equal on every rank");
  rom_nlrom_destroy(&g);
  rom_nlrom_destroy(&l);
  rom_basis_destroy(&b);
  free(u0);
  free(fom);
  free(Q);
  free(tg);
  free(tl);
}

static void failures(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N, k = 5;
  double *Q = malloc(sizeof(double) * N * k), *u0 = malloc(sizeof(double) * N);
  double traj[5 * 6];
  nlh_random_orthonormal(N, k, 3, Q);
  nlh_initial(H, 1.0, u0);
  rom_basis *b = nlh_basis(H, Q, k, u0);
  for (int proj = 0; proj < 2; ++proj) {
    rom_nlrom_options o = rom_nlrom_options_default();
    o.projection = proj ? ROM_NLROM_LSPG : ROM_NLROM_GALERKIN;
    o.max_iterations = 1;
    o.tolerance = 1e-15;
    o.fail_if_not_converged = 1;
    rom_nlrom *rom = NULL;
    rom_nlrom_stats st;
    CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, NULL, &o, &rom));
    CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 5, NULL, traj, &st), ROM_ERR_NOT_CONVERGED);
    CHECK(strstr(rom_ctx_last_error(ctx), "step 1") != NULL || rom_ctx_rank(ctx) != 0,
          "the message names the step: %s", rom_ctx_last_error(ctx));
    rom_nlrom_destroy(&rom);
    o.fail_if_not_converged = 0; /* the default: accept and count */
    CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, NULL, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 5, NULL, traj, &st));
    CHECK(st.not_converged_steps == 5 && st.iterations == 5,
          "accepted after max_iterations: %lld steps not converged, %lld iterations",
          (long long)st.not_converged_steps, (long long)st.iterations);
    /* A host that writes NaN for a finite state is the host's failure, named. */
    H->nan_velocity = 1;
    CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 5, NULL, traj, &st), ROM_ERR_CALLBACK);
    CHECK(strstr(rom_ctx_last_error(ctx), "non-finite value F_local[") != NULL ||
              strstr(rom_ctx_last_error(ctx), "another rank") != NULL,
          "the NaN output is named: %s", rom_ctx_last_error(ctx));
    H->nan_velocity = 0;
    /* Outputs left unwritten (the C form of Python's `F = f(u)`): ROM_ERR_CALLBACK on every
     * rank, naming the callback and the position, not a trajectory computed from stale
     * buffer contents. */
    for (int mode = 1; mode <= 2; ++mode) {
      H->skip_write = mode;
      CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 5, NULL, traj, &st), ROM_ERR_CALLBACK);
      const char *msg = rom_ctx_last_error(ctx);
      CHECK((strstr(msg, mode == 1 ? "velocity F(u, t; mu)" : "Jacobian action") &&
             strstr(msg, "unwritten") && strstr(msg, mode == 1 ? "F_local[" : "Y_local[row")) ||
                strstr(msg, "another rank"),
            "unwritten output named (mode %d): %s", mode, msg);
      H->skip_write = 0;
    }
    rom_nlrom_destroy(&rom);
  }
  /* Bad arguments. */
  {
    rom_nlrom *rom = NULL;
    rom_nlrom_options o = rom_nlrom_options_default();
    o.max_iterations = -1;
    CHECK_ERR(ctx, rom_nlrom_create(H->model, b, NULL, NULL, &o, &rom), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_nlrom_create(H->model, NULL, NULL, NULL, NULL, &rom), ROM_ERR_ARG);
    CHECK(rom == NULL, "no object on failure");
  }
  rom_basis_destroy(&b);
  free(Q);
  free(u0);
}

/* du/dt = a u: backward Euler doubles the state every step (a dt = 1/2) and every step's
 * Newton converges in one iteration, so only the absolute guards can see the divergence. */
static int grow_velocity(void *user, const double *u, double t, const double *mu, double *F) {
  const nlh *H = user;
  (void)t;
  (void)mu;
  for (rom_int i = 0; i < H->L; ++i)
    F[i] = 50.0 * u[i];
  return 0;
}

static int grow_jacobian(void *user, const double *u, double t, const double *mu, rom_int ncols,
                         const double *X, rom_int ldx, double *Y, rom_int ldy) {
  const nlh *H = user;
  (void)u, (void)t, (void)mu;
  for (rom_int c = 0; c < ncols; ++c)
    for (rom_int i = 0; i < H->L; ++i)
      Y[i + c * ldy] = 50.0 * X[i + c * ldx];
  return 0;
}

static void trajectory_guards(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N, k = 4, steps = 30;
  double *Q = malloc(sizeof(double) * N * k), q0[4] = {1.0, 0.5, 0.0, 0.0};
  double *traj = malloc(sizeof(double) * (size_t)(k * (steps + 1)));
  rom_model *gm = NULL, *nojac = NULL;
  rom_nlrom *rom = NULL;
  nlh_random_orthonormal(N, k, 5, Q);
  rom_basis *b = nlh_basis(H, Q, k, NULL);
  CHECK_OK(ctx, rom_model_create(ctx, H->L, 2, H, &gm));
  CHECK_OK(ctx, rom_model_set_velocity(gm, grow_velocity, grow_jacobian));
  for (int proj = 0; proj < 2; ++proj) {
    rom_nlrom_options o = rom_nlrom_options_default();
    o.projection = proj ? ROM_NLROM_LSPG : ROM_NLROM_GALERKIN;
    /* Default options: the residual doubles per step, 2^20 > growth_factor = 1e6 at step 21. */
    CHECK_OK(ctx, rom_nlrom_create(gm, b, NULL, NULL, &o, &rom));
    CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, 0.01, steps, q0, traj, NULL), ROM_ERR_NOT_CONVERGED);
    CHECK(strstr(rom_ctx_last_error(ctx), "step 21 ") &&
              strstr(rom_ctx_last_error(ctx), "growth_factor"),
          "the growth guard names step 21: %s", rom_ctx_last_error(ctx));
    rom_nlrom_destroy(&rom);
    /* Disabled: the run finishes with the exact doubling (the guard is what stopped it). */
    o.growth_factor = 0.0;
    CHECK_OK(ctx, rom_nlrom_create(gm, b, NULL, NULL, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, 0.01, steps, q0, traj, NULL));
    CHECK_CLOSE(traj[steps * k], ldexp(1.0, (int)steps), 1e-9, "q_0 doubles every step");
    rom_nlrom_destroy(&rom);
    /* The host's bound: |u| doubles every step, so a bound of 1 is crossed within a few
     * steps, and a bound it never reaches changes nothing. */
    o.state_bound = 1.0;
    CHECK_OK(ctx, rom_nlrom_create(gm, b, NULL, NULL, &o, &rom));
    CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, 0.01, steps, q0, traj, NULL), ROM_ERR_NOT_CONVERGED);
    CHECK(strstr(rom_ctx_last_error(ctx), "state_bound = 1"), "the state bound is named: %s",
          rom_ctx_last_error(ctx));
    rom_nlrom_destroy(&rom);
    o.state_bound = 1e12; /* a bound never reached: no effect */
    CHECK_OK(ctx, rom_nlrom_create(gm, b, NULL, NULL, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, 0.01, steps, q0, traj, NULL));
    rom_nlrom_destroy(&rom);
  }
  /* A model without the Jacobian action is refused at creation (ROM_ERR_STATE). */
  CHECK_OK(ctx, rom_model_create(ctx, H->L, 2, H, &nojac));
  CHECK_OK(ctx, rom_model_set_velocity(nojac, grow_velocity, NULL));
  CHECK_ERR(ctx, rom_nlrom_create(nojac, b, NULL, NULL, NULL, &rom), ROM_ERR_STATE);
  CHECK(rom == NULL && strstr(rom_ctx_last_error(ctx), "Jacobian action"),
        "missing Jacobian named: %s", rom_ctx_last_error(ctx));
  rom_model_destroy(&nojac);
  rom_model_destroy(&gm);
  rom_basis_destroy(&b);
  free(Q);
  free(traj);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  nlh H;
  nlh_create(ctx, GN, &H);
  full_basis_reproduces_fom(&H);
  lspg_minimises_the_residual(&H);
  failures(&H);
  trajectory_guards(&H);
  nlh_destroy(&H);
  return test_finish(&ctx);
}
