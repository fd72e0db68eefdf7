/* Outputs (quantities of interest) of the Galerkin affine ROM: s = l^T u ~ l_0 + l^r . q.
 *
 * Offline, each output costs one projection Phi^T l (a local dgemv and one MPI_Allreduce,
 * rom_dmat_transpose_times_vector) and one dot product with u_ref; online, evaluating all
 * outputs is one dgemv with the num_outputs x k matrix of projected weights. As for the
 * reduced matrices (affine_rom.c), rank 0's numbers are broadcast so that the outputs are
 * bitwise the same on every rank, and sweeps give the same values on any rank count. */
#include "core/check.h"
#include "affine/affine_rom_impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void rom_affine_rom_free_outputs(rom_affine_rom *rom) {
  if (!rom) return;
  rom_free(rom->ctx, rom->out_L);
  rom_free(rom->ctx, rom->out_l0);
  rom_free(rom->ctx, rom->out_names);
  rom_free(rom->ctx, rom->out_w);
  rom->out_w = NULL;
  rom->out_L = NULL;
  rom->out_l0 = NULL;
  rom->out_names = NULL;
  rom->num_outputs = 0;
}

int rom_affine_rom_check_output_name(const rom_affine_rom *rom, const char *name) {
  int err = ROM_OK;
  size_t len = name ? strlen(name) : 0;
  ROM_CHECK(rom->ctx, len >= 1 && len < ROM_AFFINE_OUTPUT_NAME_MAX, ROM_ERR_ARG,
            "an output name must have 1 to %d characters (got %zu)", ROM_AFFINE_OUTPUT_NAME_MAX - 1,
            len);
  for (size_t i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)name[i];
    ROM_CHECK(rom->ctx, c >= 0x20 && c != 0x7f && c != ',', ROM_ERR_ARG,
              "output name '%s': character %zu is a ',' or a control character (the file joins "
              "the names with ',')",
              name, i);
  }
  for (int o = 0; o < rom->num_outputs; ++o)
    ROM_CHECK(rom->ctx, strcmp(rom->out_names + (size_t)o * ROM_AFFINE_OUTPUT_NAME_MAX, name) != 0,
              ROM_ERR_ARG, "the ROM already has an output named '%s'", name);
cleanup:
  return err;
}

/* Grows the three arrays by one output (copying the old ones) and fills the new row. */
int rom_affine_rom_append_output(rom_affine_rom *rom, const char *name, const double *lr,
                                 double l0) {
  int err = ROM_OK;
  rom_ctx *ctx = rom->ctx;
  const size_t no = (size_t)rom->num_outputs, k = (size_t)rom->k;
  double *L = NULL, *l0s = NULL;
  char *names = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (no + 1) * k, (void **)&L));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (no + 1), (void **)&l0s));
  ROM_TRY(ctx, rom_calloc(ctx, no + 1, ROM_AFFINE_OUTPUT_NAME_MAX, (void **)&names));
  if (no > 0) {
    memcpy(L, rom->out_L, sizeof(double) * no * k);
    memcpy(l0s, rom->out_l0, sizeof(double) * no);
    memcpy(names, rom->out_names, no * ROM_AFFINE_OUTPUT_NAME_MAX);
  }
  memcpy(L + no * k, lr, sizeof(double) * k);
  l0s[no] = l0;
  memcpy(names + no * ROM_AFFINE_OUTPUT_NAME_MAX, name, strlen(name) + 1);
  rom_free(ctx, rom->out_L);
  rom_free(ctx, rom->out_l0);
  rom_free(ctx, rom->out_names);
  rom->out_L = L;
  rom->out_l0 = l0s;
  rom->out_names = names;
  rom->num_outputs = (int)no + 1;
  L = NULL;
  l0s = NULL;
  names = NULL;
cleanup:
  rom_free(ctx, L);
  rom_free(ctx, l0s);
  rom_free(ctx, names);
  return err;
}

