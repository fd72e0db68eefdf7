/* AVX-512F kernels of the fused decoder pass (decode_fused.h): SLEEF's 8-lane exp / tanh for
 * the activations and the masked layer's unit-major product, one 8-lane vector per weight.
 * This file is compiled with -mavx512f -ffp-contract=off (CMakeLists.txt) and its functions
 * are called only when the CPU reports AVX-512F (activation_vec.c, decode_fused.c). No
 * contraction into fused multiply-adds: every lane computes what the scalar code of
 * activation.c / decode_fused.c computes, in the same order. */
#include "manifold/decode_fused.h"
#include "manifold/act_vec_driver.h"

#if defined(ROMKIT_SIMD_X86) && defined(__AVX512F__)
#include <immintrin.h>
#ifdef ROMKIT_HAVE_SLEEF
#include <sleef.h>
#endif

#define V 8

void rom_masked_fused_avx512(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                             rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    const rom_int end = rp[i + 1];
    for (rom_int c0 = 0; c0 < ld; c0 += V) {
      __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
      const double *h = H + c0;
      rom_int t = rp[i];
      for (; t + 4 <= end; t += 4) {
        s0 =
            _mm512_add_pd(s0, _mm512_mul_pd(_mm512_set1_pd(W[t]), _mm512_loadu_pd(h + ci[t] * ld)));
        s1 = _mm512_add_pd(
            s1, _mm512_mul_pd(_mm512_set1_pd(W[t + 1]), _mm512_loadu_pd(h + ci[t + 1] * ld)));
        s2 = _mm512_add_pd(
            s2, _mm512_mul_pd(_mm512_set1_pd(W[t + 2]), _mm512_loadu_pd(h + ci[t + 2] * ld)));
        s3 = _mm512_add_pd(
            s3, _mm512_mul_pd(_mm512_set1_pd(W[t + 3]), _mm512_loadu_pd(h + ci[t + 3] * ld)));
      }
      if (t < end)
        s0 =
            _mm512_add_pd(s0, _mm512_mul_pd(_mm512_set1_pd(W[t]), _mm512_loadu_pd(h + ci[t] * ld)));
      if (t + 1 < end)
        s1 = _mm512_add_pd(
            s1, _mm512_mul_pd(_mm512_set1_pd(W[t + 1]), _mm512_loadu_pd(h + ci[t + 1] * ld)));
      if (t + 2 < end)
        s2 = _mm512_add_pd(
            s2, _mm512_mul_pd(_mm512_set1_pd(W[t + 2]), _mm512_loadu_pd(h + ci[t + 2] * ld)));
      _mm512_storeu_pd(Z + i * ld + c0,
                       _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
    }
  }
}

/* The first (dense, from the latent vector) layer of the fused pass (decode_fused.h):
 * z_j = b_j + (((W_j0 q_0 + W_j1 q_1) + ...) + W_j,k-1 q_k-1), eight units at a time for
 * k <= 8: their rows of the row-major {out, k} W are eight masked loads, transposed in
 * registers so that column c is one vector over the eight units; the tail (and k > 8) is
 * decode_fused.c's scalar loop, which adds in the same order: the same bits. */
static inline void transpose8(__m512d r[8]) {
  __m512d t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
  }
  /* 128-bit blocks: 0x88 takes blocks 0, 2 of each source, 0xDD blocks 1, 3 */
  u[0] = _mm512_shuffle_f64x2(t[0], t[2], 0x88);
  u[1] = _mm512_shuffle_f64x2(t[0], t[2], 0xDD);
  u[2] = _mm512_shuffle_f64x2(t[1], t[3], 0x88);
  u[3] = _mm512_shuffle_f64x2(t[1], t[3], 0xDD);
  u[4] = _mm512_shuffle_f64x2(t[4], t[6], 0x88);
  u[5] = _mm512_shuffle_f64x2(t[4], t[6], 0xDD);
  u[6] = _mm512_shuffle_f64x2(t[5], t[7], 0x88);
  u[7] = _mm512_shuffle_f64x2(t[5], t[7], 0xDD);
  r[0] = _mm512_shuffle_f64x2(u[0], u[4], 0x88);
  r[4] = _mm512_shuffle_f64x2(u[0], u[4], 0xDD);
  r[2] = _mm512_shuffle_f64x2(u[1], u[5], 0x88);
  r[6] = _mm512_shuffle_f64x2(u[1], u[5], 0xDD);
  r[1] = _mm512_shuffle_f64x2(u[2], u[6], 0x88);
  r[5] = _mm512_shuffle_f64x2(u[2], u[6], 0xDD);
  r[3] = _mm512_shuffle_f64x2(u[3], u[7], 0x88);
  r[7] = _mm512_shuffle_f64x2(u[3], u[7], 0xDD);
}

