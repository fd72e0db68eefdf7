/* romkit internal — what the files of librom/manifold share: the mask and network
 * structs and the layer kernels. Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022).
 *
 * Storage conventions (all column-major batches: a batch of B vectors of length n is an
 * n x B array with leading dimension n):
 * - dense weights: row-major {out, in} (PyTorch's nn.Linear layout and the file's), i.e.
 *   W[i*in + j] multiplies input j for output i;
 * - masked weights: one value per mask entry, in CSR order;
 * - all parameters of the network live in one packed vector (weights then bias per
 *   layer), so Adam, the gradient reduction and the file see one array. */
#ifndef ROMKIT_MANIFOLD_AE_IMPL_H
#define ROMKIT_MANIFOLD_AE_IMPL_H

#include "core/check.h"
#include "io/h5.h"
#include "manifold/activations.h"
#include "romkit/autoencoder.h"
#include "romkit/rng.h"

/* An activation (one line of the table in activations.h): y[i] = f(z[i]) and, if dy !=
 * NULL, dy[i] = f'(z[i]), for i < n; y may be z. Not collective. */
typedef void (*rom_activation_fn)(rom_int n, const double *z, double *y, double *dy);

/* One entry of the activation table (activation.c). */
typedef struct {
  rom_activation act;
  const char *name;
  rom_activation_fn apply;
  const char *description;
} rom_activation_entry;

/* The table entry of an activation; NULL if it is not one. Not collective. */
const rom_activation_entry *rom_activation_lookup(rom_activation act);

/* The activations, declared from the table. */
#define ROM_ACTIVATION_DECLARE(e_, name_, fn_, d_)                                                 \
  void fn_(rom_int n, const double *z, double *y, double *dy);
ROM_ACTIVATION_TABLE(ROM_ACTIVATION_DECLARE)
#undef ROM_ACTIVATION_DECLARE

/* The run-length (segment) form of a mask (masked_segments.c): row i's entries are the
 * runs r in [row_seg[i], row_seg[i + 1]), run r being the columns col[r] .. col[r] +
 * len[r] - 1 and the weights W[off[r]] .. W[off[r] + len[r] - 1]. The columns of a CSR row
 * are sorted, so a run's weights are already contiguous in CSR order: the same parameter
 * vector serves both kernels. The band and stencil masks of Kim et al. (2022) have 1 and
 * at most 3 runs per row (P1: 1 run of 36; P2: runs of about 100, 120 and 100). */
typedef struct {
  rom_int nseg;
  rom_int *row_seg; /* rows + 1 */
  rom_int *col;     /* nseg: the first column */
  rom_int *len;     /* nseg: the length */
  rom_int *off;     /* nseg: the first weight's position in CSR order */
} rom_mask_segments;

/* Which masked-layer kernel a mask's layers run. AUTO: the segment kernels when the mask's
 * average run is >= ROM_MASK_SEGMENT_MIN_RUN entries and the batch is larger than
 * ROM_MASKED_SMALL_B, the CSR kernels otherwise (user masks without runs; the one-point and
 * Jacobian evaluations of the online decoder, which thus stay bit for bit those of the
 * sub-network, subnet.c). CSR / SEGMENTS force one (tests, benchmarks). */
typedef enum {
  ROM_MASK_KERNEL_AUTO = 0,
  ROM_MASK_KERNEL_CSR,
  ROM_MASK_KERNEL_SEGMENTS
} rom_mask_kernel;
#define ROM_MASK_SEGMENT_MIN_RUN 8
#define ROM_MASKED_SMALL_B 8

struct rom_mask {
  rom_int rows, cols;
  rom_int *row_ptr;       /* rows + 1 */
  rom_int *col_index;     /* nnz */
  rom_mask_segments *seg; /* NULL: none built (then always CSR) */
  rom_mask_kernel kernel; /* 0 (AUTO) unless forced */
  rom_ctx *ctx;
};

/* rom_mask_segments_build - (re)builds m->seg from m's CSR pattern; called by the mask
 * constructors (mask.c). rom_mask_segments_free - frees it (NULL-safe). Not collective. */
int rom_mask_segments_build(rom_ctx *ctx, rom_mask *m);
void rom_mask_segments_free(rom_ctx *ctx, rom_mask *m);
/* rom_mask_kernel_set - forces (or, with AUTO, unforces) the kernel of m's layers: for tests
 * and benchmarks; training semantics are the same either way (the summation order of the
 * forward product differs, so results agree to round-off). Not collective. */
void rom_mask_kernel_set(rom_mask *m, rom_mask_kernel k);
/* Whether a masked layer with mask m runs the segment kernels on a batch of B. */
int rom_mask_uses_segments(const rom_mask *m, rom_int B);

typedef struct {
  rom_int in, out;
  rom_activation act;
  int has_bias;
  rom_mask *mask;      /* NULL: dense */
  rom_int nweights;    /* out*in or nnz */
  rom_int offset;      /* of the weights in the packed parameter vector */
  rom_int bias_offset; /* of the bias (-1 if none) */
} rom_nn_layer;

