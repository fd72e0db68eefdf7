/* romkit reproduce — shared pieces: the problems (P1, P2 of docs/problems.md), the
 * published numbers, the cache in the working directory, and the hyper-reduction object
 * for a given sample set (reproduce_common.c, reproduce_problems.c; driver in
 * cmd_reproduce.c; docs/reproduction.md). The sample selection itself, including the
 * authors' "deim-os", is the library's (rom_hyper_method, include/romkit/hyper.h). */
#ifndef ROMKIT_APPS_REPRODUCE_COMMON_H
#define ROMKIT_APPS_REPRODUCE_COMMON_H

#include "cli.h"

#define REPRO_PATH 4096
#define REPRO_MAX_PARAMS 64

typedef enum {
  REPRO_GALERKIN = 0,
  REPRO_LSPG = 1,
  REPRO_LSPG_HR = 2,
  REPRO_NM_GALERKIN = 3, /* nonlinear manifold (autoencoder) ROMs */
  REPRO_NM_LSPG = 4,
  REPRO_NM_LSPG_HR = 5
} repro_method;

/* Nonlinear-manifold method? Hyper-reduced method? */
#define REPRO_IS_NM(m) ((m) >= REPRO_NM_GALERKIN)
#define REPRO_IS_HR(m) ((m) == REPRO_LSPG_HR || (m) == REPRO_NM_LSPG_HR)

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

/* Defaults and published numbers (docs/problems.md). */
typedef struct {
  const char *problem;
  repro_method method;
  rom_int dim; /* 0: any (not used) */
  rom_int hr_basis, hr_samples;
  double avg, max;
  const char *note;
} repro_published;

typedef struct {
  int problem; /* 1 or 2 */
  repro_method method;
  rom_int dim;                  /* p per component */
  rom_int hr_basis, hr_samples; /* nb, ns per component */
  rom_hyper_method hr_method;   /* default ROM_HYPER_DEIM_OS (the authors' selection) */
  int hr_sample_mesh;           /* 1: every sample-mesh row is a sample (investigation) */
  double train[REPRO_MAX_PARAMS];
  int ntrain;
  double test;
  const char *workdir;
  int json;
  int max_iterations; /* ROM (Gauss-)Newton updates per step */
  double tolerance;   /* on the projected residual */
  int defaults;       /* 1 if train/test are the paper's */
  rom_int grid;       /* P2 grid points per direction (0: the paper's 60) */
  rom_int steps;      /* time steps (0: the paper's 500 / 1500) */
  /* NM methods: trained autoencoders (one per component) or training settings */
  const char *ae_path[2];
  int nae_paths;
  uint64_t ae_seed;      /* default 42 */
  rom_int ae_epochs;     /* 0: the paper's (P1 10000, P2 2000) */
  double ae_max_seconds; /* 0: no limit */
  const char *save;      /* --save PREFIX: PREFIX_fom.h5, PREFIX_rom.h5, PREFIX_latent.txt */
} repro_options;

const char *repro_method_name(repro_method m);

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

/* Builds the hyper-reduction object for a sample set the library did not select itself:
 * P2's union of per-component selections (rom_hyper_select on each component's residual
 * basis) and --hr-sample-mesh's sample-mesh rows. The library has no "given samples"
 * entry point, so R (N x nb, model partition) restricted to the sample rows (zero
 * elsewhere) is handed to rom_hyper_create (GNAT with ns = number of samples, which can
 * then only pick the samples — checked; the gappy operator only needs R's rows there).
 * P1 without --hr-sample-mesh does not come here: rom_hyper_create selects directly.
 * samples: global model rows, any order, distinct. Collective. */
int repro_hyper_from_samples(rom_ctx *ctx, const repro_problem *p, const rom_basis *state,
                             const double *ref_local, const rom_dmat *R, rom_int ns,
                             const rom_int *samples, rom_hyper **out);

#endif
