/* The fused value + Jacobian pass of the decoder (librom/manifold/decode_fused.c) and the
 * vectorised activations (activation_vec.c, SLEEF).
 *  1. rom_nn_decode_fused against the separate evaluation rom_nn_decode_jacobian
 *     (value, then the Jacobian as a batch, scalar libm activations) on random networks of
 *     the paper's shapes (dense from the latent vector, then a band or 2-D stencil mask) and
 *     deeper ones (a dense hidden layer after the first, a masked first layer), every
 *     activation, k = 3, 5, 8 (one and two 8-lane blocks): equal to 1e-14 relative.
 *  2. The value without the Jacobian (one lane, the scalar kernel) is the value lane of the
 *     fused pass (the vector kernels) bit for bit: the same partial sums in the same order.
 *  3. The Jacobian against central differences of the value (independent of the
 *     forward-mode code).
 *  4. rom_activation_apply_vec against the scalar libm functions of activation.c over
 *     z in [-50, 50] and a few special values: the largest relative difference is printed
 *     and must stay within a few ULP.
 *  5. The AVX2 and AVX-512F kernels against each other where the CPU has both.
 *  6. The segment (run-length) kernels of the masked layer against the CSR ones, bit for bit:
 *     through rom_nn_decode_fused with the masks forced to either kernel (value and
 *     Jacobian, value alone), and each instruction set's kernel called directly, on masks
 *     whose runs start at every chain phase.
 *  7. The first layer's kernels (z = W q + b, and the unit-major lanes) against the scalar
 *     loops, bit for bit, for k = 1..9 (the AVX-512F z kernel takes k <= 8) and a tail. */
#include "manifold/decode_fused.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double u01(uint64_t stream, uint64_t i) {
  return rom_rng_uniform(11, stream, i);
}

/* a network of nl layers described by (out, mask or NULL, act) on k inputs, random params */
typedef struct {
  int nl;
  rom_nn_layer L[4];
  double *params;
} net;

static void net_init(net *n, int nl, rom_int k, const rom_int *outs, rom_mask **masks,
                     rom_activation act_hidden, rom_activation act_out, uint64_t seed) {
  rom_int off = 0, in = k;
  n->nl = nl;
  for (int l = 0; l < nl; ++l) {
    rom_nn_layer *L = &n->L[l];
    memset(L, 0, sizeof *L);
    L->in = in;
    L->out = outs[l];
    L->act = l + 1 < nl ? act_hidden : act_out;
    L->has_bias = 1;
    L->mask = masks[l];
    L->nweights = L->mask ? L->mask->row_ptr[L->out] : L->out * L->in;
    L->offset = off;
    off += L->nweights;
    L->bias_offset = off;
    off += L->out;
    in = L->out;
  }
  n->params = malloc(sizeof(double) * (size_t)off);
  for (rom_int i = 0; i < off; ++i)
    n->params[i] = (u01(seed, (uint64_t)i) - 0.5) * 0.8;
}

static double relerr(rom_int n, const double *a, const double *b) {
  double e = 0.0, s = 0.0;
  for (rom_int i = 0; i < n; ++i) {
    e = fmax(e, fabs(a[i] - b[i]));
    s = fmax(s, fabs(b[i]));
  }
  return s > 0 ? e / s : e;
}

