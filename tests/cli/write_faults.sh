#!/usr/bin/env bash
# Write-failure injection (docs/reliability.md, "Writing files"): every writer of the romkit
# program on a disk that fills up mid-write. The disk is simulated by an LD_PRELOAD shim
# (tests/faults/enospc_shim.c, $ROMKIT_ENOSPC_SHIM) that fails write/pwrite/pwritev/writev
# with ENOSPC after K bytes under the output directory, for several K, at 1 and 2 ranks; and,
# where this test may mount one (root), by a real 128 KiB tmpfs. For each run:
#   - no crash: the exit code is 0 or romkit's failure code 1 (never a signal: 134, 139);
#   - on failure the message is romkit's ROM_ERR_IO naming the file;
#   - no file under a final name unless the run succeeded (then it is complete: h5py reads it);
#   - no temporary file (*.partial) left behind;
#   - with --overwrite, an existing target is unchanged byte for byte when the run fails.
# Also: two writers of the same -o (unique temporaries), a user's own "<out>.partial" and a
# "<out>.partial" symlink are left alone, and outputs are checked before the work.
set -u
mpiexec="${MPIEXEC:-mpirun}"
np2=("$mpiexec" --allow-run-as-root --oversubscribe -n 2)
py=/usr/bin/python3
shim="${ROMKIT_ENOSPC_SHIM:-}"
dir="${ROMKIT_TEST_DIR:-.}/cli_write_faults.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
dir=$(pwd)
mounted=""
cleanup() {
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then ok; else bad "$1 (rc $3, expected $2)"; fi
}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
  echo "no ENOSPC shim (ROMKIT_ENOSPC_SHIM): build the tests with CMake"
  exit 1
fi
# The sanitizer build: the ASan runtime must be the first preloaded library.
preload="$shim"
asan=$(ldd "$ROMKIT_BIN" 2>/dev/null | awk '/libasan/ {print $3}')
[ -n "$asan" ] && preload="$asan $shim"

$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the input files with h5py"; exit 1; }
import sys
import h5py
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(3)
write("s.h5", rng.standard_normal((24, 6000)))  # basis k = 5: 240 KB
Q, _ = np.linalg.qr(rng.standard_normal((2000, 10)))
with h5py.File("rb.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.int64(1), kind="basis",
                   romkit_version="0.1.0", created="2024-01-01T00:00:00Z", ranks=np.int64(1))
    f["basis"] = Q.T
    f["singular_values"] = np.arange(10, 0, -1.0)
x = np.arange(60) / 30.0
a, c = rng.uniform(0.5, 1.5, 40), rng.uniform(0, 2, 40)
write("snap1d.h5", 1 + a[:, None] * np.exp(-(((x[None, :] - c[:, None]) % 2) - 1) ** 2 / 0.05))
k, Qa = 5, 4
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

# readable FILE...: every .h5 file opens with h5py and holds romkit's root attributes
readable() {
  $py - "$@" <<'PY'
import sys, h5py
for name in sys.argv[1:]:
    if name.endswith(".h5") or ".0000" in name:
        with h5py.File(name, "r") as f:
            assert len(f.keys()) > 0, name
PY
}

