/* Galerkin reduced model of a linear affine problem: offline projection and online solves.
 *
 * The reduced-basis method's offline/online split (Prud'homme, Rovas, Veroy, Machiels,
 * Maday, Patera, Turinici, J. Fluids Eng. 124, 2002; Hesthaven, Rozza, Stamm, "Certified
 * Reduced Basis Methods", Springer 2016, sec. 3.3): with u ~ u_ref + Phi q, every affine
 * term is projected once (cost O(N k) per term per basis vector), and a solve at a new
 * parameter only assembles sum_q theta_q A_q^r (O(Qa k^2)) and factorises a k x k matrix
 * (O(k^3)), independent of N.
 *
 * Projection: the host's callbacks apply A_q to each basis vector (and to u_ref) column
 * by column; the k x (k+1) block Phi^T [A_q Phi, A_q u_ref] then takes one local dgemm
 * and one MPI_Allreduce per term (rom_dmat_transpose_times). Rank 0's result is
 * broadcast at the end so that the reduced matrices are bitwise identical on every rank
 * (an Allreduce need not round the same way everywhere), and online solves agree.
 *
 * Online: Cholesky (dpotrf) when every A_q^r is symmetric — the common case of
 * a symmetric FOM operator — and the assembled matrix is positive definite; LU with
 * partial pivoting (dgetrf) otherwise, which also catches a symmetric but indefinite
 * assembly. All workspace is allocated with the object: a solve never allocates.
 * The dense kernels are LAPACK's *_work entry points (no NaN scan, no workspace
 * queries) — see docs/benchmarks_heat.md for the measured cost at k = 10, 20. */
#include "core/check.h"
#include "affine/affine_rom_impl.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* ---- allocation and classification ------------------------------------------------------- */

int rom_affine_rom_alloc(rom_ctx *ctx, rom_int k, int Qa, int Qf, rom_affine_rom **out) {
  int err = ROM_OK;
  rom_affine_rom *rom = NULL;
  size_t kk = 0;
  *out = NULL;
  ROM_CHECK(ctx, k >= 1 && Qa >= 1 && Qf >= 0, ROM_ERR_ARG,
            "a reduced model needs k >= 1 and at least one operator term (k = %lld, %d "
            "operator terms, %d rhs terms)",
            (long long)k, Qa, Qf);
  ROM_CHECK(ctx, k <= 46340, ROM_ERR_UNSUPPORTED,
            "k = %lld is beyond LAPACK's 32-bit sizes for a dense k x k matrix", (long long)k);
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *rom, (void **)&rom));
  rom->ctx = ctx;
  rom->k = k;
  rom->Qa = Qa;
  rom->Qf = Qf;
  rom->L_local = -1; /* no weights kept until built in this process */
  kk = (size_t)k * (size_t)k;
  ROM_TRY(ctx, rom_calloc(ctx, kk * (size_t)Qa, sizeof(double), (void **)&rom->A));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k * (size_t)(Qf + Qa), sizeof(double), (void **)&rom->R));
  ROM_TRY(ctx, rom_calloc(ctx, kk, sizeof(double), (void **)&rom->M));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k, sizeof(double), (void **)&rom->m_ref));
  ROM_TRY(ctx, rom_calloc(ctx, kk, sizeof(double), (void **)&rom->work_matrix));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(Qf + Qa), sizeof(double), (void **)&rom->work_coef));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k, sizeof(double), (void **)&rom->work_vec));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)k, sizeof(lapack_int), (void **)&rom->work_pivots));
  *out = rom;
  rom = NULL;
cleanup:
  rom_affine_rom_destroy(&rom);
  return err;
}

