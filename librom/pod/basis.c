/* The POD basis object: creation from the caller's vectors, accessors, projection
 * q = Phi^T (u - ref) and lifting u = ref + Phi q. */
#include "core/check.h"
#include "core/values.h"
#include "pod/basis_impl.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* Rows of (u - ref) formed at a time in rom_basis_project: a stack buffer keeps the
 * projection allocation-free while subtracting before the product (forming Phi^T u -
 * Phi^T ref instead would cancel catastrophically for u close to ref). */
#define BASIS_PROJECT_CHUNK 512

int rom_basis_adopt(rom_dmat **vectors, double **singular_values, rom_int r, double **reference,
                    int reference_is_mean, const rom_basis_provenance *provenance,
                    rom_basis **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(*vectors);
  rom_basis *b = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *b, (void **)&b));
  b->ctx = ctx;
  b->vectors = *vectors;
  *vectors = NULL;
  b->num_singular = r;
  if (singular_values) {
    b->singular_values = *singular_values;
    *singular_values = NULL;
  }
  if (reference) {
    b->reference = *reference;
    *reference = NULL;
  }
  b->reference_is_mean = reference_is_mean && b->reference != NULL;
  if (provenance) b->provenance = *provenance;
  *out = b;
cleanup:
  return err;
}

int rom_basis_check_singular_values(rom_ctx *ctx, const char *file, const char *dataset,
                                    const double *s, rom_int r) {
  int err = ROM_OK;
  rom_int negative = -1, rising = -1;
  ROM_TRY(ctx, rom_check_finite_array(ctx, file, dataset, 1, &r, s));
  for (rom_int i = 0; i < r && negative < 0 && rising < 0; ++i) {
    if (s[i] < 0.0)
      negative = i;
    else if (i > 0 && s[i] > s[i - 1])
      rising = i;
  }
  ROM_CHECK_ALL(ctx, negative < 0, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' holds the negative singular value %g at [%lld]", dataset,
                file, negative >= 0 ? s[negative] : 0.0, (long long)negative);
  ROM_CHECK_ALL(ctx, rising < 0, ROM_ERR_FORMAT,
                "dataset '%s' in '%s' is not in descending order: [%lld] = %.17g > [%lld] = %.17g",
                dataset, file, (long long)rising, rising >= 0 ? s[rising] : 0.0,
                (long long)(rising - 1), rising > 0 ? s[rising - 1] : 0.0);
cleanup:
  return err;
}

