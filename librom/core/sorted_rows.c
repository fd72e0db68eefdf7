/* Lookups in sorted lists of global row indices (sorted_rows.h). */
#include "core/sorted_rows.h"

rom_int rom_sorted_find(rom_int n, const rom_int *rows, rom_int row) {
  rom_int lo = 0, hi = n - 1;
  while (lo <= hi) {
    rom_int mid = lo + (hi - lo) / 2;
    if (rows[mid] == row) return mid;
    if (rows[mid] < row)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}
