/* The fused value + Jacobian pass of a decoder at one latent point (decode_fused.h).
 *
 * Forward-mode differentiation carries, for every unit of a layer, the row
 * [a_i, d a_i / d q_1 .. d a_i / d q_k] (the "lanes", padded to ROM_FUSED_LANES with zeros)
 * through the network, stored unit-major (H[i * ld + c]): a layer's product W H then reads
 * each weight once for all 1 + k lanes, and the lanes of one input unit are contiguous, so
 * the masked layer is a sweep of one broadcast weight times one 8-lane vector per mask entry
 * (simd_avx512.c / simd_avx2.c; the scalar loop below elsewhere). The pre-activations of a
 * layer are gathered into one array, and the activation and its derivative computed once
 * per unit for the value and all Jacobian columns (rom_activation_apply_vec, SLEEF).
 *
 * The first layer, dense from the latent vector (Kim, Choi, Widemann, Zohdi, J. Comput.
 * Phys. 451 (2022): every decoder starts so), needs no product for its Jacobian: its
 * input's Jacobian is the identity, so d a_j / d q_c = f'(z_j) W[j, c].
 *
 * rom_nn_decode_jacobian (autoencoder.c) is the separate evaluation (value, then the k
 * Jacobian columns as a batch) that this pass replaces online; tests/unit/decode_fused.c
 * checks that they agree. */
#include "manifold/decode_fused.h"

#include <cblas.h>
#include <string.h>

static rom_int fused_width(int nl, const rom_nn_layer *layers, rom_int k) {
  rom_int width = k;
  for (int l = 0; l < nl; ++l)
    width = layers[l].out > width ? layers[l].out : width;
  return width;
}

static rom_int fused_ld(rom_int k) {
  return (k + 1 + ROM_FUSED_LANES - 1) / ROM_FUSED_LANES * ROM_FUSED_LANES;
}

rom_int rom_nn_decode_fused_workspace(int nl, const rom_nn_layer *layers, rom_int k) {
  const rom_int width = fused_width(nl, layers, k);
  return 2 * width * fused_ld(k) + 3 * (width + ROM_FUSED_LANES);
}

/* The scalar masked product of decode_fused.h's contract: per lane, the four partial sums
 * in the order the vector kernels use. */
static void masked_fused_scalar(rom_int out, const rom_int *rp, const rom_int *ci, const double *W,
                                rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i) {
    const rom_int end = rp[i + 1];
    for (rom_int c = 0; c < ld; ++c) {
      double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      const double *h = H + c;
      rom_int t = rp[i];
      for (; t + 4 <= end; t += 4) {
        s0 += W[t] * h[ci[t] * ld];
        s1 += W[t + 1] * h[ci[t + 1] * ld];
        s2 += W[t + 2] * h[ci[t + 2] * ld];
        s3 += W[t + 3] * h[ci[t + 3] * ld];
      }
      if (t < end) s0 += W[t] * h[ci[t] * ld];
      if (t + 1 < end) s1 += W[t + 1] * h[ci[t + 1] * ld];
      if (t + 2 < end) s2 += W[t + 2] * h[ci[t + 2] * ld];
      Z[i * ld + c] = (s0 + s1) + (s2 + s3);
    }
  }
}

void rom_fused_first_z_scalar(rom_int out, rom_int k, const double *W, const double *b,
                              const double *q, double *z) {
  for (rom_int j = 0; j < out; ++j) {
    const double *w = W + j * k;
    double s = k > 0 ? w[0] * q[0] : 0.0;
    for (rom_int c = 1; c < k; ++c)
      s += w[c] * q[c];
    z[j] = b ? b[j] + s : s;
  }
}

static void first_layer_z(rom_int out, rom_int k, const double *W, const double *b, const double *q,
                          double *z) {
#if defined(ROMKIT_SIMD_X86)
  if (k > 0 && __builtin_cpu_supports("avx512f")) {
    rom_fused_first_z_avx512(out, k, W, b, q, z);
    return;
  }
#endif
  rom_fused_first_z_scalar(out, k, W, b, q, z);
}

void rom_masked_fused_seg_scalar(rom_int out, const rom_int *rp, const rom_mask_segments *g,
                                 const double *W, rom_int ld, const double *H, double *Z) {
  for (rom_int i = 0; i < out; ++i)
    for (rom_int c = 0; c < ld; ++c) {
      double s[ROM_FUSED_CHAINS] = {0.0, 0.0, 0.0, 0.0};
      for (rom_int r = g->row_seg[i]; r < g->row_seg[i + 1]; ++r) {
        const rom_int len = g->len[r], phase = g->off[r] - rp[i];
        const double *w = W + g->off[r], *h = H + g->col[r] * ld + c;
        for (rom_int j = 0; j < len; ++j)
          s[(phase + j) % ROM_FUSED_CHAINS] += w[j] * h[j * ld];
      }
      Z[i * ld + c] = (s[0] + s[1]) + (s[2] + s[3]);
    }
}

/* Whether the fused pass runs a mask's segment kernels: its runs are long enough
 * (ae_impl.h, ROM_MASK_SEGMENT_MIN_RUN) or they are forced; the sums are the same either
 * way, so this is a question of speed only (one point: no batch-size condition). */
static int fused_uses_segments(const rom_mask *m) {
  if (!m->seg || m->kernel == ROM_MASK_KERNEL_CSR) return 0;
  return m->kernel == ROM_MASK_KERNEL_SEGMENTS ||
         m->row_ptr[m->rows] >= (rom_int)ROM_MASK_SEGMENT_MIN_RUN * m->seg->nseg;
}

