/* Single-precision training (rom_ae_train_options.precision = ROM_PRECISION_SINGLE;
 * librom/manifold/layer_single.c, masked_segments_single.c, activation_single.c,
 * autoencoder_single.c) against the double path:
 * 1. the float kernels against the double ones on the same (float-representable) inputs:
 *    dense (sgemm vs dgemm), masked CSR and masked segments, forward and backward, batch 1, 5
 *    and 21; the float segment backward bit-identical to the float CSR one;
 * 2. a forward + backward through whole networks (dense, masked CSR, masked segments; every
 *    activation): loss and gradient, per layer, within relative 1e-5 of the double ones
 *    (float round-off on the same weights and data);
 * 3. training in single lowers the loss on a small problem, tracking double training; an
 *    unknown precision value and a resume in another precision are refused. */
#include "manifold/ae_impl.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double u01(uint64_t stream, uint64_t i) {
  return rom_rng_uniform(11, stream, i);
}

/* max |a - ref| / max |ref| */
static double rel_single(rom_int n, const float *a, const double *ref) {
  double e = 0.0, s = 0.0;
  for (rom_int i = 0; i < n; ++i) {
    e = fmax(e, fabs((double)a[i] - ref[i]));
    s = fmax(s, fabs(ref[i]));
  }
  return s > 0 ? e / s : e;
}

/* n random values in [-0.5, 0.5) rounded to float, as float and as double */
static void fill(rom_int n, uint64_t stream, float *f, double *d) {
  for (rom_int i = 0; i < n; ++i) {
    f[i] = (float)(u01(stream, (uint64_t)i) - 0.5);
    d[i] = (double)f[i];
  }
}

