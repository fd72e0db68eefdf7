/* romkit — dynamic mode decomposition (DMD), the data-driven half of the toolkit.
 *
 * DMD fits a linear model to a sequence of snapshots x_0 .. x_{m-1} (row-distributed
 * N-vectors, N large, m small) taken at times t_0 < t_1 < ... < t_{m-1}:
 *
 *     x(t) ~ Re sum_{i<r} phi_i b_i exp(omega_i (t - t_0)),   lambda_i = exp(omega_i dt)
 *
 * with r DMD modes phi_i (complex N-vectors, distributed like the snapshots), amplitudes b_i,
 * discrete-time eigenvalues lambda_i and continuous-time eigenvalues omega_i. It needs no
 * residual callbacks: only the host's snapshots. docs/dmd.md has the methods, when to use DMD
 * rather than a projection ROM, and the measured numbers.
 *
 * Methods (one table, librom/dmd/dmd_methods.h; names as the CLI and the files spell them):
 *   "exact"  exact DMD (Tu, Rowley, Luchtenburg, Brunton, Kutz, J. Comput. Dyn. 1, 2014):
 *            thin SVD X1 = U S V^T of X1 = [x_0 .. x_{m-2}] by the POD drivers (rank by
 *            energy or fixed), Atilde = U^T X2 V S^-1 (r x r), its eigenvalues lambda and
 *            eigenvectors W (LAPACK dgeev, the same on every rank), exact modes
 *            Phi = X2 V S^-1 W. With irregular time stamps it fits the continuous-time
 *            operator instead (docs/dmd.md, "Non-uniform time steps").
 *   "dmdc"   DMD with control (Proctor, Brunton, Kutz, SIAM J. Appl. Dyn. Syst. 15, 2016):
 *            x_{k+1} = A x_k + B u_k with a known input sequence u_k (q values per step).
 *   "opt"    optimized DMD by variable projection (Askham, Kutz, SIAM J. Appl. Dyn. Syst.
 *            17, 2018) on the data projected on its POD basis; any time stamps.
 *   "bop"    bagging optimized DMD (Sashidhar, Kutz, Phil. Trans. R. Soc. A 380, 2022):
 *            "opt" on random subsets of the snapshots, with a standard deviation per
 *            eigenvalue (rom_dmd_eigenvalue_std).
 *
 * Complex numbers: the public API carries complex arrays as interleaved (real, imaginary)
 * pairs of doubles, 2 r doubles for r numbers: layout-compatible with C99 `double complex[]`,
 * C++ `std::complex<double>[]` and numpy's complex128, without putting <complex.h> in a
 * public header (C++ and the cffi bindings cannot read it). Distributed complex modes are
 * two rom_dmat, real and imaginary part.
 *
 * Every object holds its context; all functions are collective over it unless noted.
 */
#ifndef ROMKIT_DMD_H
#define ROMKIT_DMD_H

#include "romkit/pod.h"
#include "romkit/snapshots.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The DMD methods (values 0 .. rom_dmd_method_count() - 1, table order; stable ABI). */
typedef enum {
  ROM_DMD_EXACT = 0, /* exact DMD; continuous-time fit on irregular stamps */
  ROM_DMD_DMDC = 1,  /* DMD with control */
  ROM_DMD_OPT = 2,   /* optimized DMD (variable projection) */
  ROM_DMD_BOP = 3    /* bagging optimized DMD, with uncertainty */
} rom_dmd_method;

/* The registry of DMD methods (librom/dmd/dmd_methods.h):
 *   rom_dmd_method_name         "exact", "dmdc", "opt", "bop"; "unknown" out of range
 *   rom_dmd_method_from_name    the method of a name; ROM_ERR_ARG for anything else
 *   rom_dmd_method_description  one line for help texts ("" out of range)
 *   rom_dmd_method_rules        ROM_DMD_RULE_* flags (0 out of range)
 * Not collective. */
#define ROM_DMD_RULE_CONTROL 0x1u     /* needs a control input sequence */
#define ROM_DMD_RULE_NONUNIFORM 0x2u  /* accepts irregular time stamps */
#define ROM_DMD_RULE_UNCERTAINTY 0x4u /* gives rom_dmd_eigenvalue_std */
int rom_dmd_method_count(void);
const char *rom_dmd_method_name(rom_dmd_method method);
int rom_dmd_method_from_name(const char *name, rom_dmd_method *method);
const char *rom_dmd_method_description(rom_dmd_method method);
unsigned rom_dmd_method_rules(rom_dmd_method method);

