/* The parametric heat study (include/romkit/parametric.h, docs/interp.md): local
 * POD-Galerkin ROMs of P3X at training parameters, interpolated on matrix manifolds to
 * unseen parameters (librom/interp/, Amsallem and Farhat 2011), against the FOM, a global
 * POD-Galerkin ROM and the local ROM of the test parameter itself. */
#include "core/check.h"
#include "romkit/parametric.h"
#include "romkit/dmd.h"
#include "romkit/pod.h"
#include "romkit/problems.h"
#include "romkit/snapshots.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

rom_parametric_heat_options rom_parametric_heat_options_default(void) {
  rom_parametric_heat_options o;
  const double train[] = {-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0},
               test[] = {-1.3, 0.3, 1.7};
  memset(&o, 0, sizeof o);
  o.n = 32;
  o.steps = 50;
  o.dt = 0.01;
  o.dim = 6;
  o.ntrain = 9;
  memcpy(o.train, train, sizeof train);
  o.ntest = 3;
  memcpy(o.test, test, sizeof test);
  o.interp = rom_interp_options_default();
  o.interp.method = ROM_INTERP_LAGRANGE;
  o.interp.neighbours = 2; /* piecewise geodesic: docs/interp.md */
  o.manifold = ROM_MANIFOLD_SPD;
  o.local_rows = ROM_AUTO_ROWS;
  o.dmd_manifold = ROM_MANIFOLD_GENERAL;
  o.dmd = 1;
  return o;
}

/* A POD-Galerkin ROM of P3X at one parameter: basis (owned), reduced operator and rhs. */
typedef struct {
  rom_basis *basis;
  double *A, *b; /* k x k, k */
  rom_dmd *dmd;  /* the DMD with control of the same trajectory */
} local_rom;

/* DMD with control u = 1 of a trajectory (L x T, ld L), rank k. Collective. */
static int dmd_of(rom_ctx *ctx, rom_int L, rom_int T, double *traj, rom_int k, double dt,
                  rom_dmd **out) {
  int err = ROM_OK;
  rom_dmat *X = NULL;
  double *ones = NULL;
  rom_dmd_options d = rom_dmd_options_default();
  d.method = ROM_DMD_DMDC;
  d.truncation = ROM_POD_TRUNCATE_RANK;
  d.rank = k;
  d.svd_method = ROM_SVD_TSQR;
  d.dt = dt;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)T, (void **)&ones));
  for (rom_int j = 0; j < T; ++j)
    ones[j] = 1.0;
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, T, traj, L, &X));
  ROM_TRY(ctx, rom_dmd_fit(X, NULL, 1, ones, &d, out));
  ROM_CHECK(ctx, rom_dmd_rank(*out) == k, ROM_ERR_DIM,
            "the DMD of a training trajectory has rank %lld < dim = %lld",
            (long long)rom_dmd_rank(*out), (long long)k);
cleanup:
  rom_dmat_destroy(&X);
  rom_free(ctx, ones);
  return err;
}

/* y_{j+1} = A y_j + b from y_0 = 0, x_j = V y_j, j = 0..steps. */
static int dmd_transient(const rom_dmat *V, const double *A, const double *b, rom_int steps,
                         double *traj) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(V);
  const rom_int k = rom_dmat_cols(V), L = rom_dmat_local_rows(V);
  double *y = NULL, *z = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k, sizeof(double), (void **)&y));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)k, (void **)&z));
  if (L > 0) memset(traj, 0, sizeof(double) * (size_t)L);
  for (rom_int s = 1; s <= steps; ++s) {
    for (rom_int i = 0; i < k; ++i) {
      double acc = b[i];
      for (rom_int j = 0; j < k; ++j)
        acc += A[i + j * k] * y[j];
      z[i] = acc;
    }
    memcpy(y, z, sizeof(double) * (size_t)k);
    ROM_TRY(ctx, rom_dmat_times_vector(V, y, traj + s * L));
  }
cleanup:
  rom_free(ctx, y);
  rom_free(ctx, z);
  return err;
}

