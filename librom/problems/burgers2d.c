/* P2 — 2D viscous Burgers (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), sec.
 * 5.2; docs/problems.md, docs/problems.md).
 *
 *   u_t + u u_x + v u_y = (u_xx + u_yy)/Re,   v_t + u v_x + v v_y = (v_xx + v_yy)/Re
 * on [0, 1]^2, u = v = 0 on the boundary, G x G grid points (G = 60), dx = dy = 1/(G-1),
 * n = G - 2 interior nodes per direction.
 *
 * Unknowns: the u block then the v block. Interior node (i, j), i, j = 0..n-1 (grid node
 * (i+1, j+1), x fastest), has u at global row i + n j and v at n^2 + i + n j. Each
 * component is a contiguous range of rows: the paper builds separate u and v bases.
 *
 * Velocity, with w the transported component (w = u for the u rows, v for the v rows):
 *   F = -u_c (w_c - w_W)/dx - v_c (w_c - w_S)/dy
 *       + ((w_E - 2 w_c + w_W)/dx^2 + (w_N - 2 w_c + w_S)/dy^2) / Re,
 * non-conservative backward differences for convection (upwind for u, v >= 0) and
 * central differences for diffusion; neighbours on the boundary are 0.
 * Row (u, i, j) depends on u at the node and its 4 interior neighbours and on v at the
 * node (v_c multiplies the y-difference), and symmetrically for v rows, so the Jacobian
 * has at most 6 entries per row; emitted in increasing global column order.
 *
 * Parallel layout: any contiguous partition, the state (and each column of X) gathered
 * with MPI_Allgatherv: a rank's rows may be a few u rows and a few v rows of distant
 * nodes, or none, and 6728 values per call are cheap next to the direct solve. */
#include "core/check.h"
#include "core/sorted_rows.h"
#include "linalg/row_layout.h"
#include "romkit/matrix.h"
#include "romkit/problems.h"
#include "romkit/snapshots.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct rom_burgers2d {
  rom_ctx *ctx;
  rom_int G, n, M, N, steps;
  double dx, dy, inv_re, dt;
  rom_row_layout rows; /* this rank's rows and the gather layout of the partition */
  double *u_global, *x_global;
  rom_int *row_ptr, *col_index;
  double *values;
  rom_model *model;
};

rom_burgers2d_options rom_burgers2d_options_default(void) {
  rom_burgers2d_options o;
  o.grid_points = 60;
  o.reynolds = 10000.0;
  o.final_time = 2.0;
  o.steps = 1500;
  return o;
}

/* Where the state values come from: the gathered vector, or the sample mesh. */
typedef struct {
  const double *full; /* N values, or NULL */
  rom_int nneeded;    /* sample mesh: sorted global rows and their values */
  const rom_int *needed;
  const double *u_needed;
  int missing;        /* set when a needed row is not in the sample mesh */
  int structure_only; /* the stencil: values are not needed */
} source;

static double fetch(source *s, rom_int g) {
  if (s->structure_only) return 0.0;
  if (s->full) return s->full[g];
  rom_int p = rom_sorted_find(s->nneeded, s->needed, g);
  if (p < 0) {
    s->missing = 1;
    return 0.0;
  }
  return s->u_needed[p];
}

/* Row g: F_g, and the Jacobian row (cols increasing, at most 6 entries; pos[k] is the
 * position of cols[k] in the sample mesh when the source is one). */
