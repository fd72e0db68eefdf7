/* Galerkin and LSPG projection ROMs of nonlinear models, with optional GNAT
 * hyper-reduction (include/romkit/nonlinear_rom.h has the equations).
 *
 * References: Galerkin/Newton and LSPG/Gauss-Newton on an affine subspace as in Carlberg,
 * Barone, Antil, "Galerkin v. least-squares Petrov-Galerkin projection in nonlinear
 * model reduction", J. Comput. Phys. 330 (2017), sec. 3; GNAT as in Carlberg, Farhat,
 * Cortial, Amsallem, J. Comput. Phys. 242 (2013), sec. 3.3 (Gauss-Newton on the gappy
 * residual); the iteration rule (at most 4 updates, projected-residual tolerance) as in
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), sec. 5.
 *
 * Cost per iteration without hyper-reduction (P ranks, L = N/P local rows):
 *   lift u = u_ref + Phi q             O(L k)
 *   velocity F(u) and J_F Phi          one host call each (k columns in one block call)
 *   Galerkin: Phi^T r, Phi^T Jr        O(L k^2) local dgemm + 2 small reductions
 *   LSPG (normal equations): [Jr r]^T [Jr r]  O(L k^2) dsyrk + 1 reduction of (k+1)^2
 *   solve                              O(k^3), replicated
 * With hyper-reduction (replicated on every rank, no communication, nothing of size N):
 *   lift at the needed rows O(nn k); sampled F and dF/du Phi at ns rows (host);
 *   pinv [Jr_s r_s] O(nb ns k); least squares nb x k by Householder QR (dgels) O(nb k^2).
 *
 * Every reduced quantity that comes out of a reduction is reduced to rank 0 and
 * broadcast (MPI_Reduce + MPI_Bcast, the cost of one Allreduce), so all ranks hold the
 * same bits, take the same convergence decisions and never wait on each other. */
#include "core/check.h"
#include "core/sorted_rows.h"
#include "linalg/tsqr.h"
#include "online/nonlinear_rom_impl.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

rom_nlrom_options rom_nlrom_options_default(void) {
  rom_nlrom_options o;
  o.projection = ROM_NLROM_LSPG;
  o.scheme = ROM_TIME_BACKWARD_EULER;
  o.lspg_solver = ROM_LSPG_NORMAL_EQUATIONS;
  o.max_iterations = 4;
  o.tolerance = 1e-8;
  o.fail_if_not_converged = 0;
  o.divergence_factor = 1e8;
  o.growth_factor = 1e6;
  o.state_bound = 0.0;
  o.initial_guess = ROM_NLROM_GUESS_PREVIOUS;
  o.convergence_check = ROM_NLROM_CHECK_EXACT;
  return o;
}

static const char *projection_name(const rom_nlrom *rom) {
  if (rom->hr) return "GNAT (LSPG with hyper-reduction) Gauss-Newton";
  return rom->o.projection == ROM_NLROM_GALERKIN ? "Galerkin Newton" : "LSPG Gauss-Newton";
}

/* buf (n values) summed over ranks, rank 0's sum everywhere (bitwise identical). */
static int reduce_replicated(rom_ctx *ctx, double *buf, rom_int n) {
  int err = ROM_OK;
  MPI_Comm comm = rom_ctx_comm(ctx);
  if (rom_ctx_size(ctx) == 1 || n == 0) return ROM_OK;
  if (rom_ctx_rank(ctx) == 0)
    ROM_MPI(ctx, MPI_Reduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, 0, comm));
  else
    ROM_MPI(ctx, MPI_Reduce(buf, NULL, (int)n, MPI_DOUBLE, MPI_SUM, 0, comm));
  ROM_MPI(ctx, MPI_Bcast(buf, (int)n, MPI_DOUBLE, 0, comm));
cleanup:
  return err;
}

static double norm2(const double *x, rom_int n) {
  double s = 0.0;
  for (rom_int i = 0; i < n; ++i)
    s += x[i] * x[i];
  return sqrt(s);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

int rom_nlrom_destroy(rom_nlrom **prom) {
  if (!prom || !*prom) return ROM_OK;
  rom_nlrom *rom = *prom;
  rom_ctx *ctx = rom->ctx;
  rom_dmat_destroy(&rom->W_mat);
  rom_free(ctx, rom->ref);
  rom_free(ctx, rom->u);
  rom_free(ctx, rom->W);
  rom_free(ctx, rom->ref_needed);
  rom_free(ctx, rom->phi_samples);
  rom_free(ctx, rom->u_needed);
  rom_free(ctx, rom->S);
  rom_free(ctx, rom->G);
  rom_free(ctx, rom->lsq_a);
  rom_free(ctx, rom->lsq_b);
  rom_free(ctx, rom->lsq_work);
  rom_free(ctx, rom->red);
  rom_free(ctx, rom->mat);
  rom_free(ctx, rom->g);
  rom_free(ctx, rom->dq);
  rom_free(ctx, rom->hist);
  rom_free(ctx, rom->diff);
  rom_free(ctx, rom->piv);
  rom_ae_subnet_destroy(&rom->dec_owned);
  rom_free(ctx, rom->jg);
  rom_free(ctx, rom->gq);
  rom_free(ctx, rom->hist_u);
  rom_free(ctx, rom->sample_pos);
  rom_free(ctx, rom->last_q);
  rom_free(ctx, rom->last_g);
  rom_free(ctx, rom);
  *prom = NULL;
  return ROM_OK;
}

static int alloc_doubles(rom_ctx *ctx, rom_int n, double **out) {
  return rom_calloc(ctx, (size_t)(n > 0 ? n : 1), sizeof(double), (void **)out);
}

/* out[i] = v[rows[i]] for the distributed vector v (this rank's rows v_local): the owner
 * contributes each entry, the others zero, so the sum is exact. Collective. */
static int gather_rows(rom_ctx *ctx, rom_int L, const double *v_local, rom_int n,
                       const rom_int *rows, double *out) {
  int err = ROM_OK;
  rom_int off = 0;
  ROM_MPI(ctx, MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  if (rom_ctx_rank(ctx) == 0) off = 0;
  memset(out, 0, sizeof(double) * (size_t)n);
  for (rom_int s = 0; s < n; ++s)
    if (rows[s] >= off && rows[s] < off + L) out[s] = v_local[rows[s] - off];
  if (n > 0)
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, out, (int)n, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

/* The hyper-reduced part of rom_nlrom_create. Collective (the reference gather). */
static int setup_hyper(rom_nlrom *rom, const double *reference_local) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_hyper *hr = rom->hr;
  const rom_int k = rom->k;
  rom->ns = rom_hyper_num_samples(hr);
  rom->nb = rom_hyper_residual_dim(hr);
  rom->nn = rom_hyper_num_needed(hr);
  rom->samples = rom_hyper_sample_rows(hr);
  rom->needed = rom_hyper_needed_rows(hr);
  rom->pinv = rom_hyper_gappy_pinv(hr);
  const rom_int ns = rom->ns, nb = rom->nb, nn = rom->nn;
  if (rom->manifold) {
    /* phi_needed is the decoder Jacobian at the sample mesh, refreshed at every q */
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, nn * k, &rom->jg));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, nn, &rom->gq));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, ns, &rom->hist_u));
    rom->phi_needed = rom->jg;
  } else {
    rom->phi_needed = rom_hyper_state_basis_rows(hr);
  }
  ROM_CHECK_ALL(ctx, nb >= k, ROM_ERR_ARG,
                "GNAT needs a residual basis at least as large as the state basis (nb = %lld < "
                "k = %lld): the least-squares problem would be underdetermined",
                (long long)nb, (long long)k);
  ROM_CHECK_ALL(ctx, nb <= 46340 && ns <= 46340 && nn <= INT_MAX / (k + 1), ROM_ERR_UNSUPPORTED,
                "hyper-reduction sizes ns = %lld, nb = %lld, nneeded = %lld exceed LAPACK's "
                "32-bit sizes",
                (long long)ns, (long long)nb, (long long)nn);
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, nn, &rom->ref_needed));
  if (reference_local)
    ROM_TRY(ctx, gather_rows(ctx, rom->L, reference_local, nn, rom->needed, rom->ref_needed));
  else
    memcpy(rom->ref_needed, rom_hyper_reference_rows(hr), sizeof(double) * (size_t)nn);
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, ns * k, &rom->phi_samples));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)(ns + 1), sizeof(rom_int), (void **)&rom->sample_pos));
  for (rom_int s = 0; s < ns; ++s) {
    rom_int pos = rom_sorted_find(nn, rom->needed, rom->samples[s]);
    ROM_CHECK_ALL(ctx, pos >= 0, ROM_ERR_ARG,
                  "sample row %lld is not on the hyper-reduction's sample mesh",
                  (long long)rom->samples[s]);
    rom->sample_pos[s] = pos;
    for (rom_int j = 0; j < k && !rom->manifold; ++j)
      rom->phi_samples[s + j * ns] = rom->phi_needed[pos + j * nn];
  }
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, nn, &rom->u_needed));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, ns * (k + 1), &rom->S));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, nb * (k + 1), &rom->G));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, nb * k, &rom->lsq_a));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, nb, &rom->lsq_b));
  {
    double wq = 0.0;
    lapack_int info =
        LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)nb, (lapack_int)k, 1, rom->lsq_a,
                           (lapack_int)nb, rom->lsq_b, (lapack_int)nb, &wq, -1);
    ROM_CHECK_ALL(ctx, info == 0, ROM_ERR_LAPACK, "dgels workspace query failed (info = %d)",
                  (int)info);
    rom->lsq_lwork = (lapack_int)wq + 1;
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, rom->lsq_lwork, &rom->lsq_work));
  }
  /* The host's one-time look at the sample mesh: every sampled call passes these arrays. */
  ROM_TRY_ALL(ctx, rom_model_sample_mesh_setup(rom->model, ns, rom->samples, nn, rom->needed));
