/* romkit — Galerkin reduced model of a linear affine problem.
 *
 * Offline (collective, cost grows with N): with basis Phi (N x k) and reference u_ref
 * (zero if the basis has none), u ~ u_ref + Phi q, project every affine term:
 *     A_q^r = Phi^T A_q Phi            (k x k)
 *     g_q^r = Phi^T A_q u_ref          (k)
 *     f_q^r = Phi^T f_q                (k)
 *     M^r   = Phi^T M Phi, m^r = Phi^T M u_ref
 * Online (not collective, cost independent of N):
 *     steady     (sum_q theta_q A_q^r) q = sum_q phi_q f_q^r - sum_q theta_q g_q^r
 *     transient  implicit Euler:  (M^r + dt A^r) q^{n+1} = M^r q^n + dt (f^r - g^r)
 * The k x k system is solved by Cholesky (dpotrf) when every A_q^r is symmetric and
 * the assembled matrix is positive definite, by LU (dgesv) otherwise.
 */
#ifndef ROMKIT_AFFINE_ROM_H
#define ROMKIT_AFFINE_ROM_H

#include "romkit/model.h"
#include "romkit/pod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rom_affine_rom rom_affine_rom;

/* rom_affine_rom_build - projects the model's affine terms onto the basis. Collective.
 * The model and basis must have the same local rows on every rank. */
int rom_affine_rom_build(rom_model *model, const rom_basis *basis, rom_affine_rom **out);
int rom_affine_rom_destroy(rom_affine_rom **rom); /* NULL-safe. Not collective. */

rom_int rom_affine_rom_dim(const rom_affine_rom *rom); /* k */
int rom_affine_rom_operator_terms(const rom_affine_rom *rom);
int rom_affine_rom_rhs_terms(const rom_affine_rom *rom);

/* rom_affine_rom_solve - steady reduced solve for the given coefficient values
 * (theta: operator_terms values, phi: rhs_terms values); q gets k values.
 * Not collective; no allocation after the first call. ROM_ERR_SINGULAR if the reduced
 * matrix is singular. */
int rom_affine_rom_solve(rom_affine_rom *rom, const double *theta, const double *phi, double *q);

/* rom_affine_rom_transient - implicit Euler from q0 (k values; NULL = 0) for `steps`
 * steps of size dt; trajectory gets (steps + 1) x k values, state n at trajectory + n*k.
 * Not collective. */
int rom_affine_rom_transient(rom_affine_rom *rom, const double *theta, const double *phi, double dt,
                             rom_int steps, const double *q0, double *trajectory);

/* File I/O (kind "affine_rom", docs/file-format.md). The file holds the reduced
 * matrices only: online solves need no basis and no FOM. Write: collective, written
 * by rank 0's data (the reduced matrices are replicated). Read: collective. */
int rom_affine_rom_write(const rom_affine_rom *rom, const char *path, int overwrite);
int rom_affine_rom_read(rom_ctx *ctx, const char *path, rom_affine_rom **out);

/* ---- Outputs (quantities of interest), librom/affine/affine_outputs.c ------------------------
 *
 * A linear output s(mu) = l^T u(mu) of the FOM state (an average, a probe value, a flux
 * through a boundary written as a weight vector l) is evaluated online without lifting u:
 * with u ~ u_ref + Phi q,
 *     s ~ l_0 + l^r . q,     l^r = Phi^T l (k values),  l_0 = l^T u_ref,
 * so an output costs k multiply-adds per solve (Hesthaven, Rozza, Stamm, "Certified Reduced
 * Basis Methods", 2016, sec. 2.3, the "compliant/non-compliant output" of the RB method;
 * here without the dual correction). Outputs are stored in the ROM file (docs/file-format.md). */

/* rom_affine_rom_add_output - projects the weights l (this rank's rows of l, the basis'
 * partition) onto the basis and appends the output `name` (1..63 characters, no ',' and
 * no control characters, unique within the ROM). The basis must be the one the ROM was
 * built from (same k; ROM_ERR_DIM otherwise). Collective over the basis' context. */
int rom_affine_rom_add_output(rom_affine_rom *rom, const rom_basis *basis, const char *name,
                              const double *l_local);
/* Number of outputs (0 for a ROM without any). Not collective. */
int rom_affine_rom_num_outputs(const rom_affine_rom *rom);
/* Name of output o (0 <= o < num_outputs), NULL if out of range. Not collective. */
const char *rom_affine_rom_output_name(const rom_affine_rom *rom, int o);
/* rom_affine_rom_evaluate_outputs - values[o] = l_0,o + l^r_o . q for the k reduced
 * coordinates q of a solve; num_outputs values. Not collective; does not allocate. */
int rom_affine_rom_evaluate_outputs(const rom_affine_rom *rom, const double *q, double *values);

#ifdef __cplusplus
}
#endif
#endif
