#!/usr/bin/env bash
# --problem NAME on the command line reads the problem registry (romkit/problem.h,
# docs/problems.md "The problem interface"): the help texts of train, hyper and sweep list
# the registered problems; names and aliases are case-insensitive; an unknown name is exit 2
# with the known names in the sentence; `hyper --problem P1` writes the same file as
# `--stencil P1` (and `--problem burgers2d` as `--stencil P2`), at 1 and 2 ranks; `train
# --problem p1` the same network as `--problem P1`; `sweep --problem P3` the same file as
# the default heat; a problem without an affine model or a network recipe is refused.
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_problem.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the input files with h5py"; exit 1; }
import sys
import h5py, numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(5)
x = np.arange(60) / 30.0  # P1-like periodic bumps, N = 60
a, c = rng.uniform(0.5, 1.5, 40), rng.uniform(0, 2, 40)
write("snap1d.h5", 1 + a[:, None] * np.exp(-(((x[None, :] - c[:, None]) % 2) - 1) ** 2 / 0.05))
g = np.linspace(0, 1, 7)[1:-1]  # P2: 5 x 5 interior grid
U = np.array([np.outer(np.sin(np.pi * g * s), np.sin(np.pi * g)).ravel() for s in rng.uniform(0.5, 1.5, 30)])
write("snapu.h5", U)
write("snapuv.h5", np.hstack([U, 0.5 * U ** 2]))
k, Qa = 5, 4  # an affine ROM of P3's shape: 4 operator terms, 1 rhs term
ops = []
for q in range(Qa):
    B = rng.standard_normal((k, k))
    ops.append(B @ B.T + k * np.eye(k))
with h5py.File("rom.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.int64(1), kind="affine_rom",
                   romkit_version="0.1.0", created="2024-01-01T00:00:00Z", ranks=np.int64(1),
                   dim=np.int64(k), operator_terms=np.int64(Qa), rhs_terms=np.int64(1),
                   symmetric=np.int64(1))
    f["operators"] = np.array(ops)
    f["operator_reference_terms"] = 0.1 * rng.standard_normal((Qa, k))
    f["rhs"] = rng.standard_normal((1, k))
    f["mass"] = np.eye(k)
    f["mass_reference"] = np.zeros(k)
PY
# ---- help texts list the registry; unknown names list it too
for cmd in train hyper sweep; do
  "$ROMKIT_BIN" $cmd --help >help.txt; check "$cmd --help" 0 $?
  grep -q "^  P1 " help.txt && grep -q "^  P2 " help.txt && grep -q "^  P3 .*\[heat\]" help.txt
  check "$cmd --help lists P1, P2, P3 (with aliases)" 0 $?
done
"$ROMKIT_BIN" train snap1d.h5 -o x.h5 --latent 2 --problem P9 2>err.txt; check "train: unknown problem" 2 $?
grep -q "P9.*P1, P2, P3" err.txt; check "train: the sentence lists the problems" 0 $?
"$ROMKIT_BIN" sweep rom.h5 --design mc --samples 5 --problem P9 -o x.h5 2>err.txt; check "sweep: unknown problem" 2 $?
grep -q "P9.*P1, P2, P3" err.txt; check "sweep: the sentence lists the problems" 0 $?
"$ROMKIT_BIN" pod snap1d.h5 -o rb.h5 --rank 10 >/dev/null 2>&1; check "pod of the residual basis" 0 $?
"$ROMKIT_BIN" train snap1d.h5 -o ae.h5 --latent 3 --problem P1 --epochs 2 --quiet >/dev/null
check "train --problem P1" 0 $?
hm="--method deim-os --samples 8 --basis-dim 5"
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 $hm --manifold ae.h5 --problem P9 2>err.txt; check "hyper: unknown problem" 2 $?
grep -q "P9.*P1, P2, P3" err.txt; check "hyper: the sentence lists the problems" 0 $?
# ---- train: a name in any case is the same problem, P3 has no network
"$ROMKIT_BIN" train snap1d.h5 -o ae_lower.h5 --latent 3 --problem p1 --epochs 2 --quiet >/dev/null
check "train --problem p1" 0 $?
"$ROMKIT_BIN" train snap1d.h5 -o x.h5 --latent 2 --problem heat 2>err.txt; check "train --problem heat" 2 $?
"$ROMKIT_BIN" train snapu.h5 -o x.h5 --latent 2 --problem heat 2>err.txt; check "train --problem heat, square N" 2 $?
grep -q "no autoencoder recipe" err.txt; check "train: P3 has no network, the sentence says so" 0 $?
# ---- hyper: --problem NAME is --stencil NAME
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" hyper rb.h5 -o "p.$np.h5" $hm \
    --manifold ae.h5 --problem P1 >/dev/null
  check "hyper --problem P1 at $np ranks" 0 $?
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" hyper rb.h5 -o "s.$np.h5" $hm \
    --manifold ae.h5 --stencil P1 >/dev/null
  check "hyper --stencil P1 at $np ranks" 0 $?
