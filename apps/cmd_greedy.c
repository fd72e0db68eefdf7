/* romkit greedy — a reduced basis for an affine problem chosen by the greedy
 * (romkit/greedy.h, docs/greedy.md): the training set is a parameter design (grid, Latin
 * hypercube, Monte Carlo) in the problem's ranges, the FOM is solved only at the points the
 * estimator picks, and the ROM is written as an affine_rom file (romkit sweep reads it).
 *
 * --compare-pod K,K,...: the measurement of docs/greedy.md. After the greedy, for each K the
 * greedy basis truncated to K vectors and POD of K random FOM solves (Monte Carlo, seed + 1)
 * are evaluated over --test-samples Monte Carlo test points (seed + 2) against the FOM; and
 * the number of random FOM solves POD needs for a max test error <= --tol is searched (when the
 * greedy stopped at the tolerance). --pod-draws D repeats the POD side with D independent
 * random draws (seeds seed + 1 + 100 j) and reports the min / median / max over them. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GREEDY_MAX_PARAMETERS 64
#define GREEDY_MAX_COMPARE 16
#define GREEDY_MAX_DRAWS 16
#define GREEDY_POOL_SAMPLES ((rom_int)1 << 40) /* the adaptive pool: Monte Carlo, unbounded */

static const char *const help =
    "usage: [mpirun -n P] romkit greedy [--problem NAME] [--resolution n] [--design "
    "{grid,lhs,mc}]\n"
    "                      [--samples N] [--seed S] [--estimator {weak,strong}] [--tol T]\n"
    "                      [--max-size K] [--out ROM.h5] [--basis BASIS.h5] [--overwrite]\n"
    "                      [--first argmax|INDEX] [--energy] [--adaptive]\n"
    "                      [--validation-samples V] [--compare-pod K[,K...]]\n"
    "                      [--test-samples M] [--pod-draws D]\n\n"
    "Builds a reduced basis by the greedy: the estimator is evaluated at every training point\n"
    "(the points split over the ranks), the FOM is solved at the worst one through the\n"
    "problem's solver, the snapshot is orthonormalised against the basis (Gram-Schmidt\n"
    "twice) and the ROM updated; stops when the max estimate <= --tol or at --max-size.\n"
    "Prints one line per iteration (k, the training point chosen, the max estimate).\n\n"
    "  --problem NAME   an affine problem (default heat, i.e. P3); a non-affine one (P1, P2)\n"
    "                   runs 'romkit greedy-nonlinear' with the same arguments (see its --help)\n"
    "  --resolution n   the problem's resolution (P3: interior nodes per direction, 64)\n"
    "  --design D       the training set: grid, lhs (default) or mc, in the problem's\n"
    "                   parameter ranges (P3: [0.1, 10]^4, log-uniform)\n"
    "  --samples N      training points (default 1000; grid: n^p)\n"
    "  --seed S         seed of lhs / mc (default 42)\n"
    "  --estimator E    weak (default: the a-posteriori error bound) or strong (the true\n"
    "                   error: a FOM solve at every training point, for small sets)\n"
    "  --tol T          target max estimate (default 1e-6)\n"
    "  --max-size K     the largest basis (default 50)\n"
    "  --first F        the first snapshot: argmax (default: where the estimate of the empty\n"
    "                   basis is largest, as pyMOR's weak greedy) or a training index\n"
    "  --energy         weak: bound the energy norm |||e|||_mu instead of the X norm\n"
    "  --adaptive       adaptive training set (Hesthaven, Stamm, Zhang 2014; weak only):\n"
    "                   resolved points are replaced by fresh Monte Carlo points (seed + 3),\n"
    "                   and the tolerance must also hold on --validation-samples fresh\n"
    "                   points (default: --samples) before the greedy stops\n"
    "  --out FILE       the ROM (kind affine_rom); --basis FILE the basis (kind basis)\n"
    "  --compare-pod L  for each K in L: max true error over --test-samples (default 1000)\n"
    "                   Monte Carlo test points of the greedy basis truncated to K vectors\n"
    "                   and of POD of K random FOM solves; then the random FOM solves POD\n"
    "                   needs for a max true error <= --tol (when the greedy reached it)\n"
    "  --pod-draws D    POD of D independent random draws (default 1): min/median/max\n"
    "  --json           one JSON object on stdout (the chosen points and the max estimate per\n"
    "                   iteration, the stop reason, FOM solves, seconds, the files written,\n"
    "                   the --compare-pod table); the text goes to stderr\n\n"
    "problems (--problem NAME):\n";

typedef struct {
  const char *problem, *design, *out_path, *basis_path, *estimator, *compare_text;
  rom_int samples, seed, max_size, resolution, test_samples, first, validation, draws;
  double tol;
  int overwrite, adaptive, energy;
} greedy_options;

