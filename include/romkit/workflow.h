/* romkit — workflows: pipelines that the CLI, Python and the tests share.
 *
 * rom_reproduce_run is the pipeline behind `romkit reproduce` (docs/reproduction.md): it
 * reproduces a row of a problem's published ROM tables (docs/problems.md; P1 and P2 are the
 * Burgers problems of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451, 2022) end to end:
 *
 *   training FOM runs (cached) -> snapshots w^n - w^0 -> POD per component (cached)
 *   -> [HR: residual basis per component (cached) -> samples -> sample mesh]
 *   -> FOM and ROM at the test parameter, timed (time stepping only)
 *   -> avg/max error per component (the problem's metric), the published row beside it.
 *
 * The nonlinear-manifold methods replace the POD basis by the problem's shallow masked
 * autoencoder (read from files, or trained here from the problem's recipe with a fixed seed
 * and cached; components related by the problem's symmetry share one trained network) and,
 * for HR, the state basis rows by the decoder sub-network at the sample mesh.
 *
 * Everything about the problem comes from its rom_problem (romkit/problem.h): layout,
 * model, initial state, error metric, recipe (the paper's defaults) and symmetry. The work
 * directory caches the training runs, bases and networks in files named by the settings
 * that produced them; a file is never overwritten, and a later run with the same settings
 * reuses it. */
#ifndef ROMKIT_WORKFLOW_H
#define ROMKIT_WORKFLOW_H

#include "romkit/context.h"
#include "romkit/hyper.h"
#include "romkit/nonlinear_rom.h"
#include "romkit/problem.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ROM_REPRODUCE_PATH 4096 /* longest work directory / file name the records hold */

/* The ROM methods of the published tables; one table (rom_reproduce_method_name & co.)
 * gives their names and properties. */
typedef enum {
  ROM_REPRODUCE_POD_GALERKIN = 0,
  ROM_REPRODUCE_POD_LSPG = 1,
  ROM_REPRODUCE_POD_LSPG_HR = 2, /* LSPG with hyper-reduction (GNAT's gappy operator) */
  ROM_REPRODUCE_NM_GALERKIN = 3, /* nonlinear manifold (autoencoder) ROMs */
  ROM_REPRODUCE_NM_LSPG = 4,
  ROM_REPRODUCE_NM_LSPG_HR = 5
} rom_reproduce_method;

/* Method table lookups. Not collective. */
int rom_reproduce_method_count(void);
const char *rom_reproduce_method_name(rom_reproduce_method m); /* "unknown" outside */
/* ROM_ERR_ARG (unknown name, the message lists the known ones; ctx may be NULL). */
int rom_reproduce_method_from_name(rom_ctx *ctx, const char *name, rom_reproduce_method *out);
/* "pod-galerkin, pod-lspg, ... or nm-lspg-hr" into buf (truncated, terminated); returns buf. */
const char *rom_reproduce_method_names(char *buf, size_t len);
int rom_reproduce_method_is_manifold(rom_reproduce_method m); /* nm-* */
int rom_reproduce_method_is_hyper(rom_reproduce_method m);    /* *-hr */
int rom_reproduce_method_is_galerkin(rom_reproduce_method m); /* *-galerkin (else LSPG) */

/* How the HR methods get their residual-basis and sample sizes (docs/reproduction.md,
 * "Hyper-reduction sizes from training data only"). */
typedef enum {
  ROM_REPRODUCE_HR_SIZES_GIVEN = 0,   /* hr_basis / hr_samples, or the recipe's (default) */
  ROM_REPRODUCE_HR_SIZES_HOLDOUT = 1, /* leave one training parameter out: residual basis of
                                         the other training runs, ROM-HR error at the one
                                         left out, for every candidate of the grid */
  ROM_REPRODUCE_HR_SIZES_TRAINING = 2 /* ROM-HR error at every training parameter with the
                                         residual basis of all training runs */
} rom_reproduce_hr_sizes;
/* "given", "holdout", "training"; "unknown" outside. Not collective. */
const char *rom_reproduce_hr_sizes_name(rom_reproduce_hr_sizes s);
/* ROM_ERR_ARG for an unknown name (ctx may be NULL). Not collective. */
int rom_reproduce_hr_sizes_from_name(rom_ctx *ctx, const char *name, rom_reproduce_hr_sizes *out);

