/* DMD files (kind "dmd", docs/file-format.md). One DMD at a prefix P ("" for the root,
 * "/window_NNNNNN" for the windows of a windowed DMD):
 *   P/scalars           {7}     r, q, m, dt, t0, t_end, uniform (0/1)
 *   P/eigenvalues       {r, 2}  lambda_i as (re, im)
 *   P/omegas            {r, 2}  omega_i = log(lambda_i) / dt
 *   P/amplitudes        {r, 2}  b_i
 *   P/modes_real, P/modes_imag {r, N}  row i = mode i (distributed like a basis)
 *   P/basis             {r, N}  optional: the POD basis of the reduced operator
 *   P/operator          {r, r}  optional: Atilde, row-major (numpy reads Atilde)
 *   P/control_operator  {r, q}  optional ("dmdc"): Btilde, row-major
 *   P/reduced_initial   {r}     optional: basis^T x_0
 *   P/singular_values   {s}     optional
 *   P/eigenvalue_std    {r, 2}  optional ("bop")
 * Root attributes: method, windows (0: not windowed), num_rows (N), rank (r; 0 for a
 * windowed DMD), control_dim, snapshots, dt, t0, t_end, truncation, energy, rank_option,
 * window, svd_method, plus the common ones of rom_h5_create. */
#include "core/check.h"
#include "dmd/dmd_impl.h"
#include "io/h5.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DMD_SCALARS 7

static int write_small(rom_h5 *f, const char *P, const char *name, int ndims, rom_int d0,
                       rom_int d1, const double *data) {
  char path[128];
  rom_int dims[2];
  dims[0] = d0;
  dims[1] = d1;
  snprintf(path, sizeof path, "%s/%s", P, name);
  return rom_h5_write_array(f, path, ndims, dims, data);
}

/* rows x cols column-major -> row-major copy */
static int transposed(rom_ctx *ctx, rom_int rows, rom_int cols, const double *a, double **out) {
  int err = ROM_OK;
  rom_int i, j;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(rows * cols), (void **)out));
  for (i = 0; i < rows; i++)
    for (j = 0; j < cols; j++)
      (*out)[j + i * cols] = a[i + j * rows];
cleanup:
  return err;
}

static int write_part(rom_h5 *f, const char *P, const rom_dmd *d) {
  int err = ROM_OK;
  rom_ctx *ctx = d->ctx;
  double sc[DMD_SCALARS], *T = NULL;
  char path[128];
  sc[0] = (double)d->r;
  sc[1] = (double)d->q;
  sc[2] = (double)d->m;
  sc[3] = d->dt;
  sc[4] = d->t0;
  sc[5] = d->t_end;
  sc[6] = (double)d->uniform;
  ROM_TRY(ctx, write_small(f, P, "scalars", 1, DMD_SCALARS, 0, sc));
  if (d->r == 0) goto cleanup;
  ROM_TRY(ctx, write_small(f, P, "eigenvalues", 2, d->r, 2, d->lambda));
  ROM_TRY(ctx, write_small(f, P, "omegas", 2, d->r, 2, d->omega));
  ROM_TRY(ctx, write_small(f, P, "amplitudes", 2, d->r, 2, d->amplitudes));
  snprintf(path, sizeof path, "%s/modes_real", P);
  ROM_TRY(ctx, rom_h5_write_dmat(f, path, d->phi_re));
  snprintf(path, sizeof path, "%s/modes_imag", P);
  ROM_TRY(ctx, rom_h5_write_dmat(f, path, d->phi_im));
  if (d->basis) {
    snprintf(path, sizeof path, "%s/basis", P);
    ROM_TRY(ctx, rom_h5_write_dmat(f, path, d->basis));
  }
  if (d->Atilde) {
    ROM_TRY(ctx, transposed(ctx, d->r, d->r, d->Atilde, &T));
    ROM_TRY(ctx, write_small(f, P, "operator", 2, d->r, d->r, T));
    rom_free(ctx, T);
    T = NULL;
  }
  if (d->Btilde) {
    ROM_TRY(ctx, transposed(ctx, d->r, d->q, d->Btilde, &T));
    ROM_TRY(ctx, write_small(f, P, "control_operator", 2, d->r, d->q, T));
  }
  if (d->y0) ROM_TRY(ctx, write_small(f, P, "reduced_initial", 1, d->r, 0, d->y0));
  if (d->sv && d->nsv > 0) ROM_TRY(ctx, write_small(f, P, "singular_values", 1, d->nsv, 0, d->sv));
  if (d->omega_std) ROM_TRY(ctx, write_small(f, P, "eigenvalue_std", 2, d->r, 2, d->omega_std));
cleanup:
  rom_free(ctx, T);
  return err;
}

