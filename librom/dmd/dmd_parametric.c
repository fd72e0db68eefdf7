/* Parametric DMD (include/romkit/parametric.h; libROM's getParametricDMD): the training
 * DMDs' bases on the Grassmann manifold and their reduced operators on a matrix manifold,
 * after aligning the bases (Amsallem and Farhat, SIAM J. Sci. Comput. 33(5), 2011), through
 * the interp stage (rom_interp_linear_rom); the result is a projected DMD
 * (rom_dmd_create_projected) on the interpolated basis. docs/interp.md, "Parametric DMD". */
#include "core/check.h"
#include "romkit/dmd.h"
#include "romkit/parametric.h"

#include <math.h>
#include <string.h>

int rom_dmd_parametric(int n, const rom_dmd *const *dmds, int d, const double *params,
                       const double *target, const rom_interp_options *opts,
                       rom_matrix_manifold manifold, double t0, const double *x0_local,
                       rom_dmd **out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  const rom_dmat *V[64];
  const double *A[64];
  double *Astar = NULL, *w = NULL, *x0 = NULL, *xi = NULL;
  rom_dmat *Vstar = NULL;
  rom_int r = 0, L = 0;
  double dt = 0.0;
  if (!dmds || n < 1 || !dmds[0] || !out) return ROM_ERR_ARG;
  ctx = rom_dmd_ctx(dmds[0]);
  *out = NULL;
  ROM_CHECK(ctx, n >= 2 && n <= 64, ROM_ERR_ARG,
            "parametric DMD needs 2..64 training DMDs (n = %d)", n);
  r = rom_dmd_rank(dmds[0]);
  L = rom_dmd_local_rows(dmds[0]);
  dt = rom_dmd_dt(dmds[0]);
  for (int i = 0; i < n; ++i) {
    ROM_CHECK(ctx, dmds[i] != NULL, ROM_ERR_ARG, "training DMD %d is NULL", i);
    V[i] = rom_dmd_basis(dmds[i]);
    A[i] = rom_dmd_operator(dmds[i]);
    ROM_CHECK(ctx, V[i] && A[i] && rom_dmd_window_count(dmds[i]) == 1, ROM_ERR_STATE,
              "training DMD %d (method %s) has no basis and reduced operator: parametric DMD "
              "needs unwindowed 'exact' DMDs",
              i, rom_dmd_method_name(rom_dmd_get_method(dmds[i])));
    /* a projected DMD has no input matrix: interpolating Atilde alone would drop B u */
    ROM_CHECK(ctx, rom_dmd_control_dim(dmds[i]) == 0, ROM_ERR_UNSUPPORTED,
              "training DMD %d is a DMD with control (q = %lld): rom_dmd_parametric "
              "interpolates Atilde only; interpolate its basis, Atilde and Btilde with "
              "rom_interp_linear_rom (b = the columns of Btilde) as docs/interp.md shows",
              i, (long long)rom_dmd_control_dim(dmds[i]));
    ROM_CHECK(ctx, rom_dmd_rank(dmds[i]) == r, ROM_ERR_DIM,
              "training DMD %d has rank %lld, DMD 0 rank %lld (fit them with a fixed rank)", i,
              (long long)rom_dmd_rank(dmds[i]), (long long)r);
    ROM_CHECK_ALL(ctx, rom_dmd_local_rows(dmds[i]) == L, ROM_ERR_DIM,
                  "training DMD %d has %lld local rows, DMD 0 %lld", i,
                  (long long)rom_dmd_local_rows(dmds[i]), (long long)L);
    ROM_CHECK(ctx, fabs(rom_dmd_dt(dmds[i]) - dt) <= 1e-12 * dt, ROM_ERR_ARG,
              "training DMD %d has the time step %g, DMD 0 %g: the reduced operators are "
              "steps of different length",
              i, rom_dmd_dt(dmds[i]), dt);
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&Astar));
  ROM_TRY(ctx, rom_dmat_create(ctx, L, r, &Vstar));
  ROM_TRY(ctx, rom_interp_linear_rom(n, V, A, NULL, manifold, d, params, target, opts, Astar, NULL,
                                     Vstar));
  if (!x0_local) {
    /* the training DMDs' reconstructions at their t0, weighted like everything else */
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n, (void **)&w));
    ROM_TRY(ctx, rom_interp_weights(ctx, n, d, params, target, opts, w));
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)(L + 1), sizeof(double), (void **)&x0));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&xi));
    for (int i = 0; i < n; ++i) {
      if (w[i] == 0.0) continue;
      ROM_TRY(ctx, rom_dmd_predict(dmds[i], rom_dmd_t0(dmds[i]), xi));
      for (rom_int l = 0; l < L; ++l)
        x0[l] += w[i] * xi[l];
    }
    x0_local = x0;
  }
  ROM_TRY(ctx, rom_dmd_create_projected(Vstar, Astar, dt, t0, x0_local, out));
cleanup:
  rom_dmat_destroy(&Vstar);
  rom_free(ctx, Astar);
  rom_free(ctx, w);
  rom_free(ctx, x0);
  rom_free(ctx, xi);
  return err;
}
