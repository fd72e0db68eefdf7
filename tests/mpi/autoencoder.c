/* The masked autoencoder (librom/manifold) at 1, 2 and 4 ranks. Independent checks:
 *  - the hand-derived gradient of every parameter block (dense and masked weights,
 *    biases; swish, sigmoid, tanh and identity layers) against central finite differences
 *    on a tiny network: relative error < 1e-6 per block;
 *  - the forward-mode decoder Jacobian (with input scaling) against central differences;
 *  - a masked layer gives the output of the dense layer holding the mask's zeros, and its
 *    initial weights are the dense layer's at the mask's positions;
 *  - masks: the banded mask of the paper's P1 size (1000 x 12024, 36 per row), the 2-D
 *    stencil mask of P2 (58 x 58 nodes, 33730 hidden units, 99.06 % sparse);
 *  - a training run on data on a curved 2-D manifold in R^20 ends with a loss below 5 % of
 *    the error of the best rank-2 linear approximation (POD, computed here with LAPACK):
 *    a linear method cannot get there, so the network must have learned the curvature
 *    (measured: 5.4e-5 vs POD 1.07e-2, so the bound 0.05 x POD keeps a 10x margin);
 *  - the loss curve with reproducible chunks is bit-identical to a serial run on
 *    MPI_COMM_SELF; in the default mode it agrees to 1e-10 relative over 10 epochs;
 *  - HDF5 round trip exact (parameters, scaling, history, structure);
 *  - bad input: wrong weights dims in a file -> ROM_ERR_DIM naming file and dataset, NaN
 *    in one rank's training data -> ROM_ERR_NOT_FINITE on every rank, mask/size mismatch
 *    -> ROM_ERR_DIM naming the layer, invalid CSR -> ROM_ERR_ARG. */
#include "testutil.h"

#include <hdf5.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

static double hash01(uint64_t i) {
  return rom_rng_uniform(12345, 7, i);
}

/* The tiny network: every activation, dense + masked, with and without biases. */
static rom_ae *tiny_network(rom_ctx *ctx, rom_mask **mask_out, int masked) {
  rom_ae *ae = NULL;
  rom_mask *mask = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, 6, 4, 2, &mask)); /* 6 x 14 */
  rom_layer_spec enc[3] = {{6, 5, ROM_ACT_SWISH, 1, NULL},
                           {5, 4, ROM_ACT_TANH, 1, NULL},
                           {4, 2, ROM_ACT_IDENTITY, 0, NULL}};
  rom_layer_spec dec[2] = {{2, 14, ROM_ACT_SIGMOID, 1, NULL},
                           {14, 6, ROM_ACT_TANH, 1, masked ? mask : NULL}};
  CHECK_OK(ctx, rom_ae_create(ctx, 3, enc, 2, dec, 7, &ae));
  if (mask_out)
    *mask_out = mask;
  else
    rom_mask_destroy(&mask);
  return ae;
}

static void gradient_check(rom_ctx *ctx) {
  rom_ae *ae = tiny_network(ctx, NULL, 1);
  const rom_int N = 6, m = 3, np = rom_ae_num_params(ae);
  double X[18], loss = 0, lp = 0, lm = 0;
  for (int i = 0; i < 18; ++i)
    X[i] = 2.0 * hash01((uint64_t)i) - 1.0;
  double *theta = rom_ae_params(ae);
  /* larger weights: the activations work in their nonlinear range */
  for (rom_int t = 0; t < np; ++t)
    theta[t] *= 2.5;
  double *g = malloc(sizeof(double) * (size_t)np), *fd = malloc(sizeof(double) * (size_t)np);
  CHECK_OK(ctx, rom_ae_loss_gradient(ae, m, X, N, &loss, g));
  const double h = 1e-5;
  for (rom_int t = 0; t < np; ++t) {
    double keep = theta[t];
    theta[t] = keep + h;
    rom_ae_loss_gradient(ae, m, X, N, &lp, NULL);
    theta[t] = keep - h;
    rom_ae_loss_gradient(ae, m, X, N, &lm, NULL);
    theta[t] = keep;
    fd[t] = (lp - lm) / (2 * h);
  }
  /* per block: each layer's weights and bias */
  for (int l = 0; l < rom_ae_num_layers(ae); ++l) {
    rom_layer_spec s;
    rom_ae_layer(ae, l, &s);
    rom_int nw = s.mask ? rom_mask_nnz(s.mask) : s.in * s.out;
    for (int part = 0; part < 2; ++part) {
      double *blk = part == 0 ? rom_ae_layer_weights(ae, l) : rom_ae_layer_bias(ae, l);
      if (!blk) continue;
      rom_int off = blk - theta, n = part == 0 ? nw : s.out;
      double num = 0, den = 0;
      for (rom_int t = off; t < off + n; ++t) {
        num += (g[t] - fd[t]) * (g[t] - fd[t]);
        den += fd[t] * fd[t];
      }
      double rel = sqrt(num / den);
      CHECK(rel < 1e-6 && den > 0, "gradient of layer %d (%s, %s%s) %s: relative error %.2e vs FD",
            l, rom_activation_name(s.activation), s.mask ? "masked" : "dense",
            l < rom_ae_num_encoder_layers(ae) ? ", encoder" : ", decoder",
            part == 0 ? "weights" : "bias", rel);
    }
  }
  free(g);
  free(fd);
  rom_ae_destroy(&ae);
}

