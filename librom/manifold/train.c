/* Training of the autoencoder: mini-batch Adam on the mean squared reconstruction error,
 * data-parallel over the context's ranks.
 *
 * As Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), Sec. 5: Adam (Kingma & Ba,
 * ICLR 2015), batch 20, learning rate 1e-3 reduced by 10x when the validation loss has
 * not improved for `patience` epochs, early stopping after `early_stop` epochs without
 * improvement, the best weights restored, a random 10 % validation split.
 *
 * Determinism and ranks. Every random choice is a counter-RNG draw keyed by the seed
 * (split: stream SPLIT; epoch e's shuffle: stream SHUFFLE + e), so every rank computes
 * the same split and order without communication, and they do not depend on the rank
 * count. A global batch (positions b0 .. b1 of the epoch's order) is split by position:
 * - default: rank r takes positions [b0 + B r / P, b0 + B (r + 1) / P), sums its
 *   samples' gradients (dgemm over its share), and the ranks' packed gradients (+ loss)
 *   are summed (grad_reduce.c: by default one MPI_Allreduce and the whole Adam update on
 *   every rank; or a reduce-scatter, Adam on each rank's 1/P of the parameters, an
 *   allgather of the weights; the same sums either way). Changing P changes how the B terms are
 * grouped, so loss curves at different P agree to round-off (1e-16 relative per step; training is a
 * chaotic iteration, so the difference grows slowly over many epochs).
 * - reproducible_chunks = C: the batch is cut into C fixed chunks (by position, the same
 *   cut for every P); chunk c is computed by rank c mod P into slot c of a C-slot buffer
 *   (zeros elsewhere), the reduction adds the slots across ranks (x + 0 is exact), and the
 *   slots are summed in chunk order. The result is bit-identical for every P, at C times
 *   the message size and with at most C ranks busy.
 * Validation losses are computed per sample (in the same chunks) and summed in sample
 * order, so they are exact across P in chunk mode too.
 *
 * Precision (docs/autoencoder.md, "Precision"). With ROM_PRECISION_SINGLE the forward and
 * backward passes run in float32 (autoencoder_single.c) on a float copy of the weights,
 * refreshed after every Adam step, and of the scaled data. The master weights and Adam's
 * moments stay double: an Adam step is lr m / sqrt(v) ~ lr, and once the schedule has cut lr
 * to 1e-5 .. 1e-7 (P1 does, ReduceLROnPlateau) a float weight of magnitude 0.05 (ulp 4e-9)
 * would round away the small updates; the mixed-precision recipe of Micikevicius et al.
 * (ICLR 2018) keeps such a master copy for the same reason. Each rank's float gradient is
 * widened to double before the reduction, so the reduced sum, the chunk slots and the rank
 * agreement are those of double training. The loss sums are accumulated in double. */
#include "core/values.h"
#include "manifold/ae_impl.h"
#include "manifold/grad_reduce.h"
#include "romkit/progress.h"

#include <math.h>
#include <string.h>

#define STREAM_SPLIT 0x53504c49u
#define STREAM_SHUFFLE 0x53485546u

const char *rom_precision_name(rom_precision p) {
  return p == ROM_PRECISION_DOUBLE ? "double" : p == ROM_PRECISION_SINGLE ? "single" : "unknown";
}

int rom_precision_parse(rom_ctx *ctx, const char *name, rom_precision *out) {
  int err = ROM_OK;
  ROM_CHECK(ctx, name && out, ROM_ERR_ARG, "precision name and output are required");
  if (strcmp(name, "double") == 0)
    *out = ROM_PRECISION_DOUBLE;
  else if (strcmp(name, "single") == 0)
    *out = ROM_PRECISION_SINGLE;
  else
    ROM_FAIL(ctx, ROM_ERR_ARG, "unknown precision '%s' (choose double or single)", name);
cleanup:
  return err;
}

