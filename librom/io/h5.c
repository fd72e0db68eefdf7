/* HDF5 files: create (write to a temporary file, publish on commit: h5_publish.c), open with format
 * checks, close, abort; the helpers the other librom/io files share.
 *
 * Every file is opened with the MPI-IO driver on the context's communicator and with
 * collective metadata reads and writes: all ranks make the same metadata calls, which
 * spares the file system the thundering herd of every rank reading the same header,
 * and is what lets ranks with no data take part in the same code path.
 *
 * File-system questions (does the path exist, is the directory writable, is it HDF5)
 * are answered before HDF5 is called, so every rank fails or goes on together, and the
 * message says "no such file" instead of an HDF5 error stack: outputs are probed on rank
 * 0 and the answer broadcast; inputs are probed on every rank, which must all see the
 * same regular file (check_input_path). */
#define _POSIX_C_SOURCE 200809L

#include "io/h5_impl.h"
#include "romkit/version.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- shared helpers ------------------------------------------------------------------- */

void rom_h5_quiet_begin(rom_h5_quiet *q) {
  q->func = NULL;
  q->data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void rom_h5_quiet_end(const rom_h5_quiet *q) {
  H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

void rom_h5_release(hid_t *id) {
  if (!id || *id < 0) return;
  switch (H5Iget_type(*id)) {
  case H5I_FILE:
    H5Fclose(*id);
    break;
  case H5I_GROUP:
    H5Gclose(*id);
    break;
  case H5I_DATATYPE:
    H5Tclose(*id);
    break;
  case H5I_DATASPACE:
    H5Sclose(*id);
    break;
  case H5I_DATASET:
    H5Dclose(*id);
    break;
  case H5I_ATTR:
    H5Aclose(*id);
    break;
  case H5I_GENPROP_LST:
    H5Pclose(*id);
    break;
  default:
    break;
  }
  *id = H5I_INVALID_HID;
}

hid_t rom_h5_dxpl_collective(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl >= 0 && H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) rom_h5_release(&dxpl);
  return dxpl;
}

int rom_h5_link_exists(hid_t file, const char *name) {
  char prefix[1024];
  size_t len = strlen(name);
  if (len == 0 || len >= sizeof prefix) return -1;
  /* Check "a", then "a/b", then "a/b/c": H5Lexists needs every parent to exist. */
  for (size_t i = 1; i <= len; ++i) {
    if (i < len && name[i] != '/') continue;
    if (i == 1 && name[0] == '/') continue; /* the root group of an absolute name */
    memcpy(prefix, name, i);
    prefix[i] = '\0';
    htri_t found = H5Lexists(file, prefix, H5P_DEFAULT);
    if (found <= 0) return found < 0 ? -1 : 0;
  }
  return 1;
}

int rom_h5_row_offsets(rom_ctx *ctx, rom_int local_rows, rom_int *offset, rom_int *total) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  *offset = 0;
  ROM_MPI(ctx, MPI_Exscan(&local_rows, offset, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rom_ctx_rank(ctx) == 0) *offset = 0; /* MPI_Exscan leaves rank 0's result undefined */
  ROM_MPI(ctx, MPI_Allreduce(&local_rows, total, 1, MPI_INT64_T, MPI_SUM, comm));
cleanup:
  return err;
}

/* ---- handles --------------------------------------------------------------------------- */

static int copy_string(rom_ctx *ctx, const char *a, const char *b, char **out) {
  int err = ROM_OK;
  size_t la = strlen(a), lb = b ? strlen(b) : 0;
  ROM_TRY(ctx, rom_malloc(ctx, la + lb + 1, (void **)out));
  memcpy(*out, a, la);
  if (lb) memcpy(*out + la, b, lb);
  (*out)[la + lb] = '\0';
cleanup:
  return err;
}

static void handle_free(rom_h5 **pf) {
  rom_h5 *f = *pf;
  if (!f) return;
  rom_h5_release(&f->file);
  rom_free(f->ctx, f->path);
  rom_free(f->ctx, f->partial);
  rom_free(f->ctx, f->mpiio_name);
  if (f->dir_fd >= 0) close(f->dir_fd);
  rom_free(f->ctx, f);
  *pf = NULL;
}

static int handle_new(rom_ctx *ctx, const char *path, int in_place, rom_h5 **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *f, (void **)&f));
  f->ctx = ctx;
  f->file = H5I_INVALID_HID;
  f->dir_fd = -1;
  f->in_place = in_place;
  ROM_TRY(ctx, copy_string(ctx, path, NULL, &f->path));
  *out = f;
  f = NULL;
