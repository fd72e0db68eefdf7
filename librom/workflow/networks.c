/* The autoencoders of the reproduction's nonlinear-manifold methods (romkit/workflow.h), one
 * per component: read from the caller's files, or the problem's network (its recipe:
 * rom_problem_autoencoder_create, docs/problems.md) trained on the training runs with a fixed
 * seed and cached in the work directory. A problem with a symmetry between its components
 * (P2: v is u mirrored across the diagonal) trains one network; the others are that network
 * mirrored (mirror_autoencoder), which the symmetry makes exactly as good. */
#include "romkit/progress.h"
#include "workflow/workflow_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_LAYERS 64

/* The autoencoder of component `to` from the one of component 0 (u) under the problem's
 * symmetry perm (perm[i] = the row of u that row i of `to` equals; P2: the node transposition
 * perm(i + n j) = j + n i, docs/problems.md). The network x -> D(E(x o perm)) o perm is an
 * autoencoder of the mirrored states exactly as good as u's is of the u states: the encoder's
 * first layer gets its input columns permuted, the decoder's output layer its rows (a masked
 * layer keeps each row's pattern), the scaling its entries. This replaces the paper's second
 * training run (docs/reproduction.md says so). Collective. */
static int mirror_autoencoder(rom_ctx *ctx, rom_ae *u, rom_int N, const rom_int *perm,
                              rom_ae **out) {
  int err = ROM_OK;
  const int nl = rom_ae_num_layers(u), nenc = rom_ae_num_encoder_layers(u);
  rom_layer_spec specs[MAX_LAYERS];
  rom_mask *mask = NULL, *emask = NULL;
  rom_int *rp = NULL, *ci = NULL, *inv = NULL, *erp = NULL, *eci = NULL, *esrc = NULL;
  double *sh = NULL, *sc = NULL;
  *out = NULL;
  ROM_CHECK(ctx, rom_ae_input_dim(u) == N, ROM_ERR_DIM,
            "the network to mirror has %lld inputs, the component %lld rows",
            (long long)rom_ae_input_dim(u), (long long)N);
  ROM_CHECK(ctx, nl <= MAX_LAYERS, ROM_ERR_DIM, "the network to mirror has %d > %d layers", nl,
            MAX_LAYERS);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&sh));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&sc));
  for (int l = 0; l < nl; ++l)
    ROM_TRY(ctx, rom_ae_layer(u, l, &specs[l]));
  const rom_mask *umask = specs[nl - 1].mask; /* u's output mask */
  if (specs[0].mask) {
    /* the masked encoder (docs/autoencoder.md, "Encoder choice"): row h of v's first layer
     * connects to the inputs j with perm(j) in u's row h, sorted; esrc[e] = u's entry */
    const rom_mask *m0 = specs[0].mask;
    const rom_int *mrp = rom_mask_row_ptr(m0), *mci = rom_mask_col_index(m0);
    const rom_int rows0 = rom_mask_rows(m0), nnz0 = rom_mask_nnz(m0);
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)N, (void **)&inv));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(rows0 + 1), (void **)&erp));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(nnz0 + 1), (void **)&eci));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(nnz0 + 1), (void **)&esrc));
    for (rom_int j = 0; j < N; ++j)
      inv[perm[j]] = j;
    memcpy(erp, mrp, sizeof(rom_int) * (size_t)(rows0 + 1));
    for (rom_int h = 0; h < rows0; ++h) {
      for (rom_int e = mrp[h]; e < mrp[h + 1]; ++e) { /* insertion sort: rows are short */
        rom_int c = inv[mci[e]], t = e;
        for (; t > mrp[h] && eci[t - 1] > c; --t) {
          eci[t] = eci[t - 1];
          esrc[t] = esrc[t - 1];
        }
        eci[t] = c;
        esrc[t] = e;
      }
    }
    ROM_TRY(ctx, rom_mask_from_csr(ctx, rows0, N, erp, eci, &emask));
    specs[0].mask = emask;
  }
  if (umask) {
    const rom_int *urp = rom_mask_row_ptr(umask), *uci = rom_mask_col_index(umask);
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(N + 1), (void **)&rp));
    ROM_TRY(ctx,
            rom_malloc(ctx, sizeof(rom_int) * (size_t)(rom_mask_nnz(umask) + 1), (void **)&ci));
    for (rom_int p = 0, t = 0; p < N; ++p) {
      rp[p] = t;
      for (rom_int e = urp[perm[p]]; e < urp[perm[p] + 1]; ++e)
        ci[t++] = uci[e];
      rp[p + 1] = t;
    }
    ROM_TRY(ctx, rom_mask_from_csr(ctx, N, specs[nl - 1].in, rp, ci, &mask));
    specs[nl - 1].mask = mask;
  }
  ROM_TRY(ctx, rom_ae_create(ctx, nenc, specs, nl - nenc, specs + nenc, 1, out));
  for (int l = 0; l < nl; ++l) {
    const double *Wu = rom_ae_layer_weights(u, l), *bu = rom_ae_layer_bias(u, l);
    double *Wv = rom_ae_layer_weights(*out, l), *bv = rom_ae_layer_bias(*out, l);
    const rom_int in = specs[l].in, o = specs[l].out;
    const rom_int nw = specs[l].mask ? rom_mask_nnz(specs[l].mask) : in * o;
    if (l == 0 && specs[0].mask) { /* masked: entry e of v is entry esrc[e] of u */
      for (rom_int e = 0; e < nw; ++e)
        Wv[e] = Wu[esrc[e]];
    } else if (l == 0) { /* input columns: W_v[h, j] = W_u[h, perm(j)] */
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
  for (rom_int j = 0; j < N; ++j) {
    sh[j] = rom_ae_shift(u)[perm[j]];
    sc[j] = rom_ae_scale(u)[perm[j]];
  }
  ROM_TRY(ctx, rom_ae_set_scaling(*out, sh, sc));
cleanup:
  if (err != ROM_OK) rom_ae_destroy(out);
  rom_mask_destroy(&mask);
  rom_mask_destroy(&emask);
  rom_free(ctx, inv);
  rom_free(ctx, erp);
  rom_free(ctx, eci);
  rom_free(ctx, esrc);
  rom_free(ctx, rp);
  rom_free(ctx, ci);
  rom_free(ctx, sh);
  rom_free(ctx, sc);
  return err;
}

/* Reads the networks of `path` and checks them against the problem. */
static int read_networks(repro_run *r, int nnets, char (*path)[ROM_REPRODUCE_PATH + 1300],
                         rom_ae **aes) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  char list[2 * ROM_REPRODUCE_PATH] = "";
  size_t used = 0;
  for (int k = 0; k < nnets; ++k) {
    ROM_TRY(ctx, rom_ae_read(ctx, path[k], &aes[k]));
    if (rom_ae_input_dim(aes[k]) != r->comp_rows) {
      err = repro_cache_mismatch(r, path[k], "inputs", rom_ae_input_dim(aes[k]), r->comp_rows);
      goto cleanup;
    }
    if (k > 0 && rom_ae_latent_dim(aes[k]) != rom_ae_latent_dim(aes[0])) {
      err = repro_cache_mismatch(r, path[k], "latent dimensions", rom_ae_latent_dim(aes[k]),
                                 rom_ae_latent_dim(aes[0]));
      goto cleanup;
    }
    if (used < sizeof list) {
      int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", path[k]);
      if (w > 0) used += (size_t)w;
    }
  }
  repro_progress(r, "  autoencoder%s: %s (latent %lld): %s\n", nnets > 1 ? "s" : "", list,
                 (long long)rom_ae_latent_dim(aes[0]), r->o.num_ae_files ? "read" : "cached");
cleanup:
  return err;
}

