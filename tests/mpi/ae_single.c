/* Single-precision training (rom_ae_train_options.precision = ROM_PRECISION_SINGLE) at 1, 2
 * and 4 ranks against a serial run on MPI_COMM_SELF, on a P1-shaped network (dense encoder,
 * band-masked decoder output layer at batch 24: the segment kernels) with swish:
 *  - reproducible chunks: each chunk's float gradient is widened to double and the slots are
 *    summed in chunk order, so the loss curve and the weights are bit-identical to serial;
 *  - default mode: each rank's float gradient of its share, reduced in double: the float
 *    grouping differs with P, so the curves agree to float round-off (relative 1e-4 over 6
 *    epochs; measured ~1e-7), and the single curve tracks the double one (ratio in 0.5..2);
 *  - the stored weights are float64 values that training updated in double (not all of them
 *    float-representable: the master weights stay double). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define SN 48
static void data(rom_int m, double *X) {
  for (rom_int j = 0; j < m; ++j) {
    const double a = 0.2 + 0.6 * rom_rng_uniform(99, 1, (uint64_t)j);
    for (int i = 0; i < SN; ++i) {
      const double t = (double)i / SN;
      X[i + j * SN] = exp(-(t - a) * (t - a) / 0.02);
    }
  }
}

static rom_ae *network(rom_ctx *ctx) {
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, SN, 12, 4, &mask)); /* 48 x 200 */
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, SN, 32, 3, 200, ROM_ACT_SWISH, 0, mask, 4, &ae));
  rom_mask_destroy(&mask);
  return ae;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv), *self = NULL;
  const rom_int m = 150;
  double *X = malloc(sizeof(double) * SN * (size_t)m);
  data(m, X);
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 6;
  o.batch = 24;
  o.learning_rate = 3e-3;
  o.precision = ROM_PRECISION_SINGLE;
  for (int chunks = 4; chunks >= 0; chunks -= 4) {
    o.reproducible_chunks = chunks;
    rom_ae *a = network(ctx), *s = network(self);
    if (!a || !s) break;
    CHECK_OK(ctx, rom_ae_train(a, m, X, SN, &o));
    CHECK_OK(self, rom_ae_train(s, m, X, SN, &o));
    rom_int ea = 0, es = 0;
    const double *la, *va, *ls, *vs;
    rom_ae_history(a, &ea, &la, &va, NULL, NULL);
    rom_ae_history(s, &es, &ls, &vs, NULL, NULL);
    CHECK(ea == o.epochs && es == o.epochs, "single, chunks %d: %lld and %lld epochs", chunks,
          (long long)ea, (long long)es);
    if (chunks) {
      int same = ea == es;
      for (rom_int e = 0; same && e < ea; ++e)
        same = la[e] == ls[e] && va[e] == vs[e];
      same = same && !memcmp(rom_ae_params(a), rom_ae_params(s),
                             sizeof(double) * (size_t)rom_ae_num_params(a));
      CHECK(same,
            "single, reproducible chunks: loss curve and weights at %d ranks bit-identical "
            "to serial",
            rom_ctx_size(ctx));
    } else {
      double worst = 0.0;
      for (rom_int e = 0; e < ea && e < es; ++e)
        worst = fmax(worst, fmax(fabs(la[e] - ls[e]) / ls[e], fabs(va[e] - vs[e]) / vs[e]));
      CHECK(worst < 1e-4, "single, default mode: loss curve at %d ranks vs serial, max rel %.2e",
            rom_ctx_size(ctx), worst);
      if (rom_ctx_rank(ctx) == 0)
        printf("single precision, %d ranks vs serial: max relative loss difference %.2e\n",
               rom_ctx_size(ctx), worst);
      /* against double training at this rank count */
      rom_ae *d = network(ctx);
      o.precision = ROM_PRECISION_DOUBLE;
      CHECK_OK(ctx, rom_ae_train(d, m, X, SN, &o));
      o.precision = ROM_PRECISION_SINGLE;
      rom_int ed = 0;
      const double *ld;
      rom_ae_history(d, &ed, &ld, NULL, NULL, NULL);
      const double r = ld[ed - 1] > 0 ? la[ea - 1] / ld[ed - 1] : 0.0;
      CHECK(ed == ea && la[ea - 1] < 0.5 * la[0] && r > 0.5 && r < 2.0,
            "single lowers the loss %.3e -> %.3e and tracks double (%.3e, ratio %.3f)", la[0],
            la[ea - 1], ld[ed - 1], r);
      /* the master weights stay double: some trained weight is not a float value */
      const double *p = rom_ae_params(a);
      rom_int not_float = 0;
      for (rom_int t = 0; t < rom_ae_num_params(a); ++t)
        not_float += (double)(float)p[t] != p[t];
      CHECK(not_float > rom_ae_num_params(a) / 2,
            "%lld of %lld trained weights are not float values (double master weights)",
            (long long)not_float, (long long)rom_ae_num_params(a));
      rom_ae_destroy(&d);
    }
    rom_ae_destroy(&a);
    rom_ae_destroy(&s);
  }
  free(X);
  rom_ctx_destroy(&self);
  return test_finish(&ctx);
}
