/* romkit internal — the decoder sub-network inside an open HDF5 file (subnet_file.c), for
 * the hyper-reduction file (librom/hyper/hyper_file.c), which embeds it in place of the
 * state basis rows. Later stages call these instead of reading the sub-network's fields
 * (manifold/subnet_impl.h stays inside librom/manifold/). */
#ifndef ROMKIT_MANIFOLD_SUBNET_FILE_H
#define ROMKIT_MANIFOLD_SUBNET_FILE_H

#include "io/h5.h"
#include "romkit/autoencoder.h"

/* rom_ae_subnet_write_h5 - writes the sub-network as datasets under `prefix` (a group
 * path) of the open file f. Collective.
 * rom_ae_subnet_read_h5 - reads one back, checking every size and pattern and naming the
 * file and dataset in its errors. Collective. */
int rom_ae_subnet_write_h5(const rom_ae_subnet *s, rom_h5 *f, const char *prefix);
int rom_ae_subnet_read_h5(rom_ctx *ctx, rom_h5 *f, const char *prefix, rom_ae_subnet **out);

#endif
