/* Snapshot files (kind "snapshots", docs/file-format.md): written whole from memory
 * (rom_snapshots_write), read back (rom_snapshots_read), or streamed as snapshots arrive.
 *
 * The stream is written straight to its path, not to "<path>.partial": its purpose is to
 * keep what was collected if the host dies, so it must be a valid file after every add.
 * Each add grows the extendible /snapshots {m, N} (H5Dset_extent, collective), writes the
 * new rows, updates num_snapshots and flushes.
 *
 * Chunking of the stream's /snapshots: {1, min(N, 131072)}. One snapshot per chunk row
 * makes every add write whole, new chunks only: no chunk is read back and rewritten,
 * and a crash between adds never leaves a half-updated chunk. 131072 doubles = 1 MiB,
 * HDF5's default chunk-cache size and a good request size for parallel file systems;
 * wider rows are split into several chunks. */
#include "snapshot/snapshot_impl.h"

#define SNAPSHOT_CHUNK_COLUMNS ((rom_int)131072)
#define TAG_CHUNK_ROWS ((rom_int)256)

static int write_counts(rom_h5 *f, rom_int count, rom_int N, rom_int p) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_snapshots", count));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_rows", N));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_parameters", p));
cleanup:
  return err;
}

/* ---- streaming -------------------------------------------------------------------------- */

int rom_snapshot_stream_open(rom_snapshots *s, const char *path, int overwrite) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int N = s->global_rows;
  ROM_CHECK(ctx, N > 0, ROM_ERR_ARG,
            "cannot stream to '%s': the collection has no rows (local_rows sum to 0)", path);
  ROM_TRY(ctx, rom_h5_create_in_place(ctx, path, ROM_SNAPSHOTS_KIND, overwrite, &s->stream));
  ROM_TRY(ctx, write_counts(s->stream, 0, N, s->num_parameters));
  {
    rom_int dims[2] = {0, N};
    rom_int chunk[2] = {1, N < SNAPSHOT_CHUNK_COLUMNS ? N : SNAPSHOT_CHUNK_COLUMNS};
    ROM_TRY(ctx, rom_h5_create_extendible(s->stream, "snapshots", 2, dims, chunk));
  }
  ROM_TRY(ctx, rom_h5_flush(s->stream));
cleanup:
  if (err != ROM_OK) rom_h5_abort(&s->stream);
  return err;
}

/* /times and /parameters appear with the first tagged add; the snapshots added before
 * it get NaN tags (already in s->times / s->params), so every row stays aligned. */
static int stream_start_tags(rom_snapshots *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int p = s->num_parameters;
  rom_int tdims[1] = {0}, tchunk[1] = {TAG_CHUNK_ROWS};
  ROM_TRY(ctx, rom_h5_create_extendible(s->stream, "times", 1, tdims, tchunk));
  ROM_TRY(ctx, rom_h5_append_array(s->stream, "times", s->count, s->times));
  if (p > 0) {
    rom_int pdims[2] = {0, p}, pchunk[2] = {TAG_CHUNK_ROWS, p};
    ROM_TRY(ctx, rom_h5_create_extendible(s->stream, "parameters", 2, pdims, pchunk));
    ROM_TRY(ctx, rom_h5_append_array(s->stream, "parameters", s->count, s->params));
  }
  s->stream_tagged = 1;
cleanup:
  return err;
}

int rom_snapshot_stream_append(rom_snapshots *s, rom_int count, const double *U, rom_int ld,
                               int tagged) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int p = s->num_parameters;
  ROM_TRY(ctx, rom_h5_append_block(s->stream, "snapshots", count, s->local_rows, U, ld));
  if (tagged && !s->stream_tagged) ROM_TRY(ctx, stream_start_tags(s));
  if (s->stream_tagged) {
    ROM_TRY(ctx, rom_h5_append_array(s->stream, "times", count, s->times + s->count));
    if (p > 0)
      ROM_TRY(ctx, rom_h5_append_array(s->stream, "parameters", count, s->params + s->count * p));
  }
  ROM_TRY(ctx, rom_h5_write_attr_int(s->stream, "num_snapshots", s->count + count));
  ROM_TRY(ctx, rom_h5_flush(s->stream));
cleanup:
  return err;
}

int rom_snapshot_stream_close(rom_snapshots *s) {
  int err = ROM_OK;
  ROM_TRY(s->ctx, rom_h5_close(&s->stream));
cleanup:
  return err;
}

/* ---- whole files ---------------------------------------------------------------------- */

static int write_contents(rom_snapshots *s, rom_h5 *f) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int m = s->count, p = s->num_parameters;
  ROM_TRY(ctx, write_counts(f, m, s->global_rows, p));
  ROM_TRY(ctx, rom_h5_write_dmat(f, "snapshots", s->view));
  if (s->tagged) {
    rom_int tdims[1] = {m}, pdims[2] = {m, p};
    ROM_TRY(ctx, rom_h5_write_array(f, "times", 1, tdims, s->times));
    if (p > 0) ROM_TRY(ctx, rom_h5_write_array(f, "parameters", 2, pdims, s->params));
  }
cleanup:
  return err;
}

int rom_snapshots_write(rom_snapshots *s, const char *path, int overwrite) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  if (!s) return ROM_ERR_ARG;
  rom_ctx *ctx = s->ctx;
  ROM_CHECK(ctx, s->keep_in_memory, ROM_ERR_STATE,
            "cannot write '%s': the collection keeps no snapshots in memory (keep_in_memory = "
            "0); its stream file already holds them",
            path ? path : "(null)");
  ROM_TRY(ctx, rom_h5_create(ctx, path, ROM_SNAPSHOTS_KIND, overwrite, &f));
  ROM_TRY(ctx, write_contents(s, f));
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  return err;
}

int rom_snapshots_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_dmat **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_TRY(ctx, rom_h5_open(ctx, path, ROM_SNAPSHOTS_KIND, &f));
  ROM_TRY(ctx, rom_h5_read_dmat(f, "snapshots", local_rows, -1, -1, out));
  ROM_TRY(ctx, rom_h5_close(&f));
cleanup:
  rom_h5_abort(&f);
  if (err != ROM_OK && out) rom_dmat_destroy(out);
  return err;
}
