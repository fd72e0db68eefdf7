/* The host model: a table of callbacks into the host's full-order model.
 *
 * The callbacks act on the host's own distributed vectors and are collective (the host
 * may exchange halos inside them). Two rules keep every rank in step:
 *  - argument checks of the collective calls are agreed over the ranks first
 *    (ROM_CHECK_ALL), so a bad argument on one rank cannot leave the others waiting in
 *    the host's own communication;
 *  - a non-zero return from the host is agreed after the call, so every rank reports
 *    ROM_ERR_CALLBACK, naming the callback and the term q (on the ranks where the host
 *    succeeded, the sentence says it failed on another rank).
 * The coefficient functions theta(mu), phi(mu) are not collective: they are cheap,
 * rank-local functions of the parameter vector. */
#include "core/check.h"
#include "core/output_guard.h"
#include "model/model_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int rom_model_create(rom_ctx *ctx, rom_int local_rows, int num_parameters, void *user,
                     rom_model **out) {
  int err = ROM_OK;
  rom_model *m = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, local_rows >= 0, ROM_ERR_ARG, "local_rows = %lld must be >= 0",
                (long long)local_rows);
  ROM_CHECK_ALL(ctx, num_parameters >= 0, ROM_ERR_ARG, "num_parameters = %d must be >= 0",
                num_parameters);
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *m, (void **)&m));
  m->ctx = ctx;
  m->local_rows = local_rows;
  m->num_parameters = num_parameters;
  m->user = user;
  *out = m;
  m = NULL;
cleanup:
  rom_free(ctx, m);
  return err;
}

int rom_model_destroy(rom_model **pm) {
  if (!pm || !*pm) return ROM_OK;
  rom_free((*pm)->ctx, *pm);
  *pm = NULL;
  return ROM_OK;
}

int rom_model_set_affine_operator(rom_model *m, int nterms, rom_apply_term_fn apply,
                                  rom_coefficients_fn theta) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  ROM_CHECK(m->ctx, nterms >= 1, ROM_ERR_ARG,
            "the affine operator needs at least one term (nterms = %d)", nterms);
  ROM_CHECK(m->ctx, apply != NULL, ROM_ERR_ARG, "the callback that applies A_q must not be NULL");
  m->op.nterms = nterms;
  m->op.apply = apply;
  m->op.coefficients = theta;
cleanup:
  return err;
}

int rom_model_set_affine_operator_transpose(rom_model *m, rom_apply_term_fn apply_transpose) {
  if (!m) return ROM_ERR_ARG;
  m->op.apply_transpose = apply_transpose;
  return ROM_OK;
}

int rom_model_has_operator_transpose(const rom_model *m) {
  return m && m->op.apply_transpose ? 1 : 0;
}

int rom_model_set_affine_rhs(rom_model *m, int nterms, rom_vector_term_fn term,
                             rom_coefficients_fn phi) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  ROM_CHECK(m->ctx, nterms >= 1, ROM_ERR_ARG,
            "the affine right-hand side needs at least one term (nterms = %d)", nterms);
  ROM_CHECK(m->ctx, term != NULL, ROM_ERR_ARG, "the callback that returns f_q must not be NULL");
  m->rhs.nterms = nterms;
  m->rhs.term = term;
  m->rhs.coefficients = phi;
cleanup:
  return err;
}

int rom_model_set_mass(rom_model *m, rom_apply_fn apply_mass) {
  if (!m) return ROM_ERR_ARG;
  m->apply_mass = apply_mass; /* NULL restores the identity */
  return ROM_OK;
}

int rom_model_set_affine_solve(rom_model *m, rom_affine_solve_fn solve) {
  if (!m) return ROM_ERR_ARG;
  m->affine_solve = solve; /* NULL removes it */
  return ROM_OK;
}

long rom_model_affine_solve_count(const rom_model *m) {
  return m ? m->affine_solves : 0;
}

int rom_model_has_affine_solve(const rom_model *m) {
  return m && m->affine_solve ? 1 : 0;
}

rom_ctx *rom_model_ctx(const rom_model *m) {
  return m ? m->ctx : NULL;
}
rom_int rom_model_local_rows(const rom_model *m) {
  return m ? m->local_rows : 0;
}
int rom_model_num_parameters(const rom_model *m) {
  return m ? m->num_parameters : 0;
}
int rom_model_operator_terms(const rom_model *m) {
  return m ? m->op.nterms : 0;
}
int rom_model_rhs_terms(const rom_model *m) {
  return m ? m->rhs.nterms : 0;
}

/* ---- the guard around every call into the host ------------------------------------------
 *
 * Every output buffer is filled with romkit's NaN marker before the call
 * (core/output_guard.h) and scanned after it, so a callback that returns 0 without writing
 * its output (or writes NaN or Inf) is ROM_ERR_CALLBACK naming the callback, the output and
 * the first bad position, instead of a silent wrong answer. An output that aliases an input
 * is not filled (only scanned). A non-finite value the host computed from a non-finite
 * input state (a diverging ROM iterate) is not the host's fault: it passes, and the
 * caller's own divergence check reports it (librom/online/nonlinear_rom.c). */
