/* The "wide" driver of rom_pod_compute (svd_driver.h): the thin SVD of a wide snapshot matrix
 * (m snapshots >> N rows) by TSQR of its transpose.
 *
 *   A^T - 1 shift^T = Q R        (m x N, tall: Demmel, Grigori, Hoemmen, Langou, SIAM J. Sci.
 *                                 Comput. 34 (2012), section 3; R is N x N)
 *   A - shift 1^T   = R^T Q^T,   R^T = U diag(s) W^T  (dgesdd on rank 0)
 *   =>  A - shift 1^T = U diag(s) (Q W)^T: the left singular vectors of A are those of the
 *       small R^T, and Q is never formed (the driver returns no right singular vectors).
 *
 *   1. transpose the distribution: rank q receives all N rows of its contiguous block of
 *      columns [c_q, c_q + m_q) (m_q = m / P or m / P + 1), stored as the m_q x N block T of
 *      A^T. Each sender transposes its rows for one destination at a time into one of two
 *      buffers and sends them; the receiver gets them as contiguous columns of T. Every
 *      message is a count of rows of a contiguous datatype of m_q doubles, so no MPI count
 *      exceeds the larger of N and m (both < 2^31), whatever N m / P is. The centring shift
 *      is subtracted on arrival;
 *   2. T = Q_q R_q by dgeqrf (the tall-skinny local QR, m_q x N), T freed;
 *   3. the R_q (min(m_q, N) x N each) reduced up the TSQR tree (linalg/tsqr.c) to R on rank 0;
 *   4. dgesdd of R^T on rank 0 (rom_small_svd), s broadcast, k = rom_pod_choose_k;
 *   5. rank 0 sends each rank its rows of U[:, :k] (one strided datatype per rank).
 *
 * Why not the method of snapshots (eigenvectors of the N x N Gram matrix A A^T): it squares
 * the condition number, so singular values below sqrt(eps) s_1 (1e-8 relative) are lost
 * (docs/pod.md, "Why not Cholesky-QR / the method of snapshots"); the QR keeps them to
 * eps s_1. Why not TSQR of A itself: with m > N each rank's local QR of its lr x m rows
 * compresses nothing, and rank 0 ends with an N x m R whose SVD is the whole serial problem.
 * Why not ScaLAPACK: pdgesvd bidiagonalises the N x m matrix on a 2-D grid, 4-12x slower than
 * this on 256 x 40000 at 1-2 ranks (docs/pod.md, "Wide snapshot sets").
 *
 * Cost per rank: the transposition moves N m (P - 1) / P^2 values, the local QR costs
 * 2 m_q N^2 flops, the tree log2 P QRs of 2N x N stacks, rank 0 the SVD of the N x N R.
 * Serial LAPACK dgesdd on A costs about 4 m N^2 + O(N^3) (LQ, then forming VT).
 * Memory per rank: T (m_q x N, about one local block when the rows are evenly spread), one
 * or two send buffers of lr x ceil(m / P) (1 / P of the local block each), R_q, O(N^2) per tree
 * level, O(N^2) on rank 0, and U (lr x k). So N must be small enough for an N x N factor on one
 * rank: ROM_SVD_AUTO takes this method only for m > N and N <= 4000 (pod.c). The per-rank need is
 * checked against the memory budget before the transposition (ROM_ERR_NOMEM naming the bytes).
 *
 * Limits: N, m, and the host block's leading dimension below 2^31 (LAPACK's and MPI's int
 * arguments); ROM_ERR_UNSUPPORTED beyond. */
#include "core/check.h"
#include "linalg/tsqr.h"
#include "pod/svd_driver.h"

#include <lapacke.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define WIDE_TAG_T 7201
#define WIDE_TAG_U 7202
#define WIDE_TILE 32

/* First column of rank q's block: the columns are split as evenly as possible. */
static rom_int wide_col_start(rom_int m, int P, int q) {
  rom_int base = m / P, extra = m % P;
  return (rom_int)q * base + ((rom_int)q < extra ? (rom_int)q : extra);
}

