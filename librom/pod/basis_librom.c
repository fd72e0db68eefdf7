/* libROM interop: a POD basis as libROM's BasisWriter writes it and BasisReader reads it,
 * so that a libROM user can move a basis across in either direction.
 *
 * The layout, as verified in libROM's source (github.com/LLNL/libROM, 2023-2024 versions:
 * lib/linalg/BasisWriter.cpp writeBasis("basis"), lib/linalg/BasisReader.cpp constructor and
 * getSpatialBasis/getDim/getNumSamples/getSingularValues, lib/utils/HDFDatabase.cpp
 * putIntegerArray/putDoubleArray/writeAttribute, lib/linalg/Matrix.h item()):
 *
 *   one HDF5 file per rank, "<base>.%06d" with the rank (6 digits), written with the default
 *   (serial) file driver, H5Fcreate(H5F_ACC_TRUNC);
 *   spatial_basis           1-D, num_rows * num_cols doubles (H5T_IEEE_F64BE): the rank's
 *                           rows of the basis, ROW-MAJOR (libROM's Matrix stores
 *                           d_mat[row * num_cols + col]), so entry (i, j) is at i * k + j;
 *   spatial_basis_num_rows  1-D {1} int (H5T_STD_I32BE): this rank's rows;
 *   spatial_basis_num_cols  1-D {1} int: k;
 *   singular_value_size     1-D {1} int: r;
 *   singular_value          1-D {r} doubles, the same on every rank;
 *   every dataset carries a scalar attribute "Type" (H5T_STD_I8BE): 0 for double arrays,
 *   1 for integer arrays (HDFDatabase::writeAttribute; isInteger/isDouble read it).
 *   temporal_basis{,_num_rows,_num_cols} are written by libROM only when the generator
 *   updates the right singular vectors; romkit keeps none, so it writes none and ignores
 *   them when reading. (Older libROM releases, before 2023, suffixed every name with a time
 *   interval, "spatial_basis_000000", and wrote "num_time_intervals" and "time_000000";
 *   those files are not read here: the message names libROM's converter,
 *   scripts/data/update_basis_format.py.)
 *
 * romkit's additions, which libROM ignores: when the basis has a reference or mean vector
 * it is written as "romkit_mean" or "romkit_reference" (1-D, the rank's rows), so a round
 * trip keeps it.
 *
 * Writing (rom_basis_write_librom): each rank writes its own file, "<base>.%06d" with its
 * rank in the basis' communicator (libROM uses MPI_COMM_WORLD's rank; for a basis on the
 * whole job the two agree). Existing files are refused (ROM_ERR_EXISTS, nothing touched)
 * unless overwrite; the check covers every rank's file and "<base>.<P>", the first name
 * after this rank count, because a reader takes every consecutive file present; with
 * overwrite, stale files "<base>.<P>", "<base>.<P+1>", ... from an earlier run on more
 * ranks are removed. Each file is written as a unique temporary file
 * "<file>.<pid>-<random>.partial" (io/h5.h) and published only after every rank has
 * succeeded (or held with the context's other outputs: romkit/output.h).
 *
 * Reading (rom_basis_read_librom) on any number of ranks: the files present are counted
 * ("<base>.000000", "<base>.000001", ... up to the first missing name), their row counts
 * read, and the rows concatenated in file order (file f's rows follow file f-1's, which is
 * the global order libROM's row partition had). Each reader rank then gets the even
 * partition of the N global rows (rom_dmat_partition_even) and reads its rows from the one
 * or several files that hold them. Singular values come from file 0. */
#define _POSIX_C_SOURCE 200809L
#include "core/check.h"
#include "io/h5.h"
#include "core/values.h"
#include "pod/basis_impl.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIBROM_TYPE_DOUBLE 0
#define LIBROM_TYPE_INT 1