static void jacobian_check(rom_ctx *ctx) {
  rom_ae *ae = tiny_network(ctx, NULL, 1);
  const rom_int N = 6, k = 2;
  double shift[6], scale[6], q[2] = {0.3, -0.7}, J[12], g[6], gp[6], gm[6], g2[6];
  for (int i = 0; i < 6; ++i)
    shift[i] = 0.1 * i, scale[i] = 0.5 + 0.25 * i;
  CHECK_OK(ctx, rom_ae_set_scaling(ae, shift, scale));
  double *theta = rom_ae_params(ae);
  for (rom_int t = 0; t < rom_ae_num_params(ae); ++t)
    theta[t] *= 2.5;
  CHECK_OK(ctx, rom_ae_decode_jacobian(ae, q, g, J, N));
  CHECK_OK(ctx, rom_ae_decode(ae, 1, q, k, g2, N));
  double dg = 0;
  for (int i = 0; i < 6; ++i)
    dg = fmax(dg, fabs(g[i] - g2[i]));
  CHECK(dg < 1e-14, "decode_jacobian's g equals decode: max diff %.2e", dg);
  const double h = 1e-6;
  double num = 0, den = 0;
  for (int c = 0; c < 2; ++c) {
    double qp[2] = {q[0], q[1]}, qm[2] = {q[0], q[1]};
    qp[c] += h;
    qm[c] -= h;
    rom_ae_decode(ae, 1, qp, k, gp, N);
    rom_ae_decode(ae, 1, qm, k, gm, N);
    for (int i = 0; i < 6; ++i) {
      double fd = (gp[i] - gm[i]) / (2 * h);
      num += (J[i + c * N] - fd) * (J[i + c * N] - fd);
      den += fd * fd;
    }
  }
  CHECK(sqrt(num / den) < 1e-7, "decoder Jacobian vs central differences: relative error %.2e",
        sqrt(num / den));
  rom_ae_destroy(&ae);
}

static void masked_equals_dense(rom_ctx *ctx) {
  rom_mask *mask = NULL;
  rom_ae *am = tiny_network(ctx, &mask, 1), *ad = tiny_network(ctx, NULL, 0);
  /* same seed: the masked layer's initial entries are the dense layer's at the mask */
  const int l = 4;
  double *Wm = rom_ae_layer_weights(am, l), *Wd = rom_ae_layer_weights(ad, l);
  const rom_int *rp = rom_mask_row_ptr(mask), *ci = rom_mask_col_index(mask);
  int same_init = 1;
  for (rom_int i = 0; i < 6; ++i)
    for (rom_int t = rp[i]; t < rp[i + 1]; ++t)
      same_init &= Wm[t] == Wd[i * 14 + ci[t]];
  CHECK(same_init, "masked initial weights equal the dense layer's at the mask's positions");
  /* zero the dense layer off the mask: outputs must agree */
  double *full = calloc(6 * 14, sizeof(double));
  for (rom_int i = 0; i < 6; ++i)
    for (rom_int t = rp[i]; t < rp[i + 1]; ++t)
      full[i * 14 + ci[t]] = Wd[i * 14 + ci[t]];
  memcpy(Wd, full, sizeof(double) * 6 * 14);
  double Q[6] = {0.1, 0.2, -1.0, 0.5, 2.0, -0.3}, Ym[18], Yd[18];
  CHECK_OK(ctx, rom_ae_decode(am, 3, Q, 2, Ym, 6));
  CHECK_OK(ctx, rom_ae_decode(ad, 3, Q, 2, Yd, 6));
  double d = 0;
  for (int i = 0; i < 18; ++i)
    d = fmax(d, fabs(Ym[i] - Yd[i]));
  CHECK(d < 1e-14, "masked decoder output equals the dense one with the mask's zeros: %.2e", d);
  free(full);
  rom_mask_destroy(&mask);
  rom_ae_destroy(&am);
  rom_ae_destroy(&ad);
}

