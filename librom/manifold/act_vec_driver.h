/* The driver every SIMD activation kernel shares (simd_avx2.c, simd_avx512.c; double and
 * float). ROM_ACT_VEC_DRIVER(NAME, T, W, BLOCK) defines
 *   int NAME(rom_activation act, rom_int n, const T *z, T *y, T *dy)
 * that runs BLOCK(act, z, y, dy) (W lanes of T) over whole vectors and the tail through the
 * same vector code on a zero-padded copy, so every element gets the same rounding whatever
 * its position. It returns 0 (nothing done: the caller's scalar loop applies) for an
 * activation without a vector form. */
#ifndef ROMKIT_MANIFOLD_ACT_VEC_DRIVER_H
#define ROMKIT_MANIFOLD_ACT_VEC_DRIVER_H

#define ROM_ACT_VEC_DRIVER(NAME, T, W, BLOCK)                                                      \
  int NAME(rom_activation act, rom_int n, const T *z, T *y, T *dy) {                               \
    if (act != ROM_ACT_SIGMOID && act != ROM_ACT_SWISH && act != ROM_ACT_TANH) return 0;           \
    rom_int i = 0;                                                                                 \
    for (; i + (W) <= n; i += (W))                                                                 \
      BLOCK(act, z + i, y + i, dy ? dy + i : NULL);                                                \
    if (i < n) {                                                                                   \
      T zt[W] = {0}, yt[W], dt[W];                                                                 \
      for (rom_int j = i; j < n; ++j)                                                              \
        zt[j - i] = z[j];                                                                          \
      BLOCK(act, zt, yt, dy ? dt : NULL);                                                          \
      for (rom_int j = i; j < n; ++j) {                                                            \
        y[j] = yt[j - i];                                                                          \
        if (dy) dy[j] = dt[j - i];                                                                 \
      }                                                                                            \
    }                                                                                              \
    return 1;                                                                                      \
  }

#endif
