/* The autoencoder object: layers, packed parameters, input scaling, encode / decode,
 * the decoder Jacobian (forward mode) and the loss gradient (reverse mode, hand-derived).
 *
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022): encoder h: R^N -> R^k and
 * decoder g: R^k -> R^N, trained to minimise the mean squared reconstruction error
 * ||g(h(x)) - x||^2 / N over the (scaled) snapshots; the ROM then uses u ~ u_ref + g(q)
 * and, for Galerkin / LSPG, the Jacobian dg/dq.
 *
 * Backward pass (per layer l, z_l = W_l a_{l-1} + b_l, a_l = f_l(z_l)):
 *   dz_l = da_l .* f_l'(z_l),  dW_l = dz_l a_{l-1}^T,  db_l = sum over samples of dz_l,
 *   da_{l-1} = W_l^T dz_l,     with da_L = 2 (a_L - x) / (B N) for the batch mean.
 * Forward-mode Jacobian: J_0 = I_k, J_l = f_l'(z_l) .* (W_l J_{l-1}), dg/dq = J_L. */
#include "core/values.h"
#include "manifold/ae_impl.h"
#include "manifold/decode_fused.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define AE_STREAM_INIT 0x41450000u /* RNG streams: weights 2l, bias 2l + 1 after this */

static const char *layer_part(const rom_ae *ae, int l, int *index) {
  *index = l < ae->nenc ? l : l - ae->nenc;
  return l < ae->nenc ? "encoder" : "decoder";
}

int rom_ae_destroy(rom_ae **pae) {
  if (!pae || !*pae) return ROM_OK;
  rom_ae *ae = *pae;
  rom_ctx *ctx = ae->ctx;
  if (ae->layers)
    for (int l = 0; l < ae->nlayers; ++l)
      rom_mask_destroy(&ae->layers[l].mask);
  rom_free(ctx, ae->layers);
  rom_free(ctx, ae->params);
  rom_free(ctx, ae->shift);
  rom_free(ctx, ae->scale);
  rom_free(ctx, ae->hist_loss);
  rom_free(ctx, ae->hist_val);
  rom_free(ctx, ae->hist_lr);
  rom_free(ctx, ae->hist_sec);
  rom_free(ctx, ae->pass_ws);
  rom_free(ctx, ae);
  *pae = NULL;
  return ROM_OK;
}

/* PyTorch nn.Linear.reset_parameters: kaiming_uniform_(a = sqrt(5)) gives the bound
 * gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + 5)), i.e. 1 / sqrt(fan_in); the bias
 * is U(-1/sqrt(fan_in), 1/sqrt(fan_in)). A masked entry (i, j) draws the value the dense
 * entry would, so a masked layer equals the dense layer times the mask. */
static void init_layer(rom_ae *ae, int l, uint64_t seed) {
  const rom_nn_layer *L = &ae->layers[l];
  double bound = 1.0 / sqrt((double)L->in);
  double *W = ae->params + L->offset;
  uint64_t sw = AE_STREAM_INIT + 2u * (uint64_t)l, sb = sw + 1u;
  if (!L->mask) {
    for (rom_int t = 0; t < L->nweights; ++t)
      W[t] = bound * (2.0 * rom_rng_uniform(seed, sw, (uint64_t)t) - 1.0);
  } else {
    for (rom_int i = 0; i < L->out; ++i)
      for (rom_int k = L->mask->row_ptr[i]; k < L->mask->row_ptr[i + 1]; ++k)
        W[k] =
            bound *
            (2.0 * rom_rng_uniform(seed, sw, (uint64_t)(i * L->in + L->mask->col_index[k])) - 1.0);
  }
  if (L->has_bias) {
    double *b = ae->params + L->bias_offset;
    for (rom_int i = 0; i < L->out; ++i)
      b[i] = bound * (2.0 * rom_rng_uniform(seed, sb, (uint64_t)i) - 1.0);
  }
}

