/* A nonlinear-manifold ROM with hyper-reduction, end to end, on a host model given by
 * callbacks (here romkit's 1-D Burgers FOM, P1 of docs/problems.md at a smaller size):
 *
 *   FOM runs at the training parameters -> snapshots u^n - u^0
 *   -> the paper's shallow masked autoencoder, trained here (rom_ae_*)
 *   -> residual basis (POD of the states) -> samples -> decoder sub-network at the
 *      sample mesh (rom_hyper_attach_decoder)
 *   -> NM-LSPG-HR at a new parameter (rom_nlrom_create_manifold), checked against the FOM.
 *
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022); docs/nonlinear.md. Runs on any
 * number of ranks; exits non-zero if the ROM's error is above 2 %.
 *   mpirun -n 2 ./examples/example_manifold_rom */
#include "romkit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TRY(x)                                                                                     \
  do {                                                                                             \
    if ((err = (x)) != ROM_OK) goto done;                                                          \
  } while (0)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_burgers1d *fom = NULL;
  rom_mask *mask = NULL;
  rom_ae *ae = NULL;
  rom_dmat *S = NULL;
  rom_basis *rbasis = NULL;
  rom_hyper *hr = NULL;
  rom_nlrom *rom = NULL;
  double *traj = NULL, *X = NULL, *u0 = NULL, *q = NULL, *u = NULL;
  int err = ROM_OK;
  const rom_int N = 200, steps = 100, k = 4;
  const double train[2] = {0.9, 1.1}, test = 1.0;
  double e2 = 0.0, f2 = 0.0;

  TRY(rom_ctx_create(MPI_COMM_WORLD, &ctx));
  rom_burgers1d_options fo = rom_burgers1d_options_default();
  fo.unknowns = N;
  fo.steps = steps;
  TRY(rom_burgers1d_create(ctx, &fo, ROM_AUTO_ROWS, &fom));
  rom_model *m = rom_burgers1d_model(fom); /* the host's callbacks: velocity, Jacobian, stencil */
  const rom_int L = rom_burgers1d_local_rows(fom);
  const double dt = rom_burgers1d_time_step(fom);
  traj = calloc((size_t)(L + 1) * (steps + 1), sizeof(double));
  X = calloc((size_t)(L + 1) * (4 * steps + 2), sizeof(double));
  u0 = calloc((size_t)L + 1, sizeof(double));
  u = calloc((size_t)L + 1, sizeof(double));
  q = calloc((size_t)k * (steps + 1), sizeof(double));

  /* 1. training snapshots u^n - u^0 (for the network) and u^n (for the residual basis) */
  for (int t = 0; t < 2; ++t) {
    TRY(rom_burgers1d_initial(fom, train[t], u0));
    TRY(rom_fom_integrate(m, &train[t], u0, 0.0, dt, steps, NULL, traj, NULL));
    for (rom_int n = 1; n <= steps; ++n) /* columns 0 .. 2 steps - 1: differences */
      for (rom_int i = 0; i < L; ++i)
        X[i + (t * steps + n - 1) * L] = traj[i + n * L] - u0[i];
    for (rom_int n = 0; n <= steps; ++n) /* then the raw states, initial ones included */
      for (rom_int i = 0; i < L; ++i)
        X[i + (2 * steps + t * (steps + 1) + n) * L] = traj[i + n * L];
  }

  /* 2. the shallow masked autoencoder (N -> 2N -> k, k -> 12 (N-1) + 36 -> N, band 36/12) */
  TRY(rom_mask_banded(ctx, N, 36, 12, &mask));
  TRY(rom_ae_create_shallow(ctx, N, 2 * N, k, 12 * (N - 1) + 36, ROM_ACT_SWISH, 0, mask, 42, &ae));
  rom_ae_train_options to = rom_ae_train_options_default();
  to.epochs = 400;
  to.batch = 10;
  TRY(rom_dmat_wrap(ctx, L, 2 * steps, X, L, &S));
  TRY(rom_ae_train_dmat(ae, S, &to));

  /* 3. hyper-reduction: samples on a residual basis, then the decoder sub-network */
  rom_dmat *raw = NULL;
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = 20;
  TRY(rom_dmat_wrap(ctx, L, 2 * (steps + 1), X + 2 * steps * L, L, &raw));
  err = rom_pod_compute(raw, &po, &rbasis);
  rom_dmat_destroy(&raw);
  TRY(err);
  rom_hyper_options ho = rom_hyper_options_default();
  ho.method = ROM_HYPER_DEIM_OS;
  ho.num_samples = 30;
  TRY(rom_hyper_create(NULL, NULL, NULL, rom_basis_vectors(rbasis), &ho, &hr));
  TRY(rom_burgers1d_initial(fom, test, u0)); /* u_ref: the test initial condition, q0 = 0 */
  TRY(rom_hyper_attach_decoder(hr, m, 1, &ae, u0));

  /* 4. NM-LSPG-HR at the test parameter, and the FOM for comparison */
  rom_nlrom_options no = rom_nlrom_options_default();
  no.tolerance = 1e-5;
  TRY(rom_nlrom_create_manifold(m, 1, &ae, u0, hr, &no, &rom));
  TRY(rom_nlrom_run(rom, &test, 0.0, dt, steps, NULL, q, NULL));
  TRY(rom_fom_integrate(m, &test, u0, 0.0, dt, steps, NULL, traj, NULL));
  for (rom_int n = 0; n <= steps; ++n) {
    TRY(rom_nlrom_lift(rom, q + n * k, u));
    for (rom_int i = 0; i < L; ++i) {
      double d = u[i] - traj[i + n * L];
      e2 += d * d;
      f2 += traj[i + n * L] * traj[i + n * L];
    }
  }
  double sums[2] = {e2, f2};
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  double error = 100.0 * sqrt(sums[0] / sums[1]);
  if (rom_ctx_rank(ctx) == 0)
    printf("NM-LSPG-HR, N = %lld, latent %lld, %lld samples on a %lld-row sample mesh, decoder "
           "sub-network %lld of %lld hidden units: space-time error %.3f %%\n",
           (long long)N, (long long)k, (long long)rom_hyper_num_samples(hr),
           (long long)rom_hyper_num_needed(hr),
           (long long)rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr)),
           (long long)(12 * (N - 1) + 36), error);
  if (!(error < 2.0)) err = ROM_ERR_NOT_CONVERGED;

done:
  if (err != ROM_OK && ctx && rom_ctx_rank(ctx) == 0)
    fprintf(stderr, "example_manifold_rom: %s: %s\n", rom_error_name(err), rom_ctx_last_error(ctx));
  rom_nlrom_destroy(&rom);
  rom_hyper_destroy(&hr);
  rom_basis_destroy(&rbasis);
  rom_dmat_destroy(&S);
  rom_ae_destroy(&ae);
  rom_mask_destroy(&mask);
  rom_burgers1d_destroy(&fom);
  free(traj);
  free(X);
  free(u0);
  free(u);
  free(q);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return err == ROM_OK ? 0 : 1;
}
