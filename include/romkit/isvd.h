/* romkit — incremental (streaming) SVD: absorb snapshots one at a time, never store them.
 *
 * Brand, "Incremental singular value decomposition of uncertain data with missing values",
 * ECCV 2002, with the thin update of Brand, "Fast low-rank modifications of the thin
 * singular value decomposition", Linear Algebra Appl. 415 (2006). After n snapshots
 * a_1..a_n (each row-distributed like the host's vectors) the object holds the leading
 * singular values s and left singular vectors U of [a_1 ... a_n], truncated to max_rank.
 * Right singular vectors are not kept (POD needs U and s only), so memory is
 * O(N/P * max_rank) per rank whatever the number of snapshots.
 *
 * Accuracy (docs/pod.md, "Incremental (streaming) SVD"): each new snapshot is split into
 * its component in the current basis and a residual orthogonalised twice by classical
 * Gram-Schmidt ("twice is enough": Giraud, Langou, Rozloznik, Comput. Math. Appl. 50,
 * 2005), one MPI_Allreduce per pass; U is kept as U = U_b U_p with a small orthonormal
 * factor U_p so the big basis is rewritten only when U_p is folded in; the loss of
 * orthogonality is measured on the small Gram matrices and U is re-orthonormalised when
 * it exceeds 1e-13. When the data's rank is within max_rank, the singular values agree
 * with a batch SVD of the same data to round-off (measured ~1e-14 relative on the
 * leading values); when max_rank truncates, every update discards the trailing
 * directions and the leading values carry that truncation error (it is not round-off).
 *
 * All calls on one object are collective over its context unless noted.
 */
#ifndef ROMKIT_ISVD_H
#define ROMKIT_ISVD_H

#include "romkit/pod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  rom_int max_rank; /* most singular triplets kept; 0: no limit (up to min(N, count)) */
  double tolerance; /* a new snapshot's component orthogonal to the basis is kept as a new
                       direction only if its norm > tolerance * max(s_1, ||snapshot||), and
                       singular values <= tolerance * s_1 are dropped; default 1e-12 */
} rom_isvd_options;

/* Defaults: max_rank 0 (no limit), tolerance 1e-12. Not collective. */
rom_isvd_options rom_isvd_options_default(void);

typedef struct rom_isvd rom_isvd;

/* rom_isvd_create - an empty streaming SVD for vectors with `local_rows` rows on this rank
 * (any partition, zero allowed). opts may be NULL (defaults). Collective.
 * Errors: ROM_ERR_ARG (local_rows < 0, max_rank < 0, tolerance < 0 or not finite). */
int rom_isvd_create(rom_ctx *ctx, rom_int local_rows, const rom_isvd_options *opts, rom_isvd **out);

/* rom_isvd_add - absorbs one snapshot (local_rows values on each rank; not kept). Cost:
 * O(N/P * c) flops, 2 small MPI_Allreduce and one MPI_Bcast, with c <= 1.5 max_rank + 8
 * the columns of U_b. Collective. ROM_ERR_NOT_FINITE on every rank (naming the snapshot and
 * the global row) if any rank's values hold NaN or Inf: the state is then unchanged. */
int rom_isvd_add(rom_isvd *isvd, const double *u_local);

/* Number of snapshots added (zero snapshots count too). Not collective. */
rom_int rom_isvd_count(const rom_isvd *isvd);

/* The current singular values (r of them, descending; r <= max_rank), owned by the object
 * and valid until the next add or destroy. NULL with r = 0 before any nonzero snapshot.
 * Not collective. */
const double *rom_isvd_singular_values(const rom_isvd *isvd, rom_int *r);

/* rom_isvd_basis - the POD basis of the snapshots added so far: k = the truncation rule
 * of `truncation` (rom_pod_options: truncation, energy, rank; the other fields are ignored)
 * applied to the r current values, or k = r when truncation is NULL. Energy truncation is
 * relative to the r kept values only (what max_rank cut off is unknown). The vectors are
 * sign-normalised like rom_pod_compute's; all r values are stored; no reference vector.
 * The object stays usable (more snapshots may be added). Collective.
 * Errors: ROM_ERR_STATE (no nonzero snapshot yet), ROM_ERR_ARG (bad truncation). */
int rom_isvd_basis(rom_isvd *isvd, const rom_pod_options *truncation, rom_basis **out);

/* Frees the object. NULL-safe, sets *isvd = NULL. Not collective. */
int rom_isvd_destroy(rom_isvd **isvd);

#ifdef __cplusplus
}
#endif
#endif
