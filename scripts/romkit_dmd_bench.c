/* romkit_dmd_bench.c -- romkit's DMD (rom_dmd_fit, rom_dmd_predict_many) on the benchmark
 * data of scripts/dmd_bench_data.py, timed exactly as scripts/librom_dmd_bench.cpp times
 * libROM's CAROM::DMD, for the side-by-side table in docs/dmd.md
 * (scripts/dmd_librom_compare.sh builds and runs both).
 *
 * Usage:
 *   mpirun -np P romkit_dmd_bench TRAIN.bin TRUTH.bin TIMES.txt N m dt r METHOD [OMEGA.txt]
 *
 * METHOD is a DMD method name (exact, opt, bop). The rows are split as libROM's harness
 * splits them (contiguous blocks, the first N % P ranks one more), each rank preads its
 * rows (not timed) and wraps them without a copy (rom_dmat_wrap).
 * Timed (MPI_Wtime, barrier at each phase boundary, max over ranks):
 *   fit      rom_dmd_fit with a fixed rank r (SVD by the POD drivers, amplitudes from the
 *            first snapshot, as libROM)
 *   predict  rom_dmd_predict_many at the q test times
 * Prints the relative prediction error ||pred - truth||_F / ||truth||_F over all test times
 * and, with OMEGA.txt (the true eigenvalues, "re im" per line), the largest relative error
 * of the continuous-time eigenvalues (each true one matched to the nearest fitted one).
 * The last line starts with "DMD_BENCH " and holds key=value pairs. */
#include "romkit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec + ru.ru_stime.tv_sec +
         1e-6 * ru.ru_stime.tv_usec;
}

static long vmhwm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kib = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kib;
}

static void die(int rank, const char *msg, const char *what) {
  if (rank == 0) fprintf(stderr, "romkit_dmd_bench: %s%s\n", msg, what ? what : "");
  MPI_Abort(MPI_COMM_WORLD, 2);
  exit(2);
}

