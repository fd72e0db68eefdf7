/* The Successive Constraint Method (SCM): a coercivity lower bound alpha_LB(theta) for the
 * error bounds of the affine ROM (include/romkit/affine_rom.h, ROM_COERCIVITY_SCM).
 *
 * Huynh, Rozza, Sen, Patera, "A successive constraint linear optimization method for lower
 * bounds of parametric coercivity and inf-sup stability constants", C. R. Acad. Sci. Paris,
 * Ser. I 345 (2007) 473-478; Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods",
 * Springer 2016, sec. 4.3. With X = A(theta_bar) and y_q(v) = v^T A_q v / v^T X v,
 *     alpha(theta) = min_v theta . y(v),
 * a minimum over the set Y = {y(v)}. The SCM relaxes Y to
 *     Y_LB(theta) = {y in B : theta_k . y >= alpha(theta_k) for the M_alpha SCM points theta_k
 *                    nearest to theta, theta' . y >= 0 for the M_+ nearest training points},
 * B = prod_q [min_v y_q(v), max_v y_q(v)] (the "box"), which contains Y, so
 *     alpha_LB(theta) = min_{y in Y_LB(theta)} theta . y <= alpha(theta)          (a linear
 * program) and Y_UB = {y(v_k)} (the minimisers at the SCM points) lies in Y, so alpha_UB(theta) =
 * min_k theta . y(v_k) >= alpha(theta). The greedy adds the training point of largest (alpha_UB -
 * alpha_LB) / alpha_UB until it is
 * <= eps everywhere (the paper's eps_alpha, 0.75 in its examples).
 *
 * Eigenvalues: the operator X^{-1} A(c) is self-adjoint in the X inner product, so a Lanczos
 * iteration in that inner product (Parlett, "The Symmetric Eigenvalue Problem", ch. 13) with
 * full reorthogonalisation (two classical Gram-Schmidt passes) and a Rayleigh-Ritz step on the
 * projected terms V^T A_q V (LAPACK dsyev) gives the extreme eigenvalues of A(c) v = lambda X v:
 * one host solve with X and Qa term applications per step, no shifted (indefinite) solves,
 * and the distributed vectors stay in the host's partition (empty ranks included). Chosen over
 * PARPACK because the projected terms give the y_q of the Ritz vector for free and the
 * iteration is about 100 lines; tests/mpi/scm.c checks it against dense LAPACK (dsygv). The
 * residual of a Ritz pair, ||X^{-1} A y - t y||_X = beta_m |s_m| (the last Lanczos coefficient
 * times the Ritz vector's last entry), bounds the distance to the nearest eigenvalue, so the
 * SCM keeps alpha(theta_k) = t_min - residual and widens the box by the residuals: both stay
 * on the safe side of the computed numbers.
 *
 * The linear programs go to GLPK (GNU Linear Programming Kit, glp_simplex); a build without it
 * (-DROMKIT_WITH_GLPK=OFF) refuses SCM with ROM_ERR_UNSUPPORTED. */
#include "core/check.h"
#include "io/h5.h"
#include "affine/affine_rom_impl.h"
#include "romkit/rng.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef ROMKIT_HAVE_GLPK
#include <glpk.h>
#endif

/* Lanczos stops when both wanted Ritz residuals are below this fraction of the spectrum's
 * magnitude: the eigenvalue error is then at most that (and is subtracted, see above). */
#define SCM_LANCZOS_TOL 1e-9
/* Seed of the start vectors (a counter RNG of the global row: the same on any rank count). */
#define SCM_SEED 2007u

struct rom_affine_scm {
  int Qa;
  double *box; /* Qa x 2 row-major: [min_q, max_q] */
  int npts;
  double *pts;   /* npts x Qa row-major: the SCM points theta_k */
  double *alpha; /* npts: alpha(theta_k) (safe side) */
  double *y;     /* npts x Qa row-major: y_q of the minimiser at theta_k */
  int ntrain;
  double *train; /* ntrain x Qa row-major */
  int m_alpha, m_plus;
  double eps, gap;
  long solves, iters;
  /* online workspace (the LP's rows) */
  double *dist;
  int *sel;
};

