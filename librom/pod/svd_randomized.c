/* The randomized driver of rom_pod_compute: Halko, Martinsson, Tropp, "Finding structure
 * with randomness: probabilistic algorithms for constructing approximate matrix
 * decompositions", SIAM Review 53 (2011), Algorithm 4.4 (randomized subspace iteration)
 * followed by Algorithm 5.1 (direct SVD of B = Q^T A). With A' = A - shift 1^T:
 *
 *   l = min(k + oversampling, min(N, m)),  Omega (m x l) Gaussian
 *   Y = A' Omega,              Q = orth(Y)    TSQR (Householder: orthonormal even when Y is
 *                                              rank-deficient, e.g. exactly low-rank A)
 *   q times:  Z = A'^T Q (m x l, replicated: local dgemm + one Allreduce),
 *             Z = orth(Z) by dgeqrf + dorgqr on every rank (same input -> same Z),
 *             Y = A' Z,  Q = orth(Y)                                   (TSQR)
 *   B = Q^T A' (l x m, replicated) = Z^T of the last product,  B = U_B diag(s) V^T (dgesdd,
 *   rank 0, broadcast),  U = Q U_B[:, :k].
 *
 * The re-orthonormalisation between the products is what keeps the small singular values
 * (HMT section 4.5: without it they drown in round-off after one power iteration).
 * Omega's entry (i, j) is rom_rng_normal(seed, stream, i l + j): replicated, the same on
 * every rank count, so results agree across rank counts to round-off (same seed).
 * Only the k leading values are returned (r = k): values k+1..l are less accurate and
 * energy truncation is relative to the k computed values only (warned when asked with
 * k < min(N, m)). Expected accuracy (HMT Theorem 10.8 / Corollary 10.10): the error of the
 * rank-k approximation is ~ (sigma_{k+1}) (1 + ...)^{1/(2q+1)}; singular values converge
 * like (sigma_{l+1} / sigma_j)^{2(2q+1)}, so fast-decaying spectra reach round-off with q = 2.
 */
#include "core/check.h"
#include "linalg/tsqr.h"
#include "pod/svd_driver.h"
#include "romkit/rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <string.h>

#define RSVD_STREAM 0x52534b4554434855ULL /* the sketch's RNG stream */

/* Z = (A - shift 1^T)^T Q (m x l, replicated, ld m): the local part, shift correction
 * subtracted before the one Allreduce. */
