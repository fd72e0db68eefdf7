/* Counter-based RNG: SplitMix64 finaliser applied to a hash of (seed, stream, index). */
#include "romkit/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rom_rng_bits(uint64_t seed, uint64_t stream, uint64_t index) {
  return splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ index);
}

double rom_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return (double)(rom_rng_bits(seed, stream, index) >> 11) * 0x1.0p-53;
}

double rom_rng_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  /* Two independent uniforms from two counters of a derived stream. */
  const double two_pi = 6.283185307179586476925286766559;
  double u1 = rom_rng_uniform(seed, stream * 2 + 1, index);
  double u2 = rom_rng_uniform(seed, stream * 2 + 2, index);
  if (u1 < 0x1.0p-60) u1 = 0x1.0p-60;
  return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}
