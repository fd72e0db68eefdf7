/* romkit reproduce P1|P2|--problem NAME --method {pod-galerkin,pod-lspg,pod-lspg-hr,
 *                                              nm-galerkin,nm-lspg,nm-lspg-hr} ...
 *
 * Parses the arguments, creates the problem from the registry (romkit/problem.h), runs the
 * library's reproduction pipeline (rom_reproduce_run, romkit/workflow.h; docs/reproduction.md)
 * and prints its report and, with --json, its JSON line (rom_reproduce_result_json). */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Exit code of a run stopped by SIGINT/SIGTERM with the training checkpoint written (as
 * `romkit train`'s): running the same command again continues from the cache. */
#define REPRODUCE_EXIT_INTERRUPTED 3

/* Set by the handler, read by the pipeline between training runs and at the end of every
 * training epoch (rom_reproduce_options.stop_flag; C99 7.14.1.1). */
static volatile sig_atomic_t reproduce_stop_requested = 0;
static void reproduce_on_signal(int sig) {
  reproduce_stop_requested = sig;
}

static const char *const help =
    "usage: [mpirun -n P] romkit reproduce P1|P2|--problem NAME --method M [--dim p]\n"
    "           [--hr-basis nb --hr-samples ns | --hr-sizes holdout|training\n"
    "            [--hr-grid NB0:NB1:NS1[:STEP]] [--hr-sizes-tolerance T]] [--hr-method H]\n"
    "           [--train-params a,b,...]\n"
    "           [--test-param a] [--workdir DIR] [--json] [--max-iterations K]\n"
    "           [--tolerance T] [--grid G] [--steps S] [--hr-sample-mesh]\n"
    "           [--ae AE.h5 [--ae AE_V.h5]] [--ae-seed S] [--network NET] [--ae-epochs E]\n"
    "           [--ae-max-seconds T] [--ae-batch B] [--ae-patience P] [--fast]\n"
    "           [--initial-guess G] [--convergence-check C]\n"
    "           [--save PREFIX]\n\n"
    "Reproduces the rows of the Burgers tables of Kim et al., J. Comput. Phys. 451\n"
    "(2022) (docs/problems.md, P1: 1D inviscid Burgers, P2: 2D viscous Burgers): training\n"
    "FOM runs, POD basis or autoencoder, hyper-reduction data, then the FOM and the ROM\n"
    "at the test parameter; prints the avg/max error (percent, docs/problems.md's metric; P2:\n"
    "u component), the FOM and ROM time-stepping seconds, the speed-up and the published\n"
    "numbers. The pipeline is the library's (rom_reproduce_run, romkit/workflow.h; Python:\n"
    "romkit.workflow.reproduce).\n\n"
    "  --problem NAME      the problem, as the positional P1 / P2: any registered problem\n"
    "                      with a reproduction recipe (romkit/problem.h)\n";
/* A printf format: %s is the list of hyper-reduction methods (the library's table). */
static const char *const help_options =
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
    "%s";
/* The rest of the options (split: C99 string-length limit). */
static const char *const help_options2 =
    "  --hr-sizes RULE     given (default: --hr-basis/--hr-samples or the recipe's),\n"
    "                      holdout or training: choose nb / ns from the training runs only\n"
    "                      (docs/reproduction.md, \"Hyper-reduction sizes from training data\n"
    "                      only\"): holdout leaves each training parameter out in turn (its\n"
    "                      residual basis from the other runs) and scores the ROM-HR error\n"
    "                      there; training scores it at every training parameter with the\n"
    "                      residual basis of all runs. The test parameter is never used\n"
    "  --hr-grid G         candidates NB0:NB1:NS1[:STEP]: nb = NB0..NB1, ns = nb..NS1, every\n"
    "                      STEP (default 1); default nb_r - 1 .. max(nb_r, ns_r) + 2 of the\n"
    "                      recipe's sizes (P1 NM: 30:49:49, the authors' sweep)\n"
    "  --hr-sizes-tolerance T  take the smallest candidate (nb + ns) whose validation\n"
    "                      error is <= (1 + T) x the best; default 0 (the best)\n"
    "  --train-params L    training parameters a; P1 0.9,1.1, P2 0.9,0.95,1.05,1.1\n"
    "  --test-param a      test parameter; default 1.0\n"
    "  --workdir DIR       cache of the training runs, bases and residual bases (files\n"
    "                      named by their settings, reused when the same settings are\n"
    "                      asked again, never overwritten); default: a new directory\n"
    "                      under $TMPDIR or /tmp\n"
    "  --json              one line of JSON on stdout (method, problem, test_param, dim,\n"
    "                      avg_error_pct, max_error_pct, fom_seconds, rom_seconds,\n"
    "                      speedup, and more); the report and progress go to stderr\n"
    "  --max-iterations K  ROM (Gauss-)Newton updates per step; default 4\n"
    "  --initial-guess G   each step's first iterate: previous (default, the paper's: q^n)\n"
    "                      or extrapolate (2 q^n - q^(n-1): fewer updates per step)\n"
    "  --convergence-check C  HR methods: exact (default: the projected residual with the\n"
    "                      Jacobian at the new iterate) or lagged (with the previous\n"
    "                      iterate's Jacobian: the decoder's value alone; the Jacobian only\n"
    "                      if that says not converged; docs/nonlinear.md)\n"
    "  --tolerance T       ROM stopping tolerance on the projected residual; default 1e-8\n"
    "                      (NM: P1 1e-5, P2 1e-6, as the paper)\n"
    "  --grid G, --steps S reduced settings for tests (P2 grid points per direction,\n"
    "                      time steps over the same T); no published row then\n"
    "  --hr-sample-mesh    (P1) sample every row of the sample mesh (investigation)\n";
/* the options of the nm-* methods (split: C99 guarantees string literals of 4095 bytes) */
static const char *const help_nm =
    "  --ae FILE           NM: a trained autoencoder file (`romkit train`); P1 one, P2\n"
    "                      --ae U.h5 --ae V.h5 or u alone (v's network is then u's mirrored across "
    "the\n"
    "                      diagonal, which the problem's symmetry makes exact). Without\n"
    "                      it the paper's network is trained here (P1: 1000-2000-5 /\n"
    "                      5-12024-1000 swish, band mask; P2: the u network, sigmoid,\n"
    "                      stencil mask, min-max scaling, on the raw states, mirrored for\n"
    "                      v) and cached in the workdir; P2's default is instead the fast\n"
    "                      recipe (--fast below; --paper for the paper's network)\n"
    "  --ae-seed S         seed of that training (default 42)\n"
    "  --precision P       its arithmetic: double (default) or single (float32 forward and\n"
    "                      backward, `romkit train --precision`; cached as *_single.h5)\n"
    "  --network NET       its encoder: paper (default), masked (the decoder mask\n"
    "                      transposed) or narrow (dense N -> 512; docs/autoencoder.md,\n"
    "                      \"Encoder choice\")\n"
    "  --ae-batch B        its mini-batch (default: the recipe's, P1 20, P2 240)\n"
    "  --ae-patience P     its learning-rate patience: lr / 10 after P epochs without a\n"
    "                      better validation loss (default: the recipe's, 10)\n"
    "  --fast              the fast recipe (docs/reproduction.md, \"P2, the fast recipe\"):\n"
    "                      --network narrow --precision single --ae-batch 60\n"
    "                      --ae-patience 30 --ae-epochs 600 --initial-guess extrapolate,\n"
    "                      and with HR --convergence-check lagged --hr-sizes training\n"
    "                      --hr-grid 40:100:140:20 (cut to the rows); the options given\n"
    "                      override it. P2's default where a network is trained here\n"
    "  --paper             the paper's recipe (P2: the paper's network and ROM settings)\n"
    "  --ae-epochs E       its epoch limit (default: the recipe's; the paper's P1 10000,\n"
    "                      P2 2000; the fast recipe's 600)\n"
    "  --ae-max-seconds T  its wall-time limit per network (default: none)\n"
    "  --save PREFIX       also write the test-parameter trajectories: PREFIX_fom.h5 and\n"
    "                      PREFIX_rom.h5 (snapshot files, one state per time step) and\n"
    "                      PREFIX_latent.txt (the reduced / latent state per step); never\n"
    "                      overwrites (for plots: scripts/plot_nm.py)\n\n"
    "Each stage says whether it was computed or read from the workdir (cached); long stages\n"
    "print progress with an ETA, and a timing summary ends the run (on stderr, at the info\n"
    "log level; docs/user-guide.md, \"Progress and timing\"). SIGINT/SIGTERM during the\n"
    "training stops it after the current epoch with its checkpoint written beside the cached\n"
    "network (exit code 3); the same command then continues where it stopped.\n\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments, 3 stopped by\n"
    "SIGINT/SIGTERM (run the same command again to continue).\n";

#define CMD "reproduce"

/* ---- arguments ------------------------------------------------------------------------ */

typedef struct {
  const char *problem; /* registry name */
  rom_int grid, steps; /* 0: the problem's */
  rom_reproduce_options o;
  double train[ROM_PROBLEM_MAX_TRAIN];
  double test;
  /* what the command line gave */
  int have_method, have_nb, have_ns, have_hr_method, have_train, have_test, have_hr_auto;
  int have_ae_opt, have_dim, ntrain;
  int fast;       /* --fast given, or the problem's default (nm_fast_default) */
  int paper;      /* --paper: the paper's recipe where the problem's default is the fast one */
  int have_check; /* --convergence-check given */
} args;

static int parse_count(rom_ctx *ctx, const char *opt, const char *v, rom_int *out) {
  if (cli_parse_int(v, out) || *out < 1)
    return cli_usage_error(ctx, CMD, "%s expects a whole number >= 1, got '%s'", opt, v);
  return CLI_EXIT_OK;
}

static int set_problem(rom_ctx *ctx, args *a, const char *name) {
  char known[256];
  if (a->problem)
    return cli_usage_error(ctx, CMD, "more than one problem ('%s'): give %s once", name,
                           rom_problem_names(known, sizeof known));
  if (!rom_problem_find(name))
    return cli_usage_error(ctx, CMD, "unknown problem '%s' (%s)", name,
                           rom_problem_names(known, sizeof known));
  a->problem = name;
  return CLI_EXIT_OK;
}

/* The command line into *a; the checks that need no problem. */
/* fast_first: `first` is the first pass's result: set the fast recipe for its method
 * before reading the options, so that every option given overrides it (whatever its
 * position); --fast itself is then a no-op. */
static int parse(rom_ctx *ctx, int argc, char **argv, args *a, const args *first) {
  rom_reproduce_options *o = &a->o;
  char names[256];
  rom_int kmax = 0;
  int rc;
  memset(a, 0, sizeof *a);
  *o = rom_reproduce_options_default();
  if (first) {
    a->fast = 1;
    o->method = first->o.method;
    o->num_ae_files = first->o.num_ae_files; /* none trained with --ae */
    rom_reproduce_options_fast(o);
    o->num_ae_files = 0; /* --ae is read again below */
  }
  for (int i = 1; i < argc; ++i) {
    const char *s = argv[i];
    if (!strcmp(s, "--hr-sample-mesh")) {
      o->hr_sample_mesh = 1;
      continue;
    }
    if (!strcmp(s, "--fast")) { /* docs/reproduction.md, "P2, the fast recipe" */
      a->fast = 1;
      continue;
    }
    if (!strcmp(s, "--paper")) {
      a->paper = 1;
      continue;
    }
    if (s[0] != '-') {
      if ((rc = set_problem(ctx, a, s))) return rc;
      continue;
    }
    if (i + 1 >= argc) return cli_usage_error(ctx, CMD, "unknown option '%s' or missing value", s);
    const char *v = argv[++i];
    if (!strcmp(s, "--problem")) {
      if ((rc = set_problem(ctx, a, v))) return rc;
    } else if (!strcmp(s, "--method")) {
      if (rom_reproduce_method_from_name(NULL, v, &o->method) != ROM_OK)
        return cli_usage_error(ctx, CMD, "unknown method '%s' (%s)", v,
                               rom_reproduce_method_names(names, sizeof names));
      a->have_method = 1;
    } else if (!strcmp(s, "--dim")) {
      if ((rc = parse_count(ctx, s, v, &o->dim))) return rc;
      a->have_dim = 1;
    } else if (!strcmp(s, "--ae")) {
      /* repeatable (P2: u, then v); not comma-separated: cached names contain commas */
      if (o->num_ae_files == ROM_PROBLEM_MAX_COMPONENTS)
        return cli_usage_error(ctx, CMD, "--ae given more than %d times",
                               ROM_PROBLEM_MAX_COMPONENTS);
      if (!*v) return cli_usage_error(ctx, CMD, "--ae: empty file name");
      o->ae_files[o->num_ae_files++] = v;
    } else if (!strcmp(s, "--ae-seed")) {
      rom_int seed = 0;
      if (cli_parse_int(v, &seed) || seed < 0)
        return cli_usage_error(ctx, CMD, "--ae-seed expects a whole number >= 0, got '%s'", v);
      o->ae_seed = (uint64_t)seed;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--network")) {
      int masked = 0;
      if (rom_problem_network_from_name(v, &masked) != ROM_OK)
        return cli_usage_error(ctx, CMD, "--network %s: expected one of %s", v,
                               ROM_AE_NETWORK_NAMES);
      o->ae_network = v;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--precision")) {
      if (strcmp(v, "double") && strcmp(v, "single"))
        return cli_usage_error(ctx, CMD, "--precision %s: expected double or single", v);
      o->ae_precision = strcmp(v, "single") ? ROM_PRECISION_DOUBLE : ROM_PRECISION_SINGLE;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--ae-batch")) {
      if ((rc = parse_count(ctx, s, v, &o->ae_batch))) return rc;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--ae-patience")) {
      if ((rc = parse_count(ctx, s, v, &o->ae_patience))) return rc;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--convergence-check")) {
      if (strcmp(v, "exact") && strcmp(v, "lagged"))
        return cli_usage_error(ctx, CMD, "--convergence-check %s: expected exact or lagged", v);
      o->convergence_check = strcmp(v, "lagged") ? ROM_NLROM_CHECK_EXACT : ROM_NLROM_CHECK_LAGGED;
      a->have_check = 1;
    } else if (!strcmp(s, "--initial-guess")) {
      if (strcmp(v, "previous") && strcmp(v, "extrapolate"))
        return cli_usage_error(ctx, CMD, "--initial-guess %s: expected previous or extrapolate", v);
      o->initial_guess =
          strcmp(v, "extrapolate") ? ROM_NLROM_GUESS_PREVIOUS : ROM_NLROM_GUESS_EXTRAPOLATE;
    } else if (!strcmp(s, "--ae-epochs")) {
      if ((rc = parse_count(ctx, s, v, &o->ae_epochs))) return rc;
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--ae-max-seconds")) {
      if (cli_parse_double(v, &o->ae_max_seconds) || !(o->ae_max_seconds > 0.0) ||
          !isfinite(o->ae_max_seconds))
        return cli_usage_error(ctx, CMD, "--ae-max-seconds expects a number > 0, got '%s'", v);
      a->have_ae_opt = 1;
    } else if (!strcmp(s, "--hr-basis")) {
      if ((rc = parse_count(ctx, s, v, &o->hr_basis))) return rc;
      a->have_nb = 1;
    } else if (!strcmp(s, "--hr-samples")) {
      if ((rc = parse_count(ctx, s, v, &o->hr_samples))) return rc;
      a->have_ns = 1;
    } else if (!strcmp(s, "--hr-sizes")) {
      if (rom_reproduce_hr_sizes_from_name(NULL, v, &o->hr_sizes) != ROM_OK)
        return cli_usage_error(ctx, CMD, "--hr-sizes %s: expected given, holdout or training", v);
      a->have_hr_auto = 1;
    } else if (!strcmp(s, "--hr-grid")) {
      long long g[4] = {0, 0, 0, 1};
      char tail = 0;
      int n = sscanf(v, "%lld:%lld:%lld:%lld%c", &g[0], &g[1], &g[2], &g[3], &tail);
      if ((n != 3 && n != 4) || g[0] < 1 || g[1] < g[0] || g[2] < g[0] || g[3] < 1)
        return cli_usage_error(ctx, CMD,
                               "--hr-grid expects NB0:NB1:NS1[:STEP] with 1 <= NB0 <= NB1, "
                               "NS1 >= NB0, STEP >= 1, got '%s'",
                               v);
      o->hr_grid_basis_min = (rom_int)g[0];
      o->hr_grid_basis_max = (rom_int)g[1];
      o->hr_grid_samples_max = (rom_int)g[2];
      o->hr_grid_step = (rom_int)g[3];
      a->have_hr_auto = 1;
    } else if (!strcmp(s, "--hr-sizes-tolerance")) {
      if (cli_parse_double(v, &o->hr_sizes_tolerance) || !(o->hr_sizes_tolerance >= 0.0) ||
          !isfinite(o->hr_sizes_tolerance))
        return cli_usage_error(ctx, CMD, "--hr-sizes-tolerance expects a number >= 0, got '%s'", v);
      a->have_hr_auto = 1;
    } else if (!strcmp(s, "--hr-method")) {
      char known[256];
      if (rom_hyper_method_from_name(v, &o->hr_method) != ROM_OK)
        return cli_usage_error(
            ctx, CMD, "unknown --hr-method '%s' (known: %s)", v,
            cli_list_names(CLI_HYPER_METHODS, 0u, 0u, ", ", known, sizeof known));
      a->have_hr_method = 1;
    } else if (!strcmp(s, "--train-params")) {
      a->ntrain = cli_parse_double_list(v, a->train, ROM_PROBLEM_MAX_TRAIN);
      if (a->ntrain < 1)
        return cli_usage_error(ctx, CMD,
                               "--train-params expects comma-separated numbers (at most %d), "
                               "got '%s'",
                               ROM_PROBLEM_MAX_TRAIN, v);
      a->have_train = 1;
    } else if (!strcmp(s, "--test-param")) {
      if (cli_parse_double(v, &a->test) || !isfinite(a->test))
        return cli_usage_error(ctx, CMD, "--test-param expects a number, got '%s'", v);
      a->have_test = 1;
    } else if (!strcmp(s, "--save")) {
      if (!*v) return cli_usage_error(ctx, CMD, "--save must not be empty");
      o->save = v;
    } else if (!strcmp(s, "--workdir")) {
      if (!*v) return cli_usage_error(ctx, CMD, "--workdir must not be empty");
      o->workdir = v;
    } else if (!strcmp(s, "--grid")) {
      if (cli_parse_int(v, &a->grid) || a->grid < 5 || a->grid > 1000)
        return cli_usage_error(ctx, CMD, "--grid expects 5..1000 grid points, got '%s'", v);
    } else if (!strcmp(s, "--steps")) {
      if (cli_parse_int(v, &a->steps) || a->steps < 1 || a->steps > 1000000)
        return cli_usage_error(ctx, CMD, "--steps expects 1..1000000, got '%s'", v);
    } else if (!strcmp(s, "--max-iterations")) {
      if (cli_parse_int(v, &kmax) || kmax < 1 || kmax > 1000)
        return cli_usage_error(ctx, CMD, "--max-iterations expects 1..1000, got '%s'", v);
      o->max_iterations = (int)kmax;
    } else if (!strcmp(s, "--tolerance")) {
      if (cli_parse_double(v, &o->tolerance) || !(o->tolerance > 0.0) || !isfinite(o->tolerance))
        return cli_usage_error(ctx, CMD, "--tolerance expects a number > 0, got '%s'", v);
    } else {
      return cli_usage_error(ctx, CMD, "unknown option '%s'", s);
    }
  }
  if (!a->problem)
    return cli_usage_error(ctx, CMD, "give the problem: %s",
                           rom_problem_names(names, sizeof names));
  if (!a->have_method)
    return cli_usage_error(ctx, CMD, "give --method %s",
                           rom_reproduce_method_names(names, sizeof names));
  const int nm = rom_reproduce_method_is_manifold(o->method);
  if (a->fast && a->paper) return cli_usage_error(ctx, CMD, "--fast and --paper: give one");
  if (a->fast && (a->have_nb || a->have_ns) && !a->have_hr_auto) {
    /* sizes given: the recipe's training rule does not choose them */
    o->hr_sizes = ROM_REPRODUCE_HR_SIZES_GIVEN;
    o->hr_grid_basis_min = o->hr_grid_basis_max = o->hr_grid_samples_max = o->hr_grid_step = 0;
    o->hr_grid_clamp = 0;
  }
  if (a->have_check && o->convergence_check == ROM_NLROM_CHECK_LAGGED &&
      !rom_reproduce_method_is_hyper(o->method))
    return cli_usage_error(ctx, CMD,
                           "--convergence-check lagged applies to pod-lspg-hr and nm-lspg-hr");
  if (!nm && (o->num_ae_files || a->have_ae_opt))
    return cli_usage_error(ctx, CMD, "the --ae* options apply to the nm-* methods only");
  if (o->num_ae_files && a->have_ae_opt)
    return cli_usage_error(
        ctx, CMD,
        "--ae-seed/--ae-epochs/--ae-max-seconds/--network/--precision/--ae-batch/--ae-patience "
        "train a network: not "
        "with --ae");
  if (o->num_ae_files && a->have_dim)
    return cli_usage_error(ctx, CMD, "--dim is the autoencoder's latent dimension: not with --ae");
  /* P1 and P2's upwind schemes (docs/problems.md) */
  for (int i = 0; i < a->ntrain; ++i)
    if (!(a->train[i] >= 0.0))
      return cli_usage_error(
          ctx, CMD, "--train-params: a = %g < 0 (the upwind scheme needs a >= 0)", a->train[i]);
  if (a->have_test && !(a->test >= 0.0))
    return cli_usage_error(ctx, CMD, "--test-param %g < 0 (the upwind scheme needs a >= 0)",
                           a->test);
  if (a->have_train) {
    o->train = a->train;
    o->ntrain = a->ntrain;
  }
  if (a->have_test) o->test = &a->test;
  if (!rom_reproduce_method_is_hyper(o->method) &&
      (a->have_nb || a->have_ns || a->have_hr_method || o->hr_sample_mesh || a->have_hr_auto))
    return cli_usage_error(ctx, CMD,
                           "the --hr-* options apply to --method pod-lspg-hr and nm-lspg-hr "
                           "only");
  if (a->have_hr_auto && o->hr_sizes == ROM_REPRODUCE_HR_SIZES_GIVEN &&
      (o->hr_grid_step || o->hr_sizes_tolerance > 0))
    return cli_usage_error(
        ctx, CMD, "--hr-grid and --hr-sizes-tolerance need --hr-sizes holdout or training");
  if (o->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN &&
      (a->have_nb || a->have_ns || o->hr_sample_mesh))
    return cli_usage_error(ctx, CMD,
                           "--hr-sizes %s chooses the sizes: not with --hr-basis, --hr-samples "
                           "or --hr-sample-mesh",
                           rom_reproduce_hr_sizes_name(o->hr_sizes));
  if (o->hr_sizes == ROM_REPRODUCE_HR_SIZES_HOLDOUT && a->have_train && a->ntrain < 2)
    return cli_usage_error(ctx, CMD, "--hr-sizes holdout needs at least 2 --train-params");
  return CLI_EXIT_OK;
}

/* The checks that need the problem (its layout and recipe). */
static int check_with_problem(rom_ctx *ctx, args *a, rom_problem *p) {
  rom_reproduce_options *o = &a->o;
  rom_problem_recipe r;
  const char *name = rom_problem_name_of(p);
  const int ncomp = rom_problem_num_components(p);
  const rom_int comp_rows = rom_problem_component_rows(p), steps = rom_problem_steps(p);
  if (rom_problem_recipe_of(p, &r) != ROM_OK) return cli_fail(ctx, CMD, ROM_ERR_ARG);
  if (a->grid && !r.resolution_is_grid)
    return cli_usage_error(ctx, CMD, "--grid applies to problems on a grid (P2), not %s", name);
  if (steps == 0 || r.ntrain == 0)
    return cli_usage_error(ctx, CMD, "problem %s has no reproduction recipe (%s)", name,
                           steps == 0 ? "steady" : "no training parameters");
  if (rom_problem_num_parameters(p) != 1)
    return cli_usage_error(ctx, CMD,
                           "problem %s has %d parameters: --train-params and "
                           "--test-param give one",
                           name, rom_problem_num_parameters(p));
  if (o->num_ae_files > ncomp) {
    char count[16];
    snprintf(count, sizeof count, "%d", ncomp);
    return cli_usage_error(ctx, CMD, "%s takes %s autoencoder file%s in --ae, got %d", name,
                           ncomp == 1   ? "one"
                           : ncomp == 2 ? "two"
                                        : count,
                           ncomp == 1 ? "" : "s", o->num_ae_files);
  }
  const rom_int dim = o->dim ? o->dim : r.dim;
  const rom_int nsnap = (rom_int)(a->have_train ? a->ntrain : r.ntrain) * steps;
  if (dim > comp_rows || dim > nsnap)
    return cli_usage_error(ctx, CMD, "--dim %lld exceeds the %lld snapshots / %lld rows",
                           (long long)dim, (long long)nsnap, (long long)comp_rows);
  if (!rom_reproduce_method_is_hyper(o->method)) return CLI_EXIT_OK;
  if (o->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN) return CLI_EXIT_OK; /* the library checks */
  const int nm = rom_reproduce_method_is_manifold(o->method);
  rom_int nb = a->have_nb ? o->hr_basis : nm ? r.hr_basis_manifold : r.hr_basis;
  rom_int ns = a->have_ns ? o->hr_samples : r.hr_samples;
  if (rom_hyper_method_rules(o->hr_method) & ROM_HYPER_RULE_EXACT_SAMPLES) {
    if (!a->have_ns) ns = nb;
    if (ns != nb)
      return cli_usage_error(ctx, CMD, "--hr-method %s needs --hr-samples = --hr-basis",
                             rom_hyper_method_name(o->hr_method));
  }
  if (ns < nb)
    return cli_usage_error(ctx, CMD, "--hr-samples %lld < --hr-basis %lld", (long long)ns,
                           (long long)nb);
  if (o->hr_sample_mesh && (ncomp != 1 || nm))
    return cli_usage_error(ctx, CMD, "--hr-sample-mesh is implemented for P1 pod-lspg-hr only");
  if (ns > comp_rows)
    return cli_usage_error(ctx, CMD, "--hr-samples %lld exceeds the %lld rows", (long long)ns,
                           (long long)comp_rows);
  return CLI_EXIT_OK;
}

/* ---- the report ------------------------------------------------------------------------ */

/* The pipeline's progress: human text (stderr in JSON mode, as every human line), at the
 * info level like the library's own lines, so -q and ROMKIT_LOG=0 silence it. */
static void progress(void *user, const char *text) {
  if (rom_ctx_log_level((const rom_ctx *)user) < ROM_LOG_INFO) return;
  fputs(text, stdout);
  fflush(stdout);
}

static void report(rom_ctx *ctx, const rom_reproduce_result *r) {
  const double speedup = r->fom_seconds / r->rom_seconds;
  const int ncomp = r->num_components;
  cli_printf(ctx, "\n  %-28s %10s %10s\n", "", "avg %", "max %");
  for (int c = 0; c < ncomp; ++c) {
    char label[40];
    if (ncomp > 1)
      snprintf(label, sizeof label, "romkit (%s)", rom_reproduce_component_name(ncomp, c));
    else
      snprintf(label, sizeof label, "romkit");
    cli_printf(ctx, "  %-28s %10.3f %10.3f\n", label, r->avg_error_pct[c], r->max_error_pct[c]);
  }
  if (r->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN)
    cli_printf(ctx,
               "  HR sizes by the %s rule (training data only): %lld / %lld, validation avg "
               "error %.4f %% (%lld candidates)\n",
               rom_reproduce_hr_sizes_name(r->hr_sizes), (long long)r->hr_basis,
               (long long)r->hr_samples, r->hr_sizes_score_pct, (long long)r->hr_sizes_candidates);
  if (r->has_published)
    cli_printf(ctx, "  %-28s %10.3f %10.3f   (%s)\n", "published", r->published_avg_pct,
               r->published_max_pct, r->published_note);
  else
    cli_printf(ctx, "  published: no row for these settings\n");
  cli_printf(ctx,
             "\n  FOM: %.3f s wall, %.3f s CPU (%lld steps, %.4f ms per step, %lld Newton "
             "iterations)\n"
             "  ROM: %.4f s wall, %.4f s CPU (%.4f ms per step, %lld iterations, %lld steps "
             "accepted after %d)\n"
             "  speed-up %.2fx (wall), %.2fx (CPU)\n",
             r->fom_seconds, r->fom_cpu_seconds, (long long)r->steps,
             1e3 * r->fom_seconds / (double)r->steps, (long long)r->fom_newton_iterations,
             r->rom_seconds, r->rom_cpu_seconds, 1e3 * r->rom_seconds / (double)r->steps,
             (long long)r->rom_iterations, (long long)r->rom_not_converged_steps, r->max_iterations,
             speedup, r->fom_cpu_seconds / r->rom_cpu_seconds);
}

static int print_json(rom_ctx *ctx, const rom_reproduce_result *r) {
  size_t need = 0;
  char *line = NULL;
  if (rom_ctx_rank(ctx) != 0) return CLI_EXIT_OK;
  rom_reproduce_result_json(r, NULL, 0, &need);
  line = malloc(need);
  if (!line) return cli_fail(ctx, CMD, ROM_ERR_NOMEM);
  rom_reproduce_result_json(r, line, need, NULL);
  fprintf(cli_json_stream(), "%s\n", line);
  fflush(cli_json_stream());
  free(line);
  return CLI_EXIT_OK;
}

int cmd_reproduce(rom_ctx *ctx, int argc, char **argv) {
  args a;
  rom_problem *p = NULL;
  rom_reproduce_result *res = NULL;
  int rc, exit_code;
  if (cli_wants_help(argc, argv)) {
    char methods[2048];
    cli_printf(ctx, "%s%s", help, help_nm);
    cli_printf(ctx, help_options,
               cli_describe_names(CLI_HYPER_METHODS, 22, -1, methods, sizeof methods));
    cli_printf(ctx, "%s", help_options2);
    return CLI_EXIT_OK;
  }
  if ((exit_code = parse(ctx, argc, argv, &a, NULL)) != CLI_EXIT_OK) return exit_code;
  rom_problem_options po = rom_problem_options_default();
  po.resolution = a.grid;
  po.steps = a.steps;
  if ((rc = rom_problem_create(ctx, a.problem, &po, &p))) return cli_fail(ctx, CMD, rc);
  {
    /* the fast recipe: asked (--fast), or the problem's default for the nm-* methods that
     * train their network here (nm_fast_default, P2; not with --ae) unless --paper; read the
     * options again on top of it */
    rom_problem_recipe recipe;
    if ((rc = rom_problem_recipe_of(p, &recipe))) {
      exit_code = cli_fail(ctx, CMD, rc);
      goto done;
    }
    if (a.fast || (recipe.nm_fast_default && !a.paper && a.o.num_ae_files == 0 &&
                   rom_reproduce_method_is_manifold(a.o.method))) {
      const args first = a;
      if ((exit_code = parse(ctx, argc, argv, &a, &first)) != CLI_EXIT_OK) goto done;
    }
  }
  if ((exit_code = check_with_problem(ctx, &a, p)) != CLI_EXIT_OK) goto done;
  res = malloc(sizeof *res); /* large: the file names of the networks */
  if (!res) {
    exit_code = cli_fail(ctx, CMD, ROM_ERR_NOMEM);
    goto done;
  }
  a.o.progress = progress;
  a.o.progress_user = ctx;
  a.o.stop_flag = &reproduce_stop_requested;
  {
    /* SIGINT/SIGTERM only raise the flag; the pipeline stops at its next check and the
     * training writes its checkpoint. SA_RESETHAND: a second signal kills at once. */
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reproduce_on_signal;
    sa.sa_flags = (int)(SA_RESETHAND | SA_RESTART);
    sigemptyset(&sa.sa_mask);
    reproduce_stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = rom_reproduce_run(ctx, p, &a.o, res);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
  }
  if (rc) {
    exit_code = cli_fail(ctx, CMD, rc);
    goto done;
  }
  if (res->interrupted) {
    cli_printf(ctx,
               "reproduce: stopped%s; the workdir holds what was done: continue with the "
               "same command and --workdir %s\n",
               reproduce_stop_requested == SIGINT    ? " (SIGINT)"
               : reproduce_stop_requested == SIGTERM ? " (SIGTERM)"
                                                     : "",
               res->workdir);
    exit_code = REPRODUCE_EXIT_INTERRUPTED;
    goto done;
  }
  report(ctx, res);
  if (cli_json_mode()) exit_code = print_json(ctx, res);
done:
  free(res);
  rom_problem_destroy(&p);
  return exit_code;
}
