/* Many-query sweeps: designs (grid, Latin hypercube, Monte Carlo), distributed evaluation of
 * an affine ROM and its outputs, rank-order statistics, and the "sweep" HDF5 file.
 *
 * Reproducibility across rank counts is by construction: sample i is a pure function of
 * (design, i) — rom_rng is counter-based, and the Latin hypercube's permutations are
 * evaluated point-wise by a keyed Feistel network (Black and Rogaway, "Ciphers with
 * arbitrary finite domains", CT-RSA 2002: a balanced Feistel network on 2b bits is a
 * bijection of [0, 4^b); "cycle walking" — re-applying it until the value falls below ns
 * — restricts it to a bijection of [0, ns), in fewer than 4 applications on average since
 * 4^b < 4 ns). The ROM's reduced matrices and output weights are bitwise replicated
 * (librom/affine/affine_rom.c), so a sample's outputs do not depend on which rank solved it
 * either.
 *
 * Random streams of rom_rng (seed = the design's seed): Monte Carlo value of parameter j of
 * sample i: stream ROM_SWEEP_STREAM_MC, index i p + j; LHS position inside the stratum:
 * stream ROM_SWEEP_STREAM_LHS, index i p + j; LHS permutation of parameter j: round keys
 * from stream ROM_SWEEP_STREAM_PERM + j. */
#include "romkit/progress.h"
#include "romkit/rng.h"
#include "romkit/sweep.h"

#include "core/check.h"
#include "core/values.h"
#include "core/output_guard.h"
#include "io/h5.h"
#include "affine/affine_rom_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROM_SWEEP_STREAM_MC UINT64_C(0x7377656570000001)
#define ROM_SWEEP_STREAM_LHS UINT64_C(0x7377656570000002)
#define ROM_SWEEP_STREAM_PERM UINT64_C(0x7377656570010000)
#define ROM_SWEEP_FEISTEL_ROUNDS 4
#define ROM_SWEEP_NAME_MAX ROM_AFFINE_OUTPUT_NAME_MAX

struct rom_sweep_design {
  rom_ctx *ctx;
  rom_sweep_design_kind kind;
  int p;
  rom_int ns;
  uint64_t seed;
  double *low, *high; /* the user's bounds */
  double *a, *b;      /* the bounds on the sampling scale: log() of them for log parameters */
  int *log_scale;
  rom_int *counts; /* grid only */
  int half_bits;   /* LHS: the Feistel network permutes 2 * half_bits bits */
};

struct rom_sweep {
  rom_ctx *ctx;
  rom_sweep_design *design; /* a copy (the file records its ranges and kind) */
  rom_int k;
  int no;
  char *names; /* no x ROM_SWEEP_NAME_MAX */
  rom_int offset, local;
  double *mu;      /* local x p, row-major */
  double *outputs; /* local x no, row-major */
  double *stats;   /* 4 x no: mean, variance, min, max */
  double seconds;
  /* Certified bounds (ROM with an estimator, affine_rom.h): NULL otherwise. */
  double *bounds;       /* local x no: |s - value| <= bound (NAN: the output has none) */
  double *state_bounds; /* local: ||u - u_r||_X bound */
  double *cert;         /* 2 x no: certified mean interval [lo; hi] */
  double *quant;        /* 3 x ROM_SWEEP_NUM_QUANTILES x no: estimate, lo, hi */
};

const double rom_sweep_quantile_levels[ROM_SWEEP_NUM_QUANTILES] = {0.05, 0.25, 0.5, 0.75, 0.95};

/* ---- designs ---------------------------------------------------------------------------- */

const char *rom_sweep_design_kind_name(rom_sweep_design_kind kind) {
  switch (kind) {
  case ROM_SWEEP_GRID:
    return "grid";
  case ROM_SWEEP_LHS:
    return "lhs";
  case ROM_SWEEP_MONTE_CARLO:
    return "mc";
  }
  return "unknown";
}

int rom_sweep_design_kind_from_name(const char *name, rom_sweep_design_kind *kind) {
  static const rom_sweep_design_kind all[] = {ROM_SWEEP_GRID, ROM_SWEEP_LHS, ROM_SWEEP_MONTE_CARLO};
  if (!name || !kind) return ROM_ERR_ARG;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    if (!strcmp(name, rom_sweep_design_kind_name(all[i]))) {
      *kind = all[i];
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

int rom_sweep_design_destroy(rom_sweep_design **pd) {
  if (!pd || !*pd) return ROM_OK;
  rom_sweep_design *d = *pd;
  rom_free(d->ctx, d->low);
  rom_free(d->ctx, d->high);
  rom_free(d->ctx, d->a);
  rom_free(d->ctx, d->b);
  rom_free(d->ctx, d->log_scale);
  rom_free(d->ctx, d->counts);
  rom_free(d->ctx, d);
  *pd = NULL;
  return ROM_OK;
}

static int design_alloc(rom_ctx *ctx, int p, rom_sweep_design **out) {
  int err = ROM_OK;
  rom_sweep_design *d = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *d, (void **)&d));
  d->ctx = ctx;
  d->p = p;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(double), (void **)&d->low));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(double), (void **)&d->high));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(double), (void **)&d->a));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(double), (void **)&d->b));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(int), (void **)&d->log_scale));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)p, sizeof(rom_int), (void **)&d->counts));
  *out = d;
  d = NULL;
cleanup:
  rom_sweep_design_destroy(&d);
  return err;
}

