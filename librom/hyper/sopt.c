/* S-OPT sample selection: Lauzon, Cheung, Chung, Choi, Kim, Farhat, "S-OPT: a points
 * selection algorithm for hyper-reduction in reduced order models" (arXiv:2203.16494,
 * 2022), after Shin & Xiu, "Nonadaptive quasi-optimal points selection for least squares
 * linear regression", SIAM J. Sci. Comput. 38 (2016). The S-optimality of the sampled
 * basis Z = P^T U (s x m) is
 *     S(Z) = ( sqrt(det(Z^T Z)) / prod_j ||Z_j|| )^(1/m)
 * which is 1 for orthogonal columns and 0 for dependent ones; it rewards samples on which
 * the basis stays well conditioned. Greedy maximisation, one row at a time:
 *  - the first sample is argmax |u_1(i)| (S is 1 for any single non-zero row);
 *  - with s samples, candidates are scored on the first m = min(s + 1, nb) columns by
 *    log S^2m of Z extended with the candidate row x, up to terms equal for all rows:
 *      s < m  (square after adding):  log ||x - Q Q^T x||^2 - sum_j log(c_j + x_j^2)
 *             (det of the square [Z; x] = distance of x to the row space of Z, Q an
 *             orthonormal basis of that row space)
 *      s >= m (rank-one update):      log(1 + x^T (Z^T Z)^{-1} x) - sum_j log(c_j + x_j^2)
 *             (matrix determinant lemma, with (Z^T Z)^{-1} = B^T B, B = L^{-1} from the
 *             Cholesky factor)
 *    where c_j = ||Z_j||^2.
 * The small matrices Q, B are computed on every rank from the replicated sampled rows;
 * each rank scores its own rows (fixed-order loops), and the global argmax breaks ties by
 * the lowest row, so the samples do not depend on the partition. Cost per step O(N m^2/P).
 *
 * Initial samples (rom_hyper_select_from; libROM's S_OPT takes them too): samples[0 ..
 * ninit) are given; their rows fill Z and the greedy continues at s = ninit exactly as if
 * it had picked them. Rows that are linearly dependent in the first min(ninit + 1, nb)
 * columns leave no candidate a non-zero score: ROM_ERR_SINGULAR naming the initial
 * samples. */
#include "hyper/hyper_impl.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Orthonormal basis Q (m x s, ld m) of the columns of Z^T, Z = first s rows, m columns of
 * the sampled rows (ld ldz), by classical Gram-Schmidt applied twice (Giraud, Langou,
 * Rozloznik 2005: twice is enough). Returns 0 if a row is dependent on the others: its
 * remainder below ROM_HYPER_RANK_TOL of its norm (rounding leaves ~1e-16 there, not 0;
 * given initial samples can be dependent, greedy picks are not). */
static int row_space_basis(const double *Z, rom_int ldz, rom_int s, rom_int m, double *Q) {
  for (rom_int a = 0; a < s; ++a) {
    double *q = Q + a * m;
    double nrm0 = 0.0;
    for (rom_int j = 0; j < m; ++j) {
      q[j] = Z[a + j * ldz];
      nrm0 += q[j] * q[j];
    }
    nrm0 = sqrt(nrm0);
    for (int pass = 0; pass < 2; ++pass)
      for (rom_int b = 0; b < a; ++b) {
        const double *qb = Q + b * m;
        double d = 0.0;
        for (rom_int j = 0; j < m; ++j)
          d += qb[j] * q[j];
        for (rom_int j = 0; j < m; ++j)
          q[j] -= d * qb[j];
      }
    double nrm = 0.0;
    for (rom_int j = 0; j < m; ++j)
      nrm += q[j] * q[j];
    nrm = sqrt(nrm);
    if (!(nrm > ROM_HYPER_RANK_TOL * nrm0)) return 0;
    for (rom_int j = 0; j < m; ++j)
      q[j] /= nrm;
  }
  return 1;
}

