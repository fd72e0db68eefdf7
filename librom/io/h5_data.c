/* Datasets of romkit files: distributed matrices and vectors, small replicated arrays.
 *
 * Layout convention (docs/file-format.md): an N x n row-distributed matrix is the
 * dataset {n, N}, so row j of the dataset is column j of the matrix (one snapshot, one
 * basis vector), as samples x features in ML tools, and each rank's part of it is one
 * contiguous run of N-space per dataset row. Fixed-size datasets use the contiguous
 * layout: they are written once, collectively, and contiguous storage gives MPI-IO the
 * simplest file views and h5py readers no chunk cache to tune. Only extendible
 * datasets (h5_extend.c) are chunked.
 *
 * Every transfer is collective (H5FD_MPIO_COLLECTIVE): ranks with nothing to move still
 * take part, with empty selections (H5Sselect_none) on both sides. */
#include "io/h5_impl.h"
#include "core/values.h"
#include "romkit/snapshots.h" /* ROM_AUTO_ROWS */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* "{3, 100}" for messages. */
static const char *dims_text(int ndims, const hsize_t *dims, char buf[96]) {
  size_t used = 0;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, 96, "{");
  for (int i = 0; i < ndims && used < 96; ++i)
    used += (size_t)snprintf(buf + used, 96 - used, "%s%llu", i ? ", " : "",
                             (unsigned long long)dims[i]);
  if (used < 96) snprintf(buf + used, 96 - used, "}");
  return buf;
}

int rom_h5_create_dataset(rom_h5 *f, const char *name, int ndims, const hsize_t *dims,
                          const hsize_t *maxdims, const hsize_t *chunk, hid_t *dset) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t lcpl = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, space = H5I_INVALID_HID;
  *dset = H5I_INVALID_HID;
  ROM_CHECK_ALL(ctx, name && *name, ROM_ERR_ARG, "a dataset name is required (file '%s')", f->path);
  ROM_CHECK_ALL(ctx, ndims >= 1 && ndims <= 4, ROM_ERR_ARG,
                "dataset '%s' in '%s': %d dimensions, romkit writes 1 to 4", name, f->path, ndims);
  int exists = rom_h5_link_exists(f->file, name);
  ROM_CHECK_ALL(ctx, exists == 0, exists > 0 ? ROM_ERR_ARG : ROM_ERR_IO,
                "cannot create dataset '%s' in '%s': %s", name, f->path,
                exists > 0 ? "it already exists" : "the name cannot be looked up");
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  space = H5Screate_simple(ndims, dims, maxdims);
  /* Fill values would be written and then overwritten at once: skip them. */
  int ok = lcpl >= 0 && dcpl >= 0 && space >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0 &&
           H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0 &&
           (!chunk || H5Pset_chunk(dcpl, ndims, chunk) >= 0);
  if (ok) *dset = H5Dcreate2(f->file, name, H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT);
  char text[96];
  ROM_CHECK_ALL(ctx, *dset >= 0, ROM_ERR_IO, "cannot create dataset '%s' %s in '%s'", name,
                dims_text(ndims, dims, text), f->path);
cleanup:
  rom_h5_release(&lcpl);
  rom_h5_release(&dcpl);
  rom_h5_release(&space);
  return err;
}

/* A file can declare any dims (a corrupted or hostile one: {2^40, N}); every size read
 * from it is checked before it sizes an allocation or a loop. The values must fit in 64
 * bits (rom_size_mul), and without compression the file must actually store them: HDF5
 * reads unallocated storage as fill values, so a dataset whose dims outgrow its storage
 * would otherwise read as zeros, or make a reader allocate memory for data that is not
 * there. romkit writes every value it declares, so its own files always pass; with a
 * filter (h5py's compression) only the 64-bit check applies. */
