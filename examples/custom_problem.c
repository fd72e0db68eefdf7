/* Your own problem in one file: a 1-D advection-diffusion equation registered with romkit's
 * problem registry (romkit/problem.h), then used by name like the library's P1, P2, P3.
 *
 *   u_t = nu u_xx - c u_x  on (0, 1),  u = 0 at x = 0 and x = 1,  c = 1,
 *   u(x, 0) = exp(-((x - 0.25) / 0.05)^2),  T = 0.4,  mu = {nu} in [0.01, 0.1].
 *
 * n interior nodes x_i = (i + 1) h, h = 1 / (n + 1) (options.resolution, default 200);
 * central differences for diffusion, first-order upwind (c > 0) for advection:
 *
 *   F_i(u) = nu (u_{i-1} - 2 u_i + u_{i+1}) / h^2 - c (u_i - u_{i-1}) / h.
 *
 * What a problem brings: its host model (velocity, Jacobian action, CSR Jacobian:
 * romkit/model.h), its layout, parameters and time grid, the initial state, its error
 * metric and its default recipe; rom_problem_register puts the ops table in the registry,
 * and from then on rom_problem_create("advdiff1d", ...) builds it and the CLI's --problem,
 * Python and the workflows can reach it. Here it is used end to end: FOM runs at the
 * recipe's training parameters, POD of the snapshots, a Galerkin ROM at the test
 * parameter, and the error through the problem's own error op. The program checks its
 * results (the ROM error is small and falls with the basis size) and exits non-zero when
 * they are wrong:
 *
 *   mpirun -n 2 ./examples/example_custom_problem */
#include "romkit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FINAL_TIME 0.4
#define STEPS 100
#define SPEED 1.0

/* ---- the problem's state: grid, partition, model ------------------------------------- */

typedef struct {
  rom_ctx *ctx;
  rom_model *model;
  rom_int n, L, offset; /* unknowns, this rank's rows, its first global row */
  double h;
  int *counts, *displs; /* every rank's rows, for MPI_Allgatherv */
  double *full;         /* a gathered vector (n values) */
  rom_int *row_ptr, *col_index;
  double *values; /* this rank's CSR Jacobian rows */
} advdiff;

static int gather(advdiff *p, const double *local, double *full) {
  return MPI_Allgatherv(local, (int)p->L, MPI_DOUBLE, full, p->counts, p->displs, MPI_DOUBLE,
                        rom_ctx_comm(p->ctx)) == MPI_SUCCESS
             ? 0
             : 1;
}

/* (A v)_i for the linear operator F: the velocity and its Jacobian are the same map. */
static void apply(const advdiff *p, double nu, const double *full, double *y_local) {
  const double d = nu / (p->h * p->h), a = SPEED / p->h;
  for (rom_int l = 0; l < p->L; ++l) {
    const rom_int i = p->offset + l;
    const double w = i > 0 ? full[i - 1] : 0.0, e = i + 1 < p->n ? full[i + 1] : 0.0;
    y_local[l] = d * (w - 2.0 * full[i] + e) - a * (full[i] - w);
  }
}

static int velocity(void *user, const double *u_local, double t, const double *mu,
                    double *F_local) {
  advdiff *p = user;
  (void)t;
  if (gather(p, u_local, p->full)) return 1;
  apply(p, mu[0], p->full, F_local);
  return 0;
}

static int jacobian(void *user, const double *u_local, double t, const double *mu, rom_int ncols,
                    const double *X, rom_int ldx, double *Y, rom_int ldy) {
  advdiff *p = user;
  (void)u_local;
  (void)t;
  for (rom_int j = 0; j < ncols; ++j) {
    if (gather(p, X + j * ldx, p->full)) return 1;
    apply(p, mu[0], p->full, Y + j * ldy);
  }
  return 0;
}

static int jacobian_csr(void *user, const double *u_local, double t, const double *mu, rom_csr *J) {
  advdiff *p = user;
  const double d = mu[0] / (p->h * p->h), a = SPEED / p->h;
  rom_int nnz = 0;
  (void)u_local;
  (void)t;
  for (rom_int l = 0; l < p->L; ++l) {
    const rom_int i = p->offset + l;
    p->row_ptr[l] = nnz;
    if (i > 0) p->col_index[nnz] = i - 1, p->values[nnz++] = d + a;
    p->col_index[nnz] = i, p->values[nnz++] = -2.0 * d - a;
    if (i + 1 < p->n) p->col_index[nnz] = i + 1, p->values[nnz++] = d;
  }
  p->row_ptr[p->L] = nnz;
  J->local_rows = p->L;
  J->global_cols = p->n;
  J->row_ptr = p->row_ptr;
  J->col_index = p->col_index;
  J->values = p->values;
  return 0;
}

