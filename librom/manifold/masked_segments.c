/* Run-length (segment) kernels of the masked layer: Z = W_mask X + b and its gradients,
 * where each row of the mask is a few runs of contiguous columns.
 *
 * The decoder masks of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022) are bands
 * (P1: each output row owns 36 consecutive hidden units) and unions of the bands of a
 * 5-point stencil (P2: the left, own and right bands overlap into one run of about 120
 * columns, the bands below and above are two runs of 100). The CSR loops of
 * layer_masked.c load a column index per multiply-add and gather X through it; here a run is
 * a dense piece of a row, so each (row, run, sample) is a dot product (forward) or an axpy
 * (both gradients) over contiguous memory, which the compiler vectorises (-O3, the build's
 * own flags: no -march). docs/autoencoder.md, "Masked layer kernels", has the rule and
 * docs/benchmarks.md the measured times and roofline fractions.
 *
 * Summation order. The backward kernels add into each gW, gb and dX entry in exactly the
 * CSR loops' order (samples in order for gW and gb, rows in order for dX): the same bits.
 * The forward kernel sums a run in 4 interleaved partial sums (lane t mod 4, the remainder
 * into lane 0, lanes added as (l0 + l1) + (l2 + l3) after the row's last run) so that the
 * loop vectorises without reassociation flags: it differs from the CSR loop by round-off
 * (relative ~ 1e-16 times the row's condition), and a sample's result does not depend on
 * the batch it is in or its place there. */
#include "core/values.h"
#include "manifold/ae_impl.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void rom_mask_segments_free(rom_ctx *ctx, rom_mask *m) {
  if (!m || !m->seg) return;
  rom_mask_segments *g = m->seg;
  rom_free(ctx, g->row_seg);
  rom_free(ctx, g->col);
  rom_free(ctx, g->len);
  rom_free(ctx, g->off);
  rom_free(ctx, g);
  m->seg = NULL;
}

int rom_mask_segments_build(rom_ctx *ctx, rom_mask *m) {
  int err = ROM_OK;
  rom_mask_segments *g = NULL;
  ROM_CHECK(ctx, m != NULL, ROM_ERR_ARG, "the mask is NULL");
  rom_mask_segments_free(ctx, m);
  const rom_int rows = m->rows, *rp = m->row_ptr, *ci = m->col_index;
  /* a run starts at a row's first entry and wherever a column is not the previous + 1 */
  rom_int nseg = 0;
  for (rom_int i = 0; i < rows; ++i)
    for (rom_int k = rp[i]; k < rp[i + 1]; ++k)
      nseg += (k == rp[i] || ci[k] != ci[k - 1] + 1);
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(*g), (void **)&g));
  g->nseg = nseg;
  ROM_TRY(ctx, rom_malloc_n(ctx, rows + 1, 1, sizeof(rom_int), (void **)&g->row_seg));
  ROM_TRY(ctx, rom_malloc_n(ctx, nseg + 1, 1, sizeof(rom_int), (void **)&g->col));
  ROM_TRY(ctx, rom_malloc_n(ctx, nseg + 1, 1, sizeof(rom_int), (void **)&g->len));
  ROM_TRY(ctx, rom_malloc_n(ctx, nseg + 1, 1, sizeof(rom_int), (void **)&g->off));
  nseg = 0;
  for (rom_int i = 0; i < rows; ++i) {
    g->row_seg[i] = nseg;
    for (rom_int k = rp[i]; k < rp[i + 1]; ++k) {
      if (k == rp[i] || ci[k] != ci[k - 1] + 1) {
        g->col[nseg] = ci[k];
        g->off[nseg] = k;
        g->len[nseg] = 0;
        ++nseg;
      }
      ++g->len[nseg - 1];
    }
  }
  g->row_seg[rows] = nseg;
  m->seg = g;
  g = NULL;
cleanup:
  if (g) {
    rom_mask tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.seg = g;
    rom_mask_segments_free(ctx, &tmp);
  }
  return err;
}

void rom_mask_kernel_set(rom_mask *m, rom_mask_kernel k) {
  if (m) m->kernel = k;
}

int rom_mask_uses_segments(const rom_mask *m, rom_int B) {
  if (!m || !m->seg) return 0;
  if (m->kernel == ROM_MASK_KERNEL_CSR) return 0;
  if (m->kernel == ROM_MASK_KERNEL_SEGMENTS) return 1;
  /* average run length nnz / nseg >= the threshold, without a division */
  const rom_int nnz = m->row_ptr[m->rows];
  return B > ROM_MASKED_SMALL_B && m->seg->nseg > 0 &&
         nnz >= (rom_int)ROM_MASK_SEGMENT_MIN_RUN * m->seg->nseg;
}

