/* A-posteriori error bounds of the Galerkin affine ROM (include/romkit/affine_rom.h), and its
 * incremental extension by new basis vectors.
 *
 * Residual dual norm in the numerically stable form of Buhr, Engwer, Ohlberger and Rave,
 * "A numerically stable a posteriori error estimator for reduced basis approximations of
 * elliptic equations" (2014): the Riesz representers R_i = X^{-1} v_i of the residual's
 * affine terms v_i are orthonormalised in the X inner product (classical Gram-Schmidt, two
 * passes: "twice is enough", Giraud, Langou, Rozloznik 2005), and only the coefficients B
 * of each R_i in that basis are kept. Online, ||r||_X' = ||sum_i c_i R_i||_X = ||B c||_2,
 * a sum of squares of computed numbers — no cancellation — where c^T G c (G the Gram
 * matrix) subtracts numbers of size |c|^2 |G| to get ||r||^2, and so cannot resolve
 * ||r|| below about sqrt(eps) |c| |G|^(1/2).
 *
 * Coercivity (Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods", 2016, sec. 4.2.2):
 * with the terms of X (theta_bar_q > 0) symmetric positive semi-definite and theta_q > 0, and
 * every other term adding theta_q v^T A_q v >= 0 (a positive semi-definite symmetric part and
 * theta_q >= 0, or a zero symmetric part: a skew-symmetric advection term adds 0),
 *   v^T A(theta) v >= sum_{theta_bar_q > 0} theta_q v^T A_q v
 *                  >= min_{theta_bar_q > 0} (theta_q / theta_bar_q) v^T A(theta_bar) v,
 * the "min-theta" lower bound with respect to X = A(theta_bar), which must be symmetric: a
 * non-symmetric term stays out of it (theta_bar_q = 0).
 *
 * All reduced data (B) is rank 0's, broadcast, so bounds are bitwise the same on every rank
 * of one run; across rank counts they agree to rounding. */
#include "core/check.h"
#include "affine/affine_rom_impl.h"

#include <cblas.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

/* A remainder of X-norm below this fraction of the representer's own norm after two
 * Gram-Schmidt passes is taken as linearly dependent (its coefficients are kept, no new
 * vector): a relative perturbation of the representer at the level of rounding. */
#define ROM_RIESZ_DROP_TOL 1e-13

rom_estimator_options rom_estimator_options_default(void) {
  rom_estimator_options o;
  memset(&o, 0, sizeof o);
  o.coercivity = ROM_COERCIVITY_AUTO;
  o.scm_eps = 0.75; /* Huynh, Rozza, Sen, Patera 2007, sec. 4 */
  o.scm_m_alpha = 16;
  o.scm_m_plus = 16;
  o.scm_max_points = 100;
  o.scm_max_iterations = 300;
  return o;
}

/* ---- the Riesz space ---------------------------------------------------------------------- */

void rom_riesz_free(rom_ctx *ctx, rom_riesz_space *rs) {
  rom_free(ctx, rs->psi);
  rom_free(ctx, rs->xpsi);
  rom_free(ctx, rs->B);
  rom_free(ctx, rs->G);
  rom_free(ctx, rs->w);
  memset(rs, 0, sizeof *rs);
}

static rom_int ld_of(rom_int L) {
  return L > 0 ? L : 1;
}

/* Grows the capacities to at least (cap vectors of L rows, tcap terms), keeping contents.
 * L < 0: no vectors (a space read from a file). */
int rom_riesz_reserve(rom_ctx *ctx, rom_riesz_space *rs, rom_int L, rom_int cap, rom_int tcap) {
  int err = ROM_OK;
  double *psi = NULL, *xpsi = NULL, *B = NULL, *w = NULL;
  if (cap < rs->cap) cap = rs->cap;
  if (tcap < rs->tcap) tcap = rs->tcap;
  if (cap == rs->cap && tcap == rs->tcap && rs->B) return ROM_OK;
  if (cap < 1) cap = 1;
  if (tcap < 1) tcap = 1;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap * tcap), sizeof(double), (void **)&B));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)cap, sizeof(double), (void **)&w));
  for (rom_int t = 0; t < rs->nterms; ++t)
    memcpy(B + t * cap, rs->B + t * rs->cap, sizeof(double) * (size_t)rs->npsi);
  if (L >= 0) {
    const rom_int ld = ld_of(L);
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap * ld), sizeof(double), (void **)&psi));
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)(cap * ld), sizeof(double), (void **)&xpsi));
    if (rs->have_vectors && rs->npsi > 0) {
      memcpy(psi, rs->psi, sizeof(double) * (size_t)(rs->npsi * ld));
      memcpy(xpsi, rs->xpsi, sizeof(double) * (size_t)(rs->npsi * ld));
    }
    rom_free(ctx, rs->psi);
    rom_free(ctx, rs->xpsi);
    rs->psi = psi;
    rs->xpsi = xpsi;
    psi = xpsi = NULL;
    rs->have_vectors = 1;
    rs->L = L;
  }
  rom_free(ctx, rs->B);
  rom_free(ctx, rs->w);
  rs->B = B;
  rs->w = w;
  B = w = NULL;
  rs->cap = cap;
  rs->tcap = tcap;
  rs->g_valid = 0;
cleanup:
  rom_free(ctx, psi);
  rom_free(ctx, xpsi);
  rom_free(ctx, B);
  rom_free(ctx, w);
  return err;
}

/* y = X x = sum_q theta_bar_q A_q x. Collective. */
static int apply_X(rom_model *model, const double *theta_bar, int Qa, rom_int L, const double *x,
                   double *y, double *tmp) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  if (L > 0) memset(y, 0, sizeof(double) * (size_t)L);
  for (int q = 0; q < Qa; ++q) {
    if (theta_bar[q] == 0.0) continue; /* a term outside X (non-symmetric, say) */
    ROM_TRY(ctx, rom_model_apply_operator_term(model, q, x, tmp));
    for (rom_int l = 0; l < L; ++l)
      y[l] += theta_bar[q] * tmp[l];
  }
cleanup:
  return err;
}

