/* romkit internal — fields of the decoder sub-network (include/romkit/autoencoder.h),
 * shared by subnet.c and its HDF5 part subnet_file.c; other stages use subnet_file.h. */
#ifndef ROMKIT_MANIFOLD_SUBNET_IMPL_H
#define ROMKIT_MANIFOLD_SUBNET_IMPL_H

#include "io/h5.h"
#include "manifold/ae_impl.h"

/* A string (svalue != NULL) or int64 attribute `name` of the object (group or dataset) at
 * path `obj` in f; read: sbuf != NULL for a string (variable or fixed length), else an
 * integer into *ivalue; a missing attribute is ROM_ERR_FORMAT. Shared by the autoencoder
 * and sub-network files (autoencoder_file.c). Collective (metadata). */
int rom_ae_group_attr_write(rom_h5 *f, const char *obj, const char *name, const char *svalue,
                            int64_t ivalue);
int rom_ae_group_attr_read(rom_h5 *f, const char *obj, const char *name, char *sbuf, size_t slen,
                           int64_t *ivalue);

/* One stacked decoder's kept part. */
typedef struct {
  rom_int koff, k;      /* latent slice */
  rom_int roff, N;      /* output rows of the full stacked decoder */
  rom_int first, count; /* its rows in the sub-network: rows[first .. first + count) */
  int nl;               /* decoder layers (0 when count == 0) */
  rom_nn_layer *layers; /* in/out = kept units; masks re-indexed */
  rom_int **units;      /* per layer: original indices of the kept outputs */
  double *params;       /* packed as rom_ae (weights then bias per layer) */
  rom_int nparams;
} rom_subnet_block;

struct rom_ae_subnet {
  rom_ctx *ctx;
  int nblocks;
  rom_subnet_block *blocks;
  rom_int nrows, latent, outputs; /* kept rows, sum of k_b, sum of N_b */
  rom_int *rows;                  /* ascending, of the stacked output */
  double *shift, *scale;          /* output scaling at the kept rows */
  rom_int units_kept, weights_kept;
  double *work, *tmp; /* evaluation workspace (no allocation online) */
};

/* Construction helpers shared by subnet.c and subnet_file.c. */
int rom_subnet_alloc(rom_ctx *ctx, int nblocks, rom_int nrows, rom_ae_subnet **out);
int rom_subnet_block_layers(rom_ctx *ctx, rom_subnet_block *B, int nl);
void rom_subnet_block_pack(rom_subnet_block *B); /* offsets and nparams from the layers */
int rom_subnet_finish(rom_ae_subnet *s);         /* sizes, workspace */

#endif
