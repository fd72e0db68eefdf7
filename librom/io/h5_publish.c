/* Output files: checking them before the work, unique temporary files, publishing them
 * under the user's name (at once, or held back and published together).
 *
 * Why a unique temporary name: when every run wrote "<path>.partial" and truncated it,
 * two runs writing the same output overwrote each other's half-written file, a user's own
 * "q.h5.partial" was truncated and renamed, and a "<path>.partial" symlink was followed.
 * Now rank 0 makes "<path>.<pid>-<random>.partial" with O_CREAT | O_EXCL | O_NOFOLLOW
 * (open(2): it fails on any existing name, a symlink included), retrying with a new
 * random part on EEXIST, and broadcasts the name ("<directory>/.romkit.<pid>-<random>.partial"
 * when the file's own name is too long to take the suffix). A killed run leaves its temporary file
 * behind under that name; it never blocks a later run (docs/reliability.md says how to
 * find and remove them).
 *
 * Why link / RENAME_NOREPLACE: without overwrite the target must not be replaced even if
 * it appeared while the file was written (another run finished first). renameat2(2) with
 * RENAME_NOREPLACE does that atomically where the file system supports it; otherwise
 * link(2), which fails with EEXIST, then unlink of the temporary name. Only on a file
 * system with neither (no hard links) is it a check followed by rename(2). With overwrite,
 * rename(2) replaces the target atomically: readers see the old file or the new one. */
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE (glibc >= 2.28) */

#include "io/h5_impl.h"
#include "romkit/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- checking outputs ------------------------------------------------------------------ */

enum { OUT_OK = 0, OUT_EXISTS, OUT_IS_DIRECTORY, OUT_NO_DIRECTORY, OUT_NOT_WRITABLE, OUT_NOMEM };

/* What stands in the way of writing `path` here: status[0] for the path itself, status[1]
 * for its directory. Not collective. */
static void probe_output(const char *path, int status[2]) {
  struct stat st;
  size_t len = strlen(path);
  char *dir = malloc(len + 2);
  status[0] =
      lstat(path, &st) == 0 ? (S_ISDIR(st.st_mode) ? OUT_IS_DIRECTORY : OUT_EXISTS) : OUT_OK;
  status[1] = OUT_OK;
  if (!dir) {
    status[1] = OUT_NOMEM;
    return;
  }
  memcpy(dir, path, len + 1);
  char *slash = strrchr(dir, '/');
  if (!slash)
    strcpy(dir, ".");
  else if (slash == dir)
    dir[1] = '\0'; /* "/file" lives in "/" */
  else
    *slash = '\0';
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    status[1] = OUT_NO_DIRECTORY;
  else if (access(dir, W_OK | X_OK) != 0)
    status[1] = OUT_NOT_WRITABLE;
  free(dir);
}

int rom_h5_check_output(rom_ctx *ctx, const char *path, int overwrite, int per_rank) {
  int err = ROM_OK, status[2] = {OUT_OK, OUT_OK}, here[2] = {OUT_OK, OUT_OK};
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, path && *path, ROM_ERR_ARG, "the output path is NULL or empty");
  probe_output(path, here);
  /* The directory on every rank: a directory that exists on rank 0 only would otherwise
   * let rank 0 create the file and the others fail inside a collective HDF5 call. */
  ROM_CHECK_ALL(ctx, here[1] != OUT_NOMEM, ROM_ERR_NOMEM, "out of memory checking '%s'", path);
  ROM_CHECK_ALL(ctx, here[1] != OUT_NO_DIRECTORY, ROM_ERR_IO,
                "cannot write '%s': its directory does not exist (on rank %d)", path,
                rom_ctx_rank(ctx));
  ROM_CHECK_ALL(ctx, here[1] != OUT_NOT_WRITABLE, ROM_ERR_IO,
                "cannot write '%s': its directory is not writable (on rank %d)", path,
                rom_ctx_rank(ctx));
  if (per_rank) { /* every rank's own file */
    ROM_CHECK_ALL(ctx, here[0] != OUT_IS_DIRECTORY, ROM_ERR_IO,
                  "cannot write '%s': it is a directory", path);
    ROM_CHECK_ALL(ctx, here[0] != OUT_EXISTS || overwrite, ROM_ERR_EXISTS,
                  "output file '%s' exists; pass overwrite to replace it", path);
  } else { /* rank 0 publishes, so its view of the target counts */
    status[0] = here[0];
    ROM_MPI(ctx, MPI_Bcast(status, 1, MPI_INT, 0, rom_ctx_comm(ctx)));
    ROM_CHECK(ctx, status[0] != OUT_IS_DIRECTORY, ROM_ERR_IO,
              "cannot write '%s': it is a directory", path);
    ROM_CHECK(ctx, status[0] != OUT_EXISTS || overwrite, ROM_ERR_EXISTS,
              "output file '%s' exists; pass overwrite to replace it", path);
  }