int rom_dmd_write(const rom_dmd *d, const char *path, int overwrite) {
  int err = ROM_OK;
  rom_ctx *ctx;
  rom_h5 *f = NULL;
  rom_int k;
  char P[64];
  if (!d) return ROM_ERR_ARG;
  ctx = d->ctx;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "rom_dmd_write: the path is NULL or empty");
  ROM_TRY(ctx, rom_h5_create(ctx, path, "dmd", overwrite, &f));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "method", rom_dmd_method_name(d->method)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "windows", d->nwin));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_rows", d->N));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "rank", d->r));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "control_dim", d->q));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "snapshots", d->m));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "dt", d->dt));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "t0", d->t0));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "t_end", d->t_end));
  ROM_TRY(ctx,
          rom_h5_write_attr_string(
              f, "truncation", d->opts.truncation == ROM_POD_TRUNCATE_RANK ? "rank" : "energy"));
  ROM_TRY(ctx, rom_h5_write_attr_double(f, "energy", d->opts.energy));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "rank_option", d->opts.rank));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "window", d->opts.window));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "svd_method", rom_svd_method_name(d->opts.svd_method)));
  ROM_TRY(ctx, write_part(f, "", d));
  for (k = 0; k < d->nwin; k++) {
    snprintf(P, sizeof P, "/window_%06lld", (long long)k);
    ROM_TRY(ctx, write_part(f, P, d->win[k]));
  }
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  if (err != ROM_OK) rom_h5_abort(&f);
  return err;
}

/* A replicated array of exactly the given dims into new memory; optional ones may be
 * absent (then *out stays NULL). */
static int read_small(rom_h5 *f, const char *P, const char *name, int ndims, rom_int d0, rom_int d1,
                      int optional, double **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  char path[128];
  int nd = 0, exists = 0;
  rom_int dims[4] = {0, 0, 0, 0}, want[2];
  want[0] = d0;
  want[1] = d1;
  snprintf(path, sizeof path, "%s/%s", P, name);
  ROM_TRY(ctx, rom_h5_dataset_dims(f, path, &nd, dims, optional ? &exists : NULL));
  if (optional && !exists) goto cleanup;
  ROM_CHECK(ctx, nd == ndims && dims[0] == d0 && (ndims == 1 || dims[1] == d1), ROM_ERR_DIM,
            "file '%s': dataset '%s' is %d-D {%lld, %lld}, expected %d-D {%lld, %lld}",
            rom_h5_path(f), path, nd, (long long)dims[0], (long long)dims[1], ndims, (long long)d0,
            (long long)d1);
  ROM_TRY(ctx,
          rom_malloc(ctx, sizeof(double) * (size_t)(d0 * (ndims == 2 ? d1 : 1)), (void **)out));
  ROM_TRY(ctx, rom_h5_read_array(f, path, ndims, want, *out));
cleanup:
  return err;
}

