/* Masked layer kernels, CSR vs run-length segments (librom/manifold/layer_masked.c,
 * masked_segments.c), side by side in one run, at the sizes of the decoder output layers of
 * docs/problems.md (Kim, Choi, Widemann, Zohdi, JCP 451, 2022):
 *   P1  12024 -> 1000, band 36 / 12, batch 20 (the P1 recipe's batch);
 *   P2  33730 -> 3364, stencil 58 x 58, band 100 / 10, batch 240.
 * Forward (Z = W X, no bias: the output layer has none) and backward (weight gradient on the
 * pattern and input gradient), --repeat (5) repetitions interleaved, median time per call.
 * Roofline: in the same run, dgemm 1000 x 1000 x 1000 (OpenBLAS, one thread) as the practical
 * double peak of one core, and a STREAM-like triad a = b + s c over 3 x 64 MB as the memory
 * bandwidth. Flops: 2 nnz B forward, 4 nnz B backward. Bytes (each array once): forward
 * W + X + Z, backward W + gW twice (read, write) + X + dZ + dX. The load average (/proc/loadavg)
 * is printed before and after: the machine is shared. docs/benchmarks.md, "Masked layer
 * kernels". Build and run from the repository root after the CMake build in build/:
 *   cc -O3 -std=c99 -Iinclude -Ibuild/include -Ilibrom $(pkg-config --cflags hdf5-openmpi ompi) \
 *     scripts/bench_masked_kernels.c -Lbuild -lromkit $(pkg-config --libs ompi) -lopenblas -lm -o
 * /tmp/bench_masked_kernels OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=build /tmp/bench_masked_kernels
 * [--repeat 5] */