cleanup:
  handle_free(&f);
  return err;
}

/* The file HDF5 actually writes: the partial file, or the path itself. */
static const char *target_path(const rom_h5 *f) {
  return f->partial ? f->partial : f->path;
}

/* Open MPI 4.1's MPI-IO (ompio) selects a shared-file-pointer component for every file it
 * opens, and its "lockedfile" component formats a name derived from the file name into a
 * 256-byte buffer: a fortified sprintf aborts the program ("buffer overflow detected")
 * for names of about 238 characters or more. romkit uses no shared file pointers but a
 * library cannot switch the component off (an MCA setting of the launch), so a long name
 * reaches MPI-IO through its directory instead: "/proc/self/fd/<fd of the directory>/<file
 * name>" (Linux), the same file under a short name. Each rank opens the directory itself
 * (the descriptor stays open with the handle). A file name that stays too long even so is
 * refused with a clear error instead of the abort. Collective. */
#define MPIIO_NAME_MAX 200

static int mpiio_name(rom_h5 *f, const char *name, const char **out) {
  int err = ROM_OK, ok = 1;
  rom_ctx *ctx = f->ctx;
  size_t len = strlen(name);
  *out = name;
  if (len < MPIIO_NAME_MAX) return ROM_OK;
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  char *dir = NULL;
  ok = slash && strlen(base) + 32 < MPIIO_NAME_MAX;
  if (ok) {
    size_t dlen = slash == name ? 1 : (size_t)(slash - name);
    ok = rom_malloc(ctx, dlen + 1, (void **)&dir) == ROM_OK;
    if (ok) {
      memcpy(dir, name, dlen);
      dir[dlen] = '\0';
      f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      ok = f->dir_fd >= 0 && rom_malloc(ctx, strlen(base) + 40, (void **)&f->mpiio_name) == ROM_OK;
    }
    if (ok) {
      snprintf(f->mpiio_name, strlen(base) + 40, "/proc/self/fd/%d/%s", f->dir_fd, base);
      ok = access(f->mpiio_name, F_OK) == 0 || errno == ENOENT; /* /proc is there */
    }
    rom_free(ctx, dir);
  }
  ROM_CHECK_ALL(ctx, ok, ROM_ERR_UNSUPPORTED,
                "the path '%s' (%zu characters) is too long for Open MPI's MPI-IO (names of about "
                "238 characters abort it) and cannot be shortened through its directory here "
                "(a file name of at most %d characters and /proc are needed)",
                name, len, MPIIO_NAME_MAX - 32);
  *out = f->mpiio_name;
cleanup:
  return err;
}

/* MPI-IO on the context's communicator, collective metadata (see the file comment).
 *
 * Files romkit creates use the HDF5 1.8 file format as the oldest (libver bounds V18 ..
 * V110): superblock version 2, object headers version 2, v2 B-trees, fractal heaps and,
 * for extendible datasets, the 1.10 chunk indices. Every one of those metadata structures
 * carries a Jenkins lookup3 checksum that libhdf5 verifies when it reads it, so a flipped
 * bit or a torn write in the metadata is an HDF5 error (and a romkit ROM_ERR_IO or
 * ROM_ERR_FORMAT naming the file) instead of a structure libhdf5 trusts and may crash on.
 * The version-0 superblock and version-1 object headers of HDF5's default format carry
 * no checksums (HDF5 File Format Specification, sections II.A, IV.A.1). Files stay
 * readable by HDF5 >= 1.10 (h5py, h5dump); docs/file-format.md, "Integrity". */
