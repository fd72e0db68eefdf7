/* AVX2 kernels of the fused decoder pass (decode_fused.h): SLEEF's 4-lane exp / tanh for the
 * activations and the masked layer's unit-major product, two 4-lane vectors per weight.
 * This file is compiled with -mavx2 -mfma -ffp-contract=off (CMakeLists.txt) and its
 * functions are called only when the CPU reports AVX2 and FMA (SLEEF's AVX2 functions use
 * FMA inside; activation_vec.c, decode_fused.c). No contraction of this file's own
 * arithmetic into fused multiply-adds: every lane computes what the scalar code of
 * activation.c / decode_fused.c computes, in the same order. */
#include "manifold/decode_fused.h"
#include "manifold/act_vec_driver.h"

#if defined(ROMKIT_SIMD_X86) && defined(__AVX2__)
#include <immintrin.h>
#ifdef ROMKIT_HAVE_SLEEF
#include <sleef.h>
#endif

#define V 4

/* s += w * H[col * ld + c0 .. + 8) for the two 4-lane halves */
#define ACC(s, t)                                                                                  \
  do {                                                                                             \
    const __m256d w_ = _mm256_set1_pd(W[t]);                                                       \
    const double *x_ = h + ci[t] * ld;                                                             \
    s##a = _mm256_add_pd(s##a, _mm256_mul_pd(w_, _mm256_loadu_pd(x_)));                            \
    s##b = _mm256_add_pd(s##b, _mm256_mul_pd(w_, _mm256_loadu_pd(x_ + V)));                        \
  } while (0)

void rom_masked_fused_avx2(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                           rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    const rom_int end = rp[i + 1];
    for (rom_int c0 = 0; c0 < ld; c0 += 2 * V) {
      __m256d s0a = _mm256_setzero_pd(), s0b = s0a, s1a = s0a, s1b = s0a, s2a = s0a, s2b = s0a,
              s3a = s0a, s3b = s0a;
      const double *h = H + c0;
      rom_int t = rp[i];
      for (; t + 4 <= end; t += 4) {
        ACC(s0, t);
        ACC(s1, t + 1);
        ACC(s2, t + 2);
        ACC(s3, t + 3);
      }
      if (t < end) ACC(s0, t);
      if (t + 1 < end) ACC(s1, t + 1);
      if (t + 2 < end) ACC(s2, t + 2);
      double *z = Z + i * ld + c0;
      _mm256_storeu_pd(z, _mm256_add_pd(_mm256_add_pd(s0a, s1a), _mm256_add_pd(s2a, s3a)));
      _mm256_storeu_pd(z + V, _mm256_add_pd(_mm256_add_pd(s0b, s1b), _mm256_add_pd(s2b, s3b)));
    }
  }
}
#undef ACC

/* The segment form of rom_masked_fused_avx2 (decode_fused.h; simd_avx512.c has the same
 * kernel on one 8-lane vector): H streams in order through each run, entry t still goes to
 * chain (t - rp[i]) mod 4, the CSR kernel's order: the same bits. */
#define SEG_ACC(s, j)                                                                              \
  do {                                                                                             \
    const __m256d w_ = _mm256_set1_pd(w[j]);                                                       \
    const double *x_ = h + (j)*ld;                                                                 \
    s##a = _mm256_add_pd(s##a, _mm256_mul_pd(w_, _mm256_loadu_pd(x_)));                            \
    s##b = _mm256_add_pd(s##b, _mm256_mul_pd(w_, _mm256_loadu_pd(x_ + V)));                        \
  } while (0)
#define SEG_ACC_AT(p, j)                                                                           \
  do {                                                                                             \
    switch (p) {                                                                                   \
    case 0:                                                                                        \
      SEG_ACC(s0, j);                                                                              \
      break;                                                                                       \
    case 1:                                                                                        \
      SEG_ACC(s1, j);                                                                              \
      break;                                                                                       \
    case 2:                                                                                        \
      SEG_ACC(s2, j);                                                                              \
      break;                                                                                       \
    default:                                                                                       \
      SEG_ACC(s3, j);                                                                              \
      break;                                                                                       \
    }                                                                                              \
  } while (0)

void rom_masked_fused_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    for (rom_int c0 = 0; c0 < ld; c0 += 2 * V) {
      __m256d s0a = _mm256_setzero_pd(), s0b = s0a, s1a = s0a, s1b = s0a, s2a = s0a, s2b = s0a,
              s3a = s0a, s3b = s0a;
      for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
        const rom_int len = g->len[r], phase = (g->off[r] - rp[i]) & 3;
        const double *w = W + g->off[r], *h = H + g->col[r] * ld + c0;
        rom_int j = 0;
        for (; j < len && ((phase + j) & 3); ++j) /* up to the next chain-0 entry */
          SEG_ACC_AT((phase + j) & 3, j);
        for (; j + 4 <= len; j += 4) {
          SEG_ACC(s0, j);
          SEG_ACC(s1, j + 1);
          SEG_ACC(s2, j + 2);
          SEG_ACC(s3, j + 3);
        }
        for (; j < len; ++j)
          SEG_ACC_AT((phase + j) & 3, j);
      }
      double *z = Z + i * ld + c0;
      _mm256_storeu_pd(z, _mm256_add_pd(_mm256_add_pd(s0a, s1a), _mm256_add_pd(s2a, s3a)));
      _mm256_storeu_pd(z + V, _mm256_add_pd(_mm256_add_pd(s0b, s1b), _mm256_add_pd(s2b, s3b)));
    }
  }
}
#undef SEG_ACC
#undef SEG_ACC_AT

