/* romkit — many-query sweeps: a ROM evaluated over thousands of parameter samples.
 *
 * A design is a list of parameter vectors mu_0 .. mu_{ns-1} in a box
 * [low_0, high_0] x .. x [low_{p-1}, high_{p-1}], each parameter on a linear or a
 * logarithmic scale. Sample i is a pure function of (design, i) — the random designs use
 * the counter-based generator of romkit/rng.h — so a sweep gives the same samples, and
 * the same outputs bit for bit, on any number of ranks:
 *
 *   grid         counts n_j points per parameter (ends included; n_j = 1: the midpoint),
 *                ns = prod_j n_j, parameter 0 varying fastest;
 *   Latin hypercube (McKay, Beckman, Conover, Technometrics 21, 1979): parameter j of
 *                sample i lies in stratum pi_j(i) of the ns equal strata of its (log-)range,
 *                uniformly inside it; pi_j is a pseudo-random permutation of 0..ns-1
 *                evaluated point-wise (a keyed Feistel network with cycle walking, keys
 *                from rom_rng), so no rank ever forms the whole permutation;
 *   Monte Carlo  independent uniform (or log-uniform) values.
 *
 * rom_sweep_run distributes the samples over the ROM context's ranks in contiguous blocks
 * (rank r gets ns/P samples, the first ns mod P ranks one more), solves each with the
 * affine ROM, evaluates the ROM's outputs (rom_affine_rom_add_output; a ROM without
 * outputs reports its k reduced coordinates q_0 .. q_{k-1} instead), and reduces
 * mean, variance, min and max of every output over the ranks in rank order.
 * rom_sweep_write stores the sweep as an HDF5 file of kind "sweep" (docs/file-format.md).
 * docs/sweeps.md is the user's guide.
 */
#ifndef ROMKIT_SWEEP_H
#define ROMKIT_SWEEP_H

#include "romkit/affine_rom.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_SWEEP_GRID = 0,       /* tensor grid, counts per parameter */
  ROM_SWEEP_LHS = 1,        /* Latin hypercube, seeded */
  ROM_SWEEP_MONTE_CARLO = 2 /* independent uniform / log-uniform samples, seeded */
} rom_sweep_design_kind;

/* Names as the CLI and the file spell them: "grid", "lhs", "mc". from_name: ROM_ERR_ARG
 * for anything else. Not collective. */
const char *rom_sweep_design_kind_name(rom_sweep_design_kind kind);
int rom_sweep_design_kind_from_name(const char *name, rom_sweep_design_kind *kind);

typedef struct rom_sweep_design rom_sweep_design;

/* rom_sweep_design_create - a design of `num_parameters` (p >= 1) parameters in the box
 * [low_j, high_j] (low_j < high_j, finite); log_scale (p flags, NULL: all linear) puts
 * parameter j on a logarithmic scale (then low_j > 0): log-uniform sampling, strata and
 * grid points equally spaced in log(mu_j).
 *   grid: counts (p values >= 1) points per parameter; samples must be 0 or their product.
 *   lhs, mc: samples >= 1; counts must be NULL; seed selects the random numbers.
 * Not collective: every rank that calls it with the same arguments gets the same design
 * (the arguments are copied). Errors: ROM_ERR_ARG naming the parameter (low >= high,
 * log scale with low <= 0, non-finite bounds, zero samples, a zero count), ROM_ERR_UNSUPPORTED
 * (grid of more than 2^62 points). */
int rom_sweep_design_create(rom_ctx *ctx, rom_sweep_design_kind kind, int num_parameters,
                            const double *low, const double *high, const int *log_scale,
                            rom_int samples, const rom_int *counts, uint64_t seed,
                            rom_sweep_design **out);
int rom_sweep_design_destroy(rom_sweep_design **design); /* NULL-safe. Not collective. */

/* Accessors. Not collective. */
rom_sweep_design_kind rom_sweep_design_kind_of(const rom_sweep_design *design);
rom_int rom_sweep_design_samples(const rom_sweep_design *design);    /* ns */
int rom_sweep_design_num_parameters(const rom_sweep_design *design); /* p */
uint64_t rom_sweep_design_seed(const rom_sweep_design *design);

/* rom_sweep_design_sample - mu (p values) of sample i, 0 <= i < ns: a pure function of
 * (design, i). Not collective, thread-safe, O(p) work (LHS: O(p) expected). */
int rom_sweep_design_sample(const rom_sweep_design *design, rom_int i, double *mu);

/* The user's map from parameters to the affine coefficients of the ROM:
 * theta[q] = theta_q(mu) (operator_terms values), phi[q] = phi_q(mu) (rhs_terms values).
 * Return 0 on success, non-zero on failure. Called once per sample on the rank that owns
 * it; not collective. */
typedef int (*rom_sweep_coefficients_fn)(void *user, const double *mu, double *theta, double *phi);

/* rom_sweep_model_coefficients - a rom_sweep_coefficients_fn that takes its coefficients
 * from a host model's callbacks: pass the rom_model * as `user`. */
int rom_sweep_model_coefficients(void *model, const double *mu, double *theta, double *phi);

typedef struct rom_sweep rom_sweep;