static hid_t mpio_fapl(rom_ctx *ctx, int creating) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  if (H5Pset_fapl_mpio(fapl, rom_ctx_comm(ctx), MPI_INFO_NULL) < 0 ||
      H5Pset_all_coll_metadata_ops(fapl, 1) < 0 || H5Pset_coll_metadata_write(fapl, 1) < 0 ||
      (creating && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110) < 0))
    rom_h5_release(&fapl);
  return fapl;
}

/* ---- creating ----------------------------------------------------------------------------- */

/* "2024-05-01T12:00:00Z" from rank 0's clock, so every rank writes the same value. */
static int created_timestamp(rom_ctx *ctx, char stamp[32]) {
  int err = ROM_OK;
  memset(stamp, 0, 32);
  if (rom_ctx_rank(ctx) == 0) {
    time_t now = time(NULL);
    struct tm utc;
    if (gmtime_r(&now, &utc)) strftime(stamp, 32, "%Y-%m-%dT%H:%M:%SZ", &utc);
  }
  ROM_MPI(ctx, MPI_Bcast(stamp, 32, MPI_CHAR, 0, rom_ctx_comm(ctx)));
  stamp[31] = '\0';
cleanup:
  return err;
}

/* The format_version of each kind whose layout has changed since version 1
 * (docs/file-format.md, "Versions"); every other kind is at ROM_FORMAT_VERSION. Writers
 * write the kind's version, readers accept 1 .. the kind's version (the stage's reader maps
 * the older layouts, asking rom_h5_format_version). */
static const struct {
  const char *kind;
  int version;
} kind_versions[] = {
    {"hyper", 2}, /* decoder sub-network layers store their activation by name */
};

int rom_format_version(const char *kind) {
  for (size_t i = 0; kind && i < sizeof kind_versions / sizeof kind_versions[0]; ++i)
    if (!strcmp(kind, kind_versions[i].kind)) return kind_versions[i].version;
  return ROM_FORMAT_VERSION;
}

static int write_root_attributes(rom_h5 *f, const char *kind) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  char stamp[32];
  ROM_TRY(ctx, created_timestamp(ctx, stamp));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "format", ROM_FORMAT_NAME));
  f->format_version = rom_format_version(kind);
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "format_version", f->format_version));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "kind", kind));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "romkit_version", ROM_VERSION_STRING));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "created", stamp));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "ranks", rom_ctx_size(ctx)));
cleanup:
  return err;
}

static int h5_create(rom_ctx *ctx, const char *path, const char *kind, int overwrite,
                     int use_partial, rom_h5 **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  hid_t fapl = H5I_INVALID_HID;
  const char *name = NULL;
  rom_h5_quiet quiet;
  if (!ctx) return ROM_ERR_ARG;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, out && path && *path && kind && *kind, ROM_ERR_ARG,
                "rom_h5_create needs a non-empty path and kind and a non-NULL out");
  *out = NULL;
  ROM_TRY(ctx, rom_h5_check_output(ctx, path, overwrite, 0));
  ROM_TRY_ALL(ctx, handle_new(ctx, path, !use_partial, &f));
  f->overwrite = overwrite;
  if (use_partial)
    ROM_TRY(ctx, rom_h5_temp_create(ctx, path, 0, &f->partial, &f->partial_dev, &f->partial_ino));
  fapl = mpio_fapl(ctx, 1);
  ROM_CHECK_ALL(ctx, fapl >= 0, ROM_ERR_IO, "cannot set up parallel HDF5 (MPI-IO) for '%s'", path);
  /* the temporary file exists (empty, ours): truncating it is what opens it for writing */
  ROM_TRY(ctx, mpiio_name(f, target_path(f), &name));
  f->file = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  ROM_CHECK_ALL(ctx, f->file >= 0, ROM_ERR_IO, "cannot create '%s' with parallel HDF5 (MPI-IO)",
                target_path(f));
  if (use_partial) { /* MPI-IO opens by name: it must still be the file created above */
    int same =
        rom_ctx_rank(ctx) != 0 || rom_h5_temp_unchanged(f->partial, f->partial_dev, f->partial_ino);
    ROM_MPI(ctx, MPI_Bcast(&same, 1, MPI_INT, 0, rom_ctx_comm(ctx)));
    ROM_CHECK(ctx, same, ROM_ERR_IO,
              "the temporary file '%s' for '%s' was replaced while it was opened; not writing "
              "through it",
              f->partial, path);
  }
  ROM_TRY(ctx, write_root_attributes(f, kind));
  *out = f;
  f = NULL;