typedef struct {
  const char *what; /* the callback, as messages name it */
  const char *name; /* the output argument */
  int q;            /* the affine term, or -1 */
  double *y;        /* rows x cols, leading dimension ld */
  rom_int rows, cols, ld;
  const double *in; /* input state whose non-finite values excuse a non-finite output */
  rom_int in_rows, in_cols, in_ld;
} call_guard;

static call_guard guard_make(const char *what, const char *name, int q, double *y, rom_int rows,
                             rom_int cols, rom_int ld) {
  call_guard g;
  memset(&g, 0, sizeof g);
  g.what = what;
  g.name = name;
  g.q = q;
  g.y = y;
  g.rows = rows;
  g.cols = cols;
  g.ld = ld > 0 ? ld : 1;
  return g;
}

/* Fills the output with the marker unless it overlaps an input (x: nx doubles from x). */
static void guard_arm(const call_guard *g, const double *x, rom_int nx, const double *x2,
                      rom_int nx2) {
  rom_int ny = g->rows > 0 && g->cols > 0 ? g->ld * (g->cols - 1) + g->rows : 0;
  if (ny == 0 || rom_output_overlaps(g->y, ny, x, nx) || rom_output_overlaps(g->y, ny, x2, nx2))
    return;
  rom_output_poison(g->y, g->rows, g->cols, g->ld);
}

/* Local verdict on the call: 0 fine, 1 the host returned non-zero, 2 output left
 * unwritten, 3 non-finite output for a finite input; the message on ctx if not 0. */
static int guard_verdict(rom_model *m, const call_guard *g, int rc, const char *func) {
  rom_int row = -1, col = -1, count = 0;
  double value = 0.0;
  int unwritten = 0;
  char where[96] = "";
  char term[48] = "";
  if (g->q >= 0) snprintf(term, sizeof term, " for term q = %d", g->q);
  if (rc != 0) {
    rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                  "the host's %s callback returned %d%s on rank %d", g->what, rc, term,
                  rom_ctx_rank(m->ctx));
    return 1;
  }
  if (rom_output_first_bad(g->y, g->rows, g->cols, g->ld, &row, &col, &value, &unwritten, &count) <
      0)
    return 0;
  if (!unwritten && g->in &&
      rom_output_first_bad(g->in, g->in_rows, g->in_cols, g->in_ld, NULL, NULL, NULL, NULL, NULL) >=
          0)
    return 0; /* non-finite in, non-finite out: the caller's divergence check */
  if (g->cols > 1)
    snprintf(where, sizeof where, "%s[row %lld, column %lld]", g->name, (long long)row,
             (long long)col);
  else
    snprintf(where, sizeof where, "%s[%lld]", g->name, (long long)row);
  if (unwritten) {
    rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                  "the host's %s callback returned 0%s on rank %d but left %s unwritten (%lld "
                  "of %lld values non-finite): romkit fills every output with NaN before the "
                  "call, and the callback must overwrite all of them in place (in Python "
                  "write into the array given, `%s[:] = ...`, never rebind it)",
                  g->what, term, rom_ctx_rank(m->ctx), where, (long long)count,
                  (long long)(g->rows * g->cols), g->name);
    return 2;
  }
  rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                "the host's %s callback%s on rank %d wrote a non-finite value %s = %g (%lld "
                "of %lld values NaN or Inf) for a finite input",
                g->what, term, rom_ctx_rank(m->ctx), where, value, (long long)count,
                (long long)(g->rows * g->cols));
  return 3;
}

/* After a collective callback: the verdict agreed over all ranks (one reduction, as the
 * return code alone needed): ROM_OK everywhere, or ROM_ERR_CALLBACK everywhere (the
 * ranks where the call was fine say it failed on another rank). */
static int guard_agree(rom_model *m, const call_guard *g, int rc, const char *func) {
  int verdict = guard_verdict(m, g, rc, func);
  if (rom_all_ok(m->ctx, verdict == 0)) return ROM_OK;
  if (verdict != 0) return ROM_ERR_CALLBACK;
  if (g->q >= 0)
    return rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                         "the host's %s callback failed on another rank for term q = %d", g->what,
                         g->q);
  return rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                       "the host's %s callback failed on another rank", g->what);
}

/* After a rank-local callback. */
static int guard_local(rom_model *m, const call_guard *g, int rc, const char *func) {
  return guard_verdict(m, g, rc, func) == 0 ? ROM_OK : ROM_ERR_CALLBACK;
}

