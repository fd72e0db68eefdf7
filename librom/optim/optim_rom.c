/* The ROM objective of rom_optimize: a Galerkin affine ROM (librom/affine) on a basis that the
 * optimiser builds itself, with the design's outputs, and J_r with its reduced-adjoint gradient
 * (rom_affine_rom_output_sensitivities chained with d theta / d mu, d phi / d mu). */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void rom_optim_rom_destroy(rom_optim_rom **pr) {
  if (!pr || !*pr) return;
  rom_optim_rom *r = *pr;
  rom_ctx *ctx = r->dim.ctx;
  double **arrays[] = {&r->Phi, &r->theta, &r->phi,  &r->dtheta, &r->dphi,
                       &r->q,   &r->s,     &r->dJds, &r->dsdt,   &r->dsdp};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; ++i)
    rom_free(ctx, *arrays[i]);
  rom_affine_rom_destroy(&r->rom);
  rom_basis_destroy(&r->basis);
  rom_free(ctx, r);
  *pr = NULL;
}

int rom_optim_rom_create(rom_model *model, const rom_design *design, double pod_tolerance,
                         rom_optim_rom **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_model_ctx(model);
  rom_optim_rom *r = NULL;
  *out = NULL;
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *r, (void **)&r));
  rom_optim_dims_init(&r->dim, model, design);
  r->pod_tolerance = pod_tolerance;
  {
    const size_t p = (size_t)r->dim.p, Qa = (size_t)r->dim.Qa, Qf = (size_t)r->dim.Qf,
                 no = (size_t)r->dim.no;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * Qa, (void **)&r->theta));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qf + 1), (void **)&r->phi));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qa * p + 1), (void **)&r->dtheta));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (Qf * p + 1), (void **)&r->dphi));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * no, (void **)&r->s));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * no, (void **)&r->dJds));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * no * Qa, (void **)&r->dsdt));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (no * Qf + 1), (void **)&r->dsdp));
  }
  *out = r;
  r = NULL;
cleanup:
  rom_optim_rom_destroy(&r);
  return err;
}

/* Room for `need` basis vectors (doubling), keeping the first k. */
static int reserve(rom_optim_rom *r, rom_int need) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  double *Phi = NULL;
  if (need <= r->cap) return ROM_OK;
  rom_int cap = r->cap > 0 ? 2 * r->cap : 16;
  while (cap < need)
    cap *= 2;
  ROM_TRY_ALL(
      ctx, rom_malloc(ctx, sizeof(double) * ((size_t)r->dim.L * (size_t)cap + 1), (void **)&Phi));
  if (r->k > 0 && r->dim.L > 0)
    memcpy(Phi, r->Phi, sizeof(double) * (size_t)r->dim.L * (size_t)r->k);
  rom_free(ctx, r->Phi);
  r->Phi = Phi;
  r->cap = cap;
cleanup:
  return err;
}

/* ||v||_2 over all ranks, rank 0's value everywhere. */
static int norm2(rom_ctx *ctx, const double *v, rom_int L, double *norm) {
  int err = ROM_OK;
  double local = 0.0;
  for (rom_int i = 0; i < L; ++i)
    local += v[i] * v[i];
  ROM_MPI(ctx, MPI_Allreduce(&local, norm, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(norm, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  *norm = sqrt(*norm);
cleanup:
  return err;
}

int rom_optim_rom_add_snapshot(rom_optim_rom *r, const double *v_local, int *added) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  const rom_int L = r->dim.L;
  rom_dmat *P = NULL;
  double *c = NULL, *w = NULL;
  double nv = 0.0, nw = 0.0;
  *added = 0;
  ROM_TRY(ctx, reserve(r, r->k + 1));
  double *col = r->Phi + (size_t)L * (size_t)r->k;
  if (L > 0) memcpy(col, v_local, sizeof(double) * (size_t)L);
  ROM_TRY(ctx, norm2(ctx, col, L, &nv));
  if (!(nv > 0.0)) goto cleanup;
  if (r->k > 0) {
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r->k, (void **)&c));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * ((size_t)L + 1), (void **)&w));
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, r->k, r->Phi, L, &P));
    for (int pass = 0; pass < 2; ++pass) {
      ROM_TRY(ctx, rom_dmat_transpose_times_vector(P, col, c));
      ROM_TRY(ctx, rom_dmat_times_vector(P, c, w));
      for (rom_int i = 0; i < L; ++i)
        col[i] -= w[i];
    }
  }
  ROM_TRY(ctx, norm2(ctx, col, L, &nw));
  if (nw <= r->pod_tolerance * nv) goto cleanup; /* already in the span */
  for (rom_int i = 0; i < L; ++i)
    col[i] /= nw;
  r->k++;
  *added = 1;
cleanup:
  rom_dmat_destroy(&P);
  rom_free(ctx, c);
  rom_free(ctx, w);
  return err;
}