typedef struct {
  H5E_auto2_t func;
  void *data;
} quiet_t;
static void quiet_begin(quiet_t *q) {
  H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
static void quiet_end(const quiet_t *q) {
  H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static void release(hid_t *id) {
  if (*id < 0) return;
  switch (H5Iget_type(*id)) {
  case H5I_FILE:
    H5Fclose(*id);
    break;
  case H5I_DATASET:
    H5Dclose(*id);
    break;
  case H5I_DATASPACE:
    H5Sclose(*id);
    break;
  case H5I_ATTR:
    H5Aclose(*id);
    break;
  case H5I_DATATYPE:
    H5Tclose(*id);
    break;
  case H5I_GENPROP_LST:
    H5Pclose(*id);
    break;
  default:
    break;
  }
  *id = H5I_INVALID_HID;
}

/* "<base>.%06d" into buf (len bytes). */
static void file_name(char *buf, size_t len, const char *base, rom_int index) {
  snprintf(buf, len, "%s.%06lld", base, (long long)index);
}

/* HDFDatabase::writeAttribute: scalar "Type" (H5T_STD_I8BE) on the dataset. */
static int write_type_attribute(rom_ctx *ctx, hid_t dset, int type_key, const char *path,
                                const char *name) {
  int err = ROM_OK;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  space = H5Screate(H5S_SCALAR);
  ROM_CHECK(ctx, space >= 0, ROM_ERR_IO, "file '%s': cannot create the attribute space of '%s'",
            path, name);
  attr = H5Acreate2(dset, "Type", H5T_STD_I8BE, space, H5P_DEFAULT, H5P_DEFAULT);
  ROM_CHECK(ctx, attr >= 0 && H5Awrite(attr, H5T_NATIVE_INT, &type_key) >= 0, ROM_ERR_IO,
            "file '%s': cannot write the attribute 'Type' of dataset '%s'", path, name);
cleanup:
  release(&attr);
  release(&space);
  return err;
}

/* A 1-D dataset of n values of file type ftype written from memory type mtype. */
static int write_array(rom_ctx *ctx, hid_t file, const char *path, const char *name, hid_t ftype,
                       hid_t mtype, int type_key, rom_int n, const void *data) {
  int err = ROM_OK;
  hid_t space = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  hsize_t dims[1];
  dims[0] = (hsize_t)n;
  space = H5Screate_simple(1, dims, NULL);
  ROM_CHECK(ctx, space >= 0, ROM_ERR_IO, "file '%s': cannot create the space of '%s'", path, name);
  dset = H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ROM_CHECK(ctx, dset >= 0, ROM_ERR_IO, "file '%s': cannot create dataset '%s'", path, name);
  ROM_CHECK(ctx, n == 0 || H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
            ROM_ERR_IO, "file '%s': cannot write dataset '%s' (%lld values)", path, name,
            (long long)n);
  ROM_TRY(ctx, write_type_attribute(ctx, dset, type_key, path, name));
cleanup:
  release(&dset);
  release(&space);
  return err;
}

static int write_int(rom_ctx *ctx, hid_t file, const char *path, const char *name, rom_int v) {
  int value = (int)v;
  ROM_ENSURE(ctx, v >= 0 && v <= 2147483647, ROM_ERR_UNSUPPORTED,
             "file '%s': '%s' = %lld does not fit libROM's 32-bit int", path, name, (long long)v);
  return write_array(ctx, file, path, name, H5T_STD_I32BE, H5T_NATIVE_INT, LIBROM_TYPE_INT, 1,
                     &value);
}

/* This rank's file, written completely under `partial`. Not collective. */
static int write_rank_file(const rom_basis *b, const char *partial, const char *path) {
  int err = ROM_OK;
  rom_ctx *ctx = b->ctx;
  const rom_dmat *V = b->vectors;
  rom_int lr = rom_dmat_local_rows(V), k = rom_dmat_cols(V);
  double *rowmajor = NULL;
  hid_t file = H5I_INVALID_HID;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, lr * k, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&rowmajor));
  const double *Vd = rom_dmat_data_const(V);
  const rom_int ldV = rom_dmat_ld(V);
  for (rom_int i = 0; i < lr; ++i)
    for (rom_int j = 0; j < k; ++j)
      rowmajor[i * k + j] = Vd[i + j * ldV];
  file = H5Fcreate(partial, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ROM_CHECK(ctx, file >= 0, ROM_ERR_IO, "cannot create the libROM basis file '%s'", path);
  ROM_TRY(ctx, write_int(ctx, file, path, "spatial_basis_num_rows", lr));
  ROM_TRY(ctx, write_int(ctx, file, path, "spatial_basis_num_cols", k));
  ROM_TRY(ctx, write_array(ctx, file, path, "spatial_basis", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE,
                           LIBROM_TYPE_DOUBLE, lr * k, rowmajor));
  ROM_TRY(ctx, write_int(ctx, file, path, "singular_value_size", b->num_singular));
  ROM_TRY(ctx, write_array(ctx, file, path, "singular_value", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE,
                           LIBROM_TYPE_DOUBLE, b->num_singular, b->singular_values));
  if (b->reference)
    ROM_TRY(ctx,
            write_array(ctx, file, path, b->reference_is_mean ? "romkit_mean" : "romkit_reference",
                        H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, LIBROM_TYPE_DOUBLE, lr, b->reference));
  ROM_CHECK(ctx, rom_h5_close_local(&file, 0) == 0, ROM_ERR_IO,
            "cannot finish writing the libROM basis file '%s' (is the disk full?)", path);
cleanup:
  rom_h5_close_local(&file, 1); /* a failed file closes without writing (io/h5.h) */
  rom_free(ctx, rowmajor);
  return err;
}

int rom_basis_check_librom_output(rom_ctx *ctx, const char *base, int overwrite) {
  int err = ROM_OK, next = 0;
  char *path = NULL, *other = NULL;
  size_t len = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, base != NULL && base[0] != '\0', ROM_ERR_ARG,
                "the libROM base name is NULL or empty");
  len = strlen(base) + 40;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, 2 * len, (void **)&path));
  other = path + len;
  file_name(path, len, base, rom_ctx_rank(ctx));
  /* this rank's file: its directory on every rank, the file absent unless overwrite */
  ROM_TRY(ctx, rom_h5_check_output(ctx, path, overwrite, 1));
  file_name(other, len, base, rom_ctx_size(ctx));
  if (!overwrite) {
    if (rom_ctx_rank(ctx) == 0) next = access(other, F_OK) == 0;
    ROM_MPI(ctx, MPI_Bcast(&next, 1, MPI_INT, 0, rom_ctx_comm(ctx)));
    /* the same value on every rank, and so the same sentence */
    ROM_CHECK(ctx, !next, ROM_ERR_EXISTS,
              "libROM basis file '%s' exists: a reader would take it as part of the %d-file "
              "set '%s' (pass overwrite to remove it)",
              other, rom_ctx_size(ctx), base);
  }
