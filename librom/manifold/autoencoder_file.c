/* The autoencoder file (kind "autoencoder", docs/file-format.md and docs/autoencoder.md).
 *
 *   root attributes   format, format_version, kind = "autoencoder", ..., input_dim,
 *                     latent_dim, num_encoder_layers, num_decoder_layers, seed, best_epoch
 *   /encoder/layerI, /decoder/layerI   one group per layer (I = 0, 1, ...), attributes
 *                     activation (string), in, out, bias (0/1), masked (0/1); datasets
 *                     weights {out, in} (dense, row-major as PyTorch's nn.Linear.weight)
 *                     or row_ptr {out + 1}, col_index {nnz}, values {nnz} (masked, CSR;
 *                     indices as float64 holding exact integers like every romkit
 *                     dataset), bias {out} when bias = 1
 *   /scaling/shift, /scaling/scale {N}   x_s = (x - shift) / scale
 *   /history/loss, val_loss, lr, seconds {epochs}   (absent if never trained)
 *
 * Written collectively (replicated data, written once), readable on any rank count and
 * by h5py. The reader checks every dimension against the layer attributes and fails
 * with a sentence naming the file and dataset. Network of Kim, Choi, Widemann, Zohdi,
 * J. Comput. Phys. 451 (2022). */
#include "core/values.h"
#include "manifold/subnet_impl.h"

#include <stdio.h>
#include <string.h>

#define KIND "autoencoder"

