/* The reproduction pipeline (romkit/workflow.h; docs/reproduction.md): options and their
 * defaults from the problem's recipe, the offline stage (bases or autoencoders, the
 * hyper-reduction), the FOM and the ROM at the test parameter, the errors, the published
 * row. The cache lives in cache.c, the snapshot sets and bases in training.c, the networks
 * in networks.c. */
#include "romkit/fom.h"
#include "romkit/nonlinear_rom.h"
#include "romkit/progress.h"
#include "romkit/snapshots.h"
#include "io/h5.h"
#include "romkit/output.h"
#include "workflow/workflow_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

rom_reproduce_options rom_reproduce_options_default(void) {
  rom_reproduce_options o;
  memset(&o, 0, sizeof o);
  o.method = ROM_REPRODUCE_POD_LSPG;
  o.hr_method = ROM_HYPER_DEIM_OS;
  o.ae_seed = 42;
  return o;
}

void rom_reproduce_options_fast(rom_reproduce_options *o) {
  if (!o) return;
  if (o->num_ae_files == 0 && rom_reproduce_method_is_manifold(o->method)) {
    o->ae_network = "narrow";
    o->ae_precision = ROM_PRECISION_SINGLE;
    o->ae_batch = 60;
    o->ae_patience = 30;
    o->ae_epochs = 600;
  }
  o->initial_guess = ROM_NLROM_GUESS_EXTRAPOLATE;
  if (rom_reproduce_method_is_hyper(o->method)) {
    o->convergence_check = ROM_NLROM_CHECK_LAGGED;
    o->hr_sizes = ROM_REPRODUCE_HR_SIZES_TRAINING;
    o->hr_grid_basis_min = 40;
    o->hr_grid_basis_max = 100;
    o->hr_grid_samples_max = 140;
    o->hr_grid_step = 20;
    o->hr_grid_clamp = 1; /* a reduced grid (tests) has fewer rows */
  }
}

/* ---- progress --------------------------------------------------------------------------- */

static void flush_pending(repro_run *r) {
  if (r->npending == 0) return;
  r->pending[r->npending] = '\0';
  rom_log(r->ctx, ROM_LOG_INFO, "%s", r->pending);
  r->npending = 0;
}

void repro_progress(repro_run *r, const char *fmt, ...) {
  char text[3 * ROM_REPRODUCE_PATH];
  if (rom_ctx_rank(r->ctx) != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (r->o.progress) {
    r->o.progress(r->o.progress_user, text);
    return;
  }
  /* no callback: whole lines to the logger (info level, silent by default) */
  for (const char *s = text; *s; ++s) {
    if (*s == '\n' || r->npending + 1 >= sizeof r->pending) flush_pending(r);
    if (*s != '\n') r->pending[r->npending++] = *s;
  }
}

int repro_stop_requested(repro_run *r, int *stop) {
  int err = ROM_OK;
  int local = r->o.stop_flag && *r->o.stop_flag ? 1 : 0, any = 0;
  *stop = 0;
  if (!r->o.stop_flag) goto cleanup; /* the same on every rank: the caller's options */
  ROM_MPI(r->ctx, MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, rom_ctx_comm(r->ctx)));
  *stop = any;
  if (any) r->interrupted = 1;
cleanup:
  return err;
}

/* Observer of the timed FOM run: its time steps to the progress reporter. */
static void fom_step_observer(void *user, rom_int step, int iteration, const double *u_local) {
  (void)iteration;
  (void)u_local;
  rom_progress_update(user, step - 1); /* the steps before this one are done */
}

/* ---- options ---------------------------------------------------------------------------- */

/* Fills r from the problem and opts, taking the recipe where opts leaves a field 0, and
 * checks what the problem cannot take (ROM_ERR_ARG naming the field). */
