/* romkit — proper orthogonal decomposition (POD) and the basis it produces.
 *
 * POD of a row-distributed snapshot matrix S (N x m): the thin SVD S = U diag(s) V^T
 * computed by TSQR (Demmel, Grigori, Hoemmen, Langou, SIAM J. Sci. Comput. 34, 2012):
 * each rank QR-factors its rows (dgeqrf), the R factors are reduced up a binary tree
 * of ranks, the small m x m R is decomposed by dgesdd, and the left singular vectors
 * are formed by applying the tree's Householder factors back down (dormqr). The basis
 * is distributed exactly like S. Singular vectors are sign-normalised: the entry of
 * largest magnitude in each left singular vector is positive (ties: lowest global row).
 */
#ifndef ROMKIT_POD_H
#define ROMKIT_POD_H

#include "romkit/matrix.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_POD_TRUNCATE_ENERGY = 0, /* smallest k with sum_{i<k} s_i^2 >= energy * sum_i s_i^2 */
  ROM_POD_TRUNCATE_RANK = 1    /* k = rank (clipped to the number of singular values) */
} rom_pod_truncation;

/* How the SVD is computed (docs/pod.md has the cost model of each). */
typedef enum {
  ROM_SVD_AUTO = 0,        /* chosen from N, m, the rank count and the memory budget; logged */
  ROM_SVD_TSQR = 1,        /* TSQR + dgesdd of R: exact, for m small enough that m x m fits */
  ROM_SVD_SCALAPACK = 2,   /* pdgesvd on a 2-D block-cyclic process grid: exact, any m */
  ROM_SVD_RANDOMIZED = 3,  /* Halko-Martinsson-Tropp sketch with power iterations, k << m */
  ROM_SVD_INCREMENTAL = 4, /* Brand's streaming update, one snapshot at a time */
  ROM_SVD_WIDE = 5         /* TSQR of the transpose, for m > N: exact, N x N factors, any m */
} rom_svd_method;

typedef struct {
  rom_pod_truncation truncation;
  double energy;                 /* fraction of sum of s_i^2 kept, in (0, 1]; default 0.9999 */
  rom_int rank;                  /* k for ROM_POD_TRUNCATE_RANK */
  int center;                    /* subtract the row mean of the snapshots first; stored as /mean */
  const double *reference_local; /* NULL (default), or a reference state u_ref on this rank's
                                   rows: POD of S - u_ref 1^T, u_ref stored as the basis's
                                   /reference and used by the ROMs built on the basis (e.g.
                                   the initial condition, or the first snapshot). Not with
                                   center. rom_pod_compute_file: rows of its even partition */
  rom_svd_method method;         /* default ROM_SVD_AUTO */
  double memory_budget;          /* bytes per rank romkit may use (0: no limit); default 0 */
  rom_int target_rank;           /* randomized / incremental: singular triplets computed
                                    (0: the rank option, or min(N, m) with energy truncation);
                                    incremental through rom_pod_compute tracks every value
                                    above incremental_tolerance * s_1 and returns the first
                                    k (docs/pod.md) */
  rom_int oversampling;          /* randomized: extra sketch columns (>= 0); default 10 */
  int power_iterations;          /* randomized: subspace iterations, 0 ..
                                    ROM_POD_MAX_POWER_ITERATIONS; default 2 */
  double incremental_tolerance;  /* incremental: a new snapshot's component orthogonal to the
                                    basis is kept if its norm > tol * s_1, and an update
                                    keeps the values > tol * s_1; default 1e-12 */
} rom_pod_options;

rom_pod_options rom_pod_options_default(void);

/* The most power iterations a randomized POD takes. Halko, Martinsson, Tropp (SIAM Rev. 53,
 * 2011, Sec. 4.5) find q = 1 or 2 enough in practice: each iteration squares the decay of
 * the spectrum, so past a few dozen the sketch is exact to rounding and more only burn two
 * passes over the snapshots each. A larger value is refused (ROM_ERR_ARG) rather than run
 * for hours. */
#define ROM_POD_MAX_POWER_ITERATIONS 100

