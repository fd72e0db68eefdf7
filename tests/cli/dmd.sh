#!/bin/bash
# romkit dmd fit / predict / info and romkit info on a DMD file: a known linear system
# (two damped oscillations and a decay, written with h5py) fitted at 1 and 2 ranks;
# eigenvalues against the analytic ones (h5py reads /eigenvalues), the prediction beyond the
# data against the analytic states (--compare), the file of 2 ranks read on 1, DMDc with a
# --control file, irregular --times, and the bad inputs' exit codes and sentences.
set -u
fail=0
ROMKIT_BIN=${ROMKIT_BIN:?ROMKIT_BIN is not set}
MPIEXEC=${MPIEXEC:-mpirun}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1
mpi() { "$MPIEXEC" --allow-run-as-root --oversubscribe "$@"; }
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/romkit-dmd-XXXXXX")
trap 'rm -rf "$work"' EXIT

$PY - "$work" "$here" <<'PYEOF' || { echo "FAIL: could not write the data"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import romkit_snapshots
w = sys.argv[1]
N = 120
x = np.linspace(0, 1, N)
om = [(-0.1, 1.3), (0.05, 0.7), (-0.3, 0.0)]
def state(t):
    v = np.zeros(N)
    for i, (s, f) in enumerate(om):
        a, c = np.sin((i + 1) * np.pi * x), np.cos((i + 1.5) * np.pi * x * x)
        v += np.exp(s * t) * ((a * np.cos(f * t) + c * np.sin(f * t)) if f else a)
    return v
t = 0.1 * np.arange(40)
romkit_snapshots.write(w + "/train.h5", np.array([state(s) for s in t]))
tf = np.linspace(4.0, 6.0, 5)
romkit_snapshots.write(w + "/future.h5", np.array([state(s) for s in tf]))
ti = 0.1 * np.arange(60) + 0.03 * np.sin(3.0 * np.arange(60))
romkit_snapshots.write(w + "/irregular.h5", np.array([state(s) for s in ti]))
np.savetxt(w + "/times.txt", ti)
import h5py
romkit_snapshots.write(w + "/tagged.h5", np.array([state(s) for s in ti]))
with h5py.File(w + "/tagged.h5", "a") as f:
    f["times"] = ti
np.savetxt(w + "/times_short.txt", ti[:10])
# DMDc: x_{k+1} = A x_k + B u_k, N = 4, q = 1
rng = np.random.default_rng(1)
A = 0.5 * np.eye(4) + 0.1 * rng.standard_normal((4, 4))
B = rng.standard_normal((4, 1))
u = rng.standard_normal((29, 1))
X = [np.ones(4)]
for k in range(29):
    X.append(A @ X[-1] + B @ u[k])
romkit_snapshots.write(w + "/ctl.h5", np.array(X))
np.savetxt(w + "/u.txt", u)
np.savetxt(w + "/u_bad.txt", u[:10])
np.savetxt(w + "/u59.txt", rng.standard_normal((59, 1)))
np.save(w + "/AB.npy", np.hstack([A, B]))
PYEOF

run_ok() { # $1 label, rest: command
  local label=$1 out
  shift
  if out=$("$@" 2>&1); then echo "ok $label"; else
    echo "FAIL $label: exit $?"; echo "$out"; fail=1
  fi
}
run_ok "fit (1 rank)" "$ROMKIT_BIN" dmd fit "$work/train.h5" --dt 0.1 -o "$work/d1.h5"
run_ok "fit (2 ranks)" mpi -n 2 "$ROMKIT_BIN" dmd fit "$work/train.h5" --dt 0.1 -o "$work/d2.h5"
run_ok "predict (1 rank, file of 2 ranks)" "$ROMKIT_BIN" dmd predict "$work/d2.h5" --from 4 --to 6 \
  --steps 4 -o "$work/p.h5" --compare "$work/future.h5"
out=$("$ROMKIT_BIN" dmd predict "$work/d2.h5" --from 4 --to 6 --steps 4 -o "$work/p.h5" \
  --overwrite --compare "$work/future.h5" 2>&1)
err=$(echo "$out" | sed -n 's/.*relative error against .*: \([^ ]*\) (Frobenius).*/\1/p')
if [ -n "$err" ] && $PY -c "import sys; sys.exit(0 if float('$err') < 1e-8 else 1)"; then
  echo "ok prediction error $err < 1e-8"
else echo "FAIL prediction error '$err'"; echo "$out"; fail=1; fi
run_ok "predict (2 ranks, --times)" mpi -n 2 "$ROMKIT_BIN" dmd predict "$work/d1.h5" \
  --times 4,4.5,5,5.5,6 -o "$work/p2.h5"
run_ok "dmd info" "$ROMKIT_BIN" dmd info "$work/d1.h5"
out=$("$ROMKIT_BIN" info "$work/d1.h5" 2>&1)
if echo "$out" | grep -q "kind.*dmd" && echo "$out" | grep -q "DMD eigenvalues: 5"; then
  echo "ok romkit info shows the DMD"
else echo "FAIL romkit info: $out"; fail=1; fi
run_ok "dmdc" "$ROMKIT_BIN" dmd fit "$work/ctl.h5" --method dmdc --control "$work/u.txt" \
  -o "$work/c.h5"
run_ok "dmdc predict" "$ROMKIT_BIN" dmd predict "$work/c.h5" --control "$work/u.txt" \
  -o "$work/cp.h5" --compare "$work/ctl.h5"
run_ok "irregular times" mpi -n 2 "$ROMKIT_BIN" dmd fit "$work/irregular.h5" \
  --times "$work/times.txt" -o "$work/irr.h5" --rank 5
run_ok "the file's /times" "$ROMKIT_BIN" dmd fit "$work/tagged.h5" --rank 5 -o "$work/tag.h5"
run_ok "windowed" "$ROMKIT_BIN" dmd fit "$work/train.h5" --dt 0.1 --window 20 --rank 5 \
  -o "$work/w.h5"

$PY - "$work" <<'PYEOF' || fail=1
import sys, h5py, numpy as np
w = sys.argv[1]
om = np.array([-0.1 + 1.3j, -0.1 - 1.3j, 0.05 + 0.7j, 0.05 - 0.7j, -0.3])
exp = np.exp(om * 0.1)
bad = 0
for name in ("d1", "d2"):
    with h5py.File(f"{w}/{name}.h5", "r") as f:
        assert f.attrs["kind"] == "dmd", f.attrs["kind"]
        lam = f["eigenvalues"][()] @ np.array([1, 1j])
        e = max(min(abs(l - exp)) for l in lam) if len(lam) == 5 else np.inf
        print(("ok" if e < 1e-10 else "FAIL"), f"{name}: eigenvalue error {e:.2e}")
        bad += e >= 1e-10
with h5py.File(f"{w}/p.h5", "r") as f:
    assert f["snapshots"].shape == (5, 120) and np.allclose(f["times"][()], np.linspace(4, 6, 5))
with h5py.File(f"{w}/irr.h5", "r") as f:
    o = f["omegas"][()] @ np.array([1, 1j])
    e = max(min(abs(x - om)) for x in o)
    print(("ok" if e < 1e-4 else "FAIL"), f"irregular times: omega error {e:.2e}")
    bad += e >= 1e-4
with h5py.File(f"{w}/tag.h5", "r") as f:
    o = f["omegas"][()] @ np.array([1, 1j])
    e = max(min(abs(x - om)) for x in o)
    ok = e < 1e-4 and f["scalars"][6] == 0
    print(("ok" if ok else "FAIL"), f"fit on the file's irregular /times: omega error {e:.2e}")
    bad += not ok
with h5py.File(f"{w}/w.h5", "r") as f:
    ok = f.attrs["windows"] == 3 and "window_000002/eigenvalues" in f
    print(("ok" if ok else "FAIL"), "windowed file has 3 windows")
    bad += not ok
with h5py.File(f"{w}/c.h5", "r") as f:
    AB = np.load(f"{w}/AB.npy")
    U = f["basis"][()].T
    A = U @ f["operator"][()] @ U.T
    B = U @ f["control_operator"][()]
    e = max(abs(A - AB[:, :4]).max(), abs(B - AB[:, 4:]).max())
    print(("ok" if e < 1e-9 else "FAIL"), f"dmdc recovers A and B to {e:.2e}")
    bad += e >= 1e-9
sys.exit(1 if bad else 0)
PYEOF

expect() { # $1 label, $2 exit code, $3 pattern of the message, rest: command
  local label=$1 code=$2 pattern=$3 out rc
  shift 3
  out=$("$@" 2>&1); rc=$?
  if [ $rc -eq "$code" ] && echo "$out" | grep -q -- "$pattern"; then echo "ok $label"; else
    echo "FAIL $label: exit $rc (expected $code), wanted '$pattern' in:"; echo "$out"; fail=1
  fi
}
expect "existing output" 1 "exists" "$ROMKIT_BIN" dmd fit "$work/train.h5" -o "$work/d1.h5"
expect "unknown method" 2 "not one of exact, dmdc, opt or bop" "$ROMKIT_BIN" dmd fit \
  "$work/train.h5" -o "$work/x.h5" --method foo
expect "dmdc without control" 2 "needs --control" "$ROMKIT_BIN" dmd fit "$work/ctl.h5" \
  --method dmdc -o "$work/x.h5"
expect "control of the wrong size" 2 "must hold m - 1 = 29 lines" "$ROMKIT_BIN" dmd fit \
  "$work/ctl.h5" --method dmdc --control "$work/u_bad.txt" -o "$work/x.h5"
expect "times of the wrong count" 2 "holds 10 times" "$ROMKIT_BIN" dmd fit "$work/irregular.h5" \
  --times "$work/times_short.txt" -o "$work/x.h5"
expect "irregular times with dmdc" 1 "needs uniform time steps" "$ROMKIT_BIN" dmd fit \
  "$work/irregular.h5" --times "$work/times.txt" --method dmdc --control "$work/u59.txt" \
  -o "$work/x.h5"
expect "missing file" 1 "train_missing.h5" "$ROMKIT_BIN" dmd fit "$work/train_missing.h5" \
  -o "$work/x.h5"
expect "not a DMD file" 1 "expected 'dmd'" "$ROMKIT_BIN" dmd info "$work/train.h5"
expect "unknown action" 2 "unknown action" "$ROMKIT_BIN" dmd fitt
expect "predict without times" 2 "exactly one of" "$ROMKIT_BIN" dmd predict "$work/d1.h5" \
  -o "$work/x.h5"
expect "help" 0 "dynamic\|Dynamic" "$ROMKIT_BIN" dmd --help
exit $fail