int rom_model_apply_operator_term(rom_model *m, int q, const double *x_local, double *y_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK_ALL(ctx, m->op.apply != NULL, ROM_ERR_STATE,
                "the model has no affine operator: call rom_model_set_affine_operator");
  ROM_CHECK_ALL(ctx, q >= 0 && q < m->op.nterms, ROM_ERR_ARG,
                "operator term q = %d is out of range: the model has %d operator terms "
                "(q = 0..%d)",
                q, m->op.nterms, m->op.nterms - 1);
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || (x_local != NULL && y_local != NULL), ROM_ERR_ARG,
                "x_local and y_local must not be NULL on a rank with %lld local rows",
                (long long)m->local_rows);
  {
    call_guard g = guard_make("operator-term (apply A_q)", "y_local", q, y_local, m->local_rows, 1,
                              m->local_rows);
    guard_arm(&g, x_local, m->local_rows, NULL, 0);
    int rc = m->op.apply(m->user, q, x_local, y_local);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_apply_operator_term_transpose(rom_model *m, int q, const double *x_local,
                                            double *y_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK_ALL(ctx, m->op.apply != NULL, ROM_ERR_STATE,
                "the model has no affine operator: call rom_model_set_affine_operator");
  ROM_CHECK_ALL(ctx, m->op.apply_transpose != NULL, ROM_ERR_STATE,
                "the model cannot apply A_q^T: call rom_model_set_affine_operator_transpose");
  ROM_CHECK_ALL(ctx, q >= 0 && q < m->op.nterms, ROM_ERR_ARG,
                "operator term q = %d is out of range: the model has %d operator terms "
                "(q = 0..%d)",
                q, m->op.nterms, m->op.nterms - 1);
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || (x_local != NULL && y_local != NULL), ROM_ERR_ARG,
                "x_local and y_local must not be NULL on a rank with %lld local rows",
                (long long)m->local_rows);
  {
    call_guard g = guard_make("transposed operator-term (apply A_q^T)", "y_local", q, y_local,
                              m->local_rows, 1, m->local_rows);
    guard_arm(&g, x_local, m->local_rows, NULL, 0);
    int rc = m->op.apply_transpose(m->user, q, x_local, y_local);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_affine_solve(rom_model *m, const double *theta, double shift, double scale,
                           int transpose, const double *b_local, double *x_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  int bad = -1;
  ROM_CHECK_ALL(ctx, m->affine_solve != NULL, ROM_ERR_STATE,
                "the model has no linear solver: call rom_model_set_affine_solve");
  ROM_CHECK_ALL(ctx, m->op.nterms > 0, ROM_ERR_STATE,
                "the model has no affine operator: call rom_model_set_affine_operator");
  ROM_CHECK_ALL(ctx, theta != NULL, ROM_ERR_ARG, "theta must not be NULL (%d coefficients)",
                m->op.nterms);
  for (int q = 0; q < m->op.nterms && bad < 0; ++q)
    if (!isfinite(theta[q])) bad = q;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE, "theta[%d] = %g is not finite", bad,
                bad >= 0 ? theta[bad] : 0.0);
  ROM_CHECK_ALL(ctx, isfinite(shift) && isfinite(scale), ROM_ERR_NOT_FINITE,
                "shift = %g and scale = %g must be finite", shift, scale);
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || (b_local != NULL && x_local != NULL), ROM_ERR_ARG,
                "b_local and x_local must not be NULL on a rank with %lld local rows",
                (long long)m->local_rows);
  ROM_CHECK_ALL(ctx, !rom_output_overlaps(x_local, m->local_rows, b_local, m->local_rows),
                ROM_ERR_ARG, "x_local and b_local must not overlap");
  {
    call_guard g = guard_make("linear solve (B^-1 b)", "x_local", -1, x_local, m->local_rows, 1,
                              m->local_rows);
    guard_arm(&g, b_local, m->local_rows, NULL, 0);
    int rc = m->affine_solve(m->user, theta, shift, scale, transpose ? 1 : 0, b_local, x_local);
    m->affine_solves++;
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_rhs_term(rom_model *m, int q, double *f_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK_ALL(ctx, m->rhs.term != NULL, ROM_ERR_STATE,
                "the model has no affine right-hand side: call rom_model_set_affine_rhs");
  ROM_CHECK_ALL(ctx, q >= 0 && q < m->rhs.nterms, ROM_ERR_ARG,
                "right-hand-side term q = %d is out of range: the model has %d rhs terms "
                "(q = 0..%d)",
                q, m->rhs.nterms, m->rhs.nterms - 1);
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || f_local != NULL, ROM_ERR_ARG,
                "f_local must not be NULL on a rank with %lld local rows",
                (long long)m->local_rows);
  {
    call_guard g =
        guard_make("rhs-term (f_q)", "f_local", q, f_local, m->local_rows, 1, m->local_rows);
    guard_arm(&g, NULL, 0, NULL, 0);
    int rc = m->rhs.term(m->user, q, f_local);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_apply_mass(rom_model *m, const double *x_local, double *y_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || (x_local != NULL && y_local != NULL), ROM_ERR_ARG,
                "x_local and y_local must not be NULL on a rank with %lld local rows",
                (long long)m->local_rows);
  if (!m->apply_mass) {
    /* Identity mass: no host call, so nothing to agree on. */
    if (m->local_rows > 0 && x_local != y_local)
      memmove(y_local, x_local, sizeof(double) * (size_t)m->local_rows);
    goto cleanup;
  }
  {
    call_guard g =
        guard_make("mass (apply M)", "y_local", -1, y_local, m->local_rows, 1, m->local_rows);
    guard_arm(&g, x_local, m->local_rows, NULL, 0);
    int rc = m->apply_mass(m->user, x_local, y_local);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_operator_coefficients(rom_model *m, const double *mu, double *theta) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx, m->op.nterms > 0, ROM_ERR_STATE,
            "the model has no affine operator: call rom_model_set_affine_operator");
  ROM_CHECK(ctx, m->op.coefficients != NULL, ROM_ERR_STATE,
            "the model has no operator coefficient function theta(mu): it was set with "
            "theta = NULL, so pass the coefficient values directly");
  ROM_CHECK(ctx, theta != NULL && (mu != NULL || m->num_parameters == 0), ROM_ERR_ARG,
            "theta must not be NULL, and mu must not be NULL for a model with %d parameters",
            m->num_parameters);
  {
    call_guard g =
        guard_make("operator coefficient theta(mu)", "theta", -1, theta, m->op.nterms, 1, 1);
    guard_arm(&g, mu, m->num_parameters, NULL, 0);
    int rc = m->op.coefficients(m->user, mu, theta);
    ROM_TRY(ctx, guard_local(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_rhs_coefficients(rom_model *m, const double *mu, double *phi) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx, m->rhs.nterms > 0, ROM_ERR_STATE,
            "the model has no affine right-hand side: call rom_model_set_affine_rhs");
  ROM_CHECK(ctx, m->rhs.coefficients != NULL, ROM_ERR_STATE,
            "the model has no rhs coefficient function phi(mu): it was set with phi = NULL, "
            "so pass the coefficient values directly");
  ROM_CHECK(ctx, phi != NULL && (mu != NULL || m->num_parameters == 0), ROM_ERR_ARG,
            "phi must not be NULL, and mu must not be NULL for a model with %d parameters",
            m->num_parameters);
  {
    call_guard g = guard_make("rhs coefficient phi(mu)", "phi", -1, phi, m->rhs.nterms, 1, 1);
    guard_arm(&g, mu, m->num_parameters, NULL, 0);
    int rc = m->rhs.coefficients(m->user, mu, phi);
    ROM_TRY(ctx, guard_local(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_set_coefficient_derivatives(rom_model *m, rom_coefficient_derivatives_fn dtheta,
                                          rom_coefficient_derivatives_fn dphi) {
  if (!m) return ROM_ERR_ARG;
  m->op.derivatives = dtheta; /* NULL: central differences of theta(mu) */
  m->rhs.derivatives = dphi;
  return ROM_OK;
}

/* d coefficient / d mu (nterms x p, column-major): the host's callback, or central
 * differences of the coefficient function (docs in model.h). `rhs` selects phi. */
static int coefficient_derivatives(rom_model *m, int rhs, const double *mu, double *d,
                                   const char *func) {
  int err = ROM_OK;
  rom_ctx *ctx = m->ctx;
  const int nterms = rhs ? m->rhs.nterms : m->op.nterms, p = m->num_parameters;
  rom_coefficients_fn coef = rhs ? m->rhs.coefficients : m->op.coefficients;
  rom_coefficient_derivatives_fn deriv = rhs ? m->rhs.derivatives : m->op.derivatives;
  const char *what = rhs ? "rhs coefficient derivative d phi / d mu"
                         : "operator coefficient derivative d theta / d mu";
  double *mu_h = NULL, *plus = NULL, *minus = NULL;
  ROM_CHECK(ctx, nterms > 0, ROM_ERR_STATE, "the model has no affine %s: call %s",
            rhs ? "right-hand side" : "operator",
            rhs ? "rom_model_set_affine_rhs" : "rom_model_set_affine_operator");
  ROM_CHECK(ctx, d != NULL && (mu != NULL || p == 0), ROM_ERR_ARG,
            "the derivative array (%d x %d values) must not be NULL, and mu must not be NULL",
            nterms, p);
  if (p == 0) goto cleanup;
  if (deriv) {
    call_guard g = guard_make(what, rhs ? "dphi" : "dtheta", -1, d, nterms, p, nterms);
    guard_arm(&g, mu, p, NULL, 0);
    int rc = deriv(m->user, mu, d);
    ROM_TRY(ctx, guard_local(m, &g, rc, func));
    goto cleanup;
  }
  ROM_CHECK(ctx, coef != NULL, ROM_ERR_STATE,
            "the model has neither a %s callback nor a coefficient function %s to difference "
            "(rom_model_set_coefficient_derivatives)",
            what, rhs ? "phi(mu)" : "theta(mu)");
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)p, (void **)&mu_h));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nterms, (void **)&plus));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nterms, (void **)&minus));
  memcpy(mu_h, mu, sizeof(double) * (size_t)p);
  for (int j = 0; j < p; ++j) {
    /* eps^(1/3) balances the O(h^2) truncation against the O(eps/h) rounding error of a
     * central difference (Nocedal, Wright, "Numerical Optimization", 2006, sec. 8.1). */
    const double rel = cbrt(2.220446049250313e-16);
    const double h = mu[j] != 0.0 ? rel * fabs(mu[j]) : rel;
    mu_h[j] = mu[j] + h;
    ROM_TRY(ctx, rhs ? rom_model_rhs_coefficients(m, mu_h, plus)
                     : rom_model_operator_coefficients(m, mu_h, plus));
    mu_h[j] = mu[j] - h;
    ROM_TRY(ctx, rhs ? rom_model_rhs_coefficients(m, mu_h, minus)
                     : rom_model_operator_coefficients(m, mu_h, minus));
    mu_h[j] = mu[j];
    /* (mu + h) - (mu - h) in floating point, so the quotient uses the step taken. */
    const double step = (mu[j] + h) - (mu[j] - h);
    for (int q = 0; q < nterms; ++q)
      d[q + (size_t)nterms * (size_t)j] = (plus[q] - minus[q]) / step;
  }
cleanup:
  rom_free(ctx, mu_h);
  rom_free(ctx, plus);
  rom_free(ctx, minus);
  return err;
}

int rom_model_operator_coefficient_derivatives(rom_model *m, const double *mu, double *dtheta) {
  if (!m) return ROM_ERR_ARG;
  return coefficient_derivatives(m, 0, mu, dtheta, __func__);
}

int rom_model_rhs_coefficient_derivatives(rom_model *m, const double *mu, double *dphi) {
  if (!m) return ROM_ERR_ARG;
  return coefficient_derivatives(m, 1, mu, dphi, __func__);
}

/* ---- Nonlinear time-dependent problems -------------------------------------------------
 *
 * du/dt = F(u, t; mu), the semi-discrete form of Kim, Choi, Widemann, Zohdi, J. Comput.
 * Phys. 451 (2022), eq. (1): the host gives F and dF/du, romkit applies the time
 * discretisation. The collective wrappers follow the linear part's two rules (argument
 * checks agreed first, the host's return code agreed after). The sampled calls are not
 * collective (every rank evaluates the same few rows of the sample mesh), so their
 * checks and errors are rank-local. */

int rom_model_set_velocity(rom_model *m, rom_velocity_fn velocity,
                           rom_velocity_jacobian_fn jacobian) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  ROM_CHECK(m->ctx, velocity != NULL, ROM_ERR_ARG,
            "the velocity callback F(u, t; mu) must not be NULL");
  m->nl.velocity = velocity;
  m->nl.jacobian = jacobian;
cleanup:
  return err;
}