static int design_copy(const rom_sweep_design *src, rom_sweep_design **out) {
  int err = ROM_OK;
  rom_sweep_design *d = NULL;
  const size_t p = (size_t)src->p;
  ROM_TRY(src->ctx, design_alloc(src->ctx, src->p, &d));
  d->kind = src->kind;
  d->ns = src->ns;
  d->seed = src->seed;
  d->half_bits = src->half_bits;
  memcpy(d->low, src->low, p * sizeof(double));
  memcpy(d->high, src->high, p * sizeof(double));
  memcpy(d->a, src->a, p * sizeof(double));
  memcpy(d->b, src->b, p * sizeof(double));
  memcpy(d->log_scale, src->log_scale, p * sizeof(int));
  memcpy(d->counts, src->counts, p * sizeof(rom_int));
  *out = d;
cleanup:
  return err;
}

int rom_sweep_design_create(rom_ctx *ctx, rom_sweep_design_kind kind, int num_parameters,
                            const double *low, const double *high, const int *log_scale,
                            rom_int samples, const rom_int *counts, uint64_t seed,
                            rom_sweep_design **out) {
  int err = ROM_OK;
  rom_sweep_design *d = NULL;
  const int p = num_parameters;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, kind == ROM_SWEEP_GRID || kind == ROM_SWEEP_LHS || kind == ROM_SWEEP_MONTE_CARLO,
            ROM_ERR_ARG, "unknown design kind %d (grid 0, lhs 1, mc 2)", (int)kind);
  ROM_CHECK(ctx, p >= 1, ROM_ERR_ARG, "a design needs at least one parameter (got %d)", p);
  ROM_CHECK(ctx, low != NULL && high != NULL, ROM_ERR_ARG,
            "low and high (%d values each) must not be NULL", p);
  for (int j = 0; j < p; ++j) {
    const int lg = log_scale && log_scale[j];
    ROM_CHECK(ctx, isfinite(low[j]) && isfinite(high[j]), ROM_ERR_ARG,
              "parameter %d: the range [%g, %g] is not finite", j, low[j], high[j]);
    ROM_CHECK(ctx, low[j] < high[j], ROM_ERR_ARG,
              "parameter %d: the range [%g, %g] is empty: low must be < high", j, low[j], high[j]);
    ROM_CHECK(ctx, !lg || low[j] > 0.0, ROM_ERR_ARG,
              "parameter %d: a log-scale range needs low > 0, got [%g, %g]", j, low[j], high[j]);
  }
  ROM_TRY(ctx, design_alloc(ctx, p, &d));
  d->kind = kind;
  d->seed = seed;
  for (int j = 0; j < p; ++j) {
    d->low[j] = low[j];
    d->high[j] = high[j];
    d->log_scale[j] = log_scale && log_scale[j] ? 1 : 0;
    d->a[j] = d->log_scale[j] ? log(low[j]) : low[j];
    d->b[j] = d->log_scale[j] ? log(high[j]) : high[j];
  }
  if (kind == ROM_SWEEP_GRID) {
    rom_int total = 1;
    ROM_CHECK(ctx, counts != NULL, ROM_ERR_ARG,
              "a grid design needs counts (points per parameter, %d values)", p);
    for (int j = 0; j < p; ++j) {
      ROM_CHECK(ctx, counts[j] >= 1, ROM_ERR_ARG,
                "parameter %d: a grid needs at least 1 point (count %lld): zero samples", j,
                (long long)counts[j]);
      ROM_CHECK(ctx, counts[j] <= (INT64_C(1) << 62) / total, ROM_ERR_UNSUPPORTED,
                "the grid has more than 2^62 points");
      total *= counts[j];
      d->counts[j] = counts[j];
    }
    ROM_CHECK(ctx, samples == 0 || samples == total, ROM_ERR_ARG,
              "samples = %lld but the grid's counts give %lld points (pass 0 or the product)",
              (long long)samples, (long long)total);
    d->ns = total;
  } else {
    ROM_CHECK(ctx, counts == NULL, ROM_ERR_ARG,
              "counts are for grid designs only; %s designs take samples",
              rom_sweep_design_kind_name(kind));
    ROM_CHECK(ctx, samples >= 1, ROM_ERR_ARG, "a %s design needs samples >= 1 (got %lld)",
              rom_sweep_design_kind_name(kind), (long long)samples);
    ROM_CHECK(ctx, samples <= (INT64_C(1) << 62), ROM_ERR_UNSUPPORTED,
              "samples = %lld is beyond 2^62", (long long)samples);
    d->ns = samples;
    d->half_bits = 1;
    while ((INT64_C(1) << (2 * d->half_bits)) < samples)
      ++d->half_bits;
  }
  *out = d;
  d = NULL;
cleanup:
  rom_sweep_design_destroy(&d);
  return err;
}

rom_sweep_design_kind rom_sweep_design_kind_of(const rom_sweep_design *d) {
  return d ? d->kind : ROM_SWEEP_GRID;
}
rom_int rom_sweep_design_samples(const rom_sweep_design *d) {
  return d ? d->ns : 0;
}
int rom_sweep_design_num_parameters(const rom_sweep_design *d) {
  return d ? d->p : 0;
}
uint64_t rom_sweep_design_seed(const rom_sweep_design *d) {
  return d ? d->seed : 0;
}

