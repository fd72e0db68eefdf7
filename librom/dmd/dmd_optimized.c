/* romkit — optimized DMD by variable projection (Askham and Kutz 2018) and its bagged
 * variant BOP-DMD (Sashidhar and Kutz 2022). The contract is in dmd_optimized.h.
 *
 * The problem (Askham and Kutz 2018, eq. 2.6, with the data transposed so that rows are
 * times): minimise over alpha in C^r and B in C^{r x k}
 *
 *     || Z - Phi(alpha) B ||_F,    Z = Y^T (m x k),    Phi(alpha)_ji = exp(alpha_i t_j).
 *
 * For fixed alpha, B = Phi^+ Z is a linear least-squares solution; variable projection
 * (Golub and Pereyra 1973) eliminates it and minimises the projected residual
 * rho(alpha) = (I - Phi Phi^+) Z over alpha alone. The derivative of rho along alpha_i
 * is minus (Askham and Kutz 2018, section 3; O'Leary and Rust, Comput. Optim. Appl. 54,
 * 2013, eq. 5):
 *
 *     J_i = (I - U U^H) dPhi_i B + (Phi^+)^H dPhi_i^H rho,    dPhi_i = (t .* phi_i) e_i^T,
 *
 * two rank-one m x k matrices built from the thin SVD Phi = U S V^H. Levenberg-Marquardt
 * then solves min || [R; lambda D] delta - [Q^H rho; 0] || from the pivoted QR J P = Q R,
 * with Marquardt's diagonal D and the damping lambda adapted as in Askham and Kutz's
 * varpro2 (reference MATLAB code of the paper) and PyDMD's port of it.
 *
 * Everything is LAPACK/BLAS on small dense matrices (zgesdd, zgeqp3, zunmqr, zgelsd,
 * zgemm); the only m x k x r object is the Jacobian. All workspaces, LAPACK's included,
 * are queried and allocated here (rom_malloc), so they count in the context's memory.
 */
#include "dmd/dmd_optimized.h"

#include "core/check.h"
#include "romkit/rng.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Levenberg-Marquardt constants of varpro2 (Askham and Kutz 2018, section 3.2 and their
 * code): initial damping, growth factor on a rejected step, number of growths tried,
 * and the clamp of Marquardt's column scaling. */
#define VP_LAMBDA0 1.0
#define VP_LAMUP 2.0
#define VP_MAXLAM 52
#define VP_SCALE_MIN 1e-6
#define VP_SCALE_MAX 1.0
/* Two eigenvalues a, b of omega0 form a conjugate pair when |a - conj(b)| is below this
 * times max |omega0| (exact DMD of real data gives exact pairs; this only absorbs a
 * caller's rounding). */
#define VP_PAIR_RTOL 1e-8
/* A relative residual below this is round-off: the data are fitted exactly (noise-free
 * data), and no step can improve the eigenvalues any more. tol is not used for this test:
 * near an exact fit the eigenvalue error is ~ the residual times the conditioning, so a
 * fit stopped at a residual of tol would leave errors well above tol. */
#define VP_RESIDUAL_FLOOR (1e3 * DBL_EPSILON)
/* Defaults of the zero fields of rom_dmd_opt_params (include/romkit/dmd.h). */
#define VP_DEFAULT_MAX_ITER 100
#define VP_DEFAULT_TOL 1e-10
#define VP_DEFAULT_BAGS 100
#define VP_DEFAULT_BAG_FRACTION 0.6
/* Stream of the counter RNG for the bags' draws (any fixed value: "bopdmd"). */
#define VP_BAG_STREAM 0x626f70646d64ULL

/* How a fit stopped (for the log). */
enum { VP_MAX_ITER = 0, VP_SMALL_RESIDUAL, VP_STALLED, VP_NO_DESCENT };
static const char *const vp_stop_names[] = {"max_iter reached", "residual at round-off",
                                            "relative decrease of the residual < tol",
                                            "no damping gives a smaller residual"};

/* One point of the iteration: alpha and everything the fit derives from it. */
typedef struct {
  double complex *alpha; /* r */
  double complex *Phi;   /* m x r */
  double complex *U;     /* m x r, thin SVD of Phi: first `rank` columns used */
  double *s;             /* r singular values */
  double complex *Vh;    /* r x r */
  double complex *B;     /* r x k, Phi^+ Z */
  double complex *res;   /* m x k, Z - Phi B */
  int rank;
  double err; /* ||res||_F; +inf when exp(alpha t) or the SVD is not finite */
} vp_point;

