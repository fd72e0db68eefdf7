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
