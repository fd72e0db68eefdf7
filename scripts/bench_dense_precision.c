/* The dense layers of the P1 paper network (docs/problems.md: encoder 1000 -> 2000 -> 5,
 * decoder 5 -> 12024 -> masked 1000) at the P1 batch of 20, one training step's forward and
 * backward, in double (rom_dense_forward / _backward: dgemm) and single
 * (rom_dense_forward_single / _backward_single: sgemm), side by side in one run, with
 * sgemm and dgemm at 1000^3 as the practical single and double peaks of one core.
 * docs/benchmarks.md, "Single precision". Build and run from the repository root after the
 * CMake build in build/:
 *   cc -O3 -std=c99 -Iinclude -Ibuild/include -Ilibrom $(pkg-config --cflags hdf5-openmpi ompi) \
 *     scripts/bench_dense_precision.c -Lbuild -lromkit $(pkg-config --libs ompi) -lopenblas \
 *     -lm -o /tmp/bench_dense_precision
 *   OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=build /tmp/bench_dense_precision */
#include "manifold/ae_impl.h"

#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define REPS 7

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const rom_int B = 20;
  const rom_int shapes[3][2] = {{1000, 2000}, {2000, 5}, {5, 12024}}; /* in, out */
  const int first_has_dx[3] = {0, 1, 1}; /* layer 0's input gradient is not needed */
  size_t big = 12024 * 2000;
  double *Wd = malloc(sizeof(double) * big), *Xd = malloc(sizeof(double) * big),
         *Yd = malloc(sizeof(double) * big), *Gd = calloc(big, sizeof(double));
  float *Wf = malloc(sizeof(float) * big), *Xf = malloc(sizeof(float) * big),
        *Yf = malloc(sizeof(float) * big), *Gf = calloc(big, sizeof(float));
  for (size_t t = 0; t < big; ++t) {
    Wd[t] = Wf[t] = (float)(((double)(t % 1013) - 506.0) / 5060.0);
    Xd[t] = Xf[t] = (float)(((double)(t % 997) - 498.0) / 4980.0);
  }
  double ts[REPS], tdd[REPS], tls[REPS], tld[REPS];
  double flops = 0.0;
  for (int l = 0; l < 3; ++l)
    flops += 2.0 * (double)shapes[l][0] * (double)shapes[l][1] * (double)B * (2 + first_has_dx[l]);
  for (int r = 0; r < REPS; ++r) {
    /* peaks: 1000^3 */
    double t0 = MPI_Wtime();
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 1000, 1000, 1000, 1.0f, Wf, 1000, Xf,
                1000, 0.0f, Yf, 1000);
    ts[r] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 1000, 1000, 1000, 1.0, Wd, 1000, Xd,
                1000, 0.0, Yd, 1000);
    tdd[r] = MPI_Wtime() - t0;
    /* the layers: single then double */
    for (int p = 0; p < 2; ++p) {
      t0 = MPI_Wtime();
      for (int l = 0; l < 3; ++l) {
        rom_nn_layer L = {shapes[l][0],
                          shapes[l][1],
                          ROM_ACT_IDENTITY,
                          1,
                          NULL,
                          shapes[l][0] * shapes[l][1],
                          0,
                          0};
        if (p == 0) {
          rom_dense_forward_single(&L, Wf, Xf, B, Xf, Yf);
          rom_dense_backward_single(&L, Wf, B, Xf, Yf, Gf, Gf + big / 2,
                                    first_has_dx[l] ? Yf + big / 2 : NULL);
        } else {
          rom_dense_forward(&L, Wd, Xd, B, Xd, Yd);
          rom_dense_backward(&L, Wd, B, Xd, Yd, Gd, Gd + big / 2,
                             first_has_dx[l] ? Yd + big / 2 : NULL);
        }
      }
      (p == 0 ? tls : tld)[r] = MPI_Wtime() - t0;
    }
  }
  qsort(ts, REPS, sizeof(double), cmp);
  qsort(tdd, REPS, sizeof(double), cmp);
  qsort(tls, REPS, sizeof(double), cmp);
  qsort(tld, REPS, sizeof(double), cmp);
  const double ps = 2e9 / ts[REPS / 2] / 1e9, pd = 2e9 / tdd[REPS / 2] / 1e9;
  const double gs = flops / tls[REPS / 2] / 1e9, gd = flops / tld[REPS / 2] / 1e9;
  printf("peak (1000^3, median of %d): sgemm %.2f GFLOP/s, dgemm %.2f GFLOP/s (%.2fx)\n", REPS, ps,
         pd, ps / pd);
  printf("P1 dense layers, one step (B = %lld, %.3g GFLOP): single %.3f ms = %.2f GFLOP/s = "
         "%.0f %% of sgemm peak; double %.3f ms = %.2f GFLOP/s = %.0f %% of dgemm peak; "
         "single/double speedup %.2fx\n",
         (long long)B, flops / 1e9, 1e3 * tls[REPS / 2], gs, 100 * gs / ps, 1e3 * tld[REPS / 2], gd,
         100 * gd / pd, tld[REPS / 2] / tls[REPS / 2]);
  free(Wd), free(Xd), free(Yd), free(Gd), free(Wf), free(Xf), free(Yf), free(Gf);
  MPI_Finalize();
  return 0;
}
