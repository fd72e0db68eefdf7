/* romkit internal — the table of hyper-reduction sample-selection methods.
 *
 * One line per method, in the order of the rom_hyper_method values (include/romkit/hyper.h):
 *   X(enum value, name, selection function, rules, one-line description)
 * The selection function has the signature of rom_hyper_select_fn (hyper_impl.h); its
 * prototype is generated from this line. rules are ROM_HYPER_RULE_* flags (hyper.h).
 * The library dispatches through this table (methods.c), and the CLI help, the CLI's
 * and the file reader's error messages and the Python layer read it through
 * rom_hyper_method_count/_name/_description/_rules.
 *
 * Adding a method: its selection in a new file librom/hyper/NAME.c, its enum value in
 * include/romkit/hyper.h, one line here (docs/design.md, "Adding a method"). */
#ifndef ROMKIT_HYPER_METHODS_H
#define ROMKIT_HYPER_METHODS_H

#define ROM_HYPER_METHOD_TABLE(X)                                                                  \
  X(ROM_HYPER_DEIM, "deim", rom_hyper_select_deim, ROM_HYPER_RULE_EXACT_SAMPLES,                   \
    "greedy on the interpolation residual (Chaturantabut & Sorensen 2010)")                        \
  X(ROM_HYPER_QDEIM, "qdeim", rom_hyper_select_qdeim, ROM_HYPER_RULE_EXACT_SAMPLES,                \
    "pivoted QR of Phi_r^T (Drmac & Gugercin 2016)")                                               \
  X(ROM_HYPER_GNAT, "gnat", rom_hyper_select_gnat, 0u,                                             \
    "oversampled greedy on the gappy residual (Carlberg et al. 2013)")                             \
  X(ROM_HYPER_SOPT, "sopt", rom_hyper_select_sopt, ROM_HYPER_RULE_INITIAL_SAMPLES,                 \
    "greedy S-optimality (Lauzon et al. 2022); may start from initial samples")                    \
  X(ROM_HYPER_DEIM_OS, "deim-os", rom_hyper_select_deim_os, 0u,                                    \
    "oversampled DEIM of the code of Kim et al. 2022: the first vector gets NS/NB + "              \
    "(NS mod NB) rows, each later vector NS/NB")                                                   \
  X(ROM_HYPER_QDEIM_E, "qdeim-e", rom_hyper_select_qdeim_e, 0u,                                    \
    "QDEIM, then oversampling by eigenvalue-gap points (GappyPOD+E, Peherstorfer, Drmac & "        \
    "Gugercin 2020)")

#endif
