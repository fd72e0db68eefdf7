/* romkit — counter-based random numbers.
 *
 * Entry i of stream s under seed k is a pure function of (k, s, i): a distributed
 * vector filled by global row index is the same on any number of ranks, which is
 * how romkit keeps random sketches and test data reproducible across rank counts.
 * The mixer is SplitMix64 (Steele, Lea, Flood, OOPSLA 2014).
 */
#ifndef ROMKIT_RNG_H
#define ROMKIT_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 64 random bits. Not collective, thread-safe (no state). */
uint64_t rom_rng_bits(uint64_t seed, uint64_t stream, uint64_t index);
/* Uniform in [0, 1) with 53 random bits. */
double rom_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
/* Standard normal (Box-Muller on two counter draws). */
double rom_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif
