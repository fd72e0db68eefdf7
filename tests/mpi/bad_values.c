/* Bad values and absurd sizes (docs/reliability.md, "Values and sizes"), at 1, 2 and 4 ranks:
 *  (a) NaN / Inf written with plain HDF5 into a snapshot file, a basis file (basis, mean,
 *      singular values), an autoencoder file (weights, scaling) and a libROM basis set: every
 *      reader fails with ROM_ERR_NOT_FINITE on every rank, and every rank's message names
 *      the file, the dataset and the index as h5py spells it (the same on every rank, wherever
 *      the value lies); the out-of-core POD, which reads the file in blocks, too;
 *  (b) singular values that are negative or rising, a libROM dataset of integers, a scale of
 *      0: ROM_ERR_FORMAT naming the file and dataset;
 *  (c) sizes: a dense layer, a banded mask and a latent dimension whose products overflow
 *      64 bits or exceed the machine fail with ROM_ERR_NOMEM before allocating; k >= N is
 *      ROM_ERR_DIM; power_iterations above ROM_POD_MAX_POWER_ITERATIONS is ROM_ERR_ARG;
 *  (d) training: all-zero snapshots are refused, NaN initial weights are named as such (not
 *      "training diverged"). */
#include "testutil.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rank 0 sets element `index` (row-major, over the whole dataset) of `dataset` to `value`
 * with plain serial HDF5; the other ranks wait. */
static void poison(rom_ctx *ctx, const char *path, const char *dataset, hsize_t index,
                   double value) {
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, dataset, H5P_DEFAULT) : -1;
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t n = fs >= 0 ? (hsize_t)H5Sget_simple_extent_npoints(fs) : 0;
    double *buf = n > 0 ? malloc(sizeof(double) * n) : NULL;
    int ok =
        buf && index < n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    if (ok) buf[index] = value;
    ok = ok && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    CHECK(ok, "poison %s:%s[%llu]", path, dataset, (unsigned long long)index);
    free(buf);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    if (f >= 0) H5Fclose(f);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
}

/* Rank 0 replaces a dataset by one of the same size holding integers. */
static void make_integer(rom_ctx *ctx, const char *path, const char *dataset) {
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, dataset, H5P_DEFAULT) : -1;
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t n = fs >= 0 ? (hsize_t)H5Sget_simple_extent_npoints(fs) : 0;
    int ok = n > 0;
    if (d >= 0) H5Dclose(d);
    ok = ok && H5Ldelete(f, dataset, H5P_DEFAULT) >= 0;
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d2 =
        ok ? H5Dcreate2(f, dataset, H5T_STD_I32BE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int *ones = n > 0 ? calloc(n, sizeof(int)) : NULL;
    ok = ok && ones && d2 >= 0 &&
         H5Dwrite(d2, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ones) >= 0;
    CHECK(ok, "make %s:%s integer", path, dataset);
    free(ones);
    if (d2 >= 0) H5Dclose(d2);
    H5Sclose(s);
    if (fs >= 0) H5Sclose(fs);
    if (f >= 0) H5Fclose(f);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
}

/* The last error names every fragment (on every rank). */
static void check_message(rom_ctx *ctx, const char *what, const char *a, const char *b,
                          const char *c) {
  const char *msg = rom_ctx_last_error(ctx);
  CHECK(strstr(msg, a) && (!b || strstr(msg, b)) && (!c || strstr(msg, c)),
        "%s: message '%s' should name '%s', '%s', '%s'", what, msg, a, b ? b : "", c ? c : "");
}

/* The same on at least one rank: for rank-local reads (libROM's per-rank files), where the
 * other ranks say the check "failed on another rank" and the CLI prints both. */
static void check_message_any(rom_ctx *ctx, const char *what, const char *a, const char *b,
                              const char *c) {
  const char *msg = rom_ctx_last_error(ctx);
  int mine = strstr(msg, a) && (!b || strstr(msg, b)) && (!c || strstr(msg, c)), any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, rom_ctx_comm(ctx));
  CHECK(any, "%s: no rank's message names '%s', '%s', '%s' (here: '%s')", what, a, b ? b : "",
        c ? c : "", msg);
}

