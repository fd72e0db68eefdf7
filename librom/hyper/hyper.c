/* The hyper-reduction object: options, method dispatch (through the table of methods.h), the
 * gappy-POD operator, the sample mesh, and the helpers every selection method shares
 * (hyper_impl.h).
 *
 * Gappy POD (Everson & Sirovich, J. Opt. Soc. Am. A 12, 1995; Carlberg et al., J. Comput.
 * Phys. 242, 2013, eq. (22)): the residual is approximated from its sampled rows by
 * r ~ Phi_r (P^T Phi_r)^+ P^T r. The pseudo-inverse (P^T Phi_r)^+ (nb x ns) is computed
 * once here by dgelsd (SVD-based least squares against the ns x ns identity), which also
 * reports the numerical rank: a sample set that does not determine all nb residual
 * modes is refused (ROM_ERR_SINGULAR) instead of giving an unstable online problem. */
#include "core/sorted_rows.h"
#include "hyper/hyper_impl.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

rom_hyper_options rom_hyper_options_default(void) {
  rom_hyper_options o;
  o.method = ROM_HYPER_GNAT;
  o.num_samples = 0;
  o.residual_dim = 0;
  o.num_initial_samples = 0;
  o.initial_samples = NULL;
  return o;
}

/* ---- shared helpers ----------------------------------------------------------------------- */

int rom_hyper_argmax(rom_ctx *ctx, rom_int local_rows, rom_int row_offset, const double *score,
                     rom_int *row, double *value) {
  int err = ROM_OK;
  double best = -INFINITY;
  rom_int best_row = -1;
  for (rom_int i = 0; i < local_rows; ++i)
    if (score[i] > best) { /* strict: the first (lowest) row wins a tie; NaN never wins */
      best = score[i];
      best_row = row_offset + i;
    }
  double global_best = best;
  MPI_Comm comm = rom_ctx_comm(ctx);
  ROM_MPI(ctx, MPI_Allreduce(&best, &global_best, 1, MPI_DOUBLE, MPI_MAX, comm));
  int64_t mine = (best_row >= 0 && best == global_best) ? (int64_t)best_row : INT64_MAX;
  int64_t winner = INT64_MAX;
  ROM_MPI(ctx, MPI_Allreduce(&mine, &winner, 1, MPI_INT64_T, MPI_MIN, comm));
  *row = (global_best == -INFINITY || winner == INT64_MAX) ? -1 : (rom_int)winner;
  if (value) *value = global_best;
cleanup:
  return err;
}

void rom_hyper_exclude(rom_int local_rows, rom_int row_offset, rom_int npicked,
                       const rom_int *picked, double *score) {
  for (rom_int j = 0; j < npicked; ++j) {
    rom_int i = picked[j] - row_offset;
    if (i >= 0 && i < local_rows) score[i] = -INFINITY;
  }
}