cleanup:
  return err;
}

int rom_output_check(rom_ctx *ctx, const char *path, int overwrite) {
  return rom_h5_check_output(ctx, path, overwrite, 0);
}

/* ---- temporary files --------------------------------------------------------------------- */

/* A random part for the name: /dev/urandom, or the clock when it cannot be read. */
static void random_part(char out[9]) {
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[8] = {0};
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, bytes, sizeof bytes) : -1;
  if (fd >= 0) close(fd);
  if (got != (ssize_t)sizeof bytes) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^
                 ((uint64_t)getpid() << 32);
    for (int i = 0; i < 8; ++i, x = x * 6364136223846793005ull + 1442695040888963407ull)
      bytes[i] ^= (unsigned char)(x >> 56);
  }
  for (int i = 0; i < 8; ++i)
    out[i] = digits[bytes[i] % (sizeof digits - 1)];
  out[8] = '\0';
}

/* The suffix every temporary file of one write shares: ".<pid>-<random>.partial". */
#define TEMP_SUFFIX_MAX 48

static void make_suffix(char suffix[TEMP_SUFFIX_MAX]) {
  char rnd[9];
  random_part(rnd);
  snprintf(suffix, TEMP_SUFFIX_MAX, ".%ld-%s.partial", (long)getpid(), rnd);
}

/* Creates `name` exclusively, never through a symlink; 0 or errno. */
static int create_exclusive(const char *name, dev_t *dev, ino_t *ino) {
  struct stat st;
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  int e = fstat(fd, &st) == 0 ? 0 : errno;
  close(fd);
  if (!e) {
    *dev = st.st_dev;
    *ino = st.st_ino;
  } else {
    unlink(name);
  }
  return e;
}

/* "<path><suffix>", or "<directory>/.romkit<suffix>" when the file name and the suffix would
 * pass the file system's limit on a name (NAME_MAX, 255 on Linux). */
static void temp_name(const char *path, const char *suffix, char *name, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (strlen(base) + strlen(suffix) <= 250)
    snprintf(name, size, "%s%s", path, suffix);
  else
    snprintf(name, size, "%.*s.romkit%s", (int)(base - path), path, suffix);
}

