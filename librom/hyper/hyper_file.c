/* HDF5 file of the hyper-reduction data (kind "hyper", docs/file-format.md).
 *
 * Every matrix is stored as the file convention for matrices (basis files: /basis {k, N}):
 * row j of the dataset is column j of the in-memory column-major matrix, so the buffers
 * are written as they are. Layout (h5py shapes):
 *   /sample_rows          {ns}          global rows, ascending (float64, exact integers)
 *   /residual_basis_rows  {nb, ns}      (P^T Phi_r)^T
 *   /gappy_pinv           {ns, nb}      ((P^T Phi_r)^+)^T
 *   /needed_rows          {nneeded}     the sample mesh, ascending     } only once the
 *   /state_basis_rows     {k, nneeded}  Phi[needed, :]^T                } model part is
 *   /reference_rows       {nneeded}     u_ref[needed]                   } attached
 *   /initial_samples      {ninit}       the rows an S-OPT selection started from, ascending
 *                                       (root attribute num_initial_samples = ninit; both
 *                                       absent when there were none, and in older files)
 * A nonlinear-manifold hyper-reduction (rom_hyper_attach_decoder; root attribute
 * trial = "manifold", "linear" otherwise) has no /state_basis_rows; instead
 *   /decoder_subnet/...   the decoder sub-network feeding the needed rows (its layout
 *                         is in librom/manifold/subnet_file.c and docs/file-format.md)
 * root attributes method, num_samples, residual_dim, state_dim (0: not attached),
 * num_needed, global_rows. Row indices are float64 (exact below 2^53) so that every
 * dataset goes through the same replicated-array path; the reader checks that they are
 * integers in range, ascending, and that the samples lie on the sample mesh. */
#include "core/values.h"
#include "hyper/hyper_impl.h"
#include "io/h5.h"
#include "manifold/subnet_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HYPER_KIND "hyper"

static int write_rows(rom_h5 *f, const char *name, rom_int n, const rom_int *rows, double *buf) {
  for (rom_int i = 0; i < n; ++i)
    buf[i] = (double)rows[i];
  rom_int dims[1] = {n};
  return rom_h5_write_array(f, name, 1, dims, buf);
}

int rom_hyper_write(const rom_hyper *hr, const char *path, int overwrite) {
  int err = ROM_OK;
  if (!hr) return ROM_ERR_ARG;
  rom_ctx *ctx = hr->ctx;
  rom_h5 *f = NULL;
  double *buf = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "the path of the hyper-reduction file must not be empty");
  ROM_TRY_ALL(ctx,
              rom_malloc(ctx, sizeof(double) * (size_t)(hr->ns + hr->nneeded + 1), (void **)&buf));
  ROM_TRY(ctx, rom_h5_create(ctx, path, HYPER_KIND, overwrite, &f));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "method", rom_hyper_method_name(hr->method)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_samples", hr->ns));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "residual_dim", hr->nb));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "state_dim", hr->k));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_needed", hr->nneeded));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "global_rows", hr->N));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "trial", hr->decoder ? "manifold" : "linear"));
  ROM_TRY(ctx, write_rows(f, "sample_rows", hr->ns, hr->sample_rows, buf));
  if (hr->ninit > 0) {
    ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_initial_samples", hr->ninit));
    ROM_TRY(ctx, write_rows(f, "initial_samples", hr->ninit, hr->initial_rows, buf));
  }
  {
    rom_int dims[2] = {hr->nb, hr->ns};
    ROM_TRY(ctx, rom_h5_write_array(f, "residual_basis_rows", 2, dims, hr->residual_basis_rows));
    dims[0] = hr->ns;
    dims[1] = hr->nb;
    ROM_TRY(ctx, rom_h5_write_array(f, "gappy_pinv", 2, dims, hr->gappy_pinv));
  }
  if (hr->k > 0) {
    ROM_TRY(ctx, write_rows(f, "needed_rows", hr->nneeded, hr->needed_rows, buf));
    rom_int dims[2] = {hr->k, hr->nneeded};
    if (hr->decoder)
      ROM_TRY(ctx, rom_ae_subnet_write_h5(hr->decoder, f, "decoder_subnet"));
    else
      ROM_TRY(ctx, rom_h5_write_array(f, "state_basis_rows", 2, dims, hr->state_basis_rows));
    ROM_TRY(ctx, rom_h5_write_array(f, "reference_rows", 1, dims + 1, hr->reference_rows));
  }
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  rom_free(ctx, buf);
  return err;
}