typedef struct {
  H5E_auto2_t func;
  void *data;
} quiet_t;
static void quiet_begin(quiet_t *q) {
  H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
static void quiet_end(const quiet_t *q) {
  H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static void group_name(const rom_ae *ae, int l, char *buf, size_t len) {
  if (l < ae->nenc)
    snprintf(buf, len, "encoder/layer%d", l);
  else
    snprintf(buf, len, "decoder/layer%d", l - ae->nenc);
}

/* Attribute `name` on the object at `obj` (a group path). Collective (metadata). */
int rom_ae_group_attr_write(rom_h5 *f, const char *obj, const char *name, const char *svalue,
                            int64_t ivalue) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  quiet_t q;
  quiet_begin(&q);
  space = H5Screate(H5S_SCALAR);
  if (svalue) {
    type = H5Tcopy(H5T_C_S1);
    if (type >= 0) H5Tset_size(type, H5T_VARIABLE), H5Tset_cset(type, H5T_CSET_UTF8);
  }
  attr = H5Acreate_by_name(rom_h5_id(f), obj, name, svalue ? type : H5T_STD_I64LE, space,
                           H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int ok = attr >= 0 && (svalue ? H5Awrite(attr, type, &svalue)
                                : H5Awrite(attr, H5T_NATIVE_INT64, &ivalue)) >= 0;
  ROM_CHECK_ALL(ctx, ok, ROM_ERR_IO, "cannot write attribute '%s' of '/%s' in '%s'", name, obj,
                rom_h5_path(f));
cleanup:
  if (attr >= 0) H5Aclose(attr);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  quiet_end(&q);
  return err;
}

/* Reads a string (sbuf != NULL) or integer attribute of a group. */
int rom_ae_group_attr_read(rom_h5 *f, const char *obj, const char *name, char *sbuf, size_t slen,
                           int64_t *ivalue) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
  char *vlen = NULL;
  quiet_t q;
  quiet_begin(&q);
  htri_t exists = H5Aexists_by_name(rom_h5_id(f), obj, name, H5P_DEFAULT);
  ROM_CHECK_ALL(ctx, exists > 0, ROM_ERR_FORMAT, "file '%s' has no attribute '%s' on '/%s'",
                rom_h5_path(f), name, obj);
  attr = H5Aopen_by_name(rom_h5_id(f), obj, name, H5P_DEFAULT, H5P_DEFAULT);
  type = attr >= 0 ? H5Aget_type(attr) : H5I_INVALID_HID;
  ROM_CHECK_ALL(ctx, type >= 0, ROM_ERR_IO, "cannot open attribute '%s' of '/%s' in '%s'", name,
                obj, rom_h5_path(f));
  {
    /* One value, or the read below would overrun its buffer (a damaged file). */
    hid_t space = H5Aget_space(attr);
    hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    ROM_CHECK_ALL(ctx, points == 1, ROM_ERR_FORMAT,
                  "attribute '%s' of '/%s' in '%s' holds %lld values, expected one", name, obj,
                  rom_h5_path(f), (long long)points);
  }
  if (sbuf) {
    ROM_CHECK_ALL(ctx, H5Tget_class(type) == H5T_STRING, ROM_ERR_FORMAT,
                  "attribute '%s' of '/%s' in '%s' is not a string", name, obj, rom_h5_path(f));
    if (H5Tis_variable_str(type) > 0) {
      ROM_CHECK_ALL(ctx, H5Aread(attr, type, &vlen) >= 0, ROM_ERR_IO,
                    "cannot read attribute '%s' of '/%s' in '%s'", name, obj, rom_h5_path(f));
      snprintf(sbuf, slen, "%s", vlen ? vlen : "");
    } else {
      size_t size = H5Tget_size(type);
      char tmp[256];
      memset(tmp, 0, sizeof(tmp));
      ROM_CHECK_ALL(ctx, size < sizeof(tmp) && H5Aread(attr, type, tmp) >= 0, ROM_ERR_IO,
                    "cannot read attribute '%s' of '/%s' in '%s'", name, obj, rom_h5_path(f));
      size_t n = strlen(tmp);
      ROM_CHECK_ALL(ctx, n < slen, ROM_ERR_FORMAT, "attribute '%s' of '/%s' in '%s' is too long",
                    name, obj, rom_h5_path(f));
      memcpy(sbuf, tmp, n + 1);
    }
  } else {
    ROM_CHECK_ALL(ctx, H5Tget_class(type) == H5T_INTEGER, ROM_ERR_FORMAT,
                  "attribute '%s' of '/%s' in '%s' is not an integer", name, obj, rom_h5_path(f));
    ROM_CHECK_ALL(ctx, H5Aread(attr, H5T_NATIVE_INT64, ivalue) >= 0, ROM_ERR_IO,
                  "cannot read attribute '%s' of '/%s' in '%s'", name, obj, rom_h5_path(f));
  }
cleanup:
  if (vlen) H5free_memory(vlen);
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  quiet_end(&q);
  return err;
}

static int write_ints(rom_h5 *f, const char *name, rom_int n, const rom_int *v, double *buf) {
  for (rom_int i = 0; i < n; ++i)
    buf[i] = (double)v[i];
  return rom_h5_write_array(f, name, 1, &n, buf);
}

int rom_ae_write_contents(rom_ae *ae, rom_h5 *f) {
  int err = ROM_OK;
  rom_ctx *ctx = ae->ctx;
  double *buf = NULL;
  char g[64], ds[96];
  rom_int N = rom_ae_input_dim(ae), maxn = N + 1;
  for (int l = 0; l < ae->nlayers; ++l)
    if (ae->layers[l].mask) {
      rom_int a = rom_mask_nnz(ae->layers[l].mask), b = ae->layers[l].out + 1;
      maxn = a > maxn ? a : maxn;
      maxn = b > maxn ? b : maxn;
    }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)maxn, (void **)&buf));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "input_dim", N));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "latent_dim", rom_ae_latent_dim(ae)));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_encoder_layers", ae->nenc));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_decoder_layers", ae->nlayers - ae->nenc));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "seed", (int64_t)ae->seed));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "best_epoch", ae->best_epoch));
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    const double *W = ae->params + L->offset;
    group_name(ae, l, g, sizeof(g));
    if (L->mask) {
      rom_int nnz = rom_mask_nnz(L->mask);
      snprintf(ds, sizeof(ds), "%s/row_ptr", g);
      ROM_TRY(ctx, write_ints(f, ds, L->out + 1, L->mask->row_ptr, buf));
      snprintf(ds, sizeof(ds), "%s/col_index", g);
      ROM_TRY(ctx, write_ints(f, ds, nnz, L->mask->col_index, buf));
      snprintf(ds, sizeof(ds), "%s/values", g);
      ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &nnz, W));
    } else {
      rom_int dims[2] = {L->out, L->in};
      snprintf(ds, sizeof(ds), "%s/weights", g);
      ROM_TRY(ctx, rom_h5_write_array(f, ds, 2, dims, W));
    }
    if (L->has_bias) {
      snprintf(ds, sizeof(ds), "%s/bias", g);
      ROM_TRY(ctx, rom_h5_write_array(f, ds, 1, &L->out, ae->params + L->bias_offset));
    }
    ROM_TRY(ctx, rom_ae_group_attr_write(f, g, "activation", rom_activation_name(L->act), 0));
    ROM_TRY(ctx, rom_ae_group_attr_write(f, g, "in", NULL, L->in));
    ROM_TRY(ctx, rom_ae_group_attr_write(f, g, "out", NULL, L->out));
    ROM_TRY(ctx, rom_ae_group_attr_write(f, g, "bias", NULL, L->has_bias));
    ROM_TRY(ctx, rom_ae_group_attr_write(f, g, "masked", NULL, L->mask ? 1 : 0));
  }
  ROM_TRY(ctx, rom_h5_write_array(f, "scaling/shift", 1, &N, ae->shift));
  ROM_TRY(ctx, rom_h5_write_array(f, "scaling/scale", 1, &N, ae->scale));
  if (ae->hist_len > 0) {
    ROM_TRY(ctx, rom_h5_write_array(f, "history/loss", 1, &ae->hist_len, ae->hist_loss));
    ROM_TRY(ctx, rom_h5_write_array(f, "history/val_loss", 1, &ae->hist_len, ae->hist_val));
    ROM_TRY(ctx, rom_h5_write_array(f, "history/lr", 1, &ae->hist_len, ae->hist_lr));
    ROM_TRY(ctx, rom_h5_write_array(f, "history/seconds", 1, &ae->hist_len, ae->hist_sec));
  }