static void eval_row(const rom_burgers2d *h, rom_int g, source *s, double *F, rom_int *cols,
                     double *vals, int *count) {
  const rom_int n = h->n, M = h->M;
  const int comp = g >= M;
  const rom_int k = g - comp * M, i = k % n, j = k / n;
  const rom_int base = comp * M; /* the transported component's block */
  const double idx = 1.0 / h->dx, idy = 1.0 / h->dy, nu = h->inv_re;
  const double cx = nu * idx * idx, cy = nu * idy * idy;
  const double uc = fetch(s, k), vc = fetch(s, M + k);
  const double wc = comp ? vc : uc;
  const double wW = i > 0 ? fetch(s, base + k - 1) : 0.0;
  const double wE = i < n - 1 ? fetch(s, base + k + 1) : 0.0;
  const double wS = j > 0 ? fetch(s, base + k - n) : 0.0;
  const double wN = j < n - 1 ? fetch(s, base + k + n) : 0.0;
  int c = 0;
  *F = -uc * (wc - wW) * idx - vc * (wc - wS) * idy + cx * (wE - 2.0 * wc + wW) +
       cy * (wN - 2.0 * wc + wS);
  if (!cols) return;
  /* d/dw_c: the transported value also appears as the advecting velocity */
  double dc = -uc * idx - vc * idy - 2.0 * cx - 2.0 * cy;
  double dother; /* d/d(other component at the node) */
  if (comp == 0) {
    dc += -(wc - wW) * idx;    /* u_c multiplies (u_c - u_W)/dx */
    dother = -(wc - wS) * idy; /* v_c multiplies (u_c - u_S)/dy */
  } else {
    dc += -(wc - wS) * idy;
    dother = -(wc - wW) * idx;
  }
  if (comp == 1) cols[c] = k, vals[c++] = dother; /* u at the node, before the v block */
  if (j > 0) cols[c] = base + k - n, vals[c++] = vc * idy + cy;
  if (i > 0) cols[c] = base + k - 1, vals[c++] = uc * idx + cx;
  cols[c] = base + k, vals[c++] = dc;
  if (i < n - 1) cols[c] = base + k + 1, vals[c++] = cx;
  if (j < n - 1) cols[c] = base + k + n, vals[c++] = cy;
  if (comp == 0) cols[c] = M + k, vals[c++] = dother; /* v at the node, after the u block */
  *count = c;
}

static int gather(const rom_burgers2d *h, const double *local, double *global) {
  return rom_row_layout_allgather(&h->rows, rom_ctx_comm(h->ctx), local, global) == MPI_SUCCESS ? 0
                                                                                                : 1;
}

/* ---- the host-model callbacks ------------------------------------------------------------ */

static int b2_velocity(void *user, const double *u_local, double t, const double *mu,
                       double *F_local) {
  rom_burgers2d *h = user;
  source s = {0};
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  s.full = h->u_global;
  for (rom_int l = 0; l < h->rows.local_rows; ++l)
    eval_row(h, h->rows.offset + l, &s, F_local + l, NULL, NULL, NULL);
  return 0;
}

static int b2_jacobian(void *user, const double *u_local, double t, const double *mu, rom_int ncols,
                       const double *X, rom_int ldx, double *Y, rom_int ldy) {
  rom_burgers2d *h = user;
  source s = {0};
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  s.full = h->u_global;
  for (rom_int c = 0; c < ncols; ++c) {
    if (gather(h, h->rows.local_rows > 0 ? X + c * ldx : NULL, h->x_global)) return 1;
    for (rom_int l = 0; l < h->rows.local_rows; ++l) {
      rom_int cols[6];
      double vals[6], F, y = 0.0;
      int cnt = 0;
      eval_row(h, h->rows.offset + l, &s, &F, cols, vals, &cnt);
      for (int q = 0; q < cnt; ++q)
        y += vals[q] * h->x_global[cols[q]];
      Y[l + c * ldy] = y;
    }
  }
  return 0;
}

static int b2_jacobian_csr(void *user, const double *u_local, double t, const double *mu,
                           rom_csr *J) {
  rom_burgers2d *h = user;
  source s = {0};
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  s.full = h->u_global;
  h->row_ptr[0] = 0;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    double F;
    int cnt = 0;
    rom_int k = h->row_ptr[l];
    eval_row(h, h->rows.offset + l, &s, &F, h->col_index + k, h->values + k, &cnt);
    h->row_ptr[l + 1] = k + cnt;
  }
  J->local_rows = h->rows.local_rows;
  J->global_cols = h->N;
  J->row_ptr = h->row_ptr;
  J->col_index = h->col_index;
  J->values = h->values;
  return 0;
}

