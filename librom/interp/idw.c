/* Inverse distance weighting (Shepard, "A two-dimensional interpolation function for
 * irregularly-spaced data", Proc. 23rd ACM National Conference, 1968):
 *   w_i = d_i^-p / sum_j d_j^-p,  d_i = ||mu* - mu_i||,
 * and w = e_i at a training point mu_i. The weights are positive and sum to one, so IDW
 * reproduces constants (not linear functions) and never overshoots the data. */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <math.h>

int rom_interp_weights_idw(rom_ctx *ctx, int n, int d, const double *params, const double *target,
                           const rom_interp_options *o, double *w) {
  int err = ROM_OK;
  double sum = 0.0;
  ROM_CHECK(ctx, o->idw_power > 0.0 && isfinite(o->idw_power), ROM_ERR_ARG,
            "options.idw_power = %g must be positive", o->idw_power);
  for (int i = 0; i < n; ++i) {
    const double di = rom_interp_distance(d, params + i * d, target);
    if (di == 0.0) { /* at a training point: its data, exactly */
      for (int j = 0; j < n; ++j)
        w[j] = j == i ? 1.0 : 0.0;
      return ROM_OK;
    }
    w[i] = pow(di, -o->idw_power);
    sum += w[i];
  }
  for (int i = 0; i < n; ++i)
    w[i] /= sum;
cleanup:
  return err;
}
