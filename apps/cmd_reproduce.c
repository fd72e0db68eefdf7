/* romkit reproduce P1|P2 --method {pod-galerkin,pod-lspg,pod-lspg-hr,nm-galerkin,nm-lspg,
 *                                   nm-lspg-hr} ...
 *
 * The rows of the Burgers tables of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451
 * (2022), as specified in docs/problems.md, end to end:
 *   training FOM runs (cached) -> snapshots w^n - w^0 -> POD per component (cached)
 *   -> [HR: residual basis (P1: raw solutions with the initial states; P2: all Newton
 *       iterates, per component; cached) -> samples -> sample mesh]
 *   -> FOM and ROM at the test parameter, timed (time stepping only)
 *   -> avg/max error (docs/problems.md's metric), speed-up, the published numbers beside them.
 * The nonlinear-manifold methods replace the POD basis by the paper's shallow masked
 * autoencoder (read with --ae, or trained here with a fixed seed and cached) and, for
 * HR, the state basis rows by the decoder sub-network at the sample mesh.
 * docs/reproduction.md has the results, the choices and the HR sampling investigation. */
#include "reproduce_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A printf format: %s is the list of hyper-reduction methods (the library's table). */
static const char *const help =
    "usage: [mpirun -n P] romkit reproduce P1|P2 --method M [--dim p]\n"
    "           [--hr-basis nb --hr-samples ns] [--hr-method H] [--train-params a,b,...]\n"
    "           [--test-param a] [--workdir DIR] [--json] [--max-iterations K]\n"
    "           [--tolerance T] [--grid G] [--steps S] [--hr-sample-mesh]\n"
    "           [--ae AE.h5 [--ae AE_V.h5]] [--ae-seed S] [--ae-epochs E] [--ae-max-seconds T]\n"
    "           [--save PREFIX]\n\n"
    "Reproduces the rows of the Burgers tables of Kim et al., J. Comput. Phys. 451\n"
    "(2022) (docs/problems.md, P1: 1D inviscid Burgers, P2: 2D viscous Burgers): training\n"
    "FOM runs, POD basis or autoencoder, hyper-reduction data, then the FOM and the ROM\n"
    "at the test parameter; prints the avg/max error (percent, docs/problems.md's metric; P2:\n"
    "u component), the FOM and ROM time-stepping seconds, the speed-up and the published\n"
    "numbers.\n\n"
    "  --method M          pod-galerkin, pod-lspg or pod-lspg-hr (LSPG with GNAT\n"
    "                      hyper-reduction); nm-galerkin, nm-lspg or nm-lspg-hr: the\n"
    "                      same on the nonlinear manifold of a shallow masked\n"
    "                      autoencoder (HR: decoder sub-network at the sample mesh)\n"
    "  --dim p             POD basis vectors / latent dimension (per component for P2);\n"
    "                      default 5\n"
    "  --hr-basis nb       residual basis vectors (per component); P1 30 (NM: 31), P2 55\n"
    "  --hr-samples ns     sampled rows (per component); P1 47, P2 58\n"
    "  --hr-method H       sample selection (the library's, romkit/hyper.h); default deim-os\n"
    "                      (the authors' oversampled DEIM):\n"
    "%s"
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
    "                      (NM: P1 1e-5, P2 1e-6, as the paper)\n"
    "  --grid G, --steps S reduced settings for tests (P2 grid points per direction,\n"
    "                      time steps over the same T); no published row then\n"
    "  --hr-sample-mesh    (P1) sample every row of the sample mesh (investigation)\n"
    "  --ae FILE           NM: a trained autoencoder file (`romkit train`); P1 one, P2\n"
    "                      --ae U.h5 --ae V.h5 or u alone (v's network is then u's mirrored across "
    "the\n"
    "                      diagonal, which the problem's symmetry makes exact). Without\n"
    "                      it the paper's network is trained here (P1: 1000-2000-5 /\n"
    "                      5-12024-1000 swish, band mask; P2: the u network, sigmoid,\n"
    "                      stencil mask, min-max scaling, on the raw states, mirrored for\n"
    "                      v) and cached in the workdir\n"
    "  --ae-seed S         seed of that training (default 42)\n"
    "  --ae-epochs E       its epoch limit (default: the paper's, P1 10000, P2 2000)\n"
    "  --ae-max-seconds T  its wall-time limit per network (default: none)\n"
    "  --save PREFIX       also write the test-parameter trajectories: PREFIX_fom.h5 and\n"
    "                      PREFIX_rom.h5 (snapshot files, one state per time step) and\n"
    "                      PREFIX_latent.txt (the reduced / latent state per step); never\n"
    "                      overwrites (for plots: scripts/plot_nm.py)\n\n"
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
  int have_tol = 0, have_ae_opt = 0, have_dim = 0;
  double train[REPRO_MAX_PARAMS];
  int ntrain = 0;
  memset(o, 0, sizeof *o);
  o->hr_method = ROM_HYPER_DEIM_OS;
  o->max_iterations = 4;
  o->tolerance = 1e-8;
  o->test = 1.0;
  o->ae_seed = 42;
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
      else if (!strcmp(v, "nm-galerkin"))
        o->method = REPRO_NM_GALERKIN;
      else if (!strcmp(v, "nm-lspg"))
        o->method = REPRO_NM_LSPG;
      else if (!strcmp(v, "nm-lspg-hr"))
        o->method = REPRO_NM_LSPG_HR;
      else
        return cli_usage_error(ctx, CMD,
                               "unknown method '%s' (pod-galerkin, pod-lspg, pod-lspg-hr, "
                               "nm-galerkin, nm-lspg or nm-lspg-hr)",
                               v);
      have_method = 1;
    } else if (!strcmp(a, "--dim")) {
      if ((rc = parse_count(ctx, a, v, &dim))) return rc;
      have_dim = 1;
    } else if (!strcmp(a, "--ae")) {
      /* repeatable (P2: u, then v); not comma-separated: cached names contain commas */
      if (o->nae_paths == 2) return cli_usage_error(ctx, CMD, "--ae given more than twice");
      if (!*v) return cli_usage_error(ctx, CMD, "--ae: empty file name");
      o->ae_path[o->nae_paths++] = v;
    } else if (!strcmp(a, "--ae-seed")) {
      rom_int seed = 0;
      if (cli_parse_int(v, &seed) || seed < 0)
        return cli_usage_error(ctx, CMD, "--ae-seed expects a whole number >= 0, got '%s'", v);
      o->ae_seed = (uint64_t)seed;
      have_ae_opt = 1;
    } else if (!strcmp(a, "--ae-epochs")) {
      if ((rc = parse_count(ctx, a, v, &o->ae_epochs))) return rc;
      have_ae_opt = 1;
    } else if (!strcmp(a, "--ae-max-seconds")) {
      if (cli_parse_double(v, &o->ae_max_seconds) || !(o->ae_max_seconds > 0.0) ||
          !isfinite(o->ae_max_seconds))
        return cli_usage_error(ctx, CMD, "--ae-max-seconds expects a number > 0, got '%s'", v);
      have_ae_opt = 1;
    } else if (!strcmp(a, "--hr-basis")) {
      if ((rc = parse_count(ctx, a, v, &nb))) return rc;
      have_nb = 1;
    } else if (!strcmp(a, "--hr-samples")) {
      if ((rc = parse_count(ctx, a, v, &ns))) return rc;
      have_ns = 1;
    } else if (!strcmp(a, "--hr-method")) {
      char known[256];
      if (rom_hyper_method_from_name(v, &o->hr_method) != ROM_OK)
        return cli_usage_error(
            ctx, CMD, "unknown --hr-method '%s' (known: %s)", v,
            cli_list_names(CLI_HYPER_METHODS, 0u, 0u, ", ", known, sizeof known));
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
    } else if (!strcmp(a, "--save")) {
      if (!*v) return cli_usage_error(ctx, CMD, "--save must not be empty");
      o->save = v;
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
      have_tol = 1;
    } else {
      return cli_usage_error(ctx, CMD, "unknown option '%s'", a);
    }
  }
  if (!o->problem) return cli_usage_error(ctx, CMD, "give the problem: P1 or P2");
  if (o->grid && o->problem != 2) return cli_usage_error(ctx, CMD, "--grid applies to P2 only");
  if (!have_method)
    return cli_usage_error(ctx, CMD,
                           "give --method pod-galerkin, pod-lspg, pod-lspg-hr, nm-galerkin, "
                           "nm-lspg or nm-lspg-hr");
  if (!REPRO_IS_NM(o->method) && (o->nae_paths || have_ae_opt))
    return cli_usage_error(ctx, CMD, "the --ae* options apply to the nm-* methods only");
  if (o->nae_paths && have_ae_opt)
    return cli_usage_error(ctx, CMD,
                           "--ae-seed/--ae-epochs/--ae-max-seconds train a network: not with --ae");
  if (o->nae_paths > o->problem)
    return cli_usage_error(ctx, CMD, "P1 takes one autoencoder file in --ae, got %d", o->nae_paths);
  if (o->nae_paths && have_dim)
    return cli_usage_error(ctx, CMD, "--dim is the autoencoder's latent dimension: not with --ae");
  if (REPRO_IS_NM(o->method) && !have_tol) o->tolerance = o->problem == 1 ? 1e-5 : 1e-6;
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
  if (!REPRO_IS_HR(o->method)) {
    if (have_nb || have_ns || have_hr_method || o->hr_sample_mesh)
      return cli_usage_error(ctx, CMD,
                             "the --hr-* options apply to --method pod-lspg-hr and nm-lspg-hr "
                             "only");
    o->hr_basis = o->hr_samples = 0;
    return CLI_EXIT_OK;
  }
  if (have_nb) o->hr_basis = nb;
  if (have_ns) o->hr_samples = ns;
  if (rom_hyper_method_rules(o->hr_method) & ROM_HYPER_RULE_EXACT_SAMPLES) {
    if (!have_ns) o->hr_samples = o->hr_basis;
    if (o->hr_samples != o->hr_basis)
      return cli_usage_error(ctx, CMD, "--hr-method %s needs --hr-samples = --hr-basis",
                             rom_hyper_method_name(o->hr_method));
  }
  if (o->hr_samples < o->hr_basis)
    return cli_usage_error(ctx, CMD, "--hr-samples %lld < --hr-basis %lld",
                           (long long)o->hr_samples, (long long)o->hr_basis);
  if (o->hr_sample_mesh && (o->problem != 1 || REPRO_IS_NM(o->method)))
    return cli_usage_error(ctx, CMD, "--hr-sample-mesh is implemented for P1 pod-lspg-hr only");
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

