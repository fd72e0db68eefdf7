/* The reference FOM integrator: implicit time steps with Newton's method and a sparse
 * direct solver (include/romkit/fom.h).
 *
 * This is the full-order model of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022),
 * sec. 5 (backward Euler, Newton with at most 10 iterations, ||r||_2 < 1e-8, a sparse
 * direct solver for the Newton corrections). Its trajectories train the ROMs and are the
 * reference their errors are measured against, so it must be deterministic: the
 * velocity and Jacobian are evaluated pointwise on each rank, and everything that sums
 * over rows (the residual norm, the factorisation) happens on rank 0 in global row
 * order, so every partition of the rows gives the same trajectory bit for bit.
 *
 * One Newton correction:
 *   1. every rank evaluates F(u) and r(u) on its rows; r is gathered on rank 0, whose
 *      ||r||_2 decides (broadcast) whether to stop, go on or fail;
 *   2. the host's CSR Jacobian is gathered on rank 0 (row lengths, then columns and
 *      values with MPI_Gatherv), and rank 0 assembles A = I - c dt J with sorted, merged
 *      columns (the host may give rows unsorted, without a diagonal, or with duplicates);
 *   3. rank 0 factorises A and solves A du = -r; du is scattered back.
 * The sparsity pattern rarely changes, so the symbolic analysis (UMFPACK/KLU orderings,
 * reverse Cuthill-McKee for the band solver) is kept while the pattern stays the same.
 *
 * Solvers (measured on P2's 6728-unknown Jacobian in docs/problems.md): UMFPACK and KLU
 * (SuiteSparse, Debian libsuitesparse-dev) and LAPACK's banded LU (dgbtrf/dgbtrs) after
 * a reverse Cuthill-McKee ordering, which brings P1's periodic ring to bandwidth 2 and
 * P2's two coupled 58 x 58 grids to about 2 x 58. The CSR rows of A are the CSC columns
 * of A^T, so UMFPACK and KLU factorise A^T and solve with the transposed system. */
#include "core/check.h"
#include "model/model_impl.h"
#include "romkit/fom.h"

#include <klu.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <umfpack.h>

rom_fom_options rom_fom_options_default(void) {
  rom_fom_options o;
  o.scheme = ROM_FOM_BACKWARD_EULER;
  o.max_iterations = 10;
  o.tolerance = 1e-8;
  o.solver = ROM_FOM_SOLVER_DEFAULT;
  o.observer = NULL;
  o.observer_user = NULL;
  return o;
}

/* ---- the Newton solver on rank 0 ----------------------------------------------------------- */

typedef struct {
  rom_ctx *ctx;
  rom_fom_solver kind;
  int root, size;
  rom_int N, L;
  int *counts, *displs;         /* rows per rank */
  int *nnz_counts, *nnz_displs; /* Jacobian entries per rank (root) */
  /* root only */
  double *r_full, *du_full;
  rom_int *row_len; /* gathered row lengths */
  rom_int *jcol;    /* gathered column indices */
  double *jval;
  rom_int jcap;
  rom_int *aptr, *acol; /* A = I - c dt J, rows sorted and merged */
  double *aval;
  rom_int acap;
  int have_pattern; /* the symbolic analysis below fits aptr/acol */
  rom_int *pat_ptr, *pat_col;
  rom_int pat_cap;
  /* SuiteSparse copies (SuiteSparse_long may differ from rom_int in type) */
  SuiteSparse_long *sp, *si;
  void *umf_symbolic, *umf_numeric;
  klu_l_common klu_common;
  klu_l_symbolic *klu_symbolic;
  klu_l_numeric *klu_numeric;
  /* banded */
  rom_int *perm, *iperm; /* perm[new] = old, iperm[old] = new */
  rom_int kl, ku;
  double *ab, *bperm;
  lapack_int *ipiv;
  rom_int ab_cap;
} newton_solver;

static void solver_free_numeric(newton_solver *s) {
  if (s->umf_numeric) umfpack_dl_free_numeric(&s->umf_numeric);
  if (s->klu_numeric) klu_l_free_numeric(&s->klu_numeric, &s->klu_common);
}