int rom_ae_create(rom_ctx *ctx, int num_encoder, const rom_layer_spec *encoder, int num_decoder,
                  const rom_layer_spec *decoder, uint64_t seed, rom_ae **out) {
  int err = ROM_OK;
  rom_ae *ae = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "output pointer is NULL");
  *out = NULL;
  ROM_CHECK(ctx, num_encoder >= 1 && num_decoder >= 1 && encoder && decoder, ROM_ERR_ARG,
            "an autoencoder needs at least one encoder and one decoder layer (got %d and %d)",
            num_encoder, num_decoder);
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(*ae), (void **)&ae));
  ae->ctx = ctx;
  ae->nenc = num_encoder;
  ae->nlayers = num_encoder + num_decoder;
  ae->seed = seed;
  ae->best_epoch = -1;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)ae->nlayers, sizeof(rom_nn_layer), (void **)&ae->layers));
  rom_int N = encoder[0].in, offset = 0;
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_layer_spec *s = l < num_encoder ? &encoder[l] : &decoder[l - num_encoder];
    rom_nn_layer *L = &ae->layers[l];
    int li = 0;
    const char *part = layer_part(ae, l, &li);
    ROM_CHECK(ctx, s->in >= 1 && s->out >= 1, ROM_ERR_DIM,
              "%s layer %d: sizes %lld -> %lld must be >= 1", part, li, (long long)s->in,
              (long long)s->out);
    if (l > 0) {
      rom_int prev = ae->layers[l - 1].out;
      ROM_CHECK(ctx, s->in == prev, ROM_ERR_DIM,
                "%s layer %d takes %lld inputs but the previous layer gives %lld", part, li,
                (long long)s->in, (long long)prev);
    }
    ROM_CHECK(ctx, rom_activation_lookup(s->activation) != NULL, ROM_ERR_ARG,
              "%s layer %d: unknown activation %d (0..%d)", part, li, (int)s->activation,
              rom_activation_count() - 1);
    if (s->mask) {
      ROM_CHECK(ctx, s->mask->rows == s->out && s->mask->cols == s->in, ROM_ERR_DIM,
                "%s layer %d is %lld -> %lld (weights %lld x %lld) but its mask is %lld x %lld",
                part, li, (long long)s->in, (long long)s->out, (long long)s->out, (long long)s->in,
                (long long)s->mask->rows, (long long)s->mask->cols);
      ROM_TRY(ctx, rom_mask_copy(ctx, s->mask, &L->mask));
    }
    L->in = s->in;
    L->out = s->out;
    L->act = s->activation;
    L->has_bias = s->bias ? 1 : 0;
    /* sizes come from the command line or a file: a product that overflows is an error */
    if (L->mask)
      L->nweights = rom_mask_nnz(L->mask);
    else
      ROM_TRY(ctx, rom_count_mul(ctx, s->out, s->in, "the weights of a dense layer", &L->nweights));
    L->offset = offset;
    ROM_TRY(ctx, rom_count_add(ctx, offset, L->nweights, "the network's parameters", &offset));
    L->bias_offset = L->has_bias ? offset : -1;
    ROM_TRY(ctx, rom_count_add(ctx, offset, L->has_bias ? L->out : 0, "the network's parameters",
                               &offset));
  }
  ROM_CHECK(ctx, ae->layers[ae->nlayers - 1].out == N, ROM_ERR_DIM,
            "the decoder ends with %lld outputs but the encoder takes %lld inputs",
            (long long)ae->layers[ae->nlayers - 1].out, (long long)N);
  {
    /* Kim et al. (2022), Sec. 3: the encoder maps the N values of a state to k < N latent
     * variables. With k >= N nothing is reduced: the network can learn the identity at best,
     * its ROM is no smaller than the full model, and a careless k (e.g. a mistyped one)
     * silently builds a network of k x hidden weights. */
    rom_int k = ae->layers[num_encoder - 1].out;
    ROM_CHECK(ctx, k < N, ROM_ERR_DIM,
              "the latent dimension k = %lld must be smaller than the input dimension N = %lld: "
              "an autoencoder reduces N values to k (the paper's k is 3 to 5 for N = 1000)",
              (long long)k, (long long)N);
  }
  ae->nparams = offset;
  ROM_TRY(ctx, rom_memory_check(ctx, 8.0 * (double)offset, "the network's parameters",
                                "use smaller layers (--hidden, --mask)"));
  ROM_TRY(ctx, rom_malloc_n(ctx, offset, 1, sizeof(double), (void **)&ae->params));
  ROM_TRY(ctx, rom_malloc_n(ctx, N, 1, sizeof(double), (void **)&ae->shift));
  ROM_TRY(ctx, rom_malloc_n(ctx, N, 1, sizeof(double), (void **)&ae->scale));
  for (rom_int i = 0; i < N; ++i)
    ae->shift[i] = 0.0, ae->scale[i] = 1.0;
  for (int l = 0; l < ae->nlayers; ++l)
    init_layer(ae, l, seed);
  *out = ae;
  ae = NULL;
