/* P3 — parametric heat conduction on the unit square (docs/problems.md, docs/problems.md).
 *
 *   -div(kappa(x; mu) grad u) = f   in (0,1)^2,  u = 0 on the boundary,  f = 1,
 *   kappa = mu_q on subdomain q of a blocks_x x blocks_y partition of the square.
 *
 * Discretisation: the standard conservative 5-point finite-difference (finite-volume)
 * scheme on an n x n grid of interior nodes, h = 1/(n+1), node (i, j) at
 * ((i+1)h, (j+1)h), global index g = i + n j (x fastest). Row g of A reads
 *   (1/h^2) sum_{faces e of node g} kappa(mid_e) (u_g - u_nb(e)),   u_nb = 0 on the boundary,
 * with kappa evaluated at the midpoint of each face (LeVeque, Finite Difference Methods
 * for ODEs and PDEs, SIAM 2007, sec. 2.15 and 3.2). Every face belongs to exactly one
 * subdomain, so A(mu) = sum_q mu_q A_q holds exactly, each A_q symmetric positive
 * semi-definite and A(mu) symmetric positive definite for mu > 0.
 *
 * Subdomain of a face midpoint: block column c with c/blocks_x < x <= (c+1)/blocks_x,
 * i.e. a midpoint exactly on a block boundary goes to the lower-index block (same in y).
 * Coordinates are multiples of h/2 = 1/(2(n+1)), so the test is done in exact integer
 * arithmetic: c = ceil(p * blocks_x / (2(n+1))) - 1 for x = p h/2. Subdomain index
 * q = c_x + blocks_x * c_y (x fastest, like the unknowns).
 *
 * Parallel layout: the unknowns are row-distributed in any contiguous partition. The
 * term callback gathers the whole vector with MPI_Allgatherv and applies the stencil to
 * the local rows. That costs O(N) memory and communication per rank per apply — fine
 * for a reference FOM used offline (Qa * k applies per projection), and it is correct
 * for every contiguous partition, including ranks with fewer than n rows or none at
 * all, where a halo exchange would have to reach past the neighbouring rank.
 *
 * Direct solves (the reference, not a scalable solver): A(mu) is assembled as a
 * symmetric band matrix of half-bandwidth n on rank 0 and factorised by banded
 * Cholesky (LAPACK dpbtrf, O(N n^2) = O(n^4) flops, O(n^3) memory), then dpbtrs; the
 * solution is scattered back. */
#include "core/check.h"
#include "linalg/row_layout.h"
#include "romkit/problems.h"
#include "romkit/snapshots.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Factorisations heat_affine_solve keeps: each is (n + 1) N doubles on rank 0 (17 MB at
 * n = 128), so a few, not many. */
#define HEAT_SOLVE_CACHE 3

struct rom_heat2d {
  rom_ctx *ctx;
  rom_int n, N;
  int bx, by, nblocks;
  double inv_h2;
  /* Block column/row of every coordinate a face midpoint can have:
   * face_x[i], i = 0..n: vertical face at x = (i + 1/2) h (west face of node column i);
   * node_x[i], i = 0..n-1: node column i at x = (i + 1) h. Same in y. */
  int *face_x, *node_x, *face_y, *node_y;
  rom_row_layout rows; /* this rank's rows and the gather layout of the partition */
  double *global;      /* N values: the gathered vector in the term callback */
  rom_model *model;
  /* The model's linear solver (heat_affine_solve): rank 0 keeps the last HEAT_SOLVE_CACHE
   * factorisations, least recently used replaced first, so repeated solves with one matrix
   * (Riesz representers, greedy) factor it once, and alternating between two matrices (a
   * trust-region optimiser's FOM solves at mu_k and its bound's representers, which use the
   * fixed inner-product matrix A(theta_bar)) does not refactorise either. */
  double *solve_ab[HEAT_SOLVE_CACHE];         /* banded Cholesky factors; NULL: slot empty */
  double *solve_key;                          /* per slot: theta (nblocks values), shift, scale */
  unsigned long solve_used[HEAT_SOLVE_CACHE]; /* last use (a counter) per slot */
  unsigned long solve_clock;
  long factorizations; /* band factorisations on rank 0 (rom_heat2d_factorizations) */
};