/* rom_sweep_run - evaluates the ROM at every sample of the design, distributed over the
 * ranks of the ROM's context in contiguous blocks; computes the output statistics.
 * coefficients == NULL uses theta_q = mu_q (the design must have one parameter per operator
 * term, ROM_ERR_DIM otherwise) and phi_q = 1 — the convention of the P3 heat problem.
 * Collective. Errors agree on every rank: a failure at some samples (a singular reduced
 * matrix: ROM_ERR_SINGULAR; non-finite coefficients: ROM_ERR_NOT_FINITE; a failed
 * callback: ROM_ERR_CALLBACK) is reported by every rank with the code and message of the
 * lowest failing sample, naming its index and mu. */
int rom_sweep_run(rom_affine_rom *rom, const rom_sweep_design *design,
                  rom_sweep_coefficients_fn coefficients, void *user, rom_sweep **out);
int rom_sweep_destroy(rom_sweep **sweep); /* NULL-safe. Not collective. */

/* Accessors. Not collective. */
rom_int rom_sweep_samples(const rom_sweep *sweep);                /* ns */
int rom_sweep_num_parameters(const rom_sweep *sweep);             /* p */
int rom_sweep_num_outputs(const rom_sweep *sweep);                /* no */
const char *rom_sweep_output_name(const rom_sweep *sweep, int o); /* NULL if out of range */
/* This rank's block: samples [offset, offset + local_samples). */
rom_int rom_sweep_local_offset(const rom_sweep *sweep);
rom_int rom_sweep_local_samples(const rom_sweep *sweep);
/* This rank's samples' parameters (local_samples x p) and outputs (local_samples x no),
 * row-major (row = sample), owned by the sweep. */
const double *rom_sweep_local_parameters(const rom_sweep *sweep);
const double *rom_sweep_local_outputs(const rom_sweep *sweep);
/* Statistics of each output over all ns samples (the same on every rank): mean, sample
 * variance (divisor ns - 1; 0 when ns = 1), min, max; each argument NULL or room for no
 * values. They are accumulated in sample order (Welford's update, on rank 0, which takes
 * the ranks' blocks in rank order), so they are the same bits on any rank count. */
int rom_sweep_statistics(const rom_sweep *sweep, double *mean, double *variance, double *min,
                         double *max);
/* Wall-clock seconds of the evaluation (slowest rank), without the statistics and I/O. */
double rom_sweep_seconds(const rom_sweep *sweep);

/* rom_sweep_write - the sweep as an HDF5 file of kind "sweep": /parameters {ns, p} and
 * /outputs {ns, no} written collectively (each rank its block of rows), /statistics {4, no}
 * (rows mean, variance, min, max), /ranges {p, 2}, /log_scale {p}; attributes design, seed,
 * num_samples, num_parameters, num_outputs, output_names (joined by ','), rom_dim. With
 * bounds also /bounds {ns, no}, /state_bounds {ns, 1}, /certified_mean {2, no} (lo, hi),
 * /quantile_levels {5}, /quantiles {3, 5, no} (estimate, lo, hi) and attribute bounds = 1.
 * ROM_ERR_EXISTS if path exists and overwrite is 0. Collective. */
int rom_sweep_write(const rom_sweep *sweep, const char *path, int overwrite);

/* ---- Certified bounds and UQ intervals (a ROM with an estimator, affine_rom.h) ---------------
 *
 * When the ROM has an error estimator (rom_affine_rom_build_estimator, or read from its file)
 * rom_sweep_run evaluates the bounds beside every sample, automatically:
 *   - state bound ||u - u_r||_X <= state_bounds[i] (rom_affine_rom_error_bound);
 *   - per output with dual data (rom_affine_rom_set_output_dual): the reported output is the
 *     primal-dual corrected value s_c, and |s - s_c| <= bounds[i][o]; outputs without dual
 *     data report s_r and a NAN bound (so do the q_j of a ROM without outputs);
 *   - certified mean interval: the sample mean of the true outputs lies in
 *     [mean(s - Delta), mean(s + Delta)];
 *   - certified quantiles at the levels rom_sweep_quantile_levels: the empirical p-quantile
 *     (order statistic x_(ceil(p ns))) of the true outputs lies between the p-quantiles of
 *     s - Delta and s + Delta (order statistics are monotone). NAN where a bound is NAN.
 * The intervals certify the statistics of the sampled set (the ROM error), not the sampling
 * error of Monte Carlo / LHS itself. */
#define ROM_SWEEP_NUM_QUANTILES 5
extern const double rom_sweep_quantile_levels[ROM_SWEEP_NUM_QUANTILES]; /* .05 .25 .5 .75 .95 */

/* 1 if the sweep has bounds (its ROM had an estimator). Not collective. */
int rom_sweep_has_bounds(const rom_sweep *sweep);
/* This rank's bounds: local_samples x no (row-major), and local_samples state bounds; NULL
 * without bounds. Not collective. */
const double *rom_sweep_local_bounds(const rom_sweep *sweep);
const double *rom_sweep_local_state_bounds(const rom_sweep *sweep);
/* Certified mean interval per output (no values each). ROM_ERR_STATE without bounds. Not
 * collective. */
int rom_sweep_certified_mean(const rom_sweep *sweep, double *lo, double *hi);
/* Quantiles: estimate (of the reported outputs), lo and hi, each ROM_SWEEP_NUM_QUANTILES x no
 * (row j = level j); any may be NULL. ROM_ERR_STATE without bounds. Not collective. */
int rom_sweep_quantiles(const rom_sweep *sweep, double *estimate, double *lo, double *hi);

#ifdef __cplusplus
}
#endif
#endif
