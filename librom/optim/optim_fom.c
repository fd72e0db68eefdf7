/* FOM output gradients by the FOM adjoint, the FOM design objective, and the ROM output
 * gradients in mu (romkit/optimize.h).
 *
 * Adjoint gradient of an output s = l^T u of A(mu) u = f(mu) (Hinze, Pinnau, Ulbrich, Ulbrich,
 * "Optimization with PDE Constraints", 2009, sec. 1.6): A^T lambda = l, then
 *     ds/dmu_j = sum_q dtheta_q/dmu_j (-lambda^T A_q u) + sum_q dphi_q/dmu_j (lambda^T f_q).
 * For the design objective J(s(mu)) one adjoint serves all outputs: its right-hand side is
 * sum_o dJ/ds_o l_o, so a gradient costs two solves with one matrix whatever the number of
 * outputs and parameters (P3's solver reuses its factorisation for the second).
 * Dot products are reduced to rank 0 and broadcast, so every rank holds rank 0's numbers bit
 * for bit and NLopt takes the same steps everywhere. */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <math.h>
#include <string.h>

double rom_optim_objective(const rom_design *d, const double *s, double *dJds) {
  double J = 0.0;
  for (int o = 0; o < d->num_outputs; ++o) {
    double g = 0.0;
    if (d->linear_weights) {
      J += d->linear_weights[o] * s[o];
      g += d->linear_weights[o];
    }
    if (d->target) {
      const double w = d->misfit_weights ? d->misfit_weights[o] : 1.0, r = s[o] - d->target[o];
      J += 0.5 * w * r * r;
      g += w * r;
    }
    if (dJds) dJds[o] = g;
  }
  return J;
}

void rom_optim_dims_init(rom_optim_dims *d, rom_model *model, const rom_design *design) {
  d->ctx = rom_model_ctx(model);
  d->model = model;
  d->design = design;
  d->p = rom_model_num_parameters(model);
  d->Qa = rom_model_operator_terms(model);
  d->Qf = rom_model_rhs_terms(model);
  d->no = design->num_outputs;
  d->L = rom_model_local_rows(model);
}

void rom_optim_fom_destroy(rom_optim_fom **pf) {
  if (!pf || !*pf) return;
  rom_optim_fom *f = *pf;
  rom_ctx *ctx = f->dim.ctx;
  double **arrays[] = {&f->F,      &f->u,    &f->f, &f->lambda, &f->W,   &f->theta, &f->phi,
                       &f->dtheta, &f->dphi, &f->s, &f->dJds,   &f->buf, &f->S};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; ++i)
    rom_free(ctx, *arrays[i]);
  rom_free(ctx, f);
  *pf = NULL;
}

int rom_optim_fom_create(rom_model *model, const rom_design *design, rom_optim_fom **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  rom_optim_fom *f = NULL;
  *out = NULL;
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *f, (void **)&f));
  rom_optim_dims_init(&f->dim, model, design);
  {
    const size_t L = (size_t)f->dim.L, p = (size_t)f->dim.p, Qa = (size_t)f->dim.Qa,
                 Qf = (size_t)f->dim.Qf;
    const size_t no = (size_t)f->dim.no;
    /* +1: a rank without rows still gets valid (unused) pointers */
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (L * Qf + 1), (void **)&f->F));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (L + 1), (void **)&f->u));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (L + 1), (void **)&f->f));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (L + 1), (void **)&f->lambda));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (L * Qa + 1), (void **)&f->W));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * Qa, (void **)&f->theta));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qf + 1), (void **)&f->phi));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qa * p + 1), (void **)&f->dtheta));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qf * p + 1), (void **)&f->dphi));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * no, (void **)&f->s));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * no, (void **)&f->dJds));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (no + Qa + Qf), (void **)&f->buf));
    for (int q = 0; q < f->dim.Qf; ++q)
      ROM_TRY(ctx, rom_model_rhs_term(model, q, f->F + L * (size_t)q));
  }
  *out = f;
  f = NULL;
cleanup:
  rom_optim_fom_destroy(&f);
  return err;
}

/* Local sums reduced on rank 0 and broadcast: the same numbers on every rank. */
static int reduce_bcast(rom_ctx *ctx, double *v, int n) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  if (rom_ctx_rank(ctx) == 0)
    ROM_MPI(ctx, MPI_Reduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, 0, comm));
  else
    ROM_MPI(ctx, MPI_Reduce(v, NULL, n, MPI_DOUBLE, MPI_SUM, 0, comm));
  ROM_MPI(ctx, MPI_Bcast(v, n, MPI_DOUBLE, 0, comm));
