/* The decoder sub-network that feeds a set of output rows (hyper-reduction of
 * nonlinear-manifold ROMs).
 *
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), Sec. 4.2: because the
 * decoder's output layer is sparse, the rows of g(q) at the sample mesh depend on a few
 * hidden units only; keeping those units and the weights between them gives a small
 * network whose cost does not depend on N (P1: 78 rows, 1680 of 12024 hidden units).
 *
 * The units are traced backwards through the decoder layers: a masked layer needs the
 * union of its kept rows' mask columns, a dense layer needs all of its inputs, and the
 * first layer always takes the whole latent vector. The kept layers are ordinary romkit
 * layers (dense rows copied, masks re-indexed with their column order kept) evaluated by
 * rom_nn_decode_fused (decode_fused.c: value and Jacobian in one pass), the kernel
 * rom_ae_decode_jacobian uses, so every kept row is the full decoder's row bit for bit
 * (tests/mpi/manifold_rom.c checks it).
 *
 * Several autoencoders can be stacked into one trial manifold (the paper's P2 has one
 * for u and one for v): decoder b maps the latent slice [koff_b, koff_b + k_b) to the
 * output rows [roff_b, roff_b + N_b); the Jacobian is block diagonal. */
#include "manifold/subnet_impl.h"
#include "manifold/decode_fused.h"

#include <string.h>

int rom_ae_subnet_destroy(rom_ae_subnet **ps) {
  if (!ps || !*ps) return ROM_OK;
  rom_ae_subnet *s = *ps;
  rom_ctx *ctx = s->ctx;
  if (s->blocks) {
    for (int b = 0; b < s->nblocks; ++b) {
      rom_subnet_block *B = &s->blocks[b];
      for (int l = 0; l < B->nl; ++l) {
        if (B->layers) rom_mask_destroy(&B->layers[l].mask);
        if (B->units) rom_free(ctx, B->units[l]);
      }
      rom_free(ctx, B->layers);
      rom_free(ctx, B->units);
      rom_free(ctx, B->params);
    }
  }
  rom_free(ctx, s->blocks);
  rom_free(ctx, s->rows);
  rom_free(ctx, s->shift);
  rom_free(ctx, s->scale);
  rom_free(ctx, s->work);
  rom_free(ctx, s->tmp);
  rom_free(ctx, s);
  *ps = NULL;
  return ROM_OK;
}

int rom_subnet_alloc(rom_ctx *ctx, int nblocks, rom_int nrows, rom_ae_subnet **out) {
  int err = ROM_OK;
  rom_ae_subnet *s = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *s, (void **)&s));
  s->ctx = ctx;
  s->nblocks = nblocks;
  s->nrows = nrows;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)nblocks, sizeof(rom_subnet_block), (void **)&s->blocks));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(nrows + 1), sizeof(rom_int), (void **)&s->rows));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(nrows + 1), sizeof(double), (void **)&s->shift));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(nrows + 1), sizeof(double), (void **)&s->scale));
  *out = s;
  s = NULL;
cleanup:
  rom_ae_subnet_destroy(&s);
  return err;
}

int rom_subnet_finish(rom_ae_subnet *s) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int wmax = 1;
  s->latent = 0;
  s->units_kept = 0;
  s->weights_kept = 0;
  for (int b = 0; b < s->nblocks; ++b) {
    rom_subnet_block *B = &s->blocks[b];
    s->latent += B->k;
    if (B->nl == 0) continue;
    rom_int w = rom_nn_decode_fused_workspace(B->nl, B->layers, B->k);
    wmax = w > wmax ? w : wmax;
    for (int l = 0; l < B->nl; ++l) {
      if (l + 1 < B->nl) s->units_kept += B->layers[l].out;
      s->weights_kept += B->layers[l].nweights + (B->layers[l].has_bias ? B->layers[l].out : 0);
    }
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)wmax, (void **)&s->work));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(s->nrows + 1), (void **)&s->tmp));
cleanup:
  return err;
}