/* Frees SCM data, attached to a ROM or not (NULL: nothing). */
static void scm_data_free(rom_ctx *ctx, struct rom_affine_scm *s) {
  if (!s) return;
  rom_free(ctx, s->box);
  rom_free(ctx, s->pts);
  rom_free(ctx, s->alpha);
  rom_free(ctx, s->y);
  rom_free(ctx, s->train);
  rom_free(ctx, s->dist);
  rom_free(ctx, s->sel);
  rom_free(ctx, s);
}

void rom_affine_scm_free(rom_affine_rom *rom) {
  if (!rom) return;
  scm_data_free(rom->ctx, rom->scm);
  rom->scm = NULL;
}

/* Allocates the data for Qa terms, npts points (capacity) and ntrain training points. */
static int scm_alloc(rom_ctx *ctx, int Qa, int cap, int ntrain, struct rom_affine_scm **out) {
  int err = ROM_OK;
  struct rom_affine_scm *s = NULL;
  const int n = (cap > ntrain ? cap : ntrain) + 1;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *s, (void **)&s));
  s->Qa = Qa;
  s->ntrain = ntrain;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * Qa), sizeof(double), (void **)&s->box));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap * Qa + 1), sizeof(double), (void **)&s->pts));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap + 1), sizeof(double), (void **)&s->alpha));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap * Qa + 1), sizeof(double), (void **)&s->y));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(ntrain * Qa + 1), sizeof(double), (void **)&s->train));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)n, sizeof(double), (void **)&s->dist));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)n, sizeof(int), (void **)&s->sel));
  *out = s;
  s = NULL;
cleanup:
  scm_data_free(ctx, s);
  return err;
}

/* ---- online: the linear program ----------------------------------------------------------- */

/* The m (or fewer) rows of pts (n x Qa) nearest to theta, into sel[0..*count). Ties go to the
 * lower index, so every rank picks the same rows. O(n m). */
static void nearest(const double *pts, int n, int Qa, const double *theta, int m, double *dist,
                    int *sel, int *count) {
  for (int i = 0; i < n; ++i) {
    double d = 0.0;
    for (int q = 0; q < Qa; ++q)
      d += (pts[i * Qa + q] - theta[q]) * (pts[i * Qa + q] - theta[q]);
    dist[i] = d;
  }
  if (m > n) m = n;
  for (int c = 0; c < m; ++c) {
    int best = -1;
    for (int i = 0; i < n; ++i)
      if (dist[i] >= 0.0 && (best < 0 || dist[i] < dist[best])) best = i;
    sel[c] = best;
    dist[best] = -1.0; /* taken */
  }
  *count = m;
}

static double dotq(const double *a, const double *b, int Qa) {
  double s = 0.0;
  for (int q = 0; q < Qa; ++q)
    s += a[q] * b[q];
  return s;
}

/* alpha_UB(theta) = min_k theta . y_k over all SCM points (+inf without points). */
static double scm_upper(const struct rom_affine_scm *s, const double *theta) {
  double ub = INFINITY;
  for (int k = 0; k < s->npts; ++k)
    ub = fmin(ub, dotq(theta, s->y + k * s->Qa, s->Qa));
  return ub;
}