cleanup:
  rom_ae_destroy(&ae);
  return err;
}

int rom_ae_create_shallow(rom_ctx *ctx, rom_int N, rom_int enc_hidden, rom_int latent,
                          rom_int dec_hidden, rom_activation act, int decoder_hidden_bias,
                          const rom_mask *mask, uint64_t seed, rom_ae **out) {
  rom_layer_spec enc[2] = {{N, enc_hidden, act, 1, NULL},
                           {enc_hidden, latent, ROM_ACT_IDENTITY, 0, NULL}};
  rom_layer_spec dec[2] = {{latent, dec_hidden, act, decoder_hidden_bias, NULL},
                           {dec_hidden, N, ROM_ACT_IDENTITY, 0, mask}};
  return rom_ae_create(ctx, 2, enc, 2, dec, seed, out);
}

rom_int rom_ae_input_dim(const rom_ae *ae) {
  return ae->layers[0].in;
}
rom_int rom_ae_latent_dim(const rom_ae *ae) {
  return ae->layers[ae->nenc - 1].out;
}
int rom_ae_num_layers(const rom_ae *ae) {
  return ae->nlayers;
}
int rom_ae_num_encoder_layers(const rom_ae *ae) {
  return ae->nenc;
}
rom_int rom_ae_num_params(const rom_ae *ae) {
  return ae->nparams;
}
double *rom_ae_params(rom_ae *ae) {
  return ae->params;
}
const double *rom_ae_shift(const rom_ae *ae) {
  return ae->shift;
}
const double *rom_ae_scale(const rom_ae *ae) {
  return ae->scale;
}
rom_int rom_ae_best_epoch(const rom_ae *ae) {
  return ae->best_epoch;
}
int rom_ae_train_interrupted(const rom_ae *ae) {
  return ae ? ae->interrupted : 0;
}

int rom_ae_layer(const rom_ae *ae, int l, rom_layer_spec *spec) {
  int err = ROM_OK;
  ROM_CHECK(ae->ctx, l >= 0 && l < ae->nlayers && spec, ROM_ERR_ARG,
            "layer %d out of range [0, %d)", l, ae->nlayers);
  const rom_nn_layer *L = &ae->layers[l];
  spec->in = L->in;
  spec->out = L->out;
  spec->activation = L->act;
  spec->bias = L->has_bias;
  spec->mask = L->mask;
cleanup:
  return err;
}

double *rom_ae_layer_weights(rom_ae *ae, int l) {
  return (l >= 0 && l < ae->nlayers) ? ae->params + ae->layers[l].offset : NULL;
}
double *rom_ae_layer_bias(rom_ae *ae, int l) {
  return (l >= 0 && l < ae->nlayers && ae->layers[l].has_bias)
             ? ae->params + ae->layers[l].bias_offset
             : NULL;
}

int rom_ae_set_scaling(rom_ae *ae, const double *shift, const double *scale) {
  int err = ROM_OK;
  rom_int N = rom_ae_input_dim(ae);
  ROM_CHECK(ae->ctx, shift && scale, ROM_ERR_ARG, "shift and scale are required");
  for (rom_int i = 0; i < N; ++i) {
    ROM_CHECK(ae->ctx, isfinite(shift[i]) && isfinite(scale[i]) && scale[i] > 0, ROM_ERR_ARG,
              "input scaling of feature %lld: shift %g, scale %g (scale must be finite and > 0)",
              (long long)i, shift[i], scale[i]);
  }
  memcpy(ae->shift, shift, sizeof(double) * (size_t)N);
  memcpy(ae->scale, scale, sizeof(double) * (size_t)N);
cleanup:
  return err;
}