/* ---- the ops table ------------------------------------------------------------------- */

static void destroy(void *impl) {
  advdiff *p = impl;
  if (!p) return;
  rom_model_destroy(&p->model);
  free(p->counts);
  free(p->displs);
  free(p->full);
  free(p->row_ptr);
  free(p->col_index);
  free(p->values);
  free(p);
}

/* Collective: every rank learns every rank's row count. */
static int create(rom_ctx *ctx, const rom_problem_options *opts, void **impl) {
  const int P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  advdiff *p = calloc(1, sizeof *p);
  int rc = ROM_OK;
  if (!p) return ROM_ERR_NOMEM;
  p->ctx = ctx;
  p->n = opts->resolution > 0 ? opts->resolution : 200;
  p->h = 1.0 / (double)(p->n + 1);
  /* this rank's rows: the caller's, or an even split (the first n mod P ranks get one more) */
  p->L = opts->local_rows >= 0 ? opts->local_rows : p->n / P + (rank < p->n % P);
  p->counts = malloc(sizeof(int) * (size_t)P);
  p->displs = malloc(sizeof(int) * (size_t)P);
  p->full = malloc(sizeof(double) * (size_t)p->n);
  p->row_ptr = malloc(sizeof(rom_int) * (size_t)(p->L + 1));
  p->col_index = malloc(sizeof(rom_int) * (size_t)(3 * p->L + 1));
  p->values = malloc(sizeof(double) * (size_t)(3 * p->L + 1));
  if (!p->counts || !p->displs || !p->full || !p->row_ptr || !p->col_index || !p->values)
    rc = ROM_ERR_NOMEM;
  int mine = (int)p->L;
  if (MPI_Allgather(&mine, 1, MPI_INT, p->counts, 1, MPI_INT, rom_ctx_comm(ctx)) != MPI_SUCCESS)
    rc = ROM_ERR_MPI;
  rom_int total = 0;
  for (int r = 0; rc == ROM_OK && r < P; ++r) {
    p->displs[r] = (int)total;
    if (r == rank) p->offset = total;
    total += p->counts[r];
  }
  if (rc == ROM_OK && total != p->n) rc = ROM_ERR_DIM; /* the rows do not add up to n */
  if (rc == ROM_OK) rc = rom_model_create(ctx, p->L, 1, p, &p->model);
  if (rc == ROM_OK) rc = rom_model_set_velocity(p->model, velocity, jacobian);
  if (rc == ROM_OK) rc = rom_model_set_velocity_jacobian_csr(p->model, jacobian_csr);
  if (rc != ROM_OK) {
    destroy(p);
    return rc;
  }
  *impl = p;
  return ROM_OK;
}

static rom_model *model(void *impl) {
  return ((advdiff *)impl)->model;
}
static rom_int global_rows(const void *impl) {
  return ((const advdiff *)impl)->n;
}
static rom_int local_rows(const void *impl) {
  return ((const advdiff *)impl)->L;
}
static rom_int row_offset(const void *impl) {
  return ((const advdiff *)impl)->offset;
}
static int one(const void *impl) {
  (void)impl;
  return 1;
}
static void parameter_range(const void *impl, double *lower, double *upper, int *log_scale) {
  (void)impl;
  lower[0] = 0.01, upper[0] = 0.1, log_scale[0] = 1;
}
static rom_int steps(const void *impl) {
  (void)impl;
  return STEPS;
}
static double time_step(const void *impl) {
  (void)impl;
  return FINAL_TIME / STEPS;
}

/* Not collective. */
static int initial(void *impl, const double *mu, double *u0_local) {
  const advdiff *p = impl;
  (void)mu;
  for (rom_int l = 0; l < p->L; ++l) {
    const double x = (double)(p->offset + l + 1) * p->h, z = (x - 0.25) / 0.05;
    u0_local[l] = exp(-z * z);
  }
  return ROM_OK;
}

/* This problem's metric: the space-time relative L2 error and the worst state's, in percent.
 * Collective. */