cleanup:
  return err;
}

static int check_options(rom_ctx *ctx, const rom_nlrom_options *o) {
  int err = ROM_OK;
  ROM_CHECK_ALL(ctx, o->projection == ROM_NLROM_GALERKIN || o->projection == ROM_NLROM_LSPG,
                ROM_ERR_ARG, "unknown projection %d", (int)o->projection);
  ROM_CHECK_ALL(ctx, o->scheme == ROM_TIME_BACKWARD_EULER || o->scheme == ROM_TIME_BDF2,
                ROM_ERR_ARG, "unknown time scheme %d", (int)o->scheme);
  ROM_CHECK_ALL(ctx, o->lspg_solver == ROM_LSPG_NORMAL_EQUATIONS || o->lspg_solver == ROM_LSPG_TSQR,
                ROM_ERR_ARG, "unknown LSPG solver %d", (int)o->lspg_solver);
  ROM_CHECK_ALL(ctx, o->max_iterations >= 0, ROM_ERR_ARG, "max_iterations = %d must be >= 0",
                o->max_iterations);
  ROM_CHECK_ALL(ctx, o->tolerance >= 0.0 && isfinite(o->tolerance), ROM_ERR_ARG,
                "tolerance = %g must be finite and >= 0", o->tolerance);
  ROM_CHECK_ALL(ctx, !isnan(o->divergence_factor), ROM_ERR_ARG,
                "divergence_factor must not be NaN");
  ROM_CHECK_ALL(ctx, !isnan(o->growth_factor), ROM_ERR_ARG, "growth_factor must not be NaN");
  ROM_CHECK_ALL(ctx, !isnan(o->state_bound), ROM_ERR_ARG,
                "state_bound must not be NaN (0 or less: no bound)");
  ROM_CHECK_ALL(ctx,
                o->initial_guess == ROM_NLROM_GUESS_PREVIOUS ||
                    o->initial_guess == ROM_NLROM_GUESS_EXTRAPOLATE,
                ROM_ERR_ARG, "unknown initial_guess %d (previous %d, extrapolate %d)",
                (int)o->initial_guess, (int)ROM_NLROM_GUESS_PREVIOUS,
                (int)ROM_NLROM_GUESS_EXTRAPOLATE);
  ROM_CHECK_ALL(ctx,
                o->convergence_check == ROM_NLROM_CHECK_EXACT ||
                    o->convergence_check == ROM_NLROM_CHECK_LAGGED,
                ROM_ERR_ARG, "unknown convergence_check %d (exact %d, lagged %d)",
                (int)o->convergence_check, (int)ROM_NLROM_CHECK_EXACT, (int)ROM_NLROM_CHECK_LAGGED);
cleanup:
  return err;
}

/* The callbacks the ROM will call must exist now, not fail at the first step: the
 * velocity and its Jacobian action without hyper-reduction, the sampled velocity and
 * sampled Jacobian with it (include/romkit/nonlinear_rom.h, ROM_ERR_STATE). */
static int check_callbacks(rom_ctx *ctx, const rom_model *m, int hyper) {
  int err = ROM_OK;
  const unsigned f = rom_model_callbacks(m);
  if (hyper) {
    ROM_CHECK_ALL(ctx, f & ROM_MODEL_HAS_SAMPLED_VELOCITY, ROM_ERR_STATE,
                  "the model has no sampled velocity: a hyper-reduced ROM needs "
                  "rom_model_set_sampled_velocity (stencil, sampled velocity and sampled "
                  "Jacobian)");
    ROM_CHECK_ALL(ctx, f & ROM_MODEL_HAS_SAMPLED_JACOBIAN, ROM_ERR_STATE,
                  "the model has no sampled Jacobian: pass it to rom_model_set_sampled_velocity "
                  "(a hyper-reduced ROM needs dF/du at the samples)");
  } else {
    ROM_CHECK_ALL(ctx, f & ROM_MODEL_HAS_VELOCITY, ROM_ERR_STATE,
                  "the model has no velocity F(u, t; mu): call rom_model_set_velocity");
    ROM_CHECK_ALL(ctx, f & ROM_MODEL_HAS_JACOBIAN, ROM_ERR_STATE,
                  "the model has no Jacobian action dF/du X: pass it to rom_model_set_velocity "
                  "(the ROM's Newton and Gauss-Newton iterations need it)");
  }
cleanup:
  return err;
}