cleanup:
  rom_h5_release(&fapl);
  if (f) rom_h5_abort(&f);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_create(rom_ctx *ctx, const char *path, const char *kind, int overwrite, rom_h5 **out) {
  return h5_create(ctx, path, kind, overwrite, 1, out);
}

int rom_h5_create_in_place(rom_ctx *ctx, const char *path, const char *kind, int overwrite,
                           rom_h5 **out) {
  return h5_create(ctx, path, kind, overwrite, 0, out);
}

/* ---- finishing -------------------------------------------------------------------------- */

/* HDF5 1.10 frees a file's structures when H5Fclose fails (its flush hit a full disk) but
 * keeps the identifier, and closing the library in MPI_Finalize then dereferences it: a
 * segfault after romkit had reported the error (HDF5 issues #2257 and #1498, fixed in 1.14.1
 * by pull request #2291). A file romkit gives up on must therefore close cleanly although
 * its disk is full: its MPI-IO handle (H5Fget_vfd_handle gives the driver's own MPI_File)
 * is closed and replaced by a scratch file opened with MPI_MODE_DELETE_ON_CLOSE in
 * /dev/shm (memory; else $TMPDIR or /tmp), which takes HDF5's last metadata writes (a few
 * KiB; the size it sets is sparse) and vanishes on close; the temporary file is deleted
 * afterwards. (/dev/null takes the writes but not the file size HDF5 sets.) Collective. */
static void discard_writes(rom_h5 *f) {
  void *handle = NULL;
  char scratch[512] = {0};
  hid_t fapl = H5Fget_access_plist(f->file);
  if (rom_ctx_rank(f->ctx) == 0) {
    const char *dir = "/dev/shm", *tmpdir = getenv("TMPDIR");
    struct stat st;
    char rnd[16];
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0)
      dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
    snprintf(rnd, sizeof rnd, "%08lx", (unsigned long)(MPI_Wtime() * 1e6) & 0xffffffffUL);
    snprintf(scratch, sizeof scratch, "%s/romkit-discard.%ld-%s", dir, (long)getpid(), rnd);
  }
  MPI_Bcast(scratch, (int)sizeof scratch, MPI_CHAR, 0, rom_ctx_comm(f->ctx));
  scratch[sizeof scratch - 1] = '\0';
  if (fapl >= 0 && H5Pget_driver(fapl) == H5FD_MPIO &&
      H5Fget_vfd_handle(f->file, fapl, &handle) >= 0 && handle) {
    MPI_File *mpi_file = handle, sink = MPI_FILE_NULL;
    MPI_File_close(mpi_file);
    if (MPI_File_open(rom_ctx_comm(f->ctx), scratch,
                      MPI_MODE_RDWR | MPI_MODE_CREATE | MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL,
                      &sink) == MPI_SUCCESS)
      *mpi_file = sink;
  }
  rom_h5_release(&fapl);
}

/* A file descriptor for HDF5's last writes: a new file in /dev/shm (else $TMPDIR, /tmp),
 * unlinked at once; -1 if none can be made. */
static int scratch_fd(void) {
  const char *dirs[3] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
  char name[512];
  for (int i = 0; i < 3; ++i) {
    if (!dirs[i] || !*dirs[i]) continue;
    snprintf(name, sizeof name, "%s/romkit-discard.%ld-%08lx", dirs[i], (long)getpid(),
             (unsigned long)(MPI_Wtime() * 1e6) & 0xffffffffUL);
    int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      unlink(name);
      return fd;
    }
  }
  return -1;
}