/* 1. one layer's float kernels against the double ones. kernel: 0 dense, 1 CSR, 2 segments. */
static void kernels(rom_mask *mask, rom_int in, rom_int out, int kernel, rom_int B) {
  const char *names[3] = {"dense", "masked CSR", "masked segments"};
  const rom_int nw = mask ? mask->row_ptr[out] : in * out;
  rom_nn_layer L = {in, out, ROM_ACT_IDENTITY, 1, mask, nw, 0, nw};
  float *Wf = malloc(sizeof(float) * (size_t)nw), *bf = malloc(sizeof(float) * (size_t)out);
  float *Xf = malloc(sizeof(float) * (size_t)(in * B)),
        *dZf = malloc(sizeof(float) * (size_t)(out * B));
  float *Zf = malloc(sizeof(float) * (size_t)(out * B)),
        *dXf = malloc(sizeof(float) * (size_t)(in * B));
  float *gWf = malloc(sizeof(float) * (size_t)nw), *gbf = calloc((size_t)out, sizeof(float));
  double *W = malloc(sizeof(double) * (size_t)nw), *b = malloc(sizeof(double) * (size_t)out);
  double *X = malloc(sizeof(double) * (size_t)(in * B)),
         *dZ = malloc(sizeof(double) * (size_t)(out * B));
  double *Z = malloc(sizeof(double) * (size_t)(out * B)),
         *dX = malloc(sizeof(double) * (size_t)(in * B));
  double *gW = malloc(sizeof(double) * (size_t)nw), *gb = calloc((size_t)out, sizeof(double));
  fill(nw, 1, Wf, W);
  fill(out, 2, bf, b);
  fill(in * B, 3, Xf, X);
  fill(out * B, 4, dZf, dZ);
  fill(nw, 5, gWf, gW); /* the weight gradient is added to */
  if (mask) rom_mask_kernel_set(mask, kernel == 1 ? ROM_MASK_KERNEL_CSR : ROM_MASK_KERNEL_SEGMENTS);
  if (!mask) {
    rom_dense_forward_single(&L, Wf, bf, B, Xf, Zf);
    rom_dense_forward(&L, W, b, B, X, Z);
    rom_dense_backward_single(&L, Wf, B, Xf, dZf, gWf, gbf, dXf);
    rom_dense_backward(&L, W, B, X, dZ, gW, gb, dX);
  } else {
    rom_masked_forward_single(&L, Wf, bf, B, Xf, Zf);
    rom_masked_forward(&L, W, b, B, X, Z);
    rom_masked_backward_single(&L, Wf, B, Xf, dZf, gWf, gbf, dXf);
    rom_masked_backward(&L, W, B, X, dZ, gW, gb, dX);
  }
  const double ez = rel_single(out * B, Zf, Z), ex = rel_single(in * B, dXf, dX),
               ew = rel_single(nw, gWf, gW), eb = rel_single(out, gbf, gb);
  CHECK(ez < 1e-5 && ex < 1e-5 && ew < 1e-5 && eb < 1e-5 && ez > 0,
        "%s kernels, B = %lld: single vs double forward %.1e, input grad %.1e, weight grad %.1e, "
        "bias grad %.1e (< 1e-5, and not the double code: > 0)",
        names[kernel], (long long)B, ez, ex, ew, eb);
  if (kernel == 2) { /* the segment backward adds in the CSR order: the same float bits */
    float *gW2 = malloc(sizeof(float) * (size_t)nw), *gb2 = calloc((size_t)out, sizeof(float));
    float *dX2 = malloc(sizeof(float) * (size_t)(in * B)),
          *gW3 = malloc(sizeof(float) * (size_t)nw);
    float *gb3 = calloc((size_t)out, sizeof(float)),
          *dX3 = malloc(sizeof(float) * (size_t)(in * B));
    fill(nw, 5, gW2, gW);
    fill(nw, 5, gW3, gW);
    rom_masked_backward_segments_single(&L, Wf, B, Xf, dZf, gW2, gb2, dX2);
    rom_masked_backward_csr_single(&L, Wf, B, Xf, dZf, gW3, gb3, dX3);
    CHECK(!memcmp(gW2, gW3, sizeof(float) * (size_t)nw) &&
              !memcmp(gb2, gb3, sizeof(float) * (size_t)out) &&
              !memcmp(dX2, dX3, sizeof(float) * (size_t)(in * B)),
          "masked segments, B = %lld: float backward bit-identical to the float CSR loops",
          (long long)B);
    rom_masked_forward_csr_single(&L, Wf, bf, B, Xf, Zf);
    rom_masked_forward_segments_single(&L, Wf, bf, B, Xf, dZf);
    double e = 0.0;
    for (rom_int t = 0; t < out * B; ++t)
      e = fmax(e, fabs((double)Zf[t] - (double)dZf[t]));
    CHECK(e < 1e-5, "masked segments, B = %lld: float forward vs float CSR %.1e", (long long)B, e);
    free(gW2), free(gb2), free(dX2), free(gW3), free(gb3), free(dX3);
  }
  if (mask) rom_mask_kernel_set(mask, ROM_MASK_KERNEL_AUTO);
  free(Wf), free(bf), free(Xf), free(dZf), free(Zf), free(dXf), free(gWf), free(gbf);
  free(W), free(b), free(X), free(dZ), free(Z), free(dX), free(gW), free(gb);
}

/* 2. a whole network's loss and gradient, single vs double, on the same float-representable
 * weights and data. kernel: 0 all dense, 1 / 2 a masked output layer run by CSR / segments. */
