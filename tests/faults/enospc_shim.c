/* An LD_PRELOAD shim that makes the disk look full: once a process has written
 * ROMKIT_ENOSPC_AFTER bytes (default 0) to regular files whose path starts with
 * ROMKIT_ENOSPC_DIR, every further write, pwrite, pwritev or writev to such a file fails
 * with ENOSPC (a write that would cross the limit writes the bytes up to it, as a file
 * system that fills up does). Everything else (the terminal, pipes, sockets, Open MPI's
 * shared memory, files elsewhere) is passed through untouched, so MPI keeps working.
 *
 * Built by tests/CMakeLists.txt as a shared library; tests/cli/write_faults.sh preloads it
 * into romkit (after libasan in the sanitizer build: the ASan runtime must come first).
 * The counter is per process, so at P ranks each rank gets its own budget.
 *
 * ROMKIT_WRITE_DELAY_US (microseconds) slows every such write down instead of (or as well
 * as) failing it: the kill tests (tests/cli/write_kill.sh) use it to catch a run in the
 * middle of a write without a hook in the library. */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -2; /* -2: not read yet; -1: no limit */
static long delay_us = 0;
static const char *prefix = NULL;
static size_t prefix_len = 0;

static void setup(void) {
  if (budget != -2) return;
  const char *k = getenv("ROMKIT_ENOSPC_AFTER");
  prefix = getenv("ROMKIT_ENOSPC_DIR");
  prefix_len = prefix ? strlen(prefix) : 0;
  const char *d = getenv("ROMKIT_WRITE_DELAY_US");
  budget = (k && *k && prefix_len) ? atoll(k) : -1;
  if (budget < -1) budget = 0;
  delay_us = d && *d ? atol(d) : 0;
}

/* True when fd is a regular file under the prefix (its path from /proc/self/fd). */
static int watched(int fd) {
  struct stat st;
  char link[64], path[PATH_MAX];
  setup();
  if (!prefix_len || (budget < 0 && delay_us <= 0) || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return 0;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return (size_t)n >= prefix_len && strncmp(path, prefix, prefix_len) == 0;
}

/* How many of `want` bytes may still be written (0: the disk is full). */
static size_t allow(size_t want) {
  if (delay_us > 0) usleep((useconds_t)delay_us);
  if (budget < 0) return want;
  if ((unsigned long long)budget >= want) {
    budget -= (long long)want;
    return want;
  }
  size_t n = (size_t)budget;
  budget = 0;
  return n;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);

/* The next definition of `name` (libc's); POSIX's way to store dlsym's result. */
#define NEXT(name, type)                                                                           \
  static type real = NULL;                                                                         \
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t count) {
  NEXT("write", write_fn);
  if (count && watched(fd)) {
    size_t n = allow(count);
    if (n == 0) {
      errno = ENOSPC;
      return -1;
    }
    count = n;
  }
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  NEXT("pwrite", pwrite_fn);
  if (count && watched(fd)) {
    size_t n = allow(count);
    if (n == 0) {
      errno = ENOSPC;
      return -1;
    }
    count = n;
  }
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
  return pwrite(fd, buf, count, offset);
}

/* The vector calls: the whole request or, at the limit, a shortened copy of the vector. */
static size_t iov_total(const struct iovec *iov, int n) {
  size_t total = 0;
  for (int i = 0; i < n; ++i)
    total += iov[i].iov_len;
  return total;
}

static int iov_clip(const struct iovec *iov, int n, size_t keep, struct iovec *out) {
  int m = 0;
  for (int i = 0; i < n && keep > 0 && m < 64; ++i, ++m) {
    out[m] = iov[i];
    if (out[m].iov_len > keep) out[m].iov_len = keep;
    keep -= out[m].iov_len;
  }
  return m;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  NEXT("writev", writev_fn);
  size_t total = iov_total(iov, iovcnt);
  if (total && watched(fd)) {
    size_t n = allow(total);
    if (n == 0) {
      errno = ENOSPC;
      return -1;
    }
    if (n < total) {
      struct iovec clipped[64];
      return real(fd, clipped, iov_clip(iov, iovcnt, n, clipped));
    }
  }
  return real(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  NEXT("pwritev", pwritev_fn);
  size_t total = iov_total(iov, iovcnt);
  if (total && watched(fd)) {
    size_t n = allow(total);
    if (n == 0) {
      errno = ENOSPC;
      return -1;
    }
    if (n < total) {
      struct iovec clipped[64];
      return real(fd, clipped, iov_clip(iov, iovcnt, n, clipped), offset);
    }
  }
  return real(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  return pwritev(fd, iov, iovcnt, offset);
}
