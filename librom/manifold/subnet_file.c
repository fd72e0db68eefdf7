/* The decoder sub-network inside an HDF5 file (embedded by the hyper-reduction file,
 * docs/file-format.md). Under the group PREFIX (h5py shapes, float64 like every romkit
 * dataset, indices exact integers):
 *   PREFIX/rows {n}, shift {n}, scale {n}       kept output rows and their scaling
 *   PREFIX/blocks {nblocks, 7}                  per stacked decoder: latent offset, k,
 *                                               row offset, N, first kept row, kept rows,
 *                                               layers
 *   PREFIX/blockB/layerI/info {4}               in, out (kept units), bias (0/1),
 *                                               masked (0/1)
 *   PREFIX/blockB/layerI  attribute activation  its name ("swish", ...: the table of
 *                                               activations.h)
 *   PREFIX/blockB/layerI/units {out}            original indices of the kept outputs
 *   PREFIX/blockB/layerI/weights {out, in}      dense, row-major as nn.Linear.weight
 *   PREFIX/blockB/layerI/row_ptr, col_index, values   masked (CSR over the kept units)
 *   PREFIX/blockB/layerI/bias {out}
 * The reader checks every size against the others, the masks' patterns and the rows,
 * and names the file and dataset in its errors.
 * Files of format_version 1 (kind "hyper" before the activation registry) have info {5}
 * = in, out, activation as its rom_activation value, bias, masked, and no attribute; the
 * reader maps that value through the activation table (docs/file-format.md). */
#include "manifold/subnet_file.h"
#include "manifold/subnet_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NCOL_BLOCK 7

static int write_ints(rom_h5 *f, const char *name, rom_int n, const rom_int *v, double *buf) {
  for (rom_int i = 0; i < n; ++i)
    buf[i] = (double)v[i];
  return rom_h5_write_array(f, name, 1, &n, buf);
}

int rom_ae_subnet_write_h5(const rom_ae_subnet *s, rom_h5 *f, const char *prefix) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  double *buf = NULL;
  char ds[256];
  rom_int maxn = s->nrows + 1 + (rom_int)s->nblocks * NCOL_BLOCK;
  for (int b = 0; b < s->nblocks; ++b)
    for (int l = 0; l < s->blocks[b].nl; ++l) {
      const rom_nn_layer *L = &s->blocks[b].layers[l];
      maxn = L->out + 1 > maxn ? L->out + 1 : maxn;
      maxn = L->nweights > maxn ? L->nweights : maxn;
    }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)maxn, (void **)&buf));
  snprintf(ds, sizeof ds, "%s/rows", prefix);
  ROM_TRY(ctx, write_ints(f, ds, s->nrows, s->rows, buf));
  snprintf(ds, sizeof ds, "%s/shift", prefix);
  ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &s->nrows, s->shift));
  snprintf(ds, sizeof ds, "%s/scale", prefix);
  ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &s->nrows, s->scale));
  for (int b = 0; b < s->nblocks; ++b) {
    const rom_subnet_block *B = &s->blocks[b];
    double *row = buf + b * NCOL_BLOCK;
    row[0] = (double)B->koff, row[1] = (double)B->k, row[2] = (double)B->roff;
    row[3] = (double)B->N, row[4] = (double)B->first, row[5] = (double)B->count;
    row[6] = (double)B->nl;
  }
  {
    rom_int dims[2] = {s->nblocks, NCOL_BLOCK};
    snprintf(ds, sizeof ds, "%s/blocks", prefix);
    ROM_TRY(ctx, rom_h5_write_array(f, ds, 2, dims, buf));
  }
  for (int b = 0; b < s->nblocks; ++b) {
    const rom_subnet_block *B = &s->blocks[b];
    for (int l = 0; l < B->nl; ++l) {
      const rom_nn_layer *L = &B->layers[l];
      const double *W = B->params + L->offset;
      double info[4] = {(double)L->in, (double)L->out, (double)L->has_bias, L->mask ? 1.0 : 0.0};
      rom_int four = 4;
      snprintf(ds, sizeof ds, "%s/block%d/layer%d/info", prefix, b, l);
      ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &four, info));
      snprintf(ds, sizeof ds, "%s/block%d/layer%d", prefix, b, l);
      ROM_TRY(ctx, rom_ae_group_attr_write(f, ds, "activation", rom_activation_name(L->act), 0));
      snprintf(ds, sizeof ds, "%s/block%d/layer%d/units", prefix, b, l);
      ROM_TRY(ctx, write_ints(f, ds, L->out, B->units[l], buf));
      if (L->mask) {
        rom_int rp = L->out + 1;
        snprintf(ds, sizeof ds, "%s/block%d/layer%d/row_ptr", prefix, b, l);
        ROM_TRY(ctx, write_ints(f, ds, rp, L->mask->row_ptr, buf));
        snprintf(ds, sizeof ds, "%s/block%d/layer%d/col_index", prefix, b, l);
        ROM_TRY(ctx, write_ints(f, ds, L->nweights, L->mask->col_index, buf));
        snprintf(ds, sizeof ds, "%s/block%d/layer%d/values", prefix, b, l);
        ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &L->nweights, W));
      } else {
        rom_int dims[2] = {L->out, L->in};
        snprintf(ds, sizeof ds, "%s/block%d/layer%d/weights", prefix, b, l);
        ROM_TRY(ctx, rom_h5_write_array(f, ds, 2, dims, W));
      }
      if (L->has_bias) {
        snprintf(ds, sizeof ds, "%s/block%d/layer%d/bias", prefix, b, l);
        ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &L->out, B->params + L->bias_offset));
      }
    }
  }
