/* Nonlinear-manifold ROMs (rom_nlrom_create_manifold) and the decoder sub-network of
 * their hyper-reduction (rom_ae_subnet, rom_hyper_attach_decoder), on the P1 Burgers FOM
 * (include/romkit/problems.h) at N = 60 with an uneven partition (an empty rank at 4).
 * Independent truths:
 *  - the sub-network's output and Jacobian at any set of rows equal the full decoder's
 *    bit for bit (one and two stacked decoders, blocks zero off the diagonal);
 *  - a decoder that is the linear map q -> Phi q (one dense identity layer holding a POD
 *    basis) makes NM-Galerkin, NM-LSPG and NM-LSPG-HR the POD ROMs on Phi: the
 *    trajectories agree with rom_nlrom_create's to round-off, with the same samples;
 *  - with every row sampled (residual basis I, nb = ns = N) NM-LSPG-HR is NM-LSPG on a
 *    trained nonlinear decoder, which itself follows the FOM closely;
 *  - the hyper-reduction file round-trips the sub-network (same trajectory bit for bit),
 *    and bad input fails with the documented codes. */
#include "testutil.h"

#include "romkit/autoencoder.h"
#include "romkit/fom.h"
#include "romkit/hyper.h"
#include "romkit/nonlinear_rom.h"
#include "romkit/problems.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GN 60
#define STEPS 40
static const double A_TEST = 1.0;

typedef struct {
  rom_ctx *ctx;
  rom_burgers1d *fom;
  rom_model *m;
  rom_int L, off;
  double dt;
  double *u0;   /* L */
  double *traj; /* L x (STEPS + 1) */
} problem;

static void problem_create(rom_ctx *ctx, problem *P) {
  rom_burgers1d_options o = rom_burgers1d_options_default();
  o.unknowns = GN;
  o.final_time = 0.2;
  o.steps = STEPS;
  memset(P, 0, sizeof *P);
  P->ctx = ctx;
  rom_int L = test_uneven_rows(GN, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  CHECK_OK(ctx, rom_burgers1d_create(ctx, &o, L, &P->fom));
  P->m = rom_burgers1d_model(P->fom);
  P->L = rom_burgers1d_local_rows(P->fom);
  P->off = rom_burgers1d_row_offset(P->fom);
  P->dt = rom_burgers1d_time_step(P->fom);
  P->u0 = calloc((size_t)P->L + 1, sizeof(double));
  P->traj = calloc((size_t)(P->L + 1) * (STEPS + 1), sizeof(double));
  CHECK_OK(ctx, rom_burgers1d_initial(P->fom, A_TEST, P->u0));
  CHECK_OK(ctx, rom_fom_integrate(P->m, &A_TEST, P->u0, 0.0, P->dt, STEPS, NULL, P->traj, NULL));
}

static void problem_destroy(problem *P) {
  rom_burgers1d_destroy(&P->fom);
  free(P->u0);
  free(P->traj);
}

/* The whole distributed L x n block (ld L) on every rank, column-major N x n. */
static void allgather_cols(const problem *P, const double *local, rom_int n, double *full) {
  const int size = rom_ctx_size(P->ctx);
  int *cnt = malloc(sizeof(int) * size), *dsp = malloc(sizeof(int) * size), l = (int)P->L;
  double *col = malloc(sizeof(double) * GN);
  MPI_Allgather(&l, 1, MPI_INT, cnt, 1, MPI_INT, rom_ctx_comm(P->ctx));
  for (int r = 0, o = 0; r < size; o += cnt[r], ++r)
    dsp[r] = o;
  for (rom_int j = 0; j < n; ++j) {
    MPI_Allgatherv(local + j * P->L, l, MPI_DOUBLE, col, cnt, dsp, MPI_DOUBLE,
                   rom_ctx_comm(P->ctx));
    memcpy(full + j * GN, col, sizeof(double) * GN);
  }
  free(cnt);
  free(dsp);
  free(col);
}

/* The paper's shallow network at P1's proportions (N -> 2N -> k, k -> 12 (N-1) + 36 -> N,
 * band mask 36 / 12), optionally with a decoder bias. */
static rom_ae *shallow(rom_ctx *ctx, rom_int N, rom_int k, rom_activation act, int dec_bias,
                       uint64_t seed) {
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  CHECK_OK(ctx, rom_mask_banded(ctx, N, 36, 12, &mask));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N, 2 * N, k, 12 * (N - 1) + 36, act, dec_bias, mask,
                                      seed, &ae));
  rom_mask_destroy(&mask);
  return ae;
}