rom_heat2d_options rom_heat2d_options_default(void) {
  rom_heat2d_options o;
  o.n = 64;
  o.blocks_x = 2;
  o.blocks_y = 2;
  return o;
}

/* Block index of the coordinate p/(2(n+1)) among `blocks` equal blocks of [0, 1],
 * points on a boundary going to the lower block: ceil(p * blocks / D) - 1. */
static int block_of(rom_int p, rom_int n, int blocks) {
  rom_int D = 2 * (n + 1);
  rom_int c = (p * blocks + D - 1) / D - 1;
  if (c < 0) c = 0;
  if (c > blocks - 1) c = blocks - 1;
  return (int)c;
}

/* ---- the host-model callbacks ------------------------------------------------------------ */

static int heat_apply_term(void *user, int q, const double *x_local, double *y_local) {
  rom_heat2d *h = user;
  const rom_int n = h->n;
  if (rom_row_layout_allgather(&h->rows, rom_ctx_comm(h->ctx), x_local, h->global) != MPI_SUCCESS)
    return 1;
  const double *u = h->global;
  for (rom_int l = 0; l < h->rows.local_rows; ++l) {
    rom_int g = h->rows.offset + l, i = g % n, j = g / n;
    double ug = u[g], acc = 0.0;
    int bxc = h->node_x[i], byc = h->node_y[j];
    if (h->face_x[i] + h->bx * byc == q) acc += ug - (i > 0 ? u[g - 1] : 0.0);         /* west */
    if (h->face_x[i + 1] + h->bx * byc == q) acc += ug - (i < n - 1 ? u[g + 1] : 0.0); /* east */
    if (bxc + h->bx * h->face_y[j] == q) acc += ug - (j > 0 ? u[g - n] : 0.0);         /* south */
    if (bxc + h->bx * h->face_y[j + 1] == q) acc += ug - (j < n - 1 ? u[g + n] : 0.0); /* north */
    y_local[l] = h->inv_h2 * acc;
  }
  return 0;
}

static int heat_rhs_term(void *user, int q, double *f_local) {
  rom_heat2d *h = user;
  (void)q;
  for (rom_int l = 0; l < h->rows.local_rows; ++l)
    f_local[l] = 1.0;
  return 0;
}

/* theta_q(mu) = mu_q; the problem is only defined for mu_q > 0 (finite). */
static int heat_theta(void *user, const double *mu, double *theta) {
  rom_heat2d *h = user;
  for (int q = 0; q < h->nblocks; ++q) {
    if (!(mu[q] > 0.0) || !isfinite(mu[q])) return 1;
    theta[q] = mu[q];
  }
  return 0;
}

static int heat_phi(void *user, const double *mu, double *phi) {
  (void)user;
  (void)mu;
  phi[0] = 1.0;
  return 0;
}

static int factor_band(rom_heat2d *h, const double *mu, double shift, double scale,
                       double **ab_out);
static int band_solve(rom_heat2d *h, const double *ab, double *b);

/* The model's linear solver (model.h, rom_affine_solve_fn): (shift I + scale A(theta)) x = b
 * (M = I), gathered to rank 0 and solved there by banded Cholesky. A is symmetric, so
 * `transpose` changes nothing. A matrix that is not positive definite fails on every rank. */
