/* The hyper-reduction object of a sample set the library did not select itself
 * (romkit/workflow.h): the union of per-component selections of a problem whose components
 * are reduced separately (P2: rom_hyper_select on each component's residual basis,
 * docs/reproduction.md) and the sample-mesh rows of hr_sample_mesh. The hyper stage has no
 * "given samples" entry point, so R (N x nb, model partition) restricted to the sample rows
 * (zero elsewhere) is handed to rom_hyper_create as GNAT with ns = the number of samples,
 * which can then only pick the samples (checked); the gappy operator needs R's rows there
 * only. */
#include "workflow/workflow_impl.h"

#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
  rom_int x = *(const rom_int *)a, y = *(const rom_int *)b;
  return (x > y) - (x < y);
}

int repro_hyper_from_samples(repro_run *r, const rom_basis *state, const double *ref_local,
                             const rom_dmat *R, rom_int ns, const rom_int *samples,
                             rom_hyper **out) {
  int err = ROM_OK;
  rom_ctx *ctx = r->ctx;
  const rom_int nb = rom_dmat_cols(R), ldr = rom_dmat_ld(R);
  const double *Rd = rom_dmat_data_const(R);
  rom_dmat *B = NULL;
  rom_int *sorted = NULL;
  *out = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)ns, (void **)&sorted));
  ROM_TRY(ctx, rom_dmat_create(ctx, r->L, nb, &B));
  double *Bd = rom_dmat_data(B);
  const rom_int ldb = rom_dmat_ld(B);
  for (rom_int a = 0; a < ns; ++a) {
    rom_int i = samples[a] - r->off;
    if (i < 0 || i >= r->L) continue;
    for (rom_int j = 0; j < nb; ++j)
      Bd[i + j * ldb] = Rd[i + j * ldr];
  }
  rom_hyper_options ho = rom_hyper_options_default();
  ho.method = ROM_HYPER_GNAT;
  ho.residual_dim = nb;
  ho.num_samples = ns;
  /* state NULL: a manifold ROM, whose decoder is attached later */
  ROM_TRY(ctx, rom_hyper_create(state ? r->model : NULL, state, ref_local, B, &ho, out));
  memcpy(sorted, samples, sizeof(rom_int) * (size_t)ns);
  qsort(sorted, (size_t)ns, sizeof(rom_int), cmp_int);
  ROM_CHECK(ctx, memcmp(sorted, rom_hyper_sample_rows(*out), sizeof(rom_int) * (size_t)ns) == 0,
            ROM_ERR_INTERNAL, "the hyper-reduction object does not hold the selected samples");
cleanup:
  if (err != ROM_OK) rom_hyper_destroy(out);
  rom_dmat_destroy(&B);
  rom_free(ctx, sorted);
  return err;
}
