/* Activation functions of the autoencoder and their derivatives.
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022) use swish (1-D Burgers) and
 * sigmoid (2-D Burgers); tanh and identity complete the set. The derivative is computed
 * from the same exponential as the value, so the backward pass costs no extra exp. */
#include "manifold/ae_impl.h"

#include <math.h>
#include <string.h>

static const char *const names[] = {"identity", "swish", "sigmoid", "tanh"};

const char *rom_activation_name(rom_activation act) {
  return (act >= ROM_ACT_IDENTITY && act <= ROM_ACT_TANH) ? names[act] : "unknown";
}

int rom_activation_parse(rom_ctx *ctx, const char *name, rom_activation *out) {
  int err = ROM_OK;
  ROM_CHECK(ctx, name && out, ROM_ERR_ARG, "activation name and output are required");
  for (int a = ROM_ACT_IDENTITY; a <= ROM_ACT_TANH; ++a) {
    if (strcmp(name, names[a]) == 0) {
      *out = (rom_activation)a;
      return ROM_OK;
    }
  }
  ROM_FAIL(ctx, ROM_ERR_ARG, "unknown activation '%s' (choose identity, swish, sigmoid or tanh)",
           name);
cleanup:
  return err;
}

/* Logistic function without overflow for large |z|. */
static inline double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + exp(-z));
  double e = exp(z);
  return e / (1.0 + e);
}

void rom_activation_apply(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  switch (act) {
  case ROM_ACT_SWISH: /* f = z s(z), f' = s + z s (1 - s) */
    for (rom_int i = 0; i < n; ++i) {
      double s = logistic(z[i]), zi = z[i];
      if (dy) dy[i] = s + zi * s * (1.0 - s);
      y[i] = zi * s;
    }
    break;
  case ROM_ACT_SIGMOID: /* f' = s (1 - s) */
    for (rom_int i = 0; i < n; ++i) {
      double s = logistic(z[i]);
      if (dy) dy[i] = s * (1.0 - s);
      y[i] = s;
    }
    break;
  case ROM_ACT_TANH: /* f' = 1 - t^2 */
    for (rom_int i = 0; i < n; ++i) {
      double t = tanh(z[i]);
      if (dy) dy[i] = 1.0 - t * t;
      y[i] = t;
    }
    break;
  case ROM_ACT_IDENTITY:
  default:
    for (rom_int i = 0; i < n; ++i) {
      if (dy) dy[i] = 1.0;
      y[i] = z[i];
    }
    break;
  }
}