int rom_model_set_velocity_jacobian_csr(rom_model *m, rom_velocity_jacobian_csr_fn jacobian_csr) {
  if (!m) return ROM_ERR_ARG;
  m->nl.jacobian_csr = jacobian_csr; /* NULL removes it */
  return ROM_OK;
}

int rom_model_set_sampled_velocity(rom_model *m, rom_stencil_fn stencil,
                                   rom_velocity_sampled_fn velocity,
                                   rom_velocity_jacobian_sampled_fn jacobian) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  ROM_CHECK(m->ctx, stencil != NULL, ROM_ERR_ARG,
            "the stencil callback must not be NULL (hyper-reduction needs the sample mesh)");
  ROM_CHECK(m->ctx, velocity != NULL, ROM_ERR_ARG,
            "the sampled-velocity callback must not be NULL");
  m->sampled.stencil = stencil;
  m->sampled.velocity = velocity;
  m->sampled.jacobian = jacobian;
cleanup:
  return err;
}

int rom_model_set_sample_mesh_setup(rom_model *m, rom_sample_mesh_setup_fn setup) {
  if (!m) return ROM_ERR_ARG;
  m->sampled.setup = setup; /* NULL removes it */
  return ROM_OK;
}

unsigned rom_model_callbacks(const rom_model *m) {
  unsigned f = 0;
  if (!m) return 0;
  if (m->nl.velocity) f |= ROM_MODEL_HAS_VELOCITY;
  if (m->nl.jacobian) f |= ROM_MODEL_HAS_JACOBIAN;
  if (m->nl.jacobian_csr) f |= ROM_MODEL_HAS_JACOBIAN_CSR;
  if (m->sampled.velocity && m->sampled.stencil) f |= ROM_MODEL_HAS_SAMPLED_VELOCITY;
  if (m->sampled.jacobian) f |= ROM_MODEL_HAS_SAMPLED_JACOBIAN;
  if (m->sampled.setup) f |= ROM_MODEL_HAS_SAMPLE_MESH_SETUP;
  if (m->op.apply) f |= ROM_MODEL_HAS_AFFINE_OPERATOR;
  if (m->rhs.term) f |= ROM_MODEL_HAS_AFFINE_RHS;
  return f;
}

