/* Greedy training-parameter choice for nonlinear ROMs, driven by the residual error
 * indicator (romkit/greedy_nonlinear.h; docs/nonlinear.md, "Residual error indicator and
 * greedy training").
 *
 * Two contexts: the caller's (the problem's distributed FOM, the training runs, the POD and
 * the error metric, all collective) and a one-rank context per rank holding a replicated
 * copy of the problem and of the ROM (basis N x dim, gathered once per greedy iteration),
 * on which each rank runs its share of the candidate ROMs without communication. */
#include "romkit/fom.h"
#include "romkit/greedy_nonlinear.h"
#include "romkit/nonlinear_rom.h"
#include "workflow/workflow_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

rom_nlgreedy_options rom_nlgreedy_options_default(void) {
  rom_nlgreedy_options o;
  memset(&o, 0, sizeof o);
  o.hr_method = ROM_HYPER_DEIM_OS;
  o.grid = 21;
  o.max_fom_runs = 4;
  return o;
}

typedef struct {
  rom_ctx *ctx, *self;
  rom_problem *p, *ps; /* the caller's problem and its one-rank copy */
  rom_nlgreedy_options o;
  rom_problem_recipe rc;
  rom_int N, L, off, steps, nstates, k, nb, ns;
  double dt;
  int np;
  /* training runs: trajectories (L x nstates each) at train[t * np ..] */
  int ntrain;
  double train[ROM_PROBLEM_MAX_TRAIN * ROM_PROBLEM_MAX_PARAMETERS];
  double *traj[ROM_PROBLEM_MAX_TRAIN];
  /* the replicated ROM (on self) */
  rom_dmat *Vs, *Rs;
  rom_basis *bs;
  rom_hyper *hrs;
  rom_nlrom *rom;
  double *u0s, *u0n, *q, *lifted; /* N, nneeded, nstates x k, N */
  double fom_seconds, offline_seconds;
} nlg;

/* A call on the one-rank context: its failure is recorded there; carry the sentence over to
 * the caller's context (every rank fails alike: the replicated data are the same bits). */
#define SELF_TRY(g, expr)                                                                          \
  do {                                                                                             \
    err = (expr);                                                                                  \
    if (err != ROM_OK)                                                                             \
      ROM_FAIL((g)->ctx, err, "on the replicated ROM: %s", rom_ctx_last_error((g)->self));         \
  } while (0)