int rom_affine_rom_add_output(rom_affine_rom *rom, const rom_basis *basis, const char *name,
                              const double *l_local) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  double *lr = NULL;
  double l0 = 0.0;
  ROM_CHECK_ALL(ctx, basis != NULL, ROM_ERR_ARG, "basis must not be NULL");
  {
    int same = MPI_UNEQUAL;
    ROM_MPI(ctx, MPI_Comm_compare(rom_ctx_comm(ctx), rom_ctx_comm(rom_basis_ctx(basis)), &same));
    ROM_CHECK_ALL(ctx, same == MPI_IDENT || same == MPI_CONGRUENT, ROM_ERR_ARG,
                  "the ROM and the basis live on different communicators");
  }
  const rom_int L = rom_basis_local_rows(basis), k = rom->k;
  ROM_CHECK_ALL(ctx, rom_basis_dim(basis) == k, ROM_ERR_DIM,
                "output '%s': the basis has %lld vectors but the ROM has k = %lld: pass the basis "
                "the ROM was built from",
                name ? name : "", (long long)rom_basis_dim(basis), (long long)k);
  ROM_CHECK_ALL(ctx, l_local != NULL || L == 0, ROM_ERR_ARG,
                "output '%s': the weights l must not be NULL", name ? name : "");
  ROM_TRY_ALL(ctx, rom_affine_rom_check_output_name(rom, name));
  {
    rom_int bad = -1;
    for (rom_int i = 0; i < L && bad < 0; ++i)
      if (!isfinite(l_local[i])) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_NOT_FINITE,
                  "output '%s': weight l[%lld] (local row on rank %d) = %g is not finite", name,
                  (long long)bad, rom_ctx_rank(ctx), bad >= 0 ? l_local[bad] : 0.0);
  }
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k + 1), (void **)&lr));
  /* l^r = Phi^T l, replicated. */
  ROM_TRY(ctx, rom_dmat_transpose_times_vector(rom_basis_vectors(basis), l_local, lr));
  {
    const double *ref = rom_basis_reference(basis);
    double local = 0.0;
    if (ref)
      for (rom_int i = 0; i < L; ++i)
        local += l_local[i] * ref[i];
    ROM_MPI(ctx, MPI_Allreduce(&local, &l0, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
  }
  /* Rank 0's numbers everywhere, bit for bit. */
  lr[k] = l0;
  ROM_MPI(ctx, MPI_Bcast(lr, (int)(k + 1), MPI_DOUBLE, 0, rom_ctx_comm(ctx)));
  /* Keep the weights (this rank's rows) for rom_affine_rom_extend and the output bounds,
   * when the ROM was built in this process on the same partition. */
  if (rom->L_local == L && (rom->num_outputs == 0 || rom->out_w)) {
    double *w = NULL;
    const size_t no = (size_t)rom->num_outputs;
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (no + 1) * (size_t)L, (void **)&w));
    if (no > 0) memcpy(w, rom->out_w, sizeof(double) * no * (size_t)L);
    if (L > 0) memcpy(w + no * (size_t)L, l_local, sizeof(double) * (size_t)L);
    rom_free(ctx, rom->out_w);
    rom->out_w = w;
  } else {
    rom_free(ctx, rom->out_w);
    rom->out_w = NULL;
  }
  ROM_TRY_ALL(ctx, rom_affine_rom_append_output(rom, name, lr, lr[k]));
  if (rom->dual) { /* the dual table grows with the outputs (kd = 0: no output bound) */
    rom_affine_dual *d = NULL;
    const size_t no = (size_t)rom->num_outputs;
    ROM_TRY_ALL(ctx, rom_calloc(ctx, no, sizeof *d, (void **)&d));
    memcpy(d, rom->dual, sizeof *d * (no - 1));
    rom_free(ctx, rom->dual);
    rom->dual = d;
  }
cleanup:
  rom_free(ctx, lr);
  return err;
}

int rom_affine_rom_num_outputs(const rom_affine_rom *rom) {
  return rom ? rom->num_outputs : 0;
}

const char *rom_affine_rom_output_name(const rom_affine_rom *rom, int o) {
  if (!rom || o < 0 || o >= rom->num_outputs) return NULL;
  return rom->out_names + (size_t)o * ROM_AFFINE_OUTPUT_NAME_MAX;
}

int rom_affine_rom_evaluate_outputs(const rom_affine_rom *rom, const double *q, double *values) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  if (rom->num_outputs == 0) return ROM_OK;
  ROM_CHECK(rom->ctx, q != NULL && values != NULL, ROM_ERR_ARG,
            "q (%lld values) and values (%d outputs) must not be NULL", (long long)rom->k,
            rom->num_outputs);
  memcpy(values, rom->out_l0, sizeof(double) * (size_t)rom->num_outputs);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, rom->num_outputs, (int)rom->k, 1.0, rom->out_L,
              (int)rom->k, q, 1, 1.0, values, 1);
cleanup:
  return err;
}