int rom_model_sample_mesh_setup(rom_model *m, rom_int nrows, const rom_int *rows, rom_int nneeded,
                                const rom_int *needed) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx,
            nrows >= 0 && nneeded >= 0 && (nrows == 0 || rows != NULL) &&
                (nneeded == 0 || needed != NULL),
            ROM_ERR_ARG, "nrows = %lld, nneeded = %lld must be >= 0 and the arrays non-NULL",
            (long long)nrows, (long long)nneeded);
  if (!m->sampled.setup) goto cleanup;
  {
    int rc = m->sampled.setup(m->user, nrows, rows, nneeded, needed);
    ROM_CHECK(ctx, rc == 0, ROM_ERR_CALLBACK,
              "the host's sample-mesh setup callback returned %d (%lld sampled rows, %lld rows "
              "on the sample mesh)",
              rc, (long long)nrows, (long long)nneeded);
  }
cleanup:
  return err;
}

/* Collective: mu present when the model has parameters, state arrays present on ranks
 * with rows. */
static int check_nonlinear_args(rom_model *m, const double *mu, const double *a, const double *b,
                                const char *names, const char *func) {
  int err = ROM_OK;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK_ALL(ctx, m->nl.velocity != NULL, ROM_ERR_STATE,
                "%s: the model has no velocity F(u, t; mu): call rom_model_set_velocity", func);
  ROM_CHECK_ALL(ctx, mu != NULL || m->num_parameters == 0, ROM_ERR_ARG,
                "%s: mu must not be NULL for a model with %d parameters", func, m->num_parameters);
  ROM_CHECK_ALL(ctx, m->local_rows == 0 || (a != NULL && b != NULL), ROM_ERR_ARG,
                "%s: %s must not be NULL on a rank with %lld local rows", func, names,
                (long long)m->local_rows);
cleanup:
  return err;
}