static void progress(nlg *g, const char *fmt, ...) ROM_PRINTF(2, 3);
static void progress(nlg *g, const char *fmt, ...) {
  char text[1024];
  if (rom_ctx_rank(g->ctx) != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (g->o.progress)
    g->o.progress(g->o.progress_user, text);
  else
    rom_log(g->ctx, ROM_LOG_INFO, "%s", text);
}

static void free_rom(nlg *g) {
  rom_nlrom_destroy(&g->rom);
  rom_hyper_destroy(&g->hrs);
  rom_basis_destroy(&g->bs);
  rom_dmat_destroy(&g->Vs);
  rom_dmat_destroy(&g->Rs);
  if (g->self) rom_free(g->self, g->u0n);
  g->u0n = NULL;
}

static void nlg_destroy(nlg *g) {
  free_rom(g);
  for (int t = 0; t < ROM_PROBLEM_MAX_TRAIN; ++t) {
    rom_free(g->ctx, g->traj[t]);
    g->traj[t] = NULL;
  }
  if (g->self) {
    rom_free(g->self, g->u0s);
    rom_free(g->self, g->q);
    rom_free(g->self, g->lifted);
  }
  rom_problem_destroy(&g->ps);
  rom_ctx_destroy(&g->self);
}

/* Resolves the options against the problem and builds the one-rank copy. Collective. */
static int nlg_setup(nlg *g, rom_ctx *ctx, rom_problem *problem, const rom_nlgreedy_options *o) {
  int err = ROM_OK;
  const char *name = rom_problem_name_of(problem);
  memset(g, 0, sizeof *g);
  g->ctx = ctx;
  g->p = problem;
  g->o = *o;
  ROM_TRY(ctx, rom_problem_recipe_of(problem, &g->rc));
  g->N = rom_problem_global_rows(problem);
  g->L = rom_problem_local_rows(problem);
  g->off = rom_problem_row_offset(problem);
  g->steps = rom_problem_steps(problem);
  g->nstates = g->steps + 1;
  g->dt = rom_problem_time_step(problem);
  g->np = rom_problem_num_parameters(problem);
  ROM_CHECK(ctx, g->steps > 0, ROM_ERR_UNSUPPORTED,
            "problem %s is steady: the nonlinear greedy trains time-dependent ROMs", name);
  ROM_CHECK(ctx, rom_problem_num_components(problem) == 1, ROM_ERR_UNSUPPORTED,
            "problem %s has %d components: the nonlinear greedy builds one POD basis (one "
            "component)",
            name, rom_problem_num_components(problem));
  ROM_CHECK(ctx, g->np >= 1 && g->np <= ROM_PROBLEM_MAX_PARAMETERS, ROM_ERR_UNSUPPORTED,
            "problem %s has %d parameters", name, g->np);
  ROM_CHECK(ctx, o->dim >= 0 && o->hr_basis >= 0 && o->hr_samples >= 0, ROM_ERR_ARG,
            "dim = %lld, hr_basis = %lld, hr_samples = %lld must be >= 0 (0: the recipe's)",
            (long long)o->dim, (long long)o->hr_basis, (long long)o->hr_samples);
  g->k = o->dim ? o->dim : g->rc.dim;
  g->nb = o->hr_basis ? o->hr_basis : g->rc.hr_basis;
  g->ns = o->hr_samples ? o->hr_samples : g->rc.hr_samples;
  if (o->hyper && (o->hr_method == ROM_HYPER_DEIM || o->hr_method == ROM_HYPER_QDEIM) &&
      !o->hr_samples)
    g->ns = g->nb;
  ROM_CHECK(ctx, g->k >= 1 && g->k <= g->N && g->k <= g->steps, ROM_ERR_ARG,
            "dim = %lld must be in 1..min(N = %lld, steps = %lld)", (long long)g->k,
            (long long)g->N, (long long)g->steps);
  ROM_CHECK(ctx, !o->hyper || (g->nb >= g->k && g->ns >= g->nb && g->ns <= g->N), ROM_ERR_ARG,
            "hyper-reduction sizes: need dim = %lld <= hr_basis = %lld <= hr_samples = %lld <= "
            "N = %lld",
            (long long)g->k, (long long)g->nb, (long long)g->ns, (long long)g->N);
  ROM_CHECK(ctx, strcmp(rom_hyper_method_name(o->hr_method), "unknown") != 0, ROM_ERR_ARG,
            "hr_method = %d is not a hyper-reduction method", (int)o->hr_method);
  ROM_CHECK(ctx, o->max_iterations >= 0, ROM_ERR_ARG, "max_iterations = %d must be >= 0",
            o->max_iterations);
  ROM_CHECK(ctx, o->rom_tolerance >= 0 && isfinite(o->rom_tolerance), ROM_ERR_ARG,
            "rom_tolerance = %g must be finite and >= 0", o->rom_tolerance);
  ROM_TRY(ctx, rom_ctx_create(MPI_COMM_SELF, &g->self));
  SELF_TRY(g, rom_problem_create_for_rows(g->self, name, g->N, ROM_AUTO_ROWS, &g->ps));
  SELF_TRY(g, rom_calloc(g->self, (size_t)g->N + 1, sizeof(double), (void **)&g->u0s));
  SELF_TRY(g, rom_calloc(g->self, (size_t)g->N + 1, sizeof(double), (void **)&g->lifted));
  SELF_TRY(g, rom_calloc(g->self, (size_t)(g->nstates * g->k), sizeof(double), (void **)&g->q));
cleanup:
  return err;
}

/* The FOM run at mu, appended to the training set. Collective. */
static int nlg_add_fom(nlg *g, const double *mu) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  double *u0 = NULL, *tr = NULL;
  const int t = g->ntrain;
  ROM_CHECK(ctx, t < ROM_PROBLEM_MAX_TRAIN, ROM_ERR_ARG, "more than %d training runs",
            ROM_PROBLEM_MAX_TRAIN);
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)g->L + 1, sizeof(double), (void **)&u0));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)((g->L + 1) * g->nstates), sizeof(double), (void **)&tr));
  ROM_TRY(ctx, rom_problem_initial(g->p, mu, u0));
  rom_fom_options fo = rom_fom_options_default();
  double t0 = MPI_Wtime();
  ROM_TRY(ctx,
          rom_fom_integrate(rom_problem_model(g->p), mu, u0, 0.0, g->dt, g->steps, &fo, tr, NULL));
  g->fom_seconds += MPI_Wtime() - t0;
  memcpy(g->train + (size_t)t * (size_t)g->np, mu, sizeof(double) * (size_t)g->np);
  g->traj[t] = tr;
  tr = NULL;
  g->ntrain++;