int rom_h5_close_local(hid_t *file, int give_up) {
  int rc = 0;
  rom_h5_quiet quiet;
  if (!file || *file < 0) return 0;
  rom_h5_quiet_begin(&quiet);
  if (!give_up && H5Fflush(*file, H5F_SCOPE_GLOBAL) < 0) give_up = 1;
  if (give_up) {
    void *handle = NULL;
    hid_t fapl = H5Fget_access_plist(*file);
    int fd = -1;
    rc = -1;
    if (fapl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2 &&
        H5Fget_vfd_handle(*file, fapl, &handle) >= 0 && handle && (fd = scratch_fd()) >= 0) {
      dup2(fd, *(int *)handle); /* HDF5 keeps its descriptor number; it now leads elsewhere */
      close(fd);
    }
    rom_h5_release(&fapl);
  }
  if (H5Fclose(*file) < 0) rc = -1;
  *file = H5I_INVALID_HID;
  rom_h5_quiet_end(&quiet);
  return rc;
}

int rom_h5_commit(rom_h5 **pf) {
  int err = ROM_OK;
  rom_h5_quiet quiet;
  if (!pf || !*pf) return ROM_OK;
  rom_h5 *f = *pf;
  rom_ctx *ctx = f->ctx;
  rom_h5_quiet_begin(&quiet);
  /* Everything is written out first: a flush that fails (a full disk) leaves the file open
   * and whole in HDF5's eyes, so abort can still close it; a close after a good flush has
   * nothing left to write. */
  ROM_CHECK_ALL(ctx, H5Fflush(f->file, H5F_SCOPE_GLOBAL) >= 0, ROM_ERR_IO,
                "cannot finish writing '%s' (writing it out to the file system failed: is the "
                "disk full?)",
                f->path);
  herr_t closed = H5Fclose(f->file);
  f->file = H5I_INVALID_HID;
  ROM_CHECK_ALL(ctx, closed >= 0, ROM_ERR_IO, "cannot finish writing '%s' (closing it failed)",
                f->path);
  if (f->partial) {
    ROM_MPI(ctx, MPI_Barrier(rom_ctx_comm(ctx))); /* every rank has closed the file */
    err = rom_h5_temp_finish(ctx, f->partial, f->path, f->overwrite, rom_ctx_rank(ctx) == 0);
    if (err != ROM_OK) { /* the temporary file is gone; the user's path is untouched */
      rom_error_trace(ctx, err, __FILE__, __LINE__, __func__);
      handle_free(pf);
      goto cleanup;
    }
  }
cleanup:
  if (err != ROM_OK)
    rom_h5_abort(pf); /* removes the temporary file; the user's path stays untouched */
  else
    handle_free(pf);
  rom_h5_quiet_end(&quiet);
  return err;
}

void rom_h5_abort(rom_h5 **pf) {
  rom_h5_quiet quiet;
  if (!pf || !*pf) return;
  rom_h5 *f = *pf;
  rom_h5_quiet_begin(&quiet);
  if (f->partial || f->in_place) {
    if (f->file >= 0) discard_writes(f);
    rom_h5_release(&f->file);
    MPI_Barrier(rom_ctx_comm(f->ctx)); /* nobody still has the file open */
    if (rom_ctx_rank(f->ctx) == 0) remove(target_path(f));
  } else {
    rom_h5_release(&f->file);
  }
  handle_free(pf);
  rom_h5_quiet_end(&quiet);
}