int rom_h5_temp_create(rom_ctx *ctx, const char *path, int per_rank, char **tmp, dev_t *dev,
                       ino_t *ino) {
  int err = ROM_OK, result = 0;
  size_t len = strlen(path);
  char suffix[TEMP_SUFFIX_MAX] = {0};
  char *name = NULL;
  *tmp = NULL;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, len + TEMP_SUFFIX_MAX, (void **)&name));
  if (per_rank) {
    /* rank 0's pid and random part for every rank's file: one write, one suffix */
    if (rom_ctx_rank(ctx) == 0) make_suffix(suffix);
    ROM_MPI(ctx, MPI_Bcast(suffix, TEMP_SUFFIX_MAX, MPI_CHAR, 0, rom_ctx_comm(ctx)));
    suffix[TEMP_SUFFIX_MAX - 1] = '\0';
    temp_name(path, suffix, name, len + TEMP_SUFFIX_MAX);
    result = create_exclusive(name, dev, ino);
    ROM_CHECK_ALL(ctx, result == 0, ROM_ERR_IO,
                  "cannot create the temporary file '%s' for '%s': %s", name, path,
                  strerror(result));
  } else {
    if (rom_ctx_rank(ctx) == 0) { /* a new random part while the name is taken */
      for (int attempt = 0; attempt < 32; ++attempt) {
        make_suffix(suffix);
        temp_name(path, suffix, name, len + TEMP_SUFFIX_MAX);
        result = create_exclusive(name, dev, ino);
        if (result != EEXIST) break;
      }
    }
    ROM_MPI(ctx, MPI_Bcast(&result, 1, MPI_INT, 0, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Bcast(suffix, TEMP_SUFFIX_MAX, MPI_CHAR, 0, rom_ctx_comm(ctx)));
    suffix[TEMP_SUFFIX_MAX - 1] = '\0';
    temp_name(path, suffix, name, len + TEMP_SUFFIX_MAX);
    ROM_CHECK(ctx, result == 0, ROM_ERR_IO, "cannot create the temporary file '%s' for '%s': %s",
              name, path, strerror(result));
  }
  *tmp = name;
  name = NULL;
cleanup:
  rom_free(ctx, name);
  return err;
}

int rom_h5_temp_unchanged(const char *tmp, dev_t dev, ino_t ino) {
  struct stat st;
  return lstat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

/* ---- publishing ---------------------------------------------------------------------------- */

/* Puts tmp under path: 0 or errno (EEXIST: path exists and overwrite is 0). Not collective. */
static int publish_one(const char *tmp, const char *path, int overwrite) {
  struct stat st;
  if (overwrite) return rename(tmp, path) == 0 ? 0 : errno;
#ifdef RENAME_NOREPLACE
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP && errno != EOPNOTSUPP) return errno;
#endif
  if (link(tmp, path) == 0) {
    unlink(tmp);
    return 0;
  }
  if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS) return errno;
  /* no hard links here (e.g. some network or FAT file systems): check, then rename */
  if (lstat(path, &st) == 0) return EEXIST;
  return rename(tmp, path) == 0 ? 0 : errno;
}

typedef struct {
  char *tmp, *path;
  int overwrite;
  int mine;      /* this rank publishes it (rank 0 for shared files; each rank its own) */
  int published; /* while publishing: done here */
} held_file;

typedef struct {
  held_file *files;
  int n, cap;
} held_set;

/* Publishes every file of the set that is this rank's; all or none (see the header).
 * Frees nothing. Collective. */
static int publish_set(rom_ctx *ctx, held_set *set) {
  int err = ROM_OK, failed = -1, why = 0;
  for (int i = 0; i < set->n && failed < 0; ++i) {
    held_file *h = &set->files[i];
    if (!h->mine) continue;
    why = publish_one(h->tmp, h->path, h->overwrite);
    if (why)
      failed = i;
    else
      h->published = 1;
  }
  {
    int local = failed < 0 ? ROM_OK : why == EEXIST ? ROM_ERR_EXISTS : ROM_ERR_IO;
    int agreed = rom_agree_error(ctx, local); /* one code on every rank */
    if (agreed == ROM_OK) goto cleanup;
    for (int i = 0; i < set->n; ++i) { /* take back what was published; drop the rest */
      held_file *h = &set->files[i];
      if (!h->mine) continue;
      if (h->published && !h->overwrite)
        unlink(h->path);
      else if (!h->published)
        unlink(h->tmp);
      h->published = 0;
    }
    MPI_Barrier(rom_ctx_comm(ctx)); /* the files are as they will stay when this returns */
    if (local != agreed)
      ROM_FAIL(ctx, agreed, "publishing the output files ('%s'%s) failed on another rank",
               set->n ? set->files[0].path : "", set->n > 1 ? ", ..." : "");
    const held_file *h = &set->files[failed];
    if (why == EEXIST)
      ROM_FAIL(ctx, ROM_ERR_EXISTS,
               "output file '%s' appeared while it was being written (another run?); it was "
               "left as it is and the new data removed (pass overwrite to replace it)",
               h->path);
    ROM_FAIL(ctx, ROM_ERR_IO, "cannot rename '%s' to '%s': %s", h->tmp, h->path, strerror(why));
  }
cleanup:
  return err;
}