/* The data of one fit (all data, or one bag) and its workspaces. */
typedef struct {
  int m, k, r;
  double *t;         /* m times, shifted by the caller's reference time */
  double complex *Z; /* m x k */
  double znorm;
  vp_point pt[2];
  double complex *A;    /* m x r scratch (zgesdd destroys its input) */
  double complex *D;    /* m x r */
  double complex *W;    /* m x r */
  double complex *rr;   /* r x r */
  double complex *rk;   /* r x k */
  double complex *J;    /* (m k) x r */
  double complex *rhs;  /* m k */
  double complex *tau;  /* r */
  double complex *A2;   /* 2r x r */
  double complex *b2;   /* 2r */
  double complex *top;  /* r: Q^H rho, the top of the right-hand side */
  double complex *step; /* r */
  double *scales;       /* r */
  double *sv;           /* r: zgelsd's singular values */
  int *jpvt;            /* r */
  double complex *work;
  double *rwork;
  int *iwork;
  lapack_int lwork;
} vp_ws;

static void vp_ws_free(rom_ctx *ctx, vp_ws *w) {
  for (int p = 0; p < 2; p++) {
    vp_point *pt = &w->pt[p];
    rom_free(ctx, pt->alpha), rom_free(ctx, pt->Phi), rom_free(ctx, pt->U), rom_free(ctx, pt->s);
    rom_free(ctx, pt->Vh), rom_free(ctx, pt->B), rom_free(ctx, pt->res);
  }
  rom_free(ctx, w->t), rom_free(ctx, w->Z), rom_free(ctx, w->A), rom_free(ctx, w->D);
  rom_free(ctx, w->W), rom_free(ctx, w->rr), rom_free(ctx, w->rk), rom_free(ctx, w->J);
  rom_free(ctx, w->rhs), rom_free(ctx, w->tau), rom_free(ctx, w->A2), rom_free(ctx, w->b2);
  rom_free(ctx, w->top), rom_free(ctx, w->step), rom_free(ctx, w->scales), rom_free(ctx, w->sv);
  rom_free(ctx, w->jpvt), rom_free(ctx, w->work), rom_free(ctx, w->rwork), rom_free(ctx, w->iwork);
  memset(w, 0, sizeof(*w));
}

/* Allocates n complex numbers. */
static int zalloc(rom_ctx *ctx, size_t n, double complex **out) {
  return rom_malloc(ctx, n * sizeof(double complex), (void **)out);
}

/* Workspaces for m samples of k series and r exponentials; the LAPACK ones are sized by
 * workspace queries of the four routines the fit calls. */