/* The Feistel network on 2 * half_bits bits, keyed by (seed, stream). */
static uint64_t feistel(uint64_t x, int half_bits, uint64_t seed, uint64_t stream) {
  const uint64_t mask = (UINT64_C(1) << half_bits) - 1;
  uint64_t left = x >> half_bits, right = x & mask;
  for (uint64_t r = 0; r < ROM_SWEEP_FEISTEL_ROUNDS; ++r) {
    uint64_t f = rom_rng_bits(seed, stream, (r << 32) ^ right) & mask;
    uint64_t t = right;
    right = left ^ f;
    left = t;
  }
  return (left << half_bits) | right;
}

/* pi_j(i): a pseudo-random permutation of [0, ns), evaluated at i by cycle walking. */
static rom_int lhs_stratum(const rom_sweep_design *d, int j, rom_int i) {
  uint64_t x = (uint64_t)i;
  do {
    x = feistel(x, d->half_bits, d->seed, ROM_SWEEP_STREAM_PERM + (uint64_t)j);
  } while (x >= (uint64_t)d->ns);
  return (rom_int)x;
}

/* Position t in [0, 1] of the value on the (log-)scale of parameter j -> the value. The ends
 * map exactly to low and high (no exp(log(x)) rounding there). */
static double from_unit(const rom_sweep_design *d, int j, double t) {
  if (t <= 0.0) return d->low[j];
  if (t >= 1.0) return d->high[j];
  double v = d->a[j] + (d->b[j] - d->a[j]) * t;
  return d->log_scale[j] ? exp(v) : v;
}

int rom_sweep_design_sample(const rom_sweep_design *d, rom_int i, double *mu) {
  int err = ROM_OK;
  if (!d) return ROM_ERR_ARG;
  ROM_CHECK(d->ctx, mu != NULL, ROM_ERR_ARG, "mu (%d values) must not be NULL", d->p);
  ROM_CHECK(d->ctx, i >= 0 && i < d->ns, ROM_ERR_ARG, "sample %lld is outside 0..%lld",
            (long long)i, (long long)(d->ns - 1));
  const uint64_t p = (uint64_t)d->p;
  switch (d->kind) {
  case ROM_SWEEP_GRID: {
    rom_int rest = i;
    for (int j = 0; j < d->p; ++j) {
      const rom_int n = d->counts[j], t = rest % n;
      rest /= n;
      mu[j] = n == 1 ? from_unit(d, j, 0.5) : from_unit(d, j, (double)t / (double)(n - 1));
    }
    break;
  }
  case ROM_SWEEP_LHS:
    for (int j = 0; j < d->p; ++j) {
      const double u =
          rom_rng_uniform(d->seed, ROM_SWEEP_STREAM_LHS, (uint64_t)i * p + (uint64_t)j);
      const double t = ((double)lhs_stratum(d, j, i) + u) / (double)d->ns;
      /* (s + u) may round up to ns for large ns: keep t below 1, inside stratum s */
      mu[j] = from_unit(d, j, fmin(t, 1.0 - 0x1p-53));
    }
    break;
  case ROM_SWEEP_MONTE_CARLO:
    for (int j = 0; j < d->p; ++j)
      mu[j] = from_unit(
          d, j, rom_rng_uniform(d->seed, ROM_SWEEP_STREAM_MC, (uint64_t)i * p + (uint64_t)j));
    break;
  }
cleanup:
  return err;
}

/* ---- evaluation ------------------------------------------------------------------------- */

int rom_sweep_model_coefficients(void *model, const double *mu, double *theta, double *phi) {
  rom_model *m = (rom_model *)model;
  int rc = rom_model_operator_coefficients(m, mu, theta);
  if (rc == ROM_OK && rom_model_rhs_terms(m) > 0) rc = rom_model_rhs_coefficients(m, mu, phi);
  return rc;
}

int rom_sweep_destroy(rom_sweep **ps) {
  if (!ps || !*ps) return ROM_OK;
  rom_sweep *s = *ps;
  rom_sweep_design_destroy(&s->design);
  rom_free(s->ctx, s->names);
  rom_free(s->ctx, s->mu);
  rom_free(s->ctx, s->outputs);
  rom_free(s->ctx, s->stats);
  rom_free(s->ctx, s->bounds);
  rom_free(s->ctx, s->state_bounds);
  rom_free(s->ctx, s->cert);
  rom_free(s->ctx, s->quant);
  rom_free(s->ctx, s);
  *ps = NULL;
  return ROM_OK;
}

/* Solves the local samples; on the first failure records it and returns its code with
 * *failed = its global index (else *failed = -1). */
