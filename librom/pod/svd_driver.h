/* romkit internal — the SVD drivers behind rom_pod_compute.
 *
 * rom_pod_compute (pod.c) validates the options and the snapshots, computes the mean
 * when centring, calls the method's driver from the table (svd_methods.h), then sign-normalises the
 * vectors and builds the basis. A driver only computes the thin SVD of the shifted snapshot matrix
 *     A - shift 1^T        (shift: local_rows values, NULL for none)
 * as follows: the singular values it computed (r of them, descending), then k =
 * rom_pod_choose_k(o, s, r) and the first k left singular vectors, distributed like A.
 * Drivers are collective, never modify A, allocate with rom_malloc on A's context, and
 * fail on every rank together. On failure res is left empty (nothing to free).
 */
#ifndef ROMKIT_POD_SVD_DRIVER_H
#define ROMKIT_POD_SVD_DRIVER_H

#include "pod/svd_methods.h"
#include "romkit/pod.h"

typedef struct {
  rom_int r;                     /* number of singular values computed */
  double *s;                     /* r values, descending, replicated on every rank (rom_malloc) */
  rom_dmat *U;                   /* N x k left singular vectors, rows distributed like A */
  rom_svd_method method;         /* the method that computed them: set by the caller to the one it
                                    asks for; rom_svd_auto replaces it by its choice */
  int has_discarded_bound;       /* 1: the driver bounds what it discarded (incremental) */
  double discarded_energy_bound; /* then: >= ||A - U_r U_r^T A||_F^2 over its r values */
} rom_svd_result;

/* A driver: one line of the table in svd_methods.h, called through it by rom_pod_compute. */
typedef int (*rom_svd_driver)(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                              rom_svd_result *res);

/* One entry of the driver table (svd_methods.c). */
typedef struct {
  rom_svd_method method;
  const char *name;
  rom_svd_driver driver;
  unsigned rules;
  const char *description;
} rom_svd_method_entry;

/* The table entry of a method; NULL if it is not one. Not collective. */
const rom_svd_method_entry *rom_svd_method_lookup(rom_svd_method method);

/* The drivers, declared from the table. rom_svd_auto (pod.c) picks one of the others by
 * rom_pod_choose_method, logs the choice and calls it. */
#define ROM_SVD_DECLARE_DRIVER(e, n, fn, r, d)                                                     \
  int fn(const rom_dmat *A, const double *shift, const rom_pod_options *o, rom_svd_result *res);
ROM_SVD_METHOD_TABLE(ROM_SVD_DECLARE_DRIVER)
#undef ROM_SVD_DECLARE_DRIVER

/* rom_pod_check_options - every POD entry point's option checks (ROM_ERR_ARG with a sentence
 * naming the option); with N >= 0 also the matrix-size checks and target_rank <= min(N, m).
 * Collective. */
int rom_pod_check_options(rom_ctx *ctx, const rom_pod_options *o, rom_int N, rom_int m);

/* The k of the truncation rule (pod.h) for r computed values s (descending). */
rom_int rom_pod_choose_k(const rom_pod_options *o, const double *s, rom_int r);

/* ROM_SVD_AUTO's choice for an N x m matrix on P ranks under the options' memory budget
 * (the rule and its reasons are in docs/pod.md). Not collective (same inputs -> same
 * answer on every rank). */
rom_svd_method rom_pod_choose_method(rom_int N, rom_int m, int P, const rom_pod_options *o);

/* rom_pod_sign_normalise - the sign rule of pod.h on U (N x k, distributed): in each column
 * the entry of largest magnitude is made positive (ties: lowest global row). Used by
 * rom_pod_compute and by the other producers of bases (rom_isvd_basis, rom_pod_compute_file).
 * Collective. */
int rom_pod_sign_normalise(rom_dmat *U);

/* SVD of a small dense matrix held on the calling rank (r x m, ld ldr): u (r x r, ld r)
 * and s (min(r, m)) by dgesdd, falling back to dgesvd. Not collective. */
int rom_small_svd(rom_ctx *ctx, rom_int r, rom_int m, const double *R, rom_int ldr, double *u,
                  double *s);

#endif