static int error(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
                 int component, double *avg_pct, double *max_pct) {
  const advdiff *p = impl;
  double *sums = calloc((size_t)(2 * nstates), sizeof(double));
  double se = 0.0, sf = 0.0, worst = 0.0;
  (void)component;
  if (!sums) return ROM_ERR_NOMEM;
  for (rom_int s = 0; s < nstates; ++s)
    for (rom_int l = 0; l < p->L; ++l) {
      const double f = fom_local[s * p->L + l], e = f - rom_local[s * p->L + l];
      sums[2 * s] += e * e;
      sums[2 * s + 1] += f * f;
    }
  if (MPI_Allreduce(MPI_IN_PLACE, sums, (int)(2 * nstates), MPI_DOUBLE, MPI_SUM,
                    rom_ctx_comm(p->ctx)) != MPI_SUCCESS) {
    free(sums);
    return ROM_ERR_MPI;
  }
  for (rom_int s = 0; s < nstates; ++s) {
    se += sums[2 * s];
    sf += sums[2 * s + 1];
    if (sums[2 * s + 1] > 0.0 && sqrt(sums[2 * s] / sums[2 * s + 1]) > worst)
      worst = sqrt(sums[2 * s] / sums[2 * s + 1]);
  }
  free(sums);
  *avg_pct = sf > 0.0 ? 100.0 * sqrt(se / sf) : 0.0;
  *max_pct = 100.0 * worst;
  return ROM_OK;
}

/* The defaults a workflow starts from: four training runs, a test value between them,
 * a POD-Galerkin ROM of dimension 15. */
static void recipe(const void *impl, rom_problem_recipe *r) {
  (void)impl;
  r->train[0] = 0.01, r->train[1] = 0.02, r->train[2] = 0.05, r->train[3] = 0.1;
  r->ntrain = 4;
  r->test[0] = 0.03;
  r->dim = 15;
  r->tolerance = 1e-8;
  r->max_iterations = 4;
}

static const rom_problem_ops advdiff_ops = {
    .name = "advdiff1d",
    .summary = "1D advection-diffusion, nu in [0.01, 0.1] (examples/custom_problem.c)",
    .create = create,
    .destroy = destroy,
    .model = model,
    .global_rows = global_rows,
    .local_rows = local_rows,
    .row_offset = row_offset,
    .num_components = one,
    .component_rows = global_rows,
    .num_parameters = one,
    .parameter_range = parameter_range,
    .steps = steps,
    .time_step = time_step,
    .initial = initial,
    .error = error,
    .recipe = recipe,
    .aliases = "advection-diffusion",
};

/* ---- using it by name ---------------------------------------------------------------- */