/* Epochs between training checkpoints (as romkit train's default). */
#define REPRO_CHECKPOINT_EVERY 100

/* Trains network k of the recipe on S (this rank's L rows x cols) and writes it to path. */
static int train_network(repro_run *r, int k, double *S, rom_int cols, const char *path,
                         rom_ae **out, double *train_s) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  rom_int Lc = 0, first = 0;
  rom_dmat *view = NULL;
  rom_ae_train_options to = rom_ae_train_options_default();
  char ckpt[ROM_REPRODUCE_PATH + 1400];
  int resume = 0;
  rom_problem_train_options(&r->recipe, &to);
  to.seed = r->o.ae_seed;
  to.max_seconds = r->o.ae_max_seconds;
  to.epochs = r->o.ae_epochs;
  to.precision = r->o.ae_precision;
  if (r->o.ae_batch > 0) to.batch = r->o.ae_batch;
  if (r->o.ae_patience > 0) to.patience = r->o.ae_patience;
  /* Checkpoints beside the cached network (docs/autoencoder.md, "Checkpoints and
   * --resume"): a run killed mid-training continues from the last one when reproduce is
   * run again with the same settings (the cache name holds them; a checkpoint of other
   * settings is refused naming the difference). */
  snprintf(ckpt, sizeof ckpt, "%s.ckpt.h5", path);
  ROM_TRY(ctx, repro_exists(r, ckpt, &resume));
  to.checkpoint_path = ckpt;
  to.checkpoint_every = REPRO_CHECKPOINT_EVERY;
  to.resume_path = resume ? ckpt : NULL;
  ROM_TRY(ctx, rom_problem_autoencoder_create(ctx, &r->recipe, r->comp_rows, r->o.dim, r->o.ae_seed,
                                              out));
  rom_problem_component_local(r->problem, k, &Lc, &first);
  ROM_TRY(ctx, rom_dmat_wrap(ctx, Lc, cols, Lc > 0 ? S + first : NULL, r->L, &view));
  to.stop_flag = r->o.stop_flag;
  repro_progress(r,
                 "  training autoencoder %d on %lld snapshots (seed %llu, at most %lld epochs%s)\n",
                 k, (long long)cols, (unsigned long long)r->o.ae_seed, (long long)to.epochs,
                 resume ? ", resuming from its checkpoint" : "");
  double t0 = MPI_Wtime();
  rom_stage_begin(ctx, "reproduce: autoencoder training");
  err = rom_ae_train_dmat(*out, view, &to);
  rom_stage_end(ctx, "reproduce: autoencoder training");
  *train_s += MPI_Wtime() - t0;
  ROM_TRY(ctx, err);
  rom_int ne = 0;
  const double *loss = NULL, *val = NULL, *lr = NULL, *sec = NULL;
  rom_ae_history(*out, &ne, &loss, &val, &lr, &sec);
  if (rom_ae_train_interrupted(*out)) {
    /* the checkpoint is written; the same settings continue from it (and the cache) */
    r->interrupted = 1;
    repro_progress(r,
                   "  autoencoder %d: stopped after epoch %lld of %lld; checkpoint %s written: "
                   "run the same command again to continue\n",
                   k, (long long)ne, (long long)to.epochs, ckpt);
    rom_ae_destroy(out);
    goto cleanup;
  }
  rom_int best = rom_ae_best_epoch(*out);
  repro_progress(r,
                 "  autoencoder %d: computed, %lld epochs, %.1f s, best validation loss %.3e "
                 "(epoch %lld) -> cached\n",
                 k, (long long)ne, MPI_Wtime() - t0, best >= 0 ? val[best] : NAN, (long long)best);
  ROM_TRY(ctx, rom_ae_write(*out, path, 0));
  ROM_MPI(ctx, MPI_Barrier(rom_ctx_comm(ctx))); /* every rank is done with the checkpoint */
  if (rom_ctx_rank(ctx) == 0) remove(ckpt);
