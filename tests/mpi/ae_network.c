/* The encoder choice of the autoencoder recipe (docs/autoencoder.md, "Encoder choice") at 1,
 * 2 and 4 ranks. Independent checks:
 *  - rom_mask_transpose: entry (j, i) present iff (i, j) is in the band and stencil masks
 *    (checked against a dense 0/1 table built from the original);
 *  - network "masked": layer 0 is N -> H2 masked with the decoder mask transposed, layer 1
 *    dense H2 -> k; the parameter count is O(N) (nnz + H2 + H2 k + ...);
 *  - forward (rom_ae_encode), loss and gradient of the masked network equal those of the
 *    same network with dense layers holding the mask's zeros (the dense path is one dgemm
 *    per layer): every masked weight's gradient equals the dense gradient at its position;
 *  - a short training run lowers the loss, and agrees to 1e-10 relative with a serial run
 *    on MPI_COMM_SELF (data-parallel training at P ranks);
 *  - HDF5 round trip: the masked encoder's pattern and values come back exactly;
 *  - "bogus" is refused with ROM_ERR_ARG naming "paper, masked"; a dense decoder with the
 *    masked network is refused (nothing to transpose). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static double hash01(uint64_t i) {
  return rom_rng_uniform(777, 3, i);
}

/* 1 where (i, j) is an entry of m (rows x cols, row-major) */
static unsigned char *mask_table(const rom_mask *m) {
  rom_int r = rom_mask_rows(m), c = rom_mask_cols(m);
  unsigned char *t = calloc((size_t)(r * c), 1);
  for (rom_int i = 0; i < r; ++i)
    for (rom_int k = rom_mask_row_ptr(m)[i]; k < rom_mask_row_ptr(m)[i + 1]; ++k)
      t[i * c + rom_mask_col_index(m)[k]] = 1;
  return t;
}

static void transpose_checks(rom_ctx *ctx, const char *spec, rom_int N) {
  rom_mask *m = NULL, *t = NULL;
  rom_int h = 0;
  CHECK_OK(ctx, rom_mask_from_spec(ctx, spec, N, &m, &h));
  CHECK_OK(ctx, rom_mask_transpose(ctx, m, &t));
  if (!m || !t) return;
  CHECK(rom_mask_rows(t) == h && rom_mask_cols(t) == N && rom_mask_nnz(t) == rom_mask_nnz(m),
        "%s: transpose is %lld x %lld with %lld entries", spec, (long long)rom_mask_rows(t),
        (long long)rom_mask_cols(t), (long long)rom_mask_nnz(t));
  unsigned char *a = mask_table(m), *b = mask_table(t);
  int ok = 1;
  for (rom_int i = 0; i < N; ++i)
    for (rom_int j = 0; j < h; ++j)
      ok = ok && a[i * h + j] == b[j * N + i];
  CHECK(ok, "%s: transpose entries are the original's mirrored", spec);
  free(a);
  free(b);
  rom_mask_destroy(&m);
  rom_mask_destroy(&t);
}

static rom_ae *recipe_network(rom_ctx *ctx, const char *spec, const char *act, const char *net,
                              rom_int N, rom_int k) {
  rom_problem_recipe r;
  rom_ae *ae = NULL;
  rom_problem_recipe_default_network(&r);
  snprintf(r.ae_mask, sizeof r.ae_mask, "%s", spec);
  snprintf(r.ae_activation, sizeof r.ae_activation, "%s", act);
  snprintf(r.ae_network, sizeof r.ae_network, "%s", net);
  r.ae_decoder_bias = 1;
  CHECK_OK(ctx, rom_problem_autoencoder_create(ctx, &r, N, k, 5, &ae));
  return ae;
}

