/* The successive constraint method (ROM_COERCIVITY_SCM, librom/affine/affine_scm.c) at 1, 2
 * and 4 ranks with an uneven partition (the last rank empty at 4 ranks).
 *
 * Problem where min-theta does not apply: 1-D diffusion-reaction on (0, 1), finite differences
 * with N interior points, A(theta) = theta_0 K + theta_1 diag(x - 1/2) + theta_2 diag(sin 2 pi x),
 * K = tridiag(-1, 2, -1) / h^2, theta in [1, 2] x [-4, 4] x [-3, 3]: the reaction terms are
 * indefinite and theta_1, theta_2 take both signs, yet A(theta) stays coercive
 * (lambda_min >= pi^2 - 1/2 * 4 - 3 > 0). X = A(1, 1, 1).
 *
 * Independent truth: dense LAPACK (dsygv: A(theta) v = lambda X v; dgesv for FOM solves),
 * assembled on every rank from the formulas, not through the model callbacks.
 *  - the Lanczos eigenvalue: LB and UB at training point 0 (an SCM point) equal dsygv's
 *    alpha to 1e-7 relative;
 *  - 0 < alpha_LB(theta) <= alpha(theta) <= alpha_UB(theta) at 200 random theta, with the
 *    paper's eps = 0.75 and a tight eps = 0.02 (more SCM points); min / median of LB / alpha
 *    printed;
 *  - the error bound with SCM is a bound: effectivity >= 1 at 100 random theta;
 *  - the file keeps the SCM data: the same LB after a write and read; its box equals
 *    dsygv's extreme eigenvalues of A_q v = lambda X v to 1e-7 (and contains them);
 *  - P3 (n = 12): SCM's LB vs min-theta's at 100 random parameters (ratio printed), LB > 0;
 *  - bad input: eps <= 0 and >= 1, an empty training set, a non-coercive training point. */
#include "testutil.h"

#include <cblas.h>
#include <hdf5.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#define NG 60 /* global unknowns */
#define QA 3

typedef struct {
  rom_ctx *ctx;
  rom_int L, off;
  int *counts, *displs;
  double *full, *full2; /* NG */
  double dl[NG], d[NG], du[NG];
} host;

static double xcoord(int i) {
  return (i + 1.0) / (NG + 1.0);
}
static double react(int q, int i) {
  const double x = xcoord(i);
  return q == 1 ? x - 0.5 : sin(2.0 * 3.14159265358979323846 * x);
}

static int gather(host *h, const double *x) {
  return MPI_Allgatherv(x, (int)h->L, MPI_DOUBLE, h->full, h->counts, h->displs, MPI_DOUBLE,
                        rom_ctx_comm(h->ctx)) == MPI_SUCCESS
             ? 0
             : 1;
}

static int apply_term(void *user, int q, const double *x, double *y) {
  host *h = user;
  const double h2 = (NG + 1.0) * (NG + 1.0);
  if (gather(h, x)) return 1;
  for (rom_int l = 0; l < h->L; ++l) {
    const int i = (int)(h->off + l);
    if (q == 0) {
      double v = 2.0 * h->full[i];
      if (i > 0) v -= h->full[i - 1];
      if (i < NG - 1) v -= h->full[i + 1];
      y[l] = v * h2;
    } else {
      y[l] = react(q, i) * h->full[i];
    }
  }
  return 0;
}

static int rhs_term(void *user, int q, double *f) {
  host *h = user;
  (void)q;
  for (rom_int l = 0; l < h->L; ++l)
    f[l] = 1.0;
  return 0;
}