static void check_net(const net *n, rom_int k, const char *what, int value_bits) {
  const rom_int nout = n->L[n->nl - 1].out;
  double *w1 = malloc(sizeof(double) * (size_t)rom_nn_decode_workspace(n->nl, n->L, k));
  double *w2 = malloc(sizeof(double) * (size_t)rom_nn_decode_fused_workspace(n->nl, n->L, k));
  double *a1 = malloc(sizeof(double) * (size_t)nout), *a2 = malloc(sizeof(double) * (size_t)nout);
  double *a3 = malloc(sizeof(double) * (size_t)nout), *ap = malloc(sizeof(double) * (size_t)nout);
  double *am = malloc(sizeof(double) * (size_t)nout);
  double *J1 = malloc(sizeof(double) * (size_t)(nout * k)),
         *J2 = malloc(sizeof(double) * (size_t)(nout * k)),
         *Jfd = malloc(sizeof(double) * (size_t)(nout * k));
  double q[8];
  for (rom_int c = 0; c < k; ++c)
    q[c] = 2.0 * u01(99, (uint64_t)c) - 1.0;
  rom_nn_decode_jacobian(n->nl, n->L, n->params, k, q, a1, J1, nout, w1);
  rom_nn_decode_fused(n->nl, n->L, n->params, k, q, a2, J2, nout, w2);
  rom_nn_decode_fused(n->nl, n->L, n->params, k, q, a3, NULL, 1, w2);
  double ev = relerr(nout, a2, a1), ej = relerr(nout * k, J2, J1);
  CHECK(ev <= 1e-14 && ej <= 1e-14,
        "%s (k = %lld): fused value / Jacobian vs separate: %.2e / %.2e relative (<= 1e-14)", what,
        (long long)k, ev, ej);
  if (value_bits)
    CHECK(!memcmp(a2, a3, sizeof(double) * (size_t)nout),
          "%s: the value without the Jacobian is the fused value lane bit for bit", what);
  /* central differences, h = 1e-5: truncation O(h^2) ~ 1e-10 */
  const double h = 1e-5;
  for (rom_int c = 0; c < k; ++c) {
    double qp[8], qm[8];
    memcpy(qp, q, sizeof qp);
    memcpy(qm, q, sizeof qm);
    qp[c] += h;
    qm[c] -= h;
    rom_nn_decode_fused(n->nl, n->L, n->params, k, qp, ap, NULL, 1, w2);
    rom_nn_decode_fused(n->nl, n->L, n->params, k, qm, am, NULL, 1, w2);
    for (rom_int i = 0; i < nout; ++i)
      Jfd[i + c * nout] = (ap[i] - am[i]) / (2 * h);
  }
  double efd = relerr(nout * k, J2, Jfd);
  CHECK(efd <= 1e-7, "%s: Jacobian vs central differences %.2e relative", what, efd);
  free(w1), free(w2), free(a1), free(a2), free(a3), free(ap), free(am), free(J1), free(J2),
      free(Jfd);
}

static void networks(rom_ctx *ctx) {
  const rom_activation acts[3] = {ROM_ACT_SIGMOID, ROM_ACT_SWISH, ROM_ACT_TANH};
  const rom_int ks[3] = {3, 5, 8};
  for (int ia = 0; ia < 3; ++ia)
    for (int ik = 0; ik < 3; ++ik) {
      const rom_int k = ks[ik];
      char what[160];
      /* P1's shape: k -> 6 * 60 dense -> 60 band (width 36, shift 6) */
      {
        rom_mask *m = NULL;
        CHECK_OK(ctx, rom_mask_banded(ctx, 60, 36, 6, &m));
        rom_int outs[2] = {m->cols, 60};
        rom_mask *ms[2] = {NULL, m};
        net n;
        net_init(&n, 2, k, outs, ms, acts[ia], ROM_ACT_IDENTITY, 1 + (uint64_t)ik);
        snprintf(what, sizeof what, "band network, %s", rom_activation_name(acts[ia]));
        check_net(&n, k, what, 1);
        free(n.params);
        rom_mask_destroy(&m);
      }
      /* P2's shape: k -> dense -> 2-D stencil mask on a 6 x 6 grid, sigmoid output */
      {
        rom_mask *m = NULL;
        CHECK_OK(ctx, rom_mask_stencil2d(ctx, 6, 6, 12, 3, &m));
        rom_int outs[2] = {m->cols, m->rows};
        rom_mask *ms[2] = {NULL, m};
        net n;
        net_init(&n, 2, k, outs, ms, acts[ia], ROM_ACT_SIGMOID, 3 + (uint64_t)ik);
        snprintf(what, sizeof what, "stencil network, %s", rom_activation_name(acts[ia]));
        check_net(&n, k, what, 1);
        free(n.params);
        rom_mask_destroy(&m);
      }
      /* deeper: masked first layer (k -> 40, random pattern), dense 40 -> 31, band 31 -> 12 */
      {
        rom_mask *m0 = NULL, *m2 = NULL;
        rom_int *rp = malloc(sizeof(rom_int) * 41), *ci = malloc(sizeof(rom_int) * 40 * 8);
        rom_int nnz = 0;
        rp[0] = 0;
        for (rom_int i = 0; i < 40; ++i) {
          for (rom_int j = 0; j < k; ++j)
            if (j == i % k || u01(7, (uint64_t)(i * 8 + j)) < 0.5) ci[nnz++] = j;
          rp[i + 1] = nnz;
        }
        CHECK_OK(ctx, rom_mask_from_csr(ctx, 40, k, rp, ci, &m0));
        CHECK_OK(ctx, rom_mask_banded(ctx, 12, 9, 2, &m2));
        rom_int outs[3] = {40, m2->cols, 12};
        rom_mask *ms[3] = {m0, NULL, m2};
        net n;
        net_init(&n, 3, k, outs, ms, acts[ia], ROM_ACT_SWISH, 5 + (uint64_t)ik);
        snprintf(what, sizeof what, "3-layer network, %s", rom_activation_name(acts[ia]));
        check_net(&n, k, what, 0);
        free(n.params);
        free(rp), free(ci);
        rom_mask_destroy(&m0);
        rom_mask_destroy(&m2);
      }
    }
}

