/* The ScaLAPACK driver of rom_pod_compute (svd_driver.h): pdgesvd on a 2-D block-cyclic
 * process grid (Blackford et al., ScaLAPACK Users' Guide, SIAM 1997: section 4.3 for the
 * block-cyclic distribution, the PDGESVD leaf page for the routine).
 *
 *   1. grid    a Pr x Pc BLACS grid on the context's communicator (Csys2blacs_handle, never
 *              MPI_COMM_WORLD), every rank in it, square nb x nb blocks (choose_grid below);
 *   2. copy    the host's row blocks (any contiguous partition, empty ranks allowed) are
 *              redistributed to the block-cyclic layout with one MPI_Alltoallv; the shift
 *              (the snapshot mean when centring) is subtracted while packing, so A is never
 *              modified and no shifted copy of it is ever made;
 *   3. query   pdgesvd's workspace query (LWORK = -1); the per-rank peak of the whole driver
 *              is computed in 64 bits from it, agreed on (max over ranks) and checked
 *              against opts->memory_budget before anything large is allocated;
 *   4. SVD     for N >= m, QR first (as LAPACK's dgesvd does for tall matrices; pdgesvd
 *              does not, and bidiagonalising the whole N x m matrix made it 5-7x slower
 *              than TSQR): pdgeqrf (A = Q R); the m x m R to rank 0 and dgesdd there
 *              (m <= SCALAPACK_GATHER_COLS, or m^2 within the largest rank's share of A,
 *              and the budget allows it), else pdgesvd of R as an m x m block-cyclic matrix
 *              on the same grid; k = rom_pod_choose_k(o, s, r); U = Q [U_R[:, :k]; 0] with
 *              pdormqr (only the k wanted columns are formed). On a 1 x 1 grid the local
 *              array is the whole matrix and LAPACK's dgeqrf / dormqr are called on it
 *              (pdormqr measured 2.5x slower than dormqr there: PBLAS overhead). On a
 *              Pr x 1 grid (P = 2, 3, and tall-skinny matrices) Q is applied by
 *              sl_apply_q_rows instead of pdormqr: the same blocked reflectors, but an
 *              O(nb m) workspace where pdormqr's is nb / m of a local block.
 *              For N < m: pdgesvd (JOBU = 'V', JOBVT = 'N') of A itself;
 *   5. back    U's first k columns are redistributed to the host's row partition in chunks
 *              of columns, one MPI_Alltoallv each, the buffers O(m^2) (sl_chunk_cols); U's
 *              block-cyclic copy is freed once the last chunk is packed.
 *
 * Why not pdgemr2d for steps 2 and 5: pdgemr2d (Users' Guide, section 4.8 "redistribution")
 * moves data between two block-cyclic descriptors. The host's partition is a 1-D block
 * distribution only when every rank owns the same number of rows (one block of
 * ceil(N/P) rows per rank, the last one shorter); romkit's contract is any contiguous
 * partition, empty ranks included (test_uneven_rows), which no descriptor can express. The
 * alternatives are to gather into an equal-rows staging copy first (one more full copy and
 * one more communication round) or to compute the block-cyclic destination of every host
 * row directly. The latter is simple here because both layouts are known in closed form:
 * each rank knows all row offsets (MPI_Allgather of local_rows), so the rows a rank sends to
 * grid process (pr, pc) are the runs of its range [off, off + lr) that fall in row blocks
 * b with b mod Pr = pr, for the columns in blocks c with c mod Pc = pc; sender and receiver
 * enumerate the same runs in the same order (columns ascending, then rows ascending), so
 * one MPI_Alltoallv with exact counts moves every entry once, with no index traffic.
 *
 * Memory per rank (doubles; mloc x nloc is this rank's share of the block-cyclic N x m,
 * about N m / P): a rank's own share of each exchange is copied directly (self_copy), only
 * the rest goes through the packed send and receive buffers; then the block-cyclic A (+ tau
 * and the QR workspace); the SVD of R adds O(m^2) (on rank 0, or m^2 / P per rank on the
 * grid); forming U needs A, U (mloc x nlocK) and the workspace (pdormqr: O(nb (mloc + nloc));
 * sl_apply_q_rows on a Pr x 1 grid: O(nb m)); the way back needs the result (lr x k), U's
 * block-cyclic copy and one chunk's two buffers (O(m^2)). So on a Pr x 1 grid the peak
 * beyond the input is 2 local blocks + O(m^2) (A and U on the grid while U is formed, or U
 * on the grid and on the host on the way back); with pdormqr (Pc > 1), nb / m of a block more. The
 * budget check assumes k = r (the truncation is only known after the SVD) and is computed for both
 * ways of handling R: the cheaper one that fits is taken. All of it goes through
 * rom_malloc, so rom_ctx_bytes_peak measures it.
 *
 * Limits: ScaLAPACK's integers are 32-bit, so N, m, the local leading dimensions and the
 * workspace must be below 2^31, and so must each rank's total send/receive counts
 * (MPI_Alltoallv's int counts); beyond, ROM_ERR_UNSUPPORTED says which.
 */
#include "core/check.h"
#include "linalg/scalapack.h"
#include "pod/svd_driver.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define SCALAPACK_BLOCK 64   /* the largest block size used (ScaLAPACK's usual choice) */
#define SCALAPACK_MIN_COLS 8 /* a process column gets at least this many matrix columns */

typedef struct {
  rom_int nb; /* square blocks nb x nb */
  int Pr, Pc; /* process grid */
  int myrow, mycol;
  int *coord;      /* 2 P values: grid (row, col) of each rank of the communicator */
  rom_int *offset; /* P + 1 values: the host partition's global row offsets */
} sl_layout;

static rom_int min_int(rom_int a, rom_int b) {
  return a < b ? a : b;
}
static rom_int max_int(rom_int a, rom_int b) {
  return a > b ? a : b;
}

/* Number of indices in [0, n) that a block-cyclic distribution (block nb, nprocs processes,
 * first block on process 0) gives process p: ScaLAPACK's NUMROC, in 64 bits. */
