/* The activations of activation.c in single precision (float32), for training with
 * rom_ae_train_options.precision = ROM_PRECISION_SINGLE: value and derivative from one
 * expf / tanhf, as the double forms. The double table (activations.h) stays the registry of
 * names; this file gives each entry its float form, looked up by the same enum value. An
 * activation added to the table without a float form here is refused by single-precision
 * training with a message naming it (rom_activation_single_lookup returns NULL).
 * rom_activation_apply_single runs the SLEEF-vectorised form of the same formulas where
 * romkit was built with SLEEF and the CPU has AVX2 or AVX-512F (activation_vec.c: expf /
 * tanhf within about 1 ULP of libm's; position-independent, so chunking stays exact). */
#include "manifold/ae_impl.h"
#include "manifold/decode_fused.h"

#include <math.h>

/* Logistic function without overflow for large |z|. */
static inline float logistic_single(float z) {
  if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));
  const float e = expf(z);
  return e / (1.0f + e);
}

static void identity_single(rom_int n, const float *z, float *y, float *dy) {
  for (rom_int i = 0; i < n; ++i) {
    if (dy) dy[i] = 1.0f;
    y[i] = z[i];
  }
}

static void swish_single(rom_int n, const float *z, float *y, float *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f = z s(z), f' = s + z s (1 - s) */
    const float s = logistic_single(z[i]), zi = z[i];
    if (dy) dy[i] = s + zi * s * (1.0f - s);
    y[i] = zi * s;
  }
}

static void sigmoid_single(rom_int n, const float *z, float *y, float *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f' = s (1 - s) */
    const float s = logistic_single(z[i]);
    if (dy) dy[i] = s * (1.0f - s);
    y[i] = s;
  }
}

static void tanh_single(rom_int n, const float *z, float *y, float *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f' = 1 - t^2 */
    const float t = tanhf(z[i]);
    if (dy) dy[i] = 1.0f - t * t;
    y[i] = t;
  }
}

static const struct {
  rom_activation act;
  rom_activation_single_fn apply;
} single_table[] = {{ROM_ACT_IDENTITY, identity_single},
                    {ROM_ACT_SWISH, swish_single},
                    {ROM_ACT_SIGMOID, sigmoid_single},
                    {ROM_ACT_TANH, tanh_single}};

rom_activation_single_fn rom_activation_single_lookup(rom_activation act) {
  for (size_t t = 0; t < sizeof single_table / sizeof single_table[0]; ++t)
    if (single_table[t].act == act) return single_table[t].apply;
  return NULL;
}

void rom_activation_apply_single(rom_activation act, rom_int n, const float *z, float *y,
                                 float *dy) {
  if (rom_act_vec_single(act, n, z, y, dy)) return; /* SLEEF, where built and the CPU has it */
  rom_activation_single_fn f = rom_activation_single_lookup(act);
  (f ? f : identity_single)(n, z, y, dy);
}
