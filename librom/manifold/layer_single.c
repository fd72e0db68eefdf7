/* Single-precision (float32) layer kernels for training with
 * rom_ae_train_options.precision = ROM_PRECISION_SINGLE (docs/autoencoder.md, "Precision").
 *
 * The same contracts as the double kernels of layer_dense.c and layer_masked.c (ae_impl.h),
 * on float arrays: the dense layer is one cblas_sgemm per product (twice the flops per cycle
 * of dgemm on the same SIMD registers, half the memory traffic), the masked layer the CSR
 * loops in float. The double kernels stay as they are: the default training, the online
 * decoder and its Jacobian never come here. */
#include "manifold/ae_impl.h"

#include <cblas.h>
#include <string.h>

void rom_dense_forward_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                              const float *X, float *Z) {
  const int in = (int)L->in, out = (int)L->out;
  if (B <= 0) return;
  cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, out, (int)B, in, 1.0f, W, in, X, in, 0.0f, Z,
              out);
  if (b) {
    for (rom_int s = 0; s < B; ++s) {
      float *z = Z + s * out;
      for (int i = 0; i < out; ++i)
        z[i] += b[i];
    }
  }
}

void rom_dense_backward_single(const rom_nn_layer *L, const float *W, rom_int B, const float *X,
                               const float *dZ, float *gW, float *gb, float *dX) {
  const int in = (int)L->in, out = (int)L->out;
  if (B <= 0) return;
  if (gW) /* dL/dW^T (in x out) += X dZ^T */
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, in, out, (int)B, 1.0f, X, in, dZ, out,
                1.0f, gW, in);
  if (gb) {
    for (rom_int s = 0; s < B; ++s) {
      const float *dz = dZ + s * out;
      for (int i = 0; i < out; ++i)
        gb[i] += dz[i];
    }
  }
  if (dX) /* dL/dX = W^T dZ */
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, in, (int)B, out, 1.0f, W, in, dZ, out,
                0.0f, dX, in);
}

/* The CSR loops of layer_masked.c in float: any mask, every batch size. The sums run in
 * float (the inputs of a product are float; a double accumulator would cost the conversions
 * and give nothing the float weights can keep). */
void rom_masked_forward_csr_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                                   const float *X, float *Z) {
  const rom_mask *m = L->mask;
  const rom_int in = L->in, out = L->out;
  const rom_int *rp = m->row_ptr, *ci = m->col_index;
  for (rom_int i = 0; i < out; ++i) {
    const float bi = b ? b[i] : 0.0f;
    for (rom_int s = 0; s < B; ++s) {
      const float *x = X + s * in;
      float acc = 0.0f;
      for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
        acc += W[k] * x[ci[k]];
      Z[i + s * out] = acc + bi;
    }
  }
}

void rom_masked_backward_csr_single(const rom_nn_layer *L, const float *W, rom_int B,
                                    const float *X, const float *dZ, float *gW, float *gb,
                                    float *dX) {
  const rom_mask *m = L->mask;
  const rom_int in = L->in, out = L->out;
  const rom_int *rp = m->row_ptr, *ci = m->col_index;
  if (dX) memset(dX, 0, sizeof(float) * (size_t)(in * B));
  for (rom_int i = 0; i < out; ++i) {
    for (rom_int s = 0; s < B; ++s) {
      const float d = dZ[i + s * out];
      const float *x = X + s * in;
      if (gW)
        for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
          gW[k] += d * x[ci[k]];
      if (dX) {
        float *dx = dX + s * in;
        for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
          dx[ci[k]] += W[k] * d;
      }
      if (gb) gb[i] += d;
    }
  }
}

void rom_masked_forward_single(const rom_nn_layer *L, const float *W, const float *b, rom_int B,
                               const float *X, float *Z) {
  if (rom_mask_uses_segments(L->mask, B))
    rom_masked_forward_segments_single(L, W, b, B, X, Z);
  else
    rom_masked_forward_csr_single(L, W, b, B, X, Z);
}

void rom_masked_backward_single(const rom_nn_layer *L, const float *W, rom_int B, const float *X,
                                const float *dZ, float *gW, float *gb, float *dX) {
  if (rom_mask_uses_segments(L->mask, B))
    rom_masked_backward_segments_single(L, W, B, X, dZ, gW, gb, dX);
  else
    rom_masked_backward_csr_single(L, W, B, X, dZ, gW, gb, dX);
}