/* alpha_LB(theta) by the LP (may be <= 0 far from the points). Not collective. */
static int scm_lp(rom_ctx *ctx, struct rom_affine_scm *s, const double *theta, double *lb) {
  int err = ROM_OK;
#ifdef ROMKIT_HAVE_GLPK
  const int Qa = s->Qa;
  int na = 0, np = 0, ind[ROM_SCM_MAX_TERMS + 1];
  double val[ROM_SCM_MAX_TERMS + 1];
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MIN);
  glp_add_cols(lp, Qa);
  for (int q = 0; q < Qa; ++q) {
    const double lo = s->box[2 * q], hi = s->box[2 * q + 1];
    glp_set_col_bnds(lp, q + 1, hi > lo ? GLP_DB : GLP_FX, lo, hi > lo ? hi : lo);
    glp_set_obj_coef(lp, q + 1, theta[q]);
    ind[q + 1] = q + 1;
  }
  nearest(s->pts, s->npts, Qa, theta, s->m_alpha, s->dist, s->sel, &na);
  if (na > 0) glp_add_rows(lp, na);
  for (int r = 0; r < na; ++r) {
    const int k = s->sel[r];
    for (int q = 0; q < Qa; ++q)
      val[q + 1] = s->pts[k * Qa + q];
    glp_set_mat_row(lp, r + 1, Qa, ind, val);
    glp_set_row_bnds(lp, r + 1, GLP_LO, s->alpha[k], 0.0);
  }
  nearest(s->train, s->ntrain, Qa, theta, s->m_plus, s->dist, s->sel, &np);
  if (np > 0) glp_add_rows(lp, np);
  for (int r = 0; r < np; ++r) {
    const int i = s->sel[r];
    for (int q = 0; q < Qa; ++q)
      val[q + 1] = s->train[i * Qa + q];
    glp_set_mat_row(lp, na + r + 1, Qa, ind, val);
    glp_set_row_bnds(lp, na + r + 1, GLP_LO, 0.0, 0.0);
  }
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_OFF;
  const int rc = glp_simplex(lp, &parm);
  const int status = glp_get_status(lp);
  const double obj = glp_get_obj_val(lp);
  glp_delete_prob(lp);
  ROM_CHECK(ctx, rc == 0 && status == GLP_OPT, ROM_ERR_NOT_CONVERGED,
            "SCM: GLPK's simplex found no optimum of the lower-bound LP (glp_simplex returned %d, "
            "status %d)",
            rc, status);
  *lb = obj;
#else
  (void)s;
  (void)theta;
  (void)lb;
  ROM_FAIL(ctx, ROM_ERR_UNSUPPORTED,
           "SCM: romkit was built without GLPK (-DROMKIT_WITH_GLPK=OFF); the SCM lower bound is a "
           "linear program: install libglpk-dev and rebuild");
#endif
cleanup:
  return err;
}

int rom_affine_scm_lower_bound(rom_affine_rom *rom, const double *theta, double *alpha) {
  int err = ROM_OK;
  struct rom_affine_scm *s = rom->scm;
  double lb = 0.0;
  ROM_CHECK(rom->ctx, s != NULL, ROM_ERR_STATE,
            "the ROM's coercivity bound is SCM but has no data");
  for (int q = 0; q < s->Qa; ++q)
    ROM_CHECK(rom->ctx, isfinite(theta[q]), ROM_ERR_NOT_FINITE, "theta[%d] = %g is not finite", q,
              theta[q]);
  ROM_TRY(rom->ctx, scm_lp(rom->ctx, s, theta, &lb));
  ROM_CHECK(rom->ctx, lb > 0.0, ROM_ERR_NOT_CONVERGED,
            "SCM: the coercivity lower bound at theta = [%g%s] is %g <= 0: theta is too far from "
            "the SCM's training set (add training points near it, or lower scm_eps)",
            theta[0], s->Qa > 1 ? ", ..." : "", lb);
  *alpha = lb;
cleanup:
  return err;
}

/* ---- offline: Lanczos in the X inner product ---------------------------------------------- */

typedef struct {
  rom_model *model;
  rom_ctx *ctx;
  const double *theta_bar;
  int Qa, mmax;
  rom_int L, ld, off;
  double *V, *XV; /* ld x mmax */
  double *AqW;    /* ld x Qa */
  double *w, *r;  /* ld */
  double *T;      /* mmax x mmax x Qa: T_q = V^T A_q V */
  double *Tc, *ev, *h, *hq;
  long solves, iters;
} scm_lanczos;

static void lanczos_free(scm_lanczos *z) {
  rom_free(z->ctx, z->V);
  rom_free(z->ctx, z->XV);
  rom_free(z->ctx, z->AqW);
  rom_free(z->ctx, z->w);
  rom_free(z->ctx, z->r);
  rom_free(z->ctx, z->T);
  rom_free(z->ctx, z->Tc);
  rom_free(z->ctx, z->ev);
  rom_free(z->ctx, z->h);
  rom_free(z->ctx, z->hq);
}

