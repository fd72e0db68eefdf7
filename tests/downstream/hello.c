/* A downstream user's first program: links the installed romkit (tests/downstream/), prints
 * its version and checks a tiny POD against the exact answer: the snapshots 3 e_0 and e_1
 * have singular values 3 and 1. Exit status 0 when they agree. */
#include <math.h>
#include <stdio.h>

#include <mpi.h>
#include <romkit.h>

int main(int argc, char **argv) {
  rom_ctx *ctx = NULL;
  rom_dmat *S = NULL;
  rom_basis *basis = NULL;
  int rank = 0, size = 1, bad = 1;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const rom_int n = 6, rows = rom_dmat_partition_even(n, rank, size);
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) == ROM_OK &&
      rom_dmat_create(ctx, rows, 2, &S) == ROM_OK) {
    double *a = rom_dmat_data(S);
    const rom_int off = rom_dmat_row_offset(S), ld = rom_dmat_ld(S);
    for (rom_int i = 0; i < rows; i++) {
      a[i] = off + i == 0 ? 3.0 : 0.0;
      a[i + ld] = off + i == 1 ? 1.0 : 0.0;
    }
    rom_pod_options opts = rom_pod_options_default();
    opts.truncation = ROM_POD_TRUNCATE_RANK;
    opts.rank = 2;
    if (rom_pod_compute(S, &opts, &basis) == ROM_OK) {
      rom_int r = 0;
      const double *s = rom_basis_singular_values(basis, &r);
      bad = !(r >= 2 && fabs(s[0] - 3.0) < 1e-12 && fabs(s[1] - 1.0) < 1e-12);
      if (rank == 0)
        printf("romkit %s: POD singular values %.15g %.15g: %s\n", ROM_VERSION_STRING, s[0], s[1],
               bad ? "WRONG" : "ok");
    }
  }
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&S);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return bad;
}
