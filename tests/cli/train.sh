#!/usr/bin/env bash
# romkit train: a snapshot file written here with h5py (200 snapshots of a travelling,
# stretched bump in R^24: a curved 2-D manifold) -> training at 1 and 2 ranks with
# --reproducible 2 (identical files: same history and weights bit for bit; also with
# --grad-reduce sharded against the allreduce default), the file's
# layout checked with h5py (groups, CSR mask of band:6:2, activation attributes, history,
# a numpy forward pass of the stored network equal to the reconstruction quality the
# history claims), the P2 preset on a 5 x 5 grid, --help and the exit codes 0/1/2.
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_train.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the snapshot files with h5py"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(3)
t = np.linspace(0, 1, 24)
a, b = rng.uniform(0.25, 0.75, 200), rng.uniform(-0.5, 0.5, 200)
write("snap.h5", np.exp(-(t[None, :] - a[:, None]) ** 2 / 0.05) * (1 + b[:, None] * t[None, :]))
g = np.linspace(0, 1, 5)
write("snap2d.h5", np.array([np.outer(np.sin(np.pi * g * s), np.sin(np.pi * g)).ravel() + 2 for s in rng.uniform(0.5, 1.5, 60)]))
bad = np.exp(-(t[None, :] - a[:50, None]) ** 2 / 0.05); bad[7, 3] = np.nan
write("nan.h5", bad)
PY
train="--latent 2 --hidden 32 --mask band:6:2 --epochs 60 --batch 10 --lr 3e-3 --reproducible 2 --quiet"
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" train snap.h5 -o "ae.$np.h5" $train >"log.$np" 2>&1
  check "train at $np ranks" 0 $?
done
$py - <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File("ae.1.h5", "r"), h5py.File("ae.2.h5", "r")
assert a.attrs["kind"] == "autoencoder" and a.attrs["latent_dim"] == 2 and a.attrs["input_dim"] == 24
for name in ("history/loss", "history/val_loss", "history/lr", "encoder/layer0/weights",
             "decoder/layer1/values"):
    assert np.array_equal(a[name][()], b[name][()]), name + " differs between 1 and 2 ranks"
e0, e1, d0, d1 = (a[g] for g in ("encoder/layer0", "encoder/layer1", "decoder/layer0", "decoder/layer1"))
assert e0["weights"].shape == (32, 24) and e0["bias"].shape == (32,) and e0.attrs["activation"] == "swish"
assert e1["weights"].shape == (2, 32) and "bias" not in e1 and e1.attrs["activation"] == "identity"
assert d0["weights"].shape == (52, 2) and d0.attrs["bias"] == 0
rp, ci = d1["row_ptr"][()].astype(int), d1["col_index"][()].astype(int)
assert d1.attrs["masked"] == 1 and len(rp) == 25 and rp[-1] == 24 * 6 and (ci[6:12] == np.arange(2, 8)).all()
# the stored network, evaluated in numpy, reproduces the best validation loss's order
sw = lambda z: z / (1 + np.exp(-z))
W = np.zeros((24, 52))
for i in range(24): W[i, ci[rp[i]:rp[i + 1]]] = d1["values"][rp[i]:rp[i + 1]]
X = h5py.File("snap.h5", "r")["snapshots"][()]
Xs = (X - a["scaling/shift"][()]) / a["scaling/scale"][()]
Q = (e1["weights"][()] @ sw(e0["weights"][()] @ Xs.T + e0["bias"][()][:, None]))
Y = W @ sw(d0["weights"][()] @ Q)
mse, best = np.mean((Y - Xs.T) ** 2), a.attrs["best_epoch"]
vl, l = a["history/val_loss"][()], a["history/loss"][()]
assert l[0] > 10 * vl[best], "training did not reduce the loss"
assert 0.2 * vl[best] < mse < 5 * vl[best], (mse, vl[best])
print("cli train: numpy forward MSE %.3e, best val loss %.3e, first loss %.3e" % (mse, vl[best], l[0]))
PY
check "file contents and 1 vs 2 ranks" 0 $?
# the sharded gradient reduction: the same file as the allreduce default, bit for bit
"$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$ROMKIT_BIN" train snap.h5 -o ae.2a.h5 $train --grad-reduce sharded >log.2a 2>&1
check "train at 2 ranks, --grad-reduce sharded" 0 $?
$py -c "
import h5py, numpy as np
a, b = h5py.File('ae.2.h5', 'r'), h5py.File('ae.2a.h5', 'r')
for n in ('history/loss', 'history/val_loss', 'encoder/layer0/weights', 'decoder/layer1/values'):
    assert np.array_equal(a[n][()], b[n][()]), n + ' differs between sharded and allreduce'
