/* romkit — the reference-problem interface: one ops table per problem, looked up by name.
 *
 * A problem is what the CLI, Python, the workflows and the tests need to know about a
 * full-order model without branching on which one it is (the shape of PETSc's
 * KSPRegister / SUNDIALS' ops structs): its parameters and their ranges, its layout
 * (rows, components), its host model (romkit/model.h), the initial state and time grid,
 * the error metric of its published tables, and the default recipes of its ROMs.
 * P1, P2 (Kim, Choi, Widemann, Zohdi 2022) and P3 (heat conduction) are registered by the
 * library; a user's problem registers the same way (rom_problem_register) and is then
 * reachable by name everywhere (`--problem NAME`). docs/problems.md has the facts. */
#ifndef ROMKIT_PROBLEM_H
#define ROMKIT_PROBLEM_H

#include "romkit/autoencoder.h"
#include "romkit/context.h"
#include "romkit/model.h"
#include "romkit/snapshots.h" /* ROM_AUTO_ROWS */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ROM_PROBLEM_MAX_PARAMETERS 64
#define ROM_PROBLEM_MAX_COMPONENTS 8
#define ROM_PROBLEM_MAX_TRAIN 64

/* Settings a caller may change at creation; 0 / ROM_AUTO_ROWS keeps the problem's
 * default. What "resolution" means is the problem's (P1: unknowns, P2: grid points per
 * direction, P3: interior nodes per direction). */
typedef struct {
  rom_int local_rows; /* this rank's rows (ROM_AUTO_ROWS: even partition) */
  rom_int resolution; /* 0: the problem's default */
  rom_int steps;      /* time steps over the same final time; 0: default (transient only) */
} rom_problem_options;

rom_problem_options rom_problem_options_default(void);

/* The default recipes of a problem's ROMs (the paper's settings for P1/P2). Sizes are per
 * component. Filled by the problem's `recipe` op; fields a problem leaves 0 mean "none". */
typedef struct {
  double train[ROM_PROBLEM_MAX_TRAIN * ROM_PROBLEM_MAX_PARAMETERS]; /* ntrain x p, row major */
  int ntrain;
  double test[ROM_PROBLEM_MAX_PARAMETERS];
  rom_int dim;               /* POD basis vectors / latent dimension per component */
  rom_int hr_basis;          /* residual basis vectors per component (POD ROMs) */
  rom_int hr_basis_manifold; /* the same for NM ROMs (P1: 31) */
  rom_int hr_samples;        /* sampled rows per component */
  double tolerance;          /* ROM stopping tolerance, POD ROMs */
  double tolerance_manifold; /* the same, NM ROMs */
  int max_iterations;        /* ROM (Gauss-)Newton updates per step */
  /* Autoencoder (romkit/autoencoder.h) of the paper: written as the CLI's --activation/
   * --mask text so that `romkit train --problem` and the workflow read one spelling
   * (rom_problem_autoencoder_create builds it, rom_mask_from_spec reads the mask). */
  char ae_activation[32]; /* "swish", "sigmoid", ... */
  char ae_mask[96];       /* "band:36:12", "stencil:58:58:100:10", ... */
  rom_int ae_hidden;      /* encoder hidden width; 0: 2 N_component (the decoder's: mask) */
  int ae_decoder_bias;    /* bias on the decoder's hidden layer */
  int ae_minmax_scaling;  /* per-node min-max input scaling, raw states as data */
  rom_int ae_batch, ae_epochs;
  /* Added for the reproduction workflow (romkit/workflow.h, issue 11): */
  int hr_newton_snapshots; /* HR residual basis from every Newton iterate of the training
                              runs (P2), not from their states (P1); docs/problems.md */
  int resolution_is_grid;  /* options.resolution counts grid points per direction (P2): the
                              `--grid` of `romkit reproduce` */
  /* Added with issue 12: the encoder (docs/autoencoder.md, "Encoder choice"), as the CLI's
   * --network text: "paper" (or ""): dense N -> H1 first layer, the paper's network;
   * "masked": first layer N -> H2 through the transpose of the decoder's mask, then a dense
   * H2 -> k, so both wide layers cost O(N). */
  char ae_network[16];
  /* 1: `romkit reproduce` and romkit.workflow.reproduce train the nonlinear-manifold
   * methods' network with the fast recipe by default (rom_reproduce_options_fast; the paper's
   * with --paper); P2, whose paper network takes hours here (docs/reproduction.md) */
  int nm_fast_default;
} rom_problem_recipe;

/* The ops table a problem implements. `create` builds the FOM on ctx and returns its
 * state in *impl; every other op gets that state back. Ops marked optional may be NULL. */
