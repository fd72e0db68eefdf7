/* Adam: Kingma & Ba, "Adam: A method for stochastic optimization", ICLR 2015, Alg. 1,
 * in the form PyTorch's torch.optim.Adam evaluates it (so the two agree to round-off):
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
 *   theta <- theta - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * The state covers the whole packed parameter vector: one loop, no per-layer bookkeeping. */
#include "manifold/ae_impl.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <math.h>
#include <string.h>

int rom_adam_init(rom_ctx *ctx, rom_int n, rom_adam *a) {
  int err = ROM_OK;
  memset(a, 0, sizeof(*a));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(n > 0 ? n : 1), sizeof(double), (void **)&a->m));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(n > 0 ? n : 1), sizeof(double), (void **)&a->v));
  a->n = n;
cleanup:
  if (err != ROM_OK) rom_adam_free(ctx, a);
  return err;
}

void rom_adam_free(rom_ctx *ctx, rom_adam *a) {
  rom_free(ctx, a->m);
  rom_free(ctx, a->v);
  a->m = a->v = NULL;
}

void rom_adam_step(rom_adam *a, double *theta, const double *grad, double lr, double beta1,
                   double beta2, double eps) {
  a->t++;
  const double bc1 = 1.0 - pow(beta1, (double)a->t), bc2 = 1.0 - pow(beta2, (double)a->t);
  const double step = lr / bc1, rs = 1.0 / sqrt(bc2);
  double *restrict m = a->m, *restrict v = a->v, *restrict th = theta;
  const double *restrict gr = grad;
  const rom_int n = a->n;
  rom_int i0 = 0;
#if defined(__SSE2__)
  /* Two lanes at a time: libm's scalar sqrt (errno semantics) keeps compilers from
   * vectorising this loop, and the update is a third of a P1 epoch when scalar. Same
   * arithmetic, correctly rounded sqrt and division, so the lanes equal the scalar code. */
  {
    const __m128d b1 = _mm_set1_pd(beta1), c1 = _mm_set1_pd(1.0 - beta1), b2 = _mm_set1_pd(beta2),
                  c2 = _mm_set1_pd(1.0 - beta2), st = _mm_set1_pd(step), r = _mm_set1_pd(rs),
                  e = _mm_set1_pd(eps);
    for (; i0 + 2 <= n; i0 += 2) {
      __m128d g = _mm_loadu_pd(gr + i0);
      __m128d mm = _mm_add_pd(_mm_mul_pd(b1, _mm_loadu_pd(m + i0)), _mm_mul_pd(c1, g));
      __m128d vv =
          _mm_add_pd(_mm_mul_pd(b2, _mm_loadu_pd(v + i0)), _mm_mul_pd(_mm_mul_pd(c2, g), g));
      _mm_storeu_pd(m + i0, mm);
      _mm_storeu_pd(v + i0, vv);
      __m128d den = _mm_add_pd(_mm_mul_pd(_mm_sqrt_pd(vv), r), e);
      _mm_storeu_pd(th + i0,
                    _mm_sub_pd(_mm_loadu_pd(th + i0), _mm_div_pd(_mm_mul_pd(st, mm), den)));
    }
  }
#endif
  for (rom_int i = i0; i < n; ++i) {
    const double g = gr[i];
    m[i] = beta1 * m[i] + (1.0 - beta1) * g;
    v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
    th[i] -= step * m[i] / (sqrt(v[i]) * rs + eps);
  }
}
