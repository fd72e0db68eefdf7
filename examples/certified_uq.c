/* Certified UQ on P3: a small ROM with error bounds, written for `romkit sweep`, plus FOM
 * outputs at the first samples of the same Monte Carlo design (docs/many-query.md).
 *
 *   example_certified_uq [ROM.h5 [FOM.txt [n [k [fom_samples]]]]]
 *
 * builds P3 (n x n, default 24), a POD basis of rank k (default 4) from 20 FOM solves, the
 * outputs "mean" (average temperature) and "probe" (the node nearest (0.25, 0.75)), the
 * estimator (min-theta coercivity, X = A(1)) and the outputs' dual data (12 dual snapshots),
 * and writes the ROM to ROM.h5; then solves the FOM at the first fom_samples (default 200)
 * samples of the design `--design mc --seed 7 --range 0.1:10 --log` and writes their outputs
 * (one line per sample: mean probe) to FOM.txt, for python/romkit/plot.py certified_cdf.
 * Defaults: certified_uq_rom.h5, certified_uq_fom.txt in the working directory. Checks its own
 * result: every FOM output lies within the ROM's certified bound (exit 1 otherwise). */
#include <romkit.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_heat2d *h = NULL;
  rom_dmat *S = NULL;
  rom_basis *b = NULL;
  rom_affine_rom *rom = NULL;
  rom_sweep_design *d = NULL;
  double *l0 = NULL, *l1 = NULL, *u = NULL;
  FILE *out = NULL;
  int rc = 0;
  const char *rom_path = argc > 1 ? argv[1] : "certified_uq_rom.h5";
  const char *fom_path = argc > 2 ? argv[2] : "certified_uq_fom.txt";
  int outside = 0;
  const rom_int n = argc > 3 ? atoi(argv[3]) : 24, k = argc > 4 ? atoi(argv[4]) : 4;
  const int nf = argc > 5 ? atoi(argv[5]) : 200;
  if ((rc = rom_ctx_create(MPI_COMM_WORLD, &ctx))) goto fail;
  rom_heat2d_options o = rom_heat2d_options_default();
  o.n = n;
  if ((rc = rom_heat2d_create(ctx, &o, ROM_AUTO_ROWS, &h))) goto fail;
  rom_model *model = rom_heat2d_model(h);
  const rom_int L = rom_heat2d_local_rows(h), N = n * n;
  rom_int off = 0;
  MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  if (rom_ctx_rank(ctx) == 0) off = 0;
  double low[4] = {0.1, 0.1, 0.1, 0.1}, high[4] = {10, 10, 10, 10};
  int logs[4] = {1, 1, 1, 1};
  /* training: 20 LHS samples (seed 1) */
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_LHS, 4, low, high, logs, 20, NULL, 1, &d)))
    goto fail;
  if ((rc = rom_dmat_create(ctx, L, 20, &S))) goto fail;
  for (int i = 0; i < 20; ++i) {
    double mu[4];
    rom_sweep_design_sample(d, i, mu);
    if ((rc = rom_heat2d_solve(h, mu, rom_dmat_data(S) + i * L))) goto fail;
  }
  rom_sweep_design_destroy(&d);
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  if ((rc = rom_pod_compute(S, &po, &b))) goto fail;
  if ((rc = rom_affine_rom_build(model, b, &rom))) goto fail;
  l0 = calloc((size_t)L + 1, sizeof(double));
  l1 = calloc((size_t)L + 1, sizeof(double));
  u = calloc((size_t)L + 1, sizeof(double));
  const rom_int probe = (n / 4) + n * (3 * n / 4);
  for (rom_int i = 0; i < L; ++i) {
    l0[i] = 1.0 / (double)N;
    l1[i] = off + i == probe ? 1.0 : 0.0;
  }
  if ((rc = rom_affine_rom_add_output(rom, b, "mean", l0))) goto fail;
  if ((rc = rom_affine_rom_add_output(rom, b, "probe", l1))) goto fail;
  if ((rc = rom_affine_rom_build_estimator(rom, model, b, NULL))) goto fail;
  {
    double train[12 * 4];
    if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_LHS, 4, low, high, logs, 12, NULL, 3, &d)))
      goto fail;
    for (int i = 0; i < 12; ++i)
      rom_sweep_design_sample(d, i, train + 4 * i);
    rom_sweep_design_destroy(&d);
    for (int oo = 0; oo < 2; ++oo)
      if ((rc = rom_affine_rom_set_output_dual(rom, model, b, oo, NULL, train, 12))) goto fail;
  }
  if ((rc = rom_affine_rom_write(rom, rom_path, 1))) goto fail;
  /* the FOM at the first nf samples of the CLI's design */
  if ((rc = rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, 4, low, high, logs, nf, NULL, 7,
                                    &d)))
    goto fail;
  if (rom_ctx_rank(ctx) == 0) out = fopen(fom_path, "w");
  for (int i = 0; i < nf; ++i) {
    double mu[4], loc[2] = {0, 0}, s[2];
    rom_sweep_design_sample(d, i, mu);
    if ((rc = rom_heat2d_solve(h, mu, u))) goto fail;
    for (rom_int r = 0; r < L; ++r) {
      loc[0] += l0[r] * u[r];
      loc[1] += l1[r] * u[r];
    }
    MPI_Allreduce(loc, s, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (out) fprintf(out, "%.17g %.17g\n", s[0], s[1]);
    {
      double q[64], phi = 1.0, corr[2], bnd[2];
      if (k > 64) continue;
      if ((rc = rom_affine_rom_solve(rom, mu, &phi, q))) goto fail;
      if ((rc = rom_affine_rom_output_bounds(rom, mu, &phi, q, corr, bnd))) goto fail;
      for (int oo = 0; oo < 2; ++oo)
        if (!(fabs(s[oo] - corr[oo]) <= bnd[oo] + 1e-14 * fabs(s[oo]))) ++outside;
    }
  }
  if (rom_ctx_rank(ctx) == 0)
    printf("certified_uq: n = %lld, k = %lld: ROM with estimator -> %s, %d FOM samples -> %s\n",
           (long long)n, (long long)k, rom_path, nf, fom_path);
  if (rom_ctx_rank(ctx) == 0)
    printf("certified_uq: %d of %d FOM outputs outside their certified bound\n", outside, 2 * nf);
  if (outside) rc = 1;
  goto done;
fail:
  fprintf(stderr, "certified_uq: %s\n", rom_ctx_last_error(ctx));
done:
  if (out) fclose(out);
  free(l0);
  free(l1);
  free(u);
  rom_sweep_design_destroy(&d);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_dmat_destroy(&S);
  rom_heat2d_destroy(&h);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc ? 1 : 0;
}
