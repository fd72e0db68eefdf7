/* The reduced-basis greedy (include/romkit/greedy.h, docs/greedy.md).
 *
 * Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods" (Springer 2016), Algorithm 3.1
 * (weak greedy) with the strong greedy of sec. 3.2.2 as the reference: the worst training
 * point under the estimator is solved by the FOM and its snapshot appended to the basis.
 *
 * Orthonormalisation: classical Gram-Schmidt applied twice ("twice is enough", Giraud,
 * Langou, Rozloznik, Comput. Math. Appl. 50, 2005): one pass loses orthogonality in
 * proportion to the condition number of [Phi, u], and greedy snapshots become nearly
 * dependent as the error decays; the second pass brings Phi^T Phi - I back to rounding.
 * Each pass is one distributed product Phi^T u (one MPI_Allreduce of k values) and a local
 * update, in the Euclidean inner product, the one rom_basis_project and the affine ROM
 * assume (Phi^T Phi = I).
 *
 * The first snapshot (default): the argmax of the empty basis's estimate, so that every
 * snapshot is chosen by the greedy rule (Binev et al., SIAM J. Math. Anal. 43, 2011; pyMOR's
 * weak_greedy). Adaptive refinement of the training set (option adaptive_pool): Hesthaven,
 * Stamm, Zhang, ESAIM: M2AN 48 (2014), the "adaptively enriching greedy" (adaptive_step).
 *
 * Determinism over rank counts: training point i is a pure function of (design, i); the
 * argmax is the lowest index within a relative ROM_GREEDY_TIE_TOLERANCE of the maximum
 * (two reductions: the max, then the min index above the threshold), so estimates that
 * differ only by rounding between rank counts (the reduced matrices are sums in a
 * different order) pick the same point. */
#include "core/check.h"
#include "romkit/greedy.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct rom_greedy {
  rom_ctx *ctx;
  rom_int k; /* basis size */
  int p;
  rom_basis *basis;
  rom_affine_rom *rom;
  rom_int *indices;  /* k */
  double *mu;        /* k x p */
  double *estimates; /* k */
  rom_greedy_stop stop;
  rom_int fom_solves;
  rom_int pool_samples, validations; /* adaptive refinement */
  double seconds;
};

/* The training set: a design or an explicit row-major list. */
typedef struct {
  const rom_sweep_design *design;
  const double *mu;
  rom_int ns;
  int p;
} training_set;

static int training_point(rom_ctx *ctx, const training_set *t, rom_int i, double *mu) {
  int err = ROM_OK;
  if (t->design)
    ROM_TRY(ctx, rom_sweep_design_sample(t->design, i, mu));
  else
    memcpy(mu, t->mu + i * t->p, sizeof(double) * (size_t)t->p);
cleanup:
  return err;
}

const char *rom_greedy_estimator_name(rom_greedy_estimator estimator) {
  switch (estimator) {
  case ROM_GREEDY_WEAK:
    return "weak";
  case ROM_GREEDY_STRONG:
    return "strong";
  }
  return "unknown";
}

int rom_greedy_estimator_from_name(const char *name, rom_greedy_estimator *estimator) {
  if (!name || !estimator) return ROM_ERR_ARG;
  if (!strcmp(name, "weak")) {
    *estimator = ROM_GREEDY_WEAK;
    return ROM_OK;
  }
  if (!strcmp(name, "strong")) {
    *estimator = ROM_GREEDY_STRONG;
    return ROM_OK;
  }
  return ROM_ERR_ARG;
}

const char *rom_greedy_stop_name(rom_greedy_stop stop) {
  switch (stop) {
  case ROM_GREEDY_STOP_NONE:
    return "none";
  case ROM_GREEDY_STOP_TOLERANCE:
    return "tolerance";
  case ROM_GREEDY_STOP_MAX_SIZE:
    return "max-size";
  case ROM_GREEDY_STOP_SPAN:
    return "span";
  case ROM_GREEDY_STOP_POOL:
    return "pool";
  }
  return "unknown";
}

rom_greedy_options rom_greedy_options_default(void) {
  rom_greedy_options o;
  memset(&o, 0, sizeof o);
  o.estimator = ROM_GREEDY_WEAK;
  o.tolerance = 1e-6;
  o.max_size = 50;
  o.first_index = ROM_GREEDY_FIRST_ARGMAX;
  o.span_tolerance = 1e-10;
  return o;
}

int rom_greedy_destroy(rom_greedy **pg) {
  if (!pg || !*pg) return ROM_OK;
  rom_greedy *g = *pg;
  rom_ctx *ctx = g->ctx;
  rom_basis_destroy(&g->basis);
  rom_affine_rom_destroy(&g->rom);
  rom_free(ctx, g->indices);
  rom_free(ctx, g->mu);
  rom_free(ctx, g->estimates);
  rom_free(ctx, g);
  *pg = NULL;
  return ROM_OK;
}

