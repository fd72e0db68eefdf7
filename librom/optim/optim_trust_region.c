/* The trust-region reduced-basis loop of rom_optimize (ROM_OPTIMIZE_TRUST_REGION).
 *
 * After Yue, Meerbergen, "Accelerating optimization of parametric linear systems by model order
 * reduction", SIAM J. Optim. 23 (2013), and Keil, Mechelli, Ohlberger, Schindler, Volkwein, "A
 * non-conforming dual approach for adaptive trust-region reduced basis approximation of
 * PDE-constrained parameter optimization", ESAIM: M2AN 55 (2021), Algorithm 1:
 *
 *  0. FOM state u and adjoint lambda of J at mu_0; the basis is {u, lambda} (Gram-Schmidt),
 *     the ROM and the library's a-posteriori state bound (rom_affine_rom_build_estimator: the
 *     stable residual norm in the energy norm of X = A(theta(mu_0)), min-theta coercivity) are
 *     built on it; Delta_J (objective_bound below) follows from it.
 *  1. Stop when the FOM's projected gradient (in box-scaled variables) is below
 *     tr_gradient_tolerance times the first one, or when the last accepted step lowered J by
 *     less than tr_objective_tolerance |J| (the sub-problem's NLopt then only creeps at its
 *     own ftol_rel).
 *  2. Sub-problem: NLopt minimises the ROM objective J_r over the box intersected with a box
 *     of radius delta around mu_k; the step is then halved (backtracking, Keil et al. sec. 4.1)
 *     until it lies in the trust region Delta_J(mu) / |J_r(mu)| <= tau_k (tau_0 =
 *     tr_bound_tolerance, doubled up to 1 after a well-predicted step, halved after a reject).
 *  3. One FOM evaluation (state + adjoint) at the candidate. Accept if J decreased: mu_k moves
 *     there, and u, lambda enrich the basis (rom_affine_rom_extend: the ROM and its estimator
 *     grow, nothing is reprojected). Otherwise reject and halve delta and tau.
 * Because u(mu_k) and lambda(mu_k) lie in the basis, the Galerkin ROM reproduces J(mu_k) and
 * grad J(mu_k) exactly (up to rounding) at every accepted iterate, so the ROM sub-problem is a
 * first-order consistent model and the loop converges to a stationary point of the FOM's J
 * (Yue, Meerbergen 2013, Theorem 3.4). Every rank runs the loop on rank 0's numbers.
 *
 * Options (docs/optimisation.md, "Options of the trust region"): tr_sensitivities also puts
 * du/dmu_j at each enriched iterate into the basis (Banholzer, Keil, Mechelli, Ohlberger,
 * Schindler, Volkwein, Pure Appl. Funct. Anal. 7, 2022: the sub-problem's model is then exact
 * to first order in the state, 5 instead of 10 iterations on P3); tr_direct_bound evaluates
 * the same state bound with one host solve per bound evaluation instead of the estimator's
 * Riesz representers (direct_state_bound below). */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <math.h>
#include <string.h>

static int rom_objective(void *user, const double *x, double *J, double *grad) {
  return rom_optim_rom_evaluate(user, x, J, grad);
}

/* || x - P(x - grad_x) ||_2 in the box-scaled variables x = (mu - lower) / (upper - lower). */
static double projected_gradient_norm(const rom_design *d, int p, const double *mu,
                                      const double *g) {
  double s = 0.0;
  for (int j = 0; j < p; ++j) {
    const double w = d->upper[j] - d->lower[j], x = (mu[j] - d->lower[j]) / w;
    const double step = fmin(1.0, fmax(0.0, x - g[j] * w));
    s += (x - step) * (x - step);
  }
  return sqrt(s);
}

/* The bound's data: the dual norms ||l_o||_{X'} = sqrt(l_o^T X^{-1} l_o) of the outputs in the
 * estimator's inner product X = A(theta_bar) (one host solve each, with X), and the host solves
 * spent on the estimator so far (rom_model_affine_solve_count around its calls: honest counts
 * whatever the estimator's internals). */
typedef struct {
  double *lnorm;
  long solves;
  /* tr_direct_bound: the residual's dual norm solved directly at each candidate */
  int direct;
  rom_optim_fom *fom;         /* its rhs terms F */
  double *theta_bar;          /* Qa: X = A(theta_bar) */
  double *ur, *res, *z, *tmp; /* L each */
} tr_bound;