static int parse(rom_ctx *ctx, int argc, char **argv, greedy_options *o) {
  memset(o, 0, sizeof *o);
  o->problem = "heat";
  o->design = "lhs";
  o->estimator = "weak";
  o->samples = 1000;
  o->seed = 42;
  o->max_size = 50;
  o->tol = 1e-6;
  o->test_samples = 1000;
  o->first = ROM_GREEDY_FIRST_ARGMAX;
  o->draws = 1;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--overwrite")) {
      o->overwrite = 1;
      continue;
    }
    if (!strcmp(a, "--energy")) {
      o->energy = 1;
      continue;
    }
    if (!strcmp(a, "--adaptive")) {
      o->adaptive = 1;
      continue;
    }
    if (i + 1 >= argc || a[0] != '-')
      return cli_usage_error(ctx, "greedy", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--problem")) {
      o->problem = v;
    } else if (!strcmp(a, "--design")) {
      o->design = v;
    } else if (!strcmp(a, "--estimator")) {
      o->estimator = v;
    } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
      o->out_path = v;
    } else if (!strcmp(a, "--basis")) {
      o->basis_path = v;
    } else if (!strcmp(a, "--compare-pod")) {
      o->compare_text = v;
    } else if (!strcmp(a, "--samples")) {
      if (cli_parse_int(v, &o->samples) || o->samples < 1)
        return cli_usage_error(ctx, "greedy", "--samples expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--test-samples")) {
      if (cli_parse_int(v, &o->test_samples) || o->test_samples < 1)
        return cli_usage_error(ctx, "greedy", "--test-samples expects an integer >= 1, got '%s'",
                               v);
    } else if (!strcmp(a, "--first")) {
      if (!strcmp(v, "argmax"))
        o->first = ROM_GREEDY_FIRST_ARGMAX;
      else if (cli_parse_int(v, &o->first) || o->first < 0)
        return cli_usage_error(ctx, "greedy",
                               "--first expects 'argmax' or a training index >= 0, got '%s'", v);
    } else if (!strcmp(a, "--validation-samples")) {
      if (cli_parse_int(v, &o->validation) || o->validation < 1)
        return cli_usage_error(ctx, "greedy",
                               "--validation-samples expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--pod-draws")) {
      if (cli_parse_int(v, &o->draws) || o->draws < 1 || o->draws > GREEDY_MAX_DRAWS)
        return cli_usage_error(ctx, "greedy", "--pod-draws expects an integer in 1..%d, got '%s'",
                               GREEDY_MAX_DRAWS, v);
    } else if (!strcmp(a, "--seed")) {
      if (cli_parse_int(v, &o->seed) || o->seed < 0)
        return cli_usage_error(ctx, "greedy", "--seed expects an integer >= 0, got '%s'", v);
    } else if (!strcmp(a, "--max-size")) {
      if (cli_parse_int(v, &o->max_size) || o->max_size < 1)
        return cli_usage_error(ctx, "greedy", "--max-size expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--resolution")) {
      if (cli_parse_int(v, &o->resolution) || o->resolution < 1)
        return cli_usage_error(ctx, "greedy", "--resolution expects an integer >= 1, got '%s'", v);
    } else if (!strcmp(a, "--tol")) {
      if (cli_parse_double(v, &o->tol) || !(o->tol > 0.0) || !isfinite(o->tol))
        return cli_usage_error(ctx, "greedy", "--tol expects a finite number > 0, got '%s'", v);
    } else {
      return cli_usage_error(ctx, "greedy", "unknown option '%s'", a);
    }
  }
  if (o->compare_text) { /* checked before the greedy runs (compare_pod checks again) */
    double ks[GREEDY_MAX_COMPARE];
    const int nk = cli_parse_double_list(o->compare_text, ks, GREEDY_MAX_COMPARE);
    if (nk < 1)
      return cli_usage_error(ctx, "greedy", "--compare-pod '%s' is not a list of at most %d sizes",
                             o->compare_text, GREEDY_MAX_COMPARE);
    for (int j = 0; j < nk; ++j)
      if (!(ks[j] >= 1 && ks[j] <= 400 && ks[j] == floor(ks[j])))
        return cli_usage_error(ctx, "greedy", "--compare-pod: %g is not an integer in 1..400",
                               ks[j]);
  }
  rom_sweep_design_kind kind;
  if (rom_sweep_design_kind_from_name(o->design, &kind))
    return cli_usage_error(ctx, "greedy", "--design must be grid, lhs or mc, got '%s'", o->design);
  rom_greedy_estimator est;
  if (rom_greedy_estimator_from_name(o->estimator, &est))
    return cli_usage_error(ctx, "greedy", "--estimator must be weak or strong, got '%s'",
                           o->estimator);
  if (o->adaptive && est != ROM_GREEDY_WEAK)
    return cli_usage_error(ctx, "greedy",
                           "--adaptive needs --estimator weak (the strong estimator solves the "
                           "FOM at every training point)");
  if (o->energy && est != ROM_GREEDY_WEAK)
    return cli_usage_error(ctx, "greedy", "--energy needs --estimator weak");
  if (o->validation && !o->adaptive)
    return cli_usage_error(ctx, "greedy", "--validation-samples needs --adaptive");
  if (o->first >= 0 && o->first >= o->samples && strcmp(o->design, "grid"))
    return cli_usage_error(ctx, "greedy", "--first %lld is not a training index (--samples %lld)",
                           (long long)o->first, (long long)o->samples);
  if (!rom_problem_find(o->problem)) {
    char known[512];
    return cli_usage_error(ctx, "greedy", "--problem '%s' is not known (known: %s)", o->problem,
                           rom_problem_names(known, sizeof known));
  }
  return CLI_EXIT_OK;
}