/* ---- 1. the sub-network is the full decoder at its rows, bit for bit ---- */

static void subnet_is_exact(rom_ctx *ctx) {
  rom_ae *a = shallow(ctx, GN, 3, ROM_ACT_SWISH, 1, 7);
  rom_ae *b = NULL;
  rom_mask *m2 = NULL;
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 5, 5, 12, 3, &m2));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, 25, 50, 2, 3 * 24 + 12, ROM_ACT_SIGMOID, 1, m2, 8, &b));
  rom_mask_destroy(&m2);
  {
    double sh[25], sc[25];
    for (int i = 0; i < 25; ++i)
      sh[i] = 0.1 * i, sc[i] = 1.0 + 0.05 * i;
    CHECK_OK(ctx, rom_ae_set_scaling(b, sh, sc));
  }
  const double q[5] = {0.3, -0.7, 1.1, 0.4, -0.2};
  double ga[GN], Ja[GN * 3], gb[25], Jb[25 * 2];
  CHECK_OK(ctx, rom_ae_decode_jacobian(a, q, ga, Ja, GN));
  CHECK_OK(ctx, rom_ae_decode_jacobian(b, q + 3, gb, Jb, 25));
  /* one decoder: a few rows, then all rows */
  {
    const rom_int rows[5] = {0, 1, 7, 30, 59};
    rom_ae_subnet *s = NULL;
    double g[5], J[15];
    CHECK_OK(ctx, rom_ae_subnet_create(1, &a, 5, rows, &s));
    CHECK_OK(ctx, rom_ae_subnet_decode(s, q, g, J, 5));
    int same = 1;
    for (int i = 0; i < 5; ++i) {
      same = same && g[i] == ga[rows[i]];
      for (int c = 0; c < 3; ++c)
        same = same && J[i + c * 5] == Ja[rows[i] + c * GN];
    }
    CHECK(same, "sub-network of 5 rows: g and dg/dq equal the full decoder's bit for bit");
    CHECK(rom_ae_subnet_num_hidden_units(s) < 12 * (GN - 1) + 36 + 2 * GN,
          "the sub-network keeps fewer hidden units (%lld) than the decoder",
          (long long)rom_ae_subnet_num_hidden_units(s));
    rom_ae_subnet_destroy(&s);
  }
  /* two stacked decoders (u: rows 0..59, latent 0..2; v: rows 60..84, latent 3..4) */
  {
    const rom_int rows[6] = {3, 59, 60, 61, 72, 84};
    rom_ae *both[2] = {a, b};
    rom_ae_subnet *s = NULL;
    double g[6], J[6 * 5];
    CHECK_OK(ctx, rom_ae_subnet_create(2, both, 6, rows, &s));
    CHECK(rom_ae_subnet_latent_dim(s) == 5 && rom_ae_subnet_output_dim(s) == 85,
          "stacked sub-network: latent 5, outputs 85");
    CHECK_OK(ctx, rom_ae_subnet_decode(s, q, g, J, 6));
    int same = 1;
    for (int i = 0; i < 6; ++i) {
      const int in_a = rows[i] < GN;
      const rom_int r = in_a ? rows[i] : rows[i] - GN;
      same = same && g[i] == (in_a ? ga[r] : gb[r]);
      for (int c = 0; c < 5; ++c) {
        double want = 0.0;
        if (in_a && c < 3) want = Ja[r + c * GN];
        if (!in_a && c >= 3) want = Jb[r + (c - 3) * 25];
        same = same && J[i + c * 6] == want;
      }
    }
    CHECK(same, "two stacked decoders: rows equal each decoder's, Jacobian block diagonal");
    rom_ae_subnet_destroy(&s);
  }
  /* bad rows */
  {
    const rom_int bad[3] = {4, 2, 9}, out[2] = {0, GN};
    rom_ae_subnet *s = NULL;
    CHECK_ERR(ctx, rom_ae_subnet_create(1, &a, 3, bad, &s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_ae_subnet_create(1, &a, 2, out, &s), ROM_ERR_ARG);
    CHECK(s == NULL, "no sub-network on bad rows");
  }
  rom_ae_destroy(&a);
  rom_ae_destroy(&b);
}

