/* The row layout of a distributed vector (row_layout.h). */
#include "linalg/row_layout.h"

#include "core/check.h"
#include "romkit/matrix.h"

#include <limits.h>

int rom_row_layout_init(rom_ctx *ctx, rom_int global_rows, rom_int local_rows, const char *what,
                        rom_row_layout *layout) {
  int err = ROM_OK;
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const MPI_Comm comm = rom_ctx_comm(ctx);
  rom_int total = 0;
  layout->counts = layout->displs = NULL;
  ROM_CHECK_ALL(ctx, local_rows >= 0 || local_rows == -1, ROM_ERR_ARG,
                "local_rows = %lld must be >= 0 or ROM_AUTO_ROWS", (long long)local_rows);
  if (local_rows == -1) local_rows = rom_dmat_partition_even(global_rows, rank, size);
  ROM_MPI(ctx, MPI_Allreduce(&local_rows, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  ROM_CHECK(ctx, total == global_rows, ROM_ERR_DIM,
            "the local rows add up to %lld over the ranks, but %s has %lld unknowns",
            (long long)total, what, (long long)global_rows);
  ROM_CHECK(ctx, global_rows <= INT_MAX, ROM_ERR_UNSUPPORTED,
            "%s has %lld unknowns, beyond MPI's int counts for gathering the state", what,
            (long long)global_rows);
  layout->local_rows = local_rows;
  layout->global_rows = global_rows;
  layout->offset = 0;
  ROM_MPI(ctx, MPI_Exscan(&local_rows, &layout->offset, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) layout->offset = 0; /* MPI_Exscan leaves rank 0's result undefined */
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)size, (void **)&layout->counts));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)size, (void **)&layout->displs));
  {
    int mine = (int)local_rows;
    ROM_MPI(ctx, MPI_Allgather(&mine, 1, MPI_INT, layout->counts, 1, MPI_INT, comm));
  }
  layout->displs[0] = 0;
  for (int r = 1; r < size; ++r)
    layout->displs[r] = layout->displs[r - 1] + layout->counts[r - 1];
cleanup:
  if (err != ROM_OK) rom_row_layout_free(ctx, layout);
  return err;
}

void rom_row_layout_free(rom_ctx *ctx, rom_row_layout *layout) {
  rom_free(ctx, layout->counts);
  rom_free(ctx, layout->displs);
  layout->counts = layout->displs = NULL;
}

int rom_row_layout_allgather(const rom_row_layout *layout, MPI_Comm comm, const double *local,
                             double *global) {
  return MPI_Allgatherv(local, (int)layout->local_rows, MPI_DOUBLE, global, layout->counts,
                        layout->displs, MPI_DOUBLE, comm);
}