rom_int rom_greedy_size(const rom_greedy *g) {
  return g ? g->k : 0;
}
int rom_greedy_num_parameters(const rom_greedy *g) {
  return g ? g->p : 0;
}
const rom_basis *rom_greedy_basis(const rom_greedy *g) {
  return g ? g->basis : NULL;
}
rom_affine_rom *rom_greedy_rom(const rom_greedy *g) {
  return g ? g->rom : NULL;
}
const rom_int *rom_greedy_indices(const rom_greedy *g) {
  return g ? g->indices : NULL;
}
const double *rom_greedy_parameters(const rom_greedy *g) {
  return g ? g->mu : NULL;
}
const double *rom_greedy_max_estimates(const rom_greedy *g) {
  return g ? g->estimates : NULL;
}
rom_greedy_stop rom_greedy_stop_reason(const rom_greedy *g) {
  return g ? g->stop : ROM_GREEDY_STOP_NONE;
}
rom_int rom_greedy_fom_solves(const rom_greedy *g) {
  return g ? g->fom_solves : 0;
}
rom_int rom_greedy_pool_samples(const rom_greedy *g) {
  return g ? g->pool_samples : 0;
}
rom_int rom_greedy_validations(const rom_greedy *g) {
  return g ? g->validations : 0;
}
double rom_greedy_seconds(const rom_greedy *g) {
  return g ? g->seconds : 0.0;
}

/* ---- pieces of an iteration ---------------------------------------------------------------- */

/* Everything one run holds. */
typedef struct {
  rom_ctx *ctx;
  rom_model *model;
  training_set t;
  rom_greedy_options o;
  rom_int L, kmax, off, cnt;
  int Qa, Qf;
  double *F;     /* L x Qf: the rhs terms f_q */
  double *V;     /* L x kmax: the basis being built */
  double *S;     /* strong: L x ns FOM solutions at every training point */
  double *u;     /* L */
  double *rhs;   /* L */
  double *c;     /* kmax */
  double *theta; /* Qa */
  double *phi;   /* Qf */
  double *mu;    /* p */
  double *est;   /* ns: the estimates (weak: only this rank's block is filled) */
  double *Q;     /* strong: kmax x ns reduced solutions */
  /* adaptive refinement (o.adaptive_pool): the training set is the list amu (cap x p, the
   * same on every rank), t.mu = amu, t.ns its current size; aid the points' indices as
   * reported (ns0 + j for pool sample j); efull the estimates of the whole list */
  double *amu, *efull;
  rom_int *aid;
  rom_int cap, M, ns0, pool_next, pool_ns;
} greedy_work;

/* This rank's contiguous block [off, off + cnt) of the training set. */
static void set_blocks(greedy_work *w) {
  const int P = rom_ctx_size(w->ctx), r = rom_ctx_rank(w->ctx);
  const rom_int ns = w->t.ns;
  w->cnt = ns / P + (r < ns % P ? 1 : 0);
  w->off = (ns / P) * r + (r < ns % P ? r : ns % P);
}

/* u = A(theta(mu))^{-1} sum_q phi_q(mu) f_q through the host's solver. Collective. */
static int fom_solve(greedy_work *w, const double *mu, double *u) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  ROM_TRY_ALL(ctx, rom_model_operator_coefficients(w->model, mu, w->theta));
  ROM_TRY_ALL(ctx, rom_model_rhs_coefficients(w->model, mu, w->phi));
  if (w->L > 0)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)w->L, w->Qf, 1.0, w->F, (int)w->L, w->phi, 1, 0.0,
                w->rhs, 1);
  ROM_TRY(ctx, rom_model_affine_solve(w->model, w->theta, 0.0, 1.0, 0, w->rhs, u));
cleanup:
  return err;
}

static int global_norm(rom_ctx *ctx, rom_int L, const double *u, double *norm) {
  int err = ROM_OK;
  double local = 0.0, global = 0.0;
  for (rom_int l = 0; l < L; ++l)
    local += u[l] * u[l];
  ROM_MPI(ctx, MPI_Allreduce(&local, &global, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  *norm = sqrt(global);
cleanup:
  return err;
}

/* u <- (I - V V^T)^2 u over the first k columns (CGS2); *before, *after: ||u|| before and
 * after. Collective. */
static int orthogonalise(greedy_work *w, rom_int k, double *u, double *before, double *after) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  rom_dmat *Vk = NULL;
  ROM_TRY(ctx, global_norm(ctx, w->L, u, before));
  if (k > 0) {
    ROM_TRY(ctx, rom_dmat_wrap(ctx, w->L, k, w->V, w->L > 0 ? w->L : 1, &Vk));
    for (int pass = 0; pass < 2; ++pass) {
      ROM_TRY(ctx, rom_dmat_transpose_times_vector(Vk, u, w->c));
      if (w->L > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)w->L, (int)k, -1.0, w->V, (int)w->L, w->c, 1,
                    1.0, u, 1);
    }
  }
  ROM_TRY(ctx, global_norm(ctx, w->L, u, after));
cleanup:
  rom_dmat_destroy(&Vk);
  return err;
}

/* The max over the training set and its argmax: the lowest index whose value is within
 * ROM_GREEDY_TIE_TOLERANCE (relative) of the max. vals holds this rank's block
 * [off, off + cnt) at vals[i - off]. Collective. */