cleanup:
  rom_free(ctx, buf);
  return err;
}

int rom_ae_write(rom_ae *ae, const char *path, int overwrite) {
  int err = ROM_OK;
  rom_ctx *ctx = ae ? ae->ctx : NULL;
  rom_h5 *f = NULL;
  ROM_CHECK(ctx, ae && path, ROM_ERR_ARG, "autoencoder and path are required");
  ROM_TRY(ctx, rom_h5_create(ctx, path, KIND, overwrite, &f));
  ROM_TRY(ctx, rom_ae_write_contents(ae, f));
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  return err;
}

/* Reads a {n} float64 dataset of exact integers into v. */
static int read_ints(rom_h5 *f, const char *name, rom_int n, rom_int *v, double *buf) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  ROM_TRY(ctx, rom_h5_read_array(f, name, 1, &n, buf));
  for (rom_int i = 0; i < n; ++i) {
    ROM_CHECK_ALL(ctx, buf[i] == (double)(rom_int)buf[i], ROM_ERR_FORMAT,
                  "dataset '%s' in '%s' holds %g at %lld, not an integer index", name,
                  rom_h5_path(f), buf[i], (long long)i);
    v[i] = (rom_int)buf[i];
  }
cleanup:
  return err;
}

#define MAX_LAYERS 64