cleanup:
  rom_free(ctx, u0);
  rom_free(ctx, tr);
  return err;
}

/* The distributed columns of D (L x cols, ld) on every rank as the N x cols matrix out of
 * the one-rank context. Collective. */
static int gather_columns(nlg *g, const rom_dmat *D, rom_dmat **out) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  const int P = rom_ctx_size(ctx);
  int *counts = NULL, *displs = NULL, n = (int)g->L;
  const rom_int cols = rom_dmat_cols(D), ld = rom_dmat_ld(D);
  const double *src = rom_dmat_data_const(D);
  ROM_CHECK(ctx, g->N <= 2147483647, ROM_ERR_UNSUPPORTED, "N = %lld beyond MPI's int counts",
            (long long)g->N);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs));
  ROM_MPI(ctx, MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx)));
  for (int r = 0, o = 0; r < P; o += counts[r], ++r)
    displs[r] = o;
  SELF_TRY(g, rom_dmat_create(g->self, g->N, cols, out));
  {
    double *dst = rom_dmat_data(*out);
    const rom_int ldd = rom_dmat_ld(*out);
    for (rom_int j = 0; j < cols; ++j)
      ROM_MPI(ctx, MPI_Allgatherv(n > 0 ? src + j * ld : NULL, n, MPI_DOUBLE, dst + j * ldd, counts,
                                  displs, MPI_DOUBLE, rom_ctx_comm(ctx)));
  }
cleanup:
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  return err;
}

/* POD of this rank's snapshot columns S (L x cols), rank r, gathered onto every rank's
 * one-rank context. raw = 0: w^n - w^0, n = 1..steps; 1: the raw states n = 0..steps. */
static int replicated_pod(nlg *g, int raw, rom_int r, rom_dmat **out) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  const rom_int per = raw ? g->nstates : g->steps, cols = per * g->ntrain;
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  ROM_TRY(ctx, rom_dmat_create(ctx, g->L, cols, &S));
  {
    double *D = rom_dmat_data(S);
    const rom_int ld = rom_dmat_ld(S);
    for (int t = 0; t < g->ntrain; ++t)
      for (rom_int j = 0; j < per; ++j)
        for (rom_int l = 0; l < g->L; ++l) {
          const double *T = g->traj[t];
          D[l + (t * per + j) * ld] = raw ? T[l + j * g->L] : T[l + (j + 1) * g->L] - T[l];
        }
  }
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = r < cols ? r : cols;
  ROM_TRY(ctx, rom_pod_compute(S, &po, &b));
  ROM_TRY(ctx, gather_columns(g, rom_basis_vectors(b), out));
cleanup:
  rom_basis_destroy(&b);
  rom_dmat_destroy(&S);
  return err;
}