static int dot_all(rom_ctx *ctx, const double *x, const double *y, rom_int L, double *out) {
  int err = ROM_OK;
  double s = 0.0;
  for (rom_int l = 0; l < L; ++l)
    s += x[l] * y[l];
  ROM_MPI(ctx, MPI_Allreduce(&s, out, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* Appends the term v (NULL: a zero term) to the space: its Riesz representer X^{-1} v
 * (transpose: X^{-T}, the same for the symmetric X of the bounds), orthonormalised against
 * psi in two passes; its coefficients go to column nterms of B. The caller reserved room
 * for one more vector and term. work: 3 L values. Collective. */
int rom_riesz_add(rom_riesz_space *rs, rom_model *model, const double *theta_bar, int Qa,
                  const double *v, double *work) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  const rom_int L = rs->L, ld = ld_of(L), t = rs->nterms, n0 = rs->npsi;
  double *R = work, *XR = work + ld, *tmp = work + 2 * ld;
  double *col = rs->B + t * rs->cap, *h = rs->w;
  double norm0 = 0.0, nrm = 0.0;
  memset(col, 0, sizeof(double) * (size_t)rs->cap);
  if (!v) goto done;
  ROM_TRY(ctx, rom_model_affine_solve(model, theta_bar, 0.0, 1.0, 0, v, R));
  ROM_TRY(ctx, dot_all(ctx, R, v, L, &norm0)); /* ||R||_X^2 = R^T X R = R^T v */
  norm0 = sqrt(fmax(norm0, 0.0));
  if (!(norm0 > 0.0)) goto done;
  for (int pass = 0; pass < 2 && n0 > 0; ++pass) {
    memset(h, 0, sizeof(double) * (size_t)n0);
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasTrans, (int)L, (int)n0, 1.0, rs->xpsi, (int)ld, R, 1, 0.0, h,
                  1);
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, h, (int)n0, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)n0, -1.0, rs->psi, (int)ld, h, 1, 1.0,
                  R, 1);
    for (rom_int l = 0; l < n0; ++l)
      col[l] += h[l];
  }
  ROM_TRY(ctx, apply_X(model, theta_bar, Qa, L, R, XR, tmp));
  ROM_TRY(ctx, dot_all(ctx, R, XR, L, &nrm));
  nrm = sqrt(fmax(nrm, 0.0));
  /* the decision to add a vector must be the same on every rank */
  ROM_MPI(ctx, MPI_Bcast(&nrm, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  if (nrm > ROM_RIESZ_DROP_TOL * norm0) {
    for (rom_int l = 0; l < L; ++l) {
      rs->psi[l + n0 * ld] = R[l] / nrm;
      rs->xpsi[l + n0 * ld] = XR[l] / nrm;
    }
    col[n0] = nrm;
    rs->npsi = n0 + 1;
  }
done:
  rs->nterms = t + 1;
  rs->g_valid = 0;
cleanup:
  return err;
}

/* Rank 0's coefficients everywhere. Collective. */
int rom_riesz_bcast(rom_ctx *ctx, rom_riesz_space *rs) {
  int err = ROM_OK;
  ROM_MPI(ctx, MPI_Bcast(rs->B, (int)(rs->cap * rs->nterms), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* ||B c||_2 (stable) and, if naive != NULL, sqrt(max(c^T G c, 0)) with G = B^T B. */
int rom_riesz_norm(rom_ctx *ctx, rom_riesz_space *rs, const double *c, double *stable,
                   double *naive) {
  int err = ROM_OK;
  const int np = (int)rs->npsi, nt = (int)rs->nterms;
  if (np == 0) {
    *stable = 0.0;
    if (naive) *naive = 0.0;
    return ROM_OK;
  }
  cblas_dgemv(CblasColMajor, CblasNoTrans, np, nt, 1.0, rs->B, (int)rs->cap, c, 1, 0.0, rs->w, 1);
  *stable = cblas_dnrm2(np, rs->w, 1);
  if (naive) {
    if (!rs->g_valid) {
      rom_free(ctx, rs->G);
      rs->G = NULL;
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nt * (size_t)nt, (void **)&rs->G));
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, nt, nt, np, 1.0, rs->B, (int)rs->cap,
                  rs->B, (int)rs->cap, 0.0, rs->G, nt);
      rs->g_valid = 1;
    }
    double s = 0.0;
    for (int j = 0; j < nt; ++j) {
      double gj = 0.0;
      for (int i = 0; i < nt; ++i)
        gj += rs->G[i + j * nt] * c[i];
      s += c[j] * gj;
    }
    *naive = sqrt(fmax(s, 0.0));
  }
cleanup:
  return err;
}

/* ---- the primal estimator ----------------------------------------------------------------- */

rom_int rom_affine_est_terms(const rom_affine_rom *rom, rom_int k) {
  return (rom_int)rom->Qf + rom->Qa + k * (rom->Qa + 1);
}

void rom_affine_dual_free(rom_ctx *ctx, rom_affine_dual *d) {
  rom_free(ctx, d->Ad);
  rom_free(ctx, d->ld);
  rom_free(ctx, d->Zf);
  rom_free(ctx, d->Zg);
  rom_free(ctx, d->ZAP);
  rom_free(ctx, d->work_m);
  rom_free(ctx, d->work_v);
  rom_free(ctx, d->work_c);
  rom_free(ctx, d->work_piv);
  rom_free(ctx, d->Zv);
  rom_riesz_free(ctx, &d->rs);
  memset(d, 0, sizeof *d);
}

static void free_duals(rom_affine_rom *rom) {
  if (rom->dual)
    for (int o = 0; o < rom->num_outputs; ++o)
      rom_affine_dual_free(rom->ctx, &rom->dual[o]);
  rom_free(rom->ctx, rom->dual);
  rom->dual = NULL;
}

void rom_affine_rom_free_estimator(rom_affine_rom *rom) {
  if (!rom) return;
  free_duals(rom);
  rom_riesz_free(rom->ctx, &rom->rs);
  rom_affine_scm_free(rom);
  rom_free(rom->ctx, rom->theta_bar);
  rom_free(rom->ctx, rom->est_c);
  rom->theta_bar = NULL;
  rom->est_c = NULL;
  rom->est = 0;
}

int rom_affine_rom_has_estimator(const rom_affine_rom *rom) {
  return rom && rom->est ? 1 : 0;
}

int rom_affine_rom_set_coercivity_bound(rom_affine_rom *rom, rom_coercivity_fn lower_bound,
                                        void *user) {
  if (!rom) return ROM_ERR_ARG;
  int err = ROM_OK;
  ROM_CHECK(rom->ctx, lower_bound != NULL, ROM_ERR_ARG,
            "the lower-bound callback must not be NULL");
  rom->lb_fn = lower_bound;
  rom->lb_user = user;
  rom->coercivity = ROM_COERCIVITY_CALLBACK;
cleanup:
  return err;
}

/* max|a_ij - sign a_ji| <= ROM_AFFINE_SYMMETRY_TOL max|a_ij| for the k x k matrix a: sign = +1
 * tests symmetry, sign = -1 a zero symmetric part (skew-symmetry). A zero matrix passes both. */
static int term_is(const double *a, rom_int k, double sign) {
  double amax = 0.0, dmax = 0.0;
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < k; ++i) {
      amax = fmax(amax, fabs(a[i + j * k]));
      dmax = fmax(dmax, fabs(a[i + j * k] - sign * a[j + i * k]));
    }
  return dmax <= ROM_AFFINE_SYMMETRY_TOL * amax;
}

