/* Training checkpoints (docs/autoencoder.md, "Checkpoints and --resume").
 *
 * A checkpoint is an autoencoder file (kind "autoencoder": the network as it is after the
 * last finished epoch, with its scaling and history, so rom_ae_read and h5py read it) with
 * what rom_ae_train carries between epochs added:
 *   /checkpoint/best_params, adam_m, adam_v {nparams}   the best weights so far, Adam's
 *                     first and second moments (Kingma & Ba 2015, Alg. 1)
 *   root attributes ckpt_epoch (epochs done), ckpt_adam_t (Adam's step count), ckpt_lr,
 *                     ckpt_best_val, ckpt_sched_best, ckpt_es_ref, ckpt_es_epoch,
 *                     ckpt_bad_epochs, ckpt_samples, ckpt_data_checksum, and the options
 *                     that shape the trajectory (opt_batch, opt_learning_rate, ...)
 * The random choices are counter-RNG draws keyed by (seed, stream, epoch) (train.c), so
 * the seed and the epoch count are the whole RNG state. Written through the io layer
 * (rom_h5_create / rom_h5_commit: a temporary name, published atomically), so a kill
 * mid-write leaves the previous checkpoint intact. */
#include "manifold/ae_impl.h"

#include <math.h>
#include <string.h>

#define KIND "autoencoder"

/* The options that change the trajectory; epochs, max_seconds and the checkpoint fields may
 * differ on resume (a longer run is the point). */
#define INT_OPTS(X)                                                                                \
  X(batch)                                                                                         \
  X(patience) X(early_stop) X(reproducible_chunks) X(scale_minmax)
#define DBL_OPTS(X)                                                                                \
  X(learning_rate)                                                                                 \
  X(beta1) X(beta2) X(eps) X(factor) X(min_lr) X(validation_fraction)

int rom_ae_checkpoint_write(rom_ae *ae, const char *path, const rom_ae_train_options *o, rom_int m,
                            const rom_ae_train_state *st) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  rom_h5 *f = NULL;
  const rom_int np = ae->nparams;
  ROM_TRY(ctx, rom_h5_create(ctx, path, KIND, 1, &f));
  ROM_TRY(ctx, rom_ae_write_contents(ae, f));
  ROM_TRY(ctx, rom_h5_write_array(f, "checkpoint/best_params", 1, &np, st->best));
  ROM_TRY(ctx, rom_h5_write_array(f, "checkpoint/adam_m", 1, &np, st->adam->m));
  ROM_TRY(ctx, rom_h5_write_array(f, "checkpoint/adam_v", 1, &np, st->adam->v));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ckpt_epoch", st->epoch_next));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ckpt_adam_t", st->adam->t));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ckpt_es_epoch", st->es_epoch));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ckpt_bad_epochs", st->bad_epochs));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ckpt_samples", m));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "ckpt_lr", st->lr));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "ckpt_best_val", st->best_val));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "ckpt_sched_best", st->sched_best));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "ckpt_es_ref", st->es_ref));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "ckpt_data_checksum", st->data_checksum));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "opt_seed", (int64_t)o->seed));
#define W_INT(name) ROM_TRY(ctx, rom_h5_write_attr_int(f, "opt_" #name, (int64_t)o->name));
#define W_DBL(name) ROM_TRY(ctx, rom_h5_write_attr_double(f, "opt_" #name, o->name));
  INT_OPTS(W_INT)
  DBL_OPTS(W_DBL)
  W_INT(precision)
#undef W_INT
#undef W_DBL
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  return err;
}

/* Same layers (sizes, activation, bias, mask pattern) as the network being trained. */
static int same_layers(rom_ae *ae, const rom_ae *c, const char *path) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  ROM_CHECK_ALL(ctx, c->nlayers == ae->nlayers && c->nenc == ae->nenc, ROM_ERR_ARG,
                "checkpoint '%s' has %d encoder + %d decoder layers, this network %d + %d", path,
                c->nenc, c->nlayers - c->nenc, ae->nenc, ae->nlayers - ae->nenc);
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_nn_layer *A = &ae->layers[l], *B = &c->layers[l];
    const char *part = l < ae->nenc ? "encoder" : "decoder";
    const int li = l < ae->nenc ? l : l - ae->nenc;
    ROM_CHECK_ALL(ctx, A->in == B->in && A->out == B->out, ROM_ERR_ARG,
                  "checkpoint '%s': %s layer %d is %lld -> %lld, this network's %lld -> %lld "
                  "(other --latent, --hidden or --mask?)",
                  path, part, li, (long long)B->in, (long long)B->out, (long long)A->in,
                  (long long)A->out);
    ROM_CHECK_ALL(ctx, A->act == B->act, ROM_ERR_ARG,
                  "checkpoint '%s': %s layer %d has activation %s, this network %s", path, part, li,
                  rom_activation_name(B->act), rom_activation_name(A->act));
    ROM_CHECK_ALL(ctx, A->has_bias == B->has_bias, ROM_ERR_ARG,
                  "checkpoint '%s': %s layer %d has %s bias, this network %s", path, part, li,
                  B->has_bias ? "a" : "no", A->has_bias ? "has one" : "has none");
    int same = (A->mask == NULL) == (B->mask == NULL) && A->nweights == B->nweights;
    if (same && A->mask)
      same =
          memcmp(A->mask->row_ptr, B->mask->row_ptr, sizeof(rom_int) * (size_t)(A->out + 1)) == 0 &&
          memcmp(A->mask->col_index, B->mask->col_index, sizeof(rom_int) * (size_t)A->nweights) ==
              0;
    ROM_CHECK_ALL(ctx, same, ROM_ERR_ARG,
                  "checkpoint '%s': %s layer %d has another mask (%s, %lld weights) than this "
                  "network (%s, %lld weights)",
                  path, part, li, B->mask ? "masked" : "dense", (long long)B->nweights,
                  A->mask ? "masked" : "dense", (long long)A->nweights);
  }