/* Samples per sweep over the rows. A row's runs touch the same columns of every sample,
 * P2's rows reach 58 rows (the stencil's vertical neighbours) back and ahead: one sweep's
 * working set of X is about 1300 columns x SEG_CHUNK samples, 330 KB at 32, which stays in L2
 * instead of the whole batch's 2.5 MB at 240. Each sample is still added to every gW / gb
 * entry in sample order and to every dX entry in row order. */
#ifndef SEG_CHUNK
#define SEG_CHUNK 32
#endif

/* One sample's dot product of a run in 4 lanes (the order described at the top). */
static inline void run_dot1(const double *restrict w, const double *restrict x, rom_int n,
                            double a[4]) {
  rom_int t = 0;
  for (; t + 4 <= n; t += 4)
    for (int l = 0; l < 4; ++l)
      a[l] += w[t + l] * x[t + l];
  for (; t < n; ++t)
    a[0] += w[t] * x[t];
}

/* One row's runs for four samples at once (x0 + j * ld, j < 4): the weights are loaded
 * once for the four, and each sample's lanes get exactly run_dot1's operations; sum[j] =
 * (l0 + l1) + (l2 + l3). With SSE2 (every x86-64) the lanes are two explicit 2-wide
 * registers: GCC's vectoriser, given the portable loop, keeps the four lanes as in-order
 * scalar reductions (mulpd then addsd) and gains nothing over the CSR loop. */
static inline void row_dot4(const rom_mask_segments *g, rom_int r0, rom_int r1, const double *W,
                            const double *X, rom_int ld, double sum[4]) {
#if defined(__SSE2__)
  __m128d lo[4], hi[4];
  for (int j = 0; j < 4; ++j)
    lo[j] = _mm_setzero_pd(), hi[j] = _mm_setzero_pd();
  for (rom_int r = r0; r < r1; ++r) {
    const double *w = W + g->off[r], *x0 = X + g->col[r];
    const double *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
    const rom_int n = g->len[r];
    rom_int t = 0;
    for (; t + 4 <= n; t += 4) {
      const __m128d wl = _mm_loadu_pd(w + t), wh = _mm_loadu_pd(w + t + 2);
      lo[0] = _mm_add_pd(lo[0], _mm_mul_pd(wl, _mm_loadu_pd(x0 + t)));
      hi[0] = _mm_add_pd(hi[0], _mm_mul_pd(wh, _mm_loadu_pd(x0 + t + 2)));
      lo[1] = _mm_add_pd(lo[1], _mm_mul_pd(wl, _mm_loadu_pd(x1 + t)));
      hi[1] = _mm_add_pd(hi[1], _mm_mul_pd(wh, _mm_loadu_pd(x1 + t + 2)));
      lo[2] = _mm_add_pd(lo[2], _mm_mul_pd(wl, _mm_loadu_pd(x2 + t)));
      hi[2] = _mm_add_pd(hi[2], _mm_mul_pd(wh, _mm_loadu_pd(x2 + t + 2)));
      lo[3] = _mm_add_pd(lo[3], _mm_mul_pd(wl, _mm_loadu_pd(x3 + t)));
      hi[3] = _mm_add_pd(hi[3], _mm_mul_pd(wh, _mm_loadu_pd(x3 + t + 2)));
    }
    for (; t < n; ++t) { /* the remainder into lane 0 (the low half of lo) */
      const __m128d wt = _mm_load_sd(w + t);
      lo[0] = _mm_add_sd(lo[0], _mm_mul_sd(wt, _mm_load_sd(x0 + t)));
      lo[1] = _mm_add_sd(lo[1], _mm_mul_sd(wt, _mm_load_sd(x1 + t)));
      lo[2] = _mm_add_sd(lo[2], _mm_mul_sd(wt, _mm_load_sd(x2 + t)));
      lo[3] = _mm_add_sd(lo[3], _mm_mul_sd(wt, _mm_load_sd(x3 + t)));
    }
  }
  for (int j = 0; j < 4; ++j) {
    double a[2], c[2];
    _mm_storeu_pd(a, lo[j]);
    _mm_storeu_pd(c, hi[j]);
    sum[j] = (a[0] + a[1]) + (c[0] + c[1]);
  }
#else
  for (int j = 0; j < 4; ++j) {
    double a[4] = {0.0, 0.0, 0.0, 0.0};
    for (rom_int r = r0; r < r1; ++r)
      run_dot1(W + g->off[r], X + g->col[r] + j * ld, g->len[r], a);
    sum[j] = (a[0] + a[1]) + (a[2] + a[3]);
  }
#endif
}

