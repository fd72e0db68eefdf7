/* The gradient reduction of autoencoder training (librom/manifold/grad_reduce.c) at 1, 2
 * and 4 ranks. Independent truth: every rank can compute every rank's partial sums (they
 * are hashes of (rank, index)), so the sum over ranks in rank order is computed here
 * serially and compared with
 *  - the allreduce and the sharded (reduce-scatter) methods, double and float, one slot:
 *    equal to it to round-off (bit-identical at 1 and 2 ranks, where a + b = b + a);
 *  - C slots, each filled by one rank (the reproducible-chunk layout): bit-identical to the
 *    serial slot-order sum on every rank count, both methods;
 *  - the owned blocks partition [0, n); the gather gives every rank the whole vector.
 * Training (a small masked network on a curved 2-D manifold in R^20):
 *  - sharded and allreduce training give the same loss curve and weights (bit-identical at
 *    <= 2 ranks, 1e-12 relative at 4), both equal a serial run on MPI_COMM_SELF to 1e-10;
 *  - reproducible chunks with the sharded reduction: bit-identical to serial;
 *  - a batch of 2 at 4 ranks (two ranks hold no sample in every step) agrees with serial;
 *  - a checkpoint after 2 epochs, resumed to 4, equals 4 epochs in one go bit for bit with
 *    the sharded reduction (each rank updated only its block of Adam's moments: the
 *    checkpoint must gather them);
 *  - an unknown grad_reduce value is refused with ROM_ERR_ARG. */
#include "testutil.h"

#include "manifold/grad_reduce.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double part(int q, rom_int i) { /* rank q's partial sum, entry i */
  return rom_rng_uniform(777, (uint64_t)q, (uint64_t)i) - 0.5;
}

static void reduce_checks(rom_ctx *ctx) {
  const int P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  const rom_int n = 1001; /* not a multiple of 8 or of P */
  double *g = malloc(sizeof(double) * 5 * n), *out = malloc(sizeof(double) * n),
         *truth = malloc(sizeof(double) * n), *absum = malloc(sizeof(double) * n);
  float *gf = malloc(sizeof(float) * n), *outf = malloc(sizeof(float) * n);
  for (rom_int i = 0; i < n; ++i) {
    truth[i] = absum[i] = 0.0;
    for (int q = 0; q < P; ++q) {
      truth[i] += part(q, i);
      absum[i] += fabs(part(q, i));
    }
  }
  const int methods[2] = {ROM_AE_REDUCE_ALLREDUCE, ROM_AE_REDUCE_SHARDED};
  for (int k = 0; k < 2; ++k) {
    const char *name = k ? "sharded" : "allreduce";
    rom_grad_reduce *r = NULL;
    void *res = NULL;
    /* one slot, double */
    CHECK_OK(ctx, rom_grad_reduce_create(ctx, methods[k], n, 1, MPI_DOUBLE, &r));
    rom_int lo = 0, hi = 0;
    rom_grad_reduce_owned(r, &lo, &hi);
    {
      long long b[2] = {(long long)lo, (long long)hi}, *all = malloc(sizeof(long long) * 2 * P);
      MPI_Allgather(b, 2, MPI_LONG_LONG, all, 2, MPI_LONG_LONG, rom_ctx_comm(ctx));
      int ok = 1;
      if (k == 0)
        ok = lo == 0 && hi == n;
      else
        for (int q = 0; q < P; ++q)
          ok = ok && all[2 * q] == (q == 0 ? 0 : all[2 * q - 1]) && all[2 * q + 1] >= all[2 * q] &&
               (q + 1 < P || all[2 * q + 1] == n);
      CHECK(ok, "%s: the owned blocks partition [0, %lld) (rank %d: [%lld, %lld))", name,
            (long long)n, rank, (long long)lo, (long long)hi);
      free(all);
    }
    for (rom_int i = 0; i < n; ++i)
      g[i] = part(rank, i);
    CHECK_OK(ctx, rom_grad_reduce_sum(r, g, out, &res));
    const double *s = res;
    double worst = 0.0;
    int exact = 1;
    for (rom_int i = lo; i < hi; ++i) {
      worst = fmax(worst, fabs(s[i] - truth[i]) / absum[i]);
      exact = exact && s[i] == truth[i];
    }
    CHECK(P > 2 ? worst < 4 * DBL_EPSILON : exact,
          "%s, double, %d ranks: the sum equals the serial rank-order sum (%s; max rel %.1e)", name,
          P, P > 2 ? "to round-off" : "bit for bit", worst);
    CHECK(rom_grad_reduce_owner(r, n - 1) == (k ? P - 1 : rank),
          "%s: the last entry (the loss) is held by rank %d", name,
          rom_grad_reduce_owner(r, n - 1));
    /* gather: each rank writes its block, the rest NaN */
    for (rom_int i = 0; i < n; ++i)
      out[i] = (i >= lo && i < hi) || k == 0 ? (double)i : NAN;
    CHECK_OK(ctx, rom_grad_reduce_gather(r, out, n - 1, MPI_DOUBLE));
    int all = 1;
    for (rom_int i = 0; i < n - 1; ++i)
      all = all && out[i] == (double)i;
    CHECK(all, "%s: the gather gives every rank the whole vector", name);
    CHECK_ERR(ctx, rom_grad_reduce_gather(r, out, n + 1, MPI_DOUBLE), ROM_ERR_ARG);
    rom_grad_reduce_destroy(&r);
    CHECK(r == NULL, "destroy zeroes the handle");

    /* one slot, float */
    CHECK_OK(ctx, rom_grad_reduce_create(ctx, methods[k], n, 1, MPI_FLOAT, &r));
    rom_grad_reduce_owned(r, &lo, &hi);
    for (rom_int i = 0; i < n; ++i)
      gf[i] = (float)part(rank, i);
    CHECK_OK(ctx, rom_grad_reduce_sum(r, gf, outf, &res));
    const float *sf = res;
    worst = 0.0;
    for (rom_int i = lo; i < hi; ++i)
      worst = fmax(worst, fabs((double)sf[i] - truth[i]) / absum[i]);
    CHECK(worst < 8 * FLT_EPSILON, "%s, float, %d ranks: the sum to float round-off (%.1e)", name,
          P, worst);
    rom_grad_reduce_destroy(&r);

    /* 5 slots, slot c filled by rank c mod P (chunk mode): exact for every P */
    CHECK_OK(ctx, rom_grad_reduce_create(ctx, methods[k], n, 5, MPI_DOUBLE, &r));
    rom_grad_reduce_owned(r, &lo, &hi);
    for (int c = 0; c < 5; ++c)
      for (rom_int i = 0; i < n; ++i)
        g[c * n + i] = c % P == rank ? part(c, i) : 0.0;
    CHECK_OK(ctx, rom_grad_reduce_sum(r, g, out, &res));
    s = res;
    exact = 1;
    for (rom_int i = lo; i < hi; ++i) {
      double t = part(0, i);
      for (int c = 1; c < 5; ++c)
        t += part(c, i);
      exact = exact && s[i] == t;
    }
    CHECK(exact, "%s, 5 slots at %d ranks: bit-identical to the serial slot-order sum", name, P);
    rom_grad_reduce_destroy(&r);
  }
  {
    rom_grad_reduce *r = NULL;
    CHECK_ERR(ctx, rom_grad_reduce_create(ctx, 9, n, 1, MPI_DOUBLE, &r), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_grad_reduce_create(ctx, ROM_AE_REDUCE_SHARDED, n, 1, MPI_INT, &r),
              ROM_ERR_ARG);
    CHECK(r == NULL, "no reduction on failure");
  }
  free(g);
  free(out);
  free(truth);
  free(absum);
  free(gf);
  free(outf);
}

