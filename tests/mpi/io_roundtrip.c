/* The HDF5 layer (librom/io/h5.h): a file written on min(2, P) ranks is read back on
 * one rank and on all P ranks with even and uneven partitions (a rank with zero rows
 * when P >= 3), compared exactly against the formula that made the data; then every
 * error path, each for its exact code and a message naming the file and the dataset. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "core/check.h" /* rom_free for rom_h5_read_array_alloc */
#include "io/h5.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N_ROWS 37
#define N_COLS 5

/* The data, from its global indices: what the reader compares against. */
static double matrix_value(rom_int i, rom_int j, double scale) {
  return scale * ((double)(i + 1) + 0.001 * (double)j + 1e-9 * (double)(i % 7));
}
static double vector_value(rom_int i) {
  return -0.5 * (double)i + 0.125;
}
static double array_value(rom_int k) {
  return 0.25 * (double)k - 1.0;
}

static int contains(const char *text, const char *part) {
  return strstr(text, part) != NULL;
}

#define CHECK_FAILS(ctx, expr, code, part1, part2)                                                 \
  do {                                                                                             \
    CHECK_ERR(ctx, expr, code);                                                                    \
    CHECK(contains(rom_ctx_last_error(ctx), part1) && contains(rom_ctx_last_error(ctx), part2),    \
          "message of %s should name '%s' and '%s': %s", #expr, part1, part2,                      \
          rom_ctx_last_error(ctx));                                                                \
  } while (0)

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Whole file content (rank-local read), for "left untouched byte for byte". */
static char *slurp(const char *path, long *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  *size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)*size + 1);
  if (buf && fread(buf, 1, (size_t)*size, fp) != (size_t)*size) {
    free(buf);
    buf = NULL;
  }
  fclose(fp);
  return buf;
}

/* Writes the test file on `ctx` (whatever ranks it has), with an uneven partition and a
 * padded local block (ld > local_rows, padding NaN so reading it would show). */
static void write_test_file(rom_ctx *ctx, const char *path, double scale, rom_int cols) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int local = test_uneven_rows(N_ROWS, rank, size), ld = local + 3, offset = 0;
  for (int r = 0; r < rank; ++r)
    offset += test_uneven_rows(N_ROWS, r, size);
  double *block = malloc(sizeof(double) * (size_t)(ld * cols + 1));
  double *vec = malloc(sizeof(double) * (size_t)(local + 1));
  double array[12];
  for (rom_int j = 0; j < cols; ++j)
    for (rom_int i = 0; i < ld; ++i)
      block[i + j * ld] = i < local ? matrix_value(offset + i, j, scale) : NAN;
  for (rom_int i = 0; i < local; ++i)
    vec[i] = vector_value(offset + i);
  for (int k = 0; k < 12; ++k)
    array[k] = array_value(k);
  rom_dmat *m = NULL;
  rom_h5 *f = NULL;
  rom_int dims[2] = {3, 4};
  CHECK_OK(ctx, rom_dmat_wrap(ctx, local, cols, block, ld, &m));
  CHECK_OK(ctx, rom_h5_create(ctx, path, "test", 1, &f));
  CHECK_OK(ctx, rom_h5_write_dmat(f, "matrix", m));
  CHECK_OK(ctx, rom_h5_write_dvec(f, "group/vector", local, vec));
  CHECK_OK(ctx, rom_h5_write_array(f, "arrays/a34", 2, dims, array));
  CHECK_OK(ctx, rom_h5_write_attr_string(f, "method", "svd"));
  CHECK_OK(ctx, rom_h5_write_attr_double(f, "energy", 0.9999));
  CHECK_OK(ctx, rom_h5_write_attr_int(f, "seed", 7));
  CHECK_OK(ctx, rom_h5_write_attr_int(f, "seed", 8)); /* replaced in place */
  CHECK_OK(ctx, rom_h5_commit(&f));
  CHECK(f == NULL, "commit must set the handle to NULL");
  rom_dmat_destroy(&m);
  free(block);
  free(vec);
}

/* Writes on a sub-communicator of min(2, P) ranks with its own context. */
static void write_on_subcommunicator(rom_ctx *world, const char *path) {
  int rank = rom_ctx_rank(world), writers = rom_ctx_size(world) < 2 ? 1 : 2;
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_split(rom_ctx_comm(world), rank < writers ? 0 : MPI_UNDEFINED, rank, &sub);
  if (sub != MPI_COMM_NULL) {
    rom_ctx *ctx = NULL;
    CHECK(rom_ctx_create(sub, &ctx) == ROM_OK, "context on the sub-communicator");
    write_test_file(ctx, path, 1.0, N_COLS);
    rom_ctx_destroy(&ctx);
    MPI_Comm_free(&sub);
  }
  MPI_Barrier(rom_ctx_comm(world));
}

