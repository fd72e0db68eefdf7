/* Helpers shared by the romkit benchmarks (bench_*.c): medians, a barrier
 * that does not steal a core, and the serial LAPACK reference the SVD methods are
 * measured against. */
#ifndef ROMKIT_APPS_BENCH_COMMON_H
#define ROMKIT_APPS_BENCH_COMMON_H

#include "cli.h"

/* Median of v[0..n) (v is not modified); NAN for n <= 0. */
double bench_median(const double *v, int n);

/* A barrier that sleeps instead of spinning: the other ranks wait here while rank 0 times
 * serial LAPACK, and a busy-polling MPI_Barrier would take a core away from it. */
void bench_polite_barrier(MPI_Comm comm);

/* Serial LAPACK on the gathered N x m matrix a (rank 0 only), medians over `repeat` runs:
 * (a) dgeqrf + dgesdd of R + dormqr — the same work as TSQR POD on one rank — with its
 * three phases, and (b) dgesdd (jobz = 'S') on the whole matrix. 0 on success. */
typedef struct {
  double qr_svd, geqrf, gesdd_r, ormqr, gesdd;
} bench_lapack_times;
int bench_lapack_reference(rom_int N, rom_int m, const double *a, int repeat,
                           bench_lapack_times *t);

#endif
