/* romkit internal — optimized DMD by variable projection, and BOP-DMD.
 *
 * The fit behind `--method opt` and `--method bop`: it works on the reduced data
 * Y = U^T X (k x m, replicated on every rank), so it runs redundantly and identically
 * on every rank and holds no MPI call.
 *
 * References:
 *   T. Askham and J. N. Kutz, "Variable projection methods for an optimized dynamic
 *   mode decomposition", SIAM J. Appl. Dyn. Syst. 17(1):380-416, 2018.
 *   D. Sashidhar and J. N. Kutz, "Bagging, optimized dynamic mode decomposition for
 *   robust, stable forecasting with spatial and temporal uncertainty quantification",
 *   Phil. Trans. R. Soc. A 380:20210199, 2022 (arXiv:2107.10878).
 *   G. H. Golub and V. Pereyra, "The differentiation of pseudo-inverses and nonlinear
 *   least squares problems whose variables separate", SIAM J. Numer. Anal. 10, 1973.
 */
#ifndef ROMKIT_DMD_OPTIMIZED_H
#define ROMKIT_DMD_OPTIMIZED_H

#include "romkit/context.h"
#include "romkit/dmd.h"

#include <complex.h>

/* rom_dmd_optimized_fit - fit r complex exponentials to sampled data by variable
 * projection (optimized DMD), optionally bagged (BOP-DMD).
 *
 * Not collective: it uses no MPI. Given the same arguments it computes bit-identical
 * results on every rank (same LAPACK calls in the same order, counter-based random
 * bags), so a caller that replicates Y on all ranks gets the same model everywhere.
 *
 * Model (Askham and Kutz 2018, eq. 2.6): Y^T ~ Phi(omega) B with Phi_ji = exp(omega_i t_j),
 * i.e. column j of Y ~ sum_i B(i, :)^T exp(omega_i t_j). The continuous-time eigenvalues
 * omega are found by Levenberg-Marquardt on the variable-projection functional
 * || (I - Phi Phi^+) Y^T ||_F (Golub and Pereyra 1973), with the full Jacobian of
 * Askham and Kutz's Algorithm 1 and Marquardt scaling; B is the linear least-squares
 * solution for the final omega.
 *
 * Input:
 *   k, m      rows (reduced state size) and columns (samples) of Y; m >= 2, m > r
 *   Y         k x m, column-major, real, finite
 *   t         m sample times, finite, in any order, not necessarily uniform
 *   r         number of exponentials, 1 <= r <= k
 *   omega0    r initial continuous-time eigenvalues, finite (e.g. log(lambda)/dt of
 *             exact DMD)
 *   p         as rom_dmd_opt_params (include/romkit/dmd.h), zero fields meaning the
 *             defaults: max_iter (>= 0; 0: 100) Levenberg-Marquardt iterations per fit;
 *             tol (>= 0; 0: 1e-10): stop when an accepted step lowers the residual
 *             ||Y^T - Phi B||_F by less than tol relative (also: when the relative
 *             residual is at round-off, 1e3 eps, or no damping lowers it any more);
 *             BOP-DMD only: bags (0: 100, else >= 2), bag_size (0: 60 % of m, else
 *             r < bag_size < m), seed (0: the context's)
 * Output:
 *   omega     r continuous-time eigenvalues (BOP-DMD: the mean over the bags)
 *   B         r x k column-major: row i is b_i phi_i, the amplitude times the reduced
 *             mode, so that x(t) ~ U sum_i B(i, :)^T exp(omega_i t). For BOP-DMD, B is
 *             the least-squares fit of all the data for the mean omega.
 *   omega_std NULL: plain optimized DMD (the "opt" method; p's bag fields are ignored).
 *             Otherwise BOP-DMD (the "bop" method) runs, and omega_std receives 2 r
 *             doubles: (std Re omega_i, std Im omega_i) interleaved, in the order of
 *             omega, the sample standard deviations over the bags (divisor bags - 1).
 *
 * Real data: if omega0 is closed under complex conjugation (as exact DMD's eigenvalues
 * of real data are), every iterate, the bag means and the output are kept exactly
 * conjugate-symmetric (each pair averaged after every step, real eigenvalues kept real)
 * and the rows of B of a pair are exact conjugates, so predictions are real. Otherwise
 * omega is fitted as r free complex numbers.
 *
 * Errors: ROM_ERR_DIM (r > k, m <= r), ROM_ERR_ARG (m < 2, NULL, params), ROM_ERR_NOT_FINITE (Y, t
 * or omega0 holds NaN/Inf, omega0 overflows exp(omega t), or B cannot be referred back to t = 0),
 * ROM_ERR_LAPACK. Not reaching tol in max_iter iterations is not an error (the best fit found is
 * returned, and a warning is logged).
 */
int rom_dmd_optimized_fit(rom_ctx *ctx, int k, int m, const double *Y, const double *t, int r,
                          const double complex *omega0, const rom_dmd_opt_params *p,
                          double complex *omega, double complex *B, double *omega_std);

#endif
