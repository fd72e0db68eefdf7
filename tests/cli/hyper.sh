#!/usr/bin/env bash
# romkit hyper: a residual basis file written here with h5py (a random orthonormal
# 200 x 10 basis) -> sample selection with every method at 1 and 3 ranks (same samples),
# the file's datasets and attributes checked with h5py, and the exit codes 0/1/2.
# --manifold: a tiny P1 autoencoder (romkit train, N = 60, 3 epochs) and a residual basis
# (romkit pod) of the same snapshots -> a manifold hyper-reduction file at 1 and 2 ranks
# (identical), its decoder sub-network checked against the autoencoder in numpy, the
# generic stencil offsets:-1,0:periodic equal to P1's, two stacked P2 autoencoders
# (u, v on a 5 x 5 grid), and the errors (exit 2 for arguments, 1 for a wrong N).
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_hyper.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - <<'PY' || { echo "cannot write the basis file with h5py"; exit 1; }
import h5py, numpy as np
rng = np.random.default_rng(1)
Q, _ = np.linalg.qr(rng.standard_normal((200, 10)))
with h5py.File("rb.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.int64(1), kind="basis",
                   romkit_version="0.1.0", created="2024-01-01T00:00:00Z", ranks=np.int64(1))
    f["basis"] = Q.T
    f["singular_values"] = np.arange(10, 0, -1.0)
