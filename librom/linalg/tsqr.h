/* romkit internal — TSQR: the QR factorisation of a row-distributed tall-skinny matrix.
 *
 * Demmel, Grigori, Hoemmen, Langou, "Communication-optimal parallel and sequential QR
 * and LU factorizations", SIAM J. Sci. Comput. 34 (2012), section 3 (TSQR on a
 * binary tree). A (N x m, row-distributed, any partition, empty ranks allowed) is
 * factored as A = Q R with
 *
 *   1. a local Householder QR of each rank's rows (dgeqrf on a copy of the block:
 *      A is never modified); the local R has min(local_rows, m) rows, never padded
 *      with zero rows (padding would make the implicit Q non-orthonormal as soon as
 *      R is rank-deficient), so the true row count travels up the tree;
 *   2. a binomial-tree reduction to rank 0: at each level the receiving rank stacks
 *      [R_mine; R_child] (r1 + r2 rows), factors the stack with dgeqrf and keeps the
 *      reflectors for the way back; its new R has min(r1 + r2, m) rows;
 *   3. rank 0 ends with R (r x m, r = min(N, m), upper trapezoidal).
 *
 * Q itself is never formed: rom_tsqr_apply_q computes Q C for a small C given on rank 0
 * by pushing C back down the tree (dormqr on [C_node; 0] at each level, the bottom rows
 * sent to the child) and applying each leaf's reflectors to [C_leaf; 0] directly in
 * the output block.
 *
 * Memory on each rank: the copy of the local block (local_rows x m, holding the
 * reflectors), O(m^2) per tree level it received at, and LAPACK's blocked workspace
 * (O(m * nb)). All of it is tracked by the context (rom_malloc).
 *
 * Every function is collective over the matrix's context; a failure on one rank
 * (LAPACK, allocation) makes every rank fail, none hangs.
 */
#ifndef ROMKIT_LINALG_TSQR_H
#define ROMKIT_LINALG_TSQR_H

#include "romkit/matrix.h"

typedef struct rom_tsqr rom_tsqr;

/* rom_tsqr_factor - TSQR of A - row_shift 1^T (row_shift: local_rows values subtracted
 * from every column, e.g. the snapshot mean; NULL for A itself). A is not modified.
 * Collective. Errors: ROM_ERR_UNSUPPORTED (local_rows or m beyond LAPACK's int),
 * ROM_ERR_NOMEM, ROM_ERR_LAPACK, ROM_ERR_MPI. */
int rom_tsqr_factor(const rom_dmat *A, const double *row_shift, rom_tsqr **out);

/* Number of rows of R: min(N, m), the same on every rank. Not collective. */
rom_int rom_tsqr_r_rows(const rom_tsqr *t);
/* Number of columns m. Not collective. */
rom_int rom_tsqr_cols(const rom_tsqr *t);
/* R on rank 0 (r x m, upper trapezoidal, column-major with leading dimension *ld);
 * NULL on the other ranks. Not collective. */
const double *rom_tsqr_r(const rom_tsqr *t, rom_int *ld);

/* rom_tsqr_apply_q - out = Q [C; 0]: C is r x k on rank 0 (leading dimension ldc >= r,
 * ignored elsewhere), out an N x k matrix partitioned like A (its local block is
 * overwritten). k (>= 0) must be the same on every rank. The factor is not changed, so
 * this can be called several times. Collective. */
int rom_tsqr_apply_q(const rom_tsqr *t, rom_int k, const double *C, rom_int ldc, rom_dmat *out);

/* Frees the factor. NULL-safe, sets *t = NULL. Not collective. */
int rom_tsqr_destroy(rom_tsqr **t);

#endif