static int evaluate_block(rom_sweep *s, rom_affine_rom *rom, rom_sweep_coefficients_fn coef,
                          void *user, double *theta, double *phi, double *q, rom_int *failed) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const int p = s->design->p, no = s->no, Qa = rom_affine_rom_operator_terms(rom),
            Qf = rom_affine_rom_rhs_terms(rom);
  rom_int i = 0;
  rom_progress progress;
  char label[96];
  *failed = -1;
  /* rank 0 reports its own block (the blocks are equal to within one sample): no collective
   * inside the loop, so a failing sample cannot leave a rank waiting */
  if (rom_ctx_size(ctx) > 1)
    snprintf(label, sizeof label, "sweep: rank 0's samples (%lld in all)",
             (long long)s->design->ns);
  else
    snprintf(label, sizeof label, "sweep: samples");
  rom_progress_start(&progress, ctx, label, s->local);
  for (i = 0; i < s->local; ++i) {
    if ((i & 63) == 0) rom_progress_update(&progress, i); /* the clock every 64 samples */
    const rom_int g = s->offset + i;
    double *mu = s->mu + i * p, *values = s->outputs + i * no;
    ROM_TRY(ctx, rom_sweep_design_sample(s->design, g, mu));
    if (coef) {
      /* Outputs filled with romkit's NaN marker first (core/output_guard.h): a callback
       * that leaves theta or phi unwritten, or writes NaN or Inf, is an error, not a
       * silent sample. */
      rom_int bad = -1, count = 0;
      int unwritten = 0;
      rom_output_poison(theta, Qa, 1, Qa);
      rom_output_poison(phi, Qf, 1, Qf);
      int rc = coef(user, mu, theta, phi);
      ROM_CHECK(ctx, rc == 0, ROM_ERR_CALLBACK, "the coefficient callback returned %d%s%s", rc,
                rc < 0 ? " " : "", rc < 0 ? rom_error_name(rc) : "");
      for (int pass = 0; pass < 2; ++pass) {
        const double *v = pass ? phi : theta;
        double value = 0.0;
        rom_output_first_bad(v, pass ? Qf : Qa, 1, 1, &bad, NULL, &value, &unwritten, &count);
        ROM_CHECK(ctx, bad < 0 || !unwritten, ROM_ERR_CALLBACK,
                  "the coefficient callback returned 0 but left %s[%lld] unwritten (%lld of %d "
                  "values): it must write all %d operator and %d rhs coefficients in place",
                  pass ? "phi" : "theta", (long long)bad, (long long)count, pass ? Qf : Qa, Qa, Qf);
        ROM_CHECK(ctx, bad < 0, ROM_ERR_CALLBACK,
                  "the coefficient callback wrote %s[%lld] = %g (%lld of %d values NaN or Inf)",
                  pass ? "phi" : "theta", (long long)bad, value, (long long)count, pass ? Qf : Qa);
      }
    } else {
      memcpy(theta, mu, sizeof(double) * (size_t)Qa);
      for (int r = 0; r < Qf; ++r)
        phi[r] = 1.0;
    }
    ROM_TRY(ctx, rom_affine_rom_solve(rom, theta, phi, q));
    if (rom_affine_rom_num_outputs(rom) > 0)
      ROM_TRY(ctx, rom_affine_rom_evaluate_outputs(rom, q, values));
    else
      memcpy(values, q, sizeof(double) * (size_t)no);
    if (s->bounds) {
      /* the corrected output where the output has dual data, with its bound */
      double *bnd = s->bounds + i * no;
      for (int o = 0; o < no; ++o)
        bnd[o] = NAN;
      ROM_TRY(ctx, rom_affine_rom_error_bound(rom, theta, phi, q, s->state_bounds + i));
      if (rom_affine_rom_num_outputs(rom) > 0)
        ROM_TRY(ctx, rom_affine_rom_output_bounds(rom, theta, phi, q, values, bnd));
    }
  }
  rom_progress_update(&progress, s->local);
cleanup:
  if (err != ROM_OK) *failed = s->offset + i;
  return err;
}

/* Every rank learns the lowest failing sample, the owner's code and message, and records
 * "sample i of ns, mu = (...): <message>". Returns ROM_OK if no rank failed. Collective. */
static int agree_on_failure(rom_sweep *s, int local_err, rom_int failed) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const rom_int ns = s->design->ns;
  rom_int mine = local_err != ROM_OK ? failed : ns, first = ns;
  char message[1024] = "";
  char mutext[512] = "";
  ROM_MPI(ctx, MPI_Allreduce(&mine, &first, 1, MPI_INT64_T, MPI_MIN, comm));
  if (first >= ns) goto cleanup;
  {
    /* The owner of sample `first` under the block distribution. */
    const int P = rom_ctx_size(ctx);
    const rom_int base = ns / P, rem = ns % P;
    const int owner = first < rem * (base + 1) ? (int)(first / (base + 1))
                                               : (int)(rem + (first - rem * (base + 1)) / base);
    int code = local_err;
    if (rom_ctx_rank(ctx) == owner)
      snprintf(message, sizeof message, "%s", rom_ctx_last_error(ctx));
    ROM_MPI(ctx, MPI_Bcast(&code, 1, MPI_INT, owner, comm));
    ROM_MPI(ctx, MPI_Bcast(message, (int)sizeof message, MPI_CHAR, owner, comm));
    double mu[64];
    const int p = s->design->p, shown = p < 64 ? p : 64;
    size_t used = 0;
    rom_sweep_design_sample(s->design, first, mu);
    for (int j = 0; j < shown && used + 32 < sizeof mutext; ++j)
      used +=
          (size_t)snprintf(mutext + used, sizeof mutext - used, "%s%.17g", j ? ", " : "", mu[j]);
    if (shown < p) snprintf(mutext + used, sizeof mutext - used, ", ...");
    ROM_FAIL(ctx, code, "the sweep failed at sample %lld of %lld (rank %d), mu = (%s): %s",
             (long long)first, (long long)ns, owner, mutext, message);
  }
cleanup:
  return err;
}

/* Per-output statistics over all samples, accumulated in sample order on rank 0 with
 * Welford's update (Welford, Technometrics 4, 1962; stable like a two-pass method): rank 0
 * takes the ranks' blocks one after the other (the blocks are contiguous and in rank order),
 * so the operations, and hence the bits, are the same on any rank count; memory on rank 0
 * stays one block. Then broadcast. Collective. */