static int solve(void *user, const double *theta, double shift, double scale, int transpose,
                 const double *b, double *x) {
  host *h = user;
  const double h2 = (NG + 1.0) * (NG + 1.0);
  (void)transpose; /* symmetric */
  if (gather(h, b)) return 1;
  for (int i = 0; i < NG; ++i) {
    h->d[i] =
        shift + scale * (2.0 * theta[0] * h2 + theta[1] * react(1, i) + theta[2] * react(2, i));
    h->dl[i] = h->du[i] = -scale * theta[0] * h2;
  }
  if (LAPACKE_dgtsv(LAPACK_COL_MAJOR, NG, 1, h->dl, h->d, h->du, h->full, NG) != 0) return 1;
  for (rom_int l = 0; l < h->L; ++l)
    x[l] = h->full[h->off + l];
  return 0;
}

static void host_make(rom_ctx *ctx, host *h, rom_model **model) {
  const int P = rom_ctx_size(ctx);
  memset(h, 0, sizeof *h);
  h->ctx = ctx;
  h->L = test_uneven_rows(NG, rom_ctx_rank(ctx), P);
  h->counts = calloc((size_t)P, sizeof(int));
  h->displs = calloc((size_t)P, sizeof(int));
  h->full = calloc(NG, sizeof(double));
  h->full2 = calloc(NG, sizeof(double));
  int Li = (int)h->L;
  MPI_Allgather(&Li, 1, MPI_INT, h->counts, 1, MPI_INT, rom_ctx_comm(ctx));
  for (int r = 1; r < P; ++r)
    h->displs[r] = h->displs[r - 1] + h->counts[r - 1];
  h->off = h->displs[rom_ctx_rank(ctx)];
  CHECK_OK(ctx, rom_model_create(ctx, h->L, QA, h, model));
  CHECK_OK(ctx, rom_model_set_affine_operator(*model, QA, apply_term, NULL));
  CHECK_OK(ctx, rom_model_set_affine_rhs(*model, 1, rhs_term, NULL));
  CHECK_OK(ctx, rom_model_set_affine_solve(*model, solve));
}

static void host_free(host *h) {
  free(h->counts);
  free(h->displs);
  free(h->full);
  free(h->full2);
}

/* Dense A(theta) (column-major NG x NG). */
static void dense_A(const double *theta, double *A) {
  const double h2 = (NG + 1.0) * (NG + 1.0);
  memset(A, 0, sizeof(double) * NG * NG);
  for (int i = 0; i < NG; ++i) {
    A[i + i * NG] = 2.0 * theta[0] * h2 + theta[1] * react(1, i) + theta[2] * react(2, i);
    if (i > 0) A[i + (i - 1) * NG] = A[(i - 1) + i * NG] = -theta[0] * h2;
  }
}

/* alpha(theta) = min eig of A(theta) v = lambda X v, X = A(1,1,1), by dsygv. */
static double exact_alpha(const double *theta) {
  static double A[NG * NG], X[NG * NG], w[NG];
  const double one[QA] = {1, 1, 1};
  dense_A(theta, A);
  dense_A(one, X);
  lapack_int info = LAPACKE_dsygv(LAPACK_COL_MAJOR, 1, 'N', 'U', NG, A, NG, X, NG, w);
  return info == 0 ? w[0] : NAN;
}

static void random_theta(uint64_t stream, int i, double *th) {
  th[0] = 1.0 + rom_rng_uniform(5, stream, (uint64_t)(3 * i));
  th[1] = -4.0 + 8.0 * rom_rng_uniform(5, stream, (uint64_t)(3 * i + 1));
  th[2] = -3.0 + 6.0 * rom_rng_uniform(5, stream, (uint64_t)(3 * i + 2));
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* LB / alpha at n random theta (stream 2): min and median; returns the number of theta where
 * 0 < LB <= alpha <= UB fails. */
static int lb_ratios(rom_ctx *ctx, rom_affine_rom *rom, int n, double *rmin, double *rmed) {
  double *ratio = malloc(sizeof(double) * (size_t)n);
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    double th[QA], lb = 0.0, ub = 0.0;
    random_theta(2, i, th);
    const double a = exact_alpha(th);
    int rc = rom_affine_rom_coercivity_lower_bound(rom, th, &lb);
    rom_affine_rom_scm_info(rom, th, &ub, NULL);
    if (rc != ROM_OK || !(lb > 0.0) || lb > a * (1.0 + 1e-10) || ub < a * (1.0 - 1e-10)) {
      if (bad++ < 3)
        CHECK(0, "theta %d: rc %d LB %.10g alpha %.10g UB %.10g: %s", i, rc, lb, a, ub,
              rom_ctx_last_error(ctx));
    }
    ratio[i] = lb / a;
  }
  qsort(ratio, (size_t)n, sizeof(double), cmp_double);
  *rmin = ratio[0];
  *rmed = ratio[n / 2];
  free(ratio);
  return bad;
}

