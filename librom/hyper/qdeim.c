/* QDEIM sample selection: Drmac & Gugercin, "A new selection operator for the discrete
 * empirical interpolation method — improved a priori error bound and extensions",
 * SIAM J. Sci. Comput. 38 (2016): the samples are the first nb pivots of the
 * column-pivoted QR factorisation (Businger & Golub 1965) of U^T (nb x N).
 *
 * Column pivoting on U^T is row pivoting on U: at step l pick the row of U whose
 * component orthogonal to the rows already picked has the largest norm, then remove the
 * picked row's direction from every row (modified Gram-Schmidt on rows). Distributed,
 * each rank updates only its own rows (O(L nb) per step) and the winner is found by a
 * global max of the row norms (ties: lowest row); only the picked row (nb values) is
 * communicated, never an N-long row of U^T. Cost O(N nb^2 / P) flops, 3 nb reductions.
 * Rows are scored and updated with fixed-order loops so the picks do not depend on the
 * partition (hyper_impl.h). */
#include "hyper/hyper_impl.h"

#include <math.h>
#include <string.h>

int rom_hyper_select_qdeim(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                           rom_int *samples) {
  (void)ninit; /* no ROM_HYPER_RULE_INITIAL_SAMPLES (methods.h): always 0 */
  int err = ROM_OK;
  (void)ns; /* ns == nb: ROM_HYPER_RULE_EXACT_SAMPLES (methods.h) */
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  double *X = NULL, *q = NULL, *score = NULL;
  rom_dmat *Xm = NULL;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L * nb + 1), (void **)&X));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nb, (void **)&q));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int j = 0; j < nb; ++j)
    for (rom_int i = 0; i < L; ++i)
      X[i + j * L] = Ud[i + j * ld];
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, nb, L > 0 ? X : NULL, L > 0 ? L : 1, &Xm));
  double first = 0.0; /* the largest squared row norm of U: the scale of the rank test */
  for (rom_int l = 0; l < nb; ++l) {
    for (rom_int i = 0; i < L; ++i) {
      double s = 0.0;
      for (rom_int j = 0; j < nb; ++j)
        s += X[i + j * L] * X[i + j * L];
      score[i] = s;
    }
    rom_hyper_exclude(L, off, l, samples, score);
    rom_int row = -1;
    double value = 0.0;
    ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
    if (l == 0) first = value;
    ROM_CHECK(ctx, row >= 0 && value > ROM_HYPER_RANK_TOL * ROM_HYPER_RANK_TOL * first,
              ROM_ERR_SINGULAR,
              "QDEIM step %lld: every remaining row is in the span of the rows picked so far: "
              "the residual basis has fewer than nb = %lld independent columns",
              (long long)l, (long long)nb);
    samples[l] = row;
    ROM_TRY(ctx, rom_hyper_gather_rows(Xm, 1, &samples[l], nb, q));
    {
      const double inv = 1.0 / sqrt(value);
      for (rom_int j = 0; j < nb; ++j)
        q[j] *= inv;
    }
    for (rom_int i = 0; i < L; ++i) {
      double d = 0.0;
      for (rom_int j = 0; j < nb; ++j)
        d += X[i + j * L] * q[j];
      for (rom_int j = 0; j < nb; ++j)
        X[i + j * L] -= d * q[j];
    }
  }
cleanup:
  rom_dmat_destroy(&Xm);
  rom_free(ctx, X);
  rom_free(ctx, q);
  rom_free(ctx, score);
  return err;
}
