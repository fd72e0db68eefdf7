/* P3X — heat conduction with the non-affine conductivity exp(mu x) (heat2d_exp.c,
 * docs/problems.md "P3X") behind the problem interface. One parameter mu in [-2, 2]
 * (kappa from 1 to e^{+-2} across the square), options.resolution = interior nodes per
 * direction n (default 32), steady by default; with options.steps > 0 the transient
 * u_t - div(kappa grad u) = 1, u(0) = 0, over T = 0.5 like P3. */
#include "core/check.h"
#include "problems/problem_impl.h"
#include "romkit/problems.h"

#include <math.h>

#define P3X_FINAL_TIME 0.5
#define P3X_DEFAULT_N 32

typedef struct {
  rom_ctx *ctx;
  rom_heat2d_exp *fom;
  rom_int steps;
} p3x;

static int p3x_create(rom_ctx *ctx, const rom_problem_options *opts, void **impl) {
  int err = ROM_OK;
  p3x *p = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *p, (void **)&p));
  p->ctx = ctx;
  p->steps = opts->steps;
  ROM_TRY(ctx, rom_heat2d_exp_create(ctx, opts->resolution ? opts->resolution : P3X_DEFAULT_N,
                                     opts->local_rows, &p->fom));
  *impl = p;
  p = NULL;
cleanup:
  if (p) rom_free(ctx, p);
  return err;
}

static void p3x_destroy(void *impl) {
  p3x *p = impl;
  rom_heat2d_exp_destroy(&p->fom);
  rom_free(p->ctx, p);
}
static rom_model *p3x_model(void *impl) {
  return rom_heat2d_exp_model(((p3x *)impl)->fom);
}
static rom_int p3x_global_rows(const void *impl) {
  return rom_heat2d_exp_global_rows(((const p3x *)impl)->fom);
}
static rom_int p3x_local_rows(const void *impl) {
  return rom_heat2d_exp_local_rows(((const p3x *)impl)->fom);
}
static rom_int p3x_row_offset(const void *impl) {
  return rom_heat2d_exp_row_offset(((const p3x *)impl)->fom);
}
static int p3x_num_components(const void *impl) {
  (void)impl;
  return 1;
}
static int p3x_num_parameters(const void *impl) {
  (void)impl;
  return 1;
}
static void p3x_parameter_range(const void *impl, double *lower, double *upper, int *log_scale) {
  (void)impl;
  lower[0] = -2.0;
  upper[0] = 2.0;
  log_scale[0] = 0;
}
static rom_int p3x_steps(const void *impl) {
  return ((const p3x *)impl)->steps;
}
static double p3x_time_step(const void *impl) {
  const p3x *p = impl;
  return p->steps > 0 ? P3X_FINAL_TIME / (double)p->steps : 0.0;
}
static int p3x_initial(void *impl, const double *mu, double *u0_local) {
  (void)mu;
  for (rom_int l = 0; l < p3x_local_rows(impl); ++l)
    u0_local[l] = 0.0;
  return ROM_OK;
}
static int p3x_error(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
                     int component, double *avg_pct, double *max_pct) {
  p3x *p = impl;
  (void)component;
  return rom_burgers_error_metric(p->ctx, nstates, p3x_local_rows(impl), fom_local, rom_local, 0,
                                  avg_pct, max_pct);
}
/* No published recipe. */
static void p3x_recipe(const void *impl, rom_problem_recipe *r) {
  (void)impl;
  (void)r;
}
static int p3x_resolution_for_rows(rom_ctx *ctx, rom_int rows, rom_int *resolution) {
  const rom_int n = (rom_int)llround(sqrt((double)rows));
  ROM_ENSURE(ctx, rows >= 4 && n * n == rows, ROM_ERR_DIM,
             "P3X needs N = n^2 rows (an n x n interior grid), but N = %lld", (long long)rows);
  *resolution = n;
  return ROM_OK;
}

const rom_problem_ops rom_problem_ops_heat2d_exp = {
    .name = "P3X",
    .summary = "2D heat conduction, conductivity exp(mu x) (linear, non-affine)",
    .create = p3x_create,
    .destroy = p3x_destroy,
    .model = p3x_model,
    .global_rows = p3x_global_rows,
    .local_rows = p3x_local_rows,
    .row_offset = p3x_row_offset,
    .num_components = p3x_num_components,
    .component_rows = p3x_global_rows,
    .num_parameters = p3x_num_parameters,
    .parameter_range = p3x_parameter_range,
    .steps = p3x_steps,
    .time_step = p3x_time_step,
    .initial = p3x_initial,
    .error = p3x_error,
    .recipe = p3x_recipe,
    .component_symmetry = NULL,
    .aliases = "heat-exp",
    .resolution_for_rows = p3x_resolution_for_rows,
};