static int plausible_extent(rom_h5 *f, const char *name, hid_t dset, hid_t type, int ndims,
                            const hsize_t *dims) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dcpl = H5I_INVALID_HID;
  size_t bytes = H5Tget_size(type), elem = bytes;
  char text[96];
  ROM_CHECK_ALL(ctx, elem >= 1 && elem <= 16, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' has %zu-byte numbers; romkit reads 1 to 16", name, f->path,
                elem);
  int fits = 1;
  for (int i = 0; i < ndims && fits; ++i)
    fits = dims[i] <= (hsize_t)INT64_MAX &&
           rom_size_mul(NULL, (rom_int)dims[i], bytes, &bytes) == ROM_OK &&
           bytes <= (size_t)INT64_MAX;
  ROM_CHECK_ALL(ctx, fits, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' declares dims %s: more bytes than 64 bits count", name,
                f->path, dims_text(ndims, dims, text));
  dcpl = H5Dget_create_plist(dset);
  int filters = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1;
  ROM_CHECK_ALL(ctx, filters >= 0, ROM_ERR_IO, "cannot query dataset '%s' in '%s'", name, f->path);
  if (filters == 0) {
    hsize_t stored = H5Dget_storage_size(dset);
    ROM_CHECK_ALL(ctx, (hsize_t)bytes <= stored, ROM_ERR_DIM,
                  "dataset '%s' in '%s' declares dims %s (%zu bytes) but the file stores only "
                  "%llu bytes of it",
                  name, f->path, dims_text(ndims, dims, text), bytes, (unsigned long long)stored);
  }
cleanup:
  rom_h5_release(&dcpl);
  return err;
}

int rom_h5_open_dataset(rom_h5 *f, const char *name, int *exists, hid_t *dset, int *ndims,
                        hsize_t dims[4]) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t space = H5I_INVALID_HID, type = H5I_INVALID_HID;
  *dset = H5I_INVALID_HID;
  if (exists) *exists = 0;
  ROM_CHECK_ALL(ctx, name && *name, ROM_ERR_ARG, "a dataset name is required (file '%s')", f->path);
  int found = rom_h5_link_exists(f->file, name);
  ROM_CHECK_ALL(ctx, found >= 0, ROM_ERR_IO, "cannot look up dataset '%s' in '%s'", name, f->path);
  ROM_CHECK(ctx, found || exists, ROM_ERR_FORMAT, "file '%s' has no dataset '%s'", f->path, name);
  if (!found) goto cleanup;
  *dset = H5Dopen2(f->file, name, H5P_DEFAULT);
  ROM_CHECK_ALL(ctx, *dset >= 0, ROM_ERR_FORMAT, "'%s' in '%s' is not a dataset", name, f->path);
  space = H5Dget_space(*dset);
  type = H5Dget_type(*dset);
  *ndims = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  ROM_CHECK_ALL(ctx, *ndims >= 0 && type >= 0, ROM_ERR_IO, "cannot query dataset '%s' in '%s'",
                name, f->path);
  ROM_CHECK_ALL(ctx, *ndims <= 4, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' has %d dimensions; romkit reads at most 4", name, f->path,
                *ndims);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5T_class_t cls = H5Tget_class(type);
  ROM_CHECK_ALL(ctx, cls == H5T_FLOAT || cls == H5T_INTEGER, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' does not hold numbers", name, f->path);
  ROM_TRY(ctx, plausible_extent(f, name, *dset, type, *ndims, dims));
  if (exists) *exists = 1;
cleanup:
  rom_h5_release(&space);
  rom_h5_release(&type);
  if (err != ROM_OK) rom_h5_release(dset);
  return err;
}

int rom_h5_transfer_block(rom_h5 *f, hid_t dset, const char *name, int writing, rom_int row0,
                          rom_int rows, rom_int offset, rom_int local_rows, double *data,
                          rom_int ld) {
  int err = ROM_OK;
  hid_t fspace = H5Dget_space(dset), mspace = H5I_INVALID_HID, dxpl = rom_h5_dxpl_collective();
  double dummy = 0.0; /* HDF5 wants a buffer even for an empty selection */
  int ndims = fspace >= 0 ? H5Sget_simple_extent_ndims(fspace) : -1, ok = ndims >= 1 && dxpl >= 0;
  if (ok && rows > 0 && local_rows > 0) {
    hsize_t mdims[2] = {(hsize_t)rows, (hsize_t)ld}, zero[2] = {0, 0};
    hsize_t count[2] = {(hsize_t)rows, (hsize_t)local_rows};
    hsize_t start[2] = {(hsize_t)row0, (hsize_t)offset};
    mspace = H5Screate_simple(2, mdims, NULL);
    ok = mspace >= 0 && H5Sselect_hyperslab(mspace, H5S_SELECT_SET, zero, NULL, count, NULL) >= 0;
    /* A 1-D dataset {N} is one row: its selection is the column part only. */
    ok = ok && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, ndims == 1 ? start + 1 : start, NULL,
                                   ndims == 1 ? count + 1 : count, NULL) >= 0;
  } else if (ok) {
    hsize_t one = 1;
    mspace = H5Screate_simple(1, &one, NULL);
    ok = mspace >= 0 && H5Sselect_none(mspace) >= 0 && H5Sselect_none(fspace) >= 0;
    data = &dummy;
  }
  if (ok)
    ok = (writing ? H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data)
                  : H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data)) >= 0;
  ROM_CHECK_ALL(f->ctx, ok, ROM_ERR_IO, "cannot %s dataset '%s' in '%s'",
                writing ? "write" : "read", name, f->path);