/* POD basis (rank k) of FOM solves at m random theta (dense, on every rank). */
static rom_basis *make_basis(rom_ctx *ctx, host *h, int m, rom_int k) {
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  static double A[NG * NG];
  double u[NG];
  lapack_int piv[NG];
  CHECK_OK(ctx, rom_dmat_create(ctx, h->L, m, &S));
  for (int s = 0; s < m; ++s) {
    double th[QA];
    random_theta(3, s, th);
    dense_A(th, A);
    for (int i = 0; i < NG; ++i)
      u[i] = 1.0;
    LAPACKE_dgesv(LAPACK_COL_MAJOR, NG, 1, A, NG, piv, u, NG);
    for (rom_int l = 0; l < h->L; ++l)
      rom_dmat_data(S)[l + s * h->L] = u[h->off + l];
  }
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
  rom_dmat_destroy(&S);
  return b;
}

static double *training_set(int n) {
  double *t = malloc(sizeof(double) * (size_t)(n * QA));
  for (int i = 0; i < n; ++i)
    random_theta(1, i, t + i * QA);
  return t;
}

static void test_diffusion_reaction(rom_ctx *ctx) {
  host h;
  rom_model *model = NULL;
  host_make(ctx, &h, &model);
  const int ntrain = 200, ntest = 200;
  double *train = training_set(ntrain);
  rom_basis *b = make_basis(ctx, &h, 8, 4);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(model, b, &rom));
  /* min-theta refuses this problem (indefinite reaction terms) */
  CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, NULL), ROM_ERR_UNSUPPORTED);
  rom_estimator_options eo = rom_estimator_options_default();
  eo.coercivity = ROM_COERCIVITY_SCM;
  eo.scm_train = train;
  eo.scm_ntrain = ntrain;
  const long solves0 = rom_model_affine_solve_count(model);
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, model, b, &eo));
  rom_scm_info si;
  CHECK_OK(ctx, rom_affine_rom_scm_info(rom, NULL, NULL, &si));
  CHECK(si.points >= 1 && si.gap <= 0.75, "SCM: %d points, gap %g", si.points, si.gap);
  CHECK(si.solves > 0 && si.solves <= rom_model_affine_solve_count(model) - solves0,
        "SCM solves %ld", si.solves);
  /* Lanczos vs dsygv at training point 0 (the first SCM point) */
  {
    double lb = 0.0, ub = 0.0, a = exact_alpha(train);
    CHECK_OK(ctx, rom_affine_rom_coercivity_lower_bound(rom, train, &lb));
    CHECK_OK(ctx, rom_affine_rom_scm_info(rom, train, &ub, NULL));
    CHECK(fabs(lb - a) <= 1e-7 * fabs(a), "LB at an SCM point %.12g vs dsygv %.12g", lb, a);
    CHECK(fabs(ub - a) <= 1e-7 * fabs(a), "UB at an SCM point %.12g vs dsygv %.12g", ub, a);
  }
  /* 0 < LB <= alpha at random theta */
  {
    double rmin = 0.0, rmed = 0.0;
    int bad = lb_ratios(ctx, rom, ntest, &rmin, &rmed);
    CHECK(bad == 0, "0 < LB <= alpha <= UB at %d random theta (%d failed)", ntest, bad);
    /* the online cost: one LP per call */
    double th[QA], lb = 0.0, t0 = MPI_Wtime();
    for (int i = 0; i < 1000; ++i) {
      random_theta(6, i, th);
      CHECK_OK(ctx, rom_affine_rom_coercivity_lower_bound(rom, th, &lb));
    }
    const double us = (MPI_Wtime() - t0) * 1e3;
    if (rom_ctx_rank(ctx) == 0) printf("scm online LB: %.1f us per call\n", us);
    if (rom_ctx_rank(ctx) == 0)
      printf("scm diffusion-reaction (N = %d, Qa = 3, %d training points, eps 0.75): %d SCM "
             "points, %ld solves, %ld Lanczos steps; LB / alpha at %d random theta: min %.3f "
             "median %.3f\n",
             NG, ntrain, si.points, si.solves, si.eig_iterations, ntest, rmin, rmed);
  }
  /* a tighter greedy: more points, LB closer to alpha */
  {
    rom_affine_rom *tight = NULL;
    rom_estimator_options to = eo;
    rom_scm_info ti;
    double rmin = 0.0, rmed = 0.0;
    to.scm_eps = 0.02;
    memset(&ti, 0, sizeof ti);
    CHECK_OK(ctx, rom_affine_rom_build(model, b, &tight));
    CHECK_OK(ctx, rom_affine_rom_build_estimator(tight, model, b, &to));
    CHECK_OK(ctx, rom_affine_rom_scm_info(tight, NULL, NULL, &ti));
    CHECK(ti.points > si.points && ti.gap <= 0.02, "eps 0.02: %d points, gap %g", ti.points,
          ti.gap);
    int bad = lb_ratios(ctx, tight, ntest, &rmin, &rmed);
    CHECK(bad == 0, "eps 0.02: 0 < LB <= alpha <= UB at %d random theta (%d failed)", ntest, bad);
    CHECK(rmin > 0.5, "eps 0.02: min LB / alpha = %g", rmin);
    if (rom_ctx_rank(ctx) == 0)
      printf("scm diffusion-reaction (eps 0.02): %d SCM points, %ld solves, %ld Lanczos steps; "
             "LB / alpha: min %.3f median %.3f\n",
             ti.points, ti.solves, ti.eig_iterations, rmin, rmed);
    rom_affine_rom_destroy(&tight);
  }
  /* the error bound is a bound: effectivity >= 1 */
  {
    static double A[NG * NG], X[NG * NG];
    double u[NG], e[NG], Xe[NG], q[4], phi = 1.0, minr = INFINITY;
    const double one[QA] = {1, 1, 1};
    lapack_int piv[NG];
    const rom_dmat *V = rom_basis_vectors(b);
    dense_A(one, X);
    int nbad = 0;
    for (int i = 0; i < 100; ++i) {
      double th[QA], bound = 0.0;
      random_theta(4, i, th);
      dense_A(th, A);
      for (int j = 0; j < NG; ++j)
        u[j] = 1.0;
      LAPACKE_dgesv(LAPACK_COL_MAJOR, NG, 1, A, NG, piv, u, NG);
      CHECK_OK(ctx, rom_affine_rom_solve(rom, th, &phi, q));
      CHECK_OK(ctx, rom_affine_rom_error_bound(rom, th, &phi, q, &bound));
      /* u_r gathered: Phi q on the local rows */
      double *ur = calloc((size_t)(h.L > 0 ? h.L : 1), sizeof(double));
      if (h.L > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)h.L, 4, 1.0, rom_dmat_data_const(V),
                    (int)rom_dmat_ld(V), q, 1, 0.0, ur, 1);
      gather(&h, ur);
      free(ur);
      for (int j = 0; j < NG; ++j)
        e[j] = u[j] - h.full[j];
      cblas_dgemv(CblasColMajor, CblasNoTrans, NG, NG, 1.0, X, NG, e, 1, 0.0, Xe, 1);
      const double ex = sqrt(cblas_ddot(NG, e, 1, Xe, 1));
      const double eff = bound / ex;
      minr = fmin(minr, eff);
      if (!(eff >= 1.0)) nbad++;
    }
    CHECK(nbad == 0, "effectivity >= 1 at 100 random theta (%d below, min %g)", nbad, minr);
    if (rom_ctx_rank(ctx) == 0) printf("scm diffusion-reaction: min effectivity %.3f\n", minr);
  }
  /* the file keeps the SCM data */
  {
    char path[512];
    rom_affine_rom *back = NULL;
    test_path(ctx, "scm_rom", path, sizeof path);
    CHECK_OK(ctx, rom_affine_rom_write(rom, path, 1));
    CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
    int same = back != NULL;
    for (int i = 0; i < 20 && same; ++i) {
      double th[QA], a1 = 0.0, a2 = -1.0;
      random_theta(2, i, th);
      rom_affine_rom_coercivity_lower_bound(rom, th, &a1);
      CHECK_OK(ctx, rom_affine_rom_coercivity_lower_bound(back, th, &a2));
      same = a1 == a2;
    }
    CHECK(same, "the same SCM lower bounds after a write and read");
    rom_scm_info s2;
    CHECK_OK(ctx, rom_affine_rom_scm_info(back, NULL, NULL, &s2));
    CHECK(s2.points == si.points && s2.ntrain == ntrain, "file: %d points", s2.points);
    /* the box in the file (h5py layout {Qa, 2}) against dsygv's extreme eigenvalues of
     * A_q v = lambda X v: the Lanczos ends, widened by their residuals */
    if (rom_ctx_rank(ctx) == 0) {
      double box[2 * QA] = {0}, w[NG];
      static double Aq[NG * NG], X[NG * NG];
      const double one[QA] = {1, 1, 1};
      hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
      hid_t ds = H5Dopen2(file, "scm_box", H5P_DEFAULT);
      CHECK(ds >= 0 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, box) >= 0,
            "read /scm_box");
      H5Dclose(ds);
      H5Fclose(file);
      for (int q = 0; q < QA; ++q) {
        double e[QA] = {0, 0, 0};
        e[q] = 1.0;
        dense_A(e, Aq);
        dense_A(one, X);
        CHECK(LAPACKE_dsygv(LAPACK_COL_MAJOR, 1, 'N', 'U', NG, Aq, NG, X, NG, w) == 0, "dsygv");
        const double big = fmax(fabs(w[0]), fabs(w[NG - 1]));
        CHECK(box[2 * q] <= w[0] + 1e-12 * big && box[2 * q] >= w[0] - 1e-7 * big,
              "box min of A_%d: %.12g vs dsygv %.12g", q, box[2 * q], w[0]);
        CHECK(box[2 * q + 1] >= w[NG - 1] - 1e-12 * big && box[2 * q + 1] <= w[NG - 1] + 1e-7 * big,
              "box max of A_%d: %.12g vs dsygv %.12g", q, box[2 * q + 1], w[NG - 1]);
      }
    }
    rom_affine_rom_destroy(&back);
    if (rom_ctx_rank(ctx) == 0) remove(path);
  }
  /* bad input */
  {
    rom_estimator_options bo = eo;
    bo.scm_eps = 0.0;
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &bo), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "scm_eps") != NULL, "eps message: %s",
          rom_ctx_last_error(ctx));
    bo.scm_eps = -1.0;
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &bo), ROM_ERR_ARG);
    bo.scm_eps = 1.0;
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &bo), ROM_ERR_ARG);
    bo = eo;
    bo.scm_ntrain = 0;
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &bo), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "training set is empty") != NULL, "empty message: %s",
          rom_ctx_last_error(ctx));
    /* a non-coercive point: theta_0 small, a strong sign-changing reaction */
    double nc[2 * QA] = {1.5, 0.0, 0.0, 0.01, 0.0, 10.0};
    bo.scm_train = nc;
    bo.scm_ntrain = 2;
    CHECK(exact_alpha(nc + QA) < 0.0, "the second point is not coercive (%g)",
          exact_alpha(nc + QA));
    CHECK_ERR(ctx, rom_affine_rom_build_estimator(rom, model, b, &bo), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "not coercive at training point 1") != NULL,
          "non-coercive message: %s", rom_ctx_last_error(ctx));
    if (rom_ctx_rank(ctx) == 0) printf("scm non-coercive: %s\n", rom_ctx_last_error(ctx));
    CHECK(!rom_affine_rom_has_estimator(rom), "a failed build leaves no estimator");
  }
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_model_destroy(&model);
  host_free(&h);
  free(train);
}