/* The same layers, dense, with the masked weights scattered into zero matrices. */
static rom_ae *dense_copy(rom_ctx *ctx, rom_ae *ae) {
  const int nl = rom_ae_num_layers(ae), ne = rom_ae_num_encoder_layers(ae);
  rom_layer_spec s[8];
  rom_ae *d = NULL;
  for (int l = 0; l < nl; ++l) {
    rom_ae_layer(ae, l, &s[l]);
    s[l].mask = NULL;
  }
  CHECK_OK(ctx, rom_ae_create(ctx, ne, s, nl - ne, s + ne, 9, &d));
  for (int l = 0; l < nl; ++l) {
    rom_layer_spec m;
    rom_ae_layer(ae, l, &m);
    const double *W = rom_ae_layer_weights(ae, l);
    double *D = rom_ae_layer_weights(d, l);
    if (m.mask) {
      memset(D, 0, sizeof(double) * (size_t)(m.in * m.out));
      for (rom_int i = 0; i < m.out; ++i)
        for (rom_int e = rom_mask_row_ptr(m.mask)[i]; e < rom_mask_row_ptr(m.mask)[i + 1]; ++e)
          D[i * m.in + rom_mask_col_index(m.mask)[e]] = W[e];
    } else {
      memcpy(D, W, sizeof(double) * (size_t)(m.in * m.out));
    }
    if (rom_ae_layer_bias(ae, l))
      memcpy(rom_ae_layer_bias(d, l), rom_ae_layer_bias(ae, l), sizeof(double) * (size_t)m.out);
  }
  return d;
}

static void reference_checks(rom_ctx *ctx, const char *spec, const char *act, rom_int N) {
  const rom_int k = 3, m = 24; /* m > 8: the masked layers' batch kernels run */
  rom_ae *ae = recipe_network(ctx, spec, act, "masked", N, k);
  if (!ae) return;
  rom_layer_spec l0, l1, ld;
  rom_ae_layer(ae, 0, &l0);
  rom_ae_layer(ae, 1, &l1);
  rom_ae_layer(ae, rom_ae_num_layers(ae) - 1, &ld);
  CHECK(l0.mask && !l1.mask && ld.mask && l0.out == ld.in && l0.in == N && l1.out == k,
        "%s: masked encoder %lld -> %lld (mask %d) -> %lld", spec, (long long)l0.in,
        (long long)l0.out, l0.mask != NULL, (long long)l1.out);
  if (!l0.mask || !ld.mask) {
    rom_ae_destroy(&ae);
    return;
  }
  unsigned char *a = mask_table(ld.mask), *b = mask_table(l0.mask);
  int ok = 1;
  for (rom_int i = 0; i < N; ++i)
    for (rom_int j = 0; j < l0.out; ++j)
      ok = ok && a[i * l0.out + j] == b[j * N + i];
  CHECK(ok, "%s: the encoder's mask is the decoder's transposed", spec);
  free(a);
  free(b);
  rom_int expect =
      rom_mask_nnz(l0.mask) + l0.out + l0.out * k + k * l0.out + l0.out + rom_mask_nnz(ld.mask);
  CHECK(rom_ae_num_params(ae) == expect, "%s: %lld parameters, expected %lld", spec,
        (long long)rom_ae_num_params(ae), (long long)expect);
  /* weights in the nonlinear range of the activations */
  double *theta = rom_ae_params(ae);
  for (rom_int t = 0; t < rom_ae_num_params(ae); ++t)
    theta[t] *= 3.0;
  rom_ae *d = dense_copy(ctx, ae);
  double *X = malloc(sizeof(double) * (size_t)(N * m));
  for (rom_int i = 0; i < N * m; ++i)
    X[i] = 2.0 * hash01((uint64_t)i) - 1.0;
  double Qa[3 * 24], Qd[3 * 24], la = 0, ld_ = 0;
  CHECK_OK(ctx, rom_ae_encode(ae, m, X, N, Qa, k));
  CHECK_OK(ctx, rom_ae_encode(d, m, X, N, Qd, k));
  double worst = 0;
  for (int i = 0; i < 3 * 24; ++i)
    worst = fmax(worst, fabs(Qa[i] - Qd[i]) / fmax(1.0, fabs(Qd[i])));
  CHECK(worst < 1e-13, "%s: masked encoder output vs dense-with-zeros: %.2e", spec, worst);
  const rom_int na = rom_ae_num_params(ae), nd = rom_ae_num_params(d);
  double *ga = malloc(sizeof(double) * (size_t)na), *gd = malloc(sizeof(double) * (size_t)nd);
  CHECK_OK(ctx, rom_ae_loss_gradient(ae, m, X, N, &la, ga));
  CHECK_OK(ctx, rom_ae_loss_gradient(d, m, X, N, &ld_, gd));
  CHECK_CLOSE(la, ld_, 1e-13, "%s: loss masked vs dense", spec);
  double gmax = 0, diff = 0;
  for (int l = 0; l < rom_ae_num_layers(ae); ++l) {
    rom_layer_spec s;
    rom_ae_layer(ae, l, &s);
    const double *Ga = ga + (rom_ae_layer_weights(ae, l) - rom_ae_params(ae));
    const double *Gd = gd + (rom_ae_layer_weights(d, l) - rom_ae_params(d));
    for (rom_int i = 0; i < s.out; ++i) {
      if (s.mask) {
        for (rom_int e = rom_mask_row_ptr(s.mask)[i]; e < rom_mask_row_ptr(s.mask)[i + 1]; ++e) {
          double r = Gd[i * s.in + rom_mask_col_index(s.mask)[e]];
          gmax = fmax(gmax, fabs(r));
          diff = fmax(diff, fabs(Ga[e] - r));
        }
      } else {
        for (rom_int j = 0; j < s.in; ++j) {
          gmax = fmax(gmax, fabs(Gd[i * s.in + j]));
          diff = fmax(diff, fabs(Ga[i * s.in + j] - Gd[i * s.in + j]));
        }
      }
      if (rom_ae_layer_bias(ae, l)) {
        const double *Ba = ga + (rom_ae_layer_bias(ae, l) - rom_ae_params(ae));
        const double *Bd = gd + (rom_ae_layer_bias(d, l) - rom_ae_params(d));
        diff = fmax(diff, fabs(Ba[i] - Bd[i]));
      }
    }
  }
  CHECK(gmax > 0 && diff <= 1e-12 * gmax,
        "%s: gradient masked vs dense-with-zeros: max diff %.2e (max |g| %.2e)", spec, diff, gmax);
  free(X);
  free(ga);
  free(gd);
  rom_ae_destroy(&d);
  rom_ae_destroy(&ae);
}

