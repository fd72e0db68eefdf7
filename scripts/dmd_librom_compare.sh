#!/usr/bin/env bash
# dmd_librom_compare.sh -- romkit's DMD side by side with libROM's CAROM::DMD, in one run
# (docs/dmd.md, "Side by side with libROM").
#
# Data: scripts/dmd_bench_data.py, a synthetic linear problem with a known answer (damped
# standing waves and decaying modes on the unit square, rank 10, known eigenvalues), clean
# and with 1 % Gaussian noise; the predictions extrapolate over one more training span and
# are measured against the clean truth.
#
# For each data set, rank count P in 1 2 and repetition, in this order (so that every tool
# sees the same machine load):
#   libROM   scripts/librom_dmd_bench.cpp: CAROM::DMD takeSample x m, train(r), predict x q
#   romkit   scripts/romkit_dmd_bench.c: rom_dmd_fit (rank r) + rom_dmd_predict_many, the
#            same protocol and timers, methods exact (and opt, bop on the noisy data)
#   CLI      romkit dmd fit / romkit dmd predict --compare (end-to-end: process start, HDF5
#            read and write), if the romkit binary has the dmd command
# then prints medians.  Times: wall seconds, barrier at each phase, max over ranks; cpu =
# process CPU seconds over the timed part (max over ranks; Open MPI's busy waiting counts).
#
# Environment (defaults):
#   LIBROM_SRC    libROM source tree (headers: $LIBROM_SRC/lib, and LIBROM_COMMIT or git)
#   LIBROM_BUILD  libROM build tree with lib/libROM.so, e.g. configured with
#                 cmake -DCMAKE_BUILD_TYPE=Release -DUSE_MFEM=OFF -DENABLE_EXAMPLES=OFF
#                 -DENABLE_TESTS=OFF -DENABLE_DOCS=OFF -DBUILD_STATIC=OFF -DBLA_VENDOR=OpenBLAS
#                 -DCMAKE_{C,CXX,Fortran}_COMPILER=mpi{cc,cxx,f90}, target ROM
#   ROMKIT_BUILD  romkit's CMake build directory (default: ./build, Release)
#   DATA_DIR      where the data and the harness binaries go (default ${TMPDIR:-/tmp}/romkit-dmd-bench)
#   NX=200 NY=100 M=200 R=10 REPS=3
#   MPIRUN_ARGS="--allow-run-as-root --oversubscribe"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
: "${LIBROM_SRC:?set LIBROM_SRC to a libROM source tree}"
: "${LIBROM_BUILD:?set LIBROM_BUILD to a libROM build tree (lib/libROM.so)}"
ROMKIT_BUILD=$(cd "${ROMKIT_BUILD:-$ROOT/build}" && pwd)
DATA=${DATA_DIR:-${TMPDIR:-/tmp}/romkit-dmd-bench}
NX=${NX:-200}
NY=${NY:-100}
M=${M:-200}
R=${R:-10}
REPS=${REPS:-3}
MPIRUN_ARGS=${MPIRUN_ARGS:---allow-run-as-root --oversubscribe}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

mkdir -p "$DATA"
mpicxx -O2 -std=c++11 -Wall -isystem "$LIBROM_SRC/lib" "$HERE/librom_dmd_bench.cpp" \
    -o "$DATA/librom_dmd_bench" -L"$LIBROM_BUILD/lib" -lROM -Wl,-rpath,"$LIBROM_BUILD/lib"
mpicc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall "$HERE/romkit_dmd_bench.c" \
    -I"$ROOT/include" -I"$ROMKIT_BUILD/include" -L"$ROMKIT_BUILD" -lromkit \
    -Wl,-rpath,"$ROMKIT_BUILD" -lm -o "$DATA/romkit_dmd_bench"
if [ ! -f "$DATA/meta.txt" ] || [ "$(cat "$DATA/nxnym.txt" 2>/dev/null)" != "$NX $NY $M" ]; then
    "$PY" "$HERE/dmd_bench_data.py" "$DATA" --nx "$NX" --ny "$NY" --m "$M"
    echo "$NX $NY $M" > "$DATA/nxnym.txt"
fi
read -r N M DT Q < "$DATA/meta.txt"
ROMKIT_BIN="$ROMKIT_BUILD/bin/romkit"
HAVE_CLI=0
if "$ROMKIT_BIN" dmd --help > /dev/null 2>&1; then HAVE_CLI=1; fi
TLIST=$(paste -sd, "$DATA/test_times.txt")

COMMIT=$(cat "$LIBROM_SRC/LIBROM_COMMIT" 2>/dev/null || git -C "$LIBROM_SRC" rev-parse HEAD 2>/dev/null || echo unknown)
echo "libROM commit: $COMMIT"
echo "romkit: $(git -C "$ROOT" rev-parse --short HEAD) ($ROMKIT_BUILD)"
echo "host: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "data: N = $N rows, m = $M snapshots, dt = $DT, r = $R, q = $Q test times, reps = $REPS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