cleanup:
  rom_free(ctx, path);
  return err;
}

int rom_basis_write_librom(const rom_basis *b, const char *base, int overwrite) {
  int err = ROM_OK, rank = 0, size = 0;
  rom_ctx *ctx = NULL;
  char *path = NULL, *partial = NULL, *other = NULL;
  dev_t dev = 0;
  ino_t ino = 0;
  size_t len = 0;
  quiet_t q;
  if (!b) return ROM_ERR_ARG;
  ctx = b->ctx;
  quiet_begin(&q);
  rank = rom_ctx_rank(ctx);
  size = rom_ctx_size(ctx);
  ROM_TRY(ctx, rom_basis_check_librom_output(ctx, base, overwrite));
  len = strlen(base) + 40;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, 2 * len, (void **)&path));
  other = path + len;
  file_name(path, len, base, rank);
  /* each rank's "<base>.<rank>.<pid>-<random>.partial" (rank 0's pid and random part) */
  ROM_TRY(ctx, rom_h5_temp_create(ctx, path, 1, &partial, &dev, &ino));
  {
    int local = rom_h5_temp_unchanged(partial, dev, ino)
                    ? write_rank_file(b, partial, path)
                    : rom_error_set(ctx, ROM_ERR_IO, __FILE__, __LINE__, __func__,
                                    "the temporary file '%s' for '%s' was replaced", partial, path);
    if (local != ROM_OK) unlink(partial);
    ROM_TRY_ALL(ctx, local);
  }
  ROM_TRY(ctx, rom_h5_temp_finish(ctx, partial, path, overwrite, 1)); /* or held */
  if (overwrite && rank == 0)
    for (rom_int f = size;; ++f) { /* stale files of an earlier run on more ranks */
      file_name(other, len, base, f);
      if (access(other, F_OK) != 0 || remove(other) != 0) break;
    }
  ROM_MPI(ctx, MPI_Barrier(rom_ctx_comm(ctx)));
cleanup:
  rom_free(ctx, partial);
  rom_free(ctx, path);
  quiet_end(&q);
  return err;
}