static void solver_free_symbolic(newton_solver *s) {
  solver_free_numeric(s);
  if (s->umf_symbolic) umfpack_dl_free_symbolic(&s->umf_symbolic);
  if (s->klu_symbolic) klu_l_free_symbolic(&s->klu_symbolic, &s->klu_common);
  s->have_pattern = 0;
}

static void solver_destroy(newton_solver *s) {
  rom_ctx *ctx = s->ctx;
  solver_free_symbolic(s);
  rom_free(ctx, s->counts);
  rom_free(ctx, s->displs);
  rom_free(ctx, s->nnz_counts);
  rom_free(ctx, s->nnz_displs);
  rom_free(ctx, s->r_full);
  rom_free(ctx, s->du_full);
  rom_free(ctx, s->row_len);
  rom_free(ctx, s->jcol);
  rom_free(ctx, s->jval);
  rom_free(ctx, s->aptr);
  rom_free(ctx, s->acol);
  rom_free(ctx, s->aval);
  rom_free(ctx, s->pat_ptr);
  rom_free(ctx, s->pat_col);
  rom_free(ctx, s->sp);
  rom_free(ctx, s->si);
  rom_free(ctx, s->perm);
  rom_free(ctx, s->iperm);
  rom_free(ctx, s->ab);
  rom_free(ctx, s->bperm);
  rom_free(ctx, s->ipiv);
}

/* Collective: the row layout, and on rank 0 the vectors of length N. */
static int solver_setup(newton_solver *s, rom_ctx *ctx, rom_fom_solver kind, rom_int L) {
  int err = ROM_OK;
  const MPI_Comm comm = rom_ctx_comm(ctx);
  memset(s, 0, sizeof *s);
  s->ctx = ctx;
  s->kind = kind == ROM_FOM_SOLVER_DEFAULT ? ROM_FOM_SOLVER_KLU : kind;
  s->root = rom_ctx_rank(ctx) == 0;
  s->size = rom_ctx_size(ctx);
  s->L = L;
  ROM_MPI(ctx, MPI_Allreduce(&L, &s->N, 1, MPI_INT64_T, MPI_SUM, comm));
  ROM_CHECK_ALL(ctx, s->N <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "the reference FOM gathers the system on rank 0 with int counts: %lld unknowns "
                "is beyond that",
                (long long)s->N);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)s->size, (void **)&s->counts));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)s->size, (void **)&s->displs));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)s->size, (void **)&s->nnz_counts));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * (size_t)s->size, (void **)&s->nnz_displs));
  {
    int mine = (int)L;
    ROM_MPI(ctx, MPI_Allgather(&mine, 1, MPI_INT, s->counts, 1, MPI_INT, comm));
    s->displs[0] = 0;
    for (int r = 1; r < s->size; ++r)
      s->displs[r] = s->displs[r - 1] + s->counts[r - 1];
  }
  if (s->root) {
    size_t n = (size_t)s->N;
    err = rom_malloc(ctx, sizeof(double) * n, (void **)&s->r_full);
    if (!err) err = rom_malloc(ctx, sizeof(double) * n, (void **)&s->du_full);
    if (!err) err = rom_malloc(ctx, sizeof(rom_int) * n, (void **)&s->row_len);
    if (!err) err = rom_malloc(ctx, sizeof(rom_int) * (n + 1), (void **)&s->aptr);
    if (!err && s->kind == ROM_FOM_SOLVER_KLU) {
      klu_l_defaults(&s->klu_common);
    }
  }
  ROM_TRY_ALL(ctx, err);
cleanup:
  return err;
}

/* Rank 0: grow a buffer to hold `count` elements of `size` bytes. */
static int ensure(rom_ctx *ctx, void **buf, rom_int *cap, rom_int count, size_t size) {
  int err = ROM_OK;
  if (count <= *cap) return ROM_OK;
  void *p = NULL;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, count, size, &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, &p));
  rom_free(ctx, *buf);
  *buf = p;
  *cap = count;
cleanup:
  return err;
}

