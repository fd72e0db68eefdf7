/* Collective failure: a call that fails on one rank only makes every rank fail with the
 * same code (no hang, no rank carrying on), and the context's communicator reports MPI
 * errors as codes instead of aborting the job. */
#include "testutil.h"

#include "core/check.h"

#include <string.h>

static int fails_on(rom_ctx *ctx, int bad_rank, int code) {
  int err = ROM_OK;
  ROM_CHECK(ctx, rom_ctx_rank(ctx) != bad_rank, code, "local failure on rank %d", bad_rank);
cleanup:
  return err;
}

static int try_all(rom_ctx *ctx, int bad_rank, int code) {
  int err = ROM_OK;
  ROM_TRY_ALL(ctx, fails_on(ctx, bad_rank, code));
cleanup:
  return err;
}

static int check_all(rom_ctx *ctx, int bad_rank) {
  int err = ROM_OK;
  ROM_CHECK_ALL(ctx, rom_ctx_rank(ctx) != bad_rank, ROM_ERR_DIM, "rank %d has the wrong size",
                bad_rank);
cleanup:
  return err;
}

/* Two ranks failing with different codes: everyone returns the most negative. */
static int fails_two_ways(rom_ctx *ctx) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  if (rank == 0) return fails_on(ctx, 0, ROM_ERR_IO);
  if (rank == size - 1) return fails_on(ctx, size - 1, ROM_ERR_LAPACK);
  return ROM_OK;
}
static int try_all_two(rom_ctx *ctx) {
  int err = ROM_OK;
  ROM_TRY_ALL(ctx, fails_two_ways(ctx));
cleanup:
  return err;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  int bad = size - 1;

  CHECK_ERR(ctx, try_all(ctx, bad, ROM_ERR_LAPACK), ROM_ERR_LAPACK);
  const char *msg = rom_ctx_last_error(ctx);
  if (rank == bad)
    CHECK(strstr(msg, "local failure on rank") != NULL, "failing rank keeps its message: %s", msg);
  else
    CHECK(strstr(msg, "failed on another rank") != NULL, "other ranks say why: %s", msg);

  CHECK_ERR(ctx, check_all(ctx, bad), ROM_ERR_DIM);
  CHECK_OK(ctx, try_all(ctx, -1, ROM_ERR_LAPACK)); /* nobody fails */
  CHECK_OK(ctx, check_all(ctx, -1));

  /* ROM_ERR_LAPACK (-8) < ROM_ERR_IO (-4); on one rank only rank 0's branch runs. */
  int expected = size == 1 ? ROM_ERR_IO : ROM_ERR_LAPACK;
  CHECK_ERR(ctx, try_all_two(ctx), expected);
  CHECK(rom_agree_error(ctx, rank == 0 ? ROM_ERR_DIM : ROM_OK) == ROM_ERR_DIM, "agree_error");
  CHECK(rom_agree_error(ctx, ROM_OK) == ROM_OK, "agree_error when all succeed");

  /* MPI errors on romkit's communicator come back as codes. */
  MPI_Errhandler handler;
  MPI_Comm_get_errhandler(rom_ctx_comm(ctx), &handler);
  CHECK(handler == MPI_ERRORS_RETURN, "context communicator returns MPI errors");
  MPI_Errhandler_free(&handler);
  int rc = MPI_Bcast(NULL, -1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)); /* invalid count */
  CHECK(rc != MPI_SUCCESS, "invalid MPI call returns an error code instead of aborting");
  return test_finish(&ctx);
}
