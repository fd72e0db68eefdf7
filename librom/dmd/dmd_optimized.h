/* romkit internal — the optimized DMD fit (variable projection) that the "opt" and "bop"
 * methods call (librom/dmd/dmd_opt_method.c), on data already projected on a POD basis.
 *
 * Askham and Kutz, "Variable projection methods for an optimized dynamic mode
 * decomposition", SIAM J. Appl. Dyn. Syst. 17 (2018); bagging: Sashidhar and Kutz,
 * "Bagging, optimized dynamic mode decomposition for robust, stable forecasting with
 * spatial and temporal uncertainty quantification", Phil. Trans. R. Soc. A 380 (2022).
 */
#ifndef ROMKIT_DMD_OPTIMIZED_H
#define ROMKIT_DMD_OPTIMIZED_H

#include "romkit/dmd.h"

#include <complex.h>

/* rom_dmd_optimized_fit - fits x(t) ~ U sum_i B_i exp(omega_i t) to reduced data.
 * Not collective: every rank calls it with the same (replicated) data and gets the same
 * result.
 *   k, m      rows (POD coordinates) and columns (snapshots) of Y
 *   Y         the reduced data U^T X, k x m column-major, replicated
 *   t         the m times (any order, not necessarily uniform)
 *   r         number of exponentials
 *   omega0    r initial continuous-time eigenvalues (from exact DMD)
 *   p         iterations, tolerance, bagging (rom_dmd_opt_params, include/romkit/dmd.h)
 *   omega     out: r fitted continuous-time eigenvalues
 *   B         out: r x k column-major, amplitude-scaled reduced modes
 *   omega_std out: 2 r doubles, the standard deviations of Re(omega_i) and Im(omega_i)
 *             over the bags, interleaved (std Re_0, std Im_0, std Re_1, ...), in the order
 *             of omega ("bop"); NULL for plain "opt" (then not written)
 * The caller passes t relative to the first snapshot (t - t_0), so B is the amplitude at
 * t_0; it sorts the result by Re(omega) itself (any order is fine here).
 * Errors: ROM_ERR_ARG, ROM_ERR_LAPACK, ROM_ERR_NOMEM. */
int rom_dmd_optimized_fit(rom_ctx *ctx, int k, int m, const double *Y, const double *t, int r,
                          const double complex *omega0, const rom_dmd_opt_params *p,
                          double complex *omega, double complex *B, double *omega_std);

#endif
