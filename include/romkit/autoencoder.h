/* romkit — shallow masked autoencoders for nonlinear-manifold ROMs.
 *
 * The network of Kim, Choi, Widemann and Zohdi, "A fast and accurate physics-informed
 * neural network reduced order model with shallow masked autoencoder", J. Comput. Phys.
 * 451 (2022) 110841: an encoder h (N -> hidden -> k) and a decoder g (k -> hidden -> N)
 * whose output layer is a sparse *masked* layer (each output row connects to a band of
 * hidden units), so that later the decoder sub-network feeding a few sampled rows can be
 * extracted for hyper-reduction. The ROM approximates u ~ u_ref + g(q).
 *
 * Layers are dense (BLAS dgemm) or masked (CSR sparsity pattern, hand-written kernel),
 * each with an activation (swish, sigmoid, tanh, identity) and an optional bias. The
 * inputs are scaled per feature, x_s = (x - shift) / scale, and the network works on
 * scaled data; rom_ae_encode / rom_ae_decode take and return unscaled vectors.
 *
 * Training (rom_ae_train): mean-squared-error loss as the paper, Adam (Kingma & Ba,
 * ICLR 2015), mini-batches with seeded shuffling, a seeded train/validation split,
 * learning-rate reduction on plateau and early stopping with the best weights restored,
 * data-parallel over the context's ranks (one MPI_Allreduce of the packed gradient per
 * step). Weights are initialised as PyTorch's nn.Linear (Kaiming-uniform, a = sqrt(5))
 * from romkit's counter-based RNG, so results depend on the seed only.
 *
 * Every rank holds the whole network (it is small: 2.1 M parameters for the paper's 1-D
 * problem). Functions marked collective must be called on every rank of the context.
 */
#ifndef ROMKIT_AUTOENCODER_H
#define ROMKIT_AUTOENCODER_H

#include "romkit/matrix.h"

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- activations */

typedef enum {
  ROM_ACT_IDENTITY = 0,
  ROM_ACT_SWISH = 1,   /* z * sigmoid(z) (Ramachandran et al. 2017), the paper's P1 choice */
  ROM_ACT_SIGMOID = 2, /* 1 / (1 + exp(-z)), the paper's P2 choice */
  ROM_ACT_TANH = 3
} rom_activation;

/* The registry of activations (one table, librom/manifold/activations.h): the activations
 * are the values 0 .. rom_activation_count() - 1, in table order.
 *   rom_activation_name         "identity", "swish", "sigmoid", "tanh"; "unknown" out of
 *                               range
 *   rom_activation_from_name    the activation of a name; ROM_ERR_ARG for anything else
 *   rom_activation_description  one line for help texts ("" out of range)
 * Not collective. */
int rom_activation_count(void);
const char *rom_activation_name(rom_activation act);
int rom_activation_from_name(const char *name, rom_activation *out);
const char *rom_activation_description(rom_activation act);
/* Parses one of those names; ROM_ERR_ARG (message lists the choices) otherwise. */
int rom_activation_parse(rom_ctx *ctx, const char *name, rom_activation *out);
/* y[i] = f(z[i]) and, if dy != NULL, dy[i] = f'(z[i]), for i < n (an unknown act: the
 * identity). Not collective. */
void rom_activation_apply(rom_activation act, rom_int n, const double *z, double *y, double *dy);

/* ---------------------------------------------------------------- masks (CSR) */

/* A sparsity pattern of a rows x cols weight matrix (rows = outputs, cols = inputs):
 * row i connects to inputs col_index[row_ptr[i] .. row_ptr[i+1]), sorted, unique. */
typedef struct rom_mask rom_mask;

/* rom_mask_banded - the paper's 1-D mask: row i connects to columns
 * shift*i .. shift*i + band - 1, with cols = shift*(rows - 1) + band (P1: rows 1000,
 * band 36, shift 12 -> 12024 columns). Not collective. ROM_ERR_NOMEM (before allocating)
 * when cols or rows x band overflow 64 bits or the entries exceed the machine's memory; the
 * same holds for rom_mask_stencil2d. */
