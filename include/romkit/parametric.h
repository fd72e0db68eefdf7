/* romkit — parametric studies that compare ROMs at unseen parameters (docs/interp.md).
 *
 * rom_parametric_heat_run is the study behind `romkit interp` and tests/mpi/interp_rom.c:
 * on the non-affine heat problem P3X (romkit/problems.h), transient, it builds local
 * POD-Galerkin ROMs (dimension k) at the training parameters, interpolates them to each
 * unseen test parameter on matrix manifolds (romkit/interp.h: the basis on the Grassmann
 * manifold, the reduced operator on `manifold` after aligning the bases), and measures
 * against the full-order model at that parameter:
 *   interp      the interpolated ROM: no full-order operator at the test parameter
 *   basis_only  the interpolated basis with the exact reduced operator V*^T A(mu*) V*
 *               (separates the basis' error from the operator interpolation's)
 *   global      one POD basis of every training trajectory (k vectors), Galerkin with the
 *               exact operator at the test parameter (needs A(mu*): k full-order applies)
 *   local       POD of the test parameter's own trajectory (the best k-dimensional Galerkin
 *               ROM: a reference, not a method)
 *   dmd         parametric DMD (libROM's getParametricDMD, after Amsallem and Farhat): a
 *               DMD with control of rank k per training trajectory (romkit/dmd.h; the
 *               constant source is the control input u = 1, since the trajectory from
 *               u(0) = 0 is affine, not linear, in time), its basis interpolated on the
 *               Grassmann manifold and its Atilde, Btilde in the aligned coordinates
 *               (Atilde on options.dmd_manifold), then stepped y_{j+1} = A y_j + B from
 *               y_0 = 0 and lifted: data only, no operator of the FOM at all
 * Errors are the space-time relative errors (percent) of docs/problems.md's metric
 * (rom_burgers_error_metric: avg over all states). */
#ifndef ROMKIT_PARAMETRIC_H
#define ROMKIT_PARAMETRIC_H

#include "romkit/dmd.h"
#include "romkit/interp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ROM_PARAMETRIC_MAX_POINTS 16

typedef struct {
  rom_int n;     /* interior nodes per direction; default 32 (N = 1024) */
  rom_int steps; /* implicit Euler steps; default 50 */
  double dt;     /* default 0.01 (T = 0.5, as P3's transient) */
  rom_int dim;   /* k, per local and global ROM; default 6 */
  int ntrain;    /* default 5: mu = -2, -1, 0, 1, 2 */
  double train[ROM_PARAMETRIC_MAX_POINTS];
  int ntest; /* default 3: mu = -1.5, 0.3, 1.7 */
  double test[ROM_PARAMETRIC_MAX_POINTS];
  rom_interp_options interp;        /* default: Lagrange on the 2 nearest points (piecewise
                                       geodesic), the rest rom_interp_options_default() */
  rom_matrix_manifold manifold;     /* of the reduced operator; default ROM_MANIFOLD_SPD */
  rom_int local_rows;               /* ROM_AUTO_ROWS: even partition */
  rom_matrix_manifold dmd_manifold; /* of the DMD's Atilde; default ROM_MANIFOLD_GENERAL */
  int dmd;                          /* run the parametric DMD; default 1 */
} rom_parametric_heat_options;

rom_parametric_heat_options rom_parametric_heat_options_default(void);

typedef struct {
  int ntest;
  double mu[ROM_PARAMETRIC_MAX_POINTS];
  double err_interp[ROM_PARAMETRIC_MAX_POINTS]; /* percent, avg metric */
  double err_interp_max[ROM_PARAMETRIC_MAX_POINTS];
  double err_basis_only[ROM_PARAMETRIC_MAX_POINTS];
  double err_global[ROM_PARAMETRIC_MAX_POINTS];
  double err_local[ROM_PARAMETRIC_MAX_POINTS];
  double err_dmd[ROM_PARAMETRIC_MAX_POINTS]; /* parametric DMD (-1 when options.dmd = 0) */
  /* at the training parameters: max over them of the relative distance of the interpolated
   * ROM's trajectory to the local ROM's there (and of the parametric DMD's to the training
   * DMD's): ~1e-12 */
  double train_reproduction;
  double seconds_offline;         /* FOM trajectories, local PODs and reduced operators */
  double seconds_interpolate;     /* rom_interp_linear_rom per test parameter (mean) */
  double seconds_global_operator; /* V^T A(mu*) V of the global ROM per test parameter (mean) */
} rom_parametric_heat_result;

/* rom_dmd_parametric - parametric DMD (libROM's getParametricDMD, after Amsallem and
 * Farhat 2008, 2011): the DMD at `target` from n DMDs fitted at the training parameters
 * (n x d, row major). Each training DMD must have a basis and a reduced operator Atilde
 * ("exact", not windowed: rom_dmd_basis / rom_dmd_operator), the same rank r, the same rows
 * and the same dt. A DMD with control is refused (ROM_ERR_UNSUPPORTED: the projected DMD has
 * no input matrix); rom_parametric_heat_run shows how to interpolate its Btilde too. The bases are
 * aligned to the reference's (Procrustes), Atilde is rotated with them and interpolated on
 * `manifold` (ROM_MANIFOLD_GENERAL, or ROM_MANIFOLD_NONSINGULAR), the basis on the Grassmann
 * manifold, and the result is rom_dmd_create_projected(V*, A*, dt, t0, x0): modes V* W, amplitudes
 * from x0. x0_local  the state at t0 (local rows); NULL: the weighted sum of the training DMDs' own
 * reconstructions at their t0 (sum_i w_i x_i(t0), data only) t0        the time of x0 Collective.
 * Errors: ROM_ERR_STATE (a DMD without basis or operator), ROM_ERR_UNSUPPORTED (DMDc), ROM_ERR_DIM
 * (ranks or rows differ), ROM_ERR_ARG (dt differs, and every error of rom_interp_weights: outside
 * the training range, duplicates, NaN), and those of rom_dmd_create_projected. */
int rom_dmd_parametric(int n, const rom_dmd *const *dmds, int d, const double *params,
                       const double *target, const rom_interp_options *o,
                       rom_matrix_manifold manifold, double t0, const double *x0_local,
                       rom_dmd **out);

/* rom_parametric_heat_run - the study above. Collective. Errors: bad options (ARG, naming
 * the field), and every error of the steps (outside the training range under
 * ROM_INTERP_OUTSIDE_REFUSE, ...). */
int rom_parametric_heat_run(rom_ctx *ctx, const rom_parametric_heat_options *opts,
                            rom_parametric_heat_result *result);

#ifdef __cplusplus
}
#endif
#endif