typedef struct rom_problem_ops {
  const char *name;    /* registry key, e.g. "P1"; matched case-insensitively */
  const char *summary; /* one line for help texts */
  int (*create)(rom_ctx *ctx, const rom_problem_options *opts, void **impl);
  void (*destroy)(void *impl);
  rom_model *(*model)(void *impl); /* owned by impl */
  rom_int (*global_rows)(const void *impl);
  rom_int (*local_rows)(const void *impl);
  rom_int (*row_offset)(const void *impl);
  int (*num_components)(const void *impl);     /* separately reduced row blocks */
  rom_int (*component_rows)(const void *impl); /* rows per component */
  int (*num_parameters)(const void *impl);
  /* parameter ranges [lower_i, upper_i]; log_scale[i] = 1 where sampled log-uniformly */
  void (*parameter_range)(const void *impl, double *lower, double *upper, int *log_scale);
  rom_int (*steps)(const void *impl); /* 0: steady */
  double (*time_step)(const void *impl);
  int (*initial)(void *impl, const double *mu, double *u0_local); /* Not collective. */
  /* error of component c over nstates stored states (percent: avg, max), as the
   * problem's published tables define it. Collective. */
  int (*error)(void *impl, rom_int nstates, const double *fom_local, const double *rom_local,
               int component, double *avg_pct, double *max_pct);
  void (*recipe)(const void *impl, rom_problem_recipe *r);
  /* optional: perm[i] = the row of component `from` that row i of component `to` equals
   * under the problem's symmetry (P2: u <-> v mirrored across the diagonal). */
  int (*component_symmetry)(const void *impl, int from, int to, rom_int *perm);
  /* --- added with the implementation (issue 11); all optional --- */
  /* other names the registry accepts, comma-separated (P3: "heat"), matched
   * case-insensitively like the name */
  const char *aliases;
  /* *resolution = the options.resolution at which the problem has `global_rows` rows, so a
   * front end that holds only data (a residual basis in `romkit hyper`, a snapshot file in
   * `romkit train`) can build the matching problem; a count no resolution gives is
   * ROM_ERR_DIM with a sentence on ctx. Not collective. */
  int (*resolution_for_rows)(rom_ctx *ctx, rom_int global_rows, rom_int *resolution);
} rom_problem_ops;

typedef struct rom_problem rom_problem;

/* rom_problem_register - adds a problem to the registry (the library's P1, P2, P3 are
 * there from the start). The table is copied (name, summary and aliases too); the name and
 * aliases must be new, and name, summary, create, destroy, model, the layout ops,
 * num_parameters, parameter_range, steps, time_step, initial, error and recipe must be set.
 * ROM_ERR_ARG otherwise (also when the registry's ROM_PROBLEM_MAX_REGISTERED user entries
 * are taken). The registry is process-wide, like PETSc's KSPRegister: register before
 * threads start looking problems up. Not collective (call it on every rank). */
int rom_problem_register(const rom_problem_ops *ops);
int rom_problem_count(void);
const char *rom_problem_name(int i); /* i = 0..count-1, registration order; NULL outside */
const rom_problem_ops *rom_problem_find(const char *name); /* NULL when unknown */
/* rom_problem_ops_at - the table of problem i (0..count-1), NULL outside. Not collective. */
const rom_problem_ops *rom_problem_ops_at(int i);
/* rom_problem_names - the registered names as "P1, P2, P3" into buf (truncated to len,
 * always terminated), for help texts and error messages. Returns buf. Not collective. */
const char *rom_problem_names(char *buf, size_t len);
#define ROM_PROBLEM_MAX_REGISTERED 64

/* rom_problem_create - the FOM of the named problem on ctx. An unknown name gives
 * ROM_ERR_ARG naming the known ones. Collective. */
int rom_problem_create(rom_ctx *ctx, const char *name, const rom_problem_options *opts,
                       rom_problem **out);
int rom_problem_destroy(rom_problem **p); /* NULL-safe. */

/* Accessors (Not collective); each forwards to the ops table. */
const char *rom_problem_name_of(const rom_problem *p);
rom_ctx *rom_problem_ctx(const rom_problem *p);
const rom_problem_ops *rom_problem_ops_of(const rom_problem *p);
rom_model *rom_problem_model(rom_problem *p);
rom_int rom_problem_global_rows(const rom_problem *p);
rom_int rom_problem_local_rows(const rom_problem *p);
rom_int rom_problem_row_offset(const rom_problem *p);
int rom_problem_num_components(const rom_problem *p);
rom_int rom_problem_component_rows(const rom_problem *p);
/* this rank's rows of component c: count and first local index */
void rom_problem_component_local(const rom_problem *p, int c, rom_int *count, rom_int *first);
int rom_problem_num_parameters(const rom_problem *p);
void rom_problem_parameter_range(const rom_problem *p, double *lower, double *upper,
                                 int *log_scale);
rom_int rom_problem_steps(const rom_problem *p);
double rom_problem_time_step(const rom_problem *p);
int rom_problem_initial(rom_problem *p, const double *mu, double *u0_local);
int rom_problem_error(rom_problem *p, rom_int nstates, const double *fom_local,
                      const double *rom_local, int component, double *avg_pct, double *max_pct);
