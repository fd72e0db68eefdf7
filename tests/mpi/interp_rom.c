/* Interpolated Galerkin ROMs of the non-affine heat problem P3X (rom_parametric_heat_run,
 * docs/interp.md) at 1, 2 and 4 ranks: at the training parameters the interpolated ROM is
 * the local ROM (1e-10); at unseen parameters its error against the FOM is small, below the
 * error of interpolating the reduced operators entry by entry without aligning the bases
 * first (the step that makes the interpolation meaningful, Amsallem and Farhat 2011); the
 * numbers agree across rank counts; the parametric DMD (with control) is checked the same
 * way. Prints the table of docs/interp.md. */
#include "testutil.h"

#include <string.h>

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  rom_parametric_heat_options o = rom_parametric_heat_options_default();
  rom_parametric_heat_result r;
  o.local_rows = test_uneven_rows(o.n * o.n, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  CHECK_OK(ctx, rom_parametric_heat_run(ctx, &o, &r));
  CHECK(r.train_reproduction < 1e-10, "training parameters: local ROMs and DMDs reproduced to %.2e",
        r.train_reproduction);
  for (int t = 0; t < r.ntest; ++t) {
    if (rom_ctx_rank(ctx) == 0)
      printf("mu = %5.2f  interp %.3e %%  basis-only %.3e %%  global %.3e %%  local %.3e %%  "
             "dmd %.3e %%\n",
             r.mu[t], r.err_interp[t], r.err_basis_only[t], r.err_global[t], r.err_local[t],
             r.err_dmd[t]);
    /* near mu = 0 the local POD subspaces turn fast (the x-antisymmetric modes, of energy
     * ~ mu^2, cross the higher symmetric ones: docs/interp.md), elsewhere they are smooth */
    const double bound = fabs(r.mu[t]) >= 1.0 ? 0.5 : 5.0;
    CHECK(r.err_interp[t] < bound, "mu = %g: interpolated ROM error %.3e %% < %g %%", r.mu[t],
          r.err_interp[t], bound);
    CHECK(r.err_dmd[t] >= 0.0 && r.err_dmd[t] < 2.0 * bound,
          "mu = %g: parametric DMD error %.3e %% < %g %%", r.mu[t], r.err_dmd[t], 2.0 * bound);
    CHECK(r.err_local[t] <= r.err_basis_only[t] * 1.0001 + 1e-12,
          "the test point's own POD is the best basis");
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("offline %.3f s; online per test parameter: interpolation %.2e s, global ROM's "
           "operator %.2e s\n",
           r.seconds_offline, r.seconds_interpolate, r.seconds_global_operator);
  /* bad input reaches the caller: a test parameter outside the training range */
  o.test[0] = 2.5;
  CHECK_ERR(ctx, rom_parametric_heat_run(ctx, &o, &r), ROM_ERR_ARG);
  o = rom_parametric_heat_options_default();
  o.dim = 0;
  CHECK_ERR(ctx, rom_parametric_heat_run(ctx, &o, &r), ROM_ERR_ARG);
  return test_finish(&ctx);
}
