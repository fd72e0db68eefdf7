/* TSQR on a binomial tree of ranks (Demmel, Grigori, Hoemmen, Langou, SIAM J. Sci.
 * Comput. 34 (2012), section 3). See tsqr.h for the algorithm and the memory bound.
 *
 * Tree: at level `step` (1, 2, 4, ...) rank p with p % (2 step) == step sends its R to
 * p - step and leaves the reduction; rank p with p % (2 step) == 0 receives from
 * p + step if that rank exists. Rank 0 ends with R.
 *
 * Failure handling: every tree edge carries exactly one header message in each sweep,
 * {rows, ok}; the data follows only after the receiver has answered "go" (it may have
 * failed to allocate the buffer). A rank whose own work failed, or below which
 * something failed, keeps taking part in the messages with ok = 0, and at the end all
 * ranks agree (ROM_TRY_ALL), so a LAPACK or allocation failure anywhere makes every rank
 * return an error and none waits forever. */
#include "linalg/tsqr.h"

#include "core/check.h"
#include "linalg/dmat_impl.h"

#include <lapacke.h>
#include <limits.h>
#include <string.h>

#define TSQR_MAX_LEVELS 64
#define TSQR_TAG_UP 7101
#define TSQR_TAG_DOWN 7102

/* One merge at a tree node: [R_mine (r1 rows); R_child (r2 rows)] = Q_level R_new. */
typedef struct {
  int child;
  rom_int r1, r2;
  double *stack; /* (r1 + r2) x m reflectors from dgeqrf (ld r1 + r2); NULL if r2 == 0 */
  double *tau;   /* min(r1 + r2, m) */
} tsqr_level;

struct rom_tsqr {
  rom_ctx *ctx;
  rom_int local_rows, global_rows, m;
  double *leaf;     /* local_rows x m reflectors of the local QR (ld local_rows) */
  double *leaf_tau; /* min(local_rows, m) */
  int parent;       /* rank this one sent its R to; -1 on rank 0 */
  rom_int sent_rows;
  int num_levels;
  tsqr_level levels[TSQR_MAX_LEVELS];
  rom_int r_rows; /* min(N, m) */
  double *r;      /* rank 0: r_rows x m, ld r_rows */
};

static rom_int min_int(rom_int a, rom_int b) {
  return a < b ? a : b;
}

/* ---- LAPACK with tracked workspace ------------------------------------------------------ */

static int qr_factor(rom_ctx *ctx, rom_int rows, rom_int cols, double *a, rom_int lda,
                     double *tau) {
  int err = ROM_OK;
  double query = 0.0, *work = NULL;
  lapack_int info = 0, lwork = 0;
  if (rows == 0 || cols == 0) return ROM_OK;
  info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)cols, a,
                             (lapack_int)lda, tau, &query, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "dgeqrf workspace query for a %lld x %lld block returned info = %d", (long long)rows,
            (long long)cols, (int)info);
  ROM_CHECK(ctx, query < (double)INT_MAX, ROM_ERR_UNSUPPORTED,
            "dgeqrf asks for %.0f doubles of workspace for a %lld x %lld block, beyond LAPACK's "
            "32-bit LWORK",
            query, (long long)rows, (long long)cols);
  lwork = query >= 1.0 ? (lapack_int)query : 1;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
  info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)cols, a,
                             (lapack_int)lda, tau, work, lwork);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgeqrf on a %lld x %lld block returned info = %d",
            (long long)rows, (long long)cols, (int)info);
cleanup:
  rom_free(ctx, work);
  return err;
}

/* c (rows x k) = Q c, Q = the `reflectors` Householder vectors stored in a. */
static int qr_apply(rom_ctx *ctx, rom_int rows, rom_int k, rom_int reflectors, const double *a,
                    rom_int lda, const double *tau, double *c, rom_int ldc) {
  int err = ROM_OK;
  double query = 0.0, *work = NULL;
  lapack_int info = 0, lwork = 0;
  if (rows == 0 || k == 0 || reflectors == 0) return ROM_OK;
  info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'N', (lapack_int)rows, (lapack_int)k,
                             (lapack_int)reflectors, a, (lapack_int)lda, tau, c, (lapack_int)ldc,
                             &query, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "dormqr workspace query for a %lld x %lld block returned info = %d", (long long)rows,
            (long long)k, (int)info);
  ROM_CHECK(ctx, query < (double)INT_MAX, ROM_ERR_UNSUPPORTED,
            "dormqr asks for %.0f doubles of workspace for a %lld x %lld block, beyond LAPACK's "
            "32-bit LWORK",
            query, (long long)rows, (long long)k);
  lwork = query >= 1.0 ? (lapack_int)query : 1;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lwork, (void **)&work));
  info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'N', (lapack_int)rows, (lapack_int)k,
                             (lapack_int)reflectors, a, (lapack_int)lda, tau, c, (lapack_int)ldc,
                             work, lwork);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dormqr on a %lld x %lld block returned info = %d",
            (long long)rows, (long long)k, (int)info);
