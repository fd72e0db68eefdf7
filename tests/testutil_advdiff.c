/* Steady advection-diffusion test fixture (testutil_advdiff.h). */
#include "testutil_advdiff.h"

#include "testutil.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

struct test_advdiff {
  rom_ctx *ctx;
  int n;
  rom_int N, L, offset;
  int *counts, *displs; /* Allgatherv layout */
  double *full, *full2; /* N each: the gathered vector, workspace */
  double *band;         /* (3n + 1) x N: LAPACK band storage of A(theta), kl = ku = n */
  lapack_int *piv;
  double *weights; /* L x 2 */
  rom_model *model;
  long calls;
};

static double wind_x(const test_advdiff *p, int j) {
  return 1.0 - 2.0 * (double)(j + 1) / (double)(p->n + 1);
}
static double wind_y(const test_advdiff *p, int i) {
  return 2.0 * (double)(i + 1) / (double)(p->n + 1) - 1.0;
}

static int gather(test_advdiff *p, const double *x_local, double *full) {
  return MPI_Allgatherv(x_local, (int)p->L, MPI_DOUBLE, full, p->counts, p->displs, MPI_DOUBLE,
                        rom_ctx_comm(p->ctx)) == MPI_SUCCESS
             ? 0
             : 1;
}

/* Entry (row g, neighbour g + d) of term q; sign -1 gives the transpose of the skew term. */
static void row_entries(const test_advdiff *p, int q, rom_int g, double *diag, double c[4]) {
  const int n = p->n, i = (int)(g % n), j = (int)(g / n);
  const double h = 1.0 / (n + 1);
  if (q == 0) { /* east, west, north, south */
    *diag = 4.0 / (h * h);
    c[0] = c[1] = c[2] = c[3] = -1.0 / (h * h);
  } else {
    *diag = 0.0;
    c[0] = wind_x(p, j) / (2 * h);
    c[1] = -c[0];
    c[2] = wind_y(p, i) / (2 * h);
    c[3] = -c[2];
  }
}

static void apply_full(const test_advdiff *p, int q, double sign, const double *x, double *y) {
  const int n = p->n;
  for (rom_int l = 0; l < p->L; ++l) {
    const rom_int g = p->offset + l;
    const int i = (int)(g % n), j = (int)(g / n);
    double d, c[4];
    row_entries(p, q, g, &d, c);
    double s = d * x[g];
    if (i + 1 < n) s += sign * c[0] * x[g + 1];
    if (i > 0) s += sign * c[1] * x[g - 1];
    if (j + 1 < n) s += sign * c[2] * x[g + n];
    if (j > 0) s += sign * c[3] * x[g - n];
    y[l] = s;
  }
}

static int cb_apply(void *user, int q, const double *x, double *y) {
  test_advdiff *p = user;
  p->calls++;
  if (gather(p, x, p->full)) return 1;
  apply_full(p, q, 1.0, p->full, y);
  return 0;
}

/* A_diff^T = A_diff, A_adv^T = -A_adv (zero diagonal: the neighbours negated) */
static int cb_apply_t(void *user, int q, const double *x, double *y) {
  test_advdiff *p = user;
  p->calls++;
  if (gather(p, x, p->full)) return 1;
  apply_full(p, q, q == 0 ? 1.0 : -1.0, p->full, y);
  return 0;
}

static int cb_rhs(void *user, int q, double *f) {
  test_advdiff *p = user;
  (void)q;
  p->calls++;
  for (rom_int l = 0; l < p->L; ++l)
    f[l] = 1.0;
  return 0;
}

static int cb_coef(void *user, const double *mu, double *theta) {
  (void)user;
  theta[0] = mu[0];
  theta[1] = mu[1];
  return 0;
}

static int cb_phi(void *user, const double *mu, double *phi) {
  (void)user;
  (void)mu;
  phi[0] = 1.0;
  return 0;
}

/* Band LU of B = shift I + scale A(theta) on every rank (replicated), then the local rows. */
static int cb_solve(void *user, const double *theta, double shift, double scale, int transpose,
                    const double *b, double *x) {
  test_advdiff *p = user;
  const int n = p->n, N = (int)p->N, ldab = 3 * n + 1;
  p->calls++;
  if (gather(p, b, p->full2)) return 1;
  memset(p->band, 0, sizeof(double) * (size_t)ldab * (size_t)N);
  for (rom_int g = 0; g < p->N; ++g) {
    const int i = (int)(g % n), j = (int)(g / n);
    const int nb[4] = {i + 1 < n ? 1 : 0, i > 0 ? -1 : 0, j + 1 < n ? n : 0, j > 0 ? -n : 0};
    for (int q = 0; q < 2; ++q) {
      double d, c[4];
      row_entries(p, q, g, &d, c);
      /* band storage: A(r, col) at band[(kl + ku + r - col) + col * ldab] */
      p->band[(2 * n) + g * ldab] += scale * theta[q] * d + (q == 0 ? shift : 0.0);
      for (int e = 0; e < 4; ++e) {
        if (nb[e] == 0) continue;
        const rom_int col = g + nb[e];
        p->band[(2 * n + g - col) + col * ldab] += scale * theta[q] * c[e];
      }
    }
  }
  lapack_int info = LAPACKE_dgbtrf_work(LAPACK_COL_MAJOR, N, N, n, n, p->band, ldab, p->piv);
  if (info != 0) return 1;
  info = LAPACKE_dgbtrs_work(LAPACK_COL_MAJOR, transpose ? 'T' : 'N', N, n, n, 1, p->band, ldab,
                             p->piv, p->full2, N);
  if (info != 0) return 1;
  memcpy(x, p->full2 + p->offset, sizeof(double) * (size_t)p->L);
  return 0;
}