/* Rank 0: A = I - c J from the gathered rows (sorted by column, duplicates summed). */
static int assemble_newton_matrix(newton_solver *s, double c) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int nnz_j = 0;
  for (rom_int i = 0; i < s->N; ++i)
    nnz_j += s->row_len[i];
  {
    rom_int cap_col = s->acap, cap_val = s->acap;
    ROM_TRY(ctx, ensure(ctx, (void **)&s->acol, &cap_col, nnz_j + s->N, sizeof(rom_int)));
    ROM_TRY(ctx, ensure(ctx, (void **)&s->aval, &cap_val, nnz_j + s->N, sizeof(double)));
    s->acap = cap_col < cap_val ? cap_col : cap_val;
  }
  {
    rom_int in = 0, out = 0;
    s->aptr[0] = 0;
    for (rom_int i = 0; i < s->N; ++i) {
      rom_int start = out;
      s->acol[out] = i;
      s->aval[out++] = 1.0;
      for (rom_int k = 0; k < s->row_len[i]; ++k, ++in) {
        rom_int col = s->jcol[in];
        double v = -c * s->jval[in];
        /* insertion into the sorted row (rows are short: a few stencil entries) */
        rom_int p = out;
        while (p > start && s->acol[p - 1] > col)
          --p;
        if (p > start && s->acol[p - 1] == col) {
          s->aval[p - 1] += v;
          continue;
        }
        memmove(s->acol + p + 1, s->acol + p, sizeof(rom_int) * (size_t)(out - p));
        memmove(s->aval + p + 1, s->aval + p, sizeof(double) * (size_t)(out - p));
        s->acol[p] = col;
        s->aval[p] = v;
        ++out;
      }
      s->aptr[i + 1] = out;
    }
  }
cleanup:
  return err;
}

/* Rank 0: does the symbolic analysis still fit A's pattern? Saves the pattern if not. */
static int pattern_unchanged(newton_solver *s, int *same) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const rom_int nnz = s->aptr[s->N];
  *same = s->have_pattern && s->pat_ptr[s->N] == nnz &&
          memcmp(s->pat_ptr, s->aptr, sizeof(rom_int) * (size_t)(s->N + 1)) == 0 &&
          memcmp(s->pat_col, s->acol, sizeof(rom_int) * (size_t)nnz) == 0;
  if (*same) return ROM_OK;
  solver_free_symbolic(s);
  if (!s->pat_ptr)
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(s->N + 1), (void **)&s->pat_ptr));
  ROM_TRY(ctx, ensure(ctx, (void **)&s->pat_col, &s->pat_cap, nnz, sizeof(rom_int)));
  memcpy(s->pat_ptr, s->aptr, sizeof(rom_int) * (size_t)(s->N + 1));
  memcpy(s->pat_col, s->acol, sizeof(rom_int) * (size_t)nnz);
cleanup:
  return err;
}

/* ---- UMFPACK and KLU ---------------------------------------------------------------------- */

static int copy_suitesparse_pattern(newton_solver *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const rom_int nnz = s->aptr[s->N];
  rom_free(ctx, s->sp);
  rom_free(ctx, s->si);
  s->sp = NULL;
  s->si = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(SuiteSparse_long) * (size_t)(s->N + 1), (void **)&s->sp));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(SuiteSparse_long) * (size_t)nnz, (void **)&s->si));
  for (rom_int i = 0; i <= s->N; ++i)
    s->sp[i] = (SuiteSparse_long)s->aptr[i];
  for (rom_int k = 0; k < nnz; ++k)
    s->si[k] = (SuiteSparse_long)s->acol[k];
cleanup:
  return err;
}