static rom_dmat *smooth_snapshots(rom_ctx *ctx, rom_int N, rom_int m) {
  rom_dmat *S = NULL;
  CHECK_OK(ctx,
           rom_dmat_create(ctx, test_uneven_rows(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)), m, &S));
  if (!S) return NULL;
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < rom_dmat_local_rows(S); ++i) {
      double x = (double)(rom_dmat_row_offset(S) + i) / (double)N;
      rom_dmat_data(S)[i + j * rom_dmat_ld(S)] = sin(3.0 * x * (1.0 + 0.1 * (double)j)) + 0.5;
    }
  return S;
}

static void files(rom_ctx *ctx) {
  const rom_int N = 40, m = 8;
  char snap[512], basis[512], ae_path[512], lib[512], lib0[600];
  test_path(ctx, "bad_values_snap", snap, sizeof snap);
  test_path(ctx, "bad_values_basis", basis, sizeof basis);
  test_path(ctx, "bad_values_ae", ae_path, sizeof ae_path);
  snprintf(lib, sizeof lib, "%s/bad_values_librom.np%d", test_dir(), rom_ctx_size(ctx));
  snprintf(lib0, sizeof lib0, "%s.000000", lib);
  rom_dmat *S = smooth_snapshots(ctx, N, m), *back = NULL;
  rom_basis *b = NULL, *bb = NULL;
  rom_pod_options o = rom_pod_options_default();
  if (!S) return;

  /* snapshots: NaN at snapshot 5, row 37 (the last rank's rows, or beyond rank 0's) */
  {
    rom_snapshots *s = NULL;
    CHECK_OK(ctx, rom_snapshots_create(ctx, rom_dmat_local_rows(S), NULL, &s));
    for (rom_int j = 0; s && j < m; ++j)
      CHECK_OK(ctx, rom_snapshots_add(s, rom_dmat_data(S) + j * rom_dmat_ld(S)));
    CHECK_OK(ctx, s ? rom_snapshots_write(s, snap, 1) : ROM_ERR_ARG);
    rom_snapshots_destroy(&s);
    poison(ctx, snap, "snapshots", 5 * N + 37, NAN);
    CHECK_ERR(ctx, rom_snapshots_read(ctx, snap, ROM_AUTO_ROWS, &back), ROM_ERR_NOT_FINITE);
    check_message(ctx, "snapshots NaN", snap, "'snapshots'", "NaN at [5, 37]");
    rom_dmat_destroy(&back);
    /* the out-of-core POD reads blocks of snapshots: the same sentence */
    o.method = ROM_SVD_INCREMENTAL;
    o.memory_budget = 110000.0; /* blocks of a few snapshots at 1 rank */
    CHECK_ERR(ctx, rom_pod_compute_file(ctx, snap, &o, &b), ROM_ERR_NOT_FINITE);
    check_message(ctx, "out-of-core NaN", snap, "'snapshots'", "NaN at [5, 37]");
    o = rom_pod_options_default();
  }

  /* a centred basis: Inf in /basis, in /mean, then bad singular values */
  o.center = 1;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = 4;
  CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
  if (b) {
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    poison(ctx, basis, "basis", 2 * N + 1, INFINITY);
    CHECK_ERR(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb), ROM_ERR_NOT_FINITE);
    check_message(ctx, "basis Inf", basis, "'/basis'", "+Inf at [2, 1]");
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    poison(ctx, basis, "mean", N - 1, -INFINITY);
    CHECK_ERR(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb), ROM_ERR_NOT_FINITE);
    check_message(ctx, "mean -Inf", basis, "'/mean'", "-Inf at [39]");
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    poison(ctx, basis, "singular_values", 3, NAN);
    CHECK_ERR(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb), ROM_ERR_NOT_FINITE);
    check_message(ctx, "singular value NaN", basis, "'/singular_values'", "NaN at [3]");
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    poison(ctx, basis, "singular_values", 2, -1.0);
    CHECK_ERR(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb), ROM_ERR_FORMAT);
    check_message(ctx, "negative singular value", basis, "negative", "[2]");
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    poison(ctx, basis, "singular_values", 3, 1e6);
    CHECK_ERR(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb), ROM_ERR_FORMAT);
    check_message(ctx, "rising singular values", basis, "descending", "[3]");
    /* unchanged file: reads */
    CHECK_OK(ctx, rom_basis_write(b, basis, 1));
    CHECK_OK(ctx, rom_basis_read(ctx, basis, ROM_AUTO_ROWS, &bb));
    rom_basis_destroy(&bb);

    /* libROM: NaN in the first file's spatial_basis, a negative singular value, integers */
    CHECK_OK(ctx, rom_basis_write_librom(b, lib, 1));
    poison(ctx, lib0, "spatial_basis", 5, NAN);
    CHECK_ERR(ctx, rom_basis_read_librom(ctx, lib, &bb), ROM_ERR_NOT_FINITE);
    check_message_any(ctx, "libROM NaN", lib0, "'spatial_basis'", "NaN at [5]");
    CHECK_OK(ctx, rom_basis_write_librom(b, lib, 1));
    poison(ctx, lib0, "singular_value", 1, -2.0);
    CHECK_ERR(ctx, rom_basis_read_librom(ctx, lib, &bb), ROM_ERR_FORMAT);
    check_message(ctx, "libROM negative singular value", lib0, "'singular_value'", "negative");
    CHECK_OK(ctx, rom_basis_write_librom(b, lib, 1));
    make_integer(ctx, lib0, "spatial_basis");
    CHECK_ERR(ctx, rom_basis_read_librom(ctx, lib, &bb), ROM_ERR_FORMAT);
    check_message_any(ctx, "libROM integers", lib0, "'spatial_basis'", "integers");
    CHECK_OK(ctx, rom_basis_write_librom(b, lib, 1));
    CHECK_OK(ctx, rom_basis_read_librom(ctx, lib, &bb));
    rom_basis_destroy(&bb);
  }
  rom_basis_destroy(&b);

  /* autoencoder file: NaN weight, zero scale */
  {
    rom_ae *ae = NULL, *ae2 = NULL;
    CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 12, 2, 12, ROM_ACT_SWISH, 0, NULL, 5, &ae));
    if (ae) {
      CHECK_OK(ctx, rom_ae_write(ae, ae_path, 1));
      poison(ctx, ae_path, "encoder/layer0/weights", 3 * N + 7, NAN);
      CHECK_ERR(ctx, rom_ae_read(ctx, ae_path, &ae2), ROM_ERR_NOT_FINITE);
      check_message(ctx, "weights NaN", ae_path, "'encoder/layer0/weights'", "NaN at [3, 7]");
      CHECK_OK(ctx, rom_ae_write(ae, ae_path, 1));
      poison(ctx, ae_path, "scaling/scale", 9, 0.0);
      CHECK_ERR(ctx, rom_ae_read(ctx, ae_path, &ae2), ROM_ERR_FORMAT);
      check_message(ctx, "zero scale", ae_path, "'scaling/scale'", "[9]");
      rom_ae_destroy(&ae2);
    }
    rom_ae_destroy(&ae);
  }
  rom_dmat_destroy(&S);
}