static void welford_block(rom_sweep *s, const double *block, rom_int count, double *n) {
  const int no = s->no;
  for (rom_int i = 0; i < count; ++i) {
    const double ni = *n + 1.0;
    for (int o = 0; o < no; ++o) {
      const double v = block[i * no + o], mean = s->stats[o], delta = v - mean;
      const double mean_new = mean + delta / ni;
      s->stats[o] = mean_new;
      s->stats[no + o] += delta * (v - mean_new); /* M2, divided by n - 1 at the end */
      s->stats[2 * no + o] = fmin(s->stats[2 * no + o], v);
      s->stats[3 * no + o] = fmax(s->stats[3 * no + o], v);
    }
    *n = ni;
  }
}

static int reduce_statistics(rom_sweep *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int no = s->no, P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  const rom_int ns = s->design->ns, base = ns / P, rem = ns % P, most = base + (rem > 0);
  double *block = NULL;
  ROM_CHECK_ALL(ctx, most * no <= INT32_MAX, ROM_ERR_UNSUPPORTED,
                "%lld samples x %d outputs per rank exceed MPI's int counts: use more ranks",
                (long long)most, no);
  if (rank == 0) err = rom_malloc(ctx, sizeof(double) * (size_t)(most * no) + 1, (void **)&block);
  ROM_TRY_ALL(ctx, err);
  if (rank == 0) {
    double n = 0.0;
    for (int o = 0; o < no; ++o) {
      s->stats[o] = 0.0;
      s->stats[no + o] = 0.0;
      s->stats[2 * no + o] = INFINITY;
      s->stats[3 * no + o] = -INFINITY;
    }
    welford_block(s, s->outputs, s->local, &n);
    for (int r = 1; r < P; ++r) {
      const rom_int count = base + (r < rem ? 1 : 0);
      if (count == 0) continue;
      ROM_MPI(ctx, MPI_Recv(block, (int)(count * no), MPI_DOUBLE, r, 0, comm, MPI_STATUS_IGNORE));
      welford_block(s, block, count, &n);
    }
    for (int o = 0; o < no; ++o)
      s->stats[no + o] = n > 1.0 ? s->stats[no + o] / (n - 1.0) : 0.0;
  } else if (s->local > 0) {
    ROM_MPI(ctx, MPI_Send(s->outputs, (int)(s->local * no), MPI_DOUBLE, 0, 0, comm));
  }
  ROM_MPI(ctx, MPI_Bcast(s->stats, 4 * no, MPI_DOUBLE, 0, comm));
cleanup:
  rom_free(ctx, block);
  return err;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The p-quantile of n sorted values: the order statistic x_(ceil(p n)) (the inverse of the
 * empirical CDF). Order statistics are monotone: if lo_i <= s_i <= hi_i for every sample,
 * then lo_(j) <= s_(j) <= hi_(j) for every j, so the quantile of the true outputs lies
 * between those of s - Delta and s + Delta. */
static double order_quantile(const double *sorted, rom_int n, double p) {
  rom_int j = (rom_int)ceil(p * (double)n);
  if (j < 1) j = 1;
  if (j > n) j = n;
  return sorted[j - 1];
}

/* Certified mean interval and quantiles, computed on rank 0 from all samples (gathered in
 * rank order, so the same on any rank count), then broadcast. Collective. */
static int certified_statistics(rom_sweep *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int no = s->no, P = rom_ctx_size(ctx), rank = rom_ctx_rank(ctx);
  const rom_int ns = s->design->ns;
  double *all_v = NULL, *all_b = NULL, *col = NULL;
  int *counts = NULL, *displs = NULL;
  ROM_CHECK_ALL(ctx, ns * no <= INT32_MAX, ROM_ERR_UNSUPPORTED,
                "%lld samples x %d outputs exceed MPI's int counts for the certified statistics",
                (long long)ns, no);
  if (rank == 0) {
    int ok = rom_malloc(ctx, sizeof(double) * (size_t)(ns * no), (void **)&all_v) == ROM_OK &&
             rom_malloc(ctx, sizeof(double) * (size_t)(ns * no), (void **)&all_b) == ROM_OK &&
             rom_malloc(ctx, sizeof(double) * (size_t)(3 * ns), (void **)&col) == ROM_OK &&
             rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts) == ROM_OK &&
             rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs) == ROM_OK;
    err = ok ? ROM_OK : ROM_ERR_NOMEM;
  }
  ROM_CHECK_ALL(ctx, err == ROM_OK, ROM_ERR_NOMEM,
                "cannot gather %lld samples x %d outputs on rank 0 for the certified statistics",
                (long long)ns, no);
  if (rank == 0) {
    const rom_int base = ns / P, rem = ns % P;
    rom_int off = 0;
    for (int r = 0; r < P; ++r) {
      const rom_int c = base + (r < rem ? 1 : 0);
      counts[r] = (int)(c * no);
      displs[r] = (int)(off * no);
      off += c;
    }
  }
  ROM_MPI(ctx, MPI_Gatherv(s->outputs, (int)(s->local * no), MPI_DOUBLE, all_v, counts, displs,
                           MPI_DOUBLE, 0, comm));
  ROM_MPI(ctx, MPI_Gatherv(s->bounds, (int)(s->local * no), MPI_DOUBLE, all_b, counts, displs,
                           MPI_DOUBLE, 0, comm));
  if (rank == 0) {
    const int nq = ROM_SWEEP_NUM_QUANTILES;
    for (int o = 0; o < no; ++o) {
      double *v = col, *lo = col + ns, *hi = col + 2 * ns, sum_lo = 0.0, sum_hi = 0.0;
      for (rom_int i = 0; i < ns; ++i) {
        const double x = all_v[i * no + o], b = all_b[i * no + o];
        v[i] = x;
        lo[i] = x - b; /* NaN bounds make NaN intervals: no certificate */
        hi[i] = x + b;
        sum_lo += lo[i];
        sum_hi += hi[i];
      }
      s->cert[o] = sum_lo / (double)ns;
      s->cert[no + o] = sum_hi / (double)ns;
      int has_nan = 0;
      for (rom_int i = 0; i < ns && !has_nan; ++i)
        has_nan = isnan(lo[i]) || isnan(hi[i]);
      qsort(v, (size_t)ns, sizeof(double), cmp_double);
      if (!has_nan) {
        qsort(lo, (size_t)ns, sizeof(double), cmp_double);
        qsort(hi, (size_t)ns, sizeof(double), cmp_double);
      }
      for (int j = 0; j < nq; ++j) {
        const double pj = rom_sweep_quantile_levels[j];
        s->quant[(0 * nq + j) * no + o] = order_quantile(v, ns, pj);
        s->quant[(1 * nq + j) * no + o] = has_nan ? NAN : order_quantile(lo, ns, pj);
        s->quant[(2 * nq + j) * no + o] = has_nan ? NAN : order_quantile(hi, ns, pj);
      }
    }
  }
  ROM_MPI(ctx, MPI_Bcast(s->cert, 2 * no, MPI_DOUBLE, 0, comm));
  ROM_MPI(ctx, MPI_Bcast(s->quant, 3 * ROM_SWEEP_NUM_QUANTILES * no, MPI_DOUBLE, 0, comm));
