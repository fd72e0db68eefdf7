/* romkit internal — what the files of librom/io share: the handle's fields and the
 * helpers that keep HDF5 quiet, close identifiers and build property lists.
 * Only the .c files of librom/io include this; other stages use librom/io/h5.h. */
#ifndef ROMKIT_IO_H5_IMPL_H
#define ROMKIT_IO_H5_IMPL_H

#include "core/check.h"
#include "io/h5.h"

struct rom_h5 {
  rom_ctx *ctx;
  hid_t file;
  char *path;        /* the user's path (what every message names) */
  char *partial;     /* the temporary file while a rom_h5_create file is written; else NULL */
  dev_t partial_dev; /* ... and its identity (rank 0), checked after HDF5 opened it */
  ino_t partial_ino;
  int overwrite;          /* publish by replacing an existing path */
  int in_place;           /* written directly at path (rom_h5_create_in_place): abort removes it */
  int64_t format_version; /* written, or read (rom_h5_open checked it) */
  int dir_fd;             /* >= 0: the file's directory, open while MPI-IO may use it */
  char *mpiio_name;       /* the short name MPI-IO got for a long path (h5.c); else NULL */
};

/* HDF5 prints its error stack by default. romkit turns that off for the duration of
 * each public call (saving the caller's handler, which may be their own) and records
 * its own sentence instead. */
typedef struct {
  H5E_auto2_t func;
  void *data;
} rom_h5_quiet;
void rom_h5_quiet_begin(rom_h5_quiet *q);
void rom_h5_quiet_end(const rom_h5_quiet *q);

/* Closes any HDF5 identifier romkit created (dataset, space, type, attribute, property
 * list, group, file) and sets it to H5I_INVALID_HID; a negative id is a no-op. */
void rom_h5_release(hid_t *id);

/* Dataset transfer property list for collective MPI-IO (H5FD_MPIO_COLLECTIVE);
 * H5I_INVALID_HID on failure. The caller releases it. */
hid_t rom_h5_dxpl_collective(void);

/* True (1) if every component of `name` ("a/b/c") exists as a link in the file, 0 if
 * one is missing, negative on an HDF5 failure. H5Lexists alone fails rather than
 * answering "no" when an intermediate group is missing. Collective (metadata). */
int rom_h5_link_exists(hid_t file, const char *name);

/* Global offset of this rank's first row and the sum of local_rows over ranks
 * (MPI_Exscan + MPI_Allreduce). Collective. */
int rom_h5_row_offsets(rom_ctx *ctx, rom_int local_rows, rom_int *offset, rom_int *total);

/* Creates a double dataset (H5T_IEEE_F64LE) with intermediate groups; maxdims and chunk
 * may be NULL (fixed size, contiguous). ROM_ERR_ARG if it already exists. Collective. */
int rom_h5_create_dataset(rom_h5 *f, const char *name, int ndims, const hsize_t *dims,
                          const hsize_t *maxdims, const hsize_t *chunk, hid_t *dset);
/* Opens a numeric dataset and returns its dims (ndims <= 4). Missing: *exists = 0 and
 * *dset invalid when exists != NULL, else ROM_ERR_FORMAT naming file and dataset. */
int rom_h5_open_dataset(rom_h5 *f, const char *name, int *exists, hid_t *dset, int *ndims,
                        hsize_t dims[4]);
/* Collective transfer between this rank's column-major block (local_rows x rows, leading
 * dimension ld) and the dataset part rows [row0, row0 + rows) x columns [offset, offset +
 * local_rows) of a {m, N} dataset (of a {N} dataset when it is 1-D; rows must then be 1).
 * Ranks with nothing to move select nothing. `name` is for messages. */
int rom_h5_transfer_block(rom_h5 *f, hid_t dset, const char *name, int writing, rom_int row0,
                          rom_int rows, rom_int offset, rom_int local_rows, double *data,
                          rom_int ld);
/* Collective transfer of whole rows [row0, row0 + rows) of a replicated array (row-major
 * in memory): on writing rank 0 alone selects them, on reading every rank does. */
int rom_h5_transfer_rows(rom_h5 *f, hid_t dset, const char *name, int writing, rom_int row0,
                         rom_int rows, double *data);

#endif