typedef struct {
  rom_ctx *ctx;
  int p;
  rom_int capacity;
  double *seconds; /* per iteration, for --json (capacity entries; NULL: not kept) */
} progress_state;

static int progress(void *user, rom_int iteration, rom_int index, const double *mu,
                    double max_estimate, double seconds) {
  progress_state *s = user;
  char text[256];
  if (s->seconds && iteration >= 0 && iteration < s->capacity) s->seconds[iteration] = seconds;
  size_t n = 0;
  text[0] = '\0';
  for (int j = 0; j < s->p && n + 16 < sizeof text; ++j)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s%.4g", j ? ", " : "", mu[j]);
  cli_printf(s->ctx, "  k = %3lld  point %6lld  mu = (%s)  max estimate %.3e  %.2f s\n",
             (long long)iteration + 1, (long long)index, text, max_estimate, seconds);
  return 0;
}

/* u = A(theta(mu))^{-1} f(mu) through the model's solver. Collective. */
static int fom_solve(rom_model *m, const double *mu, rom_int L, const double *F, double *u) {
  int rc = ROM_OK;
  const int Qa = rom_model_operator_terms(m), Qf = rom_model_rhs_terms(m);
  double theta[GREEDY_MAX_PARAMETERS], phi[GREEDY_MAX_PARAMETERS];
  double *rhs = calloc((size_t)L + 1, sizeof(double));
  if (!rhs) return ROM_ERR_NOMEM;
  if (Qa > GREEDY_MAX_PARAMETERS || Qf > GREEDY_MAX_PARAMETERS) {
    rc = ROM_ERR_UNSUPPORTED;
    goto done;
  }
  if ((rc = rom_model_operator_coefficients(m, mu, theta))) goto done;
  if ((rc = rom_model_rhs_coefficients(m, mu, phi))) goto done;
  for (int q = 0; q < Qf; ++q)
    for (rom_int l = 0; l < L; ++l)
      rhs[l] += phi[q] * F[q * L + l];
  rc = rom_model_affine_solve(m, theta, 0.0, 1.0, 0, rhs, u);
done:
  free(rhs);
  return rc;
}

/* y = X v with X = A(theta_bar), theta_bar = 1 (all ones): the inner-product matrix of the
 * error bounds (romkit/affine_rom.h, rom_estimator_options: theta_bar NULL = all ones).
 * Collective. */
static int apply_x(rom_model *m, rom_int L, const double *v, double *y, double *tmp) {
  int rc = ROM_OK;
  const int Qa = rom_model_operator_terms(m);
  for (rom_int l = 0; l < L; ++l)
    y[l] = 0.0;
  for (int q = 0; q < Qa; ++q) {
    if ((rc = rom_model_apply_operator_term(m, q, v, tmp))) return rc;
    for (rom_int l = 0; l < L; ++l)
      y[l] += tmp[l];
  }
  return rc;
}

/* The test set: parameters, FOM solutions U and X U (L x nt each). */
typedef struct {
  rom_int nt, L, Ls;
  int p;
  double *mu, *U, *XU, *tmp;
} test_set;

/* Max errors over the test set of the Galerkin ROM on basis b: Euclidean ||u - Phi q||_2
 * and ||u - Phi q||_X (X e = X u - (X Phi) q, so no norm is formed by subtraction of
 * squares). Collective. */
