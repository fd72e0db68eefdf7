/* romkit internal — the table of SVD drivers behind rom_pod_compute.
 *
 * One line per method, in the order of the rom_svd_method values (include/romkit/pod.h):
 *   X(enum value, name, driver, rules, one-line description)
 * The driver has the type rom_svd_driver (svd_driver.h); its prototype is generated from
 * this line. rules are ROM_SVD_RULE_* flags (pod.h). rom_pod_compute dispatches through
 * this table (svd_methods.c); the CLI help and errors and the Python layer read it through
 * rom_svd_method_count/_name/_description/_rules.
 *
 * Adding a driver: its function in a new file librom/pod/svd_NAME.c, its enum value in
 * include/romkit/pod.h, one line here (docs/design.md, "Adding a method"). */
#ifndef ROMKIT_POD_SVD_METHODS_H
#define ROMKIT_POD_SVD_METHODS_H

#define ROM_SVD_METHOD_TABLE(X)                                                                    \
  X(ROM_SVD_AUTO, "auto", rom_svd_auto, ROM_SVD_RULE_AUTOMATIC | ROM_SVD_RULE_STREAMS,             \
    "chosen from N, m, the ranks and the memory budget")                                           \
  X(ROM_SVD_TSQR, "tsqr", rom_svd_tsqr, ROM_SVD_RULE_EXACT,                                        \
    "TSQR + SVD of the m x m R: exact, m up to a few 1000")                                        \
  X(ROM_SVD_SCALAPACK, "scalapack", rom_svd_scalapack, ROM_SVD_RULE_EXACT,                         \
    "ScaLAPACK pdgesvd on a 2-D process grid: exact, any m")                                       \
  X(ROM_SVD_RANDOMIZED, "randomized", rom_svd_randomized, ROM_SVD_RULE_TARGET_RANK,                \
    "randomized SVD for a target rank k << m")                                                     \
  X(ROM_SVD_INCREMENTAL, "incremental", rom_svd_incremental,                                       \
    ROM_SVD_RULE_TARGET_RANK | ROM_SVD_RULE_STREAMS,                                               \
    "streaming (Brand) SVD, one snapshot at a time")                                               \
  X(ROM_SVD_WIDE, "wide", rom_svd_wide, ROM_SVD_RULE_EXACT,                                        \
    "TSQR of the transpose + SVD of the N x N R: exact, for m > N, N up to a few 1000")

#endif