/* A damaged or hostile file can declare any dims: the values must be numbers, and when
 * they are not compressed the file must store all `total` of them (HDF5 would otherwise
 * read unallocated storage as fill values). */
static int check_stored(rom_ctx *ctx, hid_t dset, const char *path, const char *name,
                        rom_int total) {
  int err = ROM_OK;
  hid_t type = H5Dget_type(dset), dcpl = H5Dget_create_plist(dset);
  H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  size_t size = type >= 0 ? H5Tget_size(type) : 0, bytes = 0;
  int filters = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1;
  ROM_CHECK(ctx, (cls == H5T_FLOAT || cls == H5T_INTEGER) && size >= 1 && size <= 16,
            ROM_ERR_FORMAT, "libROM basis file '%s': dataset '%s' does not hold numbers", path,
            name);
  ROM_CHECK(ctx, filters >= 0, ROM_ERR_IO, "libROM basis file '%s': cannot query dataset '%s'",
            path, name);
  ROM_TRY(ctx, rom_size_mul(ctx, total, size, &bytes));
  ROM_CHECK(ctx, filters > 0 || (hsize_t)bytes <= H5Dget_storage_size(dset), ROM_ERR_FORMAT,
            "libROM basis file '%s': dataset '%s' declares %lld values but the file stores "
            "fewer",
            path, name, (long long)total);
cleanup:
  release(&type);
  release(&dcpl);
  return err;
}

/* The type class of a dataset (H5T_NO_CLASS if it cannot be read). */
static H5T_class_t dataset_class(hid_t dset) {
  hid_t type = H5Dget_type(dset);
  H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type >= 0) H5Tclose(type);
  return cls;
}

static const char *class_text(H5T_class_t cls) {
  return cls == H5T_INTEGER ? "integers"
         : cls == H5T_FLOAT ? "floating-point numbers"
                            : "something that is not a number";
}

/* Reads a 1-element integer dataset; `exists` may be NULL (then a missing one is an error). */
static int read_int(rom_ctx *ctx, hid_t file, const char *path, const char *name, rom_int *v,
                    int *exists) {
  int err = ROM_OK, value = 0;
  hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID;
  if (exists) *exists = 0;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
    if (exists) return ROM_OK;
    ROM_FAIL(ctx, ROM_ERR_FORMAT, "libROM basis file '%s' has no dataset '%s'", path, name);
  }
  dset = H5Dopen2(file, name, H5P_DEFAULT);
  space = dset >= 0 ? H5Dget_space(dset) : H5I_INVALID_HID;
  ROM_CHECK(ctx, space >= 0 && H5Sget_simple_extent_npoints(space) == 1, ROM_ERR_FORMAT,
            "libROM basis file '%s': dataset '%s' is not a single integer", path, name);
  ROM_CHECK(ctx, dataset_class(dset) == H5T_INTEGER, ROM_ERR_FORMAT,
            "libROM basis file '%s': dataset '%s' holds %s, libROM writes an integer there", path,
            name, class_text(dataset_class(dset)));
  ROM_TRY(ctx, check_stored(ctx, dset, path, name, 1));
  ROM_CHECK(ctx, H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0,
            ROM_ERR_IO, "libROM basis file '%s': cannot read dataset '%s'", path, name);
  ROM_CHECK(ctx, value >= 0, ROM_ERR_FORMAT, "libROM basis file '%s': dataset '%s' = %d < 0", path,
            name, value);
  *v = value;
  if (exists) *exists = 1;
cleanup:
  release(&space);
  release(&dset);
  return err;
}