int rom_ae_scaling_minmax(rom_ae *ae, rom_int m, const double *X, rom_int ldx) {
  int err = ROM_OK;
  rom_int N = rom_ae_input_dim(ae);
  ROM_CHECK(ae->ctx, m >= 1 && X && ldx >= N, ROM_ERR_ARG,
            "min-max scaling needs m >= 1 samples (got %lld) and ldx >= N", (long long)m);
  for (rom_int i = 0; i < N; ++i) {
    double lo = X[i], hi = X[i];
    for (rom_int j = 1; j < m; ++j) {
      double v = X[i + j * ldx];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    ROM_CHECK(ae->ctx, isfinite(lo) && isfinite(hi), ROM_ERR_NOT_FINITE,
              "min-max scaling: feature %lld holds NaN or Inf", (long long)i);
    ae->shift[i] = lo;
    /* a constant feature (up to round-off) keeps scale 1 rather than amplifying noise */
    double mag = fmax(1.0, fmax(fabs(lo), fabs(hi)));
    ae->scale[i] = hi - lo > 1e-12 * mag ? hi - lo : 1.0;
  }
cleanup:
  return err;
}

static void layer_forward(const rom_ae *ae, const rom_nn_layer *L, rom_int B, const double *X,
                          double *Z) {
  const double *W = ae->params + L->offset;
  const double *b = L->has_bias ? ae->params + L->bias_offset : NULL;
  if (L->mask)
    rom_masked_forward(L, W, b, B, X, Z);
  else
    rom_dense_forward(L, W, b, B, X, Z);
}

int rom_ae_forward_range(rom_ae *ae, int l0, int l1, rom_int B, const double *X, rom_int ldx,
                         double *Y, rom_int ldy) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  double *buf[2] = {NULL, NULL};
  rom_int width = ae->layers[l0].in;
  for (int l = l0; l < l1; ++l)
    width = ae->layers[l].out > width ? ae->layers[l].out : width;
  for (int t = 0; t < 2; ++t)
    ROM_TRY(ctx, rom_malloc_n(ctx, width, B > 0 ? B : 1, sizeof(double), (void **)&buf[t]));
  rom_int in = ae->layers[l0].in;
  for (rom_int s = 0; s < B; ++s)
    memcpy(buf[0] + s * in, X + s * ldx, sizeof(double) * (size_t)in);
  int cur = 0;
  for (int l = l0; l < l1; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    layer_forward(ae, L, B, buf[cur], buf[1 - cur]);
    rom_activation_apply(L->act, L->out * B, buf[1 - cur], buf[1 - cur], NULL);
    cur = 1 - cur;
  }
  rom_int out = ae->layers[l1 - 1].out;
  for (rom_int s = 0; s < B; ++s)
    memcpy(Y + s * ldy, buf[cur] + s * out, sizeof(double) * (size_t)out);
cleanup:
  rom_free(ctx, buf[0]);
  rom_free(ctx, buf[1]);
  return err;
}

int rom_ae_encode(rom_ae *ae, rom_int m, const double *X, rom_int ldx, double *Q, rom_int ldq) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  rom_int N = rom_ae_input_dim(ae), k = rom_ae_latent_dim(ae);
  double *Xs = NULL;
  ROM_CHECK(ctx, m >= 0 && (m == 0 || (X && Q && ldx >= N && ldq >= k)), ROM_ERR_ARG,
            "encode: m = %lld, ldx = %lld (N = %lld), ldq = %lld (k = %lld)", (long long)m,
            (long long)ldx, (long long)N, (long long)ldq, (long long)k);
  if (m == 0) goto cleanup;
  ROM_TRY(ctx, rom_malloc_n(ctx, N, m, sizeof(double), (void **)&Xs));
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < N; ++i)
      Xs[i + j * N] = (X[i + j * ldx] - ae->shift[i]) / ae->scale[i];
  ROM_TRY(ctx, rom_ae_forward_range(ae, 0, ae->nenc, m, Xs, N, Q, ldq));
