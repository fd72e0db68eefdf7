/* Times one evaluation (value + Jacobian) of a decoder sub-network of P2's shape: the
 * network of an autoencoder file stacked twice (u and v, as `romkit reproduce P2` mirrors
 * one network), at the rows of NS random grid nodes per component and their 5-point
 * stencils on the 58 x 58 grid (about P2's 336-row sample mesh). CPU time per evaluation,
 * the median of 7 repeats of 200 evaluations. docs/reproduction.md ("Speed") uses it to
 * compare two builds of libromkit on the same binary:
 *
 *   mpicc -O2 scripts/bench_subnet_eval.c -Iinclude -Ibuild/include -Lbuild -lromkit \
 *     -Wl,-rpath,$PWD/build -o bench_subnet_eval
 *   OPENBLAS_NUM_THREADS=1 ./bench_subnet_eval P2_u.h5 [NS]
 *   OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=/path/to/other/build ./bench_subnet_eval P2_u.h5
 */
#include <romkit.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_int(const void *a, const void *b) {
  rom_int x = *(const rom_int *)a, y = *(const rom_int *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_ae *ae = NULL;
  rom_ae_subnet *s = NULL;
  int ns = argc > 2 ? atoi(argv[2]) : 58, rc = 1;
  if (argc < 2 || rom_ctx_create(MPI_COMM_WORLD, &ctx) || rom_ae_read(ctx, argv[1], &ae)) {
    fprintf(stderr, "usage: bench_subnet_eval AE.h5 [NS] (a 58 x 58-grid network)\n");
    goto done;
  }
  const rom_int n = 58, N = n * n;
  rom_int *rows = malloc(sizeof(rom_int) * (size_t)(2 * 5 * ns)), nr = 0;
  srand(12345);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < ns; ++t) {
      rom_int i = rand() % n, j = rand() % n;
      const rom_int di[5] = {0, -1, 1, 0, 0}, dj[5] = {0, 0, 0, -1, 1};
      for (int e = 0; e < 5; ++e) {
        rom_int ii = i + di[e], jj = j + dj[e];
        if (ii >= 0 && ii < n && jj >= 0 && jj < n) rows[nr++] = b * N + ii * n + jj;
      }
    }
  qsort(rows, (size_t)nr, sizeof(rom_int), cmp_int);
  rom_int m = 0;
  for (rom_int t = 0; t < nr; ++t)
    if (m == 0 || rows[t] != rows[m - 1]) rows[m++] = rows[t];
  rom_ae *aes[2] = {ae, ae};
  if (rom_ae_subnet_create(2, aes, m, rows, &s)) goto done;
  const rom_int k = rom_ae_subnet_latent_dim(s);
  double *q = calloc((size_t)k, sizeof(double)), *g = malloc(sizeof(double) * (size_t)m),
         *J = malloc(sizeof(double) * (size_t)(m * k));
  for (rom_int c = 0; c < k; ++c)
    q[c] = 0.1 * (double)(c + 1) - 0.3;
  double t[7];
  for (int r = 0; r < 7; ++r) {
    double t0 = cpu_now();
    for (int it = 0; it < 200; ++it) {
      q[0] += 1e-9;
      rom_ae_subnet_decode(s, q, g, J, m);
    }
    t[r] = (cpu_now() - t0) / 200;
  }
  qsort(t, 7, sizeof(double), cmp_double);
  printf("rows %lld, hidden units %lld, weights and biases %lld, latent %lld: %.4f ms per "
         "evaluation (median of 7; min %.4f), g[0] = %.17g, J[0] = %.17g\n",
         (long long)m, (long long)rom_ae_subnet_num_hidden_units(s),
         (long long)rom_ae_subnet_num_params(s), (long long)k, 1e3 * t[3], 1e3 * t[0], g[0], J[0]);
  rc = 0;
  free(q), free(g), free(J), free(rows);
done:
  rom_ae_subnet_destroy(&s);
  rom_ae_destroy(&ae);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc;
}
