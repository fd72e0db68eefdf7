/* P3 — parametric heat conduction on the unit square (docs/problems.md, "P3") behind the
 * problem interface: the ops table wraps rom_heat2d (romkit/problems.h). Linear and
 * affine: theta_q = mu_q on the 2 x 2 conductivity subdomains, phi_0 = 1, so
 * `romkit sweep` reads its coefficients from the model. options.resolution is the number
 * of interior nodes per direction n (default 64). Steady by default (steps 0); with
 * options.steps > 0 the transient problem u_t - div(kappa grad u) = 1, u(0) = 0, over
 * T = 0.5 (the transient of `romkit demo`: dt = 0.01, 50 steps). */
#include "core/check.h"
#include "problems/problem_impl.h"
#include "romkit/problems.h"

#include <math.h>

/* The final time of the transient problem (romkit demo's dt = 0.01 x 50 steps). */
#define P3_FINAL_TIME 0.5

typedef struct {
  rom_ctx *ctx;
  rom_heat2d *fom;
  rom_int n, offset, steps;
} p3;

static int p3_create(rom_ctx *ctx, const rom_problem_options *opts, void **impl) {
  int err = ROM_OK;
  p3 *p = NULL;
  rom_heat2d_options ho = rom_heat2d_options_default();
  if (opts->resolution) ho.n = opts->resolution;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *p, (void **)&p));
  p->ctx = ctx;
  p->n = ho.n;
  p->steps = opts->steps;
  ROM_TRY(ctx, rom_heat2d_create(ctx, &ho, opts->local_rows, &p->fom));
  {
    /* rom_heat2d keeps its row offset private: the same MPI_Exscan it computes */
    long long local = (long long)rom_heat2d_local_rows(p->fom), before = 0;
    ROM_MPI(ctx, MPI_Exscan(&local, &before, 1, MPI_LONG_LONG, MPI_SUM, rom_ctx_comm(ctx)));
    p->offset = rom_ctx_rank(ctx) == 0 ? 0 : (rom_int)before;
  }
  *impl = p;
  p = NULL;
cleanup:
  if (p) {
    rom_heat2d_destroy(&p->fom);
    rom_free(ctx, p);
  }
  return err;
}

static void p3_destroy(void *impl) {
  p3 *p = impl;
  rom_heat2d_destroy(&p->fom);
  rom_free(p->ctx, p);
}

static rom_model *p3_model(void *impl) {
  return rom_heat2d_model(((p3 *)impl)->fom);
}
static rom_int p3_global_rows(const void *impl) {
  return rom_heat2d_global_rows(((const p3 *)impl)->fom);
}
static rom_int p3_local_rows(const void *impl) {
  return rom_heat2d_local_rows(((const p3 *)impl)->fom);
}
static rom_int p3_row_offset(const void *impl) {
  return ((const p3 *)impl)->offset;
}
static int p3_num_components(const void *impl) {
  (void)impl;
  return 1;
}
static rom_int p3_component_rows(const void *impl) {
  return p3_global_rows(impl);
}
static int p3_num_parameters(const void *impl) {
  return rom_heat2d_num_parameters(((const p3 *)impl)->fom);
}
/* mu in [0.1, 10]^p drawn log-uniformly (docs/problems.md, "Parameter range"). */
static void p3_parameter_range(const void *impl, double *lower, double *upper, int *log_scale) {
  for (int q = 0; q < p3_num_parameters(impl); ++q) {
    lower[q] = 0.1;
    upper[q] = 10.0;
    log_scale[q] = 1;
  }
}
static rom_int p3_steps(const void *impl) {
  return ((const p3 *)impl)->steps;
}
static double p3_time_step(const void *impl) {
  const p3 *p = impl;
  return p->steps > 0 ? P3_FINAL_TIME / (double)p->steps : 0.0;
}
/* u(0) = 0 (docs/problems.md); mu only sets the conductivity. */
static int p3_initial(void *impl, const double *mu, double *u0_local) {
  const rom_int L = p3_local_rows(impl);
  (void)mu;
  for (rom_int l = 0; l < L; ++l)
    u0_local[l] = 0.0;
  return ROM_OK;
}
/* The space-time relative error of the tables' definition over all rows. */
static int p3_error(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
                    int component, double *avg_pct, double *max_pct) {
  p3 *p = impl;
  (void)component;
  return rom_burgers_error_metric(p->ctx, nstates, rom_heat2d_local_rows(p->fom), fom_local,
                                  rom_local, 0, avg_pct, max_pct);
}
/* P3 has no published recipe: its training parameters are drawn from the range
 * (rom_rng stream 1, docs/problems.md), so every field stays 0 ("none"). */
static void p3_recipe(const void *impl, rom_problem_recipe *r) {
  (void)impl;
  (void)r;
}

static int p3_resolution_for_rows(rom_ctx *ctx, rom_int rows, rom_int *resolution) {
  const rom_int n = (rom_int)llround(sqrt((double)rows));
  ROM_ENSURE(ctx, rows >= 1 && n * n == rows, ROM_ERR_DIM,
             "P3 needs N = n^2 rows (an n x n interior grid), but N = %lld", (long long)rows);
  *resolution = n;
  return ROM_OK;
}

const rom_problem_ops rom_problem_ops_heat2d = {
    .name = "P3",
    .summary = "2D heat conduction, 4 subdomains (linear, affine)",
    .create = p3_create,
    .destroy = p3_destroy,
    .model = p3_model,
    .global_rows = p3_global_rows,
    .local_rows = p3_local_rows,
    .row_offset = p3_row_offset,
    .num_components = p3_num_components,
    .component_rows = p3_component_rows,
    .num_parameters = p3_num_parameters,
    .parameter_range = p3_parameter_range,
    .steps = p3_steps,
    .time_step = p3_time_step,
    .initial = p3_initial,
    .error = p3_error,
    .recipe = p3_recipe,
    .component_symmetry = NULL,
    .aliases = "heat",
    .resolution_for_rows = p3_resolution_for_rows,
};