/* Parameters of the optimized fit ("opt", "bop"); zero fields mean the default. */
typedef struct {
  int max_iter;  /* Levenberg-Marquardt iterations; default 100 */
  double tol;    /* stop when the relative change of the residual is below; default 1e-10 */
  int bags;      /* "bop": number of bags; default 100 */
  int bag_size;  /* "bop": snapshots per bag; default 0: 60 % of the snapshots */
  uint64_t seed; /* "bop": seed of the bag draws (counter RNG); default 0: the context's */
} rom_dmd_opt_params;

/* How the amplitudes b are fitted (always by least squares, distributed). */
typedef enum {
  ROM_DMD_AMPLITUDES_FIRST = 0, /* b = argmin || Phi b - x_0 ||  (Tu et al. 2014) */
  ROM_DMD_AMPLITUDES_ALL = 1    /* b = argmin sum_j || Phi diag(exp(omega (t_j - t_0))) b - x_j ||
                                   over all snapshots (Jovanovic, Schmid, Nichols, Phys.
                                   Fluids 26, 2014); always used with irregular stamps,
                                   and by "dmdc" never (it fits x_0) */
} rom_dmd_amplitudes;

typedef struct {
  rom_dmd_method method;         /* default ROM_DMD_EXACT */
  rom_pod_truncation truncation; /* rank of the SVD of X1: by energy (default) or fixed */
  double energy;                 /* in (0, 1]; default 0.9999999999 */
  rom_int rank;                  /* r for ROM_POD_TRUNCATE_RANK (clipped to the data's rank) */
  rom_int control_rank;          /* "dmdc": rank p of the SVD of [X1; Ups] (0: r + q) */
  rom_svd_method svd_method;     /* how the SVD is computed; default ROM_SVD_AUTO */
  double dt;                     /* time step when times == NULL; default 1 */
  double t0;                     /* time of x_0 when times == NULL; default 0 */
  rom_int window;                /* 0: one DMD of all snapshots (default); w >= 2: windowed
                                    DMD, one DMD per window of w snapshots, consecutive
                                    windows sharing their boundary snapshot (the last window
                                    takes what is left, at least 2 snapshots) */
  rom_dmd_amplitudes amplitudes; /* default ROM_DMD_AMPLITUDES_FIRST (uniform stamps) */
  rom_dmd_opt_params opt;        /* "opt" / "bop" */
} rom_dmd_options;

/* Defaults as documented above. Not collective. */
rom_dmd_options rom_dmd_options_default(void);

typedef struct rom_dmd rom_dmd;

/* rom_dmd_fit - fits a DMD to the snapshots X (N x m, columns x_0 .. x_{m-1}, not modified).
 * Collective.
 *   X         the snapshots, row-distributed (any partition, ranks with zero rows allowed)
 *   times     m increasing time stamps, replicated (the same on every rank); NULL: uniform,
 *             t_j = opts->t0 + j opts->dt. Stamps that are uniform to 1e-10 relative count
 *             as uniform; irregular ones need a method with ROM_DMD_RULE_NONUNIFORM.
 *   q         "dmdc": number of control inputs per step (q >= 1); else 0
 *   control   "dmdc": the inputs u_0 .. u_{m-2}, q x (m-1) column-major, replicated; else NULL
 *   opts      NULL for the defaults
 *   out       the DMD (rom_dmd_destroy)
 * Errors (the same on every rank, the sentence names the argument and the values):
 *   ROM_ERR_ARG       fewer than 2 snapshots (fewer than 2 per window), times not strictly
 *                     increasing or not finite, dt <= 0, energy outside (0, 1], rank < 1,
 *                     control missing for "dmdc" or given to another method, q < 0,
 *                     irregular stamps with a method that needs uniform ones
 *   ROM_ERR_NOT_FINITE  NaN or Inf in X (naming row and column) or in the control
 *   ROM_ERR_LAPACK    an eigen- or least-squares solve failed
 */
int rom_dmd_fit(const rom_dmat *X, const double *times, rom_int q, const double *control,
                const rom_dmd_options *opts, rom_dmd **out);

/* rom_dmd_create_projected - a DMD from a reduced linear model on a given basis, for
 * parametric DMD (an interpolated basis and operator): y_{j+1} = Atilde y_j in the
 * coordinates of `basis` (N x r, orthonormal columns, copied), time step dt, modes
 * Phi = basis W (projected modes), amplitudes b = W^-1 basis^T x0 with x0 the state at t0
 * (local rows). Collective. Errors: ROM_ERR_ARG (r < 1, dt <= 0), ROM_ERR_NOT_FINITE,
 * ROM_ERR_LAPACK (Atilde not diagonalisable to working precision: W singular). */