static void network(rom_ctx *ctx, rom_activation act, int kernel) {
  const char *names[3] = {"dense", "masked CSR", "masked segments"};
  const rom_int N = 48, m = 21;
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  if (kernel) CHECK_OK(ctx, rom_mask_banded(ctx, N, 10, 3, &mask)); /* 48 x 151 */
  const rom_int H2 = mask ? mask->cols : 40;
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 32, 4, H2, act, 1, mask, 9, &ae));
  rom_mask_destroy(&mask);
  if (!ae) return;
  rom_nn_layer *D = &ae->layers[ae->nlayers - 1];
  if (D->mask)
    rom_mask_kernel_set(D->mask, kernel == 1 ? ROM_MASK_KERNEL_CSR : ROM_MASK_KERNEL_SEGMENTS);
  const rom_int np = ae->nparams;
  float *pf = malloc(sizeof(float) * (size_t)np), *Xf = malloc(sizeof(float) * (size_t)(N * m));
  float *gf = calloc((size_t)np, sizeof(float));
  double *X = malloc(sizeof(double) * (size_t)(N * m)), *g = calloc((size_t)np, sizeof(double));
  /* weights 4x PyTorch's init so the activations leave their linear range */
  for (rom_int t = 0; t < np; ++t)
    ae->params[t] = (double)(float)(4.0 * ae->params[t]);
  rom_ae_params_to_single(ae, pf);
  for (rom_int t = 0; t < N * m; ++t) {
    Xf[t] = (float)u01(20, (uint64_t)t);
    X[t] = (double)Xf[t];
  }
  double loss = 0.0, loss_f = 0.0;
  const double gscale = 1.0 / ((double)m * (double)N);
  CHECK_OK(ctx, rom_ae_accumulate(ae, m, X, N, gscale, &loss, g));
  CHECK_OK(ctx, rom_ae_accumulate_single(ae, pf, m, Xf, N, (float)gscale, &loss_f, gf));
  const double el = fabs(loss_f - loss) / loss;
  CHECK(el < 1e-5 && el > 0, "%s network, %s: loss single %.9e vs double %.9e, rel %.1e",
        names[kernel], rom_activation_name(act), loss_f / (double)(m * N), loss / (double)(m * N),
        el);
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    const rom_int n = L->nweights + (L->has_bias ? L->out : 0);
    const double e = rel_single(n, gf + L->offset, g + L->offset);
    CHECK(e < 1e-5, "%s network, %s: layer %d (%s) gradient single vs double rel %.1e",
          names[kernel], rom_activation_name(act), l, L->mask ? "masked" : "dense", e);
  }
  /* per-sample losses (validation) */
  double vs[21], vd[21];
  CHECK_OK(ctx, rom_ae_sample_losses_single(ae, pf, m, Xf, N, vs));
  double worst = 0.0;
  for (rom_int j = 0; j < m; ++j) {
    double *Y = malloc(sizeof(double) * (size_t)N);
    CHECK_OK(ctx, rom_ae_forward_range(ae, 0, ae->nlayers, 1, X + j * N, N, Y, N));
    double s = 0.0;
    for (rom_int i = 0; i < N; ++i)
      s += (Y[i] - X[i + j * N]) * (Y[i] - X[i + j * N]);
    vd[j] = s / (double)N;
    worst = fmax(worst, fabs(vs[j] - vd[j]) / vd[j]);
    free(Y);
  }
  CHECK(worst < 1e-5, "%s network, %s: per-sample losses single vs double rel %.1e", names[kernel],
        rom_activation_name(act), worst);
  free(pf), free(Xf), free(gf), free(X), free(g);
  rom_ae_destroy(&ae);
}