/* The k-sized replicated workspace every ROM has. */
static int alloc_small(rom_nlrom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k;
  ROM_CHECK_ALL(ctx, k <= 46340, ROM_ERR_UNSUPPORTED, "k = %lld is beyond LAPACK's 32-bit sizes",
                (long long)k);
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, (k + 1) * (k + 1), &rom->red));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, k * k, &rom->mat));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, k, &rom->g));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, k, &rom->dq));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, k, &rom->hist));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, k, &rom->diff));
  ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)k, sizeof(lapack_int), (void **)&rom->piv));
cleanup:
  return err;
}

/* The N-sized part of a ROM without hyper-reduction: u, [Jr | r] and its TSQR wrap. */
static int alloc_full(rom_nlrom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, L = rom->L;
  rom->ld_w = L > 0 ? L : 1;
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, L, &rom->u));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, rom->ld_w * (k + 1), &rom->W));
  if (rom->o.projection == ROM_NLROM_LSPG && rom->o.lspg_solver == ROM_LSPG_TSQR)
    ROM_TRY(ctx, rom_dmat_wrap(ctx, L, k + 1, rom->W, rom->ld_w, &rom->W_mat));
cleanup:
  return err;
}

int rom_nlrom_create_manifold(rom_model *m, int nae, rom_ae *const *aes,
                              const double *reference_local, const rom_hyper *hr,
                              const rom_nlrom_options *o, rom_nlrom **out) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(m);
  rom_nlrom *rom = NULL;
  rom_int *rows = NULL;
  rom_nlrom_options opts = o ? *o : rom_nlrom_options_default();
  rom_int N = 0, outputs = 0, latent = 0;
  const rom_int L = rom_model_local_rows(m);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, nae >= 0 && (nae == 0 || aes != NULL), ROM_ERR_ARG,
                "nae = %d autoencoders but aes is NULL", nae);
  ROM_CHECK_ALL(ctx, nae > 0 || hr != NULL, ROM_ERR_ARG,
                "a manifold ROM needs the autoencoders, or hyper-reduction data holding the "
                "decoder sub-network, or both");
  ROM_TRY(ctx, check_options(ctx, &opts));
  ROM_CHECK_ALL(ctx, opts.convergence_check != ROM_NLROM_CHECK_LAGGED || hr != NULL,
                ROM_ERR_UNSUPPORTED,
                "convergence_check = lagged needs hyper-reduction (GNAT); without it the check "
                "costs a reduction of the N-row residual either way");
  ROM_TRY(ctx, check_callbacks(ctx, m, hr != NULL));
  ROM_MPI(ctx, MPI_Allreduce(&L, &N, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  for (int b = 0; b < nae; ++b) {
    ROM_CHECK_ALL(ctx, aes[b] != NULL, ROM_ERR_ARG, "autoencoder %d is NULL", b);
    outputs += rom_ae_input_dim(aes[b]);
    latent += rom_ae_latent_dim(aes[b]);
  }
  ROM_CHECK_ALL(ctx, nae == 0 || outputs == N, ROM_ERR_DIM,
                "the decoders give %lld rows but the model has N = %lld", (long long)outputs,
                (long long)N);
  if (hr) {
    ROM_CHECK_ALL(ctx, opts.projection == ROM_NLROM_LSPG, ROM_ERR_UNSUPPORTED,
                  "hyper-reduction is implemented for LSPG (GNAT) only, not for Galerkin");
    ROM_CHECK_ALL(ctx, rom_hyper_decoder(hr) != NULL, ROM_ERR_STATE,
                  "the hyper-reduction data has no decoder sub-network: call "
                  "rom_hyper_attach_decoder with the model and the autoencoders (or, for a "
                  "linear subspace, use rom_nlrom_create)");
    ROM_CHECK_ALL(ctx, rom_hyper_global_rows(hr) == N, ROM_ERR_DIM,
                  "the hyper-reduction data has N = %lld rows but the model has %lld",
                  (long long)rom_hyper_global_rows(hr), (long long)N);
    ROM_CHECK_ALL(ctx, nae == 0 || latent == rom_hyper_state_dim(hr), ROM_ERR_DIM,
                  "the autoencoders have latent dimension %lld but the hyper-reduction data was "
                  "built for %lld",
                  (long long)latent, (long long)rom_hyper_state_dim(hr));
  }
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *rom, (void **)&rom));
  rom->ctx = ctx;
  rom->model = m;
  rom->hr = hr;
  rom->o = opts;
  rom->L = L;
  rom->manifold = 1;
  rom->k = hr ? rom_hyper_state_dim(hr) : latent;
  ROM_TRY(ctx, alloc_small(rom));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, rom->k, &rom->last_q));
  ROM_TRY_ALL(ctx, alloc_doubles(ctx, hr ? rom_hyper_num_samples(hr) : L, &rom->last_g));
  if (nae > 0) {
    /* this rank's rows: for lifting, and for the ROM itself without hyper-reduction */
    rom_int off = 0;
    ROM_MPI(ctx, MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
    if (rom_ctx_rank(ctx) == 0) off = 0;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(L + 1), (void **)&rows));
    for (rom_int i = 0; i < L; ++i)
      rows[i] = off + i;
    ROM_TRY_ALL(ctx, rom_ae_subnet_create(nae, aes, L, rows, &rom->dec_owned));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, L, &rom->ref));
    if (reference_local) memcpy(rom->ref, reference_local, sizeof(double) * (size_t)L);
  }
  if (!hr) {
    rom->dec = rom->dec_owned;
    ROM_TRY(ctx, alloc_full(rom));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, rom->ld_w * rom->k, &rom->jg));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, L, &rom->gq));
    ROM_TRY_ALL(ctx, alloc_doubles(ctx, L, &rom->hist_u));
    rom->phi = rom->jg;
    rom->ld_phi = rom->ld_w;
  } else {
    rom->dec = rom_hyper_decoder(hr);
    ROM_TRY(ctx, setup_hyper(rom, reference_local));
  }
  *out = rom;
  rom = NULL;
cleanup:
  rom_free(ctx, rows);
  rom_nlrom_destroy(&rom);
  return err;
}

