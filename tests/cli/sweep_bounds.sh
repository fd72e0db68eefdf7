#!/usr/bin/env bash
# romkit sweep with certified bounds: a P3 ROM with an estimator and output duals
# (examples/certified_uq.c, which also writes FOM outputs at the first 200 samples of the
# design) -> `romkit sweep --design mc` at 1 and 2 ranks: the certified section is printed,
# the files' bounds are bitwise equal, every FOM output lies within its bound, the FOM mean
# and median lie in the certified intervals, and romkit.plot.certified_cdf draws the band.
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
example="$(dirname "$ROMKIT_BIN")/../examples/example_certified_uq"
dir="${ROMKIT_TEST_DIR:-.}/cli_sweep_bounds.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
export OPENBLAS_NUM_THREADS=1
"$example" rom.h5 fom.txt 24 4 200 > /dev/null || { echo "FAIL: example_certified_uq"; exit 1; }
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" sweep rom.h5 --design mc \
    --samples 200 --seed 7 --range 0.1:10 --log -o sweep$np.h5 > out$np.txt 2>&1 ||
    { echo "FAIL: sweep at $np ranks"; cat out$np.txt; exit 1; }
  grep -q "certified lo" out$np.txt || { echo "FAIL: no certified section at $np ranks"; cat out$np.txt; exit 1; }
done
srcdir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHONPATH="$srcdir/python" MPLBACKEND=Agg $py - <<'PY'
import h5py, numpy as np, sys
fom = np.loadtxt("fom.txt")
with h5py.File("sweep1.h5") as f1, h5py.File("sweep2.h5") as f2:
    v, b = f1["outputs"][...], f1["bounds"][...]
    assert np.array_equal(b, f2["bounds"][...]), "bounds differ between 1 and 2 ranks"
    assert np.array_equal(f1["quantiles"][...], f2["quantiles"][...])
    cm, qs, lev = f1["certified_mean"][...], f1["quantiles"][...], f1["quantile_levels"][...]
assert np.all(np.abs(fom - v) <= b), "a FOM output lies outside its bound"
mean = fom.mean(axis=0)
assert np.all(cm[0] <= mean) and np.all(mean <= cm[1]), (cm, mean)
srt = np.sort(fom, axis=0)
for j, p in enumerate(lev):
    t = srt[max(int(np.ceil(p * len(fom))), 1) - 1]
    assert np.all(qs[1, j] <= t) and np.all(t <= qs[2, j]), (p, qs[:, j], t)
import romkit.plot as rp
fig = rp.certified_cdf("sweep1.h5", "mean", reference=fom[:, 0], path="cdf.png")
assert len(fig.axes[0].collections) >= 1
try:
    rp.certified_cdf("sweep1.h5", "nope")
    sys.exit("no error for an unknown output")
except ValueError:
    pass
print("sweep_bounds: all checks passed")
PY