static void mask_checks(rom_ctx *ctx) {
  rom_mask *m = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, 1000, 36, 12, &m));
  CHECK(rom_mask_cols(m) == 12024 && rom_mask_nnz(m) == 36000 &&
            rom_mask_col_index(m)[36 * 999] == 11988,
        "P1 banded mask: 1000 x %lld, nnz %lld", (long long)rom_mask_cols(m),
        (long long)rom_mask_nnz(m));
  rom_mask_destroy(&m);
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 58, 58, 100, 10, &m));
  double sparsity = 100.0 * (1.0 - (double)rom_mask_nnz(m) / (3364.0 * 33730.0));
  CHECK(rom_mask_cols(m) == 33730 && fabs(sparsity - 99.06) < 0.01,
        "P2 stencil mask: 3364 x %lld, %.3f %% sparse (paper: 99.06 %%)",
        (long long)rom_mask_cols(m), sparsity);
  /* interior node (ix 1, iy 1) = 59: bands of 1, 58, 59, 60, 117 */
  const rom_int *rp = rom_mask_row_ptr(m), *ci = rom_mask_col_index(m);
  CHECK(rp[60] - rp[59] == 320 && ci[rp[59]] == 10 && ci[rp[60] - 1] == 1269,
        "stencil mask row 59: %lld entries from %lld to %lld", (long long)(rp[60] - rp[59]),
        (long long)ci[rp[59]], (long long)ci[rp[60] - 1]);
  rom_mask_destroy(&m);
  /* user CSR */
  rom_int rp_ok[3] = {0, 2, 3}, ci_ok[3] = {0, 2, 1}, ci_uns[3] = {2, 0, 1}, ci_out[3] = {0, 5, 1};
  CHECK_OK(ctx, rom_mask_from_csr(ctx, 2, 3, rp_ok, ci_ok, &m));
  rom_mask_destroy(&m);
  CHECK_ERR(ctx, rom_mask_from_csr(ctx, 2, 3, rp_ok, ci_uns, &m), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "not sorted") != NULL, "unsorted: '%s'",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_mask_from_csr(ctx, 2, 3, rp_ok, ci_out, &m), ROM_ERR_ARG);
  /* mask / size mismatch */
  CHECK_OK(ctx, rom_mask_banded(ctx, 6, 4, 2, &m)); /* 6 x 14 */
  rom_layer_spec enc[1] = {{6, 2, ROM_ACT_IDENTITY, 0, NULL}};
  rom_layer_spec dec[2] = {{2, 13, ROM_ACT_SWISH, 0, NULL}, {13, 6, ROM_ACT_IDENTITY, 0, m}};
  rom_ae *ae = NULL;
  CHECK_ERR(ctx, rom_ae_create(ctx, 1, enc, 2, dec, 1, &ae), ROM_ERR_DIM);
  CHECK(strstr(rom_ctx_last_error(ctx), "decoder layer 1") &&
            strstr(rom_ctx_last_error(ctx), "6 x 14"),
        "mask mismatch message: '%s'", rom_ctx_last_error(ctx));
  rom_layer_spec dec2[2] = {{2, 14, ROM_ACT_SWISH, 0, NULL}, {14, 5, ROM_ACT_IDENTITY, 0, NULL}};
  CHECK_ERR(ctx, rom_ae_create(ctx, 1, enc, 2, dec2, 1, &ae), ROM_ERR_DIM);
  CHECK(ae == NULL, "no network on failure");
  rom_mask_destroy(&m);
}

/* Samples of a curved 2-D manifold in R^20: x_i(a, b) = exp(-(t_i - a)^2 / w) * (1 + b t_i),
 * a travelling bump (the kind of data where POD needs many modes). */
