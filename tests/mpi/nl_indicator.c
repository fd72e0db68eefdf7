/* The residual error indicator of the nonlinear ROMs (rom_nlrom_stats.indicator_*) and the
 * greedy it drives (romkit/greedy_nonlinear.h), on a small P1 (N = 200, 40 steps) at 1, 2
 * and 4 ranks with an uneven partition. Independent checks:
 *  - the indicator of one step equals ||u1 - u0 - dt F(u1)||_2 computed here from the
 *    lifted ROM state and the model's velocity (POD-LSPG normal equations and TSQR,
 *    POD-Galerkin, NM-LSPG on a random masked autoencoder; NaN for NM-Galerkin), and
 *    with hyper-reduction equals that residual restricted to the sampled rows (gathered
 *    here);
 *  - a basis that holds the FOM trajectory gives an indicator at the FOM's Newton
 *    tolerance (zero-ish), a poor basis one many orders larger;
 *  - over a few parameters the indicator grows with the true error (same ordering);
 *  - the greedy chooses the same parameters on the distributed problem as on a serial
 *    one (MPI_COMM_SELF), so the same at 1, 2 and 4 ranks; its choices are candidates,
 *    distinct, and its first pick is the largest indicator, away from the centre; bad
 *    options fail with ROM_ERR_ARG on every rank. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define N 200
#define STEPS 40

static rom_problem *small_p1(rom_ctx *ctx, int uneven) {
  rom_problem *p = NULL;
  rom_problem_options po = rom_problem_options_default();
  po.resolution = N;
  po.steps = STEPS;
  if (uneven) po.local_rows = test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  CHECK_OK(ctx, rom_problem_create(ctx, "P1", &po, &p));
  return p;
}

/* The FOM trajectory at a (L x (STEPS + 1)), malloc'd. */
static double *fom_run(rom_problem *p, double a) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p);
  double *u0 = NULL, *T = NULL;
  u0 = malloc(sizeof(double) * (size_t)(L + 1));
  T = malloc(sizeof(double) * (size_t)((L + 1) * (STEPS + 1)));
  CHECK_OK(ctx, rom_problem_initial(p, &a, u0));
  CHECK_OK(ctx, rom_fom_integrate(rom_problem_model(p), &a, u0, 0.0, rom_problem_time_step(p),
                                  STEPS, NULL, T, NULL));
  free(u0);
  return T;
}

/* POD basis (rank k) of the runs' w^n - w^0 */
static rom_basis *pod_of(rom_problem *p, double **runs, int nruns, rom_int k) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p);
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, L, nruns * STEPS, &S));
  for (int r = 0; r < nruns; ++r)
    for (rom_int j = 0; j < STEPS; ++j)
      for (rom_int l = 0; l < L; ++l)
        rom_dmat_data(S)[l + (r * STEPS + j) * rom_dmat_ld(S)] =
            runs[r][l + (j + 1) * L] - runs[r][l];
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &po, &b));
  rom_dmat_destroy(&S);
  return b;
}

