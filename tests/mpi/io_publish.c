/* Output files (librom/io/h5_publish.c, romkit/output.h) at 1, 2 and 4 ranks:
 *   - a file is written under a unique temporary name "<path>.<pid>-<random>.partial" and
 *     only that (a user's own "<path>.partial" is never touched);
 *   - without overwrite, a target that appears while the file is written is left as it is
 *     (ROM_ERR_EXISTS naming it) and the temporary file is removed;
 *   - held outputs appear only on rom_outputs_publish, all of them, and rom_outputs_discard
 *     leaves nothing; rom_outputs_hold twice is ROM_ERR_STATE;
 *   - rom_output_check: existing file, missing directory, overwrite;
 *   - rom_h5_check_output per rank: a directory that only rank 0 sees fails on every rank. */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include "io/h5.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Number of files in the test directory whose name starts with `prefix` and ends in
 * ".partial" (rank 0's view). */
static int temporaries(const char *prefix) {
  int n = 0;
  DIR *d = opendir(test_dir());
  struct dirent *e;
  size_t lp = strlen(prefix);
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (!strncmp(e->d_name, prefix, lp) && len > 8 && !strcmp(e->d_name + len - 8, ".partial")) ++n;
  }
  if (d) closedir(d);
  return n;
}

static int write_small(rom_ctx *ctx, const char *path, int overwrite, double value) {
  rom_h5 *f = NULL;
  rom_int dims[1] = {3};
  double data[3] = {value, value, value};
  int err = rom_h5_create(ctx, path, "test", overwrite, &f);
  if (err == ROM_OK) err = rom_h5_write_array(f, "a", 1, dims, data);
  if (err == ROM_OK) return rom_h5_commit(&f);
  rom_h5_abort(&f);
  return err;
}

