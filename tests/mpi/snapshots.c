/* Snapshot collection (romkit/snapshots.h): adds one at a time and in blocks, tags,
 * streaming to a file, keep_in_memory = 0, the collective NaN check, write/read round
 * trips. Every value is compared exactly against the formula that made it, by global
 * row and snapshot index, on an uneven partition (a rank with zero rows when P >= 3). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "io/h5.h"

#include <stdlib.h>
#include <string.h>

#define N_ROWS 23
#define P_PARAMS 2

static double snap_value(rom_int row, rom_int snapshot) {
  return (double)(row + 1) * 0.01 + (double)snapshot + 1e-7 * (double)(row * snapshot % 11);
}
static double time_of(rom_int j) {
  return 0.1 * (double)j;
}
static double param_of(rom_int j, int k) {
  return k == 0 ? (double)j : -0.5 * (double)j;
}

static int contains(const char *text, const char *part) {
  return strstr(text, part) != NULL;
}

typedef struct {
  rom_ctx *ctx;
  rom_int local, offset;
} layout;

static layout make_layout(rom_ctx *ctx) {
  layout l = {ctx, 0, 0};
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  l.local = test_uneven_rows(N_ROWS, rank, size);
  for (int r = 0; r < rank; ++r)
    l.offset += test_uneven_rows(N_ROWS, r, size);
  return l;
}

/* Snapshot j's local rows (room for at least one value, so zero-row ranks get a pointer). */
static void fill_snapshot(const layout *l, rom_int j, double *u) {
  for (rom_int i = 0; i < l->local; ++i)
    u[i] = snap_value(l->offset + i, j);
}

/* Counts entries of the N x m matrix (any partition) that differ from the formula. */
static rom_int count_wrong(const rom_dmat *m, rom_int snapshots) {
  rom_int bad = 0;
  if (!m) return -1;
  if (rom_dmat_cols(m) != snapshots || rom_dmat_global_rows(m) != N_ROWS) return -1;
  for (rom_int j = 0; j < snapshots; ++j)
    for (rom_int i = 0; i < rom_dmat_local_rows(m); ++i)
      bad += rom_dmat_data_const(m)[i + j * rom_dmat_ld(m)] !=
             snap_value(rom_dmat_row_offset(m) + i, j);
  return bad;
}

/* Adds snapshots [first, first + count): singles and a padded block, alternately. */
static void add_range(const layout *l, rom_snapshots *s, rom_int first, rom_int count) {
  rom_int ld = l->local + 2;
  double *block = malloc(sizeof(double) * (size_t)(ld * count + 1));
  for (rom_int j = 0; j < count; ++j) {
    fill_snapshot(l, first + j, block + j * ld);
    block[l->local + j * ld] = NAN; /* padding beyond local_rows must never be read */
    block[l->local + 1 + j * ld] = NAN;
  }
  rom_int half = count / 2;
  for (rom_int j = 0; j < half; ++j)
    CHECK_OK(l->ctx, rom_snapshots_add(s, block + j * ld));
  CHECK_OK(l->ctx, rom_snapshots_add_block(s, count - half, block + half * ld, ld));
  free(block);
}

static void test_memory(const layout *l) {
  rom_snapshots *s = NULL;
  const rom_dmat *m = NULL;
  CHECK_OK(l->ctx, rom_snapshots_create(l->ctx, l->local, NULL, &s));
  add_range(l, s, 0, 3);
  add_range(l, s, 3, 40); /* several doublings */
  CHECK(rom_snapshots_count(s) == 43, "count = %lld", (long long)rom_snapshots_count(s));
  CHECK_OK(l->ctx, rom_snapshots_matrix(s, &m));
  CHECK(count_wrong(m, 43) == 0, "in-memory matrix differs from the added snapshots");
  CHECK_OK(l->ctx, rom_snapshots_add_block(s, 0, NULL, l->local)); /* empty block: no-op */
  CHECK(rom_snapshots_count(s) == 43, "an empty block adds nothing");
  CHECK_OK(l->ctx, rom_snapshots_destroy(&s));
  CHECK(s == NULL, "destroy sets the handle to NULL");
}