/* ||u1 - u0 - dt F(u1)||_2 over all rows, or over `rows` (ns of them) when given. */
static double residual_norm(rom_problem *p, double a, const double *u0, const double *u1,
                            rom_int ns, const rom_int *rows) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p), off = rom_problem_row_offset(p);
  const double dt = rom_problem_time_step(p);
  double *F = NULL, s = 0.0;
  F = malloc(sizeof(double) * (size_t)(L + 1));
  CHECK_OK(ctx, rom_model_velocity(rom_problem_model(p), u1, dt, &a, F));
  for (rom_int l = 0; l < L; ++l) {
    int take = rows == NULL;
    for (rom_int i = 0; i < ns && !take; ++i)
      take = rows[i] == off + l;
    if (take) {
      double r = u1[l] - u0[l] - dt * F[l];
      s += r * r;
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  free(F);
  return sqrt(s);
}

/* One step's indicator against the residual computed here, for the ROM kinds. */
static void check_one_step(rom_problem *p, double **runs) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p), k = 4;
  const double a = 1.03, dt = rom_problem_time_step(p);
  rom_basis *b = pod_of(p, runs, 1, k);
  double *u0 = NULL, *u1 = NULL, *uprev = NULL, q0[4] = {0}, q1[4];
  u0 = malloc(sizeof(double) * (size_t)(L + 1));
  u1 = malloc(sizeof(double) * (size_t)(L + 1));
  uprev = malloc(sizeof(double) * (size_t)(L + 1));
  CHECK_OK(ctx, rom_problem_initial(p, &a, u0));
  rom_mask *mask = NULL;
  rom_ae *ae = NULL; /* a random shallow masked autoencoder: the manifold ROMs */
  CHECK_OK(ctx, rom_mask_banded(ctx, N, 36, 12, &mask));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 2 * N, 3, 12 * (N - 1) + 36, ROM_ACT_SWISH, 0, mask,
                                      11, &ae));
  rom_mask_destroy(&mask);
  for (int kind = 0; kind < 6; ++kind) {
    rom_nlrom_options o = rom_nlrom_options_default();
    rom_nlrom *rom = NULL;
    rom_hyper *hr = NULL;
    rom_dmat *R = NULL;
    rom_nlrom_stats st;
    memset(&st, 0, sizeof st);
    if (kind == 1) o.lspg_solver = ROM_LSPG_TSQR;
    if (kind == 2) o.projection = ROM_NLROM_GALERKIN;
    if (kind == 3) { /* GNAT: residual basis = the state basis plus u0's direction */
      rom_hyper_options ho = rom_hyper_options_default();
      ho.method = ROM_HYPER_GNAT;
      ho.num_samples = 12;
      R = (rom_dmat *)rom_basis_vectors(b);
      CHECK_OK(ctx, rom_hyper_create(rom_problem_model(p), b, u0, R, &ho, &hr));
      R = NULL;
    }
    if (kind >= 4) { /* NM-LSPG, NM-Galerkin (latent residual: no indicator) */
      o.projection = kind == 4 ? ROM_NLROM_LSPG : ROM_NLROM_GALERKIN;
      CHECK_OK(ctx, rom_nlrom_create_manifold(rom_problem_model(p), 1, &ae, u0, NULL, &o, &rom));
    } else {
      CHECK_OK(ctx, rom_nlrom_create(rom_problem_model(p), b, u0, hr, &o, &rom));
    }
    memcpy(q1, q0, sizeof q1);
    CHECK_OK(ctx, rom_nlrom_step(rom, &a, 0.0, dt, 1, q0, NULL, q1, &st));
    if (kind == 5) {
      CHECK(st.indicator_rows == 0 && isnan(st.indicator_sum), "NM-Galerkin: no indicator");
      rom_nlrom_destroy(&rom);
      continue;
    }
    CHECK_OK(ctx, rom_nlrom_lift(rom, q0, uprev)); /* u^0 (the decoder's g(0) for NM) */
    CHECK_OK(ctx, rom_nlrom_lift(rom, q1, u1));
    double want = kind == 3 ? residual_norm(p, a, uprev, u1, rom_hyper_num_samples(hr),
                                            rom_hyper_sample_rows(hr))
                            : residual_norm(p, a, uprev, u1, 0, NULL);
    CHECK_CLOSE(st.indicator_last, want, 1e-10, "kind %d: indicator = residual norm", kind);
    CHECK(st.indicator_sum == st.indicator_last && st.indicator_max == st.indicator_last,
          "kind %d: one step: sum = max = last", kind);
    CHECK(st.indicator_rows == (kind == 3 ? rom_hyper_num_samples(hr) : N), "kind %d: rows %lld",
          kind, (long long)st.indicator_rows);
    CHECK(want > 1e-8, "kind %d: a nonzero residual (%g) makes the check meaningful", kind, want);
    /* set_reference: the wrong arrays are refused */
    CHECK_ERR(ctx, rom_nlrom_set_reference(rom, NULL, NULL), ROM_ERR_ARG);
    rom_nlrom_destroy(&rom);
    rom_hyper_destroy(&hr);
  }
  rom_basis_destroy(&b);
  rom_ae_destroy(&ae);
  free(u0);
  free(u1);
  free(uprev);
}