int rom_affine_rom_destroy(rom_affine_rom **prom) {
  if (!prom || !*prom) return ROM_OK;
  rom_affine_rom *rom = *prom;
  rom_ctx *ctx = rom->ctx;
  rom_free(ctx, rom->A);
  rom_free(ctx, rom->R);
  rom_free(ctx, rom->M);
  rom_free(ctx, rom->m_ref);
  rom_free(ctx, rom->work_matrix);
  rom_free(ctx, rom->work_coef);
  rom_free(ctx, rom->work_vec);
  rom_free(ctx, rom->work_pivots);
  rom_affine_rom_free_estimator(rom);
  rom_affine_rom_free_outputs(rom);
  rom_free(ctx, rom);
  *prom = NULL;
  return ROM_OK;
}

/* max|a_ij - a_ji| <= tol * max|a_ij| (a zero matrix is symmetric). */
static int is_symmetric(const double *a, rom_int k) {
  double amax = 0.0, dmax = 0.0;
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < k; ++i) {
      amax = fmax(amax, fabs(a[i + j * k]));
      dmax = fmax(dmax, fabs(a[i + j * k] - a[j + i * k]));
    }
  return dmax <= ROM_AFFINE_SYMMETRY_TOL * amax;
}

/* Replace a by (a + a^T)/2, so both triangles hold the same numbers and Cholesky,
 * which reads one triangle, sees exactly the matrix the LU path would. */
static void symmetrise(double *a, rom_int k) {
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = j + 1; i < k; ++i) {
      double s = 0.5 * (a[i + j * k] + a[j + i * k]);
      a[i + j * k] = s;
      a[j + i * k] = s;
    }
}

void rom_affine_rom_classify(rom_affine_rom *rom) {
  const rom_int k = rom->k, kk = k * k;
  rom->symmetric = 1;
  for (int q = 0; q < rom->Qa && rom->symmetric; ++q)
    rom->symmetric = is_symmetric(rom->A + q * kk, k);
  if (rom->symmetric)
    for (int q = 0; q < rom->Qa; ++q)
      symmetrise(rom->A + q * kk, k);
  rom->mass_symmetric = is_symmetric(rom->M, k);
  if (rom->mass_symmetric) symmetrise(rom->M, k);
}

/* ---- offline: projection ----------------------------------------------------------------- */

