/* The autoencoder's loss and gradient in single precision (float32): rom_ae_accumulate of
 * autoencoder.c, layer by layer the same forward and backward pass (Kim, Choi, Widemann,
 * Zohdi, J. Comput. Phys. 451 (2022); the equations at the top of autoencoder.c), run on
 * float copies of the weights, the data and the activations. Used by rom_ae_train with
 * precision ROM_PRECISION_SINGLE (train.c; docs/autoencoder.md, "Precision").
 *
 * What stays double: the loss sums (each sample's squared residuals and their total are
 * summed in double, so the reported and scheduled losses are not float sums of 10^5 terms)
 * and, in train.c, the master weights, Adam's moments and the reduced gradient. */
#include "core/values.h"
#include "manifold/ae_impl.h"

#include <string.h>

void rom_ae_params_to_single(const rom_ae *ae, float *params) {
  const double *p = ae->params;
  for (rom_int t = 0; t < ae->nparams; ++t)
    params[t] = (float)p[t];
}

int rom_ae_single_check(const rom_ae *ae) {
  int err = ROM_OK;
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_activation a = ae->layers[l].act;
    ROM_CHECK(ae->ctx, rom_activation_single_lookup(a) != NULL, ROM_ERR_UNSUPPORTED,
              "%s layer %d: activation '%s' has no single-precision form (train with precision "
              "double)",
              l < ae->nenc ? "encoder" : "decoder", l < ae->nenc ? l : l - ae->nenc,
              rom_activation_name(a));
  }
cleanup:
  return err;
}

static void layer_forward_single(const rom_nn_layer *L, const float *params, rom_int B,
                                 const float *X, float *Z) {
  const float *W = params + L->offset;
  const float *b = L->has_bias ? params + L->bias_offset : NULL;
  if (L->mask)
    rom_masked_forward_single(L, W, b, B, X, Z);
  else
    rom_dense_forward_single(L, W, b, B, X, Z);
}

int rom_ae_accumulate_single(rom_ae *ae, const float *params, rom_int m, const float *Xs,
                             rom_int ldx, float gscale, double *loss_sum, float *grad) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  const int nl = ae->nlayers;
  const rom_int N = rom_ae_input_dim(ae);
  float *ws = NULL, *X0 = NULL, *scratch = NULL;
  float *Z[64], *D[64];
  ROM_CHECK(ctx, nl <= 64, ROM_ERR_UNSUPPORTED, "at most 64 layers are supported (got %d)", nl);
  if (m <= 0) goto cleanup;
  ROM_TRY(ctx, rom_ae_pass_workspace(ae, m, sizeof(float), (void **)&ws, (void **)&X0,
                                     (void **)&scratch));
  for (rom_int j = 0; j < m; ++j)
    memcpy(X0 + j * N, Xs + j * ldx, sizeof(float) * (size_t)N);
  /* forward: Z[l] holds a_l after the pass, D[l] = f'(z_l) */
  float *p = ws;
  for (int l = 0; l < nl; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    Z[l] = p;
    D[l] = p + L->out * m;
    p += 2 * L->out * m;
    layer_forward_single(L, params, m, l == 0 ? X0 : Z[l - 1], Z[l]);
    rom_activation_apply_single(L->act, L->out * m, Z[l], Z[l], D[l]);
  }
  /* loss (in double) and dz_L = f'(z_L) .* gscale 2 (a_L - x) */
  float *aL = Z[nl - 1], *dL = D[nl - 1];
  const float g2 = 2.0f * gscale;
  double sum = 0.0;
  for (rom_int j = 0; j < m; ++j) {
    double sj = 0.0;
    for (rom_int i = 0; i < N; ++i) {
      const float r = aL[i + j * N] - X0[i + j * N];
      sj += (double)r * (double)r;
      dL[i + j * N] *= g2 * r;
    }
    sum += sj;
  }
  if (loss_sum) *loss_sum += sum;
  if (grad) {
    for (int l = nl - 1; l >= 0; --l) {
      const rom_nn_layer *L = &ae->layers[l];
      const float *W = params + L->offset;
      float *gW = grad + L->offset, *gb = L->has_bias ? grad + L->bias_offset : NULL;
      float *dX = l > 0 ? scratch : NULL;
      const float *Xin = l == 0 ? X0 : Z[l - 1];
      if (L->mask)
        rom_masked_backward_single(L, W, m, Xin, D[l], gW, gb, dX);
      else
        rom_dense_backward_single(L, W, m, Xin, D[l], gW, gb, dX);
      if (l > 0) { /* dz_{l-1} = da_{l-1} .* f'(z_{l-1}) */
        float *dprev = D[l - 1];
        const rom_int n = ae->layers[l - 1].out * m;
        for (rom_int t = 0; t < n; ++t)
          dprev[t] *= scratch[t];
      }
    }
  }
cleanup:
  return err;
}

int rom_ae_sample_losses_single(rom_ae *ae, const float *params, rom_int m, const float *Xs,
                                rom_int ldx, double *out) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  const rom_int N = rom_ae_input_dim(ae);
  rom_int width = N;
  float *buf[2] = {NULL, NULL};
  if (m <= 0) return ROM_OK;
  for (int l = 0; l < ae->nlayers; ++l)
    width = ae->layers[l].out > width ? ae->layers[l].out : width;
  for (int t = 0; t < 2; ++t)
    ROM_TRY(ctx, rom_malloc_n(ctx, width, m, sizeof(float), (void **)&buf[t]));
  for (rom_int s = 0; s < m; ++s)
    memcpy(buf[0] + s * N, Xs + s * ldx, sizeof(float) * (size_t)N);
  int cur = 0;
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    layer_forward_single(L, params, m, buf[cur], buf[1 - cur]);
    rom_activation_apply_single(L->act, L->out * m, buf[1 - cur], buf[1 - cur], NULL);
    cur = 1 - cur;
  }
  for (rom_int s = 0; s < m; ++s) {
    double e = 0.0;
    for (rom_int i = 0; i < N; ++i) {
      const double r = (double)buf[cur][i + s * N] - (double)Xs[i + s * ldx];
      e += r * r;
    }
    out[s] = e / (double)N;
  }
cleanup:
  rom_free(ctx, buf[0]);
  rom_free(ctx, buf[1]);
  return err;
}