int rom_model_velocity(rom_model *m, const double *u_local, double t, const double *mu,
                       double *F_local) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_TRY(ctx, check_nonlinear_args(m, mu, u_local, F_local, "u_local and F_local", __func__));
  {
    call_guard g =
        guard_make("velocity F(u, t; mu)", "F_local", -1, F_local, m->local_rows, 1, m->local_rows);
    g.in = u_local, g.in_rows = m->local_rows, g.in_cols = 1, g.in_ld = m->local_rows;
    guard_arm(&g, u_local, m->local_rows, NULL, 0);
    int rc = m->nl.velocity(m->user, u_local, t, mu, F_local);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_velocity_jacobian(rom_model *m, const double *u_local, double t, const double *mu,
                                rom_int ncols, const double *X_local, rom_int ldx, double *Y_local,
                                rom_int ldy) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  const rom_int L = m->local_rows;
  ROM_CHECK_ALL(ctx, m->nl.jacobian != NULL, ROM_ERR_STATE,
                "the model has no Jacobian action dF/du X: pass it to rom_model_set_velocity");
  ROM_TRY(ctx, check_nonlinear_args(m, mu, u_local, u_local, "u_local", __func__));
  ROM_CHECK_ALL(ctx, ncols >= 0, ROM_ERR_ARG, "ncols = %lld must be >= 0", (long long)ncols);
  {
    /* Every rank must ask for the same number of columns: the host communicates per
     * column. */
    rom_int mm[2] = {ncols, -ncols}, g[2] = {0, 0};
    ROM_MPI(ctx, MPI_Allreduce(mm, g, 2, MPI_INT64_T, MPI_MAX, rom_ctx_comm(ctx)));
    ROM_CHECK(ctx, g[0] == -g[1], ROM_ERR_ARG,
              "ncols must be the same on every rank (this rank: %lld, range over ranks "
              "%lld..%lld)",
              (long long)ncols, (long long)-g[1], (long long)g[0]);
  }
  ROM_CHECK_ALL(ctx, ldx >= L && ldy >= L && ldx >= 1 && ldy >= 1, ROM_ERR_ARG,
                "leading dimensions ldx = %lld and ldy = %lld must be >= max(1, local_rows = "
                "%lld)",
                (long long)ldx, (long long)ldy, (long long)L);
  ROM_CHECK_ALL(ctx, L == 0 || ncols == 0 || (X_local != NULL && Y_local != NULL), ROM_ERR_ARG,
                "X_local and Y_local must not be NULL on a rank with %lld local rows and %lld "
                "columns",
                (long long)L, (long long)ncols);
  if (ncols == 0) goto cleanup; /* the same on every rank: nothing to apply */
  {
    call_guard g =
        guard_make("velocity Jacobian action dF/du X", "Y_local", -1, Y_local, L, ncols, ldy);
    g.in = u_local, g.in_rows = L, g.in_cols = 1, g.in_ld = L;
    guard_arm(&g, u_local, L, X_local, L > 0 ? ldx * (ncols - 1) + L : 0);
    int rc = m->nl.jacobian(m->user, u_local, t, mu, ncols, X_local, ldx, Y_local, ldy);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_velocity_jacobian_csr(rom_model *m, const double *u_local, double t, const double *mu,
                                    rom_csr *J) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  const rom_int L = m->local_rows;
  ROM_CHECK_ALL(ctx, m->nl.jacobian_csr != NULL, ROM_ERR_STATE,
                "the model has no assembled Jacobian: call rom_model_set_velocity_jacobian_csr");
  ROM_TRY(ctx, check_nonlinear_args(m, mu, u_local, u_local, "u_local", __func__));
  ROM_CHECK_ALL(ctx, J != NULL, ROM_ERR_ARG, "J must not be NULL");
  if (m->nl.global_rows == 0)
    ROM_MPI(ctx, MPI_Allreduce(&m->local_rows, &m->nl.global_rows, 1, MPI_INT64_T, MPI_SUM,
                               rom_ctx_comm(ctx)));
  memset(J, 0, sizeof *J);
  {
    int rc = m->nl.jacobian_csr(m->user, u_local, t, mu, J);
    /* the host's own arrays: nothing to fill, the values are checked below */
    call_guard g = guard_make("assembled velocity Jacobian (CSR)", "values", -1, NULL, 0, 1, 1);
    ROM_TRY(ctx, guard_agree(m, &g, rc, __func__));
  }
  /* The host's matrix must describe this rank's rows of a square N x N matrix. */
  ROM_CHECK_ALL(ctx, J->local_rows == L && J->global_cols == m->nl.global_rows, ROM_ERR_CALLBACK,
                "the host's CSR Jacobian has %lld local rows and %lld global columns, expected "
                "%lld and %lld",
                (long long)J->local_rows, (long long)J->global_cols, (long long)L,
                (long long)m->nl.global_rows);
  {
    rom_int bad = -1;
    int ok = J->row_ptr != NULL && J->row_ptr[0] == 0 &&
             (J->row_ptr[L] == 0 || (J->col_index != NULL && J->values != NULL));
    for (rom_int l = 0; ok && l < L; ++l)
      if (J->row_ptr[l + 1] < J->row_ptr[l]) ok = 0, bad = l;
    for (rom_int k = 0; ok && k < J->row_ptr[L]; ++k)
      if (J->col_index[k] < 0 || J->col_index[k] >= m->nl.global_rows) ok = 0, bad = k;
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_CALLBACK,
                  "the host's CSR Jacobian is malformed (row_ptr must start at 0 and not "
                  "decrease, column indices must lie in 0..%lld; first bad position %lld)",
                  (long long)m->nl.global_rows - 1, (long long)bad);
  }
  {
    call_guard g = guard_make("assembled velocity Jacobian (CSR)", "values", -1,
                              (double *)J->values, J->row_ptr[L], 1, J->row_ptr[L]);
    g.in = u_local, g.in_rows = L, g.in_cols = 1, g.in_ld = L;
    ROM_TRY(ctx, guard_agree(m, &g, 0, __func__));
  }
cleanup:
  return err;
}