static void activations(void) {
  const rom_activation acts[3] = {ROM_ACT_SIGMOID, ROM_ACT_SWISH, ROM_ACT_TANH};
  enum { N = 20011 };
  double *z = malloc(sizeof(double) * N), *y0 = malloc(sizeof(double) * N),
         *d0 = malloc(sizeof(double) * N), *y1 = malloc(sizeof(double) * N),
         *d1 = malloc(sizeof(double) * N), *y2 = malloc(sizeof(double) * N);
  for (int i = 0; i < N; ++i)
    z[i] = -50.0 + 100.0 * i / (N - 1);
  z[0] = 0.0, z[1] = -0.0, z[2] = 1e-300, z[3] = -1e-300, z[4] = 700.0, z[5] = -700.0, z[6] = 1e-8,
  z[7] = -1e-8;
  printf("# vectorised activations: %s\n", rom_activation_vec_isa());
  for (int a = 0; a < 3; ++a) {
    rom_activation_apply(acts[a], N, z, y0, d0);
    rom_activation_apply_vec(acts[a], N, z, y1, d1);
    rom_activation_apply_vec(acts[a], N, z, y2, NULL);
    double ey = 0.0, ed = 0.0;
    for (int i = 0; i < N; ++i) {
      if (y0[i] != 0.0)
        ey = fmax(ey, fabs(y1[i] - y0[i]) / fabs(y0[i]));
      else
        ey = fmax(ey, fabs(y1[i]));
      /* the derivative relative to its own size where it is not tiny, else to the value
       * scale 1 (s (1 - s) and 1 - t^2 lose digits by cancellation in both versions) */
      ed = fmax(ed, fabs(d1[i] - d0[i]) / fmax(fabs(d0[i]), 1e-3));
    }
    printf("# %s: max relative difference from libm: value %.2e, derivative %.2e\n",
           rom_activation_name(acts[a]), ey, ed);
    CHECK(ey <= 4.5e-16 * 8 && ed <= 4.5e-16 * 8e3,
          "%s (%s): vectorised value / derivative within a few ULP of libm (%.2e / %.2e)",
          rom_activation_name(acts[a]), rom_activation_vec_isa(), ey, ed);
    CHECK(!memcmp(y1, y2, sizeof(double) * N), "%s: the value does not depend on dy",
          rom_activation_name(acts[a]));
    CHECK(!isnan(y1[4]) && !isnan(y1[5]) && !isnan(d1[4]) && !isnan(d1[5]),
          "%s: no NaN at |z| = 700", rom_activation_name(acts[a]));
  }
  /* the tail: an element gives the same bits at any position */
  rom_activation_apply_vec(ROM_ACT_SIGMOID, 7, z + 100, y1, d1);
  rom_activation_apply_vec(ROM_ACT_SIGMOID, 16, z + 96, y2, d0);
  CHECK(!memcmp(y1, y2 + 4, 7 * sizeof(double)) && !memcmp(d1, d0 + 4, 7 * sizeof(double)),
        "a tail element gets the bits of a full block");
  free(z), free(y0), free(d0), free(y1), free(d1), free(y2);
}