/* The ROM at a: indicator_sum and the true max error (%). */
static void rom_at(rom_problem *p, const rom_basis *b, double a, double *eta, double *err_max) {
  rom_ctx *ctx = rom_problem_ctx(p);
  const rom_int L = rom_problem_local_rows(p), k = rom_basis_dim(b);
  double *F = fom_run(p, a), *u0 = NULL, *R = NULL, *q = NULL, avg = 0;
  rom_nlrom *rom = NULL;
  rom_nlrom_stats st;
  u0 = malloc(sizeof(double) * (size_t)(L + 1));
  R = malloc(sizeof(double) * (size_t)((L + 1) * (STEPS + 1)));
  q = malloc(sizeof(double) * (size_t)(k * (STEPS + 1)));
  CHECK_OK(ctx, rom_problem_initial(p, &a, u0));
  CHECK_OK(ctx, rom_nlrom_create(rom_problem_model(p), b, u0, NULL, NULL, &rom));
  CHECK_OK(ctx, rom_nlrom_run(rom, &a, 0.0, rom_problem_time_step(p), STEPS, NULL, q, &st));
  for (rom_int n = 0; n <= STEPS; ++n)
    CHECK_OK(ctx, rom_nlrom_lift(rom, q + n * k, R + n * L));
  CHECK_OK(ctx, rom_problem_error(p, STEPS + 1, F, R, 0, &avg, err_max));
  *eta = st.indicator_sum;
  rom_nlrom_destroy(&rom);
  free(F);
  free(u0);
  free(R);
  free(q);
}

static void check_zero_and_growth(rom_problem *p) {
  double *run = fom_run(p, 1.0);
  double eta_full = 0, e_full = 0, eta_poor = 0, e_poor = 0;
  /* the basis spans the FOM trajectory at a = 1 (all 40 snapshots) */
  rom_basis *full = pod_of(p, &run, 1, STEPS);
  rom_at(p, full, 1.0, &eta_full, &e_full);
  rom_basis *poor = pod_of(p, &run, 1, 3);
  rom_at(p, poor, 1.0, &eta_poor, &e_poor);
  CHECK(eta_full < 1e-6 && e_full < 1e-5, "trajectory in the basis: indicator %g, error %g %%",
        eta_full, e_full);
  CHECK(eta_poor > 1e4 * eta_full && e_poor > 1e-2, "poor basis: indicator %g, error %g %%",
        eta_poor, e_poor);
  /* growth with the true error: a dim-4 ROM trained at a = 1 away from it */
  rom_basis *b = pod_of(p, &run, 1, 4);
  const double as[5] = {1.0, 1.02, 0.95, 1.08, 0.9};
  double eta[5], e[5];
  for (int i = 0; i < 5; ++i)
    rom_at(p, b, as[i], &eta[i], &e[i]);
  int concordant = 0, pairs = 0;
  for (int i = 0; i < 5; ++i)
    for (int j = i + 1; j < 5; ++j, ++pairs)
      concordant += (eta[i] - eta[j]) * (e[i] - e[j]) > 0;
  CHECK(concordant == pairs,
        "indicator and error order the 5 parameters alike (%d of %d pairs): "
        "eta %g %g %g %g %g, error %g %g %g %g %g",
        concordant, pairs, eta[0], eta[1], eta[2], eta[3], eta[4], e[0], e[1], e[2], e[3], e[4]);
  rom_basis_destroy(&full);
  rom_basis_destroy(&poor);
  rom_basis_destroy(&b);
  free(run);
}

