/* QDEIM with oversampling by eigenvalue-gap points ("qdeim-e", GappyPOD+E): Peherstorfer,
 * Drmac, Gugercin, "Stability of discrete empirical interpolation and gappy proper
 * orthogonal decomposition with randomized and deterministic sampling points", SIAM J.
 * Sci. Comput. 42 (2020), Algorithm 2; libROM offers it as QDEIM with more samples than
 * basis vectors.
 *
 * The first nb samples are the QDEIM points (qdeim.c). Each further sample maximises a
 * lower bound on the growth of the smallest eigenvalue of Z^T Z, Z = P^T U (s x nb), the
 * quantity that the gappy-POD error bound ||(P^T U)^+||_2 = 1 / sigma_min(Z) depends on.
 * With Z = S W^T (thin SVD; W = [w_1 .. w_nb], singular values s_1 >= .. >= s_nb), the
 * eigen-gap g = s_{nb-1}^2 - s_nb^2, and a candidate row x (nb values), their Lemma 3.3
 * (after Ipsen & Nadler 2009) gives
 *     lambda_min(Z^T Z + x x^T) - s_nb^2 >= r(x) / 2,
 *     r(x) = g + ||x||^2 - sqrt((g + ||x||^2)^2 - 4 g (w_nb^T x)^2),
 * and the next sample is the row of largest r among those not picked. r is evaluated in
 * the cancellation-free form r = 4 g b / (g + a + sqrt((g + a)^2 - 4 g b)), a = ||x||^2,
 * b = (w_nb^T x)^2 (the same number; the subtraction loses all digits when 4 g b is small
 * against (g + a)^2). For nb = 1 there is no gap; the limit g -> infinity, r = 2 b = 2 x^2
 * (exact: the one eigenvalue grows by x^2), is used. With a repeated smallest singular
 * value (g = 0) every bound is 0 and the lowest unpicked row is taken, as in the authors'
 * code. ns >= nb; at ns == nb it is QDEIM.
 *
 * Distributed: the small SVD of the replicated Z runs on every rank (same input, same
 * LAPACK, same result), each rank scores its own rows with fixed-order loops and the
 * global argmax takes the lowest row among ties, so the samples do not depend on the
 * partition (hyper_impl.h). Cost per extra sample O(N nb / P) flops plus an O(s nb^2)
 * SVD on each rank and two small reductions. */
#include "hyper/hyper_impl.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

int rom_hyper_select_qdeim_e(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                             rom_int *samples) {
  (void)ninit; /* no ROM_HYPER_RULE_INITIAL_SAMPLES (methods.h): always 0 */
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  double *Z = NULL, *A = NULL, *sv = NULL, *Wt = NULL, *work = NULL, *score = NULL;
  double *w = NULL;
  lapack_int lwork = -1;
  ROM_TRY(ctx, rom_hyper_select_qdeim(U, nb, nb, 0, samples));
  if (ns == nb) return ROM_OK;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(ns * nb), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(ns * nb), (void **)&A));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nb, (void **)&sv));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nb * nb), (void **)&Wt));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nb, (void **)&w));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  {
    /* workspace for the largest Z (ns x nb): enough for every smaller one */
    double q = 0.0, dummy = 0.0;
    lapack_int info =
        LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'A', (lapack_int)ns, (lapack_int)nb, &dummy,
                            (lapack_int)ns, &dummy, &dummy, 1, &dummy, (lapack_int)nb, &q, -1);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK, "dgesvd workspace query failed (info %d)",
                  (int)info);
    lwork = (lapack_int)q;
    if (lwork < 1) lwork = 1;
  }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
  /* Z = U[samples, 0:nb], rows in pick order, ld ns */
  {
    double *tmp = A; /* nb x nb scratch, then copied into the ld-ns layout of Z */
    ROM_TRY(ctx, rom_hyper_gather_rows(U, nb, samples, nb, tmp));
    for (rom_int j = 0; j < nb; ++j)
      for (rom_int a = 0; a < nb; ++a)
        Z[a + j * ns] = tmp[a + j * nb];
  }
  for (rom_int s = nb; s < ns; ++s) {
    double g = INFINITY; /* nb == 1: no gap (see above) */
    if (nb > 1) {
      for (rom_int j = 0; j < nb; ++j)
        memcpy(A + j * s, Z + j * ns, sizeof(double) * (size_t)s);
      double dummy = 0.0;
      lapack_int info =
          LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'A', (lapack_int)s, (lapack_int)nb, A,
                              (lapack_int)s, sv, &dummy, 1, Wt, (lapack_int)nb, work, lwork);
      ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                    "qdeim-e sample %lld: SVD of the %lld x %lld sampled residual basis did "
                    "not converge (dgesvd info %d)",
                    (long long)s, (long long)s, (long long)nb, (int)info);
      g = sv[nb - 2] * sv[nb - 2] - sv[nb - 1] * sv[nb - 1];
      if (g < 0.0) g = 0.0;
      for (rom_int j = 0; j < nb; ++j) /* w_nb = last row of W^T */
        w[j] = Wt[(nb - 1) + j * nb];
    }
    for (rom_int i = 0; i < L; ++i) {
      double a = 0.0, b = 0.0;
      for (rom_int j = 0; j < nb; ++j) {
        const double x = Ud[i + j * ld];
        a += x * x;
      }
      if (nb > 1) {
        double d = 0.0;
        for (rom_int j = 0; j < nb; ++j)
          d += w[j] * Ud[i + j * ld];
        b = d * d;
      } else {
        b = a;
      }
      if (isinf(g)) {
        score[i] = 2.0 * b;
      } else {
        const double t = g + a, disc = t * t - 4.0 * g * b;
        const double den = t + sqrt(disc > 0.0 ? disc : 0.0);
        score[i] = den > 0.0 ? 4.0 * g * b / den : 0.0;
      }
    }
    rom_hyper_exclude(L, off, s, samples, score);
    rom_int row = -1;
    double value = 0.0;
    ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
    ROM_CHECK(ctx, row >= 0, ROM_ERR_ARG,
              "qdeim-e sample %lld: no row left to pick (ns = %lld > N?)", (long long)s,
              (long long)ns);
    samples[s] = row;
    ROM_TRY(ctx, rom_hyper_gather_rows(U, 1, &samples[s], nb, w));
    for (rom_int j = 0; j < nb; ++j)
      Z[s + j * ns] = w[j];
  }
cleanup:
  rom_free(ctx, Z);
  rom_free(ctx, A);
  rom_free(ctx, sv);
  rom_free(ctx, Wt);
  rom_free(ctx, w);
  rom_free(ctx, work);
  rom_free(ctx, score);
  return err;
}