int rom_affine_rom_build(rom_model *model, const rom_basis *basis, rom_affine_rom **out) {
  int err = ROM_OK;
  if (!model) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(model);
  rom_affine_rom *rom = NULL;
  rom_dmat *W = NULL, *Wk = NULL, *F = NULL;
  double *C = NULL;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, basis != NULL, ROM_ERR_ARG, "basis must not be NULL");
  /* rom_model_set_affine_operator sets the terms and their callback together. */
  ROM_CHECK_ALL(ctx, rom_model_operator_terms(model) > 0, ROM_ERR_STATE,
                "the model has no affine operator: call rom_model_set_affine_operator");
  {
    int same = MPI_UNEQUAL;
    ROM_MPI(ctx, MPI_Comm_compare(rom_ctx_comm(ctx), rom_ctx_comm(rom_basis_ctx(basis)), &same));
    ROM_CHECK_ALL(ctx, same == MPI_IDENT || same == MPI_CONGRUENT, ROM_ERR_ARG,
                  "the model and the basis live on different communicators");
  }
  {
    const rom_int L = rom_model_local_rows(model), k = rom_basis_dim(basis);
    const rom_int Lb = rom_basis_local_rows(basis);
    const int Qa = rom_model_operator_terms(model), Qf = rom_model_rhs_terms(model);
    const rom_dmat *V = rom_basis_vectors(basis);
    const double *Vd = rom_dmat_data_const(V);
    const rom_int ldV = rom_dmat_ld(V);
    const double *ref = rom_basis_reference(basis);
    ROM_CHECK_ALL(ctx, L == Lb, ROM_ERR_DIM,
                  "the model has %lld local rows on rank %d but the basis has %lld: both must "
                  "use the same row partition",
                  (long long)L, rom_ctx_rank(ctx), (long long)Lb);
    ROM_CHECK_ALL(ctx, k >= 1, ROM_ERR_ARG, "the basis has no vectors (k = %lld)", (long long)k);
    ROM_CHECK_ALL(ctx, k * k * Qa <= INT_MAX && k * (k + 1) <= INT_MAX, ROM_ERR_UNSUPPORTED,
                  "k = %lld with %d operator terms exceeds MPI's int counts for the reduced "
                  "matrices",
                  (long long)k, Qa);
    ROM_TRY_ALL(ctx, rom_affine_rom_alloc(ctx, k, Qa, Qf, &rom));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * (k + 1)), (void **)&C));

    /* W = [A_q Phi, A_q u_ref]; Wk is a view of its first k columns (no reference). */
    ROM_TRY(ctx, rom_dmat_create(ctx, L, k + 1, &W));
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k, rom_dmat_data(W), L, &Wk));
    double *Wd = rom_dmat_data(W);
    for (int q = 0; q < Qa; ++q) {
      for (rom_int j = 0; j < k; ++j)
        ROM_TRY(ctx, rom_model_apply_operator_term(model, q, Vd + j * ldV, Wd + j * L));
      if (ref) {
        ROM_TRY(ctx, rom_model_apply_operator_term(model, q, ref, Wd + k * L));
        ROM_TRY(ctx, rom_dmat_transpose_times(V, W, C, k));
      } else {
        ROM_TRY(ctx, rom_dmat_transpose_times(V, Wk, C, k));
        memset(C + k * k, 0, sizeof(double) * (size_t)k);
      }
      memcpy(rom->A + q * k * k, C, sizeof(double) * (size_t)(k * k));
      for (rom_int i = 0; i < k; ++i)
        rom->R[i + (Qf + q) * k] = -C[i + k * k]; /* -g_q^r */
    }

    /* f_q^r = Phi^T f_q: the first Qf columns of R in one reduction. */
    if (Qf > 0) {
      ROM_TRY(ctx, rom_dmat_create(ctx, L, Qf, &F));
      for (int q = 0; q < Qf; ++q)
        ROM_TRY(ctx, rom_model_rhs_term(model, q, rom_dmat_data(F) + q * L));
      ROM_TRY(ctx, rom_dmat_transpose_times(V, F, rom->R, k));
    }

    /* M^r = Phi^T M Phi and m^r = Phi^T M u_ref (identity mass: Phi^T Phi, which is I
     * only up to the basis's orthonormality, so it is computed, not assumed). */
    for (rom_int j = 0; j < k; ++j)
      ROM_TRY(ctx, rom_model_apply_mass(model, Vd + j * ldV, Wd + j * L));
    if (ref) {
      ROM_TRY(ctx, rom_model_apply_mass(model, ref, Wd + k * L));
      ROM_TRY(ctx, rom_dmat_transpose_times(V, W, C, k));
    } else {
      ROM_TRY(ctx, rom_dmat_transpose_times(V, Wk, C, k));
      memset(C + k * k, 0, sizeof(double) * (size_t)k);
    }
    memcpy(rom->M, C, sizeof(double) * (size_t)(k * k));
    memcpy(rom->m_ref, C + k * k, sizeof(double) * (size_t)k);

    /* Rank 0's numbers everywhere, bit for bit. */
    MPI_Comm comm = rom_ctx_comm(ctx);
    ROM_MPI(ctx, MPI_Bcast(rom->A, (int)(k * k * Qa), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(rom->R, (int)(k * (Qf + Qa)), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(rom->M, (int)(k * k), MPI_DOUBLE, 0, comm));
    ROM_MPI(ctx, MPI_Bcast(rom->m_ref, (int)k, MPI_DOUBLE, 0, comm));
    rom_affine_rom_classify(rom);
    rom->L_local = L;
  }
  *out = rom;
  rom = NULL;
cleanup:
  rom_dmat_destroy(&Wk);
  rom_dmat_destroy(&W);
  rom_dmat_destroy(&F);
  rom_free(ctx, C);
  rom_affine_rom_destroy(&rom);
  return err;
}

