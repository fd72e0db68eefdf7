/* romkit internal — the reduction of a training step's gradient across the ranks
 * (grad_reduce.c; docs/autoencoder.md "Ranks and the gradient reduction").
 *
 * rom_grad_reduce_create - a reduction of `slots` partial sums of a packed vector of n
 *   entries (gradient + loss) of element type `type` (MPI_DOUBLE or MPI_FLOAT) by `method`
 *   (ROM_AE_REDUCE_ALLREDUCE or ROM_AE_REDUCE_SHARDED; one rank always reduces nothing).
 *   Not collective (no communication; every rank must pass the same arguments).
 * rom_grad_reduce_destroy - frees it (NULL-safe, zeroes the handle). Not collective.
 * rom_grad_reduce_owned - the entries [lo, hi) this rank holds after rom_grad_reduce_sum
 *   (allreduce: all; sharded: its block). Not collective.
 * rom_grad_reduce_owner - the rank that holds entry i after the sum (allreduce: the caller).
 *   Not collective.
 * rom_grad_reduce_sum - gbuf (slots x n, slot c at c n; overwritten) summed over the ranks,
 *   then over the slots in slot order; *result[lo, hi) holds the sum: *result is gbuf itself
 *   (one slot, allreduce: no copy) or out (n entries, distinct from gbuf; the rest of it is
 *   left alone). Bit-identical between the two methods at 1 and 2 ranks and, with slots > 1
 *   and each slot filled by one rank, for any rank count. Collective.
 * rom_grad_reduce_gather - after each rank wrote its block of x[0..len) (len <= n, entries
 *   of `type`), every rank holds all of x (sharded: one MPI_Allgatherv; allreduce: nothing
 *   to do). Collective. */
#ifndef ROMKIT_MANIFOLD_GRAD_REDUCE_H
#define ROMKIT_MANIFOLD_GRAD_REDUCE_H

#include "core/check.h"
#include "romkit/autoencoder.h"

typedef struct rom_grad_reduce rom_grad_reduce;

int rom_grad_reduce_create(rom_ctx *ctx, int method, rom_int n, int slots, MPI_Datatype type,
                           rom_grad_reduce **out);
void rom_grad_reduce_destroy(rom_grad_reduce **r);
void rom_grad_reduce_owned(const rom_grad_reduce *r, rom_int *lo, rom_int *hi);
int rom_grad_reduce_owner(const rom_grad_reduce *r, rom_int i);
int rom_grad_reduce_sum(rom_grad_reduce *r, void *gbuf, void *out, void **result);
int rom_grad_reduce_gather(rom_grad_reduce *r, void *x, rom_int len, MPI_Datatype type);

#endif
