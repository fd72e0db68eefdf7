/* Output gradients and design optimisation (romkit/optimize.h) on a reduced P3 (n = 15), at 1,
 * 2 and 4 ranks with an uneven partition (the last rank empty at 4 ranks).
 *
 * Independent checks:
 *  - FOM adjoint gradients against central differences of FOM outputs computed through P3's
 *    own direct solver (rom_heat2d_solve, not the model's solver callback), to 1e-6 relative;
 *  - ROM reduced-adjoint gradients against central differences of the ROM's outputs
 *    (rom_affine_rom_solve + rom_affine_rom_evaluate_outputs), to 1e-6 relative; the
 *    host-derivative callback and the central-difference fallback agree;
 *  - the three optimisers (FOM only, fixed ROM, trust region) reach the same objective to 1e-6
 *    relative, the FOM's projected gradient vanishes at the optimum, and the optimum is the
 *    same at every rank count (against the value of the serial run, to 1e-9 relative);
 *  - bad input: inverted bounds, a start outside them, an unknown or derivative-free algorithm,
 *    no objective, a fixed ROM without training parameters, NLopt stopping at its evaluation
 *    limit (the message names NLOPT_MAXEVAL_REACHED). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define NGRID 15
#define NOUT 5
#define P 4

typedef struct {
  rom_ctx *ctx;
  rom_heat2d *h;
  rom_model *model;
  rom_int N, L, off;
  double *Lw; /* L x NOUT output weights */
} fom;