/* Progress text (rank 0 only): fragments of lines, the newline included where a line
 * ends, in the order the pipeline prints them (`romkit reproduce` writes them to stdout as
 * they come). */
typedef void (*rom_reproduce_progress_fn)(void *user, const char *text);

/* Options of rom_reproduce_run. Zero / NULL fields take the problem's recipe
 * (rom_problem_recipe_of), so rom_reproduce_options_default() + a method reproduces the
 * paper's row. Sizes are per component. */
typedef struct {
  rom_reproduce_method method;
  rom_int dim;                /* POD basis vectors / latent dimension; 0: recipe */
  rom_int hr_basis;           /* residual basis vectors; 0: recipe (hr_basis / _manifold) */
  rom_int hr_samples;         /* sampled rows; 0: recipe (DEIM, QDEIM: = hr_basis) */
  rom_hyper_method hr_method; /* sample selection; default ROM_HYPER_DEIM_OS (the authors') */
  int hr_sample_mesh;         /* 1: every sample-mesh row becomes a sample (one-component
                                 problems, pod-lspg-hr: an investigation) */
  /* HR sizes chosen from training data only (hr_basis / hr_samples must then be 0): every
   * candidate nb = hr_grid_basis_min, + hr_grid_step, .. hr_grid_basis_max, ns = nb, +
   * hr_grid_step, .. hr_grid_samples_max is scored by the mean over the validation runs of
   * the average error (%); the chosen one is the smallest (nb + ns, then nb) whose score is
   * <= (1 + hr_sizes_tolerance) x the best. Zero grid fields: the recipe's nb_r / ns_r give
   * nb_r - 1 .. max(nb_r, ns_r) + 2 (P1 NM: 30..49, the authors' sweep), step 1. */
  rom_reproduce_hr_sizes hr_sizes;
  rom_int hr_grid_basis_min, hr_grid_basis_max, hr_grid_samples_max, hr_grid_step;
  double hr_sizes_tolerance; /* >= 0; default 0 (the best score) */
  int hr_grid_clamp;         /* 1: a grid beyond the problem's rows is cut to them (the fast
                                recipe's, on a reduced grid); 0 (default): an error */
  const double *train;       /* ntrain x num_parameters, row major; NULL: recipe */
  int ntrain;
  const double *test;                /* num_parameters values; NULL: recipe */
  int max_iterations;                /* ROM (Gauss-)Newton updates per step; 0: recipe */
  double tolerance;                  /* on the projected residual; 0: recipe (NM: _manifold) */
  rom_nlrom_guess initial_guess;     /* each step's first iterate (rom_nlrom_options); default
                                        ROM_NLROM_GUESS_PREVIOUS, the paper's */
  rom_nlrom_check convergence_check; /* HR methods (rom_nlrom_options); default EXACT */
  const char *workdir;               /* the cache; NULL: a new directory under $TMPDIR or /tmp */
  /* NM methods: trained networks, one per component (or the first components only: the
   * others are then mirrored through the problem's symmetry), or training settings */
  const char *ae_files[ROM_PROBLEM_MAX_COMPONENTS];
  int num_ae_files;
  uint64_t ae_seed;           /* default 42 */
  rom_int ae_epochs;          /* 0: recipe */
  double ae_max_seconds;      /* wall-time limit per network; 0: none */
  rom_precision ae_precision; /* DOUBLE (default) or SINGLE: the training's arithmetic
                                 (rom_ae_train_options.precision); a single-trained network
                                 is cached under its own name (_single) */
  const char *ae_network;     /* the encoder of a trained network: "paper" (NULL: the recipe's),
                                 "masked" or "narrow" (docs/autoencoder.md, "Encoder choice") */
  rom_int ae_batch;           /* its mini-batch; 0: the recipe's (a batch given here is cached
                                 under its own name, _bB) */
  rom_int ae_patience;        /* its learning-rate patience (rom_ae_train_options.patience);
                                 0: the recipe's (another value is cached as _pP) */
  /* PREFIX_fom.h5, PREFIX_rom.h5 (snapshot files, one state per step) and
   * PREFIX_latent.txt (reduced / latent state per step); NULL: none. Never overwrites. */
  const char *save;
  rom_reproduce_progress_fn progress; /* NULL: lines go to the context's logger (info) */
  void *progress_user;
  /* non-NULL: checked between the training FOM runs and at the end of every training epoch
   * (any rank's flag stops all); when nonzero the run stops at that point, the network's
   * training checkpoint is written beside the cached network, and rom_reproduce_run returns
   * ROM_OK with result->interrupted = 1. Running the same settings again continues from the
   * cache and the checkpoint (docs/autoencoder.md, "Checkpoints and --resume"). For a
   * SIGINT/SIGTERM handler that only sets the flag. */
  volatile sig_atomic_t *stop_flag;
} rom_reproduce_options;