cleanup:
  rom_free(ctx, all_v);
  rom_free(ctx, all_b);
  rom_free(ctx, col);
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  return err;
}

int rom_sweep_run(rom_affine_rom *rom, const rom_sweep_design *design,
                  rom_sweep_coefficients_fn coefficients, void *user, rom_sweep **out) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_affine_rom_ctx(rom);
  const int Qa = rom_affine_rom_operator_terms(rom), Qf = rom_affine_rom_rhs_terms(rom);
  const int num_outputs = rom_affine_rom_num_outputs(rom);
  const rom_int k = rom_affine_rom_dim(rom);
  rom_sweep *s = NULL;
  double *theta = NULL, *phi = NULL, *q = NULL;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, design != NULL, ROM_ERR_ARG, "design must not be NULL");
  ROM_CHECK_ALL(ctx, coefficients != NULL || design->p == Qa, ROM_ERR_DIM,
                "the default coefficients theta_q = mu_q need one parameter per operator term: "
                "the design has %d parameters, the ROM %d operator terms (pass a coefficient "
                "function for other maps)",
                design->p, Qa);
  {
    /* Every rank must run the same design: compare (ns, p, seed, kind). */
    rom_int mine[4] = {design->ns, design->p, (rom_int)(design->seed & INT64_MAX), design->kind};
    rom_int lo[4], hi[4];
    ROM_MPI(ctx, MPI_Allreduce(mine, lo, 4, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
    ROM_MPI(ctx, MPI_Allreduce(mine, hi, 4, MPI_INT64_T, MPI_MAX, rom_ctx_comm(ctx)));
    ROM_CHECK_ALL(ctx, memcmp(lo, hi, sizeof lo) == 0, ROM_ERR_ARG,
                  "the ranks passed different designs (samples, parameters, seed or kind differ)");
  }
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *s, (void **)&s));
  s->ctx = ctx;
  s->k = k;
  s->no = num_outputs > 0 ? num_outputs : (int)k;
  {
    const int P = rom_ctx_size(ctx), r = rom_ctx_rank(ctx);
    const rom_int ns = design->ns, base = ns / P, rem = ns % P;
    s->offset = (rom_int)r * base + (r < rem ? r : rem);
    s->local = base + (r < rem ? 1 : 0);
  }
  {
    /* The samples' parameters and outputs stay in memory (this rank's block; rank 0 also
     * receives the largest other block for the statistics): an absurd sample count must be
     * refused here, with the sizes, not by the allocator or the kernel's OOM killer. */
    const double most = (double)(design->ns / rom_ctx_size(ctx) + 1);
    const double need = 8.0 * ((double)s->local * (double)(design->p + s->no) +
                               (rom_ctx_rank(ctx) == 0 ? most * (double)s->no : 0.0));
    char what[160];
    snprintf(what, sizeof what, "the parameters and %d outputs of %lld samples on %d ranks", s->no,
             (long long)design->ns, rom_ctx_size(ctx));
    ROM_TRY_ALL(ctx, rom_memory_check(ctx, need, what, "use fewer samples or more ranks"));
  }
  {
    const size_t no = (size_t)s->no, p = (size_t)design->p, local = (size_t)s->local;
    int ok = design_copy(design, &s->design) == ROM_OK &&
             rom_calloc(ctx, no, ROM_SWEEP_NAME_MAX, (void **)&s->names) == ROM_OK &&
             rom_calloc(ctx, local * p, sizeof(double), (void **)&s->mu) == ROM_OK &&
             rom_calloc(ctx, local * no, sizeof(double), (void **)&s->outputs) == ROM_OK &&
             rom_calloc(ctx, 4 * no, sizeof(double), (void **)&s->stats) == ROM_OK &&
             rom_calloc(ctx, (size_t)Qa, sizeof(double), (void **)&theta) == ROM_OK &&
             rom_calloc(ctx, (size_t)Qf + 1, sizeof(double), (void **)&phi) == ROM_OK &&
             rom_calloc(ctx, (size_t)k, sizeof(double), (void **)&q) == ROM_OK;
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_NOMEM,
                  "cannot allocate the sweep's %lld local samples x (%d parameters + %d outputs)",
                  (long long)s->local, design->p, s->no);
  }
  if (rom_affine_rom_has_estimator(rom)) {
    const size_t no = (size_t)s->no, local = (size_t)s->local;
    int ok = rom_calloc(ctx, local * no + 1, sizeof(double), (void **)&s->bounds) == ROM_OK &&
             rom_calloc(ctx, local + 1, sizeof(double), (void **)&s->state_bounds) == ROM_OK &&
             rom_calloc(ctx, 2 * no, sizeof(double), (void **)&s->cert) == ROM_OK &&
             rom_calloc(ctx, 3 * ROM_SWEEP_NUM_QUANTILES * no, sizeof(double),
                        (void **)&s->quant) == ROM_OK;
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_NOMEM, "cannot allocate the sweep's bounds");
  }
  for (int o = 0; o < s->no; ++o) {
    char *name = s->names + (size_t)o * ROM_SWEEP_NAME_MAX;
    if (num_outputs > 0)
      snprintf(name, ROM_SWEEP_NAME_MAX, "%s", rom_affine_rom_output_name(rom, o));
    else
      snprintf(name, ROM_SWEEP_NAME_MAX, "q%d", o);
  }
  {
    rom_int failed = -1;
    double t0 = rom_wtime();
    rom_stage_begin(ctx, "sweep: evaluation");
    int local_err = evaluate_block(s, rom, coefficients, user, theta, phi, q, &failed);
    rom_stage_end(ctx, "sweep: evaluation");
    double dt = rom_wtime() - t0;
    ROM_TRY(ctx, agree_on_failure(s, local_err, failed));
    ROM_MPI(ctx, MPI_Allreduce(&dt, &s->seconds, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  }
  ROM_TRY(ctx, reduce_statistics(s));
  if (s->bounds) ROM_TRY(ctx, certified_statistics(s));
  *out = s;
  s = NULL;
cleanup:
  rom_free(ctx, theta);
  rom_free(ctx, phi);
  rom_free(ctx, q);
  rom_sweep_destroy(&s);
  return err;
}

rom_int rom_sweep_samples(const rom_sweep *s) {
  return s ? s->design->ns : 0;
}
int rom_sweep_num_parameters(const rom_sweep *s) {
  return s ? s->design->p : 0;
}
int rom_sweep_num_outputs(const rom_sweep *s) {
  return s ? s->no : 0;
}
const char *rom_sweep_output_name(const rom_sweep *s, int o) {
  if (!s || o < 0 || o >= s->no) return NULL;
  return s->names + (size_t)o * ROM_SWEEP_NAME_MAX;
}
rom_int rom_sweep_local_offset(const rom_sweep *s) {
  return s ? s->offset : 0;
}
rom_int rom_sweep_local_samples(const rom_sweep *s) {
  return s ? s->local : 0;
}
const double *rom_sweep_local_parameters(const rom_sweep *s) {
  return s ? s->mu : NULL;
}
const double *rom_sweep_local_outputs(const rom_sweep *s) {
  return s ? s->outputs : NULL;
}
double rom_sweep_seconds(const rom_sweep *s) {
  return s ? s->seconds : 0.0;
}

int rom_sweep_has_bounds(const rom_sweep *s) {
  return s && s->bounds ? 1 : 0;
}
const double *rom_sweep_local_bounds(const rom_sweep *s) {
  return s ? s->bounds : NULL;
}
const double *rom_sweep_local_state_bounds(const rom_sweep *s) {
  return s ? s->state_bounds : NULL;
}
int rom_sweep_certified_mean(const rom_sweep *s, double *lo, double *hi) {
  if (!s || !s->bounds) return ROM_ERR_STATE;
  if (lo) memcpy(lo, s->cert, sizeof(double) * (size_t)s->no);
  if (hi) memcpy(hi, s->cert + s->no, sizeof(double) * (size_t)s->no);
  return ROM_OK;
}
int rom_sweep_quantiles(const rom_sweep *s, double *estimate, double *lo, double *hi) {
  if (!s || !s->bounds) return ROM_ERR_STATE;
  const size_t n = (size_t)ROM_SWEEP_NUM_QUANTILES * (size_t)s->no;
  double *dst[3] = {estimate, lo, hi};
  for (int r = 0; r < 3; ++r)
    if (dst[r]) memcpy(dst[r], s->quant + r * n, sizeof(double) * n);
  return ROM_OK;
}

int rom_sweep_statistics(const rom_sweep *s, double *mean, double *variance, double *min,
                         double *max) {
  if (!s) return ROM_ERR_ARG;
  double *dst[4] = {mean, variance, min, max};
  for (int r = 0; r < 4; ++r)
    if (dst[r]) memcpy(dst[r], s->stats + r * s->no, sizeof(double) * (size_t)s->no);
  return ROM_OK;
}

/* ---- the "sweep" file ------------------------------------------------------------------ */

/* A {ns, cols} float64 dataset written collectively, each rank its rows
 * [offset, offset + local) from `data` (local x cols, row-major). The io layer's helpers
 * store distributed data as {n, N} column blocks; a sweep's rows are samples, so this
 * writes the row blocks with HDF5 directly (rom_h5_id), silencing HDF5's error stack. */
static int write_row_blocks(rom_h5 *f, const char *name, rom_int ns, int cols, rom_int offset,
                            rom_int local, const double *data) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  H5E_auto2_t old_func = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hsize_t dims[2] = {(hsize_t)ns, (hsize_t)cols}, start[2] = {(hsize_t)offset, 0},
          count[2] = {(hsize_t)local, (hsize_t)cols};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t dset = space >= 0 ? H5Dcreate2(rom_h5_id(f), name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT)
                          : H5I_INVALID_HID;
  hid_t mspace = H5Screate_simple(2, local > 0 ? count : (hsize_t[]){1, (hsize_t)cols}, NULL);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  int ok = space >= 0 && dset >= 0 && mspace >= 0 && dxpl >= 0 &&
           H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0;
  if (ok && local > 0)
    ok = H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
  else if (ok)
    ok = H5Sselect_none(space) >= 0 && H5Sselect_none(mspace) >= 0;
  double dummy = 0.0;
  if (ok)
    ok = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, dxpl, local > 0 ? data : &dummy) >= 0;
  if (dxpl >= 0) H5Pclose(dxpl);
  if (mspace >= 0) H5Sclose(mspace);
  if (dset >= 0) H5Dclose(dset);
  if (space >= 0) H5Sclose(space);
  H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
  ROM_CHECK_ALL(ctx, ok, ROM_ERR_IO, "cannot write dataset '%s' {%lld, %d} to '%s'", name,
                (long long)ns, cols, rom_h5_path(f));