static int reduce_argmax(greedy_work *w, const double *vals, double *gmax, rom_int *argmax) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  double lmax = -1.0; /* estimates are >= 0: an empty rank never wins */
  for (rom_int i = 0; i < w->cnt; ++i)
    lmax = fmax(lmax, vals[i]);
  ROM_MPI(ctx, MPI_Allreduce(&lmax, gmax, 1, MPI_DOUBLE, MPI_MAX, comm));
  {
    const double threshold = *gmax - ROM_GREEDY_TIE_TOLERANCE * *gmax;
    int64_t lidx = (int64_t)w->t.ns, gidx = 0;
    for (rom_int i = 0; i < w->cnt; ++i)
      if (vals[i] >= threshold) {
        lidx = (int64_t)(w->off + i);
        break;
      }
    ROM_MPI(ctx, MPI_Allreduce(&lidx, &gidx, 1, MPI_INT64_T, MPI_MIN, comm));
    *argmax = (rom_int)gidx;
  }
cleanup:
  return err;
}

/* A failure at some training points (a singular reduced matrix, a failing coefficient
 * callback) fails every rank with the lowest failing index and its parameters. */
static int agree_point_failure(greedy_work *w, int local_err, rom_int local_bad) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  int64_t lbad = local_err ? (int64_t)local_bad : (int64_t)w->t.ns, gbad = 0;
  const int code = rom_agree_error(ctx, local_err);
  ROM_MPI(ctx, MPI_Allreduce(&lbad, &gbad, 1, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
  if (code != ROM_OK) {
    double mu0 = 0.0;
    if (gbad < (int64_t)w->t.ns && training_point(ctx, &w->t, (rom_int)gbad, w->mu) == ROM_OK)
      mu0 = w->mu[0];
    ROM_FAIL(ctx, code, "the greedy's reduced solve failed at training point %lld (mu_0 = %g): %s",
             (long long)gbad, mu0, local_err ? "see above" : "on another rank");
  }
cleanup:
  return err;
}

/* Strong estimator: est[i] = ||u(mu_i) - Phi q(mu_i)||_2 at every training point (every rank
 * solves every reduced system: the strong greedy is for small training sets). Collective. */
static int estimate_strong(greedy_work *w, rom_affine_rom *rom, rom_int k) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  const rom_int ns = w->t.ns, L = w->L;
  rom_int bad = -1;
  for (rom_int i = 0; i < ns && local_err == ROM_OK; ++i) {
    local_err = training_point(ctx, &w->t, i, w->mu);
    if (!local_err) local_err = rom_model_operator_coefficients(w->model, w->mu, w->theta);
    if (!local_err) local_err = rom_model_rhs_coefficients(w->model, w->mu, w->phi);
    if (!local_err) local_err = rom_affine_rom_solve(rom, w->theta, w->phi, w->Q + i * k);
    if (local_err) bad = i;
  }
  ROM_TRY(ctx, agree_point_failure(w, local_err, bad));
  for (rom_int i = 0; i < ns; ++i) {
    double s = 0.0;
    if (L > 0) {
      memcpy(w->u, w->S + i * L, sizeof(double) * (size_t)L);
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)k, -1.0, w->V, (int)L, w->Q + i * k, 1,
                  1.0, w->u, 1);
      for (rom_int l = 0; l < L; ++l)
        s += w->u[l] * w->u[l];
    }
    w->est[i] = s;
  }
  ROM_MPI(ctx,
          MPI_Allreduce(MPI_IN_PLACE, w->est, (int)ns, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  for (rom_int i = 0; i < ns; ++i)
    w->est[i] = sqrt(w->est[i]);
cleanup:
  return err;
}

/* Weak estimator: the a-posteriori bound ||u - u_r||_X <= Delta(mu) (rom_affine_rom_error_bound,
 * the stable residual dual norm over a coercivity lower bound) at this rank's block of
 * training points: est[i - off]. Not collective, but failures are agreed. */
static int estimate_weak(greedy_work *w, rom_affine_rom *rom, rom_int k) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  rom_int bad = -1;
  for (rom_int j = 0; j < w->cnt && local_err == ROM_OK; ++j) {
    const rom_int i = w->off + j;
    local_err = training_point(ctx, &w->t, i, w->mu);
    if (!local_err) local_err = rom_model_operator_coefficients(w->model, w->mu, w->theta);
    if (!local_err) local_err = rom_model_rhs_coefficients(w->model, w->mu, w->phi);
    if (!local_err) local_err = rom_affine_rom_solve(rom, w->theta, w->phi, w->c);
    if (!local_err && w->o.energy_norm) {
      rom_error_bound_info info;
      local_err = rom_affine_rom_error_bound_info(rom, w->theta, w->phi, w->c, &info);
      w->est[j] = info.energy_bound;
    } else if (!local_err) {
      local_err = rom_affine_rom_error_bound(rom, w->theta, w->phi, w->c, w->est + j);
    }
    if (local_err) bad = i;
  }
  (void)k;
  ROM_TRY(ctx, agree_point_failure(w, local_err, bad));
cleanup:
  return err;
}