static int vp_ws_create(rom_ctx *ctx, int m, int k, int r, vp_ws *w) {
  int err = ROM_OK;
  const size_t M = (size_t)m, K = (size_t)k, R = (size_t)r;
  const int mk = m * k;
  memset(w, 0, sizeof(*w));
  w->m = m, w->k = k, w->r = r;
  ROM_TRY(ctx, rom_malloc(ctx, M * sizeof(double), (void **)&w->t));
  ROM_TRY(ctx, zalloc(ctx, M * K, &w->Z));
  for (int p = 0; p < 2; p++) {
    vp_point *pt = &w->pt[p];
    ROM_TRY(ctx, zalloc(ctx, R, &pt->alpha));
    ROM_TRY(ctx, zalloc(ctx, M * R, &pt->Phi));
    ROM_TRY(ctx, zalloc(ctx, M * R, &pt->U));
    ROM_TRY(ctx, rom_malloc(ctx, R * sizeof(double), (void **)&pt->s));
    ROM_TRY(ctx, zalloc(ctx, R * R, &pt->Vh));
    ROM_TRY(ctx, zalloc(ctx, R * K, &pt->B));
    ROM_TRY(ctx, zalloc(ctx, M * K, &pt->res));
  }
  ROM_TRY(ctx, zalloc(ctx, M * R, &w->A));
  ROM_TRY(ctx, zalloc(ctx, M * R, &w->D));
  ROM_TRY(ctx, zalloc(ctx, M * R, &w->W));
  ROM_TRY(ctx, zalloc(ctx, R * R, &w->rr));
  ROM_TRY(ctx, zalloc(ctx, R * K, &w->rk));
  ROM_TRY(ctx, zalloc(ctx, M * K * R, &w->J));
  ROM_TRY(ctx, zalloc(ctx, M * K, &w->rhs));
  ROM_TRY(ctx, zalloc(ctx, R, &w->tau));
  ROM_TRY(ctx, zalloc(ctx, 2 * R * R, &w->A2));
  ROM_TRY(ctx, zalloc(ctx, 2 * R, &w->b2));
  ROM_TRY(ctx, zalloc(ctx, R, &w->top));
  ROM_TRY(ctx, zalloc(ctx, R, &w->step));
  ROM_TRY(ctx, rom_malloc(ctx, R * sizeof(double), (void **)&w->scales));
  ROM_TRY(ctx, rom_malloc(ctx, R * sizeof(double), (void **)&w->sv));
  ROM_TRY(ctx, rom_malloc(ctx, R * sizeof(int), (void **)&w->jpvt));
  {
    /* Workspace queries (lwork = -1). */
    double complex q = 0;
    double rq = 0, dummy_r = 0;
    lapack_int iq = 0, dummy_rank = 0, info;
    lapack_int lwork = 1, lrwork, liwork;
    info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', m, r, w->A, m, w->pt[0].s, w->pt[0].U, m,
                               w->pt[0].Vh, r, &q, -1, &dummy_r, &iq);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgesdd workspace query failed (info = %d)",
              (int)info);
    lwork = (lapack_int)fmax((double)lwork, creal(q));
    info =
        LAPACKE_zgeqp3_work(LAPACK_COL_MAJOR, mk, r, w->J, mk, w->jpvt, w->tau, &q, -1, &dummy_r);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgeqp3 workspace query failed (info = %d)",
              (int)info);
    lwork = (lapack_int)fmax((double)lwork, creal(q));
    info = LAPACKE_zunmqr_work(LAPACK_COL_MAJOR, 'L', 'C', mk, 1, r, w->J, mk, w->tau, w->rhs, mk,
                               &q, -1);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zunmqr workspace query failed (info = %d)",
              (int)info);
    lwork = (lapack_int)fmax((double)lwork, creal(q));
    info = LAPACKE_zgelsd_work(LAPACK_COL_MAJOR, 2 * r, r, 1, w->A2, 2 * r, w->b2, 2 * r, w->sv,
                               -1.0, &dummy_rank, &q, -1, &rq, &iq);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgelsd workspace query failed (info = %d)",
              (int)info);
    lwork = (lapack_int)fmax((double)lwork, creal(q));
    /* rwork: zgesdd's documented minimum for jobz = 'S' (LAPACK 3.7 and later), zgeqp3's
     * 2r, zgelsd's query. iwork: zgesdd's 8 min(m, r), zgelsd's query. */
    {
      double mn = (double)(m < r ? m : r), mx = (double)(m < r ? r : m);
      double l1 = mn * fmax(5.0 * mn + 7.0, 2.0 * mx + 2.0 * mn + 1.0);
      lrwork = (lapack_int)fmax(fmax(l1, 2.0 * r), fmax(rq, 1.0));
      liwork = (lapack_int)fmax(8.0 * mn, (double)iq);
      if (liwork < 1) liwork = 1;
    }
    w->lwork = lwork;
    ROM_TRY(ctx, zalloc(ctx, (size_t)lwork, &w->work));
    ROM_TRY(ctx, rom_malloc(ctx, (size_t)lrwork * sizeof(double), (void **)&w->rwork));
    ROM_TRY(ctx, rom_malloc(ctx, (size_t)liwork * sizeof(int), (void **)&w->iwork));
  }
cleanup:
  if (err != ROM_OK) vp_ws_free(ctx, w);
  return err;
}

/* The conjugate partner of each eigenvalue: pair[i] = j when omega[j] = conj(omega[i])
 * to VP_PAIR_RTOL (pair[i] = i for a real one). Returns 1 when omega is closed under
 * conjugation that way (the pairing is an involution), 0 otherwise. */
static int vp_conjugate_pairs(int r, const double complex *omega, int *pair) {
  double scale = 0;
  for (int i = 0; i < r; i++)
    scale = fmax(scale, cabs(omega[i]));
  const double tol = VP_PAIR_RTOL * scale;
  for (int i = 0; i < r; i++) {
    int best = 0;
    double dbest = INFINITY;
    for (int j = 0; j < r; j++) {
      double d = cabs(omega[j] - conj(omega[i]));
      if (d < dbest) dbest = d, best = j;
    }
    if (dbest > tol) return 0;
    pair[i] = best;
  }
  for (int i = 0; i < r; i++)
    if (pair[pair[i]] != i) return 0;
  return 1;
}

/* Makes alpha exactly conjugate-symmetric under `pair` (NULL: leaves it): each pair gets
 * the mean of a and conj(b), a real eigenvalue its real part. */
static void vp_symmetrize(int r, const int *pair, double complex *alpha) {
  if (!pair) return;
  for (int i = 0; i < r; i++) {
    int j = pair[i];
    if (j == i) {
      alpha[i] = creal(alpha[i]);
    } else if (i < j) {
      double complex a = 0.5 * (alpha[i] + conj(alpha[j]));
      alpha[i] = a, alpha[j] = conj(a);
    }
  }
}

/* Phi(alpha), its thin SVD, B = Phi^+ Z and the residual for pt->alpha. A point where
 * exp(alpha t) overflows, or whose SVD fails to converge, gets err = +inf (the
 * Levenberg-Marquardt loop then rejects it). Singular values below m eps s_1 are
 * dropped, as in varpro2, so a rank-deficient Phi (two equal eigenvalues) still has a
 * minimum-norm B. */