/* X = A(theta_bar) must be symmetric (it is the inner product): every term in it (theta_bar_q >
 * 0) projected symmetric. Not collective (replicated data). */
static int x_symmetric_check(rom_affine_rom *rom, char *why, size_t nwhy) {
  for (int q = 0; q < rom->Qa; ++q)
    if (rom->theta_bar[q] > 0.0 && !term_is(rom->A + q * rom->k * rom->k, rom->k, 1.0)) {
      snprintf(why, nwhy,
               "the projected term A_%d^r is not symmetric but theta_bar_%d = %g > 0, so X = "
               "A(theta_bar) is not an inner product: give the non-symmetric terms theta_bar_q = "
               "0",
               q, q, rom->theta_bar[q]);
      return 0;
    }
  return 1;
}

/* The min-theta conditions that can be checked on the reduced data (Hesthaven, Rozza, Stamm
 * 2016, sec. 4.2.2, extended to non-symmetric terms): for every q
 *   theta_bar_q > 0: A_q^r symmetric and positive semi-definite;
 *   theta_bar_q = 0: the symmetric part (A_q^r + A_q^r^T) / 2 positive semi-definite
 * (smallest eigenvalue >= -1e-10 times the largest magnitude; dsyev). A term outside X then
 * adds theta_q v^T A_q v >= 0 to v^T A(theta) v when theta_q >= 0, and exactly 0 for any theta_q
 * when its symmetric part is zero (a skew-symmetric advection term with central differences
 * and a divergence-free wind), so v^T A(theta) v >= min_{theta_bar_q > 0} (theta_q /
 * theta_bar_q) ||v||_X^2. Necessary for the FOM properties, not sufficient (those are the
 * caller's statement). Not collective (replicated data, same answer everywhere). */
static int min_theta_checks(rom_affine_rom *rom, int *ok, char *why, size_t nwhy) {
  int err = ROM_OK;
  const rom_int k = rom->k;
  double *a = NULL, *ev = NULL;
  *ok = 1;
  ROM_TRY(rom->ctx, rom_malloc(rom->ctx, sizeof(double) * (size_t)(k * k), (void **)&a));
  ROM_TRY(rom->ctx, rom_malloc(rom->ctx, sizeof(double) * (size_t)k, (void **)&ev));
  for (int q = 0; q < rom->Qa && *ok; ++q) {
    const double *aq = rom->A + q * k * k;
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i < k; ++i)
        a[i + j * k] = 0.5 * (aq[i + j * k] + aq[j + i * k]);
    lapack_int info =
        LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)k, a, (lapack_int)k, ev);
    ROM_CHECK(rom->ctx, info == 0, ROM_ERR_LAPACK, "dsyev of A_%d^r failed (info %d)", q,
              (int)info);
    /* relative to the term's size: the eigenvalues' for a symmetric term (as before the
     * non-symmetric extension), the entries' when the symmetric part is (nearly) zero */
    double big = fmax(fabs(ev[0]), fabs(ev[k - 1]));
    for (rom_int i = 0; i < k * k; ++i)
      big = fmax(big, fabs(aq[i]));
    if (ev[0] < -1e-10 * big) {
      *ok = 0;
      snprintf(why, nwhy,
               "the symmetric part of the projected term A_%d^r has a negative eigenvalue %.3g", q,
               ev[0]);
    }
  }
cleanup:
  rom_free(rom->ctx, a);
  rom_free(rom->ctx, ev);
  return err;
}

/* Adds the primal terms of basis vectors j0..k1-1: A_q phi_j (q < Qa) and M phi_j.
 * Collective. */
static int add_basis_terms(rom_affine_rom *rom, rom_model *model, const rom_basis *basis,
                           rom_int j0, rom_int k1, double *v, double *work) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_dmat *V = rom_basis_vectors(basis);
  const double *Vd = rom_dmat_data_const(V);
  const rom_int ldV = rom_dmat_ld(V);
  for (rom_int j = j0; j < k1; ++j) {
    for (int q = 0; q < rom->Qa; ++q) {
      ROM_TRY(ctx, rom_model_apply_operator_term(model, q, Vd + j * ldV, v));
      ROM_TRY(ctx, rom_riesz_add(&rom->rs, model, rom->theta_bar, rom->Qa, v, work));
    }
    ROM_TRY(ctx, rom_model_apply_mass(model, Vd + j * ldV, v));
    ROM_TRY(ctx, rom_riesz_add(&rom->rs, model, rom->theta_bar, rom->Qa, v, work));
  }
cleanup:
  return err;
}