cleanup:
  rom_free(ctx, buf);
  return err;
}

/* A whole 1-D dataset of exact integers in [lo, hi] into new memory (*n entries). */
static int read_index_array(rom_h5 *f, const char *name, rom_int lo, rom_int hi, rom_int *n,
                            rom_int **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  double *d = NULL;
  int nd = 0;
  rom_int dims[4] = {0, 0, 0, 0};
  *out = NULL;
  ROM_TRY(ctx, rom_h5_read_array_alloc(f, name, &nd, dims, &d));
  ROM_CHECK_ALL(ctx, nd == 1, ROM_ERR_DIM, "dataset '%s' in '%s' must be 1-D", name,
                rom_h5_path(f));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(dims[0] + 1), (void **)out));
  for (rom_int i = 0; i < dims[0]; ++i) {
    ROM_CHECK_ALL(ctx, d[i] == floor(d[i]) && d[i] >= (double)lo && d[i] <= (double)hi,
                  ROM_ERR_FORMAT,
                  "dataset '%s' in '%s': entry %lld = %.17g is not an index in "
                  "%lld..%lld",
                  name, rom_h5_path(f), (long long)i, d[i], (long long)lo, (long long)hi);
    (*out)[i] = (rom_int)d[i];
  }
  *n = dims[0];
cleanup:
  rom_free(ctx, d);
  if (err != ROM_OK) {
    rom_free(ctx, *out);
    *out = NULL;
  }
  return err;
}