/* NaN on one rank only (the last rank holding rows): every rank fails, nothing added. */
static void test_not_finite(const layout *l, rom_snapshots *s, const char *stream_path) {
  int size = rom_ctx_size(l->ctx), rank = rom_ctx_rank(l->ctx);
  int culprit = size >= 3 ? size - 2 : size - 1;
  rom_int before = rom_snapshots_count(s), ld = l->local + 1;
  double *block = malloc(sizeof(double) * (size_t)(2 * ld));
  fill_snapshot(l, before, block);
  fill_snapshot(l, before + 1, block + ld);
  if (rank == culprit) block[ld + l->local - 1] = NAN; /* second snapshot, last local row */
  rom_int bad_row = 0;
  for (int r = 0; r <= culprit; ++r)
    bad_row += test_uneven_rows(N_ROWS, r, size);
  bad_row -= 1;
  char row_text[64], snap_text[64];
  snprintf(row_text, sizeof row_text, "global row %lld", (long long)bad_row);
  snprintf(snap_text, sizeof snap_text, "snapshot %lld", (long long)(before + 1));
  CHECK_ERR(l->ctx, rom_snapshots_add_block(s, 2, block, ld), ROM_ERR_NOT_FINITE);
  CHECK(contains(rom_ctx_last_error(l->ctx), row_text) &&
            contains(rom_ctx_last_error(l->ctx), snap_text),
        "every rank's message names '%s' and '%s': %s", row_text, snap_text,
        rom_ctx_last_error(l->ctx));
  CHECK(rom_snapshots_count(s) == before, "count changed after a NaN add");
  if (rank == culprit) block[ld + l->local - 1] = INFINITY;
  CHECK_ERR(l->ctx, rom_snapshots_add(s, block + ld), ROM_ERR_NOT_FINITE);
  CHECK(contains(rom_ctx_last_error(l->ctx), "Inf"), "Inf is named: %s",
        rom_ctx_last_error(l->ctx));
  double bad_params[P_PARAMS] = {1.0, NAN};
  CHECK_ERR(l->ctx, rom_snapshots_add_tagged(s, block, 1.0, bad_params), ROM_ERR_NOT_FINITE);
  CHECK(rom_snapshots_count(s) == before, "count changed after a failed add");
  if (stream_path) { /* the stream file did not grow either */
    rom_h5 *f = NULL;
    rom_int ndims = 0, dims[4] = {0, 0, 0, 0};
    int64_t in_file = -1;
    int nd = 0;
    CHECK_OK(l->ctx, rom_h5_open(l->ctx, stream_path, "snapshots", &f));
    CHECK_OK(l->ctx, rom_h5_read_attr_int(f, "num_snapshots", &in_file, NULL));
    CHECK_OK(l->ctx, rom_h5_dataset_dims(f, "snapshots", &nd, dims, NULL));
    CHECK(in_file == before && dims[0] == before,
          "stream holds %lld / %lld snapshots, expected %lld", (long long)in_file,
          (long long)dims[0], (long long)before);
    CHECK_OK(l->ctx, rom_h5_close(&f));
    (void)ndims;
  }
  free(block);
}

/* Tagged adds (times, parameters) mixed with untagged ones, streamed and in memory. */
static void add_tagged_range(const layout *l, rom_snapshots *s, rom_int first, rom_int count) {
  double *u = malloc(sizeof(double) * (size_t)(l->local + 1));
  for (rom_int j = first; j < first + count; ++j) {
    double params[P_PARAMS] = {param_of(j, 0), param_of(j, 1)};
    fill_snapshot(l, j, u);
    CHECK_OK(l->ctx, rom_snapshots_add_tagged(s, u, time_of(j), params));
  }
  free(u);
}

/* /times and /parameters of a file: snapshots [0, 4) and [9, 12) were added untagged
 * (test_stream) and carry NaN tags. */
static int is_untagged(rom_int j) {
  return j < 4 || (j >= 9 && j < 12);
}