#define MN 20
static void manifold_data(rom_int m, double *X) {
  for (rom_int j = 0; j < m; ++j) {
    double a = 0.25 + 0.5 * rom_rng_uniform(12345, 7, 1000 + (uint64_t)j),
           b = rom_rng_uniform(12345, 7, 5000 + (uint64_t)j) - 0.5;
    for (int i = 0; i < MN; ++i) {
      double t = (double)i / (MN - 1);
      X[i + j * MN] = exp(-(t - a) * (t - a) / 0.05) * (1 + b * t);
    }
  }
}

static rom_ae *network(rom_ctx *ctx) {
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, MN, 8, 2, &mask)); /* 20 x 46 */
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, MN, 40, 2, 46, ROM_ACT_SWISH, 0, mask, 3, &ae));
  rom_mask_destroy(&mask);
  return ae;
}

/* max relative difference of two runs' loss curves and weights; -1 if the lengths differ */
static double run_diff(rom_ae *a, rom_ae *b, int *bitwise) {
  rom_int ea = 0, eb = 0;
  const double *la, *va, *lb, *vb;
  rom_ae_history(a, &ea, &la, &va, NULL, NULL);
  rom_ae_history(b, &eb, &lb, &vb, NULL, NULL);
  if (ea != eb || rom_ae_num_params(a) != rom_ae_num_params(b)) return -1;
  double w = 0;
  *bitwise = 1;
  for (rom_int e = 0; e < ea; ++e) {
    w = fmax(w, fmax(fabs(la[e] - lb[e]) / lb[e], fabs(va[e] - vb[e]) / vb[e]));
    *bitwise = *bitwise && la[e] == lb[e] && va[e] == vb[e];
  }
  const double *pa = rom_ae_params(a), *pb = rom_ae_params(b);
  for (rom_int t = 0; t < rom_ae_num_params(a); ++t) {
    w = fmax(w, fabs(pa[t] - pb[t]) / (fabs(pb[t]) + 1e-3));
    *bitwise = *bitwise && pa[t] == pb[t];
  }
  return w;
}

