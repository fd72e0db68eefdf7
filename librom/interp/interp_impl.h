/* romkit internal — the parametric-interpolation stage (include/romkit/interp.h): the
 * interpolants' function type, their table entries, and the steps that the public
 * functions share (weights and reference chosen once, then the manifold maps). */
#ifndef ROMKIT_INTERP_IMPL_H
#define ROMKIT_INTERP_IMPL_H

#include "interp/interp_methods.h"
#include "romkit/interp.h"

/* The weights w[0..n-1] at `target` of the n distinct, finite training points params
 * (n x d, row major), already checked by rom_interp_weights. Not collective. */
typedef int (*rom_interp_weights_fn)(rom_ctx *ctx, int n, int d, const double *params,
                                     const double *target, const rom_interp_options *o, double *w);

#define ROM_INTERP_PROTOTYPE(e, n, fn, r, d)                                                       \
  int fn(rom_ctx *ctx, int n_, int d_, const double *params, const double *target,                 \
         const rom_interp_options *o, double *w);
ROM_INTERP_METHOD_TABLE(ROM_INTERP_PROTOTYPE)
#undef ROM_INTERP_PROTOTYPE

typedef struct {
  rom_interp_method method;
  const char *name;
  rom_interp_weights_fn weights;
  unsigned rules;
  const char *description;
} rom_interp_method_entry;

/* The entry of a method, NULL out of range. */
const rom_interp_method_entry *rom_interp_method_lookup(rom_interp_method method);

/* Euclidean distance of two d-vectors. */
double rom_interp_distance(int d, const double *a, const double *b);

/* rom_interp_prepare - weights and the reference index (options.reference, or the
 * training point nearest to the target) in one call. Not collective. */
int rom_interp_prepare(rom_ctx *ctx, int n, int d, const double *params, const double *target,
                       const rom_interp_options *o, double *w, int *reference);

/* The manifold steps with given weights and reference: sum_i w_i Log_{X_ref}(X_i), Exp.
 * Terms with w_i = 0 are skipped. */
int rom_interp_matrices_weighted(rom_ctx *ctx, rom_matrix_manifold manifold, int n, rom_int rows,
                                 rom_int cols, const double *const *mats, int reference,
                                 const double *w, double *out);
/* Collective. */
int rom_grassmann_interpolate_weighted(int n, const rom_dmat *const *bases, int reference,
                                       const double *w, rom_dmat *out);

#endif