static int umfpack_factor_solve(newton_solver *s, int analyse) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  double control[UMFPACK_CONTROL], info[UMFPACK_INFO];
  umfpack_dl_defaults(control);
  if (analyse) {
    ROM_TRY(ctx, copy_suitesparse_pattern(s));
    SuiteSparse_long st = umfpack_dl_symbolic((SuiteSparse_long)s->N, (SuiteSparse_long)s->N, s->sp,
                                              s->si, s->aval, &s->umf_symbolic, control, info);
    ROM_CHECK(ctx, st == UMFPACK_OK, ROM_ERR_INTERNAL,
              "UMFPACK's symbolic analysis of the %lld x %lld Newton matrix failed (status %ld)",
              (long long)s->N, (long long)s->N, (long)st);
  }
  solver_free_numeric(s);
  {
    SuiteSparse_long st =
        umfpack_dl_numeric(s->sp, s->si, s->aval, s->umf_symbolic, &s->umf_numeric, control, info);
    ROM_CHECK(ctx, st != UMFPACK_WARNING_singular_matrix, ROM_ERR_SINGULAR,
              "the Newton matrix I - dt dF/du is singular (UMFPACK)");
    ROM_CHECK(ctx, st == UMFPACK_OK, ROM_ERR_NOMEM,
              "UMFPACK's numeric factorisation failed (status %ld)", (long)st);
    /* The arrays hold A^T in CSC form: solve A^T' x = b, i.e. A x = b. */
    control[UMFPACK_IRSTEP] = 0;
    st = umfpack_dl_solve(UMFPACK_At, s->sp, s->si, s->aval, s->du_full, s->r_full, s->umf_numeric,
                          control, info);
    ROM_CHECK(ctx, st == UMFPACK_OK, ROM_ERR_SINGULAR, "UMFPACK's solve failed (status %ld)",
              (long)st);
  }
cleanup:
  return err;
}

static int klu_factor_solve(newton_solver *s, int analyse) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  if (analyse) {
    ROM_TRY(ctx, copy_suitesparse_pattern(s));
    s->klu_symbolic = klu_l_analyze((SuiteSparse_long)s->N, s->sp, s->si, &s->klu_common);
    ROM_CHECK(ctx, s->klu_symbolic != NULL, ROM_ERR_INTERNAL,
              "KLU's analysis of the %lld x %lld Newton matrix failed (status %d)", (long long)s->N,
              (long long)s->N, (int)s->klu_common.status);
  }
  /* Same pattern: refactorise with the previous pivot order (no pivot search), unless
   * that order has become poor (reciprocal pivot ratio below 1e-10): then factorise anew. */
  if (s->klu_numeric) {
    if (!klu_l_refactor(s->sp, s->si, s->aval, s->klu_symbolic, s->klu_numeric, &s->klu_common) ||
        !klu_l_rcond(s->klu_symbolic, s->klu_numeric, &s->klu_common) ||
        !(s->klu_common.rcond > 1e-10))
      solver_free_numeric(s);
  }
  if (!s->klu_numeric)
    s->klu_numeric = klu_l_factor(s->sp, s->si, s->aval, s->klu_symbolic, &s->klu_common);
  ROM_CHECK(ctx, s->klu_numeric != NULL && s->klu_common.status == KLU_OK, ROM_ERR_SINGULAR,
            "KLU could not factorise the Newton matrix I - dt dF/du (status %d%s)",
            (int)s->klu_common.status, s->klu_common.status == KLU_SINGULAR ? ": singular" : "");
  memcpy(s->du_full, s->r_full, sizeof(double) * (size_t)s->N);
  /* The arrays hold A^T in CSC form: KLU's transposed solve gives A x = b. */
  ROM_CHECK(ctx,
            klu_l_tsolve(s->klu_symbolic, s->klu_numeric, (SuiteSparse_long)s->N, 1, s->du_full,
                         &s->klu_common) == 1,
            ROM_ERR_SINGULAR, "KLU's solve failed (status %d)", (int)s->klu_common.status);
cleanup:
  return err;
}

/* ---- banded LU after reverse Cuthill-McKee ------------------------------------------------ */

/* Rank 0: the RCM ordering of the symmetrised pattern of A (Cuthill and McKee, 1969;
 * George and Liu, Computer Solution of Large Sparse Positive Definite Systems, 1981,
 * ch. 4), each component started from a pseudo-peripheral node, and the band widths it
 * gives. */