"
check "--grad-reduce sharded equals allreduce bit for bit" 0 $?
"$ROMKIT_BIN" train snap.h5 -o bad.h5 --latent 2 --grad-reduce ring >/dev/null 2>log.bad
check "--grad-reduce ring refused" 2 $?
grep -q "expected sharded or allreduce" log.bad; check "--grad-reduce message" 0 $?
grep -q "best epoch" log.1; check "summary line" 0 $?
"$ROMKIT_BIN" train snap.h5 -o log.h5 --latent 2 --hidden 8 --mask band:6:2 --epochs 3 2>log.err >/dev/null
grep -q "epoch      2  loss" log.err; check "per-epoch progress lines" 0 $?
"$ROMKIT_BIN" train snap2d.h5 -o p2.h5 --latent 2 --problem P2 --epochs 3 --batch 10 --quiet >/dev/null
check "--problem P2 on a 5 x 5 grid" 0 $?
$py -c "
import h5py, numpy as np
f = h5py.File('p2.h5', 'r'); d = f['decoder/layer1']
assert f['encoder/layer0'].attrs['activation'] == 'sigmoid' and f['decoder/layer0'].attrs['bias'] == 1
assert d['row_ptr'].shape == (26,) and f['decoder/layer0/weights'].shape == (340, 2)
X = h5py.File('snap2d.h5', 'r')['snapshots'][()]
r = X.max(0) - X.min(0); r[r <= 1e-12 * np.abs(X).max(0)] = 1
assert np.array_equal(f['scaling/shift'][()], X.min(0)) and np.allclose(f['scaling/scale'][()], r, rtol=1e-15, atol=0)
"
check "P2 file: sigmoid, stencil mask, min-max scaling" 0 $?
# --init: training continues from the file's weights (the first epoch starts near the
# file's loss, far below a fresh network's), the network is kept, bad combinations fail
"$ROMKIT_BIN" train snap.h5 -o cont.h5 --init ae.1.h5 --epochs 3 --batch 10 --lr 1e-4 --quiet >/dev/null
check "--init continues a network" 0 $?
$py -c "
import h5py, numpy as np
a, c = h5py.File('ae.1.h5', 'r'), h5py.File('cont.h5', 'r')
first, best = c['history/loss'][0], a['history/val_loss'][a.attrs['best_epoch']]
assert first < 0.1 * a['history/loss'][0] and first < 10 * best, (first, best)
assert c['decoder/layer1/values'].shape == a['decoder/layer1/values'].shape
assert np.array_equal(c['scaling/shift'][()], a['scaling/shift'][()])
"
check "--init: loss continues, structure and scaling kept" 0 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --init ae.1.h5 --mask band:6:2 2>/dev/null
check "--init with --mask" 2 $?
"$ROMKIT_BIN" train snap2d.h5 -o x.h5 --init ae.1.h5 2>/dev/null
check "--init with snapshots of another size" 1 $?
"$ROMKIT_BIN" train --help >/dev/null; check "--help" 0 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 2>/dev/null; check "missing --latent" 2 $?
"$ROMKIT_BIN" train snap.h5 --latent 2 2>/dev/null; check "missing -o" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --activation relu 2>/dev/null; check "unknown activation" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --mask band:0:2 2>/dev/null; check "bad mask" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --mask stencil:5:5:4:2 2>/dev/null; check "stencil grid != N" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --problem P3 2>/dev/null; check "unknown problem" 2 $?
"$ROMKIT_BIN" train missing.h5 -o x.h5 --latent 2 2>/dev/null; check "missing input" 1 $?
"$ROMKIT_BIN" train snap.h5 -o ae.1.h5 --latent 2 2>/dev/null; check "existing output" 1 $?
"$ROMKIT_BIN" train ae.1.h5 -o x.h5 --latent 2 2>/dev/null; check "wrong kind of input" 1 $?
"$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$ROMKIT_BIN" train nan.h5 -o x.h5 --latent 2 --hidden 8 --mask band:6:2 --quiet 2>err.txt >/dev/null
check "NaN in the snapshots at 2 ranks" 1 $?
grep -q "NaN" err.txt; check "NaN message" 0 $?
echo "cli train: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
