/* The a-posteriori bound of the trust region (optim_trust_region.c): a residual-based bound
 * of the ROM objective's error, decomposed offline/online so that it costs O((Qf + Qa k)^2)
 * per evaluation, independent of N.
 *
 * Residual of the Galerkin solution u_r = Phi q:  r(mu) = sum_q phi_q f_q - sum_q theta_q A_q Phi q
 * = sum_i c_i v_i with the vectors v = [f_0..f_{Qf-1}, A_0 phi_0 .. A_{Qa-1} phi_0, A_0 phi_1, ..]
 * and coefficients c = [phi; -theta_q q_i]. With the inner product X = A(theta_bar) and the
 * Riesz representers z_i = X^{-1} v_i, ||r||_{X'}^2 = c^T G c, G = V^T Z (Hesthaven, Rozza,
 * Stamm, "Certified Reduced Basis Methods", 2016, sec. 4.2.5). For a parametrically coercive
 * problem (every A_q symmetric positive semi-definite, theta_q > 0) the min-theta bound
 * alpha(mu) >= min_q theta_q(mu) / theta_q(theta_bar) holds in the X-norm (ibid. sec. 4.3.1),
 * so ||u - u_r||_X <= ||r||_{X'} / alpha, and every output error |l_o^T (u - u_r)| <=
 * ||l_o||_{X'} ||u - u_r||_X =: Delta_o. The objective J(s) then differs from J(s_r) by at most
 *     Delta_J = sum_o |c_o| Delta_o + w_o (|s_r,o - t_o| Delta_o + Delta_o^2 / 2).
 * This is the plain (not the numerically stable) form of the residual norm: it stalls near
 * sqrt(eps) of ||f||, far below what a trust region asks (Delta_J / J_r <= 0.1 by default).
 * The bound needs no dual correction for the trust region; the stable form, the primal-dual
 * corrected output bounds and other coercivity bounds are the `bounds` work of issue 13
 * (rom_affine_rom_output_bounds, docs/many-query.md), which this file can give way to. */
#include "core/check.h"
#include "optim/optim_impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct rom_optim_estimator {
  rom_ctx *ctx;
  rom_model *model;
  int Qa, Qf, no;
  rom_int L, k, nv, cap; /* basis vectors covered, vectors v, capacity (columns) */
  double *theta_bar;     /* Qa */
  double *V, *Z;         /* L x cap each */
  double *G;             /* nv x nv, rank 0's numbers (NULL while nv = 0) */
  double *lnorm;         /* no: ||l_o||_{X'} */
  double *c;             /* 2 nv: online coefficients c, then G c */
  int solves;
};

void rom_optim_estimator_destroy(rom_optim_estimator **pe) {
  if (!pe || !*pe) return;
  rom_optim_estimator *e = *pe;
  rom_ctx *ctx = e->ctx;
  rom_free(ctx, e->theta_bar);
  rom_free(ctx, e->V);
  rom_free(ctx, e->Z);
  rom_free(ctx, e->G);
  rom_free(ctx, e->lnorm);
  rom_free(ctx, e->c);
  rom_free(ctx, e);
  *pe = NULL;
}

int rom_optim_estimator_solves(const rom_optim_estimator *e) {
  return e ? e->solves : 0;
}

/* Grows V and Z to `need` columns. */
static int reserve(rom_optim_estimator *e, rom_int need) {
  int err = ROM_OK;
  rom_ctx *ctx = e->ctx;
  double *V = NULL, *Z = NULL;
  if (need <= e->cap) return ROM_OK;
  rom_int cap = e->cap > 0 ? 2 * e->cap : 64;
  while (cap < need)
    cap *= 2;
  const size_t bytes = sizeof(double) * ((size_t)e->L * (size_t)cap + 1);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&V));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&Z));
  if (e->nv > 0 && e->L > 0) {
    memcpy(V, e->V, sizeof(double) * (size_t)e->L * (size_t)e->nv);
    memcpy(Z, e->Z, sizeof(double) * (size_t)e->L * (size_t)e->nv);
  }
  rom_free(ctx, e->V);
  rom_free(ctx, e->Z);
  e->V = V;
  e->Z = Z;
  V = Z = NULL;
  e->cap = cap;
