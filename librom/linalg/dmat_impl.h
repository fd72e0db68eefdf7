/* romkit internal — fields of the row-distributed matrix. */
#ifndef ROMKIT_LINALG_DMAT_IMPL_H
#define ROMKIT_LINALG_DMAT_IMPL_H

#include "romkit/matrix.h"

struct rom_dmat {
  rom_ctx *ctx;
  rom_int local_rows, global_rows, cols, row_offset, ld;
  double *data;
  int owns_data;
};

#endif