static int vp_evaluate(rom_ctx *ctx, vp_ws *w, vp_point *pt) {
  int err = ROM_OK;
  const int m = w->m, k = w->k, r = w->r;
  const double complex one = 1.0, zero = 0.0, mone = -1.0;
  lapack_int info;
  pt->err = INFINITY;
  pt->rank = 0;
  for (int i = 0; i < r; i++)
    for (int j = 0; j < m; j++) {
      double complex e = cexp(pt->alpha[i] * w->t[j]);
      if (!isfinite(creal(e)) || !isfinite(cimag(e))) goto cleanup;
      pt->Phi[j + (size_t)m * i] = e;
    }
  memcpy(w->A, pt->Phi, sizeof(double complex) * (size_t)m * (size_t)r);
  info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', m, r, w->A, m, pt->s, pt->U, m, pt->Vh, r,
                             w->work, w->lwork, w->rwork, w->iwork);
  ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "zgesdd: argument %d is invalid", (int)-info);
  if (info > 0 || !(pt->s[0] > 0) || !isfinite(pt->s[0])) goto cleanup;
  {
    const double tolrank = (double)m * DBL_EPSILON * pt->s[0];
    int rank = 0;
    while (rank < r && pt->s[rank] > tolrank)
      rank++;
    pt->rank = rank;
  }
  /* rk = U^H Z; res = Z - U rk; B = V S^-1 rk. */
  cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, pt->rank, k, m, &one, pt->U, m, w->Z, m,
              &zero, w->rk, r);
  memcpy(pt->res, w->Z, sizeof(double complex) * (size_t)m * (size_t)k);
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, k, pt->rank, &mone, pt->U, m, w->rk, r,
              &one, pt->res, m);
  for (int l = 0; l < k; l++)
    for (int i = 0; i < pt->rank; i++)
      w->rk[i + (size_t)r * l] /= pt->s[i];
  cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, r, k, pt->rank, &one, pt->Vh, r, w->rk,
              r, &zero, pt->B, r);
  {
    double e = cblas_dznrm2(m * k, pt->res, 1);
    pt->err = isfinite(e) ? e : INFINITY;
  }
cleanup:
  return err;
}

/* The Jacobian J (m k x r, column i = vec of the m x k matrix J_i in the file comment)
 * at pt, and Marquardt's scales clamp(||J_i||, VP_SCALE_MIN, VP_SCALE_MAX). */
static void vp_jacobian(vp_ws *w, const vp_point *pt) {
  const int m = w->m, k = w->k, r = w->r, rank = pt->rank;
  const size_t mk = (size_t)m * (size_t)k;
  const double complex one = 1.0, zero = 0.0, mone = -1.0;
  /* D = dPhi/dalpha column by column: t .* phi_i. */
  for (int i = 0; i < r; i++)
    for (int j = 0; j < m; j++)
      w->D[j + (size_t)m * i] = w->t[j] * pt->Phi[j + (size_t)m * i];
  /* W = (I - U U^H) D. */
  cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, rank, r, m, &one, pt->U, m, w->D, m,
              &zero, w->rr, r);
  memcpy(w->W, w->D, sizeof(double complex) * (size_t)m * (size_t)r);
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, rank, &mone, pt->U, m, w->rr, r,
              &one, w->W, m);
  /* G = D^H res (r x k), into rk: row i is dPhi_i^H rho's only non-zero row. */
  cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, r, k, m, &one, w->D, m, pt->res, m,
              &zero, w->rk, r);
  /* (Phi^+)^H = U S^-1 V^H, into D (no longer needed). */
  for (int c = 0; c < r; c++)
    for (int i = 0; i < rank; i++)
      w->rr[i + (size_t)r * c] = pt->Vh[i + (size_t)r * c] / pt->s[i];
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, rank, &one, pt->U, m, w->rr, r,
              &zero, w->D, m);
  for (int i = 0; i < r; i++) {
    double complex *Ji = w->J + mk * (size_t)i;
    const double complex *wi = w->W + (size_t)m * i, *zi = w->D + (size_t)m * i;
    for (int l = 0; l < k; l++) {
      const double complex bil = pt->B[i + (size_t)r * l], gil = w->rk[i + (size_t)r * l];
      double complex *col = Ji + (size_t)m * l;
      for (int j = 0; j < m; j++)
        col[j] = wi[j] * bil + zi[j] * gil;
    }
    double nrm = cblas_dznrm2((int)mk, Ji, 1);
    w->scales[i] = fmax(fmin(nrm, VP_SCALE_MAX), VP_SCALE_MIN);
  }
}

/* The damped step for lambda: delta = argmin || [R; lambda D P] P^T delta - [top; 0] ||
 * (R, P from the pivoted QR of J held in w->J, w->jpvt), by zgelsd (the stacked matrix
 * is full rank for lambda > 0; zgelsd also copes when lambda underflows). Also returns
 * the improvement of 1/2 ||res||^2 that the linear model predicts, 1/2 Re(delta^H J^H
 * res) = 1/2 Re((R P^T delta)^H top) (varpro2's gain ratio). */
