/* Helpers shared by the romkit benchmarks and the demo (bench_common.h). */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "bench_common.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_median(const double *v, int n) {
  if (n <= 0) return NAN;
  double *c = malloc(sizeof(double) * (size_t)n);
  if (!c) return NAN;
  memcpy(c, v, sizeof(double) * (size_t)n);
  qsort(c, (size_t)n, sizeof(double), compare_double);
  double r = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  free(c);
  return r;
}

void bench_polite_barrier(MPI_Comm comm) {
  MPI_Request request;
  int done = 0;
  struct timespec pause = {0, 1000000}; /* 1 ms */
  MPI_Ibarrier(comm, &request);
  for (MPI_Test(&request, &done, MPI_STATUS_IGNORE); !done;
       MPI_Test(&request, &done, MPI_STATUS_IGNORE))
    nanosleep(&pause, NULL);
}

int bench_lapack_reference(rom_int N, rom_int m, const double *a, int repeat,
                           bench_lapack_times *t) {
  lapack_int n = (lapack_int)N, c = (lapack_int)m, info = 0;
  double *w = malloc(sizeof(double) * (size_t)(N * m)),
         *q = malloc(sizeof(double) * (size_t)(N * m));
  double *tau = malloc(sizeof(double) * (size_t)m), *s = malloc(sizeof(double) * (size_t)m);
  double *r = malloc(sizeof(double) * (size_t)(m * m)),
         *ur = malloc(sizeof(double) * (size_t)(m * m));
  double *vt = malloc(sizeof(double) * (size_t)(m * m)),
         *tm = malloc(sizeof(double) * 5 * (size_t)repeat);
  int ok = w && q && tau && s && r && ur && vt && tm;
  for (int rep = 0; ok && rep < repeat; ++rep) {
    memcpy(w, a, sizeof(double) * (size_t)(N * m));
    double t0 = MPI_Wtime();
    info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, c, w, n, tau);
    double t1 = MPI_Wtime();
    for (rom_int j = 0; j < m; ++j)
      for (rom_int i = 0; i < m; ++i)
        r[i + j * m] = i <= j ? w[i + j * N] : 0.0;
    info |= LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', c, c, r, c, s, ur, c, vt, c);
    double t2 = MPI_Wtime();
    for (rom_int j = 0; j < m; ++j) {
      memcpy(q + j * N, ur + j * m, sizeof(double) * (size_t)m);
      memset(q + j * N + m, 0, sizeof(double) * (size_t)(N - m));
    }
    info |= LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'N', n, c, c, w, n, tau, q, n);
    double t3 = MPI_Wtime();
    memcpy(w, a, sizeof(double) * (size_t)(N * m));
    double t4 = MPI_Wtime();
    info |= LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, c, w, n, s, q, n, vt, c);
    double t5 = MPI_Wtime();
    tm[rep] = t3 - t0, tm[repeat + rep] = t1 - t0, tm[2 * repeat + rep] = t2 - t1;
    tm[3 * repeat + rep] = t3 - t2, tm[4 * repeat + rep] = t5 - t4;
    ok = info == 0;
  }
  if (ok) {
    t->qr_svd = bench_median(tm, repeat), t->geqrf = bench_median(tm + repeat, repeat);
    t->gesdd_r = bench_median(tm + 2 * repeat, repeat),
    t->ormqr = bench_median(tm + 3 * repeat, repeat);
    t->gesdd = bench_median(tm + 4 * repeat, repeat);
  }
  free(w), free(q), free(tau), free(s), free(r), free(ur), free(vt), free(tm);
  return ok ? 0 : -1;
}
