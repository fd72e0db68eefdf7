#!/usr/bin/env bash
# romkit greedy: the weak greedy on P3 (n = 10) at 1 and 2 ranks chooses the same training
# points and writes a ROM that `romkit sweep` reads; --basis writes the basis; exit code 2
# with a sentence naming the option for bad arguments (--tol 0, --max-size 0, --design,
# --estimator, an unknown problem, --first, --adaptive with strong, --validation-samples
# without --adaptive), 2 for a bad option of the nonlinear greedy and for its --compare without
# --test, which a problem that is not affine (P1) gets.
set -u
mpiexec="${MPIEXEC:-mpirun}"
dir="${ROMKIT_TEST_DIR:-.}/cli_greedy.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (rc $3, expected $2)"; fi
}
expect() { # expect NAME PATTERN FILE
  if grep -q -- "$2" "$3"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: no '$2' in:"; cat "$3"; fi
}
export OPENBLAS_NUM_THREADS=1
args=(--resolution 10 --design lhs --samples 200 --seed 5 --tol 1e-5 --max-size 40)
"$ROMKIT_BIN" greedy "${args[@]}" --out rom1.h5 --basis basis1.h5 > out1.txt 2>err1.txt
check "greedy 1 rank" 0 $?
"$mpiexec" -n 2 --allow-run-as-root --oversubscribe "$ROMKIT_BIN" greedy "${args[@]}" --out rom2.h5 > out2.txt 2>err2.txt
check "greedy 2 ranks" 0 $?
expect "stops at the tolerance" "stopped (tolerance)" out1.txt
grep -o "point *[0-9]*" out1.txt > p1.txt
grep -o "point *[0-9]*" out2.txt > p2.txt
if [ -s p1.txt ] && cmp -s p1.txt p2.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: 1 and 2 ranks chose different points"; paste p1.txt p2.txt; fi
# --adaptive (Hesthaven-Stamm-Zhang refinement): 1 and 2 ranks make the same choices and draw
# the same fresh points
aargs=(--resolution 10 --samples 30 --seed 5 --tol 1e-5 --max-size 40 --adaptive --validation-samples 100)
"$ROMKIT_BIN" greedy "${aargs[@]}" > ad1.txt 2>ad1.err
check "greedy --adaptive 1 rank" 0 $?
"$mpiexec" -n 2 --allow-run-as-root --oversubscribe "$ROMKIT_BIN" greedy "${aargs[@]}" > ad2.txt 2>ad2.err
check "greedy --adaptive 2 ranks" 0 $?
expect "adaptive: a safety check" "1 safety check" ad1.txt
grep -o "point *[0-9]*\|[0-9]* fresh" ad1.txt > a1.txt
grep -o "point *[0-9]*\|[0-9]* fresh" ad2.txt > a2.txt
if [ -s a1.txt ] && cmp -s a1.txt a2.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: --adaptive: 1 and 2 ranks differ"; paste a1.txt a2.txt; fi
"$ROMKIT_BIN" greedy --first nine > bad.txt 2>&1
check "--first nine" 2 $?
expect "--first named" "\-\-first" bad.txt
"$ROMKIT_BIN" greedy --adaptive --estimator strong > bad.txt 2>&1
check "--adaptive --estimator strong" 2 $?
expect "--adaptive named" "\-\-adaptive" bad.txt
"$ROMKIT_BIN" greedy --validation-samples 10 > bad.txt 2>&1
check "--validation-samples without --adaptive" 2 $?
"$ROMKIT_BIN" info basis1.h5 > info.txt 2>&1
check "info on the basis" 0 $?
"$ROMKIT_BIN" sweep rom1.h5 --design mc --samples 50 -o sweep.h5 > sweep.txt 2>&1
check "sweep reads the greedy ROM" 0 $?

"$ROMKIT_BIN" greedy --tol 0 > bad.txt 2>&1
check "--tol 0" 2 $?
expect "--tol named" "\-\-tol" bad.txt
"$ROMKIT_BIN" greedy --max-size 0 > bad.txt 2>&1
check "--max-size 0" 2 $?
expect "--max-size named" "\-\-max-size" bad.txt
"$ROMKIT_BIN" greedy --design cube > bad.txt 2>&1
check "--design cube" 2 $?
"$ROMKIT_BIN" greedy --estimator best > bad.txt 2>&1
check "--estimator best" 2 $?
"$ROMKIT_BIN" greedy --problem nosuch > bad.txt 2>&1
check "--problem nosuch" 2 $?
"$ROMKIT_BIN" greedy --problem P1 --max-fom 0 > bad.txt 2>&1
check "--problem P1 (not affine: the nonlinear greedy's checks)" 2 $?
expect "P1 goes to the residual-indicator greedy" "greedy-nonlinear: --max-fom" bad.txt
"$ROMKIT_BIN" greedy-nonlinear --compare 0.9,1.1 > bad.txt 2>&1
check "greedy-nonlinear --compare without --test" 2 $?
expect "--compare without --test named" "\-\-compare needs \-\-test" bad.txt
"$ROMKIT_BIN" greedy --out rom1.h5 --resolution 10 --samples 10 > bad.txt 2>&1
check "existing --out without --overwrite" 1 $?

echo "cli.greedy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