static int resolve(repro_run *r, rom_problem *problem, const rom_reproduce_options *opts) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  rom_problem_recipe *rc = &r->recipe;
  rom_reproduce_options *o = &r->o;
  const char *name = rom_problem_name_of(problem);
  r->problem = problem;
  *o = *opts;
  ROM_TRY(ctx, rom_problem_recipe_of(problem, rc));
  r->model = rom_problem_model(problem);
  r->N = rom_problem_global_rows(problem);
  r->L = rom_problem_local_rows(problem);
  r->off = rom_problem_row_offset(problem);
  r->steps = rom_problem_steps(problem);
  r->dt = rom_problem_time_step(problem);
  r->ncomp = rom_problem_num_components(problem);
  r->comp_rows = rom_problem_component_rows(problem);
  r->nparam = rom_problem_num_parameters(problem);
  r->prefix = rom_problem_cache_prefix(problem);
  ROM_CHECK(ctx, r->steps > 0, ROM_ERR_UNSUPPORTED,
            "problem %s is steady: the reproduction runs time-dependent problems", name);
  ROM_CHECK(ctx, rc->ntrain > 0, ROM_ERR_UNSUPPORTED,
            "problem %s has no reproduction recipe (no training parameters)", name);
  ROM_CHECK(ctx, r->nparam >= 1 && r->nparam <= ROM_PROBLEM_MAX_PARAMETERS, ROM_ERR_UNSUPPORTED,
            "problem %s has %d parameters (1..%d supported)", name, r->nparam,
            ROM_PROBLEM_MAX_PARAMETERS);
  ROM_CHECK(ctx, r->ncomp >= 1 && r->ncomp <= ROM_PROBLEM_MAX_COMPONENTS, ROM_ERR_UNSUPPORTED,
            "problem %s has %d components (1..%d supported)", name, r->ncomp,
            ROM_PROBLEM_MAX_COMPONENTS);
  ROM_CHECK(ctx, strcmp(rom_reproduce_method_name(o->method), "unknown") != 0, ROM_ERR_ARG,
            "method = %d is not a reproduction method", (int)o->method);
  const int nm = rom_reproduce_method_is_manifold(o->method);
  const int hr = rom_reproduce_method_is_hyper(o->method);
  const size_t p = (size_t)r->nparam;

  /* training and test parameters; the published rows need the recipe's */
  r->defaults = 1;
  if (o->train) {
    ROM_CHECK(ctx, o->ntrain >= 1 && o->ntrain <= ROM_PROBLEM_MAX_TRAIN, ROM_ERR_ARG,
              "ntrain = %d must be in 1..%d", o->ntrain, ROM_PROBLEM_MAX_TRAIN);
    memcpy(r->train, o->train, sizeof(double) * p * (size_t)o->ntrain);
    r->defaults = o->ntrain == rc->ntrain;
    for (size_t i = 0; i < p * (size_t)o->ntrain && r->defaults; ++i)
      r->defaults = r->train[i] == rc->train[i];
  } else {
    o->ntrain = rc->ntrain;
    memcpy(r->train, rc->train, sizeof(double) * p * (size_t)o->ntrain);
  }
  memcpy(r->test, o->test ? o->test : rc->test, sizeof(double) * p);
  for (size_t i = 0; i < p; ++i)
    if (r->test[i] != rc->test[i]) r->defaults = 0;
  for (size_t i = 0; i < p * (size_t)o->ntrain; ++i)
    ROM_CHECK(ctx, isfinite(r->train[i]), ROM_ERR_ARG, "train[%zu] = %g is not finite", i,
              r->train[i]);
  for (size_t i = 0; i < p; ++i)
    ROM_CHECK(ctx, isfinite(r->test[i]), ROM_ERR_ARG, "test[%zu] = %g is not finite", i,
              r->test[i]);
  o->train = r->train;
  o->test = r->test;

  /* sizes */
  ROM_CHECK(ctx, o->dim >= 0, ROM_ERR_ARG, "dim = %lld must be >= 1 (0: the recipe's)",
            (long long)o->dim);
  if (o->dim == 0) o->dim = rc->dim;
  const rom_int nsnap = (rom_int)o->ntrain * r->steps;
  ROM_CHECK(ctx, o->dim >= 1 && o->dim <= r->comp_rows && o->dim <= nsnap, ROM_ERR_ARG,
            "dim = %lld must be in 1..min(%lld snapshots, %lld rows)", (long long)o->dim,
            (long long)nsnap, (long long)r->comp_rows);
  ROM_CHECK(ctx, o->max_iterations >= 0, ROM_ERR_ARG, "max_iterations = %d must be >= 1",
            o->max_iterations);
  if (o->max_iterations == 0) o->max_iterations = rc->max_iterations;
  ROM_CHECK(ctx, o->tolerance >= 0 && isfinite(o->tolerance), ROM_ERR_ARG,
            "tolerance = %g must be > 0 (0: the recipe's)", o->tolerance);
  if (o->tolerance == 0) o->tolerance = nm ? rc->tolerance_manifold : rc->tolerance;

  /* networks */
  ROM_CHECK(ctx,
            nm || (o->num_ae_files == 0 && o->ae_epochs == 0 && o->ae_max_seconds == 0 &&
                   o->ae_precision == ROM_PRECISION_DOUBLE),
            ROM_ERR_ARG, "the ae_* options apply to the nm-* methods only");
  ROM_CHECK(ctx, o->num_ae_files >= 0 && o->num_ae_files <= r->ncomp, ROM_ERR_ARG,
            "num_ae_files = %d: %s takes 0..%d autoencoder files", o->num_ae_files, name, r->ncomp);
  for (int c = 0; c < o->num_ae_files; ++c)
    ROM_CHECK(ctx, o->ae_files[c] && o->ae_files[c][0], ROM_ERR_ARG,
              "ae_files[%d] is NULL or empty", c);
  ROM_CHECK(ctx, o->ae_epochs >= 0, ROM_ERR_ARG, "ae_epochs = %lld must be >= 1 (0: recipe)",
            (long long)o->ae_epochs);
  if (o->ae_epochs == 0) o->ae_epochs = rc->ae_epochs;
  ROM_CHECK(ctx, o->ae_batch >= 0, ROM_ERR_ARG, "ae_batch = %lld must be >= 1 (0: recipe)",
            (long long)o->ae_batch);
  ROM_CHECK(ctx, o->ae_batch == 0 || (nm && o->num_ae_files == 0), ROM_ERR_ARG,
            "ae_batch applies to a network trained here (an nm-* method without ae_files)");
  ROM_CHECK(ctx, o->ae_patience >= 0, ROM_ERR_ARG, "ae_patience = %lld must be >= 1 (0: recipe)",
            (long long)o->ae_patience);
  ROM_CHECK(ctx, o->ae_patience == 0 || (nm && o->num_ae_files == 0), ROM_ERR_ARG,
            "ae_patience applies to a network trained here (an nm-* method without ae_files)");
  ROM_CHECK(ctx,
            o->convergence_check == ROM_NLROM_CHECK_EXACT ||
                (o->convergence_check == ROM_NLROM_CHECK_LAGGED &&
                 rom_reproduce_method_is_hyper(o->method)),
            ROM_ERR_ARG,
            "convergence_check %d: exact (%d), or lagged (%d) with a hyper-reduced method "
            "(pod-lspg-hr, nm-lspg-hr)",
            (int)o->convergence_check, (int)ROM_NLROM_CHECK_EXACT, (int)ROM_NLROM_CHECK_LAGGED);
  ROM_CHECK(ctx,
            o->initial_guess == ROM_NLROM_GUESS_PREVIOUS ||
                o->initial_guess == ROM_NLROM_GUESS_EXTRAPOLATE,
            ROM_ERR_ARG, "unknown initial_guess %d (previous %d, extrapolate %d)",
            (int)o->initial_guess, (int)ROM_NLROM_GUESS_PREVIOUS, (int)ROM_NLROM_GUESS_EXTRAPOLATE);
  ROM_CHECK(ctx,
            o->ae_precision == ROM_PRECISION_DOUBLE ||
                (o->ae_precision == ROM_PRECISION_SINGLE && o->num_ae_files == 0),
            ROM_ERR_ARG,
            "ae_precision = %d: double (%d) or single (%d), and it trains a network: not with "
            "ae_files",
            (int)o->ae_precision, (int)ROM_PRECISION_DOUBLE, (int)ROM_PRECISION_SINGLE);
  ROM_CHECK(ctx, o->ae_max_seconds >= 0 && isfinite(o->ae_max_seconds), ROM_ERR_ARG,
            "ae_max_seconds = %g must be >= 0 (0: no limit)", o->ae_max_seconds);
  if (o->ae_network) {
    int masked = 0;
    ROM_CHECK(ctx, nm && o->num_ae_files == 0, ROM_ERR_ARG,
              "ae_network applies to a network trained here (an nm-* method without ae_files)");
    ROM_CHECK(ctx, rom_problem_network_from_name(o->ae_network, &masked) == ROM_OK, ROM_ERR_ARG,
              "unknown network '%s' (%s)", o->ae_network, ROM_AE_NETWORK_NAMES);
    snprintf(rc->ae_network, sizeof rc->ae_network, "%s",
             masked == ROM_AE_NETWORK_MASKED   ? "masked"
             : masked == ROM_AE_NETWORK_NARROW ? "narrow"
                                               : "paper");
  }
  ROM_CHECK(ctx, !nm || o->num_ae_files > 0 || (rc->ae_activation[0] && rc->ae_mask[0]),
            ROM_ERR_UNSUPPORTED, "problem %s has no autoencoder recipe: give ae_files", name);

  /* hyper-reduction */
  if (!hr) {
    ROM_CHECK(ctx,
              o->hr_basis == 0 && o->hr_samples == 0 && !o->hr_sample_mesh &&
                  o->hr_sizes == ROM_REPRODUCE_HR_SIZES_GIVEN && o->hr_grid_basis_min == 0 &&
                  o->hr_grid_basis_max == 0 && o->hr_grid_samples_max == 0 &&
                  o->hr_grid_step == 0 && o->hr_sizes_tolerance == 0,
              ROM_ERR_ARG,
              "hr_basis, hr_samples, hr_sample_mesh, hr_sizes, hr_grid_* and "
              "hr_sizes_tolerance apply to the *-hr methods only");
    goto cleanup;
  }
  ROM_CHECK(ctx, o->hr_basis >= 0 && o->hr_samples >= 0, ROM_ERR_ARG,
            "hr_basis = %lld and hr_samples = %lld must be >= 1 (0: the recipe's)",
            (long long)o->hr_basis, (long long)o->hr_samples);
  ROM_CHECK(ctx, strcmp(rom_hyper_method_name(o->hr_method), "unknown") != 0, ROM_ERR_ARG,
            "hr_method = %d is not a hyper-reduction method", (int)o->hr_method);
  ROM_CHECK(ctx, strcmp(rom_reproduce_hr_sizes_name(o->hr_sizes), "unknown") != 0, ROM_ERR_ARG,
            "hr_sizes = %d is not an HR size rule", (int)o->hr_sizes);
  if (o->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN) {
    /* sizes from training data only (hr_sizes.c): the grid, checked here */
    const rom_int nbr = nm ? rc->hr_basis_manifold : rc->hr_basis;
    const rom_int top = (nbr > rc->hr_samples ? nbr : rc->hr_samples) + 2;
    const char *rule = rom_reproduce_hr_sizes_name(o->hr_sizes);
    ROM_CHECK(ctx, o->hr_basis == 0 && o->hr_samples == 0 && !o->hr_sample_mesh, ROM_ERR_ARG,
              "hr_sizes = %s chooses hr_basis and hr_samples: leave them (and hr_sample_mesh) 0",
              rule);
    ROM_CHECK(ctx, o->hr_sizes != ROM_REPRODUCE_HR_SIZES_HOLDOUT || o->ntrain >= 2, ROM_ERR_ARG,
              "hr_sizes = holdout needs at least 2 training parameters, got %d", o->ntrain);
    ROM_CHECK(ctx,
              o->hr_grid_basis_min >= 0 && o->hr_grid_basis_max >= 0 &&
                  o->hr_grid_samples_max >= 0 && o->hr_grid_step >= 0,
              ROM_ERR_ARG, "the hr_grid_* fields must be >= 1 (0: the default grid)");
    ROM_CHECK(ctx, o->hr_sizes_tolerance >= 0 && isfinite(o->hr_sizes_tolerance), ROM_ERR_ARG,
              "hr_sizes_tolerance = %g must be >= 0 and finite", o->hr_sizes_tolerance);
    if (o->hr_grid_basis_min == 0) o->hr_grid_basis_min = nbr > 1 ? nbr - 1 : 1;
    if (o->hr_grid_basis_max == 0) o->hr_grid_basis_max = top;
    if (o->hr_grid_samples_max == 0) o->hr_grid_samples_max = top;
    if (o->hr_grid_step == 0) o->hr_grid_step = 1;
    if (o->hr_grid_clamp) { /* within the rows, keeping min <= max */
      const rom_int rows = r->comp_rows;
      o->hr_grid_samples_max = o->hr_grid_samples_max < rows ? o->hr_grid_samples_max : rows;
      if (o->hr_grid_basis_max > o->hr_grid_samples_max)
        o->hr_grid_basis_max = o->hr_grid_samples_max;
      if (o->hr_grid_basis_min > o->hr_grid_basis_max) o->hr_grid_basis_min = o->hr_grid_basis_max;
    }
    ROM_CHECK(ctx, o->hr_grid_basis_min <= o->hr_grid_basis_max, ROM_ERR_ARG,
              "hr_grid_basis_min = %lld > hr_grid_basis_max = %lld",
              (long long)o->hr_grid_basis_min, (long long)o->hr_grid_basis_max);
    ROM_CHECK(
        ctx,
        o->hr_grid_samples_max >= o->hr_grid_basis_min && o->hr_grid_samples_max <= r->comp_rows,
        ROM_ERR_ARG, "hr_grid_samples_max = %lld must be in hr_grid_basis_min = %lld .. %lld rows",
        (long long)o->hr_grid_samples_max, (long long)o->hr_grid_basis_min,
        (long long)r->comp_rows);
    goto cleanup;
  }
  ROM_CHECK(ctx,
            o->hr_grid_basis_min == 0 && o->hr_grid_basis_max == 0 && o->hr_grid_samples_max == 0 &&
                o->hr_grid_step == 0 && o->hr_sizes_tolerance == 0,
            ROM_ERR_ARG,
            "the hr_grid_* and hr_sizes_tolerance fields need hr_sizes holdout or "
            "training");
  if (o->hr_basis == 0) o->hr_basis = nm ? rc->hr_basis_manifold : rc->hr_basis;
  if (o->hr_samples == 0)
    o->hr_samples = o->hr_method == ROM_HYPER_DEIM || o->hr_method == ROM_HYPER_QDEIM
                        ? o->hr_basis
                        : rc->hr_samples;
  ROM_CHECK(ctx, o->hr_basis >= 1, ROM_ERR_ARG, "hr_basis = %lld must be >= 1",
            (long long)o->hr_basis);
  ROM_CHECK(ctx,
            (o->hr_method != ROM_HYPER_DEIM && o->hr_method != ROM_HYPER_QDEIM) ||
                o->hr_samples == o->hr_basis,
            ROM_ERR_ARG, "hr_method %s needs hr_samples = hr_basis",
            rom_hyper_method_name(o->hr_method));
  ROM_CHECK(ctx, o->hr_samples >= o->hr_basis && o->hr_samples <= r->comp_rows, ROM_ERR_ARG,
            "hr_samples = %lld must be in hr_basis = %lld .. %lld rows", (long long)o->hr_samples,
            (long long)o->hr_basis, (long long)r->comp_rows);
  ROM_CHECK(ctx, !o->hr_sample_mesh || (r->ncomp == 1 && !nm), ROM_ERR_ARG,
            "hr_sample_mesh is implemented for one-component problems with pod-lspg-hr only");