static rom_int cyclic_count(rom_int n, rom_int nb, int p, int nprocs) {
  rom_int cycle = nb * nprocs, full = n / cycle, extra = n - full * cycle - (rom_int)p * nb;
  return full * nb + (extra < 0 ? 0 : extra > nb ? nb : extra);
}

/* The grid and block size for an N x m matrix on P ranks. The grid is the most nearly
 * square Pr x Pc = P with Pr >= Pc (pdgesvd's bidiagonal reduction communicates along both
 * grid dimensions, and a square grid minimises the words moved per rank, Users' Guide
 * section 5.2), narrowed so that each process column still owns at least
 * SCALAPACK_MIN_COLS columns: a tall-skinny snapshot matrix with m = 40 gets a P x 1 grid
 * rather than idle process columns. The block is SCALAPACK_BLOCK (64, good for the level-3
 * BLAS inside pdgebrd), reduced for small matrices so that every process row and column
 * owns at least one block: nb = min(64, ceil(N / Pr), ceil(m / Pc)), at least 1. Depends
 * only on (N, m, P), so every rank makes the same choice. */
static void choose_grid(rom_int N, rom_int m, int P, int *Pr, int *Pc, rom_int *nb) {
  int best = 1;
  for (int d = 1; (rom_int)d * d <= P; ++d)
    if (P % d == 0 && (d == 1 || (rom_int)d * SCALAPACK_MIN_COLS <= m)) best = d;
  *Pc = best;
  *Pr = P / best;
  *nb = min_int(SCALAPACK_BLOCK, min_int((N + *Pr - 1) / *Pr, (m + *Pc - 1) / *Pc));
  if (*nb < 1) *nb = 1;
}

/* Visits, in the order both sides of the exchange agree on (columns ascending, then rows
 * ascending), the entries of global rows [a, b) and columns [c0, c1) that the grid process
 * (pr, pc) owns, in runs of consecutive rows. `grid_side` says how `mat` is indexed: by the
 * process's local block-cyclic indices (leading dimension ld), or as the host block whose
 * first row is global row `off`. pack: buf <- mat (minus shift[local row], when shift is
 * given); otherwise mat <- buf. Returns the position after the last value in buf. */
static double *visit_runs(const sl_layout *L, int pr, int pc, rom_int a, rom_int b, rom_int c0,
                          rom_int c1, int grid_side, int pack, double *mat, rom_int ld, rom_int off,
                          const double *shift, double *buf) {
  rom_int nb = L->nb, b0 = 0, first = 0;
  if (a >= b) return buf;
  b0 = a / nb;
  first = b0 + ((pr - b0 % L->Pr) % L->Pr + L->Pr) % L->Pr; /* first row block owned by pr */
  for (rom_int jb = pc; jb * nb < c1; jb += L->Pc) {
    rom_int jend = min_int(c1, (jb + 1) * nb);
    for (rom_int j = max_int(c0, jb * nb); j < jend; ++j) {
      rom_int col = grid_side ? (jb / L->Pc) * nb + (j - jb * nb) : j;
      for (rom_int blk = first; blk * nb < b; blk += L->Pr) {
        rom_int lo = max_int(a, blk * nb), hi = min_int(b, (blk + 1) * nb), len = hi - lo;
        rom_int row = grid_side ? (blk / L->Pr) * nb + (lo - blk * nb) : lo - off;
        double *p = mat + row + col * ld;
        if (len <= 0) continue;
        if (!pack)
          memcpy(p, buf, sizeof(double) * (size_t)len);
        else if (shift)
          for (rom_int i = 0; i < len; ++i)
            buf[i] = p[i] - shift[row + i];
        else
          memcpy(buf, p, sizeof(double) * (size_t)len);
        buf += len;
      }
    }
  }
  return buf;
}

/* This rank's own share of an exchange (host rows [off, off + lr) it also owns on the grid),
 * copied directly between the two layouts in the order of visit_runs, without a buffer:
 * host -> grid (subtracting shift[host row] when shift is given) or grid -> host. */
static void self_copy(const sl_layout *L, rom_int off, rom_int lr, rom_int c0, rom_int c1,
                      int to_grid, double *host, rom_int host_ld, const double *shift, double *grid,
                      rom_int grid_ld) {
  rom_int nb = L->nb, a = off, b = off + lr, b0 = 0, first = 0;
  if (a >= b) return;
  b0 = a / nb;
  first = b0 + ((L->myrow - b0 % L->Pr) % L->Pr + L->Pr) % L->Pr;
  for (rom_int jb = L->mycol; jb * nb < c1; jb += L->Pc) {
    rom_int jend = min_int(c1, (jb + 1) * nb);
    for (rom_int j = max_int(c0, jb * nb); j < jend; ++j) {
      rom_int gcol = (jb / L->Pc) * nb + (j - jb * nb);
      for (rom_int blk = first; blk * nb < b; blk += L->Pr) {
        rom_int lo = max_int(a, blk * nb), hi = min_int(b, (blk + 1) * nb), len = hi - lo;
        rom_int grow = (blk / L->Pr) * nb + (lo - blk * nb);
        double *g = grid + grow + gcol * grid_ld, *h = host + (lo - off) + j * host_ld;
        if (len <= 0) continue;
        if (!to_grid)
          memcpy(h, g, sizeof(double) * (size_t)len);
        else if (shift)
          for (rom_int i = 0; i < len; ++i)
            g[i] = h[i] - shift[lo - off + i];
        else
          memcpy(g, h, sizeof(double) * (size_t)len);
      }
    }
  }
}

/* Moves columns [c0, c1) between the host's row partition (this rank: rows [off, off +
 * lr), column-major with leading dimension host_ld) and the block-cyclic layout (local
 * leading dimension grid_ld). to_grid: host -> grid, subtracting `shift` (may be NULL);
 * if *grid is NULL it (grid_count doubles) is allocated here after the send buffer is
 * released, to keep the peak at send + receive or receive + grid; otherwise the entries are
 * written into the caller's *grid and the others left as they are. Otherwise grid -> host:
 * *grid is read and `host` (allocated by the caller) is overwritten; with release_grid, *grid
 * is freed (and set to NULL) as soon as it has been packed, before the receive buffer is
 * allocated. This rank's own share never goes through the buffers (self_copy). One
 * MPI_Alltoallv. Collective. */