static int heat_affine_solve(void *user, const double *theta, double shift, double scale,
                             int transpose, const double *b_local, double *x_local) {
  rom_heat2d *h = user;
  rom_ctx *ctx = h->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int nk = h->nblocks + 2;
  int failed = 0;
  (void)transpose;
  if (MPI_Gatherv(b_local, (int)h->rows.local_rows, MPI_DOUBLE, h->global, h->rows.counts,
                  h->rows.displs, MPI_DOUBLE, 0, comm) != MPI_SUCCESS)
    return 1;
  if (rom_ctx_rank(ctx) == 0) {
    int slot = -1, victim = 0;
    for (int c = 0; c < HEAT_SOLVE_CACHE && slot < 0; ++c) {
      const double *key = h->solve_key + (size_t)c * (size_t)nk;
      int same = h->solve_ab[c] != NULL;
      for (int q = 0; q < h->nblocks && same; ++q)
        same = key[q] == theta[q];
      if (same && key[nk - 2] == shift && key[nk - 1] == scale) slot = c;
    }
    if (slot < 0) { /* an empty slot, else the least recently used one */
      for (int c = 1; c < HEAT_SOLVE_CACHE; ++c)
        if (h->solve_ab[victim] != NULL &&
            (h->solve_ab[c] == NULL || h->solve_used[c] < h->solve_used[victim]))
          victim = c;
      double *key = h->solve_key + (size_t)victim * (size_t)nk;
      if (factor_band(h, theta, shift, scale, &h->solve_ab[victim]) != ROM_OK) failed = 1;
      if (!failed) {
        memcpy(key, theta, sizeof(double) * (size_t)h->nblocks);
        key[nk - 2] = shift;
        key[nk - 1] = scale;
        slot = victim;
      }
    }
    if (!failed) h->solve_used[slot] = ++h->solve_clock;
    if (!failed && band_solve(h, h->solve_ab[slot], h->global) != ROM_OK) failed = 1;
  }
  if (MPI_Bcast(&failed, 1, MPI_INT, 0, comm) != MPI_SUCCESS || failed) return 1;
  if (MPI_Scatterv(h->global, h->rows.counts, h->rows.displs, MPI_DOUBLE, x_local,
                   (int)h->rows.local_rows, MPI_DOUBLE, 0, comm) != MPI_SUCCESS)
    return 1;
  return 0;
}

/* ---- creation ---------------------------------------------------------------------------- */

int rom_heat2d_create(rom_ctx *ctx, const rom_heat2d_options *opts, rom_int local_rows,
                      rom_heat2d **out) {
  int err = ROM_OK;
  rom_heat2d *h = NULL;
  rom_heat2d_options o = opts ? *opts : rom_heat2d_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, o.n >= 2, ROM_ERR_ARG,
                "the grid needs n >= 2 interior nodes per direction (n = %lld)", (long long)o.n);
  ROM_CHECK_ALL(ctx, o.n <= 46340, ROM_ERR_UNSUPPORTED,
                "n = %lld gives n^2 unknowns beyond MPI's int counts (n <= 46340)", (long long)o.n);
  ROM_CHECK_ALL(ctx, o.blocks_x >= 1 && o.blocks_y >= 1, ROM_ERR_ARG,
                "blocks_x = %d and blocks_y = %d must both be >= 1", o.blocks_x, o.blocks_y);
  ROM_CHECK_ALL(ctx, o.blocks_x <= o.n && o.blocks_y <= o.n, ROM_ERR_ARG,
                "blocks_x = %d and blocks_y = %d must not exceed n = %lld (a subdomain "
                "needs grid faces)",
                o.blocks_x, o.blocks_y, (long long)o.n);
  {
    const rom_int N = o.n * o.n;

    ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *h, (void **)&h));
    char what[64];
    snprintf(what, sizeof what, "the %lld x %lld grid", (long long)o.n, (long long)o.n);
    h->ctx = ctx;
    ROM_TRY(ctx, rom_row_layout_init(ctx, N, local_rows, what, &h->rows));
    local_rows = h->rows.local_rows;
    h->n = o.n;
    h->N = N;
    h->bx = o.blocks_x;
    h->by = o.blocks_y;
    h->nblocks = o.blocks_x * o.blocks_y;
    h->inv_h2 = (double)((o.n + 1) * (o.n + 1));

    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)(o.n + 1), (void **)&h->face_x));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)(o.n + 1), (void **)&h->face_y));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)o.n, (void **)&h->node_x));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)o.n, (void **)&h->node_y));
    for (rom_int i = 0; i <= o.n; ++i) {
      h->face_x[i] = block_of(2 * i + 1, o.n, o.blocks_x);
      h->face_y[i] = block_of(2 * i + 1, o.n, o.blocks_y);
    }
    for (rom_int i = 0; i < o.n; ++i) {
      h->node_x[i] = block_of(2 * (i + 1), o.n, o.blocks_x);
      h->node_y[i] = block_of(2 * (i + 1), o.n, o.blocks_y);
    }

    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&h->global));
    ROM_TRY_ALL(
        ctx, rom_malloc(ctx, sizeof(double) * (size_t)HEAT_SOLVE_CACHE * (size_t)(h->nblocks + 2),
                        (void **)&h->solve_key));

    ROM_TRY(ctx, rom_model_create(ctx, local_rows, h->nblocks, h, &h->model));
    ROM_TRY_ALL(ctx,
                rom_model_set_affine_operator(h->model, h->nblocks, heat_apply_term, heat_theta));
    ROM_TRY_ALL(ctx, rom_model_set_affine_rhs(h->model, 1, heat_rhs_term, heat_phi));
    ROM_TRY_ALL(ctx, rom_model_set_affine_solve(h->model, heat_affine_solve));
    /* Mass: the identity (the model's default). */
  }
  *out = h;
  h = NULL;