static int lanczos_alloc(scm_lanczos *z) {
  int err = ROM_OK;
  rom_ctx *ctx = z->ctx;
  const size_t ld = (size_t)z->ld, m = (size_t)z->mmax, Qa = (size_t)z->Qa;
  ROM_TRY(ctx, rom_calloc(ctx, ld * m, sizeof(double), (void **)&z->V));
  ROM_TRY(ctx, rom_calloc(ctx, ld * m, sizeof(double), (void **)&z->XV));
  ROM_TRY(ctx, rom_calloc(ctx, ld * Qa, sizeof(double), (void **)&z->AqW));
  ROM_TRY(ctx, rom_calloc(ctx, ld, sizeof(double), (void **)&z->w));
  ROM_TRY(ctx, rom_calloc(ctx, ld, sizeof(double), (void **)&z->r));
  ROM_TRY(ctx, rom_calloc(ctx, m * m * Qa, sizeof(double), (void **)&z->T));
  ROM_TRY(ctx, rom_calloc(ctx, m * m, sizeof(double), (void **)&z->Tc));
  ROM_TRY(ctx, rom_calloc(ctx, m, sizeof(double), (void **)&z->ev));
  ROM_TRY(ctx, rom_calloc(ctx, m, sizeof(double), (void **)&z->h));
  ROM_TRY(ctx, rom_calloc(ctx, m * Qa, sizeof(double), (void **)&z->hq));
cleanup:
  return err;
}

/* AqW[:, q] = A_q w, r = X w = sum_q theta_bar_q A_q w, *beta = ||w||_X (rank 0's value).
 * Collective. */