int rom_dmd_create_projected(const rom_dmat *basis, const double *Atilde, double dt, double t0,
                             const double *x0_local, rom_dmd **out);

/* Frees the DMD. NULL-safe, sets *dmd = NULL. Not collective. */
int rom_dmd_destroy(rom_dmd **dmd);

/* Accessors. Not collective. Arrays are owned by the object (valid until destroy).
 * A windowed DMD (options.window >= 2) is a container: its windows are rom_dmd_window's,
 * and its own rank is 0 with NULL arrays; rom_dmd_predict works on both. */
rom_ctx *rom_dmd_ctx(const rom_dmd *dmd);
rom_dmd_method rom_dmd_get_method(const rom_dmd *dmd);
rom_int rom_dmd_rank(const rom_dmd *dmd);           /* r */
rom_int rom_dmd_global_rows(const rom_dmd *dmd);    /* N */
rom_int rom_dmd_local_rows(const rom_dmd *dmd);     /* rows of the modes on this rank */
rom_int rom_dmd_control_dim(const rom_dmd *dmd);    /* q ("dmdc"), else 0 */
rom_int rom_dmd_snapshot_count(const rom_dmd *dmd); /* m fitted (all windows) */
double rom_dmd_dt(const rom_dmd *dmd);              /* the step of lambda = exp(omega dt) (mean step
                                                       with irregular stamps) */
double rom_dmd_t0(const rom_dmd *dmd);              /* time of x_0: prediction is relative to it */
double rom_dmd_t_end(const rom_dmd *dmd);           /* time of the last snapshot fitted */
/* lambda_i, r interleaved complex (2 r doubles), |lambda| descending */
const double *rom_dmd_eigenvalues(const rom_dmd *dmd);
/* omega_i = log(lambda_i) / dt (principal branch), r interleaved complex, same order */
const double *rom_dmd_omegas(const rom_dmd *dmd);
/* b_i, r interleaved complex, same order */
const double *rom_dmd_amplitudes_of(const rom_dmd *dmd);
/* "bop": standard deviation of Re and Im of omega_i over the bags (r interleaved pairs);
 * NULL for the other methods */
const double *rom_dmd_eigenvalue_std(const rom_dmd *dmd);
/* singular values the rank was chosen on (all computed, descending): of X1 ("exact", "opt",
 * "bop"), of all snapshots (irregular stamps), of X2 ("dmdc"); NULL/0 if not stored */
const double *rom_dmd_singular_values(const rom_dmd *dmd, rom_int *count);
/* modes Phi = re + i im, each N x r distributed like the snapshots (windows: NULL) */
int rom_dmd_modes(const rom_dmd *dmd, const rom_dmat **re, const rom_dmat **im);
/* the POD basis U (N x r) of the reduced coordinates (every method keeps one; NULL for a
 * windowed container) */
const rom_dmat *rom_dmd_basis(const rom_dmd *dmd);
/* Atilde (r x r, column-major, ld r, real): the reduced operator in the basis' coordinates;
 * NULL for "opt"/"bop" (they fit omega directly) and for irregular stamps (the fit is of the
 * continuous-time operator; its eigenvalues are the omegas) */
const double *rom_dmd_operator(const rom_dmd *dmd);
/* "dmdc": Btilde (r x q, column-major, ld r), the reduced input matrix; else NULL */
const double *rom_dmd_control_operator(const rom_dmd *dmd);
/* windows: count (1 for an unwindowed DMD) and window i (0-based, owned by the parent; the
 * parent itself for an unwindowed DMD); ROM_ERR_ARG for i out of range */
rom_int rom_dmd_window_count(const rom_dmd *dmd);
int rom_dmd_window(const rom_dmd *dmd, rom_int i, const rom_dmd **out);

/* rom_dmd_predict - the state at time t: x(t) = Re sum_i phi_i b_i exp(omega_i (t - t0)),
 * local rows into x_local. A windowed DMD uses the window whose time range holds t (the
 * first before its range, the last after). "dmdc" without inputs: the unforced response
 * (use rom_dmd_predict_control). Not collective (no communication).
 * Errors: ROM_ERR_ARG (t not finite, x_local NULL with local rows > 0). */
