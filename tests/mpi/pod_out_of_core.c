/* Out-of-core POD (rom_pod_compute_file) at 1, 2 and 4 ranks: a snapshot file written with
 * rom_snapshots_write (uneven writer partition) is decomposed under a memory budget of half
 * the matrix's bytes per rank, so it streams in several blocks:
 *  - rom_ctx_bytes_peak <= budget on every rank;
 *  - singular values to 1e-10 relative and the basis' subspace against the in-memory TSQR POD
 *    of the same file, plain and centred (two passes);
 *  - too small a budget -> ROM_ERR_NOMEM naming the bytes; missing file -> ROM_ERR_IO;
 *    explicit TSQR reads the whole matrix (over budget -> ROM_ERR_NOMEM, no budget -> OK). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const double PI = 3.14159265358979323846;

static double dst(rom_int n, rom_int i, rom_int j) {
  rom_int t = ((i + 1) * (j + 1)) % (2 * (n + 1));
  return sqrt(2.0 / (double)(n + 1)) * sin(PI * (double)t / (double)(n + 1));
}

/* Writes an N x m snapshot file of rank rk + 1: graded spectrum (1 .. 1e-4) plus a
 * row-dependent offset common to every snapshot (centring removes it). */
static void write_file(rom_ctx *ctx, const char *path, rom_int N, rom_int m, rom_int rk) {
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  rom_int lr = test_uneven_rows(N, rank, size), off = 0;
  rom_snapshots *sn = NULL;
  MPI_Exscan(&lr, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rank == 0) off = 0;
  double *a = malloc(sizeof(double) * (size_t)(lr * m + 1));
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < lr; ++i) {
      double x = 0.5 * cos(0.01 * (double)(off + i));
      for (rom_int l = 0; l < rk; ++l)
        x += dst(N, off + i, l) * pow(10.0, -4.0 * l / (double)rk) * dst(m, j, l);
      a[i + j * lr] = x;
    }
  CHECK_OK(ctx, rom_snapshots_create(ctx, lr, NULL, &sn));
  if (sn) {
    CHECK_OK(ctx, rom_snapshots_add_block(sn, m, a, lr > 0 ? lr : 1));
    CHECK_OK(ctx, rom_snapshots_write(sn, path, 1));
  }
  rom_snapshots_destroy(&sn);
  free(a);
}