rom_reproduce_options rom_reproduce_options_default(void);

/* rom_reproduce_options_fast - sets the fast recipe of the nonlinear-manifold methods
 * (docs/reproduction.md, "P2, the fast recipe") in *o for o->method: the network (an nm-*
 * method without o->num_ae_files, where one is trained) narrow encoder, single precision, batch 60,
 * lr patience 30, 600 epochs; the ROM's initial guess extrapolate; with hyper-reduction the lagged
 * convergence check and the HR sizes by the training rule on the grid 40:100:140:20. The
 * default of `romkit reproduce` and romkit.workflow.reproduce for a problem whose recipe has
 * nm_fast_default (P2), `--fast` elsewhere; the C default stays the paper's. */
void rom_reproduce_options_fast(rom_reproduce_options *o);

/* What a run measured and the settings it ran with (every default resolved). */
typedef struct {
  char problem[64]; /* the problem's name */
  rom_reproduce_method method;
  int num_components;
  int num_parameters;
  int ntrain;
  double train[ROM_PROBLEM_MAX_TRAIN * ROM_PROBLEM_MAX_PARAMETERS]; /* ntrain x parameters */
  double test[ROM_PROBLEM_MAX_PARAMETERS];
  char train_text[1024]; /* as in the cache's file names: "0.9,1.1" (parameters joined by _) */
  rom_int dim;           /* per component (NM: the network's latent dimension) */
  rom_int steps;
  int ranks;
  double avg_error_pct[ROM_PROBLEM_MAX_COMPONENTS]; /* the problem's metric, per component */
  double max_error_pct[ROM_PROBLEM_MAX_COMPONENTS];
  int has_published; /* 1: the published row for these settings (docs/problems.md) */
  double published_avg_pct, published_max_pct;
  char published_note[128];
  /* timings: time stepping only, max over ranks */
  double fom_seconds, rom_seconds, fom_cpu_seconds, rom_cpu_seconds;
  double rom_decoder_seconds, rom_model_seconds; /* of rom_seconds: rom_nlrom_stats's split */
  rom_int rom_residual_evaluations;              /* NM / LSPG: model velocity calls */
  rom_int fom_newton_iterations, rom_iterations, rom_not_converged_steps;
  int max_iterations;
  double tolerance;
  rom_nlrom_guess initial_guess;
  rom_nlrom_check convergence_check;
  /* NM */
  uint64_t ae_seed;
  char ae_files[ROM_PROBLEM_MAX_COMPONENTS][ROM_REPRODUCE_PATH]; /* as given, or "(trained)" /
                                                                    "(the u network mirrored)" */
  double ae_train_seconds;                                       /* spent training here (0: read) */
  /* HR */
  rom_hyper_method hr_method;
  rom_int hr_basis, hr_samples; /* per component */
  int hr_sample_mesh;
  rom_int hr_total_samples, hr_needed_rows;
  rom_int hr_decoder_hidden_units, hr_decoder_params; /* NM HR: the decoder sub-network */
  rom_reproduce_hr_sizes hr_sizes;                    /* how hr_basis / hr_samples were chosen */
  rom_int hr_sizes_candidates;                        /* candidates scored (0: sizes given) */
  double hr_sizes_score_pct; /* the chosen candidate's score (validation avg error, %) */
  double hr_sizes_best_pct;  /* the best score of the grid */
  double hr_sizes_seconds;   /* spent choosing */
  char workdir[ROM_REPRODUCE_PATH];
  int interrupted; /* 1: stopped on opts->stop_flag before the end (no errors or timings) */
} rom_reproduce_result;