static void sizes(rom_ctx *ctx) {
  rom_ae *ae = NULL;
  rom_mask *mask = NULL;
  const rom_int huge = INT64_MAX / 2;
  /* 10 x 2^62 weights overflow int64 */
  CHECK_ERR(ctx, rom_ae_create_shallow(ctx, 10, huge, 2, 10, ROM_ACT_SWISH, 0, NULL, 1, &ae),
            ROM_ERR_NOMEM);
  check_message(ctx, "dense overflow", "overflow", NULL, NULL);
  /* 10 x 2^40 weights fit int64 but not this machine */
  CHECK_ERR(ctx,
            rom_ae_create_shallow(ctx, 10, INT64_C(1) << 40, 2, 10, ROM_ACT_SWISH, 0, NULL, 1, &ae),
            ROM_ERR_NOMEM);
  check_message(ctx, "memory check", "GiB", "memory of this machine", NULL);
  CHECK(ae == NULL, "no network on failure");
  /* k >= N */
  CHECK_ERR(ctx, rom_ae_create_shallow(ctx, 10, 20, 10, 10, ROM_ACT_SWISH, 0, NULL, 1, &ae),
            ROM_ERR_DIM);
  check_message(ctx, "latent >= N", "k = 10", "N = 10", NULL);
  CHECK_ERR(ctx, rom_ae_create_shallow(ctx, 10, 20, 500, 10, ROM_ACT_SWISH, 0, NULL, 1, &ae),
            ROM_ERR_DIM);
  /* masks */
  CHECK_ERR(ctx, rom_mask_banded(ctx, 10, INT64_MAX, 1, &mask), ROM_ERR_NOMEM);
  CHECK_ERR(ctx, rom_mask_banded(ctx, 10, 1, INT64_MAX, &mask), ROM_ERR_NOMEM);
  CHECK_ERR(ctx, rom_mask_banded(ctx, 1000, INT64_C(1) << 40, 1, &mask), ROM_ERR_NOMEM);
  CHECK_ERR(ctx, rom_mask_stencil2d(ctx, INT64_C(1) << 32, INT64_C(1) << 32, 1, 1, &mask),
            ROM_ERR_NOMEM);
  CHECK(mask == NULL, "no mask on failure");
  {
    rom_int hidden = 0;
    CHECK_ERR(ctx, rom_mask_from_spec(ctx, "stencil:4294967296:4294967296:1:1", 16, &mask, &hidden),
              ROM_ERR_DIM);
  }
  /* power iterations */
  {
    rom_dmat *S = smooth_snapshots(ctx, 30, 6);
    rom_basis *b = NULL;
    rom_pod_options o = rom_pod_options_default();
    o.method = ROM_SVD_RANDOMIZED;
    o.truncation = ROM_POD_TRUNCATE_RANK;
    o.rank = 2;
    o.power_iterations = ROM_POD_MAX_POWER_ITERATIONS + 1;
    CHECK_ERR(ctx, rom_pod_compute(S, &o, &b), ROM_ERR_ARG);
    check_message(ctx, "power iterations", "power_iterations", "100", NULL);
    o.power_iterations = 1000000000;
    CHECK_ERR(ctx, rom_pod_compute(S, &o, &b), ROM_ERR_ARG);
    o.power_iterations = 2;
    o.oversampling = INT64_MAX; /* k + oversampling used to overflow */
    CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
    rom_basis_destroy(&b);
    o.oversampling = -1;
    o.method = ROM_SVD_TSQR; /* checked for every method */
    CHECK_ERR(ctx, rom_pod_compute(S, &o, &b), ROM_ERR_ARG);
    rom_dmat_destroy(&S);
  }
}