void rom_masked_forward_segments(const rom_nn_layer *L, const double *W, const double *b, rom_int B,
                                 const double *X, double *Z) {
  const rom_mask_segments *g = L->mask->seg;
  const rom_int in = L->in, out = L->out;
  const rom_int *col = g->col, *len = g->len, *off = g->off;
  for (rom_int s0 = 0; s0 < B; s0 += SEG_CHUNK) {
    const rom_int s1 = s0 + SEG_CHUNK < B ? s0 + SEG_CHUNK : B;
    for (rom_int i = 0; i < out; ++i) {
      const double bi = b ? b[i] : 0.0;
      const rom_int r0 = g->row_seg[i], r1 = g->row_seg[i + 1];
      rom_int s = s0;
      for (; s + 4 <= s1; s += 4) {
        double sum[4];
        row_dot4(g, r0, r1, W, X + s * in, in, sum);
        for (int j = 0; j < 4; ++j)
          Z[i + (s + j) * out] = sum[j] + bi;
      }
      for (; s < s1; ++s) {
        double a[4] = {0.0, 0.0, 0.0, 0.0};
        for (rom_int r = r0; r < r1; ++r)
          run_dot1(W + off[r], X + col[r] + s * in, len[r], a);
        Z[i + s * out] = ((a[0] + a[1]) + (a[2] + a[3])) + bi;
      }
    }
  }
}

void rom_masked_backward_segments(const rom_nn_layer *L, const double *W, rom_int B,
                                  const double *X, const double *dZ, double *gW, double *gb,
                                  double *dX) {
  const rom_mask_segments *g = L->mask->seg;
  const rom_int in = L->in, out = L->out;
  if (dX) memset(dX, 0, sizeof(double) * (size_t)(in * B));
  for (rom_int s0 = 0; s0 < B; s0 += SEG_CHUNK) {
    const rom_int s1 = s0 + SEG_CHUNK < B ? s0 + SEG_CHUNK : B;
    for (rom_int i = 0; i < out; ++i) {
      for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
        const rom_int c = g->col[r], n = g->len[r];
        const double *restrict w = W + g->off[r];
        rom_int s = s0;
        /* four samples per pass: gW's run is loaded and stored once for four samples, added
         * to in sample order as the CSR loop does */
        for (; s + 4 <= s1; s += 4) {
          const double d0 = dZ[i + s * out], d1 = dZ[i + (s + 1) * out], d2 = dZ[i + (s + 2) * out],
                       d3 = dZ[i + (s + 3) * out];
          if (gW) {
            double *restrict gw = gW + g->off[r];
            const double *restrict x0 = X + c + s * in, *restrict x1 = x0 + in,
                                   *restrict x2 = x1 + in, *restrict x3 = x2 + in;
            for (rom_int t = 0; t < n; ++t) {
              double v = gw[t];
              v += d0 * x0[t];
              v += d1 * x1[t];
              v += d2 * x2[t];
              v += d3 * x3[t];
              gw[t] = v;
            }
          }
          if (dX) {
            double *restrict y0 = dX + c + s * in, *restrict y1 = y0 + in, *restrict y2 = y1 + in,
                             *restrict y3 = y2 + in;
            for (rom_int t = 0; t < n; ++t) {
              y0[t] += w[t] * d0;
              y1[t] += w[t] * d1;
              y2[t] += w[t] * d2;
              y3[t] += w[t] * d3;
            }
          }
        }
        for (; s < s1; ++s) {
          const double d = dZ[i + s * out];
          if (gW) {
            double *restrict gw = gW + g->off[r];
            const double *restrict x = X + c + s * in;
            for (rom_int t = 0; t < n; ++t)
              gw[t] += d * x[t];
          }
          if (dX) {
            double *restrict y = dX + c + s * in;
            for (rom_int t = 0; t < n; ++t)
              y[t] += w[t] * d;
          }
        }
      }
      if (gb)
        for (rom_int s = s0; s < s1; ++s)
          gb[i] += dZ[i + s * out];
    }
  }
}
