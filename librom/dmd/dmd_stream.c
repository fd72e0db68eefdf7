/* romkit — streaming DMD on the incremental SVD (include/romkit/dmd.h, "Streaming DMD").
 *
 * Hemati, Williams, Rowley, "Dynamic mode decomposition for large and streaming datasets",
 * Phys. Fluids 26 (2014): keep a basis U of the snapshots seen so far and, in its
 * coordinates y = U^T x, the two small matrices A = sum_j y_{j+1} y_j^T and
 * G = sum_j y_j y_j^T; Atilde = A G^-1 is then the DMD operator of the projected data. The
 * basis here is the incremental SVD's (rom_isvd, Brand 2006), which rotates as snapshots
 * arrive: with R = U_new^T U_old (k_new x k_old), A <- R A R^T, G <- R G R^T, exact while
 * U_old's span stays inside U_new's (no truncation by max_rank). Truncating at finalize to
 * the leading r coordinates (ordered by singular value) is projected DMD on the POD basis
 * of all snapshots. */
#include "core/check.h"
#include "dmd/dmd_impl.h"
#include "romkit/isvd.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

struct rom_dmd_stream {
  rom_ctx *ctx;
  rom_dmd_options opts;
  rom_int local_rows, count, k;
  rom_isvd *isvd;
  rom_basis *basis; /* the incremental SVD's basis after the last snapshot (N x k) */
  double *A, *G;    /* k x k */
  double *yprev, *y0;
};

int rom_dmd_stream_create(rom_ctx *ctx, rom_int local_rows, rom_int max_rank,
                          const rom_dmd_options *opts, rom_dmd_stream **out) {
  int err = ROM_OK;
  rom_dmd_stream *s = NULL;
  rom_isvd_options io = rom_isvd_options_default();
  rom_dmd_options o = opts ? *opts : rom_dmd_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_dmd_stream_create: out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, o.method == ROM_DMD_EXACT && o.window == 0, ROM_ERR_ARG,
            "streaming DMD is exact DMD without windows (method \"%s\", window %lld given)",
            rom_dmd_method_name(o.method), (long long)o.window);
  ROM_CHECK(ctx, isfinite(o.dt) && o.dt > 0.0 && isfinite(o.t0), ROM_ERR_ARG,
            "streaming DMD: dt = %g must be finite and > 0, t0 = %g finite", o.dt, o.t0);
  ROM_CHECK(ctx, o.truncation != ROM_POD_TRUNCATE_ENERGY || (o.energy > 0.0 && o.energy <= 1.0),
            ROM_ERR_ARG, "DMD energy threshold %g must be in (0, 1]", o.energy);
  ROM_CHECK(ctx, o.truncation != ROM_POD_TRUNCATE_RANK || o.rank >= 1, ROM_ERR_ARG,
            "DMD rank %lld must be >= 1", (long long)o.rank);
  io.max_rank = max_rank;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(*s), (void **)&s));
  s->ctx = ctx;
  s->opts = o;
  s->local_rows = local_rows;
  ROM_TRY(ctx, rom_isvd_create(ctx, local_rows, &io, &s->isvd));
  *out = s;
  s = NULL;
cleanup:
  rom_dmd_stream_destroy(&s);
  return err;
}

rom_int rom_dmd_stream_count(const rom_dmd_stream *s) {
  return s ? s->count : 0;
}

int rom_dmd_stream_destroy(rom_dmd_stream **ps) {
  rom_dmd_stream *s;
  if (!ps || !*ps) return ROM_OK;
  s = *ps;
  rom_isvd_destroy(&s->isvd);
  rom_basis_destroy(&s->basis);
  rom_free(s->ctx, s->A);
  rom_free(s->ctx, s->G);
  rom_free(s->ctx, s->yprev);
  rom_free(s->ctx, s->y0);
  rom_free(s->ctx, s);
  *ps = NULL;
  return ROM_OK;
}

/* M (k x k) <- R M R^T with R (kn x k); M is reallocated to kn x kn. */
static int rotate_matrix(rom_ctx *ctx, rom_int kn, rom_int k, const double *R, double **M) {
  int err = ROM_OK;
  double *T = NULL, *Mn = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kn * (k > 0 ? k : 1)), sizeof(double), (void **)&T));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kn * kn), sizeof(double), (void **)&Mn));
  if (k > 0) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)kn, (int)k, (int)k, 1.0, R, (int)kn,
                *M, (int)k, 0.0, T, (int)kn);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)kn, (int)kn, (int)k, 1.0, T, (int)kn,
                R, (int)kn, 0.0, Mn, (int)kn);
  }
  rom_free(ctx, *M);
  *M = Mn;
  Mn = NULL;
cleanup:
  rom_free(ctx, T);
  rom_free(ctx, Mn);
  return err;
}

static int rotate_vector(rom_ctx *ctx, rom_int kn, rom_int k, const double *R, double **v) {
  int err = ROM_OK;
  double *vn = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)kn, sizeof(double), (void **)&vn));
  if (k > 0)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)kn, (int)k, 1.0, R, (int)kn, *v, 1, 0.0, vn, 1);
  rom_free(ctx, *v);
  *v = vn;
cleanup:
  return err;
}

