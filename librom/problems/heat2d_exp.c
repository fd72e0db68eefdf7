/* P3X — heat conduction on the unit square with the non-affine conductivity
 * kappa(x; mu) = exp(mu x) (docs/problems.md, "P3X"; docs/interp.md):
 *
 *   u_t - div(exp(mu x) grad u) = 1   in (0,1)^2,  u = 0 on the boundary,  u(0) = 0,
 *
 * discretised exactly as P3 (heat2d.c): the conservative 5-point scheme on an n x n grid of
 * interior nodes, h = 1/(n+1), kappa evaluated at the face midpoints, x fastest. One
 * parameter mu; A(mu) is symmetric positive definite for every real mu but no finite sum
 * theta_q(mu) A_q (the face weights exp(mu x_f) take n + 1 distinct x_f), so a Galerkin
 * ROM at a new mu needs the full operator there — or an interpolation of ROMs built at
 * training parameters (librom/interp/). P3 itself is untouched.
 *
 * The host model is the nonlinear-form interface with a linear velocity
 * F(u; mu) = 1 - A(mu) u, Jacobian -A(mu) (action and CSR), so the reference integrator and
 * the ROMs of romkit/fom.h and romkit/nonlinear_rom.h run it. The direct solves (steady,
 * implicit Euler) are banded Cholesky on rank 0, as for P3. */
#include "core/check.h"
#include "linalg/row_layout.h"
#include "romkit/problems.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct rom_heat2d_exp {
  rom_ctx *ctx;
  rom_int n, N;
  double inv_h2, h;
  rom_row_layout rows;
  double *global; /* N values: the gathered vector */
  rom_int *row_ptr, *col_index;
  double *values; /* CSR of -A(mu) on this rank's rows */
  rom_model *model;
};

/* kappa at the west face of node column i (x = (i + 1/2) h) and at node column i. */
static double kappa_face(const rom_heat2d_exp *h, double mu, rom_int i) {
  return exp(mu * ((double)i + 0.5) * h->h);
}
static double kappa_node(const rom_heat2d_exp *h, double mu, rom_int i) {
  return exp(mu * ((double)i + 1.0) * h->h);
}

/* y_local = A(mu) x for the gathered x (global). */
static void apply_rows(const rom_heat2d_exp *h, double mu, const double *u, double *y_local) {
  const rom_int n = h->n;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    const rom_int g = h->rows.offset + l, i = g % n, j = g / n;
    const double kw = kappa_face(h, mu, i), ke = kappa_face(h, mu, i + 1),
                 kv = kappa_node(h, mu, i), ug = u[g];
    double acc = kw * (ug - (i > 0 ? u[g - 1] : 0.0)) + ke * (ug - (i < n - 1 ? u[g + 1] : 0.0)) +
                 kv * (ug - (j > 0 ? u[g - n] : 0.0)) + kv * (ug - (j < n - 1 ? u[g + n] : 0.0));
    y_local[l] = h->inv_h2 * acc;
  }
}

static int mu_ok(const double *mu) {
  return mu && isfinite(mu[0]) && fabs(mu[0]) <= 50.0;
}

/* ---- host-model callbacks: F = 1 - A(mu) u, dF/du = -A(mu) ------------------------------- */

static int hx_velocity(void *user, const double *u_local, double t, const double *mu,
                       double *F_local) {
  rom_heat2d_exp *h = user;
  (void)t;
  if (!mu_ok(mu)) return 1;
  if (rom_row_layout_allgather(&h->rows, rom_ctx_comm(h->ctx), u_local, h->global)) return 1;
  apply_rows(h, mu[0], h->global, F_local);
  for (rom_int l = 0; l < h->rows.local_rows; ++l)
    F_local[l] = 1.0 - F_local[l];
  return 0;
}

static int hx_jacobian(void *user, const double *u_local, double t, const double *mu, rom_int ncols,
                       const double *X, rom_int ldx, double *Y, rom_int ldy) {
  rom_heat2d_exp *h = user;
  (void)u_local;
  (void)t;
  if (!mu_ok(mu)) return 1;
  for (rom_int c = 0; c < ncols; ++c) {
    if (rom_row_layout_allgather(&h->rows, rom_ctx_comm(h->ctx), X + c * ldx, h->global)) return 1;
    apply_rows(h, mu[0], h->global, Y + c * ldy);
    for (rom_int l = 0; l < h->rows.local_rows; ++l)
      Y[l + c * ldy] = -Y[l + c * ldy];
  }
  return 0;
}