static double read_small(rom_ctx *ctx, const char *path) {
  rom_h5 *f = NULL;
  rom_int dims[1] = {3};
  double data[3] = {-1, -1, -1};
  if (rom_h5_open(ctx, path, "test", &f) == ROM_OK) rom_h5_read_array(f, "a", 1, dims, data);
  rom_h5_close(&f);
  return data[0];
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  char a[600], b[600], user_partial[640], base[128], missing[700];
  rom_h5 *f = NULL;
  test_path(ctx, "io_publish_a", a, sizeof a);
  test_path(ctx, "io_publish_b", b, sizeof b);
  snprintf(base, sizeof base, "io_publish_a.np%d.h5", size);
  snprintf(user_partial, sizeof user_partial, "%s.partial", a);
  if (rank == 0) {
    remove(a);
    remove(b);
    FILE *u = fopen(user_partial, "w");
    if (u) fputs("the user's own file\n", u), fclose(u);
  }
  MPI_Barrier(rom_ctx_comm(ctx));

  /* a unique temporary name while writing; the user's "<path>.partial" untouched */
  CHECK_OK(ctx, rom_h5_create(ctx, a, "test", 0, &f));
  if (rank == 0) CHECK(temporaries(base) == 2, "the writer's temporary file beside the user's");
  CHECK(!exists(a), "nothing under the final name while writing");
  CHECK_OK(ctx, rom_h5_commit(&f));
  if (rank == 0) {
    CHECK(exists(a) && temporaries(base) == 1, "published; only the user's .partial is left");
    char line[64] = "";
    FILE *u = fopen(user_partial, "r");
    if (u) {
      if (!fgets(line, sizeof line, u)) line[0] = '\0';
      fclose(u);
    }
    CHECK(!strcmp(line, "the user's own file\n"), "the user's '%s' is untouched", user_partial);
  }

  /* a target that appears while writing (another run finished first) is not replaced */
  if (rank == 0) remove(a);
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_OK(ctx, rom_h5_create(ctx, a, "test", 0, &f));
  if (f) {
    rom_int dims[1] = {3};
    double data[3] = {1, 1, 1};
    CHECK_OK(ctx, rom_h5_write_array(f, "a", 1, dims, data));
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) { /* "another run" on rank 0 alone writes the target meanwhile */
    rom_ctx *self = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    CHECK_OK(self, write_small(self, a, 0, 7.0));
    rom_ctx_destroy(&self);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_h5_commit(&f), ROM_ERR_EXISTS);
  CHECK(strstr(rom_ctx_last_error(ctx), a) != NULL, "the message names '%s': %s", a,
        rom_ctx_last_error(ctx));
  CHECK(read_small(ctx, a) == 7.0, "the other run's file is left as it was");
  if (rank == 0) CHECK(temporaries(base) == 1, "the new data's temporary file is removed");

  /* held outputs: all or none */
  if (rank == 0) remove(a);
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_OK(ctx, rom_outputs_hold(ctx));
  CHECK_ERR(ctx, rom_outputs_hold(ctx), ROM_ERR_STATE);
  CHECK_OK(ctx, write_small(ctx, a, 0, 2.0));
  CHECK_OK(ctx, write_small(ctx, b, 0, 3.0));
  CHECK(!exists(a) && !exists(b), "held files do not appear before publishing");
  CHECK_OK(ctx, rom_outputs_publish(ctx));
  CHECK(read_small(ctx, a) == 2.0 && read_small(ctx, b) == 3.0, "both files published");
  CHECK_OK(ctx, rom_outputs_hold(ctx));
  CHECK_OK(ctx, write_small(ctx, a, 1, 4.0));
  rom_outputs_discard(ctx);
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK(read_small(ctx, a) == 2.0, "a discarded overwrite leaves the old file");
  if (rank == 0) CHECK(temporaries(base) == 1, "discard removes the temporary files");
  /* publishing fails when one target appeared meanwhile: none of the held files appears */
  if (rank == 0) remove(b), remove(a);
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_OK(ctx, rom_outputs_hold(ctx));
  CHECK_OK(ctx, write_small(ctx, b, 0, 5.0));
  CHECK_OK(ctx, write_small(ctx, a, 0, 6.0));
  if (rank == 0) {
    rom_ctx *self = NULL;
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    CHECK_OK(self, write_small(self, a, 0, 8.0));
    rom_ctx_destroy(&self);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_outputs_publish(ctx), ROM_ERR_EXISTS);
  CHECK(!exists(b), "the file published before the failing one is taken back");
  CHECK(read_small(ctx, a) == 8.0, "the target that appeared is untouched");
  if (rank == 0) CHECK(temporaries(base) == 1, "no temporary file is left");

  /* rom_output_check */
  snprintf(missing, sizeof missing, "%s/no_such_dir/x.h5", test_dir());
  CHECK_ERR(ctx, rom_output_check(ctx, a, 0), ROM_ERR_EXISTS);
  CHECK_OK(ctx, rom_output_check(ctx, a, 1));
  CHECK_ERR(ctx, rom_output_check(ctx, missing, 1), ROM_ERR_IO);
  CHECK_ERR(ctx, rom_output_check(ctx, test_dir(), 1), ROM_ERR_IO);
  if (size > 1) { /* a directory that only rank 0 has: every rank fails, none hangs */
    char mine[700], path[760];
    snprintf(mine, sizeof mine, "%s/io_publish_rank0_only.np%d", test_dir(), size);
    if (rank == 0) mkdir(mine, 0755);
    snprintf(path, sizeof path, "%s/x.h5", rank == 0 ? mine : missing);
    CHECK_ERR(ctx, rom_h5_check_output(ctx, path, 0, 1), ROM_ERR_IO);
    MPI_Barrier(rom_ctx_comm(ctx));
    if (rank == 0) rmdir(mine);
  }

  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) {
    remove(a);
    remove(b);
    remove(user_partial);
  }
  return test_finish(&ctx);
}