/* ---- 2. a linear decoder gives the POD ROMs ---- */

/* An autoencoder whose decoder is exactly q -> Phi q (Phi: GN x k, replicated). */
static rom_ae *linear_ae(rom_ctx *ctx, rom_int k, const double *Phi) {
  rom_layer_spec enc = {GN, k, ROM_ACT_IDENTITY, 0, NULL};
  rom_layer_spec dec = {k, GN, ROM_ACT_IDENTITY, 0, NULL};
  rom_ae *ae = NULL;
  CHECK_OK(ctx, rom_ae_create(ctx, 1, &enc, 1, &dec, 1, &ae));
  double *W = rom_ae_layer_weights(ae, 1); /* row-major {GN, k} */
  for (rom_int i = 0; i < GN; ++i)
    for (rom_int j = 0; j < k; ++j)
      W[i * k + j] = Phi[i + j * GN];
  return ae;
}

static double max_diff(const double *x, const double *y, rom_int n) {
  double d = 0.0;
  for (rom_int i = 0; i < n; ++i)
    d = fmax(d, fabs(x[i] - y[i]));
  return d;
}

static double max_abs(const double *x, rom_int n) {
  double d = 0.0;
  for (rom_int i = 0; i < n; ++i)
    d = fmax(d, fabs(x[i]));
  return d;
}

/* Residual basis: POD of the raw states (P1's choice), nb vectors. */
static rom_dmat *residual_basis(problem *P, rom_int nb, rom_basis **keep) {
  rom_dmat *S = NULL;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = nb;
  CHECK_OK(P->ctx, rom_dmat_wrap(P->ctx, P->L, STEPS + 1, P->traj, P->L, &S));
  CHECK_OK(P->ctx, rom_pod_compute(S, &po, keep));
  rom_dmat_destroy(&S);
  return (rom_dmat *)rom_basis_vectors(*keep);
}