cleanup:
  rom_free(ctx, work);
  return err;
}

/* New rr x m buffer (rr = min(rows, m)) holding the upper trapezoid of a's first rows. */
static int extract_r(rom_ctx *ctx, rom_int rows, rom_int m, const double *a, rom_int lda,
                     double **r_out, rom_int *rr_out) {
  int err = ROM_OK;
  rom_int rr = min_int(rows, m);
  double *r = NULL;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, rr * m, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&r));
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < rr; ++i)
      r[i + j * rr] = i <= j ? a[i + j * lda] : 0.0;
  *r_out = r;
  *rr_out = rr;
  r = NULL;
cleanup:
  rom_free(ctx, r);
  return err;
}

/* ---- tree edges -------------------------------------------------------------------------- */

/* A rows x cols block with leading dimension ld as one MPI message. */
static int block_type(rom_ctx *ctx, rom_int rows, rom_int cols, rom_int ld, MPI_Datatype *type) {
  int err = ROM_OK;
  ROM_MPI(ctx, MPI_Type_vector((int)cols, (int)rows, (int)ld, MPI_DOUBLE, type));
  ROM_MPI(ctx, MPI_Type_commit(type));
cleanup:
  return err;
}

/* Sender's half of an edge: header {rows, ok}; the data only if ok and the receiver says go. */
static int edge_send(rom_ctx *ctx, int ok, rom_int rows, rom_int cols, const double *data,
                     rom_int ld, int peer, int tag) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  MPI_Datatype type = MPI_DATATYPE_NULL;
  int64_t header[2];
  header[0] = ok ? rows : 0;
  header[1] = ok ? 1 : 0;
  ROM_MPI(ctx, MPI_Send(header, 2, MPI_INT64_T, peer, tag, comm));
  if (ok && rows > 0 && cols > 0) {
    int go = 0;
    ROM_MPI(ctx, MPI_Recv(&go, 1, MPI_INT, peer, tag, comm, MPI_STATUS_IGNORE));
    if (go) {
      ROM_TRY(ctx, block_type(ctx, rows, cols, ld, &type));
      ROM_MPI(ctx, MPI_Send(data, 1, type, peer, tag, comm));
    }
  }
cleanup:
  if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
  return err;
}

static int edge_recv_header(rom_ctx *ctx, int peer, int tag, int *peer_ok, rom_int *rows) {
  int err = ROM_OK;
  int64_t header[2] = {0, 0};
  ROM_MPI(ctx, MPI_Recv(header, 2, MPI_INT64_T, peer, tag, rom_ctx_comm(ctx), MPI_STATUS_IGNORE));
  *rows = header[0];
  *peer_ok = header[1] != 0;
cleanup:
  return err;
}

/* Receiver's second half, called iff the header said ok and rows * cols > 0. */
static int edge_recv_data(rom_ctx *ctx, int go, rom_int rows, rom_int cols, double *dst, rom_int ld,
                          int peer, int tag) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  MPI_Datatype type = MPI_DATATYPE_NULL;
  ROM_MPI(ctx, MPI_Send(&go, 1, MPI_INT, peer, tag, comm));
  if (go) {
    ROM_TRY(ctx, block_type(ctx, rows, cols, ld, &type));
    ROM_MPI(ctx, MPI_Recv(dst, 1, type, peer, tag, comm, MPI_STATUS_IGNORE));
  }
cleanup:
  if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
  return err;
}

/* ---- factor ----------------------------------------------------------------------------- */