/* The estimator of the empty basis, for first_index = ROM_GREEDY_FIRST_ARGMAX (u_r = 0):
 * weak: Delta_0(mu) = ||f(mu)||_X' / alpha_LB(mu) at this rank's block (est[i - off]), with
 * ||f(mu)||_X'^2 = phi^T G phi, G_qr = f_q^T X^{-1} f_r from Qf solves with X = A(theta_bar)
 * (the Gram form is accurate here: nothing cancels in a norm of the rhs alone), and the
 * coercivity lower bound of the estimator options (min-theta, or the caller's callback);
 * strong: ||u(mu)||_2 at every training point (est[i]). Collective. */
static int estimate_empty(greedy_work *w) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  const rom_int L = w->L, ns = w->t.ns, Ls = L > 0 ? L : 1;
  const int Qa = w->Qa, Qf = w->Qf;
  const rom_estimator_options *eo = w->o.estimator_options;
  double *R = NULL, *G = NULL, *tbar = NULL;
  rom_int bad = -1;
  double bad_alpha = 0.0;
  if (w->o.estimator == ROM_GREEDY_STRONG) {
    for (rom_int i = 0; i < ns; ++i) {
      double s = 0.0;
      for (rom_int l = 0; l < L; ++l)
        s += w->S[(size_t)i * Ls + l] * w->S[(size_t)i * Ls + l];
      w->est[i] = s;
    }
    ROM_MPI(ctx,
            MPI_Allreduce(MPI_IN_PLACE, w->est, (int)ns, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
    for (rom_int i = 0; i < ns; ++i)
      w->est[i] = sqrt(w->est[i]);
    goto cleanup;
  }
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)Ls * (size_t)Qf, sizeof(double), (void **)&R));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)Qf * (size_t)Qf, sizeof(double), (void **)&G));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)Qa, sizeof(double), (void **)&tbar));
  for (int q = 0; q < Qa; ++q)
    tbar[q] = eo && eo->theta_bar ? eo->theta_bar[q] : 1.0;
  for (int q = 0; q < Qa; ++q)
    ROM_CHECK_ALL(ctx, tbar[q] > 0.0 && isfinite(tbar[q]), ROM_ERR_ARG,
                  "rom_greedy_run: estimator_options.theta_bar[%d] = %g must be > 0 and finite", q,
                  tbar[q]);
  for (int q = 0; q < Qf; ++q)
    ROM_TRY(ctx, rom_model_affine_solve(w->model, tbar, 0.0, 1.0, 0, w->F + (size_t)q * Ls,
                                        R + (size_t)q * Ls));
  if (L > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Qf, Qf, (int)L, 1.0, w->F, (int)Ls, R,
                (int)Ls, 0.0, G, Qf);
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, G, Qf * Qf, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  for (rom_int j = 0; j < w->cnt && local_err == ROM_OK; ++j) {
    const rom_int i = w->off + j;
    double alpha = 0.0, f2 = 0.0;
    local_err = training_point(ctx, &w->t, i, w->mu);
    if (!local_err) local_err = rom_model_operator_coefficients(w->model, w->mu, w->theta);
    if (!local_err) local_err = rom_model_rhs_coefficients(w->model, w->mu, w->phi);
    if (!local_err && eo && eo->coercivity == ROM_COERCIVITY_CALLBACK) {
      local_err =
          eo->lower_bound ? eo->lower_bound(eo->lower_bound_user, w->theta, &alpha) : ROM_ERR_ARG;
      if (local_err) local_err = ROM_ERR_CALLBACK;
    } else if (!local_err) {
      alpha = w->theta[0] / tbar[0]; /* min-theta (romkit/affine_rom.h) */
      for (int q = 1; q < Qa; ++q)
        alpha = fmin(alpha, w->theta[q] / tbar[q]);
    }
    if (!local_err && !(alpha > 0.0 && isfinite(alpha))) {
      local_err = ROM_ERR_UNSUPPORTED;
      bad_alpha = alpha;
    }
    if (local_err) {
      bad = i;
      break;
    }
    for (int q = 0; q < Qf; ++q)
      for (int r = 0; r < Qf; ++r)
        f2 += w->phi[q] * G[q + r * Qf] * w->phi[r];
    w->est[j] = sqrt(fmax(f2, 0.0)) / (w->o.energy_norm ? sqrt(alpha) : alpha);
  }
  if (local_err == ROM_ERR_UNSUPPORTED)
    rom_log(ctx, ROM_LOG_ERROR,
            "greedy: the zero-basis estimate ||f(mu)||_X' / alpha_LB(mu) needs a coercivity "
            "lower bound > 0, but alpha_LB = %g at training point %lld (min-theta needs theta > "
            "0: give a coercivity callback in estimator_options, or set first_index)",
            bad_alpha, (long long)bad);
  ROM_TRY(ctx, agree_point_failure(w, local_err, bad));
cleanup:
  rom_free(ctx, R);
  rom_free(ctx, G);
  rom_free(ctx, tbar);
  return err;
}

/* Adaptive refinement: room for n more points in the list (amu, aid, est, efull). Not
 * collective (every rank grows the same). */
