// librom_dmd_bench.cpp -- libROM's exact DMD (CAROM::DMD) on the benchmark data of
// scripts/dmd_bench_data.py, timed the same way as scripts/romkit_dmd_bench.c, for the
// side-by-side table in docs/dmd.md (scripts/dmd_librom_compare.sh builds and runs both).
//
// Usage:
//   mpirun -np P librom_dmd_bench TRAIN.bin TRUTH.bin TIMES.txt N m dt r [OMEGA.txt]
//
// TRAIN.bin: N x m raw float64, column-major (column j = snapshot at t_j = j dt).
// TRUTH.bin: N x q raw float64, column-major, the true states at the q times of TIMES.txt.
// Rows are split over the ranks in contiguous blocks (the first N % P ranks get one more),
// every rank preads only its rows (not timed).
//
// Timed (MPI_Wtime, barrier at each phase boundary, max over ranks):
//   fit      CAROM::DMD(n_local, dt), takeSample for every column, train(r)
//   predict  predict(t) at the q test times (libROM projects the first snapshot on the modes
//            for the amplitudes, Tu et al. 2014 -- as romkit's default)
// The relative prediction error ||pred - truth||_F / ||truth||_F over all test times is
// summed over ranks. With OMEGA.txt (the true continuous-time eigenvalues, "re im" per line)
// it also prints the largest relative error of log(lambda) / dt (each true eigenvalue
// matched to the nearest fitted one), read from the protected d_eigs through a subclass.
// The last line starts with "DMD_BENCH " and holds key=value pairs.
// Modelled on the project's libROM POD harness (librom-bench/pod_bench.cpp).

#include "algo/DMD.h"
#include "linalg/Vector.h"

#include <mpi.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

// CAROM::DMD keeps its eigenvalues protected; a subclass reads them.
struct DMDWithEigs : public CAROM::DMD
{
    DMDWithEigs(int dim, double dt) : CAROM::DMD(dim, dt) {}
    const std::vector<std::complex<double>>& eigenvalues() const { return d_eigs; }
};

static double cpu_seconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec + ru.ru_stime.tv_sec +
           1e-6 * ru.ru_stime.tv_usec;
}

static long vmhwm_kib()
{
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "VmHWM:", 6) == 0) {
            kib = std::strtol(line + 6, nullptr, 10);
            break;
        }
    std::fclose(f);
    return kib;
}

static void die(int rank, const std::string& msg)
{
    if (rank == 0) std::fprintf(stderr, "librom_dmd_bench: %s\n", msg.c_str());
    MPI_Abort(MPI_COMM_WORLD, 2);
    std::exit(2);
}