/* rom_reproduce_run - runs the reproduction pipeline of `problem` (created by the caller
 * on ctx with rom_problem_create: its resolution and steps are the run's) with `opts` and
 * fills *result.
 *   Collective on ctx.
 * Errors: ROM_ERR_ARG for options the problem cannot take (the message names the field),
 * ROM_ERR_UNSUPPORTED for a problem without a reproduction recipe (steady, or no training
 * parameters), ROM_ERR_IO / ROM_ERR_DIM for an unusable work directory or cached file, and
 * whatever the stages report. Progress goes to opts->progress or the logger. */
int rom_reproduce_run(rom_ctx *ctx, rom_problem *problem, const rom_reproduce_options *opts,
                      rom_reproduce_result *result);

/* rom_reproduce_run_named - the same on the problem registered as `name` (rom_problem_create
 * with default options: the paper's resolution and steps). Collective. */
int rom_reproduce_run_named(rom_ctx *ctx, const char *name, const rom_reproduce_options *opts,
                            rom_reproduce_result *result);

/* rom_reproduce_export_training_set - writes the training set of reproduce's networks to a
 * snapshot file (`romkit export-snapshots`; docs/user-guide.md): the states of the training
 * runs (read from opts->workdir's cache, or computed and cached there), component
 * `component`'s rows (comp_rows features, the file's N), one snapshot per state, runs in
 * training order. states: 0 the differences u^n - u^0, n = 1..steps (the P1 network's data),
 * 1 the raw states u^n, n = 0..steps (P2's, whose network scales its inputs), -1 the
 * recipe's choice. opts gives the training parameters (train / ntrain; NULL: the recipe's)
 * and the workdir; the method and the HR, save and network fields are ignored. The file is
 * what `romkit train` reads. *count (may be NULL) gets the number of snapshots.
 *   Collective on ctx.
 * Errors: ROM_ERR_ARG (the message names the field), ROM_ERR_IO (an existing file without
 * overwrite, an unusable directory), and what the FOM runs report. */
int rom_reproduce_export_training_set(rom_ctx *ctx, rom_problem *problem,
                                      const rom_reproduce_options *opts, int component, int states,
                                      const char *path, int overwrite, rom_int *count);

/* rom_reproduce_result_json - the run as one line of JSON (no newline), the line
 * `romkit reproduce --json` prints: method, problem, test_param, dim, avg_error_pct,
 * max_error_pct, fom_seconds, rom_seconds, speedup, then per-component errors of the other
 * components ("v_avg_error_pct", ...), the published row, the settings, the iteration counts,
 * the NM and HR details and the work directory. Numbers are %.17g (exact), non-finite ones
 * null. Writes at most len bytes (terminated); *needed (may be NULL) gets the full length + 1.
 * ROM_ERR_ARG for NULL arguments. Not collective. */
int rom_reproduce_result_json(const rom_reproduce_result *r, char *buf, size_t len, size_t *needed);

/* rom_reproduce_sizeof - sizeof the record named "rom_reproduce_options" or
 * "rom_reproduce_result", 0 for another name: language bindings check their mirrors of the
 * records against it. Not collective. */
size_t rom_reproduce_sizeof(const char *record);

/* rom_reproduce_component_name - the name the reports give component c of a problem with
 * ncomp components: "" for one component, else "u", "v", "w", then "c3", "c4", ... */
const char *rom_reproduce_component_name(int ncomp, int c);

/* rom_reproduce_format_number - v as %.15g, or %.17g where %.15g does not read back exactly
 * (the spelling of parameters in cache file names). Not collective. */
