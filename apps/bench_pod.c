/* romkit bench pod — POD of an N x m matrix with a known spectrum, beside serial LAPACK.
 *
 * The matrix is built without any SVD or QR, on any partition:
 *   A = U diag(s) V^T,  s_i = 10^(-8 i / m)  (i = 0..m-1, so s_0 = 1, s_{m-1} = 10^(-8 (m-1)/m)),
 *   U = the first m columns of the orthonormal DST-I matrix of size N,
 *       u_j(i) = sqrt(2 / (N + 1)) sin(pi (i + 1)(j + 1) / (N + 1)),
 *   V = the orthonormal DST-I matrix of size m (same formula with m).
 * The sine argument is reduced exactly in integers ((i+1)(j+1) mod 2(N+1)), so every rank
 * computes the same entries for its global rows.
 *
 * Measured at the current rank count, median of --repeat runs, MPI_Barrier before each:
 * romkit's TSQR POD of all m modes (time = slowest rank), romkit's tracked peak bytes
 * and the process peak RSS (max over ranks), the singular-value errors and ||U^T U - I||;
 * then on rank 0, in the same run, serial LAPACK on the gathered matrix:
 *   (a) dgeqrf + dgesdd(R) + dormqr: the same work as TSQR POD on one rank;
 *   (b) dgesdd (jobz = 'S') directly on the N x m matrix. */
#define _POSIX_C_SOURCE 200809L /* nanosleep, getrusage */
#include "bench_common.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Published in docs/problems.md for N = 20000, m = 200 (libROM 2.x StaticSVD,
 * ScaLAPACK); libROM is not installed here, so these are quoted, not measured. */
#define LIBROM_STATIC_SVD_1RANK_S 1.96
#define LIBROM_STATIC_SVD_2RANK_S 1.35
#define LIBROM_STATIC_SVD_1RANK_MIB 238.0

static const char *const bench_pod_help =
    "usage: [mpirun -n P] romkit bench pod [--rows N] [--cols m] [--repeat R] [--json]\n\n"
    "POD (TSQR) of A = U diag(s) V^T, s_i = 10^(-8 i/m) (i = 0..m-1), U and V orthonormal\n"
    "discrete sine transform vectors, all m modes; median of R runs at the current rank count,\n"
    "beside serial LAPACK on rank 0 in the same run ((a) dgeqrf + dgesdd(R) + dormqr,\n"
    "(b) dgesdd jobz='S' on the whole matrix). Set OPENBLAS_NUM_THREADS=1.\n\n"
    "options:\n"
    "  --rows N     global rows (default 20000)\n"
    "  --cols m     columns = snapshots (default 200)\n"
    "  --repeat R   repetitions, the median is reported (default 5)\n"
    "  --json       one JSON object on stdout instead of the table\n";