static int hx_jacobian_csr(void *user, const double *u_local, double t, const double *mu,
                           rom_csr *J) {
  rom_heat2d_exp *h = user;
  const rom_int n = h->n;
  rom_int k = 0;
  (void)u_local;
  (void)t;
  if (!mu_ok(mu)) return 1;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    const rom_int g = h->rows.offset + l, i = g % n, j = g / n;
    const double kw = kappa_face(h, mu[0], i), ke = kappa_face(h, mu[0], i + 1),
                 kv = kappa_node(h, mu[0], i), c = h->inv_h2;
    h->row_ptr[l] = k;
    /* columns sorted: south, west, self, east, north */
    if (j > 0) h->col_index[k] = g - n, h->values[k++] = c * kv;
    if (i > 0) h->col_index[k] = g - 1, h->values[k++] = c * kw;
    h->col_index[k] = g, h->values[k++] = -c * (kw + ke + 2.0 * kv);
    if (i < n - 1) h->col_index[k] = g + 1, h->values[k++] = c * ke;
    if (j < n - 1) h->col_index[k] = g + n, h->values[k++] = c * kv;
  }
  h->row_ptr[h->rows.local_rows] = k;
  J->local_rows = h->rows.local_rows;
  J->global_cols = h->N;
  J->row_ptr = h->row_ptr;
  J->col_index = h->col_index;
  J->values = h->values;
  return 0;
}

/* ---- creation ---------------------------------------------------------------------------- */

int rom_heat2d_exp_create(rom_ctx *ctx, rom_int n, rom_int local_rows, rom_heat2d_exp **out) {
  int err = ROM_OK;
  rom_heat2d_exp *h = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, n >= 2, ROM_ERR_ARG,
                "the grid needs n >= 2 interior nodes per direction (n = %lld)", (long long)n);
  ROM_CHECK_ALL(ctx, n <= 46340, ROM_ERR_UNSUPPORTED,
                "n = %lld gives n^2 unknowns beyond MPI's int counts (n <= 46340)", (long long)n);
  {
    char what[64];
    ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *h, (void **)&h));
    snprintf(what, sizeof what, "the %lld x %lld grid", (long long)n, (long long)n);
    h->ctx = ctx;
    h->n = n;
    h->N = n * n;
    h->h = 1.0 / (double)(n + 1);
    h->inv_h2 = (double)((n + 1) * (n + 1));
    ROM_TRY(ctx, rom_row_layout_init(ctx, h->N, local_rows, what, &h->rows));
    const rom_int L = h->rows.local_rows;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)h->N, (void **)&h->global));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(L + 1), (void **)&h->row_ptr));
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(rom_int) * (size_t)(5 * L + 1), (void **)&h->col_index));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(5 * L + 1), (void **)&h->values));
    ROM_TRY(ctx, rom_model_create(ctx, L, 1, h, &h->model));
    ROM_TRY_ALL(ctx, rom_model_set_velocity(h->model, hx_velocity, hx_jacobian));
    ROM_TRY_ALL(ctx, rom_model_set_velocity_jacobian_csr(h->model, hx_jacobian_csr));
  }
  *out = h;
  h = NULL;
cleanup:
  rom_heat2d_exp_destroy(&h);
  return err;
}

int rom_heat2d_exp_destroy(rom_heat2d_exp **ph) {
  if (!ph || !*ph) return ROM_OK;
  rom_heat2d_exp *h = *ph;
  rom_ctx *ctx = h->ctx;
  rom_model_destroy(&h->model);
  rom_row_layout_free(ctx, &h->rows);
  rom_free(ctx, h->global);
  rom_free(ctx, h->row_ptr);
  rom_free(ctx, h->col_index);
  rom_free(ctx, h->values);
  rom_free(ctx, h);
  *ph = NULL;
  return ROM_OK;
}

rom_int rom_heat2d_exp_global_rows(const rom_heat2d_exp *h) {
  return h ? h->N : 0;
}
rom_int rom_heat2d_exp_local_rows(const rom_heat2d_exp *h) {
  return h ? h->rows.local_rows : 0;
}
rom_int rom_heat2d_exp_row_offset(const rom_heat2d_exp *h) {
  return h ? h->rows.offset : 0;
}
rom_model *rom_heat2d_exp_model(rom_heat2d_exp *h) {
  return h ? h->model : NULL;
}

static int check_mu(rom_heat2d_exp *h, const double *mu) {
  int err = ROM_OK;
  ROM_CHECK_ALL(h->ctx, mu_ok(mu), ROM_ERR_ARG,
                "the conductivity exponent mu = %g must be finite with |mu| <= 50 (kappa = "
                "exp(mu x))",
                mu ? mu[0] : NAN);
cleanup:
  return err;
}

int rom_heat2d_exp_apply(rom_heat2d_exp *h, const double *mu, rom_int ncols, const double *X,
                         rom_int ldx, double *Y, rom_int ldy) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = h->ctx;
  ROM_TRY(ctx, check_mu(h, mu));
  ROM_CHECK_ALL(ctx, ncols >= 0 && ldx >= h->rows.local_rows && ldy >= h->rows.local_rows,
                ROM_ERR_ARG, "ncols = %lld, ldx = %lld, ldy = %lld (local rows %lld)",
                (long long)ncols, (long long)ldx, (long long)ldy, (long long)h->rows.local_rows);
  for (rom_int c = 0; c < ncols; ++c) {
    ROM_MPI(ctx, rom_row_layout_allgather(&h->rows, rom_ctx_comm(ctx), X + c * ldx, h->global));
    apply_rows(h, mu[0], h->global, Y + c * ldy);
  }
