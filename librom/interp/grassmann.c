/* The Grassmann manifold G(k, N) of k-dimensional subspaces of R^N, represented by
 * row-distributed orthonormal N x k bases (Amsallem and Farhat, AIAA J. 46(7), 2008,
 * sec. III; Edelman, Arias and Smith, SIAM J. Matrix Anal. Appl. 20(2), 1998, sec. 2.5):
 *
 *   Log_{Y0}(Y):    (I - Y0 Y0^T) Y (Y0^T Y)^-1 = U S V^T,   Gamma = U atan(S) V^T
 *   Exp_{Y0}(Gamma): Gamma = U S V^T,   Y = (Y0 V cos(S) + U sin(S)) V^T
 *
 * The thin SVDs of the distributed N x k matrices are TSQR (linalg/tsqr.h) and LAPACK's
 * dgesvd of the k x k triangular factor on rank 0, broadcast. Both maps are functions of
 * the matrix (U f(S) V^T does not depend on the signs or the basis of a repeated
 * singular value that the SVD picks), so the results agree across rank counts to
 * round-off although the TSQR factors differ by row signs.
 *
 * The Log depends only on span(Y) (Y R for an invertible R gives the same Gamma). The
 * Exp returns the representative with Y0^T Y = V cos(S) V^T symmetric positive
 * semi-definite: the one that rom_basis_align's Procrustes rotation produces, so at a
 * training point Exp(Log(Y_i)) = Y_i exactly when Y_i was aligned to Y0. */
#include "core/check.h"
#include "interp/interp_impl.h"
#include "linalg/tsqr.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Same global rows and local partition, k columns, N >= k. Collective. */
static int check_pair(rom_ctx *ctx, const rom_dmat *A, const char *a, const rom_dmat *B,
                      const char *b) {
  int err = ROM_OK;
  ROM_CHECK_ALL(ctx, rom_dmat_local_rows(A) == rom_dmat_local_rows(B), ROM_ERR_DIM,
                "%s has %lld local rows but %s has %lld (they must be partitioned alike)", a,
                (long long)rom_dmat_local_rows(A), b, (long long)rom_dmat_local_rows(B));
  ROM_CHECK(ctx, rom_dmat_cols(A) == rom_dmat_cols(B), ROM_ERR_DIM,
            "%s has %lld columns but %s has %lld", a, (long long)rom_dmat_cols(A), b,
            (long long)rom_dmat_cols(B));
  ROM_CHECK(ctx, rom_dmat_global_rows(A) >= rom_dmat_cols(A), ROM_ERR_DIM,
            "%s is %lld x %lld: a basis needs at least as many rows as columns", a,
            (long long)rom_dmat_global_rows(A), (long long)rom_dmat_cols(A));
cleanup:
  return err;
}

/* Thin SVD M = U diag(s) Vt of a distributed N x k matrix (N >= k): U (N x k, partitioned
 * like M, overwritten), s (k) and Vt (k x k, column-major) replicated. Collective. */