/* T[j + i ldt] = A[i + j lda] for i < rows, j < cols: a tiled transpose. */
static void wide_transpose(rom_int rows, rom_int cols, const double *A, rom_int lda, double *T,
                           rom_int ldt) {
  for (rom_int i0 = 0; i0 < rows; i0 += WIDE_TILE)
    for (rom_int j0 = 0; j0 < cols; j0 += WIDE_TILE) {
      rom_int i1 = i0 + WIDE_TILE < rows ? i0 + WIDE_TILE : rows;
      rom_int j1 = j0 + WIDE_TILE < cols ? j0 + WIDE_TILE : cols;
      for (rom_int i = i0; i < i1; ++i)
        for (rom_int j = j0; j < j1; ++j)
          T[j + i * ldt] = A[i + j * lda];
    }
}

/* Local QR of T (mq x N, ld mq) in place; *R_out = its R (min(mq, N) x N, upper
 * trapezoidal, ld max(1, min(mq, N))). Not collective. */
static int wide_local_qr(rom_ctx *ctx, rom_int mq, rom_int N, double *T, double **R_out) {
  int err = ROM_OK;
  rom_int nq = mq < N ? mq : N, ldr = nq > 0 ? nq : 1;
  double *tau = NULL, *work = NULL, *R = NULL, query = 0.0;
  lapack_int info = 0, lwork = 0;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, ldr * N, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_calloc(ctx, 1, bytes, (void **)&R));
  if (nq > 0) {
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nq, (void **)&tau));
    info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)mq, (lapack_int)N, T, (lapack_int)mq,
                               tau, &query, -1);
    ROM_CHECK(ctx, info == 0 && query < (double)INT_MAX, ROM_ERR_LAPACK,
              "dgeqrf workspace query for the %lld x %lld transposed block returned info = %d, "
              "lwork = %.0f",
              (long long)mq, (long long)N, (int)info, query);
    lwork = query >= 1.0 ? (lapack_int)query : 1;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
    info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)mq, (lapack_int)N, T, (lapack_int)mq,
                               tau, work, lwork);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
              "dgeqrf on the %lld x %lld transposed block returned info = %d", (long long)mq,
              (long long)N, (int)info);
    for (rom_int j = 0; j < N; ++j)
      for (rom_int i = 0; i <= j && i < nq; ++i)
        R[i + j * ldr] = T[i + j * mq];
  }
  *R_out = R;
  R = NULL;
cleanup:
  rom_free(ctx, tau);
  rom_free(ctx, work);
  rom_free(ctx, R);
  return err;
}

/* Step 1: T (mq x N, ld max(1, mq)) = this rank's columns of A^T - 1 shift^T, from every
 * rank's rows (offsets off[0..P]). The receives are posted first, each into contiguous
 * columns of T; each sender transposes its rows for one destination at a time into one of two
 * buffers (one when P = 2; lr x ceil(m / P) doubles each: 1 / P of a local block) and
 * sends it contiguously. (A strided MPI datatype doing the transposition itself, one double
 * per element, measured 5-10x slower than this in Open MPI.) Collective. */
