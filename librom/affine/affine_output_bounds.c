/* Output bounds of the affine ROM with the primal-dual correction (include/romkit/affine_rom.h).
 *
 * Dual problem A(mu)^T z = -l for the output s = l^T u: since l^T e = -z^T A e = -z^T r_pr,
 * the corrected output s_c = s_r - z_r^T r_pr has the error -(z - z_r)^T r_pr = -r_du^T e
 * (A^T (z - z_r) = r_du), bounded by ||r_du||_X' ||e||_X <= ||r_du||_X' ||r_pr||_X' / alpha_LB
 * (Pierce, Giles, "Adjoint recovery of superconvergent functionals from PDE approximations",
 * SIAM Review 42, 2000; Hesthaven, Rozza, Stamm, "Certified Reduced Basis Methods", 2016,
 * sec. 4.3.3). Both residual norms use the stable form of affine_estimator.c.
 *
 * Offline per output (Z: the kd dual vectors, Phi: the k primal ones):
 *   (Z^T A_q^T Z), Z^T f_q, Z^T A_q u_ref, Z^T A_q Phi, -Z^T l     (replicated, rank 0's)
 *   dual residual terms [l | A_q^T zeta_j] and their Riesz representers (one host solve each,
 *   in the same stable form as the primal's).
 * A_q^T zeta_j comes from the host's transposed terms (rom_model_set_affine_operator_transpose)
 * when the ROM's terms are not all symmetric, from A_q otherwise. Each output has its own dual
 * space (not one aggregated over the outputs): a dual space fitted to one l gives that output's
 * best correction, and outputs can get a dual space one at a time. The dual data does not
 * depend on Phi but through Z^T A_q Phi, so rom_affine_rom_extend adds only its new columns
 * (Z is kept for that).
 * Online: a kd x kd LU solve for y, z_r^T r_pr = y^T (sum phi_q Z^T f_q - sum theta_q
 * (Z^T A_q u_ref + Z^T A_q Phi q)), and ||B_du c_du||: independent of N. */
#include "core/check.h"
#include "affine/affine_rom_impl.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* Snapshots whose remainder after Gram-Schmidt is below this fraction of their norm add
 * nothing to the dual space but ill-conditioning: dropped. */
#define ROM_DUAL_DROP_TOL 1e-8

static rom_int ld_of(rom_int L) {
  return L > 0 ? L : 1;
}

/* Orthonormalises column j of Z (L rows, ld) against columns 0..n-1 (two passes); returns
 * in *keep whether its remainder is kept (then normalised). Collective. */
static int gs_column(rom_ctx *ctx, double *Z, rom_int L, rom_int ld, rom_int n, rom_int j,
                     double *h, int *keep) {
  int err = ROM_OK;
  double *z = Z + j * ld, n0 = 0.0, n1 = 0.0, loc = 0.0;
  for (rom_int l = 0; l < L; ++l)
    loc += z[l] * z[l];
  ROM_MPI(ctx, MPI_Allreduce(&loc, &n0, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  for (int pass = 0; pass < 2 && n > 0; ++pass) {
    memset(h, 0, sizeof(double) * (size_t)n);
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasTrans, (int)L, (int)n, 1.0, Z, (int)ld, z, 1, 0.0, h, 1);
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, h, (int)n, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)n, -1.0, Z, (int)ld, h, 1, 1.0, z, 1);
  }
  loc = 0.0;
  for (rom_int l = 0; l < L; ++l)
    loc += z[l] * z[l];
  ROM_MPI(ctx, MPI_Allreduce(&loc, &n1, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(&n1, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  ROM_MPI(ctx, MPI_Bcast(&n0, 1, MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  *keep = n0 > 0.0 && sqrt(n1) > ROM_DUAL_DROP_TOL * sqrt(n0);
  if (*keep) {
    double s = 1.0 / sqrt(n1);
    for (rom_int l = 0; l < L; ++l)
      z[l] *= s;
  }
cleanup:
  return err;
}

int rom_affine_dual_alloc(rom_ctx *ctx, rom_affine_dual *d, rom_int kd, rom_int k, int Qa, int Qf) {
  int err = ROM_OK;
  d->kd = kd;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kd * kd * Qa), sizeof(double), (void **)&d->Ad));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)kd, sizeof(double), (void **)&d->ld));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kd * (Qf > 0 ? Qf : 1)), sizeof(double), (void **)&d->Zf));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kd * Qa), sizeof(double), (void **)&d->Zg));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kd * k * Qa), sizeof(double), (void **)&d->ZAP));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kd * kd), sizeof(double), (void **)&d->work_m));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * kd), sizeof(double), (void **)&d->work_v));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(1 + Qa * kd), sizeof(double), (void **)&d->work_c));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)kd, sizeof(lapack_int), (void **)&d->work_piv));
