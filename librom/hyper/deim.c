/* DEIM sample selection: Chaturantabut & Sorensen, "Nonlinear model reduction via
 * discrete empirical interpolation", SIAM J. Sci. Comput. 32 (2010), Algorithm 1.
 *
 *   p_1 = argmax_i |u_1(i)|
 *   for l = 2..nb:  solve (P^T U_{l-1}) c = P^T u_l        (square, (l-1) x (l-1))
 *                   r = u_l - U_{l-1} c                     (the interpolation residual)
 *                   p_l = argmax_i |r(i)|
 *
 * Distributed: P^T U is replicated (one row gathered per pick, exactly), the small solve
 * is repeated on every rank, the residual is formed on each rank's own rows, and the
 * argmax is global with ties broken by the lowest row (hyper_impl.h). Cost O(N nb^2 / P)
 * flops and 3 nb small reductions. */
#include "hyper/hyper_impl.h"

#include <math.h>
#include <string.h>

int rom_hyper_select_deim(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                          rom_int *samples) {
  (void)ninit; /* no ROM_HYPER_RULE_INITIAL_SAMPLES (methods.h): always 0 */
  int err = ROM_OK;
  (void)ns; /* ns == nb: ROM_HYPER_RULE_EXACT_SAMPLES (methods.h) */
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  double *Z = NULL, *c = NULL, *score = NULL;
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(nb * nb), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&c));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int l = 0; l < nb; ++l) {
    /* c = (P^T U_{l})^{-1} P^T u_l on the l samples picked so far (none when l = 0). */
    int lerr = ROM_OK;
    if (l > 0) {
      rom_int rank = 0;
      lerr = rom_hyper_lstsq(ctx, l, l, Z, nb, 1, Z + l * nb, nb, c, nb, &rank);
      if (lerr == ROM_OK && rank < l)
        lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                             "DEIM step %lld: the sampled rows of the first %lld residual basis "
                             "vectors are singular (rank %lld)",
                             (long long)l, (long long)l, (long long)rank);
    }
    ROM_TRY_ALL(ctx, lerr);
    /* |r(i)|, with a fixed summation order per row (see hyper_impl.h). */
    for (rom_int i = 0; i < L; ++i) {
      double r = Ud[i + l * ld];
      for (rom_int j = 0; j < l; ++j)
        r -= Ud[i + j * ld] * c[j];
      score[i] = fabs(r);
    }
    rom_hyper_exclude(L, off, l, samples, score);
    rom_int row = -1;
    double value = 0.0, scale = 0.0;
    ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
    ROM_TRY(ctx, rom_hyper_column_max(U, l, &scale));
    ROM_CHECK(ctx, row >= 0 && value > ROM_HYPER_RANK_TOL * scale, ROM_ERR_SINGULAR,
              "DEIM step %lld: residual basis vector %lld is interpolated exactly by the "
              "previous ones (interpolation residual %g): the residual basis has fewer than "
              "nb = %lld independent columns",
              (long long)l, (long long)l, value, (long long)nb);
    samples[l] = row;
    ROM_TRY(ctx, rom_hyper_gather_rows(U, 1, &samples[l], nb, c));
    for (rom_int j = 0; j < nb; ++j)
      Z[l + j * nb] = c[j];
  }
cleanup:
  rom_free(ctx, Z);
  rom_free(ctx, c);
  rom_free(ctx, score);
  return err;
}
