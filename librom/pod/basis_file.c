/* Basis files (kind "basis", docs/file-format.md):
 *   /basis            {k, N}   row j = basis vector j
 *   /singular_values  {r}      all singular values computed (absent if none)
 *   /mean or /reference {N}    optional: the snapshot mean (centering) or a user reference
 *   root attributes   method, truncation, energy (the threshold option), rank (= k),
 *                     center (0/1), num_rows (N), dim (k), energy_captured,
 *                     total_energy (optional: ||S - shift||_F^2), plus the common ones
 *                     written by rom_h5_create. */
#include "core/check.h"
#include "io/h5.h"
#include "pod/basis_impl.h"

#include <math.h>
#include <string.h>

int rom_basis_write(const rom_basis *b, const char *path, int overwrite) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_h5 *f = NULL;
  if (!b) return ROM_ERR_ARG;
  ctx = b->ctx;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "rom_basis_write: the path is NULL or empty");
  ROM_TRY(ctx, rom_h5_create(ctx, path, "basis", overwrite, &f));
  ROM_TRY(ctx, rom_h5_write_dmat(f, "/basis", b->vectors));
  if (b->num_singular > 0) {
    rom_int dims[1];
    dims[0] = b->num_singular;
    ROM_TRY(ctx, rom_h5_write_array(f, "/singular_values", 1, dims, b->singular_values));
  }
  if (b->reference)
    ROM_TRY(ctx, rom_h5_write_dvec(f, b->reference_is_mean ? "/mean" : "/reference",
                                   rom_dmat_local_rows(b->vectors), b->reference));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "method",
                                        b->provenance.method[0] ? b->provenance.method : "user"));
  ROM_TRY(ctx,
          rom_h5_write_attr_string(
              f, "truncation", b->provenance.truncation[0] ? b->provenance.truncation : "none"));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "energy", b->provenance.energy));
  /* docs/file-format.md: rank = k (the rank option, if any, is clipped to r into k) */
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "rank", rom_dmat_cols(b->vectors)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "center", b->provenance.center));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_rows", rom_dmat_global_rows(b->vectors)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "dim", rom_dmat_cols(b->vectors)));
  if (b->num_singular > 0)
    ROM_TRY(ctx, rom_h5_write_attr_double(f, "energy_captured", rom_basis_energy(b)));
  if (b->total_energy > 0.0)
    ROM_TRY(ctx, rom_h5_write_attr_double(f, "total_energy", b->total_energy));
  if (b->provenance.has_discarded_bound)
    ROM_TRY(ctx, rom_h5_write_attr_double(f, "discarded_energy_bound",
                                          b->provenance.discarded_energy_bound));
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  if (err != ROM_OK) rom_h5_abort(&f);
  return err;
}

/* A 1-D dataset of N entries, or absent. */
static int vector_dataset(rom_h5 *f, const char *name, rom_int N, int *exists) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  int ndims = 0;
  rom_int dims[4] = {0, 0, 0, 0};
  ROM_TRY(ctx, rom_h5_dataset_dims(f, name, &ndims, dims, exists));
  if (!*exists) goto cleanup;
  ROM_CHECK(ctx, ndims == 1, ROM_ERR_FORMAT,
            "file '%s': dataset '%s' has %d dimensions, expected 1", rom_h5_path(f), name, ndims);
  ROM_CHECK(ctx, dims[0] == N, ROM_ERR_DIM,
            "file '%s': dataset '%s' has %lld entries but /basis has N = %lld rows", rom_h5_path(f),
            name, (long long)dims[0], (long long)N);
cleanup:
  return err;
}

