/* Run-length (segment) kernels of the masked layer in single precision (float32): the
 * kernels of masked_segments.c on float arrays, for training with
 * rom_ae_train_options.precision = ROM_PRECISION_SINGLE. Same segments (rom_mask_segments),
 * same sample chunking, same contracts (ae_impl.h).
 *
 * Summation order. The forward kernel sums a run in 8 interleaved partial sums (lane t mod
 * 8, the remainder into lane 0; with SSE two 4-wide registers, as masked_segments.c uses two
 * 2-wide ones for double), the lanes added pairwise after the row's last run; a sample's
 * result does not depend on its batch or its place there. The backward kernels add into
 * each gW, gb and dX entry in the CSR loops' order (samples in order, rows in order), so
 * they give the bits of rom_masked_backward_csr_single. */
#include "manifold/ae_impl.h"

#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#ifndef SEG_CHUNK_SINGLE
#define SEG_CHUNK_SINGLE 32 /* samples per sweep over the rows (masked_segments.c) */
#endif

/* One sample's run in 8 lanes (the order above). */
static inline void run_dot1_single(const float *restrict w, const float *restrict x, rom_int n,
                                   float a[8]) {
  rom_int t = 0;
  for (; t + 8 <= n; t += 8)
    for (int l = 0; l < 8; ++l)
      a[l] += w[t + l] * x[t + l];
  for (; t < n; ++t)
    a[0] += w[t] * x[t];
}

static inline float lanes_sum(const float a[8]) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* One row's runs for four samples at once (x0 + j * ld), each sample's lanes getting exactly
 * run_dot1_single's operations. */
