/* romkit test harness implementation. */
#include "testutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

long test_passed = 0, test_failed = 0;
static char test_name[256] = "test";

rom_ctx *test_init(int *argc, char ***argv) {
  MPI_Init(argc, argv);
  const char *slash = strrchr((*argv)[0], '/');
  snprintf(test_name, sizeof test_name, "%s", slash ? slash + 1 : (*argv)[0]);
  rom_ctx *ctx = NULL;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) {
    fprintf(stderr, "%s: cannot create a romkit context\n", test_name);
    MPI_Finalize();
    exit(1);
  }
  if (getenv("ROMKIT_LOG")) rom_ctx_set_log_level(ctx, (rom_log_level)atoi(getenv("ROMKIT_LOG")));
  return ctx;
}

void test_record(int ok, const char *file, int line, const char *fmt, ...) {
  if (ok) {
    test_passed++;
    return;
  }
  test_failed++;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *slash = strrchr(file, '/');
  fprintf(stderr, "FAIL [rank %d] %s:%d: ", rank, slash ? slash + 1 : file, line);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
}

int test_finish(rom_ctx **ctx) {
  /* romkit's own allocation accounting doubles as a leak check: every object the test
   * created must have been destroyed (LeakSanitizer cannot tell Open MPI's plugin
   * leaks from ours, this can). */
  size_t in_use = rom_ctx_bytes_in_use(*ctx);
  CHECK(in_use == 0, "romkit still holds %zu bytes at the end of the test (a leak)", in_use);
  long counts[2] = {test_passed, test_failed}, total[2] = {0, 0};
  MPI_Allreduce(counts, total, 2, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == 0) printf("%s(np=%d): %ld passed, %ld failed\n", test_name, size, total[0], total[1]);
  if (total[0] == 0 && rank == 0) fprintf(stderr, "%s: no checks ran\n", test_name);
  rom_ctx_destroy(ctx);
  MPI_Finalize();
  return (total[1] == 0 && total[0] > 0) ? 0 : 1;
}

const char *test_dir(void) {
  const char *dir = getenv("ROMKIT_TEST_DIR");
  return dir && *dir ? dir : ".";
}

void test_path(rom_ctx *ctx, const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s.np%d.h5", test_dir(), name, rom_ctx_size(ctx));
}

rom_int test_uneven_rows(rom_int global_rows, int rank, int size) {
  int active = size >= 3 ? size - 1 : size; /* last rank empty when P >= 3 */
  if (rank >= active) return 0;
  rom_int weight_total = (rom_int)active * (active + 1) / 2;
  rom_int start = global_rows * ((rom_int)rank * (rank + 1) / 2) / weight_total;
  rom_int end = global_rows * ((rom_int)(rank + 1) * (rank + 2) / 2) / weight_total;
  return end - start;
}