static int adaptive_reserve(greedy_work *w, rom_int n) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  double *amu = NULL, *est = NULL, *efull = NULL;
  rom_int *aid = NULL;
  const size_t p = (size_t)(w->t.p > 0 ? w->t.p : 1);
  if (w->t.ns + n <= w->cap) return ROM_OK;
  const rom_int cap = w->t.ns + n > 2 * w->cap ? w->t.ns + n : 2 * w->cap;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)cap * p, sizeof(double), (void **)&amu));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)cap, sizeof(double), (void **)&est));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)cap, sizeof(double), (void **)&efull));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)cap, sizeof(rom_int), (void **)&aid));
  if (w->t.ns > 0) {
    memcpy(amu, w->amu, sizeof(double) * (size_t)w->t.ns * p);
    memcpy(aid, w->aid, sizeof(rom_int) * (size_t)w->t.ns);
  }
  rom_free(ctx, w->amu);
  rom_free(ctx, w->est);
  rom_free(ctx, w->efull);
  rom_free(ctx, w->aid);
  w->amu = amu;
  w->est = est;
  w->efull = efull;
  w->aid = aid;
  w->t.mu = amu;
  w->cap = cap;
  amu = est = efull = NULL;
  aid = NULL;
cleanup:
  rom_free(ctx, amu);
  rom_free(ctx, est);
  rom_free(ctx, efull);
  rom_free(ctx, aid);
  return err;
}

/* Appends up to n fresh pool samples (in order) to the list; *added: how many (fewer when
 * the pool runs out). Not collective (the same on every rank). */
static int adaptive_draw(greedy_work *w, rom_int n, rom_int *added) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  const rom_int left = w->pool_ns - w->pool_next;
  *added = 0;
  if (n > left) n = left;
  if (n <= 0) return ROM_OK;
  ROM_TRY(ctx, adaptive_reserve(w, n));
  for (rom_int j = 0; j < n; ++j) {
    const rom_int i = w->t.ns;
    ROM_TRY(ctx, rom_sweep_design_sample(w->o.adaptive_pool, w->pool_next,
                                         w->amu + (size_t)i * (size_t)w->t.p));
    w->aid[i] = w->ns0 + w->pool_next;
    w->pool_next++;
    w->t.ns++;
  }
  *added = n;
  set_blocks(w);
cleanup:
  return err;
}

static int estimate_weak(greedy_work *w, rom_affine_rom *rom, rom_int k);

/* One adaptive step after the ROM has been extended (Hesthaven, Stamm, Zhang 2014, sec. 4):
 * the estimates over the list; if their max is <= tolerance, the safety check (fresh pool
 * points: *done = 1 if they all pass, 2 if the pool is empty); otherwise, or if it failed,
 * the points already resolved (estimate <= tolerance) leave the list and fresh pool points
 * refill it to M. *gmax, *argmax: over the final list. Collective. */
static int adaptive_step(greedy_work *w, rom_affine_rom *rom, rom_greedy *g, double *gmax,
                         rom_int *argmax, int *done) {
  int err = ROM_OK;
  rom_ctx *ctx = w->ctx;
  const double tol = w->o.tolerance;
  const size_t p = (size_t)w->t.p;
  rom_int added = 0, kept = 0;
  *done = 0;
  ROM_TRY(ctx, estimate_weak(w, rom, 0));
  ROM_TRY(ctx, reduce_argmax(w, w->est, gmax, argmax));
  if (*gmax <= tol) {
    const rom_int V = w->o.adaptive_validation > 0 ? w->o.adaptive_validation : w->M;
    ROM_TRY(ctx, adaptive_draw(w, V, &added));
    g->pool_samples = w->pool_next;
    if (added == 0) {
      *done = 2;
      goto cleanup;
    }
    g->validations++;
    ROM_TRY(ctx, estimate_weak(w, rom, 0));
    ROM_TRY(ctx, reduce_argmax(w, w->est, gmax, argmax));
    rom_log(ctx, ROM_LOG_INFO,
            "greedy: safety check %lld on %lld fresh points: max estimate %.3e (tolerance %g)",
            (long long)g->validations, (long long)added, *gmax, tol);
    if (*gmax <= tol) {
      *done = 1;
      goto cleanup;
    }
  }
  /* Every rank gets every estimate (each computed on one rank: the same bits everywhere),
   * so every rank drops the same points. */
  memset(w->efull, 0, sizeof(double) * (size_t)w->t.ns);
  if (w->cnt > 0) memcpy(w->efull + w->off, w->est, sizeof(double) * (size_t)w->cnt);
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, w->efull, (int)w->t.ns, MPI_DOUBLE, MPI_SUM,
                             rom_ctx_comm(ctx)));
  for (rom_int i = 0; i < w->t.ns; ++i)
    if (w->efull[i] > tol) {
      if (kept != i) {
        memmove(w->amu + (size_t)kept * p, w->amu + (size_t)i * p, sizeof(double) * p);
        w->aid[kept] = w->aid[i];
      }
      kept++;
    }
  if (kept == w->t.ns) goto cleanup; /* nothing resolved: the list and its argmax stand */
  w->t.ns = kept;
  set_blocks(w);
  if (kept < w->M) ROM_TRY(ctx, adaptive_draw(w, w->M - kept, &added));
  g->pool_samples = w->pool_next;
  ROM_TRY(ctx, estimate_weak(w, rom, 0));
  ROM_TRY(ctx, reduce_argmax(w, w->est, gmax, argmax));