/* The registry of SVD methods (one table, librom/pod/svd_methods.h): the methods are the
 * values 0 .. rom_svd_method_count() - 1, in table order.
 *   rom_svd_method_name         as the CLI spells them: "auto", "tsqr", "scalapack",
 *                               "randomized", "incremental", "wide"; "unknown" out of range
 *   rom_svd_method_from_name    the method of a name; ROM_ERR_ARG for anything else
 *   rom_svd_method_description  one line for help texts ("" out of range)
 *   rom_svd_method_rules        ROM_SVD_RULE_* flags (0 out of range)
 * Not collective. */
#define ROM_SVD_RULE_AUTOMATIC 0x1u   /* picks one of the others from N, m, ranks and budget */
#define ROM_SVD_RULE_EXACT 0x2u       /* all singular values exact to rounding */
#define ROM_SVD_RULE_TARGET_RANK 0x4u /* computes target_rank triplets (options) */
#define ROM_SVD_RULE_STREAMS 0x8u     /* rom_pod_compute_file may stream the file through it */
int rom_svd_method_count(void);
const char *rom_svd_method_name(rom_svd_method method);
int rom_svd_method_from_name(const char *name, rom_svd_method *method);
const char *rom_svd_method_description(rom_svd_method method);
unsigned rom_svd_method_rules(rom_svd_method method);

typedef struct rom_basis rom_basis;

/* rom_pod_compute - POD basis of the snapshots (not modified) with the method of
 * opts->method (ROM_SVD_AUTO: chosen and logged at ROM_LOG_INFO). Collective.
 * Errors: ROM_ERR_NOT_FINITE (NaN/Inf anywhere, naming row and column), ROM_ERR_ARG
 * (energy outside (0,1], rank < 1, zero snapshots), ROM_ERR_LAPACK. */
int rom_pod_compute(const rom_dmat *snapshots, const rom_pod_options *opts, rom_basis **out);

/* rom_pod_compute_file - out-of-core POD of the /snapshots dataset {m, N} of a romkit
 * snapshot file (rom_snapshots_write, or a snapshot stream), read collectively in blocks of b
 * snapshots on an even row partition (the basis is distributed likewise). With method AUTO
 * or INCREMENTAL the blocks are fed to the incremental SVD (one pass over the file, two with
 * centring: the first computes the mean), keeping target_rank (else the rank option, else
 * min(N, m)) triplets; b is the largest block for which the block, the SVD's working set
 * and the basis fit opts->memory_budget bytes per rank (rom_ctx_bytes_peak stays within it;
 * 0: no limit, b = min(m, 64)). Other methods read the whole matrix and call
 * rom_pod_compute. docs/pod.md, "Out-of-core POD", has the rule and the costs. Collective.
 * Errors: ROM_ERR_IO (missing or unreadable file), ROM_ERR_FORMAT (not a snapshot file),
 * ROM_ERR_NOMEM (budget too small even for b = 1, naming the bytes needed), ROM_ERR_ARG,
 * ROM_ERR_NOT_FINITE, ROM_ERR_LAPACK. */
int rom_pod_compute_file(rom_ctx *ctx, const char *snapshot_path, const rom_pod_options *opts,
                         rom_basis **out);

/* rom_basis_create - a basis from the caller's N x k orthonormal vectors (copied),
 * optional singular values (r of them, may be NULL with r = 0) and optional reference
 * or mean vector (local rows, may be NULL). Collective. */
int rom_basis_create(const rom_dmat *vectors, const double *singular_values, rom_int r,
                     const double *reference_local, rom_basis **out);
int rom_basis_destroy(rom_basis **b); /* NULL-safe. Not collective. */

/* Accessors. Not collective. */
rom_ctx *rom_basis_ctx(const rom_basis *b);
rom_int rom_basis_dim(const rom_basis *b);         /* k */
rom_int rom_basis_global_rows(const rom_basis *b); /* N */
rom_int rom_basis_local_rows(const rom_basis *b);
const rom_dmat *rom_basis_vectors(const rom_basis *b);
/* All singular values computed (r >= k), descending; NULL and 0 if none stored. */
const double *rom_basis_singular_values(const rom_basis *b, rom_int *r);
/* Mean or reference vector (local rows), NULL if none. */
const double *rom_basis_reference(const rom_basis *b);
/* Energy fraction captured by the first k modes: sum_{i<k} s_i^2 over ||S - shift||_F^2,
 * the squared Frobenius norm of the (shifted) snapshot matrix, which rom_pod_compute
 * records, when the stored values sum to less (a method that computes only some singular
 * values: randomized, incremental), so it still reports the true fraction; without it (a user
 * basis, a file written before format 1.1) the sum of the stored s_i^2. NAN if no singular values.
 */