int rom_h5_close(rom_h5 **pf) {
  int err = ROM_OK;
  rom_h5_quiet quiet;
  if (!pf || !*pf) return ROM_OK;
  if ((*pf)->partial) return rom_h5_commit(pf);
  rom_h5 *f = *pf;
  rom_ctx *ctx = f->ctx;
  rom_h5_quiet_begin(&quiet);
  herr_t closed = H5Fclose(f->file);
  f->file = H5I_INVALID_HID;
  ROM_CHECK_ALL(ctx, closed >= 0, ROM_ERR_IO, "closing '%s' failed", f->path);
cleanup:
  handle_free(pf);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_flush(rom_h5 *f) {
  int err = ROM_OK;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(f->ctx, H5Fflush(f->file, H5F_SCOPE_GLOBAL) >= 0, ROM_ERR_IO,
                "flushing '%s' to disk failed", target_path(f));
cleanup:
  rom_h5_quiet_end(&quiet);
  return err;
}

/* ---- opening --------------------------------------------------------------------------- */

enum {
  IN_OK = 0,
  IN_MISSING,
  IN_IS_DIRECTORY,
  IN_NOT_REGULAR,
  IN_UNREADABLE,
  IN_NOT_HDF5,
  IN_DIFFERENT,
  IN_DAMAGED,
  IN_COUNT
};

/* What one rank sees at `path`: its status, and for a regular file its size and a
 * fingerprint (FNV-1a of the first and last 4 KiB: the superblock and, in romkit's files,
 * the metadata HDF5 writes last). Every rank asks, because parallel HDF5 trusts that all
 * ranks open the same file: a rank that cannot see it, or sees a truncated copy or
 * another file under the same name (node-local disks, a stale NFS cache), would otherwise
 * fail alone inside a collective call and leave the others waiting forever.
 * Only regular files are opened: a FIFO or a device would block in open() or read(). */
static int gheaps_ok(FILE *fp, int64_t file_size);

static int probe_input(const char *path, int check_heaps, int64_t id[2]) {
  struct stat st;
  id[0] = id[1] = 0;
  if (stat(path, &st) != 0) return IN_MISSING;
  if (S_ISDIR(st.st_mode)) return IN_IS_DIRECTORY;
  if (!S_ISREG(st.st_mode)) return IN_NOT_REGULAR;
  FILE *fp = fopen(path, "rb");
  if (!fp) return IN_UNREADABLE;
  uint64_t hash = 1469598103934665603ULL;
  unsigned char buf[4096];
  for (int part = 0; part < 2; ++part) {
    if (part == 1 && (st.st_size <= (off_t)sizeof buf ||
                      fseeko(fp, st.st_size - (off_t)sizeof buf, SEEK_SET) != 0))
      break;
    size_t n = fread(buf, 1, sizeof buf, fp);
    for (size_t i = 0; i < n; ++i)
      hash = (hash ^ buf[i]) * 1099511628211ULL;
  }
  int heaps = !check_heaps || gheaps_ok(fp, (int64_t)st.st_size);
  fclose(fp);
  id[0] = (int64_t)st.st_size;
  id[1] = (int64_t)(hash >> 1);
  if (H5Fis_hdf5(path) <= 0) return IN_NOT_HDF5;
  return heaps ? IN_OK : IN_DAMAGED;
}

/* ---- global heaps ----
 * Variable-length strings (romkit's string attributes) live in HDF5 "global heap
 * collections", the one metadata structure that carries no checksum in any HDF5 file
 * format version. libhdf5 (1.10 at least) trusts the object sizes it finds there and
 * copies them with memcpy, so one flipped bit in a collection crashes the reader inside
 * H5Aread. Before HDF5 sees a file, each collection ("GCOL", version 1) is parsed here as
 * H5HG's deserializer does (HDF5 File Format Specification, III.E), and a file whose
 * objects do not tile their collection exactly is refused as damaged. romkit's own files
 * keep their only collection at the start (offset 2048); the first GHEAP_SCAN bytes and
 * the last GHEAP_TAIL bytes are searched, the whole file when it is small. Offsets and
 * lengths are assumed 8 bytes wide (HDF5's default, and what romkit and h5py write). */
#define GHEAP_SCAN ((int64_t)8 << 20)
#define GHEAP_TAIL ((int64_t)1 << 20)
#define GHEAP_MAX ((uint64_t)1 << 30)

static uint64_t le_bytes(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

/* 1 if the collection at `at` of the open file parses, 0 if it is damaged. */
static int gheap_collection_ok(FILE *fp, int64_t at, int64_t file_size) {
  unsigned char head[16];
  if (fseeko(fp, (off_t)at, SEEK_SET) != 0 || fread(head, 1, 16, fp) != 16) return 0;
  uint64_t len = le_bytes(head + 8, 8);
  if (len < 16 || len > GHEAP_MAX) return 0;
  /* A collection may reach past the end of the file: parallel HDF5 allocates it whole but
   * may end the file (its end-of-file address, checked in gheaps_ok) inside the
   * collection's trailing free space. Those bytes read as zeros here: free space must still
   * tile the collection exactly, and an object cut off reads as a zero-size header and
   * fails. */
  uint64_t avail = (uint64_t)(file_size - at) < len ? (uint64_t)(file_size - at) : len;
  unsigned char *c = calloc(1, (size_t)len);
  if (!c) return 1; /* cannot check: let HDF5 try */
  int ok = fseeko(fp, (off_t)at, SEEK_SET) == 0 && fread(c, 1, (size_t)avail, fp) == (size_t)avail;
  for (uint64_t p = 16; ok && p < len;) {
    if (p + 16 > len) break; /* too small for an object header: free space */
    uint64_t idx = le_bytes(c + p, 2), size = le_bytes(c + p + 8, 8);
    uint64_t need = idx > 0 ? (size > len ? len + 1 : 16 + ((size + 7) & ~(uint64_t)7)) : size;
    ok = need >= 16 && need <= len - p;
    p += need;
  }
  free(c);
  return ok;
}

/* 1 if every global heap collection found in the scanned parts of the file parses. */
static int gheaps_ok(FILE *fp, int64_t file_size) {
  static const unsigned char sig[8] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  const int64_t chunk = (int64_t)1 << 20;
  unsigned char *buf = malloc((size_t)chunk + 8);
  int ok = 1;
  if (!buf) return 1;
  /* A truncated file: shorter than the end-of-file address in its superblock (at offset 0, 8-byte
   * offsets; versions 0, 1: at byte 40, 44; versions 2, 3: at byte 28 — HDF5 File Format
   * Specification, II.A), as HDF5 itself refuses it. */
  if (fseeko(fp, 0, SEEK_SET) == 0 && fread(buf, 1, 48, fp) == 48 &&
      !memcmp(buf, "\211HDF\r\n\032\n", 8) && buf[8] <= 3 && buf[buf[8] >= 2 ? 9 : 13] == 8) {
    const int at = buf[8] >= 2 ? 28 : buf[8] == 1 ? 44 : 40;
    const uint64_t eoa = le_bytes(buf + at, 8);
    if (eoa != UINT64_MAX && eoa > (uint64_t)file_size) ok = 0;
  }
  for (int part = 0; part < 2 && ok; ++part) {
    int64_t from = part == 0 ? 0 : file_size - GHEAP_TAIL;
    int64_t to = part == 0 ? (file_size < GHEAP_SCAN ? file_size : GHEAP_SCAN) : file_size;
    if (part == 1 && from < GHEAP_SCAN) from = GHEAP_SCAN;
    for (int64_t at = from; ok && at < to; at += chunk) {
      int64_t want = to - at < chunk ? to - at : chunk;
      want += (to - at > want) ? 7 : 0; /* overlap so a signature across chunks is seen */
      if (fseeko(fp, (off_t)at, SEEK_SET) != 0) break;
      size_t got = fread(buf, 1, (size_t)want, fp);
      for (size_t i = 0; ok && i + 8 <= got; ++i)
        if (buf[i] == 'G' && !memcmp(buf + i, sig, 8))
          ok = gheap_collection_ok(fp, at + (int64_t)i, file_size);
    }
  }
  free(buf);
  return ok;
}

/* Collective: every rank probes; all fail together with the first failing rank's reason,
 * or with IN_DIFFERENT when a rank's file differs from rank 0's. */
static int check_input_path(rom_ctx *ctx, const char *path) {
  int err = ROM_OK, status = IN_OK, first = 0, rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  int64_t id[2], id0[2];
  MPI_Comm comm = rom_ctx_comm(ctx);
  static const char *const why[IN_COUNT] = {"",
                                            "no such file",
                                            "it is a directory",
                                            "not a regular file (a FIFO, socket or device)",
                                            "permission denied",
                                            "not an HDF5 file",
                                            "it differs from the file rank 0 sees (size or "
                                            "contents; every rank must see the same file)",
                                            "it is damaged (a global heap of its strings does "
                                            "not parse)"};
  status = probe_input(path, rank == 0, id); /* rank 0 checks the heaps for all */
  memcpy(id0, id, sizeof id);
  ROM_MPI(ctx, MPI_Bcast(id0, 2, MPI_INT64_T, 0, comm));
  if (status == IN_OK && (id[0] != id0[0] || id[1] != id0[1])) status = IN_DIFFERENT;
  first = status != IN_OK ? rank : size;
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) goto cleanup;
  ROM_MPI(ctx, MPI_Bcast(&status, 1, MPI_INT, first, comm));
  if (status < 0 || status >= IN_COUNT) status = IN_UNREADABLE;
  if (size == 1) ROM_FAIL(ctx, ROM_ERR_IO, "cannot open '%s': %s", path, why[status]);
  ROM_FAIL(ctx, ROM_ERR_IO, "cannot open '%s' on rank %d of %d: %s", path, first, size,
           why[status]);
cleanup:
  return err;
}

int rom_file_check(rom_ctx *ctx, const char *path) {
  int err = ROM_OK;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, path && *path, ROM_ERR_ARG, "rom_file_check needs a non-empty path");
  ROM_TRY(ctx, check_input_path(ctx, path));
cleanup:
  return err;
}

