/* P1 — 1D inviscid Burgers (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451, 2022,
 * sec. 5.1) behind the problem interface: the ops table wraps rom_burgers1d
 * (romkit/problems.h); the recipe is the paper's settings of docs/problems.md, "P1
 * settings". options.resolution is the number of unknowns N (default 1000). */
#include "core/check.h"
#include "problems/problem_impl.h"
#include "romkit/problems.h"

#include <stdio.h>

typedef struct {
  rom_ctx *ctx;
  rom_burgers1d *fom;
} p1;

static int p1_create(rom_ctx *ctx, const rom_problem_options *opts, void **impl) {
  int err = ROM_OK;
  p1 *p = NULL;
  rom_burgers1d_options bo = rom_burgers1d_options_default();
  if (opts->resolution) bo.unknowns = opts->resolution;
  if (opts->steps) bo.steps = opts->steps; /* over the same final time */
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *p, (void **)&p));
  p->ctx = ctx;
  ROM_TRY(ctx, rom_burgers1d_create(ctx, &bo, opts->local_rows, &p->fom));
  *impl = p;
  p = NULL;
cleanup:
  if (p) rom_free(ctx, p);
  return err;
}

static void p1_destroy(void *impl) {
  p1 *p = impl;
  rom_burgers1d_destroy(&p->fom);
  rom_free(p->ctx, p);
}

static rom_model *p1_model(void *impl) {
  return rom_burgers1d_model(((p1 *)impl)->fom);
}
static rom_int p1_global_rows(const void *impl) {
  return rom_burgers1d_global_rows(((const p1 *)impl)->fom);
}
static rom_int p1_local_rows(const void *impl) {
  return rom_burgers1d_local_rows(((const p1 *)impl)->fom);
}
static rom_int p1_row_offset(const void *impl) {
  return rom_burgers1d_row_offset(((const p1 *)impl)->fom);
}
static int p1_num_components(const void *impl) {
  (void)impl;
  return 1;
}
static rom_int p1_component_rows(const void *impl) {
  return p1_global_rows(impl);
}
static int p1_num_parameters(const void *impl) {
  (void)impl;
  return 1;
}
/* The amplitude a of the initial condition: the span of the paper's training parameters
 * {0.9, 1.1} (test a = 1.0 inside it), docs/problems.md. */
static void p1_parameter_range(const void *impl, double *lower, double *upper, int *log_scale) {
  (void)impl;
  lower[0] = 0.9;
  upper[0] = 1.1;
  log_scale[0] = 0;
}
static rom_int p1_steps(const void *impl) {
  return rom_burgers1d_steps(((const p1 *)impl)->fom);
}
static double p1_time_step(const void *impl) {
  return rom_burgers1d_time_step(((const p1 *)impl)->fom);
}
static int p1_initial(void *impl, const double *mu, double *u0_local) {
  return rom_burgers1d_initial(((p1 *)impl)->fom, mu[0], u0_local);
}
/* The paper's norms run over all N + 1 nodes: the periodic copy counts (docs/problems.md). */
static int p1_error(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
                    int component, double *avg_pct, double *max_pct) {
  p1 *p = impl;
  (void)component;
  return rom_burgers_error_metric(p->ctx, nstates, rom_burgers1d_local_rows(p->fom), fom_local,
                                  rom_local, 1, avg_pct, max_pct);
}

/* docs/problems.md, "P1 settings": train a in {0.9, 1.1}, test 1.0, p = 5; ROM Newton at most
 * 4 updates, tolerance 1e-8 (POD) / 1e-5 (NM); HR 30 (POD) / 31 (NM) residual basis vectors,
 * 47 samples; the network 1000 -> 2000 (swish, bias) -> 5 -> 12024 (swish) -> 1000 through
 * the band mask 36 / 12, batch 20, 10000 epochs, no scaling (training data w^n - w^0). */
static void p1_recipe(const void *impl, rom_problem_recipe *r) {
  (void)impl;
  r->train[0] = 0.9;
  r->train[1] = 1.1;
  r->ntrain = 2;
  r->test[0] = 1.0;
  r->dim = 5;
  r->hr_basis = 30;
  r->hr_basis_manifold = 31;
  r->hr_samples = 47;
  r->tolerance = 1e-8;
  r->tolerance_manifold = 1e-5;
  r->max_iterations = 4;
  snprintf(r->ae_activation, sizeof r->ae_activation, "swish");
  snprintf(r->ae_mask, sizeof r->ae_mask, "band:36:12");
  r->ae_hidden = 0;
  r->ae_decoder_bias = 0;
  r->ae_minmax_scaling = 0;
  r->ae_batch = 20;
  r->ae_epochs = 10000;
}

static int p1_resolution_for_rows(rom_ctx *ctx, rom_int rows, rom_int *resolution) {
  ROM_ENSURE(ctx, rows >= 1, ROM_ERR_DIM, "P1 needs at least one unknown (N = %lld)",
             (long long)rows);
  *resolution = rows;
  return ROM_OK;
}

const rom_problem_ops rom_problem_ops_burgers1d = {
    .name = "P1",
    .summary = "1D inviscid Burgers, N = 1000 (Kim et al. 2022, sec. 5.1)",
    .create = p1_create,
    .destroy = p1_destroy,
    .model = p1_model,
    .global_rows = p1_global_rows,
    .local_rows = p1_local_rows,
    .row_offset = p1_row_offset,
    .num_components = p1_num_components,
    .component_rows = p1_component_rows,
    .num_parameters = p1_num_parameters,
    .parameter_range = p1_parameter_range,
    .steps = p1_steps,
    .time_step = p1_time_step,
    .initial = p1_initial,
    .error = p1_error,
    .recipe = p1_recipe,
    .component_symmetry = NULL,
    .aliases = "burgers1d",
    .resolution_for_rows = p1_resolution_for_rows,
};