#define MN 20
static void manifold_data(rom_int m, double *X) {
  for (rom_int j = 0; j < m; ++j) {
    double a = 0.25 + 0.5 * hash01(1000 + (uint64_t)j), b = hash01(5000 + (uint64_t)j) - 0.5;
    for (int i = 0; i < MN; ++i) {
      double t = (double)i / (MN - 1);
      X[i + j * MN] = exp(-(t - a) * (t - a) / 0.05) * (1 + b * t);
    }
  }
}

static rom_ae *manifold_network(rom_ctx *ctx) {
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, MN, 8, 2, &mask)); /* 20 x 46 */
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, MN, 40, 2, 46, ROM_ACT_SWISH, 0, mask, 3, &ae));
  rom_mask_destroy(&mask);
  return ae;
}

/* Mean squared error of the best rank-2 approximation of X (N x m) per entry. */
static double pod2_mse(rom_int m, const double *X) {
  double *A = malloc(sizeof(double) * MN * (size_t)m), s[MN], sup[MN];
  memcpy(A, X, sizeof(double) * MN * (size_t)m);
  LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', MN, (int)m, A, MN, s, NULL, 1, NULL, 1, sup);
  double e = 0;
  for (int i = 2; i < MN; ++i)
    e += s[i] * s[i];
  free(A);
  return e / ((double)m * MN);
}