cleanup:
  rom_free(ctx, V);
  rom_free(ctx, Z);
  return err;
}

/* z = X^{-1} v for the columns from..nv-1, then the new rows and columns of G = V^T Z (rank
 * 0's numbers everywhere). X is symmetric positive definite (an inner product), so G is
 * symmetric and only V^T Z_new (nv x new columns, O(N nv new) flops) is computed. */
static int finish_columns(rom_optim_estimator *e, rom_int from) {
  int err = ROM_OK;
  rom_ctx *ctx = e->ctx;
  const rom_int L = e->L, nv = e->nv, nnew = nv - from, old = from;
  rom_dmat *Vm = NULL, *Zm = NULL;
  double *G = NULL, *C = NULL;
  if (nnew == 0) return ROM_OK;
  for (rom_int i = from; i < nv; ++i) {
    ROM_TRY(ctx, rom_model_affine_solve(e->model, e->theta_bar, 0.0, 1.0, 0, e->V + L * i,
                                        e->Z + L * i));
    e->solves++;
  }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nv * nv), (void **)&G));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nv * nnew), (void **)&C));
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, nv, e->V, L, &Vm));
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, nnew, e->Z + L * from, L, &Zm));
  ROM_TRY(ctx, rom_dmat_transpose_times(Vm, Zm, C, nv));
  ROM_MPI(ctx, MPI_Bcast(C, (int)(nv * nnew), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < old; ++j)
    for (rom_int i = 0; i < old; ++i)
      G[i + nv * j] = e->G[i + old * j];
  for (rom_int j = 0; j < nnew; ++j)
    for (rom_int i = 0; i < nv; ++i) {
      G[i + nv * (old + j)] = C[i + nv * j];
      G[(old + j) + nv * i] = C[i + nv * j];
    }
  rom_free(ctx, e->G);
  e->G = G;
  G = NULL;
  rom_free(ctx, e->c);
  e->c = NULL;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(2 * nv), (void **)&e->c));
cleanup:
  rom_dmat_destroy(&Vm);
  rom_dmat_destroy(&Zm);
  rom_free(ctx, G);
  rom_free(ctx, C);
  return err;
}

int rom_optim_estimator_update(rom_optim_estimator *e, rom_optim_rom *r) {
  int err = ROM_OK;
  rom_ctx *ctx = e->ctx;
  const rom_int L = e->L, from = e->nv;
  if (r->k == e->k) return ROM_OK;
  ROM_TRY(ctx, reserve(e, e->nv + (r->k - e->k) * e->Qa));
  for (rom_int i = e->k; i < r->k; ++i)
    for (int q = 0; q < e->Qa; ++q) {
      ROM_TRY(ctx, rom_model_apply_operator_term(e->model, q, r->Phi + L * i, e->V + L * e->nv));
      e->nv++;
    }
  e->k = r->k;
  ROM_TRY(ctx, finish_columns(e, from));
cleanup:
  return err;
}

