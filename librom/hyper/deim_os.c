/* Oversampled DEIM of the authors' code ("deim-os"): the sample selection of the
 * hyper-reduction tests of Kim, Choi, Widemann, Zohdi, "A fast and accurate physics-
 * informed neural network reduced order model with shallow masked autoencoder",
 * J. Comput. Phys. 451 (2022), function DEIM(phi_f, nfeval) of their notebooks
 * (https://github.com/LLNL/NM-ROM). It reproduces the paper's P1 POD-LSPG-HR row
 * (docs/reproduction.md); it is what `romkit reproduce` used to compute in the app.
 *
 * With div = ns / nb and mod = ns % nb (ns >= nb):
 *   vector 1:        the div + mod rows of largest |u_1|;
 *   vector l = 2..nb: c = argmin ||P^T U_{l-1} c - P^T u_l||_2 (minimum norm, dgelsd, over
 *                    all rows P picked so far), then the div rows of largest
 *                    |r(i)|, r = u_l - U_{l-1} c, among the rows not yet picked.
 * So every extra sample goes to the first (dominant) vector and each later vector gets
 * div rows (1 when nb <= ns < 2 nb) - unlike GNAT (gnat.c), which spreads the ns mod nb
 * extra rows over the first vectors one each and scores r^2. At ns == nb it is DEIM. Ties
 * go to the lowest global row (numpy's stable argsort in the authors' code).
 *
 * Distributed exactly like deim.c: the rows of U at the samples are gathered exactly and
 * replicated, the small least-squares fit is repeated on every rank, each rank scores its
 * own rows with fixed-order loops, and the argmax is global with the lowest-row tie rule
 * (hyper_impl.h), so the samples are identical on any number of ranks and any partition.
 * Cost O(N nb^2 / P) flops and O(ns) small reductions. */
#include "hyper/hyper_impl.h"
#include "linalg/dmat_impl.h"

#include <math.h>
#include <string.h>

int rom_hyper_select_deim_os(const rom_dmat *U, rom_int nb, rom_int ns, rom_int *samples) {
  int err = ROM_OK;
  rom_ctx *ctx = U->ctx;
  const rom_int L = U->local_rows, off = U->row_offset, ld = U->ld;
  const rom_int div = ns / nb, mod = ns % nb;
  double *Z = NULL, *c = NULL, *row_values = NULL, *score = NULL;
  rom_int s = 0; /* samples so far */
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(ns * nb), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&c));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&row_values));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int l = 0; l < nb; ++l) {
    const rom_int take = l == 0 ? div + mod : div;
    /* c = the least-squares fit of u_l on the s rows picked so far (none when l = 0). */
    int lerr = ROM_OK;
    if (l > 0) {
      rom_int rank = 0;
      lerr = rom_hyper_lstsq(ctx, s, l, Z, ns, 1, Z + l * ns, ns, c, nb, &rank);
      if (lerr == ROM_OK && rank < l)
        lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                             "deim-os step %lld: the %lld sampled rows of the first %lld "
                             "residual basis vectors have rank %lld",
                             (long long)l, (long long)s, (long long)l, (long long)rank);
    }
    ROM_TRY_ALL(ctx, lerr);
    /* |r(i)|, with a fixed summation order per row (see hyper_impl.h). */
    for (rom_int i = 0; i < L; ++i) {
      double r = U->data[i + l * ld];
      for (rom_int j = 0; j < l; ++j)
        r -= U->data[i + j * ld] * c[j];
      score[i] = fabs(r);
    }
    rom_hyper_exclude(L, off, s, samples, score);
    double scale = 0.0;
    ROM_TRY(ctx, rom_hyper_column_max(U, l, &scale));
    for (rom_int a = 0; a < take; ++a) {
      rom_int row = -1;
      double value = 0.0;
      ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
      /* The extra rows of a vector may see a zero residual (any row then does); its first
       * row must not, else u_l is a combination of the previous vectors on the samples. */
      ROM_CHECK(ctx, row >= 0 && (a > 0 || value > ROM_HYPER_RANK_TOL * scale), ROM_ERR_SINGULAR,
                "deim-os step %lld: residual basis vector %lld is fitted exactly by the "
                "previous ones on the samples (residual %g): the residual basis has fewer than "
                "nb = %lld independent columns",
                (long long)l, (long long)l, value, (long long)nb);
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
  rom_free(ctx, c);
  rom_free(ctx, row_values);
  rom_free(ctx, score);
  return err;
}