int rom_hyper_column_max(const rom_dmat *U, rom_int col, double *value) {
  int err = ROM_OK;
  double m = 0.0;
  const rom_int L = rom_dmat_local_rows(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  rom_ctx *ctx = rom_dmat_ctx(U);
  for (rom_int i = 0; i < L; ++i)
    m = fmax(m, fabs(Ud[i + col * ld]));
  ROM_MPI(ctx, MPI_Allreduce(&m, value, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

int rom_hyper_gather_rows(const rom_dmat *U, rom_int nrows, const rom_int *rows, rom_int ncols,
                          double *out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *Ud = rom_dmat_data_const(U);
  const rom_int total = nrows * ncols;
  memset(out, 0, sizeof(double) * (size_t)total);
  for (rom_int s = 0; s < nrows; ++s) {
    rom_int i = rows[s] - off;
    if (i < 0 || i >= L) continue;
    for (rom_int j = 0; j < ncols; ++j)
      out[s + j * nrows] = Ud[i + j * ld];
  }
  /* Exact: every entry has one non-zero contribution. Chunks keep MPI counts in int. */
  for (rom_int start = 0; start < total; start += INT_MAX / 2) {
    rom_int n = total - start < INT_MAX / 2 ? total - start : INT_MAX / 2;
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, out + start, (int)n, MPI_DOUBLE, MPI_SUM,
                               rom_ctx_comm(ctx)));
  }
cleanup:
  return err;
}

int rom_hyper_gather_vector(rom_ctx *ctx, rom_int local_rows, const double *v_local, rom_int nrows,
                            const rom_int *rows, double *out) {
  int err = ROM_OK;
  rom_int off = 0;
  memset(out, 0, sizeof(double) * (size_t)nrows);
  ROM_MPI(ctx, MPI_Exscan(&local_rows, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  if (rom_ctx_rank(ctx) == 0) off = 0;
  if (v_local)
    for (rom_int s = 0; s < nrows; ++s) {
      rom_int i = rows[s] - off;
      if (i >= 0 && i < local_rows) out[s] = v_local[i];
    }
  if (nrows > 0)
    ROM_MPI(ctx,
            MPI_Allreduce(MPI_IN_PLACE, out, (int)nrows, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

int rom_hyper_lstsq(rom_ctx *ctx, rom_int m, rom_int n, const double *A, rom_int lda, rom_int nrhs,
                    const double *B, rom_int ldb, double *X, rom_int ldx, rom_int *rank) {
  int err = ROM_OK;
  double *a = NULL, *b = NULL, *s = NULL, *work = NULL;
  lapack_int *iwork = NULL;
  const rom_int mx = m > n ? m : n, mn = m < n ? m : n;
  lapack_int info = 0, lrank = 0, liwork = 0;
  double wq = 0.0;
  ROM_CHECK(ctx, mx <= 46340 && nrhs <= INT_MAX / (mx > 0 ? mx : 1), ROM_ERR_UNSUPPORTED,
            "least-squares problem of %lld x %lld is beyond LAPACK's 32-bit sizes", (long long)m,
            (long long)n);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(m * n + 1), (void **)&a));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(mx * nrhs + 1), sizeof(double), (void **)&b));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(mn + 1), (void **)&s));
  for (rom_int j = 0; j < n; ++j)
    for (rom_int i = 0; i < m; ++i)
      a[i + j * m] = A[i + j * lda];
  for (rom_int j = 0; j < nrhs; ++j)
    for (rom_int i = 0; i < m; ++i)
      b[i + j * mx] = B[i + j * ldb];
  {
    lapack_int iwq = 0;
    info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)nrhs, a,
                               (lapack_int)(m > 0 ? m : 1), b, (lapack_int)(mx > 0 ? mx : 1), s,
                               -1.0, &lrank, &wq, -1, &iwq);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgelsd workspace query failed (info = %d)",
              (int)info);
    liwork = iwq > 1 ? iwq : 1;
  }
  {
    lapack_int lwork = (lapack_int)wq + 1;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)liwork, (void **)&iwork));
    info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)nrhs, a,
                               (lapack_int)(m > 0 ? m : 1), b, (lapack_int)(mx > 0 ? mx : 1), s,
                               -1.0, &lrank, work, lwork, iwork);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
              "dgelsd failed on a %lld x %lld least-squares problem (info = %d)", (long long)m,
              (long long)n, (int)info);
  }
  for (rom_int j = 0; j < nrhs; ++j)
    for (rom_int i = 0; i < n; ++i)
      X[i + j * ldx] = b[i + j * mx];
  if (rank) *rank = lrank;
cleanup:
  rom_free(ctx, a);
  rom_free(ctx, b);
  rom_free(ctx, s);
  rom_free(ctx, work);
  rom_free(ctx, iwork);
  return err;
}

/* ---- selection dispatch --------------------------------------------------------------------- */

int rom_hyper_select(const rom_dmat *U, rom_hyper_method method, rom_int nb, rom_int ns,
                     rom_int *samples) {
  return rom_hyper_select_from(U, method, nb, ns, 0, NULL, samples);
}