RES="$DATA/results-$(date +%Y%m%d-%H%M%S).txt"
: > "$RES"
now() { date +%s.%N; }
for set in clean noisy; do
    train="$DATA/train.bin" h5="$DATA/train.h5"
    [ "$set" = noisy ] && train="$DATA/train_noisy.bin" h5="$DATA/train_noisy.h5"
    methods="exact"
    [ "$set" = noisy ] && methods="exact opt bop"
    for np in 1 2; do
        for rep in $(seq 1 "$REPS"); do
            load=$(cut -d' ' -f1 /proc/loadavg)
            # shellcheck disable=SC2086
            a=$(now); line=$(mpirun $MPIRUN_ARGS -np "$np" -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS \
                "$DATA/librom_dmd_bench" "$train" "$DATA/truth.bin" "$DATA/test_times.txt" "$N" "$M" "$DT" "$R" \
                "$DATA/omega.txt" 2>&1 | grep '^DMD_BENCH '); b=$(now)
            echo "$line set=$set load=$load process_s=$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')" | tee -a "$RES"
            for meth in $methods; do
                # shellcheck disable=SC2086
                a=$(now); line=$(mpirun $MPIRUN_ARGS -np "$np" -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS \
                    "$DATA/romkit_dmd_bench" "$train" "$DATA/truth.bin" "$DATA/test_times.txt" "$N" "$M" "$DT" "$R" \
                    "$meth" "$DATA/omega.txt" 2>&1 | grep '^DMD_BENCH '); b=$(now)
                echo "$line set=$set load=$load process_s=$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')" | tee -a "$RES"
            done
            if [ "$HAVE_CLI" = 1 ]; then
                for meth in $methods; do
                    # shellcheck disable=SC2086
                    a=$(now)
                    mpirun $MPIRUN_ARGS -np "$np" -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS "$ROMKIT_BIN" dmd fit "$h5" \
                        -o "$DATA/cli.dmd.h5" --rank "$R" --method "$meth" --overwrite > "$DATA/cli-fit.log" 2>&1
                    b=$(now)
                    # shellcheck disable=SC2086
                    mpirun $MPIRUN_ARGS -np "$np" -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS "$ROMKIT_BIN" dmd predict \
                        "$DATA/cli.dmd.h5" --times "$TLIST" -o "$DATA/cli.pred.h5" --compare "$DATA/truth.h5" \
                        --overwrite > "$DATA/cli-predict.log" 2>&1
                    c=$(now)
                    err=$(sed -nE 's/.*relative error against [^:]*: ([0-9.eE+-]+).*/\1/p' "$DATA/cli-predict.log" | head -1)
                    echo "DMD_BENCH tool=cli method=$meth P=$np fit_s=$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}') predict_s=$(awk -v b="$b" -v c="$c" 'BEGIN{print c-b}') total_s=$(awk -v a="$a" -v c="$c" 'BEGIN{print c-a}') err=${err:-nan} eig_err=nan cpu_s=nan cpu_frac=nan set=$set load=$load" | tee -a "$RES"
                done
            fi
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Medians over $REPS runs (s; libROM/romkit = ratio of libROM's median to this row's):"
"$PY" - "$RES" <<'EOF'
import statistics as st
import sys

rows = {}
for ln in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in ln.split()[1:])
    rows.setdefault((kv["set"], int(kv["P"]), kv["tool"], kv["method"]), []).append(kv)


def med(rs, key):
    v = [float(r[key]) for r in rs if r.get(key, "nan") != "nan"]
    return st.median(v) if v else float("nan")


print(f"{'data':<6}{'P':>2} {'tool':<7}{'method':<7}{'fit':>9}{'predict':>9}{'total':>9}{'cpu':>9}"
      f"{'process':>9}{'pred. err':>11}{'eig err':>10}{'cpu/wall':>9}{'load':>6}"
      f"{'libROM/this total':>19}{'cpu':>7}")
for (s, p, tool, meth), rs in sorted(rows.items(), key=lambda x: (x[0][0], x[0][1], x[0][2] != "librom", x[0][2], x[0][3])):
    lib = rows.get((s, p, "librom", "exact"))
    rt = med(lib, "total_s") / med(rs, "total_s") if lib else float("nan")
    rc = med(lib, "cpu_s") / med(rs, "cpu_s") if lib else float("nan")
    print(f"{s:<6}{p:>2} {tool:<7}{meth:<7}{med(rs, 'fit_s'):9.3f}{med(rs, 'predict_s'):9.3f}"
          f"{med(rs, 'total_s'):9.3f}{med(rs, 'cpu_s'):9.3f}{med(rs, 'process_s'):9.2f}"
          f"{med(rs, 'err'):11.3e}{med(rs, 'eig_err'):10.2e}{med(rs, 'cpu_frac'):9.2f}"
          f"{med(rs, 'load'):6.1f}{rt:19.1f}{rc:7.1f}")
EOF
echo
echo "raw results: $RES"
