/* P1 — 1D inviscid Burgers (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), sec.
 * 5.1; docs/problems.md, docs/problems.md).
 *
 *   u_t + u u_x = 0 on [0, 2], periodic; N = 1000 unknowns u_0..u_{N-1} at x_i = i dx,
 *   dx = 2/N, node N (x = 2) a copy of node 0.
 *
 * Velocity, the paper's non-conservative first-order backward (upwind for u >= 1)
 * difference:  F_i(u) = -(u_i^2 - u_i u_{i-1}) / dx,  u_{-1} = u_{N-1}.
 * Jacobian: dF_i/du_i = -(2 u_i - u_{i-1}) / dx,  dF_i/du_{i-1} = u_i / dx.
 *
 * Parallel layout: any contiguous partition. The velocity and the Jacobian action gather
 * the whole state (and each column of X) with MPI_Allgatherv, like the P3 FOM
 * (heat2d.c): with N = 1000 that is 8 kB per call, cheaper than thinking about it, and
 * it is correct for every partition — the periodic wrap reaches from rank 0 to the last
 * non-empty rank, and ranks may hold one row or none, where a nearest-neighbour halo
 * exchange would have to skip ranks. A reference FOM, not a scalable one.
 *
 * Hyper-reduction: the stencil of row i is {i-1 mod N, i} (sorted); the sampled
 * velocity and Jacobian evaluate row i from those two values alone, found by binary
 * search in the caller's sorted `needed` list. */
#include "core/check.h"
#include "core/sorted_rows.h"
#include "linalg/row_layout.h"
#include "romkit/matrix.h"
#include "romkit/problems.h"
#include "romkit/snapshots.h"

#include <math.h>
#include <string.h>

struct rom_burgers1d {
  rom_ctx *ctx;
  rom_int N, steps;
  double dx, dt, length;
  rom_row_layout rows;          /* this rank's rows and the gather layout of the partition */
  double *u_global;             /* N: the gathered state */
  double *x_global;             /* N: a gathered column of X in the Jacobian action */
  rom_int *row_ptr, *col_index; /* the CSR Jacobian of the local rows (fixed pattern) */
  double *values;
  rom_model *model;
};

rom_burgers1d_options rom_burgers1d_options_default(void) {
  rom_burgers1d_options o;
  o.unknowns = 1000;
  o.length = 2.0;
  o.final_time = 0.5;
  o.steps = 500;
  return o;
}

static int gather(const rom_burgers1d *h, const double *local, double *global) {
  return rom_row_layout_allgather(&h->rows, rom_ctx_comm(h->ctx), local, global) == MPI_SUCCESS ? 0
                                                                                                : 1;
}

static rom_int left_of(rom_int i, rom_int N) {
  return i == 0 ? N - 1 : i - 1;
}

/* ---- the host-model callbacks ------------------------------------------------------------ */

static int b1_velocity(void *user, const double *u_local, double t, const double *mu,
                       double *F_local) {
  rom_burgers1d *h = user;
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  const double *u = h->u_global;
  const double inv_dx = 1.0 / h->dx;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    rom_int i = h->rows.offset + l;
    double ui = u[i], um = u[left_of(i, h->N)];
    F_local[l] = -(ui * ui - ui * um) * inv_dx;
  }
  return 0;
}

static int b1_jacobian(void *user, const double *u_local, double t, const double *mu, rom_int ncols,
                       const double *X, rom_int ldx, double *Y, rom_int ldy) {
  rom_burgers1d *h = user;
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  const double *u = h->u_global;
  const double inv_dx = 1.0 / h->dx;
  for (rom_int c = 0; c < ncols; ++c) {
    if (gather(h, h->rows.local_rows > 0 ? X + c * ldx : NULL, h->x_global)) return 1;
    const double *x = h->x_global;
    for (rom_int l = 0; l < h->rows.local_rows; ++l) {
      rom_int i = h->rows.offset + l, im = left_of(i, h->N);
      Y[l + c * ldy] = -(2.0 * u[i] - u[im]) * inv_dx * x[i] + u[i] * inv_dx * x[im];
    }
  }
  return 0;
}