int rom_affine_check_same_comm(rom_ctx *ctx, rom_ctx *other, const char *what) {
  int err = ROM_OK, same = MPI_UNEQUAL;
  ROM_MPI(ctx, MPI_Comm_compare(rom_ctx_comm(ctx), rom_ctx_comm(other), &same));
  ROM_CHECK_ALL(ctx, same == MPI_IDENT || same == MPI_CONGRUENT, ROM_ERR_ARG,
                "the ROM and the %s live on different communicators", what);
cleanup:
  return err;
}

int rom_affine_rom_build_estimator(rom_affine_rom *rom, rom_model *model, const rom_basis *basis,
                                   const rom_estimator_options *opts) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_estimator_options o = opts ? *opts : rom_estimator_options_default();
  double *v = NULL, *work = NULL;
  const int Qa = rom->Qa, Qf = rom->Qf;
  ROM_CHECK_ALL(ctx, model != NULL && basis != NULL, ROM_ERR_ARG,
                "build_estimator: the model and the basis must not be NULL");
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_model_ctx(model), "model"));
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_basis_ctx(basis), "basis"));
  ROM_CHECK_ALL(ctx, rom_model_has_affine_solve(model), ROM_ERR_STATE,
                "build_estimator: the model has no affine solver (rom_model_set_affine_solve); "
                "the Riesz representers need X^{-1} = A(theta_bar)^{-1}");
  ROM_CHECK_ALL(ctx, rom_model_operator_terms(model) == Qa && rom_model_rhs_terms(model) == Qf,
                ROM_ERR_DIM,
                "build_estimator: the model has %d operator and %d rhs terms, the ROM %d and %d",
                rom_model_operator_terms(model), rom_model_rhs_terms(model), Qa, Qf);
  const rom_int L = rom_model_local_rows(model), k = rom->k;
  ROM_CHECK_ALL(ctx, rom_basis_dim(basis) == k, ROM_ERR_DIM,
                "build_estimator: the basis has %lld vectors but the ROM has k = %lld: pass the "
                "basis the ROM was built from",
                (long long)rom_basis_dim(basis), (long long)k);
  ROM_CHECK_ALL(ctx, rom_basis_local_rows(basis) == L, ROM_ERR_DIM,
                "build_estimator: the basis has %lld local rows on rank %d, the model %lld",
                (long long)rom_basis_local_rows(basis), rom_ctx_rank(ctx), (long long)L);
  ROM_CHECK_ALL(ctx, (int)o.coercivity >= 0 && (int)o.coercivity <= 3, ROM_ERR_ARG,
                "build_estimator: unknown coercivity kind %d", (int)o.coercivity);
  ROM_CHECK_ALL(ctx, o.coercivity != ROM_COERCIVITY_CALLBACK || o.lower_bound != NULL, ROM_ERR_ARG,
                "build_estimator: coercivity kind 'callback' needs a lower_bound callback");
  rom_affine_rom_free_estimator(rom);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)Qa, (void **)&rom->theta_bar));
  {
    int positive = 0;
    for (int q = 0; q < Qa; ++q) {
      double tb = o.theta_bar ? o.theta_bar[q] : 1.0;
      ROM_CHECK_ALL(ctx, isfinite(tb) && tb >= 0.0, ROM_ERR_ARG,
                    "build_estimator: theta_bar[%d] = %g must be >= 0 and finite (X = "
                    "A(theta_bar) must be symmetric positive definite)",
                    q, tb);
      positive += tb > 0.0;
      rom->theta_bar[q] = tb;
    }
    ROM_CHECK_ALL(ctx, positive > 0, ROM_ERR_ARG,
                  "build_estimator: every theta_bar_q is 0: X = A(theta_bar) would be zero");
  }
  /* Rank 0's theta_bar everywhere (the caller's arrays might differ in the last bit). */
  ROM_MPI(ctx, MPI_Bcast(rom->theta_bar, Qa, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  {
    char why[256] = "";
    ROM_CHECK_ALL(ctx, x_symmetric_check(rom, why, sizeof why), ROM_ERR_ARG, "build_estimator: %s",
                  why);
  }
  if (o.coercivity == ROM_COERCIVITY_SCM) {
    rom->coercivity = ROM_COERCIVITY_SCM; /* affine_scm.c */
    ROM_TRY(ctx, rom_affine_scm_build(rom, model, &o));
  } else if (o.coercivity == ROM_COERCIVITY_CALLBACK ||
             (o.coercivity == ROM_COERCIVITY_AUTO && o.lower_bound != NULL)) {
    rom->coercivity = ROM_COERCIVITY_CALLBACK;
    rom->lb_fn = o.lower_bound;
    rom->lb_user = o.lower_bound_user;
  } else {
    int ok = 0;
    char why[160] = "";
    ROM_TRY_ALL(ctx, min_theta_checks(rom, &ok, why, sizeof why));
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_UNSUPPORTED,
                  "build_estimator: a non-coercive bound request without a lower bound: %s, so "
                  "the min-theta bound (the terms in X symmetric positive semi-definite, the "
                  "others with a positive semi-definite symmetric part) does not apply; pass a "
                  "coercivity lower bound (rom_estimator_options.lower_bound, e.g. "
                  "from a successive constraint method)",
                  why);
    rom->coercivity = ROM_COERCIVITY_MIN_THETA;
    rom->lb_fn = NULL;
    rom->lb_user = NULL;
  }
  {
    const rom_int nt = rom_affine_est_terms(rom, k), ld = ld_of(L);
    const double *ref = rom_basis_reference(basis);
    ROM_TRY_ALL(ctx, rom_riesz_reserve(ctx, &rom->rs, L, nt, nt));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nt, (void **)&rom->est_c));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)ld, (void **)&v));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(3 * ld), (void **)&work));
    for (int q = 0; q < Qf; ++q) {
      ROM_TRY(ctx, rom_model_rhs_term(model, q, v));
      ROM_TRY(ctx, rom_riesz_add(&rom->rs, model, rom->theta_bar, Qa, v, work));
    }
    for (int q = 0; q < Qa; ++q) {
      if (ref) ROM_TRY(ctx, rom_model_apply_operator_term(model, q, ref, v));
      ROM_TRY(ctx, rom_riesz_add(&rom->rs, model, rom->theta_bar, Qa, ref ? v : NULL, work));
    }
    ROM_TRY(ctx, add_basis_terms(rom, model, basis, 0, k, v, work));
    ROM_TRY(ctx, rom_riesz_bcast(ctx, &rom->rs));
  }
  rom->est = 1;