/* The replicated ROM of the current training set. Collective (the POD). */
static int nlg_build(nlg *g) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  double t0 = MPI_Wtime();
  free_rom(g);
  ROM_TRY(ctx, replicated_pod(g, 0, g->k, &g->Vs));
  ROM_CHECK(ctx, rom_dmat_cols(g->Vs) == g->k, ROM_ERR_ARG,
            "the training runs give %lld snapshots, fewer than dim = %lld",
            (long long)rom_dmat_cols(g->Vs), (long long)g->k);
  SELF_TRY(g, rom_basis_create(g->Vs, NULL, 0, NULL, &g->bs));
  SELF_TRY(g, rom_problem_initial(g->ps, g->train, g->u0s));
  if (g->o.hyper) {
    /* the reproduction's recipe (docs/problems.md, P1): residual basis of the raw states */
    rom_hyper_options ho = rom_hyper_options_default();
    ROM_TRY(ctx, replicated_pod(g, 1, g->nb, &g->Rs));
    ho.method = g->o.hr_method;
    ho.residual_dim = rom_dmat_cols(g->Rs);
    ho.num_samples = g->ns;
    SELF_TRY(g, rom_hyper_create(rom_problem_model(g->ps), g->bs, g->u0s, g->Rs, &ho, &g->hrs));
    SELF_TRY(g, rom_calloc(g->self, (size_t)rom_hyper_num_needed(g->hrs) + 1, sizeof(double),
                           (void **)&g->u0n));
  }
  {
    rom_nlrom_options no = rom_nlrom_options_default();
    no.projection = ROM_NLROM_LSPG;
    no.max_iterations = g->o.max_iterations ? g->o.max_iterations : g->rc.max_iterations;
    no.tolerance = g->o.rom_tolerance > 0 ? g->o.rom_tolerance : g->rc.tolerance;
    SELF_TRY(g, rom_nlrom_create(rom_problem_model(g->ps), g->bs, g->u0s, g->hrs, &no, &g->rom));
  }
  g->offline_seconds += MPI_Wtime() - t0;
cleanup:
  return err;
}

/* The replicated ROM at mu on this rank alone: the indicator, and the reduced trajectory in
 * g->q. Returns the ROM's error code (on the one-rank context; not collective). */
static int nlg_rom_run(nlg *g, const double *mu, double *eta) {
  int err = ROM_OK;
  rom_ctx *self = g->self;
  rom_nlrom_stats st;
  *eta = INFINITY;
  ROM_TRY(self, rom_problem_initial(g->ps, mu, g->u0s));
  if (g->hrs) {
    const rom_int nn = rom_hyper_num_needed(g->hrs);
    const rom_int *rows = rom_hyper_needed_rows(g->hrs);
    for (rom_int i = 0; i < nn; ++i)
      g->u0n[i] = g->u0s[rows[i]];
  }
  ROM_TRY(self, rom_nlrom_set_reference(g->rom, g->u0s, g->hrs ? g->u0n : NULL));
  ROM_TRY(self, rom_nlrom_run(g->rom, mu, 0.0, g->dt, g->steps, NULL, g->q, &st));
  *eta = isfinite(st.indicator_sum) ? st.indicator_sum : INFINITY;
cleanup:
  return err;
}

/* The problem's error (avg %, max %) of the replicated ROM at mu against this rank's rows of
 * the FOM trajectory F. A failed ROM gives NaN. Collective. */
static int nlg_error(nlg *g, const double *mu, const double *F, double *avg, double *max) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  double eta = 0.0, *R = NULL;
  const int ok = rom_all_ok(ctx, nlg_rom_run(g, mu, &eta) == ROM_OK);
  *avg = *max = NAN;
  if (!ok) goto cleanup;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)((g->L + 1) * g->nstates), sizeof(double), (void **)&R));
  for (rom_int n = 0; n < g->nstates; ++n) {
    SELF_TRY(g, rom_nlrom_lift(g->rom, g->q + n * g->k, g->lifted));
    memcpy(R + n * g->L, g->lifted + g->off, sizeof(double) * (size_t)g->L);
  }
  ROM_TRY(ctx, rom_problem_error(g->p, g->nstates, F, R, 0, avg, max));