int rom_hyper_select_from(const rom_dmat *U, rom_hyper_method method, rom_int nb, rom_int ns,
                          rom_int ninit, const rom_int *initial, rom_int *samples) {
  int err = ROM_OK;
  if (!U) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_dmat_ctx(U);
  const rom_int N = rom_dmat_global_rows(U);
  const rom_hyper_method_entry *entry = rom_hyper_method_lookup(method);
  char others[256]; /* the methods that oversample, for the error message */
  if (nb == 0) nb = rom_dmat_cols(U);
  ROM_CHECK_ALL(ctx, samples != NULL, ROM_ERR_ARG, "samples must not be NULL");
  ROM_CHECK_ALL(ctx, entry != NULL, ROM_ERR_ARG,
                "unknown hyper-reduction method %d (rom_hyper_method_count() = %d)", (int)method,
                rom_hyper_method_count());
  ROM_CHECK_ALL(ctx, nb >= 1 && nb <= rom_dmat_cols(U), ROM_ERR_ARG,
                "residual basis dimension nb = %lld must be in 1..%lld (the columns of the "
                "residual basis)",
                (long long)nb, (long long)rom_dmat_cols(U));
  ROM_CHECK_ALL(ctx, ns >= nb, ROM_ERR_ARG,
                "%lld samples cannot determine %lld residual basis vectors: ns must be >= nb",
                (long long)ns, (long long)nb);
  ROM_CHECK_ALL(ctx, ns <= N, ROM_ERR_ARG,
                "%lld samples requested but the residual basis has only N = %lld rows",
                (long long)ns, (long long)N);
  rom_hyper_method_list(others, sizeof others, ROM_HYPER_RULE_EXACT_SAMPLES, 0u, " or ");
  ROM_CHECK_ALL(ctx, ns == nb || !(entry->rules & ROM_HYPER_RULE_EXACT_SAMPLES), ROM_ERR_ARG,
                "%s selects exactly nb = %lld samples (ns = %lld requested): use %s to oversample",
                entry->name, (long long)nb, (long long)ns, others);
  ROM_TRY(ctx, rom_dmat_check_finite(U, "the residual basis"));
  {
    /* The initial samples must be replicated: a rank with other rows (or another count)
     * would select other samples and then disagree on every later collective. One
     * reduction of a hash of (ninit, rows): max(h) == ~max(~h) iff every rank has the same
     * h. Unsigned arithmetic (wraps, no overflow). */
    uint64_t h[2] = {(uint64_t)ninit * 0x9e3779b97f4a7c15ull, 0}, hmax[2] = {0, 0};
    for (rom_int a = 0; initial && a < ninit; ++a)
      h[0] = (h[0] ^ (uint64_t)initial[a]) * 0x100000001b3ull;
    h[1] = ~h[0];
    ROM_CHECK_ALL(
        ctx, MPI_Allreduce(h, hmax, 2, MPI_UINT64_T, MPI_MAX, rom_ctx_comm(ctx)) == MPI_SUCCESS,
        ROM_ERR_MPI, "MPI_Allreduce of the initial samples' hash failed");
    ROM_CHECK_ALL(ctx, hmax[0] == ~hmax[1], ROM_ERR_ARG,
                  "the initial samples differ between ranks: they must be the same rows, in "
                  "the same order, on every rank");
  }
  if (ninit != 0) {
    char takers[256]; /* the methods that take initial samples, for the error message */
    rom_int bad = -1, dup = -1;
    rom_hyper_method_list(takers, sizeof takers, ROM_HYPER_RULE_INITIAL_SAMPLES,
                          ROM_HYPER_RULE_INITIAL_SAMPLES, " or ");
    ROM_CHECK_ALL(ctx, entry->rules & ROM_HYPER_RULE_INITIAL_SAMPLES, ROM_ERR_ARG,
                  "%s cannot start from initial samples (%lld given): only %s can", entry->name,
                  (long long)ninit, takers);
    ROM_CHECK_ALL(ctx, ninit > 0 && ninit <= ns && initial != NULL, ROM_ERR_ARG,
                  "%lld initial samples%s: must be 0 .. ns = %lld", (long long)ninit,
                  initial ? "" : " but initial is NULL", (long long)ns);
    for (rom_int a = 0; a < ninit && bad < 0 && dup < 0; ++a) {
      if (initial[a] < 0 || initial[a] >= N) bad = a;
      for (rom_int b = 0; b < a && bad < 0 && dup < 0; ++b)
        if (initial[a] == initial[b]) dup = a;
    }
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                  "initial sample %lld is row %lld: not in 0..%lld (the residual basis's rows)",
                  (long long)bad, (long long)(bad >= 0 ? initial[bad] : 0), (long long)(N - 1));
    ROM_CHECK_ALL(ctx, dup < 0, ROM_ERR_ARG,
                  "initial sample %lld repeats row %lld: the rows must be distinct", (long long)dup,
                  (long long)(dup >= 0 ? initial[dup] : 0));
    memcpy(samples, initial, sizeof(rom_int) * (size_t)ninit);
  }
  ROM_TRY(ctx, entry->select(U, nb, ns, ninit, samples));
cleanup:
  return err;
}

/* ---- the object ----------------------------------------------------------------------------- */