/* Local QR of (A - shift 1^T) on a copy; *r_out = its R (min(local_rows, m) x m). */
static int tsqr_leaf(rom_tsqr *t, const rom_dmat *A, const double *shift, double **r_out,
                     rom_int *rr_out) {
  int err = ROM_OK;
  rom_ctx *ctx = t->ctx;
  rom_int lr = t->local_rows, m = t->m;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, lr * m, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&t->leaf));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)min_int(lr, m), (void **)&t->leaf_tau));
  for (rom_int j = 0; j < m; ++j) {
    const double *src = A->data + j * A->ld;
    double *dst = t->leaf + j * lr;
    if (shift)
      for (rom_int i = 0; i < lr; ++i)
        dst[i] = src[i] - shift[i];
    else if (lr > 0)
      memcpy(dst, src, sizeof(double) * (size_t)lr);
  }
  ROM_TRY(ctx, qr_factor(ctx, lr, m, t->leaf, lr, t->leaf_tau));
  ROM_TRY(ctx, extract_r(ctx, lr, m, t->leaf, lr, r_out, rr_out));
cleanup:
  return err;
}

/* Merge at one level, first half: allocate the stack [R_mine; R_child] and copy R_mine in;
 * the child's rows are then received straight into the stack's bottom rows. */
static int tsqr_merge_begin(rom_tsqr *t, tsqr_level *lv, const double *mine) {
  int err = ROM_OK;
  rom_ctx *ctx = t->ctx;
  rom_int m = t->m, n = lv->r1 + lv->r2;
  size_t bytes = 0;
  ROM_TRY(ctx, rom_size_mul(ctx, n * m, sizeof(double), &bytes));
  ROM_TRY(ctx, rom_malloc(ctx, bytes, (void **)&lv->stack));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)min_int(n, m), (void **)&lv->tau));
  if (lv->r1 > 0)
    for (rom_int j = 0; j < m; ++j)
      memcpy(lv->stack + j * n, mine + j * lv->r1, sizeof(double) * (size_t)lv->r1);
cleanup:
  return err;
}

/* Second half: factor the stack (reflectors kept for the way back), *mine = its R. */
static int tsqr_merge_finish(rom_tsqr *t, tsqr_level *lv, double **mine, rom_int *mine_rows) {
  int err = ROM_OK;
  rom_ctx *ctx = t->ctx;
  rom_int m = t->m, n = lv->r1 + lv->r2, rr = 0;
  double *r_new = NULL;
  ROM_TRY(ctx, qr_factor(ctx, n, m, lv->stack, n, lv->tau));
  ROM_TRY(ctx, extract_r(ctx, n, m, lv->stack, n, &r_new, &rr));
  rom_free(ctx, *mine);
  *mine = r_new;
  *mine_rows = rr;
cleanup:
  return err;
}

int rom_tsqr_factor(const rom_dmat *A, const double *row_shift, rom_tsqr **out) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_tsqr *t = NULL;
  double *mine = NULL;
  rom_int mine_rows = 0;
  int ok = 1, subtree_ok = 1, rank = 0, size = 1;
  if (!A) return ROM_ERR_ARG;
  ctx = A->ctx;
  rank = rom_ctx_rank(ctx);
  size = rom_ctx_size(ctx);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_tsqr_factor: out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, A->local_rows <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "TSQR: the local block of %lld rows exceeds LAPACK's 32-bit int",
                (long long)A->local_rows);
  /* Every tree message is one element of a vector datatype (block_type), whose int
   * arguments are at most max(m, local rows, ld): no MPI count grows with m^2. */
  ROM_CHECK(ctx, A->cols <= INT_MAX, ROM_ERR_UNSUPPORTED,
            "TSQR: %lld columns exceed LAPACK's and MPI's 32-bit int", (long long)A->cols);
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *t, (void **)&t));
  t->ctx = ctx;
  t->local_rows = A->local_rows;
  t->global_rows = A->global_rows;
  t->m = A->cols;
  t->parent = -1;
  t->r_rows = min_int(A->global_rows, A->cols);

  local_err = tsqr_leaf(t, A, row_shift, &mine, &mine_rows);
  ok = local_err == ROM_OK;

  for (long step = 1; step < size; step *= 2) {
    if (rank % (2 * step) != 0) {
      t->parent = rank - (int)step;
      t->sent_rows = ok && subtree_ok ? mine_rows : 0;
      ROM_TRY(ctx, edge_send(ctx, ok && subtree_ok, mine_rows, t->m, mine, mine_rows, t->parent,
                             TSQR_TAG_UP));
      break;
    }
    if (rank + step >= size) continue;
    ROM_CHECK(ctx, t->num_levels < TSQR_MAX_LEVELS, ROM_ERR_INTERNAL, "TSQR tree too deep");
    tsqr_level *lv = &t->levels[t->num_levels++];
    int child_ok = 0;
    lv->child = rank + (int)step;
    lv->r1 = mine_rows;
    ROM_TRY(ctx, edge_recv_header(ctx, lv->child, TSQR_TAG_UP, &child_ok, &lv->r2));
    if (!child_ok) {
      subtree_ok = 0;
      lv->r2 = 0;
    }
    if (!child_ok || lv->r2 == 0 || t->m == 0) continue;
    int go = ok && subtree_ok;
    if (go) {
      local_err = tsqr_merge_begin(t, lv, mine);
      ok = go = local_err == ROM_OK;
    }
    ROM_TRY(ctx, edge_recv_data(ctx, go, lv->r2, t->m, go ? lv->stack + lv->r1 : NULL,
                                lv->r1 + lv->r2, lv->child, TSQR_TAG_UP));
    if (go) {
      local_err = tsqr_merge_finish(t, lv, &mine, &mine_rows);
      ok = local_err == ROM_OK;
    }
  }
  if (rank == 0 && ok && subtree_ok && mine_rows != t->r_rows) {
    local_err = rom_error_set(ctx, ROM_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                              "TSQR: the root's R has %lld rows, expected min(N, m) = %lld",
                              (long long)mine_rows, (long long)t->r_rows);
  }
  ROM_TRY_ALL(ctx, local_err);
  if (rank == 0) {
    t->r = mine;
    mine = NULL;
  }
  *out = t;
  t = NULL;