static int lanczos_terms(scm_lanczos *z, double *beta) {
  int err = ROM_OK;
  rom_ctx *ctx = z->ctx;
  const rom_int L = z->L, ld = z->ld;
  double s = 0.0, tot = 0.0;
  if (L > 0) memset(z->r, 0, sizeof(double) * (size_t)L);
  for (int q = 0; q < z->Qa; ++q) {
    ROM_TRY(ctx, rom_model_apply_operator_term(z->model, q, z->w, z->AqW + q * ld));
    for (rom_int l = 0; l < L; ++l)
      z->r[l] += z->theta_bar[q] * z->AqW[l + q * ld];
  }
  for (rom_int l = 0; l < L; ++l)
    s += z->w[l] * z->r[l];
  ROM_MPI(ctx, MPI_Allreduce(&s, &tot, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(&tot, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  *beta = sqrt(fmax(tot, 0.0));
cleanup:
  return err;
}

/* Extreme eigenvalues of A(c) v = lambda X v: *lmin = t_min - res_min (and, want_max,
 * *lmax = t_max + res_max); y (Qa values, may be NULL): the Rayleigh quotients
 * v^T A_q v / v^T X v of the smallest Ritz vector. Collective. */
static int lanczos_run(scm_lanczos *z, const double *c, int want_max, double *lmin, double *lmax,
                       double *y) {
  int err = ROM_OK;
  rom_ctx *ctx = z->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const rom_int L = z->L, ld = z->ld;
  const int Qa = z->Qa, M = z->mmax;
  double beta = 0.0, res_min = 0.0, res_max = 0.0;
  int m = 0;
  for (rom_int l = 0; l < L; ++l)
    z->w[l] = rom_rng_uniform(SCM_SEED, 0, (uint64_t)(z->off + l)) - 0.5;
  ROM_TRY(ctx, lanczos_terms(z, &beta));
  ROM_CHECK_ALL(ctx, beta > 0.0, ROM_ERR_SINGULAR,
                "SCM: the start vector has X-norm %g: X = A(theta_bar) is not positive definite",
                beta);
  for (int j = 0;; ++j) {
    /* v_j = w / beta, X v_j, A_q v_j */
    for (rom_int l = 0; l < L; ++l) {
      z->V[l + j * ld] = z->w[l] / beta;
      z->XV[l + j * ld] = z->r[l] / beta;
    }
    for (int q = 0; q < Qa; ++q)
      for (rom_int l = 0; l < L; ++l)
        z->AqW[l + q * ld] /= beta;
    /* new column of every T_q = V^T A_q V */
    memset(z->hq, 0, sizeof(double) * (size_t)((j + 1) * Qa));
    if (L > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, j + 1, Qa, (int)L, 1.0, z->V, (int)ld,
                  z->AqW, (int)ld, 0.0, z->hq, j + 1);
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, z->hq, (j + 1) * Qa, MPI_DOUBLE, MPI_SUM, comm));
    ROM_MPI(ctx, MPI_Bcast(z->hq, (j + 1) * Qa, MPI_DOUBLE, 0, comm));
    for (int q = 0; q < Qa; ++q) {
      double *Tq = z->T + (size_t)q * M * M;
      for (int i = 0; i <= j; ++i)
        Tq[i + j * M] = Tq[j + i * M] = z->hq[i + q * (j + 1)];
    }
    /* w = X^{-1} A(c) v_j, X-orthogonalised against V (two passes) */
    for (rom_int l = 0; l < L; ++l) {
      double s = 0.0;
      for (int q = 0; q < Qa; ++q)
        s += c[q] * z->AqW[l + q * ld];
      z->r[l] = s;
    }
    ROM_TRY(ctx, rom_model_affine_solve(z->model, z->theta_bar, 0.0, 1.0, 0, z->r, z->w));
    z->solves++;
    z->iters++;
    for (int pass = 0; pass < 2; ++pass) {
      memset(z->h, 0, sizeof(double) * (size_t)(j + 1));
      if (L > 0)
        cblas_dgemv(CblasColMajor, CblasTrans, (int)L, j + 1, 1.0, z->XV, (int)ld, z->w, 1, 0.0,
                    z->h, 1);
      ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, z->h, j + 1, MPI_DOUBLE, MPI_SUM, comm));
      if (L > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, j + 1, -1.0, z->V, (int)ld, z->h, 1, 1.0,
                    z->w, 1);
    }
    /* Rayleigh-Ritz on T(c) = sum_q c_q T_q */
    m = j + 1;
    for (int b = 0; b < m; ++b)
      for (int a = 0; a < m; ++a) {
        double s = 0.0;
        for (int q = 0; q < Qa; ++q)
          s += c[q] * z->T[(size_t)q * M * M + a + b * M];
        z->Tc[a + b * m] = s;
      }
    lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', m, z->Tc, m, z->ev);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK, "SCM: dsyev of the Lanczos matrix failed (%d)",
                  (int)info);
    ROM_TRY(ctx, lanczos_terms(z, &beta));
    res_min = beta * fabs(z->Tc[m - 1]);
    res_max = beta * fabs(z->Tc[(m - 1) + (m - 1) * m]);
    const double scale = fmax(fabs(z->ev[0]), fabs(z->ev[m - 1]));
    const int conv =
        res_min <= SCM_LANCZOS_TOL * scale && (!want_max || res_max <= SCM_LANCZOS_TOL * scale);
    if (conv || m >= M || !(beta > 1e-14 * scale)) break;
  }
  *lmin = z->ev[0] - res_min;
  if (want_max) *lmax = z->ev[m - 1] + res_max;
  if (y) {
    /* y_q = s^T T_q s / s^T T_X s, s the smallest Ritz vector's coefficients */
    double sx = 0.0;
    for (int q = 0; q < Qa; ++q) {
      const double *Tq = z->T + (size_t)q * M * M;
      double s = 0.0;
      for (int b = 0; b < m; ++b) {
        double t = 0.0;
        for (int a = 0; a < m; ++a)
          t += Tq[a + b * M] * z->Tc[a];
        s += z->Tc[b] * t;
      }
      y[q] = s;
      sx += z->theta_bar[q] * s;
    }
    for (int q = 0; q < Qa; ++q)
      y[q] /= sx;
  }
cleanup:
  return err;
}

/* ---- offline: box and greedy -------------------------------------------------------------- */

static void format_theta(const double *theta, int Qa, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int q = 0; q < Qa && used + 16 < n; ++q)
    used += (size_t)snprintf(buf + used, n - used, "%s%.6g", q ? ", " : "", theta[q]);
}