done
"$ROMKIT_BIN" train snapu.h5 -o aeu.h5 --latent 2 --problem P2 --epochs 2 --quiet >/dev/null &&
  "$ROMKIT_BIN" pod snapuv.h5 -o p2rb.h5 --rank 6 >/dev/null 2>&1 &&
  "$ROMKIT_BIN" hyper p2rb.h5 -o p2p.h5 --method gnat --samples 8 --basis-dim 4 \
    --manifold aeu.h5,aeu.h5 --problem burgers2d >/dev/null &&
  "$ROMKIT_BIN" hyper p2rb.h5 -o p2s.h5 --method gnat --samples 8 --basis-dim 4 \
    --manifold aeu.h5,aeu.h5 --stencil P2 >/dev/null
check "hyper --problem burgers2d and --stencil P2" 0 $?
$py - <<'PY'
import h5py, numpy as np
def datasets(path):
    out = {}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]
    h5py.File(path, "r").visititems(visit)
    return out
for a, b in (("p.1.h5", "s.1.h5"), ("p.2.h5", "s.2.h5"), ("p.1.h5", "p.2.h5"), ("p2p.h5", "p2s.h5")):
    A, B = datasets(a), datasets(b)
    assert A.keys() == B.keys() and all(np.array_equal(A[k], B[k]) for k in A), (a, b)
a, b = h5py.File("ae.h5", "r"), h5py.File("ae_lower.h5", "r")
for name in ("encoder/layer0/weights", "decoder/layer1/values", "decoder/layer1/col_index"):
    assert np.array_equal(a[name][()], b[name][()]), name
PY
check "--problem files equal the --stencil files; p1 = P1" 0 $?
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 $hm --manifold ae.h5 --problem P2 2>err.txt; check "hyper --problem P2, N = 60" 2 $?
grep -q "2 g^2.*N = 60" err.txt; check "hyper: P2's sentence names N" 0 $?
"$ROMKIT_BIN" hyper rb.h5 -o x.h5 $hm --manifold ae.h5 --problem P1 --stencil P1 2>/dev/null
check "hyper: --problem and --stencil together" 2 $?
# ---- sweep: P3 by name is heat; P1's model is not affine
for p in heat P3 p3; do
  "$ROMKIT_BIN" sweep rom.h5 --design lhs --samples 50 --log --problem $p -o "sw.$p.h5" >/dev/null
  check "sweep --problem $p" 0 $?
done
$py - <<'PY'
import h5py, numpy as np
a = h5py.File("sw.heat.h5", "r")
for other in ("sw.P3.h5", "sw.p3.h5"):
    b = h5py.File(other, "r")
    assert all(np.array_equal(a[k][()], b[k][()]) for k in a), other
PY
check "sweep --problem P3 = heat" 0 $?
"$ROMKIT_BIN" sweep rom.h5 --design mc --samples 5 --problem P1 -o x.h5 2>err.txt; check "sweep --problem P1" 2 $?
grep -q "not affine" err.txt; check "sweep: P1's model is not affine, the sentence says so" 0 $?
[ ! -e x.h5 ]; check "no file written on errors" 0 $?
echo "cli problem: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