static int rcm_ordering(newton_solver *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const rom_int N = s->N, nnz = s->aptr[N];
  rom_int *adj_ptr = NULL, *adj = NULL, *fill = NULL, *level = NULL, *queue = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(N + 1), sizeof(rom_int), (void **)&adj_ptr));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(2 * nnz + 1), (void **)&adj));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)N, sizeof(rom_int), (void **)&fill));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)N, (void **)&level));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)N, (void **)&queue));
  if (!s->perm) ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)N, (void **)&s->perm));
  if (!s->iperm) ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)N, (void **)&s->iperm));
  /* A + A^T without the diagonal (duplicates are harmless for BFS) */
  for (rom_int i = 0; i < N; ++i)
    for (rom_int k = s->aptr[i]; k < s->aptr[i + 1]; ++k)
      if (s->acol[k] != i) adj_ptr[i + 1]++, adj_ptr[s->acol[k] + 1]++;
  for (rom_int i = 0; i < N; ++i)
    adj_ptr[i + 1] += adj_ptr[i];
  for (rom_int i = 0; i < N; ++i)
    for (rom_int k = s->aptr[i]; k < s->aptr[i + 1]; ++k) {
      rom_int j = s->acol[k];
      if (j == i) continue;
      adj[adj_ptr[i] + fill[i]++] = j;
      adj[adj_ptr[j] + fill[j]++] = i;
    }
  {
    rom_int placed = 0;
    for (rom_int i = 0; i < N; ++i)
      level[i] = -1;
    while (placed < N) {
      /* start: an unplaced node of minimum degree, then up to 4 BFS sweeps towards a
       * pseudo-peripheral node (the last level's node of minimum degree) */
      rom_int start = -1;
      for (rom_int i = 0; i < N; ++i)
        if (level[i] < 0 && (start < 0 || fill[i] < fill[start])) start = i;
      rom_int ecc = -1;
      for (int sweep = 0; sweep < 4; ++sweep) {
        rom_int head = 0, tail = 0, last = 0;
        queue[tail++] = start;
        level[start] = 0;
        while (head < tail) {
          rom_int v = queue[head++];
          last = level[v];
          for (rom_int k = adj_ptr[v]; k < adj_ptr[v + 1]; ++k)
            if (level[adj[k]] < 0) level[adj[k]] = level[v] + 1, queue[tail++] = adj[k];
        }
        rom_int best = start;
        for (rom_int q = 0; q < tail; ++q)
          if (level[queue[q]] == last && (best == start || fill[queue[q]] < fill[best]))
            best = queue[q];
        for (rom_int q = 0; q < tail; ++q)
          level[queue[q]] = -1;
        if (last <= ecc) break;
        ecc = last;
        start = best;
      }
      /* Cuthill-McKee from `start`: neighbours in order of increasing degree */
      rom_int head = placed, tail = placed;
      s->perm[tail++] = start;
      level[start] = 0;
      while (head < tail) {
        rom_int v = s->perm[head++], first = tail;
        for (rom_int k = adj_ptr[v]; k < adj_ptr[v + 1]; ++k)
          if (level[adj[k]] < 0) level[adj[k]] = 0, s->perm[tail++] = adj[k];
        for (rom_int a = first + 1; a < tail; ++a) { /* insertion sort by degree */
          rom_int w = s->perm[a], b = a;
          while (b > first && fill[s->perm[b - 1]] > fill[w])
            s->perm[b] = s->perm[b - 1], --b;
          s->perm[b] = w;
        }
      }
      placed = tail;
    }
  }
  for (rom_int a = 0, b = N - 1; a < b; ++a, --b) { /* reverse */
    rom_int w = s->perm[a];
    s->perm[a] = s->perm[b];
    s->perm[b] = w;
  }
  for (rom_int k = 0; k < N; ++k)
    s->iperm[s->perm[k]] = k;
  s->kl = s->ku = 0;
  for (rom_int i = 0; i < N; ++i)
    for (rom_int k = s->aptr[i]; k < s->aptr[i + 1]; ++k) {
      rom_int d = s->iperm[i] - s->iperm[s->acol[k]];
      if (d > s->kl) s->kl = d;
      if (-d > s->ku) s->ku = -d;
    }
cleanup:
  rom_free(ctx, adj_ptr);
  rom_free(ctx, adj);
  rom_free(ctx, fill);
  rom_free(ctx, level);
  rom_free(ctx, queue);
  return err;
}