int rom_subnet_block_layers(rom_ctx *ctx, rom_subnet_block *B, int nl) {
  int err = ROM_OK;
  B->nl = nl;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)nl, sizeof(rom_nn_layer), (void **)&B->layers));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)nl, sizeof(rom_int *), (void **)&B->units));
cleanup:
  return err;
}

void rom_subnet_block_pack(rom_subnet_block *B) {
  rom_int off = 0;
  for (int l = 0; l < B->nl; ++l) {
    rom_nn_layer *L = &B->layers[l];
    L->nweights = L->mask ? L->mask->row_ptr[L->out] : L->out * L->in;
    L->offset = off;
    off += L->nweights;
    L->bias_offset = L->has_bias ? off : -1;
    if (L->has_bias) off += L->out;
  }
  B->nparams = off;
}

/* Block b of a new sub-network: the kept layers of ae's decoder for its local output
 * rows local_rows[0..count). */
static int extract_block(rom_ctx *ctx, rom_ae *ae, rom_int count, const rom_int *local_rows,
                         rom_subnet_block *B) {
  int err = ROM_OK;
  const int nenc = ae->nenc, nd = ae->nlayers - ae->nenc;
  const rom_nn_layer *D = ae->layers + nenc;
  rom_int **sel = NULL, *nsel = NULL, *map = NULL;
  char *mark = NULL;
  rom_int width = 0;
  for (int l = 0; l < nd; ++l)
    width = D[l].in > width ? D[l].in : width;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(nd + 1), sizeof(rom_int *), (void **)&sel));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(nd + 1), sizeof(rom_int), (void **)&nsel));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)width, (void **)&map));
  ROM_TRY(ctx, rom_malloc(ctx, (size_t)width, (void **)&mark));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(count + 1), (void **)&sel[nd]));
  memcpy(sel[nd], local_rows, sizeof(rom_int) * (size_t)count);
  nsel[nd] = count;
  /* Backwards: which inputs of layer l do its kept outputs need? */
  for (int l = nd - 1; l >= 0; --l) {
    const rom_nn_layer *L = &D[l];
    rom_int n = 0;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(L->in + 1), (void **)&sel[l]));
    if (L->mask && l > 0) {
      memset(mark, 0, (size_t)L->in);
      for (rom_int i = 0; i < nsel[l + 1]; ++i) {
        rom_int r = sel[l + 1][i];
        for (rom_int t = L->mask->row_ptr[r]; t < L->mask->row_ptr[r + 1]; ++t)
          mark[L->mask->col_index[t]] = 1;
      }
      for (rom_int j = 0; j < L->in; ++j)
        if (mark[j]) sel[l][n++] = j;
    } else {
      /* a dense layer needs all its inputs; the first layer takes the whole latent vector */
      for (rom_int j = 0; j < L->in; ++j)
        sel[l][n++] = j;
    }
    nsel[l] = n;
  }
  ROM_TRY(ctx, rom_subnet_block_layers(ctx, B, nd));
  for (int l = 0; l < nd; ++l) {
    const rom_nn_layer *L = &D[l];
    rom_nn_layer *S = &B->layers[l];
    S->in = nsel[l];
    S->out = nsel[l + 1];
    S->act = L->act;
    S->has_bias = L->has_bias;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(S->out + 1), (void **)&B->units[l]));
    memcpy(B->units[l], sel[l + 1], sizeof(rom_int) * (size_t)S->out);
    if (L->mask) {
      rom_int nnz = 0;
      for (rom_int i = 0; i < S->out; ++i) {
        rom_int r = sel[l + 1][i];
        nnz += L->mask->row_ptr[r + 1] - L->mask->row_ptr[r];
      }
      rom_mask *m = NULL;
      ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *m, (void **)&m));
      m->ctx = ctx;
      m->rows = S->out;
      m->cols = S->in;
      S->mask = m;
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(S->out + 1), (void **)&m->row_ptr));
      ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(nnz + 1), (void **)&m->col_index));
      for (rom_int j = 0; j < L->in; ++j)
        map[j] = -1;
      for (rom_int j = 0; j < nsel[l]; ++j)
        map[sel[l][j]] = j; /* monotone: the columns keep their order */
      nnz = 0;
      m->row_ptr[0] = 0;
      for (rom_int i = 0; i < S->out; ++i) {
        rom_int r = sel[l + 1][i];
        for (rom_int t = L->mask->row_ptr[r]; t < L->mask->row_ptr[r + 1]; ++t)
          m->col_index[nnz++] = map[L->mask->col_index[t]];
        m->row_ptr[i + 1] = nnz;
      }
      /* the run-length form for the fused pass's segment kernels (decode_fused.c): a run of
       * the full mask stays a run here, as its columns are all kept */
      ROM_TRY(ctx, rom_mask_segments_build(ctx, m));
    }
  }
  rom_subnet_block_pack(B);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(B->nparams + 1), (void **)&B->params));
  for (int l = 0; l < nd; ++l) {
    const rom_nn_layer *L = &D[l];
    const rom_nn_layer *S = &B->layers[l];
    const double *W = ae->params + L->offset;
    double *Ws = B->params + S->offset;
    if (L->mask) {
      rom_int t = 0;
      for (rom_int i = 0; i < S->out; ++i) {
        rom_int r = sel[l + 1][i];
        rom_int len = L->mask->row_ptr[r + 1] - L->mask->row_ptr[r];
        memcpy(Ws + t, W + L->mask->row_ptr[r], sizeof(double) * (size_t)len);
        t += len;
      }
    } else {
      for (rom_int i = 0; i < S->out; ++i)
        memcpy(Ws + i * S->in, W + sel[l + 1][i] * L->in, sizeof(double) * (size_t)L->in);
    }
    if (S->has_bias)
      for (rom_int i = 0; i < S->out; ++i)
        B->params[S->bias_offset + i] = ae->params[L->bias_offset + sel[l + 1][i]];
  }
