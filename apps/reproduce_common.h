/* romkit reproduce — shared pieces: the problems (P1, P2 of BENCHMARKS.md), the
 * published numbers, the cache in the working directory, and the sample selection of
 * the authors' code (reproduce_common.c, reproduce_problems.c; driver in
 * cmd_reproduce.c; docs/reproduction.md). */
#ifndef ROMKIT_APPS_REPRODUCE_COMMON_H
#define ROMKIT_APPS_REPRODUCE_COMMON_H

#include "cli.h"

#define REPRO_PATH 4096
#define REPRO_MAX_PARAMS 64

typedef enum { REPRO_GALERKIN = 0, REPRO_LSPG = 1, REPRO_LSPG_HR = 2 } repro_method;

/* Sample selection for pod-lspg-hr: the four library methods, and "deim-os", the
 * oversampled DEIM of the authors' code (reproduce_common.c, repro_select_deim_os). */
typedef enum {
  REPRO_HR_DEIM = 0,
  REPRO_HR_QDEIM = 1,
  REPRO_HR_GNAT = 2,
  REPRO_HR_SOPT = 3,
  REPRO_HR_DEIM_OS = 4
} repro_hr_method;

/* A problem: the FOM, its layout and what the driver needs to know about it. */
typedef struct {
  const char *name;  /* "P1", "P2" */
  rom_model *model;  /* owned by the FOM object */
  rom_int N, L, off; /* global rows, this rank's rows, first global row */
  rom_int steps;
  double dt;
  int ncomp;         /* 1 (P1) or 2 (P2: u, v blocks with separate bases) */
  rom_int comp_rows; /* rows per component */
  void *fom;         /* rom_burgers1d * or rom_burgers2d * */
  char prefix[64];   /* cache file prefix: "P1", "P2", or e.g. "P2_g20_s60" when reduced */
} repro_problem;

/* Defaults and published numbers (BENCHMARKS.md). */
typedef struct {
  const char *problem;
  repro_method method;
  rom_int dim; /* 0: any (not used) */
  rom_int hr_basis, hr_samples;
  double avg, max;
  const char *note;
} repro_published;

typedef struct {
  int problem;                 /* 1 or 2 */
  repro_method method;
  rom_int dim;                 /* p per component */
  rom_int hr_basis, hr_samples;/* nb, ns per component */
  repro_hr_method hr_method;
  int hr_sample_mesh;          /* 1: every sample-mesh row is a sample (investigation) */
  double train[REPRO_MAX_PARAMS];
  int ntrain;
  double test;
  const char *workdir;
  int json;
  int max_iterations;          /* ROM (Gauss-)Newton updates per step */
  double tolerance;            /* on the projected residual */
  int defaults;                /* 1 if train/test are the paper's */
  rom_int grid;                /* P2 grid points per direction (0: the paper's 60) */
  rom_int steps;               /* time steps (0: the paper's 500 / 1500) */
} repro_options;

const char *repro_method_name(repro_method m);
const char *repro_hr_method_name(repro_hr_method m);

/* Problem set-up (reproduce_problems.c). Collective. */
int repro_problem_create(rom_ctx *ctx, const repro_options *o, repro_problem *p);
void repro_problem_destroy(repro_problem *p);
int repro_problem_initial(const repro_problem *p, double a, double *u0_local);
/* avg/max error (percent) of component `comp` (P1: all nodes with the periodic copy;
 * P2: comp 0 = u, 1 = v). Collective. */
int repro_problem_error(rom_ctx *ctx, const repro_problem *p, rom_int nstates, const double *fom,
                        const double *rom, int comp, double *avg, double *max);
/* The published row for these settings, or NULL. */
const repro_published *repro_published_find(const repro_options *o);
/* Fills the paper's defaults for problem `which` (train/test/p/HR sizes). */
void repro_defaults(int which, repro_options *o);

/* This rank's rows of component c: count and first local index. Not collective. */
void repro_component_rows(const repro_problem *p, int c, rom_int *count, rom_int *first);

/* Working directory: rank 0 creates it (mkdtemp when dir_in is NULL); broadcast.
 * Returns a CLI exit code. Collective. */
int repro_prepare_workdir(rom_ctx *ctx, const char *dir_in, char *dir);
/* 1 if path exists (rank 0's view, broadcast). Collective. */
int repro_exists(rom_ctx *ctx, const char *path);
/* v as %.15g, or %.17g where %.15g does not read back exactly. */
void repro_format_number(double v, char *out, size_t len);
/* "0.9,1.1" from the list (repro_format_number each). */
void repro_format_list(const double *v, int n, char *out, size_t len);

/* The authors' sample selection (Kim, Choi, Widemann, Zohdi 2022, code of the HR tests):
 * with div = ns / nb, mod = ns % nb, the first residual basis vector gets the div + mod
 * rows of largest |u_1|; each further vector u_l (l = 2..nb) gets the div rows of largest
 * |u_l - U_{l-1} c|, c the least-squares fit of u_l on the rows picked so far. Ties go to
 * the lowest row. U: rows of one component (distributed), samples: ns indices into U's
 * global rows, replicated. Deterministic on any partition. Collective. */
int repro_select_deim_os(rom_ctx *ctx, const rom_dmat *U, rom_int nb, rom_int ns,
                         rom_int *samples);

/* Builds the hyper-reduction object for given sample rows (global model rows, any
 * order, distinct) and a residual basis R (N x nb, model partition): the gappy operator
 * only needs R's rows at the samples, so R restricted to them is handed to
 * rom_hyper_create (GNAT selection with ns = number of samples, which can then only pick
 * the samples — checked). Collective. */
int repro_hyper_from_samples(rom_ctx *ctx, const repro_problem *p, const rom_basis *state,
                             const double *ref_local, const rom_dmat *R, rom_int ns,
                             const rom_int *samples, rom_hyper **out);

#endif