cleanup:
  rom_h5_release(&fspace);
  rom_h5_release(&mspace);
  rom_h5_release(&dxpl);
  return err;
}

int rom_h5_transfer_rows(rom_h5 *f, hid_t dset, const char *name, int writing, rom_int row0,
                         rom_int rows, double *data) {
  int err = ROM_OK;
  hid_t fspace = H5Dget_space(dset), mspace = H5I_INVALID_HID, dxpl = rom_h5_dxpl_collective();
  hsize_t dims[4] = {0, 0, 0, 0}, start[4] = {0, 0, 0, 0}, count[4], total = (hsize_t)rows;
  double dummy = 0.0;
  int ndims = fspace >= 0 ? H5Sget_simple_extent_ndims(fspace) : -1;
  int ok =
      ndims >= 1 && ndims <= 4 && dxpl >= 0 && H5Sget_simple_extent_dims(fspace, dims, NULL) >= 0;
  for (int i = 1; ok && i < ndims; ++i)
    total *= dims[i];
  /* Writing: rank 0 alone selects (every rank holds the same values); reading: all. */
  int mine = ok && total > 0 && (!writing || rom_ctx_rank(f->ctx) == 0);
  if (ok) {
    mspace = H5Screate_simple(1, total > 0 ? &total : (hsize_t[]){1}, NULL);
    ok = mspace >= 0;
  }
  if (ok && mine) {
    memcpy(count, dims, sizeof dims);
    start[0] = (hsize_t)row0;
    count[0] = (hsize_t)rows;
    ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
  } else if (ok) {
    ok = H5Sselect_none(mspace) >= 0 && H5Sselect_none(fspace) >= 0;
    data = &dummy;
  }
  if (ok)
    ok = (writing ? H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data)
                  : H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data)) >= 0;
  ROM_CHECK_ALL(f->ctx, ok, ROM_ERR_IO, "cannot %s dataset '%s' in '%s'",
                writing ? "write" : "read", name, f->path);
cleanup:
  rom_h5_release(&fspace);
  rom_h5_release(&mspace);
  rom_h5_release(&dxpl);
  return err;
}

