/* romkit reproduce P1|P2 --method {pod-galerkin,pod-lspg,pod-lspg-hr} ...
 *
 * The POD rows of the Burgers tables of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451
 * (2022), as specified in BENCHMARKS.md, end to end:
 *   training FOM runs (cached) -> snapshots w^n - w^0 -> POD per component (cached)
 *   -> [HR: residual basis (P1: raw solutions with the initial states; P2: all Newton
 *       iterates, per component; cached) -> samples -> sample mesh]
 *   -> FOM and ROM at the test parameter, timed (time stepping only)
 *   -> avg/max error (BENCHMARKS' metric), speed-up, the published numbers beside them.
 * docs/reproduction.md has the results, the choices and the HR sampling investigation. */
#include "reproduce_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const help =
    "usage: [mpirun -n P] romkit reproduce P1|P2 --method M [--dim p]\n"
    "           [--hr-basis nb --hr-samples ns] [--hr-method H] [--train-params a,b,...]\n"
    "           [--test-param a] [--workdir DIR] [--json] [--max-iterations K]\n"
    "           [--tolerance T] [--grid G] [--steps S] [--hr-sample-mesh]\n\n"
    "Reproduces the POD rows of the Burgers tables of Kim et al., J. Comput. Phys. 451\n"
    "(2022) (BENCHMARKS.md, P1: 1D inviscid Burgers, P2: 2D viscous Burgers): training\n"
    "FOM runs, POD basis, hyper-reduction data, then the FOM and the ROM at the test\n"
    "parameter; prints the avg/max error (percent, BENCHMARKS' metric; P2: u component),\n"
    "the FOM and ROM time-stepping seconds, the speed-up and the published numbers.\n\n"
    "  --method M          pod-galerkin, pod-lspg or pod-lspg-hr (LSPG with GNAT\n"
    "                      hyper-reduction)\n"
    "  --dim p             POD basis vectors (per component for P2); default 5\n"
    "  --hr-basis nb       residual basis vectors (per component); P1 30, P2 55\n"
    "  --hr-samples ns     sampled rows (per component); P1 47, P2 58\n"
    "  --hr-method H       sample selection (the library's, romkit/hyper.h): deim-os\n"
    "                      (default: the authors' oversampled DEIM), deim, qdeim\n"
    "                      (ns = nb), gnat, sopt\n"
    "  --train-params L    training parameters a; P1 0.9,1.1, P2 0.9,0.95,1.05,1.1\n"
    "  --test-param a      test parameter; default 1.0\n"
    "  --workdir DIR       cache of the training runs, bases and residual bases (files\n"
    "                      named by their settings, reused when the same settings are\n"
    "                      asked again, never overwritten); default: a new directory\n"
    "                      under $TMPDIR or /tmp\n"
    "  --json              end with one line of JSON (method, problem, test_param, dim,\n"
    "                      avg_error_pct, max_error_pct, fom_seconds, rom_seconds,\n"
    "                      speedup, and more)\n"
    "  --max-iterations K  ROM (Gauss-)Newton updates per step; default 4\n"
    "  --tolerance T       ROM stopping tolerance on the projected residual; default 1e-8\n"
    "  --grid G, --steps S reduced settings for tests (P2 grid points per direction,\n"
    "                      time steps over the same T); no published row then\n"
    "  --hr-sample-mesh    (P1) sample every row of the sample mesh (investigation)\n\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

#define CMD "reproduce"

/* ---- arguments ------------------------------------------------------------------------ */

static int parse_count(rom_ctx *ctx, const char *opt, const char *v, rom_int *out) {
  if (cli_parse_int(v, out) || *out < 1)
    return cli_usage_error(ctx, CMD, "%s expects a whole number >= 1, got '%s'", opt, v);
  return CLI_EXIT_OK;
}