int rom_mask_banded(rom_ctx *ctx, rom_int rows, rom_int band, rom_int shift, rom_mask **out);
/* rom_mask_stencil2d - the paper's 2-D mask on an nx x ny grid of output nodes
 * (row p = ix + nx*iy): node p owns the band [shift*p, shift*p + band) of hidden units
 * and connects to the union of its own band and those of its 5-point-stencil
 * neighbours that exist; cols = shift*(nx*ny - 1) + band (P2: 58 x 58, band 100,
 * shift 10 -> 33730 columns). Not collective. */
int rom_mask_stencil2d(rom_ctx *ctx, rom_int nx, rom_int ny, rom_int band, rom_int shift,
                       rom_mask **out);
/* rom_mask_from_csr - a user's mask, validated: row_ptr[0] = 0, non-decreasing,
 * column indices in [0, cols), strictly increasing within each row. Copies the arrays.
 * ROM_ERR_ARG on an invalid pattern (the message names the row). Not collective. */
int rom_mask_from_csr(rom_ctx *ctx, rom_int rows, rom_int cols, const rom_int *row_ptr,
                      const rom_int *col_index, rom_mask **out);
/* rom_mask_from_spec - the decoder mask for `rows` outputs from its text spelling, the one
 * `romkit train --mask` and the problem recipes (romkit/problem.h) share:
 *   band:B:S           rom_mask_banded(rows, B, S): row i -> columns S i .. S i + B - 1
 *   stencil:NX:NY:B:S  rom_mask_stencil2d(NX, NY, B, S) on an NX x NY grid (NX NY = rows)
 *   dense:H            no mask (*out = NULL), H hidden units
 * *hidden gets the decoder hidden width (the mask's columns, or H). A spelling it does not
 * read, or values < 1, is ROM_ERR_ARG; a grid of another size than rows is ROM_ERR_DIM.
 * Not collective. */
int rom_mask_from_spec(rom_ctx *ctx, const char *spec, rom_int rows, rom_mask **out,
                       rom_int *hidden);
int rom_mask_destroy(rom_mask **m); /* NULL-safe */
/* rom_mask_transpose - the cols x rows pattern of m's transpose: entry (j, i) for every
 * entry (i, j) of m. The masked encoder (docs/autoencoder.md, "Encoder choice") masks its
 * first layer N -> H2 with the transpose of the decoder's output mask H2 -> N, so that both
 * wide layers have the mask's nnz weights, O(N), instead of the paper's dense N x 2N.
 * Not collective. */
int rom_mask_transpose(rom_ctx *ctx, const rom_mask *m, rom_mask **out);
rom_int rom_mask_rows(const rom_mask *m);
rom_int rom_mask_cols(const rom_mask *m);
rom_int rom_mask_nnz(const rom_mask *m);
const rom_int *rom_mask_row_ptr(const rom_mask *m);
const rom_int *rom_mask_col_index(const rom_mask *m);

/* ---------------------------------------------------------------- the network */

/* One layer: y = f(W x + b). mask == NULL: dense W (out x in); otherwise W has the
 * mask's pattern (mask rows == out, mask cols == in, else ROM_ERR_DIM naming the layer). */
typedef struct {
  rom_int in, out;
  rom_activation activation;
  int bias;             /* 1: with bias b (length out), 0: none */
  const rom_mask *mask; /* copied by rom_ae_create; NULL: dense */
} rom_layer_spec;

typedef struct rom_ae rom_ae;

/* rom_ae_create - an autoencoder with the given encoder layers (N -> ... -> k) and
 * decoder layers (k -> ... -> N); consecutive sizes must chain and the decoder must end
 * where the encoder starts (ROM_ERR_DIM naming the layer and sizes). Weights are
 * initialised from `seed` as PyTorch's nn.Linear: W ~ U(-1/sqrt(in), 1/sqrt(in)) (Kaiming
 * uniform with a = sqrt(5)), b ~ U(-1/sqrt(in), 1/sqrt(in)); a masked layer draws its
 * entries as the dense layer it masks would (fan-in = in), as the authors' pruned
 * nn.Linear did. Input scaling starts as shift 0, scale 1. Collective (no communication,
 * but every rank must agree). The latent dimension k (the encoder's last output) must be
 * smaller than N (ROM_ERR_DIM: with k >= N nothing is reduced); sizes whose products
 * overflow 64 bits, or a parameter count beyond the machine's memory, are ROM_ERR_NOMEM
 * before anything is allocated. */
