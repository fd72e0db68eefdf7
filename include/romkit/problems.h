/* romkit — reference full-order models from the literature (used by the demo, tests and
 * benchmarks, and as worked examples of the host-model interface). See docs/problems.md. */
#ifndef ROMKIT_PROBLEMS_H
#define ROMKIT_PROBLEMS_H

#include "romkit/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* P3 — parametric heat conduction on the unit square (BENCHMARKS.md):
 *   -div(kappa(x; mu) grad u) = f       (steady)
 *   du/dt - div(kappa(x; mu) grad u) = f (transient, u(0) = 0)
 * with u = 0 on the boundary, f = 1, and kappa = mu_q on subdomain q of a
 * blocks_x x blocks_y partition of the square. 5-point finite differences on an n x n
 * grid of interior nodes (h = 1/(n+1)), lexicographic ordering (x fastest), with
 * kappa evaluated at face midpoints, so A(mu) = sum_q mu_q A_q exactly (affine).
 * The unknowns are row-distributed over the context's ranks in any contiguous partition. */
typedef struct rom_heat2d rom_heat2d;

typedef struct {
  rom_int n;    /* interior nodes per direction (N = n^2 unknowns); default 64 */
  int blocks_x; /* conductivity subdomains per direction; default 2 x 2 = 4 parameters */
  int blocks_y;
} rom_heat2d_options;

rom_heat2d_options rom_heat2d_options_default(void);

/* rom_heat2d_create - the FOM with `local_rows` unknowns on this rank (ROM_AUTO_ROWS in
 * romkit/snapshots.h: even partition). Collective. */
int rom_heat2d_create(rom_ctx *ctx, const rom_heat2d_options *opts, rom_int local_rows,
                      rom_heat2d **out);
int rom_heat2d_destroy(rom_heat2d **h); /* NULL-safe. */

rom_int rom_heat2d_global_rows(const rom_heat2d *h);
rom_int rom_heat2d_local_rows(const rom_heat2d *h);
int rom_heat2d_num_parameters(const rom_heat2d *h);

/* The host-model view of the FOM (owned by h): affine operator with one term per
 * subdomain (theta_q = mu_q), one rhs term (phi_0 = 1), identity mass. */
rom_model *rom_heat2d_model(rom_heat2d *h);

/* FOM solves with a direct solver (banded Cholesky, LAPACK dpbtrf/dpbtrs on the
 * assembled A(mu), gathered on rank 0 — the reference, not a scalable solver).
 * u_local: this rank's rows. Collective. */
int rom_heat2d_solve(rom_heat2d *h, const double *mu, double *u_local);
/* Implicit Euler from u = 0; trajectory_local gets (steps + 1) blocks of local_rows
 * values (state n at trajectory_local + n * local_rows). Collective. */
int rom_heat2d_transient(rom_heat2d *h, const double *mu, double dt, rom_int steps,
                         double *trajectory_local);

#ifdef __cplusplus
}
#endif
#endif