static int rsvd_transpose_times(const rom_dmat *A, const double *shift, const rom_dmat *Q,
                                double *Z) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  rom_int m = rom_dmat_cols(A), l = rom_dmat_cols(Q), lr = rom_dmat_local_rows(A);
  memset(Z, 0, sizeof(double) * (size_t)(m * l));
  if (lr > 0) {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)l, (int)lr, 1.0,
                rom_dmat_data_const(A), (int)rom_dmat_ld(A), rom_dmat_data_const(Q),
                (int)rom_dmat_ld(Q), 0.0, Z, (int)m);
    if (shift)
      for (rom_int j = 0; j < l; ++j) {
        double w = cblas_ddot((int)lr, shift, 1, rom_dmat_data_const(Q) + j * rom_dmat_ld(Q), 1);
        for (rom_int i = 0; i < m; ++i)
          Z[i + j * m] -= w;
      }
  }
  ROM_MPI(ctx,
          MPI_Allreduce(MPI_IN_PLACE, Z, (int)(m * l), MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* Y = (A - shift 1^T) W (local, lr x l) for a replicated W (m x l, ld m). */
static void rsvd_times(const rom_dmat *A, const double *shift, const double *W, rom_int l,
                       rom_dmat *Y) {
  rom_int m = rom_dmat_cols(A), lr = rom_dmat_local_rows(A);
  if (lr == 0) return;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lr, (int)l, (int)m, 1.0,
              rom_dmat_data_const(A), (int)rom_dmat_ld(A), W, (int)m, 0.0, rom_dmat_data(Y),
              (int)rom_dmat_ld(Y));
  if (shift) {
    double *Yd = rom_dmat_data(Y);
    const rom_int ldY = rom_dmat_ld(Y);
    for (rom_int j = 0; j < l; ++j) {
      double colsum = 0.0;
      for (rom_int i = 0; i < m; ++i)
        colsum += W[i + j * m];
      for (rom_int i = 0; i < lr; ++i)
        Yd[i + j * ldY] -= shift[i] * colsum;
    }
  }
}

/* Q = orth(Y) by TSQR (Q = Q_tsqr [I; 0]); Y is overwritten by nothing (TSQR copies). */
static int rsvd_orth(const rom_dmat *Y, double *eye, rom_dmat *Q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(Y);
  rom_tsqr *qr = NULL;
  rom_int l = rom_dmat_cols(Y);
  ROM_TRY(ctx, rom_tsqr_factor(Y, NULL, &qr));
  ROM_TRY(ctx, rom_tsqr_apply_q(qr, l, eye, rom_tsqr_r_rows(qr), Q));
cleanup:
  rom_tsqr_destroy(&qr);
  return err;
}

int rom_svd_randomized(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                       rom_svd_result *res) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), lr = rom_dmat_local_rows(A),
          mn = N < m ? N : m;
  rom_int k = 0, l = 0, kk = 0;
  double *omega = NULL, *Z = NULL, *eye = NULL, *tau = NULL, *B = NULL, *ub = NULL, *s = NULL;
  double *work = NULL, query[2] = {0.0, 0.0};
  lapack_int lwork = 1;
  rom_dmat *Y = NULL, *Q = NULL, *U = NULL;
  uint64_t seed = rom_ctx_seed(ctx);

  ROM_CHECK_ALL(ctx, o->target_rank >= 0 && o->target_rank <= mn, ROM_ERR_ARG,
                "POD option target_rank = %lld exceeds min(N, m) = min(%lld, %lld) = %lld (or is "
                "negative): a randomized SVD cannot compute more singular triplets than that",
                (long long)o->target_rank, (long long)N, (long long)m, (long long)mn);
  ROM_CHECK_ALL(ctx, o->oversampling >= 0 && o->power_iterations >= 0, ROM_ERR_ARG,
                "POD options oversampling = %lld and power_iterations = %d must be >= 0",
                (long long)o->oversampling, o->power_iterations);
  k = o->target_rank > 0 ? o->target_rank
                         : (o->truncation == ROM_POD_TRUNCATE_RANK && o->rank < mn ? o->rank : mn);
  l = o->oversampling < mn - k ? k + o->oversampling : mn; /* k + oversampling may overflow */
  if (o->truncation == ROM_POD_TRUNCATE_ENERGY) {
    if (k < mn)
      rom_log(ctx, ROM_LOG_WARN,
              "POD (randomized): energy truncation needs the whole spectrum; it is applied to the "
              "%lld computed values only (target_rank %lld < min(N, m) = %lld)",
              (long long)k, (long long)k, (long long)mn);
    else
      rom_log(ctx, ROM_LOG_WARN,
              "POD (randomized): energy truncation without target_rank computes all %lld values: "
              "the randomized method then costs more than TSQR",
              (long long)mn);
  }

  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m * l), (void **)&omega));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m * l), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(l * l), sizeof(double), (void **)&eye));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)l, (void **)&tau));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(l * l), (void **)&ub));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)l, (void **)&s));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(l * m), (void **)&B));
  /* QR workspace for the m x l orthonormalisations (dgeqrf + dorgqr), tracked by ctx */
  LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)l, Z, (lapack_int)m, tau,
                      &query[0], -1);
  LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)l, (lapack_int)l, Z,
                      (lapack_int)m, tau, &query[1], -1);
  lwork = (lapack_int)(query[0] > query[1] ? query[0] : query[1]) + 1;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
  for (rom_int j = 0; j < l; ++j)
    eye[j + j * l] = 1.0;
  for (rom_int i = 0; i < m; ++i)
    for (rom_int j = 0; j < l; ++j)
      omega[i + j * m] = rom_rng_normal(seed, RSVD_STREAM, (uint64_t)(i * l + j));
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, l, &Y));
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, l, &Q));

  /* Y = A' Omega, Q = orth(Y) */
  rsvd_times(A, shift, omega, l, Y);
  ROM_TRY(ctx, rsvd_orth(Y, eye, Q));
  for (int it = 0; it < o->power_iterations; ++it) {
    lapack_int info = 0;
    ROM_TRY(ctx, rsvd_transpose_times(A, shift, Q, Z));
    /* Z = orth(Z): m x l with m >= l, the same on every rank */
    info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)l, Z, (lapack_int)m,
                               tau, work, lwork);
    if (info == 0)
      info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)l, (lapack_int)l, Z,
                                 (lapack_int)m, tau, work, lwork);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                  "randomized SVD: QR of the %lld x %lld matrix A^T Q returned info = %d",
                  (long long)m, (long long)l, (int)info);
    rsvd_times(A, shift, Z, l, Y);
    ROM_TRY(ctx, rsvd_orth(Y, eye, Q));
  }
  /* B = Q^T A' = (A'^T Q)^T, its SVD on rank 0 */
  ROM_TRY(ctx, rsvd_transpose_times(A, shift, Q, Z));
  if (rom_ctx_rank(ctx) == 0) {
    for (rom_int j = 0; j < m; ++j)
      for (rom_int i = 0; i < l; ++i)
        B[i + j * l] = Z[j + i * m];
    local_err = rom_small_svd(ctx, l, m, B, l, ub, s);
  }
  ROM_TRY_ALL(ctx, local_err);
  ROM_MPI(ctx, MPI_Bcast(s, (int)l, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(ub, (int)(l * l), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));

  kk = k > 0 && s[0] > 0.0 ? rom_pod_choose_k(o, s, k) : 0;
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, kk, &U));
  if (lr > 0 && kk > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lr, (int)kk, (int)l, 1.0,
                rom_dmat_data(Q), (int)rom_dmat_ld(Q), ub, (int)l, 0.0, rom_dmat_data(U),
                (int)rom_dmat_ld(U));
  res->r = k;
  res->s = s;
  res->U = U;
  s = NULL;
  U = NULL;
cleanup:
  rom_dmat_destroy(&Y);
  rom_dmat_destroy(&Q);
  rom_dmat_destroy(&U);
  rom_free(ctx, omega);
  rom_free(ctx, Z);
  rom_free(ctx, eye);
  rom_free(ctx, tau);
  rom_free(ctx, B);
  rom_free(ctx, ub);
  rom_free(ctx, s);
  rom_free(ctx, work);
  return err;
}