cleanup:
  rom_free(ctx, R);
  return err;
}

/* The default candidates: `grid` points per parameter over the problem's box (log-spaced
 * where it samples log-uniformly), the first parameter fastest. */
static int default_candidates(nlg *g, int grid, double **out, int *count) {
  int err = ROM_OK;
  rom_ctx *ctx = g->ctx;
  double lo[ROM_PROBLEM_MAX_PARAMETERS], hi[ROM_PROBLEM_MAX_PARAMETERS];
  int lg[ROM_PROBLEM_MAX_PARAMETERS];
  double total = 1.0;
  ROM_CHECK(ctx, grid >= 2, ROM_ERR_ARG, "grid = %d must be >= 2", grid);
  for (int i = 0; i < g->np; ++i)
    total *= grid;
  ROM_CHECK(ctx, total <= ROM_NLGREEDY_MAX_CANDIDATES, ROM_ERR_ARG,
            "grid = %d gives %g candidates for %d parameters (at most %d): pass candidates", grid,
            total, g->np, ROM_NLGREEDY_MAX_CANDIDATES);
  rom_problem_parameter_range(g->p, lo, hi, lg);
  *count = (int)total;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(*count * g->np), (void **)out));
  for (int c = 0; c < *count; ++c)
    for (int i = 0, rest = c; i < g->np; ++i, rest /= grid) {
      const double s = (double)(rest % grid) / (double)(grid - 1);
      (*out)[c * g->np + i] =
          lg[i] ? exp(log(lo[i]) + s * (log(hi[i]) - log(lo[i]))) : lo[i] + s * (hi[i] - lo[i]);
    }
cleanup:
  return err;
}

static int is_training_point(const nlg *g, const double *mu) {
  for (int t = 0; t < g->ntrain; ++t)
    if (!memcmp(g->train + (size_t)t * (size_t)g->np, mu, sizeof(double) * (size_t)g->np)) return 1;
  return 0;
}

