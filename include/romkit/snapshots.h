/* romkit — snapshot collection.
 *
 * The host adds its solution vectors (its own local rows, any partition) one at a time
 * or in blocks, inside its own time loop. Snapshots are kept in memory (as a
 * row-distributed N x m matrix for POD), and optionally streamed to an HDF5 snapshot
 * file as they arrive (dataset /snapshots {m, N}, see docs/file-format.md), so a
 * crash of the host keeps what was collected and memory can be turned off.
 */
#ifndef ROMKIT_SNAPSHOTS_H
#define ROMKIT_SNAPSHOTS_H

#include "romkit/matrix.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rom_snapshots rom_snapshots;

typedef struct {
  rom_int capacity_hint;   /* expected number of snapshots (0: grow as needed) */
  rom_int num_parameters;  /* p: length of the parameter vector tagged on each snapshot (0: none) */
  const char *stream_path; /* if non-NULL, write every snapshot to this HDF5 file as it arrives */
  int overwrite;      /* replace stream_path if it exists (default 0: fail with ROM_ERR_EXISTS) */
  int keep_in_memory; /* default 1; 0 keeps only the file (needs stream_path) */
} rom_snapshots_options;

/* Defaults: capacity 0, no parameters, no stream, keep in memory. */
rom_snapshots_options rom_snapshots_options_default(void);

/* rom_snapshots_create - a collection of vectors with `local_rows` rows on this rank.
 * Collective. opts may be NULL (defaults). */
int rom_snapshots_create(rom_ctx *ctx, rom_int local_rows, const rom_snapshots_options *opts,
                         rom_snapshots **out);
/* NULL-safe; closes the stream file (it stays valid). Collective if streaming. */
int rom_snapshots_destroy(rom_snapshots **s);

/* rom_snapshots_add - appends one snapshot (local_rows values). Collective.
 * Fails on every rank with ROM_ERR_NOT_FINITE if any rank's values hold NaN/Inf
 * (nothing is added). */
int rom_snapshots_add(rom_snapshots *s, const double *u_local);
/* Same, tagged with a time and (if num_parameters > 0) a parameter vector; the
 * tags are written to /times and /parameters. `params` may be NULL if p == 0. */
int rom_snapshots_add_tagged(rom_snapshots *s, const double *u_local, double time,
                             const double *params);
/* rom_snapshots_add_block - appends `count` snapshots stored column-major
 * (local_rows x count, leading dimension ld). Collective. */
int rom_snapshots_add_block(rom_snapshots *s, rom_int count, const double *U_local, rom_int ld);

/* Number of snapshots added so far. Not collective. */
rom_int rom_snapshots_count(const rom_snapshots *s);
/* The in-memory snapshots as an N x m matrix, owned by the collection. The matrix handle
 * is valid until the next add; its data (rom_dmat_data: the m snapshots it had) stays
 * valid even after adds that grow the collection (growth then moves to a new buffer and
 * keeps the old one) until rom_snapshots_release_views or destroy, so a pointer or a
 * Python numpy view taken from it never dangles. ROM_ERR_STATE if keep_in_memory was 0.
 * Not collective. */
int rom_snapshots_matrix(rom_snapshots *s, const rom_dmat **out);
/* rom_snapshots_release_views - the caller holds no pointer into an earlier matrix of
 * rom_snapshots_matrix any more: frees the buffers growth kept for them (at most about
 * the collection's own size, as capacity doubles). Not collective. */
int rom_snapshots_release_views(rom_snapshots *s);

/* rom_snapshots_write - writes the in-memory snapshots to a new HDF5 snapshot file.
 * Collective. ROM_ERR_EXISTS if path exists and overwrite is 0. */
int rom_snapshots_write(rom_snapshots *s, const char *path, int overwrite);

/* rom_snapshots_read - reads /snapshots of a romkit snapshot file into a new N x m
 * matrix with `local_rows` rows on this rank (ROM_AUTO_ROWS: even partition; the sum over
 * ranks must equal N). Collective. Fails with a message naming the file and dataset on
 * a missing file, wrong kind/version, or mismatched dimensions. */
#define ROM_AUTO_ROWS ((rom_int)-1)
int rom_snapshots_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_dmat **out);

#ifdef __cplusplus
}
#endif
#endif
