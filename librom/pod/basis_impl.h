/* romkit internal — fields of the POD basis, shared by basis.c, pod.c and basis_file.c. */
#ifndef ROMKIT_POD_BASIS_IMPL_H
#define ROMKIT_POD_BASIS_IMPL_H

#include "romkit/pod.h"

/* How the basis was made; written as root attributes of the basis file. */
typedef struct {
  char method[16];               /* "tsqr" for rom_pod_compute, "user" for rom_basis_create */
  char truncation[16];           /* "energy", "rank" or "none" */
  double energy;                 /* the energy option (used when truncation is "energy") */
  rom_int rank;                  /* the rank option in memory; the file stores k (file-format.md) */
  int center;                    /* 1 if the snapshot mean was subtracted (reference is the mean) */
  int has_discarded_bound;       /* 1: written as the attribute discarded_energy_bound */
  double discarded_energy_bound; /* incremental: a-posteriori bound on the energy the
                                    updates discarded (svd_incremental.c) */
} rom_basis_provenance;

struct rom_basis {
  rom_ctx *ctx;
  rom_dmat *vectors;       /* N x k, owned */
  double *singular_values; /* r values, descending; NULL if r == 0 */
  rom_int num_singular;    /* r */
  double *reference;       /* local rows, NULL if none */
  int reference_is_mean;   /* written as /mean instead of /reference */
  double total_energy;     /* ||S - shift 1^T||_F^2 of the snapshots the basis came from (the
                              sum of ALL squared singular values, also those not computed);
                              0: unknown (user bases, old files) */
  rom_basis_provenance provenance;
};

/* rom_basis_adopt - a basis that takes ownership of *vectors, *singular_values and
 * *reference (all allocated on the vectors' context with rom_malloc; the last two may be
 * NULL) and sets the caller's pointers to NULL. Never fails after the struct is
 * allocated; on failure the caller still owns its pointers. Not collective. */
int rom_basis_adopt(rom_dmat **vectors, double **singular_values, rom_int r, double **reference,
                    int reference_is_mean, const rom_basis_provenance *provenance, rom_basis **out);

/* rom_basis_check_singular_values - the r singular values read from `dataset` of `file`
 * are what the format promises (docs/file-format.md: every value computed, descending):
 * finite (ROM_ERR_NOT_FINITE), >= 0 and non-increasing (ROM_ERR_FORMAT), the message
 * naming the file, the dataset and the index. A negative or unsorted value would give a
 * wrong energy fraction and truncation without any error. Collective. */
int rom_basis_check_singular_values(rom_ctx *ctx, const char *file, const char *dataset,
                                    const double *s, rom_int r);

#endif