# fault NAME K OUTDIR "TARGETS" OVERWRITE CMD...: runs CMD with the shim failing writes under
# OUTDIR after K bytes (per process) and checks the outcome (see the header).
fault() {
  local name=$1 k=$2 out=$3 targets=$4 overwrite=$5
  shift 5
  local t saved=()
  if [ "$overwrite" = 1 ]; then
    for t in $targets; do cp "$t" "$t.before"; done
  fi
  ROMKIT_ENOSPC_DIR="$out" ROMKIT_ENOSPC_AFTER="$k" LD_PRELOAD="$preload" "$@" >out.txt 2>err.txt
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    bad "$name, K = $k: exit code $rc (a crash?)"
    tail -5 err.txt
  else
    ok
  fi
  if [ "$rc" -eq 1 ]; then
    if grep -q "ROM_ERR_IO" err.txt; then ok; else bad "$name, K = $k: no ROM_ERR_IO message"; tail -3 err.txt; fi
    for t in $targets; do
      if [ "$overwrite" = 1 ]; then
        if cmp -s "$t" "$t.before"; then ok; else bad "$name, K = $k: '$t' changed under --overwrite"; fi
      elif [ -e "$t" ]; then
        bad "$name, K = $k: '$t' exists after a failed write"
      else
        ok
      fi
    done
  elif [ "$rc" -eq 0 ]; then
    # shellcheck disable=SC2086
    if readable $targets; then ok; else bad "$name, K = $k: succeeded but the files are not whole"; fi
  fi
  left=$(find "$out" -name '*.partial' | wc -l)
  if [ "$left" -eq 0 ]; then ok; else bad "$name, K = $k: $left temporary files left"; find "$out" -name '*.partial'; fi
  if [ "$overwrite" = 1 ]; then
    for t in $targets; do rm -f "$t.before"; done
  else
    for t in $targets; do rm -f "$t"; done
  fi
}

out="$dir/out"
mkdir -p "$out"
R="$ROMKIT_BIN"
# K = 0: nothing can be written; 60000: the disk fills inside the data (each write and
# close path of HDF5 fails at least once over the writers); 3000: inside the metadata.
for k in 0 60000; do
  fault "pod" $k "$out" "$out/b.h5" 0 "$R" pod s.h5 -o "$out/b.h5" --rank 5
  fault "pod --librom-out" $k "$out" "$out/b.h5 $out/lr.000000" 0 "$R" pod s.h5 -o "$out/b.h5" --rank 5 \
    --librom-out "$out/lr"
  fault "hyper" $k "$out" "$out/h.h5" 0 "$R" hyper rb.h5 -o "$out/h.h5" --method deim --samples 8 \
    --basis-dim 8
  fault "train" $k "$out" "$out/ae.h5" 0 "$R" train snap1d.h5 -o "$out/ae.h5" --latent 3 --problem P1 \
    --epochs 2 --quiet
  fault "sweep" $k "$out" "$out/sw.h5" 0 "$R" sweep rom.h5 --design mc --samples 2000 --problem heat \
    -o "$out/sw.h5"
done
fault "pod, 2 ranks" 3000 "$out" "$out/b.h5" 0 "${np2[@]}" -x ROMKIT_ENOSPC_DIR -x ROMKIT_ENOSPC_AFTER \
  -x LD_PRELOAD "$R" pod s.h5 -o "$out/b.h5" --rank 5
fault "pod --librom-out, 2 ranks" 60000 "$out" "$out/b.h5 $out/lr.000000 $out/lr.000001" 0 "${np2[@]}" \
  -x ROMKIT_ENOSPC_DIR -x ROMKIT_ENOSPC_AFTER -x LD_PRELOAD "$R" pod s.h5 -o "$out/b.h5" --rank 5 \
  --librom-out "$out/lr"
# the librom files alone fail: the basis file, written first, must not appear either
fault "pod --librom-out, libROM part fails" 245000 "$out" "$out/b.h5 $out/lr.000000" 0 "$R" pod s.h5 \
  -o "$out/b.h5" --rank 5 --librom-out "$out/lr"

# --overwrite: an existing target survives a failed write unchanged
"$R" pod s.h5 -o "$out/b.h5" --rank 3 >/dev/null 2>&1
"$R" train snap1d.h5 -o "$out/ae.h5" --latent 3 --problem P1 --epochs 1 --quiet >/dev/null 2>&1
"$R" sweep rom.h5 --design mc --samples 50 --problem heat -o "$out/sw.h5" >/dev/null 2>&1
for k in 3000; do
  fault "pod --overwrite" $k "$out" "$out/b.h5" 1 "$R" pod s.h5 -o "$out/b.h5" --rank 5 --overwrite
  fault "train --overwrite" $k "$out" "$out/ae.h5" 1 "$R" train snap1d.h5 -o "$out/ae.h5" --latent 3 \
    --problem P1 --epochs 2 --quiet --overwrite
  fault "sweep --overwrite" $k "$out" "$out/sw.h5" 1 "$R" sweep rom.h5 --design mc --samples 2000 \
    --problem heat -o "$out/sw.h5" --overwrite