rom_ae_train_options rom_ae_train_options_default(void) {
  rom_ae_train_options o;
  memset(&o, 0, sizeof(o));
  o.epochs = 10000;
  o.batch = 20;
  o.learning_rate = 1e-3;
  o.beta1 = 0.9;
  o.beta2 = 0.999;
  o.eps = 1e-8;
  o.patience = 10;
  o.factor = 0.1;
  o.min_lr = 0.0;
  o.early_stop = 200;
  o.validation_fraction = 0.1;
  o.seed = 42;
  o.reproducible_chunks = 0;
  o.max_seconds = 0.0;
  o.precision = ROM_PRECISION_DOUBLE;
  return o;
}

/* Fisher-Yates on a[0..n) with draws (seed, stream, i): the same on every rank. */
static void shuffle(rom_int *a, rom_int n, uint64_t seed, uint64_t stream) {
  for (rom_int i = n - 1; i > 0; --i) {
    rom_int j = (rom_int)(rom_rng_bits(seed, stream, (uint64_t)i) % (uint64_t)(i + 1));
    rom_int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/* Copies the columns idx[0..n) of Xs into buf (N x n) and accumulates. */
static int accumulate_samples(rom_ae *ae, const double *Xs, rom_int N, const rom_int *idx,
                              rom_int n, double *buf, double gscale, double *loss, double *grad) {
  for (rom_int t = 0; t < n; ++t)
    memcpy(buf + t * N, Xs + idx[t] * N, sizeof(double) * (size_t)N);
  return rom_ae_accumulate(ae, n, buf, N, gscale, loss, grad);
}

/* Per-sample losses of samples idx[0..n) into out[0..n) (rank-local). */
static int sample_losses(rom_ae *ae, const double *Xs, rom_int N, const rom_int *idx, rom_int n,
                         double *buf, double *out) {
  int err = ROM_OK;
  double *Y = NULL;
  if (n <= 0) return ROM_OK;
  ROM_TRY(ae->ctx, rom_malloc_n(ae->ctx, N, n, sizeof(double), (void **)&Y));
  for (rom_int t = 0; t < n; ++t)
    memcpy(buf + t * N, Xs + idx[t] * N, sizeof(double) * (size_t)N);
  ROM_TRY(ae->ctx, rom_ae_forward_range(ae, 0, ae->nlayers, n, buf, N, Y, N));
  for (rom_int t = 0; t < n; ++t) {
    double s = 0.0;
    for (rom_int i = 0; i < N; ++i) {
      double r = Y[i + t * N] - buf[i + t * N];
      s += r * r;
    }
    out[t] = s / (double)N;
  }
cleanup:
  rom_free(ae->ctx, Y);
  return err;
}

/* The float32 working set of ROM_PRECISION_SINGLE training (NULL members in double). */
typedef struct {
  float *params; /* np: the weights rounded to float, refreshed after each Adam step */
  float *Xs;     /* N x m: the scaled data */
  float *grad;   /* np: one accumulation's gradient before it is widened into a slot */
  float *buf;    /* N x (max(B, nval) + 1): gathered samples */
} train_single;

/* accumulate_samples in float: gathers samples idx[0..n) into ts->buf, accumulates the loss
 * (double) into *loss and the float gradient, then adds it, widened, to the double grad. */
static int accumulate_samples_single(rom_ae *ae, train_single *ts, rom_int N, const rom_int *idx,
                                     rom_int n, double gscale, double *loss, double *grad) {
  int err = ROM_OK;
  const rom_int np = ae->nparams;
  for (rom_int t = 0; t < n; ++t)
    memcpy(ts->buf + t * N, ts->Xs + idx[t] * N, sizeof(float) * (size_t)N);
  memset(ts->grad, 0, sizeof(float) * (size_t)np);
  ROM_TRY(ae->ctx,
          rom_ae_accumulate_single(ae, ts->params, n, ts->buf, N, (float)gscale, loss, ts->grad));
  for (rom_int t = 0; t < np; ++t)
    grad[t] += (double)ts->grad[t];
cleanup:
  return err;
}

static int sample_losses_single(rom_ae *ae, train_single *ts, rom_int N, const rom_int *idx,
                                rom_int n, double *out) {
  for (rom_int t = 0; t < n; ++t)
    memcpy(ts->buf + t * N, ts->Xs + idx[t] * N, sizeof(float) * (size_t)N);
  return rom_ae_sample_losses_single(ae, ts->params, n, ts->buf, N, out);
}

int rom_ae_train(rom_ae *ae, rom_int m, const double *X, rom_int ldx,
                 const rom_ae_train_options *opts_in) {
  int err = ROM_OK;
  rom_ctx *ctx = ae ? ae->ctx : NULL;
  rom_ae_train_options o = opts_in ? *opts_in : rom_ae_train_options_default();
  double *Xs = NULL, *gbuf = NULL, *grad = NULL, *buf = NULL, *best = NULL, *vloss = NULL;
  rom_int *order = NULL;
  rom_adam adam = {0, 0, NULL, NULL};
  train_single ts = {NULL, NULL, NULL, NULL};
  rom_grad_reduce *gr = NULL;
  MPI_Comm comm = MPI_COMM_NULL;
  ROM_CHECK(ctx, ae, ROM_ERR_ARG, "autoencoder is NULL");
  comm = rom_ctx_comm(ctx);
  const int P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  const rom_int N = rom_ae_input_dim(ae), np = ae->nparams;
  ROM_CHECK_ALL(ctx, m >= 2 && X && ldx >= N, ROM_ERR_ARG,
                "training needs m >= 2 samples (got %lld) of length N = %lld (ldx = %lld)",
                (long long)m, (long long)N, (long long)ldx);
  ROM_CHECK_ALL(
      ctx,
      o.epochs >= 1 && o.batch >= 1 && o.learning_rate > 0 && o.patience >= 0 && o.factor > 0 &&
          o.factor <= 1 && o.early_stop >= 0 && o.validation_fraction >= 0 &&
          o.validation_fraction < 1 && o.reproducible_chunks >= 0 && o.beta1 >= 0 && o.beta1 < 1 &&
          o.beta2 >= 0 && o.beta2 < 1 && o.eps > 0 && o.grad_reduce >= ROM_AE_REDUCE_AUTO &&
          o.grad_reduce <= ROM_AE_REDUCE_SHARDED,
      ROM_ERR_ARG,
      "training options: epochs %lld, batch %lld, lr %g, patience %lld, factor %g, "
      "early_stop %lld, validation_fraction %g, reproducible_chunks %d, grad_reduce %d "
      "out of range",
      (long long)o.epochs, (long long)o.batch, o.learning_rate, (long long)o.patience, o.factor,
      (long long)o.early_stop, o.validation_fraction, o.reproducible_chunks, o.grad_reduce);
  ROM_CHECK_ALL(ctx, o.precision == ROM_PRECISION_DOUBLE || o.precision == ROM_PRECISION_SINGLE,
                ROM_ERR_ARG,
                "training options: precision %d is neither double (%d) nor single (%d)",
                (int)o.precision, (int)ROM_PRECISION_DOUBLE, (int)ROM_PRECISION_SINGLE);
  const int single = o.precision == ROM_PRECISION_SINGLE;
  if (single) ROM_TRY_ALL(ctx, rom_ae_single_check(ae));
  {
    rom_int bad = -1;
    for (rom_int j = 0; j < m && bad < 0; ++j)
      for (rom_int i = 0; i < N; ++i)
        if (!isfinite(X[i + j * ldx])) {
          bad = j;
          break;
        }
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE, "training data: snapshot %lld holds NaN or Inf",
                  (long long)bad);
  }
  {
    /* All-zero snapshots: nothing to learn (the loss is already at its minimum for zero
     * weights) and the min-max scaling of every feature degenerates to range 0; training
     * would "succeed" on a network that decodes everything to 0. Almost always a wrong file
     * or dataset, so it is refused. */
    int any = 0;
    for (rom_int j = 0; j < m && !any; ++j)
      for (rom_int i = 0; i < N; ++i)
        if (X[i + j * ldx] != 0.0) {
          any = 1;
          break;
        }
    ROM_CHECK_ALL(ctx, any, ROM_ERR_ARG,
                  "training data: all %lld snapshots (N = %lld) are zero: there is nothing to "
                  "learn and the input scaling would be degenerate (a wrong file or dataset?)",
                  (long long)m, (long long)N);
  }
  {
    /* The network's parameters and scaling, e.g. from a file given to continue training
     * (rom_ae_read checks its datasets) or set by the caller: NaN here would surface only as
     * "training diverged". */
    rom_int bad = -1;
    for (rom_int t = 0; t < np && bad < 0; ++t)
      if (!isfinite(ae->params[t])) bad = t;
    int layer = -1;
    for (int l = 0; bad >= 0 && l < ae->nlayers; ++l)
      if (bad >= ae->layers[l].offset) layer = l;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE,
                  "the network's parameter %lld (in layer %d) is %g before training: the initial "
                  "weights and biases must be finite",
                  (long long)bad, layer, bad >= 0 ? ae->params[bad] : 0.0);
    for (rom_int i = 0; i < N && bad < 0; ++i)
      if (!(isfinite(ae->shift[i]) && isfinite(ae->scale[i]) && ae->scale[i] > 0.0)) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE,
                  "the network's input scaling of feature %lld is shift %g, scale %g: it must be "
                  "finite with scale > 0",
                  (long long)bad, bad >= 0 ? ae->shift[bad] : 0.0, bad >= 0 ? ae->scale[bad] : 0.0);
  }
  {
    /* the working set below, before any of it is allocated: the scaled data (N m), the
     * gradient slots, the best weights and Adam's two moments (np each) */
    /* chunk mode: C slots, and as many again for the sharded reduction's packed copy */
    const double slots_d = o.reproducible_chunks > 0 ? 2.0 * o.reproducible_chunks : 1.0;
    double need = 8.0 * ((double)N * (double)m * 2.0 + (double)np * (slots_d + 4.0));
    if (single) /* the float data, weights and gradient */
      need += 4.0 * ((double)N * (double)m + 2.0 * (double)np);
    ROM_TRY_ALL(ctx, rom_memory_check(ctx, need, "training's data and optimiser state",
                                      "use fewer snapshots, smaller layers or fewer chunks"));
  }
  ROM_CHECK_ALL(ctx, o.checkpoint_every >= 0 && o.stop_after_epoch >= 0, ROM_ERR_ARG,
                "training options: checkpoint_every %lld, stop_after_epoch %lld must be >= 0",
                (long long)o.checkpoint_every, (long long)o.stop_after_epoch);
  ae->interrupted = 0;
  /* on resume the scaling comes from the checkpoint (the same data gives the same one) */
  if (o.scale_minmax && !o.resume_path) ROM_TRY_ALL(ctx, rom_ae_scaling_minmax(ae, m, X, ldx));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, N, m, sizeof(double), (void **)&Xs));
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < N; ++i)
      Xs[i + j * N] = (X[i + j * ldx] - ae->shift[i]) / ae->scale[i];

  /* split */
  rom_int nval = (rom_int)floor(o.validation_fraction * (double)m + 0.5);
  if (nval >= m) nval = m - 1;
  const rom_int ntrain = m - nval;
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, 2, m, sizeof(rom_int), (void **)&order));
  rom_int *split = order, *ord = order + m; /* split: [val | train]; ord: epoch order */
  for (rom_int j = 0; j < m; ++j)
    split[j] = j;
  shuffle(split, m, o.seed, STREAM_SPLIT);
  const rom_int *val = split, *train = split + nval;

  const int C = o.reproducible_chunks;
  const rom_int slots = C > 0 ? C : 1, slot_len = np + 1; /* gradient + loss sum */
  const rom_int B = o.batch < ntrain ? o.batch : ntrain;
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, slots, slot_len, sizeof(double), (void **)&gbuf));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, slot_len, 1, sizeof(double), (void **)&grad));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, N, (B > nval ? B : nval) + 1, sizeof(double), (void **)&buf));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, np, 1, sizeof(double), (void **)&best));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, nval + 1, 1, sizeof(double), (void **)&vloss));
  ROM_TRY_ALL(ctx, rom_adam_init(ctx, np, &adam));
  if (single) {
    ROM_TRY_ALL(ctx, rom_malloc_n(ctx, np, 1, sizeof(float), (void **)&ts.params));
    ROM_TRY_ALL(ctx, rom_malloc_n(ctx, np, 1, sizeof(float), (void **)&ts.grad));
    ROM_TRY_ALL(ctx, rom_malloc_n(ctx, N, m, sizeof(float), (void **)&ts.Xs));
    ROM_TRY_ALL(ctx,
                rom_malloc_n(ctx, N, (B > nval ? B : nval) + 1, sizeof(float), (void **)&ts.buf));
  }
  /* The gradient reduction (grad_reduce.c): this rank's Adam updates parameters
   * [plo, phi); the loss entry np is summed on rank loss_owner. */
  const int method =
      o.grad_reduce == ROM_AE_REDUCE_SHARDED ? ROM_AE_REDUCE_SHARDED : ROM_AE_REDUCE_ALLREDUCE;
  ROM_TRY_ALL(ctx, rom_grad_reduce_create(ctx, method, slot_len, (int)slots, MPI_DOUBLE, &gr));
  rom_int plo = 0, phi = 0;
  rom_grad_reduce_owned(gr, &plo, &phi);
  if (phi > np) phi = np;
  const int loss_owner = rom_grad_reduce_owner(gr, np);
  rom_ae_train_state st;
  memset(&st, 0, sizeof(st));
  st.adam = &adam;
  st.best = best;
  for (rom_int j = 0; j < m; ++j) /* identifies the data in a checkpoint */
    for (rom_int i = 0; i < N; ++i)
      st.data_checksum += X[i + j * ldx];
  if (o.resume_path) {
    ROM_TRY(ctx, rom_ae_checkpoint_read(ae, o.resume_path, &o, m, &st));
    /* the scaled data from the checkpoint's scaling */
    for (rom_int j = 0; j < m; ++j)
      for (rom_int i = 0; i < N; ++i)
        Xs[i + j * N] = (X[i + j * ldx] - ae->shift[i]) / ae->scale[i];
    rom_log(ctx, ROM_LOG_INFO, "resuming from '%s' after epoch %lld (lr %.2e, Adam step %lld)",
            o.resume_path, (long long)st.epoch_next, st.lr, (long long)adam.t);
  } else {
    rom_ae_history_reset(ae);
    memcpy(best, ae->params, sizeof(double) * (size_t)np);
    st.lr = o.learning_rate;
    st.best_val = st.sched_best = st.es_ref = INFINITY;
  }

  if (single) { /* the float copies, from the (possibly resumed) weights and scaling */
    for (rom_int t = 0; t < N * m; ++t)
      ts.Xs[t] = (float)Xs[t];
    rom_ae_params_to_single(ae, ts.params);
  }
  double lr = st.lr, best_val = st.best_val, sched_best = st.sched_best, es_ref = st.es_ref;
  rom_int es_epoch = st.es_epoch;
  rom_int bad_epochs = st.bad_epochs;
  const double t_start = rom_wtime();
  rom_log(ctx, ROM_LOG_INFO,
          "training: %lld samples (%lld train, %lld validation), N = %lld, k = %lld, %lld "
          "parameters, batch %lld, %d rank%s%s%s",
          (long long)m, (long long)ntrain, (long long)nval, (long long)N,
          (long long)rom_ae_latent_dim(ae), (long long)np, (long long)B, P, P == 1 ? "" : "s",
          C > 0 ? ", reproducible chunks" : "", single ? ", single precision" : "");
  /* the first epoch of this run (st.epoch_next moves on at every checkpoint) */
  const rom_int first_epoch = st.epoch_next;
  for (rom_int epoch = first_epoch; epoch < o.epochs; ++epoch) {
    const double t0 = rom_wtime();
    memcpy(ord, train, sizeof(rom_int) * (size_t)ntrain);
    shuffle(ord, ntrain, o.seed, STREAM_SHUFFLE + (uint64_t)epoch);
    double loss_sum = 0.0, t_compute = 0.0, t_reduce = 0.0, t_adam = 0.0, t_gather = 0.0;
    for (rom_int b0 = 0; b0 < ntrain; b0 += B) {
      const rom_int Bb = (b0 + B <= ntrain ? B : ntrain - b0);
      const double gscale = 1.0 / ((double)Bb * (double)N);
      int local_err = ROM_OK;
      double tb = rom_wtime();
      memset(gbuf, 0, sizeof(double) * (size_t)(slots * slot_len));
      if (C == 0) {
        rom_int p0 = b0 + Bb * rank / P, p1 = b0 + Bb * (rank + 1) / P;
        local_err =
            single
                ? accumulate_samples_single(ae, &ts, N, ord + p0, p1 - p0, gscale, gbuf + np, gbuf)
                : accumulate_samples(ae, Xs, N, ord + p0, p1 - p0, buf, gscale, gbuf + np, gbuf);
      } else {
        for (int c = rank; c < C && local_err == ROM_OK; c += P) {
          rom_int p0 = b0 + Bb * c / C, p1 = b0 + Bb * (c + 1) / C;
          double *slot = gbuf + (rom_int)c * slot_len;
          local_err = single ? accumulate_samples_single(ae, &ts, N, ord + p0, p1 - p0, gscale,
                                                         slot + np, slot)
                             : accumulate_samples(ae, Xs, N, ord + p0, p1 - p0, buf, gscale,
                                                  slot + np, slot);
        }
      }
      ROM_TRY_ALL(ctx, local_err);
      double ta = rom_wtime();
      t_compute += ta - tb;
      void *sum = NULL;
      ROM_TRY(ctx, rom_grad_reduce_sum(gr, gbuf, grad, &sum));
      const double *g = sum;
      tb = rom_wtime();
      t_reduce += tb - ta;
      if (rank == loss_owner) loss_sum += g[np];
      {
        /* Adam is elementwise: the update of [plo, phi) alone is that block's share of the
         * whole update, bit for bit; the step count is the same on every rank */
        rom_adam block = {phi - plo, adam.t, adam.m + plo, adam.v + plo};
        rom_adam_step(&block, ae->params + plo, g + plo, lr, o.beta1, o.beta2, o.eps);
        adam.t = block.t;
      }
      ta = rom_wtime();
      t_adam += ta - tb;
      ROM_TRY(ctx, rom_grad_reduce_gather(gr, ae->params, np, MPI_DOUBLE));
      t_gather += rom_wtime() - ta;
      if (single) rom_ae_params_to_single(ae, ts.params);
    }
    if (P > 1 && method == ROM_AE_REDUCE_SHARDED)
      ROM_MPI(ctx, MPI_Bcast(&loss_sum, 1, MPI_DOUBLE, loss_owner, comm));
    rom_log(ctx, ROM_LOG_DEBUG,
            "epoch %lld on rank 0: compute %.3f s, reduce %.3f s, adam %.3f s, gather %.3f s "
            "(%s, %d rank%s)",
            (long long)epoch, t_compute, t_reduce, t_adam, t_gather,
            method == ROM_AE_REDUCE_SHARDED && P > 1 ? "sharded" : "allreduce", P,
            P == 1 ? "" : "s");
    const double loss = loss_sum / ((double)ntrain * (double)N);
    ROM_CHECK(ctx, isfinite(loss), ROM_ERR_NOT_FINITE,
              "training diverged: the loss of epoch %lld is %g (try a smaller learning rate)",
              (long long)epoch, loss);

    /* validation: per-sample losses, chunked by position as the training batches */
    double vl = loss;
    if (nval > 0) {
      const rom_int nchunks = C > 0 ? C : P;
      int local_err = ROM_OK;
      memset(vloss, 0, sizeof(double) * (size_t)nval);
      for (rom_int c = rank; c < nchunks && local_err == ROM_OK; c += P) {
        rom_int p0 = nval * c / nchunks, p1 = nval * (c + 1) / nchunks;
        local_err = single ? sample_losses_single(ae, &ts, N, val + p0, p1 - p0, vloss + p0)
                           : sample_losses(ae, Xs, N, val + p0, p1 - p0, buf, vloss + p0);
      }
      ROM_TRY_ALL(ctx, local_err);
      ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, vloss, (int)nval, MPI_DOUBLE, MPI_SUM, comm));
      vl = 0.0;
      for (rom_int t = 0; t < nval; ++t)
        vl += vloss[t];
      vl /= (double)nval;
    }
    const double sec = rom_wtime() - t0;
    ROM_TRY(ctx, rom_ae_history_push(ae, loss, vl, lr, sec));
    if (rom_ctx_log_level(ctx) >= ROM_LOG_INFO) {
      /* ETA to the epoch limit (or the time limit, if sooner) from this run's mean epoch;
       * early stopping may end the run before it (romkit/progress.h) */
      char eta[32];
      const double elapsed = rom_wtime() - t_start;
      double left = rom_progress_eta(elapsed, epoch + 1 - first_epoch, o.epochs - first_epoch);
      if (o.max_seconds > 0 && o.max_seconds - elapsed < left)
        left = o.max_seconds - elapsed > 0 ? o.max_seconds - elapsed : 0.0;
      rom_log(ctx, ROM_LOG_INFO,
              "epoch %6lld  loss %.6e  val_loss %.6e  lr %.2e  %.3f s  (%lld/%lld done, ETA %s)",
              (long long)epoch, loss, vl, lr, sec, (long long)epoch + 1, (long long)o.epochs,
              rom_progress_format_seconds(left, eta, sizeof eta));
    }

    /* Best weights: the lowest validation loss. Early stopping counts the epochs since the
     * last improvement by the scheduler's relative threshold (1e-4): once the learning rate
     * has decayed to nothing the loss still creeps down in the last digits, and a strict
     * comparison would then never stop (measured on P1: lr 1e-24 at epoch 720, "improving"
     * at round-off). */
    if (vl < best_val) {
      best_val = vl;
      ae->best_epoch = epoch;
      memcpy(best, ae->params, sizeof(double) * (size_t)np);
    }
    if (vl < es_ref * (1.0 - 1e-4)) {
      es_ref = vl;
      es_epoch = epoch;
    } else if (o.early_stop > 0 && epoch - es_epoch >= o.early_stop) {
      rom_log(ctx, ROM_LOG_INFO, "early stop: no improvement by 1e-4 (relative) for %lld epochs",
              (long long)o.early_stop);
      break;
    }
    /* ReduceLROnPlateau (PyTorch defaults: relative threshold 1e-4, mode min) on the
     * epoch's training loss, as the authors' code does (scheduler.step(train_loss) in
     * github.com/LLNL/NM-ROM, train_NM-ROM_v2_swish.ipynb): the training loss is an average
     * over the whole epoch and far less noisy than the 10 % validation loss, which on P1
     * cut the learning rate to 1e-6 by epoch 185 and stalled the loss at 1.1e-5. */
    if (loss < sched_best * (1.0 - 1e-4)) {
      sched_best = loss;
      bad_epochs = 0;
    } else if (++bad_epochs > o.patience) {
      double nlr = lr * o.factor > o.min_lr ? lr * o.factor : o.min_lr;
      if (nlr < lr) rom_log(ctx, ROM_LOG_INFO, "learning rate %.2e -> %.2e", lr, nlr);
      lr = nlr;
      bad_epochs = 0;
    }
    int timeout = 0, stop = 0;
    if (o.max_seconds > 0) { /* rank 0's clock decides, so every rank stops together */
      timeout = rom_wtime() - t_start > o.max_seconds;
      ROM_MPI(ctx, MPI_Bcast(&timeout, 1, MPI_INT, 0, comm));
    }
    if (o.stop_flag) { /* a signal may reach some ranks only: any rank's flag stops all */
      stop = *o.stop_flag != 0;
      ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, comm));
    }
    if (o.stop_after_epoch > 0 && epoch + 1 >= o.stop_after_epoch) stop = 1;
    /* Checkpoint: the state between this epoch and the next, the same on every rank. */
    if (o.checkpoint_path &&
        (stop || timeout || (o.checkpoint_every > 0 && (epoch + 1) % o.checkpoint_every == 0))) {
      st.epoch_next = epoch + 1;
      st.lr = lr;
      st.best_val = best_val;
      st.sched_best = sched_best;
      st.es_ref = es_ref;
      st.es_epoch = es_epoch;
      st.bad_epochs = bad_epochs;
      /* sharded: each rank updated its block of Adam's moments only */
      ROM_TRY(ctx, rom_grad_reduce_gather(gr, adam.m, np, MPI_DOUBLE));
      ROM_TRY(ctx, rom_grad_reduce_gather(gr, adam.v, np, MPI_DOUBLE));
      ROM_TRY(ctx, rom_ae_checkpoint_write(ae, o.checkpoint_path, &o, m, &st));
      rom_log(ctx, ROM_LOG_DEBUG, "checkpoint after epoch %lld -> %s", (long long)epoch,
              o.checkpoint_path);
    }
    if (stop && epoch + 1 < o.epochs) {
      rom_log(ctx, ROM_LOG_INFO, "stop requested after epoch %lld%s%s", (long long)epoch,
              o.checkpoint_path ? ": checkpoint written to " : "",
              o.checkpoint_path ? o.checkpoint_path : "");
      ae->interrupted = 1;
      break;
    }
    if (timeout) {
      rom_log(ctx, ROM_LOG_INFO, "stop: time limit of %g s reached", o.max_seconds);
      break;
    }
  }
  memcpy(ae->params, best, sizeof(double) * (size_t)np);
  rom_log(ctx, ROM_LOG_INFO, "training done: best epoch %lld, validation loss %.6e, %.2f s",
          (long long)ae->best_epoch, best_val, rom_wtime() - t_start);
