#!/usr/bin/env bash
# romkit train --precision (docs/autoencoder.md, "Precision"): single-precision training at 1
# and 2 ranks with --reproducible 2 gives the same file bit for bit; the file is float64
# (h5py: the same layout as double training) and its loss falls; the first epoch's loss
# agrees with double training to float round-off but is not the double value; a checkpoint
# written in single is refused by a --resume in double (naming both precisions) and resumed
# in single equals the straight run bit for bit; --init of a double-trained network trains
# on in single; a bad --precision is a usage error (exit 2).
set -u
mpiexec="${MPIEXEC:-mpirun}"
mpi="$mpiexec --allow-run-as-root --oversubscribe"
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3
here="$(cd "$(dirname "$0")" && pwd)"
dir="${ROMKIT_TEST_DIR:-.}/cli_train_precision.$$"
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
opts="--latent 2 --hidden 16 --mask band:4:2 --batch 8 --lr 1e-2 --early-stop 0 --quiet --reproducible 2"
E=20
for np in 1 2; do
  $mpi -n $np "$ROMKIT_BIN" train snap.h5 -o single.$np.h5 $opts --epochs $E --precision single >log.s.$np 2>&1
  check "single at $np ranks" 0 $?
done
"$ROMKIT_BIN" train snap.h5 -o double.h5 $opts --epochs $E --precision double >log.d 2>&1
check "double" 0 $?
$py - <<'PY'
import h5py, numpy as np
a, b, d = (h5py.File(n, "r") for n in ("single.1.h5", "single.2.h5", "double.h5"))
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
dn = []
d.visititems(lambda n, o: dn.append(n) if isinstance(o, h5py.Dataset) else None)
assert sorted(names) == sorted(dn), (names, dn)
for n in names:
    if n == "history/seconds": continue
    assert np.array_equal(a[n][()], b[n][()]), n + ": 1 and 2 ranks differ"
    assert a[n].dtype == d[n].dtype, n + " dtype"
w = [n for n in names if a[n].dtype.kind == "f"]
assert all(a[n].dtype == np.float64 for n in w), "the file stays float64"
ls, ld = a["history/loss"][()], d["history/loss"][()]
assert ls[-1] < 0.5 * ls[0], ls
assert ls[0] != ld[0] and abs(ls[0] / ld[0] - 1) < 1e-4, (ls[0], ld[0])
PY
check "single: 1 = 2 ranks bit for bit, float64 file, learns, tracks double" 0 $?
# checkpoints: stop in single, resume in double refused, in single = straight
"$ROMKIT_BIN" train snap.h5 -o res.h5 $opts --epochs $E --precision single --stop-after-epoch $((E / 2)) >log.a 2>&1
check "single: stop after epoch $((E / 2))" 3 $?
"$ROMKIT_BIN" train snap.h5 -o res.h5 $opts --epochs $E --precision double --resume >log.b 2>&1
check "resume in another precision refused" 1 $?
grep -q "single precision" log.b && grep -q -- "--precision single" log.b
check "the refusal names the checkpoint's precision and the option" 0 $?
"$ROMKIT_BIN" train snap.h5 -o res.h5 $opts --epochs $E --resume >log.c 2>&1
check "resume without --precision (double) refused" 1 $?
"$ROMKIT_BIN" train snap.h5 -o res.h5 $opts --epochs $E --precision single --resume >log.e 2>&1
check "resume in single" 0 $?
$py - <<'PY'
import h5py, numpy as np
a, b = h5py.File("res.h5", "r"), h5py.File("single.1.h5", "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert len(names) >= 8, names
for n in names:
    if n != "history/seconds":
        assert np.array_equal(a[n][()], b[n][()]), n + " differs"
PY
check "single stopped + resumed == straight (bit for bit)" 0 $?
# --init of a double-trained network, continued in single
"$ROMKIT_BIN" train snap.h5 -o init.h5 --init double.h5 --latent 2 --epochs 3 --batch 8 --quiet --precision single >log.i 2>&1
check "--init a double network, train in single" 0 $?
"$ROMKIT_BIN" train snap.h5 -o bad.h5 $opts --epochs 2 --precision half >log.x 2>&1
check "--precision half: usage error" 2 $?
grep -q "double or single" log.x
check "the usage error names the choices" 0 $?

# reproduce: --precision trains a network, so not with a POD method nor with --ae
"$ROMKIT_BIN" reproduce P1 --method pod-lspg --precision single >log.r1 2>&1
check "reproduce: --precision on a POD method is a usage error" 2 $?
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --ae double.h5 --precision single >log.r2 2>&1
check "reproduce: --precision with --ae is a usage error" 2 $?
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --precision half >log.r3 2>&1
check "reproduce: --precision half is a usage error" 2 $?

echo "train_precision: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
