/* romkit — the "opt" and "bop" methods: the optimized fit (librom/dmd/dmd_optimized.c,
 * variable projection; Askham and Kutz 2018; bagging: Sashidhar and Kutz 2022) runs on the
 * data projected on their POD basis, Y = U^T X (r x m, replicated), which is exact for the
 * fit's residual in span(U) and costs O(r m) per iteration instead of O(N m). Exact DMD
 * (or its continuous-time fit on irregular stamps) gives the initial eigenvalues and r.
 * The result x(t) ~ U sum_i B_i exp(omega_i (t - t_0)) is stored as modes
 * phi_i = U B_i / |B_i| with amplitudes b_i = |B_i|. */
#include "core/check.h"
#include "dmd/dmd_methods.h"
#include "dmd/dmd_optimized.h"

#include <math.h>
#include <string.h>

int rom_dmd_fit_optimized(const rom_dmd_data *d, rom_dmd *dmd) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(d->X);
  rom_dmd *init = NULL;
  rom_dmd_options o0 = *d->opts;
  rom_dmd_data d0 = *d;
  rom_basis *basis = NULL;
  rom_pod_options po = rom_pod_options_default();
  rom_dmat *U = NULL;
  double *Y = NULL, *trel = NULL, *std = NULL;
  double complex *omega0 = NULL, *omega = NULL, *B = NULL, *Mc = NULL;
  rom_int r, m = d->m, i, j, k, *order = NULL;
  int bop = d->opts->method == ROM_DMD_BOP;
  rom_dmd_opt_params p = d->opts->opt;

  /* initial guess: exact DMD with the same truncation */
  o0.method = ROM_DMD_EXACT;
  d0.opts = &o0;
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &init));
  init->dt = dmd->dt;
  init->t0 = dmd->t0;
  ROM_TRY(ctx, rom_dmd_fit_exact(&d0, init));
  r = init->r;
  /* POD of all snapshots, rank r */
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = r;
  po.method = d->opts->svd_method;
  ROM_TRY(ctx, rom_pod_compute(d->X, &po, &basis));
  ROM_CHECK(ctx, rom_basis_dim(basis) == r, ROM_ERR_ARG,
            "optimized DMD: the snapshots have rank %lld < %lld, the rank of exact DMD",
            (long long)rom_basis_dim(basis), (long long)r);
  ROM_TRY(ctx, rom_dmd_copy_cols(rom_basis_vectors(basis), r, &U));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * m), (void **)&Y));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)m, (void **)&trel));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)r, (void **)&omega0));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)r, (void **)&omega));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(r * r), sizeof(double complex), (void **)&B));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&Mc));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * r), sizeof(double), (void **)&std));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)r, (void **)&order));
  ROM_TRY(ctx, rom_dmat_transpose_times(U, d->X, Y, r));
  for (j = 0; j < m; j++)
    trel[j] = d->times[j] - d->times[0];
  for (i = 0; i < r; i++)
    omega0[i] = init->omega[2 * i] + I * init->omega[2 * i + 1];
  if (p.max_iter <= 0) p.max_iter = 100;
  if (!(p.tol > 0.0)) p.tol = 1e-10;
  if (p.bags <= 0) p.bags = 100;
  /* every rank runs the same deterministic fit on the same replicated data; agree on the
   * outcome so a failure is the same everywhere */
  ROM_TRY_ALL(ctx, rom_dmd_optimized_fit(ctx, (int)r, (int)m, Y, trel, (int)r, omega0, &p, omega, B,
                                         bop ? std : NULL));
  /* order by Re(omega) descending, then Im descending */
  for (i = 0; i < r; i++)
    order[i] = i;
  for (i = 1; i < r; i++) {
    rom_int x = order[i];
    j = i - 1;
    while (j >= 0 && (creal(omega[x]) > creal(omega[order[j]]) ||
                      (creal(omega[x]) == creal(omega[order[j]]) &&
                       cimag(omega[x]) > cimag(omega[order[j]])))) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  ROM_TRY(ctx, rom_dmd_set_rank(dmd, r, rom_dmat_local_rows(d->X)));
  for (k = 0; k < r; k++) {
    rom_int s = order[k];
    double nb = 0.0;
    double complex lam = cexp(omega[s] * dmd->dt);
    for (i = 0; i < r; i++)
      nb += creal(B[s + i * r] * conj(B[s + i * r]));
    nb = sqrt(nb);
    for (i = 0; i < r; i++)
      Mc[i + k * r] = nb > 0.0 ? B[s + i * r] / nb : 0.0;
    dmd->omega[2 * k] = creal(omega[s]);
    dmd->omega[2 * k + 1] = cimag(omega[s]);
    dmd->lambda[2 * k] = creal(lam);
    dmd->lambda[2 * k + 1] = cimag(lam);
    dmd->amplitudes[2 * k] = nb;
    dmd->amplitudes[2 * k + 1] = 0.0;
  }
  if (bop) {
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(2 * r), (void **)&dmd->omega_std));
    for (k = 0; k < r; k++) {
      dmd->omega_std[2 * k] = std[2 * order[k]];
      dmd->omega_std[2 * k + 1] = std[2 * order[k] + 1];
    }
  }
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, U, r, Mc));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  memcpy(dmd->y0, Y, sizeof(double) * (size_t)r);
  dmd->sv = init->sv;
  dmd->nsv = init->nsv;
  init->sv = NULL;
  dmd->basis = U;
  U = NULL;
cleanup:
  rom_dmd_destroy(&init);
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&U);
  rom_free(ctx, Y);
  rom_free(ctx, trel);
  rom_free(ctx, omega0);
  rom_free(ctx, omega);
  rom_free(ctx, B);
  rom_free(ctx, Mc);
  rom_free(ctx, std);
  rom_free(ctx, order);
  return err;
}