#include "manifold/ae_impl.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
static void loadavg(char *buf, size_t n) {
  FILE *f = fopen("/proc/loadavg", "r");
  buf[0] = 0;
  if (f) {
    if (!fgets(buf, (int)n, f)) buf[0] = 0;
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = 0;
}
static double rnd(uint64_t s, uint64_t i) {
  return rom_rng_uniform(1, s, i) - 0.5;
}

#define R_MAX 31

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int R = 5;
  for (int a = 1; a + 1 < argc; ++a)
    if (!strcmp(argv[a], "--repeat")) R = atoi(argv[a + 1]);
  if (R < 1 || R > R_MAX) R = 5;
  rom_ctx *ctx = NULL;
  rom_ctx_create(MPI_COMM_SELF, &ctx);
  char la0[128], la1[128];
  loadavg(la0, sizeof la0);

  /* practical peak: dgemm, and bandwidth: triad */
  double peak = 0, bw = 0;
  {
    const int n = 1000;
    double *A = malloc(sizeof(double) * n * n), *B = malloc(sizeof(double) * n * n),
           *C = malloc(sizeof(double) * n * n), t[R_MAX];
    for (int i = 0; i < n * n; ++i)
      A[i] = rnd(5, (uint64_t)i), B[i] = rnd(6, (uint64_t)i), C[i] = 0;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n);
    for (int r = 0; r < R; ++r) {
      double t0 = rom_wtime();
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n);
      t[r] = rom_wtime() - t0;
    }
    peak = 2.0 * n * n * (double)n / median(t, R);
    free(A), free(B), free(C);
    const size_t m = 8u << 20; /* 8 Mi doubles = 64 MB per array */
    double *a = malloc(sizeof(double) * m), *b = malloc(sizeof(double) * m),
           *c = malloc(sizeof(double) * m);
    for (size_t i = 0; i < m; ++i)
      a[i] = 0, b[i] = 1.0, c[i] = 2.0;
    for (int r = 0; r < R + 1; ++r) {
      double t0 = rom_wtime();
      for (size_t i = 0; i < m; ++i)
        a[i] = b[i] + 0.5 * c[i];
      if (r) t[r - 1] = rom_wtime() - t0 + 0.0 * a[r];
    }
    bw = 24.0 * (double)m / median(t, R);
    free(a), free(b), free(c);
  }
  printf("load average before: %s\n", la0);
  printf("dgemm 1000^3 (practical peak, 1 core): %.1f GFLOP/s; triad bandwidth: %.1f GB/s; "
         "ridge %.2f flop/byte; median of %d\n",
         peak * 1e-9, bw * 1e-9, peak / bw, R);
  printf("%-4s %-9s %-8s %10s %9s %11s %8s %10s %9s %8s\n", "net", "pass", "kernel", "ms/call",
         "GFLOP/s", "of dgemm", "GB/s", "of triad", "flop/B", "of roof");

  for (int net = 0; net < 2; ++net) {
    rom_mask *mask = NULL;
    rom_int B;
    if (net == 0)
      rom_mask_banded(ctx, 1000, 36, 12, &mask), B = 20;
    else
      rom_mask_stencil2d(ctx, 58, 58, 100, 10, &mask), B = 240;
    const rom_int in = rom_mask_cols(mask), out = rom_mask_rows(mask), nnz = rom_mask_nnz(mask);
    rom_nn_layer L = {in, out, ROM_ACT_IDENTITY, 0, mask, nnz, 0, -1};
    double *W = malloc(sizeof(double) * nnz), *gW = calloc((size_t)nnz, sizeof(double));
    double *X = malloc(sizeof(double) * in * B), *dX = malloc(sizeof(double) * in * B);
    double *Z[2] = {malloc(sizeof(double) * out * B), malloc(sizeof(double) * out * B)};
    double *dZ = malloc(sizeof(double) * out * B);
    for (rom_int k = 0; k < nnz; ++k)
      W[k] = rnd(1, (uint64_t)k);
    for (rom_int t = 0; t < in * B; ++t)
      X[t] = rnd(2, (uint64_t)t);
    for (rom_int t = 0; t < out * B; ++t)
      dZ[t] = rnd(3, (uint64_t)t);
    /* calls per timing: about 10 ms of work */
    const int calls = net == 0 ? 40 : 1;
    double t[4][R_MAX];
    for (int r = 0; r < R + 1; ++r) { /* r = 0 warms up */
      for (int k = 0; k < 4; ++k) {
        double t0 = rom_wtime();
        for (int c = 0; c < calls; ++c) {
          if (k == 0) rom_masked_forward_csr(&L, W, NULL, B, X, Z[0]);
          if (k == 1) rom_masked_forward_segments(&L, W, NULL, B, X, Z[1]);
          if (k == 2) rom_masked_backward_csr(&L, W, B, X, dZ, gW, NULL, dX);
          if (k == 3) rom_masked_backward_segments(&L, W, B, X, dZ, gW, NULL, dX);
        }
        if (r) t[k][r - 1] = (rom_wtime() - t0) / calls;
      }
    }
    double diff = 0, ref = 0;
    for (rom_int q = 0; q < out * B; ++q)
      diff = fmax(diff, fabs(Z[0][q] - Z[1][q])), ref = fmax(ref, fabs(Z[0][q]));
    const char *pass[4] = {"forward", "forward", "backward", "backward"};
    const char *kern[4] = {"CSR", "segments", "CSR", "segments"};
    for (int k = 0; k < 4; ++k) {
      const double sec = median(t[k], R);
      const double flops = (k < 2 ? 2.0 : 4.0) * (double)nnz * (double)B;
      const double bytes =
          8.0 * (k < 2 ? (double)nnz + (double)in * B + (double)out * B
                       : 3.0 * (double)nnz + 2.0 * (double)in * B + (double)out * B);
      const double roof = fmin(peak, flops / bytes * bw);
      printf("%-4s %-9s %-8s %10.3f %9.2f %10.1f%% %8.2f %9.1f%% %9.2f %7.1f%%\n",
             net ? "P2" : "P1", pass[k], kern[k], 1e3 * sec, flops / sec * 1e-9,
             100.0 * flops / sec / peak, bytes / sec * 1e-9, 100.0 * bytes / sec / bw,
             flops / bytes, 100.0 * flops / sec / roof);
    }
    printf("%s: %lld -> %lld, nnz %lld, %lld runs (average %.1f), batch %lld; speed-up segments "
           "vs CSR: forward %.2fx, backward %.2fx; forward max rel. difference %.1e\n",
           net ? "P2" : "P1", (long long)in, (long long)out, (long long)nnz,
           (long long)mask->seg->nseg, (double)nnz / (double)mask->seg->nseg, (long long)B,
           median(t[0], R) / median(t[1], R), median(t[2], R) / median(t[3], R), diff / ref);
    free(W), free(gW), free(X), free(dX), free(Z[0]), free(Z[1]), free(dZ);
    rom_mask_destroy(&mask);
  }
  loadavg(la1, sizeof la1);
  printf("load average after: %s\n", la1);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