cleanup:
  if (err != ROM_OK) rom_affine_rom_free_estimator(rom);
  rom_free(ctx, v);
  rom_free(ctx, work);
  return err;
}

/* alpha_LB(theta). Not collective. */
int rom_affine_coercivity_lb(rom_affine_rom *rom, const double *theta, double *alpha) {
  int err = ROM_OK;
  if (rom->coercivity == ROM_COERCIVITY_MIN_THETA) {
    /* terms in X (theta_bar_q > 0): theta_q > 0; the others: theta_q >= 0, or any sign
     * for a term with a zero symmetric part (min_theta_checks) */
    double a = INFINITY;
    const rom_int kk = rom->k * rom->k;
    for (int q = 0; q < rom->Qa; ++q) {
      if (rom->theta_bar[q] > 0.0) {
        ROM_CHECK(rom->ctx, theta[q] > 0.0 && isfinite(theta[q]), ROM_ERR_ARG,
                  "the min-theta coercivity bound needs theta_q > 0 for every term of X = "
                  "A(theta_bar): theta[%d] = %g",
                  q, theta[q]);
        a = fmin(a, theta[q] / rom->theta_bar[q]);
      } else {
        ROM_CHECK(rom->ctx, theta[q] >= 0.0 || term_is(rom->A + q * kk, rom->k, -1.0), ROM_ERR_ARG,
                  "the min-theta coercivity bound needs theta_q >= 0 for a term outside X whose "
                  "symmetric part is not zero: theta[%d] = %g",
                  q, theta[q]);
      }
    }
    *alpha = a;
  } else if (rom->coercivity == ROM_COERCIVITY_SCM) {
    ROM_TRY(rom->ctx, rom_affine_scm_lower_bound(rom, theta, alpha));
  } else {
    ROM_CHECK(rom->ctx, rom->lb_fn != NULL, ROM_ERR_STATE,
              "the ROM's coercivity bound is the caller's callback, which is not set "
              "(rom_affine_rom_set_coercivity_bound)");
    double a = NAN;
    ROM_CHECK(rom->ctx, rom->lb_fn(rom->lb_user, theta, &a) == 0, ROM_ERR_CALLBACK,
              "the coercivity lower-bound callback failed");
    ROM_CHECK(rom->ctx, isfinite(a) && a > 0.0, ROM_ERR_CALLBACK,
              "the coercivity lower-bound callback returned alpha_LB = %g (must be > 0)", a);
    *alpha = a;
  }
cleanup:
  return err;
}

/* c = [phi | -theta | per j: -theta_q q_j, -dq_j/dt] for the primal residual; dq NULL:
 * steady (zero mass terms). */
void rom_affine_primal_coefficients(rom_affine_rom *rom, const double *theta, const double *phi,
                                    const double *q, const double *dq, double *c) {
  const int Qa = rom->Qa, Qf = rom->Qf;
  for (int i = 0; i < Qf; ++i)
    c[i] = phi[i];
  for (int i = 0; i < Qa; ++i)
    c[Qf + i] = -theta[i];
  double *cj = c + Qf + Qa;
  for (rom_int j = 0; j < rom->k; ++j, cj += Qa + 1) {
    for (int i = 0; i < Qa; ++i)
      cj[i] = -theta[i] * q[j];
    cj[Qa] = dq ? -dq[j] : 0.0;
  }
}

int rom_affine_check_eval_args(rom_affine_rom *rom, const double *theta, const double *phi,
                               const double *q) {
  int err = ROM_OK;
  ROM_CHECK(rom->ctx, rom->est, ROM_ERR_STATE,
            "the ROM has no error estimator: call rom_affine_rom_build_estimator (or read a file "
            "written with one)");
  ROM_CHECK(rom->ctx, theta != NULL && q != NULL && (phi != NULL || rom->Qf == 0), ROM_ERR_ARG,
            "theta (%d values), phi (%d values) and q (%lld values) must not be NULL", rom->Qa,
            rom->Qf, (long long)rom->k);
  ROM_CHECK(rom->ctx, rom->rs.nterms == rom_affine_est_terms(rom, rom->k), ROM_ERR_STATE,
            "the estimator has %lld terms but a ROM of dimension %lld needs %lld",
            (long long)rom->rs.nterms, (long long)rom->k,
            (long long)rom_affine_est_terms(rom, rom->k));
  for (int i = 0; i < rom->Qa; ++i)
    ROM_CHECK(rom->ctx, isfinite(theta[i]), ROM_ERR_NOT_FINITE, "theta[%d] = %g is not finite", i,
              theta[i]);
  for (int i = 0; i < rom->Qf; ++i)
    ROM_CHECK(rom->ctx, isfinite(phi[i]), ROM_ERR_NOT_FINITE, "phi[%d] = %g is not finite", i,
              phi[i]);
  for (rom_int j = 0; j < rom->k; ++j)
    ROM_CHECK(rom->ctx, isfinite(q[j]), ROM_ERR_NOT_FINITE, "q[%lld] = %g is not finite",
              (long long)j, q[j]);
cleanup:
  return err;
}

int rom_affine_rom_error_bound_info(rom_affine_rom *rom, const double *theta, const double *phi,
                                    const double *q, rom_error_bound_info *info) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  ROM_CHECK(rom->ctx, info != NULL, ROM_ERR_ARG, "info must not be NULL");
  ROM_TRY(rom->ctx, rom_affine_check_eval_args(rom, theta, phi, q));
  memset(info, 0, sizeof *info);
  ROM_TRY(rom->ctx, rom_affine_coercivity_lb(rom, theta, &info->alpha_lb));
  rom_affine_primal_coefficients(rom, theta, phi, q, NULL, rom->est_c);
  ROM_TRY(rom->ctx, rom_riesz_norm(rom->ctx, &rom->rs, rom->est_c, &info->residual_norm,
                                   &info->residual_norm_naive));
  info->x_bound = info->residual_norm / info->alpha_lb;
  info->energy_bound = info->residual_norm / sqrt(info->alpha_lb);