cleanup:
  return err;
}

/* ---- the pipeline ----------------------------------------------------------------------- */

static double max_over_ranks(rom_ctx *ctx, double v) {
  double g = v;
  MPI_Allreduce(&v, &g, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  return g;
}

/* --save's three files, "PREFIX_fom.h5", "PREFIX_rom.h5", "PREFIX_latent.txt" (t = 0, 1, 2). */
static void save_path(const repro_run *r, int t, char *path, size_t len) {
  static const char *const tail[3] = {"_fom.h5", "_rom.h5", "_latent.txt"};
  snprintf(path, len, "%s%s", r->o.save, tail[t]);
}

/* Before the work: every --save file can be written and does not exist (never overwritten). */
static int check_save_paths(repro_run *r) {
  int err = ROM_OK;
  char path[ROM_REPRODUCE_PATH + 32];
  for (int t = 0; t < 3; ++t) {
    save_path(r, t, path, sizeof path);
    ROM_TRY(r->ctx, rom_output_check(r->ctx, path, 0));
  }
cleanup:
  return err;
}

/* The latent states as text, into the temporary file tmp (rank 0). */
static int write_latent(const char *tmp, rom_int nstates, rom_int K, const double *q) {
  FILE *f = fopen(tmp, "w"); /* ours: created exclusively by rom_h5_temp_create */
  if (!f) return 0;
  int ok = fprintf(f, "# step, then the %lld reduced / latent coordinates\n", (long long)K) > 0;
  for (rom_int n = 0; n < nstates && ok; ++n) {
    ok = fprintf(f, "%lld", (long long)n) > 0;
    for (rom_int j = 0; j < K && ok; ++j)
      ok = fprintf(f, " %.17g", q[n * K + j]) > 0;
    ok = ok && fputc('\n', f) != EOF;
  }
  return (fclose(f) == 0) && ok;
}

/* --save: the FOM and ROM trajectories (snapshot files) and the latent states (text), all
 * three or none (held and published together: romkit/output.h). */
static int save_trajectories(repro_run *r, rom_int nstates, const double *F, const double *R,
                             rom_int K, const double *q) {
  int err = ROM_OK, ok = 1, held = 0;
  rom_ctx *ctx = r->ctx;
  char path[ROM_REPRODUCE_PATH + 32];
  char *tmp = NULL;
  dev_t dev = 0;
  ino_t ino = 0;
  rom_snapshots *s = NULL;
  if (!rom_ctx_outputs(ctx)) { /* a caller that holds outputs publishes them itself */
    ROM_TRY(ctx, rom_outputs_hold(ctx));
    held = 1;
  }
  for (int t = 0; t < 2; ++t) {
    rom_snapshots_options so = rom_snapshots_options_default();
    so.capacity_hint = nstates;
    save_path(r, t, path, sizeof path);
    ROM_TRY(ctx, rom_snapshots_create(ctx, r->L, &so, &s));
    ROM_TRY(ctx, rom_snapshots_add_block(s, nstates, t == 0 ? F : R, r->L));
    ROM_TRY(ctx, rom_snapshots_write(s, path, 0));
    rom_snapshots_destroy(&s);
  }
  save_path(r, 2, path, sizeof path);
  ROM_TRY(ctx, rom_h5_check_output(ctx, path, 0, 0));
  ROM_TRY(ctx, rom_h5_temp_create(ctx, path, 0, &tmp, &dev, &ino));
  if (rom_ctx_rank(ctx) == 0) ok = write_latent(tmp, nstates, K, q);
  if (!rom_all_ok(ctx, ok)) {
    if (rom_ctx_rank(ctx) == 0) unlink(tmp);
    ROM_FAIL(ctx, ROM_ERR_IO, "cannot write '%s' (is the disk full?)", path);
  }
  ROM_TRY(ctx, rom_h5_temp_finish(ctx, tmp, path, 0, rom_ctx_rank(ctx) == 0));
  if (held) {
    held = 0;
    ROM_TRY(ctx, rom_outputs_publish(ctx));
  }
cleanup:
  if (held) rom_outputs_discard(ctx);
  rom_free(ctx, tmp);
  rom_snapshots_destroy(&s);
  return err;
}

/* The hyper-reduction of the HR methods: the residual bases (cached), the samples and the
 * sample mesh (repro_hyper_build; hr_sizes.c), optionally every sample-mesh row sampled. */
static int build_hyper(repro_run *r, const rom_basis *basis, const double *u0, rom_ae **aes,
                       const double *ref, rom_hyper **hr) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  const int nm = rom_reproduce_method_is_manifold(r->o.method);
  const rom_int nb = r->o.hr_basis, ns = r->o.hr_samples;
  rom_basis *rb[ROM_PROBLEM_MAX_COMPONENTS] = {NULL};
  rom_dmat *R = NULL;
  rom_int *mesh = NULL;
  ROM_TRY(ctx, repro_bases(r, 1, nb, rb));
  if (r->interrupted) goto cleanup;
  double t0 = MPI_Wtime();
  ROM_TRY(ctx, repro_hyper_build(r, basis, u0, nm ? aes : NULL, ref, rb, nb, ns, hr));
  if (r->o.hr_sample_mesh) { /* every row of the sample mesh becomes a sample */
    const rom_int nn = rom_hyper_num_needed(*hr);
    ROM_TRY(ctx, repro_block_diagonal(r, rb, nb, 1, &R));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)nn, (void **)&mesh));
    memcpy(mesh, rom_hyper_needed_rows(*hr), sizeof(rom_int) * (size_t)nn);
    rom_hyper_destroy(hr);
    ROM_TRY(ctx, repro_hyper_from_samples(r, basis, u0, R, nn, mesh, hr));
  }
  repro_progress(r, "  samples: %lld rows, sample mesh %lld rows: %.3f s\n",
                 (long long)rom_hyper_num_samples(*hr), (long long)rom_hyper_num_needed(*hr),
                 MPI_Wtime() - t0);
  if (nm)
    repro_progress(r, "  decoder sub-network: %lld hidden units, %lld weights and biases\n",
                   (long long)rom_ae_subnet_num_hidden_units(rom_hyper_decoder(*hr)),
                   (long long)rom_ae_subnet_num_params(rom_hyper_decoder(*hr)));