static void check_tags(rom_ctx *ctx, const char *path, rom_int m) {
  rom_h5 *f = NULL;
  double *times = malloc(sizeof(double) * (size_t)m),
         *params = malloc(sizeof(double) * (size_t)(m * P_PARAMS));
  rom_int tdims[1] = {m}, pdims[2] = {m, P_PARAMS};
  int64_t count = -1, rows = -1, p = -1, bad = 0;
  CHECK_OK(ctx, rom_h5_open(ctx, path, "snapshots", &f));
  if (!f) goto done;
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "num_snapshots", &count, NULL));
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "num_rows", &rows, NULL));
  CHECK_OK(ctx, rom_h5_read_attr_int(f, "num_parameters", &p, NULL));
  CHECK(count == m && rows == N_ROWS && p == P_PARAMS, "%s: attributes %lld %lld %lld", path,
        (long long)count, (long long)rows, (long long)p);
  /* NaN marks the untagged snapshots: the raw read, which does not refuse it */
  CHECK_OK(ctx, rom_h5_read_array_raw(f, "times", 1, tdims, times));
  CHECK_OK(ctx, rom_h5_read_array_raw(f, "parameters", 2, pdims, params));
  for (rom_int j = 0; j < m; ++j) {
    if (is_untagged(j)) {
      bad += !isnan(times[j]) || !isnan(params[j * P_PARAMS]) || !isnan(params[j * P_PARAMS + 1]);
    } else {
      bad += times[j] != time_of(j) || params[j * P_PARAMS] != param_of(j, 0) ||
             params[j * P_PARAMS + 1] != param_of(j, 1);
    }
  }
  CHECK(bad == 0, "%s: %lld tags differ", path, (long long)bad);
  CHECK_OK(ctx, rom_h5_close(&f));
done:
  free(times);
  free(params);
}

static void test_stream(const layout *l) {
  char path[512], copy[512];
  rom_snapshots *s = NULL;
  const rom_dmat *m = NULL;
  rom_dmat *back = NULL;
  rom_snapshots_options o = rom_snapshots_options_default();
  test_path(l->ctx, "snapshots_stream", path, sizeof path);
  test_path(l->ctx, "snapshots_stream_copy", copy, sizeof copy);
  o.stream_path = path;
  o.overwrite = 1;
  o.num_parameters = P_PARAMS;
  o.capacity_hint = 3;
  CHECK_OK(l->ctx, rom_snapshots_create(l->ctx, l->local, &o, &s));
  if (!s) return;
  add_range(l, s, 0, 4); /* untagged first: NaN tags back-filled later */
  add_tagged_range(l, s, 4, 5);
  add_range(l, s, 9, 3); /* untagged after tagged */
  test_not_finite(l, s, path);
  add_tagged_range(l, s, 12, 2);
  CHECK_OK(l->ctx, rom_snapshots_matrix(s, &m));
  CHECK(count_wrong(m, 14) == 0, "streamed collection's memory differs");
  /* Read while the stream is still open: what a crashed host would leave. */
  CHECK_OK(l->ctx, rom_snapshots_read(l->ctx, path, l->local, &back));
  CHECK(count_wrong(back, 14) == 0, "stream file (still open) differs from the snapshots");
  rom_dmat_destroy(&back);
  CHECK_OK(l->ctx, rom_snapshots_write(s, copy, 1));
  CHECK_OK(l->ctx, rom_snapshots_destroy(&s));
  CHECK_OK(l->ctx, rom_snapshots_read(l->ctx, path, l->local, &back));
  CHECK(count_wrong(back, 14) == 0, "stream file differs from the snapshots");
  rom_dmat_destroy(&back);
  check_tags(l->ctx, path, 14);
  check_tags(l->ctx, copy, 14);
  /* Streams refuse an existing file unless told to overwrite. */
  o.overwrite = 0;
  CHECK_ERR(l->ctx, rom_snapshots_create(l->ctx, l->local, &o, &s), ROM_ERR_EXISTS);
  CHECK(contains(rom_ctx_last_error(l->ctx), path), "message names %s", path);
  CHECK(s == NULL, "failed create leaves NULL");
}

