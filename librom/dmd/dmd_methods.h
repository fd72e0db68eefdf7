/* romkit internal — the table of DMD methods (docs/design.md, "Adding a method").
 * X(enum value, name, fit function, rules, one-line description); enum order. */
#ifndef ROMKIT_DMD_METHODS_H
#define ROMKIT_DMD_METHODS_H

#include "dmd/dmd_impl.h"

#define ROM_DMD_METHOD_TABLE(X)                                                                    \
  X(ROM_DMD_EXACT, "exact", rom_dmd_fit_exact, ROM_DMD_RULE_NONUNIFORM,                            \
    "exact DMD (Tu et al. 2014); continuous-time fit on irregular time stamps")                    \
  X(ROM_DMD_DMDC, "dmdc", rom_dmd_fit_control, ROM_DMD_RULE_CONTROL,                               \
    "DMD with control, x' = A x + B u (Proctor, Brunton, Kutz 2016)")                              \
  X(ROM_DMD_OPT, "opt", rom_dmd_fit_optimized, ROM_DMD_RULE_NONUNIFORM,                            \
    "optimized DMD by variable projection, robust to noise (Askham, Kutz 2018)")                   \
  X(ROM_DMD_BOP, "bop", rom_dmd_fit_optimized, ROM_DMD_RULE_NONUNIFORM | ROM_DMD_RULE_UNCERTAINTY, \
    "bagging optimized DMD with eigenvalue uncertainty (Sashidhar, Kutz 2022)")

#define ROM_DMD_DECLARE_FIT(e, name, fn, rules, desc) int fn(const rom_dmd_data *d, rom_dmd *dmd);
ROM_DMD_METHOD_TABLE(ROM_DMD_DECLARE_FIT)
#undef ROM_DMD_DECLARE_FIT

/* The fit function of a method (NULL out of range). */
rom_dmd_fit_fn rom_dmd_method_fit(rom_dmd_method method);

#endif