static int b2_stencil(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  rom_burgers2d *h = user;
  source s = {0};
  rom_int c6[6];
  double v6[6], F;
  int cnt = 0;
  if (row < 0 || row >= h->N) return 1;
  s.structure_only = 1;
  eval_row(h, row, &s, &F, c6, v6, &cnt);
  *count = cnt;
  for (int q = 0; q < cnt && q < max; ++q)
    cols[q] = c6[q];
  return 0;
}

static int b2_velocity_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, double *F_rows) {
  rom_burgers2d *h = user;
  source s = {0};
  (void)t;
  (void)mu;
  s.nneeded = nneeded;
  s.needed = needed;
  s.u_needed = u_needed;
  for (rom_int k = 0; k < nrows; ++k) {
    if (rows[k] < 0 || rows[k] >= h->N) return 1;
    eval_row(h, rows[k], &s, F_rows + k, NULL, NULL, NULL);
  }
  return s.missing ? 2 : 0; /* 2: a stencil value is not in the sample mesh */
}

static int b2_jacobian_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, rom_int ncols, const double *X, rom_int ldx,
                               double *Y, rom_int ldy) {
  rom_burgers2d *h = user;
  source s = {0};
  (void)t;
  (void)mu;
  s.nneeded = nneeded;
  s.needed = needed;
  s.u_needed = u_needed;
  for (rom_int k = 0; k < nrows; ++k) {
    rom_int cols[6], pos[6];
    double vals[6], F;
    int cnt = 0;
    if (rows[k] < 0 || rows[k] >= h->N) return 1;
    eval_row(h, rows[k], &s, &F, cols, vals, &cnt);
    if (s.missing) return 2;
    for (int q = 0; q < cnt; ++q)
      pos[q] = rom_sorted_find(nneeded, needed, cols[q]);
    for (rom_int c = 0; c < ncols; ++c) {
      double y = 0.0;
      for (int q = 0; q < cnt; ++q)
        y += vals[q] * X[pos[q] + c * ldx];
      Y[k + c * ldy] = y;
    }
  }
  return 0;
}

/* ---- creation ---------------------------------------------------------------------------- */

int rom_burgers2d_create(rom_ctx *ctx, const rom_burgers2d_options *opts, rom_int local_rows,
                         rom_burgers2d **out) {
  int err = ROM_OK;
  rom_burgers2d *h = NULL;
  rom_burgers2d_options o = opts ? *opts : rom_burgers2d_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, o.grid_points >= 3 && o.grid_points <= 20000, ROM_ERR_ARG,
                "grid_points = %lld must lie in 3..20000 (at least one interior node)",
                (long long)o.grid_points);
  ROM_CHECK_ALL(ctx, o.reynolds > 0.0 && isfinite(o.reynolds), ROM_ERR_ARG,
                "the Reynolds number %g must be positive and finite", o.reynolds);
  ROM_CHECK_ALL(ctx, o.final_time > 0.0 && isfinite(o.final_time) && o.steps >= 1, ROM_ERR_ARG,
                "final_time = %g must be positive and steps = %lld >= 1", o.final_time,
                (long long)o.steps);
  {
    const rom_int n = o.grid_points - 2, M = n * n, N = 2 * M;
    ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *h, (void **)&h));
    char what[96];
    snprintf(what, sizeof what, "P2 on a %lld x %lld grid", (long long)o.grid_points,
             (long long)o.grid_points);
    h->ctx = ctx;
    ROM_TRY(ctx, rom_row_layout_init(ctx, N, local_rows, what, &h->rows));
    local_rows = h->rows.local_rows;
    h->G = o.grid_points;
    h->n = n;
    h->M = M;
    h->N = N;
    h->dx = h->dy = 1.0 / (double)(o.grid_points - 1);
    h->inv_re = 1.0 / o.reynolds;
    h->steps = o.steps;
    h->dt = o.final_time / (double)o.steps;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&h->u_global));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&h->x_global));
    ROM_TRY_ALL(ctx,
                rom_calloc(ctx, (size_t)(local_rows + 1), sizeof(rom_int), (void **)&h->row_ptr));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(6 * local_rows + 1),
                                (void **)&h->col_index));
    ROM_TRY_ALL(
        ctx, rom_malloc(ctx, sizeof(double) * (size_t)(6 * local_rows + 1), (void **)&h->values));
    ROM_TRY(ctx, rom_model_create(ctx, local_rows, 1, h, &h->model));
    ROM_TRY_ALL(ctx, rom_model_set_velocity(h->model, b2_velocity, b2_jacobian));
    ROM_TRY_ALL(ctx, rom_model_set_velocity_jacobian_csr(h->model, b2_jacobian_csr));
    ROM_TRY_ALL(ctx, rom_model_set_sampled_velocity(h->model, b2_stencil, b2_velocity_sampled,
                                                    b2_jacobian_sampled));
  }
  *out = h;
  h = NULL;
