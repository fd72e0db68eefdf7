/* romkit test fixture — a small non-symmetric affine problem: steady advection-diffusion
 *   -mu_1 Laplace(u) + mu_2 w . grad(u) = 1   on (0,1)^2,   u = 0 on the boundary,
 * on the n x n interior points of a uniform grid (h = 1/(n+1), index g = i + n j, x fastest),
 * 5-point Laplacian and central differences. The wind w(x, y) = (1 - 2y, 2x - 1) (a rotation
 * about the centre) is divergence-free with w_x a function of y only and w_y of x only, so
 * with the Dirichlet boundary the central-difference advection matrix is exactly
 * skew-symmetric (A_adv^T = -A_adv) and the diffusion matrix symmetric positive definite:
 *   A(mu) = theta_0 A_diff + theta_1 A_adv,  theta = (mu_1, mu_2),  f = 1 (phi_0 = 1),
 * so v^T A(mu) v = mu_1 v^T A_diff v: coercive for mu_1 > 0 with alpha = mu_1 in the norm of
 * X = A_diff, any sign of mu_2.
 * Outputs (test_advdiff_output_weights): 0 the mean of u (l = 1/N), 1 the mean of u over the
 * square [0.6, 0.9] x [0.1, 0.4] (a non-compliant, local output).
 * The callbacks (A_q, A_q^T, f, and a banded LU solve of A(theta) or A(theta)^T, replicated on
 * every rank: the fixture is for small n) gather the whole vector; every call is counted
 * (test_advdiff_calls), so a test can show that an online evaluation calls none. */
#ifndef ROMKIT_TESTUTIL_ADVDIFF_H
#define ROMKIT_TESTUTIL_ADVDIFF_H

#include "romkit.h"

typedef struct test_advdiff test_advdiff;

/* n >= 2 grid points per direction, local_rows this rank's rows (ROM_AUTO_ROWS: even split).
 * Collective. Returns NULL (and records a failed check) on error. */
test_advdiff *test_advdiff_create(rom_ctx *ctx, int n, rom_int local_rows);
void test_advdiff_destroy(test_advdiff **p); /* NULL-safe. Not collective. */
rom_model *test_advdiff_model(test_advdiff *p);
rom_int test_advdiff_local_rows(const test_advdiff *p);
rom_int test_advdiff_global_rows(const test_advdiff *p);
/* x = A(mu)^{-1} f (b NULL) or A(mu)^{-1} b, A^{-T} when transpose; local rows. Collective. */
int test_advdiff_solve(test_advdiff *p, const double *mu, int transpose, const double *b_local,
                       double *x_local);
/* This rank's rows of output o's weights (o = 0, 1). Not collective. */
const double *test_advdiff_output_weights(const test_advdiff *p, int o);
/* Host callback calls so far (applies, transposed applies, rhs, solves). Not collective. */
long test_advdiff_calls(const test_advdiff *p);

#endif