int rom_hyper_alloc(rom_ctx *ctx, rom_hyper **out) {
  int err = ROM_OK;
  rom_hyper *hr = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *hr, (void **)&hr));
  hr->ctx = ctx;
  *out = hr;
cleanup:
  return err;
}

int rom_hyper_destroy(rom_hyper **phr) {
  if (!phr || !*phr) return ROM_OK;
  rom_hyper *hr = *phr;
  rom_ctx *ctx = hr->ctx;
  rom_free(ctx, hr->sample_rows);
  rom_free(ctx, hr->needed_rows);
  rom_free(ctx, hr->initial_rows);
  rom_free(ctx, hr->state_basis_rows);
  rom_free(ctx, hr->reference_rows);
  rom_free(ctx, hr->residual_basis_rows);
  rom_free(ctx, hr->gappy_pinv);
  rom_ae_subnet_destroy(&hr->decoder);
  rom_free(ctx, hr);
  *phr = NULL;
  return ROM_OK;
}

static int cmp_rows(const void *a, const void *b) {
  rom_int x = *(const rom_int *)a, y = *(const rom_int *)b;
  return (x > y) - (x < y);
}

/* Sorts and removes duplicates; returns the new count. */
static rom_int sort_unique(rom_int n, rom_int *v) {
  if (n == 0) return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_rows);
  rom_int m = 1;
  for (rom_int i = 1; i < n; ++i)
    if (v[i] != v[m - 1]) v[m++] = v[i];
  return m;
}

int rom_hyper_create(rom_model *model, const rom_basis *state_basis, const double *reference_local,
                     const rom_dmat *residual_basis, const rom_hyper_options *o, rom_hyper **out) {
  int err = ROM_OK;
  if (!residual_basis) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_dmat_ctx(residual_basis);
  rom_hyper *hr = NULL;
  rom_hyper_options opts = o ? *o : rom_hyper_options_default();
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, (model == NULL) == (state_basis == NULL), ROM_ERR_ARG,
                "give both the model and the state basis (the sample mesh needs the model's "
                "stencils and the basis's rows), or neither");
  {
    const rom_int nb = opts.residual_dim > 0 ? opts.residual_dim : rom_dmat_cols(residual_basis);
    const rom_int ns = opts.num_samples > 0 ? opts.num_samples : nb;
    ROM_CHECK_ALL(ctx, opts.residual_dim >= 0 && opts.num_samples >= 0, ROM_ERR_ARG,
                  "residual_dim = %lld and num_samples = %lld must be >= 0 (0: default)",
                  (long long)opts.residual_dim, (long long)opts.num_samples);
    ROM_TRY_ALL(ctx, rom_hyper_alloc(ctx, &hr));
    hr->method = opts.method;
    hr->N = rom_dmat_global_rows(residual_basis);
    hr->nb = nb;
    hr->ns = ns;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(ns > 0 ? ns : 1),
                                (void **)&hr->sample_rows));
    ROM_TRY(ctx,
            rom_hyper_select_from(residual_basis, opts.method, nb, ns, opts.num_initial_samples,
                                  opts.initial_samples, hr->sample_rows));
    if (opts.num_initial_samples > 0) {
      /* kept (and written to the file) so that the selection can be repeated: S-OPT's
       * result depends on where it started */
      hr->ninit = opts.num_initial_samples;
      ROM_TRY_ALL(ctx,
                  rom_malloc(ctx, sizeof(rom_int) * (size_t)hr->ninit, (void **)&hr->initial_rows));
      memcpy(hr->initial_rows, hr->sample_rows, sizeof(rom_int) * (size_t)hr->ninit);
      qsort(hr->initial_rows, (size_t)hr->ninit, sizeof(rom_int), cmp_rows);
    }
    qsort(hr->sample_rows, (size_t)ns, sizeof(rom_int), cmp_rows);
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(ns * nb),
                                (void **)&hr->residual_basis_rows));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(ns * nb), (void **)&hr->gappy_pinv));
    ROM_TRY(ctx, rom_hyper_gather_rows(residual_basis, ns, hr->sample_rows, nb,
                                       hr->residual_basis_rows));
    /* (P^T Phi_r)^+ = argmin ||(P^T Phi_r) X - I_ns||_F, identical on every rank (replicated
     * input, same LAPACK); rank 0's copy is broadcast anyway to make that a guarantee. */
    {
      double *eye = NULL;
      rom_int rank = 0;
      int lerr = rom_calloc(ctx, (size_t)(ns * ns), sizeof(double), (void **)&eye);
      if (lerr == ROM_OK) {
        for (rom_int i = 0; i < ns; ++i)
          eye[i + i * ns] = 1.0;
        lerr = rom_hyper_lstsq(ctx, ns, nb, hr->residual_basis_rows, ns, ns, eye, ns,
                               hr->gappy_pinv, nb, &rank);
        if (lerr == ROM_OK && rank < nb)
          lerr = rom_error_set(ctx, ROM_ERR_SINGULAR, __FILE__, __LINE__, __func__,
                               "the %lld sampled rows of the residual basis have rank %lld < "
                               "nb = %lld: the gappy-POD operator (P^T Phi_r)^+ is not defined",
                               (long long)ns, (long long)rank, (long long)nb);
      }
      rom_free(ctx, eye);
      ROM_TRY_ALL(ctx, lerr);
      ROM_MPI(ctx, MPI_Bcast(hr->gappy_pinv, (int)(ns * nb), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
    }
  }
  if (model) ROM_TRY(ctx, rom_hyper_attach(hr, model, state_basis, reference_local));
  *out = hr;
  hr = NULL;
cleanup:
  rom_hyper_destroy(&hr);
  return err;
}

