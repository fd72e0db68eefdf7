#!/usr/bin/env bash
# romkit greedy-nonlinear (docs/nonlinear.md, "Residual error indicator and greedy training")
# on a small P1 (200 unknowns, 40 steps): the serial run and a 2-rank run choose the same
# parameters, the first being the box centre 1; --test prints the greedy's and the fixed
# set's errors; bad arguments exit with 2 and a message, a bad library option with 1.
set -u
bin="${ROMKIT_BIN:?ROMKIT_BIN is not set}"
mpiexec="${MPIEXEC:-mpirun}"
export OPENBLAS_NUM_THREADS=1
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
small=(--resolution 200 --steps 40 --dim 4 --grid 9 --max-fom 3)

out1=$("$bin" greedy-nonlinear "${small[@]}" --test 0.93,1.07 2>&1) || fail "serial run: $out1"
out2=$("$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$bin" greedy-nonlinear "${small[@]}" 2>&1) ||
  fail "2-rank run: $out2"
c1=$(grep '^chosen' <<<"$out1" | cut -d: -f2)
c2=$(grep '^chosen' <<<"$out2" | cut -d: -f2)
[ -n "$c1" ] && [ "$c1" = "$c2" ] || fail "choices differ: serial '$c1', 2 ranks '$c2'"
[[ "$c1" == " 1,"* ]] || fail "the first point is not the centre: '$c1'"
grep -q '^greedy   FOM runs  3' <<<"$out1" || fail "no greedy error line: $out1"
grep -q '^fixed    FOM runs  2' <<<"$out1" || fail "no fixed error line: $out1"

check() { # expected code, message fragment, arguments
  local want=$1 frag=$2
  shift 2
  local msg
  msg=$("$bin" greedy-nonlinear "$@" 2>&1)
  local rc=$?
  [ "$rc" = "$want" ] || fail "$* -> exit $rc, expected $want: $msg"
  grep -q -- "$frag" <<<"$msg" || fail "$* -> message lacks '$frag': $msg"
}
check 2 "--stall expects" --stall 1.5
check 2 "--max-fom expects" --max-fom 0
check 2 "unknown option" --bogus 1
check 1 "steady" --problem P3
check 1 "max_fom_runs" --resolution 200 --steps 40 --initial 0.9,1.0,1.1 --max-fom 2

[ "$failed" = 0 ] && echo "cli.greedy_nonlinear: passed" || { echo "cli.greedy_nonlinear: $failed failed"; exit 1; }