done
rm -f "$out"/*.h5

# reproduce --save (the cache in w/ is filled first, outside the failing directory)
if "$R" reproduce P1 --method pod-galerkin --workdir w >/dev/null 2>&1; then
  for k in 20000; do
    fault "reproduce --save" $k "$out" "$out/sv_fom.h5 $out/sv_rom.h5 $out/sv_latent.txt" 0 "$R" \
      reproduce P1 --method pod-galerkin --workdir w --save "$out/sv"
  done
else
  bad "reproduce P1 (to fill the cache) failed"
fi

# Python: Basis.write on a full disk raises, leaves nothing (not under the sanitizer build,
# whose uninstrumented Python cannot load the instrumented library without more set-up)
if [ -z "$asan" ]; then
  lib="${ROMKIT_LIB:-$(dirname "$R")/../libromkit.so}"
  src="$(cd "$(dirname "$0")/../../python" && pwd)"
  if [ -f "$lib" ]; then
    ROMKIT_LIB="$lib" PYTHONPATH="$src" ROMKIT_ENOSPC_DIR="$out" ROMKIT_ENOSPC_AFTER=3000 \
      LD_PRELOAD="$shim" $py - "$out" <<'PY' >py.txt 2>&1
import os, sys
import numpy as np
import romkit
out = sys.argv[1]
rng = np.random.default_rng(0)
basis = romkit.pod(np.asfortranarray(rng.standard_normal((4000, 10))), rank=4)
try:
    basis.write(os.path.join(out, "py.h5"))
except romkit.RomkitError as e:
    assert "ROM_ERR_IO" in str(e) or "py.h5" in str(e), e
    assert not os.path.exists(os.path.join(out, "py.h5"))
    assert not [n for n in os.listdir(out) if n.endswith(".partial")], os.listdir(out)
    print("raised")
    sys.exit(0)
sys.exit("no error on a full disk")
PY
    rc=$?
    check "Python Basis.write on a full disk raises and leaves nothing" 0 $rc
    [ $rc -ne 0 ] && tail -5 py.txt
  fi
fi

# A real full disk: a 128 KiB tmpfs, where this test may mount one.
mkdir -p "$dir/tmpfs"
if mount -t tmpfs -o size=128k tmpfs "$dir/tmpfs" 2>/dev/null; then
  mounted="$dir/tmpfs"
  t="$dir/tmpfs"
  for np in 1 2; do
    run=("$R")
    [ $np -eq 2 ] && run=("${np2[@]}" "$R")
    "${run[@]}" pod s.h5 -o "$t/b.h5" --rank 5 >out.txt 2>err.txt
    check "tmpfs: pod at $np rank(s) fails cleanly" 1 $?
    grep -q "ROM_ERR_IO" err.txt; check "tmpfs: pod's message" 0 $?
    "${run[@]}" pod s.h5 -o "$t/b.h5" --rank 1 --librom-out "$t/lr" >out.txt 2>err.txt
    rc=$?
    [ $rc -le 1 ]; check "tmpfs: pod --librom-out at $np rank(s) does not crash (rc $rc)" 0 $?
    if [ $rc -eq 1 ]; then
      [ ! -e "$t/b.h5" ] && [ ! -e "$t/lr.000000" ]; check "tmpfs: all or nothing" 0 $?
    fi
    [ "$(find "$t" -name '*.partial' | wc -l)" -eq 0 ]; check "tmpfs: no temporaries" 0 $?
    rm -f "$t"/*
  done
  umount "$t" && mounted=""
else
  echo "note: cannot mount a tmpfs here (not root?): the tmpfs variant is skipped"
fi

# ---- temporaries: unique, exclusive, never through a symlink
echo "mine" >"$out/q.h5.partial"
echo "innocent" >innocent.txt
ln -s "$dir/innocent.txt" "$out/p.h5.partial"
"$R" pod s.h5 -o "$out/q.h5" --rank 2 >/dev/null 2>&1; check "pod beside a user's q.h5.partial" 0 $?
"$R" pod s.h5 -o "$out/p.h5" --rank 2 >/dev/null 2>&1; check "pod beside a p.h5.partial symlink" 0 $?
[ "$(cat "$out/q.h5.partial")" = mine ]; check "the user's q.h5.partial is untouched" 0 $?
[ "$(cat innocent.txt)" = innocent ] && [ -L "$out/p.h5.partial" ] && [ ! -L "$out/p.h5" ]
check "the symlink and its target are untouched, p.h5 is a file" 0 $?
readable "$out/q.h5" "$out/p.h5"; check "both outputs are whole" 0 $?
rm -f "$out"/*

# ---- outputs are checked before the work, on every rank
touch "$out/lr.000000"
"$R" pod s.h5 -o "$out/b2.h5" --rank 2 --librom-out "$out/lr" >/dev/null 2>err.txt
check "pod --librom-out onto an existing set" 1 $?
[ ! -e "$out/b2.h5" ]; check "... wrote no basis file" 0 $?
grep -q "lr.000000" err.txt; check "... and names the libROM file" 0 $?
rm -f "$out"/*
# (each rank in its own working directory; only rank 0's has the relative output directory)
mkdir -p rank0/sub rank1
timeout 60 "${np2[@]}" sh -c 'cd "rank$OMPI_COMM_WORLD_RANK" && exec "$0" "$@"' \
  "$R" pod "$dir/s.h5" -o sub/b.h5 --rank 2 >/dev/null 2>err.txt
check "an output directory on rank 0 only fails cleanly (no hang)" 1 $?
grep -q "directory does not exist" err.txt; check "... saying so" 0 $?
[ ! -e rank0/sub/b.h5 ]; check "... and writes nothing" 0 $?
rm -rf rank0 rank1

# ---- long paths: Open MPI's MPI-IO aborts on names of about 238 characters; romkit gives it
# a short name through the directory (librom/io/h5.c, mpiio_name). A 1,000-character path
# (nested directories), written and read at 1 and 2 ranks; a file name too long for that
# fails cleanly.
long="$dir"
while [ ${#long} -lt 990 ]; do long="$long/$(printf 'd%.0s' $(seq 1 95))"; done
mkdir -p "$long"
long="$long/basis_with_a_long_enough_name.h5"
echo "long path: ${#long} characters"
[ ${#long} -ge 1000 ]; check "the long path has 1,000 characters or more" 0 $?
for np in 1 2; do
  run=("$R")
  [ $np -eq 2 ] && run=("${np2[@]}" "$R")
  rm -f "$long"
  "${run[@]}" pod s.h5 -o "$long" --rank 3 >/dev/null 2>err.txt
  check "pod -o a ${#long}-character path at $np rank(s)" 0 $?
  "${run[@]}" info "$long" >info.txt 2>err.txt
  check "info of it at $np rank(s)" 0 $?
  grep -q "basis" info.txt; check "... reads the basis" 0 $?
  "${run[@]}" hyper "$long" -o "$long.hr.h5" --method deim --samples 3 --basis-dim 3 >/dev/null 2>err.txt
  check "hyper reads and writes ${#long}-character paths at $np rank(s)" 0 $?
  rm -f "$long.hr.h5"
done
readable "$long"; check "h5py reads the long-path file" 0 $?
toolong="$(dirname "$long")/$(printf 'n%.0s' $(seq 1 240)).h5"
"$R" pod s.h5 -o "$toolong" --rank 3 >/dev/null 2>err.txt
check "a 244-character file name is written (the temporary file has a short name)" 0 $?
"$R" hyper "$toolong" -o x.h5 --method deim --samples 2 --basis-dim 2 >/dev/null 2>err.txt
check "... and reading it with MPI-IO fails cleanly (too long for MPI-IO even through /proc)" 1 $?
grep -q "too long for Open MPI" err.txt; check "... saying so" 0 $?

echo "write_faults: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