static int b1_jacobian_csr(void *user, const double *u_local, double t, const double *mu,
                           rom_csr *J) {
  rom_burgers1d *h = user;
  (void)t;
  (void)mu;
  if (gather(h, u_local, h->u_global)) return 1;
  const double *u = h->u_global;
  const double inv_dx = 1.0 / h->dx;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    rom_int i = h->rows.offset + l, im = left_of(i, h->N), k = h->row_ptr[l];
    double diag = -(2.0 * u[i] - u[im]) * inv_dx, left = u[i] * inv_dx;
    /* columns sorted: row 0's left neighbour N-1 comes after the diagonal */
    if (im < i) {
      h->col_index[k] = im, h->values[k] = left;
      h->col_index[k + 1] = i, h->values[k + 1] = diag;
    } else {
      h->col_index[k] = i, h->values[k] = diag;
      h->col_index[k + 1] = im, h->values[k + 1] = left;
    }
  }
  J->local_rows = h->rows.local_rows;
  J->global_cols = h->N;
  J->row_ptr = h->row_ptr;
  J->col_index = h->col_index;
  J->values = h->values;
  return 0;
}

static int b1_stencil(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  rom_burgers1d *h = user;
  if (row < 0 || row >= h->N) return 1;
  *count = 2;
  if (max < 2) return 0;
  rom_int im = left_of(row, h->N);
  cols[0] = im < row ? im : row;
  cols[1] = im < row ? row : im;
  return 0;
}

static int b1_velocity_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, double *F_rows) {
  rom_burgers1d *h = user;
  (void)t;
  (void)mu;
  const double inv_dx = 1.0 / h->dx;
  for (rom_int k = 0; k < nrows; ++k) {
    if (rows[k] < 0 || rows[k] >= h->N) return 1;
    rom_int pi = rom_sorted_find(nneeded, needed, rows[k]);
    rom_int pm = rom_sorted_find(nneeded, needed, left_of(rows[k], h->N));
    if (pi < 0 || pm < 0) return 2; /* the stencil is not in the sample mesh */
    double ui = u_needed[pi], um = u_needed[pm];
    F_rows[k] = -(ui * ui - ui * um) * inv_dx;
  }
  return 0;
}

static int b1_jacobian_sampled(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, rom_int ncols, const double *X, rom_int ldx,
                               double *Y, rom_int ldy) {
  rom_burgers1d *h = user;
  (void)t;
  (void)mu;
  const double inv_dx = 1.0 / h->dx;
  for (rom_int k = 0; k < nrows; ++k) {
    if (rows[k] < 0 || rows[k] >= h->N) return 1;
    rom_int pi = rom_sorted_find(nneeded, needed, rows[k]);
    rom_int pm = rom_sorted_find(nneeded, needed, left_of(rows[k], h->N));
    if (pi < 0 || pm < 0) return 2;
    double ui = u_needed[pi], um = u_needed[pm];
    double diag = -(2.0 * ui - um) * inv_dx, left = ui * inv_dx;
    for (rom_int c = 0; c < ncols; ++c)
      Y[k + c * ldy] = diag * X[pi + c * ldx] + left * X[pm + c * ldx];
  }
  return 0;
}

/* ---- creation ---------------------------------------------------------------------------- */

