#!/usr/bin/env bash
# reproduce's training answers SIGTERM / SIGINT like `romkit train` (docs/autoencoder.md,
# "Checkpoints and --resume"): on a reduced P2 (12 x 12, 30 steps, a 150-epoch network), a
# run killed by SIGTERM during the training exits with code 3, names the signal, leaves the
# checkpoint beside the cached network's name and no network; the same command then resumes
# from the checkpoint, and the network and the errors equal a straight run's bit for bit
# (h5py; all datasets but history/seconds). A SIGINT before the training (during the FOM
# runs, which are cached one by one) also exits with 3, and the next run completes.
set -u
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_reproduce_resume.$$"
mkdir -p "$dir" && dir="$(cd "$dir" && pwd)" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
R="$ROMKIT_BIN"
cmd=(reproduce P2 --grid 12 --steps 30 --method nm-galerkin --ae-epochs 150 --paper --json)
net="P2_g12_s30_ae_c0_k5_seed42_e150_train0.9,0.95,1.05,1.1.h5"

"$R" "${cmd[@]}" --workdir A >a.out 2>a.err
check "straight run" 0 $?

# SIGTERM once the training has done a few epochs
"$R" "${cmd[@]}" --workdir B >b1.out 2>b1.err &
pid=$!
for _ in $(seq 1 1500); do grep -Eq '^\[romkit\] epoch +5 ' b1.err 2>/dev/null && break; sleep 0.02; done
kill -TERM $pid 2>/dev/null
wait $pid
check "SIGTERM during the training: exit 3" 3 $?
grep -q "stopped (SIGTERM)" b1.out b1.err
check "the signal is named" 0 $?
[ -f "B/$net.ckpt.h5" ] && [ ! -e "B/$net" ]
check "checkpoint written, no network" 0 $?
$py -c "import h5py; f = h5py.File('B/$net.ckpt.h5', 'r'); print('stopped after epoch', f.attrs['ckpt_epoch'])"
"$R" "${cmd[@]}" --workdir B >b2.out 2>b2.err
check "the same command again" 0 $?
grep -q "resuming from its checkpoint" b2.out b2.err
check "it resumed from the checkpoint" 0 $?
[ ! -e "B/$net.ckpt.h5" ]
check "checkpoint removed after the network is written" 0 $?
$py - "A/$net" "B/$net" a.out b2.out <<'PY'
import json, sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert len(names) >= 10, names
bad = [n for n in names if n != "history/seconds" and
       (n not in b or not np.array_equal(a[n][()], b[n][()]))]
assert not bad, bad
assert len(a["history/loss"]) == 150 == len(b["history/loss"])
def last_json(path):
    return json.loads([l for l in open(path) if l.startswith("{")][-1])
ja, jb = last_json(sys.argv[3]), last_json(sys.argv[4])
for k in ("avg_error_pct", "max_error_pct"):
    assert ja[k] == jb[k], (k, ja[k], jb[k])
PY
check "killed + resumed == straight (network and errors, bit for bit)" 0 $?

# SIGINT before the training: the FOM runs done so far stay cached, exit 3, then completes
"$R" "${cmd[@]}" --workdir C >c1.out 2>c1.err &
pid=$!
for _ in $(seq 1 1500); do grep -q 'training FOM at a = 0.9: computed' c1.out c1.err 2>/dev/null && break; sleep 0.01; done
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
# the signal may land after the FOM runs (then the training stops after its first epoch)
check "SIGINT during the FOM runs: exit 3" 3 $rc
grep -q "stopped (SIGINT)" c1.out c1.err
check "SIGINT named" 0 $?
"$R" "${cmd[@]}" --workdir C >c2.out 2>c2.err
check "the next run completes" 0 $?
grep -q "training FOM at a = 0.9: cached" c2.out c2.err
check "the finished FOM run was cached" 0 $?

echo "reproduce_resume: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