int rom_nlgreedy_run(rom_ctx *ctx, rom_problem *problem, const rom_nlgreedy_options *opts,
                     rom_nlgreedy_result *res) {
  int err = ROM_OK;
  nlg g;
  double *cand = NULL, *eta = NULL;
  int ncand = 0;
  const int P = ctx ? rom_ctx_size(ctx) : 1, me = ctx ? rom_ctx_rank(ctx) : 0;
  memset(&g, 0, sizeof g);
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, problem && opts && res, ROM_ERR_ARG, "problem, opts and result must not be NULL");
  memset(res, 0, sizeof *res);
  ROM_CHECK(ctx, opts->tolerance >= 0 && opts->indicator_tolerance >= 0, ROM_ERR_ARG,
            "tolerance = %g and indicator_tolerance = %g must be >= 0 (0: none)", opts->tolerance,
            opts->indicator_tolerance);
  ROM_CHECK(ctx, opts->stall_ratio >= 0 && opts->stall_ratio < 1, ROM_ERR_ARG,
            "stall_ratio = %g must be in [0, 1) (0: none)", opts->stall_ratio);
  ROM_CHECK(ctx, opts->max_fom_runs >= 1 && opts->max_fom_runs <= ROM_PROBLEM_MAX_TRAIN,
            ROM_ERR_ARG, "max_fom_runs = %d must be in 1..%d", opts->max_fom_runs,
            ROM_PROBLEM_MAX_TRAIN);
  ROM_CHECK(ctx, !opts->initial || (opts->ninitial >= 1 && opts->ninitial <= opts->max_fom_runs),
            ROM_ERR_ARG, "ninitial = %d must be in 1..max_fom_runs = %d", opts->ninitial,
            opts->max_fom_runs);
  ROM_TRY(ctx, nlg_setup(&g, ctx, problem, opts));
  const int np = g.np;
  if (opts->candidates) {
    ROM_CHECK(ctx, opts->ncandidates >= 1 && opts->ncandidates <= ROM_NLGREEDY_MAX_CANDIDATES,
              ROM_ERR_ARG, "ncandidates = %d must be in 1..%d (an empty candidate set?)",
              opts->ncandidates, ROM_NLGREEDY_MAX_CANDIDATES);
    ncand = opts->ncandidates;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(ncand * np), (void **)&cand));
    memcpy(cand, opts->candidates, sizeof(double) * (size_t)(ncand * np));
  } else {
    ROM_TRY(ctx, default_candidates(&g, opts->grid, &cand, &ncand));
  }
  for (int i = 0; i < ncand * np; ++i)
    ROM_CHECK(ctx, isfinite(cand[i]), ROM_ERR_ARG, "candidates[%d] = %g is not finite", i, cand[i]);
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)ncand, sizeof(double), (void **)&eta));
  res->num_parameters = np;
  res->ncandidates = ncand;
  res->dim = g.k;
  res->hyper = opts->hyper;
  res->hr_basis = opts->hyper ? g.nb : 0;
  res->hr_samples = opts->hyper ? g.ns : 0;

  /* the initial training runs: the given points, or the centre of the box */
  if (opts->initial) {
    for (int t = 0; t < opts->ninitial; ++t)
      ROM_TRY(ctx, nlg_add_fom(&g, opts->initial + (size_t)t * (size_t)np));
  } else {
    double lo[ROM_PROBLEM_MAX_PARAMETERS], hi[ROM_PROBLEM_MAX_PARAMETERS],
        mid[ROM_PROBLEM_MAX_PARAMETERS];
    int lg[ROM_PROBLEM_MAX_PARAMETERS];
    rom_problem_parameter_range(problem, lo, hi, lg);
    for (int i = 0; i < np; ++i)
      mid[i] = lg[i] ? sqrt(lo[i] * hi[i]) : 0.5 * (lo[i] + hi[i]);
    ROM_TRY(ctx, nlg_add_fom(&g, mid));
  }
  res->ninitial = g.ntrain;
  progress(&g, "nonlinear greedy on %s: POD-LSPG%s, dim %lld, %d candidates, %d rank(s)\n",
           rom_problem_name_of(problem), opts->hyper ? "-HR" : "", (long long)g.k, ncand, P);

  double calib = NAN, rom_seconds = 0.0;
  for (int it = 0;; ++it) {
    ROM_TRY(ctx, nlg_build(&g));
    /* every rank its share of the candidates, alone; one reduction gathers them */
    double t0 = MPI_Wtime();
    int failed = 0;
    memset(eta, 0, sizeof(double) * (size_t)ncand);
    for (int c = me; c < ncand; c += P)
      if (nlg_rom_run(&g, cand + (size_t)c * (size_t)np, &eta[c]) != ROM_OK) {
        eta[c] = INFINITY; /* a ROM that fails there is the worst candidate */
        failed++;
      }
    rom_seconds += MPI_Wtime() - t0;
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, eta, ncand, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_SUM, rom_ctx_comm(ctx)));
    res->failed_candidates += failed;
    int best = -1;
    for (int c = 0; c < ncand; ++c)
      if (!is_training_point(&g, cand + (size_t)c * (size_t)np) && (best < 0 || eta[c] > eta[best]))
        best = c;
    res->iterations = it + 1;
    if (best < 0) { /* every candidate is a training point */
      res->converged = 1;
      res->max_indicator[it] = 0.0;
      res->estimate_pct[it] = res->true_error_pct[it] = res->calibration[it] = NAN;
      break;
    }
    const double *mu = cand + (size_t)best * (size_t)np;
    res->max_indicator[it] = eta[best];
    res->argmax[it] = best;
    res->estimate_pct[it] = calib * eta[best];
    res->true_error_pct[it] = res->calibration[it] = NAN;
    progress(&g,
             "  iteration %d: %d training runs, max indicator %.6g at candidate %d (mu_0 = %g)"
             ", estimate %.4g %%\n",
             it, g.ntrain, eta[best], best, mu[0], res->estimate_pct[it]);
    if ((opts->indicator_tolerance > 0 && eta[best] <= opts->indicator_tolerance) ||
        (opts->tolerance > 0 && isfinite(calib) && calib * eta[best] <= opts->tolerance)) {
      res->converged = 1;
      break;
    }
    if (it > 0 && opts->stall_ratio > 0 &&
        eta[best] > (1.0 - opts->stall_ratio) * res->max_indicator[it - 1]) {
      res->converged = 2;
      progress(&g, "  stalled: the last FOM run lowered the max indicator by less than %g %%\n",
               100.0 * opts->stall_ratio);
      break;
    }
    if (g.ntrain >= opts->max_fom_runs) break;
    /* the FOM at mu*: its snapshots join the training set, and the current ROM's true
     * error there calibrates the indicator (libROM's local calibration) */
    ROM_TRY(ctx, nlg_add_fom(&g, mu));
    {
      double avg = NAN, mx = NAN;
      ROM_TRY(ctx, nlg_error(&g, mu, g.traj[g.ntrain - 1], &avg, &mx));
      res->true_error_pct[it] = mx;
      if (isfinite(mx) && isfinite(eta[best]) && eta[best] > 0) calib = mx / eta[best];
      res->calibration[it] = calib;
    }
  }
  res->nfom = g.ntrain;
  memcpy(res->train, g.train, sizeof(double) * (size_t)(g.ntrain * np));
  res->fom_seconds = g.fom_seconds;
  res->offline_seconds = g.offline_seconds;
  ROM_MPI(ctx, MPI_Allreduce(&rom_seconds, &res->rom_seconds, 1, MPI_DOUBLE, MPI_MAX,
                             rom_ctx_comm(ctx)));