rom_ctx *rom_affine_rom_ctx(const rom_affine_rom *rom) {
  return rom ? rom->ctx : NULL;
}
rom_int rom_affine_rom_dim(const rom_affine_rom *rom) {
  return rom ? rom->k : 0;
}
int rom_affine_rom_operator_terms(const rom_affine_rom *rom) {
  return rom ? rom->Qa : 0;
}
int rom_affine_rom_rhs_terms(const rom_affine_rom *rom) {
  return rom ? rom->Qf : 0;
}

/* ---- online ------------------------------------------------------------------------------- */

/* work_matrix = shift * M^r + scale * sum_q theta_q A_q^r: one dgemv over the stacked
 * k^2 x Qa matrix of terms. */
static void assemble_matrix(rom_affine_rom *rom, const double *theta, double shift, double scale) {
  const int kk = (int)(rom->k * rom->k);
  cblas_dgemv(CblasColMajor, CblasNoTrans, kk, rom->Qa, scale, rom->A, kk, theta, 1, 0.0,
              rom->work_matrix, 1);
  if (shift != 0.0) cblas_daxpy(kk, shift, rom->M, 1, rom->work_matrix, 1);
}

/* b = scale * (sum_q phi_q f_q^r - sum_q theta_q g_q^r): one dgemv with [phi; theta]. */
static void assemble_rhs(rom_affine_rom *rom, const double *theta, const double *phi, double scale,
                         double *b) {
  const int k = (int)rom->k, Qa = rom->Qa, Qf = rom->Qf;
  if (Qf > 0) memcpy(rom->work_coef, phi, sizeof(double) * (size_t)Qf);
  memcpy(rom->work_coef + Qf, theta, sizeof(double) * (size_t)Qa);
  cblas_dgemv(CblasColMajor, CblasNoTrans, k, Qf + Qa, scale, rom->R, k, rom->work_coef, 1, 0.0, b,
              1);
}

/* Factorises shift * M^r + scale * A^r(theta) in work_matrix: Cholesky if `try_cholesky`
 * and it succeeds (*cholesky = 1), else LU (*cholesky = 0). */
static int factorise(rom_affine_rom *rom, const double *theta, double shift, double scale,
                     int try_cholesky, int *cholesky) {
  int err = ROM_OK;
  const lapack_int k = (lapack_int)rom->k;
  lapack_int info = 0;
  assemble_matrix(rom, theta, shift, scale);
  if (try_cholesky) {
    info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', k, rom->work_matrix, k);
    ROM_CHECK(rom->ctx, info >= 0, ROM_ERR_LAPACK, "dpotrf: argument %d is invalid", (int)-info);
    if (info == 0) {
      *cholesky = 1;
      goto cleanup;
    }
    assemble_matrix(rom, theta, shift, scale); /* not positive definite: dpotrf overwrote it */
  }
  *cholesky = 0;
  info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, k, k, rom->work_matrix, k, rom->work_pivots);
  ROM_CHECK(rom->ctx, info >= 0, ROM_ERR_LAPACK, "dgetrf: argument %d is invalid", (int)-info);
  ROM_CHECK(rom->ctx, info == 0, ROM_ERR_SINGULAR,
            "the reduced %lld x %lld matrix assembled from the given coefficients is singular "
            "(dgetrf: U(%d,%d) = 0)",
            (long long)rom->k, (long long)rom->k, (int)info, (int)info);
cleanup:
  return err;
}

static int solve_factored(rom_affine_rom *rom, int cholesky, double *b) {
  int err = ROM_OK;
  const lapack_int k = (lapack_int)rom->k;
  lapack_int info =
      cholesky ? LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', k, 1, rom->work_matrix, k, b, k)
               : LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', k, 1, rom->work_matrix, k,
                                     rom->work_pivots, b, k);
  ROM_CHECK(rom->ctx, info == 0, ROM_ERR_LAPACK, "%s: argument %d is invalid",
            cholesky ? "dpotrs" : "dgetrs", (int)-info);
cleanup:
  return err;
}