static int check_romkit_file(rom_h5 *f, const char *expected_kind) {
  int err = ROM_OK, found = 0;
  rom_ctx *ctx = f->ctx;
  char format[64], kind[128];
  int64_t version = 0;
  int max_version = ROM_FORMAT_VERSION;
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "format", format, sizeof format, &found));
  ROM_CHECK(ctx, found, ROM_ERR_FORMAT, "'%s' is not a romkit file (no 'format' attribute)",
            f->path);
  ROM_CHECK(ctx, strcmp(format, ROM_FORMAT_NAME) == 0, ROM_ERR_FORMAT,
            "'%s' is not a romkit file (format = '%s')", f->path, format);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "format_version", &version, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "kind", kind, sizeof kind, NULL));
  max_version = rom_format_version(kind);
  if (max_version == ROM_FORMAT_VERSION)
    ROM_CHECK(ctx, version == ROM_FORMAT_VERSION, ROM_ERR_FORMAT,
              "file '%s' has format_version %lld, this romkit reads %d", f->path,
              (long long)version, ROM_FORMAT_VERSION);
  ROM_CHECK(ctx, version >= 1 && version <= max_version, ROM_ERR_FORMAT,
            "file '%s' has format_version %lld, this romkit reads 1 to %d for kind '%s'", f->path,
            (long long)version, max_version, kind);
  f->format_version = version;
  ROM_CHECK(ctx, !expected_kind || strcmp(kind, expected_kind) == 0, ROM_ERR_FORMAT,
            "file '%s' is a '%s' file, expected '%s'", f->path, kind, expected_kind);
