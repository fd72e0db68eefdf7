/* The TSQR driver of rom_pod_compute (svd_driver.h):
 *
 *   A - shift 1^T = Q R            TSQR over the ranks (linalg/tsqr.c)
 *   R = U_r diag(s) V^T            dgesdd on rank 0 (r x m, r = min(N, m))
 *   U = Q U_r[:, :k]               pushed back down the TSQR tree, written into U
 *
 * Why not Cholesky-QR (eigendecomposition of A^T A): squaring doubles the condition
 * number's exponent, so singular values below sqrt(eps) * s_max (1e-8 relative) are lost;
 * the benchmark's spectrum spans exactly 1e8. */
#include "core/check.h"
#include "linalg/tsqr.h"
#include "pod/svd_driver.h"

int rom_svd_tsqr(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                 rom_svd_result *res) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  rom_tsqr *qr = NULL;
  rom_dmat *U = NULL;
  double *s = NULL, *u_small = NULL;
  rom_int r = 0, k = 0;

  ROM_TRY(ctx, rom_tsqr_factor(A, shift, &qr));
  r = rom_tsqr_r_rows(qr);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&s));
  if (rom_ctx_rank(ctx) == 0) {
    rom_int ldr = 1;
    const double *R = rom_tsqr_r(qr, &ldr);
    local_err = rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&u_small);
    if (local_err == ROM_OK)
      local_err = rom_small_svd(ctx, r, rom_dmat_cols(A), R, ldr, u_small, s);
  }
  ROM_TRY_ALL(ctx, local_err);
  ROM_MPI(ctx, MPI_Bcast(s, (int)r, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  k = r > 0 && s[0] > 0.0 ? rom_pod_choose_k(o, s, r) : 0;
  ROM_TRY(ctx, rom_dmat_create(ctx, rom_dmat_local_rows(A), k, &U));
  if (k > 0) ROM_TRY(ctx, rom_tsqr_apply_q(qr, k, u_small, r, U));
  res->r = r;
  res->s = s;
  res->U = U;
  s = NULL;
  U = NULL;
cleanup:
  rom_tsqr_destroy(&qr);
  rom_dmat_destroy(&U);
  rom_free(ctx, s);
  rom_free(ctx, u_small);
  return err;
}