/* The sample mesh: the union of the samples' stencils (asked on the owning rank, as
 * model.h promises), samples included, ascending, replicated. *out: rom_free. Collective. */
static int build_sample_mesh(rom_hyper *hr, rom_model *model, rom_int *nneeded_out, rom_int **out) {
  int err = ROM_OK;
  rom_ctx *ctx = hr->ctx;
  rom_int *mine = NULL, *all = NULL, *cols = NULL, *needed = NULL;
  int *counts = NULL, *displs = NULL;
  *out = NULL;
  {
    const rom_int L = rom_model_local_rows(model);
    const int P = rom_ctx_size(ctx);
    rom_int off = 0, N = 0;
    ROM_MPI(ctx, MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
    if (rom_ctx_rank(ctx) == 0) off = 0;
    ROM_MPI(ctx, MPI_Allreduce(&L, &N, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
    ROM_CHECK_ALL(ctx, N == hr->N, ROM_ERR_DIM,
                  "the model has N = %lld rows but the residual basis had N = %lld", (long long)N,
                  (long long)hr->N);
    /* Stencils of the samples this rank owns (the stencil callback is asked on the
     * owner, as model.h promises), the samples themselves included. */
    rom_int nmine = 0, cap = 0, maxs = 16;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)maxs, (void **)&cols));
    int lerr = ROM_OK;
    for (rom_int s = 0; s < hr->ns && lerr == ROM_OK; ++s) {
      rom_int row = hr->sample_rows[s];
      if (row < off || row >= off + L) continue;
      rom_int count = 0;
      lerr = rom_model_stencil(model, row, maxs, cols, &count);
      if (lerr == ROM_OK && count > maxs) {
        rom_free(ctx, cols);
        cols = NULL;
        maxs = count;
        lerr = rom_malloc(ctx, sizeof(rom_int) * (size_t)maxs, (void **)&cols);
        if (lerr == ROM_OK) lerr = rom_model_stencil(model, row, maxs, cols, &count);
        if (lerr == ROM_OK && count > maxs)
          lerr = rom_error_set(ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, __func__,
                               "the host's stencil of row %lld changed size between calls",
                               (long long)row);
      }
      if (lerr != ROM_OK) break;
      if (nmine + count + 1 > cap) {
        rom_int ncap = 2 * (nmine + count + 1);
        rom_int *grown = NULL;
        lerr = rom_malloc(ctx, sizeof(rom_int) * (size_t)ncap, (void **)&grown);
        if (lerr != ROM_OK) break;
        if (nmine > 0) memcpy(grown, mine, sizeof(rom_int) * (size_t)nmine);
        rom_free(ctx, mine);
        mine = grown;
        cap = ncap;
      }
      mine[nmine++] = row;
      for (rom_int c = 0; c < count; ++c) {
        if (cols[c] < 0 || cols[c] >= hr->N) {
          lerr = rom_error_set(ctx, ROM_ERR_CALLBACK, __FILE__, __LINE__, __func__,
                               "the host's stencil of row %lld names row %lld, outside 0..%lld",
                               (long long)row, (long long)cols[c], (long long)(hr->N - 1));
          break;
        }
        mine[nmine++] = cols[c];
      }
    }
    ROM_TRY_ALL(ctx, lerr);
    nmine = sort_unique(nmine, mine);
    /* All-gather the lists (counts in int: the union is bounded by ns times a stencil). */
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&counts));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)P, (void **)&displs));
    {
      int c = (int)nmine;
      ROM_CHECK_ALL(ctx, nmine <= INT_MAX, ROM_ERR_UNSUPPORTED, "sample mesh too large");
      ROM_MPI(ctx, MPI_Allgather(&c, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx)));
    }
    rom_int total = 0;
    for (int p = 0; p < P; ++p) {
      displs[p] = (int)total;
      total += counts[p];
    }
    ROM_CHECK_ALL(ctx, total <= INT_MAX, ROM_ERR_UNSUPPORTED, "sample mesh too large");
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(total + 1), (void **)&all));
    ROM_MPI(ctx, MPI_Allgatherv(mine ? mine : all, (int)nmine, MPI_INT64_T, all, counts, displs,
                                MPI_INT64_T, rom_ctx_comm(ctx)));
    const rom_int nneeded = sort_unique(total, all);
    for (rom_int s = 0; s < hr->ns; ++s)
      ROM_CHECK_ALL(ctx, rom_sorted_find(nneeded, all, hr->sample_rows[s]) >= 0, ROM_ERR_INTERNAL,
                    "sample row %lld missing from the sample mesh", (long long)hr->sample_rows[s]);
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(nneeded + 1), (void **)&needed));
    memcpy(needed, all, sizeof(rom_int) * (size_t)nneeded);
    *nneeded_out = nneeded;
    *out = needed;
    needed = NULL;
  }