cleanup:
  return err;
}

int rom_affine_rom_error_bound(rom_affine_rom *rom, const double *theta, const double *phi,
                               const double *q, double *bound) {
  int err = ROM_OK;
  double alpha = 0.0, rn = 0.0;
  if (!rom) return ROM_ERR_ARG;
  ROM_CHECK(rom->ctx, bound != NULL, ROM_ERR_ARG, "bound must not be NULL");
  ROM_TRY(rom->ctx, rom_affine_check_eval_args(rom, theta, phi, q));
  ROM_TRY(rom->ctx, rom_affine_coercivity_lb(rom, theta, &alpha));
  rom_affine_primal_coefficients(rom, theta, phi, q, NULL, rom->est_c);
  ROM_TRY(rom->ctx, rom_riesz_norm(rom->ctx, &rom->rs, rom->est_c, &rn, NULL));
  *bound = rn / alpha;
cleanup:
  return err;
}

int rom_affine_rom_transient_bound(rom_affine_rom *rom, const double *theta, const double *phi,
                                   double dt, rom_int steps, const double *trajectory, double e0,
                                   double *bounds) {
  int err = ROM_OK;
  double alpha = 0.0, sum = 0.0, *dq = NULL;
  if (!rom) return ROM_ERR_ARG;
  const rom_int k = rom->k;
  ROM_CHECK(rom->ctx, trajectory != NULL && bounds != NULL, ROM_ERR_ARG,
            "trajectory and bounds must not be NULL");
  ROM_CHECK(rom->ctx, dt > 0.0 && isfinite(dt), ROM_ERR_ARG, "time step dt = %g must be > 0", dt);
  ROM_CHECK(rom->ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_CHECK(rom->ctx, e0 >= 0.0 && isfinite(e0), ROM_ERR_ARG,
            "the initial error bound e0 = %g must be >= 0 and finite", e0);
  ROM_CHECK(rom->ctx, rom->mass_symmetric, ROM_ERR_UNSUPPORTED,
            "the transient bound needs a symmetric positive definite mass matrix; the projected "
            "mass is not symmetric");
  ROM_TRY(rom->ctx, rom_affine_check_eval_args(rom, theta, phi, trajectory));
  ROM_TRY(rom->ctx, rom_affine_coercivity_lb(rom, theta, &alpha));
  ROM_TRY(rom->ctx, rom_malloc(rom->ctx, sizeof(double) * (size_t)k, (void **)&dq));
  bounds[0] = e0;
  for (rom_int n = 1; n <= steps; ++n) {
    const double *qn = trajectory + n * k, *qp = trajectory + (n - 1) * k;
    double rn = 0.0;
    for (rom_int j = 0; j < k; ++j) {
      ROM_CHECK(rom->ctx, isfinite(qn[j]), ROM_ERR_NOT_FINITE,
                "trajectory state %lld, coordinate %lld = %g is not finite", (long long)n,
                (long long)j, qn[j]);
      dq[j] = (qn[j] - qp[j]) / dt;
    }
    rom_affine_primal_coefficients(rom, theta, phi, qn, dq, rom->est_c);
    ROM_TRY(rom->ctx, rom_riesz_norm(rom->ctx, &rom->rs, rom->est_c, &rn, NULL));
    sum += rn * rn;
    bounds[n] = sqrt(e0 * e0 + dt / alpha * sum);
  }
cleanup:
  rom_free(rom->ctx, dq);
  return err;
}

/* ---- incremental extension ---------------------------------------------------------------- */

/* Swaps the reduced arrays of a (k) with those of b (k'), so b's destroy frees a's old ones. */
static void swap_reduced(rom_affine_rom *a, rom_affine_rom *b) {
  rom_affine_rom t = *a;
  a->k = b->k;
  a->A = b->A;
  a->R = b->R;
  a->M = b->M;
  a->m_ref = b->m_ref;
  a->work_matrix = b->work_matrix;
  a->work_vec = b->work_vec;
  a->work_pivots = b->work_pivots;
  a->symmetric = b->symmetric;
  a->mass_symmetric = b->mass_symmetric;
  b->k = t.k;
  b->A = t.A;
  b->R = t.R;
  b->M = t.M;
  b->m_ref = t.m_ref;
  b->work_matrix = t.work_matrix;
  b->work_vec = t.work_vec;
  b->work_pivots = t.work_pivots;
}

int rom_affine_rom_extend(rom_affine_rom *rom, rom_model *model, const rom_basis *basis) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_affine_rom *nw = NULL;
  rom_dmat *W = NULL, *Vn = NULL, *Vo = NULL, *Wk = NULL;
  double *C = NULL, *v = NULL, *work = NULL, *outL = NULL;
  double **nzap = NULL; /* per output: the extended Z^T A_q Phi (NULL: its dual is dropped) */
  rom_dmat *Zm = NULL, *Wn = NULL;
  const int Qa = rom->Qa, Qf = rom->Qf, nout = rom->dual ? rom->num_outputs : 0;
  const rom_int k = rom->k;
  ROM_CHECK_ALL(ctx, model != NULL && basis != NULL, ROM_ERR_ARG,
                "extend: the model and the basis must not be NULL");
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_model_ctx(model), "model"));
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_basis_ctx(basis), "basis"));
  const rom_int L = rom_model_local_rows(model), k2 = rom_basis_dim(basis), kn = k2 - k;
  ROM_CHECK_ALL(ctx, rom_model_operator_terms(model) == Qa && rom_model_rhs_terms(model) == Qf,
                ROM_ERR_DIM,
                "extend: the model has %d operator and %d rhs terms, the ROM %d and %d",
                rom_model_operator_terms(model), rom_model_rhs_terms(model), Qa, Qf);
  ROM_CHECK_ALL(ctx, rom_basis_local_rows(basis) == L, ROM_ERR_DIM,
                "extend: the basis has %lld local rows on rank %d, the model %lld",
                (long long)rom_basis_local_rows(basis), rom_ctx_rank(ctx), (long long)L);
  ROM_CHECK_ALL(ctx, k2 > k, ROM_ERR_DIM,
                "extend: the basis has %lld vectors, not more than the ROM's k = %lld: pass the "
                "ROM's basis with the new vectors appended",
                (long long)k2, (long long)k);
  ROM_CHECK_ALL(ctx, k2 * k2 * Qa <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "extend: k = %lld with %d terms exceeds MPI's int counts", (long long)k2, Qa);
  ROM_CHECK_ALL(ctx, rom->num_outputs == 0 || (rom->out_w != NULL && rom->L_local == L),
                ROM_ERR_STATE,
                "extend: the ROM has %d outputs but not their weights (a ROM read from a file): "
                "rebuild it from the basis",
                rom->num_outputs);
  ROM_TRY_ALL(ctx, rom_affine_rom_alloc(ctx, k2, Qa, Qf, &nw));
  /* The output duals: only Z^T A_q Phi depends on Phi; its first k columns are kept. */
  if (nout > 0) ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nout, sizeof(double *), (void **)&nzap));
  for (int o = 0; o < nout; ++o) {
    const rom_affine_dual *d = &rom->dual[o];
    if (d->kd == 0 || !d->Zv || d->ZL != L) continue;
    ROM_CHECK_ALL(ctx, d->kd * k2 <= INT_MAX, ROM_ERR_UNSUPPORTED,
                  "extend: %lld dual vectors with k = %lld exceed MPI's int counts",
                  (long long)d->kd, (long long)k2);
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(d->kd * k2 * Qa), sizeof(double), (void **)&nzap[o]));
    for (int q = 0; q < Qa; ++q)
      memcpy(nzap[o] + (size_t)q * (size_t)(d->kd * k2), d->ZAP + (size_t)q * (size_t)(d->kd * k),
             sizeof(double) * (size_t)(d->kd * k));
  }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k2 * (k2 + 1)), (void **)&C));
  {
    const rom_dmat *V = rom_basis_vectors(basis);
    double *Vd = (double *)rom_dmat_data_const(V); /* only read */
    const rom_int ldV = rom_dmat_ld(V);
    const double *ref = rom_basis_reference(basis);
    const rom_int kk = k * k, kk2 = k2 * k2;
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, kn, Vd + k * ldV, ldV, &Vn));
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k, Vd, ldV, &Vo));
    ROM_TRY(ctx, rom_dmat_create(ctx, L, (k > kn ? k : kn) + 1, &W));
    double *Wd = rom_dmat_data(W);
    const rom_int ldW = rom_dmat_ld(W);
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, kn + 1, Wd, ldW, &Wk));
    /* the old blocks, unchanged */
    for (int q = 0; q < Qa; ++q)
      for (rom_int j = 0; j < k; ++j)
        memcpy(nw->A + q * kk2 + j * k2, rom->A + q * kk + j * k, sizeof(double) * (size_t)k);
    for (int c = 0; c < Qf + Qa; ++c)
      memcpy(nw->R + c * k2, rom->R + c * k, sizeof(double) * (size_t)k);
    for (rom_int j = 0; j < k; ++j)
      memcpy(nw->M + j * k2, rom->M + j * k, sizeof(double) * (size_t)k);
    memcpy(nw->m_ref, rom->m_ref, sizeof(double) * (size_t)k);
    /* operator terms: new columns (all rows) and the new rows of g_q; new rows of old
     * columns by symmetry, or by applying A_q to the old vectors when not symmetric */
    for (int q = 0; q < Qa; ++q) {
      for (rom_int j = 0; j < kn; ++j)
        ROM_TRY(ctx, rom_model_apply_operator_term(model, q, Vd + (k + j) * ldV, Wd + j * ldW));
      if (ref)
        ROM_TRY(ctx, rom_model_apply_operator_term(model, q, ref, Wd + kn * ldW));
      else if (L > 0)
        memset(Wd + kn * ldW, 0, sizeof(double) * (size_t)L);
      ROM_TRY(ctx, rom_dmat_transpose_times(V, Wk, C, k2)); /* k2 x (kn+1) */
      double *Aq = nw->A + q * kk2;
      for (rom_int j = 0; j < kn; ++j)
        for (rom_int i = 0; i < k2; ++i)
          Aq[i + (k + j) * k2] = C[i + j * k2];
      for (rom_int i = k; i < k2; ++i)
        nw->R[i + (Qf + q) * k2] = -C[i + kn * k2];
      /* new columns of the duals' Z^T A_q Phi from the same A_q phi_j */
      for (int o = 0; o < nout; ++o) {
        if (!nzap[o]) continue;
        const rom_affine_dual *d = &rom->dual[o];
        ROM_TRY(ctx, rom_dmat_wrap(ctx, L, d->kd, d->Zv, ld_of(L), &Zm));
        ROM_TRY(ctx, rom_dmat_wrap(ctx, L, kn, Wd, ldW, &Wn));
        ROM_TRY(ctx, rom_dmat_transpose_times(
                         Zm, Wn, nzap[o] + (size_t)q * (size_t)(d->kd * k2) + k * d->kd, d->kd));
        rom_dmat_destroy(&Zm);
        rom_dmat_destroy(&Wn);
      }
      if (rom->symmetric) {
        for (rom_int j = 0; j < k; ++j)
          for (rom_int i = k; i < k2; ++i)
            Aq[i + j * k2] = Aq[j + i * k2];
      } else {
        for (rom_int j = 0; j < k; ++j)
          ROM_TRY(ctx, rom_model_apply_operator_term(model, q, Vd + j * ldV, Wd + j * ldW));
        rom_dmat *Wo = NULL;
        ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k, Wd, ldW, &Wo));
        err = rom_dmat_transpose_times(Vn, Wo, C, kn); /* kn x k */
        rom_dmat_destroy(&Wo);
        ROM_TRY(ctx, err);
        for (rom_int j = 0; j < k; ++j)
          for (rom_int i = 0; i < kn; ++i)
            Aq[k + i + j * k2] = C[i + j * kn];
      }
    }
    for (int q = 0; q < Qf; ++q) {
      ROM_TRY(ctx, rom_model_rhs_term(model, q, Wd));
      ROM_TRY(ctx, rom_dmat_transpose_times_vector(Vn, Wd, C));
      for (rom_int i = 0; i < kn; ++i)
        nw->R[k + i + q * k2] = C[i];
    }
    /* mass */
    for (rom_int j = 0; j < kn; ++j)
      ROM_TRY(ctx, rom_model_apply_mass(model, Vd + (k + j) * ldV, Wd + j * ldW));
    if (ref)
      ROM_TRY(ctx, rom_model_apply_mass(model, ref, Wd + kn * ldW));
    else if (L > 0)
      memset(Wd + kn * ldW, 0, sizeof(double) * (size_t)L);
    ROM_TRY(ctx, rom_dmat_transpose_times(V, Wk, C, k2));
    for (rom_int j = 0; j < kn; ++j)
      for (rom_int i = 0; i < k2; ++i)
        nw->M[i + (k + j) * k2] = C[i + j * k2];
    for (rom_int i = k; i < k2; ++i)
      nw->m_ref[i] = C[i + kn * k2];
    if (rom->mass_symmetric) {
      for (rom_int j = 0; j < k; ++j)
        for (rom_int i = k; i < k2; ++i)
          nw->M[i + j * k2] = nw->M[j + i * k2];
    } else {
      for (rom_int j = 0; j < k; ++j)
        ROM_TRY(ctx, rom_model_apply_mass(model, Vd + j * ldV, Wd + j * ldW));
      rom_dmat *Wo = NULL;
      ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k, Wd, ldW, &Wo));
      err = rom_dmat_transpose_times(Vn, Wo, C, kn);
      rom_dmat_destroy(&Wo);
      ROM_TRY(ctx, err);
      for (rom_int j = 0; j < k; ++j)
        for (rom_int i = 0; i < kn; ++i)
          nw->M[k + i + j * k2] = C[i + j * kn];
    }
    /* outputs: the new columns of l^r */
    if (rom->num_outputs > 0) {
      const int no = rom->num_outputs;
      ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(no * k2), (void **)&outL));
      for (int o = 0; o < no; ++o) {
        memcpy(outL + o * k2, rom->out_L + o * k, sizeof(double) * (size_t)k);
        ROM_TRY(ctx, rom_dmat_transpose_times_vector(Vn, rom->out_w + (size_t)o * (size_t)L, C));
        memcpy(outL + o * k2 + k, C, sizeof(double) * (size_t)kn);
      }
      ROM_MPI(ctx, MPI_Bcast(outL, (int)(no * k2), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
    }
    MPI_Comm comm = rom_ctx_comm(ctx);
    ROM_MPI(ctx, MPI_Bcast(nw->A, (int)(kk2 * Qa), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(nw->R, (int)(k2 * (Qf + Qa)), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(nw->M, (int)kk2, MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(nw->m_ref, (int)k2, MPI_DOUBLE, 0, comm));
    for (int o = 0; o < nout; ++o)
      if (nzap[o])
        ROM_MPI(ctx, MPI_Bcast(nzap[o], (int)(rom->dual[o].kd * k2 * Qa), MPI_DOUBLE, 0, comm));
    rom_affine_rom_classify(nw);
  }
  /* The estimator: the new vectors' terms, orthonormalised against the kept ones. */
  if (rom->est && rom->rs.have_vectors && rom->rs.L == L) {
    const rom_int nt = rom_affine_est_terms(rom, k2), ld = ld_of(L);
    /* Room grows geometrically: a basis extended a few vectors at a time (a greedy, a trust
     * region) would otherwise copy and zero all representers (2 x nt x L values) each time. */
    const rom_int room = nt > rom->rs.cap && nt < 2 * rom->rs.cap ? 2 * rom->rs.cap : nt;
    double *c2 = NULL;
    ROM_TRY_ALL(ctx, rom_riesz_reserve(ctx, &rom->rs, L, room, room));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nt, (void **)&c2));
    rom_free(ctx, rom->est_c);
    rom->est_c = c2;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)ld, (void **)&v));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(3 * ld), (void **)&work));
    ROM_TRY(ctx, add_basis_terms(rom, model, basis, k, k2, v, work));
    ROM_TRY(ctx, rom_riesz_bcast(ctx, &rom->rs));
  } else if (rom->est) {
    rom_affine_rom_free_estimator(rom); /* no representers kept: rebuild it */
  }
  /* The duals with their vectors get the new columns; the others (read from a file) are
   * dropped: set them again. */
  for (int o = 0; o < nout && rom->dual; ++o) {
    if (nzap[o]) {
      rom_free(ctx, rom->dual[o].ZAP);
      rom->dual[o].ZAP = nzap[o];
      nzap[o] = NULL;
    } else {
      rom_affine_dual_free(ctx, &rom->dual[o]);
    }
  }
  swap_reduced(rom, nw);
  if (outL) {
    rom_free(ctx, rom->out_L);
    rom->out_L = outL;
    outL = NULL;
  }
cleanup:
  if (err != ROM_OK && rom->est && rom->rs.nterms != rom_affine_est_terms(rom, rom->k))
    rom_affine_rom_free_estimator(rom); /* half extended: unusable */
  rom_dmat_destroy(&Wk);
  rom_dmat_destroy(&W);
  rom_dmat_destroy(&Vn);
  rom_dmat_destroy(&Vo);
  rom_affine_rom_destroy(&nw);
  rom_free(ctx, C);
  rom_free(ctx, v);
  rom_free(ctx, work);
  rom_free(ctx, outL);
  for (int o = 0; o < nout && nzap; ++o)
    rom_free(ctx, nzap[o]);
  rom_free(ctx, nzap);
  rom_dmat_destroy(&Zm);
  rom_dmat_destroy(&Wn);
  return err;
}
