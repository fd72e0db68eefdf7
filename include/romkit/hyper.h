/* romkit — hyper-reduction: sample selection, the sample mesh and the gappy-POD data.
 *
 * A projection ROM of a nonlinear model still evaluates the N-long residual at every
 * iteration. Hyper-reduction evaluates it at ns sampled rows only and reconstructs it
 * from a residual basis Phi_r (N x nb, POD of residual or nonlinear-term snapshots):
 *     r ~ Phi_r (P^T Phi_r)^+ P^T r        (gappy POD; Everson & Sirovich 1995)
 * where P^T picks the sampled rows. With ns == nb this is DEIM interpolation
 * (Chaturantabut & Sorensen, SIAM J. Sci. Comput. 32, 2010); with ns > nb a least-squares
 * fit (GNAT: Carlberg, Farhat, Cortial, Amsallem, J. Comput. Phys. 242, 2013).
 *
 * Sample selection (on the row-distributed residual basis, in parallel; every method's
 * argmax breaks ties by the lowest global row, and the per-row arithmetic is done in a
 * fixed order, so the samples are identical on 1, 2, 4, ... ranks and any partition):
 *  - ROM_HYPER_DEIM   greedy on the interpolation residual, Chaturantabut & Sorensen
 *                     2010, Algorithm 1; ns == nb.
 *  - ROM_HYPER_QDEIM  column-pivoted QR of Phi_r^T (Drmac & Gugercin, SIAM J. Sci.
 *                     Comput. 38, 2016), computed as a distributed row-pivoted
 *                     Gram-Schmidt: each step picks the row of largest remaining norm
 *                     (Allreduce max + lowest row) and removes its direction from every
 *                     row; no N-long row is ever gathered. ns == nb.
 *  - ROM_HYPER_GNAT   oversampled greedy on the gappy (least-squares) residual, Carlberg
 *                     et al. 2013, Algorithm 3; ns >= nb (equals DEIM at ns == nb).
 *  - ROM_HYPER_SOPT   greedy maximisation of the S-optimality criterion
 *                     S(Z) = (det(Z^T Z) / prod_j ||Z_j||^2)^(1/2nb), Z = P^T Phi_r
 *                     (Lauzon, Cheung, Chung, Choi, Kim, Farhat, "S-OPT: a points
 *                     selection algorithm for hyper-reduction in reduced order models",
 *                     arXiv:2203.16494, 2022); ns >= nb.
 *  - ROM_HYPER_DEIM_OS oversampled DEIM of Kim, Choi, Widemann, Zohdi (J. Comput. Phys.
 *                     451, 2022; their code github.com/LLNL/NM-ROM): with div = ns / nb,
 *                     mod = ns % nb, the first vector gets the div + mod rows of largest
 *                     |u_1|, each later vector u_l the div rows of largest |u_l - U c|,
 *                     c the least-squares fit on the rows picked so far; ns >= nb (equals
 *                     DEIM at ns == nb). The selection of the paper's P1 HR row.
 *  - ROM_HYPER_QDEIM_E QDEIM oversampled by eigenvalue-gap points (GappyPOD+E: Peherstorfer,
 *                     Drmac, Gugercin, SIAM J. Sci. Comput. 42, 2020, Algorithm 2; libROM's
 *                     QDEIM with more samples than vectors): the QDEIM rows, then each
 *                     further row maximises a lower bound on the growth of
 *                     sigma_min(P^T Phi_r)^2, so ||(P^T Phi_r)^+||_2 (the gappy error
 *                     bound's factor) falls as ns grows; ns >= nb (QDEIM at ns == nb).
 *
 * The sample mesh: the needed rows are the union of the sampled rows' stencils (the
 * host's rom_model_stencil, asked on the owning rank, then all-gathered). The object
 * stores, replicated on every rank and sized by ns, nb, k and nneeded only:
 *     sample_rows (ns, ascending), needed_rows (nneeded, ascending, samples included),
 *     state_basis_rows Phi[needed, :] (nneeded x k), reference_rows u_ref[needed],
 *     residual_basis_rows P^T Phi_r (ns x nb), gappy_pinv (P^T Phi_r)^+ (nb x ns).
 */