int rom_nlrom_create(rom_model *m, const rom_basis *basis, const double *reference_local,
                     const rom_hyper *hr, const rom_nlrom_options *o, rom_nlrom **out) {
  int err = ROM_OK;
  if (!m) return ROM_ERR_ARG;
  rom_ctx *ctx = rom_model_ctx(m);
  rom_nlrom *rom = NULL;
  rom_nlrom_options opts = o ? *o : rom_nlrom_options_default();
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, basis != NULL || hr != NULL, ROM_ERR_ARG,
                "the basis may be NULL only with hyper-reduction data");
  ROM_TRY(ctx, check_options(ctx, &opts));
  ROM_CHECK_ALL(ctx, opts.convergence_check != ROM_NLROM_CHECK_LAGGED || hr != NULL,
                ROM_ERR_UNSUPPORTED,
                "convergence_check = lagged needs hyper-reduction (GNAT); without it the check "
                "costs a reduction of the N-row residual either way");
  ROM_TRY(ctx, check_callbacks(ctx, m, hr != NULL));
  ROM_CHECK_ALL(ctx, !rom_hyper_decoder(hr), ROM_ERR_ARG,
                "this hyper-reduction data holds a decoder sub-network (a nonlinear manifold): "
                "use rom_nlrom_create_manifold");
  if (basis) {
    int same = MPI_UNEQUAL;
    ROM_MPI(ctx, MPI_Comm_compare(rom_ctx_comm(ctx), rom_ctx_comm(rom_basis_ctx(basis)), &same));
    ROM_CHECK_ALL(ctx, same == MPI_IDENT || same == MPI_CONGRUENT, ROM_ERR_ARG,
                  "the model and the basis live on different communicators");
    ROM_CHECK_ALL(ctx, rom_model_local_rows(m) == rom_basis_local_rows(basis), ROM_ERR_DIM,
                  "the model has %lld local rows on rank %d but the basis has %lld: both must "
                  "use the same row partition",
                  (long long)rom_model_local_rows(m), rom_ctx_rank(ctx),
                  (long long)rom_basis_local_rows(basis));
    ROM_CHECK_ALL(ctx, rom_basis_dim(basis) >= 1, ROM_ERR_ARG, "the basis has no vectors");
  }
  if (hr) {
    ROM_CHECK_ALL(ctx, opts.projection == ROM_NLROM_LSPG, ROM_ERR_UNSUPPORTED,
                  "hyper-reduction is implemented for LSPG (GNAT) only, not for Galerkin");
    ROM_CHECK_ALL(ctx, rom_hyper_state_dim(hr) > 0, ROM_ERR_STATE,
                  "the hyper-reduction data has no sample mesh (state_dim = 0, e.g. a file "
                  "written by `romkit hyper`): call rom_hyper_attach with the model and basis");
    if (basis) {
      ROM_CHECK_ALL(ctx, rom_basis_dim(basis) == rom_hyper_state_dim(hr), ROM_ERR_DIM,
                    "the basis has k = %lld vectors but the hyper-reduction data was built "
                    "for k = %lld",
                    (long long)rom_basis_dim(basis), (long long)rom_hyper_state_dim(hr));
      ROM_CHECK_ALL(ctx, rom_basis_global_rows(basis) == rom_hyper_global_rows(hr), ROM_ERR_DIM,
                    "the basis has N = %lld rows but the hyper-reduction data has N = %lld",
                    (long long)rom_basis_global_rows(basis), (long long)rom_hyper_global_rows(hr));
    }
  }
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *rom, (void **)&rom));
  rom->ctx = ctx;
  rom->model = m;
  rom->basis = basis;
  rom->hr = hr;
  rom->o = opts;
  rom->L = rom_model_local_rows(m);
  rom->k = basis ? rom_basis_dim(basis) : rom_hyper_state_dim(hr);
  {
    const rom_int L = rom->L;
    ROM_TRY(ctx, alloc_small(rom));
    if (basis) {
      const rom_dmat *V = rom_basis_vectors(basis);
      const double *bref = rom_basis_reference(basis);
      rom->phi = rom_dmat_data_const(V);
      rom->ld_phi = rom_dmat_ld(V);
      ROM_TRY_ALL(ctx, alloc_doubles(ctx, L, &rom->ref));
      if (reference_local)
        memcpy(rom->ref, reference_local, sizeof(double) * (size_t)L);
      else if (bref)
        memcpy(rom->ref, bref, sizeof(double) * (size_t)L);
    }
    if (!hr) {
      ROM_TRY(ctx, alloc_full(rom));
    } else {
      ROM_TRY(ctx, setup_hyper(rom, reference_local));
    }
  }
  *out = rom;
  rom = NULL;
cleanup:
  rom_nlrom_destroy(&rom);
  return err;
}

rom_int rom_nlrom_dim(const rom_nlrom *rom) {
  return rom ? rom->k : 0;
}

int rom_nlrom_set_reference(rom_nlrom *rom, const double *reference_local,
                            const double *reference_needed) {
  if (!rom) return ROM_ERR_ARG;
  /* rom->ref exists exactly when the ROM holds rows of its own (a basis or autoencoders) */
  ROM_ENSURE(rom->ctx, (rom->ref != NULL) == (reference_local != NULL), ROM_ERR_ARG,
             rom->ref ? "reference_local must not be NULL: this ROM holds rows of the state"
                      : "reference_local must be NULL: this ROM holds no rows of the state "
                        "(hyper-reduction only)");
  ROM_ENSURE(rom->ctx, (rom->hr != NULL) == (reference_needed != NULL), ROM_ERR_ARG,
             rom->hr ? "reference_needed (the sample-mesh values) must not be NULL with "
                       "hyper-reduction"
                     : "reference_needed must be NULL without hyper-reduction");
  if (reference_local && rom->L > 0)
    memcpy(rom->ref, reference_local, sizeof(double) * (size_t)rom->L);
  if (reference_needed) memcpy(rom->ref_needed, reference_needed, sizeof(double) * (size_t)rom->nn);
  return ROM_OK;
}

int rom_nlrom_lift(const rom_nlrom *rom, const double *q, double *u_local) {
  if (!rom) return ROM_ERR_ARG;
  ROM_ENSURE(rom->ctx, rom->basis != NULL || rom->dec_owned != NULL, ROM_ERR_STATE,
             "this ROM was created without a basis (hyper-reduction only): it cannot lift to "
             "the full state");
  ROM_ENSURE(rom->ctx, q != NULL && (u_local != NULL || rom->L == 0), ROM_ERR_ARG,
             "q and u_local must not be NULL");
  if (rom->L == 0) return ROM_OK;
  if (rom->manifold) {
    /* u = u_ref + g(q) on this rank's rows (the sub-network's workspace; gq untouched) */
    int err = rom_ae_subnet_decode(rom->dec_owned, q, u_local, NULL, 1);
    for (rom_int i = 0; err == ROM_OK && i < rom->L; ++i)
      u_local[i] += rom->ref[i];
    return err;
  }
  memcpy(u_local, rom->ref, sizeof(double) * (size_t)rom->L);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)rom->L, (int)rom->k, 1.0, rom->phi,
              (int)rom->ld_phi, q, 1, 1.0, u_local, 1);
  return ROM_OK;
}

/* ---- one evaluation and one update --------------------------------------------------------- */

/* Context of the step being computed. */
typedef struct {
  const double *mu;
  double t1;  /* t^{n+1} */
  double bdt; /* beta dt: 1 * dt (backward Euler) or 2/3 dt (BDF2) */
  rom_nlrom_stats *stats;
} step_ctx;

/* ROM_TRY(ctx, call), its wall time added to sc->stats->FIELD (decoder_seconds or
 * model_seconds: where the online time goes, nonlinear_rom.h). */
#define TIMED_TRY(FIELD, call)                                                                     \
  do {                                                                                             \
    const double t0_ = rom_wtime();                                                                \
    const int rc_ = (call);                                                                        \
    sc->stats->FIELD += rom_wtime() - t0_;                                                         \
    ROM_TRY(ctx, rc_);                                                                             \
  } while (0)