static int thin_svd(const rom_dmat *M, rom_dmat *U, double *s, double *Vt) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(M);
  const rom_int k = rom_dmat_cols(M);
  rom_tsqr *t = NULL;
  double *R = NULL, *Ur = NULL, *work = NULL;
  int local = ROM_OK;
  ROM_TRY(ctx, rom_tsqr_factor(M, NULL, &t));
  ROM_CHECK(ctx, rom_tsqr_r_rows(t) == k, ROM_ERR_INTERNAL,
            "TSQR of an N x k matrix with N >= k gave %lld rows", (long long)rom_tsqr_r_rows(t));
  if (rom_ctx_rank(ctx) == 0) {
    rom_int ld = 0;
    const double *r = rom_tsqr_r(t, &ld);
    local = rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&R);
    if (local == ROM_OK) local = rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Ur);
    if (local == ROM_OK) local = rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&work);
    if (local == ROM_OK) {
      for (rom_int j = 0; j < k; ++j)
        for (rom_int i = 0; i < k; ++i)
          R[i + j * k] = i <= j ? r[i + j * ld] : 0.0;
      lapack_int info =
          LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'A', 'A', (lapack_int)k, (lapack_int)k, R, (lapack_int)k,
                         s, Ur, (lapack_int)k, Vt, (lapack_int)k, work);
      if (info != 0)
        local = rom_error_set(ctx, ROM_ERR_LAPACK, __FILE__, __LINE__, __func__,
                              "dgesvd of the %lld x %lld TSQR factor failed (info %d)",
                              (long long)k, (long long)k, (int)info);
    }
  }
  ROM_TRY_ALL(ctx, local);
  ROM_MPI(ctx, MPI_Bcast(s, (int)k, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(Vt, (int)(k * k), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  ROM_TRY(ctx, rom_tsqr_apply_q(t, k, Ur, k, U));
cleanup:
  rom_tsqr_destroy(&t);
  rom_free(ctx, R);
  rom_free(ctx, Ur);
  rom_free(ctx, work);
  return err;
}

/* C = A^T B (k x k), computed by the usual local dgemm + allreduce and then broadcast
 * from rank 0, so that the LAPACK calls on it give bit-identical results on every rank. */
static int gram(const rom_dmat *A, const rom_dmat *B, double *C) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  const rom_int k = rom_dmat_cols(A);
  ROM_TRY(ctx, rom_dmat_transpose_times(A, B, C, k));
  ROM_MPI(ctx, MPI_Bcast(C, (int)(k * rom_dmat_cols(B)), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* Y_local (L x k, ld ldy) <- alpha X_local (L x k, ld ldx) B (k x k) + beta Y_local. */
static void local_times(rom_int L, rom_int k, double alpha, const double *X, rom_int ldx,
                        const double *B, double beta, double *Y, rom_int ldy) {
  if (L == 0 || k == 0) return;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)L, (int)k, (int)k, alpha, X, (int)ldx,
              B, (int)k, beta, Y, (int)ldy);
}

/* B = Vt^T diag(f) Vt (k x k). */
static void sandwich(rom_int k, const double *Vt, const double *f, double *B) {
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < k; ++i) {
      double acc = 0.0;
      for (rom_int l = 0; l < k; ++l)
        acc += Vt[l + i * k] * f[l] * Vt[l + j * k];
      B[i + j * k] = acc;
    }
}

int rom_grassmann_log(const rom_dmat *Y0, const rom_dmat *Y, rom_dmat *Gamma) {
  int err = ROM_OK;
  if (!Y0 || !Y || !Gamma) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_dmat_ctx(Y0);
  const rom_int k = rom_dmat_cols(Y0), L = rom_dmat_local_rows(Y0);
  double *C = NULL, *Cinv = NULL, *s = NULL, *Vt = NULL, *B = NULL;
  lapack_int *ipiv = NULL;
  rom_dmat *M = NULL;
  ROM_TRY(ctx, check_pair(ctx, Y0, "the reference basis", Y, "the basis"));
  ROM_TRY(ctx, check_pair(ctx, Y0, "the reference basis", Gamma, "the tangent vector"));
  ROM_TRY(ctx, rom_dmat_check_finite(Y, "the basis"));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&C));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Cinv));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Vt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&B));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&s));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)(k + 1), (void **)&ipiv));
  ROM_TRY(ctx, gram(Y0, Y, C));
  /* (Y0^T Y)^-1, refused when the subspaces are (nearly) orthogonal in some direction:
   * the singular values of Y0^T Y are the cosines of the principal angles, and at an
   * angle of pi/2 the log is undefined. */
  {
    double smin = 0.0;
    lapack_int info = 0;
    memcpy(Cinv, C, sizeof(double) * (size_t)(k * k));
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)k, (lapack_int)k, Cinv,
                          (lapack_int)k, s, NULL, 1, NULL, 1, B);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgesvd of Y0^T Y failed (info %d)", (int)info);
    smin = s[k - 1];
    ROM_CHECK(ctx, smin > 1e-10, ROM_ERR_SINGULAR,
              "Y0^T Y is singular (smallest principal-angle cosine %.2e): the two "
              "%lld-dimensional subspaces are orthogonal in some direction and the Grassmann "
              "log is undefined (choose a closer reference point)",
              smin, (long long)k);
    memcpy(Cinv, C, sizeof(double) * (size_t)(k * k));
    info =
        LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)k, Cinv, (lapack_int)k, ipiv);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR, "dgetrf of Y0^T Y failed (info %d)", (int)info);
    info = LAPACKE_dgetri(LAPACK_COL_MAJOR, (lapack_int)k, Cinv, (lapack_int)k, ipiv);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgetri failed (info %d)", (int)info);
  }
  /* M = (Y - Y0 C) C^-1, row by row: no communication. Gamma's storage holds Y - Y0 C. */
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &M));
  {
    double *G = rom_dmat_data(Gamma);
    const rom_int ldg = rom_dmat_ld(Gamma);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < L; ++l)
        G[l + j * ldg] = rom_dmat_data_const(Y)[l + j * rom_dmat_ld(Y)];
    local_times(L, k, -1.0, rom_dmat_data_const(Y0), rom_dmat_ld(Y0), C, 1.0, G, ldg);
    local_times(L, k, 1.0, G, ldg, Cinv, 0.0, rom_dmat_data(M), rom_dmat_ld(M));
  }
  /* Gamma = U atan(S) V^T; U overwrites Gamma, then is scaled and multiplied by V^T. */
  ROM_TRY(ctx, thin_svd(M, Gamma, s, Vt));
  {
    double *G = rom_dmat_data(Gamma);
    const rom_int ldg = rom_dmat_ld(Gamma);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < L; ++l)
        rom_dmat_data(M)[l + j * rom_dmat_ld(M)] = G[l + j * ldg] * atan(s[j]);
    local_times(L, k, 1.0, rom_dmat_data(M), rom_dmat_ld(M), Vt, 0.0, G, ldg);
  }
