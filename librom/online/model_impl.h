/* romkit internal — fields of the host model (include/romkit/model.h).
 *
 * One sub-record per kind of callback. A later kind (nonlinear residual, Jacobian
 * action, residual at sampled rows for hyper-reduction) is a new sub-record plus a new
 * setter; code written against the existing setters keeps working unchanged. */
#ifndef ROMKIT_ONLINE_MODEL_IMPL_H
#define ROMKIT_ONLINE_MODEL_IMPL_H

#include "romkit/model.h"

typedef struct {
  int nterms;                       /* Qa; 0 while unset */
  rom_apply_term_fn apply;          /* y = A_q x */
  rom_coefficients_fn coefficients; /* theta(mu); may be NULL */
} rom_model_affine_operator;

typedef struct {
  int nterms;                       /* Qf; 0 while unset */
  rom_vector_term_fn term;          /* f_q */
  rom_coefficients_fn coefficients; /* phi(mu); may be NULL */
} rom_model_affine_rhs;

struct rom_model {
  rom_ctx *ctx;
  rom_int local_rows;
  int num_parameters;
  void *user; /* handed back unchanged to every callback */
  rom_model_affine_operator op;
  rom_model_affine_rhs rhs;
  rom_apply_fn apply_mass; /* NULL: identity */
};

#endif