int rom_ae_read(rom_ctx *ctx, const char *path, rom_ae **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  rom_ae *ae = NULL;
  rom_layer_spec specs[MAX_LAYERS];
  rom_mask *masks[MAX_LAYERS];
  rom_int *rp = NULL, *ci = NULL;
  double *buf = NULL, *hist = NULL;
  int64_t nenc = 0, ndec = 0, seed = 0, best = -1, N = 0, k = 0;
  char g[64], ds[96], act[64];
  memset(masks, 0, sizeof(masks));
  ROM_CHECK(ctx, out && path, ROM_ERR_ARG, "path and output pointer are required");
  *out = NULL;
  ROM_TRY(ctx, rom_h5_open(ctx, path, KIND, &f));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_encoder_layers", &nenc, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_decoder_layers", &ndec, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "input_dim", &N, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "latent_dim", &k, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "seed", &seed, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "best_epoch", &best, NULL));
  ROM_CHECK_ALL(ctx, nenc >= 1 && ndec >= 1 && nenc + ndec <= MAX_LAYERS, ROM_ERR_FORMAT,
                "file '%s' has %lld encoder and %lld decoder layers (1.. each, %d in all)", path,
                (long long)nenc, (long long)ndec, MAX_LAYERS);
  rom_ae tmp; /* only for group_name */
  tmp.nenc = (int)nenc;
  for (int l = 0; l < (int)(nenc + ndec); ++l) {
    int64_t in = 0, o = 0, bias = 0, masked = 0;
    group_name(&tmp, l, g, sizeof(g));
    ROM_TRY(ctx, rom_ae_group_attr_read(f, g, "activation", act, sizeof(act), NULL));
    ROM_TRY(ctx, rom_ae_group_attr_read(f, g, "in", NULL, 0, &in));
    ROM_TRY(ctx, rom_ae_group_attr_read(f, g, "out", NULL, 0, &o));
    ROM_TRY(ctx, rom_ae_group_attr_read(f, g, "bias", NULL, 0, &bias));
    ROM_TRY(ctx, rom_ae_group_attr_read(f, g, "masked", NULL, 0, &masked));
    ROM_CHECK_ALL(ctx, in >= 1 && o >= 1, ROM_ERR_FORMAT,
                  "'/%s' in '%s' has sizes in = %lld, out = %lld", g, path, (long long)in,
                  (long long)o);
    {
      /* The sizes must be those of the stored arrays (rom_h5_dataset_dims has checked
       * that those are stored in full), so that a damaged or hostile in/out never sizes
       * an allocation or overflows in * out: dense weights {out, in}, a mask's row_ptr
       * {out + 1}. */
      int nd = 0;
      rom_int dims[4] = {0, 0, 0, 0};
      snprintf(ds, sizeof(ds), masked ? "%s/row_ptr" : "%s/weights", g);
      ROM_TRY(ctx, rom_h5_dataset_dims(f, ds, &nd, dims, NULL));
      int fits =
          masked ? (nd == 1 && dims[0] - 1 == o) : (nd == 2 && dims[0] == o && dims[1] == in);
      ROM_CHECK_ALL(ctx, fits, ROM_ERR_DIM,
                    "'/%s' in '%s' has sizes in = %lld, out = %lld, but its dataset '%s' has %d "
                    "dims {%lld, %lld}",
                    g, path, (long long)in, (long long)o, ds, nd, (long long)dims[0],
                    (long long)dims[1]);
    }
    specs[l].in = in;
    specs[l].out = o;
    specs[l].bias = bias != 0;
    specs[l].mask = NULL;
    err = rom_activation_parse(ctx, act, &specs[l].activation);
    ROM_CHECK_ALL(ctx, err == ROM_OK, ROM_ERR_FORMAT, "'/%s' in '%s' has unknown activation '%s'",
                  g, path, act);
    if (masked) {
      int nd = 0;
      rom_int dims[4];
      snprintf(ds, sizeof(ds), "%s/col_index", g);
      ROM_TRY(ctx, rom_h5_dataset_dims(f, ds, &nd, dims, NULL));
      ROM_CHECK_ALL(ctx, nd == 1, ROM_ERR_DIM, "dataset '%s' in '%s' must be 1-D", ds, path);
      rom_int nnz = dims[0], nbuf = nnz > o + 1 ? nnz : o + 1;
      ROM_TRY_ALL(ctx, rom_malloc_n(ctx, nbuf, 1, sizeof(double), (void **)&buf));
      ROM_TRY_ALL(ctx, rom_malloc_n(ctx, o + 1, 1, sizeof(rom_int), (void **)&rp));
      ROM_TRY_ALL(ctx, rom_malloc_n(ctx, nnz > 0 ? nnz : 1, 1, sizeof(rom_int), (void **)&ci));
      snprintf(ds, sizeof(ds), "%s/row_ptr", g);
      ROM_TRY(ctx, read_ints(f, ds, o + 1, rp, buf));
      snprintf(ds, sizeof(ds), "%s/col_index", g);
      ROM_TRY(ctx, read_ints(f, ds, nnz, ci, buf));
      ROM_CHECK_ALL(ctx, rp[o] == nnz, ROM_ERR_DIM,
                    "'/%s' in '%s': row_ptr ends at %lld but col_index has %lld entries", g, path,
                    (long long)rp[o], (long long)nnz);
      err = rom_mask_from_csr(ctx, o, in, rp, ci, &masks[l]);
      ROM_CHECK_ALL(ctx, err == ROM_OK, ROM_ERR_FORMAT, "the mask of '/%s' in '%s' is invalid: %s",
                    g, path, rom_ctx_last_error(ctx));
      specs[l].mask = masks[l];
      rom_free(ctx, buf), buf = NULL;
      rom_free(ctx, rp), rp = NULL;
      rom_free(ctx, ci), ci = NULL;
    }
  }
  err = rom_ae_create(ctx, (int)nenc, specs, (int)ndec, specs + nenc, (uint64_t)seed, &ae);
  ROM_CHECK_ALL(ctx, err == ROM_OK, err == ROM_ERR_NOMEM ? ROM_ERR_NOMEM : ROM_ERR_DIM,
                "the layers in '%s' do not form an autoencoder: %s", path, rom_ctx_last_error(ctx));
  ROM_CHECK_ALL(ctx, rom_ae_input_dim(ae) == N && rom_ae_latent_dim(ae) == k, ROM_ERR_DIM,
                "file '%s' says input_dim %lld, latent_dim %lld but its layers give %lld, %lld",
                path, (long long)N, (long long)k, (long long)rom_ae_input_dim(ae),
                (long long)rom_ae_latent_dim(ae));
  ae->best_epoch = best;
  for (int l = 0; l < ae->nlayers; ++l) {
    const rom_nn_layer *L = &ae->layers[l];
    group_name(ae, l, g, sizeof(g));
    if (L->mask) {
      snprintf(ds, sizeof(ds), "%s/values", g);
      ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &L->nweights, ae->params + L->offset));
    } else {
      rom_int dims[2] = {L->out, L->in};
      snprintf(ds, sizeof(ds), "%s/weights", g);
      ROM_TRY(ctx, rom_h5_read_array(f, ds, 2, dims, ae->params + L->offset));
    }
    if (L->has_bias) {
      snprintf(ds, sizeof(ds), "%s/bias", g);
      ROM_TRY(ctx, rom_h5_read_array(f, ds, 1, &L->out, ae->params + L->bias_offset));
    }
  }
  {
    rom_int n = (rom_int)N;
    ROM_TRY(ctx, rom_h5_read_array(f, "scaling/shift", 1, &n, ae->shift));
    ROM_TRY(ctx, rom_h5_read_array(f, "scaling/scale", 1, &n, ae->scale));
    /* the encoder divides by the scale (x_s = (x - shift) / scale): it must be > 0, as
     * rom_ae_set_scaling requires (finiteness was checked by the read) */
    rom_int bad = -1;
    for (rom_int i = 0; i < n && bad < 0; ++i)
      if (!(ae->scale[i] > 0.0)) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_FORMAT,
                  "dataset 'scaling/scale' in '%s' holds %g at [%lld]: the input scaling divides "
                  "by it, so it must be > 0",
                  path, bad >= 0 ? ae->scale[bad] : 0.0, (long long)bad);
  }
  {
    int nd = 0, exists = 0;
    rom_int dims[4];
    ROM_TRY(ctx, rom_h5_dataset_dims(f, "history/loss", &nd, dims, &exists));
    if (exists) {
      ROM_CHECK_ALL(ctx, nd == 1, ROM_ERR_DIM, "dataset 'history/loss' in '%s' must be 1-D", path);
      rom_int n = dims[0];
      ROM_TRY_ALL(ctx, rom_malloc_n(ctx, 4, n + 1, sizeof(double), (void **)&hist));
      ROM_TRY(ctx, rom_h5_read_array(f, "history/loss", 1, &n, hist));
      ROM_TRY(ctx, rom_h5_read_array(f, "history/val_loss", 1, &n, hist + n));
      ROM_TRY(ctx, rom_h5_read_array(f, "history/lr", 1, &n, hist + 2 * n));
      ROM_TRY(ctx, rom_h5_read_array(f, "history/seconds", 1, &n, hist + 3 * n));
      for (rom_int e = 0; e < n; ++e)
        ROM_TRY(ctx,
                rom_ae_history_push(ae, hist[e], hist[n + e], hist[2 * n + e], hist[3 * n + e]));
    }
  }
  ROM_TRY(ctx, rom_h5_close(&f));
  *out = ae;
  ae = NULL;
cleanup:
  rom_h5_abort(&f);
  rom_ae_destroy(&ae);
  for (int l = 0; l < MAX_LAYERS; ++l)
    rom_mask_destroy(&masks[l]);
  rom_free(ctx, rp);
  rom_free(ctx, ci);
  rom_free(ctx, buf);
  rom_free(ctx, hist);
  return err;
}
