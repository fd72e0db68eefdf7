#!/bin/bash
# romkit interp heat (docs/interp.md): a small P3X study serially and on 2 ranks (the table
# must be the same), errors below a bound, and bad input: unknown method or manifold (exit
# 2), a test parameter outside the training range (exit 1 with the sentence; accepted with
# --outside warn, which says so on stderr).
set -u
fail=0
ROMKIT_BIN=${ROMKIT_BIN:?ROMKIT_BIN is not set}
MPIEXEC=${MPIEXEC:-mpirun}
export OPENBLAS_NUM_THREADS=1
check() { # $1: label, $2: expected exit code, $3: actual
  if [ "$2" != "$3" ]; then
    echo "FAIL $1: exit $3, expected $2"
    fail=1
  else
    echo "ok   $1"
  fi
}
small="--n 12 --steps 20 --dim 4 --train -1,-0.5,0,0.5,1 --test -0.7,0.8"
"$ROMKIT_BIN" interp heat $small >serial.txt 2>&1
check "interp heat (serial)" 0 $?
cat serial.txt
$MPIEXEC --allow-run-as-root --oversubscribe -n 2 "$ROMKIT_BIN" interp heat $small >two.txt 2>&1
check "interp heat (2 ranks)" 0 $?
# the error columns agree (the timing and round-off lines differ)
diff <(grep -v "offline\|reproduced" serial.txt) <(grep -v "offline\|reproduced" two.txt) >/dev/null
check "1 and 2 ranks print the same table" 0 $?
# every error of the interpolated ROM and the parametric DMD below 5 %
awk '$1 ~ /^-?[0-9.]+$/ && NF == 6 { if ($2 > 5 || $6 > 5) bad = 1; rows++ }
     END { exit (bad || rows != 2) }' serial.txt
check "two rows, interpolated ROM and parametric DMD below 5 %" 0 $?
grep -q "training parameters reproduced to" serial.txt
check "training reproduction line" 0 $?
"$ROMKIT_BIN" interp heat $small --method kriging 2>err.txt
check "unknown method" 2 $?
grep -q "one of idw, rbf-gaussian" err.txt
check "the sentence lists the methods" 0 $?
"$ROMKIT_BIN" interp heat $small --manifold hyperbolic 2>/dev/null
check "unknown manifold" 2 $?
"$ROMKIT_BIN" interp heat --n 12 --steps 20 --dim 4 --test 3 2>err.txt >/dev/null
check "outside the training range" 1 $?
grep -q "outside the training range" err.txt
check "the sentence says outside" 0 $?
"$ROMKIT_BIN" interp heat --n 12 --steps 20 --dim 4 --test 2.2 --outside warn --no-dmd \
  2>err.txt >/dev/null
check "--outside warn extrapolates" 0 $?
grep -q "extrapolating" err.txt
check "with a warning" 0 $?
"$ROMKIT_BIN" interp heat --train 0,0,1 --n 12 --steps 20 --dim 4 --test 0.5 2>err.txt >/dev/null
check "duplicate training parameters" 1 $?
"$ROMKIT_BIN" interp --help | grep -q "rbf-multiquadric"
check "help lists the interpolants" 0 $?
exit $fail