static double *vec(rom_int n) {
  return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

/* Probe outputs: point values at five nodes, one per subdomain plus the centre, spread over
 * the ranks' rows. */
static const rom_int probes[NOUT][2] = {{3, 3}, {11, 3}, {3, 11}, {11, 11}, {7, 7}};

static void fom_make(rom_ctx *ctx, fom *f) {
  memset(f, 0, sizeof *f);
  rom_heat2d_options o = rom_heat2d_options_default();
  o.n = NGRID;
  f->ctx = ctx;
  f->N = NGRID * NGRID;
  rom_int rows = test_uneven_rows(f->N, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  CHECK_OK(ctx, rom_heat2d_create(ctx, &o, rows, &f->h));
  f->model = rom_heat2d_model(f->h);
  f->L = rom_heat2d_local_rows(f->h);
  MPI_Exscan(&f->L, &f->off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) f->off = 0;
  f->Lw = vec(f->L * NOUT);
  for (int o2 = 0; o2 < NOUT; ++o2) {
    rom_int g = probes[o2][0] + NGRID * probes[o2][1];
    if (g >= f->off && g < f->off + f->L) f->Lw[(g - f->off) + f->L * o2] = 1.0;
  }
}

/* FOM outputs by P3's own banded solver. */
static void fom_outputs(fom *f, const double *mu, double *s) {
  double *u = vec(f->L), local[NOUT];
  CHECK_OK(f->ctx, rom_heat2d_solve(f->h, mu, u));
  for (int o2 = 0; o2 < NOUT; ++o2) {
    local[o2] = 0.0;
    for (rom_int i = 0; i < f->L; ++i)
      local[o2] += f->Lw[i + f->L * o2] * u[i];
  }
  MPI_Allreduce(local, s, NOUT, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(f->ctx));
  free(u);
}

static int identity_derivative(void *user, const double *mu, double *d) {
  (void)user, (void)mu;
  for (int j = 0; j < P * P; ++j)
    d[j] = (j % (P + 1)) == 0 ? 1.0 : 0.0;
  return 0;
}

static double max_abs(const double *v, int n) {
  double m = 0.0;
  for (int i = 0; i < n; ++i)
    m = fmax(m, fabs(v[i]));
  return m;
}

static void test_gradients(fom *f) {
  rom_ctx *ctx = f->ctx;
  const double mu[P] = {0.7, 2.0, 1.3, 0.4};
  double s[NOUT], g[NOUT * P], sp[NOUT], sm[NOUT], s_ref[NOUT];
  double *lam = vec(f->L * NOUT), *u = vec(f->L);
  CHECK_OK(ctx, rom_fom_output_gradients(f->model, mu, NOUT, f->Lw, u, lam, s, g));
  fom_outputs(f, mu, s_ref);
  for (int o2 = 0; o2 < NOUT; ++o2)
    CHECK_CLOSE(s[o2], s_ref[o2], 1e-12, "FOM output %d vs P3's direct solve", o2);
  for (int j = 0; j < P; ++j) {
    double mp[P], mm[P];
    memcpy(mp, mu, sizeof mp);
    memcpy(mm, mu, sizeof mm);
    const double h = 1e-4 * mu[j];
    mp[j] += h;
    mm[j] -= h;
    fom_outputs(f, mp, sp);
    fom_outputs(f, mm, sm);
    for (int o2 = 0; o2 < NOUT; ++o2) {
      const double fd = (sp[o2] - sm[o2]) / (mp[j] - mm[j]);
      double scale = max_abs(g + o2 * P, P);
      CHECK(fabs(g[o2 * P + j] - fd) <= 1e-6 * scale,
            "FOM adjoint ds_%d/dmu_%d = %.12g vs central difference %.12g", o2, j, g[o2 * P + j],
            fd);
    }
  }

  /* A ROM of 12 POD modes from 16 log-uniform FOM solves (stream 1). */
  rom_dmat *S = NULL;
  rom_basis *basis = NULL;
  rom_affine_rom *rom = NULL;
  const int m = 16;
  CHECK_OK(ctx, rom_dmat_create(ctx, f->L, m, &S));
  for (int i = 0; i < m; ++i) {
    double mi[P];
    for (int j = 0; j < P; ++j)
      mi[j] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(11, 1, (uint64_t)(i * P + j)));
    CHECK_OK(ctx, rom_heat2d_solve(f->h, mi, rom_dmat_data(S) + f->L * i));
  }
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = 12;
  CHECK_OK(ctx, rom_pod_compute(S, &po, &basis));
  CHECK_OK(ctx, rom_affine_rom_build(f->model, basis, &rom));
  for (int o2 = 0; o2 < NOUT; ++o2) {
    char name[32];
    snprintf(name, sizeof name, "probe%d", o2);
    CHECK_OK(ctx, rom_affine_rom_add_output(rom, basis, name, f->L > 0 ? f->Lw + f->L * o2 : NULL));
  }
  double gr[NOUT * P], gr2[NOUT * P], sr[NOUT];
  CHECK_OK(ctx, rom_affine_rom_output_gradients(rom, f->model, mu, sr, gr));
  const double phi[1] = {1.0};
  const rom_int k = rom_affine_rom_dim(rom);
  double *q = vec(k);
  for (int j = 0; j < P; ++j) {
    double mp[P], mm[P];
    memcpy(mp, mu, sizeof mp);
    memcpy(mm, mu, sizeof mm);
    const double h = 1e-4 * mu[j];
    mp[j] += h;
    mm[j] -= h;
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mp, phi, q));
    CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(rom, q, sp));
    CHECK_OK(ctx, rom_affine_rom_solve(rom, mm, phi, q));
    CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(rom, q, sm));
    for (int o2 = 0; o2 < NOUT; ++o2) {
      const double fd = (sp[o2] - sm[o2]) / (mp[j] - mm[j]);
      CHECK(fabs(gr[o2 * P + j] - fd) <= 1e-6 * max_abs(gr + o2 * P, P),
            "ROM adjoint ds_%d/dmu_%d = %.12g vs central difference %.12g", o2, j, gr[o2 * P + j],
            fd);
    }
  }
  /* The ROM is close to the FOM here (12 modes): its gradient is too (a loose sanity check;
   * the exact checks are the differences above). */
  for (int i = 0; i < NOUT * P; ++i)
    CHECK(fabs(gr[i] - g[i]) <= 5e-2 * max_abs(g + (i / P) * P, P),
          "ROM gradient %d = %g near the FOM's %g", i, gr[i], g[i]);
  /* The host's derivative callback (theta_q = mu_q: the identity) gives the same numbers as
   * the central-difference fallback. */
  CHECK_OK(ctx, rom_model_set_coefficient_derivatives(f->model, identity_derivative, NULL));
  CHECK_OK(ctx, rom_affine_rom_output_gradients(rom, f->model, mu, NULL, gr2));
  for (int i = 0; i < NOUT * P; ++i)
    CHECK_CLOSE(gr2[i], gr[i], 1e-9, "callback vs fallback derivative %d", i);
  CHECK_OK(ctx, rom_model_set_coefficient_derivatives(f->model, NULL, NULL));
  /* Errors: a ROM without outputs; a non-finite mu. */
  {
    rom_affine_rom *bare = NULL;
    CHECK_OK(ctx, rom_affine_rom_build(f->model, basis, &bare));
    CHECK_ERR(ctx, rom_affine_rom_output_gradients(bare, f->model, mu, sr, gr2), ROM_ERR_STATE);
    rom_affine_rom_destroy(&bare);
    double bad[P] = {1.0, NAN, 1.0, 1.0};
    CHECK_ERR(ctx, rom_fom_output_gradients(f->model, bad, NOUT, f->Lw, NULL, NULL, s, g),
              ROM_ERR_NOT_FINITE);
  }
  free(q);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&S);
  free(lam);
  free(u);
}