cleanup:
  if (sel)
    for (int l = 0; l <= nd; ++l)
      rom_free(ctx, sel[l]);
  rom_free(ctx, sel);
  rom_free(ctx, nsel);
  rom_free(ctx, map);
  rom_free(ctx, mark);
  return err;
}

int rom_ae_subnet_create(int nblocks, rom_ae *const *aes, rom_int nrows, const rom_int *rows,
                         rom_ae_subnet **out) {
  int err = ROM_OK;
  if (nblocks < 1 || !aes || !aes[0]) return ROM_ERR_ARG;
  rom_ctx *ctx = aes[0]->ctx;
  rom_ae_subnet *s = NULL;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, nrows >= 0 && (nrows == 0 || rows != NULL), ROM_ERR_ARG,
            "decoder sub-network: nrows = %lld needs a row list", (long long)nrows);
  rom_int total = 0;
  for (int b = 0; b < nblocks; ++b) {
    ROM_CHECK(ctx, aes[b] != NULL, ROM_ERR_ARG, "decoder sub-network: autoencoder %d is NULL", b);
    total += rom_ae_input_dim(aes[b]);
  }
  for (rom_int i = 0; i < nrows; ++i)
    ROM_CHECK(ctx, rows[i] >= 0 && rows[i] < total && (i == 0 || rows[i] > rows[i - 1]),
              ROM_ERR_ARG,
              "decoder sub-network: rows must be ascending, distinct and in 0..%lld (row %lld "
              "is %lld)",
              (long long)(total - 1), (long long)i, (long long)rows[i]);
  ROM_TRY(ctx, rom_subnet_alloc(ctx, nblocks, nrows, &s));
  s->outputs = total;
  memcpy(s->rows, rows, sizeof(rom_int) * (size_t)nrows);
  {
    rom_int roff = 0, koff = 0, pos = 0;
    rom_int *local = NULL;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(rom_int) * (size_t)(nrows + 1), (void **)&local));
    for (int b = 0; b < nblocks && err == ROM_OK; ++b) {
      rom_ae *ae = aes[b];
      rom_subnet_block *B = &s->blocks[b];
      const rom_int N = rom_ae_input_dim(ae);
      B->koff = koff;
      B->k = rom_ae_latent_dim(ae);
      B->roff = roff;
      B->N = N;
      B->first = pos;
      while (pos < nrows && s->rows[pos] < roff + N) {
        rom_int r = s->rows[pos] - roff;
        local[pos - B->first] = r;
        s->shift[pos] = ae->shift[r];
        s->scale[pos] = ae->scale[r];
        ++pos;
      }
      B->count = pos - B->first;
      if (B->count > 0) err = extract_block(ctx, ae, B->count, local, B);
      roff += N;
      koff += B->k;
    }
    rom_free(ctx, local);
    ROM_TRY(ctx, err);
  }
  ROM_TRY(ctx, rom_subnet_finish(s));
  *out = s;
  s = NULL;
