#!/usr/bin/env bash
# romkit train --network (docs/autoencoder.md, "Encoder choice"): the masked encoder trained at
# 1 and 2 ranks with --reproducible 2 (files equal bit for bit); its file read back in numpy
# (encoder/layer0 is CSR, the decoder's mask transposed) and the stored network's numpy
# forward pass reproducing the loss the history claims; `romkit info` on it; --network paper
# giving the dense encoder; --network bogus refused (exit 2) naming the choices; masked with a
# dense decoder, or with --hidden / --init, refused; --network narrow's dense 512-unit encoder;
# reproduce --fast and --initial-guess / --ae-batch (docs/reproduction.md, "P2, the fast recipe").
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_train_network.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the snapshot file with h5py"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(3)
t = np.linspace(0, 1, 24)
a, b = rng.uniform(0.25, 0.75, 200), rng.uniform(-0.5, 0.5, 200)
write("snap.h5", np.exp(-(t[None, :] - a[:, None]) ** 2 / 0.05) * (1 + b[:, None] * t[None, :]))
PY
train="--latent 2 --mask band:6:2 --epochs 80 --batch 10 --lr 3e-3 --reproducible 2 --quiet"
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" train snap.h5 -o "m.$np.h5" --network masked $train >"log.$np" 2>&1
  check "--network masked at $np ranks" 0 $?
done
"$ROMKIT_BIN" train snap.h5 -o p.h5 --network paper $train >/dev/null 2>&1
check "--network paper" 0 $?
$py - <<'PY'
import h5py, numpy as np
a, b = h5py.File("m.1.h5", "r"), h5py.File("m.2.h5", "r")
for name in ("history/loss", "encoder/layer0/values", "encoder/layer1/weights", "decoder/layer1/values"):
    assert np.array_equal(a[name][()], b[name][()]), name + " differs between 1 and 2 ranks"
e0, e1, d0, d1 = (a[g] for g in ("encoder/layer0", "encoder/layer1", "decoder/layer0", "decoder/layer1"))
N, H = 24, 2 * 23 + 6
assert e0.attrs["masked"] == 1 and e0.attrs["in"] == N and e0.attrs["out"] == H and e0["bias"].shape == (H,)
assert e1["weights"].shape == (2, H) and d1.attrs["masked"] == 1
def dense(g, rows, cols):
    rp, ci, v = g["row_ptr"][()].astype(int), g["col_index"][()].astype(int), g["values"][()]
    W = np.zeros((rows, cols))
    for i in range(rows): W[i, ci[rp[i]:rp[i + 1]]] = v[rp[i]:rp[i + 1]]
    return W
E, D = dense(e0, H, N), dense(d1, N, H)