int rom_problem_recipe_of(const rom_problem *p, rom_problem_recipe *r);
/* ROM_ERR_UNSUPPORTED when the problem has no symmetry op. */
int rom_problem_component_symmetry(const rom_problem *p, int from, int to, rom_int *perm);
/* The settings-dependent cache prefix, e.g. "P1", "P2_g20_s60": the name, then "_g<R>"
 * when options.resolution was given and "_s<S>" when options.steps was (as given, so the
 * caches of apps/cmd_reproduce.c's --grid/--steps keep their names). */
const char *rom_problem_cache_prefix(const rom_problem *p);

/* rom_problem_create_for_rows - the named problem at the resolution where it has
 * `global_rows` rows (the op resolution_for_rows; without it, the default resolution when its
 * rows match), with `local_rows` on this rank (ROM_AUTO_ROWS: even partition). A count the
 * problem cannot have is ROM_ERR_DIM with the problem's sentence. Collective. */
int rom_problem_create_for_rows(rom_ctx *ctx, const char *name, rom_int global_rows,
                                rom_int local_rows, rom_problem **out);
/* rom_problem_recipe_for_rows - the recipe of the named problem at the resolution whose
 * components have `component_rows` rows each (the network of one component has that many
 * inputs), as rom_problem_create_for_rows. Builds and destroys the problem (and, to learn
 * its number of components, the problem at its default resolution) on ctx. Collective. */
int rom_problem_recipe_for_rows(rom_ctx *ctx, const char *name, rom_int component_rows,
                                rom_problem_recipe *r);

/* ---- the paper's autoencoder from a recipe (librom/problems/recipe.c) ---------------------- */

/* rom_problem_recipe_default_network - the network fields of a recipe without a problem:
 * swish, mask band:36:12, hidden 2N, no decoder bias, no scaling, and the training defaults
 * of rom_ae_train_options_default (P1's network, docs/problems.md). Other fields 0. */
void rom_problem_recipe_default_network(rom_problem_recipe *r);

/* The encoder choices of rom_problem_recipe.ae_network, for help texts and errors. */
#define ROM_AE_NETWORK_NAMES "paper, masked, narrow"
enum {
  ROM_AE_NETWORK_PAPER = 0,  /* dense N -> H (H = ae_hidden, 0: 2 N) -> k: the paper's */
  ROM_AE_NETWORK_MASKED = 1, /* N -> H2 through the decoder mask transposed -> k */
  ROM_AE_NETWORK_NARROW = 2  /* dense N -> H (H = ae_hidden, 0: ROM_AE_NARROW_HIDDEN) -> k */
};
/* The narrow encoder's default width: O(N) weights like the masked encoder, but a dense
 * layer (sgemm / dgemm at a large fraction of peak) that sees the whole state
 * (docs/autoencoder.md, "Encoder choice": on P2 it trains 2.5x faster per epoch than the
 * masked encoder and reaches a lower loss per epoch). */
#define ROM_AE_NARROW_HIDDEN 512
/* rom_problem_network_from_name - *kind = ROM_AE_NETWORK_PAPER for "paper" (or "" / NULL:
 * the default), ROM_AE_NETWORK_MASKED for "masked", ROM_AE_NETWORK_NARROW for "narrow"
 * (case-insensitive); ROM_ERR_ARG for anything else (nothing is written to a context: the
 * caller names the choices, ROM_AE_NETWORK_NAMES). Not collective. */
int rom_problem_network_from_name(const char *name, int *kind);

/* rom_problem_autoencoder_create - the shallow masked autoencoder of the recipe
 * (rom_ae_create_shallow): input_dim inputs, encoder hidden ae_hidden (0: 2 input_dim) with
 * ae_activation and a bias, `latent` outputs; decoder hidden layer of the width the mask
 * gives (rom_mask_from_spec(ae_mask)) with ae_activation and a bias when ae_decoder_bias.
 * Weights drawn from `seed`. With ae_network "masked" the encoder is instead N -> H2 (act,
 * bias) through the transpose of the decoder's mask, then H2 -> k (identity, no bias);
 * ae_hidden is then ignored, and a dense decoder (mask dense:H) is ROM_ERR_ARG (nothing to
 * transpose). A recipe without a network (ae_activation or ae_mask empty) is
 * ROM_ERR_UNSUPPORTED; a bad activation, mask or network spelling ROM_ERR_ARG, a mask whose
 * grid does not have input_dim nodes ROM_ERR_DIM. Collective. */
int rom_problem_autoencoder_create(rom_ctx *ctx, const rom_problem_recipe *r, rom_int input_dim,
                                   rom_int latent, uint64_t seed, rom_ae **out);
/* rom_problem_train_options - the recipe's training settings on top of *o: batch and epochs
 * where the recipe gives them (> 0), scale_minmax = ae_minmax_scaling. Not collective. */
void rom_problem_train_options(const rom_problem_recipe *r, rom_ae_train_options *o);

#ifdef __cplusplus
}
#endif
#endif