static int sl_exchange(rom_ctx *ctx, const sl_layout *L, int to_grid, rom_int c0, rom_int c1,
                       rom_int lr, rom_int off, double *host, rom_int host_ld, const double *shift,
                       double **grid, size_t grid_count, rom_int grid_ld, int release_grid) {
  int err = ROM_OK, P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  int *counts = NULL; /* scount, sdispl, rcount, rdispl: 4 P */
  double *sbuf = NULL, *rbuf = NULL;
  rom_int stotal = 0, rtotal = 0;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * 4 * (size_t)P, (void **)&counts));
  for (int q = 0; q < P; ++q) {
    /* host -> grid: what this rank's rows give process q, and what q's rows give this
     * process; grid -> host is the same pair of numbers with the roles exchanged. */
    rom_int mine = (cyclic_count(off + lr, L->nb, L->coord[2 * q], L->Pr) -
                    cyclic_count(off, L->nb, L->coord[2 * q], L->Pr)) *
                   (cyclic_count(c1, L->nb, L->coord[2 * q + 1], L->Pc) -
                    cyclic_count(c0, L->nb, L->coord[2 * q + 1], L->Pc));
    rom_int theirs =
        (cyclic_count(L->offset[q + 1], L->nb, L->myrow, L->Pr) -
         cyclic_count(L->offset[q], L->nb, L->myrow, L->Pr)) *
        (cyclic_count(c1, L->nb, L->mycol, L->Pc) - cyclic_count(c0, L->nb, L->mycol, L->Pc));
    rom_int sc = to_grid ? mine : theirs, rc = to_grid ? theirs : mine;
    if (q == me) sc = rc = 0; /* self_copy */
    counts[q] = (int)(sc < INT_MAX ? sc : INT_MAX);
    counts[P + q] = (int)(stotal < INT_MAX ? stotal : INT_MAX);
    counts[2 * P + q] = (int)(rc < INT_MAX ? rc : INT_MAX);
    counts[3 * P + q] = (int)(rtotal < INT_MAX ? rtotal : INT_MAX);
    stotal += sc;
    rtotal += rc;
  }
  ROM_CHECK_ALL(ctx, stotal <= INT_MAX && rtotal <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "ScaLAPACK redistribution: this rank would send %lld and receive %lld values, "
                "beyond MPI_Alltoallv's int counts (2^31 - 1): use more ranks",
                (long long)stotal, (long long)rtotal);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)stotal, (void **)&sbuf));
  {
    double *p = sbuf;
    for (int q = 0; q < P; ++q) {
      if (q == me) continue;
      if (to_grid)
        p = visit_runs(L, L->coord[2 * q], L->coord[2 * q + 1], off, off + lr, c0, c1, 0, 1, host,
                       host_ld, off, shift, p);
      else
        p = visit_runs(L, L->myrow, L->mycol, L->offset[q], L->offset[q + 1], c0, c1, 1, 1, *grid,
                       grid_ld, 0, NULL, p);
    }
  }
  if (!to_grid) {
    self_copy(L, off, lr, c0, c1, 0, host, host_ld, NULL, *grid, grid_ld);
    if (release_grid) {
      rom_free(ctx, *grid);
      *grid = NULL;
    }
  }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)rtotal, (void **)&rbuf));
  ROM_MPI(ctx, MPI_Alltoallv(sbuf, counts, counts + P, MPI_DOUBLE, rbuf, counts + 2 * P,
                             counts + 3 * P, MPI_DOUBLE, rom_ctx_comm(ctx)));
  rom_free(ctx, sbuf);
  sbuf = NULL;
  /* every rank passes the same kind of *grid (all NULL or all allocated): same branch */
  if (to_grid && !*grid)
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * grid_count, (void **)grid));
  if (to_grid) self_copy(L, off, lr, c0, c1, 1, host, host_ld, shift, *grid, grid_ld);
  {
    double *p = rbuf;
    for (int q = 0; q < P; ++q) {
      if (q == me) continue;
      if (to_grid)
        p = visit_runs(L, L->myrow, L->mycol, L->offset[q], L->offset[q + 1], c0, c1, 1, 0, *grid,
                       grid_ld, 0, NULL, p);
      else
        p = visit_runs(L, L->coord[2 * q], L->coord[2 * q + 1], off, off + lr, c0, c1, 0, 0, host,
                       host_ld, off, NULL, p);
    }
  }
cleanup:
  rom_free(ctx, counts);
  rom_free(ctx, sbuf);
  rom_free(ctx, rbuf);
  return err;
}

/* Which way the SVD is computed (plan_* below; docs/pod.md "ScaLAPACK"). */
enum { SL_DIRECT = 0, SL_QR_GATHER = 1, SL_QR_GRID = 2 };
static const char *const sl_path_name[] = {"pdgesvd of A",
                                           "pdgeqrf + dgesdd of R on rank 0 + pdormqr",
                                           "pdgeqrf + pdgesvd of R + pdormqr"};

/* Largest m for which the m x m R always goes to rank 0 (dgesdd there); beyond, only when
 * m^2 is at most the largest rank's share of A (so rank 0's O(m^2) never dominates). */
#define SCALAPACK_GATHER_COLS 512

typedef struct {
  int path;
  int lwork_svd;               /* pdgesvd: of A (direct) or of the m x m R (grid) */
  int lwork_qr;                /* pdgeqrf */
  int lwork_ormqr;             /* pdormqr, for r columns (an upper bound for k <= r) */
  uint64_t need;               /* bytes per rank, max over ranks, of the chosen path */
  uint64_t copy, ubytes, work; /* its parts, for the error message */
} sl_plan;

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t x = a > b ? a : b;
  return x > c ? x : c;
}

static int query_lwork(double q, int *lwork) {
  double lw = q < 1.0 ? 1.0 : q;
  if (lw > (double)INT_MAX) return 0;
  *lwork = (int)lw;
  return 1;
}