/* 5. Both instruction-set paths where the CPU has both (the dispatcher takes only one):
 * the masked kernels bit for bit, the activations within a few ULP of each other. */
static void isa_paths(rom_ctx *ctx) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx2") ||
      !__builtin_cpu_supports("fma")) {
    printf("# AVX2 and AVX-512F not both available: cross-check skipped\n");
    return;
  }
  rom_mask *m = NULL;
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 7, 7, 12, 3, &m));
  const rom_int nnz = m->row_ptr[m->rows], ld = 16;
  double *W = malloc(sizeof(double) * (size_t)nnz),
         *H = malloc(sizeof(double) * (size_t)(m->cols * ld));
  double *Z1 = malloc(sizeof(double) * (size_t)(m->rows * ld)),
         *Z2 = malloc(sizeof(double) * (size_t)(m->rows * ld));
  for (rom_int t = 0; t < nnz; ++t)
    W[t] = u01(21, (uint64_t)t) - 0.5;
  for (rom_int t = 0; t < m->cols * ld; ++t)
    H[t] = u01(22, (uint64_t)t) - 0.5;
  rom_masked_fused_avx2(m->rows, m->row_ptr, m->col_index, W, ld, H, Z1);
  rom_masked_fused_avx512(m->rows, m->row_ptr, m->col_index, W, ld, H, Z2);
  CHECK(!memcmp(Z1, Z2, sizeof(double) * (size_t)(m->rows * ld)),
        "masked product: AVX2 and AVX-512F kernels agree bit for bit");
  enum { N = 1001 };
  double z[N], y1[N], y2[N], d1[N], d2[N];
  for (int i = 0; i < N; ++i)
    z[i] = -30.0 + 60.0 * i / (N - 1);
  const rom_activation acts[3] = {ROM_ACT_SIGMOID, ROM_ACT_SWISH, ROM_ACT_TANH};
  for (int a = 0; a < 3; ++a) {
    CHECK(rom_act_vec_avx2(acts[a], N, z, y1, d1) && rom_act_vec_avx512(acts[a], N, z, y2, d2),
          "%s: both vector paths exist", rom_activation_name(acts[a]));
    double e = relerr(N, y1, y2);
    CHECK(e <= 4.5e-16 * 8, "%s: AVX2 vs AVX-512F values %.2e relative",
          rom_activation_name(acts[a]), e);
  }
  free(W), free(H), free(Z1), free(Z2);
  rom_mask_destroy(&m);
#else
  (void)ctx;
#endif
}

/* 6. Segment kernels = CSR kernels, bit for bit. A mask of runs of 1..13 columns with gaps,
 * so that runs start at every phase of the four chains. */
static rom_mask *runs_mask(rom_ctx *ctx, rom_int rows, rom_int cols, uint64_t seed) {
  rom_int *rp = malloc(sizeof(rom_int) * (size_t)(rows + 1)),
          *ci = malloc(sizeof(rom_int) * (size_t)(rows * cols));
  rom_int nnz = 0;
  rp[0] = 0;
  for (rom_int i = 0; i < rows; ++i) {
    rom_int c = (rom_int)(u01(seed, (uint64_t)i) * 5);
    for (int r = 0; c < cols; ++r) {
      rom_int len = 1 + (rom_int)(u01(seed + 1, (uint64_t)(i * 64 + r)) * 13);
      for (rom_int j = 0; j < len && c < cols; ++j)
        ci[nnz++] = c++;
      c += 1 + (rom_int)(u01(seed + 2, (uint64_t)(i * 64 + r)) * 4);
    }
    rp[i + 1] = nnz;
  }
  rom_mask *m = NULL;
  CHECK_OK(ctx, rom_mask_from_csr(ctx, rows, cols, rp, ci, &m));
  free(rp), free(ci);
  return m;
}

