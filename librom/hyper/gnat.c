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
 * DEIM's). The greedy itself is greedy.c. */
#include "hyper/hyper_impl.h"

int rom_hyper_select_gnat(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                          rom_int *samples) {
  (void)ninit; /* no ROM_HYPER_RULE_INITIAL_SAMPLES (methods.h): always 0 */
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  rom_int *take = NULL;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)nb, (void **)&take));
  for (rom_int p = 0; p < nb; ++p)
    take[p] = ns / nb + (p < ns % nb ? 1 : 0);
  ROM_TRY(ctx, rom_hyper_select_greedy(U, nb, ns, take, 1, "GNAT greedy", samples));
cleanup:
  rom_free(ctx, take);
  return err;
}
