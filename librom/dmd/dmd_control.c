/* romkit — DMD with control (Proctor, Brunton, Kutz, "Dynamic mode decomposition with
 * control", SIAM J. Appl. Dyn. Syst. 15, 2016, Sec. 3.3, B unknown).
 *
 * x_{k+1} = A x_k + B u_k. The input space Omega = [X1; Ups] ((N + q) x (m - 1)) is
 * decomposed to rank p, Omega ~ Ut S Vt^T with Ut = [U1; U2] (U1: N x p, U2: q x p); the
 * output space X2 to rank r, X2 ~ Uh Sh Vh^T. Then (eq. 3.11-3.12)
 *     Atilde = Uh^T X2 Vt S^-1 U1^T Uh   (r x r),   Btilde = Uh^T X2 Vt S^-1 U2^T   (r x q),
 * and the modes are Phi = X2 Vt S^-1 U1^T Uh W (Atilde W = W Lambda). A ~ Uh Atilde Uh^T and
 * B ~ Uh Btilde.
 *
 * Distributed: Omega is X1's row partition with the q input rows appended to rank 0's
 * block (a permutation of rows does not change the SVD), so the input rows never leave
 * rank 0 until U2 (q x p, small) is broadcast. */
#include "core/check.h"
#include "dmd/dmd_methods.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define DMDC_RANK_CUTOFF 1e-12

/* POD of A truncated by `po`, clipped to the numerical rank; the singular values stay in
 * the basis. */
static int clipped_pod(const rom_dmat *A, const rom_pod_options *po, rom_basis **out,
                       rom_int *r_out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  const double *s;
  rom_int ns = 0, r, k;
  ROM_TRY(ctx, rom_pod_compute(A, po, out));
  s = rom_basis_singular_values(*out, &ns);
  r = rom_basis_dim(*out);
  ROM_CHECK(ctx, ns >= 1 && s[0] > 0.0, ROM_ERR_ARG,
            "the DMDc data are all zero: there is nothing to fit");
  for (k = 0; k < r; k++)
    if (!(s[k] > DMDC_RANK_CUTOFF * s[0])) break;
  *r_out = k;
cleanup:
  return err;
}