static int read_part(rom_h5 *f, const char *P, rom_int N, rom_int local_rows, rom_dmd *d) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  double *sc = NULL, *T = NULL;
  char path[128];
  int nd = 0, exists = 0;
  rom_int dims[4] = {0, 0, 0, 0}, r, i, j;
  ROM_TRY(ctx, read_small(f, P, "scalars", 1, DMD_SCALARS, 0, 0, &sc));
  r = (rom_int)sc[0];
  d->q = (rom_int)sc[1];
  d->m = (rom_int)sc[2];
  d->dt = sc[3];
  d->t0 = sc[4];
  d->t_end = sc[5];
  d->uniform = sc[6] != 0.0;
  d->N = N;
  d->local_rows = local_rows;
  ROM_CHECK(ctx, r >= 0 && d->q >= 0 && isfinite(d->dt) && d->dt > 0.0, ROM_ERR_FORMAT,
            "file '%s': dataset '%s/scalars' holds r = %lld, q = %lld, dt = %g", rom_h5_path(f), P,
            (long long)r, (long long)d->q, d->dt);
  if (r == 0) goto cleanup;
  d->r = r;
  ROM_TRY(ctx, read_small(f, P, "eigenvalues", 2, r, 2, 0, &d->lambda));
  ROM_TRY(ctx, read_small(f, P, "omegas", 2, r, 2, 0, &d->omega));
  ROM_TRY(ctx, read_small(f, P, "amplitudes", 2, r, 2, 0, &d->amplitudes));
  snprintf(path, sizeof path, "%s/modes_real", P);
  ROM_TRY(ctx, rom_h5_read_dmat(f, path, local_rows, r, N, &d->phi_re));
  snprintf(path, sizeof path, "%s/modes_imag", P);
  ROM_TRY(ctx, rom_h5_read_dmat(f, path, local_rows, r, N, &d->phi_im));
  d->local_rows = rom_dmat_local_rows(d->phi_re);
  snprintf(path, sizeof path, "%s/basis", P);
  ROM_TRY(ctx, rom_h5_dataset_dims(f, path, &nd, dims, &exists));
  if (exists) ROM_TRY(ctx, rom_h5_read_dmat(f, path, local_rows, r, N, &d->basis));
  ROM_TRY(ctx, read_small(f, P, "operator", 2, r, r, 1, &T));
  if (T) {
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&d->Atilde));
    for (i = 0; i < r; i++)
      for (j = 0; j < r; j++)
        d->Atilde[i + j * r] = T[j + i * r];
    rom_free(ctx, T);
    T = NULL;
  }
  if (d->q > 0) {
    ROM_TRY(ctx, read_small(f, P, "control_operator", 2, r, d->q, 1, &T));
    if (T) {
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * d->q), (void **)&d->Btilde));
      for (i = 0; i < r; i++)
        for (j = 0; j < d->q; j++)
          d->Btilde[i + j * r] = T[j + i * d->q];
    }
  }
  ROM_TRY(ctx, read_small(f, P, "reduced_initial", 1, r, 0, 1, &d->y0));
  ROM_TRY(ctx, read_small(f, P, "eigenvalue_std", 2, r, 2, 1, &d->omega_std));
  snprintf(path, sizeof path, "%s/singular_values", P);
  ROM_TRY(ctx, rom_h5_dataset_dims(f, path, &nd, dims, &exists));
  if (exists && nd == 1 && dims[0] > 0) {
    ROM_TRY(ctx, read_small(f, P, "singular_values", 1, dims[0], 0, 0, &d->sv));
    d->nsv = dims[0];
  }
cleanup:
  rom_free(ctx, sc);
  rom_free(ctx, T);
  return err;
}

int rom_dmd_read(rom_ctx *ctx, const char *path, rom_int local_rows, rom_dmd **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  rom_dmd *d = NULL;
  char name[64];
  int64_t nwin = 0, N = 0;
  rom_int k;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_dmd_read: out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "rom_dmd_read: the path is NULL or empty");
  ROM_TRY(ctx, rom_h5_open(ctx, path, "dmd", &f));
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &d));
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "method", name, sizeof name, NULL));
  ROM_CHECK(ctx, rom_dmd_method_from_name(name, &d->method) == ROM_OK, ROM_ERR_FORMAT,
            "file '%s': attribute method = \"%s\" is not a DMD method", path, name);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "windows", &nwin, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_rows", &N, NULL));
  ROM_CHECK(ctx, nwin >= 0 && N >= 1, ROM_ERR_FORMAT,
            "file '%s': attributes windows = %lld, num_rows = %lld", path, (long long)nwin,
            (long long)N);
  if (local_rows == ROM_AUTO_ROWS)
    local_rows = rom_dmat_partition_even((rom_int)N, rom_ctx_rank(ctx), rom_ctx_size(ctx));
  d->opts.method = d->method;
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "truncation", name, sizeof name, NULL));
  d->opts.truncation = strcmp(name, "rank") == 0 ? ROM_POD_TRUNCATE_RANK : ROM_POD_TRUNCATE_ENERGY;
  ROM_TRY(ctx, rom_h5_read_attr_double(f, "energy", &d->opts.energy, NULL));
  {
    int64_t v = 0;
    ROM_TRY(ctx, rom_h5_read_attr_int(f, "rank_option", &v, NULL));
    d->opts.rank = (rom_int)v;
    ROM_TRY(ctx, rom_h5_read_attr_int(f, "window", &v, NULL));
    d->opts.window = (rom_int)v;
  }
  ROM_TRY(ctx, read_part(f, "", (rom_int)N, local_rows, d));
  if (nwin > 0) {
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)nwin, sizeof(rom_dmd *), (void **)&d->win));
    for (k = 0; k < nwin; k++) {
      char P[64];
      snprintf(P, sizeof P, "/window_%06lld", (long long)k);
      ROM_TRY(ctx, rom_dmd_alloc(ctx, &d->win[k]));
      d->nwin = k + 1;
      d->win[k]->method = d->method;
      d->win[k]->opts = d->opts;
      ROM_TRY(ctx, read_part(f, P, (rom_int)N, local_rows, d->win[k]));
    }
  }
  ROM_TRY(ctx, rom_h5_close(&f));
  *out = d;
  d = NULL;
cleanup:
  rom_h5_abort(&f);
  rom_dmd_destroy(&d);
  return err;
}