int rom_basis_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_basis **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  rom_dmat *V = NULL;
  double *sv = NULL, *ref = NULL;
  rom_int dims[4] = {0, 0, 0, 0}, k = 0, N = 0, r = 0;
  int ndims = 0, found = 0, has_mean = 0, has_ref = 0;
  int64_t attr = 0;
  rom_basis_provenance prov;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_basis_read: out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "rom_basis_read: the path is NULL or empty");
  ROM_TRY(ctx, rom_h5_open(ctx, path, "basis", &f));
  ROM_TRY(ctx, rom_h5_dataset_dims(f, "/basis", &ndims, dims, NULL));
  ROM_CHECK(ctx, ndims == 2, ROM_ERR_FORMAT,
            "file '%s': dataset '/basis' has %d dimensions, expected 2 {k, N}", path, ndims);
  k = dims[0];
  N = dims[1];
  ROM_CHECK(ctx, k >= 1 && N >= 1, ROM_ERR_FORMAT,
            "file '%s': dataset '/basis' is {%lld, %lld}, an empty basis", path, (long long)k,
            (long long)N);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_rows", &attr, &found));
  ROM_CHECK(ctx, !found || attr == N, ROM_ERR_DIM,
            "file '%s': attribute num_rows = %lld but dataset '/basis' has N = %lld rows", path,
            (long long)attr, (long long)N);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "dim", &attr, &found));
  ROM_CHECK(ctx, !found || attr == k, ROM_ERR_DIM,
            "file '%s': attribute dim = %lld but dataset '/basis' has k = %lld vectors", path,
            (long long)attr, (long long)k);

  ROM_TRY(ctx, rom_h5_dataset_dims(f, "/singular_values", &ndims, dims, &found));
  if (found) {
    ROM_CHECK(ctx, ndims == 1, ROM_ERR_FORMAT,
              "file '%s': dataset '/singular_values' has %d dimensions, expected 1", path, ndims);
    r = dims[0];
    ROM_CHECK(ctx, r == 0 || r >= k, ROM_ERR_DIM,
              "file '%s': dataset '/singular_values' has %lld values, fewer than the k = %lld "
              "basis vectors",
              path, (long long)r, (long long)k);
  }
  ROM_TRY(ctx, vector_dataset(f, "/mean", N, &has_mean));
  ROM_TRY(ctx, vector_dataset(f, "/reference", N, &has_ref));
  ROM_CHECK(ctx, !(has_mean && has_ref), ROM_ERR_FORMAT,
            "file '%s' holds both '/mean' and '/reference'; a basis has at most one", path);

  ROM_TRY(ctx, rom_h5_read_dmat(f, "/basis", local_rows, k, N, &V));
  if (r > 0) {
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&sv));
    ROM_TRY(ctx, rom_h5_read_array(f, "/singular_values", 1, &r, sv));
    ROM_TRY(ctx, rom_basis_check_singular_values(ctx, path, "/singular_values", sv, r));
  }
  if (has_mean || has_ref) {
    ROM_TRY_ALL(ctx,
                rom_malloc(ctx, sizeof(double) * (size_t)rom_dmat_local_rows(V), (void **)&ref));
    ROM_TRY(ctx,
            rom_h5_read_dvec(f, has_mean ? "/mean" : "/reference", rom_dmat_local_rows(V), ref));
  }

  memset(&prov, 0, sizeof prov);
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "method", prov.method, sizeof prov.method, &found));
  if (!found) strcpy(prov.method, "user");
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "truncation", prov.truncation, sizeof prov.truncation,
                                       &found));
  if (!found) strcpy(prov.truncation, "none");
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "energy", &prov.energy, &found));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "rank", &attr, &found));
  prov.rank = found ? attr : 0;
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "center", &attr, &found));
  prov.center = found && attr != 0;
  /* optional (incremental POD only): kept so that a read-write round trip keeps it */
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "discarded_energy_bound", &prov.discarded_energy_bound,
                                       &found));
  ROM_CHECK(
      ctx, !found || (isfinite(prov.discarded_energy_bound) && prov.discarded_energy_bound >= 0.0),
      ROM_ERR_FORMAT, "file '%s': attribute discarded_energy_bound = %g must be finite and >= 0",
      path, prov.discarded_energy_bound);
  prov.has_discarded_bound = found;
  {
    /* optional (files before it lack it: energy from the stored values alone) */
    double total = 0.0;
    ROM_TRY(ctx, rom_h5_read_attr_double(f, "total_energy", &total, &found));
    ROM_CHECK(ctx, !found || (isfinite(total) && total >= 0.0), ROM_ERR_FORMAT,
              "file '%s': attribute total_energy = %g must be finite and >= 0", path, total);
    ROM_TRY(ctx, rom_h5_close(&f));
    ROM_TRY_ALL(
        ctx, rom_basis_adopt(&V, r > 0 ? &sv : NULL, r, ref ? &ref : NULL, has_mean, &prov, out));
    (*out)->total_energy = found ? total : 0.0;
  }
cleanup:
  rom_h5_abort(&f);
  rom_dmat_destroy(&V);
  rom_free(ctx, sv);
  rom_free(ctx, ref);
  return err;
}