/* rom_heat2d_probe_weights on the 15 x 15 grid: probes at the nodes nearest (i/4, j/4) are
 * nodes 3, 7, 11 in each direction (node k at (k + 1) / 16); each column holds one unit weight
 * on the rank that owns that node. And rom_heat2d_factorizations: a direct solve factorises
 * once. */
static void test_probe_weights(fom *f) {
  rom_ctx *ctx = f->ctx;
  double *W = vec(f->L * 9);
  const rom_int nodes[3] = {3, 7, 11};
  CHECK_OK(ctx, rom_heat2d_probe_weights(f->h, 4, W));
  for (int p = 0; p < 9; ++p) {
    const rom_int g = nodes[p % 3] + NGRID * nodes[p / 3];
    double local[2] = {0.0, 0.0}, sum[2];
    for (rom_int i = 0; i < f->L; ++i) {
      local[0] += W[i + f->L * p];
      if (f->off + i == g) local[1] = W[i + f->L * p];
    }
    MPI_Allreduce(local, sum, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
    CHECK(sum[0] == 1.0 && sum[1] == 1.0, "probe %d: one unit weight at node %lld (%g, %g)", p,
          (long long)g, sum[0], sum[1]);
  }
  CHECK_ERR(ctx, rom_heat2d_probe_weights(f->h, 1, W), ROM_ERR_ARG);
  const long f0 = rom_heat2d_factorizations(f->h);
  const double mu[P] = {1.0, 2.0, 3.0, 4.0};
  double *u = vec(f->L);
  CHECK_OK(ctx, rom_heat2d_solve(f->h, mu, u));
  CHECK(rom_heat2d_factorizations(f->h) - f0 == 1, "one factorisation per direct solve (%ld)",
        rom_heat2d_factorizations(f->h) - f0);
  free(u);
  free(W);
}

/* The serial run's optimum (FOM only, LD_SLSQP), every rank count must find it to 1e-9. */
#define J_SERIAL 5.33428165944289e-07

static void test_optimize(fom *f) {
  rom_ctx *ctx = f->ctx;
  const double mu_star[P] = {2.0, 0.5, 1.0, 3.0};
  double target[NOUT], lower[P], upper[P];
  fom_outputs(f, mu_star, target);
  for (int o2 = 0; o2 < NOUT; ++o2)
    target[o2] *= 1.0 + 0.05 * (o2 % 2 ? 1.0 : -1.0); /* not reachable: J* > 0 */
  for (int j = 0; j < P; ++j) {
    lower[j] = 0.1;
    upper[j] = 10.0;
  }
  rom_design d;
  memset(&d, 0, sizeof d);
  d.num_outputs = NOUT;
  d.L_local = f->Lw;
  d.target = target;
  d.lower = lower;
  d.upper = upper;
  double training[24 * P];
  for (int i = 0; i < 24 * P; ++i)
    training[i] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(5, 1, (uint64_t)i));

  double mu_fom[P] = {1, 1, 1, 1}, mu_rom[P] = {1, 1, 1, 1}, mu_tr[P] = {1, 1, 1, 1};
  rom_optimize_result rf, rr, rt;
  rom_optimize_options o = rom_optimize_options_default();
  CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_fom, &rf));
  o.method = ROM_OPTIMIZE_ROM;
  o.num_training = 24;
  o.training = training;
  CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_rom, &rr));
  o = rom_optimize_options_default();
  o.method = ROM_OPTIMIZE_TRUST_REGION;
  long solves0 = rom_model_affine_solve_count(f->model);
  CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_tr, &rt));
  /* Every host solve is reported: FOM states, adjoints and the bound's representers. */
  CHECK(rom_model_affine_solve_count(f->model) - solves0 ==
            (long)(rt.fom_solves + rt.fom_adjoint_solves + rt.estimator_solves),
        "host solves %ld = %d + %d + %d", rom_model_affine_solve_count(f->model) - solves0,
        rt.fom_solves, rt.fom_adjoint_solves, rt.estimator_solves);
  CHECK(rt.estimator_solves > 0, "the bound's representers were solved");
  /* The reject path: with the bound switched off (tau = 1e6) and the whole box as the first
   * radius, the first 2-vector ROM's optimum lies far from mu_0 where the FOM's J is larger;
   * the step is rejected, the radii halve, and the loop still reaches the optimum. */
  {
    double mu_rej[P] = {1, 1, 1, 1};
    rom_optimize_result rj;
    o.tr_bound_tolerance = 1e6;
    o.tr_radius = 1.0;
    CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_rej, &rj));
    CHECK(rj.rejected >= 1, "a step was rejected (%d)", rj.rejected);
    CHECK(rj.fom_solves <= rj.iterations + 1, "one FOM state per iteration (%d, %d iterations)",
          rj.fom_solves, rj.iterations);
    CHECK(fabs(rj.objective - rf.objective) <= 1e-6 * rf.objective,
          "trust region with rejects: optimum %.15g vs FOM-only %.15g", rj.objective, rf.objective);
  }
  /* Sensitivity enrichment (tr_sensitivities): du/dmu_j at every enriched iterate, P more
   * host solves each, all counted; the richer model takes fewer outer iterations than the
   * plain loop above (wrong sensitivities would only add useless vectors), and the optimum is
   * the same. */
  {
    double mu_sens[P] = {1, 1, 1, 1};
    rom_optimize_result rs;
    o = rom_optimize_options_default();
    o.method = ROM_OPTIMIZE_TRUST_REGION;
    o.tr_sensitivities = 1;
    const long before = rom_model_affine_solve_count(f->model);
    CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_sens, &rs));
    CHECK(rom_model_affine_solve_count(f->model) - before ==
              (long)(rs.fom_solves + rs.fom_adjoint_solves + rs.fom_sensitivity_solves +
                     rs.estimator_solves),
          "host solves %ld = %d + %d + %d + %d", rom_model_affine_solve_count(f->model) - before,
          rs.fom_solves, rs.fom_adjoint_solves, rs.fom_sensitivity_solves, rs.estimator_solves);
    CHECK(rs.fom_sensitivity_solves > 0 && rs.fom_sensitivity_solves % P == 0,
          "P sensitivities per enrichment (%d)", rs.fom_sensitivity_solves);
    CHECK(rs.fom_sensitivity_solves <= P * rs.fom_solves, "at most one set per FOM state");
    CHECK(rs.iterations < rt.iterations, "sensitivities: %d iterations < plain %d", rs.iterations,
          rt.iterations);
    CHECK(fabs(rs.objective - rf.objective) <= 1e-6 * rf.objective,
          "trust region with sensitivities: optimum %.15g vs FOM-only %.15g", rs.objective,
          rf.objective);
    CHECK(rt.fom_sensitivity_solves == 0, "no sensitivities without the option");
    /* tr_direct_bound: the same bound computed by one host solve per evaluation instead of
     * the estimator's representers: the same steps (iterations, optimum), fewer solves, all
     * counted; and with sensitivities. */
    for (int sv = 0; sv < 2; ++sv) {
      double mu_d[P] = {1, 1, 1, 1};
      rom_optimize_result rd;
      o.tr_sensitivities = sv;
      o.tr_direct_bound = 1;
      const long b0 = rom_model_affine_solve_count(f->model);
      CHECK_OK(ctx, rom_optimize(f->model, &d, &o, mu_d, &rd));
      CHECK(rom_model_affine_solve_count(f->model) - b0 ==
                (long)(rd.fom_solves + rd.fom_adjoint_solves + rd.fom_sensitivity_solves +
                       rd.estimator_solves),
            "direct bound: host solves %ld = %d + %d + %d + %d",
            rom_model_affine_solve_count(f->model) - b0, rd.fom_solves, rd.fom_adjoint_solves,
            rd.fom_sensitivity_solves, rd.estimator_solves);
      const rom_optimize_result *ref = sv ? &rs : &rt;
      CHECK(rd.iterations == ref->iterations && rd.fom_solves == ref->fom_solves,
            "direct bound (sensitivities %d): %d iterations, %d states as with the estimator "
            "(%d, %d)",
            sv, rd.iterations, rd.fom_solves, ref->iterations, ref->fom_solves);
      CHECK(rd.estimator_solves < ref->estimator_solves,
            "direct bound: %d bound solves < the estimator's %d", rd.estimator_solves,
            ref->estimator_solves);
      CHECK(fabs(rd.objective - rf.objective) <= 1e-6 * rf.objective,
            "direct bound: optimum %.15g vs FOM-only %.15g", rd.objective, rf.objective);
    }
    if (rom_ctx_rank(ctx) == 0)
      printf("optimize(np=%d): tr + sensitivities %.15g (%d+%d+%d solves, %d est, k=%d, %d it)\n",
             rom_ctx_size(ctx), rs.objective, rs.fom_solves, rs.fom_adjoint_solves,
             rs.fom_sensitivity_solves, rs.estimator_solves, rs.rom_dim, rs.iterations);
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("optimize(np=%d): J fom %.15g (%d+%d solves), rom %.15g / fom there %.15g (%d solves, "
           "k=%d), tr %.15g (%d+%d solves, %d est, k=%d, %d it, %d rej)\n",
           rom_ctx_size(ctx), rf.objective, rf.fom_solves, rf.fom_adjoint_solves, rr.objective,
           rr.fom_objective, rr.fom_solves, rr.rom_dim, rt.objective, rt.fom_solves,
           rt.fom_adjoint_solves, rt.estimator_solves, rt.rom_dim, rt.iterations, rt.rejected);
  CHECK(rf.objective > 0.0, "J* = %g > 0", rf.objective);
  CHECK(fabs(rr.fom_objective - rf.objective) <= 1e-6 * rf.objective,
        "fixed ROM optimum: FOM J there %.15g vs FOM-only %.15g", rr.fom_objective, rf.objective);
  CHECK(fabs(rt.objective - rf.objective) <= 1e-6 * rf.objective,
        "trust-region optimum %.15g vs FOM-only %.15g", rt.objective, rf.objective);
  CHECK(rt.fom_solves < rf.fom_solves, "trust region %d FOM solves < FOM-only %d", rt.fom_solves,
        rf.fom_solves);
  for (int j = 0; j < P; ++j) {
    CHECK_CLOSE(mu_tr[j], mu_fom[j], 1e-3, "trust-region mu_%d", j);
    CHECK_CLOSE(mu_rom[j], mu_fom[j], 1e-3, "fixed-ROM mu_%d", j);
  }
  /* First-order optimality of the FOM-only optimum, by the (separately tested) FOM gradient:
   * dJ/dmu = sum_o (s_o - t_o) ds_o/dmu, zero in the free directions. */
  {
    double s[NOUT], g[NOUT * P], gJ[P] = {0}, gscale = 0.0;
    CHECK_OK(ctx, rom_fom_output_gradients(f->model, mu_fom, NOUT, f->Lw, NULL, NULL, s, g));
    for (int j = 0; j < P; ++j) {
      for (int o2 = 0; o2 < NOUT; ++o2) {
        gJ[j] += (s[o2] - target[o2]) * g[o2 * P + j];
        gscale = fmax(gscale, fabs(s[o2] - target[o2]) * fabs(g[o2 * P + j]));
      }
      const int free_dir = mu_fom[j] > lower[j] * (1 + 1e-9) && mu_fom[j] < upper[j] * (1 - 1e-9);
      if (free_dir)
        CHECK(fabs(gJ[j]) <= 1e-5 * gscale, "dJ/dmu_%d = %g at the optimum (scale %g)", j, gJ[j],
              gscale);
    }
  }
  CHECK(fabs(rf.objective - J_SERIAL) <= 1e-9 * J_SERIAL, "optimum %.17g vs the serial run's %.17g",
        rf.objective, J_SERIAL);

  /* Bad input. */
  double mu0[P] = {1, 1, 1, 1};
  o = rom_optimize_options_default();
  {
    double lo2[P] = {0.1, 10.0, 0.1, 0.1}, hi2[P] = {10.0, 0.1, 10.0, 10.0};
    rom_design bad = d;
    bad.lower = lo2;
    bad.upper = hi2;
    CHECK_ERR(ctx, rom_optimize(f->model, &bad, &o, mu0, &rf), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "lower < upper") != NULL, "inverted bounds: '%s'",
          rom_ctx_last_error(ctx));
    double out[P] = {1, 1, 20, 1};
    CHECK_ERR(ctx, rom_optimize(f->model, &d, &o, out, &rf), ROM_ERR_ARG);
    bad = d;
    bad.target = NULL;
    CHECK_ERR(ctx, rom_optimize(f->model, &bad, &o, mu0, &rf), ROM_ERR_ARG);
  }
  o.algorithm = "LN_COBYLA";
  CHECK_ERR(ctx, rom_optimize(f->model, &d, &o, mu0, &rf), ROM_ERR_ARG);
  o.algorithm = "LD_NOSUCH";
  CHECK_ERR(ctx, rom_optimize(f->model, &d, &o, mu0, &rf), ROM_ERR_ARG);
  o = rom_optimize_options_default();
  o.method = ROM_OPTIMIZE_ROM;
  CHECK_ERR(ctx, rom_optimize(f->model, &d, &o, mu0, &rf), ROM_ERR_ARG);
  o = rom_optimize_options_default();
  o.max_evaluations = 2;
  CHECK_ERR(ctx, rom_optimize(f->model, &d, &o, mu0, &rf), ROM_ERR_NOT_CONVERGED);
  CHECK(strstr(rom_ctx_last_error(ctx), "NLOPT_MAXEVAL_REACHED = 5") != NULL,
        "NLopt's code in the message: '%s'", rom_ctx_last_error(ctx));
  CHECK(rf.nlopt_code == 5, "result.nlopt_code = %d (NLOPT_MAXEVAL_REACHED)", rf.nlopt_code);
}

