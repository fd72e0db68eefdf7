#!/usr/bin/env bash
# The wide-snapshot benchmark of docs/pod.md ("Wide snapshot sets"): romkit's 'wide' method,
# ScaLAPACK and serial LAPACK (dgesdd jobz='S', dgesvd U only, the serial transpose-QR) on the
# same N x m matrix (default 256 x 40000) in one run, at 1 and 2 ranks, medians of R runs,
# load average printed (a shared machine is noisy: compare only ratios from the same run).
# Usage: scripts/bench_wide_svd.sh [build-dir] [N] [m] [R]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rows=${2:-256}
cols=${3:-40000}
repeat=${4:-3}
romkit="$build/bin/romkit"
[ -x "$romkit" ] || { echo "build romkit first (make build)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for np in 1 2; do
  echo "=== $np rank(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  mpirun --oversubscribe -n "$np" "$romkit" bench svd --rows "$rows" --cols "$cols" \
    --repeat "$repeat" --methods wide,scalapack
done
