#!/usr/bin/env bash
# romkit hyper: a residual basis file written here with h5py (a random orthonormal
# 200 x 10 basis) -> sample selection with every method at 1 and 3 ranks (same samples),
# the file's datasets and attributes checked with h5py, and the exit codes 0/1/2.
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
echo "cli hyper: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
