/* romkit bench svd — every SVD method of rom_pod_compute on an N x m matrix with a known
 * spectrum, beside serial LAPACK, in one run.
 *
 * The matrix is bench_pod's (apps/bench_pod.c), built without any SVD or QR on any partition:
 *   A = U diag(s) V^T,  s_i = 10^(-8 i / m)  (i = 0..m-1),
 *   U = the first m columns of the orthonormal DST-I matrix of size N, V = the DST-I of size m.
 *
 * For each method (--methods), at the current rank count, median of --repeat runs with an
 * MPI_Barrier before each (time = slowest rank):
 *   tsqr, scalapack      all m modes (rank truncation k = m);
 *   randomized           target_rank = k (--rank), oversampling 10, 2 power iterations;
 *   incremental          target_rank = k: the driver tracks max_rank = min(2k, m, N) and
 *                        keeps k (include/romkit/pod.h);
 * romkit's tracked peak bytes beyond the input (rom_ctx_bytes_peak after rom_ctx_reset_peak,
 * max over ranks; also as a multiple of the local snapshot block), the process peak RSS
 * (getrusage high-water mark after the method, max over ranks: it never decreases, so it
 * bounds the method from above), the relative errors of the leading 20 and k values against
 * the exact s_i (and of all values for the exact methods), ||U^T U - I||_max.
 * Then serial LAPACK on rank 0 with the gathered matrix (the other ranks sleep):
 *   (a) dgeqrf + dgesdd(R) + dormqr (timed separately, for the cost model), (b) dgesdd 'S'.
 * A wide matrix (m > N: s_i = 10^(-8 i/N), i = 0..N-1, U the DST-I of size N) runs 'wide' and
 * 'scalapack' by default, and LAPACK as (b) dgesdd 'S' (the reference the ratio column is
 * taken against), (c) dgesvd jobu='S', jobvt='N' (U only, as POD needs), (d) the serial
 * analogue of 'wide': transpose, dgeqrf of A^T, dgesdd of R^T.
 * At P >= 2 it also measures the network constants for the cost model (docs/svd-cost-model.md):
 * the median time of a one-double MPI_Allreduce and of ping-pongs of 8 B and 8 MiB between
 * ranks 0 and 1. libROM's numbers are quoted from docs/problems.md (20000 x 200 only), not
 * measured: libROM is not installed here. */
#define _POSIX_C_SOURCE 200809L /* nanosleep, getrusage */
#include "bench_common.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Published in docs/problems.md for N = 20000, m = 200; quoted, not measured. */
#define LIBROM_STATIC_SVD_1RANK_S 1.96
#define LIBROM_STATIC_SVD_2RANK_S 1.35
#define LIBROM_STATIC_SVD_1RANK_MIB 238.0
#define LIBROM_BRAND_K50_1RANK_S 1.19
#define LIBROM_BRAND_K50_ERROR 3.5e-4

#define MAX_METHODS 6

static const char *const bench_svd_help =
    "usage: [mpirun -n P] romkit bench svd [--rows N] [--cols m] [--rank k]\n"
    "                                      [--methods LIST] [--repeat R] [--no-lapack] [--json]\n\n"
    "Every SVD method of rom_pod_compute on A = U diag(s) V^T, s_i = 10^(-8 i/m) (i = 0..m-1),\n"
    "U and V orthonormal discrete sine transform vectors, at the current rank count: median\n"
    "time, romkit peak bytes per rank, process peak RSS, leading singular-value errors and\n"
    "||U^T U - I||, beside serial LAPACK on rank 0 in the same run ((a) dgeqrf + dgesdd(R) +\n"
    "dormqr, (b) dgesdd jobz='S'). A wide matrix (--cols > --rows) has s_i = 10^(-8 i/N), runs\n"
    "wide,scalapack by default and compares with dgesdd jobz='S', dgesvd (U only) and the\n"
    "serial transpose-QR. Set OPENBLAS_NUM_THREADS=1.\n\n"
    "options:\n"
    "  --rows N       global rows (default 20000)\n"
    "  --cols m       columns = snapshots (default 200)\n"
    "  --rank k       triplets for randomized / incremental (default 20)\n"
    "  --methods L    comma-separated subset of tsqr,scalapack,randomized,incremental,wide,\n"
    "                 or 'none' (only LAPACK) (default: the first four; wide,scalapack when\n"
    "                 m > N)\n"
    "  --repeat R     repetitions, the median is reported (default 5)\n"
    "  --no-lapack    skip the serial LAPACK reference (it needs 3 N m doubles on rank 0)\n"
    "  --json         one JSON object on stdout instead of the table\n";