cleanup:
  return err;
}

int rom_affine_rom_has_output_bound(const rom_affine_rom *rom, int o) {
  if (!rom || !rom->est || !rom->dual || o < 0 || o >= rom->num_outputs) return 0;
  return rom->dual[o].kd > 0;
}

int rom_affine_rom_set_output_dual(rom_affine_rom *rom, rom_model *model, const rom_basis *basis,
                                   int o, const rom_basis *dual, const double *train_theta,
                                   int ntrain) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_affine_dual d;
  double *Z = NULL, *W = NULL, *C = NULL, *v = NULL, *h = NULL, *work = NULL;
  rom_dmat *Zm = NULL, *Wm = NULL;
  memset(&d, 0, sizeof d);
  const int Qa = rom->Qa, Qf = rom->Qf;
  const rom_int k = rom->k;
  ROM_CHECK_ALL(ctx, model != NULL && basis != NULL, ROM_ERR_ARG,
                "set_output_dual: the model and the basis must not be NULL");
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_model_ctx(model), "model"));
  ROM_TRY(ctx, rom_affine_check_same_comm(ctx, rom_basis_ctx(basis), "basis"));
  const rom_int L = rom_model_local_rows(model), ld = ld_of(L);
  ROM_CHECK_ALL(ctx, rom->est, ROM_ERR_STATE,
                "set_output_dual: build the estimator first (rom_affine_rom_build_estimator)");
  ROM_CHECK_ALL(ctx, o >= 0 && o < rom->num_outputs, ROM_ERR_ARG,
                "set_output_dual: output %d does not exist (the ROM has %d outputs)", o,
                rom->num_outputs);
  ROM_CHECK_ALL(ctx, rom->out_w != NULL && rom->L_local == L, ROM_ERR_STATE,
                "set_output_dual: the ROM does not hold the weights of its outputs (read from a "
                "file, or built on another partition): set output bounds on a ROM built in this "
                "process");
  /* A symmetric ROM applies A_q for A_q^T (the projected terms are symmetric, the FOM's are
   * the caller's statement, as for the estimator's X). */
  const int transpose = !rom->symmetric;
  ROM_CHECK_ALL(ctx, !transpose || rom_model_has_operator_transpose(model), ROM_ERR_UNSUPPORTED,
                "set_output_dual: the operator terms are not symmetric; the dual residual needs "
                "A_q^T: give the model its transposed terms "
                "(rom_model_set_affine_operator_transpose)");
  ROM_CHECK_ALL(ctx, rom_basis_dim(basis) == k && rom_basis_local_rows(basis) == L, ROM_ERR_DIM,
                "set_output_dual: the basis (%lld vectors, %lld local rows) is not the ROM's (k = "
                "%lld, %lld rows)",
                (long long)rom_basis_dim(basis), (long long)rom_basis_local_rows(basis),
                (long long)k, (long long)L);
  ROM_CHECK_ALL(ctx, dual != NULL || (train_theta != NULL && ntrain >= 1), ROM_ERR_ARG,
                "set_output_dual: give a dual basis or ntrain >= 1 training coefficient vectors "
                "(ntrain = %d)",
                ntrain);
  ROM_CHECK_ALL(ctx, !dual || rom_basis_local_rows(dual) == L, ROM_ERR_DIM,
                "set_output_dual: the dual basis has %lld local rows on rank %d, the model %lld",
                (long long)(dual ? rom_basis_local_rows(dual) : 0), rom_ctx_rank(ctx),
                (long long)L);
  if (!dual)
    for (int i = 0; i < ntrain; ++i)
      for (int q = 0; q < Qa; ++q)
        ROM_CHECK_ALL(ctx, isfinite(train_theta[i * Qa + q]), ROM_ERR_NOT_FINITE,
                      "set_output_dual: train_theta[%d][%d] = %g is not finite", i, q,
                      train_theta[i * Qa + q]);
  const double *l = rom->out_w + (size_t)o * (size_t)L;
  rom_int nz = dual ? rom_basis_dim(dual) : ntrain, kd = 0;
  ROM_CHECK_ALL(ctx, nz >= 1 && nz * nz * Qa <= INT_MAX && nz * k <= INT_MAX, ROM_ERR_ARG,
                "set_output_dual: %lld dual vectors (need 1 .. MPI's int counts)", (long long)nz);
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(nz * ld), sizeof(double), (void **)&Z));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(nz > k ? nz : k) + 1, sizeof(double), (void **)&h));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)ld, sizeof(double), (void **)&v));
  if (dual) {
    const rom_dmat *D = rom_basis_vectors(dual);
    for (rom_int j = 0; j < nz; ++j)
      if (L > 0)
        memcpy(Z + j * ld, rom_dmat_data_const(D) + j * rom_dmat_ld(D), sizeof(double) * (size_t)L);
    kd = nz; /* the caller's basis is orthonormal */
  } else {
    for (int i = 0; i < ntrain; ++i) {
      int keep = 0;
      for (rom_int l2 = 0; l2 < L; ++l2)
        v[l2] = -l[l2];
      ROM_TRY(ctx,
              rom_model_affine_solve(model, train_theta + i * Qa, 0.0, 1.0, 1, v, Z + kd * ld));
      ROM_TRY(ctx, gs_column(ctx, Z, L, ld, kd, kd, h, &keep));
      if (keep) kd++;
    }
    ROM_CHECK_ALL(ctx, kd >= 1, ROM_ERR_ARG,
                  "set_output_dual: the dual snapshots of output %d are all zero", o);
  }
  ROM_TRY_ALL(ctx, rom_affine_dual_alloc(ctx, &d, kd, k, Qa, Qf));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(kd * ld * Qa), sizeof(double), (void **)&W));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(kd * (kd > k ? kd : k)), sizeof(double), (void **)&C));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(3 * ld), sizeof(double), (void **)&work));
  ROM_TRY(ctx, rom_dmat_wrap(ctx, L, kd, Z, ld, &Zm));
  {
    const double *ref = rom_basis_reference(basis);
    const rom_dmat *V = rom_basis_vectors(basis);
    for (int q = 0; q < Qa; ++q) {
      double *Wq = W + (size_t)q * (size_t)(kd * ld);
      for (rom_int j = 0; j < kd; ++j) /* W_q = A_q^T Z */
        if (transpose)
          ROM_TRY(ctx, rom_model_apply_operator_term_transpose(model, q, Z + j * ld, Wq + j * ld));
        else
          ROM_TRY(ctx, rom_model_apply_operator_term(model, q, Z + j * ld, Wq + j * ld));
      ROM_TRY(ctx, rom_dmat_wrap(ctx, L, kd, Wq, ld, &Wm));
      ROM_TRY(ctx, rom_dmat_transpose_times(Zm, Wm, C, kd)); /* Z^T A_q^T Z */
      memcpy(d.Ad + (size_t)q * (size_t)(kd * kd), C, sizeof(double) * (size_t)(kd * kd));
      ROM_TRY(ctx, rom_dmat_transpose_times(Wm, V, C, kd)); /* (A_q^T Z)^T Phi = Z^T A_q Phi */
      memcpy(d.ZAP + (size_t)q * (size_t)(kd * k), C, sizeof(double) * (size_t)(kd * k));
      rom_dmat_destroy(&Wm);
      if (ref) {
        ROM_TRY(ctx, rom_model_apply_operator_term(model, q, ref, v));
        ROM_TRY(ctx, rom_dmat_transpose_times_vector(Zm, v, d.Zg + q * kd));
      }
    }
    for (int q = 0; q < Qf; ++q) {
      ROM_TRY(ctx, rom_model_rhs_term(model, q, v));
      ROM_TRY(ctx, rom_dmat_transpose_times_vector(Zm, v, d.Zf + q * kd));
    }
    ROM_TRY(ctx, rom_dmat_transpose_times_vector(Zm, l, d.ld));
    for (rom_int j = 0; j < kd; ++j)
      d.ld[j] = -d.ld[j];
    /* dual residual terms: [l | A_q^T zeta_j (q-major)] */
    const rom_int nt = 1 + (rom_int)Qa * kd;
    ROM_TRY_ALL(ctx, rom_riesz_reserve(ctx, &d.rs, L, nt, nt));
    ROM_TRY(ctx, rom_riesz_add(&d.rs, model, rom->theta_bar, Qa, l, work));
    for (int q = 0; q < Qa; ++q)
      for (rom_int j = 0; j < kd; ++j)
        ROM_TRY(ctx, rom_riesz_add(&d.rs, model, rom->theta_bar, Qa,
                                   W + (size_t)q * (size_t)(kd * ld) + j * ld, work));
    ROM_TRY(ctx, rom_riesz_bcast(ctx, &d.rs));
    /* The vectors are not needed online. */
    rom_free(ctx, d.rs.psi);
    rom_free(ctx, d.rs.xpsi);
    d.rs.psi = d.rs.xpsi = NULL;
    d.rs.have_vectors = 0;
    MPI_Comm comm = rom_ctx_comm(ctx);
    ROM_MPI(ctx, MPI_Bcast(d.Ad, (int)(kd * kd * Qa), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(d.ld, (int)kd, MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(d.Zf, (int)(kd * (Qf > 0 ? Qf : 1)), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(d.Zg, (int)(kd * Qa), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(d.ZAP, (int)(kd * k * Qa), MPI_DOUBLE, 0, comm));
  }
  /* Z is kept for rom_affine_rom_extend: the new columns of Z^T A_q Phi. */
  d.Zv = Z;
  d.ZL = L;
  Z = NULL;
  if (!rom->dual)
    ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)rom->num_outputs, sizeof(rom_affine_dual),
                                (void **)&rom->dual));
  rom_affine_dual_free(ctx, &rom->dual[o]);
  rom->dual[o] = d;
  memset(&d, 0, sizeof d);
cleanup:
  rom_affine_dual_free(ctx, &d);
  rom_dmat_destroy(&Zm);
  rom_dmat_destroy(&Wm);
  rom_free(ctx, Z);
  rom_free(ctx, W);
  rom_free(ctx, C);
  rom_free(ctx, v);
  rom_free(ctx, h);
  rom_free(ctx, work);
  return err;
}