static void training_and_file(rom_ctx *ctx) {
  const rom_int N = 16, m = 120;
  double *X = malloc(sizeof(double) * (size_t)(N * m));
  /* travelling bumps: a 1-parameter family */
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < N; ++i) {
      double c = 3.0 + 10.0 * (double)j / (double)m, x = (double)i - c;
      X[i + j * N] = exp(-x * x / 4.0);
    }
  rom_ctx *self = NULL;
  CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
  rom_ae *a = recipe_network(ctx, "band:6:3", "swish", "masked", N, 2);
  rom_ae *s = recipe_network(self, "band:6:3", "swish", "masked", N, 2);
  rom_ae_train_options o = rom_ae_train_options_default();
  o.epochs = 40;
  o.batch = 12;
  o.learning_rate = 3e-3;
  CHECK_OK(ctx, rom_ae_train(a, m, X, N, &o));
  CHECK_OK(self, rom_ae_train(s, m, X, N, &o));
  rom_int ea = 0, es = 0;
  const double *la, *va, *ls, *vs;
  rom_ae_history(a, &ea, &la, &va, NULL, NULL);
  rom_ae_history(s, &es, &ls, &vs, NULL, NULL);
  CHECK(ea == 40 && la[ea - 1] < 0.2 * la[0], "masked network training: loss %.3e -> %.3e",
        ea ? la[0] : NAN, ea ? la[ea - 1] : NAN);
  double worst = 0;
  for (rom_int e = 0; e < ea && e < es; ++e)
    worst = fmax(worst, fmax(fabs(la[e] - ls[e]) / ls[e], fabs(va[e] - vs[e]) / vs[e]));
  CHECK(ea == es && worst < 1e-10, "masked network at %d ranks vs serial: max rel diff %.2e",
        rom_ctx_size(ctx), worst);

  char path[512];
  test_path(ctx, "ae_network_masked", path, sizeof path);
  rom_ae *r = NULL;
  CHECK_OK(ctx, rom_ae_write(a, path, 1));
  CHECK_OK(ctx, rom_ae_read(ctx, path, &r));
  if (r) {
    int same = rom_ae_num_params(r) == rom_ae_num_params(a) &&
               memcmp(rom_ae_params(r), rom_ae_params(a),
                      sizeof(double) * (size_t)rom_ae_num_params(a)) == 0;
    rom_layer_spec p, q;
    rom_ae_layer(a, 0, &p);
    rom_ae_layer(r, 0, &q);
    same = same && q.mask && rom_mask_nnz(q.mask) == rom_mask_nnz(p.mask) &&
           memcmp(rom_mask_col_index(q.mask), rom_mask_col_index(p.mask),
                  sizeof(rom_int) * (size_t)rom_mask_nnz(p.mask)) == 0;
    CHECK(same, "masked encoder: file round trip exact (pattern and parameters)");
    double q1[2], q2[2];
    CHECK_OK(ctx, rom_ae_encode(a, 1, X, N, q1, 2));
    CHECK_OK(ctx, rom_ae_encode(r, 1, X, N, q2, 2));
    CHECK(q1[0] == q2[0] && q1[1] == q2[1], "encode after the round trip: same bits");
    rom_ae_destroy(&r);
  }
  if (rom_ctx_rank(ctx) == 0) remove(path);
  rom_ae_destroy(&a);
  rom_ae_destroy(&s);
  rom_ctx_destroy(&self);
  free(X);
}