/* Network constants between ranks 0 and 1 (medians): one-double Allreduce over all ranks,
 * half round trips of 8 B and 8 MiB. Collective. */
static void measure_network(MPI_Comm comm, double *allreduce, double *lat, double *big) {
  int rank = 0, size = 0, reps = 200;
  const int nbig = 1 << 20; /* doubles: 8 MiB */
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  double *buf = calloc((size_t)nbig, sizeof(double)), *t = malloc(sizeof(double) * (size_t)reps),
         x = 1.0;
  int ok = buf && t, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, comm);
  *allreduce = *lat = *big = NAN;
  if (all) {
    for (int i = 0; i < reps; ++i) {
      MPI_Barrier(comm);
      double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_SUM, comm);
      t[i] = MPI_Wtime() - t0;
    }
    *allreduce = bench_median(t, reps);
    for (int pass = 0; pass < 2; ++pass) {
      int n = pass == 0 ? 1 : nbig, rp = pass == 0 ? reps : 20;
      for (int i = 0; i < rp; ++i) {
        MPI_Barrier(comm);
        double t0 = MPI_Wtime();
        if (rank == 0) {
          MPI_Send(buf, n, MPI_DOUBLE, 1, 7, comm);
          MPI_Recv(buf, n, MPI_DOUBLE, 1, 7, comm, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
          MPI_Recv(buf, n, MPI_DOUBLE, 0, 7, comm, MPI_STATUS_IGNORE);
          MPI_Send(buf, n, MPI_DOUBLE, 0, 7, comm);
        }
        t[i] = 0.5 * (MPI_Wtime() - t0);
      }
      double med = bench_median(t, rp);
      MPI_Bcast(&med, 1, MPI_DOUBLE, 0, comm);
      if (pass == 0)
        *lat = med;
      else
        *big = med;
    }
  }
  free(buf);
  free(t);
}

typedef struct {
  rom_svd_method method;
  int ran;
  double time, tmin, tmax;
  rom_int k, r;
  double peak_total, extra, extra_blocks, rss;
  double err20, errk, errall, orth;
} method_result;

