/* romkit — projection ROMs of nonlinear time-dependent problems: Galerkin and LSPG.
 *
 * The host's semi-discrete model du/dt = F(u, t; mu) (include/romkit/model.h, nonlinear
 * section) is discretised in time by romkit (backward Euler or BDF2), giving at each
 * step the fully discrete residual
 *     backward Euler   r(u) = u - u^n                      - dt F(u, t^{n+1}; mu)
 *     BDF2             r(u) = u - 4/3 u^n + 1/3 u^{n-1}    - 2/3 dt F(u, t^{n+1}; mu)
 * (BDF2 takes one backward-Euler step first). The state is approximated on an affine
 * subspace u ~ u_ref + Phi q (Phi: N x k POD basis, u_ref: the reference state), and the
 * reduced state q (k values, replicated on every rank) solves
 *  - Galerkin:  Phi^T r(u_ref + Phi q) = 0 by Newton, with the reduced Jacobian
 *               Phi^T (I - beta dt J_F) Phi (J_F Phi: one block Jacobian action of k
 *               columns per iteration);
 *  - LSPG:      min_q ||r(u_ref + Phi q)||_2 by Gauss-Newton (Carlberg, Bou-Mosleh,
 *               Farhat, Int. J. Numer. Meth. Eng. 86, 2011; Carlberg, Barone, Antil,
 *               J. Comput. Phys. 330, 2017), each iteration the least-squares problem
 *               min ||Jr dq + r|| with Jr = (I - beta dt J_F) Phi (N x k);
 *  - LSPG with hyper-reduction (GNAT: Carlberg, Farhat, Cortial, Amsallem, J. Comput.
 *               Phys. 242, 2013): min_q ||(P^T Phi_r)^+ P^T r(u_ref + Phi q)||_2, where
 *               P^T picks the ns sampled rows and Phi_r is the residual basis; the
 *               residual and its Jacobian are evaluated by the host's sampled callbacks
 *               on the sample mesh only, so an iteration costs O(nneeded k + ns nb k),
 *               independent of N. See include/romkit/hyper.h and docs/nonlinear.md.
 *
 * Iterations (at most max_iterations updates per step): evaluate the projected residual
 * (Phi^T r for Galerkin, Jr^T r for LSPG, (A Jr_s)^T (A r_s) with A = (P^T Phi_r)^+ for
 * GNAT); stop if its 2-norm is <= tolerance; otherwise solve for dq and update q. After
 * max_iterations updates the step is accepted (the default, as the code behind the
 * published tables does; counted in the statistics) or fails with ROM_ERR_NOT_CONVERGED.
 * A projected residual that is not finite, or that grows beyond divergence_factor times
 * its value at the first iteration of the step, is divergence: ROM_ERR_NOT_CONVERGED on
 * every rank, naming the step, the iteration and the residual, in either mode.
 * That test is relative to each step's start, so a trajectory that drifts away a little
 * every step (each step converging) would pass it. Two absolute guards catch that:
 *  - growth_factor: the projected residual of any iteration must stay within
 *    growth_factor times the reference residual, the initial projected residual of the
 *    first step of the run (rom_nlrom_run, or rom_nlrom_step with step <= 1) that
 *    exceeds the tolerance. A run that starts at rest under a forcing that ramps up by
 *    more than this factor must raise or disable it;
 *  - state_bound (host knowledge, e.g. a physical maximum): at the end of every step
 *    max |u_i| over the rows the ROM evaluates (this rank's rows, reduced over the ranks
 *    with one MPI_Allreduce per step; the sample mesh with hyper-reduction) must be
 *    finite and <= state_bound.
 * Both fail with ROM_ERR_NOT_CONVERGED on every rank, naming the step.
 *
 * Determinism: the reduced quantities are reduced to rank 0 and broadcast, so q is
 * bitwise identical on every rank and every rank takes the same decisions.
 */
#ifndef ROMKIT_NONLINEAR_ROM_H
#define ROMKIT_NONLINEAR_ROM_H

#include "romkit/autoencoder.h"
#include "romkit/hyper.h"
#include "romkit/model.h"
#include "romkit/pod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_NLROM_GALERKIN = 0, /* Phi^T r = 0, Newton */
  ROM_NLROM_LSPG = 1      /* min ||r||, Gauss-Newton (GNAT with hyper-reduction) */
} rom_nlrom_projection;

typedef enum {
  ROM_TIME_BACKWARD_EULER = 0,
  ROM_TIME_BDF2 = 1 /* second order; the first step is backward Euler */
} rom_time_scheme;