int rom_h5_dataset_dims(rom_h5 *f, const char *dataset, int *ndims, rom_int dims[4], int *exists) {
  int err = ROM_OK;
  hid_t dset = H5I_INVALID_HID;
  hsize_t h[4] = {0, 0, 0, 0};
  int nd = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_TRY(f->ctx, rom_h5_open_dataset(f, dataset, exists, &dset, &nd, h));
  if (ndims) *ndims = dset >= 0 ? nd : 0;
  for (int i = 0; i < 4; ++i)
    dims[i] = (dset >= 0 && i < nd) ? (rom_int)h[i] : 0;
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

/* ---- distributed matrices and vectors --------------------------------------------------- */

int rom_h5_write_dmat(rom_h5 *f, const char *dataset, const rom_dmat *m) {
  int err = ROM_OK;
  hid_t dset = H5I_INVALID_HID;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  hsize_t dims[2] = {(hsize_t)rom_dmat_cols(m), (hsize_t)rom_dmat_global_rows(m)};
  ROM_TRY(f->ctx, rom_h5_create_dataset(f, dataset, 2, dims, NULL, NULL, &dset));
  ROM_TRY(f->ctx, rom_h5_transfer_block(f, dset, dataset, 1, 0, rom_dmat_cols(m),
                                        rom_dmat_row_offset(m), rom_dmat_local_rows(m),
                                        (double *)rom_dmat_data_const(m), rom_dmat_ld(m)));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

/* Rows this rank reads, and the check that they add up to the dataset's N. */
static int local_share(rom_h5 *f, const char *dataset, rom_int requested, rom_int N,
                       rom_int *local_rows, rom_int *offset) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  rom_int total = 0;
  *local_rows = requested == ROM_AUTO_ROWS
                    ? rom_dmat_partition_even(N, rom_ctx_rank(ctx), rom_ctx_size(ctx))
                    : requested;
  ROM_CHECK_ALL(ctx, *local_rows >= 0, ROM_ERR_ARG,
                "reading '%s' from '%s': local_rows = %lld must be >= 0 or ROM_AUTO_ROWS", dataset,
                f->path, (long long)requested);
  ROM_TRY(ctx, rom_h5_row_offsets(ctx, *local_rows, offset, &total));
  ROM_CHECK(ctx, total == N, ROM_ERR_DIM,
            "reading dataset '%s' of '%s': it has N = %lld rows but local_rows sum to %lld over "
            "the %d ranks",
            dataset, f->path, (long long)N, (long long)total, rom_ctx_size(ctx));
cleanup:
  return err;
}

int rom_h5_read_dmat(rom_h5 *f, const char *dataset, rom_int local_rows, rom_int expected_cols,
                     rom_int expected_N, rom_dmat **out) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[4] = {0, 0, 0, 0};
  int ndims = 0;
  rom_dmat *m = NULL;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &ndims, dims));
  char text[96];
  ROM_CHECK(ctx, ndims == 2, ROM_ERR_DIM,
            "dataset '%s' in '%s' has dims %s; a matrix is stored as {columns, rows}", dataset,
            f->path, dims_text(ndims, dims, text));
  rom_int n = (rom_int)dims[0], N = (rom_int)dims[1];
  ROM_CHECK(ctx, (expected_cols < 0 || expected_cols == n) && (expected_N < 0 || expected_N == N),
            ROM_ERR_DIM,
            "dataset '%s' in '%s' has dims {%lld, %lld}, expected {%lld, %lld} (-1: any)", dataset,
            f->path, (long long)n, (long long)N, (long long)expected_cols, (long long)expected_N);
  rom_int offset = 0;
  ROM_TRY(ctx, local_share(f, dataset, local_rows, N, &local_rows, &offset));
  ROM_TRY(ctx, rom_dmat_create(ctx, local_rows, n, &m));
  ROM_TRY(ctx, rom_h5_transfer_block(f, dset, dataset, 0, 0, n, rom_dmat_row_offset(m), local_rows,
                                     rom_dmat_data(m), rom_dmat_ld(m)));
  ROM_TRY(ctx, rom_check_finite_block(ctx, f->path, dataset, 2, (rom_int[]){n, N}, 0, n,
                                      rom_dmat_row_offset(m), local_rows, rom_dmat_data(m),
                                      rom_dmat_ld(m)));
  *out = m;
  m = NULL;
cleanup:
  rom_dmat_destroy(&m);
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_write_dvec(rom_h5 *f, const char *dataset, rom_int local_rows, const double *local) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  rom_int offset = 0, N = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, local_rows >= 0 && (local || local_rows == 0), ROM_ERR_ARG,
                "writing '%s' to '%s': local_rows = %lld with %s data", dataset, f->path,
                (long long)local_rows, local ? "non-NULL" : "NULL");
  ROM_TRY(ctx, rom_h5_row_offsets(ctx, local_rows, &offset, &N));
  hsize_t dims[1] = {(hsize_t)N};
  ROM_TRY(ctx, rom_h5_create_dataset(f, dataset, 1, dims, NULL, NULL, &dset));
  ROM_TRY(ctx, rom_h5_transfer_block(f, dset, dataset, 1, 0, 1, offset, local_rows, (double *)local,
                                     local_rows));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_read_dvec(rom_h5 *f, const char *dataset, rom_int local_rows, double *local) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[4] = {0, 0, 0, 0};
  int ndims = 0;
  rom_int offset = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, local_rows >= 0 && (local || local_rows == 0), ROM_ERR_ARG,
                "reading '%s' from '%s': local_rows = %lld with %s buffer", dataset, f->path,
                (long long)local_rows, local ? "a" : "a NULL");
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &ndims, dims));
  char text[96];
  ROM_CHECK(ctx, ndims == 1, ROM_ERR_DIM, "dataset '%s' in '%s' has dims %s; a vector is {N}",
            dataset, f->path, dims_text(ndims, dims, text));
  ROM_TRY(ctx, local_share(f, dataset, local_rows, (rom_int)dims[0], &local_rows, &offset));
  ROM_TRY(ctx,
          rom_h5_transfer_block(f, dset, dataset, 0, 0, 1, offset, local_rows, local, local_rows));
  ROM_TRY(ctx, rom_check_finite_block(ctx, f->path, dataset, 1, (rom_int[]){(rom_int)dims[0]}, 0, 1,
                                      offset, local_rows, local, local_rows));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