static int banded_factor_solve(newton_solver *s, int analyse) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const rom_int N = s->N;
  if (analyse) ROM_TRY(ctx, rcm_ordering(s));
  {
    const rom_int kl = s->kl, ku = s->ku, ldab = 2 * kl + ku + 1;
    ROM_CHECK(ctx, ldab * N <= (rom_int)INT_MAX, ROM_ERR_UNSUPPORTED,
              "the band (%lld sub- and %lld super-diagonals after reverse Cuthill-McKee) of "
              "the %lld x %lld Newton matrix is too wide for LAPACK's int sizes",
              (long long)kl, (long long)ku, (long long)N, (long long)N);
    ROM_TRY(ctx, ensure(ctx, (void **)&s->ab, &s->ab_cap, ldab * N, sizeof(double)));
    if (!s->ipiv) ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)N, (void **)&s->ipiv));
    if (!s->bperm) ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)N, (void **)&s->bperm));
    memset(s->ab, 0, sizeof(double) * (size_t)(ldab * N));
    for (rom_int i = 0; i < N; ++i) {
      rom_int pi = s->iperm[i];
      for (rom_int k = s->aptr[i]; k < s->aptr[i + 1]; ++k) {
        rom_int pj = s->iperm[s->acol[k]];
        s->ab[kl + ku + pi - pj + pj * ldab] = s->aval[k]; /* dgbtrf's storage */
      }
      s->bperm[pi] = s->r_full[i];
    }
    lapack_int info =
        LAPACKE_dgbtrf_work(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)N, (lapack_int)kl,
                            (lapack_int)ku, s->ab, (lapack_int)ldab, s->ipiv);
    ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dgbtrf: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "the Newton matrix I - dt dF/du is singular (dgbtrf: U(%d, %d) = 0)", (int)info,
              (int)info);
    info = LAPACKE_dgbtrs_work(LAPACK_COL_MAJOR, 'N', (lapack_int)N, (lapack_int)kl, (lapack_int)ku,
                               1, s->ab, (lapack_int)ldab, s->ipiv, s->bperm, (lapack_int)N);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgbtrs: argument %d is invalid", (int)-info);
    for (rom_int i = 0; i < N; ++i)
      s->du_full[i] = s->bperm[s->iperm[i]];
  }
cleanup:
  return err;
}

/* Collective: gather J's rows on rank 0, solve (I - c J) du = r_full there (r_full
 * already gathered), scatter du into du_local. */
static int newton_correction(newton_solver *s, const rom_csr *J, double c, double *du_local) {
  int err = ROM_OK, local = ROM_OK;
  rom_ctx *ctx = s->ctx;
  const MPI_Comm comm = rom_ctx_comm(ctx);
  rom_int nnz_local = s->L > 0 ? J->row_ptr[s->L] : 0, *lens = NULL;
  ROM_CHECK_ALL(ctx, nnz_local <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "the host's Jacobian has %lld entries on this rank, beyond MPI's int counts",
                (long long)nnz_local);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(s->L + 1), (void **)&lens));
  for (rom_int l = 0; l < s->L; ++l)
    lens[l] = J->row_ptr[l + 1] - J->row_ptr[l];
  ROM_MPI(ctx, MPI_Gatherv(lens, (int)s->L, MPI_INT64_T, s->row_len, s->counts, s->displs,
                           MPI_INT64_T, 0, comm));
  {
    int mine = (int)nnz_local;
    ROM_MPI(ctx, MPI_Gather(&mine, 1, MPI_INT, s->nnz_counts, 1, MPI_INT, 0, comm));
  }
  if (s->root) {
    rom_int total = 0;
    for (int r = 0; r < s->size; ++r) {
      if (total > INT_MAX) break;
      s->nnz_displs[r] = (int)total;
      total += s->nnz_counts[r];
    }
    if (total > INT_MAX)
      local = rom_error_set(ctx, ROM_ERR_UNSUPPORTED, __FILE__, __LINE__, __func__,
                            "the host's Jacobian has %lld entries, beyond MPI's int counts",
                            (long long)total);
    if (!local) {
      rom_int cap_col = s->jcap, cap_val = s->jcap;
      local = ensure(ctx, (void **)&s->jcol, &cap_col, total, sizeof(rom_int));
      if (!local) local = ensure(ctx, (void **)&s->jval, &cap_val, total, sizeof(double));
      s->jcap = cap_col < cap_val ? cap_col : cap_val;
    }
  }
  ROM_TRY_ALL(ctx, local);
  ROM_MPI(ctx, MPI_Gatherv(s->L > 0 ? J->col_index : NULL, (int)nnz_local, MPI_INT64_T, s->jcol,
                           s->nnz_counts, s->nnz_displs, MPI_INT64_T, 0, comm));
  ROM_MPI(ctx, MPI_Gatherv(s->L > 0 ? J->values : NULL, (int)nnz_local, MPI_DOUBLE, s->jval,
                           s->nnz_counts, s->nnz_displs, MPI_DOUBLE, 0, comm));
  if (s->root) {
    int same = 0;
    for (rom_int i = 0; i < s->N; ++i)
      s->r_full[i] = -s->r_full[i];
    local = assemble_newton_matrix(s, c);
    if (!local) local = pattern_unchanged(s, &same);
    if (!local) {
      if (s->kind == ROM_FOM_SOLVER_UMFPACK)
        local = umfpack_factor_solve(s, !same);
      else if (s->kind == ROM_FOM_SOLVER_KLU)
        local = klu_factor_solve(s, !same);
      else
        local = banded_factor_solve(s, !same);
    }
    if (!local) s->have_pattern = 1;
  }
  ROM_TRY_ALL(ctx, local);
  ROM_MPI(ctx, MPI_Scatterv(s->du_full, s->counts, s->displs, MPI_DOUBLE, du_local, (int)s->L,
                            MPI_DOUBLE, 0, comm));
