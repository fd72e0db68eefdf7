/* The reduction of a training step's gradient across the ranks (train.c's data-parallel
 * mini-batch Adam), docs/autoencoder.md "Ranks and the gradient reduction".
 *
 * Every rank holds `slots` partial sums of the packed vector (gradient + loss, n entries
 * per slot: one slot by default, C in reproducible-chunk mode, chunk c's sum in slot c and
 * zeros in the slots of the other ranks' chunks). The sum over ranks, then over slots in
 * slot order, is the batch's gradient. Two ways to get it:
 *
 * - ROM_AE_REDUCE_ALLREDUCE: one MPI_Allreduce of the whole buffer; every rank holds the
 *   whole gradient and repeats the same Adam update on all parameters.
 * - ROM_AE_REDUCE_SHARDED: the vector is cut into P contiguous blocks (rank r owns block r);
 *   one MPI_Reduce_scatter hands each rank the sum of its block only, it runs Adam on that
 *   block (Adam is elementwise, so the update of a block is the same arithmetic as that
 *   block's share of the whole update: bit-identical), and one MPI_Allgatherv of the new
 *   parameters gives every rank the whole network again. The same bytes travel as in a
 *   ring allreduce (reduce-scatter + allgather), but each rank does 1/P of the Adam update
 *   (on a node whose cores share one memory bandwidth the memory-bound update did not get
 *   faster: docs/benchmarks.md, "1 vs 2 ranks"; allreduce is the default). This is the
 *   optimizer-state sharding of Rajbhandari et al., "ZeRO", SC 2020 (stage 1), without the
 *   memory saving: every rank keeps the whole Adam state (checkpoints gather it).
 *
 * In slot mode the blocks are first packed block-major (rank r's block of every slot side by
 * side), so one reduce-scatter brings rank r the C partial sums of its block, which it adds
 * in slot order: the result is the one of the allreduce path bit for bit, and does not depend
 * on P (x + 0 is exact; the same additions in the same order).
 *
 * Element types: MPI_DOUBLE or MPI_FLOAT (a single-precision gradient buffer), chosen at
 * creation; the gather takes its own type (parameters may be kept in another precision). */
#include "manifold/grad_reduce.h"

#include "core/values.h"

#include <limits.h>
#include <string.h>

struct rom_grad_reduce {
  rom_ctx *ctx;
  MPI_Comm comm;
  int P, rank, method, slots;
  MPI_Datatype type;
  size_t elsize;
  rom_int n;
  int *lo;    /* P + 1 block bounds over one slot's n entries */
  int *cnt;   /* P: slots * block length (the reduce-scatter's counts) */
  int *gcnt;  /* P: block lengths within [0, n_gather) for the allgather */
  void *pack; /* slots > 1, sharded: block-major send buffer (slots * n) */
  void *recv; /* slots > 1, sharded: this rank's block of every slot */
};

/* Block r starts at n r / P rounded down to 8 entries (64 bytes of doubles): each rank's
 * Adam loop and gather start on a cache line. */
static rom_int block_start(rom_int n, int r, int P) {
  if (r >= P) return n;
  rom_int s = (rom_int)((double)n * r / P);
  s -= s % 8;
  return s < n ? s : n;
}

int rom_grad_reduce_create(rom_ctx *ctx, int method, rom_int n, int slots, MPI_Datatype type,
                           rom_grad_reduce **out) {
  int err = ROM_OK;
  rom_grad_reduce *r = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "gradient reduction: out is NULL");
  *out = NULL;
  ROM_CHECK(ctx, method == ROM_AE_REDUCE_ALLREDUCE || method == ROM_AE_REDUCE_SHARDED, ROM_ERR_ARG,
            "gradient reduction: method %d is not one of allreduce (%d) or sharded (%d)", method,
            ROM_AE_REDUCE_ALLREDUCE, ROM_AE_REDUCE_SHARDED);
  ROM_CHECK(ctx, type == MPI_DOUBLE || type == MPI_FLOAT, ROM_ERR_ARG,
            "gradient reduction: the element type must be MPI_DOUBLE or MPI_FLOAT");
  ROM_CHECK(ctx, n >= 1 && slots >= 1, ROM_ERR_ARG,
            "gradient reduction: %lld entries in %d slots (need >= 1 each)", (long long)n, slots);
  /* MPI counts are int: the whole buffer must fit one call */
  ROM_CHECK(ctx, (double)n * slots <= (double)INT_MAX, ROM_ERR_ARG,
            "gradient reduction: %lld parameters x %d chunks exceed MPI's int count (%d): use "
            "fewer reproducible chunks",
            (long long)n, slots, INT_MAX);
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(*r), (void **)&r));
  r->ctx = ctx;
  r->comm = rom_ctx_comm(ctx);
  r->P = rom_ctx_size(ctx);
  r->rank = rom_ctx_rank(ctx);
  r->method = r->P > 1 ? method : ROM_AE_REDUCE_ALLREDUCE; /* one rank: nothing to shard */
  r->slots = slots;
  r->type = type;
  r->elsize = type == MPI_DOUBLE ? sizeof(double) : sizeof(float);
  r->n = n;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)r->P + 1, sizeof(int), (void **)&r->lo));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)r->P, sizeof(int), (void **)&r->cnt));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)r->P, sizeof(int), (void **)&r->gcnt));
  for (int q = 0; q <= r->P; ++q)
    r->lo[q] =
        (int)(r->method == ROM_AE_REDUCE_SHARDED ? block_start(n, q, r->P) : (q == 0 ? 0 : n));
  for (int q = 0; q < r->P; ++q)
    r->cnt[q] = slots * (r->lo[q + 1] - r->lo[q]);
  if (r->method == ROM_AE_REDUCE_SHARDED && slots > 1) {
    ROM_TRY(ctx, rom_malloc_n(ctx, n * slots, 1, r->elsize, &r->pack));
    ROM_TRY(ctx, rom_malloc_n(ctx, (rom_int)r->cnt[r->rank] + 1, 1, r->elsize, &r->recv));
  }
  *out = r;
  r = NULL;