cleanup:
  return err;
}

int rom_sweep_write(const rom_sweep *s, const char *path, int overwrite) {
  int err = ROM_OK;
  if (!s) return ROM_ERR_ARG;
  rom_ctx *ctx = s->ctx;
  const rom_sweep_design *d = s->design;
  rom_h5 *f = NULL;
  char *names = NULL;
  double *ranges = NULL, *logs = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "the path of the sweep file must not be empty");
  {
    int ok = rom_malloc(ctx, (size_t)s->no * ROM_SWEEP_NAME_MAX + 1, (void **)&names) == ROM_OK &&
             rom_malloc(ctx, sizeof(double) * 2 * (size_t)d->p, (void **)&ranges) == ROM_OK &&
             rom_malloc(ctx, sizeof(double) * (size_t)d->p, (void **)&logs) == ROM_OK;
    ROM_CHECK_ALL(ctx, ok, ROM_ERR_NOMEM, "cannot allocate the sweep file's attributes");
  }
  names[0] = '\0';
  for (int o = 0; o < s->no; ++o) {
    if (o > 0) strcat(names, ",");
    strcat(names, s->names + (size_t)o * ROM_SWEEP_NAME_MAX);
  }
  for (int j = 0; j < d->p; ++j) {
    ranges[2 * j] = d->low[j];
    ranges[2 * j + 1] = d->high[j];
    logs[j] = d->log_scale[j];
  }
  ROM_TRY(ctx, rom_h5_create(ctx, path, "sweep", overwrite, &f));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "design", rom_sweep_design_kind_name(d->kind)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "seed", (int64_t)d->seed));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_samples", d->ns));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_parameters", d->p));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_outputs", s->no));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "rom_dim", s->k));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "output_names", names));
  ROM_TRY(ctx, write_row_blocks(f, "parameters", d->ns, d->p, s->offset, s->local, s->mu));
  ROM_TRY(ctx, write_row_blocks(f, "outputs", d->ns, s->no, s->offset, s->local, s->outputs));
  {
    rom_int d_stats[2] = {4, s->no}, d_ranges[2] = {d->p, 2}, d_logs[1] = {d->p};
    ROM_TRY(ctx, rom_h5_write_array(f, "statistics", 2, d_stats, s->stats));
    ROM_TRY(ctx, rom_h5_write_array(f, "ranges", 2, d_ranges, ranges));
    ROM_TRY(ctx, rom_h5_write_array(f, "log_scale", 1, d_logs, logs));
  }
  if (s->bounds) {
    const int nq = ROM_SWEEP_NUM_QUANTILES;
    rom_int d_cert[2] = {2, s->no}, d_lev[1] = {nq}, d_q[3] = {3, nq, s->no};
    ROM_TRY(ctx, rom_h5_write_attr_int(f, "bounds", 1));
    ROM_TRY(ctx, write_row_blocks(f, "bounds", d->ns, s->no, s->offset, s->local, s->bounds));
    ROM_TRY(ctx,
            write_row_blocks(f, "state_bounds", d->ns, 1, s->offset, s->local, s->state_bounds));
    ROM_TRY(ctx, rom_h5_write_array(f, "certified_mean", 2, d_cert, s->cert));
    ROM_TRY(ctx, rom_h5_write_array(f, "quantile_levels", 1, d_lev, rom_sweep_quantile_levels));
    ROM_TRY(ctx, rom_h5_write_array(f, "quantiles", 3, d_q, s->quant));
  }
  if (d->kind == ROM_SWEEP_GRID) {
    rom_int d_counts[1] = {d->p};
    for (int j = 0; j < d->p; ++j)
      logs[j] = (double)d->counts[j];
    ROM_TRY(ctx, rom_h5_write_array(f, "grid_counts", 1, d_counts, logs));
  }
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  rom_free(ctx, names);
  rom_free(ctx, ranges);
  rom_free(ctx, logs);
  return err;
}