cleanup:
  return err;
}

/* theta, phi and f = sum phi_q f_q at mu, then u = A(theta)^{-1} f. */
static int fom_solve(rom_optim_fom *fom, const double *mu, double *u) {
  int err = ROM_OK;
  rom_ctx *ctx = fom->dim.ctx;
  const rom_int L = fom->dim.L;
  ROM_TRY(ctx, rom_model_operator_coefficients(fom->dim.model, mu, fom->theta));
  ROM_TRY(ctx, rom_model_rhs_coefficients(fom->dim.model, mu, fom->phi));
  for (rom_int i = 0; i < L; ++i) {
    double acc = 0.0;
    for (int q = 0; q < fom->dim.Qf; ++q)
      acc += fom->phi[q] * fom->F[i + L * q];
    fom->f[i] = acc;
  }
  ROM_TRY(ctx, rom_model_affine_solve(fom->dim.model, fom->theta, 0.0, 1.0, 0, fom->f, u));
  fom->solves++;
cleanup:
  return err;
}

int rom_optim_fom_state(rom_optim_fom *fom, const double *mu, double *u_local) {
  return fom_solve(fom, mu, u_local);
}

/* The outputs of u on every rank (rank 0's sums). */
static int fom_outputs(rom_optim_fom *fom, const double *L_local, const double *u, double *s) {
  const rom_int L = fom->dim.L;
  for (int o = 0; o < fom->dim.no; ++o) {
    double acc = 0.0;
    for (rom_int i = 0; i < L; ++i)
      acc += L_local[i + L * o] * u[i];
    s[o] = acc;
  }
  return reduce_bcast(fom->dim.ctx, s, fom->dim.no);
}

/* grad_j = sum_q dtheta_qj (-lambda^T A_q u) + sum_q dphi_qj (lambda^T f_q) for one adjoint
 * lambda; W = A_q u must be current. dots: Qa + Qf scratch. */
static int adjoint_gradient(rom_optim_fom *fom, const double *mu, const double *lambda,
                            double *dots, double *grad) {
  int err = ROM_OK;
  rom_ctx *ctx = fom->dim.ctx;
  const rom_int L = fom->dim.L;
  const int Qa = fom->dim.Qa, Qf = fom->dim.Qf, p = fom->dim.p;
  for (int q = 0; q < Qa; ++q) {
    double acc = 0.0;
    for (rom_int i = 0; i < L; ++i)
      acc += lambda[i] * fom->W[i + L * q];
    dots[q] = -acc;
  }
  for (int q = 0; q < Qf; ++q) {
    double acc = 0.0;
    for (rom_int i = 0; i < L; ++i)
      acc += lambda[i] * fom->F[i + L * q];
    dots[Qa + q] = acc;
  }
  ROM_TRY(ctx, reduce_bcast(ctx, dots, Qa + Qf));
  ROM_TRY(ctx, rom_model_operator_coefficient_derivatives(fom->dim.model, mu, fom->dtheta));
  if (Qf > 0) ROM_TRY(ctx, rom_model_rhs_coefficient_derivatives(fom->dim.model, mu, fom->dphi));
  for (int j = 0; j < p; ++j) {
    double g = 0.0;
    for (int q = 0; q < Qa; ++q)
      g += fom->dtheta[q + Qa * j] * dots[q];
    for (int q = 0; q < Qf; ++q)
      g += fom->dphi[q + Qf * j] * dots[Qa + q];
    grad[j] = g;
  }
cleanup:
  return err;
}

static int apply_terms(rom_optim_fom *fom, const double *u) {
  int err = ROM_OK;
  for (int q = 0; q < fom->dim.Qa; ++q)
    ROM_TRY(fom->dim.ctx,
            rom_model_apply_operator_term(fom->dim.model, q, u, fom->W + fom->dim.L * q));
cleanup:
  return err;
}

