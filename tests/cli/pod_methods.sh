#!/bin/bash
# romkit pod --method / --memory / --target-rank / --librom-out / --librom-in: the ScaLAPACK
# method at 1 and 2 ranks against TSQR on the same snapshot file, exit codes for bad values
# (2) and for a memory budget too small (1, with the sentence), and a libROM round trip:
# --librom-out on 2 ranks, --librom-in on 1 rank, the converted basis equal to the original.
set -u
fail=0
ROMKIT_BIN=${ROMKIT_BIN:?ROMKIT_BIN is not set}
MPIEXEC=${MPIEXEC:-mpirun}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1
mpi() { "$MPIEXEC" --allow-run-as-root --oversubscribe "$@"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/romkit-pod-methods-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A snapshot file (the P3 heat demo's, small).
"$ROMKIT_BIN" demo --n 24 --train 20 --test 4 --workdir "$work/demo" >/dev/null 2>&1 ||
  { echo "FAIL: romkit demo could not make a snapshot file"; exit 1; }
snap="$work/demo/snapshots.h5"

run_ok() { # $1 label, rest: command
  local label=$1 out
  shift
  if out=$("$@" 2>&1); then echo "ok $label"; else
    echo "FAIL $label: exit $?"; echo "$out"; fail=1
  fi
}
run_ok "tsqr (1 rank)" "$ROMKIT_BIN" pod "$snap" -o "$work/tsqr.h5" --method tsqr --rank 10 --center
run_ok "scalapack (1 rank)" "$ROMKIT_BIN" pod "$snap" -o "$work/sl1.h5" --method scalapack --rank 10 --center
run_ok "scalapack (2 ranks)" mpi -n 2 "$ROMKIT_BIN" pod "$snap" -o "$work/sl2.h5" --method scalapack \
  --rank 10 --center --memory 1GiB --librom-out "$work/lr"

# The same singular values and basis (up to round-off) whatever the method and rank count.
$PY - "$work" <<'PYEOF' || fail=1
import sys, h5py, numpy as np
w = sys.argv[1]
ref = h5py.File(w + "/tsqr.h5", "r")
s0, b0 = ref["singular_values"][()], ref["basis"][()]
bad = 0
for name in ("sl1", "sl2"):
    f = h5py.File(w + "/" + name + ".h5", "r")
    s, b = f["singular_values"][()], f["basis"][()]
    es = np.max(np.abs(s - s0)) / s0[0]
    eb = np.max(np.abs(b[:5] - b0[:5]))
    ok = es <= 1e-12 and eb <= 1e-8 and f.attrs["method"] in (b"scalapack", "scalapack")
    print(("ok" if ok else "FAIL") + " %s vs tsqr: singular values %.2e, first 5 vectors %.2e, method %s"
          % (name, es, eb, f.attrs["method"]))
    bad |= not ok
sys.exit(bad)
PYEOF

# auto says what it chose.
out=$("$ROMKIT_BIN" pod "$snap" -o "$work/auto.h5" --rank 5 2>&1)
if echo "$out" | grep -q "chose 'tsqr'"; then echo "ok auto logs its choice"; else
  echo "FAIL: --method auto did not log its choice"; echo "$out"; fail=1; fi

# Bad values: one line, exit 2.
for args in "--method foo" "--method" "--memory abc" "--memory 0" "--memory -1GiB" "--memory 2XB" \
  "--target-rank 0" "--target-rank x" "--librom-out" "--librom-in $work/lr --rank 3"; do
  # shellcheck disable=SC2086
  out=$("$ROMKIT_BIN" pod "$snap" -o "$work/bad.h5" $args 2>&1)
  rc=$?
  lines=$(printf '%s\n' "$out" | grep -c .)
  if [ $rc -ne 2 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: 'romkit pod ... $args' exited $rc with $lines lines (expected 2 and 1)"; echo "$out"; fail=1
  fi
done
[ -e "$work/bad.h5" ] && { echo "FAIL: a rejected command wrote $work/bad.h5"; fail=1; }

# A budget too small: exit 1, the sentence with the bytes needed.
out=$(mpi -n 2 "$ROMKIT_BIN" pod "$snap" -o "$work/small.h5" --method scalapack --memory 1KiB 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -qE "[0-9]+ bytes per rank" && echo "$out" | grep -q "1024 bytes"; then
  echo "ok budget too small: exit 1 with the bytes needed"
else
  echo "FAIL: --memory 1KiB exited $rc"; echo "$out"; fail=1
fi

# libROM round trip: 2 files from 2 ranks, converted on 1 rank, equal to the original.
for f in lr.000000 lr.000001; do [ -s "$work/$f" ] || { echo "FAIL: $work/$f was not written"; fail=1; }; done
[ -e "$work/lr.000002" ] && { echo "FAIL: a third libROM file was written"; fail=1; }
run_ok "--librom-in (1 rank)" "$ROMKIT_BIN" pod --librom-in "$work/lr" -o "$work/from_librom.h5"
run_ok "--librom-in (2 ranks)" mpi -n 2 "$ROMKIT_BIN" pod --librom-in "$work/lr" -o "$work/from_librom2.h5"
$PY - "$work" <<'PYEOF' || fail=1
import sys, h5py, numpy as np
w = sys.argv[1]
a = h5py.File(w + "/sl2.h5", "r")
bad = 0
for name in ("from_librom", "from_librom2"):
    b = h5py.File(w + "/" + name + ".h5", "r")
    ok = all(np.array_equal(a[d][()], b[d][()]) for d in ("basis", "singular_values", "mean"))
    print(("ok" if ok else "FAIL") + " libROM round trip -> %s: basis, singular values, mean equal" % name)
    bad |= not ok
# the files themselves: libROM's names and shapes
f = h5py.File(w + "/lr.000000", "r")
k = int(f["spatial_basis_num_cols"][0]); n = int(f["spatial_basis_num_rows"][0])
ok = f["spatial_basis"].shape == (n * k,) and k == a["basis"].shape[0] and \
     int(f["singular_value_size"][0]) == a["singular_values"].shape[0]
print(("ok" if ok else "FAIL") + " lr.000000: spatial_basis (%d,) = %d rows x %d columns" % (f["spatial_basis"].shape[0], n, k))
sys.exit(bad or not ok)
PYEOF
# The conversion refuses to replace its output without --overwrite.
"$ROMKIT_BIN" pod --librom-in "$work/lr" -o "$work/from_librom.h5" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: --librom-in onto an existing file exited $rc, expected 1"; fail=1; }
# A missing libROM set: exit 1, the file named.
out=$("$ROMKIT_BIN" pod --librom-in "$work/nothing" -o "$work/x.h5" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "nothing.000000"; then echo "ok missing libROM set"; else
  echo "FAIL: missing libROM set exited $rc"; echo "$out"; fail=1; fi

[ $fail -eq 0 ] && echo "pod_methods.sh: all checks passed"
exit $fail