/* Reads elements [first, first + count) of a double dataset that must hold `total` values. */
static int read_doubles(rom_ctx *ctx, hid_t file, const char *path, const char *name, rom_int total,
                        rom_int first, rom_int count, double *out) {
  int err = ROM_OK;
  hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID, mem = H5I_INVALID_HID;
  hssize_t n = 0;
  ROM_CHECK(ctx, H5Lexists(file, name, H5P_DEFAULT) > 0, ROM_ERR_FORMAT,
            "libROM basis file '%s' has no dataset '%s'", path, name);
  dset = H5Dopen2(file, name, H5P_DEFAULT);
  space = dset >= 0 ? H5Dget_space(dset) : H5I_INVALID_HID;
  ROM_CHECK(ctx, space >= 0, ROM_ERR_IO, "libROM basis file '%s': cannot open dataset '%s'", path,
            name);
  /* libROM writes doubles (H5T_IEEE_F64BE) here: integers would be converted silently into
   * a "basis" of whole numbers */
  ROM_CHECK(ctx, dataset_class(dset) == H5T_FLOAT, ROM_ERR_FORMAT,
            "libROM basis file '%s': dataset '%s' holds %s, libROM writes doubles there", path,
            name, class_text(dataset_class(dset)));
  n = H5Sget_simple_extent_npoints(space);
  ROM_CHECK(ctx, n == (hssize_t)total, ROM_ERR_DIM,
            "libROM basis file '%s': dataset '%s' holds %lld values, expected %lld", path, name,
            (long long)n, (long long)total);
  ROM_TRY(ctx, check_stored(ctx, dset, path, name, total));
  if (count == 0) goto cleanup;
  {
    /* libROM writes 1-D datasets; any shape with the right number of values is read in
     * its row-major order by viewing it as 1-D */
    hsize_t all[1], start[1], cnt[1];
    all[0] = (hsize_t)total;
    start[0] = (hsize_t)first;
    cnt[0] = (hsize_t)count;
    release(&space);
    space = H5Screate_simple(1, all, NULL);
    mem = H5Screate_simple(1, cnt, NULL);
    ROM_CHECK(ctx,
              space >= 0 && mem >= 0 &&
                  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, cnt, NULL) >= 0,
              ROM_ERR_IO, "libROM basis file '%s': cannot select in dataset '%s'", path, name);
    ROM_CHECK(ctx, H5Dread(dset, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, out) >= 0, ROM_ERR_IO,
              "libROM basis file '%s': cannot read dataset '%s'", path, name);
    ROM_TRY(ctx,
            rom_check_finite_local(ctx, path, name, 1, &total, 0, 1, first, count, out, count));
  }
cleanup:
  release(&mem);
  release(&space);
  release(&dset);
  return err;
}

/* A file from a libROM release before 2023 names every dataset with a 6-digit time interval
 * ("spatial_basis_000000", "spatial_basis_num_rows_000000", ..., sometimes with
 * "num_time_intervals"). libROM itself converts such files with its
 * scripts/data/update_basis_format.py, which drops the suffix of interval 0; the message
 * points there instead of at the first missing dataset. */
static int check_current_layout(rom_ctx *ctx, hid_t file, const char *path) {
  static const char *const old_names[] = {"spatial_basis_000000", "spatial_basis_num_rows_000000",
                                          "singular_value_000000", "num_time_intervals"};
  if (H5Lexists(file, "spatial_basis_num_rows", H5P_DEFAULT) > 0) return ROM_OK;
  for (size_t i = 0; i < sizeof old_names / sizeof old_names[0]; ++i)
    ROM_ENSURE(ctx, H5Lexists(file, old_names[i], H5P_DEFAULT) <= 0, ROM_ERR_FORMAT,
               "libROM basis file '%s' has the layout of libROM releases before 2023 (dataset "
               "'%s': names suffixed with a time interval); convert it with libROM's "
               "scripts/data/update_basis_format.py (python3 update_basis_format.py '%s', once "
               "per rank file; it keeps time interval 0) and read it again",
               path, old_names[i], path);
  return ROM_OK;
}

static int open_file(rom_ctx *ctx, const char *path, hid_t *file) {
  struct stat st;
  *file = H5I_INVALID_HID;
  /* Only regular files: a FIFO or a device would block in open() or read(). */
  ROM_ENSURE(ctx, stat(path, &st) != 0 || S_ISREG(st.st_mode), ROM_ERR_IO,
             "cannot open the libROM basis file '%s': not a regular file", path);
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ROM_ENSURE(ctx, *file >= 0, ROM_ERR_IO, "cannot open the libROM basis file '%s'%s", path,
             access(path, F_OK) != 0 ? ": no such file" : " (not an HDF5 file?)");
  return ROM_OK;
}

/* Rank 0: the file count, each file's rows, k, r and the singular values, and which of
 * romkit's reference datasets all files carry (0 none, 1 mean, 2 reference). */