cleanup:
  rom_burgers2d_destroy(&h);
  return err;
}

int rom_burgers2d_destroy(rom_burgers2d **ph) {
  if (!ph || !*ph) return ROM_OK;
  rom_burgers2d *h = *ph;
  rom_ctx *ctx = h->ctx;
  rom_model_destroy(&h->model);
  rom_row_layout_free(ctx, &h->rows);
  rom_free(ctx, h->u_global);
  rom_free(ctx, h->x_global);
  rom_free(ctx, h->row_ptr);
  rom_free(ctx, h->col_index);
  rom_free(ctx, h->values);
  rom_free(ctx, h);
  *ph = NULL;
  return ROM_OK;
}

rom_int rom_burgers2d_global_rows(const rom_burgers2d *h) {
  return h ? h->N : 0;
}
rom_int rom_burgers2d_component_rows(const rom_burgers2d *h) {
  return h ? h->M : 0;
}
rom_int rom_burgers2d_local_rows(const rom_burgers2d *h) {
  return h ? h->rows.local_rows : 0;
}
rom_int rom_burgers2d_row_offset(const rom_burgers2d *h) {
  return h ? h->rows.offset : 0;
}
double rom_burgers2d_time_step(const rom_burgers2d *h) {
  return h ? h->dt : 0.0;
}
rom_int rom_burgers2d_steps(const rom_burgers2d *h) {
  return h ? h->steps : 0;
}
rom_model *rom_burgers2d_model(rom_burgers2d *h) {
  return h ? h->model : NULL;
}

/* u = v = a sin(2 pi x) sin(2 pi y) on [0, 0.5]^2, 0 elsewhere (docs/problems.md), at the
 * interior nodes x = (i + 1) dx as numpy's linspace(0, 1, G) computes them. */
int rom_burgers2d_initial(const rom_burgers2d *h, double a, double *u0_local) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  ROM_CHECK(h->ctx, isfinite(a), ROM_ERR_ARG, "the amplitude a = %g must be finite", a);
  ROM_CHECK(h->ctx, u0_local != NULL || h->rows.local_rows == 0, ROM_ERR_ARG,
            "u0_local must not be NULL on a rank with %lld rows", (long long)h->rows.local_rows);
  {
    const double pi = 3.14159265358979323846;
    for (rom_int l = 0; l < h->rows.local_rows; ++l) {
      rom_int g = h->rows.offset + l, k = g % h->M, i = k % h->n, j = k / h->n;
      double x = (double)(i + 1) * h->dx, y = (double)(j + 1) * h->dy;
      u0_local[l] = x <= 0.5 && y <= 0.5 ? a * sin(2.0 * pi * x) * sin(2.0 * pi * y) : 0.0;
    }
  }
cleanup:
  return err;
}