int rom_dmd_stream_add(rom_dmd_stream *s, const double *x_local) {
  int err = ROM_OK;
  rom_ctx *ctx;
  rom_basis *nb = NULL;
  double *R = NULL, *y = NULL;
  rom_int kn = 0, i, j;
  if (!s) return ROM_ERR_ARG;
  ctx = s->ctx;
  ROM_TRY(ctx, rom_isvd_add(s->isvd, x_local));
  (void)rom_isvd_singular_values(s->isvd, &kn);
  if (kn > 0) {
    ROM_TRY(ctx, rom_isvd_basis(s->isvd, NULL, &nb));
    kn = rom_basis_dim(nb);
  }
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kn * (s->k > 0 ? s->k : 1)), sizeof(double), (void **)&R));
  if (kn > 0 && s->k > 0)
    ROM_TRY(ctx,
            rom_dmat_transpose_times(rom_basis_vectors(nb), rom_basis_vectors(s->basis), R, kn));
  ROM_TRY(ctx, rotate_matrix(ctx, kn, s->k, R, &s->A));
  ROM_TRY(ctx, rotate_matrix(ctx, kn, s->k, R, &s->G));
  ROM_TRY(ctx, rotate_vector(ctx, kn, s->k, R, &s->yprev));
  ROM_TRY(ctx, rotate_vector(ctx, kn, s->k, R, &s->y0));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(kn > 0 ? kn : 1), sizeof(double), (void **)&y));
  if (kn > 0) ROM_TRY(ctx, rom_basis_project(nb, x_local, y));
  if (s->count == 0) {
    memcpy(s->y0, y, sizeof(double) * (size_t)kn);
  } else {
    for (j = 0; j < kn; j++)
      for (i = 0; i < kn; i++) {
        s->A[i + j * kn] += y[i] * s->yprev[j];
        s->G[i + j * kn] += s->yprev[i] * s->yprev[j];
      }
  }
  memcpy(s->yprev, y, sizeof(double) * (size_t)kn);
  rom_basis_destroy(&s->basis);
  s->basis = nb;
  nb = NULL;
  s->k = kn;
  s->count++;
cleanup:
  rom_basis_destroy(&nb);
  rom_free(ctx, R);
  rom_free(ctx, y);
  return err;
}

int rom_dmd_stream_finalize(rom_dmd_stream *s, rom_dmd **out) {
  int err = ROM_OK;
  rom_ctx *ctx;
  rom_dmd *d = NULL;
  rom_basis *tb = NULL;
  rom_pod_options tr = rom_pod_options_default();
  double *Gr = NULL, *At = NULL;
  const double *sv;
  rom_int r = 0, k, i, j, ns = 0;
  lapack_int *ipiv = NULL, info;
  if (!s) return ROM_ERR_ARG;
  ctx = s->ctx;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_dmd_stream_finalize: out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, s->count >= 2, ROM_ERR_ARG, "DMD needs at least 2 snapshots, the stream has %lld",
            (long long)s->count);
  ROM_CHECK(ctx, s->k >= 1, ROM_ERR_ARG, "the streamed DMD snapshots are all zero");
  k = s->k;
  tr.truncation = s->opts.truncation;
  tr.energy = s->opts.energy;
  tr.rank = s->opts.rank;
  ROM_TRY(ctx, rom_isvd_basis(s->isvd, &tr, &tb));
  r = rom_basis_dim(tb);
  sv = rom_basis_singular_values(tb, &ns);
  for (i = 0; i < r; i++)
    if (!(sv[i] > 1e-12 * sv[0])) break;
  r = i;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&Gr));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&At));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)r, (void **)&ipiv));
  /* Atilde = A G^-1 on the leading r coordinates: solve G^T Atilde^T = A^T (G symmetric) */
  for (j = 0; j < r; j++)
    for (i = 0; i < r; i++) {
      Gr[i + j * r] = s->G[i + j * k];
      At[i + j * r] = s->A[j + i * k];
    }
  info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)r, (lapack_int)r, Gr, (lapack_int)r, ipiv,
                            At, (lapack_int)r);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "streaming DMD: the %lld x %lld Gram matrix of the snapshots is singular (dgesv info "
            "= %d); lower the rank",
            (long long)r, (long long)r, (int)info);
  for (j = 0; j < r; j++) /* transpose in place into Gr */
    for (i = 0; i < r; i++)
      Gr[i + j * r] = At[j + i * r];
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &d));
  d->method = ROM_DMD_EXACT;
  d->opts = s->opts;
  d->dt = s->opts.dt;
  d->t0 = s->opts.t0;
  d->m = s->count;
  d->t_end = s->opts.t0 + (double)(s->count - 1) * s->opts.dt;
  d->uniform = 1;
  ROM_TRY(ctx, rom_dmd_set_rank(d, r, s->local_rows));
  ROM_TRY(ctx, rom_dmd_from_projected(d, rom_basis_vectors(s->basis), Gr, s->y0));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)ns, (void **)&d->sv));
  memcpy(d->sv, sv, sizeof(double) * (size_t)ns);
  d->nsv = ns;
  *out = d;
  d = NULL;
cleanup:
  rom_basis_destroy(&tb);
  rom_dmd_destroy(&d);
  rom_free(ctx, Gr);
  rom_free(ctx, At);
  rom_free(ctx, ipiv);
  return err;
}