static int parse(rom_ctx *ctx, int argc, char **argv, repro_options *o) {
  int have_method = 0, have_nb = 0, have_ns = 0, have_hr_method = 0, have_train = 0, rc;
  double train[REPRO_MAX_PARAMS];
  int ntrain = 0;
  memset(o, 0, sizeof *o);
  o->hr_method = ROM_HYPER_DEIM_OS;
  o->max_iterations = 4;
  o->tolerance = 1e-8;
  o->test = 1.0;
  rom_int dim = 0, nb = 0, ns = 0, kmax = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--json")) {
      o->json = 1;
      continue;
    }
    if (!strcmp(a, "--hr-sample-mesh")) {
      o->hr_sample_mesh = 1;
      continue;
    }
    if (a[0] != '-') {
      if (o->problem)
        return cli_usage_error(ctx, CMD, "more than one problem ('%s'): give P1 or P2 once", a);
      if (!strcmp(a, "P1") || !strcmp(a, "p1"))
        o->problem = 1;
      else if (!strcmp(a, "P2") || !strcmp(a, "p2"))
        o->problem = 2;
      else
        return cli_usage_error(ctx, CMD, "unknown problem '%s' (P1 or P2)", a);
      continue;
    }
    if (i + 1 >= argc) return cli_usage_error(ctx, CMD, "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--method")) {
      if (!strcmp(v, "pod-galerkin"))
        o->method = REPRO_GALERKIN;
      else if (!strcmp(v, "pod-lspg"))
        o->method = REPRO_LSPG;
      else if (!strcmp(v, "pod-lspg-hr"))
        o->method = REPRO_LSPG_HR;
      else
        return cli_usage_error(ctx, CMD,
                               "unknown method '%s' (pod-galerkin, pod-lspg or pod-lspg-hr)", v);
      have_method = 1;
    } else if (!strcmp(a, "--dim")) {
      if ((rc = parse_count(ctx, a, v, &dim))) return rc;
    } else if (!strcmp(a, "--hr-basis")) {
      if ((rc = parse_count(ctx, a, v, &nb))) return rc;
      have_nb = 1;
    } else if (!strcmp(a, "--hr-samples")) {
      if ((rc = parse_count(ctx, a, v, &ns))) return rc;
      have_ns = 1;
    } else if (!strcmp(a, "--hr-method")) {
      if (rom_hyper_method_from_name(v, &o->hr_method) != ROM_OK)
        return cli_usage_error(ctx, CMD,
                               "unknown --hr-method '%s' (deim-os, deim, qdeim, gnat, sopt)", v);
      have_hr_method = 1;
    } else if (!strcmp(a, "--train-params")) {
      ntrain = cli_parse_double_list(v, train, REPRO_MAX_PARAMS);
      if (ntrain < 1)
        return cli_usage_error(ctx, CMD,
                               "--train-params expects comma-separated numbers (at most %d), "
                               "got '%s'",
                               REPRO_MAX_PARAMS, v);
      have_train = 1;
    } else if (!strcmp(a, "--test-param")) {
      if (cli_parse_double(v, &o->test) || !isfinite(o->test))
        return cli_usage_error(ctx, CMD, "--test-param expects a number, got '%s'", v);
    } else if (!strcmp(a, "--workdir")) {
      if (!*v) return cli_usage_error(ctx, CMD, "--workdir must not be empty");
      o->workdir = v;
    } else if (!strcmp(a, "--grid")) {
      if (cli_parse_int(v, &o->grid) || o->grid < 5 || o->grid > 1000)
        return cli_usage_error(ctx, CMD, "--grid expects 5..1000 grid points, got '%s'", v);
    } else if (!strcmp(a, "--steps")) {
      if (cli_parse_int(v, &o->steps) || o->steps < 1 || o->steps > 1000000)
        return cli_usage_error(ctx, CMD, "--steps expects 1..1000000, got '%s'", v);
    } else if (!strcmp(a, "--max-iterations")) {
      if (cli_parse_int(v, &kmax) || kmax < 1 || kmax > 1000)
        return cli_usage_error(ctx, CMD, "--max-iterations expects 1..1000, got '%s'", v);
      o->max_iterations = (int)kmax;
    } else if (!strcmp(a, "--tolerance")) {
      if (cli_parse_double(v, &o->tolerance) || !(o->tolerance > 0.0) || !isfinite(o->tolerance))
        return cli_usage_error(ctx, CMD, "--tolerance expects a number > 0, got '%s'", v);
    } else {
      return cli_usage_error(ctx, CMD, "unknown option '%s'", a);
    }
  }
  if (!o->problem) return cli_usage_error(ctx, CMD, "give the problem: P1 or P2");
  if (o->grid && o->problem != 2) return cli_usage_error(ctx, CMD, "--grid applies to P2 only");
  if (!have_method)
    return cli_usage_error(ctx, CMD, "give --method pod-galerkin, pod-lspg or pod-lspg-hr");
  const double test = o->test;
  repro_defaults(o->problem, o); /* sets train, test, dim, hr sizes */
  o->test = test;
  o->defaults = 1;
  if (have_train) {
    o->defaults = ntrain == o->ntrain;
    for (int i = 0; i < ntrain && o->defaults; ++i)
      o->defaults = train[i] == o->train[i];
    memcpy(o->train, train, sizeof(double) * (size_t)ntrain);
    o->ntrain = ntrain;
  }
  if (o->test != 1.0) o->defaults = 0;
  for (int i = 0; i < o->ntrain; ++i)
    if (!(o->train[i] >= 0.0))
      return cli_usage_error(
          ctx, CMD, "--train-params: a = %g < 0 (the upwind scheme needs a >= 0)", o->train[i]);
  if (!(o->test >= 0.0))
    return cli_usage_error(ctx, CMD, "--test-param %g < 0 (the upwind scheme needs a >= 0)",
                           o->test);
  if (dim) o->dim = dim;
  const rom_int g = o->grid ? o->grid - 2 : 58;
  const rom_int comp_rows = o->problem == 1 ? 1000 : g * g;
  const rom_int nsnap = (rom_int)o->ntrain * (o->steps ? o->steps : o->problem == 1 ? 500 : 1500);
  if (o->dim > comp_rows || o->dim > nsnap)
    return cli_usage_error(ctx, CMD, "--dim %lld exceeds the %lld snapshots / %lld rows",
                           (long long)o->dim, (long long)nsnap, (long long)comp_rows);
  if (o->method != REPRO_LSPG_HR) {
    if (have_nb || have_ns || have_hr_method || o->hr_sample_mesh)
      return cli_usage_error(ctx, CMD, "the --hr-* options apply to --method pod-lspg-hr only");
    o->hr_basis = o->hr_samples = 0;
    return CLI_EXIT_OK;
  }
  if (have_nb) o->hr_basis = nb;
  if (have_ns) o->hr_samples = ns;
  if (o->hr_method == ROM_HYPER_DEIM || o->hr_method == ROM_HYPER_QDEIM) {
    if (!have_ns) o->hr_samples = o->hr_basis;
    if (o->hr_samples != o->hr_basis)
      return cli_usage_error(ctx, CMD, "--hr-method %s needs --hr-samples = --hr-basis",
                             rom_hyper_method_name(o->hr_method));
  }
  if (o->hr_samples < o->hr_basis)
    return cli_usage_error(ctx, CMD, "--hr-samples %lld < --hr-basis %lld",
                           (long long)o->hr_samples, (long long)o->hr_basis);
  if (o->hr_sample_mesh && o->problem != 1)
    return cli_usage_error(ctx, CMD, "--hr-sample-mesh is implemented for P1 only");
  if (o->hr_samples > comp_rows)
    return cli_usage_error(ctx, CMD, "--hr-samples %lld exceeds the %lld rows",
                           (long long)o->hr_samples, (long long)comp_rows);
  return CLI_EXIT_OK;
}