int rom_affine_scm_build(rom_affine_rom *rom, rom_model *model, const rom_estimator_options *o) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int Qa = rom->Qa;
  struct rom_affine_scm *s = NULL;
  scm_lanczos z;
  double *c = NULL, *yk = NULL;
  char tbuf[256];
  memset(&z, 0, sizeof z);
  z.ctx = ctx;
  ROM_CHECK_ALL(ctx, Qa <= ROM_SCM_MAX_TERMS, ROM_ERR_UNSUPPORTED,
                "SCM: %d operator terms, at most %d supported", Qa, ROM_SCM_MAX_TERMS);
  ROM_CHECK_ALL(ctx, isfinite(o->scm_eps) && o->scm_eps > 0.0 && o->scm_eps < 1.0, ROM_ERR_ARG,
                "SCM: scm_eps = %g must be in (0, 1) (the greedy's tolerance of (UB - LB) / UB; "
                "1 or more would accept a lower bound <= 0)",
                o->scm_eps);
  ROM_CHECK_ALL(ctx, o->scm_train != NULL && o->scm_ntrain >= 1, ROM_ERR_ARG,
                "SCM: the training set is empty (scm_ntrain = %d, scm_train %s): pass at least "
                "one coefficient vector theta",
                o->scm_ntrain, o->scm_train ? "set" : "NULL");
  ROM_CHECK_ALL(ctx, o->scm_m_alpha >= 1 && o->scm_m_plus >= 0, ROM_ERR_ARG,
                "SCM: scm_m_alpha = %d must be >= 1 and scm_m_plus = %d >= 0", o->scm_m_alpha,
                o->scm_m_plus);
  ROM_CHECK_ALL(ctx, o->scm_max_points >= 1 && o->scm_max_iterations >= 1, ROM_ERR_ARG,
                "SCM: scm_max_points = %d and scm_max_iterations = %d must be >= 1",
                o->scm_max_points, o->scm_max_iterations);
  {
    const int ntrain = o->scm_ntrain;
    const int cap = o->scm_max_points < ntrain ? o->scm_max_points : ntrain;
    ROM_TRY_ALL(ctx, scm_alloc(ctx, Qa, cap, ntrain, &s));
    memcpy(s->train, o->scm_train, sizeof(double) * (size_t)ntrain * (size_t)Qa);
    ROM_MPI(ctx, MPI_Bcast(s->train, ntrain * Qa, MPI_DOUBLE, 0, comm));
    for (int i = 0; i < ntrain * Qa; ++i)
      ROM_CHECK_ALL(ctx, isfinite(s->train[i]), ROM_ERR_NOT_FINITE,
                    "SCM: training point %d, theta[%d] = %g is not finite", i / Qa, i % Qa,
                    s->train[i]);
    s->m_alpha = o->scm_m_alpha;
    s->m_plus = o->scm_m_plus;
    s->eps = o->scm_eps;
    /* Lanczos workspace */
    z.model = model;
    z.theta_bar = rom->theta_bar;
    z.Qa = Qa;
    z.L = rom_model_local_rows(model);
    z.ld = z.L > 0 ? z.L : 1;
    rom_int N = 0;
    ROM_MPI(ctx, MPI_Allreduce(&z.L, &N, 1, MPI_INT64_T, MPI_SUM, comm));
    ROM_MPI(ctx, MPI_Exscan(&z.L, &z.off, 1, MPI_INT64_T, MPI_SUM, comm));
    if (rom_ctx_rank(ctx) == 0) z.off = 0;
    z.mmax = (int)(N < o->scm_max_iterations ? N : o->scm_max_iterations);
    ROM_TRY_ALL(ctx, lanczos_alloc(&z));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)Qa, sizeof(double), (void **)&c));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)Qa, sizeof(double), (void **)&yk));
    /* the box: extreme Rayleigh quotients of each A_q with respect to X */
    for (int q = 0; q < Qa; ++q) {
      memset(c, 0, sizeof(double) * (size_t)Qa);
      c[q] = 1.0;
      ROM_TRY(ctx, lanczos_run(&z, c, 1, &s->box[2 * q], &s->box[2 * q + 1], NULL));
    }
    ROM_MPI(ctx, MPI_Bcast(s->box, 2 * Qa, MPI_DOUBLE, 0, comm));
    /* the greedy, from training point 0 */
    int next = 0;
    for (;;) {
      const double *th = s->train + next * Qa;
      double a = 0.0;
      ROM_TRY(ctx, lanczos_run(&z, th, 0, &a, NULL, yk));
      ROM_MPI(ctx, MPI_Bcast(&a, 1, MPI_DOUBLE, 0, comm));
      ROM_MPI(ctx, MPI_Bcast(yk, Qa, MPI_DOUBLE, 0, comm));
      format_theta(th, Qa, tbuf, sizeof tbuf);
      ROM_CHECK_ALL(ctx, a > 0.0, ROM_ERR_ARG,
                    "SCM: the problem is not coercive at training point %d, theta = [%s]: "
                    "alpha = %g <= 0 (smallest eigenvalue of A(theta) v = lambda X v); the error "
                    "bounds need a coercive operator at every training point",
                    next, tbuf, a);
      memcpy(s->pts + s->npts * Qa, th, sizeof(double) * (size_t)Qa);
      memcpy(s->y + s->npts * Qa, yk, sizeof(double) * (size_t)Qa);
      s->alpha[s->npts] = a;
      s->npts++;
      /* the worst training point: replicated data and the same LPs on every rank */
      double worst = -INFINITY;
      int iw = -1;
      for (int i = 0; i < ntrain; ++i) {
        double lb = 0.0;
        const double ub = scm_upper(s, s->train + i * Qa);
        ROM_TRY_ALL(ctx, scm_lp(ctx, s, s->train + i * Qa, &lb));
        const double g = ub > 0.0 ? (ub - lb) / ub : INFINITY;
        if (g > worst) {
          worst = g;
          iw = i;
        }
      }
      s->gap = worst;
      rom_log(ctx, ROM_LOG_INFO,
              "scm: %d points, max (UB - LB) / UB = %.3g at training point %d (%ld solves)",
              s->npts, worst, iw, z.solves);
      if (worst <= s->eps) break;
      format_theta(s->train + iw * Qa, Qa, tbuf, sizeof tbuf);
      ROM_CHECK_ALL(ctx, s->npts < cap, ROM_ERR_NOT_CONVERGED,
                    "SCM: the greedy did not reach (UB - LB) / UB <= scm_eps = %g within %d points "
                    "(scm_max_points, or the training set's size): %.3g at training point %d, "
                    "theta = [%s]",
                    s->eps, cap, worst, iw, tbuf);
      next = iw;
    }
    s->solves = z.solves;
    s->iters = z.iters;
  }
  rom_affine_scm_free(rom);
  rom->scm = s;
  s = NULL;