static int wide_transpose_distribution(const rom_dmat *A, const rom_int *off, const double *shift,
                                       double *T) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  const rom_int m = rom_dmat_cols(A), lr = rom_dmat_local_rows(A), lda = rom_dmat_ld(A);
  const rom_int c0 = wide_col_start(m, P, me), mq = wide_col_start(m, P, me + 1) - c0;
  const rom_int widest = (m + P - 1) / P;
  const double *a = rom_dmat_data_const(A);
  MPI_Request *req = NULL, send_req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  MPI_Datatype types[2] = {MPI_DATATYPE_NULL, MPI_DATATYPE_NULL}; /* mq and widest doubles */
  double *buf[2] = {NULL, NULL};
  int nreq = 0, nsent = 0, nbuf = P - 1 < 2 ? P - 1 : 2; /* one destination: one buffer */
  size_t bytes = 0;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(MPI_Request) * (size_t)P, (void **)&req));
  if (P > 1 && lr > 0) {
    int local_err = rom_size_mul(ctx, lr * (widest > 0 ? widest : 1), sizeof(double), &bytes);
    for (int b = 0; b < nbuf && local_err == ROM_OK; ++b)
      local_err = rom_malloc(ctx, bytes, (void **)&buf[b]);
    ROM_TRY_ALL(ctx, local_err);
  } else {
    ROM_TRY_ALL(ctx, ROM_OK);
  }
  if (mq > 0) {
    ROM_MPI(ctx, MPI_Type_contiguous((int)mq, MPI_DOUBLE, &types[0]));
    ROM_MPI(ctx, MPI_Type_commit(&types[0]));
  }
  for (int p = 0; p < P; ++p) {
    rom_int lp = off[p + 1] - off[p];
    if (p == me || lp == 0 || mq == 0) continue;
    ROM_MPI(ctx, MPI_Irecv(T + off[p] * mq, (int)lp, types[0], p, WIDE_TAG_T, comm, &req[nreq++]));
  }
  for (int d = 1; d < P && lr > 0; ++d) {
    int q = (me + d) % P, slot = nsent % nbuf;
    rom_int cq = wide_col_start(m, P, q), nq = wide_col_start(m, P, q + 1) - cq;
    MPI_Datatype *t = NULL;
    if (nq == 0) continue;
    t = nq == mq ? &types[0] : &types[1];
    if (*t == MPI_DATATYPE_NULL) {
      ROM_MPI(ctx, MPI_Type_contiguous((int)nq, MPI_DOUBLE, t));
      ROM_MPI(ctx, MPI_Type_commit(t));
    }
    ROM_MPI(ctx, MPI_Wait(&send_req[slot], MPI_STATUS_IGNORE));
    wide_transpose(lr, nq, a + cq * lda, lda, buf[slot], nq);
    ROM_MPI(ctx, MPI_Isend(buf[slot], (int)lr, *t, q, WIDE_TAG_T, comm, &send_req[slot]));
    ++nsent;
  }
  if (lr > 0 && mq > 0) wide_transpose(lr, mq, a + c0 * lda, lda, T + off[me] * mq, mq);
  ROM_MPI(ctx, MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE));
  nreq = 0;
  ROM_MPI(ctx, MPI_Waitall(2, send_req, MPI_STATUSES_IGNORE));
  if (shift)
    for (rom_int i = 0; i < off[P]; ++i) {
      double *col = T + i * mq, si = shift[i];
      for (rom_int j = 0; j < mq; ++j)
        col[j] -= si;
    }
cleanup:
  if (nreq > 0) MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
  MPI_Waitall(2, send_req, MPI_STATUSES_IGNORE);
  for (int t = 0; t < 2; ++t)
    if (types[t] != MPI_DATATYPE_NULL) MPI_Type_free(&types[t]);
  rom_free(ctx, req);
  rom_free(ctx, buf[0]);
  rom_free(ctx, buf[1]);
  return err;
}

/* Step 5: U (lr x k here) = rows [off[p], off[p + 1]) of rank 0's u (N x k, ld N).
 * Collective. */
static int wide_scatter_rows(rom_ctx *ctx, const rom_int *off, rom_int k, const double *u,
                             rom_dmat *U) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  const rom_int N = off[P], lr = rom_dmat_local_rows(U), ldu = rom_dmat_ld(U);
  double *dst = rom_dmat_data(U);
  MPI_Datatype type = MPI_DATATYPE_NULL;
  if (k == 0) return ROM_OK;
  if (me == 0) {
    for (int p = 1; p < P; ++p) {
      rom_int lp = off[p + 1] - off[p];
      if (lp == 0) continue;
      ROM_MPI(ctx, MPI_Type_vector((int)k, (int)lp, (int)N, MPI_DOUBLE, &type));
      ROM_MPI(ctx, MPI_Type_commit(&type));
      ROM_MPI(ctx, MPI_Send(u + off[p], 1, type, p, WIDE_TAG_U, comm));
      MPI_Type_free(&type);
    }
    for (rom_int j = 0; j < k; ++j)
      if (lr > 0) memcpy(dst + j * ldu, u + j * N, sizeof(double) * (size_t)lr);
  } else if (lr > 0) {
    ROM_MPI(ctx, MPI_Type_vector((int)k, (int)lr, (int)ldu, MPI_DOUBLE, &type));
    ROM_MPI(ctx, MPI_Type_commit(&type));
    ROM_MPI(ctx, MPI_Recv(dst, 1, type, 0, WIDE_TAG_U, comm, MPI_STATUS_IGNORE));
  }