cleanup:
  rom_dmat_destroy(&view);
  return err;
}

int repro_autoencoders(repro_run *r, rom_ae **aes, double *train_s, int *nnets_out) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  char(*path)[ROM_REPRODUCE_PATH + 1300] = NULL;
  rom_int *perm = NULL;
  double *S = NULL;
  rom_int cols = 0;
  int all = 1;
  const int symmetric = rom_problem_ops_of(r->problem)->component_symmetry != NULL;
  /* the networks to read or train; the remaining components' are mirrored */
  const int nnets = r->o.num_ae_files ? r->o.num_ae_files : symmetric ? 1 : r->ncomp;
  *train_s = 0.0;
  *nnets_out = nnets;
  ROM_CHECK(ctx, nnets == r->ncomp || symmetric, ROM_ERR_ARG,
            "%d autoencoder file(s) for the %d components of %s, which has no symmetry to "
            "mirror the others through",
            nnets, r->ncomp, rom_problem_name_of(r->problem));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof *path * (size_t)nnets, (void **)&path));
  for (int k = 0; k < nnets; ++k) {
    if (r->o.num_ae_files) {
      snprintf(path[k], sizeof path[k], "%s", r->o.ae_files[k]);
      continue;
    }
    char lim[64] = "";
    int e = 0;
    if (r->o.ae_max_seconds > 0) snprintf(lim, sizeof lim, "_t%g", r->o.ae_max_seconds);
    int masked = 0; /* the paper's network keeps its cache names */
    rom_problem_network_from_name(r->recipe.ae_network, &masked);
    if (masked)
      snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "_%s",
               masked == ROM_AE_NETWORK_MASKED ? "masked" : "narrow");
    if (r->o.ae_batch > 0) /* a batch other than the recipe's is another network */
      snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "_b%lld", (long long)r->o.ae_batch);
    if (r->o.ae_patience > 0) /* so is another learning-rate patience */
      snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "_p%lld", (long long)r->o.ae_patience);
    /* single-precision training is another network: its own cache name (double keeps the
     * names of the files cached before the option existed) */
    if (r->o.ae_precision == ROM_PRECISION_SINGLE)
      snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "_single");
    snprintf(path[k], sizeof path[k], "%s/%s_ae_c%d_k%lld_seed%llu_e%lld%s_train%s.h5", r->dir,
             r->prefix, k, (long long)r->o.dim, (unsigned long long)r->o.ae_seed,
             (long long)r->o.ae_epochs, lim, r->train_text);
    ROM_TRY(ctx, repro_exists(r, path[k], &e));
    all = all && e;
  }
  if (r->o.num_ae_files || all) {
    ROM_TRY(ctx, read_networks(r, nnets, path, aes));
  } else {
    /* the recipe's training data: raw states when the network scales its inputs (the
     * scaling's shift is then the reference), else w^n - w^0 */
    ROM_TRY(ctx, repro_training_snapshots(
                     r, r->recipe.ae_minmax_scaling ? REPRO_SNAP_RAW : REPRO_SNAP_DIFF, &S, &cols));
    for (int k = 0; k < nnets && !r->interrupted; ++k)
      ROM_TRY(ctx, train_network(r, k, S, cols, path[k], &aes[k], train_s));
    if (r->interrupted) goto cleanup;
  }
  if (nnets < r->ncomp)
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)r->comp_rows, (void **)&perm));
  for (int c = nnets; c < r->ncomp; ++c) {
    ROM_TRY(ctx, rom_problem_component_symmetry(r->problem, 0, c, perm));
    ROM_TRY(ctx, mirror_autoencoder(ctx, aes[0], r->comp_rows, perm, &aes[c]));
    repro_progress(r, "  %s autoencoder: the %s network mirrored across the diagonal\n",
                   rom_reproduce_component_name(r->ncomp, c),
                   rom_reproduce_component_name(r->ncomp, 0));
  }
cleanup:
  rom_free(ctx, S);
  rom_free(ctx, perm);
  rom_free(ctx, path);
  return err;
}