cleanup:
  rom_heat2d_destroy(&h);
  return err;
}

int rom_heat2d_destroy(rom_heat2d **ph) {
  if (!ph || !*ph) return ROM_OK;
  rom_heat2d *h = *ph;
  rom_ctx *ctx = h->ctx;
  rom_model_destroy(&h->model);
  rom_free(ctx, h->face_x);
  rom_free(ctx, h->face_y);
  rom_free(ctx, h->node_x);
  rom_free(ctx, h->node_y);
  rom_row_layout_free(ctx, &h->rows);
  rom_free(ctx, h->global);
  for (int c = 0; c < HEAT_SOLVE_CACHE; ++c)
    rom_free(ctx, h->solve_ab[c]);
  rom_free(ctx, h->solve_key);
  rom_free(ctx, h);
  *ph = NULL;
  return ROM_OK;
}

rom_int rom_heat2d_global_rows(const rom_heat2d *h) {
  return h ? h->N : 0;
}
rom_int rom_heat2d_local_rows(const rom_heat2d *h) {
  return h ? h->rows.local_rows : 0;
}
int rom_heat2d_num_parameters(const rom_heat2d *h) {
  return h ? h->nblocks : 0;
}
rom_model *rom_heat2d_model(rom_heat2d *h) {
  return h ? h->model : NULL;
}

/* ---- direct solves ------------------------------------------------------------------------ */

/* Every rank must pass the same valid mu: checked collectively, naming q and the value. */
static int check_mu(rom_heat2d *h, const double *mu) {
  int err = ROM_OK;
  rom_ctx *ctx = h->ctx;
  int bad = -1;
  ROM_CHECK_ALL(ctx, mu != NULL, ROM_ERR_ARG, "mu must not be NULL (%d conductivities)",
                h->nblocks);
  for (int q = 0; q < h->nblocks && bad < 0; ++q)
    if (!(mu[q] > 0.0) || !isfinite(mu[q])) bad = q;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                "the conductivity mu_%d = %g of subdomain %d must be positive and finite", bad,
                bad >= 0 ? mu[bad] : 0.0, bad);
cleanup:
  return err;
}

/* Rank 0: the upper band of  shift * I + scale * A(mu)  in LAPACK's symmetric band
 * storage (uplo = 'U', kd = n, ldab = n + 1): A(i, j) at ab[kd + i - j + j * ldab]. */