// Reads rows [row0, row0 + n_local) of every column of an N x cols column-major file.
static void read_rows(int rank, const std::string& file, long N, int cols, long row0,
                      long n_local, std::vector<double>& out)
{
    out.assign(static_cast<size_t>(n_local) * cols, 0.0);
    int fd = open(file.c_str(), O_RDONLY);
    if (fd < 0) die(rank, "cannot open " + file);
    if (lseek(fd, 0, SEEK_END) != static_cast<off_t>(N) * cols * 8)
        die(rank, "size of " + file + " is not N * cols * 8");
    for (int j = 0; j < cols; ++j) {
        char* p = reinterpret_cast<char*>(&out[static_cast<size_t>(j) * n_local]);
        size_t bytes = static_cast<size_t>(n_local) * 8;
        off_t off = (static_cast<off_t>(j) * N + row0) * 8;
        while (bytes > 0) {
            ssize_t r = pread(fd, p, bytes, off);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die(rank, "short read of " + file);
            p += r, bytes -= static_cast<size_t>(r), off += r;
        }
    }
    close(fd);
}

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, nprocs = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
    if (argc != 8 && argc != 9)
        die(rank, "usage: mpirun -np P librom_dmd_bench TRAIN.bin TRUTH.bin TIMES.txt N m dt r "
                  "[OMEGA.txt]");
    const std::string train = argv[1], truth = argv[2], times = argv[3];
    const long N = std::atol(argv[4]);
    const int m = std::atoi(argv[5]);
    const double dt = std::atof(argv[6]);
    const int r = std::atoi(argv[7]);
    if (N < nprocs || m < 2 || !(dt > 0) || r < 1 || r > m - 1) die(rank, "bad N, m, dt or r");
    std::vector<double> tq;
    {
        FILE* f = std::fopen(times.c_str(), "r");
        if (!f) die(rank, "cannot open " + times);
        double v;
        while (std::fscanf(f, "%lf", &v) == 1) tq.push_back(v);
        std::fclose(f);
    }
    const int q = static_cast<int>(tq.size());

    const long base = N / nprocs, rem = N % nprocs;
    const long n_local = base + (rank < rem ? 1 : 0);
    const long row0 = rank * base + std::min<long>(rank, rem);
    std::vector<double> X, T;
    MPI_Barrier(MPI_COMM_WORLD);
    double t_r0 = MPI_Wtime();
    read_rows(rank, train, N, m, row0, n_local, X);
    read_rows(rank, truth, N, q, row0, n_local, T);
    MPI_Barrier(MPI_COMM_WORLD);
    double read_s = MPI_Wtime() - t_r0;

    double cpu0 = cpu_seconds();
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    std::unique_ptr<DMDWithEigs> dmd(new DMDWithEigs(static_cast<int>(n_local), dt));
    for (int j = 0; j < m; ++j) dmd->takeSample(&X[static_cast<size_t>(j) * n_local], j * dt);
    dmd->train(r);
    MPI_Barrier(MPI_COMM_WORLD);
    double t1 = MPI_Wtime();
    double num = 0, den = 0;
    for (int c = 0; c < q; ++c) {
        std::unique_ptr<CAROM::Vector> v = dmd->predict(tq[c]);
        const double* truth_c = &T[static_cast<size_t>(c) * n_local];
        for (long i = 0; i < n_local; ++i) {
            double d = v->item(static_cast<int>(i)) - truth_c[i];
            num += d * d, den += truth_c[i] * truth_c[i];
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double t2 = MPI_Wtime();
    double cpu_s = cpu_seconds() - cpu0, cpu_frac = cpu_s / (t2 - t0);

    double loc[2] = {num, den}, glob[2];
    MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double tmax[3] = {t1 - t0, t2 - t1, t2 - t0}, tm[3];
    MPI_Reduce(tmax, tm, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double cf, cpu_max;
    MPI_Reduce(&cpu_frac, &cf, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    MPI_Reduce(&cpu_s, &cpu_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double eig_err = NAN;
    if (argc == 9) {
        FILE* f = std::fopen(argv[8], "r");
        if (!f) die(rank, std::string("cannot open ") + argv[8]);
        double re, im;
        eig_err = 0;
        while (std::fscanf(f, "%lf %lf", &re, &im) == 2) {
            std::complex<double> w(re, im);
            double best = INFINITY;
            for (const std::complex<double>& lam : dmd->eigenvalues())
                best = std::min(best, std::abs(std::log(lam) / dt - w));
            eig_err = std::max(eig_err, best / std::abs(w));
        }
        std::fclose(f);
    }
    long rss = vmhwm_kib(), rss_max;
    MPI_Reduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0)
        std::printf("DMD_BENCH tool=librom method=exact P=%d N=%ld m=%d r=%d q=%d fit_s=%.6f "
                    "predict_s=%.6f total_s=%.6f read_s=%.4f err=%.6e eig_err=%.6e cpu_s=%.4f "
                    "cpu_frac=%.3f rss_max_mib=%.1f\n",
                    nprocs, N, m, r, q, tm[0], tm[1], tm[2], read_s,
                    std::sqrt(glob[0] / glob[1]), eig_err, cpu_max, cf, rss_max / 1024.0);
    dmd.reset();
    MPI_Finalize();
    return 0;
}
