/* Shared helpers of romkit's SVD/POD tests: the known-spectrum and random test matrices
 * (the same on any rank count), and the serial LAPACK reference they are checked against. */
#ifndef ROMKIT_TESTUTIL_SVD_H
#define ROMKIT_TESTUTIL_SVD_H

#include "testutil.h"

/* rom_known_spectrum_matrix (problems.h) with a CHECK on its return; NULL on failure. */
rom_dmat *test_known_matrix(rom_ctx *ctx, rom_int lr, rom_int m, const double *s, rom_int rank);
/* Standard normal entries by global (row, column): the same matrix on any rank count. */
rom_dmat *test_random_matrix(rom_ctx *ctx, rom_int lr, rom_int m, uint64_t seed);
/* The whole matrix on rank 0 (malloc'd, N x cols, ld N); NULL elsewhere. */
double *test_gather(rom_ctx *ctx, const rom_dmat *A);
/* The sign rule of pod.h (largest-magnitude entry positive) on a serial N x k matrix. */
void test_sign_normalise(rom_int N, rom_int k, double *U);
/* Reference SVD by LAPACK dgesdd (jobz = 'S'): s (min(N, m) values), U (N x min(N, m),
 * sign-normalised). Serial. */
void test_lapack_svd(rom_int N, rom_int m, const double *A, double *s, double *U);
/* max |U^T U - I| of a distributed basis. Collective. */
double test_orthogonality_error(rom_ctx *ctx, const rom_dmat *U);

#endif