cleanup:
  return err;
}

/* ---- the run --------------------------------------------------------------------------------- */

static int greedy_run(rom_model *model, const training_set *t, const rom_greedy_options *opts,
                      rom_greedy **out) {
  int err = ROM_OK;
  if (!model) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(model);
  greedy_work w;
  rom_greedy *g = NULL;
  rom_basis *basis = NULL;
  rom_affine_rom *rom = NULL;
  rom_dmat *Vk = NULL;
  const double t0 = rom_wtime();
  memset(&w, 0, sizeof w);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_greedy_run: out must not be NULL");
  *out = NULL;
  w.ctx = ctx;
  w.model = model;
  w.t = *t;
  w.o = opts ? *opts : rom_greedy_options_default();
  ROM_CHECK_ALL(ctx, t->ns >= 1, ROM_ERR_ARG,
                "rom_greedy_run: the training set (argument training) is empty: give at least "
                "one training point");
  ROM_CHECK_ALL(ctx, t->p == rom_model_num_parameters(model), ROM_ERR_DIM,
                "rom_greedy_run: the training set has %d parameters per point but the model has "
                "%d",
                t->p, rom_model_num_parameters(model));
  ROM_CHECK_ALL(ctx, w.o.tolerance > 0.0 && isfinite(w.o.tolerance), ROM_ERR_ARG,
                "rom_greedy_run: tolerance = %g must be > 0 and finite (option tolerance)",
                w.o.tolerance);
  ROM_CHECK_ALL(ctx, w.o.max_size >= 1, ROM_ERR_ARG,
                "rom_greedy_run: max_size = %lld must be >= 1 (option max_size)",
                (long long)w.o.max_size);
  ROM_CHECK_ALL(ctx,
                w.o.first_index == ROM_GREEDY_FIRST_ARGMAX ||
                    (w.o.first_index >= 0 && w.o.first_index < t->ns),
                ROM_ERR_ARG,
                "rom_greedy_run: first_index = %lld is outside the training set of %lld points "
                "and not ROM_GREEDY_FIRST_ARGMAX (option first_index)",
                (long long)w.o.first_index, (long long)t->ns);
  ROM_CHECK_ALL(ctx, w.o.span_tolerance > 0.0 && w.o.span_tolerance < 1.0, ROM_ERR_ARG,
                "rom_greedy_run: span_tolerance = %g must be in (0, 1) (option span_tolerance)",
                w.o.span_tolerance);
  ROM_CHECK_ALL(ctx, w.o.estimator == ROM_GREEDY_WEAK || w.o.estimator == ROM_GREEDY_STRONG,
                ROM_ERR_ARG, "rom_greedy_run: estimator = %d is not a rom_greedy_estimator",
                (int)w.o.estimator);
  if (w.o.adaptive_pool) {
    ROM_CHECK_ALL(ctx, w.o.estimator == ROM_GREEDY_WEAK, ROM_ERR_UNSUPPORTED,
                  "rom_greedy_run: adaptive refinement (option adaptive_pool) needs the weak "
                  "estimator: the strong one would solve the FOM at every new training point");
    ROM_CHECK_ALL(ctx, rom_sweep_design_num_parameters(w.o.adaptive_pool) == t->p, ROM_ERR_DIM,
                  "rom_greedy_run: the adaptive pool (option adaptive_pool) has %d parameters "
                  "per point but the training set has %d",
                  rom_sweep_design_num_parameters(w.o.adaptive_pool), t->p);
    ROM_CHECK_ALL(ctx, w.o.adaptive_validation >= 0, ROM_ERR_ARG,
                  "rom_greedy_run: adaptive_validation = %lld must be >= 0 (0: the training "
                  "set's size)",
                  (long long)w.o.adaptive_validation);
  }
  w.Qa = rom_model_operator_terms(model);
  w.Qf = rom_model_rhs_terms(model);
  ROM_CHECK_ALL(ctx, w.Qa > 0, ROM_ERR_STATE,
                "rom_greedy_run: the model has no affine operator: call "
                "rom_model_set_affine_operator");
  ROM_CHECK_ALL(ctx, w.Qf > 0, ROM_ERR_STATE,
                "rom_greedy_run: the model has no affine right-hand side (every FOM solution "
                "would be zero): call rom_model_set_affine_rhs");
  ROM_CHECK_ALL(ctx, rom_model_has_affine_solve(model), ROM_ERR_STATE,
                "rom_greedy_run: the model has no solver: call rom_model_set_affine_solve (the "
                "greedy solves the FOM at the parameters it chooses through it)");

  {
    const rom_int ns = t->ns, L = rom_model_local_rows(model);
    w.L = L;
    /* adaptive: fresh points keep coming, so the basis is not bounded by ns */
    w.kmax = w.o.max_size < ns || w.o.adaptive_pool ? w.o.max_size : ns;
    set_blocks(&w);
    const size_t Ls = (size_t)(L > 0 ? L : 1);
    ROM_TRY_ALL(ctx, rom_calloc(ctx, Ls * (size_t)w.Qf, sizeof(double), (void **)&w.F));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, Ls * (size_t)w.kmax, sizeof(double), (void **)&w.V));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, Ls, sizeof(double), (void **)&w.u));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, Ls, sizeof(double), (void **)&w.rhs));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.kmax, sizeof(double), (void **)&w.c));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.Qa, sizeof(double), (void **)&w.theta));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.Qf, sizeof(double), (void **)&w.phi));
    ROM_TRY_ALL(ctx,
                rom_calloc(ctx, (size_t)(t->p > 0 ? t->p : 1), sizeof(double), (void **)&w.mu));
    if (w.o.adaptive_pool) {
      /* the list starts as the given training set (indices 0 .. ns - 1) */
      w.ns0 = ns;
      w.M = ns;
      w.pool_ns = rom_sweep_design_samples(w.o.adaptive_pool);
      w.t.design = NULL;
      w.t.ns = 0;
      ROM_TRY_ALL(ctx, adaptive_reserve(&w, ns));
      for (rom_int i = 0; i < ns; ++i) {
        ROM_TRY_ALL(ctx, training_point(ctx, t, i, w.amu + (size_t)i * (size_t)t->p));
        w.aid[i] = i;
      }
      w.t.ns = ns;
      set_blocks(&w);
    } else {
      ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)ns, sizeof(double), (void **)&w.est));
    }
    ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *g, (void **)&g));
    g->ctx = ctx;
    g->p = t->p;
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.kmax, sizeof(rom_int), (void **)&g->indices));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.kmax * (size_t)(t->p > 0 ? t->p : 1), sizeof(double),
                                (void **)&g->mu));
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.kmax, sizeof(double), (void **)&g->estimates));
    for (int q = 0; q < w.Qf; ++q)
      ROM_TRY(ctx, rom_model_rhs_term(model, q, w.F + (size_t)q * Ls));

    if (w.o.estimator == ROM_GREEDY_STRONG) {
      /* The reference: the FOM at every training point, once. */
      ROM_TRY_ALL(ctx, rom_calloc(ctx, Ls * (size_t)ns, sizeof(double), (void **)&w.S));
      ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)w.kmax * (size_t)ns, sizeof(double), (void **)&w.Q));
      for (rom_int i = 0; i < ns; ++i) {
        ROM_TRY_ALL(ctx, training_point(ctx, t, i, w.mu));
        ROM_TRY(ctx, fom_solve(&w, w.mu, w.S + (size_t)i * Ls));
      }
      g->fom_solves += ns;
    }

    rom_int next = w.o.first_index;
    if (next == ROM_GREEDY_FIRST_ARGMAX) {
      double gmax0 = 0.0;
      ROM_TRY(ctx, estimate_empty(&w));
      ROM_TRY(ctx, reduce_argmax(&w, w.o.estimator == ROM_GREEDY_STRONG ? w.est + w.off : w.est,
                                 &gmax0, &next));
      rom_log(ctx, ROM_LOG_INFO, "greedy: empty basis: max estimate %.3e at training point %lld",
              gmax0, (long long)next);
    }
    for (rom_int it = 0; it < w.kmax; ++it) {
      const rom_int k = it; /* vectors before this iteration */
      double before = 0.0, after = 0.0, gmax = 0.0;
      rom_int argmax = 0, id = w.aid ? w.aid[next] : next;
      int done = 0;
      double *v = w.V + (size_t)k * Ls;
      ROM_TRY_ALL(ctx, training_point(ctx, &w.t, next, w.mu));
      if (w.S) {
        if (L > 0) memcpy(v, w.S + (size_t)next * Ls, sizeof(double) * (size_t)L);
      } else {
        ROM_TRY(ctx, fom_solve(&w, w.mu, v));
        g->fom_solves++;
      }
      ROM_TRY(ctx, orthogonalise(&w, k, v, &before, &after));
      if (!(after > w.o.span_tolerance * before)) {
        ROM_CHECK_ALL(ctx, k > 0, ROM_ERR_STATE,
                      "rom_greedy_run: the FOM solution at training point %lld is zero (norm "
                      "%g): there is nothing to build a basis from",
                      (long long)id, before);
        rom_log(ctx, ROM_LOG_WARN,
                "greedy: the snapshot at training point %lld is already in the span of the %lld "
                "basis vectors (orthogonal part %.3g of its norm %.3g < span_tolerance %g): "
                "stopping at k = %lld instead of adding rounding noise",
                (long long)id, (long long)k, after, before, w.o.span_tolerance, (long long)k);
        g->stop = ROM_GREEDY_STOP_SPAN;
        break;
      }
      if (L > 0) cblas_dscal((int)L, 1.0 / after, v, 1);
      g->indices[it] = id;
      memcpy(g->mu + it * t->p, w.mu, sizeof(double) * (size_t)t->p);
      g->k = k + 1;

      /* The basis and its ROM: built (with the estimator, for the weak greedy) at k = 1,
       * then extended: rom_affine_rom_extend projects only the new rows and columns and adds
       * the new vector's Riesz representers to the estimator. */
      {
        rom_basis *grown = NULL;
        ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k + 1, w.V, (rom_int)Ls, &Vk));
        ROM_TRY(ctx, rom_basis_create(Vk, NULL, 0, NULL, &grown));
        rom_dmat_destroy(&Vk);
        rom_basis_destroy(&basis);
        basis = grown;
      }
      if (!rom) {
        ROM_TRY(ctx, rom_affine_rom_build(model, basis, &rom));
        if (w.o.estimator == ROM_GREEDY_WEAK)
          ROM_TRY(ctx, rom_affine_rom_build_estimator(rom, model, basis, w.o.estimator_options));
      } else {
        ROM_TRY(ctx, rom_affine_rom_extend(rom, model, basis));
      }

      if (w.o.estimator == ROM_GREEDY_STRONG) {
        ROM_TRY(ctx, estimate_strong(&w, rom, k + 1));
        ROM_TRY(ctx, reduce_argmax(&w, w.est + w.off, &gmax, &argmax));
      } else if (w.o.adaptive_pool) {
        ROM_TRY(ctx, adaptive_step(&w, rom, g, &gmax, &argmax, &done));
      } else {
        ROM_TRY(ctx, estimate_weak(&w, rom, k + 1));
        ROM_TRY(ctx, reduce_argmax(&w, w.est, &gmax, &argmax));
      }
      ROM_CHECK_ALL(ctx, isfinite(gmax), ROM_ERR_NOT_FINITE,
                    "rom_greedy_run: the error estimate is not finite (%g) at k = %lld", gmax,
                    (long long)(k + 1));
      g->estimates[it] = gmax;
      rom_log(ctx, ROM_LOG_INFO, "greedy: k = %lld, added training point %lld, max estimate %.3e",
              (long long)(k + 1), (long long)id, gmax);
      if (w.o.progress) {
        const int rc =
            w.o.progress(w.o.progress_user, it, id, g->mu + it * t->p, gmax, rom_wtime() - t0);
        ROM_CHECK_ALL(ctx, rc == 0, ROM_ERR_CALLBACK,
                      "rom_greedy_run: the progress callback returned %d at iteration %lld", rc,
                      (long long)it);
      }
      if (done == 2) {
        rom_log(ctx, ROM_LOG_WARN,
                "greedy: the adaptive pool of %lld samples is used up: the max estimate %.3e "
                "over the training set is not checked on fresh points",
                (long long)w.pool_ns, gmax);
        g->stop = ROM_GREEDY_STOP_POOL;
        break;
      }
      if (gmax <= w.o.tolerance) { /* adaptive: only after a passed safety check (done == 1) */
        g->stop = ROM_GREEDY_STOP_TOLERANCE;
        break;
      }
      if (k + 1 == w.kmax) {
        g->stop = ROM_GREEDY_STOP_MAX_SIZE;
        break;
      }
      next = argmax;
    }
  }
  g->basis = basis;
  g->rom = rom;
  basis = NULL;
  rom = NULL;
  {
    double s = rom_wtime() - t0;
    ROM_MPI(ctx, MPI_Allreduce(&s, &g->seconds, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  }
  *out = g;
  g = NULL;
cleanup:
  rom_dmat_destroy(&Vk);
  rom_basis_destroy(&basis);
  rom_affine_rom_destroy(&rom);
  rom_greedy_destroy(&g);
  rom_free(ctx, w.F);
  rom_free(ctx, w.V);
  rom_free(ctx, w.S);
  rom_free(ctx, w.u);
  rom_free(ctx, w.rhs);
  rom_free(ctx, w.c);
  rom_free(ctx, w.theta);
  rom_free(ctx, w.phi);
  rom_free(ctx, w.mu);
  rom_free(ctx, w.est);
  rom_free(ctx, w.Q);
  rom_free(ctx, w.amu);
  rom_free(ctx, w.efull);
  rom_free(ctx, w.aid);
  return err;
}

int rom_greedy_run(rom_model *model, const rom_sweep_design *training,
                   const rom_greedy_options *opts, rom_greedy **out) {
  training_set t;
  memset(&t, 0, sizeof t);
  t.design = training;
  t.ns = training ? rom_sweep_design_samples(training) : 0;
  t.p = training ? rom_sweep_design_num_parameters(training)
                 : (model ? rom_model_num_parameters(model) : 0);
  return greedy_run(model, &t, opts, out);
}

int rom_greedy_run_points(rom_model *model, rom_int ns, const double *mu,
                          const rom_greedy_options *opts, rom_greedy **out) {
  training_set t;
  memset(&t, 0, sizeof t);
  t.mu = mu;
  t.ns = mu ? ns : 0;
  t.p = model ? rom_model_num_parameters(model) : 0;
  return greedy_run(model, &t, opts, out);
}