int rom_burgers1d_create(rom_ctx *ctx, const rom_burgers1d_options *opts, rom_int local_rows,
                         rom_burgers1d **out) {
  int err = ROM_OK;
  rom_burgers1d *h = NULL;
  rom_burgers1d_options o = opts ? *opts : rom_burgers1d_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, o.unknowns >= 2 && o.unknowns <= INT32_MAX / 2, ROM_ERR_ARG,
                "unknowns = %lld must lie in 2..%d", (long long)o.unknowns, INT32_MAX / 2);
  ROM_CHECK_ALL(ctx, o.length > 0.0 && isfinite(o.length), ROM_ERR_ARG,
                "length = %g must be positive and finite", o.length);
  ROM_CHECK_ALL(ctx, o.final_time > 0.0 && isfinite(o.final_time) && o.steps >= 1, ROM_ERR_ARG,
                "final_time = %g must be positive and steps = %lld >= 1", o.final_time,
                (long long)o.steps);
  {
    const rom_int N = o.unknowns;
    ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *h, (void **)&h));
    h->ctx = ctx;
    ROM_TRY(ctx, rom_row_layout_init(ctx, N, local_rows, "P1", &h->rows));
    local_rows = h->rows.local_rows;
    h->N = N;
    h->length = o.length;
    h->dx = o.length / (double)N;
    h->steps = o.steps;
    h->dt = o.final_time / (double)o.steps;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&h->u_global));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&h->x_global));
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(rom_int) * (size_t)(local_rows + 1), (void **)&h->row_ptr));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(2 * local_rows + 1),
                                (void **)&h->col_index));
    ROM_TRY_ALL(
        ctx, rom_malloc(ctx, sizeof(double) * (size_t)(2 * local_rows + 1), (void **)&h->values));
    for (rom_int l = 0; l <= local_rows; ++l)
      h->row_ptr[l] = 2 * l;

    ROM_TRY(ctx, rom_model_create(ctx, local_rows, 1, h, &h->model));
    ROM_TRY_ALL(ctx, rom_model_set_velocity(h->model, b1_velocity, b1_jacobian));
    ROM_TRY_ALL(ctx, rom_model_set_velocity_jacobian_csr(h->model, b1_jacobian_csr));
    ROM_TRY_ALL(ctx, rom_model_set_sampled_velocity(h->model, b1_stencil, b1_velocity_sampled,
                                                    b1_jacobian_sampled));
  }
  *out = h;
  h = NULL;
cleanup:
  rom_burgers1d_destroy(&h);
  return err;
}

int rom_burgers1d_destroy(rom_burgers1d **ph) {
  if (!ph || !*ph) return ROM_OK;
  rom_burgers1d *h = *ph;
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

rom_int rom_burgers1d_global_rows(const rom_burgers1d *h) {
  return h ? h->N : 0;
}
rom_int rom_burgers1d_local_rows(const rom_burgers1d *h) {
  return h ? h->rows.local_rows : 0;
}
rom_int rom_burgers1d_row_offset(const rom_burgers1d *h) {
  return h ? h->rows.offset : 0;
}
double rom_burgers1d_time_step(const rom_burgers1d *h) {
  return h ? h->dt : 0.0;
}
rom_int rom_burgers1d_steps(const rom_burgers1d *h) {
  return h ? h->steps : 0;
}
rom_model *rom_burgers1d_model(rom_burgers1d *h) {
  return h ? h->model : NULL;
}

/* u0(x; a) = 1 + a sin^2(pi x) on [0, 1], 1 on (1, 2] (the paper's eq. (39) setting,
 * docs/problems.md). x_i = i dx as numpy's linspace(0, 2, 1001) computes it. */
int rom_burgers1d_initial(const rom_burgers1d *h, double a, double *u0_local) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  ROM_CHECK(h->ctx, isfinite(a), ROM_ERR_ARG, "the amplitude a = %g must be finite", a);
  ROM_CHECK(h->ctx, u0_local != NULL || h->rows.local_rows == 0, ROM_ERR_ARG,
            "u0_local must not be NULL on a rank with %lld rows", (long long)h->rows.local_rows);
  {
    const double pi = 3.14159265358979323846;
    for (rom_int l = 0; l < h->rows.local_rows; ++l) {
      double x = (double)(h->rows.offset + l) * h->dx, s = sin(pi * x);
      u0_local[l] = x <= 1.0 ? 1.0 + a * s * s : 1.0;
    }
  }
cleanup:
  return err;
}