int rom_ae_create(rom_ctx *ctx, int num_encoder, const rom_layer_spec *encoder, int num_decoder,
                  const rom_layer_spec *decoder, uint64_t seed, rom_ae **out);
int rom_ae_destroy(rom_ae **ae); /* NULL-safe */

/* rom_ae_create_shallow - the paper's shallow network: encoder N -> enc_hidden (act, bias)
 * -> k (identity, no bias), decoder k -> dec_hidden (act, no bias) -> N (identity, no
 * bias) through `mask` (dec_hidden columns; NULL: dense). P1: N 1000, enc_hidden 2000,
 * k 5, dec_hidden 12024, swish, rom_mask_banded(1000, 36, 12). P2: 3364, 6728, 5, 33730,
 * sigmoid, rom_mask_stencil2d(58, 58, 100, 10) — the paper's P2 hidden layers have a bias:
 * pass hidden_bias = 1 for both hidden layers. Collective. */
int rom_ae_create_shallow(rom_ctx *ctx, rom_int N, rom_int enc_hidden, rom_int latent,
                          rom_int dec_hidden, rom_activation act, int decoder_hidden_bias,
                          const rom_mask *mask, uint64_t seed, rom_ae **out);

/* Sizes and structure. Not collective. */
rom_int rom_ae_input_dim(const rom_ae *ae);  /* N */
rom_int rom_ae_latent_dim(const rom_ae *ae); /* k */
int rom_ae_num_layers(const rom_ae *ae);     /* encoder + decoder layers */
int rom_ae_num_encoder_layers(const rom_ae *ae);
/* The spec of layer l (0 .. num_layers - 1, encoder first); mask points into ae. */
int rom_ae_layer(const rom_ae *ae, int l, rom_layer_spec *spec);
/* All trainable parameters packed in one vector (per layer: weights then bias; dense
 * weights row-major {out, in}, masked weights in CSR order). Read/write access. */
rom_int rom_ae_num_params(const rom_ae *ae);
double *rom_ae_params(rom_ae *ae);
/* Layer l's weights (dense: out*in row-major; masked: nnz values) and bias (NULL if none). */
double *rom_ae_layer_weights(rom_ae *ae, int l);
double *rom_ae_layer_bias(rom_ae *ae, int l);

/* Input scaling x_s = (x - shift) / scale per feature (scale > 0, finite). Not collective. */
int rom_ae_set_scaling(rom_ae *ae, const double *shift, const double *scale);
const double *rom_ae_shift(const rom_ae *ae);
const double *rom_ae_scale(const rom_ae *ae);
/* rom_ae_scaling_minmax - the paper's P2 scaling: shift = per-feature minimum over the m
 * columns of X (N x m, leading dimension ldx), scale = max - min (1 where that is below
 * 1e-12 max(1, |min|, |max|): a constant node).
 * Not collective (X is the same on every rank). */
int rom_ae_scaling_minmax(rom_ae *ae, rom_int m, const double *X, rom_int ldx);

/* rom_ae_encode - latent codes Q (k x m, ld ldq) of m inputs X (N x m, ld ldx).
 * rom_ae_decode - outputs X = shift + scale .* g_s(Q) (N x m). Not collective. */
int rom_ae_encode(rom_ae *ae, rom_int m, const double *X, rom_int ldx, double *Q, rom_int ldq);
int rom_ae_decode(rom_ae *ae, rom_int m, const double *Q, rom_int ldq, double *X, rom_int ldx);
/* rom_ae_decode_jacobian - g(q) (N, unscaled as rom_ae_decode; may be NULL) and the
 * decoder Jacobian dg/dq (N x k, column-major, ld ldj) by forward-mode differentiation:
 * the k columns of the identity are propagated through the decoder layers with the
 * layers' own kernels (J <- f'(z) .* (W J)), exact up to round-off. Not collective. */
