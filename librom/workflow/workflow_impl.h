/* romkit internal — the state of one reproduction run (romkit/workflow.h), shared by the
 * files of the workflow stage: cache.c (work directory, cached training runs and bases,
 * file names keyed by the settings), training.c (snapshot sets, per-component POD,
 * block-diagonal bases), networks.c (the autoencoders: read, trained from the recipe, or
 * mirrored through the problem's symmetry), samples.c (the hyper-reduction of a given sample
 * set), published.c (the published rows), reproduce.c (the pipeline). */
#ifndef ROMKIT_WORKFLOW_IMPL_H
#define ROMKIT_WORKFLOW_IMPL_H

#include "core/check.h"
#include "romkit/autoencoder.h"
#include "romkit/matrix.h"
#include "romkit/hyper.h"
#include "romkit/pod.h"
#include "romkit/problem.h"
#include "romkit/workflow.h"

typedef struct {
  rom_ctx *ctx;
  rom_problem *problem;
  rom_problem_recipe recipe;
  rom_reproduce_options o; /* every default resolved (train/test point into the arrays below) */
  double train[ROM_PROBLEM_MAX_TRAIN * ROM_PROBLEM_MAX_PARAMETERS];
  double test[ROM_PROBLEM_MAX_PARAMETERS];
  int nparam;
  int defaults; /* the recipe's training and test parameters (a published row may apply) */
  /* the problem's layout */
  rom_model *model;
  rom_int N, L, off, steps, comp_rows;
  double dt;
  int ncomp;
  const char *prefix; /* rom_problem_cache_prefix */
  char dir[ROM_REPRODUCE_PATH];
  char train_text[1024];
  /* progress text not yet logged (no callback: whole lines go to the logger) */
  char pending[1024];
  size_t npending;
  int interrupted; /* the stop flag was raised: the pipeline unwinds with ROM_OK */
} repro_run;

/* Progress text on rank 0: to the callback, or line by line to the logger (info). */
void repro_progress(repro_run *r, const char *fmt, ...) ROM_PRINTF(2, 3);

/* *stop = 1 on every rank if any rank's opts->stop_flag is raised (sets r->interrupted).
 * Collective. */
int repro_stop_requested(repro_run *r, int *stop);

/* ---- cache.c ---- */
/* The work directory: rank 0 creates it (mkdtemp when dir_in is NULL); broadcast. Collective. */
int repro_prepare_workdir(repro_run *r, const char *dir_in);
/* 1 if path exists (rank 0's view, broadcast). Collective. */
int repro_exists(repro_run *r, const char *path, int *exists);
/* Training point t as file names spell it: "0.9" (parameters joined by '_'). */
void repro_point_text(const repro_run *r, const double *mu, char *out, size_t len);
/* The training run at training point t: its trajectory (L x (steps + 1)) and, when newton is
 * not NULL and the recipe asks for Newton snapshots, every Newton iterate (L x iterations),
 * from the cache or computed and cached. Collective. */
int repro_training_run(repro_run *r, int t, rom_dmat **traj, rom_dmat **newton);
/* The per-component bases of a snapshot kind, rank `rank`, from the cache or computed and
 * cached: kind 0 the state basis, 1 the residual basis. bases[c], c < ncomp. Collective. */
int repro_bases(repro_run *r, int kind, rom_int rank, rom_basis **bases);
/* "cached PATH has HAVE WHAT, expected WANT (...)": ROM_ERR_DIM on ctx. */
int repro_cache_mismatch(repro_run *r, const char *path, const char *what, rom_int have,
                         rom_int want);

/* ---- training.c ---- */
typedef enum {
  REPRO_SNAP_DIFF,  /* w^n - w^0, n = 1..steps (POD bases; autoencoders without scaling) */
  REPRO_SNAP_RAW,   /* w^n, n = 0..steps (raw-state residual bases and autoencoders) */
  REPRO_SNAP_NEWTON /* every Newton iterate (the residual basis when the recipe says so) */
} repro_snap_kind;
/* The snapshot matrix (this rank's L rows x *cols, ld L, rom_malloc'd on ctx) of all
 * training runs. Collective. */
int repro_training_snapshots(repro_run *r, repro_snap_kind kind, double **out, rom_int *cols);
/* The same without training run `skip` (-1: none; the held-out run of hr_sizes.c). */
int repro_training_snapshots_except(repro_run *r, repro_snap_kind kind, int skip, double **out,
                                    rom_int *cols);
/* POD of component c's rows of S (ld rows, cols columns), rank k. Collective. */
int repro_component_pod(repro_run *r, int c, rom_int k, double *S, rom_int ld, rom_int cols,
                        rom_basis **out);
/* diag(B_0, B_1, ...) as an L x (ncomp k) matrix on the model's partition; with interleave,
 * column j of component c is column c + ncomp j. Collective (allocation). */
int repro_block_diagonal(repro_run *r, rom_basis **b, rom_int k, int interleave, rom_dmat **out);
/* The global vector of a local state on every rank. Collective. */
int repro_allgather_state(repro_run *r, const double *local, double *global);

/* ---- networks.c ---- */
/* The autoencoders, one per component (aes[c]); *train_s: seconds spent training here. */
int repro_autoencoders(repro_run *r, rom_ae **aes, double *train_s, int *nnets);

/* ---- samples.c ---- */
/* The hyper-reduction object of a given sample set (global model rows, distinct). */
int repro_hyper_from_samples(repro_run *r, const rom_basis *state, const double *ref_local,
                             const rom_dmat *R, rom_int ns, const rom_int *samples,
                             rom_hyper **out);

/* ---- hr_sizes.c ---- */
/* The hyper-reduction of residual bases rb[c] (>= nb vectors each; the first nb are used)
 * and ns samples per component: one component, the library's selection; several, each
 * component's selection and their union; NM (aes != NULL): the decoder sub-network on the
 * sample mesh with reference ref. basis / u0: the POD state basis and its reference (NULL
 * for NM). Collective. */
int repro_hyper_build(repro_run *r, const rom_basis *basis, const double *u0, rom_ae **aes,
                      const double *ref, rom_basis **rb, rom_int nb, rom_int ns, rom_hyper **hr);
/* r->o.hr_sizes != GIVEN: chooses r->o.hr_basis / hr_samples from the training runs only
 * (V: the POD state basis, L x K, for the POD methods; aes: the networks for NM) and fills
 * res's hr_sizes fields. Reads nothing of the test parameter. Collective. */
int repro_choose_hr_sizes(repro_run *r, const rom_dmat *V, rom_ae **aes, rom_reproduce_result *res);

/* ---- published.c ---- */
typedef struct {
  const char *problem;
  rom_reproduce_method method;
  rom_int dim;
  rom_int hr_basis, hr_samples; /* 0: any */
  double avg, max;
  const char *note;
} repro_published;
/* The published row for these settings, or NULL. */
const repro_published *repro_published_find(const repro_run *r);

#endif