/* Rows [row0, row0 + n) of every column of an N x cols column-major file. */
static double *read_rows(int rank, const char *file, long N, int cols, long row0, long n) {
  double *out = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1) * (size_t)cols);
  int fd = open(file, O_RDONLY);
  if (!out || fd < 0) die(rank, "cannot open ", file);
  if (lseek(fd, 0, SEEK_END) != (off_t)N * cols * 8) die(rank, "size is not N * cols * 8: ", file);
  for (int j = 0; j < cols; ++j) {
    char *p = (char *)(out + (size_t)j * n);
    size_t bytes = (size_t)n * 8;
    off_t off = ((off_t)j * N + row0) * 8;
    while (bytes > 0) {
      ssize_t r = pread(fd, p, bytes, off);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) die(rank, "short read of ", file);
      p += r, bytes -= (size_t)r, off += r;
    }
  }
  close(fd);
  return out;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, nprocs = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
  if (argc != 9 && argc != 10)
    die(rank,
        "usage: mpirun -np P romkit_dmd_bench TRAIN.bin TRUTH.bin TIMES.txt N m dt r METHOD "
        "[OMEGA.txt]",
        NULL);
  const long N = atol(argv[4]);
  const int m = atoi(argv[5]), r = atoi(argv[7]);
  const double dt = atof(argv[6]);
  double tq[4096], om_true[2 * 256];
  int q = 0, nom = 0;
  {
    FILE *f = fopen(argv[3], "r");
    if (!f) die(rank, "cannot open ", argv[3]);
    while (q < 4096 && fscanf(f, "%lf", &tq[q]) == 1)
      q++;
    fclose(f);
  }
  if (argc == 10) {
    FILE *f = fopen(argv[9], "r");
    if (!f) die(rank, "cannot open ", argv[9]);
    while (nom < 256 && fscanf(f, "%lf %lf", &om_true[2 * nom], &om_true[2 * nom + 1]) == 2)
      nom++;
    fclose(f);
  }
  rom_dmd_options opts = rom_dmd_options_default();
  if (rom_dmd_method_from_name(argv[8], &opts.method) != ROM_OK)
    die(rank, "unknown method ", argv[8]);
  opts.truncation = ROM_POD_TRUNCATE_RANK;
  opts.rank = r;
  opts.dt = dt;
  opts.t0 = 0;

  const long base = N / nprocs, rem = N % nprocs;
  const long n_local = base + (rank < rem ? 1 : 0);
  const long row0 = rank * base + (rank < rem ? rank : rem);
  MPI_Barrier(MPI_COMM_WORLD);
  double t_r0 = MPI_Wtime();
  double *X = read_rows(rank, argv[1], N, m, row0, n_local);
  double *T = read_rows(rank, argv[2], N, q, row0, n_local);
  MPI_Barrier(MPI_COMM_WORLD);
  double read_s = MPI_Wtime() - t_r0;
  double *P = malloc(sizeof(double) * (size_t)(n_local > 0 ? n_local : 1) * (size_t)q);

  rom_ctx *ctx = NULL;
  rom_dmat *A = NULL;
  rom_dmd *dmd = NULL;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) die(rank, "rom_ctx_create failed", NULL);
  if (rom_dmat_wrap(ctx, n_local, m, X, n_local, &A) != ROM_OK)
    die(rank, rom_ctx_last_error(ctx), NULL);

  double cpu0 = cpu_seconds();
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  if (rom_dmd_fit(A, NULL, 0, NULL, &opts, &dmd) != ROM_OK)
    die(rank, rom_ctx_last_error(ctx), NULL);
  MPI_Barrier(MPI_COMM_WORLD);
  double t1 = MPI_Wtime();
  if (rom_dmd_predict_many(dmd, q, tq, P, n_local) != ROM_OK)
    die(rank, rom_ctx_last_error(ctx), NULL);
  MPI_Barrier(MPI_COMM_WORLD);
  double t2 = MPI_Wtime();
  double cpu_s = cpu_seconds() - cpu0, cpu_frac = cpu_s / (t2 - t0), cpu_max;

  double loc[2] = {0, 0}, glob[2];
  for (size_t i = 0; i < (size_t)n_local * (size_t)q; i++) {
    double d = P[i] - T[i];
    loc[0] += d * d, loc[1] += T[i] * T[i];
  }
  MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  double tmax[3] = {t1 - t0, t2 - t1, t2 - t0}, tm[3], cf;
  MPI_Reduce(tmax, tm, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  MPI_Reduce(&cpu_frac, &cf, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  MPI_Reduce(&cpu_s, &cpu_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  long rss = vmhwm_kib(), rss_max;
  MPI_Reduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);

  /* Eigenvalue error against the truth, when given. */
  double eig_err = NAN;
  if (nom > 0) {
    const double *om = rom_dmd_omegas(dmd);
    rom_int rr = rom_dmd_rank(dmd);
    eig_err = 0;
    for (int i = 0; i < nom; i++) {
      double best = INFINITY, a = hypot(om_true[2 * i], om_true[2 * i + 1]);
      for (rom_int j = 0; j < rr; j++)
        best = fmin(best, hypot(om[2 * j] - om_true[2 * i], om[2 * j + 1] - om_true[2 * i + 1]));
      eig_err = fmax(eig_err, best / a);
    }
  }
  if (rank == 0)
    printf("DMD_BENCH tool=romkit method=%s P=%d N=%ld m=%d r=%d q=%d fit_s=%.6f predict_s=%.6f "
           "total_s=%.6f read_s=%.4f err=%.6e eig_err=%.6e cpu_s=%.4f cpu_frac=%.3f "
           "rss_max_mib=%.1f\n",
           argv[8], nprocs, N, m, r, q, tm[0], tm[1], tm[2], read_s, sqrt(glob[0] / glob[1]),
           eig_err, cpu_max, cf, rss_max / 1024.0);
  rom_dmd_destroy(&dmd);
  rom_dmat_destroy(&A);
  rom_ctx_destroy(&ctx);
  free(X), free(T), free(P);
  MPI_Finalize();
  return 0;
}
