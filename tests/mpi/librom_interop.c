/* libROM basis files (rom_basis_write_librom / rom_basis_read_librom) at 1, 2 and 4 ranks:
 *  (a) the files are checked with plain HDF5 calls against libROM's layout (BasisWriter.cpp,
 *      HDFDatabase.cpp): one file per rank, dataset names, 1-D shapes, big-endian file
 *      types, "Type" attributes, row-major spatial_basis, each rank's row count;
 *  (b) read back on this rank count and on a 1-rank sub-communicator: values equal exactly;
 *  (c) existing files without overwrite: ROM_ERR_EXISTS, files untouched; a stale file of a
 *      larger set is refused, and removed with overwrite;
 *  (d) a missing file: ROM_ERR_IO naming it; a missing dataset: ROM_ERR_FORMAT naming both. */
#include "testutil_svd.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static rom_dmat *random_matrix(rom_ctx *ctx, rom_int lr, rom_int m, uint64_t seed) {
  rom_dmat *A = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, lr, m, &A));
  if (!A) return NULL;
  rom_int off = rom_dmat_row_offset(A), ld = rom_dmat_ld(A);
  double *a = rom_dmat_data(A);
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < lr; ++i)
      a[i + j * ld] = 2.0 + rom_rng_normal(seed, (uint64_t)j, (uint64_t)(off + i));
  return A;
}

/* The basis vectors and its reference vector on rank 0 (N x (k + 1), the reference last). */
static double *gather_basis(rom_ctx *ctx, const rom_basis *b) {
  const rom_dmat *V = rom_basis_vectors(b);
  rom_int lr = rom_dmat_local_rows(V), k = rom_dmat_cols(V);
  rom_dmat *W = NULL;
  double *all = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, lr, k + 1, &W));
  if (!W) return NULL;
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < lr; ++i)
      rom_dmat_data(W)[i + j * rom_dmat_ld(W)] = rom_dmat_data_const(V)[i + j * rom_dmat_ld(V)];
  for (rom_int i = 0; i < lr && rom_basis_reference(b); ++i)
    rom_dmat_data(W)[i + k * rom_dmat_ld(W)] = rom_basis_reference(b)[i];
  all = test_gather(ctx, W);
  rom_dmat_destroy(&W);
  return all;
}

static void file_of(char *buf, size_t len, const char *base, int index) {
  int n = snprintf(buf, len, "%s.%06d", base, index);
  if (n < 0 || (size_t)n >= len) buf[0] = '\0'; /* never with the test's short names */
}

static void remove_set(rom_ctx *ctx, const char *base) {
  char f[1200];
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0)
    for (int i = 0; i < 16; ++i) {
      file_of(f, sizeof f, base, i);
      unlink(f);
    }
  MPI_Barrier(rom_ctx_comm(ctx));
}

/* Plain HDF5: dataset `name` is 1-D with n values of file type `ftype`, its "Type" attribute
 * is type_key; reads it as doubles into out (may be NULL). */
static int check_dataset(hid_t file, const char *path, const char *name, hsize_t n, hid_t ftype,
                         int type_key, double *out) {
  int ok = 1, key = -1;
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  CHECK(d >= 0, "%s: dataset '%s' missing", path, name);
  if (d < 0) return 0;
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hsize_t dims[2] = {0, 0};
  int nd = H5Sget_simple_extent_dims(s, dims, NULL);
  ok &= nd == 1 && dims[0] == n;
  CHECK(nd == 1 && dims[0] == n, "%s: '%s' has %d dims (%llu), expected 1-D {%llu}", path, name, nd,
        (unsigned long long)dims[0], (unsigned long long)n);
  CHECK(H5Tequal(t, ftype) > 0, "%s: '%s' has the wrong file type", path, name);
  hid_t a = H5Aopen(d, "Type", H5P_DEFAULT);
  CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_INT, &key) >= 0 && key == type_key,
        "%s: '%s' attribute Type = %d, expected %d", path, name, key, type_key);
  if (a >= 0) H5Aclose(a);
  if (out && ok && n > 0)
    CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0,
          "%s: reading '%s'", path, name);
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  return ok;
}