void rom_reproduce_format_number(double v, char *out, size_t len);

/* ---- the P3 demo (`romkit demo`) --------------------------------------------------------- */

/* rom_demo_run is the pipeline behind `romkit demo` (docs/problems.md, "P3"): FOM steady
 * solves of 2D heat conduction with 4 conductivity subdomains at `train` parameters
 * (mu in [0.1, 10]^4, log-uniform, training stream 1 of the seed) -> snapshots.h5 -> POD
 * (rank min(train, 20), and the energy criterion 0.999999) -> basis.h5 -> Galerkin ROMs
 * for k = 2, 5, 10, 20 (up to the POD rank) and the energy criterion -> rom*.h5 -> read
 * back, errors and speed-up at `test` unseen parameters (stream 2) -> a transient run
 * (implicit Euler, dt = 0.01, 50 steps) at the first test parameter. */
#define ROM_DEMO_MAX_TEST 1000
#define ROM_DEMO_MAX_ROWS 6

typedef void (*rom_demo_progress_fn)(void *user, const char *text); /* as reproduce's */

typedef struct {
  rom_int n;           /* interior grid nodes per direction, 8..1024 (default 64) */
  rom_int train;       /* training FOM solves, 2..10000 (default 40) */
  rom_int test;        /* unseen test parameters, 1..ROM_DEMO_MAX_TEST (default 10) */
  uint64_t seed;       /* of the parameter samples (default 42) */
  int overwrite;       /* 1: replace the demo's files in workdir; 0: refuse (ROM_ERR_IO) */
  const char *workdir; /* NULL: a new directory under $TMPDIR or /tmp */
  rom_demo_progress_fn progress; /* the report's text (rank 0); NULL: the logger (info) */
  void *progress_user;
} rom_demo_options;

rom_demo_options rom_demo_options_default(void);

/* One ROM of the error table. */
typedef struct {
  rom_int k;
  char label[32]; /* "10", or "13 (energy)" for the energy criterion's ROM */
  char file[ROM_REPRODUCE_PATH + 64];
  double err_mean, err_max; /* relative 2-norm errors against the FOM over the test set */
  double rom_seconds;       /* median ROM solve time */
} rom_demo_row;

typedef struct {
  rom_int n, N, train, test;
  uint64_t seed;
  int ranks;
  char workdir[ROM_REPRODUCE_PATH];
  double snapshot_seconds, pod_seconds, project_seconds;
  rom_int kmax;        /* the rank-truncated POD's dimension */
  double s1;           /* largest singular value */
  double s_kmax_ratio; /* s_kmax / s_1 (NaN where the singular values are not kept) */
  double energy;       /* the energy criterion (0.999999) */
  rom_int energy_k;    /* modes it keeps */
  int nrows;           /* the rows: rank-truncated ROMs by increasing k, the energy one last */
  int largest_row;     /* index of the largest rank-truncated k (the transient's) */
  rom_demo_row rows[ROM_DEMO_MAX_ROWS];
  double fom_median_seconds; /* median FOM steady solve (max over ranks) */
  rom_int transient_k, transient_steps;
  double transient_dt;
  double transient_err_avg, transient_err_max; /* space-time relative error, max over steps */
  double transient_fom_seconds, transient_rom_seconds;
} rom_demo_result;

/* rom_demo_run - runs the demo pipeline with `opts` and fills *result; the report's lines
 * go to opts->progress as they come.
 *   Collective on ctx.
 * Errors: ROM_ERR_ARG for options out of range (the message names the field), ROM_ERR_IO
 * for an unusable work directory or, without opts->overwrite, one that holds the demo's
 * files already (the same code on every rank), and whatever the stages report. */
int rom_demo_run(rom_ctx *ctx, const rom_demo_options *opts, rom_demo_result *result);

/* rom_demo_sizeof - sizeof "rom_demo_options" or "rom_demo_result", 0 for another name
 * (for language bindings). Not collective. */
size_t rom_demo_sizeof(const char *record);

#ifdef __cplusplus
}
#endif
#endif