int rom_basis_create(const rom_dmat *vectors, const double *singular_values, rom_int r,
                     const double *reference_local, rom_basis **out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_dmat *copy = NULL;
  double *sv = NULL, *ref = NULL;
  rom_int k = 0, lr = 0;
  rom_basis_provenance prov;
  if (!vectors) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(vectors);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_basis_create: out must not be NULL");
  *out = NULL;
  k = rom_dmat_cols(vectors);
  lr = rom_dmat_local_rows(vectors);
  ROM_CHECK_ALL(ctx, k >= 1, ROM_ERR_ARG, "rom_basis_create: the basis has %lld vectors, need >= 1",
                (long long)k);
  ROM_CHECK_ALL(ctx, k <= INT_MAX && lr <= INT_MAX, ROM_ERR_UNSUPPORTED,
                "rom_basis_create: %lld local rows x %lld vectors exceed BLAS's 32-bit int",
                (long long)lr, (long long)k);
  ROM_CHECK_ALL(ctx, r >= 0 && (r == 0 || singular_values != NULL), ROM_ERR_ARG,
                "rom_basis_create: r = %lld singular values but the array is %s", (long long)r,
                singular_values ? "given" : "NULL");
  ROM_CHECK_ALL(ctx, r == 0 || r >= k, ROM_ERR_DIM,
                "rom_basis_create: %lld singular values for %lld vectors (need 0 or at least k)",
                (long long)r, (long long)k);
  {
    rom_int bad = -1;
    for (rom_int i = 0; i < r && bad < 0; ++i)
      if (!isfinite(singular_values[i]) || singular_values[i] < 0.0) bad = i;
    ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                  "rom_basis_create: singular value %lld is %g (must be finite and >= 0)",
                  (long long)bad, bad >= 0 ? singular_values[bad] : 0.0);
  }
  ROM_TRY(ctx, rom_dmat_check_finite(vectors, "basis vectors"));
  ROM_TRY(ctx, rom_dmat_create(ctx, lr, k, &copy));
  for (rom_int j = 0; j < k; ++j)
    if (lr > 0)
      memcpy(rom_dmat_data(copy) + j * rom_dmat_ld(copy),
             rom_dmat_data_const(vectors) + j * rom_dmat_ld(vectors), sizeof(double) * (size_t)lr);
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&sv));
  if (r > 0) memcpy(sv, singular_values, sizeof(double) * (size_t)r);
  if (reference_local) {
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)lr, (void **)&ref));
    if (lr > 0) memcpy(ref, reference_local, sizeof(double) * (size_t)lr);
  }
  memset(&prov, 0, sizeof prov);
  strcpy(prov.method, "user");
  strcpy(prov.truncation, "none");
  prov.energy = 0.0;
  prov.rank = 0;
  prov.center = 0;
  ROM_TRY_ALL(ctx, rom_basis_adopt(&copy, r > 0 ? &sv : NULL, r, ref ? &ref : NULL, 0, &prov, out));
cleanup:
  rom_dmat_destroy(&copy);
  rom_free(ctx, sv);
  rom_free(ctx, ref);
  return err;
}

int rom_basis_destroy(rom_basis **pb) {
  if (!pb || !*pb) return ROM_OK;
  rom_basis *b = *pb;
  rom_ctx *ctx = b->ctx;
  rom_dmat_destroy(&b->vectors);
  rom_free(ctx, b->singular_values);
  rom_free(ctx, b->reference);
  rom_free(ctx, b);
  *pb = NULL;
  return ROM_OK;
}

rom_ctx *rom_basis_ctx(const rom_basis *b) {
  return b ? b->ctx : NULL;
}
rom_int rom_basis_dim(const rom_basis *b) {
  return b ? rom_dmat_cols(b->vectors) : 0;
}
rom_int rom_basis_global_rows(const rom_basis *b) {
  return b ? rom_dmat_global_rows(b->vectors) : 0;
}
rom_int rom_basis_local_rows(const rom_basis *b) {
  return b ? rom_dmat_local_rows(b->vectors) : 0;
}
const rom_dmat *rom_basis_vectors(const rom_basis *b) {
  return b ? b->vectors : NULL;
}

const double *rom_basis_singular_values(const rom_basis *b, rom_int *r) {
  if (r) *r = b ? b->num_singular : 0;
  return b && b->num_singular > 0 ? b->singular_values : NULL;
}

const double *rom_basis_reference(const rom_basis *b) {
  return b ? b->reference : NULL;
}

double rom_basis_energy(const rom_basis *b) {
  if (!b || b->num_singular == 0) return NAN;
  double kept = 0.0, total = 0.0;
  rom_int k = rom_dmat_cols(b->vectors);
  for (rom_int i = 0; i < b->num_singular; ++i) {
    double s2 = b->singular_values[i] * b->singular_values[i];
    total += s2;
    if (i < k) kept += s2;
  }
  /* Against the Frobenius norm when the stored values miss some of it: they may be only
   * the largest ones (randomized, incremental), and their sum alone would report 1.0 for a
   * basis that misses energy. When they hold it all (an exact method: the two sums differ
   * by rounding only) their own sum, consistent with the truncation rule (an energy
   * threshold of 1 then gives exactly 1). */
  if (b->total_energy > 0.0 && total < b->total_energy * (1.0 - 1e-12)) total = b->total_energy;
  return total > 0.0 ? fmin(kept / total, 1.0) : NAN;
}

