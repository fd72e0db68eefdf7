#!/usr/bin/env bash
# Kill tests (docs/reliability.md, "Writing files"): `kill -9` of a serial run, of one rank
# of a 2-rank job, and of the whole job (mpirun) while romkit writes its output. The write
# is slowed down by the LD_PRELOAD shim (tests/faults/enospc_shim.c, ROMKIT_WRITE_DELAY_US:
# every write under the output directory sleeps first), so the kill lands mid-write without a
# hook in the library. Afterwards:
#   - no file under the final name (it is published only when complete), or a complete one;
#   - what is left is a temporary file named "<name>.<pid>-<random>.partial" (as documented);
#   - a rerun of the same command, without --overwrite, succeeds: stale temporary files never
#     block it; the result is whole (h5py reads it).
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
shim="${ROMKIT_ENOSPC_SHIM:-}"
dir="${ROMKIT_TEST_DIR:-.}/cli_write_kill.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
dir=$(pwd)
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
  echo "no shim (ROMKIT_ENOSPC_SHIM): build the tests with CMake"
  exit 1
fi
preload="$shim"
asan=$(ldd "$ROMKIT_BIN" 2>/dev/null | awk '/libasan/ {print $3}')
[ -n "$asan" ] && preload="$asan $shim"
$py - "$(cd "$(dirname "$0")" && pwd)" <<'PY' || { echo "cannot write the snapshot file with h5py"; exit 1; }
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
write("s.h5", np.random.default_rng(4).standard_normal((24, 6000)))
PY
out="$dir/out"
mkdir -p "$out"
R="$ROMKIT_BIN"

# wait_for_partial: until a temporary file of b.h5 exists (at most 30 s)
wait_for_partial() {
  for _ in $(seq 1 300); do
    ls "$out"/b.h5.*.partial >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# after NAME: the outcome of a killed write, then a rerun
after() {
  local name=$1
  if [ -e "$out/b.h5" ]; then
    $py -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); assert f['basis'].shape == (5, 6000)" \
      "$out/b.h5" 2>/dev/null
    check "$name: a final file exists only if complete" 0 $?
  else
    check "$name: no final file" 0 0
  fi
  local bad=0 left=0
  for f in "$out"/*.partial; do
    [ -e "$f" ] || continue
    left=$((left + 1))
    [[ "$(basename "$f")" =~ ^b\.h5\.[0-9]+-[a-z0-9]{8}\.partial$ ]] || bad=1
  done
  # the write takes >= 4 s (10 writes or more, 0.4 s each): the kill 0.5 s in hit it
  [ $left -ge 1 ]; check "$name: the kill hit the write (its temporary file is left)" 0 $?
  check "$name: leftovers are named <name>.<pid>-<random>.partial" 0 $bad
  rm -f "$out/b.h5"
  "$R" pod s.h5 -o "$out/b.h5" --rank 5 >/dev/null 2>err.txt
  check "$name: the rerun succeeds beside the stale temporary files" 0 $?
  $py -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); assert f['basis'].shape == (5, 6000)" \
    "$out/b.h5"
  check "$name: the rerun's file is whole" 0 $?
  rm -f "$out"/*
}

slow=(env ROMKIT_ENOSPC_DIR="$out" ROMKIT_WRITE_DELAY_US=400000 LD_PRELOAD="$preload")

# 1. a serial run
"${slow[@]}" "$R" pod s.h5 -o "$out/b.h5" --rank 5 >/dev/null 2>&1 &
pid=$!
wait_for_partial; check "serial: the write started" 0 $?
sleep 0.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
after "serial kill -9"

# 2. one rank of a 2-rank job; 3. the whole job (mpirun)
for what in rank job; do
  "${slow[@]}" "$mpiexec" --allow-run-as-root --oversubscribe -n 2 -x ROMKIT_ENOSPC_DIR \
    -x ROMKIT_WRITE_DELAY_US -x LD_PRELOAD "$R" pod s.h5 -o "$out/b.h5" --rank 5 >/dev/null 2>&1 &
  job=$!
  wait_for_partial; check "kill one $what: the write started" 0 $?
  sleep 0.5
  ranks=$(pgrep -P $job)
  if [ "$what" = rank ]; then
    victim=$(echo "$ranks" | tail -1)
    [ -n "$victim" ] && kill -9 "$victim"
  else
    kill -9 $job
  fi
  # mpirun ends the job when a rank dies; the ranks of a killed mpirun notice it and exit
  for _ in $(seq 1 300); do
    alive=0
    for p in $job $ranks; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  check "kill one $what: every process is gone within 30 s" 0 $alive
  for p in $ranks; do kill -9 "$p" 2>/dev/null; done # only ours, by pid, if any lingered
  wait $job 2>/dev/null
  after "kill -9 of one $what"
done

# 4. two writers of the same -o without --overwrite: A is slowed down mid-write, B runs to
# completion meanwhile; A must then fail (ROM_ERR_EXISTS) and leave B's file as it is.
"${slow[@]}" "$R" pod s.h5 -o "$out/b.h5" --rank 5 >/dev/null 2>a_err.txt &
a=$!
wait_for_partial; check "two writers: A's write started" 0 $?
"$R" pod s.h5 -o "$out/b.h5" --rank 2 >/dev/null 2>&1
check "two writers: B succeeds while A writes" 0 $?
cp "$out/b.h5" b_copy.h5
wait $a
check "two writers: A fails when it would publish" 1 $?
grep -q "ROM_ERR_EXISTS" a_err.txt; check "two writers: A says the file appeared" 0 $?
cmp -s "$out/b.h5" b_copy.h5; check "two writers: B's file is untouched" 0 $?
[ "$(find "$out" -name '*.partial' | wc -l)" -eq 0 ]; check "two writers: A removed its temporary file" 0 $?
rm -f "$out"/*

echo "write_kill: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
