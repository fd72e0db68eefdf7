/* The masked layer's two kernels (librom/manifold/layer_masked.c: CSR; masked_segments.c:
 * run-length segments) against each other and against an independent dense reference
 * (cblas_dgemm on the dense matrix with the mask's zeros), on random CSR masks, random
 * run-structured masks, band masks and 2-D stencil masks, at batch sizes 1, 3, 4, 7 and 21
 * (the 4-sample blocks and their remainders): forward with and without bias, backward with
 * the weight gradient added to a nonzero start, the bias gradient and the input gradient.
 * Then the kernel choice (ROM_MASK_KERNEL_AUTO) and a tiny P1-shaped training run that gives
 * the same loss history with either kernel. */
#include "manifold/ae_impl.h"
#include "testutil.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double u01(uint64_t stream, uint64_t i) {
  return rom_rng_uniform(7, stream, i);
}

/* max |a - b| / max |ref| over n entries */
static double rel_err(rom_int n, const double *a, const double *b, const double *ref) {
  double e = 0.0, s = 0.0;
  for (rom_int i = 0; i < n; ++i) {
    e = fmax(e, fabs(a[i] - b[i]));
    s = fmax(s, fabs(ref[i]));
  }
  return s > 0 ? e / s : e;
}

/* A random pattern: each entry present with probability p (short runs), or, runs = 1, a few
 * random runs per row (lengths 1..24, possibly touching: the builder merges them). */
static rom_mask *random_mask(rom_ctx *ctx, rom_int rows, rom_int cols, int runs, uint64_t seed) {
  rom_int *rp = malloc(sizeof(rom_int) * (size_t)(rows + 1));
  rom_int *ci = malloc(sizeof(rom_int) * (size_t)(rows * cols));
  rom_int nnz = 0, q = 0;
  rp[0] = 0;
  for (rom_int i = 0; i < rows; ++i) {
    if (!runs) {
      for (rom_int j = 0; j < cols; ++j)
        if (u01(seed, (uint64_t)q++) < 0.3) ci[nnz++] = j;
    } else {
      rom_int j = (rom_int)(u01(seed, (uint64_t)q++) * 6);
      while (j < cols) {
        rom_int len = 1 + (rom_int)(u01(seed, (uint64_t)q++) * 24);
        for (rom_int t = 0; t < len && j < cols; ++t)
          ci[nnz++] = j++;
        j += (rom_int)(u01(seed, (uint64_t)q++) * 12); /* a gap, possibly 0 */
      }
    }
    rp[i + 1] = nnz;
  }
  rom_mask *m = NULL;
  CHECK_OK(ctx, rom_mask_from_csr(ctx, rows, cols, rp, ci, &m));
  free(rp);
  free(ci);
  return m;
}