/* Full order: u = u_ref + Phi q; W[:, k] = r = Phi (q - hist) - bdt F(u). */
static int full_residual(rom_nlrom *rom, const step_ctx *sc, const double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int L = rom->L, k = rom->k;
  double *r = rom->W + k * rom->ld_w;
  if (rom->manifold) {
    /* u = u_ref + g(q); r = (g(q) - history) - bdt F(u); phi (= jg) <- dg/dq at q */
    TIMED_TRY(decoder_seconds, rom_ae_subnet_decode(rom->dec, q, rom->gq, rom->jg, rom->ld_phi));
    for (rom_int i = 0; i < L; ++i)
      rom->u[i] = rom->ref[i] + rom->gq[i];
    TIMED_TRY(model_seconds, rom_model_velocity(rom->model, rom->u, sc->t1, sc->mu, r));
    sc->stats->residual_evaluations++;
    for (rom_int i = 0; i < L; ++i)
      r[i] = (rom->gq[i] - rom->hist_u[i]) - sc->bdt * r[i];
    goto cleanup;
  }
  for (rom_int j = 0; j < k; ++j)
    rom->diff[j] = q[j] - rom->hist[j];
  if (L > 0) {
    memcpy(rom->u, rom->ref, sizeof(double) * (size_t)L);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)k, 1.0, rom->phi, (int)rom->ld_phi, q, 1,
                1.0, rom->u, 1);
  }
  TIMED_TRY(model_seconds, rom_model_velocity(rom->model, rom->u, sc->t1, sc->mu, r));
  sc->stats->residual_evaluations++;
  if (L > 0) {
    cblas_dscal((int)L, -sc->bdt, r, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)L, (int)k, 1.0, rom->phi, (int)rom->ld_phi,
                rom->diff, 1, 1.0, r, 1);
  }
cleanup:
  return err;
}

/* Full order: W[:, 0:k] = Jr = Phi - bdt J_F(u) Phi (u from full_residual). */
static int full_jacobian(rom_nlrom *rom, const step_ctx *sc) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int L = rom->L, k = rom->k, ldw = rom->ld_w;
  TIMED_TRY(model_seconds,
            rom_model_velocity_jacobian(rom->model, rom->u, sc->t1, sc->mu, k, rom->phi,
                                        rom->ld_phi > 0 ? rom->ld_phi : 1, rom->W, ldw));
  sc->stats->jacobian_evaluations++;
  for (rom_int j = 0; j < k; ++j) {
    double *w = rom->W + j * ldw;
    const double *p = rom->phi + j * rom->ld_phi;
    for (rom_int i = 0; i < L; ++i)
      w[i] = p[i] - sc->bdt * w[i];
  }
cleanup:
  return err;
}

/* Hyper-reduced: the sampled residual r_s at q (S's last column), with u_needed and, for a
 * manifold, gq at q; with `jacobian` also the decoder's Jacobian at the samples
 * (phi_samples), which the sampled residual Jacobian needs. */
static int sampled_residual(rom_nlrom *rom, const step_ctx *sc, const double *q, int jacobian) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, ns = rom->ns, nn = rom->nn;
  double *rs = rom->S + k * ns;
  if (rom->manifold) {
    /* the decoder sub-network at the sample mesh: g(q) and dg/dq (phi_needed = jg) */
    TIMED_TRY(decoder_seconds,
              rom_ae_subnet_decode(rom->dec, q, rom->gq, jacobian ? rom->jg : NULL, nn));
    for (rom_int i = 0; i < nn; ++i)
      rom->u_needed[i] = rom->ref_needed[i] + rom->gq[i];
    if (jacobian)
      for (rom_int j = 0; j < k; ++j)
        for (rom_int s = 0; s < ns; ++s)
          rom->phi_samples[s + j * ns] = rom->jg[rom->sample_pos[s] + j * nn];
  } else {
    for (rom_int j = 0; j < k; ++j)
      rom->diff[j] = q[j] - rom->hist[j];
    memcpy(rom->u_needed, rom->ref_needed, sizeof(double) * (size_t)nn);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)nn, (int)k, 1.0, rom->phi_needed, (int)nn, q, 1,
                1.0, rom->u_needed, 1);
  }
  TIMED_TRY(model_seconds, rom_model_velocity_sampled(rom->model, ns, rom->samples, nn, rom->needed,
                                                      rom->u_needed, sc->t1, sc->mu, rs));
  sc->stats->residual_evaluations++;
  if (rom->manifold) {
    for (rom_int s = 0; s < ns; ++s)
      rs[s] = (rom->gq[rom->sample_pos[s]] - rom->hist_u[s]) - sc->bdt * rs[s];
  } else {
    cblas_dscal((int)ns, -sc->bdt, rs, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)ns, (int)k, 1.0, rom->phi_samples, (int)ns,
                rom->diff, 1, 1.0, rs, 1);
  }
cleanup:
  return err;
}

/* Hyper-reduced: S = [Jr_s | r_s] at the samples, G = pinv S (nb x (k + 1)). */
static int gappy_system(rom_nlrom *rom, const step_ctx *sc, const double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, ns = rom->ns, nb = rom->nb, nn = rom->nn;
  ROM_TRY(ctx, sampled_residual(rom, sc, q, 1));
  TIMED_TRY(model_seconds, rom_model_velocity_jacobian_sampled(
                               rom->model, ns, rom->samples, nn, rom->needed, rom->u_needed, sc->t1,
                               sc->mu, k, rom->phi_needed, nn, rom->S, ns));
  sc->stats->jacobian_evaluations++;
  for (rom_int j = 0; j < k; ++j)
    for (rom_int i = 0; i < ns; ++i)
      rom->S[i + j * ns] = rom->phi_samples[i + j * ns] - sc->bdt * rom->S[i + j * ns];
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)(k + 1), (int)ns, 1.0,
              rom->pinv, (int)nb, rom->S, (int)ns, 0.0, rom->G, (int)nb);
cleanup:
  return err;
}

/* The lagged convergence check (nonlinear_rom.h, ROM_NLROM_CHECK_LAGGED): the sampled
 * residual r_s at q (the decoder's value alone, the sampled velocity alone) and
 * g = G_J^T (A r_s) with G_J = A Jr_s of the previous evaluation, still in G's first k
 * columns; G's last column becomes A r_s. Everything the step's end reads (gq, u_needed,
 * r_s) is then at q, as after evaluate(); G_J is not, so an update must follow a full
 * evaluate(). */
static int evaluate_lagged(rom_nlrom *rom, const step_ctx *sc, const double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, ns = rom->ns, nb = rom->nb;
  ROM_TRY(ctx, sampled_residual(rom, sc, q, 0));
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)nb, (int)ns, 1.0, rom->pinv, (int)nb,
              rom->S + k * ns, 1, 0.0, rom->G + k * nb, 1);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)nb, (int)k, 1.0, rom->G, (int)nb, rom->G + k * nb, 1,
              0.0, rom->g, 1);
cleanup:
  return err;
}

/* Evaluates the projected residual g (rom->g, replicated) at q, and everything the
 * update needs except Galerkin's Jacobian (computed only when an update follows). */