int rom_hyper_select_sopt(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                          rom_int *samples) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  double *Z = NULL, *Q = NULL, *B = NULL, *c = NULL, *row_values = NULL, *score = NULL;
  double *y = NULL;
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(ns * nb), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(nb * nb), sizeof(double), (void **)&Q));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(nb * nb), sizeof(double), (void **)&B));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&c));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&row_values));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)nb, sizeof(double), (void **)&y));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(L + 1), (void **)&score));
  for (rom_int s = 0; s < ninit; ++s) { /* the given rows, as if picked (one small gather) */
    ROM_TRY(ctx, rom_hyper_gather_rows(U, 1, &samples[s], nb, row_values));
    for (rom_int j = 0; j < nb; ++j)
      Z[s + j * ns] = row_values[j];
  }
  for (rom_int s = ninit; s < ns; ++s) {
    const rom_int m = s + 1 < nb ? s + 1 : nb;
    int square = s < m; /* adding the candidate makes [Z; x] square (s + 1 == m) */
    int lerr = ROM_OK;
    if (s == 0) {
      for (rom_int i = 0; i < L; ++i)
        score[i] = fabs(Ud[i]);
    } else {
      for (rom_int j = 0; j < m; ++j) {
        double t = 0.0;
        for (rom_int a = 0; a < s; ++a)
          t += Z[a + j * ns] * Z[a + j * ns];
        c[j] = t;
      }
      if (square) {
        if (!row_space_basis(Z, ns, s, m, Q))
          lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                               "S-OPT step %lld: the sampled rows are linearly dependent%s",
                               (long long)s,
                               s == ninit ? " (the initial samples' rows of the residual "
                                            "basis, in its leading columns)"
                                          : "");
      } else {
        /* B = L^{-1}, Z^T Z = L L^T (m x m). */
        memset(B, 0, sizeof(double) * (size_t)(m * m));
        for (rom_int j = 0; j < m; ++j)
          for (rom_int i = j; i < m; ++i) {
            double t = 0.0;
            for (rom_int a = 0; a < s; ++a)
              t += Z[a + i * ns] * Z[a + j * ns];
            B[i + j * m] = t;
          }
        lapack_int info =
            LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)m, B, (lapack_int)m);
        if (info == 0)
          info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'L', 'N', (lapack_int)m, B, (lapack_int)m);
        if (info != 0)
          lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                               "S-OPT step %lld: the sampled basis Z^T Z is singular (LAPACK "
                               "info %d)%s",
                               (long long)s, (int)info,
                               s == ninit ? ": the initial samples' rows of the residual basis "
                                            "are linearly dependent"
                                          : "");
      }
      if (lerr == ROM_OK)
        for (rom_int i = 0; i < L; ++i) {
          double num = 0.0, den = 0.0;
          int dead = 0;
          for (rom_int j = 0; j < m; ++j) {
            double x = Ud[i + j * ld], t = c[j] + x * x;
            if (!(t > 0.0))
              dead = 1;
            else
              den += log(t);
          }
          if (square) {
            /* y = x - Q Q^T x */
            for (rom_int j = 0; j < m; ++j)
              y[j] = Ud[i + j * ld];
            for (rom_int a = 0; a < s; ++a) {
              const double *q = Q + a * m;
              double d = 0.0;
              for (rom_int j = 0; j < m; ++j)
                d += q[j] * Ud[i + j * ld];
              for (rom_int j = 0; j < m; ++j)
                y[j] -= d * q[j];
            }
            for (rom_int j = 0; j < m; ++j)
              num += y[j] * y[j];
          } else {
            num = 1.0;
            for (rom_int r = 0; r < m; ++r) {
              double t = 0.0;
              for (rom_int j = 0; j <= r; ++j)
                t += B[r + j * m] * Ud[i + j * ld];
              num += t * t;
            }
          }
          score[i] = (dead || !(num > 0.0)) ? -INFINITY : log(num) - den;
        }
    }
    ROM_TRY_ALL(ctx, lerr);
    rom_hyper_exclude(L, off, s, samples, score);
    rom_int row = -1;
    double value = 0.0;
    ROM_TRY(ctx, rom_hyper_argmax(ctx, L, off, score, &row, &value));
    ROM_CHECK(ctx, row >= 0 && (s > 0 || value > 0.0), ROM_ERR_SINGULAR,
              "S-OPT step %lld: no row keeps the sampled residual basis non-singular: the "
              "residual basis has fewer than nb = %lld independent columns",
              (long long)s, (long long)nb);
    samples[s] = row;
    ROM_TRY(ctx, rom_hyper_gather_rows(U, 1, &samples[s], nb, row_values));
    for (rom_int j = 0; j < nb; ++j)
      Z[s + j * ns] = row_values[j];
  }
cleanup:
  rom_free(ctx, Z);
  rom_free(ctx, Q);
  rom_free(ctx, B);
  rom_free(ctx, c);
  rom_free(ctx, row_values);
  rom_free(ctx, y);
  rom_free(ctx, score);
  return err;
}