/* NaN or Inf coefficients would pass through LU silently (dgetrf only detects exact
 * zero pivots): refuse them, naming the first. Qa + Qf comparisons. */
static int check_coefficients(rom_affine_rom *rom, const double *theta, const double *phi) {
  int err = ROM_OK;
  for (int q = 0; q < rom->Qa; ++q)
    ROM_CHECK(rom->ctx, isfinite(theta[q]), ROM_ERR_NOT_FINITE,
              "operator coefficient theta[%d] = %g is not finite", q, theta[q]);
  for (int q = 0; q < rom->Qf; ++q)
    ROM_CHECK(rom->ctx, isfinite(phi[q]), ROM_ERR_NOT_FINITE,
              "rhs coefficient phi[%d] = %g is not finite", q, phi[q]);
cleanup:
  return err;
}

int rom_affine_rom_solve(rom_affine_rom *rom, const double *theta, const double *phi, double *q) {
  int err = ROM_OK;
  int cholesky = 0;
  if (!rom) return ROM_ERR_ARG;
  ROM_CHECK(rom->ctx, theta != NULL && q != NULL, ROM_ERR_ARG,
            "theta (%d operator coefficients) and q (%lld values) must not be NULL", rom->Qa,
            (long long)rom->k);
  ROM_CHECK(rom->ctx, phi != NULL || rom->Qf == 0, ROM_ERR_ARG,
            "phi (%d rhs coefficients) must not be NULL", rom->Qf);
  ROM_TRY(rom->ctx, check_coefficients(rom, theta, phi));
  assemble_rhs(rom, theta, phi, 1.0, q);
  ROM_TRY(rom->ctx, factorise(rom, theta, 0.0, 1.0, rom->symmetric, &cholesky));
  ROM_TRY(rom->ctx, solve_factored(rom, cholesky, q));
cleanup:
  return err;
}

/* Implicit Euler (M^r + dt A^r) q^{n+1} = M^r q^n + dt (f^r - g^r): the matrix and the
 * constant part of the right-hand side are formed once, the matrix factorised once. */
int rom_affine_rom_transient(rom_affine_rom *rom, const double *theta, const double *phi, double dt,
                             rom_int steps, const double *q0, double *trajectory) {
  int err = ROM_OK;
  int cholesky = 0;
  if (!rom) return ROM_ERR_ARG;
  const rom_int k = rom->k;
  ROM_CHECK(rom->ctx, theta != NULL && trajectory != NULL, ROM_ERR_ARG,
            "theta (%d operator coefficients) and trajectory must not be NULL", rom->Qa);
  ROM_CHECK(rom->ctx, phi != NULL || rom->Qf == 0, ROM_ERR_ARG,
            "phi (%d rhs coefficients) must not be NULL", rom->Qf);
  ROM_CHECK(rom->ctx, dt > 0.0 && isfinite(dt), ROM_ERR_ARG, "time step dt = %g must be > 0", dt);
  ROM_CHECK(rom->ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_TRY(rom->ctx, check_coefficients(rom, theta, phi));
  if (q0)
    memmove(trajectory, q0, sizeof(double) * (size_t)k);
  else
    memset(trajectory, 0, sizeof(double) * (size_t)k);
  if (steps == 0) goto cleanup;
  assemble_rhs(rom, theta, phi, dt, rom->work_vec); /* dt (f^r - g^r) */
  ROM_TRY(rom->ctx,
          factorise(rom, theta, 1.0, dt, rom->symmetric && rom->mass_symmetric, &cholesky));
  for (rom_int s = 0; s < steps; ++s) {
    const double *qs = trajectory + s * k;
    double *b = trajectory + (s + 1) * k;
    memcpy(b, rom->work_vec, sizeof(double) * (size_t)k);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)k, (int)k, 1.0, rom->M, (int)k, qs, 1, 1.0, b, 1);
    ROM_TRY(rom->ctx, solve_factored(rom, cholesky, b));
  }
cleanup:
  return err;
}