/* How LSPG (without hyper-reduction) solves its N x k least-squares problem. */
typedef enum {
  /* (Jr^T Jr) dq = -Jr^T r: one local dsyrk-sized product and one reduction of a
   * (k+1) x (k+1) block per iteration, no allocation. Squares the condition number of
   * Jr, which is harmless for the usual Jr = (I - dt J_F) Phi with Phi orthonormal and
   * dt ||J_F|| moderate (cond(Jr) ~ 1 + dt ||J_F||). The default. */
  ROM_LSPG_NORMAL_EQUATIONS = 0,
  /* TSQR of [Jr, r] (Demmel et al. 2012): R11 dq = -R12, condition number of Jr itself;
   * about twice the flops and an allocation per iteration. For stiff steps. */
  ROM_LSPG_TSQR = 1
} rom_lspg_solver;

/* The first iterate of each step in rom_nlrom_run. */
typedef enum {
  /* q^n itself (the paper's: Kim, Choi, Widemann, Zohdi 2022, Algorithm 1). The default. */
  ROM_NLROM_GUESS_PREVIOUS = 0,
  /* 2 q^n - q^{n-1} (linear extrapolation in the latent space; q^n on the first step): the
   * start is O(dt^2) from the solution instead of O(dt), so a step converges in fewer
   * updates (P2 NM-LSPG-HR: 2.1 -> 1.0 updates per step, errors equal to 1e-5 relative,
   * docs/nonlinear.md, "Initial guess"). The converged q differs from the previous-start
   * one only within the tolerance. */
  ROM_NLROM_GUESS_EXTRAPOLATE = 1
} rom_nlrom_guess;

/* How an iteration after an update decides convergence, with hyper-reduction (GNAT). */
typedef enum {
  /* Evaluate the projected residual (A Jr_s)^T (A r_s) at the new iterate: the residual and
   * its Jacobian there (for a manifold, the decoder's value and Jacobian). The default. */
  ROM_NLROM_CHECK_EXACT = 0,
  /* Form it with the Jacobian of the iterate before the update, (A Jr_s(q_old))^T A
   * r_s(q_new): only the residual is evaluated at the new iterate (the decoder's value
   * without its Jacobian, the sampled velocity without the sampled Jacobian). After a
   * Gauss-Newton update the two differ by O(|dq| |r|), the order of the test itself. Only
   * when this says "not converged" is the Jacobian evaluated there, and the iteration goes
   * on as with EXACT. A step that converges after one update then costs one full
   * evaluation and one residual evaluation instead of two full ones (P2 NM-LSPG-HR:
   * docs/nonlinear.md, "Lagged convergence check"). Needs hyper-reduction. */
  ROM_NLROM_CHECK_LAGGED = 1
} rom_nlrom_check;

typedef struct {
  rom_nlrom_projection projection;   /* default ROM_NLROM_LSPG */
  rom_time_scheme scheme;            /* default ROM_TIME_BACKWARD_EULER */
  rom_lspg_solver lspg_solver;       /* default ROM_LSPG_NORMAL_EQUATIONS */
  int max_iterations;                /* updates per step; default 4 (Kim et al. 2022) */
  double tolerance;                  /* on ||projected residual||_2; default 1e-8 */
  int fail_if_not_converged;         /* 0 (default): accept after max_iterations, count it;
                                        1: ROM_ERR_NOT_CONVERGED */
  double divergence_factor;          /* default 1e8 (see above); <= 0 disables the growth test */
  double growth_factor;              /* default 1e6: the trajectory guard (see above); <= 0
                                        disables it */
  double state_bound;                /* > 0: max |u_i| allowed at the end of a step, over the
                                        rows the ROM evaluates; default 0 (none) */
  rom_nlrom_guess initial_guess;     /* rom_nlrom_run's first iterate per step; default
                                        ROM_NLROM_GUESS_PREVIOUS (rom_nlrom_step: the caller's) */
  rom_nlrom_check convergence_check; /* default ROM_NLROM_CHECK_EXACT; LAGGED needs hr */
} rom_nlrom_options;

rom_nlrom_options rom_nlrom_options_default(void);

/* Statistics of rom_nlrom_run / rom_nlrom_step (accumulated over the steps of a run;
 * rom_nlrom_step adds to what it is given). */