typedef enum {
  SNAP_DIFF,  /* w^n - w^0, n = 1..steps (POD bases; P1's autoencoder) */
  SNAP_RAW,   /* w^n, n = 0..steps (P1's residual basis; P2's autoencoders) */
  SNAP_NEWTON /* every Newton iterate (P2's residual basis) */
} snap_kind;

/* The snapshot matrix (this rank's p->L rows x *cols, malloc'd) of all training runs. */
static int training_snapshots(repro_cache *c, snap_kind kind, double **out, rom_int *cols_out) {
  const repro_problem *p = c->p;
  const repro_options *o = c->o;
  rom_int cols = 0;
  double *S = NULL;
  int rc = ROM_OK;
  for (int t = 0; t < o->ntrain && rc == ROM_OK; ++t) {
    rom_dmat *traj = NULL, *newt = NULL;
    rc = training_run(c, o->train[t], &traj, kind == SNAP_NEWTON ? &newt : NULL);
    if (rc) break;
    const rom_dmat *src = kind == SNAP_NEWTON ? newt : traj;
    const rom_int ld = rom_dmat_ld(src), n = rom_dmat_cols(src);
    const double *D = rom_dmat_data_const(src);
    const rom_int per = kind == SNAP_DIFF ? p->steps : n;
    double *grown = realloc(S, sizeof(double) * (size_t)((p->L + 1) * (cols + per)));
    if (!grown) {
      rc = ROM_ERR_NOMEM;
    } else {
      S = grown;
      for (rom_int j = 0; j < per; ++j)
        for (rom_int l = 0; l < p->L; ++l)
          S[l + (cols + j) * p->L] = kind == SNAP_DIFF ? D[l + (j + 1) * ld] - D[l] : D[l + j * ld];
      cols += per;
    }
    rom_dmat_destroy(&traj);
    rom_dmat_destroy(&newt);
  }
  if (rc) {
    free(S);
    S = NULL;
  }
  *out = S;
  *cols_out = cols;
  return rc;
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
  rom_int cols = 0;
  double *S = NULL;
  rc = training_snapshots(c,
                          kind == 0       ? SNAP_DIFF
                          : p->ncomp == 2 ? SNAP_NEWTON
                                          : SNAP_RAW,
                          &S, &cols);
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

/* P2's v autoencoder from the u autoencoder. The problem is symmetric under x <-> y with
 * u <-> v (docs/problems.md: v is u mirrored across the diagonal), so with the node
 * transposition perm(i + n j) = j + n i the network x_v -> D(E(x_v o perm)) o perm is an
 * autoencoder of the v states exactly as good as the u network is of the u states: the
 * encoder's first layer gets its input columns permuted, the decoder's output layer its
 * rows (a masked layer keeps each row's pattern), the scaling its entries. This replaces
 * the paper's second training run (docs/reproduction.md says so). Collective. */
static int mirror_autoencoder(rom_ctx *ctx, rom_ae *u, rom_int n, rom_ae **out) {
  const rom_int N = n * n;
  const int nl = rom_ae_num_layers(u), nenc = rom_ae_num_encoder_layers(u);
  rom_layer_spec specs[64];
  rom_mask *mask = NULL;
  rom_int *perm = NULL, *rp = NULL, *ci = NULL;
  double *sh = NULL, *sc = NULL;
  int rc = ROM_OK;
  *out = NULL;
  if (rom_ae_input_dim(u) != N || nl > 64) return ROM_ERR_DIM;
  perm = malloc(sizeof(rom_int) * (size_t)N);
  sh = malloc(sizeof(double) * (size_t)N);
  sc = malloc(sizeof(double) * (size_t)N);
  if (!perm || !sh || !sc) rc = ROM_ERR_NOMEM;
  for (rom_int p = 0; rc == ROM_OK && p < N; ++p)
    perm[p] = p / n + n * (p % n);
  for (int l = 0; rc == ROM_OK && l < nl; ++l)
    rc = rom_ae_layer(u, l, &specs[l]);
  const rom_mask *umask = rc == ROM_OK ? specs[nl - 1].mask : NULL; /* u's output mask */
  if (rc == ROM_OK && specs[0].mask) rc = ROM_ERR_UNSUPPORTED;      /* a masked first layer */
  if (rc == ROM_OK && umask) {
    const rom_int *urp = rom_mask_row_ptr(umask), *uci = rom_mask_col_index(umask);
    rp = malloc(sizeof(rom_int) * (size_t)(N + 1));
    ci = malloc(sizeof(rom_int) * (size_t)(rom_mask_nnz(umask) + 1));
    if (!rp || !ci) rc = ROM_ERR_NOMEM;
    for (rom_int p = 0, t = 0; rc == ROM_OK && p < N; ++p) {
      rp[p] = t;
      for (rom_int e = urp[perm[p]]; e < urp[perm[p] + 1]; ++e)
        ci[t++] = uci[e];
      rp[p + 1] = t;
    }
    if (rc == ROM_OK) rc = rom_mask_from_csr(ctx, N, specs[nl - 1].in, rp, ci, &mask);
    specs[nl - 1].mask = mask;
  }
  if (rc == ROM_OK) rc = rom_ae_create(ctx, nenc, specs, nl - nenc, specs + nenc, 1, out);
  for (int l = 0; rc == ROM_OK && l < nl; ++l) {
    const double *Wu = rom_ae_layer_weights(u, l), *bu = rom_ae_layer_bias(u, l);
    double *Wv = rom_ae_layer_weights(*out, l), *bv = rom_ae_layer_bias(*out, l);
    const rom_int in = specs[l].in, o = specs[l].out;
    const rom_int nw = specs[l].mask ? rom_mask_nnz(specs[l].mask) : in * o;
    if (l == 0) { /* input columns: W_v[h, j] = W_u[h, perm(j)] */
      for (rom_int h = 0; h < o; ++h)
        for (rom_int j = 0; j < in; ++j)
          Wv[h * in + j] = Wu[h * in + perm[j]];
    } else if (l == nl - 1 && specs[l].mask) { /* row p holds u's row perm(p), in order */
      const rom_int *urp = rom_mask_row_ptr(umask);
      for (rom_int p = 0; p < N; ++p)
        for (rom_int e = rp[p]; e < rp[p + 1]; ++e)
          Wv[e] = Wu[urp[perm[p]] + (e - rp[p])];
    } else if (l == nl - 1) { /* dense output rows */
      for (rom_int p = 0; p < N; ++p)
        memcpy(Wv + p * in, Wu + perm[p] * in, sizeof(double) * (size_t)in);
    } else {
      memcpy(Wv, Wu, sizeof(double) * (size_t)nw);
    }
    if (bu) {
      for (rom_int i = 0; i < o; ++i)
        bv[i] = l == nl - 1 ? bu[perm[i]] : bu[i];
    }
  }
  if (rc == ROM_OK) {
    for (rom_int j = 0; j < N; ++j) {
      sh[j] = rom_ae_shift(u)[perm[j]];
      sc[j] = rom_ae_scale(u)[perm[j]];
    }
    rc = rom_ae_set_scaling(*out, sh, sc);
  }
  if (rc != ROM_OK) rom_ae_destroy(out);
  rom_mask_destroy(&mask);
  free(perm);
  free(rp);
  free(ci);
  free(sh);
  free(sc);
  return rc;
}

/* The autoencoders of the NM methods, one per component: read from --ae, or the paper's
 * network (docs/problems.md) trained on the training runs with the fixed seed and cached.
 * P1: trained on w^n - w^0 (n = 1..500) without scaling, swish, band mask 36 / 12.
 * P2: on the raw states (n = 0..1500) scaled per node to [0, 1], sigmoid, hidden biases,
 * the stencil mask (band 100, shift 10), batch 240, 2000 epochs. *train_s: seconds spent
 * training here (0 if read). Collective. */
static int get_autoencoders(repro_cache *c, rom_ae **aes, double *train_s) {
  rom_ctx *ctx = c->ctx;
  const repro_problem *p = c->p;
  const repro_options *o = c->o;
  char path[2][REPRO_PATH + 1300];
  int all = 1, rc = ROM_OK;
  double *S = NULL;
  rom_int cols = 0;
  /* P2: one network for u; v's is its mirror image unless --ae names both */
  const int nnets = p->ncomp == 2 && o->nae_paths != 2 ? 1 : p->ncomp;
  *train_s = 0.0;
  for (int k = 0; k < nnets; ++k) {
    if (o->nae_paths) {
      snprintf(path[k], sizeof path[k], "%s", o->ae_path[k]);
      continue;
    }
    char lim[64] = "";
    if (o->ae_max_seconds > 0) snprintf(lim, sizeof lim, "_t%g", o->ae_max_seconds);
    snprintf(path[k], sizeof path[k], "%s/%s_ae_c%d_k%lld_seed%llu_e%lld%s_train%s.h5", c->dir,
             p->prefix, k, (long long)o->dim, (unsigned long long)o->ae_seed,
             (long long)(o->ae_epochs    ? o->ae_epochs
                         : p->ncomp == 1 ? 10000
                                         : 2000),
             lim, c->train);
    all = all && repro_exists(ctx, path[k]);
  }
  if (o->nae_paths || all) {
    for (int k = 0; k < nnets && rc == ROM_OK; ++k) {
      rc = rom_ae_read(ctx, path[k], &aes[k]);
      if (rc == ROM_OK && rom_ae_input_dim(aes[k]) != p->comp_rows) {
        repro_error(ctx, path[k], "inputs", rom_ae_input_dim(aes[k]), p->comp_rows);
        rc = ROM_ERR_DIM;
      }
      if (rc == ROM_OK && k > 0 && rom_ae_latent_dim(aes[k]) != rom_ae_latent_dim(aes[0])) {
        repro_error(ctx, path[k], "latent dimensions", rom_ae_latent_dim(aes[k]),
                    rom_ae_latent_dim(aes[0]));
        rc = ROM_ERR_DIM;
      }
    }
    if (rc == ROM_OK)
      cli_printf(ctx, "  autoencoder%s: %s%s%s (latent %lld)\n", nnets == 2 ? "s" : "", path[0],
                 nnets == 2 ? ", " : "", nnets == 2 ? path[1] : "",
                 (long long)rom_ae_latent_dim(aes[0]));
    goto mirror;
  }
  rc = training_snapshots(c, p->ncomp == 1 ? SNAP_DIFF : SNAP_RAW, &S, &cols);
  for (int k = 0; k < nnets && rc == ROM_OK; ++k) {
    rom_int Lc = 0, first = 0;
    const rom_int N = p->comp_rows;
    rom_mask *mask = NULL;
    rom_dmat *view = NULL;
    rom_ae_train_options to = rom_ae_train_options_default();
    to.seed = o->ae_seed;
    to.max_seconds = o->ae_max_seconds;
    if (p->ncomp == 1) {
      to.epochs = o->ae_epochs ? o->ae_epochs : 10000;
      rc = rom_mask_banded(ctx, N, 36, 12, &mask);
      if (rc == ROM_OK)
        rc = rom_ae_create_shallow(ctx, N, 2 * N, o->dim, 12 * (N - 1) + 36, ROM_ACT_SWISH, 0, mask,
                                   o->ae_seed, &aes[k]);
    } else {
      const rom_int g = o->grid ? o->grid - 2 : 58;
      to.epochs = o->ae_epochs ? o->ae_epochs : 2000;
      to.batch = 240;
      to.scale_minmax = 1;
      rc = rom_mask_stencil2d(ctx, g, g, 100, 10, &mask);
      if (rc == ROM_OK)
        rc = rom_ae_create_shallow(ctx, N, 2 * N, o->dim, 10 * (N - 1) + 100, ROM_ACT_SIGMOID, 1,
                                   mask, o->ae_seed, &aes[k]);
    }
    rom_mask_destroy(&mask);
    repro_component_rows(p, k, &Lc, &first);
    if (rc == ROM_OK) rc = rom_dmat_wrap(ctx, Lc, cols, Lc > 0 ? S + first : NULL, p->L, &view);
    cli_printf(ctx,
               "  training autoencoder %d on %lld snapshots (seed %llu, at most %lld epochs)...", k,
               (long long)cols, (unsigned long long)o->ae_seed, (long long)to.epochs);
    fflush(stdout);
    double t0 = MPI_Wtime();
    if (rc == ROM_OK) rc = rom_ae_train_dmat(aes[k], view, &to);
    rom_dmat_destroy(&view);
    *train_s += MPI_Wtime() - t0;
    if (rc == ROM_OK) {
      rom_int ne = 0;
      const double *loss = NULL, *val = NULL, *lr = NULL, *sec = NULL;
      rom_ae_history(aes[k], &ne, &loss, &val, &lr, &sec);
      rom_int best = rom_ae_best_epoch(aes[k]);
      cli_printf(ctx, " %lld epochs, %.1f s, best validation loss %.3e (epoch %lld)\n",
                 (long long)ne, MPI_Wtime() - t0, best >= 0 ? val[best] : NAN, (long long)best);
      rc = rom_ae_write(aes[k], path[k], 0);
    }
  }
  free(S);
mirror:
  if (rc == ROM_OK && nnets < p->ncomp) {
    const rom_int n = o->grid ? o->grid - 2 : 58;
    rc = mirror_autoencoder(ctx, aes[0], n, &aes[1]);
    if (rc == ROM_OK)
      cli_printf(ctx, "  v autoencoder: the u network mirrored across the diagonal\n");
  }
  return rc;
}

/* u0 on every rank (the autoencoders are replicated): the global vector of u0_local. */
static int allgather_state(rom_ctx *ctx, const repro_problem *p, const double *local,
                           double *global) {
  const int P = rom_ctx_size(ctx);
  int *counts = malloc(sizeof(int) * (size_t)P), *displs = malloc(sizeof(int) * (size_t)P);
  int n = (int)p->L, rc = ROM_OK;
  if (!counts || !displs) rc = ROM_ERR_NOMEM;
  if (rc == ROM_OK && MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx)))
    rc = ROM_ERR_MPI;
  for (int r = 0, off = 0; rc == ROM_OK && r < P; off += counts[r], ++r)
    displs[r] = off;
  if (rc == ROM_OK &&
      MPI_Allgatherv(local, n, MPI_DOUBLE, global, counts, displs, MPI_DOUBLE, rom_ctx_comm(ctx)))
    rc = ROM_ERR_MPI;
  free(counts);
  free(displs);
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