static void segment_kernels(rom_ctx *ctx) {
  const rom_int ks[3] = {3, 5, 9};
  for (int im = 0; im < 3; ++im)
    for (int ik = 0; ik < 3; ++ik) {
      const rom_int k = ks[ik];
      rom_mask *m = NULL;
      if (im == 0) CHECK_OK(ctx, rom_mask_stencil2d(ctx, 7, 7, 12, 3, &m));
      if (im == 1) CHECK_OK(ctx, rom_mask_banded(ctx, 50, 36, 6, &m));
      if (im == 2) m = runs_mask(ctx, 45, 160, 31);
      CHECK(m->seg != NULL, "mask %d: its run-length form is built", im);
      rom_int outs[2] = {m->cols, m->rows};
      rom_mask *ms[2] = {NULL, m};
      net n;
      net_init(&n, 2, k, outs, ms, ROM_ACT_SIGMOID, ROM_ACT_SIGMOID, 40 + (uint64_t)(3 * im + ik));
      const rom_int nout = m->rows;
      double *w = malloc(sizeof(double) * (size_t)rom_nn_decode_fused_workspace(2, n.L, k));
      double *a[4], *J[2], q[9];
      for (int i = 0; i < 4; ++i)
        a[i] = malloc(sizeof(double) * (size_t)nout);
      for (int i = 0; i < 2; ++i)
        J[i] = malloc(sizeof(double) * (size_t)(nout * k));
      for (rom_int c = 0; c < k; ++c)
        q[c] = 2.0 * u01(98, (uint64_t)c) - 1.0;
      for (int kern = 0; kern < 2; ++kern) {
        rom_mask_kernel_set(m, kern ? ROM_MASK_KERNEL_SEGMENTS : ROM_MASK_KERNEL_CSR);
        rom_nn_decode_fused(2, n.L, n.params, k, q, a[kern], J[kern], nout, w);
        rom_nn_decode_fused(2, n.L, n.params, k, q, a[2 + kern], NULL, 1, w);
      }
      rom_mask_kernel_set(m, ROM_MASK_KERNEL_AUTO);
      CHECK(!memcmp(a[0], a[1], sizeof(double) * (size_t)nout) &&
                !memcmp(J[0], J[1], sizeof(double) * (size_t)(nout * k)),
            "mask %d, k = %lld: fused pass, segment kernel = CSR kernel bit for bit", im,
            (long long)k);
      CHECK(!memcmp(a[2], a[3], sizeof(double) * (size_t)nout) &&
                !memcmp(a[0], a[2], sizeof(double) * (size_t)nout),
            "mask %d, k = %lld: value alone, segment kernel = CSR kernel = fused value lane", im,
            (long long)k);
      /* the kernels themselves, ld = 8 and 16 */
      for (rom_int ld = 8; ld <= 16; ld += 8) {
        const rom_int nnz = m->row_ptr[m->rows];
        double *H = malloc(sizeof(double) * (size_t)(m->cols * ld)),
               *Z0 = malloc(sizeof(double) * (size_t)(m->rows * ld)),
               *Z1 = malloc(sizeof(double) * (size_t)(m->rows * ld));
        for (rom_int t = 0; t < m->cols * ld; ++t)
          H[t] = u01(23, (uint64_t)t) - 0.5;
        const double *W = n.params + n.L[1].offset;
        (void)nnz;
        rom_masked_fused_seg_scalar(m->rows, m->row_ptr, m->seg, W, ld, H, Z1);
#if defined(__x86_64__) && defined(__GNUC__)
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
          rom_masked_fused_avx2(m->rows, m->row_ptr, m->col_index, W, ld, H, Z0);
          CHECK(!memcmp(Z0, Z1, sizeof(double) * (size_t)(m->rows * ld)),
                "mask %d, ld %lld: scalar segment kernel = AVX2 CSR kernel", im, (long long)ld);
          rom_masked_fused_seg_avx2(m->rows, m->row_ptr, m->seg, W, ld, H, Z1);
          CHECK(!memcmp(Z0, Z1, sizeof(double) * (size_t)(m->rows * ld)),
                "mask %d, ld %lld: AVX2 segment kernel = AVX2 CSR kernel", im, (long long)ld);
          rom_masked_value_seg_avx2(m->rows, m->row_ptr, m->seg, W, H, Z1);
          rom_masked_fused_seg_scalar(m->rows, m->row_ptr, m->seg, W, 1, H, Z0);
          CHECK(!memcmp(Z0, Z1, sizeof(double) * (size_t)m->rows),
                "mask %d: AVX2 value segment kernel = scalar", im);
        }
        if (__builtin_cpu_supports("avx512f")) {
          rom_masked_fused_avx512(m->rows, m->row_ptr, m->col_index, W, ld, H, Z0);
          rom_masked_fused_seg_avx512(m->rows, m->row_ptr, m->seg, W, ld, H, Z1);
          CHECK(!memcmp(Z0, Z1, sizeof(double) * (size_t)(m->rows * ld)),
                "mask %d, ld %lld: AVX-512F segment kernel = AVX-512F CSR kernel", im,
                (long long)ld);
        }
#endif
        free(H), free(Z0), free(Z1);
      }
      for (int i = 0; i < 4; ++i)
        free(a[i]);
      free(J[0]), free(J[1]), free(w), free(n.params);
      rom_mask_destroy(&m);
    }
}