static void held_free(rom_ctx *ctx, held_set *set) {
  if (!set) return;
  for (int i = 0; i < set->n; ++i) {
    rom_free(ctx, set->files[i].tmp);
    rom_free(ctx, set->files[i].path);
  }
  rom_free(ctx, set->files);
  rom_free(ctx, set);
}

/* The context is destroyed with files still held: remove this rank's temporaries. */
static void held_release(rom_ctx *ctx, void *outputs) {
  held_set *set = outputs;
  for (int i = 0; set && i < set->n; ++i)
    if (set->files[i].mine) unlink(set->files[i].tmp);
  held_free(ctx, set);
}

static int copy_text(rom_ctx *ctx, const char *s, char **out) {
  size_t n = strlen(s) + 1;
  int err = rom_malloc(ctx, n, (void **)out);
  if (err == ROM_OK) memcpy(*out, s, n);
  return err;
}

int rom_h5_temp_finish(rom_ctx *ctx, const char *tmp, const char *path, int overwrite, int mine) {
  int err = ROM_OK;
  held_set *set = rom_ctx_outputs(ctx);
  if (!set) { /* publish now */
    held_file one = {(char *)tmp, (char *)path, overwrite, mine, 0};
    held_set single = {&one, 1, 1};
    ROM_TRY(ctx, publish_set(ctx, &single));
    goto cleanup;
  }
  {
    int local = ROM_OK;
    if (set->n == set->cap) {
      held_file *grown = NULL;
      int cap = set->cap ? 2 * set->cap : 4;
      local = rom_calloc(ctx, (size_t)cap, sizeof *grown, (void **)&grown);
      if (local == ROM_OK) {
        if (set->n) memcpy(grown, set->files, sizeof *grown * (size_t)set->n);
        rom_free(ctx, set->files);
        set->files = grown;
        set->cap = cap;
      }
    }
    held_file *h = local == ROM_OK ? &set->files[set->n] : NULL;
    if (h) {
      memset(h, 0, sizeof *h);
      local = copy_text(ctx, tmp, &h->tmp);
      if (local == ROM_OK) local = copy_text(ctx, path, &h->path);
      if (local == ROM_OK) {
        h->overwrite = overwrite;
        h->mine = mine;
        set->n++;
      } else {
        rom_free(ctx, h->tmp);
        rom_free(ctx, h->path);
      }
    }
    ROM_TRY_ALL(ctx, local);
  }
cleanup:
  if (err != ROM_OK && mine) unlink(tmp);
  return err;
}

int rom_outputs_hold(rom_ctx *ctx) {
  int err = ROM_OK;
  held_set *set = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, rom_ctx_outputs(ctx) == NULL, ROM_ERR_STATE,
                "rom_outputs_hold: files are already held (publish or discard them first)");
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *set, (void **)&set));
  rom_ctx_set_outputs(ctx, set, held_release);
  set = NULL;
cleanup:
  rom_free(ctx, set);
  return err;
}

int rom_outputs_publish(rom_ctx *ctx) {
  int err = ROM_OK;
  held_set *set = NULL;
  if (!ctx) return ROM_ERR_ARG;
  set = rom_ctx_outputs(ctx);
  ROM_CHECK_ALL(ctx, set != NULL, ROM_ERR_STATE,
                "rom_outputs_publish: no files are held (rom_outputs_hold first)");
  rom_ctx_set_outputs(ctx, NULL, NULL);
  ROM_TRY(ctx, publish_set(ctx, set));
cleanup:
  held_free(ctx, set);
  return err;
}

void rom_outputs_discard(rom_ctx *ctx) {
  held_set *set = rom_ctx_outputs(ctx);
  if (!set) return;
  rom_ctx_set_outputs(ctx, NULL, NULL);
  held_release(ctx, set);
}