/* --save: the FOM and ROM trajectories (snapshot files) and the latent states (text). */
static int save_trajectories(rom_ctx *ctx, const repro_problem *p, const char *prefix,
                             rom_int nstates, const double *F, const double *R, rom_int K,
                             const double *q) {
  char path[REPRO_PATH + 32];
  int rc = ROM_OK;
  for (int t = 0; t < 2 && rc == ROM_OK; ++t) {
    rom_snapshots *s = NULL;
    rom_snapshots_options so = rom_snapshots_options_default();
    so.capacity_hint = nstates;
    snprintf(path, sizeof path, "%s_%s.h5", prefix, t == 0 ? "fom" : "rom");
    rc = rom_snapshots_create(ctx, p->L, &so, &s);
    if (rc == ROM_OK) rc = rom_snapshots_add_block(s, nstates, t == 0 ? F : R, p->L);
    if (rc == ROM_OK) rc = rom_snapshots_write(s, path, 0);
    rom_snapshots_destroy(&s);
  }
  if (rc == ROM_OK && rom_ctx_rank(ctx) == 0) {
    snprintf(path, sizeof path, "%s_latent.txt", prefix);
    FILE *f = fopen(path, "wx");
    if (!f) {
      fprintf(stderr, "romkit reproduce: error: cannot create '%s' (exists?)\n", path);
      rc = ROM_ERR_IO;
    } else {
      fprintf(f, "# step, then the %lld reduced / latent coordinates\n", (long long)K);
      for (rom_int n = 0; n < nstates; ++n) {
        fprintf(f, "%lld", (long long)n);
        for (rom_int j = 0; j < K; ++j)
          fprintf(f, " %.17g", q[n * K + j]);
        fputc('\n', f);
      }
      fclose(f);
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  return rc;
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
    char methods[2048];
    cli_printf(ctx, help, cli_describe_names(CLI_HYPER_METHODS, 22, -1, methods, sizeof methods));
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

  const int nm = REPRO_IS_NM(o.method);
  rom_int k = o.dim, K = p.ncomp * k;
  const rom_int nstates = p.steps + 1;
  const rom_int nb = o.hr_basis, ns = o.hr_samples;
  rom_basis *sb[2] = {NULL, NULL}, *rb[2] = {NULL, NULL}, *basis = NULL;
  rom_dmat *V = NULL, *R = NULL;
  rom_hyper *hr = NULL;
  rom_nlrom *rom = NULL;
  rom_int *samples = NULL, ns_total = 0, nneeded = 0;
  rom_ae *aes[2] = {NULL, NULL};
  double ae_train_s = 0.0, *q0 = NULL, *u0g = NULL;
  double *u0 = calloc((size_t)(p.L + 1), sizeof(double));
  double *F = calloc((size_t)((p.L + 1) * nstates), sizeof(double));
  double *Rt = calloc((size_t)((p.L + 1) * nstates), sizeof(double));
  double *q = NULL;
  double fom_s = 0, rom_s = 0, fom_cpu = 0, rom_cpu = 0, avg[2] = {NAN, NAN}, mx[2] = {NAN, NAN};
  rom_fom_stats fs;
  rom_nlrom_stats rs;
  memset(&rs, 0, sizeof rs);
  if (!u0 || !F || !Rt) {
    rc = ROM_ERR_NOMEM;
    goto fail;
  }
  cli_printf(ctx,
             "romkit reproduce %s %s: %s = %lld%s, train a = {%s}, test a = %g, %d rank(s)\n"
             "  workdir %s\n",
             p.name, repro_method_name(o.method), nm ? "latent" : "p", (long long)k,
             p.ncomp == 2 ? " per component" : "", cache.train, o.test, rom_ctx_size(ctx),
             cache.dir);
  if (REPRO_IS_HR(o.method))
    cli_printf(ctx, "  hyper-reduction: %s, %lld residual basis vectors / %lld samples%s%s\n",
               rom_hyper_method_name(o.hr_method), (long long)nb, (long long)ns,
               p.ncomp == 2 ? " per component" : "",
               o.hr_sample_mesh ? ", every sample-mesh row sampled" : "");

  /* ---- offline ---- */
  if ((rc = repro_problem_initial(&p, o.test, u0))) goto fail;
  if (!nm) {
    if ((rc = get_bases(&cache, 0, k, sb))) goto fail;
    if ((rc = block_diagonal(ctx, &p, sb, k, 0, &V))) goto fail;
    if ((rc = rom_basis_create(V, NULL, 0, u0, &basis))) goto fail;
  } else {
    /* u = u_ref + g(q). P1: u_ref = the test initial condition, q0 = 0 (g(0) = 0: no
     * decoder biases). P2: the autoencoders' output shift is the per-node minimum, i.e.
     * the paper's reference, so u_ref = 0 here and q0 = encoder(u0) per component. */
    if ((rc = get_autoencoders(&cache, aes, &ae_train_s))) goto fail;
    k = rom_ae_latent_dim(aes[0]);
    o.dim = k;
    K = p.ncomp * k;
    q0 = calloc((size_t)K, sizeof(double));
    u0g = calloc((size_t)(p.N + 1), sizeof(double));
    if (!q0 || !u0g) {
      rc = ROM_ERR_NOMEM;
      goto fail;
    }
    if (p.ncomp == 2) {
      if ((rc = allgather_state(ctx, &p, u0, u0g))) goto fail;
      for (int c = 0; c < 2; ++c)
        if ((rc = rom_ae_encode(aes[c], 1, u0g + c * p.comp_rows, p.comp_rows, q0 + c * k, k)))
          goto fail;
    }
  }
  q = calloc((size_t)(K * nstates), sizeof(double));
  if (!q) {
    rc = ROM_ERR_NOMEM;
    goto fail;
  }
  if (REPRO_IS_HR(o.method)) {
    double t0 = MPI_Wtime();
    if ((rc = get_bases(&cache, 1, nb, rb))) goto fail;
    if ((rc = block_diagonal(ctx, &p, rb, nb, 1, &R))) goto fail;
    t0 = MPI_Wtime();
    if (p.ncomp == 1) { /* the library selects (any method, deim-os included) */
      rom_hyper_options ho = rom_hyper_options_default();
      ho.method = o.hr_method;
      ho.residual_dim = nb;
      ho.num_samples = ns;
      if (!nm && (rc = rom_hyper_create(p.model, basis, u0, R, &ho, &hr))) goto fail;
      if (nm && (rc = rom_hyper_create(NULL, NULL, NULL, R, &ho, &hr))) goto fail;
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
      if ((rc =
               repro_hyper_from_samples(ctx, &p, basis, nm ? NULL : u0, R, ns_total, samples, &hr)))
        goto fail;
    }
    /* NM: the decoder sub-network feeding the sample mesh replaces the basis rows */
    if (nm && (rc = rom_hyper_attach_decoder(hr, p.model, p.ncomp, aes, p.ncomp == 1 ? u0 : NULL)))
      goto fail;
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
    if (nm)
      cli_printf(ctx, "  decoder sub-network: %lld hidden units, %lld weights and biases\n",
                 (long long)rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr)),
                 (long long)rom_ae_subnet_num_params(rom_hyper_decoder(hr)));
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
    no.projection = o.method == REPRO_GALERKIN || o.method == REPRO_NM_GALERKIN ? ROM_NLROM_GALERKIN
                                                                                : ROM_NLROM_LSPG;
    no.max_iterations = o.max_iterations;
    no.tolerance = o.tolerance;
    if (nm)
      rc =
          rom_nlrom_create_manifold(p.model, p.ncomp, aes, p.ncomp == 1 ? u0 : NULL, hr, &no, &rom);
    else
      rc = rom_nlrom_create(p.model, basis, u0, hr, &no, &rom);
    if (rc) goto fail;
    MPI_Barrier(rom_ctx_comm(ctx));
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    if ((rc = rom_nlrom_run(rom, &o.test, 0.0, p.dt, p.steps, q0, q, &rs))) goto fail;
    rom_cpu = max_over_ranks(ctx, (double)(clock() - c0) / CLOCKS_PER_SEC);
    rom_s = max_over_ranks(ctx, MPI_Wtime() - t0);
    for (rom_int n = 0; n < nstates; ++n)
      if ((rc = rom_nlrom_lift(rom, q + n * K, Rt + n * p.L))) goto fail;
    for (int c = 0; c < p.ncomp; ++c)
      if ((rc = repro_problem_error(ctx, &p, nstates, F, Rt, c, &avg[c], &mx[c]))) goto fail;
    if (o.save && (rc = save_trajectories(ctx, &p, o.save, nstates, F, Rt, K, q))) goto fail;
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
      if (nm) {
        fprintf(f, ", \"ae_seed\": %llu, \"ae_files\": [", (unsigned long long)o.ae_seed);
        json_string(f, o.nae_paths ? o.ae_path[0] : "(trained)");
        if (p.ncomp == 2) {
          fputs(", ", f);
          json_string(f, o.nae_paths == 2 ? o.ae_path[1] : "(the u network mirrored)");
        }
        fputs("], \"ae_train_seconds\": ", f);
        json_number(f, ae_train_s);
        if (hr)
          fprintf(f, ", \"hr_decoder_hidden_units\": %lld, \"hr_decoder_params\": %lld",
                  (long long)rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr)),
                  (long long)rom_ae_subnet_num_params(rom_hyper_decoder(hr)));
      }
      if (REPRO_IS_HR(o.method)) {
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
  for (int c = 0; c < 2; ++c)
    rom_ae_destroy(&aes[c]);
  free(q0);
  free(u0g);
  repro_problem_destroy(&p);
  free(samples);
  free(u0);
  free(F);
  free(Rt);
  free(q);
  return exit_code;
}