cleanup:
  rom_free(ctx, Xs);
  return err;
}

int rom_ae_decode(rom_ae *ae, rom_int m, const double *Q, rom_int ldq, double *X, rom_int ldx) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  rom_int N = rom_ae_input_dim(ae), k = rom_ae_latent_dim(ae);
  ROM_CHECK(ctx, m >= 0 && (m == 0 || (X && Q && ldx >= N && ldq >= k)), ROM_ERR_ARG,
            "decode: m = %lld, ldq = %lld (k = %lld), ldx = %lld (N = %lld)", (long long)m,
            (long long)ldq, (long long)k, (long long)ldx, (long long)N);
  if (m == 0) goto cleanup;
  ROM_TRY(ctx, rom_ae_forward_range(ae, ae->nenc, ae->nlayers, m, Q, ldq, X, ldx));
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < N; ++i)
      X[i + j * ldx] = ae->shift[i] + ae->scale[i] * X[i + j * ldx];
cleanup:
  return err;
}

rom_int rom_nn_decode_workspace(int nl, const rom_nn_layer *layers, rom_int k) {
  rom_int width = k;
  for (int l = 0; l < nl; ++l)
    width = layers[l].out > width ? layers[l].out : width;
  return 3 * width + 2 * width * k;
}

void rom_nn_decode_jacobian(int nl, const rom_nn_layer *layers, const double *params, rom_int k,
                            const double *q, double *a_out, double *J, rom_int ldj, double *work) {
  rom_int width = k;
  for (int l = 0; l < nl; ++l)
    width = layers[l].out > width ? layers[l].out : width;
  double *a = work, *z = a + width, *d = z + width, *Ja = d + width, *Jz = Ja + width * k;
  memcpy(a, q, sizeof(double) * (size_t)k);
  if (J) {
    memset(Ja, 0, sizeof(double) * (size_t)(k * k));
    for (rom_int c = 0; c < k; ++c)
      Ja[c + c * k] = 1.0;
  }
  for (int l = 0; l < nl; ++l) {
    const rom_nn_layer *L = &layers[l];
    const double *W = params + L->offset;
    const double *b = L->has_bias ? params + L->bias_offset : NULL;
    if (L->mask) {
      rom_masked_forward(L, W, b, 1, a, z);
    } else {
      /* one vector: dgemv on the row-major {out, in} weights (no dgemm packing) */
      if (b) memcpy(z, b, sizeof(double) * (size_t)L->out);
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)L->out, (int)L->in, 1.0, W, (int)L->in, a, 1,
                  b ? 1.0 : 0.0, z, 1);
    }
    rom_activation_apply(L->act, L->out, z, a, J ? d : NULL);
    if (!J) continue;
    /* J <- f'(z) .* (W J): the same kernel as the forward pass, on k columns, no bias; in
     * the first layer J = I, so W J is W itself (exactly: W e_c has no rounding) */
    if (l == 0 && !L->mask) {
      for (rom_int c = 0; c < k; ++c)
        for (rom_int i = 0; i < L->out; ++i)
          Jz[i + c * L->out] = W[i * L->in + c];
    } else if (L->mask) {
      rom_masked_forward(L, W, NULL, k, Ja, Jz);
    } else {
      rom_dense_forward(L, W, NULL, k, Ja, Jz);
    }
    for (rom_int c = 0; c < k; ++c)
      for (rom_int i = 0; i < L->out; ++i)
        Ja[i + c * L->out] = d[i] * Jz[i + c * L->out];
  }
  const rom_int n = nl > 0 ? layers[nl - 1].out : k;
  memcpy(a_out, a, sizeof(double) * (size_t)n);
  if (J)
    for (rom_int c = 0; c < k; ++c)
      memcpy(J + c * ldj, Ja + c * n, sizeof(double) * (size_t)n);
}