/* The ROM error at the recipe's test parameter with the first k POD vectors. Collective. */
static int rom_error(rom_problem *p, const rom_basis *pod, rom_int k, const double *u0,
                     const double *truth, double *avg, double *max) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p), ns = rom_problem_steps(p);
  rom_problem_recipe r;
  rom_dmat *view = NULL;
  rom_basis *basis = NULL;
  rom_nlrom *rom = NULL;
  double *q = malloc(sizeof(double) * (size_t)(k * (ns + 1)));
  double *lifted = malloc(sizeof(double) * (size_t)(L * (ns + 1) + 1));
  int rc = q && lifted ? rom_problem_recipe_of(p, &r) : ROM_ERR_NOMEM;
  const rom_dmat *V = rom_basis_vectors(pod);
  if (rc == ROM_OK)
    rc = rom_dmat_wrap(ctx, L, k, (double *)rom_dmat_data_const(V), rom_dmat_ld(V), &view);
  if (rc == ROM_OK) rc = rom_basis_create(view, NULL, 0, NULL, &basis);
  rom_nlrom_options o = rom_nlrom_options_default();
  o.projection = ROM_NLROM_GALERKIN;
  o.tolerance = r.tolerance;
  o.max_iterations = r.max_iterations;
  /* u ~ u0 + Phi q, q(0) = 0: the snapshots were u^n - u^0 */
  if (rc == ROM_OK) rc = rom_nlrom_create(rom_problem_model(p), basis, u0, NULL, &o, &rom);
  if (rc == ROM_OK)
    rc = rom_nlrom_run(rom, r.test, 0.0, rom_problem_time_step(p), ns, NULL, q, NULL);
  for (rom_int s = 0; rc == ROM_OK && s <= ns; ++s)
    rc = rom_nlrom_lift(rom, q + s * k, lifted + s * L);
  if (rc == ROM_OK) rc = rom_problem_error(p, ns + 1, truth, lifted, 0, avg, max);
  rom_nlrom_destroy(&rom);
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&view);
  free(q);
  free(lifted);
  return rc;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_problem *p = NULL;
  rom_dmat *S = NULL;
  rom_basis *pod = NULL;
  double *u0 = NULL, *traj = NULL, *truth = NULL;
  int rc = rom_ctx_create(MPI_COMM_WORLD, &ctx), ok = 0;
  /* 1. register: one call, on every rank, before the problem is looked up */
  if (rc == ROM_OK) rc = rom_problem_register(&advdiff_ops);
  /* 2. build it by name, as the CLI's --problem does (names are case-insensitive) */
  if (rc == ROM_OK) rc = rom_problem_create(ctx, "AdvDiff1D", NULL, &p);
  if (rc != ROM_OK) goto done;
  const rom_int L = rom_problem_local_rows(p), ns = rom_problem_steps(p);
  const double dt = rom_problem_time_step(p);
  rom_problem_recipe r;
  rom_problem_recipe_of(p, &r);
  u0 = malloc(sizeof(double) * (size_t)(L + 1));
  traj = malloc(sizeof(double) * (size_t)(L * (ns + 1) + 1));
  truth = malloc(sizeof(double) * (size_t)(L * (ns + 1) + 1));
  if (!u0 || !traj || !truth) rc = ROM_ERR_NOMEM;
  /* 3. FOM runs at the training parameters: snapshots u^n - u^0, n = 1..steps */
  if (rc == ROM_OK) rc = rom_dmat_create(ctx, L, (rom_int)r.ntrain * ns, &S);
  for (int t = 0; rc == ROM_OK && t < r.ntrain; ++t) {
    rc = rom_problem_initial(p, &r.train[t], u0);
    if (rc == ROM_OK)
      rc = rom_fom_integrate(rom_problem_model(p), &r.train[t], u0, 0.0, dt, ns, NULL, traj, NULL);
    for (rom_int s = 1; rc == ROM_OK && s <= ns; ++s)
      for (rom_int l = 0; l < L; ++l)
        rom_dmat_data(S)[(t * ns + s - 1) * L + l] = traj[s * L + l] - traj[l];
  }
  /* 4. POD, and the reference run at the test parameter */
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = r.dim;
  if (rc == ROM_OK) rc = rom_pod_compute(S, &po, &pod);
  if (rc == ROM_OK) rc = rom_problem_initial(p, r.test, u0);
  if (rc == ROM_OK)
    rc = rom_fom_integrate(rom_problem_model(p), r.test, u0, 0.0, dt, ns, NULL, truth, NULL);
  /* 5. Galerkin ROMs with 5 and 15 POD vectors, errors by the problem's own metric */
  double avg5 = 0, max5 = 0, avg = 0, max = 0;
  if (rc == ROM_OK) rc = rom_error(p, pod, 5, u0, truth, &avg5, &max5);
  if (rc == ROM_OK) rc = rom_error(p, pod, r.dim, u0, truth, &avg, &max);
  if (rc == ROM_OK) {
    /* the checks: the registry knows it, and the ROM is accurate and improves with k */
    ok = rom_problem_find("advection-diffusion") == rom_problem_find("advdiff1d") &&
         rom_problem_global_rows(p) == 200 && avg < 0.5 && avg < 0.1 * avg5 && max < 1.0;
    if (rom_ctx_rank(ctx) == 0)
      printf("%s (%s): %lld unknowns on %d ranks, %d training runs of %lld steps;\n"
             "POD-Galerkin at nu = %g: k = 5 error %.3f %% (max %.3f %%), k = %lld error %.4f %% "
             "(max %.4f %%) -> %s\n",
             rom_problem_name_of(p), rom_problem_ops_of(p)->summary,
             (long long)rom_problem_global_rows(p), rom_ctx_size(ctx), r.ntrain, (long long)ns,
             r.test[0], avg5, max5, (long long)r.dim, avg, max, ok ? "ok" : "FAILED");
  }
done:
  if (rc != ROM_OK && ctx && rom_ctx_rank(ctx) == 0)
    fprintf(stderr, "custom_problem: %s\n", rom_ctx_last_error(ctx));
  rom_basis_destroy(&pod);
  rom_dmat_destroy(&S);
  rom_problem_destroy(&p);
  free(u0);
  free(traj);
  free(truth);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc == ROM_OK && ok ? 0 : 1;
}
