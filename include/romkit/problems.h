/* romkit — reference full-order models from the literature (used by the demo, tests and
 * benchmarks, and as worked examples of the host-model interface). See docs/problems.md. */
#ifndef ROMKIT_PROBLEMS_H
#define ROMKIT_PROBLEMS_H

#include "romkit/matrix.h"
#include "romkit/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* P3 — parametric heat conduction on the unit square (docs/problems.md):
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

/* rom_heat2d_probe_weights - output weights of point probes at the nodes nearest
 * (i/m, j/m), i, j = 1..m-1 (the P3 design problem's nine probes for m = 4,
 * docs/optimisation.md): Lw is local_rows x (m-1)^2, column-major, probe p = (i-1) + (m-1)(j-1)
 * a unit weight on its node's row (on the rank that holds it), zero elsewhere. Not
 * collective. */
int rom_heat2d_probe_weights(const rom_heat2d *h, int m, double *Lw);

/* rom_heat2d_factorizations - band Cholesky factorisations made so far (the model's solver,
 * whose cache reuses them, rom_heat2d_solve and rom_heat2d_transient): the cost that
 * dominates a solve at large n, reported beside solve counts (docs/optimisation.md).
 * Collective (rank 0's count, broadcast); -1 if the broadcast fails. */
long rom_heat2d_factorizations(const rom_heat2d *h);

/* FOM solves with a direct solver (banded Cholesky, LAPACK dpbtrf/dpbtrs on the
 * assembled A(mu), gathered on rank 0 — the reference, not a scalable solver).
 * u_local: this rank's rows. Collective. */
int rom_heat2d_solve(rom_heat2d *h, const double *mu, double *u_local);
/* Implicit Euler from u = 0; trajectory_local gets (steps + 1) blocks of local_rows
 * values (state n at trajectory_local + n * local_rows). Collective. */
int rom_heat2d_transient(rom_heat2d *h, const double *mu, double dt, rom_int steps,
                         double *trajectory_local);

/* ---- P3X — heat conduction with a non-affine conductivity (docs/problems.md, "P3X") ---------
 *
 *   u_t - div(exp(mu x) grad u) = 1 (transient, u(0) = 0),  -div(exp(mu x) grad u) = 1 (steady)
 * on the unit square, u = 0 on the boundary; the 5-point scheme of P3 with kappa at the face
 * midpoints. One parameter mu (the registry's range: [-2, 2]). A(mu) is SPD but not affine
 * in any finite set of functions of mu: the test case of interpolated ROMs (romkit/interp.h).
 * The model is the nonlinear-form one with F(u; mu) = 1 - A(mu) u (velocity, Jacobian action
 * and CSR). Row-distributed in any contiguous partition. */
typedef struct rom_heat2d_exp rom_heat2d_exp;

/* rom_heat2d_exp_create - n x n interior nodes, `local_rows` here (ROM_AUTO_ROWS: even).
 * Collective. */
int rom_heat2d_exp_create(rom_ctx *ctx, rom_int n, rom_int local_rows, rom_heat2d_exp **out);
int rom_heat2d_exp_destroy(rom_heat2d_exp **h); /* NULL-safe. */
rom_int rom_heat2d_exp_global_rows(const rom_heat2d_exp *h);
rom_int rom_heat2d_exp_local_rows(const rom_heat2d_exp *h);
rom_int rom_heat2d_exp_row_offset(const rom_heat2d_exp *h);
rom_model *rom_heat2d_exp_model(rom_heat2d_exp *h); /* owned by h */
/* Y = A(mu) X for ncols distributed vectors (column-major local blocks). Collective. */
int rom_heat2d_exp_apply(rom_heat2d_exp *h, const double *mu, rom_int ncols, const double *X,
                         rom_int ldx, double *Y, rom_int ldy);
/* Direct solves (banded Cholesky on rank 0, as P3): steady A(mu) u = 1, and implicit Euler
 * (I + dt A) u^{s+1} = u^s + dt from u = 0 into (steps + 1) blocks of local rows.
 * Collective. */
int rom_heat2d_exp_solve(rom_heat2d_exp *h, const double *mu, double *u_local);
int rom_heat2d_exp_transient(rom_heat2d_exp *h, const double *mu, double dt, rom_int steps,
                             double *trajectory_local);