cleanup:
  rom_free(ctx, cand);
  rom_free(ctx, eta);
  nlg_destroy(&g);
  return err;
}

int rom_nlgreedy_test_error(rom_ctx *ctx, rom_problem *problem, const rom_nlgreedy_options *opts,
                            const double *train, int ntrain, const double *test, int ntest,
                            double *avg_pct, double *max_pct) {
  int err = ROM_OK;
  nlg g;
  memset(&g, 0, sizeof g);
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, problem && opts && train && test && avg_pct && max_pct, ROM_ERR_ARG,
            "problem, opts, train, test, avg_pct and max_pct must not be NULL");
  ROM_CHECK(ctx, ntrain >= 1 && ntrain <= ROM_PROBLEM_MAX_TRAIN, ROM_ERR_ARG,
            "ntrain = %d must be in 1..%d", ntrain, ROM_PROBLEM_MAX_TRAIN);
  ROM_CHECK(ctx, ntest >= 1, ROM_ERR_ARG, "ntest = %d must be >= 1", ntest);
  ROM_TRY(ctx, nlg_setup(&g, ctx, problem, opts));
  for (int t = 0; t < ntrain; ++t)
    ROM_TRY(ctx, nlg_add_fom(&g, train + (size_t)t * (size_t)g.np));
  ROM_TRY(ctx, nlg_build(&g));
  for (int i = 0; i < ntest; ++i) {
    /* the test FOM run in the last training slot, taken out again */
    ROM_TRY(ctx, nlg_add_fom(&g, test + (size_t)i * (size_t)g.np));
    g.ntrain--;
    err =
        nlg_error(&g, test + (size_t)i * (size_t)g.np, g.traj[g.ntrain], &avg_pct[i], &max_pct[i]);
    rom_free(ctx, g.traj[g.ntrain]);
    g.traj[g.ntrain] = NULL;
    ROM_TRY(ctx, err);
  }
cleanup:
  nlg_destroy(&g);
  return err;
}