cleanup:
  rom_free(ctx, mine);
  rom_tsqr_destroy(&t);
  return err;
}

rom_int rom_tsqr_r_rows(const rom_tsqr *t) {
  return t ? t->r_rows : 0;
}
rom_int rom_tsqr_cols(const rom_tsqr *t) {
  return t ? t->m : 0;
}

const double *rom_tsqr_r(const rom_tsqr *t, rom_int *ld) {
  if (ld) *ld = t && t->r_rows > 0 ? t->r_rows : 1;
  return t ? t->r : NULL;
}

/* ---- Q C down the tree ------------------------------------------------------------------ */

int rom_tsqr_apply_q(const rom_tsqr *t, rom_int k, const double *C, rom_int ldc, rom_dmat *out) {
  int err = ROM_OK, local_err = ROM_OK;
  rom_ctx *ctx = NULL;
  double *node = NULL, *w = NULL;
  rom_int node_rows = 0, node_ld = 1, m = 0;
  int ok = 1, subtree_ok = 1, rank = 0;
  size_t bytes = 0;
  if (!t) return ROM_ERR_ARG;
  ctx = t->ctx;
  m = t->m;
  rank = rom_ctx_rank(ctx);
  ROM_CHECK_ALL(ctx, out != NULL && out->ctx == ctx, ROM_ERR_ARG,
                "TSQR apply Q: out is NULL or on another context");
  ROM_CHECK_ALL(ctx, out->local_rows == t->local_rows && out->cols == k, ROM_ERR_DIM,
                "TSQR apply Q: out is %lld x %lld here, expected %lld x %lld (the factored "
                "matrix's rows, k columns)",
                (long long)out->local_rows, (long long)out->cols, (long long)t->local_rows,
                (long long)k);
  ROM_CHECK_ALL(ctx, k >= 0 && k <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "TSQR apply Q: k = %lld columns (negative, or beyond MPI's int)", (long long)k);
  ROM_CHECK_ALL(ctx, rank != 0 || t->r_rows == 0 || k == 0 || (C != NULL && ldc >= t->r_rows),
                ROM_ERR_ARG, "TSQR apply Q: C is NULL or ldc = %lld < r = %lld on rank 0",
                (long long)ldc, (long long)t->r_rows);
  if (k == 0) goto cleanup;

  /* C_node: rank 0 starts from C; every other rank receives it from its parent. */
  if (rank == 0) {
    node_rows = t->r_rows;
    node_ld = node_rows > 0 ? node_rows : 1;
    local_err = rom_size_mul(ctx, node_rows * k, sizeof(double), &bytes);
    if (local_err == ROM_OK) local_err = rom_malloc(ctx, bytes, (void **)&node);
    ok = local_err == ROM_OK;
    if (ok)
      for (rom_int j = 0; j < k; ++j)
        if (node_rows > 0)
          memcpy(node + j * node_ld, C + j * ldc, sizeof(double) * (size_t)node_rows);
  } else {
    int parent_ok = 0;
    ROM_TRY(ctx, edge_recv_header(ctx, t->parent, TSQR_TAG_DOWN, &parent_ok, &node_rows));
    if (!parent_ok) {
      subtree_ok = 0;
      node_rows = 0;
    } else {
      if (node_rows != t->sent_rows) {
        local_err = rom_error_set(ctx, ROM_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                                  "TSQR apply Q: parent sent %lld rows, expected %lld",
                                  (long long)node_rows, (long long)t->sent_rows);
        ok = 0;
      }
      node_ld = node_rows > 0 ? node_rows : 1;
      if (ok) {
        local_err = rom_malloc(ctx, sizeof(double) * (size_t)(node_rows * k), (void **)&node);
        ok = local_err == ROM_OK;
      }
      if (node_rows > 0)
        ROM_TRY(ctx,
                edge_recv_data(ctx, ok, node_rows, k, node, node_ld, t->parent, TSQR_TAG_DOWN));
    }
  }

  for (int l = t->num_levels - 1; l >= 0; --l) {
    const tsqr_level *lv = &t->levels[l];
    rom_int n = lv->r1 + lv->r2;
    int send_ok = ok && subtree_ok;
    if (send_ok && lv->stack) {
      /* W = Q_level [C_node; 0]; the top r1 rows stay here, the bottom r2 go to the child. */
      rom_int rr = min_int(n, m);
      if (rr != node_rows) {
        local_err = rom_error_set(ctx, ROM_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                                  "TSQR apply Q: %lld rows at level %d, expected %lld",
                                  (long long)node_rows, l, (long long)rr);
      }
      if (local_err == ROM_OK)
        local_err = rom_malloc(ctx, sizeof(double) * (size_t)(n * k), (void **)&w);
      if (local_err == ROM_OK) {
        for (rom_int j = 0; j < k; ++j) {
          memcpy(w + j * n, node + j * node_ld, sizeof(double) * (size_t)rr);
          memset(w + j * n + rr, 0, sizeof(double) * (size_t)(n - rr));
        }
        local_err = qr_apply(ctx, n, k, rr, lv->stack, n, lv->tau, w, n);
      }
      ok = send_ok = local_err == ROM_OK;
      if (ok) {
        rom_free(ctx, node);
        node = w;
        w = NULL;
        node_ld = n;
        node_rows = lv->r1;
      }
    }
    ROM_TRY(ctx, edge_send(ctx, send_ok, lv->r2, k, send_ok && node ? node + lv->r1 : NULL, node_ld,
                           lv->child, TSQR_TAG_DOWN));
    rom_free(ctx, w);
    w = NULL;
  }

  /* Leaf: out = Q_local [C_leaf; 0], formed in out's own block. */
  if (ok && subtree_ok && t->local_rows > 0) {
    rom_int lr = t->local_rows, rl = min_int(lr, m);
    if (node_rows != rl) {
      local_err = rom_error_set(ctx, ROM_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                                "TSQR apply Q: %lld rows at the leaf, expected %lld",
                                (long long)node_rows, (long long)rl);
    } else {
      for (rom_int j = 0; j < k; ++j) {
        double *col = out->data + j * out->ld;
        if (rl > 0) memcpy(col, node + j * node_ld, sizeof(double) * (size_t)rl);
        memset(col + rl, 0, sizeof(double) * (size_t)(lr - rl));
      }
      local_err = qr_apply(ctx, lr, k, rl, t->leaf, lr, t->leaf_tau, out->data, out->ld);
    }
  }
  ROM_TRY_ALL(ctx, local_err);
cleanup:
  rom_free(ctx, node);
  rom_free(ctx, w);
  return err;
}

int rom_tsqr_destroy(rom_tsqr **pt) {
  if (!pt || !*pt) return ROM_OK;
  rom_tsqr *t = *pt;
  rom_ctx *ctx = t->ctx;
  for (int l = 0; l < t->num_levels; ++l) {
    rom_free(ctx, t->levels[l].stack);
    rom_free(ctx, t->levels[l].tau);
  }
  rom_free(ctx, t->leaf);
  rom_free(ctx, t->leaf_tau);
  rom_free(ctx, t->r);
  rom_free(ctx, t);
  *pt = NULL;
  return ROM_OK;
}