/* Columns per exchange on the way back (step 5): U goes back in chunks of this many columns,
 * one MPI_Alltoallv each, so that the send and receive buffers hold at most about m^2 values
 * (m^2 / 2 each) instead of a share of all of U, next to U's block-cyclic copy and the host
 * U. rows: the most rows any rank has on either side (host partition, or process row 0 of
 * the grid, the largest). At least 1; all k columns at once on one rank (no buffers). Depends
 * only on values every rank knows: every rank makes the same number of exchanges. */
static rom_int sl_chunk_cols(const sl_layout *L, rom_int N, rom_int m, rom_int k, int P) {
  rom_int rows = cyclic_count(N, L->nb, 0, L->Pr);
  if (P == 1) return max_int(1, k);
  for (int q = 0; q < P; ++q)
    rows = max_int(rows, L->offset[q + 1] - L->offset[q]);
  return max_int(1, min_int(k, (m * m) / (2 * max_int(1, rows))));
}

/* C <- Q C on a Pr x 1 grid (every process owns whole rows: mloc rows of the N x m A and the
 * N x k C, leading dimension ld), Q = H(1) ... H(m) from pdgeqrf (reflectors below A's
 * diagonal; the panel's tau is taken from the process row that owns the diagonal block). The
 * reflectors are applied nb at a time, last panel first, as LAPACK's dlarfb does:
 * C <- C - V T (V^T C) with T from dlarft's recurrence on G = V^T V; V^T V and V^T C are
 * summed over the ranks with one MPI_Allreduce per panel (which also carries the panel's tau
 * from the owner of its diagonal block, the others adding zeros). The panel's diagonal block (one
 * row block, on one process row) is copied into Vd with its unit lower-trapezoidal shape.
 * Why not pdormqr here: its workspace is (mloc + nloc) nb + nb^2 values, nb / m of a local
 * block (a third of it at m = 200), which pushed the driver's peak past 2 local blocks;
 * this needs nb (3 nb + k + 1) values (Vd, T, [G W tau]): O(m^2). Collective. */
static int sl_apply_q_rows(rom_ctx *ctx, const sl_layout *L, rom_int N, rom_int m, rom_int k,
                           rom_int mloc, const double *Abc, const double *tau, double *C,
                           rom_int ld, double *work) {
  int err = ROM_OK;
  rom_int nb = L->nb;
  double *Vd = work, *T = work + nb * nb, *GW = work + 2 * nb * nb;
  for (rom_int j0 = ((m - 1) / nb) * nb; j0 >= 0; j0 -= nb) {
    rom_int b = min_int(nb, m - j0), l0 = cyclic_count(j0, nb, L->myrow, L->Pr), bd = 0;
    rom_int rest0 = 0, nrest = 0;
    const double *V = Abc + j0 * ld;
    double *G = GW, *W = GW + b * b, *tb = GW + b * (b + k);
    if ((int)((j0 / nb) % L->Pr) == L->myrow) bd = min_int(nb, N - j0);
    rest0 = l0 + bd;
    nrest = mloc - rest0;
    memset(GW, 0, sizeof(double) * (size_t)(b * (b + k + 1)));
    if (bd > 0) {
      memcpy(tb, tau + j0, sizeof(double) * (size_t)b);
      for (rom_int i = 0; i < b; ++i)
        for (rom_int q = 0; q < bd; ++q)
          Vd[q + i * bd] = q < i ? 0.0 : q == i ? 1.0 : V[l0 + q + i * ld];
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)b, (int)bd, 1.0, Vd, (int)bd, 1.0, G,
                  (int)b);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)b, (int)k, (int)bd, 1.0, Vd,
                  (int)bd, C + l0, (int)ld, 1.0, W, (int)b);
    }
    if (nrest > 0) {
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)b, (int)nrest, 1.0, V + rest0,
                  (int)ld, 1.0, G, (int)b);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)b, (int)k, (int)nrest, 1.0,
                  V + rest0, (int)ld, C + rest0, (int)ld, 1.0, W, (int)b);
    }
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, GW, (int)(b * (b + k + 1)), MPI_DOUBLE, MPI_SUM,
                               rom_ctx_comm(ctx)));
    /* dlarft (forward, columnwise): T(0:i, i) = -tau_i T(0:i, 0:i) V(:, 0:i)^T V(:, i) */
    for (rom_int i = 0; i < b; ++i) {
      double t = tb[i];
      for (rom_int a = 0; a < i; ++a)
        T[a + i * b] = -t * G[a + i * b];
      if (i > 0)
        cblas_dtrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)i, T, (int)b,
                    T + i * b, 1);
      T[i + i * b] = t;
    }
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)b, (int)k,
                1.0, T, (int)b, W, (int)b);
    if (bd > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)bd, (int)k, (int)b, -1.0, Vd,
                  (int)bd, W, (int)b, 1.0, C + l0, (int)ld);
    if (nrest > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)nrest, (int)k, (int)b, -1.0,
                  V + rest0, (int)ld, W, (int)b, 1.0, C + rest0, (int)ld);
  }
cleanup:
  return err;
}