static int evaluate(rom_nlrom *rom, const step_ctx *sc, const double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, L = rom->L, ldw = rom->ld_w;
  if (rom->hr) {
    const rom_int nb = rom->nb;
    ROM_TRY(ctx, gappy_system(rom, sc, q));
    /* g = (pinv Jr_s)^T (pinv r_s) */
    cblas_dgemv(CblasColMajor, CblasTrans, (int)nb, (int)k, 1.0, rom->G, (int)nb, rom->G + k * nb,
                1, 0.0, rom->g, 1);
  } else if (rom->o.projection == ROM_NLROM_GALERKIN && rom->manifold) {
    /* NM-Galerkin as the authors' code (Kim et al. 2022; the manifold Galerkin of Lee &
     * Carlberg 2020, dq/dt = J_g^+ F, backward Euler in the latent space):
     *   g = (q - hist) - bdt J_g^+ F(u_ref + g(q)),  J_g^+ F = G^{-1} J_g^T F, G = J_g^T J_g.
     * red holds [G | J_g^T F] (k x (k + 1), one reduction) for the update. */
    double *F = rom->W + k * ldw;
    const rom_int k1 = k + 1;
    TIMED_TRY(decoder_seconds, rom_ae_subnet_decode(rom->dec, q, rom->gq, rom->jg, rom->ld_phi));
    for (rom_int i = 0; i < L; ++i)
      rom->u[i] = rom->ref[i] + rom->gq[i];
    TIMED_TRY(model_seconds, rom_model_velocity(rom->model, rom->u, sc->t1, sc->mu, F));
    sc->stats->residual_evaluations++;
    memset(rom->red, 0, sizeof(double) * (size_t)(k * k1));
    if (L > 0) {
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)L, 1.0, rom->jg,
                  (int)rom->ld_phi, rom->jg, (int)rom->ld_phi, 0.0, rom->red, (int)k);
      cblas_dgemv(CblasColMajor, CblasTrans, (int)L, (int)k, 1.0, rom->jg, (int)rom->ld_phi, F, 1,
                  0.0, rom->red + k * k, 1);
    }
    ROM_TRY(ctx, reduce_replicated(ctx, rom->red, k * k1));
    memcpy(rom->mat, rom->red, sizeof(double) * (size_t)(k * k));
    memcpy(rom->dq, rom->red + k * k, sizeof(double) * (size_t)k);
    lapack_int info =
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, rom->mat, (lapack_int)k);
    if (info == 0)
      info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, 1, rom->mat, (lapack_int)k,
                                 rom->dq, (lapack_int)k);
    ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
              "NM-Galerkin: the decoder Jacobian has rank < k = %lld at this latent state "
              "(J_g^T J_g not positive definite, LAPACK info %d)",
              (long long)k, (int)info);
    for (rom_int i = 0; i < k; ++i)
      rom->g[i] = (q[i] - rom->hist[i]) - sc->bdt * rom->dq[i];
  } else if (rom->o.projection == ROM_NLROM_GALERKIN) {
    ROM_TRY(ctx, full_residual(rom, sc, q));
    memset(rom->g, 0, sizeof(double) * (size_t)k);
    if (L > 0)
      cblas_dgemv(CblasColMajor, CblasTrans, (int)L, (int)k, 1.0, rom->phi, (int)rom->ld_phi,
                  rom->W + k * ldw, 1, 0.0, rom->g, 1);
    ROM_TRY(ctx, reduce_replicated(ctx, rom->g, k));
  } else if (rom->o.lspg_solver == ROM_LSPG_NORMAL_EQUATIONS) {
    ROM_TRY(ctx, full_residual(rom, sc, q));
    ROM_TRY(ctx, full_jacobian(rom, sc));
    /* red = [Jr r]^T [Jr r] (upper triangle), one reduction: Jr^T Jr and g = Jr^T r. */
    const rom_int k1 = k + 1;
    memset(rom->red, 0, sizeof(double) * (size_t)(k1 * k1));
    if (L > 0)
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k1, (int)L, 1.0, rom->W, (int)ldw,
                  0.0, rom->red, (int)k1);
    ROM_TRY(ctx, reduce_replicated(ctx, rom->red, k1 * k1));
    for (rom_int i = 0; i < k; ++i)
      rom->g[i] = rom->red[i + k * k1];
  } else {
    /* TSQR of [Jr r] = Q [R11 R12; 0 r22]: g = Jr^T r = R11^T R12, and the update solves
     * R11 dq = -R12 on rank 0; both are broadcast (with the solve's info). */
    rom_tsqr *t = NULL;
    double *buf = rom->red; /* 2k + 1 <= (k + 1)^2 */
    ROM_TRY(ctx, full_residual(rom, sc, q));
    ROM_TRY(ctx, full_jacobian(rom, sc));
    ROM_TRY(ctx, rom_tsqr_factor(rom->W_mat, NULL, &t));
    memset(buf, 0, sizeof(double) * (size_t)(2 * k + 1));
    if (rom_ctx_rank(ctx) == 0) {
      rom_int ldr = 0;
      const double *R = rom_tsqr_r(t, &ldr);
      for (rom_int i = 0; i < k; ++i) {
        double s = 0.0;
        for (rom_int j = 0; j <= i; ++j)
          s += R[j + i * ldr] * R[j + k * ldr];
        buf[i] = s;
        buf[k + i] = -R[i + k * ldr];
      }
      for (rom_int j = 0; j < k; ++j)
        for (rom_int i = 0; i < k; ++i)
          rom->mat[i + j * k] = R[i + j * ldr];
      lapack_int info = LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', (lapack_int)k, 1,
                                            rom->mat, (lapack_int)k, buf + k, (lapack_int)k);
      buf[2 * k] = (double)info;
    }
    rom_tsqr_destroy(&t);
    ROM_MPI(ctx, MPI_Bcast(buf, (int)(2 * k + 1), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
    memcpy(rom->g, buf, sizeof(double) * (size_t)k);
    memcpy(rom->dq, buf + k, sizeof(double) * (size_t)k);
  }
cleanup:
  return err;
}

/* dq from the data of the last evaluate() at q, and q += dq. */
static int update(rom_nlrom *rom, const step_ctx *sc, rom_int step, int iteration, double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k, L = rom->L, ldw = rom->ld_w;
  const lapack_int kk = (lapack_int)k;
  lapack_int info = 0;
  if (rom->hr) {
    const rom_int nb = rom->nb;
    memcpy(rom->lsq_a, rom->G, sizeof(double) * (size_t)(nb * k));
    for (rom_int i = 0; i < nb; ++i)
      rom->lsq_b[i] = -rom->G[i + k * nb];
    info =
        LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)nb, kk, 1, rom->lsq_a, (lapack_int)nb,
                           rom->lsq_b, (lapack_int)nb, rom->lsq_work, rom->lsq_lwork);
    memcpy(rom->dq, rom->lsq_b, sizeof(double) * (size_t)k);
  } else if (rom->o.projection == ROM_NLROM_GALERKIN) {
    /* Reduced Jacobian Phi^T Jr (k x k), one reduction; LU with partial pivoting. */
    ROM_TRY(ctx, full_jacobian(rom, sc));
    memset(rom->mat, 0, sizeof(double) * (size_t)(k * k));
    if (L > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)L, 1.0, rom->phi,
                  (int)rom->ld_phi, rom->W, (int)ldw, 0.0, rom->mat, (int)k);
    ROM_TRY(ctx, reduce_replicated(ctx, rom->mat, k * k));
    if (rom->manifold) {
      /* Jacobian of g (J_g^+ taken as constant, as the authors): I - bdt G^{-1} J_g^T J_F J_g
       * = G^{-1} (J_g^T Jr) with Jr = J_g - bdt J_F J_g, so solve (J_g^T Jr) dq = -G g. */
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)k, (int)k, -1.0, rom->red, (int)k, rom->g, 1,
                  0.0, rom->dq, 1);
    } else {
      for (rom_int i = 0; i < k; ++i)
        rom->dq[i] = -rom->g[i];
    }
    info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, kk, 1, rom->mat, kk, rom->piv, rom->dq, kk);
  } else if (rom->o.lspg_solver == ROM_LSPG_NORMAL_EQUATIONS) {
    const rom_int k1 = k + 1;
    for (rom_int j = 0; j < k; ++j)
      for (rom_int i = 0; i <= j; ++i)
        rom->mat[i + j * k] = rom->red[i + j * k1];
    for (rom_int i = 0; i < k; ++i)
      rom->dq[i] = -rom->g[i];
    info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', kk, rom->mat, kk);
    if (info == 0)
      info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', kk, 1, rom->mat, kk, rom->dq, kk);
  } else {
    info = (lapack_int)rom->red[2 * k]; /* dq was computed with the TSQR in evaluate() */
  }
  ROM_CHECK(ctx, info == 0, ROM_ERR_SINGULAR,
            "step %lld, iteration %d: the reduced %s system is singular or rank-deficient "
            "(LAPACK info %d)",
            (long long)step, iteration + 1, projection_name(rom), (int)info);
  for (rom_int i = 0; i < k; ++i)
    q[i] += rom->dq[i];