int rom_dmd_predict(const rom_dmd *dmd, double t, double *x_local);

/* rom_dmd_predict_many - rom_dmd_predict at nt times, into the columns of X_local
 * (local_rows x nt, column-major, leading dimension ld >= local_rows). Not collective. */
int rom_dmd_predict_many(const rom_dmd *dmd, rom_int nt, const double *t, double *X_local,
                         rom_int ld);

/* rom_dmd_predict_control - "dmdc": steps the reduced model y_{k+1} = Atilde y_k +
 * Btilde u_k from y_0 = U^T x0 (x0_local: local rows; NULL: the first snapshot fitted) for
 * `steps` steps with inputs u_0 .. u_{steps-1} (q x steps column-major, replicated), and
 * writes x_k = U y_k for k = 0 .. steps into the columns of X_local (local_rows x
 * (steps + 1), leading dimension ld). Works for "exact" with q = 0 and control NULL too
 * (then it iterates Atilde). Collective (the projection of x0).
 * Errors: ROM_ERR_ARG (steps < 0, control NULL with q > 0), ROM_ERR_STATE (no operator:
 * "opt"/"bop" or a windowed DMD), ROM_ERR_NOT_FINITE (control). */
int rom_dmd_predict_control(const rom_dmd *dmd, const double *x0_local, rom_int steps,
                            const double *control, double *X_local, rom_int ld);

/* rom_dmd_write - writes a DMD file (kind "dmd", docs/file-format.md): modes, basis and
 * operators as {r, N} datasets like a basis file, eigenvalues and amplitudes as {r, 2}
 * (re, im), the method name and the options as attributes; windows as groups
 * /window_000000, ... Written under a temporary name and renamed when complete.
 * ROM_ERR_EXISTS if path exists and overwrite is 0 (nothing touched). Collective. */
int rom_dmd_write(const rom_dmd *dmd, const char *path, int overwrite);

/* rom_dmd_read - reads a DMD file on any number of ranks; local_rows as in
 * rom_snapshots_read (ROM_AUTO_ROWS: even partition). Checks kind, version and dimensions;
 * errors name the file and dataset (ROM_ERR_IO, ROM_ERR_FORMAT, ROM_ERR_DIM). Collective. */
int rom_dmd_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_dmd **out);

/* Streaming DMD on the incremental SVD (rom_isvd, Brand 2006): snapshots at a uniform step
 * are absorbed one at a time and not stored. The object keeps the incremental SVD's basis
 * U of all snapshots so far and two small matrices in its coordinates, A = sum y_{j+1} y_j^T
 * and G = sum y_j y_j^T (y = U^T x), rotated whenever U changes (Hemati, Williams, Rowley,
 * Phys. Fluids 26, 2014). Finalizing gives the projected DMD Atilde = A G^-1 on the leading
 * r coordinates, modes U W: with r at least the data's rank it equals the batch exact DMD's
 * eigenvalues to round-off. Memory O(N/P r) per rank, whatever the number of snapshots.
 * Options: truncation/energy/rank (applied at finalize), dt, t0; method must be "exact",
 * window 0. */
typedef struct rom_dmd_stream rom_dmd_stream;

/* rom_dmd_stream_create - an empty stream for vectors of local_rows rows (zero allowed);
 * max_rank bounds the incremental SVD (0: no limit). Collective. */
int rom_dmd_stream_create(rom_ctx *ctx, rom_int local_rows, rom_int max_rank,
                          const rom_dmd_options *opts, rom_dmd_stream **out);
/* rom_dmd_stream_add - absorbs the next snapshot (local rows). ROM_ERR_NOT_FINITE on every
 * rank if any rank's values hold NaN or Inf (the state is then unchanged). Collective. */
int rom_dmd_stream_add(rom_dmd_stream *stream, const double *x_local);
/* Number of snapshots absorbed. Not collective. */
rom_int rom_dmd_stream_count(const rom_dmd_stream *stream);
/* rom_dmd_stream_finalize - the DMD of the snapshots so far (amplitudes against the first
 * snapshot, kept in reduced coordinates); the stream stays usable. ROM_ERR_ARG with fewer
 * than 2 snapshots. Collective. */
int rom_dmd_stream_finalize(rom_dmd_stream *stream, rom_dmd **out);
/* NULL-safe, sets *stream = NULL. Not collective. */
int rom_dmd_stream_destroy(rom_dmd_stream **stream);

#ifdef __cplusplus
}
#endif
#endif