cleanup:
  rom_free(ctx, mine);
  rom_free(ctx, all);
  rom_free(ctx, cols);
  rom_free(ctx, needed);
  rom_free(ctx, counts);
  rom_free(ctx, displs);
  return err;
}

/* Replaces the model part of hr (needed rows, state rows, reference rows, decoder). */
static void set_model_part(rom_hyper *hr, rom_int nneeded, rom_int *needed, double *state_rows,
                           double *ref_rows, rom_ae_subnet *decoder, rom_int k) {
  rom_free(hr->ctx, hr->needed_rows);
  rom_free(hr->ctx, hr->state_basis_rows);
  rom_free(hr->ctx, hr->reference_rows);
  rom_ae_subnet_destroy(&hr->decoder);
  hr->needed_rows = needed;
  hr->state_basis_rows = state_rows;
  hr->reference_rows = ref_rows;
  hr->decoder = decoder;
  hr->nneeded = nneeded;
  hr->k = k;
}

int rom_hyper_attach(rom_hyper *hr, rom_model *model, const rom_basis *state_basis,
                     const double *reference_local) {
  int err = ROM_OK;
  if (!hr) return ROM_ERR_ARG;
  rom_ctx *ctx = hr->ctx;
  rom_int *needed = NULL, nneeded = 0;
  double *state_rows = NULL, *ref_rows = NULL;
  ROM_CHECK_ALL(ctx, model != NULL && state_basis != NULL, ROM_ERR_ARG,
                "the model and the state basis must not be NULL");
  {
    const rom_dmat *V = rom_basis_vectors(state_basis);
    const rom_int L = rom_model_local_rows(model), k = rom_basis_dim(state_basis);
    ROM_CHECK_ALL(ctx, L == rom_dmat_local_rows(V), ROM_ERR_DIM,
                  "the model has %lld local rows on rank %d but the state basis has %lld: both "
                  "must use the same row partition",
                  (long long)L, rom_ctx_rank(ctx), (long long)rom_dmat_local_rows(V));
    ROM_CHECK_ALL(ctx, rom_dmat_global_rows(V) == hr->N, ROM_ERR_DIM,
                  "the state basis has N = %lld rows but the residual basis had N = %lld",
                  (long long)rom_dmat_global_rows(V), (long long)hr->N);
    ROM_TRY(ctx, build_sample_mesh(hr, model, &nneeded, &needed));
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(double) * (size_t)(nneeded * k + 1), (void **)&state_rows));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nneeded + 1), (void **)&ref_rows));
    ROM_TRY(ctx, rom_hyper_gather_rows(V, nneeded, needed, k, state_rows));
    if (!reference_local) reference_local = rom_basis_reference(state_basis);
    ROM_TRY(ctx, rom_hyper_gather_vector(ctx, L, reference_local, nneeded, needed, ref_rows));
    set_model_part(hr, nneeded, needed, state_rows, ref_rows, NULL, k);
    needed = NULL;
    state_rows = ref_rows = NULL;
  }