static int vp_step(rom_ctx *ctx, vp_ws *w, double lambda, double *predicted) {
  int err = ROM_OK;
  const int r = w->r, mk = w->m * w->k;
  lapack_int rank = 0, info;
  memset(w->A2, 0, sizeof(double complex) * 2 * (size_t)r * (size_t)r);
  for (int q = 0; q < r; q++) {
    for (int p = 0; p <= q; p++)
      w->A2[p + (size_t)2 * r * q] = w->J[p + (size_t)mk * q];
    w->A2[r + q + (size_t)2 * r * q] = lambda * w->scales[w->jpvt[q] - 1];
    w->b2[q] = w->top[q];
    w->b2[r + q] = 0;
  }
  info = LAPACKE_zgelsd_work(LAPACK_COL_MAJOR, 2 * r, r, 1, w->A2, 2 * r, w->b2, 2 * r, w->sv, -1.0,
                             &rank, w->work, w->lwork, w->rwork, w->iwork);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgelsd (Levenberg-Marquardt step) failed (info = %d)",
            (int)info);
  {
    double pred = 0;
    for (int p = 0; p < r; p++) {
      double complex y = 0;
      for (int q = p; q < r; q++)
        y += w->J[p + (size_t)mk * q] * w->b2[q];
      pred += creal(conj(y) * w->top[p]);
    }
    *predicted = 0.5 * pred;
  }
  for (int q = 0; q < r; q++)
    w->step[w->jpvt[q] - 1] = w->b2[q];
cleanup:
  return err;
}

/* Levenberg-Marquardt on the variable-projection functional from alpha0 (Askham and
 * Kutz 2018, Algorithm 1). On return *best points at the final point of w (alpha, B,
 * residual). pair: conjugate pairing to keep, or NULL. */
static int vp_fit(rom_ctx *ctx, vp_ws *w, const double complex *alpha0, const int *pair,
                  int max_iter, double tol, vp_point **best, int *iterations, int *stop) {
  int err = ROM_OK;
  const int r = w->r, mk = w->m * w->k;
  vp_point *cur = &w->pt[0], *trial = &w->pt[1];
  double lambda = VP_LAMBDA0;
  int it = 0;
  *stop = VP_MAX_ITER;
  memcpy(cur->alpha, alpha0, sizeof(double complex) * (size_t)r);
  vp_symmetrize(r, pair, cur->alpha);
  ROM_TRY(ctx, vp_evaluate(ctx, w, cur));
  ROM_CHECK(ctx, isfinite(cur->err), ROM_ERR_NOT_FINITE,
            "the initial eigenvalues omega0 give a non-finite fit: exp(omega0 t) overflows over "
            "the time span %.6g (or its SVD failed)",
            w->t[w->m - 1] - w->t[0]);
  for (it = 0; it < max_iter; it++) {
    if (cur->err <= VP_RESIDUAL_FLOOR * w->znorm) {
      *stop = VP_SMALL_RESIDUAL;
      break;
    }
    vp_jacobian(w, cur);
    /* Pivoted QR of J, and top = (Q^H vec(res))[0..r). */
    memset(w->jpvt, 0, sizeof(int) * (size_t)r);
    lapack_int info = LAPACKE_zgeqp3_work(LAPACK_COL_MAJOR, mk, r, w->J, mk, w->jpvt, w->tau,
                                          w->work, w->lwork, w->rwork);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zgeqp3 (QR of the Jacobian) failed (info = %d)",
              (int)info);
    memcpy(w->rhs, cur->res, sizeof(double complex) * (size_t)mk);
    info = LAPACKE_zunmqr_work(LAPACK_COL_MAJOR, 'L', 'C', mk, 1, r, w->J, mk, w->tau, w->rhs, mk,
                               w->work, w->lwork);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "zunmqr (Q^H residual) failed (info = %d)",
              (int)info);
    memcpy(w->top, w->rhs, sizeof(double complex) * (size_t)r);

    /* Try lambda, then grow it until the residual decreases (varpro2). */
    int accepted = 0, tries;
    double predicted = 0;
    for (tries = 0; tries <= VP_MAXLAM; tries++) {
      if (tries > 0) lambda *= VP_LAMUP;
      ROM_TRY(ctx, vp_step(ctx, w, lambda, &predicted));
      for (int i = 0; i < r; i++)
        trial->alpha[i] = cur->alpha[i] + w->step[i];
      vp_symmetrize(r, pair, trial->alpha);
      ROM_TRY(ctx, vp_evaluate(ctx, w, trial));
      if (trial->err < cur->err) {
        accepted = 1;
        break;
      }
    }
    if (!accepted) {
      *stop = VP_NO_DESCENT;
      break;
    }
    if (tries == 0) {
      /* Gain ratio: actual over predicted decrease of 1/2 ||res||^2 (Nielsen's update,
       * as in varpro2/PyDMD): shrink lambda by up to 3 when the model predicted well. */
      double actual = 0.5 * (cur->err * cur->err - trial->err * trial->err);
      double ratio = predicted > 0 ? actual / predicted : 0.0;
      double c = 2.0 * ratio - 1.0;
      lambda *= fmax(1.0 / 3.0, 1.0 - c * c * c);
    }
    double previous = cur->err;
    vp_point *tmp = cur;
    cur = trial, trial = tmp;
    if (previous - cur->err < tol * previous) {
      it++;
      *stop = VP_STALLED;
      break;
    }
  }
  if (it == max_iter && *stop == VP_MAX_ITER && cur->err <= VP_RESIDUAL_FLOOR * w->znorm)
    *stop = VP_SMALL_RESIDUAL;
  *best = cur;
  *iterations = it;
