/* romkit internal — fields of the nonlinear projection ROM (include/romkit/nonlinear_rom.h). */
#ifndef ROMKIT_ONLINE_NONLINEAR_ROM_IMPL_H
#define ROMKIT_ONLINE_NONLINEAR_ROM_IMPL_H

#include "romkit/nonlinear_rom.h"

#include <lapacke.h>

struct rom_nlrom {
  rom_ctx *ctx;
  rom_model *model;
  const rom_basis *basis; /* may be NULL with hyper-reduction */
  const rom_hyper *hr;    /* NULL: no hyper-reduction */
  rom_nlrom_options o;
  rom_int k, L;

  /* Without hyper-reduction: this rank's rows. */
  const double *phi; /* L x k, leading dimension ld_phi (the basis's block) */
  rom_int ld_phi;
  double *ref; /* u_ref (L) */
  double *u;   /* the lifted state (L) */
  double *W;   /* L x (k + 1), leading dimension ld_w: [Jr | r] */
  rom_int ld_w;
  rom_dmat *W_mat; /* W wrapped, for TSQR */

  /* With hyper-reduction: replicated, sized by ns, nb, k, nneeded. */
  rom_int ns, nb, nn;
  const rom_int *samples, *needed;
  const double *phi_needed; /* nn x k */
  const double *pinv;       /* nb x ns */
  double *ref_needed;       /* nn */
  double *phi_samples;      /* ns x k: rows of phi_needed at the samples */
  double *ref_owned;        /* own copy of the reference rows when the caller gave one */
  double *u_needed;         /* nn */
  double *S;                /* ns x (k + 1): [Jr_s | r_s] */
  double *G;                /* nb x (k + 1): pinv [Jr_s | r_s] */
  double *lsq_a, *lsq_b, *lsq_work;
  lapack_int lsq_lwork;

  /* Nonlinear manifold (u = u_ref + g(q), rom_nlrom_create_manifold): the decoder
   * sub-network of the rows this ROM evaluates (this rank's rows, or hr's sample mesh);
   * phi / phi_needed then point to jg, the decoder Jacobian at the current q. */
  int manifold;
  rom_ae_subnet *dec;       /* dec_owned or hr's */
  rom_ae_subnet *dec_owned; /* built for this rank's rows (without hr) */
  double *jg;               /* rows x k */
  double *gq;               /* rows: g(q) */
  double *hist_u;           /* L (without hr) or ns (with hr): the scheme's history term */
  rom_int *sample_pos;      /* ns: position of each sample in the needed rows (hr) */
  double *last_q, *last_g;  /* k, L or ns: g at the end of the last step (the next step's
                               history term without another decoder evaluation) */
  int have_last;

  /* The trajectory guard (growth_factor): the reference projected residual, 0 until a
   * step's initial residual exceeds the tolerance, and the step that set it. */
  double norm_ref;
  rom_int norm_ref_step;

  /* Small replicated workspace. */
  double *red;     /* (k + 1) x (k + 1): reduced block */
  double *mat;     /* k x k */
  double *g;       /* k: projected residual */
  double *dq;      /* k */
  double *hist;    /* k: the history term of the scheme */
  double *diff;    /* k */
  lapack_int *piv; /* k */
};

#endif