/* The value alone (one lane, ld = 1) on the segment form: the four chains are the four
 * lanes of one vector, so four consecutive entries of a run (chains 0..3) are one
 * multiply-add of contiguous W and H; the entries before the run's first chain-0 entry and
 * after its last group go one by one into the chains' array, in order: each chain adds its
 * entries in the CSR kernel's order, and the result is (s0 + s1) + (s2 + s3) as there. */
void rom_masked_value_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
      const rom_int len = g->len[r], phase = (g->off[r] - rp[i]) & 3;
      const double *w = W + g->off[r], *h = H + g->col[r];
      rom_int j = 0;
      for (; j < len && ((phase + j) & 3); ++j)
        s[(phase + j) & 3] += w[j] * h[j];
      if (j + 4 <= len) {
        __m256d acc = _mm256_loadu_pd(s);
        for (; j + 4 <= len; j += 4)
          acc = _mm256_add_pd(acc, _mm256_mul_pd(_mm256_loadu_pd(w + j), _mm256_loadu_pd(h + j)));
        _mm256_storeu_pd(s, acc);
      }
      for (; j < len; ++j)
        s[(phase + j) & 3] += w[j] * h[j];
    }
    Z[i] = (s[0] + s[1]) + (s[2] + s[3]);
  }
}

#ifdef ROMKIT_HAVE_SLEEF
/* The logistic function as activation.c computes it: 1 / (1 + exp(-z)) for z >= 0,
 * exp(z) / (1 + exp(z)) otherwise, i.e. (z >= 0 ? 1 : e) / (1 + e) with e = exp(-|z|). */
static inline __m256d logistic4(__m256d z) {
  const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
  const __m256d az = _mm256_andnot_pd(_mm256_set1_pd(-0.0), z);
  __m256d e = Sleef_expd4_u10avx2(_mm256_sub_pd(zero, az));
  __m256d pos = _mm256_cmp_pd(z, zero, _CMP_GE_OQ);
  return _mm256_div_pd(_mm256_blendv_pd(e, one, pos), _mm256_add_pd(one, e));
}

static inline void block4(rom_activation act, const double *z, double *y, double *dy) {
  const __m256d one = _mm256_set1_pd(1.0);
  __m256d zv = _mm256_loadu_pd(z), f, d;
  if (act == ROM_ACT_SIGMOID) { /* f' = s (1 - s) */
    f = logistic4(zv);
    d = _mm256_mul_pd(f, _mm256_sub_pd(one, f));
  } else if (act == ROM_ACT_SWISH) { /* f = z s, f' = s + z s (1 - s) */
    __m256d s = logistic4(zv);
    f = _mm256_mul_pd(zv, s);
    d = _mm256_add_pd(s, _mm256_mul_pd(f, _mm256_sub_pd(one, s)));
  } else { /* tanh, f' = 1 - t^2 */
    f = Sleef_tanhd4_u10avx2(zv);
    d = _mm256_sub_pd(one, _mm256_mul_pd(f, f));
  }
  _mm256_storeu_pd(y, f);
  if (dy) _mm256_storeu_pd(dy, d);
}

ROM_ACT_VEC_DRIVER(rom_act_vec_avx2, double, V, block4)

/* The same formulas in float32 on 8 lanes (single-precision training, activation_single.c). */
static inline __m256 logistic8f(__m256 z) {
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  const __m256 az = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), z);
  __m256 e = Sleef_expf8_u10avx2(_mm256_sub_ps(zero, az));
  __m256 pos = _mm256_cmp_ps(z, zero, _CMP_GE_OQ);
  return _mm256_div_ps(_mm256_blendv_ps(e, one, pos), _mm256_add_ps(one, e));
}

static inline void block8f(rom_activation act, const float *z, float *y, float *dy) {
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 zv = _mm256_loadu_ps(z), f, d;
  if (act == ROM_ACT_SIGMOID) {
    f = logistic8f(zv);
    d = _mm256_mul_ps(f, _mm256_sub_ps(one, f));
  } else if (act == ROM_ACT_SWISH) {
    __m256 s = logistic8f(zv);
    f = _mm256_mul_ps(zv, s);
    d = _mm256_add_ps(s, _mm256_mul_ps(f, _mm256_sub_ps(one, s)));
  } else {
    f = Sleef_tanhf8_u10avx2(zv);
    d = _mm256_sub_ps(one, _mm256_mul_ps(f, f));
  }
  _mm256_storeu_ps(y, f);
  if (dy) _mm256_storeu_ps(dy, d);
}

ROM_ACT_VEC_DRIVER(rom_act_vec_single_avx2, float, 8, block8f)
#else
int rom_act_vec_avx2(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
int rom_act_vec_single_avx2(rom_activation act, rom_int n, const float *z, float *y, float *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
#endif

#else /* not an x86-64 build with AVX2: never called */
void rom_masked_fused_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, rom_int ld, const double *H, double *Z) {
  (void)out, (void)rp, (void)g, (void)W, (void)ld, (void)H, (void)Z;
}
void rom_masked_value_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, const double *H, double *Z) {
  (void)out, (void)rp, (void)g, (void)W, (void)H, (void)Z;
}
void rom_masked_fused_avx2(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                           rom_int ld, const double *H, double *Z) {
  (void)out, (void)rp, (void)ci, (void)W, (void)ld, (void)H, (void)Z;
}
int rom_act_vec_avx2(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
int rom_act_vec_single_avx2(rom_activation act, rom_int n, const float *z, float *y, float *dy) {
  (void)act, (void)n, (void)z, (void)y, (void)dy;
  return 0;
}
#endif