/* Every kernel on one mask at batch B. */
static void check_mask(rom_mask *mask, rom_int B, const char *what) {
  const rom_int out = mask->rows, in = mask->cols, nnz = mask->row_ptr[out];
  rom_nn_layer L = {in, out, ROM_ACT_IDENTITY, 1, mask, nnz, 0, nnz};
  double *W = malloc(sizeof(double) * (size_t)(nnz + 1)), *b = malloc(sizeof(double) * out);
  double *Wd = calloc((size_t)(in * out), sizeof(double));
  double *X = malloc(sizeof(double) * (size_t)(in * B)),
         *dZ = malloc(sizeof(double) * (size_t)(out * B));
  double *Z[3], *dX[3], *gW[3], *gb[3];
  for (int v = 0; v < 3; ++v) {
    Z[v] = malloc(sizeof(double) * (size_t)(out * B));
    dX[v] = malloc(sizeof(double) * (size_t)(in * B));
    gW[v] = malloc(sizeof(double) * (size_t)(nnz + 1));
    gb[v] = malloc(sizeof(double) * (size_t)out);
  }
  for (rom_int i = 0; i < out; ++i) {
    b[i] = u01(2, (uint64_t)i) - 0.5;
    for (rom_int k = mask->row_ptr[i]; k < mask->row_ptr[i + 1]; ++k)
      Wd[i * in + mask->col_index[k]] = W[k] = u01(1, (uint64_t)k) - 0.5;
  }
  for (rom_int t = 0; t < in * B; ++t)
    X[t] = u01(3, (uint64_t)t) - 0.5;
  for (rom_int t = 0; t < out * B; ++t)
    dZ[t] = u01(4, (uint64_t)t) - 0.5;
  for (int bias = 0; bias < 2; ++bias) {
    /* v = 0: CSR, 1: segments, 2: dense reference */
    rom_masked_forward_csr(&L, W, bias ? b : NULL, B, X, Z[0]);
    rom_masked_forward_segments(&L, W, bias ? b : NULL, B, X, Z[1]);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)out, (int)B, (int)in, 1.0, Wd,
                (int)in, X, (int)in, 0.0, Z[2], (int)out);
    if (bias)
      for (rom_int s = 0; s < B; ++s)
        for (rom_int i = 0; i < out; ++i)
          Z[2][i + s * out] += b[i];
    double e01 = rel_err(out * B, Z[0], Z[1], Z[2]), e02 = rel_err(out * B, Z[1], Z[2], Z[2]);
    CHECK(e01 <= 1e-13 && e02 <= 1e-13,
          "%s, B = %lld, bias %d: forward segments vs CSR %.1e, vs dense %.1e", what, (long long)B,
          bias, e01, e02);
  }
  /* backward: gW starts nonzero (the kernels add to it), gb zero */
  for (int v = 0; v < 2; ++v) {
    for (rom_int k = 0; k < nnz; ++k)
      gW[v][k] = u01(5, (uint64_t)k) - 0.5;
    memset(gb[v], 0, sizeof(double) * (size_t)out);
  }
  rom_masked_backward_csr(&L, W, B, X, dZ, gW[0], gb[0], dX[0]);
  rom_masked_backward_segments(&L, W, B, X, dZ, gW[1], gb[1], dX[1]);
  {
    /* dense: dX = Wd^T dZ, G = dZ X^T (out x in, row-major = in x out col-major) */
    double *G = malloc(sizeof(double) * (size_t)(in * out));
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)in, (int)B, (int)out, 1.0, Wd,
                (int)in, dZ, (int)out, 0.0, dX[2], (int)in);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)in, (int)out, (int)B, 1.0, X, (int)in,
                dZ, (int)out, 0.0, G, (int)in);
    for (rom_int i = 0; i < out; ++i) {
      gb[2][i] = 0.0;
      for (rom_int s = 0; s < B; ++s)
        gb[2][i] += dZ[i + s * out];
      for (rom_int k = mask->row_ptr[i]; k < mask->row_ptr[i + 1]; ++k)
        gW[2][k] = (u01(5, (uint64_t)k) - 0.5) + G[i * in + mask->col_index[k]];
    }
    free(G);
  }
  double e[3][2] = {{rel_err(in * B, dX[0], dX[1], dX[2]), rel_err(in * B, dX[1], dX[2], dX[2])},
                    {rel_err(nnz, gW[0], gW[1], gW[2]), rel_err(nnz, gW[1], gW[2], gW[2])},
                    {rel_err(out, gb[0], gb[1], gb[2]), rel_err(out, gb[1], gb[2], gb[2])}};
  const char *names[3] = {"input gradient", "weight gradient", "bias gradient"};
  for (int q = 0; q < 3; ++q)
    CHECK(e[q][0] <= 1e-13 && e[q][1] <= 1e-13,
          "%s, B = %lld: %s segments vs CSR %.1e, vs dense %.1e", what, (long long)B, names[q],
          e[q][0], e[q][1]);
  /* the backward segment kernels add in the CSR loops' order: the same bits */
  CHECK(!memcmp(dX[0], dX[1], sizeof(double) * (size_t)(in * B)) &&
            !memcmp(gW[0], gW[1], sizeof(double) * (size_t)nnz) &&
            !memcmp(gb[0], gb[1], sizeof(double) * (size_t)out),
        "%s, B = %lld: backward segments bit-identical to CSR", what, (long long)B);
  /* the dispatcher follows a forced choice */
  rom_mask_kernel_set(mask, ROM_MASK_KERNEL_SEGMENTS);
  rom_masked_forward(&L, W, b, B, X, Z[0]);
  rom_masked_forward_segments(&L, W, b, B, X, Z[1]);
  int same = !memcmp(Z[0], Z[1], sizeof(double) * (size_t)(out * B));
  rom_mask_kernel_set(mask, ROM_MASK_KERNEL_CSR);
  rom_masked_forward(&L, W, b, B, X, Z[0]);
  rom_masked_forward_csr(&L, W, b, B, X, Z[1]);
  same = same && !memcmp(Z[0], Z[1], sizeof(double) * (size_t)(out * B));
  rom_mask_kernel_set(mask, ROM_MASK_KERNEL_AUTO);
  CHECK(same, "%s, B = %lld: forced kernels are used", what, (long long)B);
  for (int v = 0; v < 3; ++v)
    free(Z[v]), free(dX[v]), free(gW[v]), free(gb[v]);
  free(W), free(b), free(Wd), free(X), free(dZ);
}

/* The segments of a mask cover its CSR entries exactly, each run maximal. */
static void check_segments(const rom_mask *m, const char *what) {
  const rom_mask_segments *g = m->seg;
  int ok = g != NULL && g->row_seg[0] == 0 && g->row_seg[m->rows] == g->nseg;
  for (rom_int i = 0; ok && i < m->rows; ++i) {
    rom_int k = m->row_ptr[i];
    for (rom_int r = g->row_seg[i]; ok && r < g->row_seg[i + 1]; ++r) {
      ok = g->off[r] == k && g->len[r] >= 1 &&
           (r == g->row_seg[i] || g->col[r] > g->col[r - 1] + g->len[r - 1]);
      for (rom_int t = 0; ok && t < g->len[r]; ++t, ++k)
        ok = m->col_index[k] == g->col[r] + t;
    }
    ok = ok && k == m->row_ptr[i + 1];
  }
  CHECK(ok, "%s: %lld runs cover the %lld entries, each maximal", what,
        (long long)(g ? g->nseg : -1), (long long)m->row_ptr[m->rows]);
}