typedef struct {
  rom_int steps;
  rom_int iterations;           /* updates (linear solves) over all steps */
  rom_int residual_evaluations; /* velocity (or sampled velocity) calls */
  rom_int jacobian_evaluations; /* Jacobian block actions (or sampled Jacobians) */
  rom_int not_converged_steps;  /* steps accepted after max_iterations */
  int max_iterations_in_a_step;
  double last_residual;      /* projected residual norm at the end of the last step */
  double max_final_residual; /* largest end-of-step projected residual norm */
  double seconds;            /* wall time inside rom_nlrom_run / _step */
  /* Where that time goes (wall time, this rank): decoding the manifold (the decoder or its
   * sub-network, value and Jacobian) and the model's callbacks (velocity and Jacobian,
   * sampled or not); the rest is the ROM's own linear algebra and reductions. */
  double decoder_seconds;
  double model_seconds;
  /* The residual error indicator (docs/nonlinear.md, "Residual error indicator and greedy
   * training"): eta_n = ||r(u^n)||_2, the 2-norm of the FOM's fully discrete residual of the
   * scheme (backward Euler: r(u) = u - u^{n-1} - dt F(u, t^n; mu)) at the ROM state u^n of
   * each step's end, u^{n-1} the ROM's previous state. Without hyper-reduction r is the
   * full N-row residual (POD Galerkin and LSPG, NM-LSPG); with hyper-reduction it is
   * P^T r, the residual at the ns sampled rows, which the step computes anyway (O(ns), no
   * N-sized work). The sum over steps is the indicator: for backward Euler the error
   * e^n = u_ROM^n - u_FOM^n obeys (I - dt Jbar) e^n = e^{n-1} + r^n (Jbar: F's Jacobian
   * averaged between the states), so ||e^n|| <= sum_{m <= n} ||r^m|| while
   * ||(I - dt Jbar)^{-1}|| <= 1 (contractive steps) and e^0 = 0; in general the sum times a
   * stability factor. Not available for NM-Galerkin, whose residual is latent
   * (indicator_rows = 0, the values NaN). */
  double indicator_sum;   /* sum over the steps of eta_n */
  double indicator_max;   /* max over the steps of eta_n */
  double indicator_last;  /* eta of the last step */
  rom_int indicator_rows; /* rows the norm runs over: N, or ns with hyper-reduction */
} rom_nlrom_stats;

typedef struct rom_nlrom rom_nlrom;

/* rom_nlrom_create - a Galerkin or LSPG ROM of the model's velocity on the basis.
 *   m                the model: velocity and Jacobian block action (without hr), or the
 *                    sampled velocity and Jacobian (with hr)
 *   basis            Phi (N x k), rows partitioned like the model; may be NULL only with hr
 *                    (then k is hr's state dimension and the ROM never touches N-sized data)
 *   reference_local  u_ref on this rank's rows; NULL: the basis's reference vector, or 0.
 *                    With hr: NULL uses hr's stored reference rows; otherwise its values
 *                    at hr's needed rows are gathered (collective, O(nneeded)).
 *   hr               hyper-reduction data (rom_hyper_create / rom_hyper_read), NULL for
 *                    none. Requires LSPG (GNAT) and hr's state rows (state_dim == k):
 *                    Galerkin with hr is ROM_ERR_UNSUPPORTED. The ROM keeps a pointer:
 *                    hr must outlive it.
 *   o                options (NULL: defaults)
 * The ROM keeps pointers to m and basis (not copies): they must outlive it.
 * With hr the model's sample-mesh setup (rom_model_set_sample_mesh_setup), if any, is
 * called once here with hr's sample rows and sample mesh.
 * Collective. Errors: ROM_ERR_ARG, ROM_ERR_DIM (partitions, dims), ROM_ERR_STATE (model
 * lacks the callbacks needed: velocity and Jacobian action without hr, sampled velocity
 * and sampled Jacobian with hr), ROM_ERR_UNSUPPORTED, ROM_ERR_CALLBACK (the setup). */
int rom_nlrom_create(rom_model *m, const rom_basis *basis, const double *reference_local,
                     const rom_hyper *hr, const rom_nlrom_options *o, rom_nlrom **out);
int rom_nlrom_destroy(rom_nlrom **rom); /* NULL-safe. Not collective. */