# the pattern itself: encoder row h has inputs i with (i, h) in the decoder mask
rp, ci = e0["row_ptr"][()].astype(int), e0["col_index"][()].astype(int)
drp, dci = d1["row_ptr"][()].astype(int), d1["col_index"][()].astype(int)
P = np.zeros((N, H), bool)
for i in range(N): P[i, dci[drp[i]:drp[i + 1]]] = True
Q = np.zeros((H, N), bool)
for h in range(H): Q[h, ci[rp[h]:rp[h + 1]]] = True
assert np.array_equal(P.T, Q), "encoder mask is not the decoder mask transposed"
sw = lambda z: z / (1 + np.exp(-z))
X = h5py.File("snap.h5", "r")["snapshots"][()]
Xs = (X - a["scaling/shift"][()]) / a["scaling/scale"][()]
Z = e1["weights"][()] @ sw(E @ Xs.T + e0["bias"][()][:, None])
Y = D @ sw(d0["weights"][()] @ Z)
mse, best = np.mean((Y - Xs.T) ** 2), a.attrs["best_epoch"]
vl, l = a["history/val_loss"][()], a["history/loss"][()]
assert l[0] > 5 * vl[best], ("training did not reduce the loss", l[0], vl[best])
assert 0.2 * vl[best] < mse < 5 * vl[best], (mse, vl[best])
p = h5py.File("p.h5", "r")
assert p["encoder/layer0"].attrs["masked"] == 0 and p["encoder/layer0/weights"].shape == (48, 24)
print("cli train --network masked: numpy forward MSE %.3e, best val loss %.3e, first %.3e" % (mse, vl[best], l[0]))
PY
check "masked file: transposed mask, numpy forward, 1 vs 2 ranks" 0 $?
"$ROMKIT_BIN" info m.1.h5 >info.txt 2>&1
check "romkit info on a masked encoder" 0 $?
grep -q "/encoder/layer0/col_index {144}" info.txt; check "info lists the masked encoder layer" 0 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --network bogus 2>err.txt
check "--network bogus" 2 $?
grep -q "paper, masked" err.txt; check "--network bogus names the choices" 0 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --network masked --mask dense:30 2>/dev/null
check "masked encoder needs a masked decoder" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --latent 2 --network masked --hidden 30 2>/dev/null
check "--network masked with --hidden" 2 $?
"$ROMKIT_BIN" train snap.h5 -o x.h5 --init m.1.h5 --network masked 2>/dev/null
check "--network with --init" 2 $?
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --network bogus 2>err.txt >/dev/null
check "reproduce --network bogus" 2 $?
grep -q "paper, masked" err.txt; check "reproduce --network bogus names the choices" 0 $?
"$ROMKIT_BIN" reproduce P1 --method pod-lspg --network masked 2>/dev/null >/dev/null
check "reproduce --network with a POD method" 2 $?
# reproduce --network masked on a reduced P2 (12 x 12 grid, 30 steps, 40 epochs): the u network
# is trained with the masked encoder and cached under a name ending in _masked, the v network is
# it mirrored across the diagonal (the masked first layer's columns permuted): by the problem's
# symmetry the u and v errors must then agree to round-off.
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce P2 --method nm-lspg --grid 12 --steps 30 --ae-epochs 40 --paper --network masked --workdir W2 --json >p2.json 2>/dev/null
check "reproduce P2 (reduced) --network masked" 0 $?
ls W2/*_masked_*.h5 >/dev/null 2>&1; check "masked network cached under its own name" 0 $?
$py -c "
import json; d = json.load(open('p2.json'))
u, v = d['avg_error_pct'], d['v_avg_error_pct']
assert abs(u - v) <= 1e-9 * abs(u) and abs(d['max_error_pct'] - d['v_max_error_pct']) <= 1e-9 * d['max_error_pct'], (u, v)
assert d['ae_files'][1] == '(the u network mirrored)'
"
check "masked encoder mirrored to v: u and v errors equal" 0 $?
# --network narrow: a dense encoder of 512 units (or --hidden), O(N) weights
"$ROMKIT_BIN" train snap.h5 -o n.h5 --network narrow $train >/dev/null 2>&1
check "--network narrow" 0 $?
"$ROMKIT_BIN" train snap.h5 -o n7.h5 --network narrow --hidden 7 $train >/dev/null 2>&1
check "--network narrow --hidden 7" 0 $?
$py -c "
import h5py
for f, h in (('n.h5', 512), ('n7.h5', 7)):
    e0 = h5py.File(f, 'r')['encoder/layer0']
    assert e0.attrs['masked'] == 0 and e0['weights'].shape == (h, 24), (f, e0['weights'].shape)
"
check "narrow encoder: dense, 512 (or --hidden) units" 0 $?
# reproduce --fast (docs/reproduction.md, "P2, the fast recipe"): the narrow network in single
# precision with batch 60, cached under its own name, and the extrapolated initial guess; on a
# POD method only the guess applies. Bad values are usage errors.
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --initial-guess bogus 2>err.txt >/dev/null
check "reproduce --initial-guess bogus" 2 $?
grep -q "previous or extrapolate" err.txt; check "--initial-guess bogus names the choices" 0 $?
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --ae-batch 0 2>/dev/null >/dev/null
check "reproduce --ae-batch 0" 2 $?
"$ROMKIT_BIN" reproduce P1 --method pod-lspg --ae-batch 30 2>/dev/null >/dev/null
check "reproduce --ae-batch with a POD method" 2 $?
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce P2 --method nm-lspg --grid 12 --steps 30 --ae-epochs 20 --fast --workdir W3 --json >p2f.json 2>/dev/null
check "reproduce P2 (reduced) --fast" 0 $?
ls W3/*_narrow_b60_p30_single_*.h5 >/dev/null 2>&1; check "the fast network cached as _narrow_b60_p30_single" 0 $?
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce P2 --method pod-lspg --grid 12 --steps 30 --fast --workdir W3 --json >p2p.json 2>/dev/null
check "reproduce P2 (reduced) pod-lspg --fast" 0 $?
$py -c "
import json
f, p = json.load(open('p2f.json')), json.load(open('p2p.json'))
assert f['initial_guess'] == 'extrapolate' and p['initial_guess'] == 'extrapolate', (f['initial_guess'], p['initial_guess'])
assert f['rom_not_converged_steps'] == 0 and f['avg_error_pct'] < 100, f
"
check "--fast: extrapolated guess in the JSON" 0 $?
# P2's default recipe is the fast one (rom_problem_recipe.nm_fast_default): no flag gives what
# --fast gives (the same cached network, the same numbers); --paper gives the paper's network
# and ROM settings. With HR the fast recipe checks convergence lagged and chooses the sizes by
# the training rule (its grid cut to the reduced problem's rows); sizes given override it.
hr=(P2 --method nm-lspg-hr --grid 12 --steps 20 --ae-epochs 3 --json)
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce "${hr[@]}" --workdir W4 >d.json 2>/dev/null
check "reproduce P2 (reduced) nm-lspg-hr, no recipe flag" 0 $?
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce "${hr[@]}" --fast --workdir W5 >f.json 2>/dev/null
check "reproduce P2 (reduced) nm-lspg-hr --fast" 0 $?
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce "${hr[@]}" --paper --workdir W6 >p.json 2>/dev/null
check "reproduce P2 (reduced) nm-lspg-hr --paper" 0 $?
OPENBLAS_NUM_THREADS=1 "$ROMKIT_BIN" reproduce "${hr[@]}" --hr-basis 30 --hr-samples 40 --convergence-check exact --workdir W4 >g.json 2>/dev/null
check "reproduce P2 (reduced) nm-lspg-hr, sizes and check given" 0 $?
ls W4/*_e3_narrow_b60_p30_single_*.h5 >/dev/null 2>&1; check "the default network is the fast one" 0 $?
$py -c "
import json
d, f, p, g = (json.load(open(n)) for n in ('d.json', 'f.json', 'p.json', 'g.json'))
timing = ('seconds', 'ms_per_step', 'speedup', 'workdir')
for k in d:
    if not any(t in k for t in timing):
        assert d[k] == f[k], (k, d[k], f[k])
assert d['convergence_check'] == 'lagged' and d['hr_sizes'] == 'training', d
assert d['initial_guess'] == 'extrapolate' and d['hr_samples'] <= 100, d
assert p['convergence_check'] == 'exact' and p['hr_sizes'] == 'given' and p['initial_guess'] == 'previous', p
assert (p['hr_basis'], p['hr_samples']) == (55, 58), p
assert g['convergence_check'] == 'exact' and g['hr_sizes'] == 'given', g
assert (g['hr_basis'], g['hr_samples']) == (30, 40), g
"
check "default = --fast; --paper = the paper's; given sizes and check override" 0 $?
"$ROMKIT_BIN" reproduce P2 --method nm-lspg --fast --paper 2>/dev/null >/dev/null
check "reproduce --fast --paper" 2 $?
"$ROMKIT_BIN" reproduce P2 --method nm-lspg --convergence-check lagged 2>/dev/null >/dev/null
check "reproduce --convergence-check lagged without HR" 2 $?
"$ROMKIT_BIN" reproduce P2 --method nm-lspg-hr --convergence-check sometimes 2>err.txt >/dev/null
check "reproduce --convergence-check sometimes" 2 $?
grep -q "exact or lagged" err.txt; check "--convergence-check names the choices" 0 $?
"$ROMKIT_BIN" reproduce P2 --method nm-lspg --ae-patience 0 2>/dev/null >/dev/null
check "reproduce --ae-patience 0" 2 $?
echo "cli train_network: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