static void check_root_attributes(rom_ctx *ctx, rom_h5 *f, int64_t writers) {
  char text[64];
  int64_t value = 0;
  double energy = 0.0;
  int found = 1;
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "format", text, sizeof text, NULL));
  CHECK(!strcmp(text, "romkit"), "format = '%s'", text);
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "kind", text, sizeof text, NULL));
  CHECK(!strcmp(text, "test"), "kind = '%s'", text);
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "romkit_version", text, sizeof text, NULL));
  CHECK(!strcmp(text, ROM_VERSION_STRING), "romkit_version = '%s'", text);
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "created", text, sizeof text, NULL));
  CHECK(strlen(text) == 20 && text[10] == 'T' && text[19] == 'Z', "created = '%s'", text);
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "format_version", &value, NULL));
  CHECK(value == 1, "format_version = %lld", (long long)value);
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "ranks", &value, NULL));
  CHECK(value == writers, "ranks = %lld, expected %lld", (long long)value, (long long)writers);
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "seed", &value, NULL));
  CHECK(value == 8, "seed = %lld after replacement", (long long)value);
  CHECK_OK(ctx, rom_h5_read_attr_double(f, "energy", &energy, NULL));
  CHECK(energy == 0.9999, "energy = %.17g", energy);
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "method", text, sizeof text, NULL));
  CHECK(!strcmp(text, "svd"), "method = '%s'", text);
  CHECK_OK(ctx, rom_h5_read_attr_string(f, "no_such_attribute", text, sizeof text, &found));
  CHECK(found == 0, "a missing attribute with `found` is not an error");
  CHECK_FAILS(ctx, rom_h5_read_attr_int(f, "no_such_attribute", &value, NULL), ROM_ERR_FORMAT,
              "no_such_attribute", rom_h5_path(f));
  CHECK_FAILS(ctx, rom_h5_read_attr_int(f, "method", &value, NULL), ROM_ERR_FORMAT, "method",
              rom_h5_path(f));
  CHECK_FAILS(ctx, rom_h5_read_attr_string(f, "method", text, 2, NULL), ROM_ERR_ARG, "method",
              rom_h5_path(f));
}

static void check_data(rom_ctx *ctx, rom_h5 *f, rom_int local_rows, double scale, rom_int cols,
                       const char *label) {
  rom_dmat *m = NULL;
  CHECK_OK(ctx, rom_h5_read_dmat(f, "matrix", local_rows, cols, N_ROWS, &m));
  if (!m) return;
  rom_int local = rom_dmat_local_rows(m), offset = rom_dmat_row_offset(m), bad = 0;
  CHECK(local_rows == ROM_AUTO_ROWS || local == local_rows, "%s: local rows", label);
  CHECK(rom_dmat_global_rows(m) == N_ROWS && rom_dmat_cols(m) == cols, "%s: dims", label);
  for (rom_int j = 0; j < cols; ++j)
    for (rom_int i = 0; i < local; ++i)
      bad += rom_dmat_data(m)[i + j * rom_dmat_ld(m)] != matrix_value(offset + i, j, scale);
  CHECK(bad == 0, "%s: %lld matrix entries differ", label, (long long)bad);
  double *vec = malloc(sizeof(double) * (size_t)(local + 1));
  CHECK_OK(ctx, rom_h5_read_dvec(f, "group/vector", local, vec));
  bad = 0;
  for (rom_int i = 0; i < local; ++i)
    bad += vec[i] != vector_value(offset + i);
  CHECK(bad == 0, "%s: %lld vector entries differ", label, (long long)bad);
  free(vec);
  rom_dmat_destroy(&m);
}

