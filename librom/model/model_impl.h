/* romkit internal — fields of the host model (include/romkit/model.h).
 *
 * One sub-record per kind of callback. A later kind (nonlinear residual, Jacobian
 * action, residual at sampled rows for hyper-reduction) is a new sub-record plus a new
 * setter; code written against the existing setters keeps working unchanged. */
#ifndef ROMKIT_MODEL_MODEL_IMPL_H
#define ROMKIT_MODEL_MODEL_IMPL_H

#include "romkit/model.h"

typedef struct {
  int nterms;                                 /* Qa; 0 while unset */
  rom_apply_term_fn apply;                    /* y = A_q x */
  rom_apply_term_fn apply_transpose;          /* y = A_q^T x; NULL while unset */
  rom_coefficients_fn coefficients;           /* theta(mu); may be NULL */
  rom_coefficient_derivatives_fn derivatives; /* d theta / d mu; NULL: central differences */
} rom_model_affine_operator;

typedef struct {
  int nterms;                                 /* Qf; 0 while unset */
  rom_vector_term_fn term;                    /* f_q */
  rom_coefficients_fn coefficients;           /* phi(mu); may be NULL */
  rom_coefficient_derivatives_fn derivatives; /* d phi / d mu; NULL: central differences */
} rom_model_affine_rhs;

/* Nonlinear time-dependent problems du/dt = F(u, t; mu) (model.h, nonlinear section). */
typedef struct {
  rom_velocity_fn velocity;                  /* F; NULL while unset */
  rom_velocity_jacobian_fn jacobian;         /* dF/du X; may be NULL */
  rom_velocity_jacobian_csr_fn jacobian_csr; /* assembled dF/du; may be NULL */
  rom_int global_rows;                       /* sum of local_rows; 0 until first needed */
} rom_model_nonlinear;

/* F and dF/du at sampled rows (hyper-reduction's sample mesh). */
typedef struct {
  rom_stencil_fn stencil;
  rom_velocity_sampled_fn velocity;
  rom_velocity_jacobian_sampled_fn jacobian; /* may be NULL */
  rom_sample_mesh_setup_fn setup;            /* may be NULL */
} rom_model_sampled;

struct rom_model {
  rom_ctx *ctx;
  rom_int local_rows;
  int num_parameters;
  void *user; /* handed back unchanged to every callback */
  rom_model_affine_operator op;
  rom_model_affine_rhs rhs;
  rom_apply_fn apply_mass;          /* NULL: identity */
  rom_affine_solve_fn affine_solve; /* NULL: none (rom_model_set_affine_solve) */
  long affine_solves;               /* its calls so far (rom_model_affine_solve_count) */
  rom_model_nonlinear nl;
  rom_model_sampled sampled;
};

#endif
