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
};

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

#endif
