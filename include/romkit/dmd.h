/* TEMPORARY (branch dmd-opt): the parameter record of the optimized DMD fit, as
 * dmd-core's include/romkit/dmd.h defines it; replaced by that header at the merge. */
#ifndef ROMKIT_DMD_H
#define ROMKIT_DMD_H

#include <stdint.h>

typedef struct {
  int max_iter;
  double tol;
  int bags;
  int bag_size;
  uint64_t seed;
} rom_dmd_opt_params;

#endif