static int read_layer(rom_h5 *f, const char *prefix, int b, int l, rom_subnet_block *B) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  const char *path = rom_h5_path(f);
  rom_nn_layer *L = &B->layers[l];
  char ds[256], act[64] = "";
  double info[5];
  const int legacy = rom_h5_format_version(f) < 2; /* activation as a number in info */
  rom_int ninfo = legacy ? 5 : 4, n = 0, *rp = NULL, *ci = NULL;
  snprintf(ds, sizeof ds, "%s/block%d/layer%d/info", prefix, b, l);
  ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &ninfo, info));
  if (legacy) {
    /* format_version 1: info[2] is the rom_activation value; it must name a table entry */
    ROM_CHECK_ALL(
        ctx, info[2] == floor(info[2]) && info[2] >= 0 && info[2] < rom_activation_count(),
        ROM_ERR_FORMAT,
        "dataset '%s' in '%s' = [%g %g %g %g %g]: activation %g is not a rom_activation "
        "(0..%d)",
        ds, path, info[0], info[1], info[2], info[3], info[4], info[2], rom_activation_count() - 1);
    L->act = (rom_activation)(int)info[2];
    info[2] = info[3], info[3] = info[4]; /* -> the layout of version 2 */
  } else {
    snprintf(ds, sizeof ds, "%s/block%d/layer%d", prefix, b, l);
    ROM_TRY(ctx, rom_ae_group_attr_read(f, ds, "activation", act, sizeof act, NULL));
    err = rom_activation_parse(ctx, act, &L->act);
    ROM_CHECK_ALL(ctx, err == ROM_OK, ROM_ERR_FORMAT, "'/%s' in '%s': %s", ds, path,
                  rom_ctx_last_error(ctx));
    snprintf(ds, sizeof ds, "%s/block%d/layer%d/info", prefix, b, l);
  }
  ROM_CHECK_ALL(ctx,
                info[0] >= 1 && info[1] >= 1 && info[0] == floor(info[0]) &&
                    info[1] == floor(info[1]) && info[0] < 1e15 && info[1] < 1e15 &&
                    (info[2] == 0 || info[2] == 1) && (info[3] == 0 || info[3] == 1),
                ROM_ERR_FORMAT,
                "dataset '%s' in '%s' = [%g %g %g %g] is not a layer description (in >= 1, "
                "out >= 1, bias 0/1, masked 0/1)",
                ds, path, info[0], info[1], info[2], info[3]);
  L->in = (rom_int)info[0];
  L->out = (rom_int)info[1];
  L->has_bias = info[2] != 0;
  snprintf(ds, sizeof ds, "%s/block%d/layer%d/units", prefix, b, l);
  ROM_TRY(ctx, read_index_array(f, ds, 0, (rom_int)1 << 52, &n, &B->units[l]));
  ROM_CHECK_ALL(ctx, n == L->out, ROM_ERR_DIM, "dataset '%s' in '%s' has %lld entries, not %lld",
                ds, path, (long long)n, (long long)L->out);
  if (info[3] != 0) {
    rom_int nrp = 0, nnz = 0;
    snprintf(ds, sizeof ds, "%s/block%d/layer%d/row_ptr", prefix, b, l);
    ROM_TRY(ctx, read_index_array(f, ds, 0, (rom_int)1 << 52, &nrp, &rp));
    ROM_CHECK_ALL(ctx, nrp == L->out + 1, ROM_ERR_DIM,
                  "dataset '%s' in '%s' has %lld entries, not out + 1 = %lld", ds, path,
                  (long long)nrp, (long long)(L->out + 1));
    snprintf(ds, sizeof ds, "%s/block%d/layer%d/col_index", prefix, b, l);
    ROM_TRY(ctx, read_index_array(f, ds, 0, L->in - 1, &nnz, &ci));
    ROM_CHECK_ALL(ctx, rp[L->out] == nnz, ROM_ERR_DIM,
                  "'%s/block%d/layer%d' in '%s': row_ptr ends at %lld but col_index has %lld "
                  "entries",
                  prefix, b, l, path, (long long)rp[L->out], (long long)nnz);
    err = rom_mask_from_csr(ctx, L->out, L->in, rp, ci, &L->mask);
    ROM_CHECK_ALL(ctx, err == ROM_OK, ROM_ERR_FORMAT,
                  "the mask of '%s/block%d/layer%d' in '%s' "
                  "is invalid: %s",
                  prefix, b, l, path, rom_ctx_last_error(ctx));
  }
cleanup:
  rom_free(ctx, rp);
  rom_free(ctx, ci);
  return err;
}