/* values (relative, first n) and subspace distance max |U_ref - U (U^T U_ref)| (first n). */
static void compare(rom_ctx *ctx, const rom_basis *b, const rom_basis *ref, rom_int n,
                    double *sv_err, double *sub_err) {
  const double *s1 = rom_basis_singular_values(b, NULL), *s2 = rom_basis_singular_values(ref, NULL);
  const rom_dmat *U = rom_basis_vectors(b), *R = rom_basis_vectors(ref);
  rom_int lr = rom_dmat_local_rows(U), k = rom_basis_dim(b), ldu = rom_dmat_ld(U),
          ldr = rom_dmat_ld(R);
  double *c = malloc(sizeof(double) * (size_t)(k * rom_basis_dim(ref) + 1)), e = 0.0;
  *sv_err = 0.0;
  for (rom_int i = 0; i < n; ++i)
    *sv_err = fmax(*sv_err, fabs(s1[i] - s2[i]) / s2[i]);
  CHECK_OK(ctx, rom_dmat_transpose_times(U, R, c, k));
  for (rom_int j = 0; j < n; ++j)
    for (rom_int i = 0; i < lr; ++i) {
      double v = rom_dmat_data_const(R)[i + j * ldr];
      for (rom_int l = 0; l < k; ++l)
        v -= rom_dmat_data_const(U)[i + l * ldu] * c[l + j * k];
      e = fmax(e, fabs(v));
    }
  MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  *sub_err = e;
  free(c);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const rom_int N = 4000, m = 120, rk = 10;
  char path[512];
  test_path(ctx, "pod_out_of_core", path, sizeof path);
  write_file(ctx, path, N, m, rk);
  double matrix_bytes = 8.0 * (double)rom_dmat_partition_even(N, 0, size) * (double)m;
  double budget = 0.5 * matrix_bytes;

  for (int center = 0; center < 2; ++center) {
    rom_dmat *S = NULL;
    rom_basis *ref = NULL, *b = NULL;
    rom_pod_options o = rom_pod_options_default();
    o.truncation = ROM_POD_TRUNCATE_RANK;
    o.rank = rk;
    o.center = center;
    o.method = ROM_SVD_TSQR;
    CHECK_OK(ctx, rom_snapshots_read(ctx, path, ROM_AUTO_ROWS, &S));
    if (S) CHECK_OK(ctx, rom_pod_compute(S, &o, &ref));
    rom_dmat_destroy(&S);
    o.method = ROM_SVD_AUTO;
    o.memory_budget = budget;
    o.target_rank = rk + 1; /* the data's rank: rk, plus the offset when not centred */
    size_t before = rom_ctx_bytes_in_use(ctx);
    rom_ctx_reset_peak(ctx);
    CHECK_OK(ctx, rom_pod_compute_file(ctx, path, &o, &b));
    double used = (double)(rom_ctx_bytes_peak(ctx) - before);
    double worst = used / budget;
    MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
    CHECK(worst <= 1.0, "center %d: peak romkit memory %.0f bytes = %.3f x the budget %.0f", center,
          used, worst, budget);
    if (rank == 0 && getenv("ROMKIT_VERBOSE"))
      printf("center %d: budget %.0f (half the matrix), peak %.0f bytes (%.2f of budget)\n", center,
             budget, used, worst);
    if (b && ref) {
      CHECK(rom_basis_dim(b) == rk, "center %d: k = %lld", center, (long long)rom_basis_dim(b));
      CHECK(rom_basis_global_rows(b) == N, "basis rows %lld", (long long)rom_basis_global_rows(b));
      /* Uncentred, the offset makes s_1 ~ 250 and s_11 ~ 1e-4: streaming's round-off is
       * ~eps s_1 per value, so the trailing values are compared relative to s_1 and the
       * leading 5 (values and subspace) to 1e-10 each. */
      double se = 1, sub = 1, se5 = 1, sub5 = 1;
      compare(ctx, b, ref, rk, &se, &sub);
      compare(ctx, b, ref, 5, &se5, &sub5);
      double abs_err = 0.0, s0 = rom_basis_singular_values(ref, NULL)[0];
      for (rom_int i = 0; i < rk; ++i)
        abs_err = fmax(abs_err, fabs(rom_basis_singular_values(b, NULL)[i] -
                                     rom_basis_singular_values(ref, NULL)[i]) /
                                    s0);
      double tol5 = center ? 1e-10 : 1e-9; /* uncentred: s_1 / s_5 ~ 1e4 */
      CHECK(se5 <= tol5, "center %d: leading 5 values vs in-memory TSQR differ by %.3g (relative)",
            center, se5);
      CHECK(abs_err <= 1e-12, "center %d: values vs in-memory TSQR differ by %.3g relative to s_1",
            center, abs_err);
      CHECK(sub5 <= tol5 * 10,
            "center %d: leading 5-dim subspace vs in-memory TSQR differs by %.3g", center, sub5);
      CHECK(sub <= (center ? 1e-9 : 1e-7),
            "center %d: %lld-dim subspace vs in-memory TSQR differs by %.3g", center, (long long)rk,
            sub);
      if (rank == 0 && getenv("ROMKIT_VERBOSE"))
        printf("center %d: values rel %.3g (vs s_1 %.3g), subspace %.3g (leading 5: %.3g)\n",
               center, se, abs_err, sub, sub5);
      CHECK((rom_basis_reference(b) != NULL) == center, "center %d: mean stored", center);
      if (center && rom_basis_reference(b) && rom_basis_reference(ref)) {
        double e = 0.0;
        for (rom_int i = 0; i < rom_basis_local_rows(b); ++i)
          e = fmax(e, fabs(rom_basis_reference(b)[i] - rom_basis_reference(ref)[i]));
        CHECK(e <= 1e-14, "mean differs by %.3g", e);
      }
    }
    rom_basis_destroy(&b);
    rom_basis_destroy(&ref);
  }
  /* errors */
  {
    rom_basis *b = NULL;
    rom_pod_options o = rom_pod_options_default();
    o.truncation = ROM_POD_TRUNCATE_RANK;
    o.rank = rk;
    o.memory_budget = 1000.0;
    CHECK_ERR(ctx, rom_pod_compute_file(ctx, path, &o, &b), ROM_ERR_NOMEM);
    CHECK(strstr(rom_ctx_last_error(ctx), "1000") != NULL, "NOMEM message names the budget: %s",
          rom_ctx_last_error(ctx));
    o.memory_budget = budget;
    o.method = ROM_SVD_TSQR;
    CHECK_ERR(ctx, rom_pod_compute_file(ctx, path, &o, &b), ROM_ERR_NOMEM);
    o.memory_budget = 0.0;
    CHECK_OK(ctx, rom_pod_compute_file(ctx, path, &o, &b));
    CHECK(b && rom_basis_dim(b) == rk, "TSQR through the file: k");
    rom_basis_destroy(&b);
    o.method = ROM_SVD_AUTO;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no_such_snapshots.np%d.h5", test_dir(), size);
    CHECK_ERR(ctx, rom_pod_compute_file(ctx, missing, &o, &b), ROM_ERR_IO);
    CHECK(b == NULL, "no basis on failure");
    o.target_rank = m + 1;
    CHECK_ERR(ctx, rom_pod_compute_file(ctx, path, &o, &b), ROM_ERR_ARG);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) unlink(path);
  return test_finish(&ctx);
}
