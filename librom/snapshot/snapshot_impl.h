/* romkit internal — the snapshot collection's fields, shared by snapshots.c (memory)
 * and snapshot_file.c (HDF5 snapshot files and the stream). */
#ifndef ROMKIT_SNAPSHOT_IMPL_H
#define ROMKIT_SNAPSHOT_IMPL_H

#include "core/check.h"
#include "io/h5.h"
#include "romkit/snapshots.h"

#define ROM_SNAPSHOTS_KIND "snapshots"

struct rom_snapshots {
  rom_ctx *ctx;
  rom_int local_rows, global_rows, row_offset;
  rom_int count, capacity; /* snapshots held / room for */
  rom_int capacity_hint;
  rom_int num_parameters; /* p */
  int keep_in_memory;
  int tagged;       /* some snapshot was added with rom_snapshots_add_tagged */
  double *data;     /* local_rows x capacity, column-major, ld = local_rows (if kept) */
  double *times;    /* capacity; NaN for untagged snapshots (always kept: small) */
  double *params;   /* capacity x p, row-major like /parameters; NaN when untagged */
  rom_dmat *view;   /* wraps the first `count` columns of data (if kept) */
  int exported;     /* rom_snapshots_matrix handed out data since the last release */
  double **retired; /* buffers replaced by growth while exported: kept for the caller's
                       pointers until rom_snapshots_release_views or destroy */
  rom_int nretired, retired_cap;
  rom_h5 *stream;    /* open stream file, or NULL */
  int stream_tagged; /* the stream file has /times (and /parameters) */
};

/* The stream (snapshot_file.c). Collective. */
int rom_snapshot_stream_open(rom_snapshots *s, const char *path, int overwrite);
/* Appends snapshots [s->count, s->count + count) of the block U (local_rows x count,
 * leading dimension ld), whose tags are already in s->times / s->params at those
 * indices; `tagged` says whether this add carries tags. Flushes the file. */
int rom_snapshot_stream_append(rom_snapshots *s, rom_int count, const double *U, rom_int ld,
                               int tagged);
int rom_snapshot_stream_close(rom_snapshots *s);

#endif
