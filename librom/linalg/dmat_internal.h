/* romkit internal — what later stages may do to a row-distributed matrix beyond its public
 * header (include/romkit/matrix.h). The fields stay in dmat_impl.h, which only
 * librom/linalg/ includes (tests/arch/include_graph.py checks that). */
#ifndef ROMKIT_LINALG_DMAT_INTERNAL_H
#define ROMKIT_LINALG_DMAT_INTERNAL_H

#include "romkit/matrix.h"

#include <stddef.h>

/* rom_dmat_keep_cols - keeps the first `cols` columns of m (0 <= cols <= its columns), in
 * place: the storage and leading dimension stay, so a basis can be handed over without a
 * copy (librom/pod/svd_incremental.c). Not collective. */
void rom_dmat_keep_cols(rom_dmat *m, rom_int cols);

/* rom_dmat_object_bytes - the bytes of the matrix object itself, without its data, for
 * workspace estimates that count every allocation (rom_isvd_workspace_bytes). Not
 * collective. */
size_t rom_dmat_object_bytes(void);

#endif