int rom_ae_decode_jacobian(rom_ae *ae, const double *q, double *g, double *J, rom_int ldj);

/* rom_ae_loss_gradient - mean squared error of the reconstruction of m scaled inputs
 * Xs (N x m), loss = sum (g(h(x)) - x)^2 / (m N), and its gradient with respect to
 * rom_ae_params (grad: rom_ae_num_params values; may be NULL for the loss only).
 * The inputs are taken as already scaled. Not collective (rank-local). */
int rom_ae_loss_gradient(rom_ae *ae, rom_int m, const double *Xs, rom_int ldx, double *loss,
                         double *grad);

/* ---------------------------------------------------------------- decoder sub-networks */

/* The part of a decoder that feeds a few output rows: the hyper-reduction of Kim et al.
 * (2022, Sec. 4.2). Tracing back from the rows, a masked layer keeps the union of its
 * kept rows' mask columns, a dense layer keeps all its inputs; the kept weights are
 * copied. Evaluating it costs O(kept weights * k), independent of N (P1, 78 rows: 1680
 * of 12024 hidden units), and gives exactly (bit for bit) the full decoder's values and
 * Jacobian at those rows.
 *
 * Several decoders can be stacked (P2: one autoencoder for u, one for v): decoder b maps
 * the latent slice [k_0 + .. + k_{b-1}, + k_b) to the output rows [N_0 + .. + N_{b-1},
 * + N_b) of one stacked output; its Jacobian is block diagonal. */
typedef struct rom_ae_subnet rom_ae_subnet;

/* rom_ae_subnet_create - the sub-network of the stacked decoders of aes[0 .. nblocks)
 * feeding rows[0 .. nrows) (ascending, distinct, in 0 .. sum N_b - 1; nrows may be 0).
 * The sub-network is a copy: the autoencoders may be destroyed afterwards.
 * Not collective. ROM_ERR_ARG names a bad row. */
int rom_ae_subnet_create(int nblocks, rom_ae *const *aes, rom_int nrows, const rom_int *rows,
                         rom_ae_subnet **out);
int rom_ae_subnet_destroy(rom_ae_subnet **s); /* NULL-safe */

/* rom_ae_subnet_decode - g (nrows; may be NULL) = the decoders' output at the kept rows
 * (unscaled, as rom_ae_decode: shift + scale .* g_s(q)) and, if J != NULL, J (nrows x
 * sum k_b, column-major, ld ldj) = its Jacobian at those rows. q: sum k_b values.
 * No allocation. Not collective. */
int rom_ae_subnet_decode(rom_ae_subnet *s, const double *q, double *g, double *J, rom_int ldj);

rom_ctx *rom_ae_subnet_ctx(const rom_ae_subnet *s);
rom_int rom_ae_subnet_num_rows(const rom_ae_subnet *s);
const rom_int *rom_ae_subnet_rows(const rom_ae_subnet *s);
rom_int rom_ae_subnet_latent_dim(const rom_ae_subnet *s);       /* sum k_b */
rom_int rom_ae_subnet_output_dim(const rom_ae_subnet *s);       /* sum N_b */
rom_int rom_ae_subnet_num_hidden_units(const rom_ae_subnet *s); /* kept units, all hidden layers */
rom_int rom_ae_subnet_num_params(const rom_ae_subnet *s);       /* kept weights and biases */

/* ---------------------------------------------------------------- training */

/* The arithmetic of training's forward and backward passes (docs/autoencoder.md,
 * "Precision"). DOUBLE (default): float64 throughout. SINGLE: the layers, activations and
 * their gradients in float32 (cblas_sgemm, float masked kernels); the master weights, Adam's
 * moments, the gradient reduction over ranks and the loss sums stay double, and the trained
 * network is stored in float64 as always (online evaluation is unchanged). */