static int max_errors(rom_ctx *ctx, rom_model *m, const rom_basis *b, const test_set *t,
                      double *e2max, double *exmax) {
  int rc = ROM_OK;
  rom_affine_rom *rom = NULL;
  const rom_int k = rom_basis_dim(b), L = t->L, Ls = t->Ls;
  const double *V = rom_dmat_data_const(rom_basis_vectors(b));
  const rom_int ldv = rom_dmat_ld(rom_basis_vectors(b));
  double theta[GREEDY_MAX_PARAMETERS], phi[GREEDY_MAX_PARAMETERS];
  double *q = calloc((size_t)k, sizeof(double)), *XV = calloc((size_t)(Ls * k), sizeof(double));
  double *e = calloc((size_t)Ls, sizeof(double)), *xe = calloc((size_t)Ls, sizeof(double));
  double *loc = calloc((size_t)(2 * t->nt), sizeof(double));
  if (!q || !XV || !e || !xe || !loc) {
    rc = ROM_ERR_NOMEM;
    goto done;
  }
  for (rom_int j = 0; j < k; ++j)
    if ((rc = apply_x(m, L, V + j * ldv, XV + j * Ls, t->tmp))) goto done;
  if ((rc = rom_affine_rom_build(m, b, &rom))) goto done;
  for (rom_int i = 0; i < t->nt; ++i) {
    if ((rc = rom_model_operator_coefficients(m, t->mu + i * t->p, theta))) goto done;
    if ((rc = rom_model_rhs_coefficients(m, t->mu + i * t->p, phi))) goto done;
    if ((rc = rom_affine_rom_solve(rom, theta, phi, q))) goto done;
    for (rom_int l = 0; l < L; ++l) {
      double s = 0.0, sx = 0.0;
      for (rom_int j = 0; j < k; ++j) {
        s += V[l + j * ldv] * q[j];
        sx += XV[l + j * Ls] * q[j];
      }
      e[l] = t->U[i * Ls + l] - s;
      xe[l] = t->XU[i * Ls + l] - sx;
      loc[2 * i] += e[l] * e[l];
      loc[2 * i + 1] += e[l] * xe[l];
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, loc, (int)(2 * t->nt), MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  *e2max = 0.0;
  *exmax = 0.0;
  for (rom_int i = 0; i < t->nt; ++i) {
    *e2max = fmax(*e2max, sqrt(loc[2 * i]));
    *exmax = fmax(*exmax, sqrt(fmax(loc[2 * i + 1], 0.0)));
  }
done:
  rom_affine_rom_destroy(&rom);
  free(q);
  free(XV);
  free(e);
  free(xe);
  free(loc);
  return rc;
}

/* POD of the first K columns of R (L x K random FOM solutions), rank K. */
static int pod_of(rom_ctx *ctx, rom_int L, rom_int Ls, rom_int K, double *R, rom_basis **out) {
  int rc = ROM_OK;
  rom_dmat *S = NULL;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = K;
  if ((rc = rom_dmat_wrap(ctx, L, K, R, Ls, &S))) return rc;
  rc = rom_pod_compute(S, &po, out);
  rom_dmat_destroy(&S);
  return rc;
}

/* Random FOM solves: the POD side of the comparison (Monte Carlo, seed + 1). */
typedef struct {
  rom_sweep_design *design;
  rom_int have, max;
  double *R; /* Ls x max */
} random_solves;

static int random_upto(rom_model *m, const test_set *t, const double *F, random_solves *r,
                       rom_int K) {
  int rc = ROM_OK;
  for (; r->have < K; ++r->have) {
    double mu[GREEDY_MAX_PARAMETERS];
    if ((rc = rom_sweep_design_sample(r->design, r->have, mu))) return rc;
    if ((rc = fom_solve(m, mu, t->L, F, r->R + r->have * t->Ls))) return rc;
  }
  return rc;
}

static int pod_errors(rom_ctx *ctx, rom_model *m, const test_set *t, const double *F,
                      random_solves *r, rom_int K, double *e2, double *ex) {
  int rc = ROM_OK;
  rom_basis *b = NULL;
  if ((rc = random_upto(m, t, F, r, K))) return rc;
  if ((rc = pod_of(ctx, t->L, t->Ls, K, r->R, &b))) return rc;
  rc = max_errors(ctx, m, b, t, e2, ex);
  rom_basis_destroy(&b);
  return rc;
}

/* The fewest random solves K (<= r->max) whose POD has a max X-norm test error <= tol:
 * doubling, then bisection (the spans are nested, so the error is close to monotone in K;
 * docs/greedy.md). *found = -1 if even r->max does not reach it. */
static int pod_search(rom_ctx *ctx, rom_model *m, const test_set *t, const double *F,
                      random_solves *r, double tol, rom_int *found, double *at) {
  int rc = ROM_OK;
  double e2 = 0.0, ex = 0.0;
  rom_int lo = 0, hi = 8;
  *found = -1;
  for (;;) {
    if (hi > r->max) hi = r->max;
    if ((rc = pod_errors(ctx, m, t, F, r, hi, &e2, &ex))) return rc;
    if (ex <= tol) break;
    if (hi == r->max) return ROM_OK;
    lo = hi;
    hi *= 2;
  }
  *at = ex;
  while (hi - lo > 1) {
    const rom_int mid = lo + (hi - lo) / 2;
    if ((rc = pod_errors(ctx, m, t, F, r, mid, &e2, &ex))) return rc;
    if (ex <= tol) {
      hi = mid;
      *at = ex;
    } else {
      lo = mid;
    }
  }
  *found = hi;
  return rc;
}

/* The --compare-pod table, kept for --json: per K the max test errors of the truncated
 * greedy basis and of POD (NaN where the greedy basis has fewer than K vectors), and the
 * search for the random FOM solves POD needs. */
typedef struct {
  int nk, draws;
  rom_int K[GREEDY_MAX_COMPARE];
  double greedy_e2[GREEDY_MAX_COMPARE], pod_e2[GREEDY_MAX_COMPARE];
  double greedy_ex[GREEDY_MAX_COMPARE], pod_ex[GREEDY_MAX_COMPARE];
  /* per draw j (pod_e2 / pod_ex: draw 0) */
  double draw_e2[GREEDY_MAX_COMPARE][GREEDY_MAX_DRAWS],
      draw_ex[GREEDY_MAX_COMPARE][GREEDY_MAX_DRAWS];
  rom_int test_samples, pod_solves_for_tol, pod_max_solves; /* -1: not reached */
  double pod_error_at, test_fom_seconds;
} compare_table;

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of v[0 .. n) sorted ascending. */
static double median(const double *v, int n) {
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int compare_pod(rom_ctx *ctx, rom_problem *problem, const rom_greedy *g,
                       const greedy_options *o, const double *low, const double *high,
                       const int *logs, compare_table *ct) {
  int rc = ROM_OK;
  rom_model *m = rom_problem_model(problem);
  const int p = rom_problem_num_parameters(problem), Qf = rom_model_rhs_terms(m);
  const rom_int L = rom_problem_local_rows(problem), Ls = L > 0 ? L : 1;
  double ks[GREEDY_MAX_COMPARE];
  const int nk = cli_parse_double_list(o->compare_text, ks, GREEDY_MAX_COMPARE);
  rom_sweep_design *test = NULL;
  rom_basis *b = NULL;
  double *F = NULL;
  test_set t;
  random_solves r, extra[GREEDY_MAX_DRAWS];
  double t0 = 0.0;
  rom_int kcmp = 1;
  memset(&t, 0, sizeof t);
  memset(&r, 0, sizeof r);
  memset(extra, 0, sizeof extra);
  if (nk < 1)
    return cli_usage_error(ctx, "greedy", "--compare-pod '%s' is not a list", o->compare_text);
  for (int j = 0; j < nk; ++j)
    if (!(ks[j] >= 1 && ks[j] <= 400 && ks[j] == floor(ks[j])))
      return cli_usage_error(ctx, "greedy", "--compare-pod: %g is not an integer in 1..400", ks[j]);
  ct->nk = nk;
  ct->draws = (int)o->draws;
  for (int j = 0; j < nk; ++j)
    if ((rom_int)ks[j] > kcmp) kcmp = (rom_int)ks[j];
  ct->test_samples = o->test_samples;
  ct->pod_solves_for_tol = -1;
  ct->pod_error_at = NAN;
  t.nt = o->test_samples;
  t.L = L;
  t.Ls = Ls;
  t.p = p;
  r.max = 400;
  ct->pod_max_solves = r.max;
  F = calloc((size_t)(Ls * Qf), sizeof(double));
  t.mu = calloc((size_t)(t.nt * p), sizeof(double));
  t.U = calloc((size_t)(Ls * t.nt), sizeof(double));
  t.XU = calloc((size_t)(Ls * t.nt), sizeof(double));
  t.tmp = calloc((size_t)Ls, sizeof(double));
  r.R = calloc((size_t)(Ls * r.max), sizeof(double));
  if (!F || !t.mu || !t.U || !t.XU || !t.tmp || !r.R) {
    rc = ROM_ERR_NOMEM;
    goto done;
  }
  /* draws 1 .. D - 1: independent Monte Carlo sequences (seed + 1 + 100 j), up to the largest K */
  for (int d = 1; d < o->draws; ++d) {
    extra[d].max = kcmp;
    if (!(extra[d].R = calloc((size_t)(Ls * kcmp), sizeof(double)))) {
      rc = ROM_ERR_NOMEM;
      goto done;
    }
    if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs, kcmp, NULL,
                                      (uint64_t)o->seed + 1 + 100 * (uint64_t)d, &extra[d].design)))
      goto done;
  }
  for (int q = 0; q < Qf; ++q)
    if ((rc = rom_model_rhs_term(m, q, F + q * Ls))) goto done;
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs, t.nt, NULL,
                                    (uint64_t)o->seed + 2, &test)))
    goto done;
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs, r.max, NULL,
                                    (uint64_t)o->seed + 1, &r.design)))
    goto done;
  t0 = MPI_Wtime();
  for (rom_int i = 0; i < t.nt; ++i) {
    if ((rc = rom_sweep_design_sample(test, i, t.mu + i * p))) goto done;
    if ((rc = fom_solve(m, t.mu + i * p, L, F, t.U + i * Ls))) goto done;
    if ((rc = apply_x(m, L, t.U + i * Ls, t.XU + i * Ls, t.tmp))) goto done;
  }
  ct->test_fom_seconds = MPI_Wtime() - t0;
  cli_printf(ctx,
             "\ncomparison with POD of K random FOM solves (Monte Carlo, seed %lld) over %lld "
             "Monte Carlo test points (seed %lld; %.2f s of test FOM solves);\n"
             "max true errors in the Euclidean norm and in the X-norm of the error bounds, "
             "X = A(1, ..., 1):\n",
             (long long)o->seed + 1, (long long)t.nt, (long long)o->seed + 2, ct->test_fom_seconds);
  cli_printf(ctx, "  %4s  %14s  %14s  %14s  %14s\n", "K", "greedy |e|_2", "POD |e|_2",
             "greedy |e|_X", "POD |e|_X");
  for (int j = 0; j < nk; ++j) {
    const rom_int K = (rom_int)ks[j];
    double eg = NAN, egx = NAN, ep = NAN, epx = NAN;
    if (K <= rom_greedy_size(g)) {
      if ((rc = rom_basis_truncate(rom_greedy_basis(g), K, &b))) goto done;
      if ((rc = max_errors(ctx, m, b, &t, &eg, &egx))) goto done;
      rom_basis_destroy(&b);
    }
    if ((rc = pod_errors(ctx, m, &t, F, &r, K, &ep, &epx))) goto done;
    cli_printf(ctx, "  %4lld  %14.3e  %14.3e  %14.3e  %14.3e\n", (long long)K, eg, ep, egx, epx);
    ct->draw_e2[j][0] = ep;
    ct->draw_ex[j][0] = epx;
    for (int d = 1; d < o->draws; ++d)
      if ((rc = pod_errors(ctx, m, &t, F, &extra[d], K, &ct->draw_e2[j][d], &ct->draw_ex[j][d])))
        goto done;
    ct->K[j] = K;
    ct->greedy_e2[j] = eg;
    ct->pod_e2[j] = ep;
    ct->greedy_ex[j] = egx;
    ct->pod_ex[j] = epx;
  }
  if (o->draws > 1) {
    cli_printf(ctx,
               "POD of K random FOM solves over %d independent draws (seeds %lld + 100 j): "
               "min / median / max of the max test error\n",
               (int)o->draws, (long long)o->seed + 1);
    cli_printf(ctx, "  %4s  %14s  %32s  %14s  %32s\n", "K", "greedy |e|_2", "POD |e|_2",
               "greedy |e|_X", "POD |e|_X");
    for (int j = 0; j < nk; ++j) {
      double e2[GREEDY_MAX_DRAWS], ex[GREEDY_MAX_DRAWS];
      const int D = (int)o->draws;
      memcpy(e2, ct->draw_e2[j], sizeof(double) * (size_t)D);
      memcpy(ex, ct->draw_ex[j], sizeof(double) * (size_t)D);
      qsort(e2, (size_t)D, sizeof(double), cmp_double);
      qsort(ex, (size_t)D, sizeof(double), cmp_double);
      cli_printf(ctx, "  %4lld  %14.3e  %9.3e / %9.3e / %9.3e  %14.3e  %9.3e / %9.3e / %9.3e\n",
                 (long long)ct->K[j], ct->greedy_e2[j], e2[0], median(e2, D), e2[D - 1],
                 ct->greedy_ex[j], ex[0], median(ex, D), ex[D - 1]);
    }
  }
  if (rom_greedy_stop_reason(g) == ROM_GREEDY_STOP_TOLERANCE) {
    rom_int found = -1;
    double at = NAN;
    if ((rc = pod_search(ctx, m, &t, F, &r, o->tol, &found, &at))) goto done;
    ct->pod_solves_for_tol = found;
    ct->pod_error_at = at;
    if (found > 0)
      cli_printf(ctx,
                 "  POD needs %lld random FOM solves for a max true X-norm error <= %g over the "
                 "test set (%.3e); the greedy used %lld FOM solves (max estimate %.3e)\n",
                 (long long)found, o->tol, at, (long long)rom_greedy_fom_solves(g),
                 rom_greedy_max_estimates(g)[rom_greedy_size(g) - 1]);
    else
      cli_printf(ctx,
                 "  POD of up to %lld random FOM solves does not reach a max X-norm error "
                 "<= %g\n",
                 (long long)r.max, o->tol);
  }