int rom_svd_scalapack(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                      rom_svd_result *res) {
  int err = ROM_OK, P = 0, handle = -1, blacs = -1, have_grid = 0, info = 0, root = 0;
  int descA[9], descU[9], descR[9], iN = 0, im = 0, ir = 0, ik = 0, inb = 0, zero = 0, one = 1;
  int lldA = 1, lldR = 1, lldVT = 1, tall = 0, serial = 0, rowq = 0;
  rom_ctx *ctx = rom_dmat_ctx(A);
  MPI_Comm comm = MPI_COMM_NULL;
  sl_layout L, L0; /* L0: the same grid, the host rows [0, m) all on rank 0 (gathering R) */
  sl_plan plan;
  rom_int N = rom_dmat_global_rows(A), m = rom_dmat_cols(A), lr = rom_dmat_local_rows(A), r = 0,
          k = 0;
  rom_int mlocA = 0, nlocA = 0, nlocU = 0, mlocR = 0, mlocVT = 0;
  double *Abc = NULL, *Ubc = NULL, *work = NULL, *s = NULL, *tau = NULL, *Rbc = NULL, *URbc = NULL;
  double *Rh = NULL, *uh = NULL, dummy[1] = {0.0};
  rom_dmat *U = NULL;
  double t_start = rom_wtime(), t_phase[5] = {0, 0, 0, 0, 0}; /* exchange, QR, SVD, Q, back */

  memset(&L, 0, sizeof L);
  memset(&L0, 0, sizeof L0);
  memset(&plan, 0, sizeof plan);
  P = rom_ctx_size(ctx);
  comm = rom_ctx_comm(ctx);
  root = rom_ctx_rank(ctx) == 0;
  r = min_int(N, m);
  tall = N >= m;
  ROM_CHECK_ALL(ctx, N <= INT_MAX && m <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "ScaLAPACK takes 32-bit sizes: the %lld x %lld snapshot matrix is beyond "
                "2^31 - 1 rows or columns (use the 'tsqr' or 'randomized' method)",
                (long long)N, (long long)m);

  /* 1. Grid and layout. */
  choose_grid(N, m, P, &L.Pr, &L.Pc, &L.nb);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(int) * 2 * (size_t)P, (void **)&L.coord));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * ((size_t)P + 1), (void **)&L.offset));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * ((size_t)P + 1), (void **)&L0.offset));
  /* BLACS_GRIDINIT takes the system context in and returns the grid's context */
  handle = Csys2blacs_handle(comm);
  blacs = handle;
  Cblacs_gridinit(&blacs, "Row", L.Pr, L.Pc);
  have_grid = 1;
  {
    int nprow = 0, npcol = 0, mine[2];
    Cblacs_gridinfo(blacs, &nprow, &npcol, &L.myrow, &L.mycol);
    ROM_CHECK_ALL(ctx, nprow == L.Pr && npcol == L.Pc && L.myrow >= 0 && L.mycol >= 0, ROM_ERR_MPI,
                  "BLACS gave this rank no place in the %d x %d grid (gridinfo: "
                  "%d x %d, row %d, column %d)",
                  L.Pr, L.Pc, nprow, npcol, L.myrow, L.mycol);
    mine[0] = L.myrow;
    mine[1] = L.mycol;
    ROM_MPI(ctx, MPI_Allgather(mine, 2, MPI_INT, L.coord, 2, MPI_INT, comm));
  }
  {
    /* every rank's local_rows into offset[1..P], then the prefix sums in place */
    ROM_MPI(ctx, MPI_Allgather(&lr, 1, MPI_INT64_T, L.offset + 1, 1, MPI_INT64_T, comm));
    L.offset[0] = 0;
    for (int q = 0; q < P; ++q)
      L.offset[q + 1] += L.offset[q];
  }
  serial = L.Pr == 1 && L.Pc == 1;
  rowq = L.Pc == 1 && !serial; /* Q applied by sl_apply_q_rows, not pdormqr */
  L0.nb = L.nb, L0.Pr = L.Pr, L0.Pc = L.Pc, L0.myrow = L.myrow, L0.mycol = L.mycol;
  L0.coord = L.coord;
  L0.offset[0] = 0;
  for (int q = 1; q <= P; ++q)
    L0.offset[q] = m;
  mlocA = cyclic_count(N, L.nb, L.myrow, L.Pr);
  nlocA = cyclic_count(m, L.nb, L.mycol, L.Pc);
  nlocU = cyclic_count(r, L.nb, L.mycol, L.Pc);
  mlocR = cyclic_count(m, L.nb, L.myrow, L.Pr);
  mlocVT = cyclic_count(r, L.nb, L.myrow, L.Pr);
  lldA = (int)max_int(1, mlocA);
  lldR = (int)max_int(1, mlocR);
  lldVT = (int)max_int(1, mlocVT);
  iN = (int)N;
  im = (int)m;
  ir = (int)r;
  inb = (int)L.nb;
  {
    int i1 = 0, i2 = 0, i3 = 0;
    descinit_(descA, &iN, &im, &inb, &inb, &zero, &zero, &blacs, &lldA, &i1);
    descinit_(descU, &iN, &ir, &inb, &inb, &zero, &zero, &blacs, &lldA, &i2);
    if (tall) /* R and its singular vectors: m x m */
      descinit_(descR, &im, &im, &inb, &inb, &zero, &zero, &blacs, &lldR, &i3);
    else /* pdgesvd's (unused) VT: r x m */
      descinit_(descR, &ir, &im, &inb, &inb, &zero, &zero, &blacs, &lldVT, &i3);
    ROM_CHECK_ALL(ctx, i1 == 0 && i2 == 0 && i3 == 0, ROM_ERR_INTERNAL,
                  "descinit rejected a descriptor (A: info %d, U: %d, R/VT: %d) for the %lld x "
                  "%lld matrix on a %d x %d grid with %lld x %lld blocks",
                  i1, i2, i3, (long long)N, (long long)m, L.Pr, L.Pc, (long long)L.nb,
                  (long long)L.nb);
  }

  /* 3. Workspace queries, then the memory check before any large allocation. All counts in
   * doubles per rank, 64-bit; k = r assumed (the truncation is only known after the SVD). */
  {
    const uint64_t d = sizeof(double);
    uint64_t sendF = (uint64_t)lr * (uint64_t)m, gridA = (uint64_t)mlocA * (uint64_t)nlocA;
    uint64_t gridU = (uint64_t)mlocA * (uint64_t)nlocU, hostU = (uint64_t)lr * (uint64_t)r;
    uint64_t gridR = (uint64_t)mlocR * (uint64_t)nlocA, mm = (uint64_t)m * (uint64_t)m;
    uint64_t tauN = (uint64_t)nlocA + 1;
    uint64_t ints = (uint64_t)P * (2 * sizeof(int) + 2 * sizeof(rom_int) + 4 * sizeof(int)) +
                    2 * sizeof(rom_int);
    /* this rank's own share (host rows it also owns on the grid) needs no buffer */
    uint64_t mine_rows = (uint64_t)(cyclic_count(rom_dmat_row_offset(A) + lr, L.nb, L.myrow, L.Pr) -
                                    cyclic_count(rom_dmat_row_offset(A), L.nb, L.myrow, L.Pr));
    uint64_t selfA = mine_rows * (uint64_t)nlocA, selfU = mine_rows * (uint64_t)nlocU;
    /* to the grid: send + receive buffers, then receive buffer + grid copy */
    uint64_t p_in = (gridA - selfA) + (sendF - selfA > gridA ? sendF - selfA : gridA);
    /* back, in chunks of kc columns (Ubc released after the last one is packed): U + Ubc
     * + one chunk's send and receive buffers (upper bounds: a chunk has at most kc of this
     * process's columns; with Pc = 1 this rank's own rows are never sent to itself) */
    uint64_t kc = (uint64_t)sl_chunk_cols(&L, N, m, r, P);
    uint64_t sU = P == 1 ? 0 : ((uint64_t)mlocA - mine_rows) * kc;
    uint64_t rU = P == 1 ? 0 : ((uint64_t)lr - (L.Pc == 1 ? mine_rows : 0)) * kc;
    uint64_t p_back = hostU + gridU + sU + rU + (uint64_t)r;
    (void)selfU;
    /* v: [direct, gather, grid] needs (bytes), then gridA, the parts of the message */
    uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    double q_svd = 0.0, q_qr = 0.0, q_orm = 0.0, q_sdd = 0.0;
    int ok = 1, qlwork = -1;
    if (!tall) {
      info = 0;
      pdgesvd_("V", "N", &iN, &im, dummy, &one, &one, descA, dummy, dummy, &one, &one, descU, dummy,
               &one, &one, descR, &q_svd, &qlwork, &info, 1, 1);
      ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                    "pdgesvd workspace query for the %lld x %lld matrix returned info = %d",
                    (long long)N, (long long)m, info);
      ok = query_lwork(q_svd, &plan.lwork_svd);
      uint64_t w = (uint64_t)plan.lwork_svd;
      v[0] = max3(p_in, gridA + gridU + w + (uint64_t)r, p_back) * d + ints;
      v[4] = gridA * d, v[5] = gridU * d, v[6] = w * d;
    } else {
      int i1 = 0, i2 = 0, i3 = 0;
      pdgeqrf_(&iN, &im, dummy, &one, &one, descA, dummy, &q_qr, &qlwork, &i1);
      pdormqr_("L", "N", &iN, &ir, &im, dummy, &one, &one, descA, dummy, dummy, &one, &one, descU,
               &q_orm, &qlwork, &i2, 1, 1);
      pdgesvd_("V", "N", &im, &im, dummy, &one, &one, descR, dummy, dummy, &one, &one, descR, dummy,
               &one, &one, descR, &q_svd, &qlwork, &i3, 1, 1);
      ROM_CHECK_ALL(ctx, i1 == 0 && i2 == 0 && i3 == 0, ROM_ERR_LAPACK,
                    "ScaLAPACK workspace queries for the %lld x %lld matrix returned info = %d "
                    "(pdgeqrf), %d (pdormqr), %d (pdgesvd of R)",
                    (long long)N, (long long)m, i1, i2, i3);
      if (root) {
        /* what rom_small_svd allocates for dgesdd of the m x m R */
        lapack_int iw = 0, n = (lapack_int)m;
        LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', n, n, dummy, n, dummy, dummy, n, dummy, n,
                            &q_sdd, -1, &iw);
      }
      if (serial) {
        /* a 1 x 1 grid: LAPACK's dgeqrf / dormqr on the local array (the whole matrix) */
        lapack_int n = (lapack_int)N, c = (lapack_int)m;
        LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, c, dummy, n, dummy, &q_qr, -1);
        LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'N', n, c, c, dummy, n, dummy, dummy, n, &q_orm,
                            -1);
      }
      if (rowq) /* sl_apply_q_rows: Vd, T (nb x nb each) and [G W tau] (nb x (nb + r + 1)) */
        q_orm = (double)L.nb * (double)(3 * L.nb + r + 1);
      ok = query_lwork(q_qr, &plan.lwork_qr) && query_lwork(q_orm, &plan.lwork_ormqr) &&
           query_lwork(q_svd, &plan.lwork_svd);
      {
        uint64_t wq = (uint64_t)plan.lwork_qr, wo = (uint64_t)plan.lwork_ormqr;
        uint64_t ws = (uint64_t)plan.lwork_svd, wd = (uint64_t)(q_sdd < 1.0 ? 1.0 : q_sdd);
        uint64_t base = gridA + tauN, sv = (uint64_t)r;
        uint64_t p_qr = base + wq, p_orm = base + gridU + sv + wo;
        /* gather: R's rows travel to rank 0 (send share + receive + R there), dgesdd there
         * (R, u, s and rom_small_svd's two m x m copies, workspace, 8 m ints), u's first k
         * columns back (u, send buffer there; Ubc and the receive share everywhere) */
        uint64_t g1 = base + gridR + (root ? 2 * mm : 0);
        uint64_t g2 = base + sv + (root ? 4 * mm + wd + 8 * (uint64_t)m : 0);
        uint64_t g3 = base + sv + gridU + gridR + (root ? 2 * mm : 0);
        /* grid: Rbc and URbc (m x m block-cyclic) and pdgesvd's workspace, then URbc -> Ubc */
        uint64_t r1 = base + sv + 2 * gridR + ws, r2 = base + sv + gridR + gridU;
        uint64_t common = max3(p_in, p_qr, max3(p_orm, p_back, 0));
        v[1] = max3(common, g1, max3(g2, g3, 0)) * d + ints;
        v[2] = max3(common, r1, r2) * d + ints;
        v[4] = gridA * d, v[5] = gridU * d, v[6] = (wq > wo ? wq : wo) * d;
        v[7] = (gridR + ws) * d;
      }
    }
    v[3] = ok ? 0 : 1;
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, v, 8, MPI_UINT64_T, MPI_MAX, comm));
    /* the same numbers on every rank: every rank takes the same branch */
    ROM_CHECK(ctx, v[3] == 0, ROM_ERR_UNSUPPORTED,
              "ScaLAPACK asks for more workspace than its 32-bit LWORK can hold for the %lld x "
              "%lld matrix: use more ranks",
              (long long)N, (long long)m);
    {
      double B = o->memory_budget;
      int gather_ok =
          tall && ((rom_int)m <= SCALAPACK_GATHER_COLS || (uint64_t)m * (uint64_t)m <= v[4] / d);
      if (!tall) {
        plan.path = SL_DIRECT, plan.need = v[0];
      } else if (gather_ok && (B <= 0.0 || (double)v[1] <= B)) {
        plan.path = SL_QR_GATHER, plan.need = v[1];
      } else {
        plan.path = SL_QR_GRID, plan.need = v[2];
        if (gather_ok && v[1] < v[2]) plan.need = v[1]; /* the smaller need, for the message */
      }
      plan.copy = v[4], plan.ubytes = v[5],
      plan.work = plan.path == SL_QR_GRID ? v[6] + v[7] : v[6];
      ROM_CHECK(ctx, B <= 0.0 || (double)plan.need <= B, ROM_ERR_NOMEM,
                "the ScaLAPACK SVD of the %lld x %lld snapshot matrix needs %llu bytes per rank "
                "(%llu for the block-cyclic copy, %llu for U, %llu for ScaLAPACK's workspace, "
                "the rest for the redistribution%s) but the memory budget is %.0f bytes per "
                "rank: raise the budget, use more ranks, or use the 'randomized' method",
                (long long)N, (long long)m, (unsigned long long)plan.need,
                (unsigned long long)plan.copy, (unsigned long long)plan.ubytes,
                (unsigned long long)plan.work, tall ? " and the m x m R" : "", B);
    }
  }

  /* 2. Host rows -> block-cyclic A - shift 1^T (to_grid = 1 only reads the host rows). */
  ROM_TRY(ctx, sl_exchange(ctx, &L, 1, 0, m, lr, rom_dmat_row_offset(A),
                           (double *)rom_dmat_data_const(A), rom_dmat_ld(A), shift, &Abc,
                           (size_t)(mlocA * nlocA), lldA, 0));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)max_int(r, 1), (void **)&s));
  t_phase[0] = rom_wtime();

  if (plan.path == SL_DIRECT) {
    /* 4. pdgesvd of A itself (N < m: nothing to gain from a QR first). */
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(mlocA * nlocU), (void **)&Ubc));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)plan.lwork_svd, (void **)&work));
    info = 0;
    pdgesvd_("V", "N", &iN, &im, Abc, &one, &one, descA, s, Ubc, &one, &one, descU, dummy, &one,
             &one, descR, work, &plan.lwork_svd, &info, 1, 1);
  } else {
    /* 4a. A = Q R (pdgeqrf): R in the upper triangle of A's first m rows. */
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(nlocA + 1), (void **)&tau));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)plan.lwork_qr, (void **)&work));
    info = 0;
    if (serial) /* ScaLAPACK's PBLAS layer cost 2.5x in pdormqr on one process (docs/pod.md) */
      info = (int)LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)N, (lapack_int)m, Abc,
                                      (lapack_int)lldA, tau, work, (lapack_int)plan.lwork_qr);
    else
      pdgeqrf_(&iN, &im, Abc, &one, &one, descA, tau, work, &plan.lwork_qr, &info);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                  "pdgeqrf on the %lld x %lld matrix returned info = %d", (long long)N,
                  (long long)m, info);
    rom_free(ctx, work);
    work = NULL;
    t_phase[1] = rom_wtime();
    if (plan.path == SL_QR_GATHER) {
      /* 4b. R to rank 0 (the host layout L0: rows [0, m) on rank 0), dgesdd there. */
      int st = ROM_OK;
      rom_int lr0 = root ? m : 0;
      ROM_TRY_ALL(ctx,
                  root ? rom_malloc(ctx, sizeof(double) * (size_t)(m * m), (void **)&Rh) : ROM_OK);
      ROM_TRY(ctx,
              sl_exchange(ctx, &L0, 0, 0, m, lr0, root ? 0 : m, Rh, m, NULL, &Abc, 0, lldA, 0));
      if (root) {
        for (rom_int j = 0; j < m; ++j)
          for (rom_int i = j + 1; i < m; ++i)
            Rh[i + j * m] = 0.0;
        st = rom_malloc(ctx, sizeof(double) * (size_t)(m * m), (void **)&uh);
        if (st == ROM_OK) st = rom_small_svd(ctx, m, m, Rh, m, uh, s);
      }
      ROM_TRY_ALL(ctx, st);
      rom_free(ctx, Rh);
      Rh = NULL;
      ROM_MPI(ctx, MPI_Bcast(s, ir, MPI_DOUBLE, 0, comm));
      k = r > 0 && s[0] > 0.0 ? rom_pod_choose_k(o, s, r) : 0;
      ROM_TRY_ALL(ctx,
                  rom_calloc(ctx, (size_t)max_int(1, mlocA * cyclic_count(k, L.nb, L.mycol, L.Pc)),
                             sizeof(double), (void **)&Ubc));
      /* 4c. [U_R[:, :k]; 0] block-cyclic: u's rows into Ubc's first m rows (the rest is 0) */
      if (k > 0)
        ROM_TRY(ctx,
                sl_exchange(ctx, &L0, 1, 0, k, lr0, root ? 0 : m, uh, m, NULL, &Ubc, 0, lldA, 0));
      rom_free(ctx, uh);
      uh = NULL;
    } else {
      /* 4b'. R as an m x m block-cyclic matrix on the same grid, pdgesvd of it. */
      ROM_TRY_ALL(
          ctx, rom_calloc(ctx, (size_t)max_int(1, mlocR * nlocA), sizeof(double), (void **)&Rbc));
      ROM_TRY_ALL(
          ctx, rom_malloc(ctx, sizeof(double) * (size_t)max_int(1, mlocR * nlocA), (void **)&URbc));
      pdlacpy_("U", &im, &im, Abc, &one, &one, descA, Rbc, &one, &one, descR, 1);
      ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)plan.lwork_svd, (void **)&work));
      info = 0;
      pdgesvd_("V", "N", &im, &im, Rbc, &one, &one, descR, s, URbc, &one, &one, descR, dummy, &one,
               &one, descR, work, &plan.lwork_svd, &info, 1, 1);
      rom_free(ctx, work);
      work = NULL;
      rom_free(ctx, Rbc);
      Rbc = NULL;
    }
  }
  if (plan.path != SL_QR_GATHER) {
    ROM_CHECK_ALL(ctx, info >= 0, ROM_ERR_LAPACK,
                  "pdgesvd on the %lld x %lld matrix rejected argument %d (info = %d)",
                  (long long)(tall ? m : N), (long long)m, -info, info);
    ROM_CHECK_ALL(ctx, info != ir + 1, ROM_ERR_LAPACK,
                  "pdgesvd: the processes computed different singular values (info = %d, "
                  "heterogeneous arithmetic across ranks)",
                  info);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_NOT_CONVERGED,
                  "pdgesvd: the bidiagonal QR iteration did not converge for %d superdiagonals "
                  "(info = %d) on the %lld x %lld matrix",
                  info, info, (long long)(tall ? m : N), (long long)m);
    rom_free(ctx, work);
    work = NULL;
    k = r > 0 && s[0] > 0.0 ? rom_pod_choose_k(o, s, r) : 0;
  }
  if (plan.path == SL_QR_GRID) {
    /* [U_R[:, :k]; 0] block-cyclic, N x k */
    ROM_TRY_ALL(ctx,
                rom_calloc(ctx, (size_t)max_int(1, mlocA * cyclic_count(k, L.nb, L.mycol, L.Pc)),
                           sizeof(double), (void **)&Ubc));
    ik = (int)k;
    if (k > 0) {
      int dK[9], i1 = 0;
      descinit_(dK, &iN, &ik, &inb, &inb, &zero, &zero, &blacs, &lldA, &i1);
      ROM_CHECK_ALL(ctx, i1 == 0, ROM_ERR_INTERNAL, "descinit rejected the N x k descriptor (%d)",
                    i1);
      pdlacpy_("A", &im, &ik, URbc, &one, &one, descR, Ubc, &one, &one, dK, 1);
    }
    rom_free(ctx, URbc);
    URbc = NULL;
  }
  t_phase[2] = rom_wtime();
  if (plan.path != SL_DIRECT && k > 0) {
    /* 4d. U = Q [U_R[:, :k]; 0] (pdormqr): only the k wanted columns are formed. */
    int dK[9], i1 = 0;
    ik = (int)k;
    descinit_(dK, &iN, &ik, &inb, &inb, &zero, &zero, &blacs, &lldA, &i1);
    ROM_CHECK_ALL(ctx, i1 == 0, ROM_ERR_INTERNAL, "descinit rejected the N x k descriptor (%d)",
                  i1);
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)plan.lwork_ormqr, (void **)&work));
    info = 0;
    if (serial)
      info = (int)LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'N', (lapack_int)N, (lapack_int)k,
                                      (lapack_int)m, Abc, (lapack_int)lldA, tau, Ubc,
                                      (lapack_int)lldA, work, (lapack_int)plan.lwork_ormqr);
    else if (rowq)
      ROM_TRY(ctx, sl_apply_q_rows(ctx, &L, N, m, k, mlocA, Abc, tau, Ubc, lldA, work));
    else
      pdormqr_("L", "N", &iN, &ik, &im, Abc, &one, &one, descA, tau, Ubc, &one, &one, dK, work,
               &plan.lwork_ormqr, &info, 1, 1);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK,
                  "pdormqr (U = Q [U_R; 0], %lld x %lld) returned info = %d", (long long)N,
                  (long long)k, info);
  }
  rom_free(ctx, work);
  work = NULL;
  rom_free(ctx, tau);
  tau = NULL;
  rom_free(ctx, Abc);
  Abc = NULL;
  t_phase[3] = rom_wtime();

  /* 5. U's first k columns back to the host's rows. */
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, k, &U));
  {
    rom_int kc = sl_chunk_cols(&L, N, m, k, P);
    for (rom_int c0 = 0; c0 < k; c0 += kc) {
      rom_int c1 = min_int(k, c0 + kc);
      ROM_TRY(ctx, sl_exchange(ctx, &L, 0, c0, c1, lr, rom_dmat_row_offset(A), rom_dmat_data(U),
                               rom_dmat_ld(U), NULL, &Ubc, 0, lldA, c1 == k));
    }
  }
  t_phase[4] = rom_wtime();
  if (plan.path == SL_DIRECT) t_phase[1] = t_phase[0];
  rom_log(ctx, ROM_LOG_DEBUG,
          "ScaLAPACK SVD of the %lld x %lld matrix: %s on a %d x %d grid, %lld x %lld blocks, "
          "%llu bytes per rank planned, %.3f s (rank 0: to the grid %.3f, QR %.3f, SVD %.3f, "
          "Q %.3f, back %.3f)",
          (long long)N, (long long)m, sl_path_name[plan.path], L.Pr, L.Pc, (long long)L.nb,
          (long long)L.nb, (unsigned long long)plan.need, t_phase[4] - t_start,
          t_phase[0] - t_start, t_phase[1] - t_phase[0], t_phase[2] - t_phase[1],
          t_phase[3] - t_phase[2], t_phase[4] - t_phase[3]);
  res->r = r;
  res->s = s;
  res->U = U;
  s = NULL;
  U = NULL;
cleanup:
  if (have_grid) Cblacs_gridexit(blacs);
  if (handle >= 0) Cfree_blacs_system_handle(handle);
  rom_free(ctx, L.coord);
  rom_free(ctx, L.offset);
  rom_free(ctx, L0.offset);
  rom_free(ctx, Abc);
  rom_free(ctx, Ubc);
  rom_free(ctx, work);
  rom_free(ctx, s);
  rom_free(ctx, tau);
  rom_free(ctx, Rbc);
  rom_free(ctx, URbc);
  rom_free(ctx, Rh);
  rom_free(ctx, uh);
  rom_dmat_destroy(&U);
  return err;
}