/* rows[i] = (rom_int)buf[i] after checking integer, in [0, N), strictly ascending. */
static int read_rows(rom_h5 *f, const char *name, rom_int n, rom_int N, double *buf,
                     rom_int *rows) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  rom_int dims[1] = {n};
  ROM_TRY(ctx, rom_h5_read_array(f, name, 1, dims, buf));
  for (rom_int i = 0; i < n; ++i) {
    double v = buf[i];
    ROM_CHECK(ctx, v == floor(v) && v >= 0.0 && v < (double)N, ROM_ERR_FORMAT,
              "dataset '%s' in '%s': entry %lld = %.17g is not a row index in 0..%lld", name,
              rom_h5_path(f), (long long)i, v, (long long)(N - 1));
    rows[i] = (rom_int)v;
    ROM_CHECK(ctx, i == 0 || rows[i] > rows[i - 1], ROM_ERR_FORMAT,
              "dataset '%s' in '%s' is not strictly ascending at entry %lld", name, rom_h5_path(f),
              (long long)i);
  }
cleanup:
  return err;
}

int rom_hyper_read(rom_ctx *ctx, const char *path, rom_hyper **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  rom_hyper *hr = NULL;
  double *buf = NULL;
  char method[32] = "", trial[32] = "linear";
  int trial_found = 0;
  int64_t ns = 0, nb = 0, k = 0, nneeded = 0, N = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "the path of the hyper-reduction file must not be empty");
  ROM_TRY(ctx, rom_h5_open(ctx, path, HYPER_KIND, &f));
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "method", method, sizeof method, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_samples", &ns, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "residual_dim", &nb, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "state_dim", &k, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_needed", &nneeded, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "global_rows", &N, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "trial", trial, sizeof trial, &trial_found));
  if (!trial_found) strcpy(trial, "linear"); /* files written before manifold HR */
  ROM_CHECK_ALL(ctx, !strcmp(trial, "linear") || !strcmp(trial, "manifold"), ROM_ERR_FORMAT,
                "'%s': attribute 'trial' = '%s' is neither 'linear' nor 'manifold'", path, trial);
  ROM_TRY_ALL(ctx, rom_hyper_alloc(ctx, &hr));
  if (rom_hyper_method_from_name(method, &hr->method) != ROM_OK) {
    char known[256];
    rom_hyper_method_list(known, sizeof known, 0u, 0u, " or ");
    ROM_FAIL(ctx, ROM_ERR_FORMAT, "'%s': attribute 'method' = '%s' is not %s", path, method, known);
  }
  ROM_CHECK(ctx,
            nb >= 1 && ns >= nb && N >= ns && k >= 0 && nneeded >= 0 && (k == 0 || nneeded >= ns) &&
                (k > 0 || nneeded == 0),
            ROM_ERR_FORMAT,
            "'%s': inconsistent dimensions num_samples = %lld, residual_dim = %lld, state_dim = "
            "%lld, num_needed = %lld, global_rows = %lld (need 1 <= residual_dim <= num_samples "
            "<= global_rows, num_needed >= num_samples when state_dim > 0)",
            path, (long long)ns, (long long)nb, (long long)k, (long long)nneeded, (long long)N);
  hr->N = N;
  hr->ns = ns;
  hr->nb = nb;
  {
    /* the sizes are attributes of the file: checked products, and the arrays must fit */
    rom_int total = 0, rows = 0;
    ROM_TRY_ALL(ctx, rom_count_mul(ctx, ns, nb, "the sampled residual basis", &total));
    ROM_TRY_ALL(ctx, rom_count_mul(ctx, nneeded, k, "the sampled state basis", &rows));
    char what[600];
    snprintf(what, sizeof what, "the sampled bases of '%s' (%lld x %lld and %lld x %lld)", path,
             (long long)ns, (long long)nb, (long long)nneeded, (long long)k);
    ROM_TRY_ALL(ctx, rom_memory_check(ctx, 8.0 * (2.0 * (double)total + (double)rows), what,
                                      "is the file damaged?"));
  }
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, ns + nneeded + 1, 1, sizeof(double), (void **)&buf));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, ns, 1, sizeof(rom_int), (void **)&hr->sample_rows));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, ns, nb, sizeof(double), (void **)&hr->residual_basis_rows));
  ROM_TRY_ALL(ctx, rom_malloc_n(ctx, ns, nb, sizeof(double), (void **)&hr->gappy_pinv));
  ROM_TRY(ctx, read_rows(f, "sample_rows", ns, N, buf, hr->sample_rows));
  {
    int64_t ninit = 0;
    int found = 0;
    ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_initial_samples", &ninit, &found));
    ROM_CHECK_ALL(ctx, !found || (ninit >= 1 && ninit <= ns), ROM_ERR_FORMAT,
                  "'%s': attribute 'num_initial_samples' = %lld is not in 1..num_samples = %lld",
                  path, (long long)ninit, (long long)ns);
    if (found) {
      ROM_TRY_ALL(ctx, rom_malloc_n(ctx, ninit, 1, sizeof(rom_int), (void **)&hr->initial_rows));
      ROM_TRY(ctx, read_rows(f, "initial_samples", ninit, N, buf, hr->initial_rows));
      /* a subset of the samples (both ascending: one merge pass) */
      rom_int j = 0;
      for (rom_int i = 0; i < ninit; ++i) {
        while (j < ns && hr->sample_rows[j] < hr->initial_rows[i])
          ++j;
        ROM_CHECK(ctx, j < ns && hr->sample_rows[j] == hr->initial_rows[i], ROM_ERR_FORMAT,
                  "'%s': initial sample row %lld is not in dataset 'sample_rows'", path,
                  (long long)hr->initial_rows[i]);
      }
      hr->ninit = ninit;
    }
  }
  {
    rom_int dims[2] = {nb, ns};
    ROM_TRY(ctx, rom_h5_read_array(f, "residual_basis_rows", 2, dims, hr->residual_basis_rows));
    dims[0] = ns;
    dims[1] = nb;
    ROM_TRY(ctx, rom_h5_read_array(f, "gappy_pinv", 2, dims, hr->gappy_pinv));
  }
  if (k > 0) {
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)nneeded, (void **)&hr->needed_rows));
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(double) * (size_t)nneeded, (void **)&hr->reference_rows));
    ROM_TRY(ctx, read_rows(f, "needed_rows", nneeded, N, buf, hr->needed_rows));
    rom_int dims[2] = {k, nneeded};
    if (!strcmp(trial, "manifold")) {
      ROM_TRY(ctx, rom_ae_subnet_read_h5(ctx, f, "decoder_subnet", &hr->decoder));
      const rom_ae_subnet *d = hr->decoder;
      const rom_int d_rows = rom_ae_subnet_num_rows(d), d_outputs = rom_ae_subnet_output_dim(d),
                    d_latent = rom_ae_subnet_latent_dim(d);
      const rom_int *d_row = rom_ae_subnet_rows(d);
      int same = d_rows == nneeded && d_latent == k && d_outputs == N;
      for (rom_int i = 0; same && i < nneeded; ++i)
        same = d_row[i] == hr->needed_rows[i];
      ROM_CHECK_ALL(ctx, same, ROM_ERR_FORMAT,
                    "'%s': the decoder sub-network (%lld rows of %lld, latent %lld) does not "
                    "match needed_rows (%lld rows of %lld) and state_dim %lld",
                    path, (long long)d_rows, (long long)d_outputs, (long long)d_latent,
                    (long long)nneeded, (long long)N, (long long)k);
    } else {
      ROM_TRY_ALL(ctx,
                  rom_malloc_n(ctx, nneeded, k, sizeof(double), (void **)&hr->state_basis_rows));
      ROM_TRY(ctx, rom_h5_read_array(f, "state_basis_rows", 2, dims, hr->state_basis_rows));
    }
    ROM_TRY(ctx, rom_h5_read_array(f, "reference_rows", 1, dims + 1, hr->reference_rows));
    /* Every sample must lie on the sample mesh (both lists ascending: one merge pass). */
    rom_int j = 0;
    for (rom_int s = 0; s < ns; ++s) {
      while (j < nneeded && hr->needed_rows[j] < hr->sample_rows[s])
        ++j;
      ROM_CHECK(ctx, j < nneeded && hr->needed_rows[j] == hr->sample_rows[s], ROM_ERR_FORMAT,
                "'%s': sample row %lld is not in dataset 'needed_rows'", path,
                (long long)hr->sample_rows[s]);
    }
    hr->k = k;
    hr->nneeded = nneeded;
  }
  ROM_TRY(ctx, rom_h5_close(&f));
  *out = hr;
  hr = NULL;
cleanup:
  rom_h5_abort(&f);
  rom_hyper_destroy(&hr);
  rom_free(ctx, buf);
  return err;
}