/* 3. training: single lowers the loss and tracks double; refusals. */
static void training(rom_ctx *ctx) {
  const rom_int N = 64, m = 120;
  double *X = malloc(sizeof(double) * (size_t)(N * m));
  for (rom_int j = 0; j < m; ++j) {
    const double a = 0.2 + 0.6 * u01(6, (uint64_t)j);
    for (rom_int i = 0; i < N; ++i) {
      const double x = (double)i / (double)N;
      X[i + j * N] = exp(-(x - a) * (x - a) / 0.02);
    }
  }
  rom_mask *mask = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, N, 12, 4, &mask)); /* 64 x 264 */
  rom_ae *ae[2] = {NULL, NULL};
  const double *loss[2] = {NULL, NULL};
  rom_int ep[2] = {0, 0};
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 40;
  o.batch = 20;
  o.learning_rate = 3e-3;
  for (int v = 0; v < 2; ++v) {
    CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 40, 3, 264, ROM_ACT_SWISH, 0, mask, 5, &ae[v]));
    if (!ae[v]) return;
    o.precision = v ? ROM_PRECISION_SINGLE : ROM_PRECISION_DOUBLE;
    CHECK_OK(ctx, rom_ae_train(ae[v], m, X, N, &o));
    rom_ae_history(ae[v], &ep[v], &loss[v], NULL, NULL, NULL);
  }
  CHECK(ep[0] == o.epochs && ep[1] == o.epochs, "training: %lld and %lld epochs", (long long)ep[0],
        (long long)ep[1]);
  if (ep[0] == o.epochs && ep[1] == o.epochs) {
    const double first = fabs(loss[1][0] - loss[0][0]) / loss[0][0];
    CHECK(first < 1e-4 && first > 0,
          "training: first epoch's loss single %.6e vs double %.6e (rel %.1e: float round-off)",
          loss[1][0], loss[0][0], first);
    CHECK(loss[1][o.epochs - 1] < 0.2 * loss[1][0],
          "training in single lowers the loss: %.3e -> %.3e", loss[1][0], loss[1][o.epochs - 1]);
    const double last = loss[1][o.epochs - 1] / loss[0][o.epochs - 1];
    CHECK(last > 0.5 && last < 2.0, "training: last loss single %.3e vs double %.3e (ratio %.2f)",
          loss[1][o.epochs - 1], loss[0][o.epochs - 1], last);
  }
  /* the stored network stays double and decodes in double */
  rom_ae_destroy(&ae[1]);
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 40, 3, 264, ROM_ACT_SWISH, 0, mask, 5, &ae[1]));

  /* refusals: an unknown precision; a checkpoint resumed in another precision */
  o.precision = (rom_precision)7;
  CHECK_ERR(ctx, rom_ae_train(ae[1], m, X, N, &o), ROM_ERR_ARG);
  char path[512];
  test_path(ctx, "ae_single_ckpt", path, sizeof path);
  o.precision = ROM_PRECISION_SINGLE;
  o.epochs = 4;
  o.checkpoint_path = path;
  o.stop_after_epoch = 2;
  CHECK_OK(ctx, rom_ae_train(ae[1], m, X, N, &o));
  CHECK(rom_ae_train_interrupted(ae[1]), "single: stopped after 2 epochs with a checkpoint");
  o.stop_after_epoch = 0;
  o.checkpoint_path = NULL;
  o.resume_path = path;
  o.precision = ROM_PRECISION_DOUBLE;
  CHECK_ERR(ctx, rom_ae_train(ae[1], m, X, N, &o), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "single precision") != NULL,
        "the refusal names the checkpoint's precision: '%s'", rom_ctx_last_error(ctx));
  /* resumed in its own precision, the run goes on bit for bit */
  o.precision = ROM_PRECISION_SINGLE;
  CHECK_OK(ctx, rom_ae_train(ae[1], m, X, N, &o));
  rom_ae *full = NULL;
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 40, 3, 264, ROM_ACT_SWISH, 0, mask, 5, &full));
  o.resume_path = NULL;
  CHECK_OK(ctx, rom_ae_train(full, m, X, N, &o));
  CHECK(!memcmp(full->params, ae[1]->params, sizeof(double) * (size_t)full->nparams),
        "single: a resumed run equals an uninterrupted one bit for bit");
  remove(path);
  rom_ae_destroy(&full);
  rom_ae_destroy(&ae[0]);
  rom_ae_destroy(&ae[1]);
  rom_mask_destroy(&mask);
  free(X);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  rom_mask *band = NULL, *stencil = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, 60, 12, 5, &band));        /* 60 x 307, one run per row */
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 8, 7, 6, 3, &stencil)); /* 2-D stencil: 3 runs per row */
  const rom_int Bs[3] = {1, 5, 21};
  for (int t = 0; t < 3; ++t) {
    kernels(NULL, 37, 29, 0, Bs[t]);
    for (int k = 1; k <= 2; ++k) {
      kernels(band, band->cols, band->rows, k, Bs[t]);
      kernels(stencil, stencil->cols, stencil->rows, k, Bs[t]);
    }
  }
  rom_mask_destroy(&band);
  rom_mask_destroy(&stencil);
  for (int a = 0; a < rom_activation_count(); ++a) {
    CHECK(rom_activation_single_lookup((rom_activation)a) != NULL, "activation %s has a float form",
          rom_activation_name((rom_activation)a));
    for (int k = 0; k < 3; ++k)
      network(ctx, (rom_activation)a, k);
  }
  training(ctx);
  return test_finish(&ctx);
}