cleanup:
  return err;
}

/* Minimum-cost assignment (Hungarian method, Kuhn 1955 / Munkres 1957, in the O(n^3)
 * potential form): match[i] = the column assigned to row i of the n x n cost matrix
 * (row-major). work: 4 (n + 1) doubles, wint: 2 (n + 1) ints. */
static void vp_assign(int n, const double *cost, int *match, double *work, int *wint) {
  double *u = work, *v = work + (n + 1), *minv = work + 2 * (n + 1);
  char *used = (char *)(work + 3 * (n + 1));
  int *p = wint, *way = wint + (n + 1);
  for (int i = 0; i <= n; i++)
    u[i] = v[i] = 0, p[i] = way[i] = 0;
  for (int i = 1; i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= n; j++)
      minv[j] = INFINITY, used[j] = 0;
    do {
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      double delta = INFINITY;
      for (int j = 1; j <= n; j++)
        if (!used[j]) {
          double cur = cost[(size_t)(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j]) minv[j] = cur, way[j] = j0;
          if (minv[j] < delta) delta = minv[j], j1 = j;
        }
      for (int j = 0; j <= n; j++)
        if (used[j])
          u[p[j]] += delta, v[j] -= delta;
        else
          minv[j] -= delta;
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; j <= n; j++)
    match[p[j] - 1] = j - 1;
}

