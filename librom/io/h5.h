/* romkit internal — the HDF5 schema layer every stage's file module uses.
 *
 * One file per artefact, written collectively with parallel HDF5 (MPI-IO), readable on
 * any number of ranks and serially by h5py/h5dump. docs/file-format.md is the spec.
 *
 * - Root attributes on every file: format = "romkit", format_version (int64),
 *   kind (string), romkit_version, created (UTC ISO 8601), ranks (int64), plus
 *   whatever options the stage records (rom_h5_write_attr_*).
 * - Distributed matrices (N x n, row-distributed) are stored as datasets of dims
 *   {n, N}: row j of the dataset is column j of the matrix (one snapshot, one basis
 *   vector), each rank writing its block of columns [offset, offset + local_rows).
 * - Writes never touch the user's file until they are complete: rom_h5_create writes a
 *   unique temporary file "<path>.<pid>-<random>.partial" (created exclusively, never
 *   through a symlink: h5_publish.c) and rom_h5_commit publishes it as <path> (a link that
 *   fails if <path> exists, or with overwrite an atomic rename), or holds it back while
 *   the context holds outputs (romkit/output.h). An existing <path> is refused with
 *   ROM_ERR_EXISTS unless overwrite is set, before anything is written and again when
 *   publishing. A failed write closes the file cleanly and deletes the temporary file.
 * - Every error names the file (and dataset or attribute). HDF5's own error printing
 *   is silenced while romkit works and restored afterwards.
 *
 * All functions are collective over the handle's context unless noted.
 */
#ifndef ROMKIT_IO_H5_H
#define ROMKIT_IO_H5_H

#include "romkit/matrix.h"

#include <hdf5.h>
#include <sys/types.h>

#define ROM_FORMAT_NAME "romkit"
#define ROM_FORMAT_VERSION 1

typedef struct rom_h5 rom_h5;

/* Create a new file of the given kind (root attributes written; format_version =
 * rom_format_version(kind), include/romkit/version.h). */
int rom_h5_create(rom_ctx *ctx, const char *path, const char *kind, int overwrite, rom_h5 **out);
/* rom_h5_create_in_place - like rom_h5_create (same existence check and root
 * attributes) but writes <path> itself, not "<path>.partial": for files that must keep
 * what was written if the writer dies mid-way (snapshot streams, with rom_h5_flush).
 * rom_h5_commit/rom_h5_close just close it; rom_h5_abort deletes it. Collective. */
int rom_h5_create_in_place(rom_ctx *ctx, const char *path, const char *kind, int overwrite,
                           rom_h5 **out);
/* Finish a file made by rom_h5_create: close and rename into place. NULL-safe. */
int rom_h5_commit(rom_h5 **f);
/* Give up on a file made by rom_h5_create (error path): close and delete the partial
 * file; the user's path is untouched. Also closes files from rom_h5_open. NULL-safe,
 * never fails. */
void rom_h5_abort(rom_h5 **f);

/* Open an existing file read-only and check format == "romkit", 1 <= format_version <=
 * rom_format_version(kind) (ROM_FORMAT_VERSION for most kinds) and (if expected_kind !=
 * NULL) kind == expected_kind. */
int rom_h5_open(rom_ctx *ctx, const char *path, const char *expected_kind, rom_h5 **out);
/* Close a file opened by rom_h5_open. NULL-safe. On a file from rom_h5_create it is
 * rom_h5_commit. */
int rom_h5_close(rom_h5 **f);
/* rom_h5_flush - pushes everything written so far to the file (H5Fflush, global scope),
 * so it survives a crash of the writer. Collective. */
int rom_h5_flush(rom_h5 *f);

/* Output files (h5_publish.c). All collective.
 * rom_h5_check_output - the directory of path exists and is writable on every rank, path
 * is not a directory and (unless overwrite) does not exist: on rank 0, or with per_rank on
 * every rank (each rank's own file, e.g. libROM's per-rank basis files). */
int rom_h5_check_output(rom_ctx *ctx, const char *path, int overwrite, int per_rank);
/* rom_h5_temp_create - creates (empty, O_EXCL | O_NOFOLLOW) the temporary file for path,
 * "<path>.<pid>-<random>.partial" with rank 0's pid and random part, and returns its name
 * (rom_free it) and identity: on rank 0 (every rank gets the name), or with per_rank on
 * every rank for its own path. */
int rom_h5_temp_create(rom_ctx *ctx, const char *path, int per_rank, char **tmp, dev_t *dev,
                       ino_t *ino);
/* rom_h5_temp_unchanged - true if tmp is still the regular file that rom_h5_temp_create
 * made (not replaced by another file or a symlink meanwhile). Not collective. */
int rom_h5_temp_unchanged(const char *tmp, dev_t dev, ino_t ino);
/* rom_h5_temp_finish - a complete, closed temporary file: published as path now (ranks
 * with mine = 1 do it; the outcome is agreed), or held while the context holds outputs.
 * On failure the temporary file is deleted (by the ranks with mine = 1). */
int rom_h5_temp_finish(rom_ctx *ctx, const char *tmp, const char *path, int overwrite, int mine);

/* rom_h5_close_local - closes a file that one rank created with HDF5's default (sec2)
 * driver (libROM's per-rank files): flushes it first and, when that fails (a full disk) or
 * give_up is set, points its file descriptor at a scratch file so that the close cannot
 * fail (HDF5 1.10 crashes at exit after a failed close: h5.c, discard_writes). Returns 0,
 * or -1 if the file could not be written out. Sets *file invalid. Not collective. */