static void check_arrays(rom_ctx *ctx, rom_h5 *f) {
  double array[12] = {0}, *alloc = NULL;
  rom_int dims[2] = {3, 4}, got[4] = {0, 0, 0, 0};
  int ndims = 0, exists = 1, bad = 0;
  CHECK_OK(ctx, rom_h5_read_array(f, "arrays/a34", 2, dims, array));
  CHECK_OK(ctx, rom_h5_read_array_alloc(f, "arrays/a34", &ndims, got, &alloc));
  CHECK(ndims == 2 && got[0] == 3 && got[1] == 4, "array dims {%lld, %lld}", (long long)got[0],
        (long long)got[1]);
  for (int k = 0; k < 12; ++k)
    bad += array[k] != array_value(k) || (alloc && alloc[k] != array[k]);
  CHECK(bad == 0, "%d array entries differ", bad);
  rom_free(ctx, alloc);
  CHECK_OK(ctx, rom_h5_dataset_dims(f, "matrix", &ndims, got, NULL));
  CHECK(ndims == 2 && got[0] == N_COLS && got[1] == N_ROWS, "matrix is stored {n, N}");
  CHECK_OK(ctx, rom_h5_dataset_dims(f, "nothing/here", &ndims, got, &exists));
  CHECK(exists == 0, "a missing dataset with `exists` is not an error");
}

static void read_test_file(rom_ctx *ctx, const char *path, rom_int local_rows, const char *label) {
  rom_h5 *f = NULL;
  int writers = 0, world = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  writers = world < 2 ? 1 : 2;
  CHECK_OK(ctx, rom_h5_open(ctx, path, "test", &f));
  if (!f) return;
  check_root_attributes(ctx, f, writers);
  check_data(ctx, f, local_rows, 1.0, N_COLS, label);
  check_arrays(ctx, f);
  CHECK_OK(ctx, rom_h5_close(&f));
}

/* ---- error paths ------------------------------------------------------------------------ */

