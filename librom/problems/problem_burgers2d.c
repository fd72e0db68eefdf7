/* P2 — 2D viscous Burgers (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451, 2022,
 * sec. 5.2) behind the problem interface: the ops table wraps rom_burgers2d
 * (romkit/problems.h); two components (the u block, then the v block); the recipe is the
 * paper's settings of docs/problems.md, "P2 settings". options.resolution is the number
 * of grid points per direction, boundary included (default 60). */
#include "core/check.h"
#include "problems/problem_impl.h"
#include "romkit/problems.h"

#include <math.h>
#include <stdio.h>

typedef struct {
  rom_ctx *ctx;
  rom_burgers2d *fom;
  rom_int n; /* interior nodes per direction */
} p2;

static int p2_create(rom_ctx *ctx, const rom_problem_options *opts, void **impl) {
  int err = ROM_OK;
  p2 *p = NULL;
  rom_burgers2d_options bo = rom_burgers2d_options_default();
  if (opts->resolution) bo.grid_points = opts->resolution;
  if (opts->steps) bo.steps = opts->steps; /* over the same final time */
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *p, (void **)&p));
  p->ctx = ctx;
  p->n = bo.grid_points - 2;
  ROM_TRY(ctx, rom_burgers2d_create(ctx, &bo, opts->local_rows, &p->fom));
  *impl = p;
  p = NULL;
cleanup:
  if (p) rom_free(ctx, p);
  return err;
}

static void p2_destroy(void *impl) {
  p2 *p = impl;
  rom_burgers2d_destroy(&p->fom);
  rom_free(p->ctx, p);
}

static rom_model *p2_model(void *impl) {
  return rom_burgers2d_model(((p2 *)impl)->fom);
}
static rom_int p2_global_rows(const void *impl) {
  return rom_burgers2d_global_rows(((const p2 *)impl)->fom);
}
static rom_int p2_local_rows(const void *impl) {
  return rom_burgers2d_local_rows(((const p2 *)impl)->fom);
}
static rom_int p2_row_offset(const void *impl) {
  return rom_burgers2d_row_offset(((const p2 *)impl)->fom);
}
/* u and v have separate bases and networks in the paper (docs/problems.md). */
static int p2_num_components(const void *impl) {
  (void)impl;
  return 2;
}
static rom_int p2_component_rows(const void *impl) {
  return rom_burgers2d_component_rows(((const p2 *)impl)->fom);
}
static int p2_num_parameters(const void *impl) {
  (void)impl;
  return 1;
}
/* The amplitude a: the span of the paper's training parameters {0.9, ..., 1.1}. */
static void p2_parameter_range(const void *impl, double *lower, double *upper, int *log_scale) {
  (void)impl;
  lower[0] = 0.9;
  upper[0] = 1.1;
  log_scale[0] = 0;
}
static rom_int p2_steps(const void *impl) {
  return rom_burgers2d_steps(((const p2 *)impl)->fom);
}
static double p2_time_step(const void *impl) {
  return rom_burgers2d_time_step(((const p2 *)impl)->fom);
}
static int p2_initial(void *impl, const double *mu, double *u0_local) {
  return rom_burgers2d_initial(((p2 *)impl)->fom, mu[0], u0_local);
}
static int p2_error(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
                    int component, double *avg_pct, double *max_pct) {
  return rom_burgers2d_error_metric(((p2 *)impl)->fom, nstates, fom_local, rom_local, component,
                                    avg_pct, max_pct);
}

/* docs/problems.md, "P2 settings": train a in {0.9, 0.95, 1.05, 1.1}, test 1.0, p = 5 per
 * component; ROM Newton at most 4 updates, tolerance 1e-8 (POD) / 1e-6 (NM); HR 55 basis
 * vectors / 58 samples per component; the network n^2 -> 2 n^2 (sigmoid, bias) -> 5 -> ...
 * (sigmoid, bias) -> n^2 through the 2-D stencil mask (band 100, shift 10), per-node
 * min-max scaling of the raw states, batch 240, 2000 epochs. */
static void p2_recipe(const void *impl, rom_problem_recipe *r) {
  const p2 *p = impl;
  r->train[0] = 0.9;
  r->train[1] = 0.95;
  r->train[2] = 1.05;
  r->train[3] = 1.1;
  r->ntrain = 4;
  r->test[0] = 1.0;
  r->dim = 5;
  r->hr_basis = 55;
  r->hr_basis_manifold = 55;
  r->hr_samples = 58;
  r->tolerance = 1e-8;
  r->tolerance_manifold = 1e-6;
  r->max_iterations = 4;
  snprintf(r->ae_activation, sizeof r->ae_activation, "sigmoid");
  snprintf(r->ae_mask, sizeof r->ae_mask, "stencil:%lld:%lld:100:10", (long long)p->n,
           (long long)p->n);
  r->ae_hidden = 0;
  r->ae_decoder_bias = 1;
  r->ae_minmax_scaling = 1;
  r->ae_batch = 240;
  r->ae_epochs = 2000;
  r->hr_newton_snapshots = 1; /* the residual basis from every Newton iterate */
  r->resolution_is_grid = 1;
  r->nm_fast_default = 1; /* docs/reproduction.md, "P2, the fast recipe" */
}

/* v is u mirrored across the diagonal (docs/problems.md): node (i, j) of one component
 * equals node (j, i) of the other, perm(i + n j) = j + n i; within a component the map is
 * the identity. */
static int p2_component_symmetry(const void *impl, int from, int to, rom_int *perm) {
  const rom_int n = ((const p2 *)impl)->n, M = n * n;
  for (rom_int q = 0; q < M; ++q)
    perm[q] = from == to ? q : q / n + n * (q % n);
  return ROM_OK;
}

/* N = 2 n^2 rows (u and v) on a (n + 2) x (n + 2) grid of points. */
static int p2_resolution_for_rows(rom_ctx *ctx, rom_int rows, rom_int *resolution) {
  const rom_int n = (rom_int)llround(sqrt((double)(rows / 2)));
  ROM_ENSURE(ctx, rows >= 2 && 2 * n * n == rows, ROM_ERR_DIM,
             "P2 needs N = 2 g^2 rows (u and v on a g x g interior grid: a square grid per "
             "component), but N = %lld",
             (long long)rows);
  *resolution = n + 2;
  return ROM_OK;
}

const rom_problem_ops rom_problem_ops_burgers2d = {
    .name = "P2",
    .summary = "2D viscous Burgers, u and v (Kim et al. 2022, sec. 5.2)",
    .create = p2_create,
    .destroy = p2_destroy,
    .model = p2_model,
    .global_rows = p2_global_rows,
    .local_rows = p2_local_rows,
    .row_offset = p2_row_offset,
    .num_components = p2_num_components,
    .component_rows = p2_component_rows,
    .num_parameters = p2_num_parameters,
    .parameter_range = p2_parameter_range,
    .steps = p2_steps,
    .time_step = p2_time_step,
    .initial = p2_initial,
    .error = p2_error,
    .recipe = p2_recipe,
    .component_symmetry = p2_component_symmetry,
    .aliases = "burgers2d",
    .resolution_for_rows = p2_resolution_for_rows,
};