int rom_dmd_fit_control(const rom_dmd_data *d, rom_dmd *dmd) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(d->X);
  const rom_dmd_options *o = d->opts;
  rom_dmat *X1 = NULL, *X2 = NULL, *Omega = NULL, *Ut = NULL, *U1 = NULL, *Uh = NULL;
  rom_basis *bo = NULL, *bh = NULL;
  rom_pod_options po = rom_pod_options_default();
  double *Vt = NULL, *P = NULL, *G = NULL, *U1Uh = NULL, *U2 = NULL, *At = NULL, *Bt = NULL,
         *T = NULL;
  const double *so;
  double complex *W = NULL, *M = NULL;
  rom_int m1 = d->m - 1, q = d->q, n = rom_dmat_local_rows(d->X), r = 0, p = 0, ns = 0, i, j, k;
  int root = rom_ctx_rank(ctx) == 0;
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 0, m1, &X1));
  ROM_TRY(ctx, rom_dmd_column_view(d->X, 1, m1, &X2));

  /* output space: X2's POD, rank r by the options */
  po.truncation = o->truncation;
  po.energy = o->energy;
  po.rank = o->rank;
  po.method = o->svd_method;
  ROM_TRY(ctx, clipped_pod(X2, &po, &bh, &r));
  ROM_TRY(ctx, rom_dmd_copy_cols(rom_basis_vectors(bh), r, &Uh));

  /* input space: Omega = [X1; Ups], rank p (the option, else r + q) */
  ROM_TRY(ctx, rom_dmat_create(ctx, n + (root ? q : 0), m1, &Omega));
  for (j = 0; j < m1; j++) {
    double *col = rom_dmat_data(Omega) + j * rom_dmat_ld(Omega);
    if (n > 0)
      memcpy(col, rom_dmat_data_const(X1) + j * rom_dmat_ld(X1), sizeof(double) * (size_t)n);
    if (root)
      for (i = 0; i < q; i++)
        col[n + i] = d->control[i + j * q];
  }
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = o->control_rank > 0 ? o->control_rank : r + q;
  ROM_TRY(ctx, clipped_pod(Omega, &po, &bo, &p));
  so = rom_basis_singular_values(bo, &ns);
  Ut = (rom_dmat *)rom_basis_vectors(bo); /* borrowed; freed with bo */

  ROM_TRY(ctx, rom_dmd_set_rank(dmd, r, n));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m1 * p), (void **)&Vt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m1), (void **)&P));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * p), (void **)&G));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(p * r), (void **)&U1Uh));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(q * p), sizeof(double), (void **)&U2));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&At));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * q), (void **)&Bt));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m1 * r), (void **)&T));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&W));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(m1 * r), (void **)&M));

  /* Vt S^-1 = Omega^T Ut S^-2, using only the first p columns of Ut */
  {
    rom_dmat *Utp = NULL;
    ROM_TRY(ctx, rom_dmd_column_view(Ut, 0, p, &Utp));
    err = rom_dmat_transpose_times(Omega, Utp, Vt, m1);
    rom_dmat_destroy(&Utp);
    ROM_TRY(ctx, err);
  }
  for (k = 0; k < p; k++)
    for (j = 0; j < m1; j++)
      Vt[j + k * m1] /= so[k] * so[k];
  /* G = Uh^T X2 Vt S^-1 */
  ROM_TRY(ctx, rom_dmat_transpose_times(Uh, X2, P, r));
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)p, (int)m1, 1.0, P, (int)r,
              Vt, (int)m1, 0.0, G, (int)r);
  /* U1 = the state rows of Ut (its first p columns); U2 = its input rows, on rank 0 */
  ROM_TRY(ctx, rom_dmat_wrap(ctx, n, p, n > 0 ? rom_dmat_data(Ut) : NULL, rom_dmat_ld(Ut), &U1));
  ROM_TRY(ctx, rom_dmat_transpose_times(U1, Uh, U1Uh, p));
  if (root)
    for (k = 0; k < p; k++)
      for (i = 0; i < q; i++)
        U2[i + k * q] = rom_dmat_data(Ut)[n + i + k * rom_dmat_ld(Ut)];
  ROM_MPI(ctx, MPI_Bcast(U2, (int)(q * p), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  /* Atilde = G U1^T Uh, Btilde = G U2^T */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)r, (int)p, 1.0, G, (int)r,
              U1Uh, (int)p, 0.0, At, (int)r);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)r, (int)q, (int)p, 1.0, G, (int)r, U2,
              (int)q, 0.0, Bt, (int)r);
  ROM_TRY(ctx, rom_dmd_spectrum(dmd, At, 0, W));
  /* modes X2 (Vt S^-1 U1^T Uh W) */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m1, (int)r, (int)p, 1.0, Vt, (int)m1,
              U1Uh, (int)p, 0.0, T, (int)m1);
  for (k = 0; k < r; k++)
    for (j = 0; j < m1; j++) {
      double complex s = 0.0;
      for (i = 0; i < r; i++)
        s += T[j + i * m1] * W[i + k * r];
      M[j + k * m1] = s;
    }
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, X2, m1, M));
  ROM_TRY(ctx, rom_dmd_fit_amplitudes(dmd, d->X, d->m, d->times, 0));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  ROM_TRY(ctx, rom_dmat_transpose_times(Uh, X1, P, r));
  memcpy(dmd->y0, P, sizeof(double) * (size_t)r);
  {
    const double *sx = NULL;
    rom_int nsx = 0;
    sx = rom_basis_singular_values(bh, &nsx);
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nsx, (void **)&dmd->sv));
    memcpy(dmd->sv, sx, sizeof(double) * (size_t)nsx);
    dmd->nsv = nsx;
  }
  dmd->Atilde = At;
  At = NULL;
  dmd->Btilde = Bt;
  Bt = NULL;
  dmd->basis = Uh;
  Uh = NULL;
cleanup:
  rom_dmat_destroy(&X1);
  rom_dmat_destroy(&X2);
  rom_dmat_destroy(&Omega);
  rom_dmat_destroy(&U1);
  rom_dmat_destroy(&Uh);
  rom_basis_destroy(&bo);
  rom_basis_destroy(&bh);
  rom_free(ctx, Vt);
  rom_free(ctx, P);
  rom_free(ctx, G);
  rom_free(ctx, U1Uh);
  rom_free(ctx, U2);
  rom_free(ctx, At);
  rom_free(ctx, Bt);
  rom_free(ctx, T);
  rom_free(ctx, W);
  rom_free(ctx, M);
  return err;
}