int rom_optim_rom_set_pod(rom_optim_rom *r, const rom_dmat *S) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  const rom_int L = r->dim.L, m = rom_dmat_cols(S);
  rom_dmat *U = NULL;
  rom_basis *pod = NULL;
  ROM_TRY_ALL(ctx, rom_dmat_create(ctx, L, m, &U));
  {
    const double *Sd = rom_dmat_data_const(S);
    const rom_int ldS = rom_dmat_ld(S);
    double *Ud = rom_dmat_data(U);
    for (rom_int j = 0; j < m; ++j) {
      double nrm = 0.0;
      ROM_TRY(ctx, norm2(ctx, Sd + ldS * j, L, &nrm));
      ROM_CHECK_ALL(ctx, nrm > 0.0, ROM_ERR_ARG, "training snapshot %lld is zero", (long long)j);
      for (rom_int i = 0; i < L; ++i)
        Ud[i + L * j] = Sd[i + ldS * j] / nrm;
    }
  }
  {
    rom_pod_options po = rom_pod_options_default();
    po.energy = 1.0;
    ROM_TRY(ctx, rom_pod_compute(U, &po, &pod));
    rom_int r_sv = 0, k = 0;
    const double *sv = rom_basis_singular_values(pod, &r_sv);
    const rom_int dim = rom_basis_dim(pod);
    while (k < dim && k < r_sv && sv[k] >= r->pod_tolerance * sv[0])
      ++k;
    if (k < 1) k = 1;
    ROM_TRY(ctx, reserve(r, k));
    const rom_dmat *V = rom_basis_vectors(pod);
    const double *Vd = rom_dmat_data_const(V);
    for (rom_int j = 0; j < k; ++j)
      if (L > 0) memcpy(r->Phi + L * j, Vd + rom_dmat_ld(V) * j, sizeof(double) * (size_t)L);
    r->k = k;
  }
cleanup:
  rom_dmat_destroy(&U);
  rom_basis_destroy(&pod);
  return err;
}

int rom_optim_rom_rebuild(rom_optim_rom *r) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  rom_dmat *P = NULL;
  char name[32];
  rom_affine_rom_destroy(&r->rom);
  rom_basis_destroy(&r->basis);
  rom_free(ctx, r->q);
  r->q = NULL;
  ROM_CHECK_ALL(ctx, r->k >= 1, ROM_ERR_STATE, "the ROM's basis is empty");
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r->k, (void **)&r->q));
  ROM_TRY(ctx, rom_dmat_wrap(ctx, r->dim.L, r->k, r->Phi, r->dim.L, &P));
  ROM_TRY(ctx, rom_basis_create(P, NULL, 0, NULL, &r->basis));
  ROM_TRY(ctx, rom_affine_rom_build(r->dim.model, r->basis, &r->rom));
  for (int o = 0; o < r->dim.no; ++o) {
    snprintf(name, sizeof name, "s%d", o);
    ROM_TRY(ctx,
            rom_affine_rom_add_output(r->rom, r->basis, name,
                                      r->dim.L > 0 ? r->dim.design->L_local + r->dim.L * o : NULL));
  }
cleanup:
  rom_dmat_destroy(&P);
  return err;
}

int rom_optim_rom_extend(rom_optim_rom *r) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  rom_dmat *P = NULL;
  rom_basis *grown = NULL;
  double *q = NULL;
  if (!r->rom) return rom_optim_rom_rebuild(r);
  if (r->k == rom_basis_dim(r->basis)) return ROM_OK;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r->k, (void **)&q));
  ROM_TRY(ctx, rom_dmat_wrap(ctx, r->dim.L, r->k, r->Phi, r->dim.L, &P));
  ROM_TRY(ctx, rom_basis_create(P, NULL, 0, NULL, &grown));
  ROM_TRY(ctx, rom_affine_rom_extend(r->rom, r->dim.model, grown));
  rom_basis_destroy(&r->basis);
  r->basis = grown;
  grown = NULL;
  rom_free(ctx, r->q);
  r->q = q;
  q = NULL;
cleanup:
  rom_dmat_destroy(&P);
  rom_basis_destroy(&grown);
  rom_free(ctx, q);
  return err;
}

int rom_optim_rom_evaluate(rom_optim_rom *r, const double *mu, double *J, double *grad) {
  int err = ROM_OK;
  rom_ctx *ctx = r->dim.ctx;
  const int p = r->dim.p, Qa = r->dim.Qa, Qf = r->dim.Qf, no = r->dim.no;
  ROM_TRY(ctx, rom_model_operator_coefficients(r->dim.model, mu, r->theta));
  ROM_TRY(ctx, rom_model_rhs_coefficients(r->dim.model, mu, r->phi));
  ROM_TRY(ctx, rom_affine_rom_output_sensitivities(r->rom, r->theta, r->phi, r->q, r->s, r->dsdt,
                                                   r->dsdp));
  r->solves++;
  *J = rom_optim_objective(r->dim.design, r->s, r->dJds);
  if (!grad) goto cleanup;
  ROM_TRY(ctx, rom_model_operator_coefficient_derivatives(r->dim.model, mu, r->dtheta));
  if (Qf > 0) ROM_TRY(ctx, rom_model_rhs_coefficient_derivatives(r->dim.model, mu, r->dphi));
  for (int j = 0; j < p; ++j) {
    double g = 0.0;
    for (int o = 0; o < no; ++o) {
      double go = 0.0;
      for (int q = 0; q < Qa; ++q)
        go += r->dsdt[o * Qa + q] * r->dtheta[q + Qa * j];
      for (int q = 0; q < Qf; ++q)
        go += r->dsdp[o * Qf + q] * r->dphi[q + Qf * j];
      g += r->dJds[o] * go;
    }
    grad[j] = g;
  }
cleanup:
  return err;
}
