/* The randomized driver of rom_pod_compute: randomized SVD (Halko, Martinsson, Tropp 2011). Not implemented yet. */
#include "core/check.h"
#include "pod/svd_driver.h"

int rom_svd_randomized(const rom_dmat *A, const double *shift, const rom_pod_options *o,
                       rom_svd_result *res) {
  (void)shift;
  (void)o;
  (void)res;
  ROM_RETURN_ERROR(rom_dmat_ctx(A), ROM_ERR_UNSUPPORTED,
                   "the 'randomized' SVD method is not implemented yet: use ROM_SVD_TSQR");
}