/* ---- the cache ------------------------------------------------------------------------- */

/* "romkit reproduce: error: ..." on rank 0's stderr. */
static void repro_error(rom_ctx *ctx, const char *path, const char *what, rom_int have,
                        rom_int want) {
  if (rom_ctx_rank(ctx) == 0)
    fprintf(stderr,
            "romkit reproduce: error: cached %s has %lld %s, expected %lld (remove it "
            "or use another --workdir)\n",
            path, (long long)have, what, (long long)want);
}

typedef struct {
  rom_ctx *ctx;
  const repro_problem *p;
  const repro_options *o;
  char dir[REPRO_PATH];
  char train[1024]; /* "0.9,1.1" */
} repro_cache;

static void fom_path(const repro_cache *c, double a, char *out, size_t len) {
  char num[40];
  repro_format_number(a, num, sizeof num);
  snprintf(out, len, "%s/%s_fom_a%s.h5", c->dir, c->p->prefix, num);
}
static void newton_path(const repro_cache *c, double a, char *out, size_t len) {
  char num[40];
  repro_format_number(a, num, sizeof num);
  snprintf(out, len, "%s/%s_newton_a%s.h5", c->dir, c->p->prefix, num);
}

/* Observer of P2's training runs: every Newton iterate into a snapshot collection. */
typedef struct {
  rom_snapshots *s;
  int rc;
} newton_sink;

static void newton_observer(void *user, rom_int step, int iteration, const double *u_local) {
  newton_sink *k = user;
  (void)step;
  (void)iteration;
  if (k->rc == ROM_OK) k->rc = rom_snapshots_add(k->s, u_local);
}