int rom_optim_fom_evaluate(rom_optim_fom *fom, const double *mu, double *J, double *grad) {
  int err = ROM_OK;
  rom_ctx *ctx = fom->dim.ctx;
  const rom_int L = fom->dim.L;
  const rom_design *d = fom->dim.design;
  ROM_TRY(ctx, fom_solve(fom, mu, fom->u));
  ROM_TRY(ctx, fom_outputs(fom, d->L_local, fom->u, fom->s));
  *J = rom_optim_objective(d, fom->s, fom->dJds);
  if (!grad) goto cleanup;
  /* One adjoint for J: A^T lambda = sum_o dJ/ds_o l_o (f is free scratch now). */
  for (rom_int i = 0; i < L; ++i) {
    double acc = 0.0;
    for (int o = 0; o < fom->dim.no; ++o)
      acc += fom->dJds[o] * d->L_local[i + L * o];
    fom->f[i] = acc;
  }
  ROM_TRY(ctx,
          rom_model_affine_solve(fom->dim.model, fom->theta, 0.0, 1.0, 1, fom->f, fom->lambda));
  fom->adjoint_solves++;
  ROM_TRY(ctx, apply_terms(fom, fom->u));
  ROM_TRY(ctx, adjoint_gradient(fom, mu, fom->lambda, fom->buf, grad));
cleanup:
  return err;
}

int rom_optim_fom_sensitivities(rom_optim_fom *fom, const double *mu) {
  int err = ROM_OK;
  rom_ctx *ctx = fom->dim.ctx;
  const rom_int L = fom->dim.L;
  const int Qa = fom->dim.Qa, Qf = fom->dim.Qf, p = fom->dim.p;
  if (!fom->S)
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(double) * ((size_t)L * (size_t)p + 1), (void **)&fom->S));
  /* dtheta, dphi at mu and W = A_q u(mu): left by rom_optim_fom_evaluate's gradient */
  ROM_TRY(ctx, rom_model_operator_coefficient_derivatives(fom->dim.model, mu, fom->dtheta));
  if (Qf > 0) ROM_TRY(ctx, rom_model_rhs_coefficient_derivatives(fom->dim.model, mu, fom->dphi));
  for (int j = 0; j < p; ++j) {
    double *col = L > 0 ? fom->S + L * (size_t)j : fom->S;
    for (rom_int i = 0; i < L; ++i) {
      double acc = 0.0;
      for (int q = 0; q < Qf; ++q)
        acc += fom->dphi[q + Qf * j] * fom->F[i + L * q];
      for (int q = 0; q < Qa; ++q)
        acc -= fom->dtheta[q + Qa * j] * fom->W[i + L * q];
      fom->f[i] = acc;
    }
    ROM_TRY(ctx, rom_model_affine_solve(fom->dim.model, fom->theta, 0.0, 1.0, 0, fom->f, col));
    fom->sensitivity_solves++;
  }
cleanup:
  return err;
}

/* ---- the public gradients ------------------------------------------------------------------ */

/* Common argument checks of both gradient functions (mu finite, the model affine). */
static int check_model(rom_ctx *ctx, rom_model *model, const double *mu, int collective) {
  int err = ROM_OK;
  int p = rom_model_num_parameters(model), bad = -1;
  int ok = rom_model_operator_terms(model) > 0;
  if (collective) {
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_STATE,
                  "the model has no affine operator: call rom_model_set_affine_operator");
    ROM_CHECK_ALL(ctx, mu != NULL || p == 0, ROM_ERR_ARG, "mu (%d values) must not be NULL", p);
  } else {
    ROM_CHECK(ctx, ok, ROM_ERR_STATE,
              "the model has no affine operator: call rom_model_set_affine_operator");
    ROM_CHECK(ctx, mu != NULL || p == 0, ROM_ERR_ARG, "mu (%d values) must not be NULL", p);
  }
  for (int j = 0; j < p && bad < 0; ++j)
    if (!isfinite(mu[j])) bad = j;
  if (collective)
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE, "mu[%d] = %g is not finite", bad,
                  bad >= 0 ? mu[bad] : 0.0);
  else
    ROM_CHECK(ctx, bad < 0, ROM_ERR_NOT_FINITE, "mu[%d] = %g is not finite", bad,
              bad >= 0 ? mu[bad] : 0.0);
cleanup:
  return err;
}