#ifndef ROMKIT_HYPER_H
#define ROMKIT_HYPER_H

#include "romkit/autoencoder.h"
#include "romkit/matrix.h"
#include "romkit/model.h"
#include "romkit/pod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ROM_HYPER_DEIM = 0,
  ROM_HYPER_QDEIM = 1,
  ROM_HYPER_GNAT = 2,
  ROM_HYPER_SOPT = 3,
  ROM_HYPER_DEIM_OS = 4,
  ROM_HYPER_QDEIM_E = 5
} rom_hyper_method;

/* The registry of selection methods (one table, librom/hyper/methods.h): the methods are
 * the values 0 .. rom_hyper_method_count() - 1, in table order.
 *   rom_hyper_method_name         "deim", "qdeim", "gnat", "sopt", "deim-os", "qdeim-e";
 *                                 "unknown" out of range
 *   rom_hyper_method_from_name    the method of a name; ROM_ERR_ARG for anything else
 *   rom_hyper_method_description  one line for help texts ("" out of range)
 *   rom_hyper_method_rules        ROM_HYPER_RULE_* flags (0 out of range)
 * Not collective. */
#define ROM_HYPER_RULE_EXACT_SAMPLES 0x1u   /* selects exactly nb samples: ns must equal nb */
#define ROM_HYPER_RULE_INITIAL_SAMPLES 0x2u /* may start from given samples: S-OPT */
int rom_hyper_method_count(void);
const char *rom_hyper_method_name(rom_hyper_method method);
int rom_hyper_method_from_name(const char *name, rom_hyper_method *method);
const char *rom_hyper_method_description(rom_hyper_method method);
unsigned rom_hyper_method_rules(rom_hyper_method method);

/* rom_hyper_select - `ns` sample rows (global indices, in the order the greedy picked
 * them) for the first `nb` columns of the row-distributed residual basis U (N x >= nb).
 * nb = 0 means all columns. samples: ns entries, replicated on every rank. Collective.
 * Errors: ROM_ERR_ARG (nb out of range, ns < nb, ns > N, ns != nb for a method with
 * ROM_HYPER_RULE_EXACT_SAMPLES: DEIM, QDEIM),
 * ROM_ERR_NOT_FINITE (NaN/Inf in U), ROM_ERR_SINGULAR (U has fewer than nb independent
 * columns). */
int rom_hyper_select(const rom_dmat *U, rom_hyper_method method, rom_int nb, rom_int ns,
                     rom_int *samples);

/* rom_hyper_select_from - rom_hyper_select that starts from `ninit` given sample rows
 * (global indices, distinct, the same on every rank): samples[0 .. ninit) = initial, and
 * the method's greedy adds ns - ninit rows, scoring candidates against the initial ones as
 * if it had picked them (libROM's S_OPT init_samples: e.g. rows a host must sample anyway,
 * or the samples of a previous, smaller selection to extend). ninit = 0: rom_hyper_select.
 * Only methods with ROM_HYPER_RULE_INITIAL_SAMPLES (sopt) accept ninit > 0. Collective.
 * Errors: those of rom_hyper_select; ROM_ERR_ARG (ninit < 0 or > ns, a row out of range or
 * repeated, initial rows that differ between ranks, a method without the rule);
 * ROM_ERR_SINGULAR (the initial rows of U are linearly dependent in the columns the greedy
 * needs). */
int rom_hyper_select_from(const rom_dmat *U, rom_hyper_method method, rom_int nb, rom_int ns,
                          rom_int ninit, const rom_int *initial, rom_int *samples);

typedef struct {
  rom_hyper_method method;        /* default ROM_HYPER_GNAT */
  rom_int num_samples;            /* ns; 0 (default): ns = nb */
  rom_int residual_dim;           /* nb; 0 (default): all columns of the residual basis */
  rom_int num_initial_samples;    /* 0 (default), or rows to start from (sopt only; */
  const rom_int *initial_samples; /* rom_hyper_select_from); not stored in the object */
} rom_hyper_options;

rom_hyper_options rom_hyper_options_default(void);

typedef struct rom_hyper rom_hyper;