void rom_fused_first_z_avx512(rom_int out, rom_int k, const double *W, const double *b,
                              const double *q, double *z) {
  rom_int j = 0;
  if (k >= 1 && k <= V) {
    const __mmask8 in = (__mmask8)((1u << k) - 1u);
    for (; j + V <= out; j += V) {
      __m512d r[8];
      for (int i = 0; i < V; ++i)
        r[i] = _mm512_maskz_loadu_pd(in, W + (j + i) * k);
      transpose8(r); /* r[c]: W[j .. j + 8, c] */
      __m512d s = _mm512_mul_pd(r[0], _mm512_set1_pd(q[0]));
      for (rom_int c = 1; c < k; ++c)
        s = _mm512_add_pd(s, _mm512_mul_pd(r[c], _mm512_set1_pd(q[c])));
      _mm512_storeu_pd(z + j, b ? _mm512_add_pd(_mm512_loadu_pd(b + j), s) : s);
    }
  }
  rom_fused_first_z_scalar(out - j, k, W + j * k, b ? b + j : NULL, q, z + j);
}

/* H's rows [a_j, d_j W_j0 .. d_j W_j,k-1, 0 ..] (ld = 8, k <= 7): one masked load, one
 * lane shift, one multiply and one store per unit; the products are decode_fused.c's. */
void rom_fused_first_fill_avx512(rom_int out, rom_int k, const double *W, const double *a,
                                 const double *d, double *H) {
  const __mmask8 in = (__mmask8)((1u << k) - 1u), lanes = (__mmask8)(in << 1);
  const __m512i zero = _mm512_setzero_si512();
  for (rom_int j = 0; j < out; ++j) {
    const __m512d w = _mm512_maskz_loadu_pd(in, W + j * k);
    /* lanes [0, w_0 .. w_6]: w moved up one lane */
    const __m512d ws = _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(w), zero, 7));
    const __m512d h = _mm512_maskz_mul_pd(lanes, ws, _mm512_set1_pd(d[j]));
    _mm512_storeu_pd(H + j * 8, _mm512_mask_mov_pd(h, 1, _mm512_set1_pd(a[j])));
  }
}

/* The segment form of rom_masked_fused_avx512 (decode_fused.h): run r of row i is W[off ..
 * off + len) times the contiguous units col .. col + len of H, so H streams in order
 * instead of through a column index. Entry t still goes to chain (t - rp[i]) mod 4, the
 * CSR kernel's order: the same bits. */
#define SEG_TERM(j) _mm512_mul_pd(_mm512_set1_pd(w[j]), _mm512_loadu_pd(h + (j)*ld))
#define SEG_ADD_AT(p, x)                                                                           \
  do {                                                                                             \
    const __m512d x_ = (x);                                                                        \
    switch (p) {                                                                                   \
    case 0:                                                                                        \
      s0 = _mm512_add_pd(s0, x_);                                                                  \
      break;                                                                                       \
    case 1:                                                                                        \
      s1 = _mm512_add_pd(s1, x_);                                                                  \
      break;                                                                                       \
    case 2:                                                                                        \
      s2 = _mm512_add_pd(s2, x_);                                                                  \
      break;                                                                                       \
    default:                                                                                       \
      s3 = _mm512_add_pd(s3, x_);                                                                  \
      break;                                                                                       \
    }                                                                                              \
  } while (0)

void rom_masked_fused_seg_avx512(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                                 const double *W, rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    for (rom_int c0 = 0; c0 < ld; c0 += V) {
      __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
      for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
        const rom_int len = g->len[r], phase = (g->off[r] - rp[i]) & 3;
        const double *w = W + g->off[r], *h = H + g->col[r] * ld + c0;
        rom_int j = 0;
        for (; j < len && ((phase + j) & 3); ++j) /* up to the next chain-0 entry */
          SEG_ADD_AT((phase + j) & 3, SEG_TERM(j));
        for (; j + 4 <= len; j += 4) {
          s0 = _mm512_add_pd(s0, SEG_TERM(j));
          s1 = _mm512_add_pd(s1, SEG_TERM(j + 1));
          s2 = _mm512_add_pd(s2, SEG_TERM(j + 2));
          s3 = _mm512_add_pd(s3, SEG_TERM(j + 3));
        }
        for (; j < len; ++j)
          SEG_ADD_AT((phase + j) & 3, SEG_TERM(j));
      }
      _mm512_storeu_pd(Z + i * ld + c0,
                       _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
    }
  }
}
#undef SEG_TERM
#undef SEG_ADD_AT

