/* romkit — optimized DMD by variable projection: placeholder until the optimized fit lands
 * (librom/dmd/dmd_optimized.h has the contract). It refuses with a clear sentence, so the
 * "opt" and "bop" methods fail cleanly instead of returning something wrong. */
#include "dmd/dmd_optimized.h"

#include "core/check.h"

int rom_dmd_optimized_fit(rom_ctx *ctx, int k, int m, const double *Y, const double *t, int r,
                          const double complex *omega0, const rom_dmd_opt_params *p,
                          double complex *omega, double complex *B, double *omega_std) {
  int err = ROM_OK;
  (void)k, (void)m, (void)Y, (void)t, (void)r, (void)omega0, (void)p, (void)omega, (void)B,
      (void)omega_std;
  ROM_FAIL(ctx, ROM_ERR_ARG,
           "the optimized DMD fit (methods \"opt\" and \"bop\") is not built yet");
cleanup:
  return err;
}
