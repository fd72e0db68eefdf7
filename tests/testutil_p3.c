/* The P3 test fixture (testutil_p3.h). */
#include "testutil_p3.h"

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

void test_p3_make(rom_ctx *ctx, rom_int n, int bx, int by, int uneven, test_p3 *f) {
  memset(f, 0, sizeof *f);
  rom_heat2d_options o = rom_heat2d_options_default();
  o.n = n;
  o.blocks_x = bx;
  o.blocks_y = by;
  f->ctx = ctx;
  f->n = n;
  f->N = n * n;
  f->bx = bx;
  f->by = by;
  f->Q = bx * by;
  rom_int rows =
      uneven ? test_uneven_rows(f->N, rom_ctx_rank(ctx), rom_ctx_size(ctx)) : ROM_AUTO_ROWS;
  CHECK_OK(ctx, rom_heat2d_create(ctx, &o, rows, &f->h));
  f->model = rom_heat2d_model(f->h);
  f->L = rom_heat2d_local_rows(f->h);
  CHECK(rom_heat2d_global_rows(f->h) == f->N, "global rows");
  CHECK(rom_heat2d_num_parameters(f->h) == f->Q, "num parameters");
  CHECK(rom_model_operator_terms(f->model) == f->Q && rom_model_rhs_terms(f->model) == 1,
        "model terms");
  MPI_Exscan(&f->L, &f->off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) f->off = 0;
}

double *test_vec(rom_int n) {
  return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

void test_p3_sample_mu(uint64_t seed, uint64_t stream, int index, int Q, double *mu) {
  for (int q = 0; q < Q; ++q)
    mu[q] = pow(10.0, -1.0 + 2.0 * rom_rng_uniform(seed, stream, (uint64_t)(index * Q + q)));
}

rom_basis *test_p3_pod_basis(test_p3 *f, uint64_t seed, uint64_t stream, int m, rom_int rank) {
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  double *mu = test_vec(f->Q);
  CHECK_OK(f->ctx, rom_dmat_create(f->ctx, f->L, m, &S));
  for (int s = 0; s < m; ++s) {
    test_p3_sample_mu(seed, stream, s, f->Q, mu);
    CHECK_OK(f->ctx, rom_heat2d_solve(f->h, mu, rom_dmat_data(S) + s * f->L));
  }
  rom_pod_options o = rom_pod_options_default();
  o.truncation = ROM_POD_TRUNCATE_RANK;
  o.rank = rank;
  CHECK_OK(f->ctx, rom_pod_compute(S, &o, &b));
  rom_dmat_destroy(&S);
  free(mu);
  return b;
}

rom_basis *test_p3_leading(test_p3 *f, const rom_basis *b, rom_int k) {
  rom_dmat *V = NULL;
  rom_basis *out = NULL;
  const rom_dmat *W = rom_basis_vectors(b);
  CHECK_OK(f->ctx,
           rom_dmat_wrap(f->ctx, f->L, k, (double *)rom_dmat_data_const(W), rom_dmat_ld(W), &V));
  CHECK_OK(f->ctx, rom_basis_create(V, NULL, 0, NULL, &out));
  rom_dmat_destroy(&V);
  return out;
}