static void assemble_band(const rom_heat2d *h, const double *mu, double shift, double scale,
                          double *ab) {
  const rom_int n = h->n, kd = n, ldab = n + 1;
  const double c = scale * h->inv_h2;
  memset(ab, 0, sizeof(double) * (size_t)(ldab * h->N));
  for (rom_int j = 0; j < n; ++j)
    for (rom_int i = 0; i < n; ++i) {
      rom_int g = i + n * j;
      double kw = mu[h->face_x[i] + h->bx * h->node_y[j]];
      double ke = mu[h->face_x[i + 1] + h->bx * h->node_y[j]];
      double ks = mu[h->node_x[i] + h->bx * h->face_y[j]];
      double kn = mu[h->node_x[i] + h->bx * h->face_y[j + 1]];
      ab[kd + g * ldab] = shift + c * (kw + ke + ks + kn);
      if (i < n - 1) ab[kd - 1 + (g + 1) * ldab] = -c * ke; /* A(g, g+1) */
      if (j < n - 1) ab[0 + (g + n) * ldab] = -c * kn;      /* A(g, g+n) */
    }
}

/* Rank 0 owns `full` (N values); every rank receives its rows into u_local. */
static int scatter_rows(rom_heat2d *h, const double *full, double *u_local) {
  int err = ROM_OK;
  rom_ctx *ctx = h->ctx;
  ROM_MPI(ctx, MPI_Scatterv(full, h->rows.counts, h->rows.displs, MPI_DOUBLE, u_local,
                            (int)h->rows.local_rows, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* Rank 0: factorise the band matrix shift*I + scale*A(mu) into *ab_io, a buffer of (n + 1) N
 * values allocated here if *ab_io is NULL and reused otherwise (a recycled cache slot: no
 * fresh pages to fault in, which costs more than the assembly at n = 128). On failure the
 * buffer is freed and *ab_io is NULL. */
static int factor_band(rom_heat2d *h, const double *mu, double shift, double scale,
                       double **ab_io) {
  int err = ROM_OK;
  rom_ctx *ctx = h->ctx;
  double *ab = *ab_io;
  size_t bytes = 0;
  *ab_io = NULL;
  if (!ab) {
    ROM_TRY(ctx, rom_size_mul(ctx, (h->n + 1) * h->N, sizeof(double), &bytes));
    ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&ab));
  }
  assemble_band(h, mu, shift, scale, ab);
  h->factorizations++;
  {
    lapack_int info = LAPACKE_dpbtrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)h->N, (lapack_int)h->n,
                                          ab, (lapack_int)(h->n + 1));
    ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dpbtrf: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "the heat operator is not positive definite (dpbtrf: leading minor %d)", (int)info);
  }
  *ab_io = ab;
  ab = NULL;
cleanup:
  rom_free(ctx, ab);
  return err;
}

static int band_solve(rom_heat2d *h, const double *ab, double *b) {
  int err = ROM_OK;
  lapack_int info = LAPACKE_dpbtrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)h->N, (lapack_int)h->n,
                                        1, ab, (lapack_int)(h->n + 1), b, (lapack_int)h->N);
  ROM_CHECK(h->ctx, info == 0, ROM_ERR_LAPACK, "dpbtrs: argument %d is invalid", (int)-info);
cleanup:
  return err;
}

int rom_heat2d_probe_weights(const rom_heat2d *h, int m, double *Lw) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = h->ctx;
  const rom_int L = h->rows.local_rows, n = h->n;
  ROM_CHECK(ctx, m >= 2, ROM_ERR_ARG, "probe grid m = %d must be >= 2", m);
  ROM_CHECK(ctx, Lw != NULL || L == 0, ROM_ERR_ARG,
            "the probe weights Lw (%lld x %d) must not be NULL", (long long)L, (m - 1) * (m - 1));
  if (L > 0) memset(Lw, 0, sizeof(double) * (size_t)L * (size_t)((m - 1) * (m - 1)));
  for (int p = 0; p < (m - 1) * (m - 1); ++p) {
    /* node i sits at x = (i + 1) / (n + 1) */
    const rom_int i = (rom_int)llround((double)(n + 1) * (1 + p % (m - 1)) / m) - 1;
    const rom_int j = (rom_int)llround((double)(n + 1) * (1 + p / (m - 1)) / m) - 1;
    const rom_int g = i + n * j - h->rows.offset;
    if (g >= 0 && g < L) Lw[g + L * p] = 1.0;
  }