double rom_basis_energy(const rom_basis *b);
/* ||S - shift||_F^2 of the snapshots the basis was computed from; 0 if unknown. */
double rom_basis_total_energy(const rom_basis *b);
/* The SVD method that computed the basis ("tsqr", "randomized", ...; what 'auto' chose),
 * or "user" for rom_basis_create. Not collective. */
const char *rom_basis_method(const rom_basis *b);
/* rom_basis_truncate - a new basis of the first k vectors of b, with all of b's singular
 * values, its reference and its total energy (so its energy is the fraction kept by k).
 * Collective. Errors: ROM_ERR_ARG (k outside 1..dim). */
int rom_basis_truncate(const rom_basis *b, rom_int k, rom_basis **out);

/* q = Phi^T (u - ref) (k values, replicated). Collective. */
int rom_basis_project(const rom_basis *b, const double *u_local, double *q);
/* u = ref + Phi q (local rows). Not collective. */
int rom_basis_lift(const rom_basis *b, const double *q, double *u_local);

/* rom_basis_write - writes a basis file (kind "basis", docs/file-format.md) collectively
 * with MPI-IO. ROM_ERR_EXISTS if path exists and overwrite is 0 (nothing is touched).
 * The file is written under a temporary name and renamed when complete. Collective. */
int rom_basis_write(const rom_basis *b, const char *path, int overwrite);

/* rom_basis_read - reads a basis file on any number of ranks; `local_rows` as in
 * rom_snapshots_read (ROM_AUTO_ROWS for an even partition). Checks kind, version and
 * dimensions. Collective. */
int rom_basis_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_basis **out);

/* libROM interop (librom/pod/basis_librom.c; docs/pod.md, "libROM interop").
 *
 * rom_basis_write_librom - writes the basis as libROM's BasisWriter does: one serial HDF5
 * file per rank, "<base>.000000", "<base>.000001", ... (6-digit rank in the basis'
 * communicator), each with the rank's rows of the basis as `spatial_basis` (1-D, rows x k
 * values, row-major like libROM's Matrix), `spatial_basis_num_rows`, `spatial_basis_num_cols`
 * (1-element int datasets), `singular_value` (all r values) and `singular_value_size`, so
 * libROM's BasisReader reads it on the same rank count. A mean or reference vector is kept
 * as `romkit_mean` / `romkit_reference` (libROM ignores it). ROM_ERR_EXISTS, nothing touched,
 * if any of the files (or "<base>.<P>", which a reader would take as part of the set) exists
 * and overwrite is 0; with overwrite, stale files "<base>.<P>", ... are removed. Collective. */
int rom_basis_write_librom(const rom_basis *b, const char *base, int overwrite);
/* rom_basis_check_librom_output - the checks rom_basis_write_librom makes before writing
 * (every rank's "<base>.<rank>" can be written: directory present and writable on that
 * rank, file absent unless overwrite; "<base>.<P>" absent unless overwrite), for a program
 * that checks all its outputs before computing (romkit/output.h). Collective. */
int rom_basis_check_librom_output(rom_ctx *ctx, const char *base, int overwrite);

/* rom_basis_read_librom - reads a libROM basis written on any number of ranks onto this
 * context's ranks: the files "<base>.NNNNNN" present (consecutive from 000000) are
 * concatenated in file order, and each rank gets an even partition of the global rows.
 * Errors name the file and dataset: ROM_ERR_IO (missing or unreadable file), ROM_ERR_FORMAT
 * (missing dataset, or libROM's pre-2023 time-interval layout), ROM_ERR_DIM (sizes that
 * disagree). Collective. */
int rom_basis_read_librom(rom_ctx *ctx, const char *base, rom_basis **out);

#ifdef __cplusplus
}
#endif
#endif