static void tr_bound_free(rom_ctx *ctx, tr_bound *b) {
  double **arrays[] = {&b->lnorm, &b->theta_bar, &b->ur, &b->res, &b->z, &b->tmp};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; ++i) {
    rom_free(ctx, *arrays[i]);
    *arrays[i] = NULL;
  }
}

static int tr_bound_direct_setup(rom_optim_fom *fom, const double *theta_bar, tr_bound *b) {
  int err = ROM_OK;
  rom_ctx *ctx = fom->dim.ctx;
  const size_t L = (size_t)fom->dim.L + 1;
  b->direct = 1;
  b->fom = fom;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)fom->dim.Qa, (void **)&b->theta_bar));
  memcpy(b->theta_bar, theta_bar, sizeof(double) * (size_t)fom->dim.Qa);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * L, (void **)&b->ur));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * L, (void **)&b->res));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * L, (void **)&b->z));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * L, (void **)&b->tmp));
cleanup:
  return err;
}

/* The state bound without the offline/online split (tr_direct_bound): the same quantity as
 * rom_affine_rom_error_bound with min-theta coercivity, ||u - u_r||_X <= ||r||_X' / alpha_LB,
 * r = f(mu) - A(mu) u_r, alpha_LB = min_q theta_q(mu) / theta_bar_q, but ||r||_X' =
 * sqrt(r^T X^{-1} r) by one host solve with X = A(theta_bar) at the candidate (the host keeps
 * X's factor) instead of Qf + Qa + k (Qa + 1) Riesz representers grown with the basis. The
 * trust region needs the bound only at the sub-problem's solution and its backtracking
 * points (one to a few per iteration), not at every ROM evaluation, so this is the cheaper
 * way once k (Qa + 1) exceeds that; computed from the residual vector itself, it has no
 * cancellation (the stable form's concern). min-theta is valid when every A_q is symmetric
 * positive semi-definite and theta > 0 (parametric coercivity, P3; Hesthaven, Rozza, Stamm
 * 2016, sec. 4.2.2): the caller's statement, as for ROM_COERCIVITY_MIN_THETA. Collective. */