static void linear_decoder_is_pod(problem *P, const char *hr_file) {
  rom_ctx *ctx = P->ctx;
  const rom_int k = 4, nb = 8, ns = 12;
  rom_dmat *D = NULL;
  rom_basis *basis = NULL, *rbasis = NULL;
  rom_hyper *hr_lin = NULL, *hr_nm = NULL, *hr_read = NULL;
  double *Phi = calloc(GN * k, sizeof(double));
  double *diff = calloc((size_t)(P->L + 1) * STEPS, sizeof(double));
  for (rom_int n = 0; n < STEPS; ++n)
    for (rom_int i = 0; i < P->L; ++i)
      diff[i + n * P->L] = P->traj[i + (n + 1) * P->L] - P->u0[i];
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  CHECK_OK(ctx, rom_dmat_wrap(ctx, P->L, STEPS, diff, P->L, &D));
  CHECK_OK(ctx, rom_pod_compute(D, &po, &basis));
  allgather_cols(P, rom_dmat_data_const(rom_basis_vectors(basis)), k, Phi);
  rom_ae *ae = linear_ae(ctx, k, Phi);
  double ql[(STEPS + 1) * 4], qm[(STEPS + 1) * 4];
  for (int proj = 0; proj < 2; ++proj) {
    rom_nlrom_options o = rom_nlrom_options_default();
    o.projection = proj ? ROM_NLROM_LSPG : ROM_NLROM_GALERKIN;
    rom_nlrom *lin = NULL, *nm = NULL;
    CHECK_OK(ctx, rom_nlrom_create(P->m, basis, P->u0, NULL, &o, &lin));
    CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, P->u0, NULL, &o, &nm));
    CHECK_OK(ctx, rom_nlrom_run(lin, &A_TEST, 0.0, P->dt, STEPS, NULL, ql, NULL));
    CHECK_OK(ctx, rom_nlrom_run(nm, &A_TEST, 0.0, P->dt, STEPS, NULL, qm, NULL));
    double d = max_diff(ql, qm, (STEPS + 1) * k), s = max_abs(ql, (STEPS + 1) * k);
    CHECK(d <= 1e-10 * s, "linear decoder: NM-%s = POD-%s (max |dq| = %.2e, max |q| = %.2e)",
          proj ? "LSPG" : "Galerkin", proj ? "LSPG" : "Galerkin", d, s);
    /* lifting: u_ref + g(q) = u_ref + Phi q */
    double *ua = calloc((size_t)P->L + 1, sizeof(double)),
           *ub = calloc((size_t)P->L + 1, sizeof(double));
    CHECK_OK(ctx, rom_nlrom_lift(lin, ql + STEPS * k, ua));
    CHECK_OK(ctx, rom_nlrom_lift(nm, ql + STEPS * k, ub));
    CHECK(max_diff(ua, ub, P->L) <= 1e-13 * (1.0 + max_abs(ua, P->L)),
          "rom_nlrom_lift of the manifold ROM is u_ref + Phi q");
    free(ua);
    free(ub);
    rom_nlrom_destroy(&lin);
    rom_nlrom_destroy(&nm);
  }
  /* hyper-reduction: the same samples, the decoder sub-network instead of Phi's rows */
  {
    rom_dmat *R = residual_basis(P, nb, &rbasis);
    rom_hyper_options ho = rom_hyper_options_default();
    ho.residual_dim = nb;
    ho.num_samples = ns;
    CHECK_OK(ctx, rom_hyper_create(P->m, basis, P->u0, R, &ho, &hr_lin));
    CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, R, &ho, &hr_nm));
    CHECK_OK(ctx, rom_hyper_attach_decoder(hr_nm, P->m, 1, &ae, P->u0));
    CHECK(rom_hyper_num_needed(hr_nm) == rom_hyper_num_needed(hr_lin) &&
              !memcmp(rom_hyper_needed_rows(hr_nm), rom_hyper_needed_rows(hr_lin),
                      sizeof(rom_int) * (size_t)rom_hyper_num_needed(hr_lin)),
          "manifold and linear HR share the sample mesh");
    CHECK(rom_hyper_state_dim(hr_nm) == k && rom_hyper_state_basis_rows(hr_nm) == NULL &&
              rom_hyper_decoder(hr_nm) != NULL,
          "manifold HR: state_dim k, no basis rows, a decoder sub-network");
    rom_nlrom *lin = NULL, *nm = NULL, *nm_read = NULL, *bad = NULL;
    CHECK_OK(ctx, rom_nlrom_create(P->m, basis, NULL, hr_lin, NULL, &lin));
    CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 0, NULL, NULL, hr_nm, NULL, &nm));
    CHECK_OK(ctx, rom_nlrom_run(lin, &A_TEST, 0.0, P->dt, STEPS, NULL, ql, NULL));
    CHECK_OK(ctx, rom_nlrom_run(nm, &A_TEST, 0.0, P->dt, STEPS, NULL, qm, NULL));
    double d = max_diff(ql, qm, (STEPS + 1) * k), s = max_abs(ql, (STEPS + 1) * k);
    CHECK(d <= 1e-10 * s, "linear decoder: NM-LSPG-HR = POD-LSPG-HR (max |dq| = %.2e)", d);
    /* the file keeps the sub-network: the same trajectory bit for bit */
    double qr[(STEPS + 1) * 4];
    CHECK_OK(ctx, rom_hyper_write(hr_nm, hr_file, 1));
    CHECK_OK(ctx, rom_hyper_read(ctx, hr_file, &hr_read));
    CHECK(rom_hyper_decoder(hr_read) != NULL &&
              rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr_read)) ==
                  rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr_nm)),
          "the hyper-reduction file round-trips the decoder sub-network");
    CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 0, NULL, NULL, hr_read, NULL, &nm_read));
    CHECK_OK(ctx, rom_nlrom_run(nm_read, &A_TEST, 0.0, P->dt, STEPS, NULL, qr, NULL));
    CHECK(!memcmp(qr, qm, sizeof qr), "NM-LSPG-HR from the file: the same trajectory bit for bit");
    CHECK_ERR(ctx, rom_nlrom_lift(nm, qm, P->u0), ROM_ERR_STATE);
    /* bad input */
    rom_nlrom_options og = rom_nlrom_options_default();
    og.projection = ROM_NLROM_GALERKIN;
    CHECK_ERR(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr_nm, &og, &bad),
              ROM_ERR_UNSUPPORTED);
    CHECK_ERR(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr_lin, NULL, &bad),
              ROM_ERR_STATE);
    CHECK_ERR(ctx, rom_nlrom_create(P->m, basis, NULL, hr_nm, NULL, &bad), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_nlrom_create_manifold(P->m, 0, NULL, NULL, NULL, NULL, &bad), ROM_ERR_ARG);
    {
      rom_ae *small = shallow(ctx, GN - 1, k, ROM_ACT_SWISH, 0, 3);
      CHECK_ERR(ctx, rom_nlrom_create_manifold(P->m, 1, &small, NULL, NULL, NULL, &bad),
                ROM_ERR_DIM);
      CHECK_ERR(ctx, rom_hyper_attach_decoder(hr_nm, P->m, 1, &small, NULL), ROM_ERR_DIM);
      rom_ae_destroy(&small);
      rom_ae *wrong_k = shallow(ctx, GN, k + 1, ROM_ACT_SWISH, 0, 3);
      CHECK_ERR(ctx, rom_nlrom_create_manifold(P->m, 1, &wrong_k, NULL, hr_nm, NULL, &bad),
                ROM_ERR_DIM);
      rom_ae_destroy(&wrong_k);
    }
    CHECK(bad == NULL, "no ROM on bad input");
    rom_nlrom_destroy(&lin);
    rom_nlrom_destroy(&nm);
    rom_nlrom_destroy(&nm_read);
  }
  /* a damaged file: the sub-network's rows no longer match needed_rows */
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    hid_t f = H5Fopen(hr_file, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "decoder_subnet/rows", H5P_DEFAULT);
    double v[64];
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    v[0] = v[0] > 0 ? v[0] - 1 : v[0] + 100;
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Fclose(f);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  {
    rom_hyper *broken = NULL;
    CHECK_ERR(ctx, rom_hyper_read(ctx, hr_file, &broken), ROM_ERR_FORMAT);
    CHECK(broken == NULL, "no object from a damaged file");
  }
  rom_hyper_destroy(&hr_lin);
  rom_hyper_destroy(&hr_nm);
  rom_hyper_destroy(&hr_read);
  rom_ae_destroy(&ae);
  rom_basis_destroy(&rbasis);
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&D);
  free(Phi);
  free(diff);
}