/* corrected = s_r - y^T r^r, bound = rn_pr ||r_du|| / alpha for one output. Not collective. */
static int output_bound_one(rom_affine_rom *rom, rom_affine_dual *d, const double *theta,
                            const double *phi, const double *q, double rn_pr, double alpha,
                            double s_r, double *corrected, double *bound) {
  int err = ROM_OK;
  const int Qa = rom->Qa, Qf = rom->Qf;
  const rom_int kd = d->kd, k = rom->k;
  const int kk = (int)(kd * kd);
  double *y = d->work_v, *rr = d->work_v + kd, rn_du = 0.0;
  cblas_dgemv(CblasColMajor, CblasNoTrans, kk, Qa, 1.0, d->Ad, kk, theta, 1, 0.0, d->work_m, 1);
  memcpy(y, d->ld, sizeof(double) * (size_t)kd);
  lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)kd, (lapack_int)kd, d->work_m,
                                        (lapack_int)kd, d->work_piv);
  ROM_CHECK(rom->ctx, info == 0, ROM_ERR_SINGULAR,
            "the reduced dual matrix (%lld x %lld) is singular at these coefficients (dgetrf %d)",
            (long long)kd, (long long)kd, (int)info);
  info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', (lapack_int)kd, 1, d->work_m, (lapack_int)kd,
                             d->work_piv, y, (lapack_int)kd);
  ROM_CHECK(rom->ctx, info == 0, ROM_ERR_LAPACK, "dgetrs: argument %d is invalid", (int)-info);
  /* rr = Z^T r_pr = sum phi_q Z^T f_q - sum theta_q (Z^T A_q u_ref + Z^T A_q Phi q) */
  memset(rr, 0, sizeof(double) * (size_t)kd);
  if (Qf > 0)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)kd, Qf, 1.0, d->Zf, (int)kd, phi, 1, 0.0, rr, 1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)kd, Qa, -1.0, d->Zg, (int)kd, theta, 1, 1.0, rr, 1);
  for (int qq = 0; qq < Qa; ++qq)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)kd, (int)k, -theta[qq],
                d->ZAP + (size_t)qq * (size_t)(kd * k), (int)kd, q, 1, 1.0, rr, 1);
  *corrected = s_r - cblas_ddot((int)kd, y, 1, rr, 1);
  /* dual residual coefficients [-1 | -theta_q y_j] */
  d->work_c[0] = -1.0;
  for (int qq = 0; qq < Qa; ++qq)
    for (rom_int j = 0; j < kd; ++j)
      d->work_c[1 + qq * kd + j] = -theta[qq] * y[j];
  ROM_TRY(rom->ctx, rom_riesz_norm(rom->ctx, &d->rs, d->work_c, &rn_du, NULL));
  *bound = rn_pr * rn_du / alpha;