cleanup:
  if (ctx) {
    rom_adam_free(ctx, &adam);
    rom_grad_reduce_destroy(&gr);
    rom_free(ctx, Xs);
    rom_free(ctx, gbuf);
    rom_free(ctx, grad);
    rom_free(ctx, buf);
    rom_free(ctx, best);
    rom_free(ctx, vloss);
    rom_free(ctx, order);
    rom_free(ctx, ts.params);
    rom_free(ctx, ts.grad);
    rom_free(ctx, ts.Xs);
    rom_free(ctx, ts.buf);
  }
  return err;
}

int rom_ae_train_dmat(rom_ae *ae, const rom_dmat *S, const rom_ae_train_options *opts) {
  int err = ROM_OK;
  rom_ctx *ctx = ae ? ae->ctx : NULL;
  double *X = NULL;
  int *counts = NULL, *displs = NULL;
  ROM_CHECK(ctx, ae && S, ROM_ERR_ARG, "autoencoder and snapshot matrix are required");
  const rom_int N = rom_dmat_global_rows(S), m = rom_dmat_cols(S), nl = rom_dmat_local_rows(S);
  const int P = rom_ctx_size(ctx);
  ROM_CHECK_ALL(ctx, N == rom_ae_input_dim(ae), ROM_ERR_DIM,
                "the snapshots have N = %lld rows but the autoencoder takes %lld inputs",
                (long long)N, (long long)rom_ae_input_dim(ae));
  ROM_TRY_ALL(ctx, rom_memory_check(ctx, 8.0 * (double)N * (double)m,
                                    "the gathered training snapshots", "use fewer snapshots"));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, N, m, sizeof(double), (void **)&X));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs));
  int mine = (int)nl;
  ROM_MPI(ctx, MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx)));
  displs[0] = 0;
  for (int r = 1; r < P; ++r)
    displs[r] = displs[r - 1] + counts[r - 1];
  {
    const double *A = rom_dmat_data_const(S);
    const rom_int ld = rom_dmat_ld(S);
    for (rom_int j = 0; j < m; ++j)
      ROM_MPI(ctx, MPI_Allgatherv(A + j * ld, mine, MPI_DOUBLE, X + j * N, counts, displs,
                                  MPI_DOUBLE, rom_ctx_comm(ctx)));
  }
  ROM_TRY(ctx, rom_ae_train(ae, m, X, N, opts));
cleanup:
  if (ctx) {
    rom_free(ctx, X);
    rom_free(ctx, counts);
    rom_free(ctx, displs);
  }
  return err;
}