cleanup:
  rom_free(ctx, needed);
  rom_free(ctx, state_rows);
  rom_free(ctx, ref_rows);
  return err;
}

int rom_hyper_attach_decoder(rom_hyper *hr, rom_model *model, int nae, rom_ae *const *aes,
                             const double *reference_local) {
  int err = ROM_OK;
  if (!hr) return ROM_ERR_ARG;
  rom_ctx *ctx = hr->ctx;
  rom_int *needed = NULL, nneeded = 0, outputs = 0;
  double *ref_rows = NULL;
  rom_ae_subnet *dec = NULL;
  ROM_CHECK_ALL(ctx, model != NULL && nae >= 1 && aes != NULL, ROM_ERR_ARG,
                "the model and at least one autoencoder are required");
  for (int b = 0; b < nae; ++b) {
    ROM_CHECK_ALL(ctx, aes[b] != NULL, ROM_ERR_ARG, "autoencoder %d is NULL", b);
    outputs += rom_ae_input_dim(aes[b]);
  }
  ROM_CHECK_ALL(ctx, outputs == hr->N, ROM_ERR_DIM,
                "the decoders give %lld rows but the model and residual basis have N = %lld",
                (long long)outputs, (long long)hr->N);
  ROM_TRY(ctx, build_sample_mesh(hr, model, &nneeded, &needed));
  ROM_TRY_ALL(ctx, rom_ae_subnet_create(nae, aes, nneeded, needed, &dec));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nneeded + 1), (void **)&ref_rows));
  ROM_TRY(ctx, rom_hyper_gather_vector(ctx, rom_model_local_rows(model), reference_local, nneeded,
                                       needed, ref_rows));
  set_model_part(hr, nneeded, needed, NULL, ref_rows, dec, rom_ae_subnet_latent_dim(dec));
  needed = NULL;
  ref_rows = NULL;
  dec = NULL;
cleanup:
  rom_free(ctx, needed);
  rom_free(ctx, ref_rows);
  rom_ae_subnet_destroy(&dec);
  return err;
}

rom_ae_subnet *rom_hyper_decoder(const rom_hyper *hr) {
  return hr ? hr->decoder : NULL;
}

rom_ctx *rom_hyper_ctx(const rom_hyper *hr) {
  return hr ? hr->ctx : NULL;
}
rom_hyper_method rom_hyper_get_method(const rom_hyper *hr) {
  return hr ? hr->method : ROM_HYPER_GNAT;
}
rom_int rom_hyper_num_samples(const rom_hyper *hr) {
  return hr ? hr->ns : 0;
}
rom_int rom_hyper_residual_dim(const rom_hyper *hr) {
  return hr ? hr->nb : 0;
}
rom_int rom_hyper_state_dim(const rom_hyper *hr) {
  return hr ? hr->k : 0;
}
rom_int rom_hyper_num_needed(const rom_hyper *hr) {
  return hr ? hr->nneeded : 0;
}
rom_int rom_hyper_global_rows(const rom_hyper *hr) {
  return hr ? hr->N : 0;
}
const rom_int *rom_hyper_sample_rows(const rom_hyper *hr) {
  return hr ? hr->sample_rows : NULL;
}
const rom_int *rom_hyper_needed_rows(const rom_hyper *hr) {
  return hr ? hr->needed_rows : NULL;
}
rom_int rom_hyper_num_initial_samples(const rom_hyper *hr) {
  return hr ? hr->ninit : 0;
}
const rom_int *rom_hyper_initial_samples(const rom_hyper *hr) {
  return hr ? hr->initial_rows : NULL;
}
const double *rom_hyper_state_basis_rows(const rom_hyper *hr) {
  return hr ? hr->state_basis_rows : NULL;
}
const double *rom_hyper_reference_rows(const rom_hyper *hr) {
  return hr ? hr->reference_rows : NULL;
}
const double *rom_hyper_residual_basis_rows(const rom_hyper *hr) {
  return hr ? hr->residual_basis_rows : NULL;
}
const double *rom_hyper_gappy_pinv(const rom_hyper *hr) {
  return hr ? hr->gappy_pinv : NULL;
}
