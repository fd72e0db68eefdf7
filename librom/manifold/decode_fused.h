/* romkit internal — the fused value + Jacobian pass of a decoder (decode_fused.c), the
 * vectorised activations it applies (activation_vec.c) and their instruction-set kernels
 * (simd_avx2.c, simd_avx512.c; compiled with those instruction sets and called only when
 * the CPU has them, checked at run time).
 *
 * Why: online, a nonlinear-manifold ROM evaluates the decoder sub-network's value and
 * Jacobian at the sample mesh once per Gauss-Newton iteration (Kim, Choi, Widemann, Zohdi,
 * J. Comput. Phys. 451 (2022), Sec. 4.2); that evaluation is the ROM's online cost
 * (docs/reproduction.md, "Speed"). */
#ifndef ROMKIT_MANIFOLD_DECODE_FUSED_H
#define ROMKIT_MANIFOLD_DECODE_FUSED_H

#include "manifold/ae_impl.h"

/* The lanes of one hidden unit in the fused pass: its value and its k Jacobian entries,
 * padded to a multiple of ROM_FUSED_LANES (8 doubles: one AVX-512 or two AVX2 vectors). */
#define ROM_FUSED_LANES 8
/* Partial sums per output of a masked layer: entry t of a row (counted from the row's
 * start) goes to partial sum t mod ROM_FUSED_CHAINS, and the result is (s0 + s1) + (s2 +
 * s3). Independent chains hide the latency of the additions; every kernel (scalar and
 * vector) sums in exactly this order, so they agree bit for bit. */
#define ROM_FUSED_CHAINS 4

/* rom_nn_decode_fused - the decoder part of a network (nl layers from k inputs) at one point
 * q in one pass: a_out gets the last layer's activation (before any output scaling) and, if
 * J != NULL, J (ld ldj) the Jacobian d a_out / d q (k columns).
 *
 * Each unit carries [value, d value / d q] (1 + k lanes, padded) through the layers, so the
 * activation and its derivative are computed once per unit (vectorised,
 * rom_activation_apply_vec) and a masked layer reads each weight once for the value and all
 * Jacobian columns. The value does not depend on whether J is asked for: the value lane
 * runs the same operations in the same order either way (except after a dense layer that is
 * not the first, which goes through dgemm; the paper's networks have none).
 * work: rom_nn_decode_fused_workspace(...) doubles. Not collective, no allocation. */
rom_int rom_nn_decode_fused_workspace(int nl, const rom_nn_layer *layers, rom_int k);
void rom_nn_decode_fused(int nl, const rom_nn_layer *layers, const double *params, rom_int k,
                         const double *q, double *a_out, double *J, rom_int ldj, double *work);

/* rom_activation_apply_vec - y[i] = f(z[i]) and, if dy != NULL, dy[i] = f'(z[i]) for i < n,
 * as rom_activation_apply but vectorised with SLEEF's exp / tanh (1.0-ULP versions) when
 * romkit was built with SLEEF and the CPU has AVX2 or AVX-512F, with the scalar libm
 * functions of activation.c otherwise. The formulas are those of activation.c; only exp and
 * tanh differ, by at most about 1 ULP (tests/unit/decode_fused.c measures the difference).
 * Every element gets the same instructions whatever its position (the tail runs the vector
 * code on a padded copy). y may be z. Not collective.
 * rom_activation_vec_isa - "avx512f", "avx2" or "scalar": the path taken. */
void rom_activation_apply_vec(rom_activation act, rom_int n, const double *z, double *y,
                              double *dy);
const char *rom_activation_vec_isa(void);

/* Instruction-set kernels (simd_avx2.c, simd_avx512.c). Call only when the CPU has the set.
 * rom_act_vec_* - sigmoid (act = ROM_ACT_SIGMOID), swish or tanh of n values, the formulas
 *   of activation.c; returns 0 for an activation it does not have.
 * rom_masked_fused_* - Z (out x ld, row-major) = W H for a masked layer (CSR rp, ci, W) on
 *   the unit-major H (in x ld), ld a multiple of ROM_FUSED_LANES, summed in the order of
 *   ROM_FUSED_CHAINS; no bias. */
int rom_act_vec_avx2(rom_activation act, rom_int n, const double *z, double *y, double *dy);
/* rom_act_vec_single_* - the same in float32 (16 / 8 lanes), for single-precision training;
 * rom_act_vec_single picks the instruction set and returns 0 where none applies (no SLEEF,
 * another CPU, identity), so the caller runs the scalar form of activation_single.c. */
int rom_act_vec_single_avx2(rom_activation act, rom_int n, const float *z, float *y, float *dy);
int rom_act_vec_single_avx512(rom_activation act, rom_int n, const float *z, float *y, float *dy);
int rom_act_vec_single(rom_activation act, rom_int n, const float *z, float *y, float *dy);
int rom_act_vec_avx512(rom_activation act, rom_int n, const double *z, double *y, double *dy);
void rom_masked_fused_avx2(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                           rom_int ld, const double *H, double *Z);
void rom_masked_fused_avx512(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                             rom_int ld, const double *H, double *Z);
/* rom_masked_fused_seg_* - the same on the mask's run-length form g (ae_impl.h): H streams
 *   through each run in order instead of through a column index, the sums in the same order
 *   (entry t of a row, counted from rp[i], to chain t mod ROM_FUSED_CHAINS): the same bits.
 *   rom_masked_fused_seg_scalar (decode_fused.c) is the one for any ld and CPU.
 * rom_masked_value_seg_avx2 - the value alone (ld = 1): the four chains are one vector's
 *   lanes, the same bits as the scalar loop. */
/* rom_fused_first_z_* - the first layer's pre-activation z (out) = W q + b (b may be NULL),
 *   W row-major {out, k}: z_j = b_j + (((W_j0 q_0 + W_j1 q_1) + ...)), this order in every
 *   kernel (decode_fused.c's scalar loop, and AVX-512F eight units at a time): the same bits.
 * rom_fused_first_fill_avx512 - the first layer's unit-major lanes H (out x 8), row j =
 *   [a_j, d_j W_j0 .. d_j W_j,k-1, 0 ..] for k <= 7: what decode_fused.c's loop writes. */
void rom_fused_first_z_scalar(rom_int out, rom_int k, const double *W, const double *b,
                              const double *q, double *z);
void rom_fused_first_z_avx512(rom_int out, rom_int k, const double *W, const double *b,
                              const double *q, double *z);
void rom_fused_first_fill_avx512(rom_int out, rom_int k, const double *W, const double *a,
                                 const double *d, double *H);
void rom_masked_fused_seg_scalar(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                                 const double *W, rom_int ld, const double *H, double *Z);
void rom_masked_fused_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, rom_int ld, const double *H, double *Z);
void rom_masked_fused_seg_avx512(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                                 const double *W, rom_int ld, const double *H, double *Z);
void rom_masked_value_seg_avx2(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                               const double *W, const double *H, double *Z);

#endif
