/* romkit test fixture — the P3 heat-conduction FOM (rom_heat2d, docs/problems.md) as the MPI
 * tests use it (tests/mpi/heat_rom.c, tests/mpi/bounds.c): the FOM on an even or uneven
 * partition, random parameters, a POD basis of FOM solves and the leading vectors of a basis.
 * Every helper records a failed check (CHECK_OK) instead of returning an error. */
#ifndef ROMKIT_TESTUTIL_P3_H
#define ROMKIT_TESTUTIL_P3_H

#include "romkit.h"

typedef struct {
  rom_ctx *ctx;
  rom_heat2d *h;
  rom_model *model;
  rom_int n, N, L, off; /* grid points per direction, global and local rows, row offset */
  int bx, by, Q;        /* subdomain blocks, Q = bx by parameters */
} test_p3;

/* P3 on an n x n grid with bx x by conductivity blocks, even (ROM_AUTO_ROWS) or uneven
 * (test_uneven_rows: the last rank empty at 4 ranks) partition. Collective. Free it with
 * rom_heat2d_destroy(&f->h). */
void test_p3_make(rom_ctx *ctx, rom_int n, int bx, int by, int uneven, test_p3 *f);
/* calloc'd vector of max(n, 1) zeros. */
double *test_vec(rom_int n);
/* Q conductivities log-uniform in [0.1, 10]: mu_q = 10^(-1 + 2 U), U = rom_rng_uniform(seed,
 * stream, index Q + q). */
void test_p3_sample_mu(uint64_t seed, uint64_t stream, int index, int Q, double *mu);
/* POD basis (rank `rank`) of m FOM solves at test_p3_sample_mu(seed, stream, 0..m-1). */
rom_basis *test_p3_pod_basis(test_p3 *f, uint64_t seed, uint64_t stream, int m, rom_int rank);
/* The first k vectors of b as a new basis (no reference). */
rom_basis *test_p3_leading(test_p3 *f, const rom_basis *b, rom_int k);

#endif