/* rom_nlrom_create_manifold - the nonlinear-manifold ROMs of Kim, Choi, Widemann, Zohdi
 * (J. Comput. Phys. 451, 2022; Lee & Carlberg, J. Comput. Phys. 404, 2020): the state is
 * u = u_ref + g(q), g the stacked decoders of aes[0 .. nae) (one autoencoder, or one per
 * component as the paper's P2: decoder b feeds the next N_b rows from the next k_b
 * latent values), q the latent state (k = sum k_b). With r(q) the time-discrete residual
 * above, u^n = u_ref + g(q^n) in its history term, and J_g = dg/dq (forward mode, exact):
 *  - NM-Galerkin:  the manifold Galerkin ROM dq/dt = J_g(q)^+ F(u_ref + g(q)) (Lee &
 *                  Carlberg 2020), discretised in the latent space as the authors' code
 *                  does: q - q_hist - beta dt J_g^+ F = 0 (q_hist = q^n, BDF2: 4/3 q^n -
 *                  1/3 q^{n-1}), by Newton with J_g^+ held constant (Jacobian
 *                  I - beta dt J_g^+ J_F J_g); J_g^+ F = (J_g^T J_g)^{-1} J_g^T F. The
 *                  projected residual is that latent residual. For a linear decoder with
 *                  orthonormal columns this is POD-Galerkin;
 *  - NM-LSPG:      min_q ||r(q)|| by Gauss-Newton with Jr = (I - beta dt J_F) J_g;
 *  - NM-LSPG-HR:   with hr from rom_hyper_attach_decoder: the residual and Jacobian are
 *                  evaluated at the ns samples, g and J_g by the decoder sub-network on the
 *                  sample mesh (rom_ae_subnet), so a step never touches N-sized data.
 * Without hr every rank evaluates the sub-network of its own rows only (the hidden units
 * they need), so the decoder work is split like the model.
 *   reference_local  u_ref on this rank's rows; NULL: 0 (e.g. when the autoencoder's
 *                    output shift already holds the reference, as P2's min-max scaling).
 *                    With hr: NULL uses hr's stored reference rows.
 *   aes              may be NULL (nae = 0) only with hr; then rom_nlrom_lift is unavailable.
 *                    The autoencoders are copied (sub-networks): they may be destroyed
 *                    after this call. hr must outlive the ROM.
 * The initial latent state is the caller's: 0 when u_ref is the initial condition and
 * g(0) = 0 (P1), or rom_ae_encode(u0 - u_ref) (P2). Collective.
 * Errors: ROM_ERR_ARG, ROM_ERR_DIM (decoder rows != model rows, latent != hr's state
 * dimension), ROM_ERR_STATE (hr without a decoder), ROM_ERR_UNSUPPORTED (Galerkin + hr). */
int rom_nlrom_create_manifold(rom_model *m, int nae, rom_ae *const *aes,
                              const double *reference_local, const rom_hyper *hr,
                              const rom_nlrom_options *o, rom_nlrom **out);

rom_int rom_nlrom_dim(const rom_nlrom *rom); /* k */

/* rom_nlrom_step - one time step from t to t + dt: q_new solves the step's reduced
 * problem given q_old (q^n) and, for BDF2, q_older (q^{n-1}; NULL for the first step,
 * which is then backward Euler). q_new is the initial guess on entry (pass q_old for
 * the usual extrapolation-free start, or 2 q_old - q_older as ROM_NLROM_GUESS_EXTRAPOLATE;
 * options.initial_guess applies to rom_nlrom_run only) and the result on exit. `step` names the
 * step in messages. stats may be NULL. Collective (without hr: reductions; with hr: replicated work
 * and one agreement on the error code). */
int rom_nlrom_step(rom_nlrom *rom, const double *mu, double t, double dt, rom_int step,
                   const double *q_old, const double *q_older, double *q_new,
                   rom_nlrom_stats *stats);

/* rom_nlrom_run - `steps` steps of size dt from t0 and q0 (k values; NULL = 0); the
 * trajectory gets (steps + 1) x k values, state n at trajectory_q + n*k (state 0 = q0).
 * stats (may be NULL) is reset first. Collective. */
int rom_nlrom_run(rom_nlrom *rom, const double *mu, double t0, double dt, rom_int steps,
                  const double *q0, double *trajectory_q, rom_nlrom_stats *stats);

/* rom_nlrom_set_reference - replaces the reference state u_ref (the affine offset of
 * u = u_ref + Phi q, or u_ref + g(q)), e.g. to run one ROM at many parameters whose
 * initial states differ (P1: u_ref = u0(mu), q0 = 0), without creating the ROM again.
 *   reference_local   this rank's rows; needed when the ROM holds rows of its own (a basis,
 *                     or autoencoders): the ROM without hyper-reduction and rom_nlrom_lift
 *                     use it. NULL otherwise.
 *   reference_needed  with hyper-reduction: the values at hr's sample mesh, in the order of
 *                     rom_hyper_needed_rows (nneeded values, the same on every rank).
 *                     NULL without hyper-reduction.
 * Not collective. Errors: ROM_ERR_ARG when a needed array is NULL or one is given that the
 * ROM does not use. */
int rom_nlrom_set_reference(rom_nlrom *rom, const double *reference_local,
                            const double *reference_needed);

/* rom_nlrom_lift - u_local = u_ref + Phi q (manifold: u_ref + g(q)) on this rank's rows
 * (needs the basis, or the autoencoders for a manifold ROM).
 * Not collective. */
int rom_nlrom_lift(const rom_nlrom *rom, const double *q, double *u_local);

#ifdef __cplusplus
}
#endif
#endif
