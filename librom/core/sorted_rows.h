/* romkit internal — lookups in sorted lists of global row indices (sample meshes, sampled
 * rows, stencils): the one binary search every stage that handles sampled rows needs. */
#ifndef ROMKIT_CORE_SORTED_ROWS_H
#define ROMKIT_CORE_SORTED_ROWS_H

#include "romkit/context.h"

/* Position of `row` in the ascending array rows[0..n), or -1 if it is absent. O(log n).
 * Not collective. */
rom_int rom_sorted_find(rom_int n, const rom_int *rows, rom_int row);

#endif