static void greedy_on(rom_ctx *ctx, int uneven, rom_nlgreedy_result *res) {
  rom_problem *p = small_p1(ctx, uneven);
  rom_nlgreedy_options o = rom_nlgreedy_options_default();
  o.dim = 4;
  o.grid = 9;
  o.max_fom_runs = 3;
  CHECK_OK(ctx, rom_nlgreedy_run(ctx, p, &o, res));
  rom_problem_destroy(&p);
}

static void check_greedy(rom_ctx *ctx) {
  rom_nlgreedy_result *a = calloc(1, sizeof *a), *s = calloc(1, sizeof *s);
  rom_ctx *self = NULL;
  greedy_on(ctx, 1, a);
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
  greedy_on(self, 0, s);
  CHECK(a->nfom == 3 && s->nfom == 3 && a->iterations == 3,
        "3 FOM runs (%d, serial %d), %d "
        "iterations",
        a->nfom, s->nfom, a->iterations);
  CHECK(a->ncandidates == 9 && a->failed_candidates == 0, "9 candidates, %d failed",
        a->failed_candidates);
  CHECK_CLOSE(a->train[0], 1.0, 1e-15, "the first point is the centre");
  for (int t = 0; t < a->nfom; ++t)
    CHECK(a->train[t] == s->train[t], "pick %d: %.17g on %d ranks, %.17g serial", t, a->train[t],
          rom_ctx_size(ctx), s->train[t]);
  CHECK(a->train[1] != a->train[2] && a->train[1] != 1.0, "distinct picks");
  CHECK(fabs(a->train[1] - 1.0) > 0.05, "the first pick (%g) is far from the centre", a->train[1]);
  CHECK(a->max_indicator[1] < a->max_indicator[0], "the worst indicator falls: %g -> %g",
        a->max_indicator[0], a->max_indicator[1]);
  CHECK(isfinite(a->calibration[0]) && a->calibration[0] > 0 && isfinite(a->estimate_pct[1]),
        "calibration %g, estimate %g", a->calibration[0], a->estimate_pct[1]);
  for (int it = 0; it < 2; ++it)
    CHECK_CLOSE(a->max_indicator[it], s->max_indicator[it], 1e-8, "indicator %d vs serial", it);
  /* bad options: the same error on every rank */
  {
    rom_problem *p = small_p1(ctx, 1);
    rom_nlgreedy_options o = rom_nlgreedy_options_default();
    o.tolerance = -1;
    CHECK_ERR(ctx, rom_nlgreedy_run(ctx, p, &o, a), ROM_ERR_ARG);
    o = rom_nlgreedy_options_default();
    o.candidates = a->train;
    o.ncandidates = 0;
    CHECK_ERR(ctx, rom_nlgreedy_run(ctx, p, &o, a), ROM_ERR_ARG);
    o = rom_nlgreedy_options_default();
    o.max_fom_runs = 0;
    CHECK_ERR(ctx, rom_nlgreedy_run(ctx, p, &o, a), ROM_ERR_ARG);
    o = rom_nlgreedy_options_default();
    o.stall_ratio = 1.0;
    CHECK_ERR(ctx, rom_nlgreedy_run(ctx, p, &o, a), ROM_ERR_ARG);
    /* a stall ratio no FOM run can meet: one greedy FOM run, then the stop */
    o = rom_nlgreedy_options_default();
    o.dim = 4;
    o.grid = 5;
    o.stall_ratio = 0.99;
    CHECK_OK(ctx, rom_nlgreedy_run(ctx, p, &o, a));
    CHECK(a->converged == 2 && a->nfom == 2 && a->iterations == 2,
          "stalled after one greedy run: converged %d, %d FOM runs", a->converged, a->nfom);
    rom_problem_destroy(&p);
  }
  rom_ctx_destroy(&self);
  free(a);
  free(s);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  rom_problem *p = small_p1(ctx, 1);
  double *run = fom_run(p, 0.95);
  check_one_step(p, &run);
  free(run);
  check_zero_and_growth(p);
  rom_problem_destroy(&p);
  check_greedy(ctx);
  return test_finish(&ctx);
}