done:
  for (int d = 0; d < GREEDY_MAX_DRAWS; ++d) {
    rom_sweep_design_destroy(&extra[d].design);
    free(extra[d].R);
  }
  rom_basis_destroy(&b);
  rom_sweep_design_destroy(&test);
  rom_sweep_design_destroy(&r.design);
  free(F);
  free(t.mu);
  free(t.U);
  free(t.XU);
  free(t.tmp);
  free(r.R);
  return rc;
}

/* --json: the run as one object (rank 0; docs/user-guide.md, "Command-line conventions"). */
static void json_report(rom_ctx *ctx, rom_problem *problem, const rom_sweep_design *design,
                        const rom_greedy *g, const greedy_options *o, const double *seconds,
                        const compare_table *ct) {
  const rom_int k = rom_greedy_size(g);
  const int p = rom_greedy_num_parameters(g);
  const rom_int *index = rom_greedy_indices(g);
  const double *mu = rom_greedy_parameters(g), *est = rom_greedy_max_estimates(g);
  cli_json_begin(ctx);
  cli_json_string(ctx, "command", "greedy");
  cli_json_string(ctx, "problem", rom_problem_name_of(problem));
  cli_json_integer(ctx, "N", (long long)rom_problem_global_rows(problem));
  cli_json_string(ctx, "estimator", o->estimator);
  cli_json_string(ctx, "design", o->design);
  cli_json_integer(ctx, "training_points", (long long)rom_sweep_design_samples(design));
  cli_json_integer(ctx, "seed", (long long)o->seed);
  cli_json_number(ctx, "tol", o->tol);
  cli_json_integer(ctx, "max_size", (long long)o->max_size);
  cli_json_integer(ctx, "first", (long long)o->first);
  cli_json_integer(ctx, "adaptive", o->adaptive);
  cli_json_integer(ctx, "energy_norm", o->energy);
  cli_json_integer(ctx, "pool_samples", (long long)rom_greedy_pool_samples(g));
  cli_json_integer(ctx, "validations", (long long)rom_greedy_validations(g));
  cli_json_integer(ctx, "parameters", p);
  cli_json_array(ctx, "iterations");
  for (rom_int j = 0; j < k; ++j) {
    cli_json_object(ctx, NULL);
    cli_json_integer(ctx, "k", (long long)j + 1);
    cli_json_integer(ctx, "point", (long long)index[j]);
    cli_json_numbers(ctx, "mu", mu + j * p, p);
    cli_json_number(ctx, "max_estimate", est[j]);
    cli_json_number(ctx, "seconds", j < o->max_size ? seconds[j] : NAN);
    cli_json_end(ctx);
  }
  cli_json_end(ctx);
  cli_json_string(ctx, "stop_reason", rom_greedy_stop_name(rom_greedy_stop_reason(g)));
  cli_json_integer(ctx, "k", (long long)k);
  cli_json_number(ctx, "max_estimate", k > 0 ? est[k - 1] : NAN);
  cli_json_integer(ctx, "fom_solves", (long long)rom_greedy_fom_solves(g));
  cli_json_number(ctx, "seconds", rom_greedy_seconds(g));
  cli_json_object(ctx, "files");
  if (o->out_path) cli_json_string(ctx, "rom", o->out_path);
  if (o->basis_path) cli_json_string(ctx, "basis", o->basis_path);
  cli_json_end(ctx);
  if (o->compare_text) {
    cli_json_object(ctx, "compare_pod");
    cli_json_integer(ctx, "test_samples", (long long)ct->test_samples);
    cli_json_number(ctx, "test_fom_seconds", ct->test_fom_seconds);
    cli_json_array(ctx, "rows");
    for (int j = 0; j < ct->nk; ++j) {
      cli_json_object(ctx, NULL);
      cli_json_integer(ctx, "K", (long long)ct->K[j]);
      cli_json_number(ctx, "greedy_error_2", ct->greedy_e2[j]);
      cli_json_number(ctx, "pod_error_2", ct->pod_e2[j]);
      cli_json_number(ctx, "greedy_error_X", ct->greedy_ex[j]);
      cli_json_number(ctx, "pod_error_X", ct->pod_ex[j]);
      cli_json_numbers(ctx, "pod_error_2_draws", ct->draw_e2[j], ct->draws);
      cli_json_numbers(ctx, "pod_error_X_draws", ct->draw_ex[j], ct->draws);
      cli_json_end(ctx);
    }
    cli_json_end(ctx);
    /* null: POD of pod_max_solves random solves does not reach --tol */
    if (ct->pod_solves_for_tol > 0)
      cli_json_integer(ctx, "pod_solves_for_tol", (long long)ct->pod_solves_for_tol);
    else
      cli_json_number(ctx, "pod_solves_for_tol", NAN);
    cli_json_number(ctx, "pod_error_at_solves", ct->pod_error_at);
    cli_json_integer(ctx, "pod_max_solves", (long long)ct->pod_max_solves);
    cli_json_end(ctx);
  }
  cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
  cli_json_end(ctx);
}