/* The training run at a: its trajectory (N x (steps+1)) and, for P2, its Newton iterates
 * (N x iterations), from the cache or computed and cached. newton may be NULL. */
static int training_run(repro_cache *c, double a, rom_dmat **traj, rom_dmat **newton) {
  rom_ctx *ctx = c->ctx;
  const repro_problem *p = c->p;
  char fpath[REPRO_PATH + 128], npath[REPRO_PATH + 128], num[40];
  int rc = ROM_OK;
  repro_format_number(a, num, sizeof num);
  fom_path(c, a, fpath, sizeof fpath);
  newton_path(c, a, npath, sizeof npath);
  /* P2's Newton iterates are cached with every training run, so a later HR run finds them. */
  const int want_newton = newton != NULL && p->ncomp == 2;
  const int have_f = repro_exists(ctx, fpath),
            have_n = p->ncomp == 2 ? repro_exists(ctx, npath) : 1;
  if (!have_f || (want_newton && !have_n)) {
    double *u0 = calloc((size_t)(p->L + 1), sizeof(double));
    double *T = calloc((size_t)((p->L + 1) * (p->steps + 1)), sizeof(double));
    rom_snapshots *st = NULL, *sn = NULL;
    rom_snapshots_options so = rom_snapshots_options_default();
    newton_sink sink = {NULL, ROM_OK};
    rom_fom_options fo = rom_fom_options_default();
    rom_fom_stats fs;
    if (!u0 || !T) rc = ROM_ERR_NOMEM;
    if (rc == ROM_OK && p->ncomp == 2) {
      so.capacity_hint = 3 * p->steps;
      rc = rom_snapshots_create(ctx, p->L, &so, &sn);
      sink.s = sn;
      fo.observer = newton_observer;
      fo.observer_user = &sink;
    }
    if (rc == ROM_OK) rc = repro_problem_initial(p, a, u0);
    cli_printf(ctx, "  training FOM at a = %s ...", num);
    fflush(stdout);
    if (rc == ROM_OK) rc = rom_fom_integrate(p->model, &a, u0, 0.0, p->dt, p->steps, &fo, T, &fs);
    if (rc == ROM_OK) rc = sink.rc;
    if (rc == ROM_OK)
      cli_printf(ctx, " %.2f s, %lld Newton iterations -> %s_fom_a%s.h5%s\n", fs.seconds,
                 (long long)fs.newton_iterations, p->prefix, num,
                 p->ncomp == 2 ? " and the Newton iterates" : "");
    so = rom_snapshots_options_default();
    so.capacity_hint = p->steps + 1;
    if (rc == ROM_OK && !have_f) rc = rom_snapshots_create(ctx, p->L, &so, &st);
    if (rc == ROM_OK && !have_f) rc = rom_snapshots_add_block(st, p->steps + 1, T, p->L);
    if (rc == ROM_OK && !have_f) rc = rom_snapshots_write(st, fpath, 0);
    if (rc == ROM_OK && sn && !have_n) rc = rom_snapshots_write(sn, npath, 0);
    rom_snapshots_destroy(&st);
    rom_snapshots_destroy(&sn);
    free(u0);
    free(T);
    if (rc) return rc;
  } else {
    cli_printf(ctx, "  training FOM at a = %s: cached (%s_fom_a%s.h5)\n", num, p->prefix, num);
  }
  if ((rc = rom_snapshots_read(ctx, fpath, p->L, traj))) return rc;
  if (rom_dmat_cols(*traj) != p->steps + 1) {
    repro_error(ctx, fpath, "states", rom_dmat_cols(*traj), p->steps + 1);
    rom_dmat_destroy(traj);
    return ROM_ERR_DIM;
  }
  if (want_newton && (rc = rom_snapshots_read(ctx, npath, p->L, newton))) {
    rom_dmat_destroy(traj);
    return rc;
  }
  return ROM_OK;
}

/* POD of component c's rows of a snapshot set, rank k. */
static int component_pod(rom_ctx *ctx, const repro_problem *p, int c, rom_int k, double *S,
                         rom_int ld, rom_int cols, rom_basis **out) {
  rom_int Lc = 0, first = 0;
  rom_dmat *view = NULL;
  repro_component_rows(p, c, &Lc, &first);
  int rc = rom_dmat_wrap(ctx, Lc, cols, Lc > 0 ? S + first : NULL, ld, &view);
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  if (rc == ROM_OK) rc = rom_pod_compute(view, &po, out);
  rom_dmat_destroy(&view);
  return rc;
}