test_advdiff *test_advdiff_create(rom_ctx *ctx, int n, rom_int local_rows) {
  test_advdiff *p = calloc(1, sizeof *p);
  const int P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  p->ctx = ctx;
  p->n = n;
  p->N = (rom_int)n * n;
  p->L = local_rows == ROM_AUTO_ROWS ? p->N / P + (rank < p->N % P) : local_rows;
  int64_t L64 = p->L, off = 0;
  MPI_Exscan(&L64, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  p->offset = rank == 0 ? 0 : (rom_int)off;
  p->counts = calloc((size_t)P, sizeof(int));
  p->displs = calloc((size_t)P, sizeof(int));
  int Li = (int)p->L;
  MPI_Allgather(&Li, 1, MPI_INT, p->counts, 1, MPI_INT, rom_ctx_comm(ctx));
  for (int r = 1; r < P; ++r)
    p->displs[r] = p->displs[r - 1] + p->counts[r - 1];
  p->full = calloc((size_t)p->N, sizeof(double));
  p->full2 = calloc((size_t)p->N, sizeof(double));
  p->band = calloc((size_t)(3 * n + 1) * (size_t)p->N, sizeof(double));
  p->piv = calloc((size_t)p->N, sizeof(lapack_int));
  p->weights = calloc((size_t)(2 * (p->L > 0 ? p->L : 1)), sizeof(double));
  const double h = 1.0 / (n + 1);
  int in_square = 0;
  for (rom_int g = 0; g < p->N; ++g) {
    double x = (double)(g % n + 1) * h, y = (double)(g / n + 1) * h;
    in_square += x >= 0.6 && x <= 0.9 && y >= 0.1 && y <= 0.4;
  }
  for (rom_int l = 0; l < p->L; ++l) {
    const rom_int g = p->offset + l;
    double x = (double)(g % n + 1) * h, y = (double)(g / n + 1) * h;
    p->weights[l] = 1.0 / (double)p->N;
    p->weights[p->L + l] = (x >= 0.6 && x <= 0.9 && y >= 0.1 && y <= 0.4) ? 1.0 / in_square : 0.0;
  }
  CHECK_OK(ctx, rom_model_create(ctx, p->L, 2, p, &p->model));
  CHECK_OK(ctx, rom_model_set_affine_operator(p->model, 2, cb_apply, cb_coef));
  CHECK_OK(ctx, rom_model_set_affine_operator_transpose(p->model, cb_apply_t));
  CHECK_OK(ctx, rom_model_set_affine_rhs(p->model, 1, cb_rhs, cb_phi));
  CHECK_OK(ctx, rom_model_set_affine_solve(p->model, cb_solve));
  return p;
}

void test_advdiff_destroy(test_advdiff **pp) {
  if (!pp || !*pp) return;
  test_advdiff *p = *pp;
  rom_model_destroy(&p->model);
  free(p->counts);
  free(p->displs);
  free(p->full);
  free(p->full2);
  free(p->band);
  free(p->piv);
  free(p->weights);
  free(p);
  *pp = NULL;
}

rom_model *test_advdiff_model(test_advdiff *p) {
  return p->model;
}
rom_int test_advdiff_local_rows(const test_advdiff *p) {
  return p->L;
}
rom_int test_advdiff_global_rows(const test_advdiff *p) {
  return p->N;
}
const double *test_advdiff_output_weights(const test_advdiff *p, int o) {
  return p->weights + (size_t)o * (size_t)p->L;
}
long test_advdiff_calls(const test_advdiff *p) {
  return p->calls;
}

int test_advdiff_solve(test_advdiff *p, const double *mu, int transpose, const double *b_local,
                       double *x_local) {
  double theta[2] = {mu[0], mu[1]}, *f = NULL;
  int rc;
  if (!b_local) {
    f = calloc((size_t)(p->L > 0 ? p->L : 1), sizeof(double));
    for (rom_int l = 0; l < p->L; ++l)
      f[l] = 1.0;
    b_local = f;
  }
  rc = cb_solve(p, theta, 0.0, 1.0, transpose, b_local, x_local);
  free(f);
  return rc;
}