/* ---- P1 — 1D inviscid Burgers (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451, 2022,
 * sec. 5.1; docs/problems.md) ------------------------------------------------------------------
 *
 *   u_t + u u_x = 0 on [0, 2], periodic; nodes x_i = i dx, i = 0..N (N = 1000, dx = 2/N),
 *   node N a copy of node 0, so the N unknowns are u_0..u_{N-1}.
 * Velocity (non-conservative first-order upwind, valid for u >= 1):
 *   F_i(u) = -(u_i^2 - u_i u_{i-1}) / dx,   u_{-1} = u_{N-1} (periodic wrap),
 * so backward Euler's residual is the one of docs/problems.md:
 *   r_i = u_i - u_i^n + (dt/dx)(u_i^2 - u_i u_{i-1}).
 * The parameter mu = {a} enters the initial condition only (F does not depend on it).
 * The unknowns are row-distributed in any contiguous partition (ranks may be empty). */
typedef struct rom_burgers1d rom_burgers1d;

typedef struct {
  rom_int unknowns;  /* N; default 1000 (1001 nodes with the periodic copy) */
  double length;     /* domain [0, length]; default 2 */
  double final_time; /* T; default 0.5 */
  rom_int steps;     /* time steps; default 500 (dt = T / steps = 0.001) */
} rom_burgers1d_options;

rom_burgers1d_options rom_burgers1d_options_default(void);

/* rom_burgers1d_create - the FOM with `local_rows` unknowns on this rank (ROM_AUTO_ROWS:
 * even partition). Collective. */
int rom_burgers1d_create(rom_ctx *ctx, const rom_burgers1d_options *opts, rom_int local_rows,
                         rom_burgers1d **out);
int rom_burgers1d_destroy(rom_burgers1d **h); /* NULL-safe. Collective-free. */

rom_int rom_burgers1d_global_rows(const rom_burgers1d *h);
rom_int rom_burgers1d_local_rows(const rom_burgers1d *h);
rom_int rom_burgers1d_row_offset(const rom_burgers1d *h); /* global index of the first local row */
double rom_burgers1d_time_step(const rom_burgers1d *h);   /* T / steps */
rom_int rom_burgers1d_steps(const rom_burgers1d *h);

/* The host-model view (owned by h; 1 parameter, a): velocity, Jacobian action,
 * assembled CSR Jacobian (columns sorted per row), stencil (sorted global rows
 * {i-1 mod N, i}) and sampled velocity / Jacobian. */
rom_model *rom_burgers1d_model(rom_burgers1d *h);

/* u0_local = u0(x_i; a) = 1 + a sin^2(pi x_i) for x_i in [0, 1], 1 elsewhere, on this
 * rank's rows. Not collective. */
int rom_burgers1d_initial(const rom_burgers1d *h, double a, double *u0_local);

/* ---- P2 — 2D viscous Burgers (same paper, sec. 5.2; docs/problems.md) ------------------------
 *
 *   u_t + u u_x + v u_y = (u_xx + u_yy)/Re,   v_t + u v_x + v v_y = (v_xx + v_yy)/Re
 * on [0, 1]^2 with u = v = 0 on the boundary; grid_points^2 nodes x_i = i/(grid_points-1),
 * n = grid_points - 2 interior nodes per direction, 2 n^2 unknowns.
 * Unknown ordering: the u block, then the v block (u at node (i, j) is global row
 * i + n j, v is n^2 + i + n j, i, j = 0..n-1 for interior nodes 1..n, x fastest), so
 * each component is a contiguous range of rows, as the separate u/v bases need.
 * Velocity: non-conservative backward (upwind for u, v >= 0) differences for convection,
 * central differences for diffusion:
 *   F_u = -u (u_ij - u_{i-1,j})/dx - v (u_ij - u_{i,j-1})/dy
 *         + ((u_{i+1,j} - 2u_ij + u_{i-1,j})/dx^2 + (u_{i,j+1} - 2u_ij + u_{i,j-1})/dy^2)/Re
 * and the same for F_v with v in place of the transported quantity. mu = {a} enters the
 * initial condition only. Row-distributed in any contiguous partition. */