static int scan_files(rom_ctx *ctx, const char *base, char *path, size_t len, rom_int **rows,
                      rom_int *nfiles, rom_int *k, rom_int *r, double **sv, int *reference) {
  int err = ROM_OK;
  hid_t file = H5I_INVALID_HID;
  rom_int count = 0, cap = 0;
  *rows = NULL;
  *sv = NULL;
  *reference = 0;
  for (count = 0;; ++count) {
    file_name(path, len, base, count);
    if (access(path, F_OK) != 0) break;
  }
  file_name(path, len, base, 0);
  ROM_CHECK(ctx, count > 0, ROM_ERR_IO,
            "no libROM basis files '%s.NNNNNN': the first, '%s', does not exist", base, path);
  cap = count;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)cap, (void **)rows));
  for (rom_int f = 0; f < count; ++f) {
    rom_int kf = 0, nrow = 0, rf = 0;
    int has_mean = 0, has_ref = 0;
    file_name(path, len, base, f);
    ROM_TRY(ctx, open_file(ctx, path, &file));
    ROM_TRY(ctx, check_current_layout(ctx, file, path));
    ROM_TRY(ctx, read_int(ctx, file, path, "spatial_basis_num_rows", &nrow, NULL));
    ROM_TRY(ctx, read_int(ctx, file, path, "spatial_basis_num_cols", &kf, NULL));
    rom_int nvalues = 0;
    ROM_TRY(ctx, rom_count_mul(ctx, nrow, kf, "libROM dataset 'spatial_basis'", &nvalues));
    ROM_TRY(ctx, read_doubles(ctx, file, path, "spatial_basis", nvalues, 0, 0, NULL));
    ROM_TRY(ctx, read_int(ctx, file, path, "singular_value_size", &rf, NULL));
    if (f == 0) {
      *k = kf;
      *r = rf;
      ROM_TRY(ctx, read_doubles(ctx, file, path, "singular_value", rf, 0, 0, NULL));
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)rf, (void **)sv));
      ROM_TRY(ctx, read_doubles(ctx, file, path, "singular_value", rf, 0, rf, *sv));
    }
    ROM_CHECK(ctx, kf == *k, ROM_ERR_DIM,
              "libROM basis file '%s': dataset 'spatial_basis_num_cols' = %lld, but the first "
              "file has %lld columns",
              path, (long long)kf, (long long)*k);
    ROM_CHECK(ctx, rf == *r, ROM_ERR_DIM,
              "libROM basis file '%s': dataset 'singular_value_size' = %lld, but the first "
              "file has %lld",
              path, (long long)rf, (long long)*r);
    has_mean = H5Lexists(file, "romkit_mean", H5P_DEFAULT) > 0;
    has_ref = H5Lexists(file, "romkit_reference", H5P_DEFAULT) > 0;
    if (f == 0)
      *reference = has_mean ? 1 : has_ref ? 2 : 0;
    else if (*reference != (has_mean ? 1 : has_ref ? 2 : 0))
      *reference = -1;
    (*rows)[f] = nrow;
    release(&file);
  }
  if (*reference < 0) *reference = 0; /* not on every file: ignored */
  *nfiles = count;
cleanup:
  release(&file);
  return err;
}

