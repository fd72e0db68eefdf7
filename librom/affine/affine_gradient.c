/* Output sensitivities of the Galerkin affine ROM by the reduced adjoint (romkit/optimize.h).
 *
 * With A_r(theta) = sum_q theta_q A_q^r and b_r = sum_q phi_q f_q^r - sum_q theta_q g_q^r,
 * the reduced state solves A_r q = b_r and the output is s_o = l0_o + l_o^r . q. The reduced
 * adjoint A_r^T lambda_o = l_o^r gives every coefficient derivative with one more triangular
 * solve per output (Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods", 2016, sec. 2.3;
 * Hinze, Pinnau, Ulbrich, Ulbrich 2009, sec. 1.6):
 *     ds_o/dtheta_q = -lambda_o^T (A_q^r q + g_q^r),     ds_o/dphi_q = lambda_o^T f_q^r.
 * One LU factorisation (dgetrf) serves the state (dgetrs 'N') and all adjoints (dgetrs 'T'), so
 * non-symmetric reduced operators are handled too; the sums over o and q are two dgemm calls.
 * The workspace is allocated per call (O(k^2 + k (num_outputs + Qa)) doubles), unlike
 * rom_affine_rom_solve which reuses the ROM's own: a gradient is worth one allocation. */
#include "core/check.h"
#include "affine/affine_rom_impl.h"
#include "romkit/optimize.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

int rom_affine_rom_output_sensitivities(rom_affine_rom *rom, const double *theta, const double *phi,
                                        double *q, double *values, double *ds_dtheta,
                                        double *ds_dphi) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  const int k = (int)rom->k, Qa = rom->Qa, Qf = rom->Qf, no = rom->num_outputs;
  double *work = NULL;
  lapack_int *piv = NULL;
  ROM_CHECK(ctx, no > 0, ROM_ERR_STATE,
            "the ROM has no outputs: add them with rom_affine_rom_add_output before asking for "
            "output gradients");
  ROM_CHECK(ctx, theta != NULL && ds_dtheta != NULL, ROM_ERR_ARG,
            "theta (%d coefficients) and ds_dtheta (%d x %d values) must not be NULL", Qa, no, Qa);
  ROM_CHECK(ctx, Qf == 0 || (phi != NULL && ds_dphi != NULL), ROM_ERR_ARG,
            "phi (%d coefficients) and ds_dphi (%d x %d values) must not be NULL", Qf, no, Qf);
  for (int t = 0; t < Qa; ++t)
    ROM_CHECK(ctx, isfinite(theta[t]), ROM_ERR_NOT_FINITE,
              "operator coefficient theta[%d] = %g is not finite", t, theta[t]);
  for (int t = 0; t < Qf; ++t)
    ROM_CHECK(ctx, isfinite(phi[t]), ROM_ERR_NOT_FINITE,
              "rhs coefficient phi[%d] = %g is not finite", t, phi[t]);
  {
    const size_t kk = (size_t)k * (size_t)k;
    const size_t total = kk + (size_t)k * ((size_t)no + (size_t)Qa + 1) + (size_t)(Qf + Qa);
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * total, (void **)&work));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)k, (void **)&piv));
    double *Ar = work;                        /* k x k, then its LU factors */
    double *Lam = Ar + kk;                    /* k x no: l_o^r, then lambda_o */
    double *W = Lam + (size_t)k * (size_t)no; /* k x Qa: A_q^r q + g_q^r */
    double *qr = W + (size_t)k * (size_t)Qa;  /* k */
    double *coef = qr + k;                    /* [phi; theta] */

    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)kk, Qa, 1.0, rom->A, (int)kk, theta, 1, 0.0, Ar,
                1);
    if (Qf > 0) memcpy(coef, phi, sizeof(double) * (size_t)Qf);
    memcpy(coef + Qf, theta, sizeof(double) * (size_t)Qa);
    cblas_dgemv(CblasColMajor, CblasNoTrans, k, Qf + Qa, 1.0, rom->R, k, coef, 1, 0.0, qr, 1);
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, k, k, Ar, k, piv);
    ROM_CHECK(ctx, info >= 0, ROM_ERR_LAPACK, "dgetrf: argument %d is invalid", (int)-info);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "the reduced %d x %d matrix assembled from the given coefficients is singular "
              "(dgetrf: U(%d,%d) = 0)",
              k, k, (int)info, (int)info);
    info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', k, 1, Ar, k, piv, qr, k);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgetrs: argument %d is invalid", (int)-info);
    /* out_L is num_outputs x k row-major: the same numbers as k x num_outputs column-major,
     * whose columns are the right-hand sides l_o^r of the adjoints. */
    memcpy(Lam, rom->out_L, sizeof(double) * (size_t)k * (size_t)no);
    info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'T', k, no, Ar, k, piv, Lam, k);
    ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgetrs: argument %d is invalid", (int)-info);

    /* W(:, q) = A_q^r q_r + g_q^r = A_q^r q_r - R(:, Qf + q). */
    for (int t = 0; t < Qa; ++t) {
      double *w = W + (size_t)k * (size_t)t;
      for (int i = 0; i < k; ++i)
        w[i] = -rom->R[i + (size_t)k * (size_t)(Qf + t)];
      cblas_dgemv(CblasColMajor, CblasNoTrans, k, k, 1.0, rom->A + kk * (size_t)t, k, qr, 1, 1.0, w,
                  1);
    }
    /* ds_dtheta, row-major no x Qa = column-major Qa x no = -W^T Lam. */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Qa, no, k, -1.0, W, k, Lam, k, 0.0,
                ds_dtheta, Qa);
    /* ds_dphi, row-major no x Qf = column-major Qf x no = F^T Lam, F = R(:, 0:Qf). */
    if (Qf > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Qf, no, k, 1.0, rom->R, k, Lam, k, 0.0,
                  ds_dphi, Qf);
    if (values) ROM_TRY(ctx, rom_affine_rom_evaluate_outputs(rom, qr, values));
    if (q) memcpy(q, qr, sizeof(double) * (size_t)k);
  }
cleanup:
  rom_free(ctx, work);
  rom_free(ctx, piv);
  return err;
}