cleanup:
  return err;
}

int rom_affine_rom_output_bounds(rom_affine_rom *rom, const double *theta, const double *phi,
                                 const double *q, double *corrected, double *bounds) {
  int err = ROM_OK;
  double alpha = 0.0, rn = 0.0;
  if (!rom) return ROM_ERR_ARG;
  ROM_TRY(rom->ctx, rom_affine_check_eval_args(rom, theta, phi, q));
  if (rom->num_outputs == 0) goto cleanup;
  ROM_TRY(rom->ctx, rom_affine_coercivity_lb(rom, theta, &alpha));
  rom_affine_primal_coefficients(rom, theta, phi, q, NULL, rom->est_c);
  ROM_TRY(rom->ctx, rom_riesz_norm(rom->ctx, &rom->rs, rom->est_c, &rn, NULL));
  for (int o = 0; o < rom->num_outputs; ++o) {
    double s_r =
        rom->out_l0[o] + cblas_ddot((int)rom->k, rom->out_L + (size_t)o * (size_t)rom->k, 1, q, 1);
    double c = s_r, b = NAN;
    if (rom->dual && rom->dual[o].kd > 0)
      ROM_TRY(rom->ctx,
              output_bound_one(rom, &rom->dual[o], theta, phi, q, rn, alpha, s_r, &c, &b));
    if (corrected) corrected[o] = c;
    if (bounds) bounds[o] = b;
  }
cleanup:
  return err;
}
