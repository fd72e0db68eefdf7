#!/bin/bash
# The fair PyTorch comparison of docs/benchmarks.md ("Autoencoder training: romkit against
# PyTorch"): seconds per epoch of the P1 network (docs/problems.md) on the P1 training set,
# romkit's C training (`romkit train --problem P1`, float64, 1 rank) and PyTorch CPU
# (Debian's python3-torch, scripts/torch_p1_epoch.py) in each formulation of the masked
# layer (dense-mask = the authors', band, csr), float32 and float64, with glibc's default
# malloc and with malloc tuned, all at 1 thread, side by side in ONE run, REPEATS times
# (the machine may be shared: compare the ratios within a repeat, and read the load).
#
#   scripts/bench_torch.sh [P1_SNAPSHOTS.h5] [EPOCHS] [REPEATS] [OUT.json]
#
# P1_SNAPSHOTS.h5 (default build/P1_train.h5): the 1000 x 1000 training set u^n - u^0 of
# both training runs; written with the romkit Python package if it does not exist.
# EPOCHS per run (default 4; the median excludes the first), REPEATS (default 3).
# SKIP_DENSE_DEFAULT=1 leaves out the slowest rows (dense mask, default malloc).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$here/build/P1_train.h5}
epochs=${2:-4}
repeats=${3:-3}
out=${4:-$here/docs/data/training_torch.json}
romkit=${ROMKIT_BIN:-$here/build/bin/romkit}
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# glibc malloc tuned: no mmap for temporaries (the largest threshold glibc accepts is
# 32 MiB, below the dense-mask layer's 48-96 MB buffers, so mmap is switched off), no
# trimming of the heap top, 1 GiB of padding: freed blocks are reused, not page-faulted in
# again at every step. Applied to romkit's runs too.
tuned=(env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_MMAP_MAX_=0
  MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/romkit-bench-torch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$data" ]; then
  echo "writing the P1 training set $data (romkit Python package)"
  PYTHONPATH="$here/python" ROMKIT_LIB="${ROMKIT_LIB:-$here/build/libromkit.so}" $py - "$data" <<'PY'
import sys
import numpy as np
import romkit
p1 = romkit.Burgers1D()
S = np.asfortranarray(np.hstack([(T[1:] - T[0]).T for T in (p1.solve(a) for a in (0.9, 1.1))]))
with romkit.Snapshots(p1.local_rows) as s:
    s.add_block(S)
    s.write(sys.argv[1])
PY
fi

have_torch=1
if ! $py -c "import torch" 2>/dev/null; then
  have_torch=0
  echo "NOTE: PyTorch does not import with $py (Debian's python3-torch is not installed):"
  echo "      only romkit's rows are measured"
fi

log() { echo "$1" >>"$tmp/runs.txt"; }
for r in $(seq 1 "$repeats"); do
  log "repeat $r load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$romkit" train "$data" -o "$tmp/c.h5" --latent 5 --problem P1 --epochs "$epochs" \
    --checkpoint-every 0 --overwrite >"$tmp/r$r.romkit.default.log" 2>&1
  "${tuned[@]}" "$romkit" train "$data" -o "$tmp/c.h5" --latent 5 --problem P1 \
    --epochs "$epochs" --checkpoint-every 0 --overwrite >"$tmp/r$r.romkit.tuned.log" 2>&1
  if [ "$have_torch" = 1 ]; then
    for dtype in float32 float64; do
      for variant in band csr dense; do
        for malloc in tuned default; do
          [ "$variant$malloc" = densedefault ] && [ "${SKIP_DENSE_DEFAULT:-0}" = 1 ] && continue
          cmd=($py "$here/scripts/torch_p1_epoch.py" "$data" --variant "$variant" --dtype "$dtype"
            --threads 1 --epochs "$epochs")
          [ "$malloc" = tuned ] && cmd=("${tuned[@]}" "${cmd[@]}")
          "${cmd[@]}" >"$tmp/r$r.torch-$variant-$dtype.$malloc.log" 2>&1
        done
      done
    done
  fi
  log "repeat $r done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done

$py - "$tmp" "$out" "$epochs" "$repeats" "$(nproc)" <<'PY'
import glob, json, os, re, statistics, sys
tmp, out, epochs, repeats, ncpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c_pat = re.compile(r"epoch\s+\d+\s+loss (\S+)\s+val_loss (\S+)\s+lr \S+\s+(\S+) s")
t_pat = re.compile(r"torch epoch \d+\s+loss (\S+)\s+val_loss (\S+)\s+(\S+) s\s+(\d+) minor")

def median_epoch(path):
    secs, faults, loss = [], [], []
    for line in open(path):
        m = c_pat.search(line) or t_pat.search(line)
        if m:
            loss.append(float(m.group(1)))
            secs.append(float(m.group(3)))
            if m.re is t_pat:
                faults.append(int(m.group(4)))
    if not secs:
        raise SystemExit(f"no epoch lines in {path}:\n" + open(path).read()[-2000:])
    use = secs[1:] if len(secs) >= 3 else secs
    return statistics.median(use), (statistics.median(faults[1:] or faults) if faults else None), loss

rows = {}
for r in range(1, repeats + 1):
    for path in sorted(glob.glob(f"{tmp}/r{r}.*.log")):
        name = os.path.basename(path)[len(f"r{r}."):-len(".log")]
        sec, faults, loss = median_epoch(path)
        rows.setdefault(name, []).append({"seconds_per_epoch": sec, "minor_faults_per_epoch": faults,
                                          "loss": loss})
base = rows["romkit.default"]
result = {"epochs": epochs, "repeats": repeats, "cores": ncpu,
          "load": open(f"{tmp}/runs.txt").read().splitlines(), "rows": {}}
print(f"{'run':34s} " + " ".join(f"rep{r + 1:d} s/ep" for r in range(repeats)) +
      "   median  x romkit (same repeat)  faults/epoch")
for name, reps in rows.items():
    secs = [x["seconds_per_epoch"] for x in reps]
    ratios = [x["seconds_per_epoch"] / b["seconds_per_epoch"] for x, b in zip(reps, base)]
    result["rows"][name] = {"seconds_per_epoch": secs, "median": statistics.median(secs),
                            "ratio_to_romkit_same_repeat": ratios,
                            "minor_faults_per_epoch": [x["minor_faults_per_epoch"] for x in reps],
                            "loss_first_repeat": reps[0]["loss"]}
    faults = reps[0]["minor_faults_per_epoch"]
    print(f"{name:34s} " + " ".join(f"{s:10.3f}" for s in secs) +
          f" {statistics.median(secs):8.3f}  " + " ".join(f"{q:5.2f}" for q in ratios) +
          f"  {'' if faults is None else faults}")
for line in result["load"]:
    print(line)
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
json.dump(result, open(out, "w"), indent=1)
print("wrote", out)
PY