int rom_ae_decode_jacobian(rom_ae *ae, const double *q, double *g, double *J, rom_int ldj) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  rom_int N = rom_ae_input_dim(ae), k = rom_ae_latent_dim(ae);
  const int nd = ae->nlayers - ae->nenc;
  const rom_nn_layer *dec = ae->layers + ae->nenc;
  double *work = NULL, *a = NULL;
  ROM_CHECK(ctx, q && J && ldj >= N, ROM_ERR_ARG,
            "decoder Jacobian: q and J are required, ldj = %lld < N = %lld", (long long)ldj,
            (long long)N);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)rom_nn_decode_fused_workspace(nd, dec, k),
                          (void **)&work));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&a));
  rom_nn_decode_fused(nd, dec, ae->params, k, q, a, J, ldj, work);
  for (rom_int c = 0; c < k; ++c)
    for (rom_int i = 0; i < N; ++i)
      J[i + c * ldj] *= ae->scale[i];
  if (g)
    for (rom_int i = 0; i < N; ++i)
      g[i] = ae->shift[i] + ae->scale[i] * a[i];
cleanup:
  rom_free(ctx, work);
  rom_free(ctx, a);
  return err;
}

int rom_ae_pass_workspace(rom_ae *ae, rom_int m, size_t elem, void **acts, void **x0,
                          void **scratch) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  const rom_int N = rom_ae_input_dim(ae);
  rom_int total = 0, width = N, xn = 0, sn = 0, all = 0;
  for (int l = 0; l < ae->nlayers; ++l) {
    rom_int layer = 0;
    ROM_TRY(ctx, rom_count_mul(ctx, 2 * ae->layers[l].out, m, "the activations", &layer));
    ROM_TRY(ctx, rom_count_add(ctx, total, layer, "the activations", &total));
    width = ae->layers[l].in > width ? ae->layers[l].in : width;
  }
  ROM_TRY(ctx, rom_count_mul(ctx, N, m, "the samples", &xn));
  ROM_TRY(ctx, rom_count_mul(ctx, width, m, "the layer inputs", &sn));
  ROM_TRY(ctx, rom_count_add(ctx, total, xn, "the pass's workspace", &all));
  ROM_TRY(ctx, rom_count_add(ctx, all, sn, "the pass's workspace", &all));
  if ((size_t)all * elem > ae->pass_ws_bytes) {
    rom_free(ctx, ae->pass_ws);
    ae->pass_ws = NULL;
    ae->pass_ws_bytes = 0;
    ROM_TRY(ctx, rom_malloc_n(ctx, all, 1, elem, &ae->pass_ws));
    ae->pass_ws_bytes = (size_t)all * elem;
  }
  *acts = ae->pass_ws;
  *x0 = (char *)ae->pass_ws + (size_t)total * elem;
  *scratch = (char *)ae->pass_ws + (size_t)(total + xn) * elem;
cleanup:
  return err;
}