static void training_checks(rom_ctx *ctx) {
  const rom_int m = 200;
  double *X = malloc(sizeof(double) * MN * m);
  manifold_data(m, X);
  const double pod = pod2_mse(m, X);
  rom_ctx *self = NULL;
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));

  /* 1. reproducible chunks: bit-identical to a serial run */
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 12;
  o.batch = 10;
  o.reproducible_chunks = 4;
  o.learning_rate = 3e-3;
  rom_ae *a = manifold_network(ctx), *s = manifold_network(self);
  CHECK_OK(ctx, rom_ae_train(a, m, X, MN, &o));
  CHECK_OK(self, rom_ae_train(s, m, X, MN, &o));
  rom_int ea = 0, es = 0;
  const double *la, *va, *ls, *vs;
  rom_ae_history(a, &ea, &la, &va, NULL, NULL);
  rom_ae_history(s, &es, &ls, &vs, NULL, NULL);
  int same = ea == es && ea == o.epochs;
  for (rom_int e = 0; same && e < ea; ++e)
    same = la[e] == ls[e] && va[e] == vs[e];
  CHECK(same, "reproducible chunks: loss curve at %d ranks bit-identical to serial (%lld epochs)",
        rom_ctx_size(ctx), (long long)ea);
  same = memcmp(rom_ae_params(a), rom_ae_params(s),
                sizeof(double) * (size_t)rom_ae_num_params(a)) == 0;
  CHECK(same, "reproducible chunks: trained weights bit-identical to serial");
  rom_ae_destroy(&a);
  rom_ae_destroy(&s);

  /* 2. default mode: equal to round-off */
  o.reproducible_chunks = 0;
  o.epochs = 10;
  a = manifold_network(ctx);
  s = manifold_network(self);
  CHECK_OK(ctx, rom_ae_train(a, m, X, MN, &o));
  CHECK_OK(self, rom_ae_train(s, m, X, MN, &o));
  rom_ae_history(a, &ea, &la, &va, NULL, NULL);
  rom_ae_history(s, &es, &ls, &vs, NULL, NULL);
  double worst = 0;
  for (rom_int e = 0; e < ea && e < es; ++e)
    worst = fmax(worst, fmax(fabs(la[e] - ls[e]) / ls[e], fabs(va[e] - vs[e]) / vs[e]));
  CHECK(ea == es && worst < 1e-10,
        "default mode: loss curve at %d ranks vs serial, %lld epochs, max rel diff %.2e",
        rom_ctx_size(ctx), (long long)ea, worst);
  rom_ae_destroy(&a);
  rom_ae_destroy(&s);

  /* 3. a real training run: loss below half of the best linear rank-2 error */
  o.epochs = 400;
  o.batch = 20;
  o.learning_rate = 3e-3;
  o.early_stop = 100;
  a = manifold_network(ctx);
  CHECK_OK(ctx, rom_ae_train(a, m, X, MN, &o));
  rom_ae_history(a, &ea, &la, &va, NULL, NULL);
  double final = va[rom_ae_best_epoch(a)], start = la[0];
  if (rom_ctx_rank(ctx) == 0)
    printf("manifold training: best validation MSE %.3e (epoch %lld), POD rank-2 MSE %.3e, first "
           "epoch %.3e\n",
           final, (long long)rom_ae_best_epoch(a), pod, start);
  CHECK(final < 0.05 * pod && final < 0.05 * start,
        "trained on a 2-D manifold in R^20: validation MSE %.3e < 0.05 x POD rank-2 MSE %.3e "
        "(first epoch %.3e, best epoch %lld)",
        final, pod, start, (long long)rom_ae_best_epoch(a));
  /* the restored weights are the best epoch's: their validation loss is recomputed equal */
  double *Xs = malloc(sizeof(double) * MN * m), loss = 0;
  CHECK_OK(ctx, rom_ae_loss_gradient(a, m, X, MN, &loss, NULL));
  CHECK(loss < 2 * final + 1e-12,
        "whole-set loss of the restored weights %.3e near the best val loss %.3e", loss, final);
  free(Xs);

  /* 4. HDF5 round trip */
  char path[512];
  test_path(ctx, "ae_roundtrip", path, sizeof(path));
  double shift[MN], scale[MN];
  for (int i = 0; i < MN; ++i)
    shift[i] = 0.01 * i, scale[i] = 1.0 + 0.1 * i;
  CHECK_OK(ctx, rom_ae_set_scaling(a, shift, scale));
  CHECK_OK(ctx, rom_ae_write(a, path, 1));
  rom_ae *r = NULL;
  CHECK_OK(ctx, rom_ae_read(ctx, path, &r));
  if (r) {
    CHECK(rom_ae_num_params(r) == rom_ae_num_params(a) &&
              memcmp(rom_ae_params(r), rom_ae_params(a),
                     sizeof(double) * (size_t)rom_ae_num_params(a)) == 0,
          "round trip: parameters bit-identical");
    CHECK(memcmp(rom_ae_shift(r), shift, sizeof(shift)) == 0 &&
              memcmp(rom_ae_scale(r), scale, sizeof(scale)) == 0,
          "round trip: scaling identical");
    rom_int er = 0;
    const double *lr_, *vr_;
    rom_ae_history(r, &er, &lr_, &vr_, NULL, NULL);
    CHECK(er == ea && memcmp(lr_, la, sizeof(double) * (size_t)ea) == 0 &&
              memcmp(vr_, va, sizeof(double) * (size_t)ea) == 0 &&
              rom_ae_best_epoch(r) == rom_ae_best_epoch(a),
          "round trip: history identical (%lld epochs)", (long long)er);
    int structure = rom_ae_num_layers(r) == 4 && rom_ae_num_encoder_layers(r) == 2;
    for (int l = 0; structure && l < 4; ++l) {
      rom_layer_spec x, y;
      rom_ae_layer(a, l, &x);
      rom_ae_layer(r, l, &y);
      structure = x.in == y.in && x.out == y.out && x.activation == y.activation &&
                  x.bias == y.bias && (!x.mask) == (!y.mask);
      if (structure && x.mask)
        structure = rom_mask_nnz(x.mask) == rom_mask_nnz(y.mask) &&
                    memcmp(rom_mask_col_index(x.mask), rom_mask_col_index(y.mask),
                           sizeof(rom_int) * (size_t)rom_mask_nnz(x.mask)) == 0;
    }
    CHECK(structure, "round trip: layers, activations, biases and mask identical");
  }
  rom_ae_destroy(&r);

  /* 5. wrong dimensions in the weights file */
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "encoder/layer0/weights", H5P_DEFAULT);
    hsize_t dims[2] = {40, 21};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "encoder/layer0/weights", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_ae_read(ctx, path, &r), ROM_ERR_DIM);
  CHECK(strstr(rom_ctx_last_error(ctx), "encoder/layer0/weights") &&
            strstr(rom_ctx_last_error(ctx), path),
        "wrong weights dims message names file and dataset: '%s'", rom_ctx_last_error(ctx));
  CHECK(r == NULL, "no network from a bad file");

  /* 6. NaN in training data on rank 0 only: every rank fails */
  if (rom_ctx_rank(ctx) == 0) X[5 + 17 * MN] = NAN;
  CHECK_ERR(ctx, rom_ae_train(a, m, X, MN, &o), ROM_ERR_NOT_FINITE);
  rom_ae_destroy(&a);
  rom_ctx_destroy(&self);
  free(X);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  gradient_check(ctx);
  jacobian_check(ctx);
  masked_equals_dense(ctx);
  mask_checks(ctx);
  training_checks(ctx);
  return test_finish(&ctx);
}
