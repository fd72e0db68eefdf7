/* rom_optimize (romkit/optimize.h): argument checks, and the FOM-only and fixed-ROM ways; the
 * trust-region way is optim_trust_region.c. docs/optimisation.md. */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static const char *const method_names[] = {"fom", "rom", "trust-region"};

const char *rom_optimize_method_name(rom_optimize_method method) {
  return (int)method >= 0 && (int)method < 3 ? method_names[method] : NULL;
}

int rom_optimize_method_from_name(const char *name, rom_optimize_method *method) {
  for (int i = 0; name && i < 3; ++i)
    if (strcasecmp(name, method_names[i]) == 0) {
      *method = (rom_optimize_method)i;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

rom_optimize_options rom_optimize_options_default(void) {
  rom_optimize_options o;
  memset(&o, 0, sizeof o);
  o.method = ROM_OPTIMIZE_FOM;
  o.algorithm = "LD_SLSQP";
  o.ftol_rel = 1e-12;
  o.xtol_rel = 1e-10;
  o.max_evaluations = 500;
  o.pod_tolerance = 1e-9;
  o.tr_gradient_tolerance = 1e-8;
  o.tr_objective_tolerance = 1e-10;
  o.tr_bound_tolerance = 0.1;
  o.tr_radius = 0.5;
  o.tr_max_iterations = 50;
  return o;
}

/* Everything that can be checked before a solve, agreed over the ranks. */
static int check_input(rom_model *model, const rom_design *d, const rom_optimize_options *o,
                       const double *mu, rom_optimize_result *result) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  const int p = rom_model_num_parameters(model);
  const rom_int L = rom_model_local_rows(model);
  int bad = -1;
  ROM_CHECK_ALL(ctx, d != NULL && o != NULL && result != NULL, ROM_ERR_ARG,
                "design, options and result must not be NULL");
  ROM_CHECK_ALL(ctx, p >= 1 && mu != NULL, ROM_ERR_ARG,
                "the model has %d parameters: it needs >= 1, and mu must not be NULL", p);
  ROM_CHECK_ALL(ctx, rom_model_operator_terms(model) > 0 && rom_model_rhs_terms(model) > 0,
                ROM_ERR_STATE,
                "the model needs an affine operator and right-hand side "
                "(rom_model_set_affine_operator, rom_model_set_affine_rhs)");
  ROM_CHECK_ALL(ctx, rom_model_has_affine_solve(model), ROM_ERR_STATE,
                "the model has no linear solver: call rom_model_set_affine_solve");
  ROM_CHECK_ALL(ctx, d->num_outputs >= 1, ROM_ERR_ARG, "the design has %d outputs: it needs >= 1",
                d->num_outputs);
  ROM_CHECK_ALL(ctx, d->L_local != NULL || L == 0, ROM_ERR_ARG,
                "the design's output weights L_local must not be NULL");
  ROM_CHECK_ALL(ctx, d->target != NULL || d->linear_weights != NULL, ROM_ERR_ARG,
                "the design has no objective: give a target (misfit) or linear weights or both");
  ROM_CHECK_ALL(ctx, d->lower != NULL && d->upper != NULL, ROM_ERR_ARG,
                "the design's bounds lower and upper (%d values each) must not be NULL", p);
  for (int j = 0; j < p && bad < 0; ++j)
    if (!(isfinite(d->lower[j]) && isfinite(d->upper[j]) && d->lower[j] < d->upper[j])) bad = j;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                "bounds of parameter %d: lower = %g, upper = %g must be finite with lower < upper",
                bad, bad >= 0 ? d->lower[bad] : 0.0, bad >= 0 ? d->upper[bad] : 0.0);
  for (int j = 0; j < p && bad < 0; ++j)
    if (!(mu[j] >= d->lower[j] && mu[j] <= d->upper[j])) bad = j;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                "the starting point mu[%d] = %g is outside its bounds [%g, %g]", bad,
                bad >= 0 ? mu[bad] : 0.0, bad >= 0 ? d->lower[bad] : 0.0,
                bad >= 0 ? d->upper[bad] : 0.0);
  for (int o2 = 0; o2 < d->num_outputs && bad < 0; ++o2)
    if ((d->target && !isfinite(d->target[o2])) ||
        (d->misfit_weights && !(d->misfit_weights[o2] >= 0.0 && isfinite(d->misfit_weights[o2]))) ||
        (d->linear_weights && !isfinite(d->linear_weights[o2])))
      bad = o2;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                "output %d: its target and weights must be finite (misfit weights >= 0)", bad);
  ROM_CHECK_ALL(ctx, (int)o->method >= 0 && (int)o->method <= 2, ROM_ERR_ARG,
                "unknown optimisation method %d (fom, rom, trust-region)", (int)o->method);
  ROM_CHECK_ALL(ctx,
                o->max_evaluations >= 1 && o->ftol_rel >= 0.0 && o->xtol_rel >= 0.0 &&
                    o->pod_tolerance > 0.0 && o->pod_tolerance < 1.0,
                ROM_ERR_ARG,
                "max_evaluations = %d must be >= 1, ftol_rel = %g and xtol_rel = %g >= 0, "
                "pod_tolerance = %g in (0, 1)",
                o->max_evaluations, o->ftol_rel, o->xtol_rel, o->pod_tolerance);
  ROM_TRY_ALL(ctx, rom_optim_nlopt_check_algorithm(ctx, o->algorithm));
  if (o->method == ROM_OPTIMIZE_ROM) {
    ROM_CHECK_ALL(ctx, o->num_training >= 1 && o->training != NULL, ROM_ERR_ARG,
                  "the fixed-ROM method needs training parameters (num_training = %d)",
                  o->num_training);
    for (int i = 0; i < o->num_training * p && bad < 0; ++i)
      if (!isfinite(o->training[i])) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG, "training parameter %d (value %d) is not finite",
                  bad / p, bad % p);
  }
  if (o->method == ROM_OPTIMIZE_TRUST_REGION)
    ROM_CHECK_ALL(ctx,
                  o->tr_gradient_tolerance > 0.0 && o->tr_bound_tolerance > 0.0 &&
                      o->tr_objective_tolerance >= 0.0 && o->tr_radius > 0.0 &&
                      o->tr_radius <= 1.0 && o->tr_max_iterations >= 1,
                  ROM_ERR_ARG,
                  "trust region: tr_gradient_tolerance = %g and tr_bound_tolerance = %g must be > "
                  "0, tr_radius = %g in (0, 1], tr_max_iterations = %d >= 1",
                  o->tr_gradient_tolerance, o->tr_bound_tolerance, o->tr_radius,
                  o->tr_max_iterations);
