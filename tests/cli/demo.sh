#!/bin/bash
# romkit demo end to end (P3): serial and on 2 ranks; the error printed for the largest k
# must be small, and bad arguments must exit 2. Runs in ctest's work directory.
set -u
fail=0
ROMKIT_BIN=${ROMKIT_BIN:?ROMKIT_BIN is not set}
MPIEXEC=${MPIEXEC:-mpirun}
export OPENBLAS_NUM_THREADS=1

check_run() { # $1: label, rest: command
  local label=$1
  shift
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $label: exit $rc"
    echo "$out"
    fail=1
    return
  fi
  # "  largest k = 20: max relative error 3.596e-04, speed-up ..."
  local err
  err=$(echo "$out" | sed -n 's/.*largest k = [0-9]*: max relative error \([0-9.e+-]*\),.*/\1/p')
  if [ -z "$err" ]; then
    echo "FAIL $label: no 'largest k' line in the output"
    echo "$out"
    fail=1
  elif ! awk -v e="$err" 'BEGIN { exit !(e < 1e-2) }'; then
    echo "FAIL $label: max relative error $err at the largest k is not below 1e-2"
    fail=1
  else
    echo "ok $label: max relative error $err"
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/romkit-demo-test-XXXXXX")
trap 'rm -rf "$work"' EXIT

check_run "serial" "$ROMKIT_BIN" demo --n 24 --train 20 --test 4 --workdir "$work/serial"
check_run "2 ranks" "$MPIEXEC" --allow-run-as-root --oversubscribe -n 2 "$ROMKIT_BIN" demo \
  --n 24 --train 20 --test 4 --workdir "$work/np2"
for f in snapshots.h5 basis.h5 rom.h5; do
  [ -s "$work/np2/$f" ] || { echo "FAIL: $work/np2/$f was not written"; fail=1; }
done

# A second run into the same directory must refuse to replace the files ...
"$ROMKIT_BIN" demo --n 24 --train 20 --test 4 --workdir "$work/serial" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: rerun without --overwrite exited $rc, expected 1"; fail=1; }
# ... and replace them with --overwrite.
"$ROMKIT_BIN" demo --n 24 --train 20 --test 4 --workdir "$work/serial" --overwrite >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: rerun with --overwrite exited $rc"; fail=1; }

for args in "--n abc" "--n 3" "--train" "--bogus 1" "--test 0"; do
  # shellcheck disable=SC2086
  "$ROMKIT_BIN" demo $args >/dev/null 2>&1
  rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: 'romkit demo $args' exited $rc, expected 2"; fail=1; }
done

[ $fail -eq 0 ] && echo "demo.sh: all checks passed"
exit $fail
