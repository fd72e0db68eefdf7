/* The oversampled greedy sample selection shared by GNAT (gnat.c) and the authors'
 * oversampled DEIM (deim_os.c); the two differ only in how many samples each residual
 * basis vector receives (`take`) and in scoring r^2 or |r| (the same argmax; kept apart so
 * neither method's tie-breaking changes).
 *
 * For p = 0 .. nb-1: alpha = argmin ||P^T U_p alpha - P^T u_p||_2 over the rows P picked so
 * far (minimum norm, dgelsd), then the take[p] rows of largest residual r = u_p - U_p alpha
 * among the rows not yet picked. Distributed like deim.c: the sampled rows of U are
 * gathered exactly and replicated, the small fit is repeated on every rank, each rank
 * scores its own rows with fixed-order loops, and the argmax is global with the lowest-row
 * tie rule (hyper_impl.h), so the samples are identical on any partition. */
#include "hyper/hyper_impl.h"

#include <math.h>
#include <string.h>

int rom_hyper_select_greedy(const rom_dmat *U, rom_int nb, rom_int ns, const rom_int *take,
                            int squared_score, const char *method, rom_int *samples) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  double *Z = NULL, *alpha = NULL, *row_values = NULL, *score = NULL;
  rom_int s = 0; /* samples so far */
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(ns * nb), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&alpha));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&row_values));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int p = 0; p < nb; ++p) {
    const rom_int add = take[p];
    int lerr = ROM_OK;
    if (p > 0) {
      rom_int rank = 0;
      lerr = rom_hyper_lstsq(ctx, s, p, Z, ns, 1, Z + p * ns, ns, alpha, nb, &rank);
      if (lerr == ROM_OK && rank < p)
        lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                             "%s iteration %lld: the %lld sampled rows of the first %lld residual "
                             "basis vectors have rank %lld",
                             method, (long long)p, (long long)s, (long long)p, (long long)rank);
    }
    ROM_TRY_ALL(ctx, lerr);
    for (rom_int i = 0; i < L; ++i) {
      double r = Ud[i + p * ld];
      for (rom_int j = 0; j < p; ++j)
        r -= Ud[i + j * ld] * alpha[j];
      score[i] = squared_score ? r * r : fabs(r);
    }
    rom_hyper_exclude(L, off, s, samples, score);
    double scale = 0.0;
    ROM_TRY(ctx, rom_hyper_column_max(U, p, &scale));
    for (rom_int a = 0; a < add; ++a) {
      rom_int row = -1;
      double value = 0.0;
      ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
      /* A zero residual is acceptable for the extra samples (any row then does), but the
       * first sample of an iteration must see a non-zero residual, else u_p is dependent. */
      ROM_CHECK(ctx,
                row >= 0 &&
                    (a > 0 || (squared_score ? sqrt(value) : value) > ROM_HYPER_RANK_TOL * scale),
                ROM_ERR_SINGULAR,
                "%s iteration %lld: residual basis vector %lld is fitted exactly by the previous "
                "ones on the samples: the residual basis has fewer than nb = %lld independent "
                "columns",
                method, (long long)p, (long long)p, (long long)nb);
      samples[s] = row;
      rom_hyper_exclude(L, off, 1, &samples[s], score);
      ROM_TRY(ctx, rom_hyper_gather_rows(U, 1, &samples[s], nb, row_values));
      for (rom_int j = 0; j < nb; ++j)
        Z[s + j * ns] = row_values[j];
      ++s;
    }
  }
cleanup:
  rom_free(ctx, Z);
  rom_free(ctx, alpha);
  rom_free(ctx, row_values);
  rom_free(ctx, score);
  return err;
}