/* V^T A(mu) V and V^T 1 for a distributed basis V. Collective. */
static int project(rom_heat2d_exp *h, const double *mu, const rom_dmat *V, double *A, double *b) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(V);
  const rom_int L = rom_dmat_local_rows(V), k = rom_dmat_cols(V);
  rom_dmat *AV = NULL;
  double *ones = NULL;
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &AV));
  ROM_TRY(ctx, rom_heat2d_exp_apply(h, mu, k, rom_dmat_data_const(V), rom_dmat_ld(V),
                                    rom_dmat_data(AV), rom_dmat_ld(AV)));
  ROM_TRY(ctx, rom_dmat_transpose_times(V, AV, A, k));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&ones));
  for (rom_int l = 0; l < L; ++l)
    ones[l] = 1.0;
  ROM_TRY(ctx, rom_dmat_transpose_times_vector(V, ones, b));
cleanup:
  rom_dmat_destroy(&AV);
  rom_free(ctx, ones);
  return err;
}

/* Implicit Euler of the ROM, (I + dt A) q^{s+1} = q^s + dt b from q = 0, lifted by V into
 * traj ((steps + 1) blocks of local rows). Every rank solves the same small system. */
static int rom_transient(const rom_dmat *V, const double *A, const double *b, double dt,
                         rom_int steps, double *traj) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(V);
  const rom_int k = rom_dmat_cols(V), L = rom_dmat_local_rows(V);
  double *M = NULL, *q = NULL;
  lapack_int *ipiv = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&M));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k, sizeof(double), (void **)&q));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)k, (void **)&ipiv));
  for (rom_int i = 0; i < k * k; ++i)
    M[i] = dt * A[i];
  for (rom_int i = 0; i < k; ++i)
    M[i + i * k] += 1.0;
  {
    lapack_int info =
        LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)k, M, (lapack_int)k, ipiv);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_SINGULAR, "the ROM's I + dt A is singular (info %d)",
                  (int)info);
  }
  if (L > 0) memset(traj, 0, sizeof(double) * (size_t)L);
  for (rom_int s = 1; s <= steps; ++s) {
    for (rom_int i = 0; i < k; ++i)
      q[i] += dt * b[i];
    LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)k, 1, M, (lapack_int)k, ipiv, q,
                   (lapack_int)k);
    ROM_TRY(ctx, rom_dmat_times_vector(V, q, traj + s * L));
  }
cleanup:
  rom_free(ctx, M);
  rom_free(ctx, q);
  rom_free(ctx, ipiv);
  return err;
}

/* POD basis of k vectors of the columns of snaps (L x m, ld L). Collective. */
static int pod_of(rom_ctx *ctx, rom_int L, rom_int m, double *snaps, rom_int k, rom_basis **out) {
  int err = ROM_OK;
  rom_dmat *S = NULL;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  po.method = ROM_SVD_TSQR;
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, m, snaps, L, &S));
  ROM_TRY(ctx, rom_pod_compute(S, &po, out));
  ROM_CHECK(ctx, rom_basis_dim(*out) == k, ROM_ERR_DIM,
            "the snapshots give only %lld POD vectors, dim = %lld asked",
            (long long)rom_basis_dim(*out), (long long)k);
cleanup:
  rom_dmat_destroy(&S);
  return err;
}

static int check_options(rom_ctx *ctx, const rom_parametric_heat_options *o) {
  int err = ROM_OK;
  ROM_CHECK(ctx, o->n >= 2, ROM_ERR_ARG, "options.n = %lld must be >= 2", (long long)o->n);
  ROM_CHECK(ctx, o->steps >= 1, ROM_ERR_ARG, "options.steps = %lld must be >= 1",
            (long long)o->steps);
  ROM_CHECK(ctx, o->dt > 0.0 && isfinite(o->dt), ROM_ERR_ARG, "options.dt = %g must be > 0", o->dt);
  ROM_CHECK(ctx, o->ntrain >= 2 && o->ntrain <= ROM_PARAMETRIC_MAX_POINTS, ROM_ERR_ARG,
            "options.ntrain = %d must be in 2..%d", o->ntrain, ROM_PARAMETRIC_MAX_POINTS);
  ROM_CHECK(ctx, o->ntest >= 0 && o->ntest <= ROM_PARAMETRIC_MAX_POINTS, ROM_ERR_ARG,
            "options.ntest = %d must be in 0..%d", o->ntest, ROM_PARAMETRIC_MAX_POINTS);
  ROM_CHECK(ctx, o->dim >= 1 && o->dim <= o->steps && o->dim <= o->n * o->n, ROM_ERR_ARG,
            "options.dim = %lld must be in 1..min(steps, n^2) = %lld", (long long)o->dim,
            (long long)(o->steps < o->n * o->n ? o->steps : o->n * o->n));
cleanup:
  return err;
}