cleanup:
  rom_dmat_destroy(&M);
  rom_free(ctx, C);
  rom_free(ctx, Cinv);
  rom_free(ctx, s);
  rom_free(ctx, Vt);
  rom_free(ctx, B);
  rom_free(ctx, ipiv);
  return err;
}

int rom_grassmann_exp(const rom_dmat *Y0, const rom_dmat *Gamma, rom_dmat *Y) {
  int err = ROM_OK;
  if (!Y0 || !Y || !Gamma) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_dmat_ctx(Y0);
  const rom_int k = rom_dmat_cols(Y0), L = rom_dmat_local_rows(Y0);
  double *s = NULL, *Vt = NULL, *B = NULL, *f = NULL;
  rom_dmat *U = NULL;
  ROM_TRY(ctx, check_pair(ctx, Y0, "the reference basis", Gamma, "the tangent vector"));
  ROM_TRY(ctx, check_pair(ctx, Y0, "the reference basis", Y, "the output basis"));
  ROM_TRY(ctx, rom_dmat_check_finite(Gamma, "the tangent vector"));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Vt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&B));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&s));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&f));
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &U));
  ROM_TRY(ctx, thin_svd(Gamma, U, s, Vt));
  /* Y = Y0 (V cos(S) V^T) + (U sin(S)) V^T */
  for (rom_int j = 0; j < k; ++j)
    f[j] = cos(s[j]);
  sandwich(k, Vt, f, B);
  local_times(L, k, 1.0, rom_dmat_data_const(Y0), rom_dmat_ld(Y0), B, 0.0, rom_dmat_data(Y),
              rom_dmat_ld(Y));
  {
    double *u = rom_dmat_data(U);
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < L; ++l)
        u[l + j * rom_dmat_ld(U)] *= sin(s[j]);
  }
  local_times(L, k, 1.0, rom_dmat_data(U), rom_dmat_ld(U), Vt, 1.0, rom_dmat_data(Y),
              rom_dmat_ld(Y));
cleanup:
  rom_dmat_destroy(&U);
  rom_free(ctx, s);
  rom_free(ctx, Vt);
  rom_free(ctx, B);
  rom_free(ctx, f);
  return err;
}

/* Orthogonal Procrustes (Golub and Van Loan, Matrix Computations, 4th ed., sec. 6.4.1):
 * Y^T Y0 = U S W^T, Q = U W^T minimises ||Y Q - Y0||_F over orthogonal Q. */
