/* romkit — the reference full-order time integrator for nonlinear host models.
 *
 * For du/dt = F(u, t; mu) given through the model's velocity callbacks (model.h,
 * nonlinear section), rom_fom_integrate marches implicit steps with Newton's method:
 *   backward Euler  r(u) = u - u^n - dt F(u, t^{n+1}),                 A = I - dt J
 *   BDF2            r(u) = u - 4/3 u^n + 1/3 u^{n-1} - 2/3 dt F(u, t^{n+1}),
 *                                                                      A = I - 2/3 dt J
 * (BDF2 takes one backward-Euler step first). J = dF/du comes assembled from the
 * model's CSR callback; every Newton correction A du = -r is solved by a sparse direct
 * solver on rank 0 (the gathered matrix), and du is scattered back. This is the FOM of
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), sec. 5: the reference whose
 * snapshots train the ROMs and whose trajectory the ROM errors are measured against.
 *
 * Newton for step n+1 starts from u^n and stops as soon as ||r||_2 < tolerance
 * (docs/problems.md's rule; the norm is computed on rank 0 over the gathered residual in
 * global row order, so the decision and the trajectory do not depend on the partition).
 * If the residual is still above the tolerance after max_iterations corrections, or
 * becomes NaN/Inf, the call fails with ROM_ERR_NOT_CONVERGED on every rank, naming the
 * step, the iteration and the residual norm.
 */
#ifndef ROMKIT_FOM_H
#define ROMKIT_FOM_H

#include "romkit/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_FOM_BACKWARD_EULER = 0, /* default: the paper's scheme */
  ROM_FOM_BDF2 = 1
} rom_fom_scheme;

typedef enum {
  ROM_FOM_SOLVER_DEFAULT = 0, /* KLU: see docs/problems.md for the measurements */
  ROM_FOM_SOLVER_UMFPACK = 1, /* SuiteSparse UMFPACK, multifrontal LU, AMD/COLAMD ordering */
  ROM_FOM_SOLVER_KLU = 2,     /* SuiteSparse KLU, left-looking LU, BTF + AMD ordering */
  ROM_FOM_SOLVER_BANDED = 3   /* LAPACK dgbtrf/dgbtrs after reverse Cuthill-McKee */
} rom_fom_solver;

/* Called after every Newton correction with the new iterate (this rank's rows):
 * step = 1..steps (the step being computed), iteration = 1..max_iterations. The initial
 * guess u^n is not reported (it is the previous step's converged state). P2's
 * hyper-reduction builds its residual basis from all Newton iterates of the training
 * runs this way. Called on every rank, collectively; must not call romkit on the same
 * model. */
typedef void (*rom_fom_observer_fn)(void *user, rom_int step, int iteration, const double *u_local);

typedef struct {
  rom_fom_scheme scheme;        /* default ROM_FOM_BACKWARD_EULER */
  int max_iterations;           /* Newton corrections per step; default 10 */
  double tolerance;             /* stop when ||r||_2 < tolerance; default 1e-8 */
  rom_fom_solver solver;        /* default ROM_FOM_SOLVER_DEFAULT */
  rom_fom_observer_fn observer; /* NULL: none */
  void *observer_user;
} rom_fom_options;

rom_fom_options rom_fom_options_default(void);

typedef struct {
  rom_int steps;             /* steps taken */
  rom_int newton_iterations; /* corrections over all steps */
  int max_step_iterations;   /* the most corrections one step needed */
  double max_final_residual; /* the largest converged ||r||_2 over the steps */
  double seconds;            /* the whole call */
  double seconds_velocity;   /* velocity + CSR Jacobian callbacks */
  double seconds_solve;      /* gather, assembly of I - c dt J, factorisation, solve, scatter */
} rom_fom_stats;

/* rom_fom_integrate - `steps` implicit steps of size dt from u0 at time t0.
 *   m                 a model with velocity and CSR Jacobian (rom_model_set_velocity,
 *                     rom_model_set_velocity_jacobian_csr)
 *   mu                the parameters (may be NULL for a model with none)
 *   u0_local          this rank's rows of the initial state
 *   trajectory_local  (steps + 1) blocks of local_rows values, state n at
 *                     trajectory_local + n * local_rows (state 0 = u0); may be NULL
 *                     (on every rank) when only the observer or the final state matters
 *   o                 options (NULL: defaults)
 *   stats             may be NULL
 * Collective. Errors: ROM_ERR_ARG, ROM_ERR_STATE (no velocity/Jacobian), ROM_ERR_CALLBACK
 * (a host callback failed on some rank), ROM_ERR_NOT_CONVERGED, ROM_ERR_SINGULAR (the
 * Newton matrix is singular), ROM_ERR_UNSUPPORTED (a solver this build lacks). */
int rom_fom_integrate(rom_model *m, const double *mu, const double *u0_local, double t0, double dt,
                      rom_int steps, const rom_fom_options *o, double *trajectory_local,
                      rom_fom_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
