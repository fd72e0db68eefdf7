#!/usr/bin/env bash
# romkit sweep: an affine ROM file with outputs written here with h5py (4 random SPD terms,
# k = 6, one rhs term, 2 outputs) -> sweeps with each design at 1 and 2 ranks: the files
# equal (all datasets bit for bit, all attributes but ranks and created), the outputs equal
# numpy's solve of the same reduced system, the statistics those of the outputs; exit
# codes 2 for bad arguments and 1 for a file that is not a heat ROM.
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_sweep.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
$py - <<'PY' || { echo "cannot write the ROM files with h5py"; exit 1; }
import h5py, numpy as np
rng = np.random.default_rng(3)
k, Qa = 6, 4
def rom(path, Qf, outputs):
    ops = []
    for q in range(Qa):
        B = rng.standard_normal((k, k))
        ops.append(B @ B.T + k * np.eye(k))
    with h5py.File(path, "w") as f:
        f.attrs.update(format="romkit", format_version=np.int64(1), kind="affine_rom",
                       romkit_version="0.1.0", created="2024-01-01T00:00:00Z",
                       ranks=np.int64(1), dim=np.int64(k), operator_terms=np.int64(Qa),
                       rhs_terms=np.int64(Qf), symmetric=np.int64(1))
        f["operators"] = np.array(ops)
        f["operator_reference_terms"] = 0.1 * rng.standard_normal((Qa, k))
        f["rhs"] = rng.standard_normal((Qf, k))
        f["mass"] = np.eye(k)
        f["mass_reference"] = np.zeros(k)
        if outputs:
            f.attrs["num_outputs"] = np.int64(2)
            f.attrs["output_names"] = "mean_T,probe"
            f["outputs"] = rng.standard_normal((2, k))
            f["output_offsets"] = np.array([0.5, -1.0])
rom("rom.h5", 1, True)
rom("rom2rhs.h5", 2, False)
PY
for d in "mc --samples 500 --log" "lhs --samples 300 --range 0.5:2,1:3,0.2:5,1:1.5" "grid --counts 3,2,4,2 --log"; do
  name=${d%% *}
  for np in 1 2; do
    "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" sweep rom.h5 --design $d \
      --seed 7 -o "$name.$np.h5" >"$name.$np.log"
    check "sweep --design $name at $np ranks" 0 $?
  done
  grep -q "samples/s" "$name.1.log"; check "sweep --design $name prints the throughput" 0 $?
  grep -q "probe" "$name.1.log"; check "sweep --design $name prints the statistics" 0 $?
  $py - "$name" <<'PY'
import sys, h5py, numpy as np
name = sys.argv[1]
a, b, r = h5py.File(f"{name}.1.h5", "r"), h5py.File(f"{name}.2.h5", "r"), h5py.File("rom.h5", "r")
assert a.attrs["kind"] == "sweep" and a.attrs["design"] == name and a.attrs["seed"] == 7
assert a.attrs["ranks"] == 1 and b.attrs["ranks"] == 2
assert set(a.keys()) == set(b.keys()), (a.keys(), b.keys())
for key in a:
    assert np.array_equal(a[key][...], b[key][...]), key
for key in a.attrs:
    if key not in ("ranks", "created"):
        assert a.attrs[key] == b.attrs[key], key
mu, out = a["parameters"][...], a["outputs"][...]
ns = a.attrs["num_samples"]
assert mu.shape == (ns, 4) and out.shape == (ns, 2)
assert a.attrs["output_names"] == "mean_T,probe"
A, g, f = r["operators"][...], r["operator_reference_terms"][...], r["rhs"][...]
L, l0 = r["outputs"][...], r["output_offsets"][...]
for i in range(ns):
    q = np.linalg.solve(np.tensordot(mu[i], A, 1), f[0] - mu[i] @ g)
    assert np.allclose(out[i], l0 + L @ q, rtol=1e-12, atol=1e-12), (i, out[i], l0 + L @ q)
lo, hi = a["ranges"][:, 0], a["ranges"][:, 1]
assert np.all(mu >= lo) and np.all(mu <= hi)
st = a["statistics"][...]
assert np.allclose(st[0], out.mean(0), rtol=1e-13) and np.allclose(st[1], out.var(0, ddof=1), rtol=1e-12)
assert np.array_equal(st[2], out.min(0)) and np.array_equal(st[3], out.max(0))
if name == "lhs":   # one sample per stratum of each parameter
    strata = np.floor((mu - lo) / (hi - lo) * ns).astype(int)
    assert all(sorted(strata[:, j]) == list(range(ns)) for j in range(4))
if name == "grid":
    assert ns == 48 and len(np.unique(mu[:, 2])) == 4 and mu[:, 0].min() == lo[0]
PY
  check "sweep --design $name: files equal across rank counts, outputs equal numpy's" 0 $?
done
# an existing output is kept without --overwrite (exit 1), replaced with it
"$ROMKIT_BIN" sweep rom.h5 --design mc --samples 5 -o mc.1.h5 >/dev/null 2>&1; check "existing output" 1 $?
"$ROMKIT_BIN" sweep rom.h5 --design mc --samples 5 -o mc.1.h5 --overwrite >/dev/null; check "--overwrite" 0 $?
# not a heat ROM (two rhs terms), not a ROM at all: exit 1 with a sentence
out=$("$ROMKIT_BIN" sweep rom2rhs.h5 --design mc --samples 5 -o x.h5 2>&1); check "two rhs terms" 1 $?
echo "$out" | grep -q "rhs terms"; check "two rhs terms: the message says why" 0 $?
"$ROMKIT_BIN" sweep mc.1.h5 --design mc --samples 5 -o x.h5 >/dev/null 2>&1; check "not a ROM file" 1 $?
"$ROMKIT_BIN" sweep missing.h5 --design mc --samples 5 -o x.h5 >/dev/null 2>&1; check "missing file" 1 $?
# bad arguments: exit 2
for args in "--design mc --samples 5" "rom.h5 --design sobol --samples 5 -o x.h5" \
  "rom.h5 --design mc --samples 0 -o x.h5" "rom.h5 --design mc -o x.h5" \
  "rom.h5 --design mc --samples 5 --range 2:1 -o x.h5" "rom.h5 --design mc --samples 5 --range 0:1 --log -o x.h5" \
  "rom.h5 --design mc --samples 5 --range 1:2,1:3 -o x.h5" "rom.h5 --design mc --samples 5 --range a:b -o x.h5" \
  "rom.h5 --design grid --samples 10 -o x.h5" "rom.h5 --design grid --counts 2,0 -o x.h5" \
  "rom.h5 --design mc --samples 5 --problem burgers -o x.h5" "rom.h5 --design mc --samples 5 --bogus 1 -o x.h5" \
  "rom.h5 --design lhs --samples 5 --counts 2 -o x.h5" "rom.h5 --design grid --samples 5 --counts 2 -o x.h5" \
  "rom.h5 --design mc --samples 5 --seed -1 -o x.h5"; do
  "$ROMKIT_BIN" sweep $args >/dev/null 2>&1; check "bad arguments: $args" 2 $?
done
[ ! -e x.h5 ]; check "no file written on errors" 0 $?
for np in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -n $np "$ROMKIT_BIN" sweep rom.h5 --design bad -o x.h5 >/dev/null 2>&1
  check "bad arguments at $np ranks" 2 $?
done
echo "cli sweep: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