int rom_model_stencil(rom_model *m, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx, m->sampled.stencil != NULL, ROM_ERR_STATE,
            "the model has no stencil callback: call rom_model_set_sampled_velocity");
  ROM_CHECK(ctx, row >= 0, ROM_ERR_ARG, "row = %lld must be >= 0", (long long)row);
  ROM_CHECK(ctx, max >= 0 && (max == 0 || cols != NULL) && count != NULL, ROM_ERR_ARG,
            "count must not be NULL, max = %lld must be >= 0 and cols non-NULL when max > 0",
            (long long)max);
  *count = -1;
  {
    int rc = m->sampled.stencil(m->user, row, max, cols, count);
    ROM_CHECK(ctx, rc == 0, ROM_ERR_CALLBACK,
              "the host's stencil callback returned %d for row %lld", rc, (long long)row);
  }
  ROM_CHECK(ctx, *count >= 1, ROM_ERR_CALLBACK,
            "the host's stencil callback reported %lld columns for row %lld (at least the row "
            "itself is expected)",
            (long long)*count, (long long)row);
cleanup:
  return err;
}

/* Not collective: the sample mesh's arguments. `needed` must be strictly increasing. */
static int check_sampled_args(rom_model *m, rom_int nrows, const rom_int *rows, rom_int nneeded,
                              const rom_int *needed, const double *u_needed, const double *mu,
                              const void *out, const char *func) {
  int err = ROM_OK;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx, m->sampled.velocity != NULL, ROM_ERR_STATE,
            "%s: the model has no sampled velocity: call rom_model_set_sampled_velocity", func);
  ROM_CHECK(ctx, nrows >= 0 && nneeded >= 0, ROM_ERR_ARG,
            "%s: nrows = %lld and nneeded = %lld must be >= 0", func, (long long)nrows,
            (long long)nneeded);
  ROM_CHECK(ctx,
            (nrows == 0 || (rows != NULL && out != NULL)) &&
                (nneeded == 0 || (needed != NULL && u_needed != NULL)),
            ROM_ERR_ARG, "%s: rows, the output, needed and u_needed must not be NULL", func);
  ROM_CHECK(ctx, mu != NULL || m->num_parameters == 0, ROM_ERR_ARG,
            "%s: mu must not be NULL for a model with %d parameters", func, m->num_parameters);
  for (rom_int k = 0; k < nneeded; ++k)
    ROM_CHECK(ctx, needed[k] >= 0 && (k == 0 || needed[k] > needed[k - 1]), ROM_ERR_ARG,
              "%s: needed must be strictly increasing non-negative global rows (needed[%lld] = "
              "%lld)",
              func, (long long)k, (long long)needed[k]);
  for (rom_int k = 0; k < nrows; ++k)
    ROM_CHECK(ctx, rows[k] >= 0, ROM_ERR_ARG, "%s: rows[%lld] = %lld must be >= 0", func,
              (long long)k, (long long)rows[k]);
