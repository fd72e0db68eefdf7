/* romkit internal — fields of the Galerkin reduced model of a linear affine problem
 * (include/romkit/affine_rom.h), shared by affine_rom.c (projection, online solves)
 * and affine_rom_file.c (HDF5 I/O). */
#ifndef ROMKIT_AFFINE_AFFINE_ROM_IMPL_H
#define ROMKIT_AFFINE_AFFINE_ROM_IMPL_H

#include "affine/affine_rom_internal.h"
#include "romkit/affine_rom.h"

#include <lapacke.h>

/* Relative tolerance of the symmetry test of the projected terms:
 * max|A - A^T| <= ROM_AFFINE_SYMMETRY_TOL * max|A|. Projection of a symmetric A_q
 * leaves asymmetry at the level of rounding (~1e-15 relative); 1e-10 leaves room
 * for ill-conditioned bases without mistaking a convection term for symmetric. */
#define ROM_AFFINE_SYMMETRY_TOL 1e-10

/* An orthonormal basis (in the X inner product) of the span of Riesz representers, and the
 * coefficients of each representer in it (Buhr, Engwer, Ohlberger, Rave 2014): representer
 * i = sum_l B[l, i] psi_l, so ||sum_i c_i R_i||_X = ||B c||_2 (affine_estimator.c). */
typedef struct {
  rom_int L;          /* local rows of psi and X psi (kept while have_vectors) */
  int have_vectors;   /* 0 after a file read: no extension possible */
  rom_int npsi, cap;  /* orthonormal vectors, capacity (the rows of B) */
  double *psi, *xpsi; /* L x cap each, column-major */
  rom_int nterms, tcap;
  double *B; /* cap x tcap, column-major, ld = cap */
  double *G; /* nterms x nterms Gram matrix B^T B, for the naive form only */
  int g_valid;
  double *w; /* cap: workspace of B c */
} rom_riesz_space;

/* Output bound data of output o (affine_estimator.c): dual reduced space Z (kd vectors),
 * dual reduced matrices and the dual residual's Riesz space. All replicated but the
 * Riesz vectors. */
typedef struct {
  rom_int kd;
  double *Ad;         /* kd^2 x Qa: column q is (Z^T A_q Z)^T, column-major kd x kd */
  double *ld;         /* kd: -Z^T l (dual right-hand side) */
  double *Zf;         /* kd x Qf: Z^T f_q */
  double *Zg;         /* kd x Qa: Z^T A_q u_ref */
  double *ZAP;        /* kd x k x Qa: Z^T A_q Phi, block q at q kd k, column-major kd x k */
  rom_riesz_space rs; /* dual residual terms [l | per dual vector j: A_q^T zeta_j] */
  double *Zv;         /* ZL x kd: this rank's rows of Z (for extension); NULL after a file read */
  rom_int ZL;
  double *work_m, *work_v, *work_c; /* kd x kd, kd, 1 + Qa kd */
  lapack_int *work_piv;
} rom_affine_dual;

struct rom_affine_rom {
  rom_ctx *ctx;
  rom_int k;
  int Qa, Qf;
  /* Reduced data, replicated bit for bit on every rank, all column-major:
   * A   k^2 x Qa: column q is A_q^r (k x k, column-major), so the online assembly
   *     sum_q theta_q A_q^r is one dgemv;
   * R   k x (Qf + Qa): [f_0^r .. f_{Qf-1}^r | -g_0^r .. -g_{Qa-1}^r], so the reduced
   *     right-hand side sum_q phi_q f_q^r - sum_q theta_q g_q^r is one dgemv with the
   *     coefficient vector [phi; theta];
   * M   k x k reduced mass, m_ref (k) its reference term Phi^T M u_ref. */
  double *A, *R, *M, *m_ref;
  int symmetric;      /* every A_q^r symmetric (then symmetrised exactly): try Cholesky */
  int mass_symmetric; /* M^r symmetric (symmetrised exactly) */
  /* Workspace, allocated with the object so that solves never allocate. */
  double *work_matrix;     /* k x k: assembled (and factorised) matrix */
  double *work_coef;       /* Qf + Qa: [phi; theta] */
  double *work_vec;        /* k */
  lapack_int *work_pivots; /* k: LU pivots */
  /* Outputs (quantities of interest, librom/affine/affine_outputs.c): s_o ~ l0_o + l^r_o . q.
   * out_L    num_outputs x k, row-major: row o is l^r_o = Phi^T l_o (replicated);
   * out_l0   num_outputs: l0_o = l_o^T u_ref (0 without a reference);
   * out_names num_outputs x ROM_AFFINE_OUTPUT_NAME_MAX chars, NUL-terminated. */
  int num_outputs;
  double *out_L, *out_l0;
  char *out_names;
  /* The outputs' weights l (L_local x num_outputs, column-major), kept in memory for
   * rom_affine_rom_extend and the output bounds; NULL after a file read. */
  rom_int L_local;
  double *out_w;
  /* Error estimator (affine_estimator.c); est = 0 without one. */
  int est;
  double *theta_bar; /* Qa */
  int coercivity;    /* ROM_COERCIVITY_MIN_THETA, _CALLBACK or _SCM (resolved) */
  rom_coercivity_fn lb_fn;
  void *lb_user;
  rom_riesz_space rs;         /* terms [f_q | A_q u_ref | per j: A_q phi_j, M phi_j] */
  double *est_c;              /* nterms: the coefficient vector */
  rom_affine_dual *dual;      /* num_outputs entries (kd = 0: no output bound), or NULL */
  struct rom_affine_scm *scm; /* ROM_COERCIVITY_SCM's data (affine_scm.c), else NULL */
};

