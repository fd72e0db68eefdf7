/* romkit internal — the hyper-reduction object (include/romkit/hyper.h) and the helpers
 * the sample-selection files (deim.c, qdeim.c, gnat.c, sopt.c, deim_os.c; the table of
 * methods is methods.h) share.
 *
 * Every selection method runs the same way on every rank: each rank scores its own rows
 * with plain loops in a fixed order (not BLAS, whose kernels may round a row differently
 * depending on where it falls in the local block — that would let the partition change
 * which of two nearly equal rows wins), the winner is found by an exact MPI maximum
 * followed by the lowest global row among the ranks holding that maximum, and the small
 * replicated matrices (rows of U at the samples) are assembled by an exact reduction
 * (one non-zero contribution per entry). So the samples do not depend on the rank count. */
#ifndef ROMKIT_HYPER_HYPER_IMPL_H
#define ROMKIT_HYPER_HYPER_IMPL_H

#include "core/check.h"
#include "hyper/methods.h"
#include "romkit/hyper.h"

struct rom_hyper {
  rom_ctx *ctx;
  rom_hyper_method method;
  rom_int N, ns, nb, k, nneeded;
  rom_int *sample_rows;        /* ns, ascending */
  rom_int *needed_rows;        /* nneeded, ascending */
  rom_int ninit;               /* the caller's initial samples (S-OPT), 0 if none */
  rom_int *initial_rows;       /* ninit, ascending (a subset of sample_rows) */
  double *state_basis_rows;    /* nneeded x k, column-major */
  double *reference_rows;      /* nneeded */
  double *residual_basis_rows; /* ns x nb, column-major (rows in sample_rows order) */
  double *gappy_pinv;          /* nb x ns, column-major */
  rom_ae_subnet *decoder;      /* manifold: decoder sub-network at needed_rows (else NULL) */
};

/* Relative rank tolerance of the greedy selections: a new pick whose residual (DEIM,
 * GNAT) or remaining row norm (QDEIM) is below ROM_HYPER_RANK_TOL times the size of the
 * vector it came from means the residual basis has fewer than nb independent columns
 * (rounding leaves ~1e-16 there, not 0). */
#define ROM_HYPER_RANK_TOL 1e-12

/* max_i |U(i, col)| over all ranks. Collective. */
int rom_hyper_column_max(const rom_dmat *U, rom_int col, double *value);

/* Allocates an empty object (arrays NULL). Not collective. */
int rom_hyper_alloc(rom_ctx *ctx, rom_hyper **out);

/* A selection method (one line of the table in methods.h): U (N x >= nb), nb, ns already
 * checked against the method's rules (ns == nb with ROM_HYPER_RULE_EXACT_SAMPLES); samples
 * get ns rows in pick order. samples[0 .. ninit) hold the caller's initial samples on entry
 * (checked: distinct, in range, replicated); ninit is 0 unless the method has
 * ROM_HYPER_RULE_INITIAL_SAMPLES. Collective. */
typedef int (*rom_hyper_select_fn)(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit,
                                   rom_int *samples);

/* One entry of the method table (methods.c). */
typedef struct {
  rom_hyper_method method;
  const char *name;
  rom_hyper_select_fn select;
  unsigned rules;
  const char *description;
} rom_hyper_method_entry;

/* The table entry of a method; NULL if it is not one. Not collective. */
const rom_hyper_method_entry *rom_hyper_method_lookup(rom_hyper_method method);

/* The names of the methods whose rules r satisfy (r & mask) == value, in table order,
 * joined by ", " and `last` before the final one ("gnat, sopt or deim-os"), into buf
 * (truncated to size). Not collective. */
void rom_hyper_method_list(char *buf, size_t size, unsigned mask, unsigned value, const char *last);

/* The selection functions, declared from the table. */
#define ROM_HYPER_DECLARE_SELECT(e, n, fn, r, d)                                                   \
  int fn(const rom_dmat *U, rom_int nb, rom_int ns, rom_int ninit, rom_int *samples);
ROM_HYPER_METHOD_TABLE(ROM_HYPER_DECLARE_SELECT)
#undef ROM_HYPER_DECLARE_SELECT
/* The oversampled greedy behind GNAT and deim-os (greedy.c): take[p] samples for residual
 * basis vector p (sum = ns), scored by r^2 (squared_score) or |r|; `method` names it in
 * errors. Collective. */
int rom_hyper_select_greedy(const rom_dmat *U, rom_int nb, rom_int ns, const rom_int *take,
                            int squared_score, const char *method, rom_int *samples);

/* out (nrows x ncols, column-major, ld nrows) = U[rows, 0:ncols], replicated on every
 * rank (exact: each entry has one owner). Collective. */
int rom_hyper_gather_rows(const rom_dmat *U, rom_int nrows, const rom_int *rows, rom_int ncols,
                          double *out);
/* out[i] = v[rows[i]] for a distributed vector (local part v_local, NULL = zeros).
 * Collective. */
int rom_hyper_gather_vector(rom_ctx *ctx, rom_int local_rows, const double *v_local, rom_int nrows,
                            const rom_int *rows, double *out);

/* The global argmax of score over all ranks' rows (score: local_rows values; -INFINITY
 * for rows that may not be picked). Ties: lowest global row. *row = -1 if every score
 * is -INFINITY or NaN. Collective. */
int rom_hyper_argmax(rom_ctx *ctx, rom_int local_rows, rom_int row_offset, const double *score,
                     rom_int *row, double *value);

/* Marks picked rows: score[row - offset] = -INFINITY for the ones this rank owns. */
void rom_hyper_exclude(rom_int local_rows, rom_int row_offset, rom_int npicked,
                       const rom_int *picked, double *score);

/* x (n x nrhs, ld ldx) = least-squares solution of A (m x n, ld lda) X = B (m x nrhs):
 * minimum-norm by dgelsd, on copies. *rank gets A's numerical rank (rcond = machine eps).
 * Not collective. */
int rom_hyper_lstsq(rom_ctx *ctx, rom_int m, rom_int n, const double *A, rom_int lda, rom_int nrhs,
                    const double *B, rom_int ldb, double *X, rom_int ldx, rom_int *rank);

#endif