cleanup:
  return err;
}

/* ---- time steps ------------------------------------------------------------------------------ */

/* The history term in state space for a nonlinear manifold (u^n - u_ref = g(q^n)):
 * backward Euler g(q_old), BDF2 4/3 g(q_old) - 1/3 g(q_older), at this rank's rows or
 * (with hr) at the samples. gq is scratch here (every evaluation overwrites it). */
static int manifold_history(rom_nlrom *rom, const double *q_old, const double *q_older) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int n = rom->hr ? rom->ns : rom->L;
  for (int pass = 0; pass < (q_older ? 2 : 1); ++pass) {
    const double w = q_older ? (pass == 0 ? 4.0 / 3.0 : -1.0 / 3.0) : 1.0;
    const double *qp = pass == 0 ? q_old : q_older;
    if (pass == 0 && rom->have_last && !memcmp(qp, rom->last_q, sizeof(double) * (size_t)rom->k)) {
      /* the previous step ended at q_old and evaluated g there (the same bits) */
      for (rom_int i = 0; i < n; ++i)
        rom->hist_u[i] = w * rom->last_g[i];
      continue;
    }
    ROM_TRY(ctx, rom_ae_subnet_decode(rom->dec, qp, rom->gq, NULL, 1));
    for (rom_int i = 0; i < n; ++i) {
      double v = w * rom->gq[rom->hr ? rom->sample_pos[i] : i];
      rom->hist_u[i] = pass == 0 ? v : rom->hist_u[i] + v;
    }
  }
cleanup:
  return err;
}

/* The host's state bound (nonlinear_rom.h): max |u_i| over the rows evaluated at the
 * step's final q (the loop always ends right after an evaluation there), this rank's rows
 * reduced over the ranks, or the sample mesh with hyper-reduction (replicated). */
static int check_state_bound(rom_nlrom *rom, rom_int step, double t1) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const double *u = rom->hr ? rom->u_needed : rom->u;
  const rom_int n = rom->hr ? rom->nn : rom->L;
  double umax = 0.0;
  rom_int where = -1;
  for (rom_int i = 0; i < n; ++i) {
    double a = fabs(u[i]);
    if (!(a <= umax)) { /* NaN counts as unbounded */
      umax = isnan(a) ? INFINITY : a;
      where = i;
    }
  }
  if (!rom->hr && rom_ctx_size(ctx) > 1)
    ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &umax, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  if (rom->hr)
    ROM_CHECK(ctx, umax <= rom->o.state_bound, ROM_ERR_NOT_CONVERGED,
              "step %lld (t = %g): the state reached |u| = %g at global row %lld of the sample "
              "mesh, beyond state_bound = %g: the ROM trajectory diverges",
              (long long)step, t1, umax, (long long)(where >= 0 ? rom->needed[where] : -1),
              rom->o.state_bound);
  else
    ROM_CHECK(ctx, umax <= rom->o.state_bound, ROM_ERR_NOT_CONVERGED,
              "step %lld (t = %g): the state reached max |u| = %g, beyond state_bound = %g: "
              "the ROM trajectory diverges",
              (long long)step, t1, umax, rom->o.state_bound);
cleanup:
  return err;
}

/* The residual error indicator of the step (nonlinear_rom.h, rom_nlrom_stats): the loop
 * ends right after an evaluation at the final q, so the residual is at hand: r_s in S's
 * last column with hyper-reduction (replicated), r^T r in the reduced block of the
 * normal equations, else W's last column, reduced here (one scalar). */
static int step_indicator(rom_nlrom *rom, rom_nlrom_stats *stats) {
  int err = ROM_OK;
  const rom_int k = rom->k;
  double rr = 0.0;
  if (rom->manifold && !rom->hr && rom->o.projection == ROM_NLROM_GALERKIN) {
    stats->indicator_rows = 0; /* NM-Galerkin: the residual is latent */
    stats->indicator_sum = stats->indicator_max = stats->indicator_last = NAN;
    goto cleanup;
  }
  if (rom->hr) {
    const double *rs = rom->S + k * rom->ns;
    for (rom_int i = 0; i < rom->ns; ++i)
      rr += rs[i] * rs[i];
    stats->indicator_rows = rom->ns;
  } else {
    if (rom->o.projection == ROM_NLROM_LSPG && rom->o.lspg_solver == ROM_LSPG_NORMAL_EQUATIONS) {
      rr = rom->red[k + k * (k + 1)];
    } else {
      const double *r = rom->W + k * rom->ld_w;
      for (rom_int i = 0; i < rom->L; ++i)
        rr += r[i] * r[i];
      ROM_TRY(rom->ctx, reduce_replicated(rom->ctx, &rr, 1));
    }
    if (stats->indicator_rows == 0) /* N, once per run (stats are the same on every rank) */
      ROM_MPI(rom->ctx, MPI_Allreduce(&rom->L, &stats->indicator_rows, 1, MPI_INT64_T, MPI_SUM,
                                      rom_ctx_comm(rom->ctx)));
  }
  {
    const double eta = sqrt(rr);
    stats->indicator_last = eta;
    stats->indicator_sum += eta;
    if (!(eta <= stats->indicator_max)) stats->indicator_max = eta;
  }
cleanup:
  return err;
}