/* Estimator internals (affine_estimator.c) shared with the file I/O. Not collective. */
void rom_affine_rom_free_estimator(rom_affine_rom *rom);
void rom_riesz_free(rom_ctx *ctx, rom_riesz_space *rs);
int rom_riesz_reserve(rom_ctx *ctx, rom_riesz_space *rs, rom_int L, rom_int cap, rom_int tcap);
/* Appends the term v (NULL: zero) to the space: X^{-1} v by the host's solver at theta_bar,
 * orthonormalised in X; work: 3 max(L, 1) values. Collective. */
int rom_riesz_add(rom_riesz_space *rs, rom_model *model, const double *theta_bar, int Qa,
                  const double *v, double *work);
int rom_riesz_bcast(rom_ctx *ctx, rom_riesz_space *rs); /* rank 0's B everywhere. Collective. */
/* ||B c||_2 and (naive != NULL) sqrt(max(c^T B^T B c, 0)). Not collective. */
int rom_riesz_norm(rom_ctx *ctx, rom_riesz_space *rs, const double *c, double *stable,
                   double *naive);
int rom_affine_coercivity_lb(rom_affine_rom *rom, const double *theta, double *alpha);
void rom_affine_primal_coefficients(rom_affine_rom *rom, const double *theta, const double *phi,
                                    const double *q, const double *dq, double *c);
int rom_affine_check_eval_args(rom_affine_rom *rom, const double *theta, const double *phi,
                               const double *q);
int rom_affine_check_same_comm(rom_ctx *ctx, rom_ctx *other, const char *what); /* Collective */
void rom_affine_dual_free(rom_ctx *ctx, rom_affine_dual *d);
/* Allocates the reduced arrays and workspace of a dual of dimension kd (zeroed). */
int rom_affine_dual_alloc(rom_ctx *ctx, rom_affine_dual *d, rom_int kd, rom_int k, int Qa, int Qf);
/* Number of primal terms for dimension k. */
rom_int rom_affine_est_terms(const rom_affine_rom *rom, rom_int k);

/* Frees the output arrays (affine_outputs.c); used by destroy. Not collective. */
void rom_affine_rom_free_outputs(rom_affine_rom *rom);
/* Appends one output (copies l^r (k values), l0 and the name, already checked). Not
 * collective. */
int rom_affine_rom_append_output(rom_affine_rom *rom, const char *name, const double *lr,
                                 double l0);
/* rom_affine_rom_check_output_name - ROM_OK if `name` is usable (1..63 characters, no ',',
 * no control characters, not already used by this ROM); else records why. Not collective. */
int rom_affine_rom_check_output_name(const rom_affine_rom *rom, const char *name);

/* Allocates the object and its arrays (zeroed) for dimensions k, Qa, Qf. Not collective. */
int rom_affine_rom_alloc(rom_ctx *ctx, rom_int k, int Qa, int Qf, rom_affine_rom **out);
/* Symmetry test of the terms (and of M), symmetrising what passes. Not collective. */
void rom_affine_rom_classify(rom_affine_rom *rom);

/* The successive constraint method (affine_scm.c); at most this many operator terms. */
#define ROM_SCM_MAX_TERMS 64
struct rom_h5;
/* Offline: box, greedy, eigenproblems; sets rom->scm. Needs rom->theta_bar. Collective. */
int rom_affine_scm_build(rom_affine_rom *rom, rom_model *model, const rom_estimator_options *o);
/* alpha_LB(theta) > 0 by the linear program. Not collective. */
int rom_affine_scm_lower_bound(rom_affine_rom *rom, const double *theta, double *alpha);
void rom_affine_scm_free(rom_affine_rom *rom); /* NULL-safe. Not collective. */
/* File part (attributes scm_*, datasets /scm_*; docs/file-format.md). Collective. */
int rom_affine_scm_write(struct rom_h5 *f, const rom_affine_rom *rom);
int rom_affine_scm_read(struct rom_h5 *f, rom_affine_rom *rom);

#endif
