#!/bin/bash
# Seconds per epoch of the P1 autoencoder (Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451
# (2022); docs/problems.md) on the P1 snapshot set, romkit's C training against PyTorch CPU
# (Debian's python3-torch) training the same network on the same data with the same
# thread count, in one run; then romkit at 2 ranks. docs/benchmarks.md reports the result.
#
#   scripts/bench_training.sh P1_SNAPSHOTS.h5 [EPOCHS] [OUT.json]
#
# P1_SNAPSHOTS.h5: the 1000 x 1000 training set u^n - u^0 of docs/problems.md (romkit
# snapshot file; docs/reproduction.md shows how to write it from `romkit reproduce`'s
# cached training runs). EPOCHS per run (default 6; the median excludes the first).
set -eu
data=${1:?usage: bench_training.sh P1_SNAPSHOTS.h5 [EPOCHS] [OUT.json]}
epochs=${2:-6}
out=${3:-docs/data/training_epoch.json}
here=$(cd "$(dirname "$0")/.." && pwd)
romkit=${ROMKIT_BIN:-$here/build/bin/romkit}
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/romkit-bench-training-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mpirun=(mpirun --allow-run-as-root --oversubscribe)

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$romkit" train "$data" -o "$tmp/c1.h5" --latent 5 --problem P1 --epochs "$epochs" >"$tmp/c1.log" 2>&1
$py "$here/scripts/torch_p1_epoch.py" "$data" --epochs "$epochs" --threads 1 --dtype float64 >"$tmp/t64.log" 2>&1
$py "$here/scripts/torch_p1_epoch.py" "$data" --epochs "$epochs" --threads 1 --dtype float32 >"$tmp/t32.log" 2>&1
"${mpirun[@]}" -n 2 "$romkit" train "$data" -o "$tmp/c2.h5" --latent 5 --problem P1 --epochs "$epochs" >"$tmp/c2.log" 2>&1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

$py - "$tmp" "$out" "$epochs" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, re, statistics, sys
tmp, out, epochs, load = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def curve(path, pat):
    rows = []
    for line in open(path):
        m = re.search(pat, line)
        if m:
            rows.append((float(m.group(1)), float(m.group(2)), float(m.group(3))))
    return rows

c_pat = r"epoch\s+\d+\s+loss (\S+)\s+val_loss (\S+)\s+lr \S+\s+(\S+) s"
t_pat = r"torch epoch \d+\s+loss (\S+)\s+val_loss (\S+)\s+(\S+) s"
res = {}
for key, path, pat in (("romkit_c_1rank", "c1.log", c_pat), ("torch_float64_1thread", "t64.log", t_pat),
                       ("torch_float32_1thread", "t32.log", t_pat), ("romkit_c_2ranks", "c2.log", c_pat)):
    rows = curve(f"{tmp}/{path}", pat)
    secs = [r[2] for r in rows]
    med = statistics.median(secs[1:] if len(secs) >= 3 else secs)
    res[key] = {"seconds_per_epoch_median": med, "seconds": secs,
                "loss": [r[0] for r in rows], "val_loss": [r[1] for r in rows]}
c = res["romkit_c_1rank"]["seconds_per_epoch_median"]
for key in res:
    res[key]["speedup_of_romkit_1rank"] = res[key]["seconds_per_epoch_median"] / c
res["epochs"] = epochs
res["load_average_after"] = load
json.dump(res, open(out, "w"), indent=1)
for key in ("romkit_c_1rank", "romkit_c_2ranks", "torch_float64_1thread", "torch_float32_1thread"):
    r = res[key]
    print(f"{key:24s} {r['seconds_per_epoch_median']:.3f} s/epoch  (x{r['speedup_of_romkit_1rank']:.2f} of romkit 1 rank)"
          f"  losses {' '.join('%.2e' % v for v in r['loss'])}")
print("wrote", out)
PY
