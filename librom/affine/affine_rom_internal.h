/* romkit internal — what later stages (librom/sweep/) use of the affine ROM beyond its
 * public header (include/romkit/affine_rom.h). Its fields stay in affine_rom_impl.h,
 * which only librom/affine/ includes (tests/arch/include_graph.py checks that). */
#ifndef ROMKIT_AFFINE_AFFINE_ROM_INTERNAL_H
#define ROMKIT_AFFINE_AFFINE_ROM_INTERNAL_H

#include "romkit/affine_rom.h"

/* Longest output name + 1 (names are also joined by ',' in the file attribute); a sweep's
 * output names (librom/sweep/sweep.c) share the limit. */
#define ROM_AFFINE_OUTPUT_NAME_MAX 64

/* rom_affine_rom_ctx - the context the ROM was built or read on (NULL for a NULL rom), so a
 * caller that holds only the ROM can record its errors there. Not collective. */
rom_ctx *rom_affine_rom_ctx(const rom_affine_rom *rom);

#endif