static void make_foreign_files(rom_ctx *ctx, const char *text_path, const char *plain_path) {
  if (rom_ctx_rank(ctx) == 0) {
    FILE *fp = fopen(text_path, "w");
    fputs("this is not HDF5\n", fp);
    fclose(fp);
    hid_t file = H5Fcreate(plain_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 4;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dset =
        H5Dcreate2(file, "data", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(dset);
    H5Sclose(space);
    H5Fclose(file);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
}

/* Rank 0 rewrites format_version with plain HDF5, as a file from a future romkit would. */
static void patch_format_version(rom_ctx *ctx, const char *path) {
  if (rom_ctx_rank(ctx) == 0) {
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    int64_t two = 2;
    H5Awrite(attr, H5T_NATIVE_INT64, &two);
    H5Aclose(attr);
    H5Fclose(file);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
}

static void check_open_errors(rom_ctx *ctx, const char *path) {
  char missing[512], text[512], plain[512], future[512];
  rom_h5 *f = NULL;
  test_path(ctx, "io_missing", missing, sizeof missing);
  test_path(ctx, "io_text", text, sizeof text);
  test_path(ctx, "io_plain", plain, sizeof plain);
  test_path(ctx, "io_future", future, sizeof future);
  make_foreign_files(ctx, text, plain);
  CHECK_FAILS(ctx, rom_h5_open(ctx, missing, "test", &f), ROM_ERR_IO, missing, "no such file");
  CHECK_FAILS(ctx, rom_h5_open(ctx, text, "test", &f), ROM_ERR_IO, text, "not an HDF5 file");
  CHECK_FAILS(ctx, rom_h5_open(ctx, plain, "test", &f), ROM_ERR_FORMAT, plain, "not a romkit file");
  CHECK_FAILS(ctx, rom_h5_open(ctx, path, "basis", &f), ROM_ERR_FORMAT, "'test'", "'basis'");
  CHECK(f == NULL, "a failed open leaves the handle NULL");
  CHECK_OK(ctx, rom_h5_create(ctx, future, "test", 1, &f));
  CHECK_OK(ctx, rom_h5_commit(&f));
  patch_format_version(ctx, future);
  CHECK_FAILS(ctx, rom_h5_open(ctx, future, NULL, &f), ROM_ERR_FORMAT, future, "format_version 2");
}

static void check_read_errors(rom_ctx *ctx, const char *path) {
  rom_h5 *f = NULL;
  rom_dmat *m = NULL;
  double small[4];
  rom_int dims2[2] = {4, 3};
  CHECK_OK(ctx, rom_h5_open(ctx, path, "test", &f));
  if (!f) return;
  CHECK_FAILS(ctx, rom_h5_read_dmat(f, "matrix", ROM_AUTO_ROWS, N_COLS + 1, -1, &m), ROM_ERR_DIM,
              "'matrix'", path);
  CHECK_FAILS(ctx, rom_h5_read_dmat(f, "matrix", ROM_AUTO_ROWS, -1, N_ROWS - 1, &m), ROM_ERR_DIM,
              "'matrix'", path);
  /* One row in all: the sum over ranks is 1, not N. */
  CHECK_FAILS(ctx, rom_h5_read_dmat(f, "matrix", rom_ctx_rank(ctx) == 0 ? 1 : 0, -1, -1, &m),
              ROM_ERR_DIM, "'matrix'", "sum to 1");
  CHECK_FAILS(ctx, rom_h5_read_dvec(f, "group/vector", rom_ctx_rank(ctx) == 0 ? 1 : 0, small),
              ROM_ERR_DIM, "'group/vector'", path);
  CHECK_FAILS(ctx, rom_h5_read_array(f, "arrays/a34", 2, dims2, small), ROM_ERR_DIM, "'arrays/a34'",
              "{3, 4}");
  CHECK_FAILS(ctx, rom_h5_read_dmat(f, "no_such", ROM_AUTO_ROWS, -1, -1, &m), ROM_ERR_FORMAT,
              "'no_such'", path);
  CHECK(m == NULL, "failed reads leave the matrix NULL");
  CHECK_OK(ctx, rom_h5_close(&f));
}

static void check_write_errors(rom_ctx *ctx, const char *path) {
  char partial[600], bad_dir[600];
  long before_size = 0, after_size = 0;
  char *before = NULL, *after = NULL;
  rom_h5 *f = NULL;
  snprintf(partial, sizeof partial, "%s.partial", path);
  snprintf(bad_dir, sizeof bad_dir, "%s/no_such_dir/out.h5", test_dir());
  if (rom_ctx_rank(ctx) == 0) before = slurp(path, &before_size);
  CHECK_FAILS(ctx, rom_h5_create(ctx, path, "test", 0, &f), ROM_ERR_EXISTS, path, "overwrite");
  CHECK_FAILS(ctx, rom_h5_create(ctx, bad_dir, "test", 1, &f), ROM_ERR_IO, bad_dir, "directory");
  /* An aborted write leaves the user's file as it was, and no partial file. */
  CHECK_OK(ctx, rom_h5_create(ctx, path, "test", 1, &f));
  CHECK_OK(ctx, rom_h5_write_attr_int(f, "half_written", 1));
  rom_h5_abort(&f);
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    after = slurp(path, &after_size);
    CHECK(before && after && before_size == after_size &&
              !memcmp(before, after, (size_t)before_size),
          "'%s' must be untouched byte for byte", path);
    CHECK(!file_exists(partial), "no '%s' may be left behind", partial);
  }
  free(before);
  free(after);
}

/* overwrite = 1 replaces the file: different data (scale 2, 3 columns) written on all ranks. */
static void check_overwrite(rom_ctx *ctx, const char *path) {
  char partial[600];
  rom_h5 *f = NULL;
  snprintf(partial, sizeof partial, "%s.partial", path);
  write_test_file(ctx, path, 2.0, 3);
  CHECK(rom_ctx_rank(ctx) != 0 || !file_exists(partial), "commit leaves no partial file");
  CHECK_OK(ctx, rom_h5_open(ctx, path, "test", &f));
  if (!f) return;
  check_data(ctx, f, ROM_AUTO_ROWS, 2.0, 3, "overwritten");
  CHECK_OK(ctx, rom_h5_close(&f));
}

int main(int argc, char **argv) {
  rom_ctx *world = test_init(&argc, &argv);
  rom_ctx *self = NULL;
  char path[512];
  int rank = rom_ctx_rank(world), size = rom_ctx_size(world);
  test_path(world, "io_roundtrip", path, sizeof path);
  write_on_subcommunicator(world, path);

  /* Every rank alone, all at once (read-only opens do not conflict). */
  CHECK(rom_ctx_create(MPI_COMM_SELF, &self) == ROM_OK, "context on MPI_COMM_SELF");
  read_test_file(self, path, N_ROWS, "one rank");
  rom_ctx_destroy(&self);
  read_test_file(world, path, ROM_AUTO_ROWS, "even partition");
  read_test_file(world, path, test_uneven_rows(N_ROWS, rank, size), "uneven partition");

  check_open_errors(world, path);
  check_read_errors(world, path);
  check_write_errors(world, path);
  check_overwrite(world, path);
  /* Nothing left behind: romkit's tracked memory and HDF5 identifiers. */
  CHECK(rom_ctx_bytes_in_use(world) == 0, "%zu bytes still allocated", rom_ctx_bytes_in_use(world));
  CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "%lld HDF5 objects left open",
        (long long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
  return test_finish(&world);
}
