/* romkit — greedy choice of training parameters for nonlinear ROMs, driven by the residual
 * error indicator (docs/nonlinear.md, "Residual error indicator and greedy training").
 *
 * The weak greedy of reduced-basis methods, in the form of libROM's GreedySampler (Choi,
 * Boncoraglio, Anderson, Amsallem, Farhat, "Gradient-based constrained optimization using a
 * database of linear reduced-order models", J. Comput. Phys. 423, 2020, algorithm 2), for
 * the time-dependent nonlinear problems of the registry (romkit/problem.h; P1, P2):
 *
 *   train = initial points; FOM runs there
 *   repeat
 *     POD basis of the training runs (w^n - w^0, rank dim; the reproduction's recipe,
 *       romkit/workflow.h) [and the GNAT hyper-reduction: residual basis of the raw states]
 *     POD-LSPG(-HR) ROM at every candidate, u_ref = u0(mu), q0 = 0:
 *       eta(mu) = sum over steps of the FOM residual norm at the ROM state
 *       (rom_nlrom_stats.indicator_sum; on the sample mesh with HR)
 *     mu* = argmax eta (the lowest index on ties; training points excluded)
 *     stop if the calibrated estimate c * eta(mu*) <= tolerance, or the raw eta(mu*) <=
 *       indicator_tolerance, or the last FOM run lowered max eta by less than stall_ratio,
 *       or max_fom_runs FOM runs were made
 *     FOM run at mu*; the true error e* (the problem's max error metric, %) of the current
 *       ROM at mu* gives the local calibration c = e* / eta(mu*) (libROM calibrates its
 *       indicator tolerance on the error at the newest point the same way); add mu*.
 *
 * Parallelism: the FOM runs, the POD and the problem's error metric are collective on ctx
 * (rows distributed as the problem's partition). The ROMs are replicated: each rank holds
 * the basis (N x dim values) on its own one-rank context and evaluates its share of the
 * candidates (candidate c on rank c mod P) with no communication; one reduction gathers
 * the indicators. A candidate's ROM on one rank gives the same bits on any rank count, so
 * 1, 2 and 4 ranks choose the same parameters (up to the POD's round-off differences).
 */
#ifndef ROMKIT_GREEDY_NONLINEAR_H
#define ROMKIT_GREEDY_NONLINEAR_H

#include "romkit/hyper.h"
#include "romkit/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ROM_NLGREEDY_MAX_CANDIDATES 10000

typedef void (*rom_nlgreedy_progress_fn)(void *user, const char *text);

typedef struct {
  int hyper;                    /* 0: POD-LSPG (default); 1: POD-LSPG-HR (GNAT) */
  rom_int dim;                  /* POD basis vectors; 0: the recipe's (P1: 5) */
  rom_int hr_basis, hr_samples; /* HR sizes; 0: the recipe's (P1: 30 / 47) */
  rom_hyper_method hr_method;   /* default ROM_HYPER_DEIM_OS (the reproduction's) */
  const double *candidates;     /* ncandidates x p, row major; NULL: a grid */
  int ncandidates;
  int grid;              /* points per parameter of the default grid (log-spaced where the
                            problem samples log-uniformly); default 21; grid^p <= 10000 */
  const double *initial; /* ninitial x p; NULL: the centre of the parameter box */
  int ninitial;
  int max_fom_runs;           /* default 4, at most ROM_PROBLEM_MAX_TRAIN */
  double tolerance;           /* on the calibrated estimate (the problem's max error, %);
                                 0: none */
  double indicator_tolerance; /* on the raw indicator max; 0: none */
  double stall_ratio;         /* stop when a FOM run lowered the max indicator by less than this
                                 fraction (the basis dimension, not the training set, limits the
                                 error: P1 at dim 5); 0: none */
  int max_iterations;         /* ROM Gauss-Newton updates per step; 0: recipe */
  double rom_tolerance;       /* ROM projected-residual tolerance; 0: recipe */
  rom_nlgreedy_progress_fn progress; /* lines of text on rank 0; NULL: the logger (info) */
  void *progress_user;
} rom_nlgreedy_options;

rom_nlgreedy_options rom_nlgreedy_options_default(void);

typedef struct {
  int num_parameters;
  int ncandidates;
  int nfom;     /* FOM runs made = training points */
  int ninitial; /* of which the initial points; iteration i's pick is train[ninitial + i] */
  double train[ROM_PROBLEM_MAX_TRAIN * ROM_PROBLEM_MAX_PARAMETERS]; /* nfom x p, in order */
  /* iteration i = 0 .. iterations-1: the ROM of the first (ninitial + i) training points */
  int iterations;
  double max_indicator[ROM_PROBLEM_MAX_TRAIN];  /* eta(mu*) */
  int argmax[ROM_PROBLEM_MAX_TRAIN];            /* candidate index of mu* */
  double estimate_pct[ROM_PROBLEM_MAX_TRAIN];   /* c eta(mu*) with the calibration known then
                                                   (NaN before the first) */
  double true_error_pct[ROM_PROBLEM_MAX_TRAIN]; /* e*: max error at mu* (NaN: not run) */
  double calibration[ROM_PROBLEM_MAX_TRAIN];    /* e* / eta(mu*) */
  int failed_candidates;                        /* ROM runs that failed (eta = inf) */
  int converged; /* 1: stopped on a tolerance; 2: stalled (stall_ratio); 0: max_fom_runs */
  rom_int dim, hr_basis, hr_samples;
  int hyper;
  double fom_seconds, offline_seconds, rom_seconds; /* rom: the candidate sweeps (max over ranks) */
} rom_nlgreedy_result;

/* rom_nlgreedy_run - the greedy above on `problem` (created on ctx with rom_problem_create;
 * its resolution and steps are the runs'). Collective on ctx.
 * Errors: ROM_ERR_ARG (options out of range, naming the field: tolerances < 0, an empty or
 * non-finite candidate set, max_fom_runs < ninitial), ROM_ERR_UNSUPPORTED (a steady problem,
 * more than one component), and whatever the stages report. */
int rom_nlgreedy_run(rom_ctx *ctx, rom_problem *problem, const rom_nlgreedy_options *opts,
                     rom_nlgreedy_result *result);

/* rom_nlgreedy_test_error - the ROM of opts (dim, hyper, ...) trained on the FOM runs at the
 * ntrain points `train`, against the FOM at the ntest points `test`: the problem's error
 * metric (avg %, max %) at each test point into avg_pct[i], max_pct[i] (the same ROM the
 * greedy builds, so a greedy choice and a fixed one compare on equal terms). A ROM that
 * fails at a test point gives NaN there. Collective on ctx. */
int rom_nlgreedy_test_error(rom_ctx *ctx, rom_problem *problem, const rom_nlgreedy_options *opts,
                            const double *train, int ntrain, const double *test, int ntest,
                            double *avg_pct, double *max_pct);

#ifdef __cplusplus
}
#endif
#endif