typedef enum { ROM_PRECISION_DOUBLE = 0, ROM_PRECISION_SINGLE = 1 } rom_precision;

/* rom_precision_name - "double" or "single" ("unknown" otherwise). rom_precision_parse -
 * the value of such a name; ROM_ERR_ARG naming the choices otherwise. Not collective. */
const char *rom_precision_name(rom_precision p);
int rom_precision_parse(rom_ctx *ctx, const char *name, rom_precision *out);

/* The reduction of a batch's gradient across the ranks (rom_ae_train_options.grad_reduce).
 * ALLREDUCE: one MPI_Allreduce of the whole gradient, every rank runs the whole Adam update.
 * SHARDED: MPI_Reduce_scatter, each rank runs Adam on its 1/P of the parameters, then
 * MPI_Allgatherv of the weights (same bytes, 1/P of the update per rank). AUTO: allreduce,
 * the faster one for P1's paper network in the least loaded measurement (Adam and the
 * exchange are memory-bound, and the two cores share the memory bandwidth:
 * docs/benchmarks.md). */
typedef enum {
  ROM_AE_REDUCE_AUTO = 0,
  ROM_AE_REDUCE_ALLREDUCE = 1,
  ROM_AE_REDUCE_SHARDED = 2
} rom_ae_reduce;

typedef struct {
  rom_int epochs;             /* maximum number of epochs (default 10000, the paper's P1) */
  rom_int batch;              /* global mini-batch size (default 20) */
  double learning_rate;       /* Adam step size (default 1e-3) */
  double beta1, beta2, eps;   /* Adam (defaults 0.9, 0.999, 1e-8: Kingma & Ba; PyTorch) */
  rom_int patience;           /* reduce lr by `factor` after this many epochs without a
                                 relative improvement of 1e-4 in the epoch's training loss
                                 (default 10; the authors' code steps on the training loss) */
  double factor;              /* default 0.1 (PyTorch ReduceLROnPlateau) */
  double min_lr;              /* default 0 */
  rom_int early_stop;         /* stop after this many epochs without a relative improvement of
                                 1e-4 in validation loss; the weights with the lowest
                                 validation loss are restored (default 200; 0: never) */
  double validation_fraction; /* share of the samples held out, chosen by seed (default 0.1) */
  uint64_t seed;              /* shuffles and split (default 42) */
  int reproducible_chunks;    /* 0 (default): each rank sums its share of a batch, then one
                                 MPI_Allreduce: loss curves at different rank counts agree to
                                 round-off. C >= 1: the batch is cut into C fixed chunks, each
                                 chunk's gradient lands in its own slot of the reduced buffer
                                 (C times the message size) and the slots are summed in chunk
                                 order: bit-identical results on any rank count. */
  int grad_reduce;            /* how the ranks sum a batch's gradient (rom_ae_reduce;
                                 docs/autoencoder.md "Ranks and the gradient reduction"):
                                 ROM_AE_REDUCE_AUTO (0, default: allreduce), ..._ALLREDUCE or
                                 ..._SHARDED. Does not change the result (bit-identical at 2
                                 ranks and in chunk mode, round-off otherwise) */
  double max_seconds;         /* stop after this wall time (0: no limit) */
  int scale_minmax;           /* 1: first set the input scaling to the data's per-feature
                                 minimum and range (rom_ae_scaling_minmax; the paper's P2) */
  rom_precision precision;    /* DOUBLE (default) or SINGLE: the arithmetic of the forward
                                 and backward passes (see rom_precision above); a checkpoint
                                 resumes only in its own precision */
  /* Checkpoints (docs/autoencoder.md, "Checkpoints and --resume"). */
  const char *checkpoint_path;      /* NULL (default): none. Otherwise the training state is written
                                       there (atomically, replacing the previous one) every
                                       checkpoint_every epochs, when stop_flag is raised, when
                                       stop_after_epoch is reached and at the time limit */
  rom_int checkpoint_every;         /* epochs between checkpoints (0: only when stopping) */
  const char *resume_path;          /* NULL (default): train from the network as given. Otherwise
                                       continue from this checkpoint: weights, scaling, Adam's moments
                                       and step count, the schedule (lr, plateau counter, best loss),
                                       early stopping, the best weights, epoch count and history; the
                                       shuffles are keyed by (seed, epoch), so the run goes on bit for
                                       bit as if never stopped. The checkpoint must have the same
                                       layers and the same options (all but epochs, max_seconds and
                                       the checkpoint fields) and the same data, else ROM_ERR_ARG
                                       naming the difference */
  rom_int stop_after_epoch;         /* > 0: stop (checkpoint written, rom_ae_train_interrupted
                                       true) once this many epochs are done (tests; 0: never) */
  volatile sig_atomic_t *stop_flag; /* non-NULL: checked at the end of every epoch (one
                                  MPI_Allreduce: any rank's flag stops all); when nonzero the
                                  checkpoint is written and training returns ROM_OK with
                                  rom_ae_train_interrupted true. For a SIGINT/SIGTERM handler
                                  that only sets the flag. */
} rom_ae_train_options;