/* P3: SCM vs min-theta (exact for the thermal block with X = A(1): alpha = min_q theta_q). */
static void test_p3(rom_ctx *ctx) {
  rom_heat2d_options o = rom_heat2d_options_default();
  o.n = 12;
  const rom_int N = o.n * o.n;
  rom_heat2d *h = NULL;
  CHECK_OK(ctx, rom_heat2d_create(ctx, &o,
                                  test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)), &h));
  rom_model *model = rom_heat2d_model(h);
  const rom_int L = rom_heat2d_local_rows(h);
  const int ntrain = 100, ntest = 100;
  double *train = malloc(sizeof(double) * ntrain * 4);
  for (int i = 0; i < ntrain * 4; ++i)
    train[i] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(7, 1, (uint64_t)i));
  /* a small basis: two FOM solves */
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, L, 2, &S));
  double mu0[4] = {1, 2, 3, 4}, mu1[4] = {4, 3, 0.5, 1};
  CHECK_OK(ctx, rom_heat2d_solve(h, mu0, rom_dmat_data(S)));
  CHECK_OK(ctx, rom_heat2d_solve(h, mu1, rom_dmat_data(S) + L));
  rom_pod_options po = rom_pod_options_default();
  CHECK_OK(ctx, rom_pod_compute(S, &po, &b));
  rom_dmat_destroy(&S);
  rom_affine_rom *rom = NULL;
  CHECK_OK(ctx, rom_affine_rom_build(model, b, &rom));
  rom_estimator_options eo = rom_estimator_options_default();
  eo.coercivity = ROM_COERCIVITY_SCM;
  eo.scm_train = train;
  eo.scm_ntrain = ntrain;
  CHECK_OK(ctx, rom_affine_rom_build_estimator(rom, model, b, &eo));
  rom_scm_info si;
  memset(&si, 0, sizeof si);
  CHECK_OK(ctx, rom_affine_rom_scm_info(rom, NULL, NULL, &si));
  double *ratio = malloc(sizeof(double) * ntest);
  int bad = 0;
  for (int i = 0; i < ntest; ++i) {
    double mu[4], lb = 0.0, mt = INFINITY;
    for (int q = 0; q < 4; ++q) {
      mu[q] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(7, 2, (uint64_t)(4 * i + q)));
      mt = fmin(mt, mu[q]);
    }
    int rc = rom_affine_rom_coercivity_lower_bound(rom, mu, &lb);
    if (rc != ROM_OK || !(lb > 0.0) || lb > mt * (1.0 + 1e-7)) bad++;
    ratio[i] = lb / mt;
  }
  CHECK(bad == 0, "P3: 0 < SCM LB <= min-theta at %d parameters (%d failed)", ntest, bad);
  qsort(ratio, ntest, sizeof(double), cmp_double);
  if (rom_ctx_rank(ctx) == 0)
    printf("scm P3 (n = %d, %d training points): %d SCM points, %ld solves; SCM LB / min-theta "
           "at %d parameters: min %.3f median %.3f\n",
           (int)o.n, ntrain, si.points, si.solves, ntest, ratio[0], ratio[ntest / 2]);
  free(ratio);
  free(train);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_heat2d_destroy(&h);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  test_diffusion_reaction(ctx);
  test_p3(ctx);
  return test_finish(&ctx);
}
