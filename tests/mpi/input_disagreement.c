/* Ranks that see different input files (docs/reliability.md, "MPI: ranks that see
 * different input files"): parallel HDF5 trusts that every rank opens the same file, so
 * a rank that cannot see it, sees a truncated copy, a file of another kind or a FIFO used
 * to fail alone inside a collective call and leave the others waiting forever. Here the
 * last rank passes its own path to every reader (snapshots, basis, out-of-core POD,
 * hyper-reduction, autoencoder, libROM basis, rom_file_check) while the others pass the
 * good file: every rank must return the same error within seconds, ROM_ERR_IO, and the
 * message must name the file (and the rank, with more than one). At one rank the last
 * rank is rank 0: the same calls must fail cleanly too. An alarm turns a hang into a
 * failure long before ctest's timeout. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N 24
#define M 5
#define HANG_SECONDS 60

enum { BAD_MISSING, BAD_TRUNCATED, BAD_OTHER_KIND, BAD_FIFO, BAD_COUNT };
static const char *const bad_names[BAD_COUNT] = {"missing", "truncated", "another kind", "FIFO"};

static void copy_prefix(const char *from, const char *to, long bytes) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[4096];
  long left = bytes;
  while (in && out && left > 0) {
    size_t n = fread(buf, 1, (size_t)(left < 4096 ? left : 4096), in);
    if (n == 0) break;
    fwrite(buf, 1, n, out);
    left -= (long)n;
  }
  if (in) fclose(in);
  if (out) fclose(out);
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

typedef int (*reader_fn)(rom_ctx *ctx, const char *path);

static int read_snapshots(rom_ctx *ctx, const char *path) {
  rom_dmat *m = NULL;
  int rc = rom_snapshots_read(ctx, path, ROM_AUTO_ROWS, &m);
  rom_dmat_destroy(&m);
  return rc;
}
static int read_basis(rom_ctx *ctx, const char *path) {
  rom_basis *b = NULL;
  int rc = rom_basis_read(ctx, path, ROM_AUTO_ROWS, &b);
  rom_basis_destroy(&b);
  return rc;
}
static int pod_file(rom_ctx *ctx, const char *path) {
  rom_basis *b = NULL;
  rom_pod_options o = rom_pod_options_default();
  o.method = ROM_SVD_INCREMENTAL;
  o.rank = 2;
  int rc = rom_pod_compute_file(ctx, path, &o, &b);
  rom_basis_destroy(&b);
  return rc;
}
static int read_ae(rom_ctx *ctx, const char *path) {
  rom_ae *ae = NULL;
  int rc = rom_ae_read(ctx, path, &ae);
  rom_ae_destroy(&ae);
  return rc;
}
static int read_hyper(rom_ctx *ctx, const char *path) {
  rom_hyper *hr = NULL;
  int rc = rom_hyper_read(ctx, path, &hr);
  rom_hyper_destroy(&hr);
  return rc;
}
static int check_only(rom_ctx *ctx, const char *path) {
  return rom_file_check(ctx, path);
}
/* path is the libROM base name; its file is "<path>.000000" */
static int read_librom(rom_ctx *ctx, const char *path) {
  rom_basis *b = NULL;
  int rc = rom_basis_read_librom(ctx, path, &b);
  rom_basis_destroy(&b);
  return rc;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx), odd = size - 1;
  char good[512], other[512], lr[512], bad[BAD_COUNT][512], lrbad[BAD_COUNT][512];
  char basis_path[512], ae_path[512], hyper_path[512], other_snap[512];
  rom_snapshots *s = NULL;
  rom_basis *b = NULL;
  rom_ae *ae = NULL;
  rom_hyper *hr = NULL;
  const rom_dmat *S = NULL;
  alarm(HANG_SECONDS); /* a hang fails the test (SIGALRM) instead of waiting for ctest */

  test_path(ctx, "disagree_snap", good, sizeof good);
  test_path(ctx, "disagree_basis", basis_path, sizeof basis_path);
  test_path(ctx, "disagree_ae", ae_path, sizeof ae_path);
  test_path(ctx, "disagree_hyper", hyper_path, sizeof hyper_path);
  snprintf(other, sizeof other, "%s", basis_path);
  snprintf(lr, sizeof lr, "%s/disagree_lr.np%d", test_dir(), size);
  for (int k = 0; k < BAD_COUNT; ++k) {
    snprintf(bad[k], sizeof bad[k], "%s/disagree_bad%d.np%d.h5", test_dir(), k, size);
    snprintf(lrbad[k], sizeof lrbad[k], "%s/disagree_lrbad%d.np%d", test_dir(), k, size);
  }
  /* "another kind": a basis file for the readers of the others, a snapshot file for it */
  snprintf(other_snap, sizeof other_snap, "%s/disagree_other_snap.np%d.h5", test_dir(), size);

  /* the good files, written collectively */
  rom_int L = rom_dmat_partition_even(N, rank, size);
  CHECK_OK(ctx, rom_snapshots_create(ctx, L, NULL, &s));
  {
    double u[N];
    rom_int off = 0;
    MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
    if (rank == 0) off = 0;
    for (int j = 0; j < M; ++j) {
      for (rom_int i = 0; i < L; ++i)
        u[i] = sin(0.3 * (double)(j + 1) * (double)(off + i)) + 0.1 * j;
      CHECK_OK(ctx, rom_snapshots_add(s, u));
    }
  }
  CHECK_OK(ctx, rom_snapshots_write(s, good, 1));
  CHECK_OK(ctx, rom_snapshots_matrix(s, &S));
  {
    rom_pod_options o = rom_pod_options_default();
    CHECK_OK(ctx, rom_pod_compute(S, &o, &b));
  }
  CHECK_OK(ctx, rom_basis_write(b, basis_path, 1));
  CHECK_OK(ctx, rom_basis_write_librom(b, lr, 1));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 8, 2, 8, ROM_ACT_SWISH, 0, NULL, 3, &ae));
  CHECK_OK(ctx, rom_ae_write(ae, ae_path, 1));
  {
    rom_hyper_options o = rom_hyper_options_default();
    o.num_samples = 3;
    o.residual_dim = 2;
    CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, rom_basis_vectors(b), &o, &hr));
  }
  CHECK_OK(ctx, rom_hyper_write(hr, hyper_path, 1));

  /* the damaged views, made by the odd rank only (the others never look at them) */
  if (rank == odd) {
    char lr0[600];
    snprintf(lr0, sizeof lr0, "%s.000000", lr);
    remove(bad[BAD_MISSING]);
    copy_prefix(good, bad[BAD_TRUNCATED], file_size(good) / 2);
    copy_prefix(basis_path, bad[BAD_OTHER_KIND], file_size(basis_path));
    copy_prefix(good, other_snap, file_size(good));
    remove(bad[BAD_FIFO]);
    CHECK(mkfifo(bad[BAD_FIFO], 0600) == 0, "mkfifo '%s'", bad[BAD_FIFO]);
    /* libROM: the same four, as "<base>.000000" */
    char name[2100];
    for (int k = 0; k < BAD_COUNT; ++k) {
      snprintf(name, sizeof name, "%s.000000", lrbad[k]);
      remove(name);
      if (k == BAD_TRUNCATED) copy_prefix(lr0, name, file_size(lr0) / 2);
      if (k == BAD_OTHER_KIND) copy_prefix(good, name, file_size(good));
      if (k == BAD_FIFO) CHECK(mkfifo(name, 0600) == 0, "mkfifo '%s'", name);
    }
  }
  MPI_Barrier(rom_ctx_comm(ctx));

  struct {
    const char *name;
    reader_fn read;
    const char *good;
    int kind_matters; /* a file of another kind is refused even when every rank sees it */
  } readers[] = {
      {"rom_snapshots_read", read_snapshots, good, 1},
      {"rom_pod_compute_file", pod_file, good, 1},
      {"rom_file_check", check_only, good, 0},
      {"rom_basis_read", read_basis, basis_path, 1},
      {"rom_ae_read", read_ae, ae_path, 1},
      {"rom_hyper_read", read_hyper, hyper_path, 1},
      {"rom_basis_read_librom", read_librom, lr, 1},
  };
  const int nreaders = (int)(sizeof readers / sizeof readers[0]);
  for (int r = 0; r < nreaders; ++r) {
    int librom = readers[r].read == read_librom;
    CHECK_OK(ctx, readers[r].read(ctx, readers[r].good)); /* every rank sees the good file */
    for (int k = 0; k < BAD_COUNT; ++k) {
      const char *mine = rank != odd                                              ? readers[r].good
                         : librom                                                 ? lrbad[k]
                         : (k == BAD_OTHER_KIND && readers[r].read == read_basis) ? other_snap
                                                                                  : bad[k];
      double t0 = MPI_Wtime();
      int rc = readers[r].read(ctx, mine);
      double seconds = MPI_Wtime() - t0;
      const char *msg = rom_ctx_last_error(ctx);
      /* the other kind is a valid file of its own: at one rank rom_file_check accepts it */
      int expect_ok = k == BAD_OTHER_KIND && size == 1 && !readers[r].kind_matters;
      int rcs[2] = {rc, -rc}, agreed[2];
      MPI_Allreduce(rcs, agreed, 2, MPI_INT, MPI_MIN, rom_ctx_comm(ctx));
      CHECK(agreed[0] == -agreed[1], "%s, %s file on rank %d: ranks disagree on the error",
            readers[r].name, bad_names[k], odd);
      if (expect_ok) {
        CHECK(rc == ROM_OK, "%s, %s file at one rank: %s", readers[r].name, bad_names[k], msg);
        continue;
      }
      CHECK(rc != ROM_OK, "%s, %s file on rank %d: accepted", readers[r].name, bad_names[k], odd);
      /* the libROM reader opens per-rank files serially: its errors are IO or FORMAT/DIM */
      /* one rank: another kind is ROM_ERR_FORMAT ("is a 'basis' file, expected ..."); the
       * libROM reader opens per-rank files serially: IO, FORMAT or DIM */
      int want = (size == 1 && k == BAD_OTHER_KIND) ? ROM_ERR_FORMAT : ROM_ERR_IO;
      CHECK(librom || rc == want, "%s, %s file on rank %d: %s, expected %s (%s)", readers[r].name,
            bad_names[k], odd, rom_error_name(rc), rom_error_name(want), msg);
      CHECK(seconds < 20.0, "%s, %s file: took %.1f s", readers[r].name, bad_names[k], seconds);
      if (rank == odd && !librom)
        CHECK(strstr(msg, mine) != NULL, "%s: the message names the file: %s", readers[r].name,
              msg);
      if (size > 1 && rank == 0 && !librom)
        CHECK(strstr(msg, "rank") != NULL, "%s, %s: rank 0's message names the rank: %s",
              readers[r].name, bad_names[k], msg);
    }
  }

  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == odd) {
    char name[2100];
    for (int k = 0; k < BAD_COUNT; ++k) {
      remove(bad[k]);
      snprintf(name, sizeof name, "%s.000000", lrbad[k]);
      remove(name);
    }
    remove(other_snap);
  }
  rom_hyper_destroy(&hr);
  rom_ae_destroy(&ae);
  rom_basis_destroy(&b);
  rom_snapshots_destroy(&s);
  return test_finish(&ctx);
}