int rom_ae_accumulate(rom_ae *ae, rom_int m, const double *Xs, rom_int ldx, double gscale,
                      double *loss_sum, double *grad) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  const int nl = ae->nlayers;
  rom_int N = rom_ae_input_dim(ae);
  double *ws = NULL, *X0 = NULL, *scratch = NULL;
  double *Z[64], *D[64];
  ROM_CHECK(ctx, nl <= 64, ROM_ERR_UNSUPPORTED, "at most 64 layers are supported (got %d)", nl);
  if (m <= 0) goto cleanup;
  ROM_TRY(ctx, rom_ae_pass_workspace(ae, m, sizeof(double), (void **)&ws, (void **)&X0,
                                     (void **)&scratch));
  for (rom_int j = 0; j < m; ++j)
    memcpy(X0 + j * N, Xs + j * ldx, sizeof(double) * (size_t)N);
  /* forward: Z[l] holds the activation a_l after the pass, D[l] = f'(z_l) */
  double *p = ws;
  for (int l = 0; l < nl; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    Z[l] = p;
    D[l] = p + L->out * m;
    p += 2 * L->out * m;
    layer_forward(ae, L, m, l == 0 ? X0 : Z[l - 1], Z[l]);
    rom_activation_apply(L->act, L->out * m, Z[l], Z[l], D[l]);
  }
  /* loss and da_L = gscale * 2 (a_L - x), stored into D[L] .* (dz = da .* f') */
  double *aL = Z[nl - 1], *dL = D[nl - 1], sum = 0.0;
  for (rom_int j = 0; j < m; ++j) {
    double sj = 0.0;
    for (rom_int i = 0; i < N; ++i) {
      double r = aL[i + j * N] - X0[i + j * N];
      sj += r * r;
      dL[i + j * N] *= 2.0 * gscale * r;
    }
    sum += sj;
  }
  if (loss_sum) *loss_sum += sum;
  if (grad) {
    for (int l = nl - 1; l >= 0; --l) {
      const rom_nn_layer *L = &ae->layers[l];
      const double *W = ae->params + L->offset;
      double *gW = grad + L->offset, *gb = L->has_bias ? grad + L->bias_offset : NULL;
      double *dX = l > 0 ? scratch : NULL;
      const double *Xin = l == 0 ? X0 : Z[l - 1];
      if (L->mask)
        rom_masked_backward(L, W, m, Xin, D[l], gW, gb, dX);
      else
        rom_dense_backward(L, W, m, Xin, D[l], gW, gb, dX);
      if (l > 0) { /* dz_{l-1} = da_{l-1} .* f'(z_{l-1}) */
        double *dprev = D[l - 1];
        rom_int n = ae->layers[l - 1].out * m;
        for (rom_int t = 0; t < n; ++t)
          dprev[t] *= scratch[t];
      }
    }
  }
cleanup:
  return err;
}

int rom_ae_loss_gradient(rom_ae *ae, rom_int m, const double *Xs, rom_int ldx, double *loss,
                         double *grad) {
  int err = ROM_OK;
  rom_int N = rom_ae_input_dim(ae);
  double sum = 0.0;
  ROM_CHECK(ae->ctx, m >= 1 && Xs && ldx >= N && loss, ROM_ERR_ARG,
            "loss: m = %lld must be >= 1, ldx = %lld >= N = %lld", (long long)m, (long long)ldx,
            (long long)N);
  if (grad) memset(grad, 0, sizeof(double) * (size_t)ae->nparams);
  ROM_TRY(ae->ctx, rom_ae_accumulate(ae, m, Xs, ldx, 1.0 / ((double)m * (double)N), &sum, grad));
  *loss = sum / ((double)m * (double)N);
cleanup:
  return err;
}

/* ---------------------------------------------------------------- history */

int rom_ae_history_reset(rom_ae *ae) {
  ae->hist_len = 0;
  ae->best_epoch = -1;
  return ROM_OK;
}

int rom_ae_history_push(rom_ae *ae, double loss, double val, double lr, double sec) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  if (ae->hist_len == ae->hist_cap) {
    rom_int cap = ae->hist_cap ? 2 * ae->hist_cap : 64;
    double **arrs[4] = {&ae->hist_loss, &ae->hist_val, &ae->hist_lr, &ae->hist_sec};
    for (int t = 0; t < 4; ++t) {
      double *n = NULL;
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)cap, (void **)&n));
      if (ae->hist_len) memcpy(n, *arrs[t], sizeof(double) * (size_t)ae->hist_len);
      rom_free(ctx, *arrs[t]);
      *arrs[t] = n;
    }
    ae->hist_cap = cap;
  }
  ae->hist_loss[ae->hist_len] = loss;
  ae->hist_val[ae->hist_len] = val;
  ae->hist_lr[ae->hist_len] = lr;
  ae->hist_sec[ae->hist_len] = sec;
  ae->hist_len++;
cleanup:
  return err;
}

int rom_ae_history(const rom_ae *ae, rom_int *epochs, const double **loss, const double **val_loss,
                   const double **lr, const double **seconds) {
  if (epochs) *epochs = ae->hist_len;
  if (loss) *loss = ae->hist_loss;
  if (val_loss) *val_loss = ae->hist_val;
  if (lr) *lr = ae->hist_lr;
  if (seconds) *seconds = ae->hist_sec;
  return ROM_OK;
}