rom_ae_train_options rom_ae_train_options_default(void);

/* rom_ae_train - trains the autoencoder on the m columns of X (N x m, leading dimension
 * ldx, unscaled; the scaling set on ae is applied). X must be the same on every rank.
 * Logs one line per epoch at ROM_LOG_INFO (epoch, loss, validation loss, learning rate,
 * seconds) and records the history (rom_ae_history). Collective. ROM_ERR_NOT_FINITE on
 * every rank if X holds NaN/Inf, or if the network's parameters or scaling do (naming the
 * parameter: a network read to continue training, or set by the caller); ROM_ERR_ARG if
 * every snapshot is zero (nothing to learn, a degenerate scaling); ROM_ERR_NOMEM, before
 * allocating, if the data and the optimiser state exceed the machine's memory. */
int rom_ae_train(rom_ae *ae, rom_int m, const double *X, rom_int ldx,
                 const rom_ae_train_options *opts);
/* rom_ae_train_dmat - the same for a row-distributed N x m snapshot matrix (gathered to
 * every rank first: the data set is replicated, the work split by sample). Collective. */
int rom_ae_train_dmat(rom_ae *ae, const rom_dmat *S, const rom_ae_train_options *opts);

/* Training history: per-epoch training loss (mean over the epoch's samples of the
 * per-sample MSE, before each step), validation loss (after the epoch) and the learning
 * rate used; seconds per epoch. Arrays of length *epochs, owned by ae. Not collective. */
int rom_ae_history(const rom_ae *ae, rom_int *epochs, const double **loss, const double **val_loss,
                   const double **lr, const double **seconds);
/* Epoch (0-based) whose weights were kept (best validation loss); -1 before training. */
rom_int rom_ae_best_epoch(const rom_ae *ae);
/* 1 if the last rom_ae_train stopped on stop_flag or stop_after_epoch (a checkpoint was
 * written if a path was given; the network holds its best weights so far, not a finished
 * training), 0 otherwise. Not collective. */
int rom_ae_train_interrupted(const rom_ae *ae);

/* ---------------------------------------------------------------- files */

/* rom_ae_write - the autoencoder file (kind "autoencoder", docs/file-format.md): per
 * layer a group /encoder/layerI or /decoder/layerI with weights {out, in} (dense) or
 * row_ptr, col_index, values (masked), bias {out}, an "activation" attribute; /scaling/
 * shift and /scaling/scale {N}; /history/loss, val_loss, lr, seconds. Collective. */
int rom_ae_write(rom_ae *ae, const char *path, int overwrite);
/* rom_ae_read - reads such a file on any number of ranks; every dimension is checked and
 * a mismatch fails with ROM_ERR_DIM / ROM_ERR_FORMAT naming the file and dataset.
 * Collective. */
int rom_ae_read(rom_ctx *ctx, const char *path, rom_ae **out);

#ifdef __cplusplus
}
#endif
#endif
