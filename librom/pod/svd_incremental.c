/* The incremental driver of rom_pod_compute: incremental SVD (Brand 2002). Not implemented yet. */
#include "core/check.h"
#include "pod/svd_driver.h"

int rom_svd_incremental(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                        rom_svd_result *res) {
  (void)shift;
  (void)o;
  (void)res;
  ROM_RETURN_ERROR(rom_dmat_ctx(A), ROM_ERR_UNSUPPORTED,
                   "the 'incremental' SVD method is not implemented yet: use ROM_SVD_TSQR");
}