struct rom_ae {
  rom_ctx *ctx;
  int nlayers, nenc;
  rom_nn_layer *layers;
  rom_int nparams;
  double *params;
  double *shift, *scale; /* N each */
  uint64_t seed;
  int interrupted; /* the last rom_ae_train stopped early on request (stop flag/epoch) */
  /* history */
  rom_int hist_len, hist_cap, best_epoch;
  double *hist_loss, *hist_val, *hist_lr, *hist_sec;
  /* the forward/backward pass's buffers (rom_ae_pass_workspace), kept between calls: a
   * training step would otherwise map and fault in tens of MB per batch (P2: 65 MB, 18 % of
   * an epoch in page faults, measured with perf) */
  void *pass_ws;
  size_t pass_ws_bytes;
};

/* rom_ae_pass_workspace - the buffers of one forward/backward pass over m samples in
 * elements of elem bytes (8: double, 4: float), carved from the network's kept workspace
 * (grown when too small, freed by rom_ae_destroy): *acts 2 out_l m per layer (a_l and
 * f'(z_l)), *x0 N m (the samples), *scratch width m (the widest layer input, for dX).
 * The pointers stay valid until the next call. Not thread-safe (one pass at a time). */
int rom_ae_pass_workspace(rom_ae *ae, rom_int m, size_t elem, void **acts, void **x0,
                          void **scratch);

/* Mask copy (NULL-safe for src == NULL: *out = NULL). */
int rom_mask_copy(rom_ctx *ctx, const rom_mask *src, rom_mask **out);

/* Layer kernels (layer_dense.c / layer_masked.c). B samples.
 * forward:  Z (out x B) = W X (+ b)
 * backward: given dZ (out x B) and the layer's input X (in x B): dW += dZ X^T (on the
 *           mask's entries for a masked layer), db += row sums of dZ (if gW/gb non-NULL),
 *           and dX = W^T dZ if dX != NULL (overwritten). */
void rom_dense_forward(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                       const double *X, double *Z);
void rom_dense_backward(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                        const double *dZ, double *gW, double *gb, double *dX);
void rom_masked_forward(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                        const double *X, double *Z);
void rom_masked_backward(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                         const double *dZ, double *gW, double *gb, double *dX);
/* The two implementations rom_masked_forward / _backward choose from (rom_mask_uses_segments):
 * the general CSR loops (layer_masked.c) and the run-length kernels (masked_segments.c, which
 * need L->mask->seg). Same contract as above. */
void rom_masked_forward_csr(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                            const double *X, double *Z);
void rom_masked_backward_csr(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                             const double *dZ, double *gW, double *gb, double *dX);
void rom_masked_forward_segments(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                                 const double *X, double *Z);
void rom_masked_backward_segments(const rom_nn_layer *L, const double *W, rom_int B,
                                  const double *X, const double *dZ, double *gW, double *gb,
                                  double *dX);

/* Single precision (float32) training (rom_ae_train_options.precision =
 * ROM_PRECISION_SINGLE; docs/autoencoder.md, "Precision"): the kernels above on float
 * arrays, with the same contracts (layer_single.c: dense through cblas_sgemm and the masked
 * CSR loops; masked_segments_single.c: the run-length kernels; activation_single.c: the
 * activations, rom_activation_single_lookup NULL for one without a float form). */
typedef void (*rom_activation_single_fn)(rom_int n, const float *z, float *y, float *dy);
rom_activation_single_fn rom_activation_single_lookup(rom_activation act);
void rom_activation_apply_single(rom_activation act, rom_int n, const float *z, float *y,
                                 float *dy);
void rom_dense_forward_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                              const float *X, float *Z);
void rom_dense_backward_single(const rom_nn_layer *L, const float *W, rom_int B, const float *X,
                               const float *dZ, float *gW, float *gb, float *dX);
void rom_masked_forward_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                               const float *X, float *Z);
void rom_masked_backward_single(const rom_nn_layer *L, const float *W, rom_int B, const float *X,
                                const float *dZ, float *gW, float *gb, float *dX);
void rom_masked_forward_csr_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                                   const float *X, float *Z);
void rom_masked_backward_csr_single(const rom_nn_layer *L, const float *W, rom_int B,
                                    const float *X, const float *dZ, float *gW, float *gb,
                                    float *dX);
void rom_masked_forward_segments_single(const rom_nn_layer *L, const float *W, const float *b,
                                        rom_int B, const float *X, float *Z);
void rom_masked_backward_segments_single(const rom_nn_layer *L, const float *W, rom_int B,
                                         const float *X, const float *dZ, float *gW, float *gb,
                                         float *dX);