/* One method: repeat runs, memory, accuracy. Collective; returns a romkit error code. */
static int run_method(rom_ctx *ctx, const rom_dmat *A, const double *s, rom_int k, int repeat,
                      method_result *out) {
  MPI_Comm comm = rom_ctx_comm(ctx);
  rom_int m = rom_dmat_cols(A);
  rom_pod_options o = rom_pod_options_default();
  rom_basis *basis = NULL;
  double *times = malloc(sizeof(double) * (size_t)repeat), *gram = NULL;
  int err = ROM_OK;
  o.method = out->method;
  o.truncation = ROM_POD_TRUNCATE_RANK;
  if (rom_svd_method_rules(out->method) & ROM_SVD_RULE_TARGET_RANK) {
    o.target_rank = k;
    o.rank = k;
  } else {
    o.rank = m;
  }
  if (!times) return ROM_ERR_NOMEM;
  size_t in_use = rom_ctx_bytes_in_use(ctx), peak = 0;
  for (int rep = 0; rep < repeat; ++rep) {
    rom_basis_destroy(&basis);
    MPI_Barrier(comm);
    rom_ctx_reset_peak(ctx);
    double t0 = MPI_Wtime();
    err = rom_pod_compute(A, &o, &basis);
    double dt = MPI_Wtime() - t0;
    if (err != ROM_OK) goto done;
    MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm);
    times[rep] = dt;
    if (rom_ctx_bytes_peak(ctx) > peak) peak = rom_ctx_bytes_peak(ctx);
  }
  out->time = bench_median(times, repeat);
  out->tmin = out->tmax = times[0];
  for (int rep = 1; rep < repeat; ++rep) {
    out->tmin = fmin(out->tmin, times[rep]);
    out->tmax = fmax(out->tmax, times[rep]);
  }
  {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double block = 8.0 * (double)rom_dmat_local_rows(A) * (double)m;
    double v[4] = {(double)(peak - in_use), 0.0, (double)peak, (double)usage.ru_maxrss * 1024.0};
    v[1] = block > 0 ? v[0] / block : 0.0;
    MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_DOUBLE, MPI_MAX, comm);
    out->extra = v[0], out->extra_blocks = v[1], out->peak_total = v[2], out->rss = v[3];
  }
  {
    rom_int r = 0, kb = rom_basis_dim(basis);
    const double *sv = rom_basis_singular_values(basis, &r);
    out->k = kb;
    out->r = r;
    out->err20 = out->errk = out->errall = 0.0;
    for (rom_int i = 0; i < r && i < m; ++i) {
      double e = fabs(sv[i] - s[i]) / s[i];
      if (i < 20) out->err20 = fmax(out->err20, e);
      if (i < k) out->errk = fmax(out->errk, e);
      out->errall = fmax(out->errall, e);
    }
    gram = malloc(sizeof(double) * (size_t)(kb * kb + 1));
    if (!gram) {
      err = ROM_ERR_NOMEM;
      goto done;
    }
    if ((err = rom_dmat_transpose_times(rom_basis_vectors(basis), rom_basis_vectors(basis), gram,
                                        kb)) != ROM_OK)
      goto done;
    out->orth = 0.0;
    for (rom_int j = 0; j < kb; ++j)
      for (rom_int i = 0; i < kb; ++i)
        out->orth = fmax(out->orth, fabs(gram[i + j * kb] - (i == j ? 1.0 : 0.0)));
  }
  out->ran = 1;
done:
  rom_basis_destroy(&basis);
  free(times);
  free(gram);
  return err;
}

/* Serial LAPACK on a wide N x m matrix (m > N), median of `repeat` runs: t[0] dgesdd 'S',
 * t[1] dgesvd jobu='S' jobvt='N', t[2] transpose + dgeqrf of A^T + dgesdd of R^T (t[3] the
 * first two steps). Returns 0 on success. */
static int bench_lapack_wide(rom_int N, rom_int m, const double *a, int repeat, double t[4]) {
  lapack_int n = (lapack_int)N, c = (lapack_int)m;
  double *w = malloc(sizeof(double) * (size_t)(N * m)),
         *vt = malloc(sizeof(double) * (size_t)(N * m));
  double *u = malloc(sizeof(double) * (size_t)(N * N)),
         *r = malloc(sizeof(double) * (size_t)(N * N));
  double *s = malloc(sizeof(double) * (size_t)N), *tau = malloc(sizeof(double) * (size_t)N);
  double *tm = malloc(sizeof(double) * 4 * (size_t)repeat);
  int ok = w && vt && u && r && s && tau && tm;
  for (int rep = 0; ok && rep < repeat; ++rep) {
    lapack_int info = 0;
    memcpy(w, a, sizeof(double) * (size_t)(N * m));
    double t0 = MPI_Wtime();
    info |= LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, c, w, n, s, u, n, vt, n);
    double t1 = MPI_Wtime();
    memcpy(w, a, sizeof(double) * (size_t)(N * m));
    double t2 = MPI_Wtime();
    info |= LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'N', n, c, w, n, s, u, n, vt, 1, vt + N);
    double t3 = MPI_Wtime();
    for (rom_int i0 = 0; i0 < N; i0 += 32) /* vt <- A^T, m x N */
      for (rom_int j0 = 0; j0 < m; j0 += 32)
        for (rom_int i = i0; i < i0 + 32 && i < N; ++i)
          for (rom_int j = j0; j < j0 + 32 && j < m; ++j)
            vt[j + i * m] = a[i + j * N];
    info |= LAPACKE_dgeqrf(LAPACK_COL_MAJOR, c, n, vt, c, tau);
    double t4 = MPI_Wtime();
    for (rom_int j = 0; j < N; ++j) /* r <- R^T */
      for (rom_int i = 0; i < N; ++i)
        r[i + j * N] = i >= j ? vt[j + i * m] : 0.0;
    info |= LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, n, r, n, s, u, n, w, n);
    double t5 = MPI_Wtime();
    tm[rep] = t1 - t0, tm[repeat + rep] = t3 - t2, tm[2 * repeat + rep] = t5 - t3;
    tm[3 * repeat + rep] = t4 - t3;
    ok = info == 0;
  }
  for (int i = 0; ok && i < 4; ++i)
    t[i] = bench_median(tm + i * repeat, repeat);
  free(w), free(vt), free(u), free(r), free(s), free(tau), free(tm);
  return ok ? 0 : -1;
}