cleanup:
  return err;
}

int rom_ae_checkpoint_read(rom_ae *ae, const char *path, const rom_ae_train_options *o, rom_int m,
                           rom_ae_train_state *st) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  rom_ae *c = NULL;
  rom_h5 *f = NULL;
  int found = 0;
  int64_t iv = 0;
  double dv = 0.0;
  const rom_int np = ae->nparams, N = rom_ae_input_dim(ae);
  ROM_TRY(ctx, rom_ae_read(ctx, path, &c));
  ROM_TRY(ctx, same_layers(ae, c, path));
  ROM_TRY(ctx, rom_h5_open(ctx, path, KIND, &f));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "ckpt_epoch", &iv, &found));
  ROM_CHECK_ALL(ctx, found, ROM_ERR_ARG,
                "'%s' is an autoencoder file but not a training checkpoint (no 'ckpt_epoch'): "
                "to continue training a finished network use --init",
                path);
  st->epoch_next = iv;
  ROM_CHECK_ALL(ctx, iv >= 1 && iv == c->hist_len, ROM_ERR_FORMAT,
                "checkpoint '%s': ckpt_epoch %lld but a history of %lld epochs", path,
                (long long)iv, (long long)c->hist_len);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "opt_seed", &iv, NULL));
  ROM_CHECK_ALL(ctx, (uint64_t)iv == o->seed, ROM_ERR_ARG,
                "checkpoint '%s' was trained with seed %lld, this run has seed %llu", path,
                (long long)iv, (unsigned long long)o->seed);
#define R_INT(name)                                                                                \
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "opt_" #name, &iv, NULL));                                  \
  ROM_CHECK_ALL(ctx, iv == (int64_t)o->name, ROM_ERR_ARG,                                          \
                "checkpoint '%s' was trained with %s = %lld, this run has %lld", path, #name,      \
                (long long)iv, (long long)o->name);
#define R_DBL(name)                                                                                \
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "opt_" #name, &dv, NULL));                               \
  ROM_CHECK_ALL(ctx, dv == o->name, ROM_ERR_ARG,                                                   \
                "checkpoint '%s' was trained with %s = %.17g, this run has %.17g", path, #name,    \
                dv, o->name);
  INT_OPTS(R_INT)
  DBL_OPTS(R_DBL)
  /* The precision changes the trajectory (float round-off in every gradient), so a run
   * resumes only in its checkpoint's: the "bit for bit as if never stopped" promise holds in
   * either. A checkpoint written before the option existed has no attribute: double. */
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "opt_precision", &iv, &found));
  if (!found) iv = ROM_PRECISION_DOUBLE;
  ROM_CHECK_ALL(ctx, iv == (int64_t)o->precision, ROM_ERR_ARG,
                "checkpoint '%s' was trained in %s precision, this run asks for %s: resume with "
                "--precision %s (or start a new run; --init continues a finished network in "
                "either precision)",
                path, rom_precision_name((rom_precision)iv), rom_precision_name(o->precision),
                rom_precision_name((rom_precision)iv));
#undef R_INT
#undef R_DBL
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "ckpt_samples", &iv, NULL));
  ROM_CHECK_ALL(ctx, iv == m, ROM_ERR_ARG,
                "checkpoint '%s' was trained on %lld snapshots, this run has %lld", path,
                (long long)iv, (long long)m);
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "ckpt_data_checksum", &dv, NULL));
  ROM_CHECK_ALL(ctx, dv == st->data_checksum, ROM_ERR_ARG,
                "checkpoint '%s' was trained on other snapshot values (checksum %.17g, this "
                "run's %.17g)",
                path, dv, st->data_checksum);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "ckpt_adam_t", &iv, NULL));
  st->adam->t = iv;
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "ckpt_es_epoch", &iv, NULL));
  st->es_epoch = iv;
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "ckpt_bad_epochs", &iv, NULL));
  st->bad_epochs = iv;
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "ckpt_lr", &st->lr, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "ckpt_best_val", &st->best_val, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "ckpt_sched_best", &st->sched_best, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "ckpt_es_ref", &st->es_ref, NULL));
  ROM_CHECK_ALL(ctx, st->adam->t >= 0 && st->lr > 0 && isfinite(st->lr), ROM_ERR_FORMAT,
                "checkpoint '%s': Adam step %lld, learning rate %g out of range", path,
                (long long)st->adam->t, st->lr);
  ROM_TRY(ctx, rom_h5_read_array(f, "checkpoint/best_params", 1, &np, st->best));
  ROM_TRY(ctx, rom_h5_read_array(f, "checkpoint/adam_m", 1, &np, st->adam->m));
  ROM_TRY(ctx, rom_h5_read_array(f, "checkpoint/adam_v", 1, &np, st->adam->v));
  ROM_TRY(ctx, rom_h5_close(&f));
  /* the network as it was after the checkpoint's epoch */
  memcpy(ae->params, c->params, sizeof(double) * (size_t)np);
  memcpy(ae->shift, c->shift, sizeof(double) * (size_t)N);
  memcpy(ae->scale, c->scale, sizeof(double) * (size_t)N);
  ROM_TRY(ctx, rom_ae_history_reset(ae));
  for (rom_int e = 0; e < c->hist_len; ++e)
    ROM_TRY(ctx, rom_ae_history_push(ae, c->hist_loss[e], c->hist_val[e], c->hist_lr[e],
                                     c->hist_sec[e]));
  ae->best_epoch = c->best_epoch;
cleanup:
  rom_h5_abort(&f);
  rom_ae_destroy(&c);
  return err;
}