PY
for m in deim:8 qdeim:8 gnat:15 sopt:15; do
  method=${m%%:*}; ns=${m##*:}
  for np in 1 3; do
    "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" hyper rb.h5 -o "$method.$np.h5" \
      --method "$method" --samples "$ns" --basis-dim 8 >/dev/null
    check "hyper --method $method at $np ranks" 0 $?
  done
  $py - "$method" "$ns" <<'PY'
import sys, h5py, numpy as np
method, ns = sys.argv[1], int(sys.argv[2])
a, b = h5py.File(f"{method}.1.h5", "r"), h5py.File(f"{method}.3.h5", "r")
Phi = h5py.File("rb.h5", "r")["basis"][:8].T
rows = a["sample_rows"][:].astype(int)
assert a.attrs["kind"] == "hyper" and a.attrs["method"] == method
assert a.attrs["num_samples"] == ns and a.attrs["residual_dim"] == 8 and a.attrs["state_dim"] == 0
assert (rows == b["sample_rows"][:]).all(), "samples differ between 1 and 3 ranks"
assert len(set(rows)) == ns and (np.diff(rows) > 0).all()
Z = a["residual_basis_rows"][:].T
assert np.array_equal(Z, Phi[rows]), "residual_basis_rows are not Phi_r's rows"
pinv = a["gappy_pinv"][:].T
assert np.abs(pinv @ Z - np.eye(8)).max() < 1e-12
assert np.abs(pinv - np.linalg.pinv(Z)).max() < 1e-10
PY
  check "hyper --method $method file contents" 0 $?
done
"$ROMKIT_BIN" hyper --help >/dev/null; check "--help" 0 $?
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 --method deim --samples 12 --basis-dim 8 2>/dev/null; check "deim with ns > nb" 2 $?
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 --method gnat --samples 5 --basis-dim 8 2>/dev/null; check "ns < nb" 2 $?
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 --method nope 2>/dev/null; check "unknown method" 2 $?
"$ROMKIT_BIN" hyper rb.h5 2>/dev/null; check "missing -o" 2 $?
"$ROMKIT_BIN" hyper missing.h5 -o x.h5 2>/dev/null; check "missing input" 1 $?
"$ROMKIT_BIN" hyper rb.h5 -o gnat.1.h5 --method gnat --samples 15 --basis-dim 8 2>/dev/null; check "existing output" 1 $?
"$ROMKIT_BIN" hyper gnat.1.h5 -o x.h5 2>/dev/null; check "wrong kind of input" 1 $?
# ---- --manifold: nonlinear-manifold hyper-reduction
$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the snapshot files with h5py"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(5)
x = np.arange(60) / 30.0  # P1-like periodic bumps on [0, 2), N = 60
a, c = rng.uniform(0.5, 1.5, 40), rng.uniform(0, 2, 40)
write("snap1d.h5", 1 + a[:, None] * np.exp(-(((x[None, :] - c[:, None]) % 2) - 1) ** 2 / 0.05))
g = np.linspace(0, 1, 7)[1:-1]  # P2: 5 x 5 interior grid, N = 2 * 25
U = np.array([np.outer(np.sin(np.pi * g * s), np.sin(np.pi * g)).ravel() for s in rng.uniform(0.5, 1.5, 30)])
write("snapu.h5", U)
write("snapuv.h5", np.hstack([U, 0.5 * U ** 2]))
PY
"$ROMKIT_BIN" train snap1d.h5 -o ae.h5 --latent 3 --problem P1 --epochs 3 --quiet >/dev/null
check "train the P1 autoencoder" 0 $?
"$ROMKIT_BIN" pod snap1d.h5 -o mrb.h5 --rank 10 >/dev/null 2>&1
check "pod of the residual basis" 0 $?
hm="--method deim-os --samples 8 --basis-dim 5"
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" hyper mrb.h5 -o "mhr.$np.h5" $hm \
    --manifold ae.h5 --stencil P1 >"mlog.$np"
  check "hyper --manifold --stencil P1 at $np ranks" 0 $?
done
grep -q "sample mesh .* rows, decoder sub-network .* hidden units" mlog.1; check "manifold summary line" 0 $?
"$ROMKIT_BIN" hyper mrb.h5 -o mhr.off.h5 $hm --manifold ae.h5 --stencil offsets:-1,0:periodic >/dev/null
check "hyper --stencil offsets:-1,0:periodic" 0 $?
$py - <<'PY'
import h5py, numpy as np
a, b, o = (h5py.File(n, "r") for n in ("mhr.1.h5", "mhr.2.h5", "mhr.off.h5"))
ae = h5py.File("ae.h5", "r")
assert a.attrs["kind"] == "hyper" and a.attrs["trial"] == "manifold" and a.attrs["state_dim"] == 3
assert "state_basis_rows" not in a and "decoder_subnet" in a
s, needed = a["sample_rows"][()].astype(int), a["needed_rows"][()].astype(int)
assert np.array_equal(needed, np.union1d(s, (s - 1) % 60)), "sample mesh is not P1's stencil"
assert np.array_equal(a["decoder_subnet/rows"][()], a["needed_rows"][()])
assert a.attrs["num_needed"] == len(needed) and not a["reference_rows"][()].any()
for name in ("sample_rows", "needed_rows", "decoder_subnet/block0/layer0/weights",
             "decoder_subnet/block0/layer1/values"):
    assert np.array_equal(a[name][()], b[name][()]), name + " differs between 1 and 2 ranks"
assert np.array_equal(o["needed_rows"][()], a["needed_rows"][()]), "offsets:-1,0:periodic != P1"
# the kept units are fewer than the decoder's, and the sub-network is the decoder at the rows
d0, d1, s0, s1 = ae["decoder/layer0"], ae["decoder/layer1"], a["decoder_subnet/block0/layer0"], a["decoder_subnet/block0/layer1"]
units = s0["units"][()].astype(int)
assert 0 < len(units) < d0.attrs["out"] == 744, (len(units), d0.attrs["out"])
assert np.array_equal(s0["weights"][()], d0["weights"][()][units])
def csr(g, rows, cols):
    rp, ci, W = g["row_ptr"][()].astype(int), g["col_index"][()].astype(int), np.zeros((rows, cols))
    for i in range(rows): W[i, ci[rp[i]:rp[i + 1]]] = g["values"][()][rp[i]:rp[i + 1]]
    return W
sw = lambda z: z / (1 + np.exp(-z))
q = np.random.default_rng(0).standard_normal(3)
full = csr(d1, 60, 744) @ sw(d0["weights"][()] @ q)
sub = csr(s1, len(needed), len(units)) @ sw(s0["weights"][()] @ q)
assert np.abs(full[needed] - sub).max() <= 1e-12 * np.abs(full).max(), "sub-network != decoder"
print("cli hyper: manifold sample mesh %d rows, %d of 744 hidden units kept" % (len(needed), len(units)))
PY
check "manifold file contents, 1 vs 2 ranks, offsets stencil" 0 $?
"$ROMKIT_BIN" train snapu.h5 -o aeu.h5 --latent 2 --problem P2 --epochs 3 --quiet >/dev/null &&
  "$ROMKIT_BIN" pod snapuv.h5 -o p2rb.h5 --rank 6 >/dev/null 2>&1 &&
  "$ROMKIT_BIN" hyper p2rb.h5 -o p2hr.h5 --method gnat --samples 8 --basis-dim 4 \
    --manifold aeu.h5,aeu.h5 --stencil P2 >/dev/null &&
  $py -c "
import h5py, numpy as np
f = h5py.File('p2hr.h5', 'r'); blocks = f['decoder_subnet/blocks'][()]
s, needed = f['sample_rows'][()].astype(int), f['needed_rows'][()].astype(int)
assert f.attrs['state_dim'] == 4 and blocks.shape == (2, 7) and list(blocks[:, 3]) == [25, 25]
assert set(s) <= set(needed) and all(((r + 25) % 50) in needed for r in s), 'P2 stencil: other component'
"
check "two stacked autoencoders with --stencil P2" 0 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --manifold ae.h5 2>/dev/null; check "--manifold without --stencil" 2 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --stencil P1 2>/dev/null; check "--stencil without --manifold" 2 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --manifold ae.h5 --stencil offsets:1,x 2>/dev/null; check "bad --stencil" 2 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --manifold ae.h5 --stencil P2 2>err.txt; check "--stencil P2, N = 60 not 2 g^2" 2 $?
grep -q "2 g^2.*N = 60" err.txt; check "P2 message names N" 0 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --manifold aeu.h5 --stencil P1 2>err.txt; check "autoencoder of the wrong N" 1 $?
grep -q "input dimension 25 .*N = 60" err.txt; check "wrong-N message names both sizes" 0 $?
"$ROMKIT_BIN" hyper mrb.h5 -o x.h5 $hm --manifold mrb.h5 --stencil P1 2>/dev/null; check "--manifold of the wrong kind" 1 $?
[ ! -e x.h5 ]; check "no file written on errors" 0 $?
echo "cli hyper: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