/* rom_ae_accumulate_single - rom_ae_accumulate in float (autoencoder_single.c): params is
 * the network's packed parameters rounded to float (rom_ae_params_to_single), Xs the scaled
 * samples in float; the gradient (gscale times it) is added to the float array grad, the
 * loss sum (each residual squared and summed in double) to *loss_sum. Rank-local.
 * rom_ae_sample_losses_single - the mean squared reconstruction error of each of m samples
 * (a forward pass in float, the sums in double) into out[0..m). Rank-local.
 * rom_ae_single_check - ROM_ERR_UNSUPPORTED naming a layer whose activation has no float
 * form. Not collective. */
void rom_ae_params_to_single(const rom_ae *ae, float *params);
int rom_ae_accumulate_single(rom_ae *ae, const float *params, rom_int m, const float *Xs,
                             rom_int ldx, float gscale, double *loss_sum, float *grad);
int rom_ae_sample_losses_single(rom_ae *ae, const float *params, rom_int m, const float *Xs,
                                rom_int ldx, double *out);
int rom_ae_single_check(const rom_ae *ae);

/* Forward through layers [l0, l1) of a batch; Zs[l], As[l] (out_l x B) receive the
 * pre-activations and activations when non-NULL arrays are given (for backward),
 * otherwise ping-pong buffers are allocated. Output copied to Y (ld ldy). */
int rom_ae_forward_range(rom_ae *ae, int l0, int l1, rom_int B, const double *X, rom_int ldx,
                         double *Y, rom_int ldy);

/* The decoder part of a network (nl layers from k inputs) at one point q: a_out gets the
 * last layer's activation (before any output scaling) and, if J != NULL, J (ld ldj) the
 * forward-mode Jacobian d a_out / d q (k columns). work: rom_nn_decode_workspace(...)
 * doubles. The separate evaluation (value, then the Jacobian columns as a batch): the
 * reference that the fused pass rom_nn_decode_fused (decode_fused.h), which
 * rom_ae_decode_jacobian and the decoder sub-network use, is tested against. Not
 * collective, no allocation. */
rom_int rom_nn_decode_workspace(int nl, const rom_nn_layer *layers, rom_int k);
void rom_nn_decode_jacobian(int nl, const rom_nn_layer *layers, const double *params, rom_int k,
                            const double *q, double *a_out, double *J, rom_int ldj, double *work);

/* rom_ae_accumulate - for m scaled samples Xs (N x m, ld ldx): adds
 * sum_j ||g(h(x_j)) - x_j||^2 to *loss_sum (if non-NULL) and gscale times its gradient to
 * grad (+=, if non-NULL). The result for a given set of samples does not depend on
 * anything else (which rank, which other samples). Rank-local. (autoencoder.c) */
int rom_ae_accumulate(rom_ae *ae, rom_int m, const double *Xs, rom_int ldx, double gscale,
                      double *loss_sum, double *grad);

/* Adam (adam.c), Kingma & Ba 2015, in PyTorch's formulation. */
typedef struct {
  rom_int n, t;
  double *m, *v;
} rom_adam;
int rom_adam_init(rom_ctx *ctx, rom_int n, rom_adam *a);
void rom_adam_free(rom_ctx *ctx, rom_adam *a);
void rom_adam_step(rom_adam *a, double *theta, const double *grad, double lr, double beta1,
                   double beta2, double eps);

/* The state of a training run between two epochs: everything rom_ae_train carries from
 * one epoch to the next besides the network (params, history, best_epoch live in ae).
 * Written and read by train_checkpoint.c. */
typedef struct {
  rom_int epoch_next;                      /* epochs done */
  double lr, best_val, sched_best, es_ref; /* schedule and early stopping */
  rom_int es_epoch, bad_epochs;
  rom_adam *adam;
  double *best;         /* np: the best weights so far */
  double data_checksum; /* sum of the training data in column order: the same data? */
} rom_ae_train_state;

/* rom_ae_checkpoint_write - the autoencoder file of ae's current network (rom_ae_write's
 * contents) plus the state and the options it was trained with, written atomically to path
 * (io layer: a temporary name, then published). Collective.
 * rom_ae_checkpoint_read - reads one back into ae and st (st->adam initialised with ae's
 * parameter count, st->best allocated): refuses, with ROM_ERR_ARG naming the difference, a
 * checkpoint of other layers, options (o) or data (m samples, checksum in st). Collective.
 * (train_checkpoint.c) */
int rom_ae_checkpoint_write(rom_ae *ae, const char *path, const rom_ae_train_options *o, rom_int m,
                            const rom_ae_train_state *st);
int rom_ae_checkpoint_read(rom_ae *ae, const char *path, const rom_ae_train_options *o, rom_int m,
                           rom_ae_train_state *st);
/* The contents of an autoencoder file into an open file (autoencoder_file.c). Collective. */
int rom_ae_write_contents(rom_ae *ae, rom_h5 *f);

/* History buffer (autoencoder.c). */
int rom_ae_history_reset(rom_ae *ae);
int rom_ae_history_push(rom_ae *ae, double loss, double val, double lr, double sec);

#endif