cleanup:
  return err;
}

/* Rank 0: shift I + scale A(mu) in LAPACK's upper symmetric band storage (kd = n), factored. */
static int factor_band(rom_heat2d_exp *h, double mu, double shift, double scale, double **out) {
  int err = ROM_OK;
  rom_ctx *ctx = h->ctx;
  const rom_int n = h->n, ldab = n + 1;
  double *ab = NULL;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, ldab * h->N, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_calloc(ctx, 1, bytes, (void **)&ab));
  for (rom_int j = 0; j < n; ++j)
    for (rom_int i = 0; i < n; ++i) {
      const rom_int g = i + n * j;
      const double c = scale * h->inv_h2, kw = kappa_face(h, mu, i), ke = kappa_face(h, mu, i + 1),
                   kv = kappa_node(h, mu, i);
      ab[n + g * ldab] = shift + c * (kw + ke + 2.0 * kv);
      if (i < n - 1) ab[n - 1 + (g + 1) * ldab] = -c * ke;
      if (j < n - 1) ab[0 + (g + n) * ldab] = -c * kv;
    }
  {
    lapack_int info = LAPACKE_dpbtrf(LAPACK_COL_MAJOR, 'U', (lapack_int)h->N, (lapack_int)n, ab,
                                     (lapack_int)ldab);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR, "dpbtrf of the P3X operator failed (info %d)",
              (int)info);
  }
  *out = ab;
  ab = NULL;
cleanup:
  rom_free(ctx, ab);
  return err;
}

static int band_solve(rom_heat2d_exp *h, const double *ab, double *b) {
  int err = ROM_OK;
  lapack_int info = LAPACKE_dpbtrs(LAPACK_COL_MAJOR, 'U', (lapack_int)h->N, (lapack_int)h->n, 1, ab,
                                   (lapack_int)(h->n + 1), b, (lapack_int)h->N);
  ROM_CHECK(h->ctx, info == 0, ROM_ERR_LAPACK, "dpbtrs failed (info %d)", (int)info);
cleanup:
  return err;
}

/* steps = 0: the steady solve A u = 1 into trajectory_local; otherwise implicit Euler. */
static int solve(rom_heat2d_exp *h, const double *mu, double dt, rom_int steps, double *traj) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = h->ctx;
  double *ab = NULL, *u = NULL;
  const int root = rom_ctx_rank(ctx) == 0;
  const rom_int L = h->rows.local_rows;
  ROM_TRY(ctx, check_mu(h, mu));
  ROM_CHECK_ALL(ctx, traj != NULL || L == 0, ROM_ERR_ARG,
                "the output must not be NULL on a rank with %lld rows", (long long)L);
  if (root) {
    err = factor_band(h, mu[0], steps ? 1.0 : 0.0, steps ? dt : 1.0, &ab);
    if (err == ROM_OK) err = rom_calloc(ctx, (size_t)h->N, sizeof(double), (void **)&u);
  }
  ROM_TRY_ALL(ctx, err);
  if (steps == 0) {
    if (root) {
      for (rom_int g = 0; g < h->N; ++g)
        u[g] = 1.0;
      err = band_solve(h, ab, u);
    }
    ROM_TRY_ALL(ctx, err);
    ROM_MPI(ctx, MPI_Scatterv(u, h->rows.counts, h->rows.displs, MPI_DOUBLE, traj, (int)L,
                              MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  } else {
    if (L > 0) memset(traj, 0, sizeof(double) * (size_t)L);
    for (rom_int s = 0; s < steps; ++s) {
      if (root) {
        for (rom_int g = 0; g < h->N; ++g)
          u[g] += dt;
        err = band_solve(h, ab, u);
      }
      ROM_TRY_ALL(ctx, err);
      ROM_MPI(ctx, MPI_Scatterv(u, h->rows.counts, h->rows.displs, MPI_DOUBLE,
                                L > 0 ? traj + (s + 1) * L : NULL, (int)L, MPI_DOUBLE, 0,
                                rom_ctx_comm(ctx)));
    }
  }
cleanup:
  rom_free(ctx, ab);
  rom_free(ctx, u);
  return err;
}

int rom_heat2d_exp_solve(rom_heat2d_exp *h, const double *mu, double *u_local) {
  return solve(h, mu, 0.0, 0, u_local);
}

int rom_heat2d_exp_transient(rom_heat2d_exp *h, const double *mu, double dt, rom_int steps,
                             double *trajectory_local) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  ROM_CHECK_ALL(h->ctx, dt > 0.0 && isfinite(dt), ROM_ERR_ARG, "time step dt = %g must be > 0", dt);
  ROM_CHECK_ALL(h->ctx, steps >= 1, ROM_ERR_ARG, "steps = %lld must be >= 1", (long long)steps);
  ROM_TRY(h->ctx, solve(h, mu, dt, steps, trajectory_local));
cleanup:
  return err;
}