static int direct_state_bound(rom_optim_rom *r, tr_bound *b, double *du) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  const rom_int L = r->dim.L;
  const int Qa = r->dim.Qa, Qf = r->dim.Qf;
  rom_dmat *P = NULL;
  double alpha = INFINITY, sums[1] = {0.0};
  const long before = rom_model_affine_solve_count(r->dim.model);
  for (int q = 0; q < Qa; ++q)
    alpha = fmin(alpha, r->theta[q] / b->theta_bar[q]);
  ROM_CHECK_ALL(ctx, alpha > 0.0 && isfinite(alpha), ROM_ERR_UNSUPPORTED,
                "tr_direct_bound needs min-theta coercivity: theta_q(mu) > 0 and theta_bar_q > 0 "
                "(min theta_q / theta_bar_q = %g)",
                alpha);
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, r->k, r->Phi, L, &P));
  ROM_TRY(ctx, rom_dmat_times_vector(P, r->q, b->ur));
  for (rom_int i = 0; i < L; ++i) {
    double acc = 0.0;
    for (int q = 0; q < Qf; ++q)
      acc += r->phi[q] * b->fom->F[i + L * q];
    b->res[i] = acc;
  }
  for (int q = 0; q < Qa; ++q) {
    ROM_TRY(ctx, rom_model_apply_operator_term(r->dim.model, q, b->ur, b->tmp));
    for (rom_int i = 0; i < L; ++i)
      b->res[i] -= r->theta[q] * b->tmp[i];
  }
  ROM_TRY(ctx, rom_model_affine_solve(r->dim.model, b->theta_bar, 0.0, 1.0, 0, b->res, b->z));
  for (rom_int i = 0; i < L; ++i)
    sums[0] += b->res[i] * b->z[i];
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, sums, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  /* rank 0's value everywhere: the ranks take the same steps */
  ROM_MPI(ctx, MPI_Bcast(sums, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  *du = sqrt(fmax(sums[0], 0.0)) / alpha;
cleanup:
  b->solves += rom_model_affine_solve_count(r->dim.model) - before;
  rom_dmat_destroy(&P);
  return err;
}

static int output_dual_norms(rom_optim_rom *r, const double *theta_bar, tr_bound *b) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  double *z = NULL;
  const long before = rom_model_affine_solve_count(r->dim.model);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * ((size_t)r->dim.no + 1), (void **)&b->lnorm));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * ((size_t)r->dim.L + 1), (void **)&z));
  for (int o = 0; o < r->dim.no; ++o) {
    const double *l = r->dim.L > 0 ? r->dim.design->L_local + r->dim.L * o : z;
    double local = 0.0, sum = 0.0;
    ROM_TRY(ctx, rom_model_affine_solve(r->dim.model, theta_bar, 0.0, 1.0, 0, l, z));
    for (rom_int i = 0; i < r->dim.L; ++i)
      local += l[i] * z[i];
    ROM_MPI(ctx, MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Bcast(&sum, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
    b->lnorm[o] = sqrt(fmax(sum, 0.0));
  }
cleanup:
  b->solves += rom_model_affine_solve_count(r->dim.model) - before;
  rom_free(ctx, z);
  return err;
}

/* Delta_J >= |J(mu) - J_r(mu)|, after rom_optim_rom_evaluate at mu (its theta, phi, q, s).
 * The state bound ||u - u_r||_X <= Delta_u (rom_affine_rom_error_bound) gives every output
 * |s_o - s_r,o| = |l_o^T (u - u_r)| <= ||l_o||_X' Delta_u =: Delta_o, and J(s) - J(s_r) is
 * bounded term by term:
 *     Delta_J = sum_o |c_o| Delta_o + w_o (|s_r,o - t_o| Delta_o + Delta_o^2 / 2).
 * Not the primal-dual corrected output bounds (rom_affine_rom_output_bounds): J_r must be the
 * function whose gradient the sub-problem follows (the uncorrected s_r), the misfit needs one
 * dual space per output (nine on P3) that rom_affine_rom_extend drops at every enrichment, and
 * the basis already holds J's aggregated adjoint at every iterate. */
static int objective_bound(rom_optim_rom *r, tr_bound *b, double *bound) {
  int err = ROM_OK;
  const rom_design *d = r->dim.design;
  double du = 0.0, dJ = 0.0;
  if (b->direct)
    ROM_TRY(r->dim.ctx, direct_state_bound(r, b, &du));
  else
    ROM_TRY(r->dim.ctx, rom_affine_rom_error_bound(r->rom, r->theta, r->phi, r->q, &du));
  for (int o = 0; o < r->dim.no; ++o) {
    const double dout = b->lnorm[o] * du;
    if (d->linear_weights) dJ += fabs(d->linear_weights[o]) * dout;
    if (d->target) {
      const double w = d->misfit_weights ? d->misfit_weights[o] : 1.0;
      dJ += w * (fabs(r->s[o] - d->target[o]) * dout + 0.5 * dout * dout);
    }
  }
  *bound = dJ;
cleanup:
  return err;
}

/* Where the time goes (logged at the end): FOM states + adjoints, sensitivities, basis
 * growth with the ROM and estimator extension, the bound's setup, the ROM sub-problems. */
enum { TR_FOM, TR_SENS, TR_ENRICH, TR_SETUP, TR_SUB, TR_NTIME };

/* u and lambda of the last FOM evaluation (at mu, with a gradient) into the basis, and with
 * `sensitivities` du/dmu_j too; the ROM and its estimator grow. */
static int enrich(rom_optim_rom *rom, rom_optim_fom *fom, const double *mu, int sensitivities,
                  tr_bound *b, double *seconds) {
  int err = ROM_OK;
  int added = 0;
  double t0 = MPI_Wtime();
  ROM_TRY(rom->dim.ctx, rom_optim_rom_add_snapshot(rom, fom->u, &added));
  ROM_TRY(rom->dim.ctx, rom_optim_rom_add_snapshot(rom, fom->lambda, &added));
  if (sensitivities) {
    ROM_TRY(rom->dim.ctx, rom_optim_fom_sensitivities(fom, mu));
    seconds[TR_SENS] += MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    for (int j = 0; j < fom->dim.p; ++j)
      ROM_TRY(rom->dim.ctx,
              rom_optim_rom_add_snapshot(
                  rom, fom->dim.L > 0 ? fom->S + fom->dim.L * (size_t)j : fom->S, &added));
  }
  const long before = rom_model_affine_solve_count(rom->dim.model);
  err = rom_optim_rom_extend(rom);
  b->solves += rom_model_affine_solve_count(rom->dim.model) - before;
  seconds[TR_ENRICH] += MPI_Wtime() - t0;
  ROM_TRY(rom->dim.ctx, err);
cleanup:
  return err;
}

int rom_optim_trust_region(rom_model *model, const rom_design *design,
                           const rom_optimize_options *opts, double *mu,
                           rom_optimize_result *result) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  const int p = rom_model_num_parameters(model);
  rom_optim_fom *fom = NULL;
  rom_optim_rom *rom = NULL;
  tr_bound est;
  double *work = NULL;
  double Jk = 0.0, pg0 = 0.0, delta = opts->tr_radius, tau = opts->tr_bound_tolerance;
  int converged = 0;
  memset(&est, 0, sizeof est);
  ROM_TRY(ctx, rom_optim_fom_create(model, design, &fom));
  ROM_TRY(ctx, rom_optim_rom_create(model, design, opts->pod_tolerance, &rom));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(5 * p), (void **)&work));
  double *gk = work, *gc = gk + p, *mc = gc + p, *lo = mc + p, *hi = lo + p;

  double tm[TR_NTIME] = {0}, t0 = MPI_Wtime();
  ROM_TRY(ctx, rom_optim_fom_evaluate(fom, mu, &Jk, gk));
  tm[TR_FOM] += MPI_Wtime() - t0;
  ROM_TRY(ctx, enrich(rom, fom, mu, opts->tr_sensitivities, &est, tm));
  t0 = MPI_Wtime();
  if (opts->tr_direct_bound) {
    ROM_TRY(ctx, tr_bound_direct_setup(fom, fom->theta, &est));
  } else {
    /* X = A(theta(mu_0)): the bound's inner product; min-theta needs theta_q(mu) > 0. */
    rom_estimator_options eo = rom_estimator_options_default();
    const long before = rom_model_affine_solve_count(model);
    eo.theta_bar = fom->theta;
    err = rom_affine_rom_build_estimator(rom->rom, model, rom->basis, &eo);
    est.solves += rom_model_affine_solve_count(model) - before;
    ROM_TRY(ctx, err);
  }
  ROM_TRY(ctx, output_dual_norms(rom, fom->theta, &est));
  tm[TR_SETUP] += MPI_Wtime() - t0;
  pg0 = projected_gradient_norm(design, p, mu, gk);
  rom_log(ctx, ROM_LOG_INFO, "trust region: J(mu_0) = %.12g, projected gradient %.3e", Jk, pg0);

  for (int it = 0; it < opts->tr_max_iterations; ++it) {
    const double pg = projected_gradient_norm(design, p, mu, gk);
    double Jr_k = 0.0, Jr_c = 0.0, Jc = 0.0, bound = 0.0;
    result->iterations = it + 1;
    if (pg <= opts->tr_gradient_tolerance * pg0 || pg == 0.0) {
      converged = 1;
      break;
    }
    /* 2. the ROM sub-problem in the box around mu_k, then back into the bound's region */
    for (int j = 0; j < p; ++j) {
      const double w = delta * (design->upper[j] - design->lower[j]);
      lo[j] = fmax(design->lower[j], mu[j] - w);
      hi[j] = fmin(design->upper[j], mu[j] + w);
    }
    memcpy(mc, mu, sizeof(double) * (size_t)p);
    t0 = MPI_Wtime();
    ROM_TRY(ctx, rom_optim_rom_evaluate(rom, mu, &Jr_k, NULL));
    {
      int code = 0;
      ROM_TRY(ctx, rom_optim_nlopt_minimize(ctx, opts, p, lo, hi, rom_objective, rom, mc, &Jr_c,
                                            &code, &result->evaluations));
      result->nlopt_code = code;
    }
    for (int bt = 0;; ++bt) {
      ROM_TRY(ctx, rom_optim_rom_evaluate(rom, mc, &Jr_c, NULL));
      ROM_TRY(ctx, objective_bound(rom, &est, &bound));
      if (bound <= tau * fabs(Jr_c) || bt == 40) break;
      for (int j = 0; j < p; ++j)
        mc[j] = mu[j] + 0.5 * (mc[j] - mu[j]);
    }
    tm[TR_SUB] += MPI_Wtime() - t0;
    const double predicted = Jr_k - Jr_c;
    if (!(predicted > 1e-14 * fabs(Jk))) {
      /* The ROM, exact to first order at mu_k, sees no descent: mu_k is stationary to
       * rounding. */
      converged = 1;
      break;
    }
    if (Jk - (Jr_c - bound) <= opts->tr_objective_tolerance * fabs(Jk)) {
      /* Certified: J(mu_c) >= J_r(mu_c) - Delta_J, so no point of the sub-problem can lower J
       * by more than the objective tolerance; the FOM solve that would show it is skipped. */
      rom_log(ctx, ROM_LOG_INFO,
              "trust region %d: the bound certifies a decrease <= %.3g: stopped without a FOM "
              "solve",
              it, Jk - (Jr_c - bound));
      converged = 1;
      break;
    }
    /* 3. the FOM at the candidate: accept or reject */
    t0 = MPI_Wtime();
    ROM_TRY(ctx, rom_optim_fom_evaluate(fom, mc, &Jc, gc));
    tm[TR_FOM] += MPI_Wtime() - t0;
    if (Jc < Jk) {
      const double rho = (Jk - Jc) / predicted;
      rom_log(ctx, ROM_LOG_INFO,
              "trust region %d: accepted, J = %.12g (ROM predicted %.12g, bound %.2e), rho = "
              "%.3f, delta = %.3g, k = %lld",
              it, Jc, Jr_c, bound, rho, delta, (long long)rom->k);
      memcpy(mu, mc, sizeof(double) * (size_t)p);
      memcpy(gk, gc, sizeof(double) * (size_t)p);
      const double decrease = Jk - Jc;
      Jk = Jc;
      if (decrease <= opts->tr_objective_tolerance * fabs(Jk)) {
        converged = 1;
        break;
      }
      ROM_TRY(ctx, enrich(rom, fom, mu, opts->tr_sensitivities, &est, tm));
      /* A good prediction widens both radii (Keil et al. 2021, Algorithm 1: the bound's
       * radius is enlarged when rho >= 0.75); the bound's is the one that limits the step
       * when the estimator overestimates the error by orders of magnitude. */
      if (rho > 0.75) {
        delta = fmin(1.0, 2.0 * delta);
        tau = fmin(1.0, 2.0 * tau);
      }
    } else {
      result->rejected++;
      delta *= 0.5;
      tau *= 0.5;
      rom_log(ctx, ROM_LOG_INFO, "trust region %d: rejected, J = %.12g >= %.12g, delta -> %.3g", it,
              Jc, Jk, delta);
      ROM_CHECK_ALL(ctx, delta >= 1e-12, ROM_ERR_NOT_CONVERGED,
                    "the trust region shrank below 1e-12 of the box after %d iterations without "
                    "a decrease of J = %.17g (projected gradient %.3e)",
                    it + 1, Jk, pg);
    }
  }
  ROM_CHECK_ALL(ctx, converged, ROM_ERR_NOT_CONVERGED,
                "the trust region did not converge in %d iterations (J = %.17g, projected "
                "gradient %.3e of the first %.3e)",
                opts->tr_max_iterations, Jk, projected_gradient_norm(design, p, mu, gk), pg0);
  rom_log(ctx, ROM_LOG_INFO,
          "trust region: seconds in FOM states + adjoints %.3f, sensitivities %.3f, basis + ROM + "
          "estimator growth %.3f, bound setup %.3f, ROM sub-problems + bound %.3f",
          tm[TR_FOM], tm[TR_SENS], tm[TR_ENRICH], tm[TR_SETUP], tm[TR_SUB]);
  result->objective = Jk;
  result->fom_objective = Jk;
  result->fom_solves = fom->solves;
  result->fom_adjoint_solves = fom->adjoint_solves;
  result->fom_sensitivity_solves = fom->sensitivity_solves;
  result->estimator_solves = (int)est.solves;
  result->rom_dim = (int)rom->k;
cleanup:
  tr_bound_free(ctx, &est);
  rom_optim_rom_destroy(&rom);
  rom_optim_fom_destroy(&fom);
  rom_free(ctx, work);
  return err;
}