static void refusals(rom_ctx *ctx) {
  rom_problem_recipe r;
  rom_ae *ae = NULL;
  int masked = -1;
  CHECK(rom_problem_network_from_name("bogus", &masked) == ROM_ERR_ARG, "'bogus' is refused");
  CHECK(rom_problem_network_from_name("Paper", &masked) == ROM_OK && masked == 0, "'Paper' ok");
  CHECK(rom_problem_network_from_name("masked", &masked) == ROM_OK && masked == 1, "'masked' ok");
  CHECK(rom_problem_network_from_name("Narrow", &masked) == ROM_OK &&
            masked == ROM_AE_NETWORK_NARROW,
        "'Narrow' ok");
  { /* narrow: a dense encoder of ROM_AE_NARROW_HIDDEN units (or ae_hidden), the decoder as
     * the paper's */
    rom_layer_spec l0, l3;
    rom_problem_recipe_default_network(&r);
    snprintf(r.ae_network, sizeof r.ae_network, "narrow");
    CHECK_OK(ctx, rom_problem_autoencoder_create(ctx, &r, 20, 2, 1, &ae));
    CHECK_OK(ctx, rom_ae_layer(ae, 0, &l0));
    CHECK_OK(ctx, rom_ae_layer(ae, 3, &l3));
    CHECK(l0.in == 20 && l0.out == ROM_AE_NARROW_HIDDEN && l0.mask == NULL,
          "narrow encoder 20 -> %lld, dense", (long long)l0.out);
    CHECK(l3.mask != NULL && l3.out == 20, "narrow: the decoder keeps its mask");
    rom_ae_destroy(&ae);
    r.ae_hidden = 7;
    CHECK_OK(ctx, rom_problem_autoencoder_create(ctx, &r, 20, 2, 1, &ae));
    CHECK_OK(ctx, rom_ae_layer(ae, 0, &l0));
    CHECK(l0.out == 7, "narrow with ae_hidden 7: %lld units", (long long)l0.out);
    rom_ae_destroy(&ae);
  }
  rom_problem_recipe_default_network(&r);
  snprintf(r.ae_network, sizeof r.ae_network, "bogus");
  CHECK_ERR(ctx, rom_problem_autoencoder_create(ctx, &r, 20, 2, 1, &ae), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "paper, masked, narrow") != NULL,
        "message names the choices: %s", rom_ctx_last_error(ctx));
  snprintf(r.ae_network, sizeof r.ae_network, "masked");
  snprintf(r.ae_mask, sizeof r.ae_mask, "dense:30");
  CHECK_ERR(ctx, rom_problem_autoencoder_create(ctx, &r, 20, 2, 1, &ae), ROM_ERR_ARG);
  CHECK(ae == NULL, "no network on error");
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  transpose_checks(ctx, "band:5:2", 9);
  transpose_checks(ctx, "stencil:4:3:6:2", 12);
  reference_checks(ctx, "band:5:2", "swish", 9);
  reference_checks(ctx, "stencil:4:3:6:2", "sigmoid", 12);
  reference_checks(ctx, "band:36:12", "tanh", 20); /* runs of 36: the segment kernels */
  training_and_file(ctx);
  refusals(ctx);
  return test_finish(&ctx);
}
