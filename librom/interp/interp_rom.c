/* Interpolated linear ROMs (Amsallem and Farhat, "An online method for interpolating
 * linear parametric reduced-order models", SIAM J. Sci. Comput. 33(5), 2011, Algorithm 1):
 * local Galerkin ROMs (V_i, A_i = V_i^T A(mu_i) V_i, b_i = V_i^T f(mu_i)) built offline
 * at the training parameters become a ROM at any mu* in the training range without the
 * full-order operator at mu*: that is what makes a non-affine problem cheap online.
 *
 *   1. consistent coordinates: Q_i = Procrustes(V_i -> V_i0), A_i <- Q_i^T A_i Q_i,
 *      b_i <- Q_i^T b_i (rom_basis_align);
 *   2. A* on its matrix manifold (SPD for a symmetric positive definite operator: the
 *      interpolated ROM keeps the FOM's stability), b* linearly;
 *   3. V* on the Grassmann manifold, in the coordinates of step 1 (the Exp's
 *      representative is aligned to V_i0, librom/interp/grassmann.c). */
#include "core/check.h"
#include "interp/interp_impl.h"

#include <cblas.h>
#include <string.h>

int rom_interp_linear_rom(int n, const rom_dmat *const *V, const double *const *A,
                          const double *const *b, rom_matrix_manifold manifold, int d,
                          const double *params, const double *target, const rom_interp_options *o,
                          double *A_out, double *b_out, rom_dmat *V_out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  double *w = NULL, *Q = NULL, *T = NULL, *store = NULL;
  double **Ar = NULL, **br = NULL;
  rom_dmat *Vi = NULL;
  int reference = 0;
  rom_int k = 0, L = 0;
  if (!V || n < 1 || !V[0]) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(V[0]);
  k = rom_dmat_cols(V[0]);
  L = rom_dmat_local_rows(V[0]);
  ROM_CHECK(ctx, A && A_out && (b == NULL) == (b_out == NULL), ROM_ERR_ARG,
            "A and A_out must not be NULL, and b, b_out both given or both NULL (n = %d local "
            "ROMs)",
            n);
  ROM_CHECK(ctx, n >= 2, ROM_ERR_ARG, "interpolation needs at least 2 local ROMs (n = %d)", n);
  for (int i = 0; i < n; ++i) {
    ROM_CHECK(ctx, V[i] && A[i] && (!b || b[i]), ROM_ERR_ARG,
              "local ROM %d has a NULL basis or matrix", i);
    ROM_CHECK(ctx, rom_dmat_cols(V[i]) == k, ROM_ERR_DIM,
              "the basis of local ROM %d has %lld columns, local ROM 0's has %lld", i,
              (long long)rom_dmat_cols(V[i]), (long long)k);
    ROM_CHECK_ALL(ctx, rom_dmat_local_rows(V[i]) == L, ROM_ERR_DIM,
                  "the basis of local ROM %d has %lld local rows, local ROM 0's has %lld", i,
                  (long long)rom_dmat_local_rows(V[i]), (long long)L);
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n, (void **)&w));
  ROM_TRY_ALL(ctx, rom_interp_prepare(ctx, n, d, params, target, o, w, &reference));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Q));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&T));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n * (size_t)(k * k + k), (void **)&store));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)n, sizeof(double *), (void **)&Ar));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)n, sizeof(double *), (void **)&br));
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &Vi));
  for (int i = 0; i < n; ++i) {
    Ar[i] = store + (size_t)i * (size_t)(k * k + k);
    br[i] = Ar[i] + k * k;
    if (i == reference) {
      memcpy(Ar[i], A[i], sizeof(double) * (size_t)(k * k));
      if (b) memcpy(br[i], b[i], sizeof(double) * (size_t)k);
      continue;
    }
    for (rom_int j = 0; j < k; ++j)
      memcpy(rom_dmat_data(Vi) + j * rom_dmat_ld(Vi),
             rom_dmat_data_const(V[i]) + j * rom_dmat_ld(V[i]), sizeof(double) * (size_t)L);
    ROM_TRY(ctx, rom_basis_align(V[reference], Vi, Q));
    /* A_i <- Q^T A_i Q, b_i <- Q^T b_i */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)k, 1.0, Q, (int)k,
                A[i], (int)k, 0.0, T, (int)k);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)k, (int)k, 1.0, T, (int)k,
                Q, (int)k, 0.0, Ar[i], (int)k);
    if (b)
      cblas_dgemv(CblasColMajor, CblasTrans, (int)k, (int)k, 1.0, Q, (int)k, b[i], 1, 0.0, br[i],
                  1);
  }
  /* Every rank holds the same reduced data: the same result everywhere, agreed on. */
  ROM_TRY_ALL(ctx, rom_interp_matrices_weighted(ctx, manifold, n, k, k, (const double *const *)Ar,
                                                reference, w, A_out));
  if (b)
    ROM_TRY_ALL(ctx, rom_interp_matrices_weighted(ctx, ROM_MANIFOLD_GENERAL, n, k, 1,
                                                  (const double *const *)br, reference, w, b_out));
  if (V_out) ROM_TRY(ctx, rom_grassmann_interpolate_weighted(n, V, reference, w, V_out));
cleanup:
  rom_dmat_destroy(&Vi);
  rom_free(ctx, w);
  rom_free(ctx, Q);
  rom_free(ctx, T);
  rom_free(ctx, store);
  rom_free(ctx, Ar);
  rom_free(ctx, br);
  return err;
}