cleanup:
  if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
  return err;
}

int rom_svd_wide(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                 rom_svd_result *res) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  MPI_Comm comm = rom_ctx_comm(ctx);
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  const rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), lr = rom_dmat_local_rows(A);
  const rom_int c0 = wide_col_start(m, P, me), mq = wide_col_start(m, P, me + 1) - c0;
  const rom_int r = N < m ? N : m, nq = mq < N ? mq : N;
  rom_int *off = NULL, k = 0;
  int *counts = NULL, *displs = NULL;
  double *full_shift = NULL, *T = NULL, *Rq = NULL, *RT = NULL, *u = NULL, *s = NULL;
  rom_dmat *Rd = NULL, *U = NULL;
  rom_tsqr *qr = NULL;
  size_t bytes = 0;
  double t0 = rom_wtime(), t_move = 0.0, t_qr = 0.0, t_tree = 0.0, t_svd = 0.0;

  ROM_CHECK(ctx, N <= INT_MAX && m <= INT_MAX, ROM_ERR_UNSUPPORTED,
            "the wide SVD needs N and m below 2^31 (LAPACK's and MPI's int arguments); the "
            "snapshot matrix is %lld x %lld",
            (long long)N, (long long)m);
  ROM_CHECK_ALL(ctx, rom_dmat_ld(A) <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "the wide SVD: the local block's leading dimension %lld exceeds MPI's int",
                (long long)rom_dmat_ld(A));
  {
    /* Per-rank need (doubles): T, the send buffers, the local QR's R_q and workspace (64 N), the
     * tree's copy of R_q and two N x N stacks per level, on rank 0 R, R^T, u and rom_small_svd's
     * two copies and workspace (about 8 N^2), and U. The maximum over ranks, agreed. */
    double depth = 1.0, dN = (double)N, need = 0.0;
    for (int p = 1; p < P; p *= 2)
      depth += 1.0;
    need = 8.0 * ((double)mq * dN +
                  (double)(P - 1 < 2 ? P - 1 : 2) * (double)lr * (double)((m + P - 1) / P) +
                  65.0 * dN + 2.0 * (double)nq * dN + 2.0 * depth * 2.0 * dN * dN +
                  (double)lr * (double)r + (me == 0 ? 8.0 * dN * dN : 0.0));
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &need, 1, MPI_DOUBLE, MPI_MAX, comm));
    ROM_CHECK(ctx, o->memory_budget <= 0.0 || need <= o->memory_budget, ROM_ERR_NOMEM,
              "the wide SVD of the %lld x %lld snapshot matrix needs %.0f bytes per rank (its "
              "m x N transpose spread over the ranks, and N x N factors) but the memory budget "
              "is %.0f bytes per rank: raise the budget, use more ranks, or use the "
              "'incremental' method",
              (long long)N, (long long)m, need, o->memory_budget);
  }

  /* Every rank's row offsets, and the whole shift when centring. */
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(P + 1), (void **)&off));
  {
    int64_t mine = (int64_t)lr;
    off[0] = 0;
    ROM_MPI(ctx, MPI_Allgather(&mine, 1, MPI_INT64_T, off + 1, 1, MPI_INT64_T, comm));
    for (int p = 0; p < P; ++p)
      off[p + 1] += off[p];
  }
  if (shift) {
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&full_shift));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs));
    for (int p = 0; p < P; ++p)
      counts[p] = (int)(off[p + 1] - off[p]), displs[p] = (int)off[p];
    ROM_MPI(ctx, MPI_Allgatherv(shift, (int)lr, MPI_DOUBLE, full_shift, counts, displs, MPI_DOUBLE,
                                comm));
  }

  /* 1. this rank's m_q columns of A^T, 2. their QR. */
  local_err = rom_size_mul(ctx, (mq > 0 ? mq : 1) * N, sizeof(double), &bytes);
  if (local_err == ROM_OK) local_err = rom_malloc(ctx, bytes, (void **)&T);
  ROM_TRY_ALL(ctx, local_err);
  ROM_TRY(ctx, wide_transpose_distribution(A, off, full_shift, T));
  t_move = rom_wtime();
  ROM_TRY_ALL(ctx, wide_local_qr(ctx, mq, N, T, &Rq));
  rom_free(ctx, T);
  T = NULL;
  t_qr = rom_wtime();

  /* 3. R of the stacked R_q: the R of A^T - 1 shift^T (r x N, r = min(m, N)). */
  ROM_TRY(ctx, rom_dmat_wrap(ctx, nq, N, Rq, nq > 0 ? nq : 1, &Rd));
  ROM_TRY(ctx, rom_tsqr_factor(Rd, NULL, &qr));
  rom_dmat_destroy(&Rd);
  rom_free(ctx, Rq);
  Rq = NULL;
  ROM_CHECK(ctx, rom_tsqr_r_rows(qr) == r, ROM_ERR_INTERNAL,
            "the wide SVD: TSQR's R has %lld rows, expected min(N, m) = %lld",
            (long long)rom_tsqr_r_rows(qr), (long long)r);
  t_tree = rom_wtime();

  /* 4. SVD of R^T (N x r) on rank 0: its left singular vectors are A's. */
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&s));
  if (me == 0) {
    rom_int ldr = 1;
    const double *R = rom_tsqr_r(qr, &ldr);
    local_err = rom_size_mul(ctx, N * r, sizeof(double), &bytes);
    if (local_err == ROM_OK) local_err = rom_malloc(ctx, bytes, (void **)&RT);
    if (local_err == ROM_OK) local_err = rom_malloc(ctx, bytes, (void **)&u);
    if (local_err == ROM_OK) {
      wide_transpose(r, N, R, ldr, RT, N); /* R is upper trapezoidal, zeros included */
      local_err = rom_small_svd(ctx, N, r, RT, N, u, s);
    }
  }
  ROM_TRY_ALL(ctx, local_err);
  rom_tsqr_destroy(&qr);
  rom_free(ctx, RT);
  RT = NULL;
  ROM_MPI(ctx, MPI_Bcast(s, (int)r, MPI_DOUBLE, 0, comm));
  k = r > 0 && s[0] > 0.0 ? rom_pod_choose_k(o, s, r) : 0;
  t_svd = rom_wtime();

  /* 5. U's rows to their ranks. */
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, k, &U));
  ROM_TRY(ctx, wide_scatter_rows(ctx, off, k, u, U));
  rom_log(ctx, ROM_LOG_DEBUG,
          "wide SVD of the %lld x %lld matrix on %d ranks: %.3f s (rank 0: transpose %.3f, "
          "local QR %.3f, tree %.3f, SVD of R %.3f, U %.3f)",
          (long long)N, (long long)m, P, rom_wtime() - t0, t_move - t0, t_qr - t_move,
          t_tree - t_qr, t_svd - t_tree, rom_wtime() - t_svd);
  res->r = r;
  res->s = s;
  res->U = U;
  s = NULL;
  U = NULL;
cleanup:
  rom_tsqr_destroy(&qr);
  rom_dmat_destroy(&Rd);
  rom_dmat_destroy(&U);
  rom_free(ctx, off);
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  rom_free(ctx, full_shift);
  rom_free(ctx, T);
  rom_free(ctx, Rq);
  rom_free(ctx, RT);
  rom_free(ctx, u);
  rom_free(ctx, s);
  return err;
}