cleanup:
  rom_ae_subnet_destroy(&s);
  return err;
}

int rom_ae_subnet_decode(rom_ae_subnet *s, const double *q, double *g, double *J, rom_int ldj) {
  if (!s) return ROM_ERR_ARG;
  rom_ctx *ctx = s->ctx;
  ROM_ENSURE(ctx, q != NULL || s->latent == 0, ROM_ERR_ARG, "q must not be NULL");
  ROM_ENSURE(ctx, !J || ldj >= s->nrows, ROM_ERR_ARG, "decoder sub-network: ldj = %lld < %lld rows",
             (long long)ldj, (long long)s->nrows);
  double *a = g ? g : s->tmp;
  if (J && s->nblocks > 1)
    for (rom_int c = 0; c < s->latent; ++c)
      memset(J + c * ldj, 0, sizeof(double) * (size_t)s->nrows);
  for (int b = 0; b < s->nblocks; ++b) {
    const rom_subnet_block *B = &s->blocks[b];
    if (B->count == 0) continue;
    rom_nn_decode_fused(B->nl, B->layers, B->params, B->k, q + B->koff, a + B->first,
                        J ? J + B->first + B->koff * ldj : NULL, ldj, s->work);
    if (J)
      for (rom_int c = 0; c < B->k; ++c) {
        double *Jc = J + B->first + (B->koff + c) * ldj;
        for (rom_int i = 0; i < B->count; ++i)
          Jc[i] *= s->scale[B->first + i];
      }
  }
  if (g)
    for (rom_int i = 0; i < s->nrows; ++i)
      g[i] = s->shift[i] + s->scale[i] * a[i];
  return ROM_OK;
}

rom_ctx *rom_ae_subnet_ctx(const rom_ae_subnet *s) {
  return s ? s->ctx : NULL;
}
rom_int rom_ae_subnet_num_rows(const rom_ae_subnet *s) {
  return s ? s->nrows : 0;
}
const rom_int *rom_ae_subnet_rows(const rom_ae_subnet *s) {
  return s ? s->rows : NULL;
}
rom_int rom_ae_subnet_latent_dim(const rom_ae_subnet *s) {
  return s ? s->latent : 0;
}
rom_int rom_ae_subnet_output_dim(const rom_ae_subnet *s) {
  return s ? s->outputs : 0;
}
rom_int rom_ae_subnet_num_hidden_units(const rom_ae_subnet *s) {
  return s ? s->units_kept : 0;
}
rom_int rom_ae_subnet_num_params(const rom_ae_subnet *s) {
  return s ? s->weights_kept : 0;
}
