/* Reading a block of rows of a distributed-matrix dataset: the out-of-core POD
 * (librom/pod/pod_file.c) streams a {m, N} snapshot dataset through memory b snapshots
 * at a time. */
#include "core/values.h"
#include "io/h5_impl.h"

int rom_h5_read_dmat_rows(rom_h5 *f, const char *dataset, rom_int j0, rom_int count,
                          rom_int local_rows, double *block, rom_int ld) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[4] = {0, 0, 0, 0};
  int ndims = 0;
  rom_int offset = 0, N = 0;
  rom_h5_quiet quiet;
  if (!f) return ROM_ERR_ARG;
  ctx = f->ctx;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx,
                local_rows >= 0 && count >= 0 && j0 >= 0 &&
                    (block || local_rows == 0 || count == 0) && ld >= local_rows && ld >= 1,
                ROM_ERR_ARG,
                "reading rows [%lld, %lld) of '%s' from '%s': local_rows = %lld, ld = %lld, "
                "block %s",
                (long long)j0, (long long)(j0 + count), dataset, f->path, (long long)local_rows,
                (long long)ld, block ? "given" : "NULL");
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &ndims, dims));
  ROM_CHECK(ctx, ndims == 2, ROM_ERR_DIM,
            "dataset '%s' in '%s' has %d dims; a distributed matrix is stored as {columns, rows}",
            dataset, f->path, ndims);
  ROM_CHECK(ctx, j0 + count <= (rom_int)dims[0], ROM_ERR_DIM,
            "rows [%lld, %lld) asked of dataset '%s' in '%s', which has %lld", (long long)j0,
            (long long)(j0 + count), dataset, f->path, (long long)dims[0]);
  ROM_TRY(ctx, rom_h5_row_offsets(ctx, local_rows, &offset, &N));
  ROM_CHECK(ctx, N == (rom_int)dims[1], ROM_ERR_DIM,
            "dataset '%s' of '%s' has N = %lld but local_rows sum to %lld over the %d ranks",
            dataset, f->path, (long long)dims[1], (long long)N, rom_ctx_size(ctx));
  ROM_TRY(ctx,
          rom_h5_transfer_block(f, dset, dataset, 0, j0, count, offset, local_rows, block, ld));
  ROM_TRY(ctx, rom_check_finite_block(ctx, f->path, dataset, 2, (rom_int[]){(rom_int)dims[0], N},
                                      j0, count, offset, local_rows, block, ld));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}