cleanup:
  scm_data_free(ctx, s);
  lanczos_free(&z);
  rom_free(ctx, c);
  rom_free(ctx, yk);
  return err;
}

/* ---- public queries ----------------------------------------------------------------------- */

int rom_affine_rom_coercivity_lower_bound(rom_affine_rom *rom, const double *theta,
                                          double *alpha_lb) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  ROM_CHECK(rom->ctx, rom->est, ROM_ERR_STATE,
            "the ROM has no error estimator: call rom_affine_rom_build_estimator (or read a file "
            "written with one)");
  ROM_CHECK(rom->ctx, theta != NULL && alpha_lb != NULL, ROM_ERR_ARG,
            "theta (%d values) and alpha_lb must not be NULL", rom->Qa);
  ROM_TRY(rom->ctx, rom_affine_coercivity_lb(rom, theta, alpha_lb));
cleanup:
  return err;
}

int rom_affine_rom_scm_info(const rom_affine_rom *rom, const double *theta, double *alpha_ub,
                            rom_scm_info *info) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  const struct rom_affine_scm *s = rom->scm;
  ROM_CHECK(rom->ctx, rom->est && s != NULL, ROM_ERR_STATE,
            "the ROM's coercivity bound is not the SCM (ROM_COERCIVITY_SCM)");
  if (info) {
    memset(info, 0, sizeof *info);
    info->points = s->npts;
    info->ntrain = s->ntrain;
    info->gap = s->gap;
    info->solves = s->solves;
    info->eig_iterations = s->iters;
  }
  if (theta && alpha_ub) *alpha_ub = scm_upper(s, theta);
cleanup:
  return err;
}

/* ---- file part ---------------------------------------------------------------------------- */