cleanup:
  rom_grad_reduce_destroy(&r);
  return err;
}

void rom_grad_reduce_destroy(rom_grad_reduce **rp) {
  if (!rp || !*rp) return;
  rom_grad_reduce *r = *rp;
  rom_free(r->ctx, r->lo);
  rom_free(r->ctx, r->cnt);
  rom_free(r->ctx, r->gcnt);
  rom_free(r->ctx, r->pack);
  rom_free(r->ctx, r->recv);
  rom_free(r->ctx, r);
  *rp = NULL;
}

void rom_grad_reduce_owned(const rom_grad_reduce *r, rom_int *lo, rom_int *hi) {
  const int sharded = r->method == ROM_AE_REDUCE_SHARDED;
  *lo = sharded ? r->lo[r->rank] : 0;
  *hi = sharded ? r->lo[r->rank + 1] : r->n;
}

int rom_grad_reduce_owner(const rom_grad_reduce *r, rom_int i) {
  int q = 0;
  while (q + 1 < r->P && r->lo[q + 1] <= i)
    ++q;
  return r->method == ROM_AE_REDUCE_SHARDED ? q : r->rank;
}

/* dst[0..len) += src[0..len) in the element type */
static void add_to(MPI_Datatype type, void *dst, const void *src, rom_int len) {
  if (type == MPI_DOUBLE) {
    double *d = dst;
    const double *s = src;
    for (rom_int t = 0; t < len; ++t)
      d[t] += s[t];
  } else {
    float *d = dst;
    const float *s = src;
    for (rom_int t = 0; t < len; ++t)
      d[t] += s[t];
  }
}

int rom_grad_reduce_sum(rom_grad_reduce *r, void *gbuf, void *out, void **result) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  const size_t es = r->elsize;
  const rom_int n = r->n;
  char *g = gbuf, *o = out;
  *result = out;
  if (r->method == ROM_AE_REDUCE_ALLREDUCE) {
    if (r->P > 1)
      ROM_MPI(ctx,
              MPI_Allreduce(MPI_IN_PLACE, gbuf, (int)(n * r->slots), r->type, MPI_SUM, r->comm));
    if (r->slots == 1) { /* the reduced buffer is the sum */
      *result = gbuf;
      goto cleanup;
    }
    memcpy(o, g, es * (size_t)n);
    for (int c = 1; c < r->slots; ++c)
      add_to(r->type, o, g + es * (size_t)(c * n), n);
    goto cleanup;
  }
  const rom_int lo = r->lo[r->rank], len = r->lo[r->rank + 1] - lo;
  if (r->slots == 1) {
    ROM_MPI(ctx, MPI_Reduce_scatter(gbuf, o + es * (size_t)lo, r->cnt, r->type, MPI_SUM, r->comm));
    goto cleanup;
  }
  /* block-major: for each rank q, slot 0's block q, slot 1's block q, ... */
  {
    char *p = r->pack;
    for (int q = 0; q < r->P; ++q) {
      const rom_int ql = r->lo[q], qn = r->lo[q + 1] - ql;
      for (int c = 0; c < r->slots; ++c) {
        memcpy(p, g + es * (size_t)(c * n + ql), es * (size_t)qn);
        p += es * (size_t)qn;
      }
    }
  }
  ROM_MPI(ctx, MPI_Reduce_scatter(r->pack, r->recv, r->cnt, r->type, MPI_SUM, r->comm));
  {
    const char *s = r->recv;
    memcpy(o + es * (size_t)lo, s, es * (size_t)len);
    for (int c = 1; c < r->slots; ++c)
      add_to(r->type, o + es * (size_t)lo, s + es * (size_t)(c * len), len);
  }
cleanup:
  return err;
}

int rom_grad_reduce_gather(rom_grad_reduce *r, void *x, rom_int len, MPI_Datatype type) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  ROM_CHECK(ctx, len >= 0 && len <= r->n, ROM_ERR_ARG,
            "gradient reduction: gather of %lld entries from a partition of %lld", (long long)len,
            (long long)r->n);
  if (r->method != ROM_AE_REDUCE_SHARDED) goto cleanup;
  for (int q = 0; q < r->P; ++q) {
    rom_int a = r->lo[q] < len ? r->lo[q] : len, b = r->lo[q + 1] < len ? r->lo[q + 1] : len;
    r->gcnt[q] = (int)(b - a);
  }
  /* r->lo[0..P) are the displacements: block q starts at lo[q] (clipped blocks are empty) */
  ROM_MPI(ctx,
          MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, r->gcnt, r->lo, type, r->comm));
cleanup:
  return err;
}
