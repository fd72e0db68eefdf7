/* The registry of parameter interpolants (the table of interp_methods.h) and the checks
 * every method shares: sizes, NaN, duplicate training points, the training box. The
 * methods themselves (idw.c, rbf.c, lagrange.c) only compute weights of checked input. */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <math.h>
#include <string.h>

#define ROM_INTERP_ENTRY(e, n, fn, r, d) {e, n, fn, r, d},
static const rom_interp_method_entry table[] = {ROM_INTERP_METHOD_TABLE(ROM_INTERP_ENTRY)};
#undef ROM_INTERP_ENTRY

#define NUM_METHODS ((int)(sizeof table / sizeof table[0]))

int rom_interp_method_count(void) {
  return NUM_METHODS;
}

/* The table lists the methods in the order of their enum values (tests/unit/registries.c
 * and tests/unit/interp.c check it), so the entry of a method is table[method]. */
const rom_interp_method_entry *rom_interp_method_lookup(rom_interp_method method) {
  if ((int)method < 0 || (int)method >= NUM_METHODS) return NULL;
  return &table[method];
}

const char *rom_interp_method_name(rom_interp_method method) {
  const rom_interp_method_entry *e = rom_interp_method_lookup(method);
  return e ? e->name : "unknown";
}

int rom_interp_method_from_name(const char *name, rom_interp_method *method) {
  if (!name || !method) return ROM_ERR_ARG;
  for (int i = 0; i < NUM_METHODS; ++i)
    if (!strcmp(name, table[i].name)) {
      *method = table[i].method;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

const char *rom_interp_method_description(rom_interp_method method) {
  const rom_interp_method_entry *e = rom_interp_method_lookup(method);
  return e ? e->description : "";
}

unsigned rom_interp_method_rules(rom_interp_method method) {
  const rom_interp_method_entry *e = rom_interp_method_lookup(method);
  return e ? e->rules : 0u;
}

rom_interp_options rom_interp_options_default(void) {
  rom_interp_options o;
  o.method = ROM_INTERP_RBF_GAUSSIAN;
  o.shape = 0.0;
  o.closest_value = 0.9;
  o.polynomial = 1;
  o.idw_power = 2.0;
  o.outside = ROM_INTERP_OUTSIDE_REFUSE;
  o.neighbours = 0;
  o.reference = -1;
  return o;
}

double rom_interp_distance(int d, const double *a, const double *b) {
  double s = 0.0;
  for (int k = 0; k < d; ++k)
    s += (a[k] - b[k]) * (a[k] - b[k]);
  return sqrt(s);
}

int rom_interp_weights(rom_ctx *ctx, int n, int d, const double *params, const double *target,
                       const rom_interp_options *opts, double *w) {
  int err = ROM_OK;
  rom_interp_options o = opts ? *opts : rom_interp_options_default();
  const rom_interp_method_entry *e = rom_interp_method_lookup(o.method);
  int *pick = NULL;
  double *sub = NULL;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, e != NULL, ROM_ERR_ARG, "unknown interpolation method %d (0..%d)", (int)o.method,
            NUM_METHODS - 1);
  ROM_CHECK(ctx, n >= 2, ROM_ERR_ARG, "interpolation needs at least 2 training points (n = %d)", n);
  ROM_CHECK(ctx, d >= 1, ROM_ERR_ARG, "the parameters need d >= 1 coordinates (d = %d)", d);
  ROM_CHECK(ctx, params && target && w, ROM_ERR_ARG,
            "params, target and w must not be NULL (n = %d, d = %d)", n, d);
  ROM_CHECK(ctx, o.outside >= ROM_INTERP_OUTSIDE_REFUSE && o.outside <= ROM_INTERP_OUTSIDE_ALLOW,
            ROM_ERR_ARG, "options.outside = %d is not a rom_interp_outside value", (int)o.outside);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k)
      ROM_CHECK(ctx, isfinite(params[i * d + k]), ROM_ERR_NOT_FINITE,
                "training parameter %d, coordinate %d is %g", i, k, params[i * d + k]);
  for (int k = 0; k < d; ++k)
    ROM_CHECK(ctx, isfinite(target[k]), ROM_ERR_NOT_FINITE, "target parameter coordinate %d is %g",
              k, target[k]);
  /* Two equal training points make every interpolant's system singular (or IDW's weights
   * ambiguous): name them. The scale is the box's diagonal. */
  {
    double scale = 0.0;
    for (int k = 0; k < d; ++k) {
      double lo = params[k], hi = params[k];
      for (int i = 1; i < n; ++i) {
        lo = fmin(lo, params[i * d + k]);
        hi = fmax(hi, params[i * d + k]);
      }
      scale += (hi - lo) * (hi - lo);
    }
    scale = sqrt(scale);
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        ROM_CHECK(ctx, rom_interp_distance(d, params + i * d, params + j * d) > 1e-13 * scale,
                  ROM_ERR_ARG,
                  "training parameters %d and %d are the same point (first coordinate %g): "
                  "every training point must be distinct",
                  i, j, params[i * d]);
  }
  /* The training box: outside it every interpolant extrapolates. */
  for (int k = 0; k < d; ++k) {
    double lo = params[k], hi = params[k];
    for (int i = 1; i < n; ++i) {
      lo = fmin(lo, params[i * d + k]);
      hi = fmax(hi, params[i * d + k]);
    }
    const double tol = 1e-12 * (hi - lo > 0.0 ? hi - lo : fmax(1.0, fabs(hi)));
    if (target[k] < lo - tol || target[k] > hi + tol) {
      ROM_CHECK(ctx, o.outside != ROM_INTERP_OUTSIDE_REFUSE, ROM_ERR_ARG,
                "target parameter coordinate %d = %g lies outside the training range [%g, %g]: "
                "interpolation would extrapolate (options.outside = warn or allow accepts it)",
                k, target[k], lo, hi);
      if (o.outside == ROM_INTERP_OUTSIDE_WARN)
        rom_log(ctx, ROM_LOG_WARN,
                "interpolation: target coordinate %d = %g lies outside the training range "
                "[%g, %g]; extrapolating",
                k, target[k], lo, hi);
    }
  }
  ROM_CHECK(ctx, o.neighbours >= 0, ROM_ERR_ARG, "options.neighbours = %d must be >= 0",
            o.neighbours);
  if (o.neighbours > 0 && o.neighbours < n) {
    /* the nearest `neighbours` points (selection by repeated minimum: n is small) */
    const int m = o.neighbours;
    ROM_CHECK(ctx, m >= 2, ROM_ERR_ARG,
              "options.neighbours = %d: a local interpolation needs at least 2 points", m);
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(int) * (size_t)n, (void **)&pick));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m * d + m), (void **)&sub));
    for (int i = 0; i < n; ++i)
      pick[i] = 0;
    for (int c = 0; c < m; ++c) {
      int best = -1;
      double dbest = INFINITY;
      for (int i = 0; i < n; ++i) {
        const double di = rom_interp_distance(d, params + i * d, target);
        if (!pick[i] && di < dbest) {
          dbest = di;
          best = i;
        }
      }
      pick[best] = c + 1;
      memcpy(sub + c * d, params + best * d, sizeof(double) * (size_t)d);
    }
    ROM_TRY(ctx, e->weights(ctx, m, d, sub, target, &o, sub + m * d));
    for (int i = 0; i < n; ++i)
      w[i] = pick[i] ? sub[m * d + pick[i] - 1] : 0.0;
  } else {
    ROM_TRY(ctx, e->weights(ctx, n, d, params, target, &o, w));
  }
  for (int i = 0; i < n; ++i)
    ROM_CHECK(ctx, isfinite(w[i]), ROM_ERR_NOT_FINITE,
              "the %s weight of training point %d is %g (an ill-conditioned system?)", e->name, i,
              w[i]);
cleanup:
  rom_free(ctx, pick);
  rom_free(ctx, sub);
  return err;
}

int rom_interp_prepare(rom_ctx *ctx, int n, int d, const double *params, const double *target,
                       const rom_interp_options *opts, double *w, int *reference) {
  int err = ROM_OK;
  rom_interp_options o = opts ? *opts : rom_interp_options_default();
  ROM_TRY(ctx, rom_interp_weights(ctx, n, d, params, target, &o, w));
  ROM_CHECK(ctx, o.reference >= -1 && o.reference < n, ROM_ERR_ARG,
            "options.reference = %d must be -1 (nearest) or a training index 0..%d", o.reference,
            n - 1);
  if (o.reference >= 0) {
    *reference = o.reference;
  } else {
    int best = 0;
    double dbest = rom_interp_distance(d, params, target);
    for (int i = 1; i < n; ++i) {
      double di = rom_interp_distance(d, params + i * d, target);
      if (di < dbest) {
        dbest = di;
        best = i;
      }
    }
    *reference = best;
  }
cleanup:
  return err;
}