int rom_basis_read_librom(rom_ctx *ctx, const char *base, rom_basis **out) {
  int err = ROM_OK, rank = 0, reference = 0;
  char *path = NULL;
  size_t len = 0;
  rom_int nfiles = 0, k = 0, r = 0, N = 0, lr = 0, off = 0, hdr[4] = {0, 0, 0, 0};
  rom_int *rows = NULL;
  double *sv = NULL, *buf = NULL, *ref = NULL;
  rom_dmat *V = NULL;
  hid_t file = H5I_INVALID_HID;
  rom_basis_provenance prov;
  quiet_t q;
  if (!ctx) return ROM_ERR_ARG;
  quiet_begin(&q);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_basis_read_librom: out must not be NULL");
  *out = NULL;
  rank = rom_ctx_rank(ctx);
  ROM_CHECK_ALL(ctx, base != NULL && base[0] != '\0', ROM_ERR_ARG,
                "rom_basis_read_librom: the base name is NULL or empty");
  len = strlen(base) + 40;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, len, (void **)&path));

  /* 1. Rank 0 scans the set; everyone gets the counts, the rows per file and s. */
  if (rank == 0) {
    int e = scan_files(ctx, base, path, len, &rows, &nfiles, &k, &r, &sv, &reference);
    ROM_TRY_ALL(ctx, e);
  } else {
    ROM_TRY_ALL(ctx, ROM_OK);
  }
  hdr[0] = nfiles;
  hdr[1] = k;
  hdr[2] = r;
  hdr[3] = reference;
  ROM_MPI(ctx, MPI_Bcast(hdr, 4, MPI_INT64_T, 0, rom_ctx_comm(ctx)));
  nfiles = hdr[0];
  k = hdr[1];
  r = hdr[2];
  reference = (int)hdr[3];
  if (rank != 0) {
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)nfiles, (void **)&rows));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&sv));
  } else {
    ROM_TRY_ALL(ctx, ROM_OK);
    ROM_TRY_ALL(ctx, ROM_OK);
  }
  ROM_MPI(ctx, MPI_Bcast(rows, (int)nfiles, MPI_INT64_T, 0, rom_ctx_comm(ctx)));
  if (r > 0) ROM_MPI(ctx, MPI_Bcast(sv, (int)r, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  for (rom_int f = 0; f < nfiles; ++f)
    ROM_TRY_ALL(ctx, rom_count_add(ctx, N, rows[f], "libROM basis rows", &N));
  file_name(path, len, base, 0);
  ROM_CHECK(ctx, k >= 1 && N >= 1, ROM_ERR_FORMAT,
            "libROM basis '%s': the %lld files hold an empty basis (%lld rows, %lld columns)", base,
            (long long)nfiles, (long long)N, (long long)k);
  ROM_CHECK(ctx, r == 0 || r >= k, ROM_ERR_DIM,
            "libROM basis file '%s': dataset 'singular_value' has %lld values, fewer than the "
            "k = %lld basis vectors",
            path, (long long)r, (long long)k);
  ROM_TRY(ctx, rom_basis_check_singular_values(ctx, path, "singular_value", sv, r));

  /* 2. This rank's rows of the even partition, from the files that hold them. */
  lr = rom_dmat_partition_even(N, rank, rom_ctx_size(ctx));
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, k, &V));
  off = rom_dmat_row_offset(V);
  {
    int local = ROM_OK;
    size_t bytes = 0;
    rom_int count = 0;
    local = rom_count_mul(ctx, lr, k, "libROM basis", &count);
    if (local == ROM_OK) local = rom_size_mul(ctx, count, sizeof(double), &bytes);
    if (local == ROM_OK) local = rom_malloc(ctx, bytes, (void **)&buf);
    if (local == ROM_OK && reference > 0)
      local = rom_malloc(ctx, sizeof(double) * (size_t)lr, (void **)&ref);
    for (rom_int f = 0, start = 0; local == ROM_OK && f < nfiles; start += rows[f], ++f) {
      rom_int a = off > start ? off : start;
      rom_int b = off + lr < start + rows[f] ? off + lr : start + rows[f];
      if (a >= b) continue;
      file_name(path, len, base, f);
      local = open_file(ctx, path, &file);
      if (local == ROM_OK)
        local = read_doubles(ctx, file, path, "spatial_basis", rows[f] * k, (a - start) * k,
                             (b - a) * k, buf + (a - off) * k);
      if (local == ROM_OK && reference > 0)
        local = read_doubles(ctx, file, path, reference == 1 ? "romkit_mean" : "romkit_reference",
                             rows[f], a - start, b - a, ref + (a - off));
      release(&file);
    }
    ROM_TRY_ALL(ctx, local);
  }
  {
    double *Vd = rom_dmat_data(V);
    const rom_int ldV = rom_dmat_ld(V);
    for (rom_int i = 0; i < lr; ++i)
      for (rom_int j = 0; j < k; ++j)
        Vd[i + j * ldV] = buf[i * k + j];
  }

  memset(&prov, 0, sizeof prov);
  strcpy(prov.method, "librom");
  strcpy(prov.truncation, "none");
  prov.center = reference == 1;
  ROM_TRY_ALL(ctx, rom_basis_adopt(&V, r > 0 ? &sv : NULL, r, ref ? &ref : NULL, reference == 1,
                                   &prov, out));
cleanup:
  release(&file);
  rom_dmat_destroy(&V);
  rom_free(ctx, rows);
  rom_free(ctx, sv);
  rom_free(ctx, buf);
  rom_free(ctx, ref);
  rom_free(ctx, path);
  quiet_end(&q);
  return err;
}