int rom_parametric_heat_run(rom_ctx *ctx, const rom_parametric_heat_options *opts,
                            rom_parametric_heat_result *r) {
  int err = ROM_OK;
  rom_parametric_heat_options o = opts ? *opts : rom_parametric_heat_options_default();
  rom_heat2d_exp *h = NULL;
  local_rom loc[ROM_PARAMETRIC_MAX_POINTS];
  rom_basis *global = NULL, *own = NULL;
  rom_dmat *Vstar = NULL;
  double *all = NULL, *fom = NULL, *rom = NULL, *A = NULL, *b = NULL, *Ae = NULL;
  rom_int L = 0, k = o.dim, T = o.steps + 1;
  const rom_dmat *Vs[ROM_PARAMETRIC_MAX_POINTS];
  const double *As[ROM_PARAMETRIC_MAX_POINTS], *bs[ROM_PARAMETRIC_MAX_POINTS];
  const rom_dmat *Ds[ROM_PARAMETRIC_MAX_POINTS];
  const double *DAs[ROM_PARAMETRIC_MAX_POINTS], *DBs[ROM_PARAMETRIC_MAX_POINTS];
  double t0 = 0.0, tmp = 0.0;
  memset(loc, 0, sizeof loc);
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, r != NULL, ROM_ERR_ARG, "result must not be NULL");
  memset(r, 0, sizeof *r);
  ROM_TRY(ctx, check_options(ctx, &o));
  /* the test parameters against the training range (and every other check of the
   * interpolant) before the offline stage, not after it */
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)o.ntrain, (void **)&A));
  for (int t = 0; t < o.ntest; ++t)
    ROM_TRY(ctx, rom_interp_weights(ctx, o.ntrain, 1, o.train, &o.test[t], &o.interp, A));
  rom_free(ctx, A);
  A = NULL;
  ROM_TRY(ctx, rom_heat2d_exp_create(ctx, o.n, o.local_rows, &h));
  L = rom_heat2d_exp_local_rows(h);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L * T * o.ntrain + 1), (void **)&all));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L * T + 1), (void **)&fom));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L * T + 1), (void **)&rom));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&A));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Ae));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)k, (void **)&b));

  /* offline: FOM trajectories, local PODs and reduced operators at the training points */
  t0 = rom_wtime();
  for (int i = 0; i < o.ntrain; ++i) {
    double *traj = all + (size_t)i * (size_t)(L * T);
    ROM_TRY(ctx, rom_heat2d_exp_transient(h, &o.train[i], o.dt, o.steps, traj));
    ROM_TRY(ctx, pod_of(ctx, L, T, traj, k, &loc[i].basis));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k + k), (void **)&loc[i].A));
    loc[i].b = loc[i].A + k * k;
    ROM_TRY(ctx, project(h, &o.train[i], rom_basis_vectors(loc[i].basis), loc[i].A, loc[i].b));
    Vs[i] = rom_basis_vectors(loc[i].basis);
    As[i] = loc[i].A;
    bs[i] = loc[i].b;
    if (o.dmd) {
      ROM_TRY(ctx, dmd_of(ctx, L, T, traj, k, o.dt, &loc[i].dmd));
      Ds[i] = rom_dmd_basis(loc[i].dmd);
      DAs[i] = rom_dmd_operator(loc[i].dmd);
      DBs[i] = rom_dmd_control_operator(loc[i].dmd);
    }
  }
  ROM_TRY(ctx, pod_of(ctx, L, T * o.ntrain, all, k, &global));
  r->seconds_offline = rom_wtime() - t0;
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &Vstar));

  /* at the training points the interpolated ROM is the local one (in aligned coordinates:
   * compare the trajectories, which do not depend on them) */
  for (int i = 0; i < o.ntrain; ++i) {
    double avg = 0.0, mx = 0.0;
    ROM_TRY(ctx, rom_interp_linear_rom(o.ntrain, Vs, As, bs, o.manifold, 1, o.train, &o.train[i],
                                       &o.interp, A, b, Vstar));
    ROM_TRY(ctx, rom_transient(Vstar, A, b, o.dt, o.steps, rom));
    ROM_TRY(ctx, rom_transient(Vs[i], As[i], bs[i], o.dt, o.steps, fom));
    ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &avg, &mx));
    r->train_reproduction = fmax(r->train_reproduction, avg / 100.0);
    if (o.dmd) { /* the parametric DMD there is the training DMD's own prediction */
      ROM_TRY(ctx, rom_interp_linear_rom(o.ntrain, Ds, DAs, DBs, o.dmd_manifold, 1, o.train,
                                         &o.train[i], &o.interp, A, b, Vstar));
      ROM_TRY(ctx, dmd_transient(Vstar, A, b, o.steps, rom));
      ROM_TRY(ctx, dmd_transient(Ds[i], DAs[i], DBs[i], o.steps, fom));
      ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &avg, &mx));
      r->train_reproduction = fmax(r->train_reproduction, avg / 100.0);
    }
  }

  r->ntest = o.ntest;
  for (int t = 0; t < o.ntest; ++t) {
    const double *mu = &o.test[t];
    double mx = 0.0;
    r->mu[t] = *mu;
    ROM_TRY(ctx, rom_heat2d_exp_transient(h, mu, o.dt, o.steps, fom));
    /* interpolated ROM */
    tmp = rom_wtime();
    ROM_TRY(ctx, rom_interp_linear_rom(o.ntrain, Vs, As, bs, o.manifold, 1, o.train, mu, &o.interp,
                                       A, b, Vstar));
    r->seconds_interpolate += (rom_wtime() - tmp) / o.ntest;
    ROM_TRY(ctx, rom_transient(Vstar, A, b, o.dt, o.steps, rom));
    ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &r->err_interp[t],
                                          &r->err_interp_max[t]));
    /* the interpolated basis with the exact operator */
    ROM_TRY(ctx, project(h, mu, Vstar, Ae, b));
    ROM_TRY(ctx, rom_transient(Vstar, Ae, b, o.dt, o.steps, rom));
    ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &r->err_basis_only[t], &mx));
    /* global POD-Galerkin */
    tmp = rom_wtime();
    ROM_TRY(ctx, project(h, mu, rom_basis_vectors(global), Ae, b));
    r->seconds_global_operator += (rom_wtime() - tmp) / o.ntest;
    ROM_TRY(ctx, rom_transient(rom_basis_vectors(global), Ae, b, o.dt, o.steps, rom));
    ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &r->err_global[t], &mx));
    /* the test parameter's own POD (reference) */
    memcpy(all, fom, sizeof(double) * (size_t)(L * T));
    ROM_TRY(ctx, pod_of(ctx, L, T, all, k, &own));
    ROM_TRY(ctx, project(h, mu, rom_basis_vectors(own), Ae, b));
    ROM_TRY(ctx, rom_transient(rom_basis_vectors(own), Ae, b, o.dt, o.steps, rom));
    ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &r->err_local[t], &mx));
    rom_basis_destroy(&own);
    /* parametric DMD(c) */
    r->err_dmd[t] = -1.0;
    if (o.dmd) {
      ROM_TRY(ctx, rom_interp_linear_rom(o.ntrain, Ds, DAs, DBs, o.dmd_manifold, 1, o.train, mu,
                                         &o.interp, A, b, Vstar));
      ROM_TRY(ctx, dmd_transient(Vstar, A, b, o.steps, rom));
      ROM_TRY(ctx, rom_burgers_error_metric(ctx, T, L, fom, rom, 0, &r->err_dmd[t], &mx));
    }
  }
cleanup:
  for (int i = 0; i < ROM_PARAMETRIC_MAX_POINTS; ++i) {
    rom_basis_destroy(&loc[i].basis);
    rom_dmd_destroy(&loc[i].dmd);
    rom_free(ctx, loc[i].A);
  }
  rom_basis_destroy(&global);
  rom_basis_destroy(&own);
  rom_dmat_destroy(&Vstar);
  rom_heat2d_exp_destroy(&h);
  rom_free(ctx, all);
  rom_free(ctx, fom);
  rom_free(ctx, rom);
  rom_free(ctx, A);
  rom_free(ctx, Ae);
  rom_free(ctx, b);
  return err;
}
