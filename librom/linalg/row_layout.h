/* romkit internal — the row layout of a distributed vector: who owns which rows.
 *
 * Every reference FOM needs the same few facts about its row partition: this rank's
 * rows (the caller's choice, or an even split), their global offset (MPI_Exscan), every
 * rank's count and displacement for MPI_(All)Gatherv, and a check that the counts add up
 * to the problem's size. One helper computes them, so no FOM repeats it.
 */
#ifndef ROMKIT_LINALG_ROW_LAYOUT_H
#define ROMKIT_LINALG_ROW_LAYOUT_H

#include "romkit/context.h"

typedef struct {
  rom_int local_rows;  /* rows of this rank */
  rom_int global_rows; /* N, the sum over the ranks */
  rom_int offset;      /* global index of this rank's first row */
  int *counts;         /* rows of every rank (MPI int counts) */
  int *displs;         /* their offsets, for MPI_(All)Gatherv */
} rom_row_layout;

/* rom_row_layout_init - the layout of `global_rows` rows with `local_rows` on this rank
 * (-1, i.e. ROM_AUTO_ROWS: an even split). Fails on every rank with ROM_ERR_DIM if the
 * local rows do not add up to global_rows; `what` names the problem in that sentence
 * ("P1", "the 64 x 64 grid"). ROM_ERR_UNSUPPORTED past MPI's int counts. Collective. */
int rom_row_layout_init(rom_ctx *ctx, rom_int global_rows, rom_int local_rows, const char *what,
                        rom_row_layout *layout);
/* Frees the counts; the struct can be initialised again. Not collective. */
void rom_row_layout_free(rom_ctx *ctx, rom_row_layout *layout);

/* global (global_rows values on every rank) = every rank's local part in rank order.
 * Returns the MPI error code (MPI_SUCCESS = 0), for use inside host callbacks. Collective. */
int rom_row_layout_allgather(const rom_row_layout *layout, MPI_Comm comm, const double *local,
                             double *global);

#endif