int rom_affine_scm_write(rom_h5 *f, const rom_affine_rom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  const struct rom_affine_scm *s = rom->scm;
  const int Qa = rom->Qa;
  if (!s) return ROM_OK;
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "scm_points", s->npts));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "scm_ntrain", s->ntrain));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "scm_m_alpha", s->m_alpha));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "scm_m_plus", s->m_plus));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "scm_eps", s->eps));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "scm_gap", s->gap));
  {
    rom_int db[2] = {Qa, 2}, dp[2] = {s->npts, Qa}, da[1] = {s->npts}, dt[2] = {s->ntrain, Qa};
    ROM_TRY(ctx, rom_h5_write_array(f, "scm_box", 2, db, s->box));
    ROM_TRY(ctx, rom_h5_write_array(f, "scm_theta", 2, dp, s->pts));
    ROM_TRY(ctx, rom_h5_write_array(f, "scm_alpha", 1, da, s->alpha));
    ROM_TRY(ctx, rom_h5_write_array(f, "scm_y", 2, dp, s->y));
    ROM_TRY(ctx, rom_h5_write_array(f, "scm_train", 2, dt, s->train));
  }
cleanup:
  return err;
}

int rom_affine_scm_read(rom_h5 *f, rom_affine_rom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  const char *path = rom_h5_path(f);
  const int Qa = rom->Qa;
  int64_t npts = 0, ntrain = 0, ma = 0, mp = 0;
  double eps = 0.0, gap = 0.0;
  struct rom_affine_scm *s = NULL;
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "scm_points", &npts, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "scm_ntrain", &ntrain, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "scm_m_alpha", &ma, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "scm_m_plus", &mp, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "scm_eps", &eps, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "scm_gap", &gap, NULL));
  ROM_CHECK(ctx, Qa <= ROM_SCM_MAX_TERMS, ROM_ERR_FORMAT, "%s: SCM with %d terms (at most %d)",
            path, Qa, ROM_SCM_MAX_TERMS);
  ROM_CHECK(ctx, npts >= 1 && npts <= 1000000 && ntrain >= npts && ntrain <= 100000000,
            ROM_ERR_FORMAT, "%s: the attributes scm_points = %lld, scm_ntrain = %lld are not valid",
            path, (long long)npts, (long long)ntrain);
  ROM_CHECK(ctx, ma >= 1 && mp >= 0 && ma <= 1000000000 && mp <= 1000000000, ROM_ERR_FORMAT,
            "%s: scm_m_alpha = %lld must be >= 1 and scm_m_plus = %lld >= 0", path, (long long)ma,
            (long long)mp);
  ROM_TRY_ALL(ctx, scm_alloc(ctx, Qa, (int)npts, (int)ntrain, &s));
  s->npts = (int)npts;
  s->m_alpha = (int)ma;
  s->m_plus = (int)mp;
  s->eps = eps;
  s->gap = gap;
  {
    rom_int db[2] = {Qa, 2}, dp[2] = {npts, Qa}, da[1] = {npts}, dt[2] = {ntrain, Qa};
    ROM_TRY(ctx, rom_h5_read_array(f, "scm_box", 2, db, s->box));
    ROM_TRY(ctx, rom_h5_read_array(f, "scm_theta", 2, dp, s->pts));
    ROM_TRY(ctx, rom_h5_read_array(f, "scm_alpha", 1, da, s->alpha));
    ROM_TRY(ctx, rom_h5_read_array(f, "scm_y", 2, dp, s->y));
    ROM_TRY(ctx, rom_h5_read_array(f, "scm_train", 2, dt, s->train));
  }
  for (int q = 0; q < Qa; ++q)
    ROM_CHECK(ctx, s->box[2 * q] <= s->box[2 * q + 1], ROM_ERR_FORMAT,
              "%s: /scm_box row %d: min %g > max %g", path, q, s->box[2 * q], s->box[2 * q + 1]);
  for (int k = 0; k < s->npts; ++k)
    ROM_CHECK(ctx, s->alpha[k] > 0.0, ROM_ERR_FORMAT, "%s: /scm_alpha[%d] = %g must be > 0", path,
              k, s->alpha[k]);
  rom_affine_scm_free(rom);
  rom->scm = s;
  s = NULL;
cleanup:
  scm_data_free(ctx, s);
  return err;
}