/* (a) Rank 0 opens every file with plain HDF5 and compares with the gathered basis. */
static void check_files(rom_ctx *ctx, const char *base, const rom_basis *b, const double *all) {
  int size = rom_ctx_size(ctx);
  rom_int N = rom_basis_global_rows(b), k = rom_basis_dim(b), r = 0;
  const double *sv = rom_basis_singular_values(b, &r);
  int64_t lr = rom_basis_local_rows(b);
  int64_t *rows = malloc(sizeof(int64_t) * (size_t)size);
  MPI_Gather(&lr, 1, MPI_INT64_T, rows, 1, MPI_INT64_T, 0, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    char path[1200];
    rom_int start = 0;
    file_of(path, sizeof path, base, size);
    CHECK(access(path, F_OK) != 0, "no file beyond the rank count: '%s' exists", path);
    for (int f = 0; f < size; start += rows[f], ++f) {
      file_of(path, sizeof path, base, f);
      hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
      CHECK(file >= 0, "libROM file '%s' missing", path);
      if (file < 0) continue;
      double v = -1.0, *data = malloc(sizeof(double) * (size_t)(rows[f] * k + 1));
      double *s = malloc(sizeof(double) * (size_t)(r + 1));
      if (check_dataset(file, path, "spatial_basis_num_rows", 1, H5T_STD_I32BE, 1, &v))
        CHECK(v == (double)rows[f], "%s: spatial_basis_num_rows = %g, expected %lld", path, v,
              (long long)rows[f]);
      if (check_dataset(file, path, "spatial_basis_num_cols", 1, H5T_STD_I32BE, 1, &v))
        CHECK(v == (double)k, "%s: spatial_basis_num_cols = %g, expected %lld", path, v,
              (long long)k);
      if (check_dataset(file, path, "singular_value_size", 1, H5T_STD_I32BE, 1, &v))
        CHECK(v == (double)r, "%s: singular_value_size = %g, expected %lld", path, v, (long long)r);
      if (check_dataset(file, path, "singular_value", (hsize_t)r, H5T_IEEE_F64BE, 0, s))
        CHECK(memcmp(s, sv, sizeof(double) * (size_t)r) == 0, "%s: singular values differ", path);
      if (check_dataset(file, path, "spatial_basis", (hsize_t)(rows[f] * k), H5T_IEEE_F64BE, 0,
                        data)) {
        /* row-major: entry (i, j) of this rank's rows at i * k + j */
        int same = 1;
        for (rom_int i = 0; i < rows[f]; ++i)
          for (rom_int j = 0; j < k; ++j)
            same &= data[i * k + j] == all[(start + i) + j * N];
        CHECK(same, "%s: spatial_basis is not this rank's rows in row-major order", path);
      }
      CHECK(H5Lexists(file, "temporal_basis", H5P_DEFAULT) == 0, "%s: no temporal basis expected",
            path);
      if (rom_basis_reference(b) &&
          check_dataset(file, path, "romkit_mean", (hsize_t)rows[f], H5T_IEEE_F64LE, 0, data)) {
        int same = 1;
        for (rom_int i = 0; i < rows[f]; ++i)
          same &= data[i] == all[(start + i) + k * N];
        CHECK(same, "%s: romkit_mean differs", path);
      }
      free(data);
      free(s);
      H5Fclose(file);
    }
    CHECK(start == N, "the files' rows sum to %lld, expected N = %lld", (long long)start,
          (long long)N);
  }
  free(rows);
}

/* (b) A basis read back equals the original exactly (values, singular values, mean). */
static void check_same(rom_ctx *ctx, const char *what, const rom_basis *orig_meta, rom_int N,
                       rom_int k, const double *all, const rom_basis *back) {
  rom_int r0 = 0, r1 = 0;
  const double *s0 = rom_basis_singular_values(orig_meta, &r0),
               *s1 = rom_basis_singular_values(back, &r1);
  CHECK(rom_basis_global_rows(back) == N && rom_basis_dim(back) == k,
        "%s: %lld x %lld, expected %lld x %lld", what, (long long)rom_basis_global_rows(back),
        (long long)rom_basis_dim(back), (long long)N, (long long)k);
  CHECK(r0 == r1 && memcmp(s0, s1, sizeof(double) * (size_t)r0) == 0, "%s: singular values differ",
        what);
  CHECK(rom_basis_reference(back) != NULL, "%s: the mean was not kept", what);
  /* even partition on the reader */
  CHECK(rom_basis_local_rows(back) ==
            rom_dmat_partition_even(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)),
        "%s: local rows %lld are not the even partition", what,
        (long long)rom_basis_local_rows(back));
  double *got = gather_basis(ctx, back);
  if (rom_ctx_rank(ctx) == 0 && got)
    CHECK(memcmp(got, all, sizeof(double) * (size_t)(N * (k + 1))) == 0, "%s: values differ", what);
  free(got);
}