static void first_layer_kernels(void) {
  enum { OUT = 43 }; /* five blocks of eight and a tail of three */
  for (rom_int k = 1; k <= 9; ++k) {
    double W[OUT * 9], b[OUT], q[9], z0[OUT], z1[OUT], a[OUT], d[OUT];
    for (rom_int t = 0; t < OUT * k; ++t)
      W[t] = u01(31, (uint64_t)t) - 0.5;
    for (rom_int j = 0; j < OUT; ++j) {
      b[j] = u01(32, (uint64_t)j) - 0.5;
      a[j] = u01(33, (uint64_t)j);
      d[j] = u01(34, (uint64_t)j);
    }
    for (rom_int c = 0; c < k; ++c)
      q[c] = 2.0 * u01(35, (uint64_t)c) - 1.0;
    for (int with_b = 0; with_b < 2; ++with_b) {
      rom_fused_first_z_scalar(OUT, k, W, with_b ? b : NULL, q, z0);
      double e = 0.0;
      for (rom_int j = 0; j < OUT; ++j) { /* the plain sum, to round-off */
        double s = with_b ? b[j] : 0.0;
        for (rom_int c = 0; c < k; ++c)
          s += W[j * k + c] * q[c];
        e = fmax(e, fabs(s - z0[j]));
      }
      CHECK(e <= 1e-15, "k = %lld: first-layer z = W q + b (%.1e)", (long long)k, e);
#if defined(__x86_64__) && defined(__GNUC__)
      if (__builtin_cpu_supports("avx512f")) {
        rom_fused_first_z_avx512(OUT, k, W, with_b ? b : NULL, q, z1);
        CHECK(!memcmp(z0, z1, sizeof z0), "k = %lld, bias %d: AVX-512F z kernel = scalar",
              (long long)k, with_b);
      }
#endif
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (k < ROM_FUSED_LANES && __builtin_cpu_supports("avx512f")) {
      double H0[OUT * 8], H1[OUT * 8];
      for (rom_int j = 0; j < OUT; ++j) {
        H0[j * 8] = a[j];
        for (rom_int c = 0; c < 7; ++c)
          H0[j * 8 + 1 + c] = c < k ? d[j] * W[j * k + c] : 0.0;
      }
      memset(H1, 0xff, sizeof H1); /* NaN: every lane must be written */
      rom_fused_first_fill_avx512(OUT, k, W, a, d, H1);
      CHECK(!memcmp(H0, H1, sizeof H0), "k = %lld: AVX-512F first-layer lanes = scalar",
            (long long)k);
    }
#endif
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  networks(ctx);
  activations();
  isa_paths(ctx);
  segment_kernels(ctx);
  first_layer_kernels();
  return test_finish(&ctx);
}