cleanup:
  for (int c = 0; c < ROM_PROBLEM_MAX_COMPONENTS; ++c)
    rom_basis_destroy(&rb[c]);
  rom_dmat_destroy(&R);
  rom_free(ctx, mesh);
  return err;
}

/* "0.9,1.1" / "1" as the header prints them (%g, like the CLI always did) */
static void list_g(const double *v, int n, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < n && used < len; ++i) {
    int w = snprintf(out + used, len - used, "%s%g", i ? "," : "", v[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
}

static void fill_result(const repro_run *r, rom_reproduce_result *res) {
  const rom_reproduce_options *o = &r->o;
  snprintf(res->problem, sizeof res->problem, "%s", rom_problem_name_of(r->problem));
  res->method = o->method;
  res->num_components = r->ncomp;
  res->num_parameters = r->nparam;
  res->ntrain = o->ntrain;
  memcpy(res->train, r->train, sizeof(double) * (size_t)(r->nparam * o->ntrain));
  memcpy(res->test, r->test, sizeof(double) * (size_t)r->nparam);
  snprintf(res->train_text, sizeof res->train_text, "%s", r->train_text);
  res->dim = o->dim;
  res->steps = r->steps;
  res->ranks = rom_ctx_size(r->ctx);
  res->max_iterations = o->max_iterations;
  res->tolerance = o->tolerance;
  res->initial_guess = o->initial_guess;
  res->convergence_check = o->convergence_check;
  res->ae_seed = o->ae_seed;
  res->hr_method = o->hr_method;
  res->hr_basis = o->hr_basis;
  res->hr_samples = o->hr_samples;
  res->hr_sample_mesh = o->hr_sample_mesh;
  res->hr_sizes = o->hr_sizes;
  snprintf(res->workdir, sizeof res->workdir, "%s", r->dir);
}

static int run(repro_run *r, rom_reproduce_result *res) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  rom_reproduce_options *o = &r->o;
  const int nm = rom_reproduce_method_is_manifold(o->method);
  const int ncomp = r->ncomp;
  const rom_int nstates = r->steps + 1;
  rom_int k = o->dim, K = ncomp * k;
  rom_basis *sb[ROM_PROBLEM_MAX_COMPONENTS] = {NULL}, *basis = NULL;
  rom_ae *aes[ROM_PROBLEM_MAX_COMPONENTS] = {NULL};
  rom_dmat *V = NULL;
  rom_hyper *hr = NULL;
  rom_nlrom *rom = NULL;
  double *u0 = NULL, *F = NULL, *Rt = NULL, *q = NULL, *q0 = NULL, *u0g = NULL;
  const double *ref = NULL;
  int nnets = 0;
  char test_g[1024];
  rom_fom_stats fs;
  rom_nlrom_stats rs;
  memset(&rs, 0, sizeof rs);
  memset(&fs, 0, sizeof fs);

  ROM_TRY(ctx, repro_prepare_workdir(r, o->workdir));
  {
    size_t used = 0;
    for (int t = 0; t < o->ntrain && used < sizeof r->train_text; ++t) {
      char one[256];
      repro_point_text(r, r->train + (size_t)t * (size_t)r->nparam, one, sizeof one);
      int w =
          snprintf(r->train_text + used, sizeof r->train_text - used, "%s%s", t ? "," : "", one);
      if (w > 0) used += (size_t)w;
    }
  }
  fill_result(r, res);
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(r->L + 1), sizeof(double), (void **)&u0));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)((r->L + 1) * nstates), sizeof(double), (void **)&F));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)((r->L + 1) * nstates), sizeof(double), (void **)&Rt));
  list_g(r->test, r->nparam, test_g, sizeof test_g);
  repro_progress(r,
                 "romkit reproduce %s %s: %s = %lld%s, train a = {%s}, test a = %s, %d rank(s)\n"
                 "  workdir %s\n",
                 rom_problem_name_of(r->problem), rom_reproduce_method_name(o->method),
                 nm ? "latent" : "p", (long long)k, ncomp > 1 ? " per component" : "",
                 r->train_text, test_g, rom_ctx_size(ctx), r->dir);
  if (rom_reproduce_method_is_hyper(o->method) && o->hr_sizes == ROM_REPRODUCE_HR_SIZES_GIVEN)
    repro_progress(r, "  hyper-reduction: %s, %lld residual basis vectors / %lld samples%s%s\n",
                   rom_hyper_method_name(o->hr_method), (long long)o->hr_basis,
                   (long long)o->hr_samples, ncomp > 1 ? " per component" : "",
                   o->hr_sample_mesh ? ", every sample-mesh row sampled" : "");

  /* ---- offline ---- */
  ROM_TRY(ctx, rom_problem_initial(r->problem, r->test, u0));
  if (!nm) {
    ROM_TRY(ctx, repro_bases(r, 0, k, sb));
    if (r->interrupted) goto cleanup;
    ROM_TRY(ctx, repro_block_diagonal(r, sb, k, 0, &V));
    ROM_TRY(ctx, rom_basis_create(V, NULL, 0, u0, &basis));
  } else {
    /* u = u_ref + g(q). Without input scaling (P1) the network is trained on w^n - w^0:
     * u_ref = the test initial condition and q0 = 0 (g(0) = 0: no decoder biases). With
     * min-max scaling (P2) the output shift is the per-node minimum, i.e. the paper's
     * reference, so u_ref = 0 here and q0 = encoder(u0) per component. */
    ROM_TRY(ctx, repro_autoencoders(r, aes, &res->ae_train_seconds, &nnets));
    if (r->interrupted) goto cleanup;
    k = rom_ae_latent_dim(aes[0]);
    o->dim = res->dim = k;
    K = ncomp * k;
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)K, sizeof(double), (void **)&q0));
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)(r->N + 1), sizeof(double), (void **)&u0g));
    ref = r->recipe.ae_minmax_scaling ? NULL : u0;
    if (!ref) {
      ROM_TRY(ctx, repro_allgather_state(r, u0, u0g));
      for (int c = 0; c < ncomp; ++c)
        ROM_TRY(ctx, rom_ae_encode(aes[c], 1, u0g + c * r->comp_rows, r->comp_rows, q0 + c * k, k));
    }
    for (int c = 0; c < ncomp; ++c)
      snprintf(res->ae_files[c], sizeof res->ae_files[c], "%s",
               c < o->num_ae_files ? o->ae_files[c]
               : c < nnets         ? "(trained)"
                                   : "(the u network mirrored)");
  }
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(K * nstates), sizeof(double), (void **)&q));
  if (rom_reproduce_method_is_hyper(o->method) && o->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN) {
    /* before anything of the test parameter is used: only V / aes and the training runs */
    rom_stage_begin(ctx, "reproduce: HR sizes from training data");
    err = repro_choose_hr_sizes(r, V, aes, res);
    rom_stage_end(ctx, "reproduce: HR sizes from training data");
    ROM_TRY(ctx, err);
    if (r->interrupted) goto cleanup;
    res->hr_basis = o->hr_basis;
    res->hr_samples = o->hr_samples;
    repro_progress(r, "  hyper-reduction: %s, %lld residual basis vectors / %lld samples%s\n",
                   rom_hyper_method_name(o->hr_method), (long long)o->hr_basis,
                   (long long)o->hr_samples, ncomp > 1 ? " per component" : "");
  }
  if (rom_reproduce_method_is_hyper(o->method)) {
    rom_stage_begin(ctx, "reproduce: hyper-reduction");
    err = build_hyper(r, basis, u0, aes, ref, &hr);
    rom_stage_end(ctx, "reproduce: hyper-reduction");
    ROM_TRY(ctx, err);
    if (r->interrupted) goto cleanup;
    res->hr_total_samples = rom_hyper_num_samples(hr);
    res->hr_needed_rows = rom_hyper_num_needed(hr);
    if (nm) {
      res->hr_decoder_hidden_units = rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr));
      res->hr_decoder_params = rom_ae_subnet_num_params(rom_hyper_decoder(hr));
    }
  }

  /* ---- online: the FOM and the ROM at the test parameter, time stepping timed ---- */
  {
    rom_fom_options fo = rom_fom_options_default();
    rom_progress progress;
    /* progress of the FOM's time steps: a call per Newton iteration that reads the clock
     * only on rank 0 with the info level let through (negligible next to a Newton step) */
    rom_progress_start(&progress, ctx, "FOM at the test parameter, time steps", r->steps);
    fo.observer = fom_step_observer;
    fo.observer_user = &progress;
    ROM_MPI(ctx, MPI_Barrier(rom_ctx_comm(ctx)));
    rom_stage_begin(ctx, "reproduce: FOM at the test parameter");
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    err = rom_fom_integrate(r->model, r->test, u0, 0.0, r->dt, r->steps, &fo, F, &fs);
    rom_stage_end(ctx, "reproduce: FOM at the test parameter");
    ROM_TRY(ctx, err);
    rom_progress_update(&progress, r->steps);
    res->fom_cpu_seconds = max_over_ranks(ctx, (double)(clock() - c0) / CLOCKS_PER_SEC);
    res->fom_seconds = max_over_ranks(ctx, MPI_Wtime() - t0);
  }
  {
    rom_nlrom_options no = rom_nlrom_options_default();
    no.projection =
        rom_reproduce_method_is_galerkin(o->method) ? ROM_NLROM_GALERKIN : ROM_NLROM_LSPG;
    no.max_iterations = o->max_iterations;
    no.tolerance = o->tolerance;
    no.initial_guess = o->initial_guess;
    no.convergence_check = o->convergence_check;
    if (nm)
      ROM_TRY(ctx, rom_nlrom_create_manifold(r->model, ncomp, aes, ref, hr, &no, &rom));
    else
      ROM_TRY(ctx, rom_nlrom_create(r->model, basis, u0, hr, &no, &rom));
    ROM_MPI(ctx, MPI_Barrier(rom_ctx_comm(ctx)));
    rom_stage_begin(ctx, "reproduce: ROM at the test parameter");
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    err = rom_nlrom_run(rom, r->test, 0.0, r->dt, r->steps, q0, q, &rs);
    rom_stage_end(ctx, "reproduce: ROM at the test parameter");
    ROM_TRY(ctx, err);
    res->rom_cpu_seconds = max_over_ranks(ctx, (double)(clock() - c0) / CLOCKS_PER_SEC);
    res->rom_seconds = max_over_ranks(ctx, MPI_Wtime() - t0);
    res->rom_decoder_seconds = max_over_ranks(ctx, rs.decoder_seconds);
    res->rom_model_seconds = max_over_ranks(ctx, rs.model_seconds);
    res->rom_residual_evaluations = rs.residual_evaluations;
  }
  for (rom_int n = 0; n < nstates; ++n)
    ROM_TRY(ctx, rom_nlrom_lift(rom, q + n * K, Rt + n * r->L));
  for (int c = 0; c < ncomp; ++c)
    ROM_TRY(ctx, rom_problem_error(r->problem, nstates, F, Rt, c, &res->avg_error_pct[c],
                                   &res->max_error_pct[c]));
  if (o->save) ROM_TRY(ctx, save_trajectories(r, nstates, F, Rt, K, q));
  res->fom_newton_iterations = fs.newton_iterations;
  res->rom_iterations = rs.iterations;
  res->rom_not_converged_steps = rs.not_converged_steps;
  {
    const repro_published *pub = repro_published_find(r);
    res->has_published = pub != NULL;
    if (pub) {
      res->published_avg_pct = pub->avg;
      res->published_max_pct = pub->max;
      snprintf(res->published_note, sizeof res->published_note, "%s", pub->note);
    }
  }
