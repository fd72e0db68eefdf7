/* Dense layer kernels through BLAS: Z = W X + b and its gradients.
 * W is row-major {out, in} (PyTorch nn.Linear's layout), which BLAS sees as the
 * column-major in x out matrix W^T with leading dimension in; a batch of B inputs is the
 * column-major in x B array X. Forward and backward are one dgemm each (Kim, Choi,
 * Widemann, Zohdi, J. Comput. Phys. 451 (2022), the encoder and decoder hidden layers). */
#include "manifold/ae_impl.h"

#include <cblas.h>

void rom_dense_forward(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                       const double *X, double *Z) {
  const int in = (int)L->in, out = (int)L->out;
  if (B <= 0) return;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, out, (int)B, in, 1.0, W, in, X, in, 0.0, Z,
              out);
  if (b) {
    for (rom_int s = 0; s < B; ++s) {
      double *z = Z + s * out;
      for (int i = 0; i < out; ++i)
        z[i] += b[i];
    }
  }
}

void rom_dense_backward(const rom_nn_layer *L, const double *W, rom_int B, const double *X,
                        const double *dZ, double *gW, double *gb, double *dX) {
  const int in = (int)L->in, out = (int)L->out;
  if (B <= 0) return;
  /* dL/dW^T (in x out) += X dZ^T */
  if (gW)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, in, out, (int)B, 1.0, X, in, dZ, out, 1.0,
                gW, in);
  if (gb) {
    for (rom_int s = 0; s < B; ++s) {
      const double *dz = dZ + s * out;
      for (int i = 0; i < out; ++i)
        gb[i] += dz[i];
    }
  }
  /* dL/dX = W^T dZ */
  if (dX)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, in, (int)B, out, 1.0, W, in, dZ, out,
                0.0, dX, in);
}
