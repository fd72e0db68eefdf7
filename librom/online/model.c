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
#include "online/model_impl.h"

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

/* Agree on the host's return code `rc` over all ranks: ROM_OK everywhere, or
 * ROM_ERR_CALLBACK everywhere with a sentence naming the callback (`what`) and q. */
static int agree_on_callback(rom_model *m, int rc, const char *what, int q, const char *func) {
  int err = ROM_OK;
  if (rom_all_ok(m->ctx, rc == 0)) return ROM_OK;
  if (rc != 0) {
    if (q >= 0)
      err = rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                          "the host's %s callback returned %d for term q = %d on rank %d", what, rc,
                          q, rom_ctx_rank(m->ctx));
    else
      err = rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                          "the host's %s callback returned %d on rank %d", what, rc,
                          rom_ctx_rank(m->ctx));
  } else if (q >= 0) {
    err = rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                        "the host's %s callback failed on another rank for term q = %d", what, q);
  } else {
    err = rom_error_set(m->ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, func,
                        "the host's %s callback failed on another rank", what);
  }
  return err;
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
    int rc = m->op.apply(m->user, q, x_local, y_local);
    ROM_TRY(ctx, agree_on_callback(m, rc, "operator-term (apply A_q)", q, __func__));
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
    int rc = m->rhs.term(m->user, q, f_local);
    ROM_TRY(ctx, agree_on_callback(m, rc, "rhs-term (f_q)", q, __func__));
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
    int rc = m->apply_mass(m->user, x_local, y_local);
    ROM_TRY(ctx, agree_on_callback(m, rc, "mass (apply M)", -1, __func__));
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
    int rc = m->op.coefficients(m->user, mu, theta);
    ROM_CHECK(ctx, rc == 0, ROM_ERR_CALLBACK,
              "the host's operator coefficient callback theta(mu) returned %d", rc);
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
    int rc = m->rhs.coefficients(m->user, mu, phi);
    ROM_CHECK(ctx, rc == 0, ROM_ERR_CALLBACK,
              "the host's rhs coefficient callback phi(mu) returned %d", rc);
  }
cleanup:
  return err;
}
