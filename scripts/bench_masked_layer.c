/* Masked layer kernel vs dgemm on the dense matrix with the mask's zeros, at the size of
 * the P1 decoder output layer (Kim, Choi, Widemann, Zohdi, JCP 451, 2022): 12024 -> 1000,
 * band 36, shift 12, batch 20. Forward (Z = W X) and backward (dW on the pattern / dense
 * dW, and dX = W^T dZ), median of 21 repetitions. Build and run (docs/autoencoder.md):
 *   cc -O3 -std=c99 -Iinclude -Ibuild-ae/include -Ilibrom $(pkg-config --cflags hdf5-openmpi ompi)
 * \ scripts/bench_masked_layer.c -Lbuild-ae -lromkit -lopenblas -lm -o /tmp/bench_masked
 *   OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=build-ae /tmp/bench_masked */
#include "manifold/ae_impl.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_ctx_create(MPI_COMM_SELF, &ctx);
  const rom_int out = 1000, B = 20, R = 21;
  rom_mask *mask = NULL;
  rom_mask_banded(ctx, out, 36, 12, &mask);
  const rom_int in = rom_mask_cols(mask), nnz = rom_mask_nnz(mask);
  rom_nn_layer L = {in, out, ROM_ACT_IDENTITY, 0, mask, nnz, 0, -1};
  double *v = malloc(sizeof(double) * nnz), *Wd = calloc((size_t)(in * out), sizeof(double));
  double *X = malloc(sizeof(double) * in * B), *Z = malloc(sizeof(double) * out * B);
  double *dZ = malloc(sizeof(double) * out * B), *dX = malloc(sizeof(double) * in * B);
  double *gv = calloc((size_t)nnz, sizeof(double)),
         *gW = calloc((size_t)(in * out), sizeof(double));
  for (rom_int i = 0; i < out; ++i)
    for (rom_int k = mask->row_ptr[i]; k < mask->row_ptr[i + 1]; ++k)
      Wd[i * in + mask->col_index[k]] = v[k] = rom_rng_uniform(1, 1, (uint64_t)k) - 0.5;
  for (rom_int t = 0; t < in * B; ++t)
    X[t] = rom_rng_uniform(1, 2, (uint64_t)t) - 0.5;
  for (rom_int t = 0; t < out * B; ++t)
    dZ[t] = rom_rng_uniform(1, 3, (uint64_t)t) - 0.5;
  rom_nn_layer D = L;
  D.mask = NULL;
  D.nweights = in * out;
  double t[4][21];
  for (int r = 0; r < R; ++r) {
    double t0 = rom_wtime();
    rom_masked_forward(&L, v, NULL, B, X, Z);
    double t1 = rom_wtime();
    rom_masked_backward(&L, v, B, X, dZ, gv, NULL, dX);
    double t2 = rom_wtime();
    rom_dense_forward(&D, Wd, NULL, B, X, Z);
    double t3 = rom_wtime();
    rom_dense_backward(&D, Wd, B, X, dZ, gW, NULL, dX);
    double t4 = rom_wtime();
    t[0][r] = t1 - t0, t[1][r] = t2 - t1, t[2][r] = t3 - t2, t[3][r] = t4 - t3;
  }
  for (int k = 0; k < 4; ++k)
    qsort(t[k], R, sizeof(double), cmp);
  printf("P1 decoder output layer 12024 -> 1000, nnz %lld (%.2f %% dense), batch %lld, median of "
         "%lld:\n",
         (long long)nnz, 100.0 * nnz / (double)(in * out), (long long)B, (long long)R);
  printf("  masked kernel: forward %.3f ms, backward %.3f ms\n", 1e3 * t[0][R / 2],
         1e3 * t[1][R / 2]);
  printf("  dense dgemm:   forward %.3f ms, backward %.3f ms\n", 1e3 * t[2][R / 2],
         1e3 * t[3][R / 2]);
  printf("  speed-up forward %.1fx, backward %.1fx\n", t[2][R / 2] / t[0][R / 2],
         t[3][R / 2] / t[1][R / 2]);
  free(v), free(Wd), free(X), free(Z), free(dZ), free(dX), free(gv), free(gW);
  rom_mask_destroy(&mask);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