int rom_ae_subnet_read_h5(rom_ctx *ctx, rom_h5 *f, const char *prefix, rom_ae_subnet **out) {
  int err = ROM_OK;
  const char *path = rom_h5_path(f);
  rom_ae_subnet *s = NULL;
  rom_int *rows = NULL, nrows = 0;
  double *blocks = NULL;
  char ds[256];
  *out = NULL;
  snprintf(ds, sizeof ds, "%s/rows", prefix);
  ROM_TRY(ctx, read_index_array(f, ds, 0, (rom_int)1 << 52, &nrows, &rows));
  {
    int nd = 0;
    rom_int dims[4] = {0, 0, 0, 0};
    snprintf(ds, sizeof ds, "%s/blocks", prefix);
    ROM_TRY(ctx, rom_h5_read_array_alloc(f, ds, &nd, dims, &blocks));
    ROM_CHECK_ALL(ctx, nd == 2 && dims[1] == NCOL_BLOCK && dims[0] >= 1 && dims[0] <= 64,
                  ROM_ERR_DIM, "dataset '%s' in '%s' must be {nblocks (1..64), %d}", ds, path,
                  NCOL_BLOCK);
    ROM_TRY_ALL(ctx, rom_subnet_alloc(ctx, (int)dims[0], nrows, &s));
  }
  memcpy(s->rows, rows, sizeof(rom_int) * (size_t)nrows);
  snprintf(ds, sizeof ds, "%s/shift", prefix);
  ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &nrows, s->shift));
  snprintf(ds, sizeof ds, "%s/scale", prefix);
  ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &nrows, s->scale));
  {
    /* the decoder's output scaling, copied from its autoencoder, where it must be > 0 */
    rom_int bad = -1;
    for (rom_int i = 0; i < nrows && bad < 0; ++i)
      if (!(s->scale[i] > 0.0)) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_FORMAT,
                  "dataset '%s' in '%s' holds %g at [%lld]: an autoencoder's scaling is > 0", ds,
                  path, bad >= 0 ? s->scale[bad] : 0.0, (long long)bad);
  }
  {
    rom_int koff = 0, roff = 0, first = 0;
    for (int b = 0; b < s->nblocks; ++b) {
      rom_subnet_block *B = &s->blocks[b];
      const double *r = blocks + b * NCOL_BLOCK;
      for (int c = 0; c < NCOL_BLOCK; ++c)
        ROM_CHECK_ALL(ctx, r[c] == floor(r[c]) && r[c] >= 0 && r[c] < 1e15, ROM_ERR_FORMAT,
                      "'%s/blocks' in '%s': entry (%d, %d) = %g is not a size", prefix, path, b, c,
                      r[c]);
      B->koff = (rom_int)r[0], B->k = (rom_int)r[1], B->roff = (rom_int)r[2];
      B->N = (rom_int)r[3], B->first = (rom_int)r[4], B->count = (rom_int)r[5];
      ROM_CHECK_ALL(ctx,
                    B->koff == koff && B->roff == roff && B->first == first && B->k >= 1 &&
                        B->N >= 1 && B->first + B->count <= nrows && r[6] <= 64 &&
                        (B->count == 0) == (r[6] == 0),
                    ROM_ERR_FORMAT,
                    "'%s/blocks' in '%s': block %d (latent offset %lld, k %lld, row offset "
                    "%lld, N %lld, rows %lld..+%lld, %g layers) does not follow the blocks "
                    "before it",
                    prefix, path, b, (long long)B->koff, (long long)B->k, (long long)B->roff,
                    (long long)B->N, (long long)B->first, (long long)B->count, r[6]);
      for (rom_int i = B->first; i < B->first + B->count; ++i)
        ROM_CHECK_ALL(ctx,
                      s->rows[i] >= roff && s->rows[i] < roff + B->N &&
                          (i == 0 || s->rows[i] > s->rows[i - 1]),
                      ROM_ERR_FORMAT,
                      "'%s/rows' in '%s': row %lld (entry %lld) is not ascending inside block "
                      "%d (rows %lld..%lld)",
                      prefix, path, (long long)s->rows[i], (long long)i, b, (long long)roff,
                      (long long)(roff + B->N - 1));
      koff += B->k, roff += B->N, first += B->count;
      if (r[6] > 0) {
        ROM_TRY_ALL(ctx, rom_subnet_block_layers(ctx, B, (int)r[6]));
        for (int l = 0; l < B->nl; ++l) {
          ROM_TRY(ctx, read_layer(f, prefix, b, l, B));
          rom_int want_in = l == 0 ? B->k : B->layers[l - 1].out;
          ROM_CHECK_ALL(ctx, B->layers[l].in == want_in, ROM_ERR_DIM,
                        "'%s/block%d/layer%d' in '%s' has %lld inputs but the layer before "
                        "gives %lld",
                        prefix, b, l, path, (long long)B->layers[l].in, (long long)want_in);
        }
        ROM_CHECK_ALL(ctx, B->layers[B->nl - 1].out == B->count, ROM_ERR_DIM,
                      "'%s/block%d' in '%s' ends with %lld outputs for %lld rows", prefix, b, path,
                      (long long)B->layers[B->nl - 1].out, (long long)B->count);
        rom_subnet_block_pack(B);
        ROM_TRY_ALL(
            ctx, rom_malloc(ctx, sizeof(double) * (size_t)(B->nparams + 1), (void **)&B->params));
        for (int l = 0; l < B->nl; ++l) {
          const rom_nn_layer *L = &B->layers[l];
          if (L->mask) {
            snprintf(ds, sizeof ds, "%s/block%d/layer%d/values", prefix, b, l);
            ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &L->nweights, B->params + L->offset));
          } else {
            rom_int dims[2] = {L->out, L->in};
            snprintf(ds, sizeof ds, "%s/block%d/layer%d/weights", prefix, b, l);
            ROM_TRY(ctx, rom_h5_read_array(f, ds, 2, dims, B->params + L->offset));
          }
          if (L->has_bias) {
            snprintf(ds, sizeof ds, "%s/block%d/layer%d/bias", prefix, b, l);
            ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &L->out, B->params + L->bias_offset));
          }
        }
      }
    }
    ROM_CHECK_ALL(ctx, first == nrows, ROM_ERR_FORMAT,
                  "'%s/blocks' in '%s' covers %lld of the %lld rows", prefix, path,
                  (long long)first, (long long)nrows);
    s->outputs = roff;
  }
  ROM_TRY_ALL(ctx, rom_subnet_finish(s));
  *out = s;
  s = NULL;
cleanup:
  rom_ae_subnet_destroy(&s);
  rom_free(ctx, rows);
  rom_free(ctx, blocks);
  return err;
}