/* *affine = 0 if --problem (default heat) names a problem whose model is not a steady affine
 * one (P1, P2). Unknown names are left to parse(). Collective. */
static int problem_is_affine(rom_ctx *ctx, int argc, char **argv, int *affine) {
  const char *name = "heat";
  rom_problem *problem = NULL;
  rom_problem_options po = rom_problem_options_default();
  *affine = 1;
  for (int i = 1; i + 1 < argc; ++i)
    if (!strcmp(argv[i], "--problem")) name = argv[i + 1];
  if (!rom_problem_find(name)) return CLI_EXIT_OK;
  po.resolution = 0; /* the default resolution: affinity does not depend on it */
  int rc = rom_problem_create(ctx, name, &po, &problem);
  if (rc) return cli_fail(ctx, "greedy", rc);
  *affine =
      rom_model_operator_terms(rom_problem_model(problem)) > 0 && rom_problem_steps(problem) == 0;
  rom_problem_destroy(&problem);
  return CLI_EXIT_OK;
}

/* A problem that is not steady and affine (P1, P2) gets the residual-indicator greedy of
 * nonlinear ROMs (apps/cmd_greedy_nonlinear.c, docs/nonlinear.md), with the same argv. */
static int greedy_nonlinear(rom_ctx *ctx, int argc, char **argv) {
  return cmd_greedy_nonlinear(ctx, argc, argv);
}

