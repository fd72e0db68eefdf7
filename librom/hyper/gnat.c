/* Oversampled greedy sample selection for GNAT: Carlberg, Farhat, Cortial, Amsallem,
 * "The GNAT method for nonlinear model reduction: effective implementation and
 * application to computational fluid dynamics and turbulent flows", J. Comput. Phys. 242
 * (2013), Algorithm 3, with one unknown per "node" (a node of the paper is a row here).
 *
 * With ns >= nb the algorithm runs nit = nb greedy iterations, one residual basis
 * vector each; iteration p adds floor(ns/nb) samples (one more for the first ns mod nb
 * iterations), the rows of largest gappy residual
 *     r = u_p - U_{p} alpha,   alpha = argmin ||P^T U_{p} alpha - P^T u_p||_2
 * where P^T picks the samples chosen so far (a least-squares fit once there are more
 * samples than vectors; at ns == nb it is DEIM's interpolation and the samples are
 * DEIM's). Distributed exactly like deim.c. */
#include "hyper/hyper_impl.h"
#include "linalg/dmat_impl.h"

#include <math.h>
#include <string.h>

int rom_hyper_select_gnat(const rom_dmat *U, rom_int nb, rom_int ns, rom_int *samples) {
  int err = ROM_OK;
  rom_ctx *ctx = U->ctx;
  const rom_int L = U->local_rows, off = U->row_offset, ld = U->ld;
  double *Z = NULL, *alpha = NULL, *row_values = NULL, *score = NULL;
  rom_int s = 0; /* samples so far */
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(ns * nb), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&alpha));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&row_values));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int p = 0; p < nb; ++p) {
    const rom_int add = ns / nb + (p < ns % nb ? 1 : 0);
    int lerr = ROM_OK;
    if (p > 0) {
      rom_int rank = 0;
      lerr = rom_hyper_lstsq(ctx, s, p, Z, ns, 1, Z + p * ns, ns, alpha, nb, &rank);
      if (lerr == ROM_OK && rank < p)
        lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                             "GNAT greedy iteration %lld: the %lld sampled rows of the first "
                             "%lld residual basis vectors have rank %lld",
                             (long long)p, (long long)s, (long long)p, (long long)rank);
    }
    ROM_TRY_ALL(ctx, lerr);
    for (rom_int i = 0; i < L; ++i) {
      double r = U->data[i + p * ld];
      for (rom_int j = 0; j < p; ++j)
        r -= U->data[i + j * ld] * alpha[j];
      score[i] = r * r;
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
      ROM_CHECK(ctx, row >= 0 && (a > 0 || sqrt(value) > ROM_HYPER_RANK_TOL * scale),
                ROM_ERR_SINGULAR,
                "GNAT greedy iteration %lld: residual basis vector %lld is fitted exactly by "
                "the previous ones on the samples: the residual basis has fewer than nb = %lld "
                "independent columns",
                (long long)p, (long long)p, (long long)nb);
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
