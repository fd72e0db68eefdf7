/* Lagrange interpolation of the parameters: for d = 1 the polynomial of degree n - 1
 * through the n training points, w_i = prod_{j != i} (mu* - mu_j) / (mu_i - mu_j); for
 * d > 1 the tensor product of the 1-D weights, which needs the training points to be a
 * full tensor grid (every combination of the distinct values of each coordinate,
 * exactly once). Both reproduce polynomials of the grid's degree, linear functions
 * included, and return w = e_i exactly at a training point (one factor is exactly 0).
 * High degrees oscillate (Runge): keep the grids small or use RBF. */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <math.h>

/* 1-D weight of node `i` among the `m` values x at t. */
static double lagrange_1d(int m, const double *x, int i, double t) {
  double w = 1.0;
  for (int j = 0; j < m; ++j)
    if (j != i) w *= (t - x[j]) / (x[i] - x[j]);
  return w;
}

int rom_interp_weights_lagrange(rom_ctx *ctx, int n, int d, const double *params,
                                const double *target, const rom_interp_options *o, double *w) {
  int err = ROM_OK;
  double *values = NULL; /* d x n: the distinct values of each coordinate */
  int *count = NULL, *index = NULL;
  (void)o;
  if (d == 1) {
    for (int i = 0; i < n; ++i)
      w[i] = lagrange_1d(n, params, i, target[0]);
    return ROM_OK;
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)d * (size_t)n, (void **)&values));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)d, sizeof(int), (void **)&count));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)n * (size_t)d, (void **)&index));
  {
    long long grid = 1;
    for (int k = 0; k < d; ++k) {
      double *v = values + (size_t)k * n;
      for (int i = 0; i < n; ++i) {
        const double x = params[i * d + k];
        int found = -1;
        for (int c = 0; c < count[k] && found < 0; ++c)
          if (v[c] == x) found = c;
        if (found < 0) {
          found = count[k];
          v[count[k]++] = x;
        }
        index[i * d + k] = found;
      }
      grid *= count[k];
    }
    ROM_CHECK(ctx, grid == n, ROM_ERR_ARG,
              "Lagrange interpolation in d = %d parameters needs a tensor grid: the distinct "
              "coordinate values make %lld grid points, but there are %d training points",
              d, grid, n);
  }
  /* n grid points, all distinct (checked by rom_interp_weights): every combination once. */
  for (int i = 0; i < n; ++i) {
    double wi = 1.0;
    for (int k = 0; k < d; ++k)
      wi *= lagrange_1d(count[k], values + (size_t)k * n, index[i * d + k], target[k]);
    w[i] = wi;
  }
cleanup:
  rom_free(ctx, values);
  rom_free(ctx, count);
  rom_free(ctx, index);
  return err;
}