cleanup:
  if (err == ROM_OK && r->interrupted) res->interrupted = 1;
  rom_nlrom_destroy(&rom);
  rom_hyper_destroy(&hr);
  rom_basis_destroy(&basis);
  for (int c = 0; c < ROM_PROBLEM_MAX_COMPONENTS; ++c) {
    rom_basis_destroy(&sb[c]);
    rom_ae_destroy(&aes[c]);
  }
  rom_dmat_destroy(&V);
  rom_free(ctx, q0);
  rom_free(ctx, u0g);
  rom_free(ctx, u0);
  rom_free(ctx, F);
  rom_free(ctx, Rt);
  rom_free(ctx, q);
  return err;
}

int rom_reproduce_run(rom_ctx *ctx, rom_problem *problem, const rom_reproduce_options *opts,
                      rom_reproduce_result *result) {
  int err = ROM_OK;
  repro_run *r = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, problem && opts && result, ROM_ERR_ARG,
            "problem, opts and result must not be NULL");
  ROM_CHECK(ctx, rom_problem_ctx(problem) == ctx, ROM_ERR_ARG,
            "the problem was created on another context");
  memset(result, 0, sizeof *result);
  for (int c = 0; c < ROM_PROBLEM_MAX_COMPONENTS; ++c)
    result->avg_error_pct[c] = result->max_error_pct[c] = NAN;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *r, (void **)&r));
  r->ctx = ctx;
  ROM_TRY(ctx, resolve(r, problem, opts));
  if (r->o.save) ROM_TRY(ctx, check_save_paths(r)); /* before the work, not after it */
  err = run(r, result);
  if (r->npending && !r->o.progress) flush_pending(r);
  ROM_TRY(ctx, err);