int rom_basis_align(const rom_dmat *Y0, rom_dmat *Y, double *Q_out) {
  int err = ROM_OK;
  if (!Y0 || !Y) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_dmat_ctx(Y0);
  const rom_int k = rom_dmat_cols(Y0), L = rom_dmat_local_rows(Y0);
  double *C = NULL, *U = NULL, *Wt = NULL, *s = NULL, *work = NULL, *Q = NULL, *T = NULL;
  ROM_TRY(ctx, check_pair(ctx, Y0, "the reference basis", Y, "the basis"));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&C));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&U));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Wt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * k), (void **)&Q));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&s));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&work));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L * k + 1), (void **)&T));
  ROM_TRY(ctx, gram(Y, Y0, C));
  {
    /* every rank holds the same C (broadcast): the same SVD everywhere */
    lapack_int info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'A', 'A', (lapack_int)k, (lapack_int)k, C,
                                     (lapack_int)k, s, U, (lapack_int)k, Wt, (lapack_int)k, work);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                  "dgesvd of the %lld x %lld matrix Y^T Y0 failed (info %d)", (long long)k,
                  (long long)k, (int)info);
  }
  if (k > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)k, (int)k, 1.0, U, (int)k,
                Wt, (int)k, 0.0, Q, (int)k);
  for (rom_int j = 0; j < k; ++j)
    for (rom_int l = 0; l < L; ++l)
      T[l + j * L] = rom_dmat_data(Y)[l + j * rom_dmat_ld(Y)];
  local_times(L, k, 1.0, T, L, Q, 0.0, rom_dmat_data(Y), rom_dmat_ld(Y));
  if (Q_out) memcpy(Q_out, Q, sizeof(double) * (size_t)(k * k));
cleanup:
  rom_free(ctx, C);
  rom_free(ctx, U);
  rom_free(ctx, Wt);
  rom_free(ctx, s);
  rom_free(ctx, work);
  rom_free(ctx, Q);
  rom_free(ctx, T);
  return err;
}

int rom_grassmann_interpolate_weighted(int n, const rom_dmat *const *bases, int reference,
                                       const double *w, rom_dmat *out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(bases[reference]);
  const rom_dmat *Y0 = bases[reference];
  const rom_int k = rom_dmat_cols(Y0), L = rom_dmat_local_rows(Y0);
  rom_dmat *G = NULL, *Gi = NULL;
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &G));
  ROM_TRY(ctx, rom_dmat_create(ctx, L, k, &Gi));
  for (int i = 0; i < n; ++i) {
    /* w_i = 0 (Lagrange and IDW at a training point) and the reference (Log = 0) add
     * nothing */
    if (w[i] == 0.0 || i == reference) continue;
    ROM_TRY(ctx, rom_grassmann_log(Y0, bases[i], Gi));
    for (rom_int j = 0; j < k; ++j)
      for (rom_int l = 0; l < L; ++l)
        rom_dmat_data(G)[l + j * rom_dmat_ld(G)] +=
            w[i] * rom_dmat_data(Gi)[l + j * rom_dmat_ld(Gi)];
  }
  ROM_TRY(ctx, rom_grassmann_exp(Y0, G, out));
cleanup:
  rom_dmat_destroy(&G);
  rom_dmat_destroy(&Gi);
  return err;
}

int rom_grassmann_interpolate(int n, const rom_dmat *const *bases, int d, const double *params,
                              const double *target, const rom_interp_options *o, rom_dmat *out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  double *w = NULL;
  int reference = 0;
  if (!bases || n < 1 || !bases[0] || !out) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(bases[0]);
  for (int i = 1; i < n; ++i) {
    ROM_CHECK(ctx, bases[i] != NULL, ROM_ERR_ARG, "basis %d is NULL", i);
    ROM_TRY(ctx, check_pair(ctx, bases[0], "basis 0", bases[i], "another training basis"));
  }
  ROM_TRY(ctx, check_pair(ctx, bases[0], "basis 0", out, "the output basis"));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)n, (void **)&w));
  ROM_TRY_ALL(ctx, rom_interp_prepare(ctx, n, d, params, target, o, w, &reference));
  ROM_TRY(ctx, rom_grassmann_interpolate_weighted(n, bases, reference, w, out));
cleanup:
  rom_free(ctx, w);
  return err;
}