/* A P1-shaped network (band mask, swish, no decoder bias) trained with each kernel. */
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
  const double *loss[2] = {NULL, NULL}, *val[2] = {NULL, NULL};
  rom_int ep[2] = {0, 0};
  rom_ae *ae[2] = {NULL, NULL};
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 8;
  o.batch = 20;
  o.learning_rate = 3e-3;
  for (int v = 0; v < 2; ++v) {
    CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 40, 3, 264, ROM_ACT_SWISH, 0, mask, 5, &ae[v]));
    if (!ae[v]) return;
    rom_nn_layer *D = &ae[v]->layers[ae[v]->nlayers - 1];
    CHECK(D->mask && rom_mask_uses_segments(D->mask, 20) && !rom_mask_uses_segments(D->mask, 8),
          "training: the band mask's layer runs segments at batch 20, CSR at 8 (auto)");
    rom_mask_kernel_set(D->mask, v ? ROM_MASK_KERNEL_SEGMENTS : ROM_MASK_KERNEL_CSR);
    CHECK_OK(ctx, rom_ae_train(ae[v], m, X, N, &o));
    rom_ae_history(ae[v], &ep[v], &loss[v], &val[v], NULL, NULL);
  }
  double worst = 0.0;
  for (rom_int e = 0; e < ep[0] && e < ep[1]; ++e)
    worst = fmax(worst, fmax(fabs(loss[0][e] - loss[1][e]) / loss[0][e],
                             fabs(val[0][e] - val[1][e]) / val[0][e]));
  printf("training: %lld epochs, loss %.6e -> %.6e, max relative difference CSR vs segments "
         "%.2e\n",
         (long long)ep[0], loss[0][0], loss[0][ep[0] - 1], worst);
  CHECK(ep[0] == o.epochs && ep[1] == o.epochs && worst < 1e-10 && loss[0][ep[0] - 1] < loss[0][0],
        "training: loss history with CSR and segment kernels equal to 1e-10 (%.2e)", worst);
  rom_ae_destroy(&ae[0]);
  rom_ae_destroy(&ae[1]);
  rom_mask_destroy(&mask);
  free(X);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const rom_int batches[5] = {1, 3, 4, 7, 21};
  rom_mask *masks[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  const char *names[6] = {"random CSR 37 x 53", "random runs 29 x 120",  "band 40 x (36, 12)",
                          "band 25 x (5, 7)",   "stencil 7 x 5 (20, 4)", "stencil 6 x 6 (3, 5)"};
  masks[0] = random_mask(ctx, 37, 53, 0, 11);
  masks[1] = random_mask(ctx, 29, 120, 1, 12);
  CHECK_OK(ctx, rom_mask_banded(ctx, 40, 36, 12, &masks[2]));
  CHECK_OK(ctx, rom_mask_banded(ctx, 25, 5, 7, &masks[3])); /* gaps between rows' bands */
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 7, 5, 20, 4, &masks[4]));
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 6, 6, 3, 5, &masks[5])); /* 5 separate runs */
  for (int q = 0; q < 6; ++q) {
    if (!masks[q]) continue;
    check_segments(masks[q], names[q]);
    for (int t = 0; t < 5; ++t)
      check_mask(masks[q], batches[t], names[q]);
  }
  /* the automatic choice: runs of >= 8 on average and a batch above 8 */
  CHECK(masks[0] && !rom_mask_uses_segments(masks[0], 100), "random CSR mask: CSR kernels");
  CHECK(masks[2] && rom_mask_uses_segments(masks[2], 9) && !rom_mask_uses_segments(masks[2], 8) &&
            !rom_mask_uses_segments(masks[2], 1),
        "band mask: segments above batch 8 only");
  {
    rom_mask *p2 = NULL;
    CHECK_OK(ctx, rom_mask_stencil2d(ctx, 58, 58, 100, 10, &p2));
    if (p2) {
      const double avg = (double)rom_mask_nnz(p2) / (double)p2->seg->nseg;
      CHECK(p2->seg->nseg <= 3 * 58 * 58 && avg > 100 && rom_mask_uses_segments(p2, 240),
            "P2 mask: %lld runs (<= 3 per row), average length %.1f, segments at batch 240",
            (long long)p2->seg->nseg, avg);
      rom_mask *c = NULL;
      CHECK_OK(ctx, rom_mask_copy(ctx, p2, &c));
      CHECK(c && c->seg && c->seg->nseg == p2->seg->nseg, "a copied mask has its runs");
      rom_mask_destroy(&c);
    }
    rom_mask_destroy(&p2);
  }
  training(ctx);
  for (int q = 0; q < 6; ++q)
    rom_mask_destroy(&masks[q]);
  return test_finish(&ctx);
}
