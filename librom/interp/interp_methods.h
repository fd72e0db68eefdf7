/* romkit internal — the table of parameter interpolants (include/romkit/interp.h).
 *
 * One line per method, in the order of the rom_interp_method values:
 *   X(enum value, name, weight function, rules, one-line description)
 * The weight function has the signature of rom_interp_weights_fn (interp_impl.h); its
 * prototype is generated from this line. rules are ROM_INTERP_RULE_* flags (interp.h).
 * The library dispatches through this table (interp_methods.c); the CLI help and the
 * Python layer read it through rom_interp_method_count/_name/_description/_rules.
 *
 * Adding a method: its weight function in a new file librom/interp/NAME.c, its enum value
 * in include/romkit/interp.h, one line here (docs/design.md, "Adding a method"). A new
 * radial function is one kernel in rbf.c and one line here. */
#ifndef ROMKIT_INTERP_METHODS_H
#define ROMKIT_INTERP_METHODS_H

#define ROM_INTERP_METHOD_TABLE(X)                                                                 \
  X(ROM_INTERP_IDW, "idw", rom_interp_weights_idw, 0u,                                             \
    "inverse distance weighting, w ~ 1/d^p (Shepard 1968)")                                        \
  X(ROM_INTERP_RBF_GAUSSIAN, "rbf-gaussian", rom_interp_weights_rbf_gaussian,                      \
    ROM_INTERP_RULE_RBF | ROM_INTERP_RULE_LINEAR,                                                  \
    "radial basis functions exp(-(eps r)^2) + linear polynomial")                                  \
  X(ROM_INTERP_RBF_MULTIQUADRIC, "rbf-multiquadric", rom_interp_weights_rbf_multiquadric,          \
    ROM_INTERP_RULE_RBF | ROM_INTERP_RULE_LINEAR,                                                  \
    "radial basis functions sqrt(1 + (eps r)^2) + linear polynomial (Hardy 1971)")                 \
  X(ROM_INTERP_RBF_INVERSE_QUADRATIC, "rbf-inverse-quadratic",                                     \
    rom_interp_weights_rbf_inverse_quadratic, ROM_INTERP_RULE_RBF | ROM_INTERP_RULE_LINEAR,        \
    "radial basis functions 1/(1 + (eps r)^2) + linear polynomial")                                \
  X(ROM_INTERP_LAGRANGE, "lagrange", rom_interp_weights_lagrange,                                  \
    ROM_INTERP_RULE_LINEAR | ROM_INTERP_RULE_GRID,                                                 \
    "Lagrange polynomials, 1-D or tensor products on a grid of parameters")

#endif