/* rom_hyper_create - selects the samples on the residual basis and precomputes the gappy
 * operator; with a model and a state basis it also builds the sample mesh (stencils) and
 * stores the state basis rows and reference rows there (see rom_hyper_attach).
 *   model, state_basis  may both be NULL: the model-independent part only (what the
 *                       `romkit hyper` CLI writes); complete it later with
 *                       rom_hyper_attach.
 *   reference_local     u_ref on this rank's rows (NULL: the state basis's reference, or 0)
 * Collective. */
int rom_hyper_create(rom_model *model, const rom_basis *state_basis, const double *reference_local,
                     const rom_dmat *residual_basis, const rom_hyper_options *o, rom_hyper **out);

/* rom_hyper_attach - builds (or rebuilds) the sample mesh from the model's stencils and
 * stores Phi[needed, :] and u_ref[needed] from the state basis (partitioned like the
 * model) and reference_local (NULL: the basis's reference, or 0). Collective. */
int rom_hyper_attach(rom_hyper *hr, rom_model *model, const rom_basis *state_basis,
                     const double *reference_local);

int rom_hyper_destroy(rom_hyper **hr); /* NULL-safe. Not collective. */
/* rom_hyper_attach_decoder - the nonlinear-manifold counterpart of rom_hyper_attach
 * (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), Sec. 4.2): builds the sample
 * mesh from the model's stencils, then extracts the sub-network of the stacked decoders
 * aes[0 .. nae) that feeds exactly the sample-mesh rows (rom_ae_subnet_create; P2: one
 * autoencoder per component) and stores it with u_ref[needed] (reference_local: NULL =
 * 0). The state dimension becomes the total latent dimension; there are no state basis
 * rows. The autoencoders must hold the same weights on every rank (they are replicated)
 * and their outputs must add up to the model's rows. Collective. */
int rom_hyper_attach_decoder(rom_hyper *hr, rom_model *model, int nae, rom_ae *const *aes,
                             const double *reference_local);
/* The decoder sub-network of a manifold hyper-reduction (NULL for a linear one). Its
 * evaluation uses workspace inside it: one ROM at a time per object. */
rom_ae_subnet *rom_hyper_decoder(const rom_hyper *hr);

/* Accessors (replicated data, column-major). Not collective. */
rom_ctx *rom_hyper_ctx(const rom_hyper *hr);
rom_hyper_method rom_hyper_get_method(const rom_hyper *hr);
rom_int rom_hyper_num_samples(const rom_hyper *hr);        /* ns */
rom_int rom_hyper_residual_dim(const rom_hyper *hr);       /* nb */
rom_int rom_hyper_state_dim(const rom_hyper *hr);          /* k; 0 until attached */
rom_int rom_hyper_num_needed(const rom_hyper *hr);         /* 0 until attached */
rom_int rom_hyper_global_rows(const rom_hyper *hr);        /* N */
const rom_int *rom_hyper_sample_rows(const rom_hyper *hr); /* ns, ascending */
const rom_int *rom_hyper_needed_rows(const rom_hyper *hr); /* nneeded, ascending */
/* The initial samples the selection started from (rom_hyper_options.initial_samples, S-OPT),
 * ascending; 0 and NULL when there were none. Stored in the file. */
rom_int rom_hyper_num_initial_samples(const rom_hyper *hr);
const rom_int *rom_hyper_initial_samples(const rom_hyper *hr);
const double *rom_hyper_state_basis_rows(const rom_hyper *hr);    /* nneeded x k; NULL: manifold */
const double *rom_hyper_reference_rows(const rom_hyper *hr);      /* nneeded */
const double *rom_hyper_residual_basis_rows(const rom_hyper *hr); /* ns x nb */
const double *rom_hyper_gappy_pinv(const rom_hyper *hr);          /* nb x ns */

/* File I/O (kind "hyper", docs/file-format.md). Write: collective, rank 0's (replicated)
 * data. Read: collective; checks kind, version and every dataset's dims. */
int rom_hyper_write(const rom_hyper *hr, const char *path, int overwrite);
int rom_hyper_read(rom_ctx *ctx, const char *path, rom_hyper **out);

#ifdef __cplusplus
}
#endif
#endif