static void test_file_only(const layout *l) {
  char path[512];
  rom_snapshots *s = NULL;
  const rom_dmat *m = NULL;
  rom_dmat *back = NULL;
  rom_snapshots_options o = rom_snapshots_options_default();
  o.keep_in_memory = 0;
  CHECK_ERR(l->ctx, rom_snapshots_create(l->ctx, l->local, &o, &s), ROM_ERR_ARG);
  CHECK(contains(rom_ctx_last_error(l->ctx), "stream_path"), "message names stream_path");
  test_path(l->ctx, "snapshots_file_only", path, sizeof path);
  o.stream_path = path;
  o.overwrite = 1;
  CHECK_OK(l->ctx, rom_snapshots_create(l->ctx, l->local, &o, &s));
  if (!s) return;
  add_range(l, s, 0, 7);
  CHECK(rom_snapshots_count(s) == 7, "count with keep_in_memory = 0");
  CHECK_ERR(l->ctx, rom_snapshots_matrix(s, &m), ROM_ERR_STATE);
  CHECK(m == NULL && contains(rom_ctx_last_error(l->ctx), "keep_in_memory"), "matrix: %s",
        rom_ctx_last_error(l->ctx));
  CHECK_ERR(l->ctx, rom_snapshots_write(s, path, 1), ROM_ERR_STATE);
  CHECK_OK(l->ctx, rom_snapshots_destroy(&s));
  CHECK_OK(l->ctx, rom_snapshots_read(l->ctx, path, ROM_AUTO_ROWS, &back));
  CHECK(count_wrong(back, 7) == 0, "file-only stream differs (even partition)");
  rom_dmat_destroy(&back);
}

static void test_write_read(const layout *l) {
  char path[512], basis[512];
  rom_snapshots *s = NULL;
  rom_dmat *back = NULL;
  rom_h5 *f = NULL;
  test_path(l->ctx, "snapshots_written", path, sizeof path);
  test_path(l->ctx, "snapshots_basis_kind", basis, sizeof basis);
  CHECK_OK(l->ctx, rom_snapshots_create(l->ctx, l->local, NULL, &s));
  add_range(l, s, 0, 6);
  CHECK_OK(l->ctx, rom_snapshots_write(s, path, 1));
  CHECK_ERR(l->ctx, rom_snapshots_write(s, path, 0), ROM_ERR_EXISTS);
  CHECK_OK(l->ctx, rom_snapshots_destroy(&s));
  CHECK_OK(l->ctx, rom_snapshots_read(l->ctx, path, ROM_AUTO_ROWS, &back));
  CHECK(count_wrong(back, 6) == 0, "written file differs (even partition)");
  rom_dmat_destroy(&back);
  CHECK_OK(l->ctx, rom_snapshots_read(l->ctx, path, l->local, &back));
  CHECK(count_wrong(back, 6) == 0, "written file differs (uneven partition)");
  rom_dmat_destroy(&back);
  CHECK_ERR(l->ctx, rom_snapshots_read(l->ctx, path, rom_ctx_rank(l->ctx) == 0 ? 1 : 0, &back),
            ROM_ERR_DIM);
  CHECK(back == NULL && contains(rom_ctx_last_error(l->ctx), "snapshots"), "sum check: %s",
        rom_ctx_last_error(l->ctx));
  CHECK_OK(l->ctx, rom_h5_create(l->ctx, basis, "basis", 1, &f));
  CHECK_OK(l->ctx, rom_h5_commit(&f));
  CHECK_ERR(l->ctx, rom_snapshots_read(l->ctx, basis, ROM_AUTO_ROWS, &back), ROM_ERR_FORMAT);
  CHECK(contains(rom_ctx_last_error(l->ctx), "'basis'") &&
            contains(rom_ctx_last_error(l->ctx), "'snapshots'"),
        "wrong kind: %s", rom_ctx_last_error(l->ctx));
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  layout l = make_layout(ctx);
  test_memory(&l);
  test_stream(&l);
  test_file_only(&l);
  test_write_read(&l);
  /* Nothing left behind: romkit's tracked memory and HDF5 identifiers. */
  CHECK(rom_ctx_bytes_in_use(ctx) == 0, "%zu bytes still allocated", rom_ctx_bytes_in_use(ctx));
  CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "%lld HDF5 objects left open",
        (long long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
  return test_finish(&ctx);
}