static void masked_fused(const rom_nn_layer *L, const double *W, rom_int ld, const double *H,
                         double *Z) {
  const rom_int *rp = L->mask->row_ptr, *ci = L->mask->col_index;
  if (fused_uses_segments(L->mask)) {
    const rom_mask_segments *g = L->mask->seg;
#if defined(ROMKIT_SIMD_X86)
    if (ld % ROM_FUSED_LANES == 0 && __builtin_cpu_supports("avx512f")) {
      rom_masked_fused_seg_avx512(L->out, rp, g, W, ld, H, Z);
      return;
    }
    if (__builtin_cpu_supports("avx2")) {
      if (ld == 1)
        rom_masked_value_seg_avx2(L->out, rp, g, W, H, Z);
      else if (ld % ROM_FUSED_LANES == 0)
        rom_masked_fused_seg_avx2(L->out, rp, g, W, ld, H, Z);
      else
        rom_masked_fused_seg_scalar(L->out, rp, g, W, ld, H, Z);
      return;
    }
#endif
    rom_masked_fused_seg_scalar(L->out, rp, g, W, ld, H, Z);
    return;
  }
#if defined(ROMKIT_SIMD_X86)
  if (ld % ROM_FUSED_LANES == 0) {
    if (__builtin_cpu_supports("avx512f")) {
      rom_masked_fused_avx512(L->out, rp, ci, W, ld, H, Z);
      return;
    }
    if (__builtin_cpu_supports("avx2")) {
      rom_masked_fused_avx2(L->out, rp, ci, W, ld, H, Z);
      return;
    }
  }
#endif
  masked_fused_scalar(L->out, rp, ci, W, ld, H, Z);
}

void rom_nn_decode_fused(int nl, const rom_nn_layer *layers, const double *params, rom_int k,
                         const double *q, double *a_out, double *J, rom_int ldj, double *work) {
  const rom_int width = fused_width(nl, layers, k);
  const rom_int ld = J ? fused_ld(k) : 1; /* value only: one lane */
  double *H = work, *Z = H + width * ld;
  double *zv = Z + width * ld, *av = zv + width + ROM_FUSED_LANES,
         *dv = av + width + ROM_FUSED_LANES;
  for (int l = 0; l < nl; ++l) {
    const rom_nn_layer *L = &layers[l];
    const double *W = params + L->offset;
    const double *b = L->has_bias ? params + L->bias_offset : NULL;
    const rom_int out = L->out;
    if (l == 0 && !L->mask) {
      /* z = W q + b; the Jacobian of the input is I, so lane 1 + c of unit j is
       * f'(z_j) W[j, c] */
      first_layer_z(out, L->in, W, b, q, zv);
      rom_activation_apply_vec(L->act, out, zv, av, J ? dv : NULL);
#if defined(ROMKIT_SIMD_X86)
      if (ld == ROM_FUSED_LANES && k < ROM_FUSED_LANES && L->in == k &&
          __builtin_cpu_supports("avx512f")) {
        rom_fused_first_fill_avx512(out, k, W, av, dv, H);
        continue;
      }
#endif
      for (rom_int j = 0; j < out; ++j) {
        double *h = H + j * ld;
        h[0] = av[j];
        if (ld == 1) continue;
        for (rom_int c = 0; c < k; ++c)
          h[1 + c] = dv[j] * W[j * L->in + c];
        for (rom_int c = k + 1; c < ld; ++c)
          h[c] = 0.0;
      }
      continue;
    }
    if (l == 0) { /* the input rows [q_i, e_i] */
      memset(H, 0, sizeof(double) * (size_t)(k * ld));
      for (rom_int i = 0; i < k; ++i) {
        H[i * ld] = q[i];
        if (ld > 1) H[i * ld + 1 + i] = 1.0;
      }
    }
    if (L->mask) {
      masked_fused(L, W, ld, H, Z);
    } else {
      /* unit-major Z (out x ld) = W (out x in) H (in x ld): column-major Z^T = H^T W^T */
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)ld, (int)out, (int)L->in, 1.0, H,
                  (int)ld, W, (int)L->in, 0.0, Z, (int)ld);
    }
    for (rom_int i = 0; i < out; ++i)
      zv[i] = Z[i * ld] + (b ? b[i] : 0.0);
    rom_activation_apply_vec(L->act, out, zv, av, J ? dv : NULL);
    for (rom_int i = 0; i < out; ++i) {
      double *z = Z + i * ld;
      z[0] = av[i];
      if (ld > 1)
        for (rom_int c = 1; c <= k; ++c)
          z[c] *= dv[i]; /* the padding lanes stay 0 */
    }
    double *swap = H;
    H = Z;
    Z = swap;
  }
  if (nl == 0) {
    memcpy(a_out, q, sizeof(double) * (size_t)k);
    if (J)
      for (rom_int c = 0; c < k; ++c)
        for (rom_int i = 0; i < k; ++i)
          J[i + c * ldj] = i == c ? 1.0 : 0.0;
    return;
  }
  const rom_int n = layers[nl - 1].out;
  for (rom_int i = 0; i < n; ++i)
    a_out[i] = H[i * ld];
  if (J)
    for (rom_int c = 0; c < k; ++c) {
      double *Jc = J + c * ldj;
      for (rom_int i = 0; i < n; ++i)
        Jc[i] = H[i * ld + 1 + c];
    }
}