cleanup:
  return err;
}

int rom_h5_open(rom_ctx *ctx, const char *path, const char *expected_kind, rom_h5 **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  hid_t fapl = H5I_INVALID_HID;
  const char *name = NULL;
  rom_h5_quiet quiet;
  if (!ctx) return ROM_ERR_ARG;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, out && path && *path, ROM_ERR_ARG,
                "rom_h5_open needs a non-empty path and a non-NULL out");
  *out = NULL;
  ROM_TRY(ctx, check_input_path(ctx, path));
  ROM_TRY_ALL(ctx, handle_new(ctx, path, 0, &f));
  fapl = mpio_fapl(ctx, 0);
  ROM_CHECK_ALL(ctx, fapl >= 0, ROM_ERR_IO, "cannot set up parallel HDF5 (MPI-IO) for '%s'", path);
  ROM_TRY(ctx, mpiio_name(f, path, &name));
  f->file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
  ROM_CHECK_ALL(ctx, f->file >= 0, ROM_ERR_IO, "cannot open '%s' with parallel HDF5 (MPI-IO)",
                path);
  ROM_TRY(ctx, check_romkit_file(f, expected_kind));
  *out = f;
  f = NULL;
cleanup:
  rom_h5_release(&fapl);
  handle_free(&f);
  rom_h5_quiet_end(&quiet);
  return err;
}

/* ---- accessors ------------------------------------------------------------------------ */

hid_t rom_h5_id(const rom_h5 *f) {
  return f ? f->file : H5I_INVALID_HID;
}
int64_t rom_h5_format_version(const rom_h5 *f) {
  return f ? f->format_version : 0;
}
const char *rom_h5_path(const rom_h5 *f) {
  return f ? f->path : "";
}
rom_ctx *rom_h5_ctx(const rom_h5 *f) {
  return f ? f->ctx : NULL;
}