/* kind 0: state basis (snapshots w^n - w^0, n = 1..steps), rank dim;
 * kind 1: residual basis, rank nb (P1: raw states n = 0..steps; P2: Newton iterates).
 * Per component; read from the cache or computed and cached. bases[c]. */
static int get_bases(repro_cache *c, int kind, rom_int rank, rom_basis **bases) {
  rom_ctx *ctx = c->ctx;
  const repro_problem *p = c->p;
  const repro_options *o = c->o;
  char path[2][REPRO_PATH + 1200];
  int all = 1, rc = ROM_OK;
  for (int k = 0; k < p->ncomp; ++k) {
    snprintf(path[k], sizeof path[k], "%s/%s_%s_c%d_%s%lld_train%s.h5", c->dir, p->prefix,
             kind ? "resbasis" : "basis", k, kind ? "nb" : "p", (long long)rank, c->train);
    all = all && repro_exists(ctx, path[k]);
  }
  if (all) {
    for (int k = 0; k < p->ncomp && rc == ROM_OK; ++k) {
      rom_int Lc, first;
      repro_component_rows(p, k, &Lc, &first);
      rc = rom_basis_read(ctx, path[k], Lc, &bases[k]);
      if (rc == ROM_OK && rom_basis_dim(bases[k]) != rank) {
        repro_error(ctx, path[k], "vectors", rom_basis_dim(bases[k]), rank);
        rc = ROM_ERR_DIM;
      }
    }
    if (rc == ROM_OK)
      cli_printf(ctx, "  %s basis (%lld vectors%s): cached\n", kind ? "residual" : "state",
                 (long long)rank, p->ncomp == 2 ? " per component" : "");
    return rc;
  }
  /* Assemble the snapshot matrix (L x cols) from the training runs. */
  rom_int per = 0, cols = 0;
  double *S = NULL;
  for (int t = 0; t < o->ntrain && rc == ROM_OK; ++t) {
    rom_dmat *traj = NULL, *newt = NULL;
    const int need_newton = kind == 1 && p->ncomp == 2;
    rc = training_run(c, o->train[t], &traj, need_newton ? &newt : NULL);
    if (rc) break;
    const rom_dmat *src = need_newton ? newt : traj;
    const rom_int ld = rom_dmat_ld(src), n = rom_dmat_cols(src);
    const double *D = rom_dmat_data_const(src);
    per = kind == 0 ? p->steps : n;
    double *grown = realloc(S, sizeof(double) * (size_t)((p->L + 1) * (cols + per)));
    if (!grown) {
      rc = ROM_ERR_NOMEM;
    } else {
      S = grown;
      for (rom_int j = 0; j < per; ++j)
        for (rom_int l = 0; l < p->L; ++l)
          S[l + (cols + j) * p->L] = kind == 0 ? D[l + (j + 1) * ld] - D[l] : D[l + j * ld];
      cols += per;
    }
    rom_dmat_destroy(&traj);
    rom_dmat_destroy(&newt);
  }
  double t0 = MPI_Wtime();
  for (int k = 0; k < p->ncomp && rc == ROM_OK; ++k) {
    rc = component_pod(ctx, p, k, rank, S, p->L, cols, &bases[k]);
    if (rc == ROM_OK) rc = rom_basis_write(bases[k], path[k], 0);
  }
  if (rc == ROM_OK)
    cli_printf(ctx, "  %s basis: POD of %lld snapshots%s, %lld vectors: %.2f s (cached)\n",
               kind ? "residual" : "state", (long long)cols, p->ncomp == 2 ? " per component" : "",
               (long long)rank, MPI_Wtime() - t0);
  free(S);
  return rc;
}

/* diag(B_0, B_1, ...) as an L x (ncomp k) matrix on the model's partition; with
 * interleave, column j of component c is column c + ncomp j (the residual basis: the
 * gappy operator does not depend on the column order, and interleaving makes the GNAT
 * pass of repro_hyper_from_samples give every component its ns samples). */
