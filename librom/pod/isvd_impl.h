/* romkit internal — the streaming SVD (svd_incremental.c) as the POD drivers use it:
 * explicit capacity (so out-of-core POD can plan its memory), the exact workspace a
 * capacity needs, and handing the basis over without a copy. */
#ifndef ROMKIT_POD_ISVD_IMPL_H
#define ROMKIT_POD_ISVD_IMPL_H

#include "romkit/isvd.h"

/* rom_isvd_create_ex - like rom_isvd_create with max_rank (>= 1, already clipped by the
 * caller or 0 for no limit), `extra` columns of U_b beyond max_rank before the small
 * factor is folded in (>= 1; 0: the default max(8, max_rank / 2)), and the capacity
 * allocated now (0: grow on demand, doubling). With capacity = max_rank + extra the
 * object never allocates again and its romkit memory is exactly
 * rom_isvd_workspace_bytes(local_rows, capacity) at all times (re-orthonormalisation by
 * Cholesky-QR included; only the TSQR fallback, taken if Cholesky fails, needs more).
 * Collective. */
int rom_isvd_create_ex(rom_ctx *ctx, rom_int local_rows, rom_int max_rank, double tolerance,
                       rom_int extra, rom_int capacity, rom_isvd **out);

/* Bytes rom_isvd holds with `capacity` columns of U_b and `local_rows` rows here
 * (ROM_ERR_NOMEM on overflow). Not collective. */
int rom_isvd_workspace_bytes(rom_ctx *ctx, rom_int local_rows, rom_int capacity, size_t *bytes);

/* The capacity rom_isvd_create_ex uses for max_rank and extra (0: default). */
rom_int rom_isvd_full_capacity(rom_int max_rank, rom_int extra);

/* rom_isvd_take_basis - checks orthogonality (re-orthonormalising if needed), then
 * k = rom_pod_choose_k(o, s, r) and the first k left singular vectors in U_b's own storage
 * (folded in place, no copy, U's ld is U_b's): the object keeps its singular values
 * (rom_isvd_singular_values) but takes no more snapshots (ROM_ERR_STATE). Not
 * sign-normalised. Collective. */
int rom_isvd_take_basis(rom_isvd *isvd, const rom_pod_options *o, rom_int *k, rom_dmat **U);

/* rom_isvd_reorthonormalise - re-orthonormalises U now (testing hook: the automatic
 * trigger is a measured loss of orthogonality above 1e-13): use_tsqr = 0 Cholesky-QR on
 * the Gram matrix, 1 TSQR (the fallback). The singular values are recomputed from the
 * re-orthonormalised factorisation. Collective. */
int rom_isvd_reorthonormalise(rom_isvd *isvd, int use_tsqr);

/* max |U^T U - I| (one Allreduce). Collective. */
int rom_isvd_orthogonality(rom_isvd *isvd, double *loss);

/* rom_isvd_discarded_bound - a-posteriori upper bound on ||A - U U^T A||_F for the
 * snapshots A added so far and the basis U of the values held: what the truncations and
 * the dropped residuals threw away (svd_incremental.c says why it bounds). Not
 * collective (the same on every rank). */
double rom_isvd_discarded_bound(const rom_isvd *isvd);

#endif