cleanup:
  rom_free(ctx, lens);
  return err;
}

/* ---- the time loop ----------------------------------------------------------------------- */

int rom_fom_integrate(rom_model *m, const double *mu, const double *u0_local, double t0, double dt,
                      rom_int steps, const rom_fom_options *opts, double *trajectory_local,
                      rom_fom_stats *stats) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = m->ctx;
  const rom_fom_options o = opts ? *opts : rom_fom_options_default();
  const rom_int L = m->local_rows;
  const double t_start = rom_wtime();
  newton_solver s;
  double *un = NULL, *unm1 = NULL, *u = NULL, *F = NULL, *r = NULL, *du = NULL;
  rom_fom_stats st;
  memset(&s, 0, sizeof s);
  s.ctx = ctx;
  memset(&st, 0, sizeof st);
  if (stats) memset(stats, 0, sizeof *stats);
  ROM_CHECK_ALL(ctx, m->nl.velocity != NULL && m->nl.jacobian_csr != NULL, ROM_ERR_STATE,
                "the FOM integrator needs the model's velocity and assembled Jacobian: call "
                "rom_model_set_velocity and rom_model_set_velocity_jacobian_csr");
  ROM_CHECK_ALL(ctx, mu != NULL || m->num_parameters == 0, ROM_ERR_ARG,
                "mu must not be NULL for a model with %d parameters", m->num_parameters);
  ROM_CHECK_ALL(ctx, u0_local != NULL || L == 0, ROM_ERR_ARG,
                "u0_local must not be NULL on a rank with %lld rows", (long long)L);
  ROM_CHECK_ALL(ctx, dt > 0.0 && isfinite(dt) && isfinite(t0), ROM_ERR_ARG,
                "the time step dt = %g must be positive and finite (t0 = %g)", dt, t0);
  ROM_CHECK_ALL(ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_CHECK_ALL(ctx, o.max_iterations >= 1, ROM_ERR_ARG, "max_iterations = %d must be >= 1",
                o.max_iterations);
  ROM_CHECK_ALL(ctx, o.tolerance > 0.0 && isfinite(o.tolerance), ROM_ERR_ARG,
                "the Newton tolerance %g must be positive and finite", o.tolerance);
  ROM_CHECK_ALL(ctx, o.scheme == ROM_FOM_BACKWARD_EULER || o.scheme == ROM_FOM_BDF2, ROM_ERR_ARG,
                "unknown time scheme %d (ROM_FOM_BACKWARD_EULER or ROM_FOM_BDF2)", (int)o.scheme);
  ROM_CHECK_ALL(ctx, o.solver >= ROM_FOM_SOLVER_DEFAULT && o.solver <= ROM_FOM_SOLVER_BANDED,
                ROM_ERR_ARG, "unknown linear solver %d", (int)o.solver);
  ROM_TRY(ctx, solver_setup(&s, ctx, o.solver, L));
  {
    size_t bytes = sizeof(double) * (size_t)(L > 0 ? L : 1);
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&un));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&unm1));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&u));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&F));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&r));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, bytes, (void **)&du));
  }
  if (L > 0) memcpy(un, u0_local, sizeof(double) * (size_t)L);
  if (trajectory_local && L > 0) memcpy(trajectory_local, u0_local, sizeof(double) * (size_t)L);

  for (rom_int n = 0; n < steps; ++n) {
    const double t = t0 + (double)(n + 1) * dt;
    const int bdf2 = o.scheme == ROM_FOM_BDF2 && n >= 1; /* BDF2 starts with one Euler step */
    const double c = bdf2 ? 2.0 / 3.0 * dt : dt;
    int it = 0;
    double norm = 0.0;
    if (L > 0) memcpy(u, un, sizeof(double) * (size_t)L);
    for (;; ++it) {
      double t_call = rom_wtime();
      norm = 0.0;
      ROM_TRY(ctx, rom_model_velocity(m, u, t, mu, F));
      st.seconds_velocity += rom_wtime() - t_call;
      if (bdf2)
        for (rom_int l = 0; l < L; ++l)
          r[l] = u[l] - (4.0 * un[l] - unm1[l]) / 3.0 - c * F[l];
      else
        for (rom_int l = 0; l < L; ++l)
          r[l] = u[l] - un[l] - c * F[l];
      /* ||r||_2 on rank 0 in global row order (partition-independent), broadcast */
      t_call = rom_wtime();
      ROM_MPI(ctx, MPI_Gatherv(r, (int)L, MPI_DOUBLE, s.r_full, s.counts, s.displs, MPI_DOUBLE, 0,
                               rom_ctx_comm(ctx)));
      if (s.root) {
        for (rom_int i = 0; i < s.N; ++i)
          norm += s.r_full[i] * s.r_full[i];
        norm = sqrt(norm);
      }
      ROM_MPI(ctx, MPI_Bcast(&norm, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
      st.seconds_solve += rom_wtime() - t_call;
      if (isfinite(norm) && norm < o.tolerance) break;
      ROM_CHECK(ctx, isfinite(norm), ROM_ERR_NOT_CONVERGED,
                "Newton diverged at step %lld (t = %g): the residual norm ||r||_2 is %g at "
                "iteration %d",
                (long long)(n + 1), t, norm, it);
      ROM_CHECK(ctx, it < o.max_iterations, ROM_ERR_NOT_CONVERGED,
                "Newton did not converge at step %lld (t = %g): ||r||_2 = %.3e after %d "
                "iterations, above the tolerance %.1e (raise max_iterations or reduce dt)",
                (long long)(n + 1), t, norm, it, o.tolerance);
      {
        rom_csr J;
        t_call = rom_wtime();
        ROM_TRY(ctx, rom_model_velocity_jacobian_csr(m, u, t, mu, &J));
        double t_solve = rom_wtime();
        st.seconds_velocity += t_solve - t_call;
        ROM_TRY(ctx, newton_correction(&s, &J, c, du));
        st.seconds_solve += rom_wtime() - t_solve;
      }
      for (rom_int l = 0; l < L; ++l)
        u[l] += du[l];
      if (o.observer) o.observer(o.observer_user, n + 1, it + 1, L > 0 ? u : NULL);
    }
    if (norm > st.max_final_residual) st.max_final_residual = norm;
    st.newton_iterations += it;
    if (it > st.max_step_iterations) st.max_step_iterations = it;
    st.steps = n + 1;
    {
      double *w = unm1;
      unm1 = un;
      un = u;
      u = w;
    }
    if (trajectory_local && L > 0)
      memcpy(trajectory_local + (n + 1) * L, un, sizeof(double) * (size_t)L);
  }
cleanup:
  st.seconds = rom_wtime() - t_start;
  if (stats) *stats = st;
  solver_destroy(&s);
  rom_free(ctx, un);
  rom_free(ctx, unm1);
  rom_free(ctx, u);
  rom_free(ctx, F);
  rom_free(ctx, r);
  rom_free(ctx, du);
  return err;
}
