/* romkit internal — the table of activation functions of the autoencoder.
 *
 * One line per activation, in the order of the rom_activation values
 * (include/romkit/autoencoder.h):
 *   X(enum value, name, function, one-line description)
 * The function has the type rom_activation_fn (ae_impl.h); its prototype is generated from
 * this line. rom_activation_apply dispatches through this table (activation.c); the file
 * formats store the name, and the CLI help and errors and the Python layer read the table
 * through rom_activation_count/_name/_description.
 *
 * Adding an activation: its function (value and derivative) in activation.c or a new file
 * librom/manifold/NAME.c, its enum value in include/romkit/autoencoder.h, one line here
 * (docs/design.md, "Adding a method"). */
#ifndef ROMKIT_MANIFOLD_ACTIVATIONS_H
#define ROMKIT_MANIFOLD_ACTIVATIONS_H

#define ROM_ACTIVATION_TABLE(X)                                                                    \
  X(ROM_ACT_IDENTITY, "identity", rom_activation_identity, "f(z) = z")                             \
  X(ROM_ACT_SWISH, "swish", rom_activation_swish,                                                  \
    "z * sigmoid(z) (Ramachandran et al. 2017), the paper's P1 choice")                            \
  X(ROM_ACT_SIGMOID, "sigmoid", rom_activation_sigmoid,                                            \
    "1 / (1 + exp(-z)), the paper's P2 choice")                                                    \
  X(ROM_ACT_TANH, "tanh", rom_activation_tanh, "tanh(z)")

#endif