cleanup:
  return err;
}

static int fom_objective(void *user, const double *x, double *J, double *grad) {
  return rom_optim_fom_evaluate(user, x, J, grad);
}
static int rom_objective(void *user, const double *x, double *J, double *grad) {
  return rom_optim_rom_evaluate(user, x, J, grad);
}

int rom_optimize(rom_model *model, const rom_design *design, const rom_optimize_options *opts,
                 double *mu, rom_optimize_result *result) {
  int err = ROM_OK;
  if (!model) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(model);
  rom_optim_fom *fom = NULL;
  rom_optim_rom *rom = NULL;
  rom_dmat *S = NULL;
  ROM_TRY(ctx, check_input(model, design, opts, mu, result));
  memset(result, 0, sizeof *result);
  if (opts->method == ROM_OPTIMIZE_TRUST_REGION) {
    ROM_TRY(ctx, rom_optim_trust_region(model, design, opts, mu, result));
    goto cleanup;
  }
  ROM_TRY(ctx, rom_optim_fom_create(model, design, &fom));
  const int p = rom_model_num_parameters(model);
  if (opts->method == ROM_OPTIMIZE_FOM) {
    ROM_TRY(ctx, rom_optim_nlopt_minimize(ctx, opts, p, design->lower, design->upper, fom_objective,
                                          fom, mu, &result->objective, &result->nlopt_code,
                                          &result->evaluations));
    result->fom_objective = result->objective;
  } else {
    const rom_int L = rom_model_local_rows(model);
    ROM_TRY(ctx, rom_optim_rom_create(model, design, opts->pod_tolerance, &rom));
    ROM_TRY(ctx, rom_dmat_create(ctx, L, opts->num_training, &S));
    for (int i = 0; i < opts->num_training; ++i)
      ROM_TRY(ctx, rom_optim_fom_state(fom, opts->training + (size_t)i * (size_t)p,
                                       rom_dmat_data(S) + (size_t)L * (size_t)i));
    ROM_TRY(ctx, rom_optim_rom_set_pod(rom, S));
    ROM_TRY(ctx, rom_optim_rom_rebuild(rom));
    ROM_TRY(ctx, rom_optim_nlopt_minimize(ctx, opts, p, design->lower, design->upper, rom_objective,
                                          rom, mu, &result->objective, &result->nlopt_code,
                                          &result->evaluations));
    result->rom_dim = (int)rom->k;
    /* The check at the optimum, not counted as one of the method's solves. */
    const int solves = fom->solves;
    ROM_TRY(ctx, rom_optim_fom_evaluate(fom, mu, &result->fom_objective, NULL));
    fom->solves = solves;
  }
  result->iterations = 1;
  result->fom_solves = fom->solves;
  result->fom_adjoint_solves = fom->adjoint_solves;
cleanup:
  rom_dmat_destroy(&S);
  rom_optim_rom_destroy(&rom);
  rom_optim_fom_destroy(&fom);
  return err;
}