/* ---- small replicated arrays ---------------------------------------------------------- */

int rom_h5_write_array(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                       const double *data) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t h[4] = {0, 0, 0, 0};
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, ndims >= 1 && ndims <= 4 && dims, ROM_ERR_ARG,
                "writing '%s' to '%s': ndims = %d must be 1..4", dataset, f->path, ndims);
  rom_int total = 1;
  for (int i = 0; i < ndims; ++i) {
    ROM_CHECK_ALL(ctx, dims[i] >= 0, ROM_ERR_ARG, "writing '%s' to '%s': dims[%d] = %lld < 0",
                  dataset, f->path, i, (long long)dims[i]);
    h[i] = (hsize_t)dims[i];
    total *= dims[i];
  }
  ROM_CHECK_ALL(ctx, data || total == 0, ROM_ERR_ARG, "writing '%s' to '%s': data is NULL", dataset,
                f->path);
  ROM_TRY(ctx, rom_h5_create_dataset(f, dataset, ndims, h, NULL, NULL, &dset));
  ROM_TRY(ctx, rom_h5_transfer_rows(f, dset, dataset, 1, 0, dims[0], (double *)data));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

static int read_array(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims, double *data,
                      int check_finite) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t found[4] = {0, 0, 0, 0}, want[4] = {0, 0, 0, 0};
  int found_ndims = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, ndims >= 1 && ndims <= 4 && dims, ROM_ERR_ARG,
                "reading '%s' from '%s': ndims = %d must be 1..4", dataset, f->path, ndims);
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &found_ndims, found));
  int same = found_ndims == ndims;
  for (int i = 0; i < ndims; ++i) {
    want[i] = (hsize_t)dims[i];
    same = same && found[i] == want[i];
  }
  char a[96], b[96];
  ROM_CHECK(ctx, same, ROM_ERR_DIM, "dataset '%s' in '%s' has dims %s, expected %s", dataset,
            f->path, dims_text(found_ndims, found, a), dims_text(ndims, want, b));
  ROM_TRY(ctx, rom_h5_transfer_rows(f, dset, dataset, 0, 0, dims[0], data));
  if (check_finite) ROM_TRY(ctx, rom_check_finite_array(ctx, f->path, dataset, ndims, dims, data));
cleanup:
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_read_array(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                      double *data) {
  return read_array(f, dataset, ndims, dims, data, 1);
}

int rom_h5_read_array_raw(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                          double *data) {
  return read_array(f, dataset, ndims, dims, data, 0);
}

int rom_h5_read_array_alloc(rom_h5 *f, const char *dataset, int *ndims, rom_int dims[4],
                            double **data) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t dset = H5I_INVALID_HID;
  hsize_t found[4] = {0, 0, 0, 0};
  int nd = 0;
  double *buf = NULL;
  size_t bytes = 0;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, ndims && dims && data, ROM_ERR_ARG, "reading '%s': NULL output argument",
                dataset ? dataset : "");
  *data = NULL;
  ROM_TRY(ctx, rom_h5_open_dataset(f, dataset, NULL, &dset, &nd, found));
  ROM_CHECK(ctx, nd >= 1, ROM_ERR_FORMAT, "dataset '%s' in '%s' is a scalar, not an array", dataset,
            f->path);
  rom_int total = 1;
  for (int i = 0; i < 4; ++i) {
    /* declared dims come from the file: a corrupted one must fail here, not overflow */
    ROM_CHECK_ALL(ctx, i >= nd || found[i] <= (hsize_t)INT64_MAX, ROM_ERR_FORMAT,
                  "dataset '%s' in '%s' declares dimension %d of %llu entries", dataset, f->path, i,
                  (unsigned long long)found[i]);
    dims[i] = i < nd ? (rom_int)found[i] : 0;
    if (i < nd) ROM_TRY_ALL(ctx, rom_count_mul(ctx, total, dims[i], "dataset size", &total));
  }
  ROM_TRY_ALL(ctx, rom_size_mul(ctx, total, sizeof(double), &bytes));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&buf));
  ROM_TRY(ctx, rom_h5_transfer_rows(f, dset, dataset, 0, 0, dims[0], buf));
  ROM_TRY(ctx, rom_check_finite_array(ctx, f->path, dataset, nd, dims, buf));
  *ndims = nd;
  *data = buf;
  buf = NULL;
cleanup:
  rom_free(ctx, buf);
  rom_h5_release(&dset);
  rom_h5_quiet_end(&quiet);
  return err;
}