#ifdef ROMKIT_HAVE_SLEEF
/* The logistic function as activation.c computes it: 1 / (1 + exp(-z)) for z >= 0,
 * exp(z) / (1 + exp(z)) otherwise, i.e. (z >= 0 ? 1 : e) / (1 + e) with e = exp(-|z|). */
static inline __m512d logistic8(__m512d z) {
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d e = Sleef_expd8_u10avx512f(_mm512_sub_pd(_mm512_setzero_pd(), _mm512_abs_pd(z)));
  __mmask8 pos = _mm512_cmp_pd_mask(z, _mm512_setzero_pd(), _CMP_GE_OQ);
  return _mm512_div_pd(_mm512_mask_blend_pd(pos, e, one), _mm512_add_pd(one, e));
}

static inline void block8(rom_activation act, const double *z, double *y, double *dy) {
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d zv = _mm512_loadu_pd(z), f, d;
  if (act == ROM_ACT_SIGMOID) { /* f' = s (1 - s) */
    f = logistic8(zv);
    d = _mm512_mul_pd(f, _mm512_sub_pd(one, f));
  } else if (act == ROM_ACT_SWISH) { /* f = z s, f' = s + z s (1 - s) */
    __m512d s = logistic8(zv);
    f = _mm512_mul_pd(zv, s);
    d = _mm512_add_pd(s, _mm512_mul_pd(f, _mm512_sub_pd(one, s)));
  } else { /* tanh, f' = 1 - t^2 */
    f = Sleef_tanhd8_u10avx512f(zv);
    d = _mm512_sub_pd(one, _mm512_mul_pd(f, f));
  }
  _mm512_storeu_pd(y, f);
  if (dy) _mm512_storeu_pd(dy, d);
}

ROM_ACT_VEC_DRIVER(rom_act_vec_avx512, double, V, block8)

/* The same formulas in float32 on 16 lanes (single-precision training, activation_single.c):
 * SLEEF's expf / tanhf (1.0-ULP versions). */
static inline __m512 logistic16(__m512 z) {
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 e = Sleef_expf16_u10avx512f(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_abs_ps(z)));
  __mmask16 pos = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_div_ps(_mm512_mask_blend_ps(pos, e, one), _mm512_add_ps(one, e));
}

static inline void block16(rom_activation act, const float *z, float *y, float *dy) {
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 zv = _mm512_loadu_ps(z), f, d;
  if (act == ROM_ACT_SIGMOID) {
    f = logistic16(zv);
    d = _mm512_mul_ps(f, _mm512_sub_ps(one, f));
  } else if (act == ROM_ACT_SWISH) {
    __m512 s = logistic16(zv);
    f = _mm512_mul_ps(zv, s);
    d = _mm512_add_ps(s, _mm512_mul_ps(f, _mm512_sub_ps(one, s)));
  } else {
    f = Sleef_tanhf16_u10avx512f(zv);
    d = _mm512_sub_ps(one, _mm512_mul_ps(f, f));
  }
  _mm512_storeu_ps(y, f);
  if (dy) _mm512_storeu_ps(dy, d);
}

ROM_ACT_VEC_DRIVER(rom_act_vec_single_avx512, float, 16, block16)
#else
int rom_act_vec_avx512(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
int rom_act_vec_single_avx512(rom_activation act, rom_int n, const float *z, float *y, float *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
#endif

#else /* not an x86-64 build with AVX-512F: never called */
void rom_fused_first_z_avx512(rom_int out, rom_int k, const double *W, const double *b,
                              const double *q, double *z) {
  (void)out, (void)k, (void)W, (void)b, (void)q, (void)z;
}
void rom_fused_first_fill_avx512(rom_int out, rom_int k, const double *W, const double *a,
                                 const double *d, double *H) {
  (void)out, (void)k, (void)W, (void)a, (void)d, (void)H;
}
void rom_masked_fused_seg_avx512(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                                 const double *W, rom_int ld, const double *H, double *Z) {
  (void)out, (void)rp, (void)g, (void)W, (void)ld, (void)H, (void)Z;
}
void rom_masked_fused_avx512(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                             rom_int ld, const double *H, double *Z) {
  (void)out, (void)rp, (void)ci, (void)W, (void)ld, (void)H, (void)Z;
}
int rom_act_vec_avx512(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
int rom_act_vec_single_avx512(rom_activation act, rom_int n, const float *z, float *y, float *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
#endif