static int step_internal(rom_nlrom *rom, const double *mu, double t, double dt, rom_int step,
                         const double *q_old, const double *q_older, double *q,
                         rom_nlrom_stats *stats) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const rom_int k = rom->k;
  const int bdf2 = rom->o.scheme == ROM_TIME_BDF2 && q_older != NULL;
  step_ctx sc;
  sc.mu = mu;
  sc.t1 = t + dt;
  sc.bdt = bdf2 ? (2.0 / 3.0) * dt : dt;
  sc.stats = stats;
  for (rom_int i = 0; i < k; ++i)
    rom->hist[i] = bdf2 ? (4.0 / 3.0) * q_old[i] - (1.0 / 3.0) * q_older[i] : q_old[i];
  /* (NM-Galerkin's history is the latent hist above; the others need it in state space) */
  if (rom->manifold && (rom->hr || rom->o.projection == ROM_NLROM_LSPG))
    ROM_TRY(ctx, manifold_history(rom, q_old, bdf2 ? q_older : NULL));
  double norm = 0.0, norm0 = 0.0;
  int it = 0;
  const int lagged = rom->hr && rom->o.convergence_check == ROM_NLROM_CHECK_LAGGED;
  for (it = 0;; ++it) {
    /* lagged: after an update, check with the previous Jacobian first (nonlinear_rom.h) */
    const int check_only = lagged && it > 0;
    if (check_only)
      ROM_TRY(ctx, evaluate_lagged(rom, &sc, q));
    else
      ROM_TRY(ctx, evaluate(rom, &sc, q));
    norm = norm2(rom->g, k);
    if (it == 0) norm0 = norm;
    ROM_CHECK(ctx, isfinite(norm), ROM_ERR_NOT_CONVERGED,
              "step %lld (t = %g), iteration %d: the projected residual is %g: the %s iteration "
              "diverged",
              (long long)step, sc.t1, it, norm, projection_name(rom));
    ROM_CHECK(ctx,
              !(rom->o.divergence_factor > 0.0 && it > 0 &&
                norm > rom->o.divergence_factor * fmax(norm0, rom->o.tolerance)),
              ROM_ERR_NOT_CONVERGED,
              "step %lld (t = %g), iteration %d: the projected residual grew from %g to %g "
              "(more than divergence_factor = %g times): the %s iteration diverged",
              (long long)step, sc.t1, it, norm0, norm, rom->o.divergence_factor,
              projection_name(rom));
    if (it == 0 && rom->norm_ref == 0.0 && norm > rom->o.tolerance) {
      rom->norm_ref = norm; /* the trajectory guard's reference (nonlinear_rom.h) */
      rom->norm_ref_step = step;
    }
    ROM_CHECK(ctx,
              !(rom->o.growth_factor > 0.0 && rom->norm_ref > 0.0 &&
                norm > rom->o.growth_factor * rom->norm_ref),
              ROM_ERR_NOT_CONVERGED,
              "step %lld (t = %g), iteration %d: the projected residual %g is more than "
              "growth_factor = %g times the initial residual of step %lld (%g): the ROM "
              "trajectory diverges (the %s iterations of each step converge, but the state "
              "drifts away); raise growth_factor if this growth is physical",
              (long long)step, sc.t1, it, norm, rom->o.growth_factor, (long long)rom->norm_ref_step,
              rom->norm_ref, projection_name(rom));
    if (norm <= rom->o.tolerance) break;
    if (it >= rom->o.max_iterations) {
      ROM_CHECK(ctx, !rom->o.fail_if_not_converged, ROM_ERR_NOT_CONVERGED,
                "step %lld (t = %g): the projected residual is %g > tolerance %g after %d "
                "iterations of %s (max_iterations = %d)",
                (long long)step, sc.t1, norm, rom->o.tolerance, it, projection_name(rom),
                rom->o.max_iterations);
      stats->not_converged_steps++;
      break;
    }
    if (check_only) ROM_TRY(ctx, evaluate(rom, &sc, q)); /* the Jacobian at q for the update */
    ROM_TRY(ctx, update(rom, &sc, step, it, q));
    stats->iterations++;
  }
  ROM_TRY(ctx, step_indicator(rom, stats));
  if (rom->o.state_bound > 0.0) ROM_TRY(ctx, check_state_bound(rom, step, sc.t1));
  if (rom->manifold) { /* the loop always ends right after an evaluation at the final q */
    const rom_int n = rom->hr ? rom->ns : rom->L;
    memcpy(rom->last_q, q, sizeof(double) * (size_t)k);
    for (rom_int i = 0; i < n; ++i)
      rom->last_g[i] = rom->gq[rom->hr ? rom->sample_pos[i] : i];
    rom->have_last = 1;
  }
  stats->steps++;
  stats->last_residual = norm;
  if (norm > stats->max_final_residual) stats->max_final_residual = norm;
  if (it > stats->max_iterations_in_a_step) stats->max_iterations_in_a_step = it;
cleanup:
  return err;
}

int rom_nlrom_step(rom_nlrom *rom, const double *mu, double t, double dt, rom_int step,
                   const double *q_old, const double *q_older, double *q_new,
                   rom_nlrom_stats *stats) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_nlrom_stats local;
  double t0 = rom_wtime();
  memset(&local, 0, sizeof local);
  if (!stats) stats = &local;
  ROM_CHECK_ALL(ctx, q_old != NULL && q_new != NULL, ROM_ERR_ARG,
                "q_old and q_new must not be NULL");
  ROM_CHECK_ALL(ctx, isfinite(dt) && dt > 0.0, ROM_ERR_ARG, "dt = %g must be finite and > 0", dt);
  if (step <= 1) rom->norm_ref = 0.0; /* a new trajectory: a new reference residual */
  ROM_TRY_ALL(ctx, step_internal(rom, mu, t, dt, step, q_old, q_older, q_new, stats));
cleanup:
  stats->seconds += rom_wtime() - t0;
  return err;
}

static int run_internal(rom_nlrom *rom, const double *mu, double t0, double dt, rom_int steps,
                        double *traj, rom_nlrom_stats *stats) {
  int err = ROM_OK;
  const rom_int k = rom->k;
  for (rom_int n = 0; n < steps; ++n) {
    double *q = traj + (n + 1) * k;
    memcpy(q, traj + n * k, sizeof(double) * (size_t)k);
    if (rom->o.initial_guess == ROM_NLROM_GUESS_EXTRAPOLATE && n > 0)
      for (rom_int i = 0; i < k; ++i) /* the step's start O(dt^2) from its solution */
        q[i] = 2.0 * traj[n * k + i] - traj[(n - 1) * k + i];
    ROM_TRY(rom->ctx, step_internal(rom, mu, t0 + (double)n * dt, dt, n + 1, traj + n * k,
                                    n > 0 ? traj + (n - 1) * k : NULL, q, stats));
  }
cleanup:
  return err;
}

int rom_nlrom_run(rom_nlrom *rom, const double *mu, double t0, double dt, rom_int steps,
                  const double *q0, double *trajectory_q, rom_nlrom_stats *stats) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_nlrom_stats local;
  double w0 = rom_wtime();
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  ROM_CHECK_ALL(ctx, trajectory_q != NULL, ROM_ERR_ARG, "trajectory_q must not be NULL");
  ROM_CHECK_ALL(ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_CHECK_ALL(ctx, isfinite(dt) && dt > 0.0, ROM_ERR_ARG, "dt = %g must be finite and > 0", dt);
  rom->norm_ref = 0.0;
  if (q0)
    memcpy(trajectory_q, q0, sizeof(double) * (size_t)rom->k);
  else
    memset(trajectory_q, 0, sizeof(double) * (size_t)rom->k);
  ROM_TRY_ALL(ctx, run_internal(rom, mu, t0, dt, steps, trajectory_q, stats));
cleanup:
  stats->seconds = rom_wtime() - w0;
  return err;
}