typedef struct rom_burgers2d rom_burgers2d;

typedef struct {
  rom_int grid_points; /* per direction, boundary included; default 60 (58^2 x 2 = 6728) */
  double reynolds;     /* Re; default 10000 */
  double final_time;   /* T; default 2 */
  rom_int steps;       /* default 1500 */
} rom_burgers2d_options;

rom_burgers2d_options rom_burgers2d_options_default(void);

int rom_burgers2d_create(rom_ctx *ctx, const rom_burgers2d_options *opts, rom_int local_rows,
                         rom_burgers2d **out); /* Collective. */
int rom_burgers2d_destroy(rom_burgers2d **h);  /* NULL-safe. */

rom_int rom_burgers2d_global_rows(const rom_burgers2d *h);    /* 2 n^2 */
rom_int rom_burgers2d_component_rows(const rom_burgers2d *h); /* n^2: u rows 0..n^2-1, v after */
rom_int rom_burgers2d_local_rows(const rom_burgers2d *h);
rom_int rom_burgers2d_row_offset(const rom_burgers2d *h);
double rom_burgers2d_time_step(const rom_burgers2d *h);
rom_int rom_burgers2d_steps(const rom_burgers2d *h);
/* Host-model view (owned by h; 1 parameter, a). The stencil of a u row is
 * {u at the node and its 4 interior neighbours} U {v at the node} (and symmetrically for v),
 * sorted. */
rom_model *rom_burgers2d_model(rom_burgers2d *h);

/* u = v = a sin(2 pi x) sin(2 pi y) for x, y in [0, 0.5], 0 elsewhere (interior nodes),
 * on this rank's rows. Not collective. */
int rom_burgers2d_initial(const rom_burgers2d *h, double a, double *u0_local);

/* ---- Error metric of the paper's tables (docs/problems.md) -------------------------------------
 *
 * Over the stored states n = 0..nstates-1 (state n at fom_local + n * local_rows), with
 * e_n = fom_n - rom_n:
 *   avg = 100 sqrt(sum_n ||e_n||^2) / sqrt(sum_n ||fom_n||^2),
 *   max = 100 max_n ||e_n|| / ||fom_n||   (states with ||fom_n|| = 0 are skipped),
 * in percent. include_periodic_copy counts global row 0 twice (P1: the norms are taken
 * over all N + 1 nodes, the periodic copy included). Sums are reduced in rank order, so
 * the result does not depend on the partition beyond rounding. Collective. */
int rom_burgers_error_metric(rom_ctx *ctx, rom_int nstates, rom_int local_rows,
                             const double *fom_local, const double *rom_local,
                             int include_periodic_copy, double *avg_pct, double *max_pct);
/* The same over the rows of one component of P2 (0: u, 1: v), from full trajectories
 * (nstates blocks of rom_burgers2d_local_rows values). Collective. */
int rom_burgers2d_error_metric(const rom_burgers2d *h, rom_int nstates, const double *fom_local,
                               const double *rom_local, int component, double *avg_pct,
                               double *max_pct);

/* Matrices with a known SVD — the POD benchmark of docs/problems.md (s_i = 10^(-8 i/m)) and the
 * reference of romkit's SVD tests:
 *   A = U diag(s) V^T, U = the first m columns of the orthonormal DST-I matrix of size N,
 *   V = the DST-I matrix of size m, u_j(i) = sqrt(2/(N+1)) sin(pi (i+1)(j+1)/(N+1)).
 * Entries depend only on the global row, so A is the same on any partition. */

/* Entry i of column j of the orthonormal DST-I matrix of size n (0-based). Not collective. */
double rom_dst_entry(rom_int n, rom_int i, rom_int j);

/* rom_known_spectrum_matrix - the N x m matrix above with `local_rows` rows here (N is
 * their sum) and singular values s[0..rank-1] (the rest zero; rank <= min(N, m)).
 * Collective. */
int rom_known_spectrum_matrix(rom_ctx *ctx, rom_int local_rows, rom_int m, const double *s,
                              rom_int rank, rom_dmat **out);

#ifdef __cplusplus
}
#endif
#endif
