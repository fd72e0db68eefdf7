#!/usr/bin/env bash
# romkit train checkpoints and --resume (docs/autoencoder.md, "Checkpoints and --resume"):
# a straight run of E epochs against (a) a run stopped by --stop-after-epoch at E/2 and
# resumed, at 1 and 2 ranks, and (b) a run killed by SIGTERM once its first checkpoint
# exists (exit code 3, checkpoint intact) and resumed: the final networks' weights, scaling,
# loss / validation-loss / lr histories and best epoch must be bit-identical (h5py). Also:
# a resume with another option or architecture is refused naming the difference, a stale
# checkpoint is not overwritten without --overwrite, --resume without checkpoint is refused.
set -u
mpiexec="${MPIEXEC:-mpirun}"
mpi="$mpiexec --allow-run-as-root --oversubscribe"
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3
here="$(cd "$(dirname "$0")" && pwd)"
dir="${ROMKIT_TEST_DIR:-.}/cli_train_resume.$$"
mkdir -p "$dir" && dir="$(cd "$dir" && pwd)" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - "$here" <<'PY' || { echo "cannot write the snapshot file with h5py"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(5)
t = np.linspace(0, 1, 16)
a, b = rng.uniform(0.25, 0.75, 80), rng.uniform(-0.5, 0.5, 80)
write("snap.h5", np.exp(-(t[None, :] - a[:, None]) ** 2 / 0.05) * (1 + b[:, None] * t[None, :]))
PY
# patience 3 so the lr schedule changes during the run (its state must survive the resume)
opts="--latent 2 --hidden 16 --mask band:4:2 --batch 8 --lr 1e-2 --patience 3 --early-stop 0 --scaling minmax --quiet"
same() { # same A.h5 B.h5 WHAT: every dataset but history/seconds bit-identical
  $py - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert len(names) >= 10, names
for n in names:
    if n == "history/seconds": continue
    assert n in b, n + " missing"
    x, y = a[n][()], b[n][()]
    assert x.shape == y.shape and np.array_equal(x, y), n + " differs"
assert a.attrs["best_epoch"] == b.attrs["best_epoch"]
assert len(a["history/loss"]) == len(b["history/loss"])
lr = a["history/lr"][()]
assert lr[-1] < lr[0], "the schedule never reduced the lr: the test would not cover its state"
assert "checkpoint" not in a and "ckpt_epoch" not in a.attrs
PY
}
E=60
for np in 1 2; do
  $mpi -n $np "$ROMKIT_BIN" train snap.h5 -o straight.$np.h5 $opts --epochs $E >log.s.$np 2>&1
  check "straight run at $np ranks" 0 $?
  $mpi -n $np "$ROMKIT_BIN" train snap.h5 -o res.$np.h5 $opts --epochs $E --stop-after-epoch $((E / 2)) >log.a.$np 2>&1
  check "stop after epoch $((E / 2)) at $np ranks: exit 3" 3 $?
  [ -f res.$np.h5.ckpt.h5 ] && [ ! -e res.$np.h5 ]
  check "checkpoint written, no output at $np ranks" 0 $?
  $py -c "import h5py,sys; f=h5py.File('res.$np.h5.ckpt.h5','r'); sys.exit(0 if f.attrs['ckpt_epoch']==$((E / 2)) and len(f['history/loss'])==$((E / 2)) else 1)"
  check "checkpoint holds epoch $((E / 2)) at $np ranks" 0 $?
  $mpi -n $np "$ROMKIT_BIN" train snap.h5 -o res.$np.h5 $opts --epochs $E --resume >log.b.$np 2>&1
  check "resume at $np ranks" 0 $?
  same straight.$np.h5 res.$np.h5
  check "stopped + resumed == straight at $np ranks (bit for bit)" 0 $?
  [ ! -e res.$np.h5.ckpt.h5 ]
  check "checkpoint removed after success at $np ranks" 0 $?
done

# SIGTERM: a long run (checkpoint every epoch), killed once the first checkpoint exists
"$ROMKIT_BIN" train snap.h5 -o straight.long.h5 $opts --epochs 400 >log.s.long 2>&1
check "straight long run" 0 $?
"$ROMKIT_BIN" train snap.h5 -o sig.h5 $opts --epochs 400 --checkpoint-every 1 >log.sig 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -f sig.h5.ckpt.h5 ] && break; sleep 0.02; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
check "SIGTERM: exit 3 with checkpoint" 3 $rc
grep -q "SIGTERM" log.sig
check "SIGTERM named in the message" 0 $?
$py -c "import h5py; f=h5py.File('sig.h5.ckpt.h5','r'); print('SIGTERM after epoch', f.attrs['ckpt_epoch'])"
"$ROMKIT_BIN" train snap.h5 -o sig.h5 $opts --epochs 400 --resume >log.sig2 2>&1
check "resume after SIGTERM" 0 $?
same straight.long.h5 sig.h5
check "killed + resumed == straight (bit for bit)" 0 $?

# refusals
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E --stop-after-epoch 5 >/dev/null 2>&1
check "stop after 5" 3 $?
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E >log.r1 2>&1
check "existing checkpoint without --resume refused" 2 $?
grep -q -- "--resume" log.r1
check "message says --resume" 0 $?
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E --resume --batch 4 >log.r2 2>&1
check "resume with another batch refused" 1 $?
grep -q "batch = 8, this run has 4" log.r2
check "message names the batch" 0 $?
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E --resume --hidden 12 >log.r3 2>&1
check "resume with another architecture refused" 1 $?
grep -q "encoder layer 0 is 16 -> 16, this network's 16 -> 12" log.r3
check "message names the layer" 0 $?
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E --resume --seed 7 >log.r4 2>&1
check "resume with another seed refused" 1 $?
"$ROMKIT_BIN" train snap.h5 -o none.h5 $opts --epochs $E --resume >log.r5 2>&1
check "--resume without a checkpoint refused" 2 $?
"$ROMKIT_BIN" train snap.h5 -o r.h5 $opts --epochs $E --overwrite >/dev/null 2>&1
check "--overwrite starts over" 0 $?

echo "train_resume: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