int rom_h5_close_local(hid_t *file, int give_up);

/* The raw HDF5 file id and path, for stage modules that need more (e.g. extendible
 * datasets); errors must still go through rom_error_set with the path. Not collective. */
hid_t rom_h5_id(const rom_h5 *f);
/* The format_version the file was written with (read: checked by rom_h5_open), for readers
 * of a kind with more than one layout. Not collective. */
int64_t rom_h5_format_version(const rom_h5 *f);
const char *rom_h5_path(const rom_h5 *f);
rom_ctx *rom_h5_ctx(const rom_h5 *f);

/* Root attributes (every rank passes the same value when writing). */
int rom_h5_write_attr_string(rom_h5 *f, const char *name, const char *value);
int rom_h5_write_attr_double(rom_h5 *f, const char *name, double value);
int rom_h5_write_attr_int(rom_h5 *f, const char *name, int64_t value);
/* Reads: `found` (may be NULL) is set to 0 if the attribute is missing, and then a
 * missing attribute is not an error; with found == NULL it is ROM_ERR_FORMAT. */
int rom_h5_read_attr_string(rom_h5 *f, const char *name, char *buf, size_t buflen, int *found);
int rom_h5_read_attr_double(rom_h5 *f, const char *name, double *value, int *found);
int rom_h5_read_attr_int(rom_h5 *f, const char *name, int64_t *value, int *found);

/* Dataset shape. `exists` (may be NULL) 0 if missing (not an error); with exists == NULL
 * a missing dataset is ROM_ERR_FORMAT naming file and dataset. dims has room for 4. */
int rom_h5_dataset_dims(rom_h5 *f, const char *dataset, int *ndims, rom_int dims[4], int *exists);

/* Distributed matrix m (N x n) <-> dataset {n, N}. Dataset names may contain '/'
 * (intermediate groups are created). */
int rom_h5_write_dmat(rom_h5 *f, const char *dataset, const rom_dmat *m);
/* Reads dataset {n, N} into a new matrix with local_rows rows here (ROM_AUTO_ROWS -> even
 * partition). expected_cols / expected_N: -1 for any; a mismatch is ROM_ERR_DIM naming
 * the dataset, the expected and the found dims; so is sum(local_rows) != N. */
int rom_h5_read_dmat(rom_h5 *f, const char *dataset, rom_int local_rows, rom_int expected_cols,
                     rom_int expected_N, rom_dmat **out);

/* rom_h5_read_dmat_rows - reads dataset rows [j0, j0 + count) of a {m, N} dataset (columns
 * j0.. of the distributed N x m matrix) into this rank's block (local_rows x count,
 * column-major, leading dimension ld >= max(1, local_rows)) at the rank's row offset; the
 * local rows must sum to N (ROM_ERR_DIM otherwise, also for rows beyond m). For streaming a
 * matrix through memory (out-of-core POD). Implemented in h5_block.c. Collective. */
int rom_h5_read_dmat_rows(rom_h5 *f, const char *dataset, rom_int j0, rom_int count,
                          rom_int local_rows, double *block, rom_int ld);

/* Distributed vector (local_rows values here, global offset computed) <-> dataset {N}. */
int rom_h5_write_dvec(rom_h5 *f, const char *dataset, rom_int local_rows, const double *local);
int rom_h5_read_dvec(rom_h5 *f, const char *dataset, rom_int local_rows, double *local);

/* Small replicated arrays (every rank holds the same data): written once, read by
 * every rank. dims: ndims (1..4) sizes. */
int rom_h5_write_array(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                       const double *data);
/* Reads into caller memory; the dataset's dims must equal `dims` exactly (ROM_ERR_DIM).
 * Every read of numbers (matrices, vectors, arrays, blocks) fails with ROM_ERR_NOT_FINITE
 * naming the file, the dataset and the index of a NaN or Inf (core/values.h). */
int rom_h5_read_array(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims, double *data);
/* rom_h5_read_array_raw - rom_h5_read_array without the finiteness check, for the datasets
 * where NaN has a meaning: a snapshot file's /times and /parameters (NaN: untagged). */
int rom_h5_read_array_raw(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                          double *data);
/* Reads a whole array of any shape into new memory (rom_free(ctx, *data) to release). */
int rom_h5_read_array_alloc(rom_h5 *f, const char *dataset, int *ndims, rom_int dims[4],
                            double **data);

/* Extendible datasets (chunked, unlimited first dimension), for collections that grow
 * while they are written (snapshot streams). All collective.
 * rom_h5_create_extendible - dataset of `ndims` (1..4) dims, dims[0] rows at first
 * (usually 0), growing without limit along dims[0], stored in chunks of `chunk`
 * (every chunk[i] >= 1 and chunk[i] <= dims[i] for i >= 1). */
int rom_h5_create_extendible(rom_h5 *f, const char *dataset, int ndims, const rom_int *dims,
                             const rom_int *chunk);
/* rom_h5_append_block - grows a {m, N} dataset to {m + count, N} and writes the new rows
 * from each rank's block (local_rows x count, column-major, leading dimension ld, at the
 * rank's row offset; the local rows must sum to N, else ROM_ERR_DIM). */
int rom_h5_append_block(rom_h5 *f, const char *dataset, rom_int count, rom_int local_rows,
                        const double *block, rom_int ld);
/* rom_h5_append_array - grows a replicated {m, ...} dataset by `count` rows holding
 * `data` (count x the remaining dims, row-major, the same on every rank; rank 0 writes). */
int rom_h5_append_array(rom_h5 *f, const char *dataset, rom_int count, const double *data);

#endif
