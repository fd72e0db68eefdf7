/* The NLopt driver of rom_optimize (romkit/optimize.h): a thin wrapper over NLopt's C API
 * (S. G. Johnson, "The NLopt nonlinear-optimization package", https://github.com/stevengj/nlopt,
 * Debian libnlopt-dev), and the stub that says so when romkit was built without it
 * (CMake option ROMKIT_WITH_NLOPT).
 *
 * Every rank runs NLopt on the same numbers: the objective functions broadcast rank 0's values
 * (optim_fom.c; the ROM's are replicated), so the ranks take the same steps and call the
 * collective FOM objective the same number of times. A romkit error inside the objective
 * stops NLopt (nlopt_force_stop) and is returned as it was. NLopt's own failures become
 * ROM_ERR_NOT_CONVERGED naming NLopt's code (nlopt_result) and its name; reaching the
 * evaluation limit is a failure too (NLopt counts it a success), since the point returned is
 * then not an optimum. NLOPT_ROUNDOFF_LIMITED is accepted: it means the tolerance asked for
 * is below what rounding lets the algorithm resolve, and the point is the best found. */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <math.h>
#include <string.h>

#ifdef ROMKIT_HAVE_NLOPT
#include <nlopt.h>

int rom_optimize_available(void) {
  return 1;
}

int rom_optim_nlopt_check_algorithm(rom_ctx *ctx, const char *name) {
  int err = ROM_OK;
  ROM_CHECK(ctx, name != NULL && name[0] != '\0', ROM_ERR_ARG,
            "the NLopt algorithm name must not be empty (e.g. LD_SLSQP, LD_MMA, LD_LBFGS)");
  {
    nlopt_algorithm a = nlopt_algorithm_from_string(name);
    ROM_CHECK(ctx, (int)a >= 0 && strncmp(name, "LD_", 3) == 0, ROM_ERR_ARG,
              "'%s' is not a gradient-based NLopt algorithm with bounds: use LD_SLSQP, LD_MMA, "
              "LD_CCSAQ, LD_LBFGS, LD_TNEWTON_PRECOND_RESTART or LD_VAR2 (NLopt's names "
              "without the NLOPT_ prefix)",
              name);
  }
cleanup:
  return err;
}

typedef struct {
  rom_optim_fn f;
  void *user;
  nlopt_opt opt;
  int err, evaluations;
} nl_data;

static double nl_objective(unsigned n, const double *x, double *grad, void *data) {
  nl_data *d = data;
  double J = HUGE_VAL;
  (void)n;
  if (d->err) return J;
  d->err = d->f(d->user, x, &J, grad);
  d->evaluations++;
  if (d->err) nlopt_force_stop(d->opt);
  return J;
}

int rom_optim_nlopt_minimize(rom_ctx *ctx, const rom_optimize_options *opts, int n,
                             const double *lower, const double *upper, rom_optim_fn f, void *user,
                             double *x, double *fmin, int *code, int *evaluations) {
  int err = ROM_OK;
  nl_data d;
  nlopt_result r = NLOPT_FAILURE;
  memset(&d, 0, sizeof d);
  ROM_TRY(ctx, rom_optim_nlopt_check_algorithm(ctx, opts->algorithm));
  d.f = f;
  d.user = user;
  d.opt = nlopt_create(nlopt_algorithm_from_string(opts->algorithm), (unsigned)n);
  ROM_CHECK(ctx, d.opt != NULL, ROM_ERR_NOMEM, "nlopt_create(%s, %d) failed", opts->algorithm, n);
  ROM_CHECK(ctx,
            nlopt_set_lower_bounds(d.opt, lower) > 0 && nlopt_set_upper_bounds(d.opt, upper) > 0 &&
                nlopt_set_min_objective(d.opt, nl_objective, &d) > 0 &&
                nlopt_set_ftol_rel(d.opt, opts->ftol_rel) > 0 &&
                nlopt_set_xtol_rel(d.opt, opts->xtol_rel) > 0 &&
                nlopt_set_maxeval(d.opt, opts->max_evaluations) > 0,
            ROM_ERR_ARG, "NLopt refused the bounds, tolerances or evaluation limit");
  *fmin = HUGE_VAL;
  r = nlopt_optimize(d.opt, x, fmin);
  *code = (int)r;
  *evaluations += d.evaluations;
  if (d.err) {
    err = d.err; /* the objective's own error, already on the context */
    goto cleanup;
  }
  ROM_CHECK(ctx, r > 0 || r == NLOPT_ROUNDOFF_LIMITED, ROM_ERR_NOT_CONVERGED,
            "NLopt (%s) failed: NLOPT_%s = %d after %d evaluations", opts->algorithm,
            nlopt_result_to_string(r), (int)r, d.evaluations);
  ROM_CHECK(ctx, r != NLOPT_MAXEVAL_REACHED, ROM_ERR_NOT_CONVERGED,
            "NLopt (%s) stopped at the evaluation limit before converging: NLOPT_%s = %d after %d "
            "evaluations (raise max_evaluations or the tolerances)",
            opts->algorithm, nlopt_result_to_string(r), (int)r, d.evaluations);
cleanup:
  if (d.opt) nlopt_destroy(d.opt);
  return err;
}

#else /* built without NLopt */

int rom_optimize_available(void) {
  return 0;
}

static int no_nlopt(rom_ctx *ctx) {
  return rom_error_set(ctx, ROM_ERR_UNSUPPORTED, __FILE__, __LINE__, __func__,
                       "romkit was built without NLopt (configure with NLopt installed: "
                       "apt-get install libnlopt-dev, and -DROMKIT_WITH_NLOPT=ON)");
}

int rom_optim_nlopt_check_algorithm(rom_ctx *ctx, const char *name) {
  (void)name;
  return no_nlopt(ctx);
}

int rom_optim_nlopt_minimize(rom_ctx *ctx, const rom_optimize_options *opts, int n,
                             const double *lower, const double *upper, rom_optim_fn f, void *user,
                             double *x, double *fmin, int *code, int *evaluations) {
  (void)opts, (void)n, (void)lower, (void)upper, (void)f, (void)user, (void)x, (void)fmin;
  (void)evaluations;
  *code = 0;
  return no_nlopt(ctx);
}

#endif