int rom_optim_estimator_create(rom_optim_rom *r, const double *theta_bar,
                               rom_optim_estimator **out) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  rom_optim_estimator *e = NULL;
  double *z = NULL;
  *out = NULL;
  for (int q = 0; q < r->Qa; ++q)
    ROM_CHECK_ALL(ctx, theta_bar[q] > 0.0, ROM_ERR_UNSUPPORTED,
                  "the trust region's error bound needs a parametrically coercive problem "
                  "(theta_q > 0, A_q symmetric positive semi-definite), but theta_%d = %g at the "
                  "starting point",
                  q, theta_bar[q]);
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *e, (void **)&e));
  e->ctx = ctx;
  e->model = r->model;
  e->Qa = r->Qa;
  e->Qf = r->Qf;
  e->no = r->no;
  e->L = r->L;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)e->Qa, (void **)&e->theta_bar));
  memcpy(e->theta_bar, theta_bar, sizeof(double) * (size_t)e->Qa);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)e->no, (void **)&e->lnorm));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * ((size_t)e->L + 1), (void **)&z));
  /* ||l_o||_{X'}^2 = l_o^T X^{-1} l_o. */
  for (int o = 0; o < e->no; ++o) {
    const double *l = e->L > 0 ? r->design->L_local + e->L * o : z;
    double local = 0.0, sum = 0.0;
    ROM_TRY(ctx, rom_model_affine_solve(e->model, e->theta_bar, 0.0, 1.0, 0, l, z));
    e->solves++;
    for (rom_int i = 0; i < e->L; ++i)
      local += l[i] * z[i];
    ROM_MPI(ctx, MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Bcast(&sum, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
    e->lnorm[o] = sqrt(fmax(sum, 0.0));
  }
  /* The rhs terms first, then the basis vectors' A_q phi_i. */
  ROM_TRY(ctx, reserve(e, e->Qf + r->k * e->Qa));
  for (int q = 0; q < e->Qf; ++q) {
    ROM_TRY(ctx, rom_model_rhs_term(e->model, q, e->V + e->L * e->nv));
    e->nv++;
  }
  ROM_TRY(ctx, finish_columns(e, 0));
  ROM_TRY(ctx, rom_optim_estimator_update(e, r));
  *out = e;
  e = NULL;
cleanup:
  rom_free(ctx, z);
  rom_optim_estimator_destroy(&e);
  return err;
}

int rom_optim_estimator_objective_bound(rom_optim_estimator *e, rom_optim_rom *r, double *bound) {
  int err = ROM_OK;
  rom_ctx *ctx = e->ctx;
  const int Qa = e->Qa, Qf = e->Qf;
  const rom_int nv = e->nv;
  double alpha = HUGE_VAL, rr = 0.0, de = 0.0, dJ = 0.0;
  const rom_design *d = r->design;
  ROM_CHECK(ctx, e->k == r->k, ROM_ERR_STATE,
            "the estimator covers %lld basis vectors but the ROM has %lld: update it",
            (long long)e->k, (long long)r->k);
  for (int q = 0; q < Qa; ++q) {
    ROM_CHECK(ctx, r->theta[q] > 0.0, ROM_ERR_UNSUPPORTED,
              "the min-theta coercivity bound needs theta_q > 0, but theta_%d = %g", q,
              r->theta[q]);
    alpha = fmin(alpha, r->theta[q] / e->theta_bar[q]);
  }
  for (int q = 0; q < Qf; ++q)
    e->c[q] = r->phi[q];
  for (rom_int i = 0; i < e->k; ++i)
    for (int q = 0; q < Qa; ++q)
      e->c[Qf + i * Qa + q] = -r->theta[q] * r->q[i];
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)nv, (int)nv, 1.0, e->G, (int)nv, e->c, 1, 0.0,
              e->c + nv, 1);
  rr = cblas_ddot((int)nv, e->c, 1, e->c + nv, 1);
  de = sqrt(fmax(rr, 0.0)) / alpha;
  for (int o = 0; o < e->no; ++o) {
    const double dout = e->lnorm[o] * de;
    if (d->linear_weights) dJ += fabs(d->linear_weights[o]) * dout;
    if (d->target) {
      const double w = d->misfit_weights ? d->misfit_weights[o] : 1.0;
      dJ += w * (fabs(r->s[o] - d->target[o]) * dout + 0.5 * dout * dout);
    }
  }
  *bound = dJ;
cleanup:
  return err;
}