static int block_diagonal(rom_ctx *ctx, const repro_problem *p, rom_basis **b, rom_int k,
                          int interleave, rom_dmat **out) {
  int rc = rom_dmat_create(ctx, p->L, p->ncomp * k, out);
  if (rc) return rc;
  double *D = rom_dmat_data(*out);
  const rom_int ld = rom_dmat_ld(*out);
  for (int c = 0; c < p->ncomp; ++c) {
    rom_int Lc, first;
    repro_component_rows(p, c, &Lc, &first);
    const rom_dmat *V = rom_basis_vectors(b[c]);
    const double *Vd = rom_dmat_data_const(V);
    const rom_int lv = rom_dmat_ld(V);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < Lc; ++l) {
        const rom_int col = interleave ? c + p->ncomp * j : c * k + j;
        D[first + l + col * ld] = Vd[l + j * lv];
      }
  }
  return ROM_OK;
}

static double max_over_ranks(rom_ctx *ctx, double v) {
  double g = v;
  MPI_Allreduce(&v, &g, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  return g;
}

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    if ((unsigned char)*s >= 0x20) fputc(*s, f);
  }
  fputc('"', f);
}

static void json_number(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, "%.17g", v);
  else
    fputs("null", f);
}

int cmd_reproduce(rom_ctx *ctx, int argc, char **argv) {
  repro_options o;
  repro_problem p;
  repro_cache cache;
  int rc = ROM_OK, exit_code;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  memset(&cache, 0, sizeof cache);
  if ((exit_code = repro_prepare_workdir(ctx, o.workdir, cache.dir)) != CLI_EXIT_OK)
    return exit_code;
  memset(&p, 0, sizeof p);
  if ((rc = repro_problem_create(ctx, &o, &p))) return cli_fail(ctx, CMD, rc);
  cache.ctx = ctx;
  cache.p = &p;
  cache.o = &o;
  repro_format_list(o.train, o.ntrain, cache.train, sizeof cache.train);

  const rom_int k = o.dim, K = p.ncomp * k, nstates = p.steps + 1;
  const rom_int nb = o.hr_basis, ns = o.hr_samples;
  rom_basis *sb[2] = {NULL, NULL}, *rb[2] = {NULL, NULL}, *basis = NULL;
  rom_dmat *V = NULL, *R = NULL;
  rom_hyper *hr = NULL;
  rom_nlrom *rom = NULL;
  rom_int *samples = NULL, ns_total = 0, nneeded = 0;
  double *u0 = calloc((size_t)(p.L + 1), sizeof(double));
  double *F = calloc((size_t)((p.L + 1) * nstates), sizeof(double));
  double *Rt = calloc((size_t)((p.L + 1) * nstates), sizeof(double));
  double *q = calloc((size_t)(K * nstates), sizeof(double));
  double fom_s = 0, rom_s = 0, fom_cpu = 0, rom_cpu = 0, avg[2] = {NAN, NAN}, mx[2] = {NAN, NAN};
  rom_fom_stats fs;
  rom_nlrom_stats rs;
  memset(&rs, 0, sizeof rs);
  if (!u0 || !F || !Rt || !q) {
    rc = ROM_ERR_NOMEM;
    goto fail;
  }
  cli_printf(ctx,
             "romkit reproduce %s %s: p = %lld%s, train a = {%s}, test a = %g, %d rank(s)\n"
             "  workdir %s\n",
             p.name, repro_method_name(o.method), (long long)k,
             p.ncomp == 2 ? " per component" : "", cache.train, o.test, rom_ctx_size(ctx),
             cache.dir);
  if (o.method == REPRO_LSPG_HR)
    cli_printf(ctx, "  hyper-reduction: %s, %lld residual basis vectors / %lld samples%s%s\n",
               rom_hyper_method_name(o.hr_method), (long long)nb, (long long)ns,
               p.ncomp == 2 ? " per component" : "",
               o.hr_sample_mesh ? ", every sample-mesh row sampled" : "");

  /* ---- offline ---- */
  if ((rc = get_bases(&cache, 0, k, sb))) goto fail;
  if ((rc = block_diagonal(ctx, &p, sb, k, 0, &V))) goto fail;
  if ((rc = repro_problem_initial(&p, o.test, u0))) goto fail;
  if ((rc = rom_basis_create(V, NULL, 0, u0, &basis))) goto fail;
  if (o.method == REPRO_LSPG_HR) {
    double t0 = MPI_Wtime();
    if ((rc = get_bases(&cache, 1, nb, rb))) goto fail;
    if ((rc = block_diagonal(ctx, &p, rb, nb, 1, &R))) goto fail;
    t0 = MPI_Wtime();
    if (p.ncomp == 1) { /* the library selects (any method, deim-os included) */
      rom_hyper_options ho = rom_hyper_options_default();
      ho.method = o.hr_method;
      ho.residual_dim = nb;
      ho.num_samples = ns;
      if ((rc = rom_hyper_create(p.model, basis, u0, R, &ho, &hr))) goto fail;
    } else { /* P2: the library's selection on each component, then their union */
      samples = calloc((size_t)(p.ncomp * ns), sizeof(rom_int));
      if (!samples) {
        rc = ROM_ERR_NOMEM;
        goto fail;
      }
      for (int c = 0; c < p.ncomp; ++c) {
        rom_int *sc = samples + c * ns;
        if ((rc = rom_hyper_select(rom_basis_vectors(rb[c]), o.hr_method, nb, ns, sc))) goto fail;
        for (rom_int a = 0; a < ns; ++a)
          sc[a] += (rom_int)c * p.comp_rows;
      }
      ns_total = p.ncomp * ns;
      if ((rc = repro_hyper_from_samples(ctx, &p, basis, u0, R, ns_total, samples, &hr))) goto fail;
    }
    if (o.hr_sample_mesh) { /* (P1) every row of the sample mesh becomes a sample */
      const rom_int nn = rom_hyper_num_needed(hr);
      rom_int *mesh = malloc(sizeof(rom_int) * (size_t)nn);
      if (!mesh) {
        rc = ROM_ERR_NOMEM;
        goto fail;
      }
      memcpy(mesh, rom_hyper_needed_rows(hr), sizeof(rom_int) * (size_t)nn);
      rom_hyper_destroy(&hr);
      rc = repro_hyper_from_samples(ctx, &p, basis, u0, R, nn, mesh, &hr);
      free(mesh);
      if (rc) goto fail;
    }
    ns_total = rom_hyper_num_samples(hr);
    nneeded = rom_hyper_num_needed(hr);
    cli_printf(ctx, "  samples: %lld rows, sample mesh %lld rows: %.3f s\n", (long long)ns_total,
               (long long)nneeded, MPI_Wtime() - t0);
  }

  /* ---- online: the FOM and the ROM at the test parameter ---- */
  {
    rom_fom_options fo = rom_fom_options_default();
    MPI_Barrier(rom_ctx_comm(ctx));
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    if ((rc = rom_fom_integrate(p.model, &o.test, u0, 0.0, p.dt, p.steps, &fo, F, &fs))) goto fail;
    fom_cpu = max_over_ranks(ctx, (double)(clock() - c0) / CLOCKS_PER_SEC);
    fom_s = max_over_ranks(ctx, MPI_Wtime() - t0);
  }
  {
    rom_nlrom_options no = rom_nlrom_options_default();
    no.projection = o.method == REPRO_GALERKIN ? ROM_NLROM_GALERKIN : ROM_NLROM_LSPG;
    no.max_iterations = o.max_iterations;
    no.tolerance = o.tolerance;
    if ((rc = rom_nlrom_create(p.model, basis, u0, hr, &no, &rom))) goto fail;
    MPI_Barrier(rom_ctx_comm(ctx));
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    if ((rc = rom_nlrom_run(rom, &o.test, 0.0, p.dt, p.steps, NULL, q, &rs))) goto fail;
    rom_cpu = max_over_ranks(ctx, (double)(clock() - c0) / CLOCKS_PER_SEC);
    rom_s = max_over_ranks(ctx, MPI_Wtime() - t0);
    for (rom_int n = 0; n < nstates; ++n)
      if ((rc = rom_nlrom_lift(rom, q + n * K, Rt + n * p.L))) goto fail;
    for (int c = 0; c < p.ncomp; ++c)
      if ((rc = repro_problem_error(ctx, &p, nstates, F, Rt, c, &avg[c], &mx[c]))) goto fail;
  }

  /* ---- report ---- */
  {
    const repro_published *pub = repro_published_find(&o);
    const double speedup = fom_s / rom_s;
    cli_printf(ctx, "\n  %-28s %10s %10s\n", "", "avg %", "max %");
    cli_printf(ctx, "  %-28s %10.3f %10.3f\n", p.ncomp == 2 ? "romkit (u)" : "romkit", avg[0],
               mx[0]);
    if (p.ncomp == 2) cli_printf(ctx, "  %-28s %10.3f %10.3f\n", "romkit (v)", avg[1], mx[1]);
    if (pub)
      cli_printf(ctx, "  %-28s %10.3f %10.3f   (%s)\n", "published", pub->avg, pub->max, pub->note);
    else
      cli_printf(ctx, "  published: no row for these settings\n");
    cli_printf(ctx,
               "\n  FOM: %.3f s wall, %.3f s CPU (%lld steps, %.4f ms per step, %lld Newton "
               "iterations)\n"
               "  ROM: %.4f s wall, %.4f s CPU (%.4f ms per step, %lld iterations, %lld steps "
               "accepted after %d)\n"
               "  speed-up %.2fx (wall), %.2fx (CPU)\n",
               fom_s, fom_cpu, (long long)p.steps, 1e3 * fom_s / (double)p.steps,
               (long long)fs.newton_iterations, rom_s, rom_cpu, 1e3 * rom_s / (double)p.steps,
               (long long)rs.iterations, (long long)rs.not_converged_steps, o.max_iterations,
               speedup, fom_cpu / rom_cpu);
    if (o.json && rom_ctx_rank(ctx) == 0) {
      FILE *f = stdout;
      fprintf(f, "{\"method\": \"%s\", \"problem\": \"%s\", \"test_param\": ",
              repro_method_name(o.method), p.name);
      json_number(f, o.test);
      fprintf(f, ", \"dim\": %lld, \"avg_error_pct\": ", (long long)k);
      json_number(f, avg[0]);
      fputs(", \"max_error_pct\": ", f);
      json_number(f, mx[0]);
      fputs(", \"fom_seconds\": ", f);
      json_number(f, fom_s);
      fputs(", \"rom_seconds\": ", f);
      json_number(f, rom_s);
      fputs(", \"speedup\": ", f);
      json_number(f, speedup);
      if (p.ncomp == 2) {
        fputs(", \"v_avg_error_pct\": ", f);
        json_number(f, avg[1]);
        fputs(", \"v_max_error_pct\": ", f);
        json_number(f, mx[1]);
      }
      fputs(", \"published_avg_pct\": ", f);
      json_number(f, pub ? pub->avg : NAN);
      fputs(", \"published_max_pct\": ", f);
      json_number(f, pub ? pub->max : NAN);
      fprintf(f, ", \"train_params\": [%s], \"steps\": %lld, \"ranks\": %d", cache.train,
              (long long)p.steps, rom_ctx_size(ctx));
      fputs(", \"fom_ms_per_step\": ", f);
      json_number(f, 1e3 * fom_s / (double)p.steps);
      fputs(", \"rom_ms_per_step\": ", f);
      json_number(f, 1e3 * rom_s / (double)p.steps);
      fputs(", \"fom_cpu_seconds\": ", f);
      json_number(f, fom_cpu);
      fputs(", \"rom_cpu_seconds\": ", f);
      json_number(f, rom_cpu);
      fprintf(f,
              ", \"fom_newton_iterations\": %lld, \"rom_iterations\": %lld, "
              "\"rom_not_converged_steps\": %lld, \"max_iterations\": %d, \"tolerance\": ",
              (long long)fs.newton_iterations, (long long)rs.iterations,
              (long long)rs.not_converged_steps, o.max_iterations);
      json_number(f, o.tolerance);
      if (o.method == REPRO_LSPG_HR) {
        fprintf(f,
                ", \"hr_method\": \"%s\", \"hr_basis\": %lld, \"hr_samples\": %lld, "
                "\"hr_sample_mesh\": %s, \"hr_total_samples\": %lld, \"hr_needed_rows\": %lld",
                rom_hyper_method_name(o.hr_method), (long long)nb, (long long)ns,
                o.hr_sample_mesh ? "true" : "false", (long long)ns_total, (long long)nneeded);
      }
      fputs(", \"workdir\": ", f);
      json_string(f, cache.dir);
      fputs("}\n", f);
      fflush(f);
    }
  }
  goto done;
fail:
  exit_code = cli_fail(ctx, CMD, rc);
done:
  rom_nlrom_destroy(&rom);
  rom_hyper_destroy(&hr);
  rom_basis_destroy(&basis);
  for (int c = 0; c < 2; ++c) {
    rom_basis_destroy(&sb[c]);
    rom_basis_destroy(&rb[c]);
  }
  rom_dmat_destroy(&V);
  rom_dmat_destroy(&R);
  repro_problem_destroy(&p);
  free(samples);
  free(u0);
  free(F);
  free(Rt);
  free(q);
  return exit_code;
}
