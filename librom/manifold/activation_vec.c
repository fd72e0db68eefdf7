/* Vectorised activations over arrays (decode_fused.h): the formulas of activation.c with
 * SLEEF's exp and tanh (Shibata & Petrogalli, "SLEEF: a portable vectorized library of C
 * standard mathematical functions", IEEE TPDS 31 (2020); the 1.0-ULP "u10" versions) on
 * 8 (AVX-512F) or 4 (AVX2) lanes. The instruction set is chosen at run time from what the
 * CPU reports; without SLEEF (configure found none) or on another CPU the scalar functions
 * of activation.c run. Only exp / tanh differ from libm's (both within about 1 ULP), so
 * the values agree to a few ULP (tests/unit/decode_fused.c reports the largest
 * difference). */
#include "manifold/decode_fused.h"

enum { ISA_SCALAR, ISA_AVX2, ISA_AVX512 };

static int vec_isa(void) {
#if defined(ROMKIT_SIMD_X86) && defined(ROMKIT_HAVE_SLEEF)
  if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
#endif
  return ISA_SCALAR;
}

const char *rom_activation_vec_isa(void) {
  static const char *names[] = {"scalar", "avx2", "avx512f"};
  return names[vec_isa()];
}

void rom_activation_apply_vec(rom_activation act, rom_int n, const double *z, double *y,
                              double *dy) {
  switch (vec_isa()) {
  case ISA_AVX512:
    if (rom_act_vec_avx512(act, n, z, y, dy)) return;
    break;
  case ISA_AVX2:
    if (rom_act_vec_avx2(act, n, z, y, dy)) return;
    break;
  default:
    break;
  }
  rom_activation_apply(act, n, z, y, dy); /* identity, or no vector path */
}

int rom_act_vec_single(rom_activation act, rom_int n, const float *z, float *y, float *dy) {
  switch (vec_isa()) {
  case ISA_AVX512:
    return rom_act_vec_single_avx512(act, n, z, y, dy);
  case ISA_AVX2:
    return rom_act_vec_single_avx2(act, n, z, y, dy);
  default:
    return 0;
  }
}