/* A model with non-linear coefficients, theta = (mu_0^2, exp(mu_1), mu_0 mu_1): the
 * central-difference fallback against the analytic derivatives. */
static int nl_apply(void *user, int q, const double *x, double *y) {
  (void)user, (void)q, (void)x, (void)y;
  return 0;
}
static int nl_theta(void *user, const double *mu, double *theta) {
  (void)user;
  theta[0] = mu[0] * mu[0];
  theta[1] = exp(mu[1]);
  theta[2] = mu[0] * mu[1];
  return 0;
}
static void test_fallback_derivatives(rom_ctx *ctx) {
  rom_model *m = NULL;
  const double mu[2] = {0.3, -1.7};
  double d[6];
  const double exact[6] = {2 * mu[0], 0.0, mu[1], 0.0, exp(mu[1]), mu[0]};
  CHECK_OK(ctx, rom_model_create(ctx, 0, 2, NULL, &m));
  CHECK_ERR(ctx, rom_model_operator_coefficient_derivatives(m, mu, d), ROM_ERR_STATE);
  CHECK_OK(ctx, rom_model_set_affine_operator(m, 3, nl_apply, nl_theta));
  CHECK_OK(ctx, rom_model_operator_coefficient_derivatives(m, mu, d));
  for (int i = 0; i < 6; ++i)
    CHECK(fabs(d[i] - exact[i]) <= 1e-9 * fmax(1.0, fabs(exact[i])),
          "central-difference d theta[%d] = %.15g vs %.15g", i, d[i], exact[i]);
  rom_model_destroy(&m);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  fom f;
  test_fallback_derivatives(ctx);
  fom_make(ctx, &f);
  test_gradients(&f);
  test_optimize(&f);
  test_probe_weights(&f);
  rom_heat2d_destroy(&f.h);
  free(f.Lw);
  return test_finish(&ctx);
}
