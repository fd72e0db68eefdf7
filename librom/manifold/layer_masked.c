/* Sparse masked layer: Z = W_mask X + b where W has the CSR pattern of a rom_mask.
 *
 * The decoder's output layer of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022)
 * is 99.7 % (1-D) / 99.06 % (2-D) zeros; BLAS cannot see that, so this is one of the few
 * hand-written kernels (STYLE.md): it touches only the mask's entries, nnz * B
 * multiply-adds per pass instead of out * in * B. docs/autoencoder.md has the measured
 * comparison against dgemm on the dense matrix with zeros (P1 size).
 *
 * Loop order: rows outside, the batch inside, so a row's values and column indices are
 * loaded once per batch and the band of X rows they touch (contiguous for the paper's
 * masks) stays in cache. Gradients exist only on mask entries (the zeros are not
 * parameters), so training keeps the pattern exactly.
 *
 * These CSR loops are the general path (any user mask). Masks made of runs of contiguous
 * columns (the paper's band and stencil masks) get the run-length kernels of
 * masked_segments.c on training batches; rom_masked_forward / _backward choose. */
#include "manifold/ae_impl.h"

#include <string.h>

/* Few columns (the decoder Jacobian's k): one pass over each row's entries, all columns
 * at once, so a row's values and indices are read once instead of B times. Every output
 * is still summed over the row's entries in CSR order, exactly as the general loop below:
 * the results are the same bits. */
static void masked_forward_small(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                                 const double *X, double *Z) {
  const rom_mask *m = L->mask;
  const rom_int in = L->in, out = L->out;
  const rom_int *rp = m->row_ptr, *ci = m->col_index;
  for (rom_int i = 0; i < out; ++i) {
    double acc[ROM_MASKED_SMALL_B] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    for (rom_int k = rp[i]; k < rp[i + 1]; ++k) {
      const double w = W[k];
      const double *x = X + ci[k];
      for (rom_int s = 0; s < B; ++s)
        acc[s] += w * x[s * in];
    }
    const double bi = b ? b[i] : 0.0;
    for (rom_int s = 0; s < B; ++s)
      Z[i + s * out] = acc[s] + bi;
  }
}

void rom_masked_forward_csr(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                            const double *X, double *Z) {
  const rom_mask *m = L->mask;
  const rom_int in = L->in, out = L->out;
  const rom_int *rp = m->row_ptr, *ci = m->col_index;
  if (B > 1 && B <= ROM_MASKED_SMALL_B) {
    masked_forward_small(L, W, b, B, X, Z);
    return;
  }
  for (rom_int i = 0; i < out; ++i) {
    const double bi = b ? b[i] : 0.0;
    for (rom_int s = 0; s < B; ++s) {
      const double *x = X + s * in;
      double acc = 0.0;
      for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
        acc += W[k] * x[ci[k]];
      Z[i + s * out] = acc + bi;
    }
  }
}

void rom_masked_backward_csr(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                             const double *dZ, double *gW, double *gb, double *dX) {
  const rom_mask *m = L->mask;
  const rom_int in = L->in, out = L->out;
  const rom_int *rp = m->row_ptr, *ci = m->col_index;
  if (dX) memset(dX, 0, sizeof(double) * (size_t)(in * B));
  for (rom_int i = 0; i < out; ++i) {
    for (rom_int s = 0; s < B; ++s) {
      const double d = dZ[i + s * out];
      const double *x = X + s * in;
      if (gW)
        for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
          gW[k] += d * x[ci[k]];
      if (dX) {
        double *dx = dX + s * in;
        for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
          dx[ci[k]] += W[k] * d;
      }
      if (gb) gb[i] += d;
    }
  }
}

void rom_masked_forward(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                        const double *X, double *Z) {
  if (rom_mask_uses_segments(L->mask, B))
    rom_masked_forward_segments(L, W, b, B, X, Z);
  else
    rom_masked_forward_csr(L, W, b, B, X, Z);
}

void rom_masked_backward(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                         const double *dZ, double *gW, double *gb, double *dX) {
  if (rom_mask_uses_segments(L->mask, B))
    rom_masked_backward_segments(L, W, B, X, dZ, gW, gb, dX);
  else
    rom_masked_backward_csr(L, W, B, X, dZ, gW, gb, dX);
}