static void training(rom_ctx *ctx) {
  const rom_int N = 12, m = 10;
  double X[12 * 10];
  rom_ae *ae = NULL;
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 2;
  memset(X, 0, sizeof X);
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 8, 2, 8, ROM_ACT_SWISH, 0, NULL, 3, &ae));
  if (!ae) return;
  CHECK_ERR(ctx, rom_ae_train(ae, m, X, N, &o), ROM_ERR_ARG);
  check_message(ctx, "all-zero snapshots", "are zero", NULL, NULL);
  o.scale_minmax = 1;
  CHECK_ERR(ctx, rom_ae_train(ae, m, X, N, &o), ROM_ERR_ARG);
  o.scale_minmax = 0;
  for (rom_int t = 0; t < N * m; ++t)
    X[t] = sin(0.1 * (double)t);
  CHECK_OK(ctx, rom_ae_train(ae, m, X, N, &o));
  rom_ae_params(ae)[17] = NAN;
  CHECK_ERR(ctx, rom_ae_train(ae, m, X, N, &o), ROM_ERR_NOT_FINITE);
  check_message(ctx, "NaN initial weight", "parameter 17", "finite", NULL);
  CHECK(!strstr(rom_ctx_last_error(ctx), "diverged"), "not 'training diverged': %s",
        rom_ctx_last_error(ctx));
  rom_ae_destroy(&ae);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  files(ctx);
  sizes(ctx);
  training(ctx);
  return test_finish(&ctx);
}