cleanup:
  return err;
}

int rom_model_velocity_sampled(rom_model *m, rom_int nrows, const rom_int *rows, rom_int nneeded,
                               const rom_int *needed, const double *u_needed, double t,
                               const double *mu, double *F_rows) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_TRY(ctx, check_sampled_args(m, nrows, rows, nneeded, needed, u_needed, mu, F_rows, __func__));
  {
    call_guard g = guard_make("sampled-velocity", "F_rows", -1, F_rows, nrows, 1, nrows);
    g.in = u_needed, g.in_rows = nneeded, g.in_cols = 1, g.in_ld = nneeded;
    guard_arm(&g, u_needed, nneeded, NULL, 0);
    int rc = m->sampled.velocity(m->user, nrows, rows, nneeded, needed, u_needed, t, mu, F_rows);
    ROM_TRY(ctx, guard_local(m, &g, rc, __func__));
  }
cleanup:
  return err;
}

int rom_model_velocity_jacobian_sampled(rom_model *m, rom_int nrows, const rom_int *rows,
                                        rom_int nneeded, const rom_int *needed,
                                        const double *u_needed, double t, const double *mu,
                                        rom_int ncols, const double *X, rom_int ldx, double *Y,
                                        rom_int ldy) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  ROM_CHECK(ctx, m->sampled.jacobian != NULL, ROM_ERR_STATE,
            "the model has no sampled Jacobian: pass it to rom_model_set_sampled_velocity");
  ROM_TRY(ctx, check_sampled_args(m, nrows, rows, nneeded, needed, u_needed, mu, rows, __func__));
  ROM_CHECK(ctx, ncols >= 0 && ldx >= nneeded && ldx >= 1 && ldy >= nrows && ldy >= 1, ROM_ERR_ARG,
            "ncols = %lld must be >= 0, ldx = %lld >= max(1, nneeded = %lld), ldy = %lld >= "
            "max(1, nrows = %lld)",
            (long long)ncols, (long long)ldx, (long long)nneeded, (long long)ldy, (long long)nrows);
  ROM_CHECK(ctx, ncols == 0 || ((X != NULL || nneeded == 0) && (Y != NULL || nrows == 0)),
            ROM_ERR_ARG, "X and Y must not be NULL");
  if (ncols == 0 || nrows == 0) goto cleanup;
  {
    call_guard g = guard_make("sampled-Jacobian", "Y", -1, Y, nrows, ncols, ldy);
    g.in = u_needed, g.in_rows = nneeded, g.in_cols = 1, g.in_ld = nneeded;
    guard_arm(&g, u_needed, nneeded, X, nneeded > 0 ? ldx * (ncols - 1) + nneeded : 0);
    int rc = m->sampled.jacobian(m->user, nrows, rows, nneeded, needed, u_needed, t, mu, ncols, X,
                                 ldx, Y, ldy);
    ROM_TRY(ctx, guard_local(m, &g, rc, __func__));
  }
cleanup:
  return err;
}
