#!/usr/bin/env bash
# romkit optimize: the P3 design problem (docs/optimisation.md) on a 16 x 16 grid, the three
# methods at 1 and 2 ranks: the same objective to 1e-6 relative (FOM-only is the reference;
# for the fixed ROM the FOM's J at its optimum), the trust region with fewer FOM solves than
# FOM-only; the trust region's --sensitivities / --direct-bound options; exit code 1 with the
# bounds named for inverted bounds, 2 for a bad argument.
set -u
mpiexec="${MPIEXEC:-mpirun}"
bin="${ROMKIT_BIN:?ROMKIT_BIN must point to the romkit program}"
passed=0
failed=0
check() { # check NAME CONDITION(0 = true)
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
for np in 1 2; do
  out=$(OPENBLAS_NUM_THREADS=1 "$mpiexec" --oversubscribe -np $np "$bin" optimize --method all --n 16 2>/dev/null)
  rc=$?
  check "np=$np exit code 0 ($rc): $out" $rc
  /usr/bin/python3 - "$out" <<'PY'
import sys
rows = {l.split()[0]: l.split() for l in sys.argv[1].splitlines()[1:] if l.strip()}
J = {m: float(r[2]) for m, r in rows.items()}  # the FOM's J at each method's optimum
ref = J["fom"]
ok = all(abs(J[m] - ref) <= 1e-6 * ref for m in ("rom", "trust-region"))
ok = ok and int(rows["trust-region"][3]) < int(rows["fom"][3])
sys.exit(0 if ok and ref > 0 else 1)
PY
  check "np=$np the three optimisers agree and the trust region saves FOM solves: $out" $?
done
# The trust region's options (docs/optimisation.md): the same optimum as FOM-only with fewer
# outer iterations than the plain loop; JSON reports the sensitivity and bound solves.
out=$(OPENBLAS_NUM_THREADS=1 "$bin" optimize --method all --n 16 2>/dev/null)
opt=$(OPENBLAS_NUM_THREADS=1 "$bin" optimize --method trust-region --n 16 --sensitivities 1 --direct-bound 1 --json 2>/dev/null)
/usr/bin/python3 - "$out" "$opt" <<'PY'
import json, sys
rows = {l.split()[0]: l.split() for l in sys.argv[1].splitlines()[1:] if l.strip()}
ref, plain_it = float(rows["fom"][2]), int(rows["trust-region"][6])
m = json.loads(sys.argv[2])["methods"][0]
ok = abs(m["fom_J"] - ref) <= 1e-6 * ref and m["iterations"] < plain_it
ok = ok and m["sensitivity_solves"] > 0 and m["sensitivity_solves"] % 4 == 0
ok = ok and m["estimator_solves"] > 0
sys.exit(0 if ok else 1)
PY
check "trust region with --sensitivities 1 --direct-bound 1: $opt" $?
"$bin" optimize --sensitivities 2 >/dev/null 2>&1
[ $? -eq 2 ]
check "--sensitivities 2: exit 2" $?
out=$("$bin" optimize --n 16 --lower 10 --upper 1 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "lower < upper"
check "inverted bounds: exit 1 naming them ($rc): $out" $?
"$bin" optimize --method nosuch >/dev/null 2>&1
[ $? -eq 2 ]
check "unknown method: exit 2" $?
"$bin" optimize --algorithm LN_COBYLA --n 16 >/dev/null 2>&1
[ $? -eq 1 ]
check "derivative-free algorithm refused: exit 1" $?
echo "cli_optimize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