double rom_basis_total_energy(const rom_basis *b) {
  return b ? b->total_energy : 0.0;
}

const char *rom_basis_method(const rom_basis *b) {
  return b && b->provenance.method[0] ? b->provenance.method : "user";
}

int rom_basis_truncate(const rom_basis *b, rom_int k, rom_basis **out) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  rom_dmat *view = NULL;
  if (!b) return ROM_ERR_ARG;
  ctx = b->ctx;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_basis_truncate: out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, k >= 1 && k <= rom_dmat_cols(b->vectors), ROM_ERR_ARG,
                "rom_basis_truncate: k = %lld must be in 1..%lld (the basis's vectors)",
                (long long)k, (long long)rom_dmat_cols(b->vectors));
  ROM_TRY_ALL(ctx, rom_dmat_wrap(ctx, rom_dmat_local_rows(b->vectors), k, rom_dmat_data(b->vectors),
                                 rom_dmat_ld(b->vectors), &view));
  ROM_TRY(ctx, rom_basis_create(view, b->singular_values, b->num_singular, b->reference, out));
  (*out)->reference_is_mean = b->reference_is_mean;
  (*out)->provenance = b->provenance;
  (*out)->total_energy = b->total_energy;
cleanup:
  rom_dmat_destroy(&view);
  return err;
}

int rom_basis_project(const rom_basis *b, const double *u_local, double *q) {
  int err = ROM_OK;
  rom_ctx *ctx = NULL;
  const rom_dmat *V = NULL;
  rom_int k = 0, lr = 0;
  if (!b) return ROM_ERR_ARG;
  ctx = b->ctx;
  V = b->vectors;
  k = rom_dmat_cols(V);
  lr = rom_dmat_local_rows(V);
  ROM_CHECK_ALL(ctx, q != NULL && (u_local != NULL || lr == 0), ROM_ERR_ARG,
                "rom_basis_project: %s is NULL", q ? "u_local" : "q");
  memset(q, 0, sizeof(double) * (size_t)k);
  if (lr > 0 && !b->reference) {
    cblas_dgemv(CblasColMajor, CblasTrans, (int)lr, (int)k, 1.0, rom_dmat_data_const(V),
                (int)rom_dmat_ld(V), u_local, 1, 0.0, q, 1);
  } else if (lr > 0) {
    double d[BASIS_PROJECT_CHUNK];
    for (rom_int i0 = 0; i0 < lr; i0 += BASIS_PROJECT_CHUNK) {
      rom_int n = lr - i0 < BASIS_PROJECT_CHUNK ? lr - i0 : BASIS_PROJECT_CHUNK;
      for (rom_int i = 0; i < n; ++i)
        d[i] = u_local[i0 + i] - b->reference[i0 + i];
      cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)k, 1.0, rom_dmat_data_const(V) + i0,
                  (int)rom_dmat_ld(V), d, 1, 1.0, q, 1);
    }
  }
  ROM_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, q, (int)k, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx)));
cleanup:
  return err;
}

int rom_basis_lift(const rom_basis *b, const double *q, double *u_local) {
  if (!b) return ROM_ERR_ARG;
  const rom_dmat *V = b->vectors;
  rom_int lr = rom_dmat_local_rows(V);
  if (lr == 0) return ROM_OK;
  if (!q || !u_local)
    ROM_RETURN_ERROR(b->ctx, ROM_ERR_ARG, "rom_basis_lift: %s is NULL", q ? "u_local" : "q");
  if (b->reference)
    memcpy(u_local, b->reference, sizeof(double) * (size_t)lr);
  else
    memset(u_local, 0, sizeof(double) * (size_t)lr);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)lr, (int)rom_dmat_cols(V), 1.0,
              rom_dmat_data_const(V), (int)rom_dmat_ld(V), q, 1, 1.0, u_local, 1);
  return ROM_OK;
}