cleanup:
  rom_free(ctx, r);
  return err;
}

int rom_reproduce_run_named(rom_ctx *ctx, const char *name, const rom_reproduce_options *opts,
                            rom_reproduce_result *result) {
  int err = ROM_OK;
  rom_problem *problem = NULL;
  rom_problem_options po = rom_problem_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, name != NULL, ROM_ERR_ARG, "name must not be NULL");
  ROM_TRY(ctx, rom_problem_create(ctx, name, &po, &problem));
  ROM_TRY(ctx, rom_reproduce_run(ctx, problem, opts, result));
cleanup:
  rom_problem_destroy(&problem);
  return err;
}

/* ---- the network's training set ------------------------------------------------------------ */

int rom_reproduce_export_training_set(rom_ctx *ctx, rom_problem *problem,
                                      const rom_reproduce_options *opts, int component, int states,
                                      const char *path, int overwrite, rom_int *count) {
  int err = ROM_OK;
  repro_run *r = NULL;
  double *S = NULL;
  rom_int cols = 0, Lc = 0, first = 0;
  rom_snapshots *snap = NULL;
  rom_reproduce_options o;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, problem && opts && path && *path, ROM_ERR_ARG,
            "problem, opts and path must not be NULL or empty");
  ROM_CHECK(ctx, rom_problem_ctx(problem) == ctx, ROM_ERR_ARG,
            "the problem was created on another context");
  ROM_CHECK(ctx, states >= -1 && states <= 1, ROM_ERR_ARG,
            "states = %d must be -1 (the recipe's), 0 (u^n - u^0) or 1 (raw states)", states);
  if (count) *count = 0;
  ROM_TRY(ctx, rom_output_check(ctx, path, overwrite)); /* before any FOM run */
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *r, (void **)&r));
  r->ctx = ctx;
  /* the settings of the training runs are reproduce's; only they matter here */
  o = *opts;
  o.method = ROM_REPRODUCE_POD_LSPG;
  o.dim = 0;
  o.hr_basis = o.hr_samples = 0;
  o.hr_sample_mesh = 0;
  o.hr_sizes = ROM_REPRODUCE_HR_SIZES_GIVEN;
  o.hr_grid_basis_min = o.hr_grid_basis_max = o.hr_grid_samples_max = o.hr_grid_step = 0;
  o.hr_sizes_tolerance = 0.0;
  o.num_ae_files = 0;
  o.ae_epochs = 0;
  o.ae_max_seconds = 0.0;
  o.ae_precision = ROM_PRECISION_DOUBLE;
  o.ae_network = NULL;
  o.ae_batch = 0;
  o.initial_guess = ROM_NLROM_GUESS_PREVIOUS;
  o.convergence_check = ROM_NLROM_CHECK_EXACT;
  o.ae_patience = 0;
  o.save = NULL;
  ROM_TRY(ctx, resolve(r, problem, &o));
  ROM_CHECK(ctx, component >= 0 && component < r->ncomp, ROM_ERR_ARG,
            "component = %d: problem %s has components 0..%d", component,
            rom_problem_name_of(problem), r->ncomp - 1);
  ROM_TRY(ctx, repro_prepare_workdir(r, r->o.workdir));
  {
    size_t used = 0;
    for (int t = 0; t < r->o.ntrain && used < sizeof r->train_text; ++t) {
      char one[256];
      repro_point_text(r, r->train + (size_t)t * (size_t)r->nparam, one, sizeof one);
      int w =
          snprintf(r->train_text + used, sizeof r->train_text - used, "%s%s", t ? "," : "", one);
      if (w > 0) used += (size_t)w;
    }
  }
  if (states < 0) states = r->recipe.ae_minmax_scaling ? 1 : 0;
  ROM_TRY(ctx, repro_training_snapshots(r, states ? REPRO_SNAP_RAW : REPRO_SNAP_DIFF, &S, &cols));
  ROM_CHECK(ctx, !r->interrupted, ROM_ERR_ARG, "stopped on opts->stop_flag before the export");
  rom_problem_component_local(problem, component, &Lc, &first);
  {
    rom_snapshots_options so = rom_snapshots_options_default();
    so.capacity_hint = cols;
    ROM_TRY(ctx, rom_snapshots_create(ctx, Lc, &so, &snap));
    ROM_TRY(ctx, rom_snapshots_add_block(snap, cols, Lc > 0 ? S + first : NULL, r->L));
    ROM_TRY(ctx, rom_snapshots_write(snap, path, overwrite));
  }
  repro_progress(r, "  training set of component %d: %lld snapshots (%s) of %lld rows -> %s\n",
                 component, (long long)cols, states ? "raw states" : "u^n - u^0",
                 (long long)r->comp_rows, path);
  if (count) *count = cols;
cleanup:
  if (r && r->npending && !r->o.progress) flush_pending(r);
  rom_snapshots_destroy(&snap);
  rom_free(ctx, S);
  rom_free(ctx, r);
  return err;
}