int cmd_greedy(rom_ctx *ctx, int argc, char **argv) {
  greedy_options o;
  int exit_code = CLI_EXIT_OK, rc = ROM_OK;
  rom_problem *problem = NULL;
  rom_sweep_design *design = NULL, *pool = NULL;
  rom_greedy *g = NULL;
  double low[GREEDY_MAX_PARAMETERS], high[GREEDY_MAX_PARAMETERS];
  int logs[GREEDY_MAX_PARAMETERS];
  double *iteration_seconds = NULL;
  compare_table ct;
  memset(&ct, 0, sizeof ct);
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    cli_print_problems(ctx, "  ");
    return CLI_EXIT_OK;
  }
  {
    /* A problem whose model is not steady and affine goes, with all its arguments, to the
     * residual-driven greedy of nonlinear ROMs before the affine options are parsed. */
    int affine = 1;
    if ((exit_code = problem_is_affine(ctx, argc, argv, &affine)) != CLI_EXIT_OK) return exit_code;
    if (!affine) return greedy_nonlinear(ctx, argc, argv);
  }
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  if (o.out_path && (rc = rom_output_check(ctx, o.out_path, o.overwrite))) goto fail;
  if (o.basis_path && (rc = rom_output_check(ctx, o.basis_path, o.overwrite))) goto fail;
  {
    rom_problem_options po = rom_problem_options_default();
    po.resolution = o.resolution;
    if ((rc = rom_problem_create(ctx, o.problem, &po, &problem))) goto fail;
  }
  rom_model *model = rom_problem_model(problem);
  const int p = rom_problem_num_parameters(problem);
  if (p > GREEDY_MAX_PARAMETERS) {
    exit_code = cli_usage_error(ctx, "greedy", "--problem %s has %d parameters (at most %d)",
                                o.problem, p, GREEDY_MAX_PARAMETERS);
    goto done;
  }
  rom_problem_parameter_range(problem, low, high, logs);
  rom_sweep_design_kind kind = ROM_SWEEP_LHS;
  rom_sweep_design_kind_from_name(o.design, &kind);
  {
    rom_int counts[GREEDY_MAX_PARAMETERS];
    if (kind == ROM_SWEEP_GRID) {
      rom_int n = (rom_int)llround(pow((double)o.samples, 1.0 / (double)p)), total = 1;
      for (int j = 0; j < p && total <= o.samples; ++j)
        total *= n;
      if (total != o.samples) {
        exit_code = cli_usage_error(ctx, "greedy",
                                    "--design grid --samples %lld: not n^%d for an integer n "
                                    "(%s has %d parameters)",
                                    (long long)o.samples, p, rom_problem_name_of(problem), p);
        goto done;
      }
      for (int j = 0; j < p; ++j)
        counts[j] = n;
    }
    if ((rc = rom_sweep_design_create(
             ctx, kind, p, low, high, logs, kind == ROM_SWEEP_GRID ? 0 : o.samples,
             kind == ROM_SWEEP_GRID ? counts : NULL, (uint64_t)o.seed, &design)))
      goto fail;
  }
  char first_text[32] = "argmax";
  if (o.first >= 0) snprintf(first_text, sizeof first_text, "%lld", (long long)o.first);
  cli_printf(ctx,
             "romkit greedy: problem %s (N = %lld), %s greedy, training set %s of %lld points "
             "(seed %lld)%s, tol %g, max size %lld, first point %s, %d rank(s)\n",
             rom_problem_name_of(problem), (long long)rom_problem_global_rows(problem),
             o.energy ? "weak (energy-norm bound)" : o.estimator, o.design,
             (long long)rom_sweep_design_samples(design), (long long)o.seed,
             o.adaptive ? " adaptive" : "", o.tol, (long long)o.max_size, first_text,
             rom_ctx_size(ctx));
  {
    iteration_seconds = calloc((size_t)o.max_size, sizeof(double));
    if (!iteration_seconds) {
      rc = ROM_ERR_NOMEM;
      goto fail;
    }
    progress_state ps = {ctx, p, o.max_size, iteration_seconds};
    rom_greedy_options go = rom_greedy_options_default();
    rom_greedy_estimator_from_name(o.estimator, &go.estimator);
    go.tolerance = o.tol;
    go.max_size = o.max_size;
    go.first_index = o.first;
    go.energy_norm = o.energy;
    if (o.adaptive) {
      if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, p, low, high, logs,
                                        GREEDY_POOL_SAMPLES, NULL, (uint64_t)o.seed + 3, &pool)))
        goto fail;
      go.adaptive_pool = pool;
      go.adaptive_validation = o.validation;
    }
    go.progress = progress;
    go.progress_user = &ps;
    if ((rc = rom_greedy_run(model, design, &go, &g))) goto fail;
  }
  cli_printf(ctx, "stopped (%s): k = %lld, max estimate %.3e, %lld FOM solves, %.2f s\n",
             rom_greedy_stop_name(rom_greedy_stop_reason(g)), (long long)rom_greedy_size(g),
             rom_greedy_max_estimates(g)[rom_greedy_size(g) - 1],
             (long long)rom_greedy_fom_solves(g), rom_greedy_seconds(g));
  if (o.adaptive)
    cli_printf(ctx,
               "  adaptive: %lld fresh Monte Carlo points drawn (seed %lld), %lld safety "
               "check(s)\n",
               (long long)rom_greedy_pool_samples(g), (long long)o.seed + 3,
               (long long)rom_greedy_validations(g));
  if (rom_greedy_stop_reason(g) == ROM_GREEDY_STOP_SPAN)
    cli_printf(ctx, "  the next snapshot was already in the span of the basis: more vectors "
                    "would add rounding noise\n");
  if (o.out_path) {
    if ((rc = rom_affine_rom_write(rom_greedy_rom(g), o.out_path, o.overwrite))) goto fail;
    cli_printf(ctx, "  -> %s (affine_rom, k = %lld)\n", o.out_path, (long long)rom_greedy_size(g));
  }
  if (o.basis_path) {
    if ((rc = rom_basis_write(rom_greedy_basis(g), o.basis_path, o.overwrite))) goto fail;
    cli_printf(ctx, "  -> %s (basis)\n", o.basis_path);
  }
  if (o.compare_text) {
    rc = compare_pod(ctx, problem, g, &o, low, high, logs, &ct);
    if (rc == CLI_EXIT_USAGE) {
      exit_code = rc;
      goto done;
    }
    if (rc) goto fail;
  }
  if (cli_json_mode()) json_report(ctx, problem, design, g, &o, iteration_seconds, &ct);
  goto done;
fail:
  exit_code = cli_fail(ctx, "greedy", rc);
done:
  free(iteration_seconds);
  rom_greedy_destroy(&g);
  rom_sweep_design_destroy(&design);
  rom_sweep_design_destroy(&pool);
  rom_problem_destroy(&problem);
  return exit_code;
}