static double loadavg(void) {
  double l = NAN;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = NAN;
    fclose(f);
  }
  return l;
}

static void json_number(const char *key, double v, const char *fmt, int comma) {
  fprintf(cli_json_stream(), "\"%s\": ", key);
  if (isfinite(v))
    fprintf(cli_json_stream(), fmt, v);
  else
    fprintf(cli_json_stream(), "null");
  if (comma) fprintf(cli_json_stream(), ", ");
}

int bench_svd(rom_ctx *ctx, int argc, char **argv) {
  rom_int N = 20000, m = 200, k = 20, repeat = 5;
  const int json = cli_json_mode(); /* --json: a global option (apps/cli.h) */
  int rc = CLI_EXIT_OK, err = ROM_OK, nmethods = 4, with_lapack = 1;
  int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  MPI_Comm comm = rom_ctx_comm(ctx);
  method_result res[MAX_METHODS];
  memset(res, 0, sizeof res);
  res[0].method = ROM_SVD_TSQR, res[1].method = ROM_SVD_SCALAPACK;
  res[2].method = ROM_SVD_RANDOMIZED, res[3].method = ROM_SVD_INCREMENTAL;
  int methods_given = 0;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", bench_svd_help);
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    rom_int *target = NULL;
    if (!strcmp(argv[i], "--no-lapack")) {
      with_lapack = 0;
      continue;
    }
    if (!strcmp(argv[i], "--methods")) {
      if (i + 1 >= argc) return cli_usage_error(ctx, "bench svd", "--methods needs a list");
      nmethods = 0;
      methods_given = 1;
      if (strcmp(argv[i + 1], "none") != 0) {
        char list[256];
        snprintf(list, sizeof list, "%s", argv[i + 1]);
        for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
          rom_svd_method mm;
          if (rom_svd_method_from_name(tok, &mm) != ROM_OK ||
              (rom_svd_method_rules(mm) & ROM_SVD_RULE_AUTOMATIC) || nmethods >= MAX_METHODS) {
            char known[256];
            cli_list_names(CLI_SVD_METHODS, ROM_SVD_RULE_AUTOMATIC, 0u, ", ", known, sizeof known);
            return cli_usage_error(ctx, "bench svd", "--methods: '%s' is not one of %s", tok,
                                   known);
          }
          res[nmethods++].method = mm;
        }
      }
      ++i;
      continue;
    }
    if (!strcmp(argv[i], "--rows"))
      target = &N;
    else if (!strcmp(argv[i], "--cols"))
      target = &m;
    else if (!strcmp(argv[i], "--rank"))
      target = &k;
    else if (!strcmp(argv[i], "--repeat"))
      target = &repeat;
    else
      return cli_usage_error(ctx, "bench svd", "unknown option '%s'", argv[i]);
    if (i + 1 >= argc || cli_parse_int(argv[i + 1], target) != 0 || *target < 1)
      return cli_usage_error(ctx, "bench svd", "%s needs a whole number >= 1", argv[i]);
    ++i;
  }
  const int wide = m > N;
  const rom_int r_all = wide ? N : m; /* the nonzero singular values */
  if (wide && !methods_given) {
    nmethods = 2;
    res[0].method = ROM_SVD_WIDE, res[1].method = ROM_SVD_SCALAPACK;
  }
  if (k > r_all)
    return cli_usage_error(ctx, "bench svd", "--rank %lld exceeds min(--rows, --cols) = %lld",
                           (long long)k, (long long)r_all);
  if (with_lapack && N * m > 400000000LL)
    return cli_usage_error(ctx, "bench svd",
                           "N x m = %lld is too large for the gathered LAPACK "
                           "reference (use --no-lapack)",
                           (long long)(N * m));

  double load_start = loadavg(), net_allreduce = NAN, net_lat = NAN, net_8mib = NAN;
  double *s = malloc(sizeof(double) * (size_t)m), *gathered = NULL;
  rom_dmat *A = NULL;
  bench_lapack_times lt = {NAN, NAN, NAN, NAN, NAN};
  double lw[4] = {NAN, NAN, NAN, NAN}; /* wide: gesdd, gesvd (U only), transpose-QR-SVD, its QR */
  if (!s) return cli_usage_error(ctx, "bench svd", "out of memory for %lld columns", (long long)m);
  for (rom_int i = 0; i < m; ++i)
    s[i] = i < r_all ? pow(10.0, -8.0 * (double)i / (double)r_all) : 0.0;
  double t_build = MPI_Wtime();
  if ((err = rom_known_spectrum_matrix(
           ctx, rom_dmat_partition_even(N, rom_ctx_rank(ctx), rom_ctx_size(ctx)), m, s, r_all,
           &A)) != ROM_OK) {
    rc = cli_fail(ctx, "bench svd", err);
    goto done;
  }
  t_build = MPI_Wtime() - t_build;
  if (size >= 2) measure_network(comm, &net_allreduce, &net_lat, &net_8mib);

  for (int j = 0; j < nmethods; ++j) {
    if ((err = run_method(ctx, A, s, k, (int)repeat, &res[j])) != ROM_OK) {
      rc = cli_fail(ctx, "bench svd", err);
      goto done;
    }
    if (!json && rank == 0) {
      fprintf(stderr, "bench svd: %s done, median %.4f s\n", rom_svd_method_name(res[j].method),
              res[j].time);
    }
  }

  /* serial LAPACK on rank 0, same run */
  int lapack_ok = 1;
  if (with_lapack) {
    if (rank == 0) gathered = malloc(sizeof(double) * (size_t)(N * m));
    int have = rank != 0 || gathered != NULL, all = 0;
    MPI_Allreduce(&have, &all, 1, MPI_INT, MPI_LAND, comm);
    if (!all) {
      if (rank == 0) fprintf(stderr, "romkit bench svd: cannot allocate the gathered matrix\n");
      rc = CLI_EXIT_FAILURE;
      goto done;
    }
    if ((err = rom_dmat_gather(A, 0, gathered)) != ROM_OK) {
      rc = cli_fail(ctx, "bench svd", err);
      goto done;
    }
    rom_dmat_destroy(&A);
    if (rank == 0 && wide) {
      lapack_ok = bench_lapack_wide(N, m, gathered, (int)repeat, lw) == 0;
      lt.gesdd = lw[0];
    } else if (rank == 0) {
      lapack_ok = bench_lapack_reference(N, m, gathered, (int)repeat, &lt) == 0;
    }
    bench_polite_barrier(comm);
    MPI_Bcast(&lapack_ok, 1, MPI_INT, 0, comm);
  }
  double load_end = loadavg();

  /* the ratio column: to LAPACK's QR + SVD of R for tall matrices, to dgesdd for wide ones */
  const double base = wide ? lt.gesdd : lt.qr_svd;
  const int published = N == 20000 && m == 200 && (size == 1 || size == 2);
  const double t_librom = size == 1 ? LIBROM_STATIC_SVD_1RANK_S : LIBROM_STATIC_SVD_2RANK_S;
  const double mib = 1024.0 * 1024.0;
  if (rank == 0 && json) {
    cli_json_printf(
        ctx,
        "{\"benchmark\": \"svd\", \"rows\": %lld, \"cols\": %lld, \"ranks\": %d, \"repeat\": %lld, "
        "\"rank_k\": %lld,\n \"spectrum\": \"s_i = 10^(-8 i/r), i = 0..r-1, r = min(N, m)\", ",
        (long long)N, (long long)m, size, (long long)repeat, (long long)k);
    json_number("build_s", t_build, "%.3f", 1);
    json_number("loadavg_start", load_start, "%.2f", 1);
    json_number("loadavg_end", load_end, "%.2f", 0);
    cli_json_printf(ctx, ",\n \"methods\": [");
    for (int j = 0; j < nmethods; ++j) {
      const method_result *q = &res[j];
      int exact = (rom_svd_method_rules(q->method) & ROM_SVD_RULE_EXACT) != 0;
      cli_json_printf(ctx, "%s\n  {\"name\": \"%s\", \"k\": %lld, \"r\": %lld, ", j ? "," : "",
                      rom_svd_method_name(q->method), (long long)q->k, (long long)q->r);
      if (q->method == ROM_SVD_INCREMENTAL)
        cli_json_printf(ctx, "\"incremental_tolerance\": %g, ",
                        rom_pod_options_default().incremental_tolerance);
      if (q->method == ROM_SVD_RANDOMIZED)
        cli_json_printf(ctx, "\"oversampling\": 10, \"power_iterations\": 2, ");
      json_number("time_s", q->time, "%.6f", 1);
      json_number("time_min_s", q->tmin, "%.6f", 1);
      json_number("time_max_s", q->tmax, "%.6f", 1);
      json_number("ratio_vs_lapack_qr_svd", q->time / lt.qr_svd, "%.4f", 1);
      json_number("ratio_vs_lapack_gesdd", q->time / lt.gesdd, "%.4f", 1);
      json_number("romkit_peak_bytes", q->peak_total, "%.0f", 1);
      json_number("romkit_extra_bytes", q->extra, "%.0f", 1);
      json_number("romkit_extra_local_blocks", q->extra_blocks, "%.4f", 1);
      json_number("peak_rss_bytes", q->rss, "%.0f", 1);
      json_number("sv_rel_error_first20", q->err20, "%.3e", 1);
      json_number("sv_rel_error_firstk", q->errk, "%.3e", 1);
      json_number("sv_rel_error_all_computed", exact ? q->errall : NAN, "%.3e", 1);
      json_number("orthogonality_max", q->orth, "%.3e", 0);
      cli_json_printf(ctx, "}");
    }
    cli_json_printf(ctx, "],\n \"lapack\": {\"measured\": %s, ",
                    with_lapack && lapack_ok ? "true" : "false");
    json_number("geqrf_gesdd_ormqr_s", lt.qr_svd, "%.6f", 1);
    json_number("geqrf_s", lt.geqrf, "%.6f", 1);
    json_number("gesdd_of_R_s", lt.gesdd_r, "%.6f", 1);
    json_number("ormqr_s", lt.ormqr, "%.6f", 1);
    json_number("gesdd_s", lt.gesdd, "%.6f", 1);
    json_number("gesvd_u_only_s", lw[1], "%.6f", 1);
    json_number("transpose_geqrf_gesdd_s", lw[2], "%.6f", 0);
    cli_json_printf(ctx, "},\n \"network\": {");
    json_number("allreduce_1double_s", net_allreduce, "%.3e", 1);
    json_number("pingpong_8B_s", net_lat, "%.3e", 1);
    json_number("pingpong_8MiB_s", net_8mib, "%.3e", 0);
    cli_json_printf(
        ctx, "},\n \"librom_published\": {\"note\": \"quoted from docs/problems.md (libROM 2.x, "
             "20000 x 200), not measured here\", ");
    if (published)
      cli_json_printf(
          ctx,
          "\"static_svd_s\": %.2f, \"static_svd_mib_1rank\": %s, \"brand_k50_1rank_s\": %.2f, "
          "\"brand_k50_error\": %.1e}}\n",
          t_librom, size == 1 ? "238" : "null", LIBROM_BRAND_K50_1RANK_S, LIBROM_BRAND_K50_ERROR);
    else
      cli_json_printf(ctx, "\"static_svd_s\": null}}\n");
  } else if (rank == 0) {
    printf("romkit bench svd: N = %lld, m = %lld, %d rank%s, median of %lld runs, k = %lld "
           "(randomized, incremental); load average %.2f -> %.2f\n",
           (long long)N, (long long)m, size, size == 1 ? "" : "s", (long long)repeat, (long long)k,
           load_start, load_end);
    printf("matrix: A = U diag(s) V^T, s_i = 10^(-8 i/r), r = min(N, m), U, V orthonormal DST-I "
           "vectors "
           "(built in %.2f s)\n\n",
           t_build);
    printf("%-44s %9s %7s %10s %8s %9s %9s %9s %9s %9s\n", "method", "time[s]", "/LAPACK",
           "peak MiB", "xblock", "RSS MiB", "err 1-20", "err 1-k", "err all", "orth");
    for (int j = 0; j < nmethods; ++j) {
      const method_result *q = &res[j];
      int exact = (rom_svd_method_rules(q->method) & ROM_SVD_RULE_EXACT) != 0;
      char name[64];
      if (q->method == ROM_SVD_INCREMENTAL)
        snprintf(name, sizeof name, "romkit incremental (k %lld, tol %.0e)", (long long)q->k,
                 rom_pod_options_default().incremental_tolerance);
      else
        snprintf(name, sizeof name, "romkit %s (k = %lld)", rom_svd_method_name(q->method),
                 (long long)q->k);
      printf("%-44s %9.4f %7.3f %10.1f %8.2f %9.1f %9.2e %9.2e ", name, q->time, q->time / base,
             q->peak_total / mib, q->extra_blocks, q->rss / mib, q->err20, q->errk);
      if (exact)
        printf("%9.2e ", q->errall);
      else
        printf("%9s ", "-");
      printf("%9.2e\n", q->orth);
    }
    if (wide) {
      printf("%-44s %9.4f %7.3f\n", "LAPACK dgesdd jobz=S, rank 0", lt.gesdd, 1.0);
      printf("%-44s %9.4f %7.3f\n", "LAPACK dgesvd jobu=S jobvt=N, rank 0", lw[1], lw[1] / base);
      printf("%-44s %9.4f %7.3f  (transpose + dgeqrf %.4f)\n",
             "LAPACK A^T = QR, dgesdd(R^T), rank 0", lw[2], lw[2] / base, lw[3]);
    } else {
      printf("%-44s %9.4f %7.3f  (dgeqrf %.4f, dgesdd(R) %.4f, dormqr %.4f)\n",
             "LAPACK dgeqrf+dgesdd(R)+dormqr, rank 0", lt.qr_svd, 1.0, lt.geqrf, lt.gesdd_r,
             lt.ormqr);
      printf("%-44s %9.4f %7.3f\n", "LAPACK dgesdd jobz=S, rank 0", lt.gesdd, lt.gesdd / lt.qr_svd);
    }
    if (published) {
      printf("%-44s %9.2f %7.3f%s\n", "libROM StaticSVD (published*, not measured)", t_librom,
             t_librom / lt.qr_svd, size == 1 ? "   peak 238 MiB*" : "");
      if (size == 1)
        printf("%-44s %9.2f %7.3f   leading-value error %.1e*\n",
               "libROM Brand k = 50 (published*)", LIBROM_BRAND_K50_1RANK_S,
               LIBROM_BRAND_K50_1RANK_S / lt.qr_svd, LIBROM_BRAND_K50_ERROR);
    }
    printf(
        "\npeak MiB: romkit tracked peak incl. the input, max over ranks; xblock: the part beyond "
        "the input / the local snapshot block;\nRSS: process high-water mark after the method "
        "(cumulative over the methods run before it)\n");
    if (size >= 2)
      printf("network: 1-double Allreduce %.2e s, ping-pong 8 B %.2e s, 8 MiB %.2e s (half round "
             "trip)\n",
             net_allreduce, net_lat, net_8mib);
    if (published)
      printf(
          "* published in docs/problems.md (libROM 2.x, 20000 x 200), not measured here: libROM is "
          "not available on this machine\n");
  }
  if (!lapack_ok) {
    if (rank == 0) fprintf(stderr, "romkit bench svd: the LAPACK reference failed\n");
    rc = CLI_EXIT_FAILURE;
  }
done:
  rom_dmat_destroy(&A);
  free(s);
  free(gathered);
  return rc;
}
