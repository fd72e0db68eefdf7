/* Activation functions of the autoencoder and their derivatives, and the registry of
 * activations (the table of activations.h as an array indexed by rom_activation).
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022) use swish (1-D Burgers) and
 * sigmoid (2-D Burgers); tanh and identity complete the set. The derivative is computed
 * from the same exponential as the value, so the backward pass costs no extra exp. */
#include "manifold/ae_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ROM_ACTIVATION_ENTRY(e, n, fn, d) {e, n, fn, d},
static const rom_activation_entry table[] = {ROM_ACTIVATION_TABLE(ROM_ACTIVATION_ENTRY)};
#undef ROM_ACTIVATION_ENTRY

#define NUM_ACTIVATIONS ((int)(sizeof table / sizeof table[0]))

int rom_activation_count(void) {
  return NUM_ACTIVATIONS;
}

/* The table lists the activations in the order of their enum values
 * (tests/unit/registries.c checks it), so the entry of act is table[act]. */
const rom_activation_entry *rom_activation_lookup(rom_activation act) {
  if ((int)act < 0 || (int)act >= NUM_ACTIVATIONS) return NULL;
  return &table[act];
}

const char *rom_activation_name(rom_activation act) {
  const rom_activation_entry *e = rom_activation_lookup(act);
  return e ? e->name : "unknown";
}

const char *rom_activation_description(rom_activation act) {
  const rom_activation_entry *e = rom_activation_lookup(act);
  return e ? e->description : "";
}

int rom_activation_from_name(const char *name, rom_activation *out) {
  if (!name || !out) return ROM_ERR_ARG;
  for (int a = 0; a < NUM_ACTIVATIONS; ++a)
    if (strcmp(name, table[a].name) == 0) {
      *out = table[a].act;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

int rom_activation_parse(rom_ctx *ctx, const char *name, rom_activation *out) {
  int err = ROM_OK;
  char known[256] = "";
  size_t used = 0;
  ROM_CHECK(ctx, name && out, ROM_ERR_ARG, "activation name and output are required");
  if (rom_activation_from_name(name, out) == ROM_OK) return ROM_OK;
  for (int a = 0; a < NUM_ACTIVATIONS && used < sizeof known; ++a) {
    const char *sep = a == 0 ? "" : (a == NUM_ACTIVATIONS - 1 ? " or " : ", ");
    int w = snprintf(known + used, sizeof known - used, "%s%s", sep, table[a].name);
    if (w < 0) break;
    used += (size_t)w;
  }
  ROM_FAIL(ctx, ROM_ERR_ARG, "unknown activation '%s' (choose %s)", name, known);
cleanup:
  return err;
}

/* Logistic function without overflow for large |z|. */
static inline double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + exp(-z));
  double e = exp(z);
  return e / (1.0 + e);
}

void rom_activation_identity(rom_int n, const double *z, double *y, double *dy) {
  for (rom_int i = 0; i < n; ++i) {
    if (dy) dy[i] = 1.0;
    y[i] = z[i];
  }
}

void rom_activation_swish(rom_int n, const double *z, double *y, double *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f = z s(z), f' = s + z s (1 - s) */
    double s = logistic(z[i]), zi = z[i];
    if (dy) dy[i] = s + zi * s * (1.0 - s);
    y[i] = zi * s;
  }
}

void rom_activation_sigmoid(rom_int n, const double *z, double *y, double *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f' = s (1 - s) */
    double s = logistic(z[i]);
    if (dy) dy[i] = s * (1.0 - s);
    y[i] = s;
  }
}

void rom_activation_tanh(rom_int n, const double *z, double *y, double *dy) {
  for (rom_int i = 0; i < n; ++i) { /* f' = 1 - t^2 */
    double t = tanh(z[i]);
    if (dy) dy[i] = 1.0 - t * t;
    y[i] = t;
  }
}

void rom_activation_apply(rom_activation act, rom_int n, const double *z, double *y, double *dy) {
  const rom_activation_entry *e = rom_activation_lookup(act);
  (e ? e->apply : rom_activation_identity)(n, z, y, dy);
}