static inline void row_dot4_single(const rom_mask_segments *g, rom_int r0, rom_int r1,
                                   const float *W, const float *X, rom_int ld, float sum[4]) {
#if defined(__SSE2__)
  __m128 lo[4], hi[4];
  for (int j = 0; j < 4; ++j)
    lo[j] = _mm_setzero_ps(), hi[j] = _mm_setzero_ps();
  for (rom_int r = r0; r < r1; ++r) {
    const float *w = W + g->off[r], *x0 = X + g->col[r];
    const float *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
    const rom_int n = g->len[r];
    rom_int t = 0;
    for (; t + 8 <= n; t += 8) {
      const __m128 wl = _mm_loadu_ps(w + t), wh = _mm_loadu_ps(w + t + 4);
      lo[0] = _mm_add_ps(lo[0], _mm_mul_ps(wl, _mm_loadu_ps(x0 + t)));
      hi[0] = _mm_add_ps(hi[0], _mm_mul_ps(wh, _mm_loadu_ps(x0 + t + 4)));
      lo[1] = _mm_add_ps(lo[1], _mm_mul_ps(wl, _mm_loadu_ps(x1 + t)));
      hi[1] = _mm_add_ps(hi[1], _mm_mul_ps(wh, _mm_loadu_ps(x1 + t + 4)));
      lo[2] = _mm_add_ps(lo[2], _mm_mul_ps(wl, _mm_loadu_ps(x2 + t)));
      hi[2] = _mm_add_ps(hi[2], _mm_mul_ps(wh, _mm_loadu_ps(x2 + t + 4)));
      lo[3] = _mm_add_ps(lo[3], _mm_mul_ps(wl, _mm_loadu_ps(x3 + t)));
      hi[3] = _mm_add_ps(hi[3], _mm_mul_ps(wh, _mm_loadu_ps(x3 + t + 4)));
    }
    for (; t < n; ++t) { /* the remainder into lane 0 */
      const __m128 wt = _mm_load_ss(w + t);
      lo[0] = _mm_add_ss(lo[0], _mm_mul_ss(wt, _mm_load_ss(x0 + t)));
      lo[1] = _mm_add_ss(lo[1], _mm_mul_ss(wt, _mm_load_ss(x1 + t)));
      lo[2] = _mm_add_ss(lo[2], _mm_mul_ss(wt, _mm_load_ss(x2 + t)));
      lo[3] = _mm_add_ss(lo[3], _mm_mul_ss(wt, _mm_load_ss(x3 + t)));
    }
  }
  for (int j = 0; j < 4; ++j) {
    float a[8];
    _mm_storeu_ps(a, lo[j]);
    _mm_storeu_ps(a + 4, hi[j]);
    sum[j] = lanes_sum(a);
  }
#else
  for (int j = 0; j < 4; ++j) {
    float a[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (rom_int r = r0; r < r1; ++r)
      run_dot1_single(W + g->off[r], X + g->col[r] + j * ld, g->len[r], a);
    sum[j] = lanes_sum(a);
  }
#endif
}

void rom_masked_forward_segments_single(const rom_nn_layer *L, const float *W, const float *b,
                                        rom_int B, const float *X, float *Z) {
  const rom_mask_segments *g = L->mask->seg;
  const rom_int in = L->in, out = L->out;
  for (rom_int s0 = 0; s0 < B; s0 += SEG_CHUNK_SINGLE) {
    const rom_int s1 = s0 + SEG_CHUNK_SINGLE < B ? s0 + SEG_CHUNK_SINGLE : B;
    for (rom_int i = 0; i < out; ++i) {
      const float bi = b ? b[i] : 0.0f;
      const rom_int r0 = g->row_seg[i], r1 = g->row_seg[i + 1];
      rom_int s = s0;
      for (; s + 4 <= s1; s += 4) {
        float sum[4];
        row_dot4_single(g, r0, r1, W, X + s * in, in, sum);
        for (int j = 0; j < 4; ++j)
          Z[i + (s + j) * out] = sum[j] + bi;
      }
      for (; s < s1; ++s) {
        float a[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (rom_int r = r0; r < r1; ++r)
          run_dot1_single(W + g->off[r], X + g->col[r] + s * in, g->len[r], a);
        Z[i + s * out] = lanes_sum(a) + bi;
      }
    }
  }
}

void rom_masked_backward_segments_single(const rom_nn_layer *L, const float *W, rom_int B,
                                         const float *X, const float *dZ, float *gW, float *gb,
                                         float *dX) {
  const rom_mask_segments *g = L->mask->seg;
  const rom_int in = L->in, out = L->out;
  if (dX) memset(dX, 0, sizeof(float) * (size_t)(in * B));
  for (rom_int s0 = 0; s0 < B; s0 += SEG_CHUNK_SINGLE) {
    const rom_int s1 = s0 + SEG_CHUNK_SINGLE < B ? s0 + SEG_CHUNK_SINGLE : B;
    for (rom_int i = 0; i < out; ++i) {
      for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
        const rom_int c = g->col[r], n = g->len[r];
        const float *restrict w = W + g->off[r];
        rom_int s = s0;
        /* four samples per pass, added to gW in sample order as the CSR loop does */
        for (; s + 4 <= s1; s += 4) {
          const float d0 = dZ[i + s * out], d1 = dZ[i + (s + 1) * out], d2 = dZ[i + (s + 2) * out],
                      d3 = dZ[i + (s + 3) * out];
          if (gW) {
            float *restrict gw = gW + g->off[r];
            const float *restrict x0 = X + c + s * in, *restrict x1 = x0 + in,
                                  *restrict x2 = x1 + in, *restrict x3 = x2 + in;
            for (rom_int t = 0; t < n; ++t) {
              float v = gw[t];
              v += d0 * x0[t];
              v += d1 * x1[t];
              v += d2 * x2[t];
              v += d3 * x3[t];
              gw[t] = v;
            }
          }
          if (dX) {
            float *restrict y0 = dX + c + s * in, *restrict y1 = y0 + in, *restrict y2 = y1 + in,
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
          const float d = dZ[i + s * out];
          if (gW) {
            float *restrict gw = gW + g->off[r];
            const float *restrict x = X + c + s * in;
            for (rom_int t = 0; t < n; ++t)
              gw[t] += d * x[t];
          }
          if (dX) {
            float *restrict y = dX + c + s * in;
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
