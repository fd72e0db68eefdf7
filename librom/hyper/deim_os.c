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
 * The greedy itself (distributed, identical samples on any partition) is greedy.c.
 * Cost O(N nb^2 / P) flops and O(ns) small reductions. */
#include "hyper/hyper_impl.h"

int rom_hyper_select_deim_os(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                             rom_int *samples) {
  (void)ninit; /* no ROM_HYPER_RULE_INITIAL_SAMPLES (methods.h): always 0 */
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  rom_int *take = NULL;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)nb, (void **)&take));
  for (rom_int l = 0; l < nb; ++l)
    take[l] = ns / nb + (l == 0 ? ns % nb : 0);
  ROM_TRY(ctx, rom_hyper_select_greedy(U, nb, ns, take, 0, "deim-os", samples));
cleanup:
  rom_free(ctx, take);
  return err;
}