int bench_pod(rom_ctx *ctx, int argc, char **argv) {
  rom_int N = 20000, m = 200, repeat = 5;
  const int json = cli_json_mode(); /* --json: a global option (apps/cli.h) */
  int rc = CLI_EXIT_OK, err = ROM_OK;
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  MPI_Comm comm = rom_ctx_comm(ctx);
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", bench_pod_help);
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    rom_int *target = NULL;
    if (!strcmp(argv[i], "--rows"))
      target = &N;
    else if (!strcmp(argv[i], "--cols"))
      target = &m;
    else if (!strcmp(argv[i], "--repeat"))
      target = &repeat;
    else
      return cli_usage_error(ctx, "bench pod", "unknown option '%s'", argv[i]);
    if (i + 1 >= argc || cli_parse_int(argv[i + 1], target) != 0 || *target < 1)
      return cli_usage_error(ctx, "bench pod", "%s needs a whole number >= 1", argv[i]);
    ++i;
  }
  if (m > N)
    return cli_usage_error(ctx, "bench pod", "--cols %lld exceeds --rows %lld", (long long)m,
                           (long long)N);
  if (N * m > 400000000LL)
    return cli_usage_error(ctx, "bench pod",
                           "N x m = %lld is too large for the gathered LAPACK reference",
                           (long long)(N * m));

  double *s = malloc(sizeof(double) * (size_t)m), *times = malloc(sizeof(double) * (size_t)repeat);
  double *gram = malloc(sizeof(double) * (size_t)(m * m));
  double *gathered = NULL;
  rom_dmat *A = NULL;
  rom_basis *basis = NULL;
  if (!s || !times || !gram) {
    free(s), free(times), free(gram);
    return cli_usage_error(ctx, "bench pod", "out of memory for %lld columns", (long long)m);
  }
  for (rom_int i = 0; i < m; ++i)
    s[i] = pow(10.0, -8.0 * (double)i / (double)m);
  if ((err = rom_known_spectrum_matrix(
           ctx, rom_dmat_partition_even(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)), m, s, m, &A)) !=
      ROM_OK) {
    rc = cli_fail(ctx, "bench pod", err);
    goto done;
  }

  rom_pod_options opts = rom_pod_options_default();
  opts.truncation = ROM_POD_TRUNCATE_RANK;
  opts.rank = m;
  size_t in_use = rom_ctx_bytes_in_use(ctx), peak = 0;
  for (rom_int rep = 0; rep < repeat; ++rep) {
    rom_basis_destroy(&basis);
    MPI_Barrier(comm);
    rom_ctx_reset_peak(ctx);
    double t0 = MPI_Wtime();
    err = rom_pod_compute(A, &opts, &basis);
    double dt = MPI_Wtime() - t0;
    if (err != ROM_OK) {
      rc = cli_fail(ctx, "bench pod", err);
      goto done;
    }
    MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm);
    times[rep] = dt;
    if (rom_ctx_bytes_peak(ctx) > peak) peak = rom_ctx_bytes_peak(ctx);
  }
  double t_romkit = bench_median(times, (int)repeat);

  /* memory: romkit's tracked peak beyond the input (max over ranks), in MiB and in units of
   * the largest local snapshot block; and the process peak RSS. */
  double extra = (double)(peak - in_use), block = 8.0 * (double)rom_dmat_local_rows(A) * (double)m;
  double extra_blocks = block > 0 ? extra / block : 0.0, peak_total = (double)peak;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double rss = (double)usage.ru_maxrss * 1024.0;
  {
    double v[4] = {extra, extra_blocks, peak_total, rss};
    MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_DOUBLE, MPI_MAX, comm);
    extra = v[0], extra_blocks = v[1], peak_total = v[2], rss = v[3];
  }

  /* accuracy */
  rom_int r = 0;
  const double *sv = rom_basis_singular_values(basis, &r);
  double err_lead = 0.0, err_all = 0.0, orth = 0.0;
  for (rom_int i = 0; i < r && i < m; ++i) {
    double e = fabs(sv[i] - s[i]) / s[i];
    if (i < 20) err_lead = fmax(err_lead, e);
    err_all = fmax(err_all, e);
  }
  if ((err = rom_dmat_transpose_times(rom_basis_vectors(basis), rom_basis_vectors(basis), gram,
                                      m)) != ROM_OK) {
    rc = cli_fail(ctx, "bench pod", err);
    goto done;
  }
  for (rom_int j = 0; j < m; ++j)
    for (rom_int i = 0; i < m; ++i)
      orth = fmax(orth, fabs(gram[i + j * m] - (i == j ? 1.0 : 0.0)));
  rom_basis_destroy(&basis);

  /* serial LAPACK on rank 0, same run */
  double t_lapack_qr = NAN, t_lapack_sdd = NAN;
  int lapack_ok = 1;
  if (rank == 0) gathered = malloc(sizeof(double) * (size_t)(N * m));
  {
    int have = rank != 0 || gathered != NULL, all = 0;
    MPI_Allreduce(&have, &all, 1, MPI_INT, MPI_LAND, comm);
    if (!all) {
      if (rank == 0) fprintf(stderr, "romkit bench pod: cannot allocate the gathered matrix\n");
      rc = CLI_EXIT_FAILURE;
      goto done;
    }
  }
  if ((err = rom_dmat_gather(A, 0, gathered)) != ROM_OK) {
    rc = cli_fail(ctx, "bench pod", err);
    goto done;
  }
  rom_dmat_destroy(&A);
  if (rank == 0) {
    bench_lapack_times lt;
    lapack_ok = bench_lapack_reference(N, m, gathered, (int)repeat, &lt) == 0;
    t_lapack_qr = lt.qr_svd;
    t_lapack_sdd = lt.gesdd;
  }
  bench_polite_barrier(comm);
  MPI_Bcast(&lapack_ok, 1, MPI_INT, 0, comm);

  const int published = N == 20000 && m == 200 && (size == 1 || size == 2);
  const double t_librom = size == 1 ? LIBROM_STATIC_SVD_1RANK_S : LIBROM_STATIC_SVD_2RANK_S;
  const double mib = 1024.0 * 1024.0;
  if (rank == 0 && json) {
    cli_json_printf(
        ctx,
        "{\"benchmark\": \"pod\", \"rows\": %lld, \"cols\": %lld, \"ranks\": %d, \"repeat\": "
        "%lld,\n"
        " \"spectrum\": \"s_i = 10^(-8 i/m), i = 0..m-1\",\n"
        " \"romkit_tsqr_pod_s\": %.6f, \"lapack_geqrf_gesdd_ormqr_s\": %.6f, \"lapack_gesdd_s\": "
        "%.6f,\n"
        " \"ratio_vs_lapack_qr_svd\": %.4f, \"ratio_vs_lapack_gesdd\": %.4f,\n"
        " \"romkit_peak_bytes\": %.0f, \"romkit_extra_bytes\": %.0f, "
        "\"romkit_extra_local_blocks\": %.4f,\n"
        " \"peak_rss_bytes\": %.0f,\n"
        " \"sv_rel_error_first20\": %.3e, \"sv_rel_error_all\": %.3e, \"orthogonality_max\": "
        "%.3e,\n"
        " \"librom_static_svd_published_s\": %s, \"librom_static_svd_published_mib_1rank\": %s,\n"
        " \"librom_note\": \"published in docs/problems.md, not measured here\"}\n",
        (long long)N, (long long)m, size, (long long)repeat, t_romkit, t_lapack_qr, t_lapack_sdd,
        t_romkit / t_lapack_qr, t_romkit / t_lapack_sdd, peak_total, extra, extra_blocks, rss,
        err_lead, err_all, orth, published ? (size == 1 ? "1.96" : "1.35") : "null",
        published && size == 1 ? "238" : "null");
  } else if (rank == 0) {
    printf("romkit bench pod: N = %lld, m = %lld, %d rank%s, median of %lld runs\n", (long long)N,
           (long long)m, size, size == 1 ? "" : "s", (long long)repeat);
    printf("matrix: A = U diag(s) V^T, s_i = 10^(-8 i/m) (i = 0..m-1), U, V orthonormal DST-I "
           "vectors; all m modes\n\n");
    printf("%-52s %10s %14s\n", "method", "time [s]", "romkit / this");
    printf("%-52s %10.4f %14s\n", "romkit TSQR POD (this run)", t_romkit, "1.00");
    printf("%-52s %10.4f %14.3f\n", "LAPACK dgeqrf + dgesdd(R) + dormqr, rank 0 (this run)",
           t_lapack_qr, t_romkit / t_lapack_qr);
    printf("%-52s %10.4f %14.3f\n", "LAPACK dgesdd jobz=S on N x m, rank 0 (this run)",
           t_lapack_sdd, t_romkit / t_lapack_sdd);
    if (published)
      printf("%-52s %10.2f %14.3f\n",
             size == 1 ? "libROM StaticSVD, 1 rank (published*)"
                       : "libROM StaticSVD, 2 ranks (published*)",
             t_librom, t_romkit / t_librom);
    else
      printf("%-52s %10s %14s\n", "libROM StaticSVD (published*)", "n/a", "n/a");
    printf("\nmemory (max over ranks): romkit peak %.1f MiB, of which %.1f MiB beyond the input "
           "= %.2f x the local snapshot block; process peak RSS %.1f MiB%s\n",
           peak_total / mib, extra / mib, extra_blocks, rss / mib,
           published && size == 1 ? " (libROM published*: 238 MiB)" : "");
    printf("accuracy: singular values max relative error %.2e (first 20), %.2e (all %lld); "
           "||U^T U - I||_max = %.2e\n",
           err_lead, err_all, (long long)r, orth);
    printf(
        "* published in docs/problems.md (libROM 2.x StaticSVD, 20000 x 200), not measured here: "
        "libROM is not available on this machine\n");
  }
  if (!lapack_ok) {
    if (rank == 0) fprintf(stderr, "romkit bench pod: the LAPACK reference failed\n");
    rc = CLI_EXIT_FAILURE;
  }
done:
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&A);
  free(s), free(times), free(gram), free(gathered);
  return rc;
}