static time_t mtime_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_mtime : (time_t)-1;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  char base[512], other[512], path[1200];
  rom_basis *b = NULL, *back = NULL;
  rom_pod_options o = rom_pod_options_default();
  const rom_int N = 70, m = 9;
  snprintf(base, sizeof base, "%s/librom_interop.np%d", test_dir(), size);
  remove_set(ctx, base);

  /* A centred basis on an uneven partition (empty last rank at P = 4). */
  rom_dmat *A = random_matrix(ctx, test_uneven_rows(N, rank, size), m, 77);
  o.center = 1;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 6;
  CHECK_OK(ctx, rom_pod_compute(A, &o, &b));
  if (!b) return test_finish(&ctx);
  rom_int k = rom_basis_dim(b);
  double *all = gather_basis(ctx, b);

  CHECK_OK(ctx, rom_basis_write_librom(b, base, 0));
  check_files(ctx, base, b, all);

  /* (b) this rank count */
  CHECK_OK(ctx, rom_basis_read_librom(ctx, base, &back));
  if (back) check_same(ctx, "read on this rank count", b, N, k, all, back);
  rom_basis_destroy(&back);

  /* (b) a 1-rank sub-communicator reads the P-file set */
  {
    MPI_Comm one = MPI_COMM_NULL;
    MPI_Comm_split(rom_ctx_comm(ctx), rank == 0 ? 0 : MPI_UNDEFINED, 0, &one);
    if (rank == 0) {
      rom_ctx *solo = NULL;
      CHECK_OK(ctx, rom_ctx_create(one, &solo));
      if (solo) {
        rom_basis *b1 = NULL;
        CHECK_OK(solo, rom_basis_read_librom(solo, base, &b1));
        if (b1) check_same(solo, "read on 1 rank", b, N, k, all, b1);
        rom_basis_destroy(&b1);
        CHECK(rom_ctx_bytes_in_use(solo) == 0, "1-rank reader leaked %zu bytes",
              rom_ctx_bytes_in_use(solo));
        rom_ctx_destroy(&solo);
      }
      MPI_Comm_free(&one);
    }
  }

  /* (c) existing files: refused without overwrite, untouched */
  {
    file_of(path, sizeof path, base, rank);
    time_t before = mtime_of(path);
    sleep(1);
    CHECK_ERR(ctx, rom_basis_write_librom(b, base, 0), ROM_ERR_EXISTS);
    CHECK(strstr(rom_ctx_last_error(ctx), "exists") != NULL, "EXISTS message: '%s'",
          rom_ctx_last_error(ctx));
    CHECK(mtime_of(path) == before, "'%s' was touched by a refused write", path);
    CHECK_OK(ctx, rom_basis_write_librom(b, base, 1));
  }
  /* a stale file of a larger set is refused, and removed with overwrite */
  {
    remove_set(ctx, base);
    file_of(other, sizeof other, base, size);
    if (rank == 0) {
      FILE *fp = fopen(other, "w");
      if (fp) fclose(fp);
    }
    MPI_Barrier(rom_ctx_comm(ctx));
    CHECK_ERR(ctx, rom_basis_write_librom(b, base, 0), ROM_ERR_EXISTS);
    CHECK(strstr(rom_ctx_last_error(ctx), "exists") != NULL, "stale-file message: '%s'",
          rom_ctx_last_error(ctx));
    file_of(path, sizeof path, base, rank);
    CHECK(access(path, F_OK) != 0, "a refused write left '%s'", path);
    CHECK_OK(ctx, rom_basis_write_librom(b, base, 1));
    MPI_Barrier(rom_ctx_comm(ctx));
    CHECK(access(other, F_OK) != 0, "the stale '%s' was not removed", other);
    CHECK_OK(ctx, rom_basis_read_librom(ctx, base, &back));
    if (back) check_same(ctx, "read after overwrite", b, N, k, all, back);
    rom_basis_destroy(&back);
  }

  /* (d) missing file; missing dataset */
  snprintf(other, sizeof other, "%s/librom_missing.np%d", test_dir(), size);
  CHECK_ERR(ctx, rom_basis_read_librom(ctx, other, &back), ROM_ERR_IO);
  CHECK(back == NULL, "no basis after a failed read");
  if (rank == 0)
    CHECK(strstr(rom_ctx_last_error(ctx), "librom_missing") &&
              strstr(rom_ctx_last_error(ctx), ".000000"),
          "missing-file message names it: '%s'", rom_ctx_last_error(ctx));
  snprintf(other, sizeof other, "%s/librom_bad.np%d", test_dir(), size);
  if (rank == 0) {
    file_of(path, sizeof path, other, 0);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t one = 1;
    int v = 3;
    hid_t s = H5Screate_simple(1, &one, NULL);
    hid_t d = H5Dcreate2(f, "spatial_basis_num_rows", H5T_STD_I32BE, s, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(d);
    H5Sclose(s);
    H5Fclose(f);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_basis_read_librom(ctx, other, &back), ROM_ERR_FORMAT);
  if (rank == 0)
    CHECK(strstr(rom_ctx_last_error(ctx), "librom_bad") &&
              strstr(rom_ctx_last_error(ctx), "spatial_basis_num_cols"),
          "missing-dataset message names file and dataset: '%s'", rom_ctx_last_error(ctx));
  remove_set(ctx, other);
  remove_set(ctx, base);

  free(all);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&A);
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "%zu bytes still allocated", rom_ctx_bytes_in_use(ctx));
  return test_finish(&ctx);
}