cleanup:
  return err;
}

long rom_heat2d_factorizations(const rom_heat2d *h) {
  if (!h) return 0;
  long count = h->factorizations;
  /* only rank 0 factorises; every rank reports its count */
  if (MPI_Bcast(&count, 1, MPI_LONG, 0, rom_ctx_comm(h->ctx)) != MPI_SUCCESS) return -1;
  return count;
}

int rom_heat2d_solve(rom_heat2d *h, const double *mu, double *u_local) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = h->ctx;
  double *ab = NULL, *u = NULL;
  const int root = rom_ctx_rank(ctx) == 0;
  ROM_TRY(ctx, check_mu(h, mu));
  ROM_CHECK_ALL(ctx, u_local != NULL || h->rows.local_rows == 0, ROM_ERR_ARG,
                "u_local must not be NULL on a rank with %lld rows", (long long)h->rows.local_rows);
  if (root) {
    err = factor_band(h, mu, 0.0, 1.0, &ab);
    if (err == ROM_OK) err = rom_malloc(ctx, sizeof(double) * (size_t)h->N, (void **)&u);
    if (err == ROM_OK) {
      for (rom_int g = 0; g < h->N; ++g)
        u[g] = 1.0; /* f = 1 */
      err = band_solve(h, ab, u);
    }
  }
  ROM_TRY_ALL(ctx, err);
  ROM_TRY(ctx, scatter_rows(h, u, u_local));
cleanup:
  rom_free(ctx, ab);
  rom_free(ctx, u);
  return err;
}

/* Implicit Euler, u^0 = 0:  (I + dt A) u^{s+1} = u^s + dt f, one factorisation for all
 * steps. Rank 0 marches the whole vector and scatters each state. */
int rom_heat2d_transient(rom_heat2d *h, const double *mu, double dt, rom_int steps,
                         double *trajectory_local) {
  int err = ROM_OK;
  if (!h) return ROM_ERR_ARG;
  rom_ctx *ctx = h->ctx;
  double *ab = NULL, *u = NULL;
  const int root = rom_ctx_rank(ctx) == 0;
  const rom_int L = h->rows.local_rows;
  ROM_TRY(ctx, check_mu(h, mu));
  ROM_CHECK_ALL(ctx, dt > 0.0 && isfinite(dt), ROM_ERR_ARG, "time step dt = %g must be > 0", dt);
  ROM_CHECK_ALL(ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_CHECK_ALL(ctx, trajectory_local != NULL || L == 0, ROM_ERR_ARG,
                "trajectory_local must not be NULL on a rank with %lld rows", (long long)L);
  if (root) {
    err = factor_band(h, mu, 1.0, dt, &ab);
    if (err == ROM_OK) err = rom_calloc(ctx, (size_t)h->N, sizeof(double), (void **)&u);
  }
  ROM_TRY_ALL(ctx, err);
  if (L > 0) memset(trajectory_local, 0, sizeof(double) * (size_t)L);
  for (rom_int s = 0; s < steps; ++s) {
    if (root) {
      for (rom_int g = 0; g < h->N; ++g)
        u[g] += dt; /* u^s + dt f, f = 1 */
      err = band_solve(h, ab, u);
    }
    ROM_TRY_ALL(ctx, err);
    ROM_TRY(ctx, scatter_rows(h, u, L > 0 ? trajectory_local + (s + 1) * L : NULL));
  }
cleanup:
  rom_free(ctx, ab);
  rom_free(ctx, u);
  return err;
}
