#!/usr/bin/env bash
# Runs the issue-3 benchmarks on this machine and regenerates docs/data/*.json and the
# plots in docs/img/ (scripts/plot_benchmarks.py). Takes a few minutes on 2 cores.
# Usage: scripts/run_benchmarks.sh [build-dir]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
romkit="$build/bin/romkit"
[ -x "$romkit" ] || { echo "build romkit first (make build)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_cmd=(mpirun --oversubscribe)
json_tail() { sed -n '/^{/,$p'; } # the JSON object is the last thing each benchmark prints
for np in 1 2; do
  echo "romkit bench pod at $np rank(s)"
  "${mpirun_cmd[@]}" -n "$np" "$romkit" bench pod --repeat 5 --json | json_tail > "docs/data/pod_np$np.json"
done
echo "romkit bench heat"
"$romkit" bench heat --n 128 --repeat 7 --json | json_tail > docs/data/heat.json
{ echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores";
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"; echo "commit: $(git rev-parse --short HEAD)"; } > docs/data/machine.txt
/usr/bin/python3 scripts/plot_benchmarks.py docs/data docs/img