static int compare_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int rom_dmd_optimized_fit(rom_ctx *ctx, int k, int m, const double *Y, const double *t, int r,
                          const double complex *omega0, const rom_dmd_opt_params *p,
                          double complex *omega, double complex *B, double *omega_std) {
  int err = ROM_OK;
  vp_ws full, bag;
  int *pair = NULL, *idx = NULL, *match = NULL, *wint = NULL;
  double complex *bag_omega = NULL, *alpha_full = NULL;
  double *cost = NULL, *work = NULL;
  int have_pairs = 0, bags = 0, bag_size = 0, max_iter = 0;
  double tol = 0;
  uint64_t seed = 0;
  double t_ref = 0;
  memset(&full, 0, sizeof(full));
  memset(&bag, 0, sizeof(bag));

  ROM_CHECK(ctx, Y && t && omega0 && p && omega && B, ROM_ERR_ARG,
            "Y, t, omega0, p, omega and B must not be NULL");
  ROM_CHECK(ctx, m >= 2, ROM_ERR_ARG, "m = %d samples: optimized DMD needs at least 2", m);
  ROM_CHECK(ctx, k >= 1, ROM_ERR_DIM, "k = %d rows of Y must be >= 1", k);
  ROM_CHECK(ctx, r >= 1 && r <= k, ROM_ERR_DIM,
            "r = %d exponentials must be between 1 and k = %d (the rows of Y)", r, k);
  ROM_CHECK(ctx, m > r, ROM_ERR_DIM, "m = %d samples must be more than r = %d exponentials", m, r);
  ROM_CHECK(ctx, (double)m * (double)k * (double)r < (double)INT_MAX, ROM_ERR_DIM,
            "m k r = %d x %d x %d is too large for the Jacobian (LAPACK's 32-bit sizes)", m, k, r);
  ROM_CHECK(ctx, p->max_iter >= 0, ROM_ERR_ARG, "max_iter = %d must be >= 1 (0: the default %d)",
            p->max_iter, VP_DEFAULT_MAX_ITER);
  ROM_CHECK(ctx, isfinite(p->tol) && p->tol >= 0, ROM_ERR_ARG,
            "tol = %g must be finite and >= 0 (0: the default %g)", p->tol, VP_DEFAULT_TOL);
  max_iter = p->max_iter ? p->max_iter : VP_DEFAULT_MAX_ITER;
  tol = p->tol > 0 ? p->tol : VP_DEFAULT_TOL;
  if (omega_std) {
    /* BOP-DMD. Zero fields mean the documented defaults of rom_dmd_opt_params: 100 bags
     * of 60 % of the samples, the context's seed. */
    bags = p->bags ? p->bags : VP_DEFAULT_BAGS;
    bag_size = p->bag_size > 0 ? p->bag_size : (int)(VP_DEFAULT_BAG_FRACTION * m);
    seed = p->seed ? p->seed : rom_ctx_seed(ctx);
    ROM_CHECK(ctx, bags >= 2, ROM_ERR_ARG,
              "bags = %d: BOP-DMD needs at least 2 bags (0: the default %d)", bags,
              VP_DEFAULT_BAGS);
    ROM_CHECK(ctx, bag_size > r && bag_size < m, ROM_ERR_ARG,
              "bag_size = %d samples per bag must be more than r = %d and fewer than m = %d",
              bag_size, r, m);
  }
  for (int j = 0; j < m; j++) {
    ROM_CHECK(ctx, isfinite(t[j]), ROM_ERR_NOT_FINITE, "t[%d] = %g is not finite", j, t[j]);
    for (int i = 0; i < k; i++)
      ROM_CHECK(ctx, isfinite(Y[i + (size_t)k * j]), ROM_ERR_NOT_FINITE,
                "Y holds %g at row %d, column %d", Y[i + (size_t)k * j], i, j);
  }
  for (int i = 0; i < r; i++)
    ROM_CHECK(ctx, isfinite(creal(omega0[i])) && isfinite(cimag(omega0[i])), ROM_ERR_NOT_FINITE,
              "omega0[%d] = %g%+gi is not finite", i, creal(omega0[i]), cimag(omega0[i]));

  /* Times are shifted to start at 0: exp(omega t) then stays in range over the span of the
   * data, whatever the absolute times; B is referred back to t = 0 at the end. */
  t_ref = t[0];
  for (int j = 1; j < m; j++)
    t_ref = fmin(t_ref, t[j]);

  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)r, (void **)&pair));
  have_pairs = vp_conjugate_pairs(r, omega0, pair);
  ROM_TRY(ctx, vp_ws_create(ctx, m, k, r, &full));
  for (int j = 0; j < m; j++) {
    full.t[j] = t[j] - t_ref;
    for (int i = 0; i < k; i++)
      full.Z[j + (size_t)m * i] = Y[i + (size_t)k * j];
  }
  full.znorm = cblas_dznrm2(m * k, full.Z, 1);
  ROM_CHECK(ctx, full.znorm > 0, ROM_ERR_ARG, "Y is zero: there is nothing to fit");

  vp_point *fit = NULL;
  int iterations = 0, stop = 0;
  ROM_TRY(ctx, vp_fit(ctx, &full, omega0, have_pairs ? pair : NULL, max_iter, tol, &fit,
                      &iterations, &stop));
  rom_log(ctx, stop == VP_MAX_ITER ? ROM_LOG_WARN : ROM_LOG_INFO,
          "optimized DMD: %d iterations, relative residual %.3e, stopped: %s%s", iterations,
          fit->err / full.znorm, vp_stop_names[stop], have_pairs ? " (conjugate pairs kept)" : "");
  memcpy(omega, fit->alpha, sizeof(double complex) * (size_t)r);

  if (bags > 0) {
    /* BOP-DMD (Sashidhar and Kutz 2022, Algorithm 1): fit each bag of bag_size random
     * samples from the all-data solution, match its eigenvalues to that solution
     * (minimum-cost assignment of |omega_bag - omega_all|^2: the bag's ordering is not
     * guaranteed to follow the starting point's), then mean and spread. */
    ROM_TRY(ctx, zalloc(ctx, (size_t)bags * (size_t)r, &bag_omega));
    ROM_TRY(ctx, zalloc(ctx, (size_t)r, &alpha_full));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)m, (void **)&idx));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)r, (void **)&match));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * 2 * (size_t)(r + 1), (void **)&wint));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r * (size_t)r, (void **)&cost));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * 4 * (size_t)(r + 1), (void **)&work));
    memcpy(alpha_full, omega, sizeof(double complex) * (size_t)r);
    ROM_TRY(ctx, vp_ws_create(ctx, bag_size, k, r, &bag));
    int not_converged = 0;
    for (int b = 0; b < bags; b++) {
      /* bag_size distinct samples: a partial Fisher-Yates shuffle driven by the counter
       * RNG (seed, stream, bag * m + position), then in time order. */
      for (int j = 0; j < m; j++)
        idx[j] = j;
      for (int j = 0; j < bag_size; j++) {
        double u = rom_rng_uniform(seed, VP_BAG_STREAM, (uint64_t)b * (uint64_t)m + (uint64_t)j);
        int s = j + (int)(u * (double)(m - j));
        if (s >= m) s = m - 1;
        int tmp = idx[j];
        idx[j] = idx[s], idx[s] = tmp;
      }
      qsort(idx, (size_t)bag_size, sizeof(int), compare_int);
      for (int j = 0; j < bag_size; j++) {
        bag.t[j] = full.t[idx[j]];
        for (int i = 0; i < k; i++)
          bag.Z[j + (size_t)bag_size * i] = full.Z[idx[j] + (size_t)m * i];
      }
      bag.znorm = cblas_dznrm2(bag_size * k, bag.Z, 1);
      vp_point *bfit = NULL;
      int bit = 0, bstop = 0;
      ROM_TRY(ctx, vp_fit(ctx, &bag, alpha_full, have_pairs ? pair : NULL, max_iter, tol, &bfit,
                          &bit, &bstop));
      not_converged += bstop == VP_MAX_ITER;
      for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
          double d = cabs(bfit->alpha[i] - alpha_full[j]);
          cost[(size_t)i * r + j] = d * d;
        }
      vp_assign(r, cost, match, work, wint);
      for (int i = 0; i < r; i++)
        bag_omega[(size_t)b * r + match[i]] = bfit->alpha[i];
    }
    if (not_converged)
      rom_log(ctx, ROM_LOG_WARN, "BOP-DMD: %d of %d bags reached max_iter = %d before tol",
              not_converged, bags, max_iter);
    /* Mean and sample standard deviations of Re and Im, two passes (into work: 2 r). */
    for (int i = 0; i < r; i++) {
      double complex mean = 0;
      for (int b = 0; b < bags; b++)
        mean += bag_omega[(size_t)b * r + i];
      mean /= bags;
      double vre = 0, vim = 0;
      for (int b = 0; b < bags; b++) {
        double complex d = bag_omega[(size_t)b * r + i] - mean;
        vre += creal(d) * creal(d), vim += cimag(d) * cimag(d);
      }
      omega[i] = mean;
      work[2 * i] = vre / (bags - 1), work[2 * i + 1] = vim / (bags - 1);
    }
    if (have_pairs) {
      vp_symmetrize(r, pair, omega);
      for (int i = 0; i < r; i++)
        if (pair[i] > i)
          for (int c = 0; c < 2; c++)
            work[2 * i + c] = work[2 * pair[i] + c] =
                0.5 * (work[2 * i + c] + work[2 * pair[i] + c]);
    }
    if (omega_std)
      for (int i = 0; i < 2 * r; i++)
        omega_std[i] = sqrt(work[i]);
    /* B: least squares of all the data for the mean eigenvalues. */
    memcpy(full.pt[0].alpha, omega, sizeof(double complex) * (size_t)r);
    ROM_TRY(ctx, vp_evaluate(ctx, &full, &full.pt[0]));
    ROM_CHECK(ctx, isfinite(full.pt[0].err), ROM_ERR_NOT_FINITE,
              "the mean BOP-DMD eigenvalues overflow exp(omega t) over the data");
    fit = &full.pt[0];
    rom_log(ctx, ROM_LOG_INFO, "BOP-DMD: %d bags of %d samples, relative residual of the mean %.3e",
            bags, bag_size, fit->err / full.znorm);
  } else if (omega_std) {
    for (int i = 0; i < r; i++)
      omega_std[i] = 0;
  }

  /* B refers to t = 0: B_i exp(omega_i (t - t_ref)) = (B_i exp(-omega_i t_ref)) exp(omega_i t).
   * Rows of a conjugate pair are made exact conjugates (they are, up to rounding). */
  for (int i = 0; i < r; i++) {
    double complex shift = cexp(-omega[i] * t_ref);
    for (int l = 0; l < k; l++) {
      double complex v = fit->B[i + (size_t)r * l] * shift;
      ROM_CHECK(ctx, isfinite(creal(v)) && isfinite(cimag(v)), ROM_ERR_NOT_FINITE,
                "B cannot be referred back to t = 0: exp(-omega[%d] t_ref) overflows "
                "(omega = %g%+gi, earliest time t_ref = %g); shift the times to start near 0",
                i, creal(omega[i]), cimag(omega[i]), t_ref);
      B[i + (size_t)r * l] = v;
    }
  }
  if (have_pairs)
    for (int i = 0; i < r; i++) {
      int j = pair[i];
      for (int l = 0; l < k; l++) {
        double complex *bi = &B[i + (size_t)r * l], *bj = &B[j + (size_t)r * l];
        if (j == i) {
          *bi = creal(*bi);
        } else if (i < j) {
          double complex a = 0.5 * (*bi + conj(*bj));
          *bi = a, *bj = conj(a);
        }
      }
    }
cleanup:
  vp_ws_free(ctx, &full);
  vp_ws_free(ctx, &bag);
  rom_free(ctx, pair), rom_free(ctx, idx), rom_free(ctx, match), rom_free(ctx, wint);
  rom_free(ctx, bag_omega), rom_free(ctx, alpha_full), rom_free(ctx, cost), rom_free(ctx, work);
  return err;
}
