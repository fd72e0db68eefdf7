/* Extendible datasets: chunked, unlimited along the first dimension, grown with
 * H5Dset_extent (collective) and written in the new rows only. Snapshot streams use
 * them so that every add lands in the file as it arrives. */
#include "io/h5_impl.h"

int rom_h5_create_extendible(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                             const rom_int *chunk) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t h_dims[4], h_max[4], h_chunk[4];
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, ndims >= 1 && ndims <= 4 && dims && chunk, ROM_ERR_ARG,
                "extendible dataset '%s' in '%s': ndims = %d must be 1..4", dataset, f->path,
                ndims);
  for (int i = 0; i < ndims; ++i) {
    /* HDF5 wants chunks no larger than a fixed dimension, and never empty. */
    ROM_CHECK_ALL(ctx, dims[i] >= 0 && chunk[i] >= 1 && (i == 0 || chunk[i] <= dims[i]),
                  ROM_ERR_ARG,
                  "extendible dataset '%s' in '%s': dims[%d] = %lld, chunk[%d] = %lld (need "
                  "1 <= chunk <= dims after the first)",
                  dataset, f->path, i, (long long)dims[i], i, (long long)chunk[i]);
    h_dims[i] = (hsize_t)dims[i];
    h_max[i] = i == 0 ? H5S_UNLIMITED : (hsize_t)dims[i];
    h_chunk[i] = (hsize_t)chunk[i];
  }
  ROM_TRY(ctx, rom_h5_create_dataset(f, dataset, ndims, h_dims, h_max, h_chunk, &dset));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

/* Opens `dataset` and grows its first dimension by `count`; *first is the old size. */
static int grow(rom_h5 *f, const char *dataset, rom_int count, hid_t *dset, hsize_t dims[4],
                int *ndims, rom_int *first) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  ROM_CHECK_ALL(ctx, count >= 0, ROM_ERR_ARG, "appending %lld rows to '%s' in '%s'",
                (long long)count, dataset, f->path);
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, dset, ndims, dims));
  *first = (rom_int)dims[0];
  dims[0] += (hsize_t)count;
  ROM_CHECK_ALL(ctx, H5Dset_extent(*dset, dims) >= 0, ROM_ERR_IO,
                "cannot grow dataset '%s' in '%s' to %llu rows (is it extendible?)", dataset,
                f->path, (unsigned long long)dims[0]);
cleanup:
  return err;
}

int rom_h5_append_block(rom_h5 *f, const char *dataset, rom_int count, rom_int local_rows,
                        const double *block, rom_int ld) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[4] = {0, 0, 0, 0};
  int ndims = 0;
  rom_int first = 0, offset = 0, total = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, local_rows >= 0 && ld >= local_rows && (block || local_rows * count == 0),
                ROM_ERR_ARG, "appending to '%s' in '%s': local_rows = %lld, ld = %lld, block %s",
                dataset, f->path, (long long)local_rows, (long long)ld, block ? "set" : "NULL");
  ROM_TRY(ctx, rom_h5_row_offsets(ctx, local_rows, &offset, &total));
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &ndims, dims));
  ROM_CHECK(ctx, ndims == 2 && (rom_int)dims[1] == total, ROM_ERR_DIM,
            "appending to dataset '%s' of '%s': it has %d dims and N = %lld, the local rows sum "
            "to %lld",
            dataset, f->path, ndims, (long long)(ndims == 2 ? dims[1] : 0), (long long)total);
  rom_h5_release(&dset);
  ROM_TRY(ctx, grow(f, dataset, count, &dset, dims, &ndims, &first));
  ROM_TRY(ctx, rom_h5_transfer_block(f, dset, dataset, 1, first, count, offset, local_rows,
                                     (double *)block, ld));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_append_array(rom_h5 *f, const char *dataset, rom_int count, const double *data) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[4] = {0, 0, 0, 0};
  int ndims = 0;
  rom_int first = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, data || count == 0, ROM_ERR_ARG, "appending to '%s' in '%s': data is NULL",
                dataset, f->path);
  ROM_TRY(ctx, grow(f, dataset, count, &dset, dims, &ndims, &first));
  ROM_TRY(ctx, rom_h5_transfer_rows(f, dset, dataset, 1, first, count, (double *)data));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}