static void training_checks(rom_ctx *ctx) {
  const int P = rom_ctx_size(ctx);
  const rom_int m = 120;
  double *X = malloc(sizeof(double) * MN * m);
  manifold_data(m, X);
  rom_ctx *self = NULL;
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 6;
  o.batch = 10;
  o.learning_rate = 3e-3;
  int bit = 0;

  /* sharded vs allreduce vs serial */
  o.grad_reduce = ROM_AE_REDUCE_SHARDED;
  rom_ae *sh = network(ctx), *al = network(ctx), *se = network(self);
  CHECK_OK(ctx, rom_ae_train(sh, m, X, MN, &o));
  o.grad_reduce = ROM_AE_REDUCE_ALLREDUCE;
  CHECK_OK(ctx, rom_ae_train(al, m, X, MN, &o));
  CHECK_OK(self, rom_ae_train(se, m, X, MN, &o));
  double d = run_diff(sh, al, &bit);
  CHECK(d >= 0 && (P > 2 ? d < 1e-12 : bit),
        "sharded vs allreduce training at %d ranks: %s (max rel diff %.1e)", P,
        P > 2 ? "round-off" : "bit-identical", d);
  d = run_diff(sh, se, &bit);
  CHECK(d >= 0 && d < 1e-10, "sharded training at %d ranks vs serial: max rel diff %.1e", P, d);
  rom_ae_destroy(&sh);
  rom_ae_destroy(&al);
  rom_ae_destroy(&se);

  /* reproducible chunks, sharded: bit-identical to serial */
  o.reproducible_chunks = 3;
  o.grad_reduce = ROM_AE_REDUCE_SHARDED;
  sh = network(ctx);
  se = network(self);
  CHECK_OK(ctx, rom_ae_train(sh, m, X, MN, &o));
  CHECK_OK(self, rom_ae_train(se, m, X, MN, &o));
  d = run_diff(sh, se, &bit);
  CHECK(d >= 0 && bit, "chunks + sharded at %d ranks: bit-identical to serial (%.1e)", P, d);
  rom_ae_destroy(&sh);
  rom_ae_destroy(&se);
  o.reproducible_chunks = 0;

  /* a batch of 2: at 4 ranks two ranks compute nothing in every step */
  o.batch = 2;
  o.epochs = 2;
  sh = network(ctx);
  se = network(self);
  CHECK_OK(ctx, rom_ae_train(sh, 40, X, MN, &o));
  CHECK_OK(self, rom_ae_train(se, 40, X, MN, &o));
  d = run_diff(sh, se, &bit);
  CHECK(d >= 0 && d < 1e-10, "batch 2 at %d ranks (empty ranks at 4) vs serial: %.1e", P, d);
  rom_ae_destroy(&sh);
  rom_ae_destroy(&se);

  /* checkpoint after 2 epochs, resumed to 4 == 4 in one go, sharded */
  {
    char path[512];
    test_path(ctx, "grad_reduce_ckpt.h5", path, sizeof path);
    o.batch = 10;
    o.epochs = 4;
    sh = network(ctx);
    CHECK_OK(ctx, rom_ae_train(sh, m, X, MN, &o));
    rom_ae *a = network(ctx);
    o.checkpoint_path = path;
    o.stop_after_epoch = 2;
    CHECK_OK(ctx, rom_ae_train(a, m, X, MN, &o));
    CHECK(rom_ae_train_interrupted(a), "stopped after 2 epochs");
    rom_ae_destroy(&a);
    a = network(ctx);
    o.stop_after_epoch = 0;
    o.checkpoint_path = NULL;
    o.resume_path = path;
    CHECK_OK(ctx, rom_ae_train(a, m, X, MN, &o));
    d = run_diff(a, sh, &bit);
    CHECK(d >= 0 && bit, "sharded at %d ranks: checkpoint + resume bit-identical (%.1e)", P, d);
    rom_ae_destroy(&a);
    rom_ae_destroy(&sh);
    o.resume_path = NULL;
    MPI_Barrier(rom_ctx_comm(ctx));
    if (rom_ctx_rank(ctx) == 0) remove(path);
  }

  /* bad option */
  o.grad_reduce = 7;
  sh = network(ctx);
  CHECK_ERR(ctx, rom_ae_train(sh, m, X, MN, &o), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "grad_reduce 7") != NULL, "message names grad_reduce: %s",
        rom_ctx_last_error(ctx));
  rom_ae_destroy(&sh);
  rom_ctx_destroy(&self);
  free(X);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  reduce_checks(ctx);
  training_checks(ctx);
  return test_finish(&ctx);
}