/* ---- 3. a trained nonlinear decoder: NM-LSPG follows the FOM; full sampling = no HR ---- */

static void trained_decoder(problem *P) {
  rom_ctx *ctx = P->ctx;
  const rom_int k = 3;
  double *X = calloc((size_t)GN * STEPS, sizeof(double));
  double *full = calloc((size_t)GN * (STEPS + 1), sizeof(double));
  allgather_cols(P, P->traj, STEPS + 1, full);
  for (rom_int n = 0; n < STEPS; ++n)
    for (rom_int i = 0; i < GN; ++i)
      X[i + n * GN] = full[i + (n + 1) * GN] - full[i];
  rom_ae *ae = shallow(ctx, GN, k, ROM_ACT_SWISH, 0, 11);
  rom_ae_train_options to = rom_ae_train_options_default();
  to.epochs = 400;
  to.batch = 8;
  to.early_stop = 0;
  to.validation_fraction = 0.0;
  CHECK_OK(ctx, rom_ae_train(ae, STEPS, X, GN, &to));
  rom_nlrom *nm = NULL, *hrrom = NULL;
  double q[(STEPS + 1) * 3], qh[(STEPS + 1) * 3];
  CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, P->u0, NULL, NULL, &nm));
  CHECK_OK(ctx, rom_nlrom_run(nm, &A_TEST, 0.0, P->dt, STEPS, NULL, q, NULL));
  /* space-time relative error against the FOM (docs/problems.md's "avg") */
  double e2 = 0.0, f2 = 0.0, *u = calloc((size_t)P->L + 1, sizeof(double));
  for (rom_int n = 0; n <= STEPS; ++n) {
    CHECK_OK(ctx, rom_nlrom_lift(nm, q + n * k, u));
    for (rom_int i = 0; i < P->L; ++i) {
      double d = u[i] - P->traj[i + n * P->L];
      e2 += d * d;
      f2 += P->traj[i + n * P->L] * P->traj[i + n * P->L];
    }
  }
  double sums[2] = {e2, f2};
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  double err = sqrt(sums[0] / sums[1]);
  CHECK(err < 0.01, "NM-LSPG with a trained decoder (latent 3) follows the FOM: error %.3e", err);
  /* residual basis I: every row sampled, gappy operator I, so HR changes nothing */
  rom_dmat *I = NULL;
  rom_hyper *hr = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, P->L, GN, &I));
  for (rom_int i = 0; i < P->L; ++i)
    rom_dmat_data(I)[i + (P->off + i) * rom_dmat_ld(I)] = 1.0;
  rom_hyper_options ho = rom_hyper_options_default();
  ho.method = ROM_HYPER_DEIM;
  CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, I, &ho, &hr));
  CHECK_OK(ctx, rom_hyper_attach_decoder(hr, P->m, 1, &ae, P->u0));
  CHECK(rom_hyper_num_samples(hr) == GN, "full sampling: %lld samples",
        (long long)rom_hyper_num_samples(hr));
  CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr, NULL, &hrrom));
  CHECK_OK(ctx, rom_nlrom_run(hrrom, &A_TEST, 0.0, P->dt, STEPS, NULL, qh, NULL));
  double d = max_diff(q, qh, (STEPS + 1) * k), s = max_abs(q, (STEPS + 1) * k);
  CHECK(d <= 1e-9 * s, "NM-LSPG-HR with every row sampled = NM-LSPG (max |dq| = %.2e)", d);
  { /* the extrapolated start (rom_nlrom_options.initial_guess): the same converged steps
     * (within the tolerance's reach) in fewer Gauss-Newton updates */
    rom_nlrom *ex = NULL;
    rom_nlrom_options eo = rom_nlrom_options_default();
    rom_nlrom_stats s0, s1;
    double qe[(STEPS + 1) * 3], qp[(STEPS + 1) * 3];
    eo.initial_guess = (rom_nlrom_guess)7;
    CHECK(rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr, &eo, &ex) == ROM_ERR_ARG,
          "initial_guess 7 is refused");
    eo.initial_guess = ROM_NLROM_GUESS_EXTRAPOLATE;
    CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr, &eo, &ex));
    CHECK_OK(ctx, rom_nlrom_run(hrrom, &A_TEST, 0.0, P->dt, STEPS, NULL, qp, &s0));
    CHECK_OK(ctx, rom_nlrom_run(ex, &A_TEST, 0.0, P->dt, STEPS, NULL, qe, &s1));
    const double de = max_diff(qp, qe, (STEPS + 1) * k);
    CHECK(s0.not_converged_steps == 0 && s1.not_converged_steps == 0, "both converge");
    CHECK(s1.iterations < s0.iterations, "extrapolated start: %lld updates < %lld",
          (long long)s1.iterations, (long long)s0.iterations);
    CHECK(de <= 1e-6 * s, "extrapolated start: the same steps (max |dq| = %.2e, |q| %.2e)", de, s);
    rom_nlrom_destroy(&ex);
  }
  { /* the lagged convergence check (rom_nlrom_options.convergence_check): the same steps
     * with fewer Jacobian evaluations; refused without hyper-reduction or with a bad value */
    rom_nlrom *lg = NULL, *bad = NULL;
    rom_nlrom_options lo = rom_nlrom_options_default();
    rom_nlrom_stats s0, s1;
    double ql[(STEPS + 1) * 3], qp[(STEPS + 1) * 3];
    lo.convergence_check = (rom_nlrom_check)9;
    CHECK(rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr, &lo, &bad) == ROM_ERR_ARG,
          "convergence_check 9 is refused");
    lo.convergence_check = ROM_NLROM_CHECK_LAGGED;
    CHECK(rom_nlrom_create_manifold(P->m, 1, &ae, P->u0, NULL, &lo, &bad) == ROM_ERR_UNSUPPORTED,
          "the lagged check without hyper-reduction is refused");
    CHECK_OK(ctx, rom_nlrom_create_manifold(P->m, 1, &ae, NULL, hr, &lo, &lg));
    memset(&s0, 0, sizeof s0);
    memset(&s1, 0, sizeof s1);
    CHECK_OK(ctx, rom_nlrom_run(hrrom, &A_TEST, 0.0, P->dt, STEPS, NULL, qp, &s0));
    CHECK_OK(ctx, rom_nlrom_run(lg, &A_TEST, 0.0, P->dt, STEPS, NULL, ql, &s1));
    const double dl = max_diff(qp, ql, (STEPS + 1) * k);
    CHECK(s0.not_converged_steps == 0 && s1.not_converged_steps == 0, "lagged: both converge");
    CHECK(s1.jacobian_evaluations < s0.jacobian_evaluations,
          "lagged check: %lld Jacobian evaluations < %lld (exact)",
          (long long)s1.jacobian_evaluations, (long long)s0.jacobian_evaluations);
    CHECK(dl <= 1e-6 * s, "lagged check: the same steps (max |dq| = %.2e, |q| %.2e)", dl, s);
    CHECK(s0.decoder_seconds > 0 && s0.model_seconds > 0 &&
              s0.decoder_seconds + s0.model_seconds <= s0.seconds,
          "stats: decoder %.3g s + model %.3g s within the run's %.3g s", s0.decoder_seconds,
          s0.model_seconds, s0.seconds);
    rom_nlrom_destroy(&lg);
  }
  rom_nlrom_destroy(&nm);
  rom_nlrom_destroy(&hrrom);
  rom_hyper_destroy(&hr);
  rom_dmat_destroy(&I);
  rom_ae_destroy(&ae);
  free(X);
  free(full);
  free(u);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  problem P;
  char path[512];
  test_path(ctx, "manifold_hr.h5", path, sizeof path);
  problem_create(ctx, &P);
  subnet_is_exact(ctx);
  linear_decoder_is_pod(&P, path);
  trained_decoder(&P);
  problem_destroy(&P);
  return test_finish(&ctx);
}