int rom_fom_output_gradients(rom_model *model, const double *mu, int num_outputs,
                             const double *L_local, double *u_local, double *lambda_local,
                             double *values, double *gradients) {
  int err = ROM_OK;
  if (!model) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(model);
  rom_optim_fom *fom = NULL;
  rom_design d;
  const rom_int L = rom_model_local_rows(model);
  memset(&d, 0, sizeof d);
  ROM_TRY(ctx, check_model(ctx, model, mu, 1));
  ROM_CHECK_ALL(ctx, num_outputs >= 1, ROM_ERR_ARG, "num_outputs = %d must be >= 1", num_outputs);
  ROM_CHECK_ALL(ctx, L_local != NULL || L == 0, ROM_ERR_ARG,
                "the output weights L_local (%lld x %d) must not be NULL", (long long)L,
                num_outputs);
  ROM_CHECK_ALL(ctx, values != NULL && gradients != NULL, ROM_ERR_ARG,
                "values (%d) and gradients (%d x %d) must not be NULL", num_outputs, num_outputs,
                rom_model_num_parameters(model));
  ROM_CHECK_ALL(ctx, rom_model_has_affine_solve(model), ROM_ERR_STATE,
                "the model has no linear solver: call rom_model_set_affine_solve");
  d.num_outputs = num_outputs;
  d.L_local = L_local;
  ROM_TRY(ctx, rom_optim_fom_create(model, &d, &fom));
  ROM_TRY(ctx, fom_solve(fom, mu, fom->u));
  ROM_TRY(ctx, fom_outputs(fom, L_local, fom->u, values));
  ROM_TRY(ctx, apply_terms(fom, fom->u));
  {
    const int p = fom->dim.p;
    for (int o = 0; o < num_outputs; ++o) {
      /* no offset from a NULL pointer on a rank without rows */
      double *lam = lambda_local && L > 0 ? lambda_local + L * o : fom->lambda;
      const double *l = L > 0 ? L_local + L * o : fom->f;
      ROM_TRY(ctx, rom_model_affine_solve(model, fom->theta, 0.0, 1.0, 1, l, lam));
      ROM_TRY(ctx, adjoint_gradient(fom, mu, lam, fom->buf, gradients + (size_t)o * (size_t)p));
    }
  }
  if (u_local && L > 0) memcpy(u_local, fom->u, sizeof(double) * (size_t)L);
cleanup:
  rom_optim_fom_destroy(&fom);
  return err;
}

int rom_affine_rom_output_gradients(rom_affine_rom *rom, rom_model *model, const double *mu,
                                    double *values, double *gradients) {
  int err = ROM_OK;
  if (!rom || !model) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(model);
  const int p = rom_model_num_parameters(model), Qa = rom_affine_rom_operator_terms(rom);
  const int Qf = rom_affine_rom_rhs_terms(rom), no = rom_affine_rom_num_outputs(rom);
  double *work = NULL;
  ROM_TRY(ctx, check_model(ctx, model, mu, 0));
  ROM_CHECK(ctx, Qa == rom_model_operator_terms(model) && Qf == rom_model_rhs_terms(model),
            ROM_ERR_DIM,
            "the ROM has %d operator and %d rhs terms but the model %d and %d: pass the model "
            "the ROM was built from",
            Qa, Qf, rom_model_operator_terms(model), rom_model_rhs_terms(model));
  ROM_CHECK(ctx, no > 0, ROM_ERR_STATE,
            "the ROM has no outputs: add them with rom_affine_rom_add_output");
  ROM_CHECK(ctx, gradients != NULL, ROM_ERR_ARG, "gradients (%d x %d) must not be NULL", no, p);
  {
    const size_t n =
        (size_t)Qa + (size_t)Qf + (size_t)(Qa + Qf) * ((size_t)p + (size_t)no) + (size_t)no + 1;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * n, (void **)&work));
    double *theta = work, *phi = theta + Qa, *dtheta = phi + Qf, *dphi = dtheta + Qa * p;
    double *dsdt = dphi + Qf * p, *dsdp = dsdt + Qa * no, *s = dsdp + Qf * no;
    ROM_TRY(ctx, rom_model_operator_coefficients(model, mu, theta));
    if (Qf > 0) ROM_TRY(ctx, rom_model_rhs_coefficients(model, mu, phi));
    ROM_TRY(ctx, rom_model_operator_coefficient_derivatives(model, mu, dtheta));
    if (Qf > 0) ROM_TRY(ctx, rom_model_rhs_coefficient_derivatives(model, mu, dphi));
    ROM_TRY(ctx, rom_affine_rom_output_sensitivities(rom, theta, phi, NULL, s, dsdt, dsdp));
    for (int o = 0; o < no; ++o)
      for (int j = 0; j < p; ++j) {
        double g = 0.0;
        for (int q = 0; q < Qa; ++q)
          g += dsdt[o * Qa + q] * dtheta[q + Qa * j];
        for (int q = 0; q < Qf; ++q)
          g += dsdp[o * Qf + q] * dphi[q + Qf * j];
        gradients[o * p + j] = g;
      }
    if (values) memcpy(values, s, sizeof(double) * (size_t)no);
  }
cleanup:
  rom_free(ctx, work);
  return err;
}
