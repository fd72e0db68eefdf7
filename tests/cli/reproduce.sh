#!/bin/bash
# romkit reproduce on P1 (docs/problems.md): POD-Galerkin, POD-LSPG and POD-LSPG-HR at the
# paper's settings, serial and on 2 ranks (each with its own work directory, so both
# compute their own training runs, bases and samples): the errors of the JSON line must
# lie within 15 % of the published rows (avg and max), and agree between 1 and 2 ranks to
# 1e-8 relative; POD-Galerkin p = 2 and p = 10 against their rows; P2 on a reduced grid
# (equal on 1 and 2 ranks); the nm-* methods on small networks (below); the cache is
# reused; bad arguments exit 2. The full P2 takes
# minutes per run and is not run here (docs/reproduction.md).
set -u
fail=0
ROMKIT_BIN=${ROMKIT_BIN:?ROMKIT_BIN is not set}
MPIEXEC=${MPIEXEC:-mpirun}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1

work=$(mktemp -d "${TMPDIR:-/tmp}/romkit-reproduce-test-XXXXXX")
trap 'rm -rf "$work"' EXIT

# run LABEL OUTFILE COMMAND...: the command must exit 0; with --json its stdout (OUTFILE) is
# the JSON line alone, the report and progress go to stderr (OUTFILE.log).
run() {
  local label=$1 out=$2
  shift 2
  "$@" >"$out" 2>"$out.log"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $label: exit $rc"
    cat "$out.log" "$out"
    fail=1
    return 1
  fi
}

# check LABEL JSONFILE AVG MAX: within 15 % of the published avg/max.
check() {
  $PY - "$1" "$2" "$3" "$4" <<'PY' || fail=1
import json, sys
label, path, avg, mx = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
try:
    d = json.load(open(path))
except Exception as e:
    print(f"FAIL {label}: the last line is not JSON ({e})"); sys.exit(1)
need = ["method", "problem", "test_param", "dim", "avg_error_pct", "max_error_pct",
        "fom_seconds", "rom_seconds", "speedup"]
missing = [k for k in need if k not in d]
if missing:
    print(f"FAIL {label}: JSON lacks {missing}"); sys.exit(1)
ok = abs(d["avg_error_pct"] - avg) <= 0.15 * avg and abs(d["max_error_pct"] - mx) <= 0.15 * mx
ok = ok and d["fom_seconds"] > 0 and d["rom_seconds"] > 0
print(("ok  " if ok else "FAIL") + f" {label}: avg {d['avg_error_pct']:.4f} % (published {avg}), "
      f"max {d['max_error_pct']:.4f} % (published {mx}), speed-up {d['speedup']:.2f}")
sys.exit(0 if ok else 1)
PY
}

# same LABEL A B: equal errors to 1e-8 relative.
same() {
  $PY - "$1" "$2" "$3" <<'PY' || fail=1
import json, sys
a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
bad = [k for k in ("avg_error_pct", "max_error_pct") if abs(a[k] - b[k]) > 1e-8 * abs(a[k])]
print(("FAIL" if bad else "ok  ") + f" {sys.argv[1]}: 1 rank vs 2 ranks " +
      ", ".join(f"{k} {a[k]!r} / {b[k]!r}" for k in ("avg_error_pct", "max_error_pct")))
sys.exit(1 if bad else 0)
PY
}

np2=("$MPIEXEC" --allow-run-as-root --oversubscribe -n 2)
published=("pod-galerkin 3.600 6.196" "pod-lspg 3.573 6.134" "pod-lspg-hr 3.532 6.075")
for row in "${published[@]}"; do
  set -- $row
  m=$1
  run "$m serial" "$work/$m.1.json" "$ROMKIT_BIN" reproduce P1 --method "$m" --json \
    --workdir "$work/np1" && check "P1 $m p = 5, 1 rank" "$work/$m.1.json" "$2" "$3"
  run "$m 2 ranks" "$work/$m.2.json" "${np2[@]}" "$ROMKIT_BIN" reproduce P1 --method "$m" \
    --json --workdir "$work/np2" && check "P1 $m p = 5, 2 ranks" "$work/$m.2.json" "$2" "$3"
  [ -s "$work/$m.1.json" ] && [ -s "$work/$m.2.json" ] && same "P1 $m" "$work/$m.1.json" "$work/$m.2.json"
done
for row in "2 9.444 14.526" "10 1.472 3.352"; do
  set -- $row
  run "galerkin p = $1" "$work/g$1.json" "$ROMKIT_BIN" reproduce P1 --method pod-galerkin \
    --dim "$1" --json --workdir "$work/np1" && check "P1 pod-galerkin p = $1" "$work/g$1.json" "$2" "$3"
done

# P2 on a reduced setting (20 x 20 grid, 60 steps; the full P2 takes minutes): the
# block-diagonal u/v bases and the per-component samples, equal on 1 and 2 ranks.
for m in pod-lspg pod-lspg-hr; do
  extra=()
  [ "$m" = pod-lspg-hr ] && extra=(--hr-basis 12 --hr-samples 15)
  run "P2 reduced $m serial" "$work/p2$m.1.json" "$ROMKIT_BIN" reproduce P2 --grid 20 --steps 60 \
    --method "$m" "${extra[@]}" --json --workdir "$work/p2np1" &&
    run "P2 reduced $m 2 ranks" "$work/p2$m.2.json" "${np2[@]}" "$ROMKIT_BIN" reproduce P2 --grid 20 \
      --steps 60 --method "$m" "${extra[@]}" --json --workdir "$work/p2np2" &&
    same "P2 (20 x 20, 60 steps) $m" "$work/p2$m.1.json" "$work/p2$m.2.json"
done

# Nonlinear-manifold methods (the numerics are checked in tests/mpi/manifold_rom.c; the
# paper's network needs minutes of training, docs/reproduction.md): a 3-epoch P1 network
# trained by reproduce itself and cached, the three methods on it, the JSON keys, and the
# same errors on 2 ranks from the cached file; P2 on a reduced grid with the mirrored v
# network, equal on 1 and 2 ranks.
nm_check() {
  $PY - "$1" "$2" <<'PY' || fail=1
import json, math, sys
label, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
need = ["method", "problem", "dim", "avg_error_pct", "max_error_pct", "fom_seconds",
        "rom_seconds", "speedup", "ae_seed", "ae_files", "ae_train_seconds"]
missing = [k for k in need if k not in d]
ok = not missing and math.isfinite(d["avg_error_pct"]) and 0 < d["avg_error_pct"] < 50
print(("ok  " if ok else "FAIL") + f" {label}: avg {d.get('avg_error_pct')} %, max "
      f"{d.get('max_error_pct')} %{', missing ' + str(missing) if missing else ''}")
sys.exit(0 if ok else 1)
PY
}
for m in nm-lspg nm-galerkin nm-lspg-hr; do
  run "P1 $m serial" "$work/$m.1.json" "$ROMKIT_BIN" reproduce P1 --method "$m" --ae-epochs 3 \
    --json --workdir "$work/np1" && nm_check "P1 $m (3-epoch network), 1 rank" "$work/$m.1.json"
done
ae1="$work/np1/P1_ae_c0_k5_seed42_e3_train0.9,1.1.h5"
[ -f "$ae1" ] || { echo "FAIL: the trained network was not cached as $ae1"; fail=1; }
grep -q "autoencoder: .*P1_ae_c0_k5_seed42_e3" "$work/nm-galerkin.1.json.log" ||
  { echo "FAIL: the second NM run did not reuse the cached network"; fail=1; }
for m in nm-lspg nm-lspg-hr; do
  run "P1 $m 2 ranks" "$work/$m.2.json" "${np2[@]}" "$ROMKIT_BIN" reproduce P1 --method "$m" \
    --ae "$ae1" --json --workdir "$work/np2" &&
    same "P1 $m (--ae)" "$work/$m.1.json" "$work/$m.2.json"
done
p2nm=(P2 --grid 12 --steps 30 --ae-epochs 50 --paper --json)
run "P2 reduced nm-lspg serial" "$work/p2nm.json" "$ROMKIT_BIN" reproduce "${p2nm[@]}" \
  --method nm-lspg --workdir "$work/p2np1" && nm_check "P2 (12 x 12) nm-lspg" "$work/p2nm.json"
# every row sampled (100 of 100 per component): HR must change nothing
run "P2 reduced nm-lspg-hr serial" "$work/p2nmhr.1.json" "$ROMKIT_BIN" reproduce "${p2nm[@]}" \
  --method nm-lspg-hr --hr-basis 100 --hr-samples 100 --workdir "$work/p2np1" &&
  same "P2 (12 x 12) nm-lspg-hr, all rows sampled, vs nm-lspg" "$work/p2nm.json" "$work/p2nmhr.1.json" &&
  run "P2 reduced nm-lspg-hr 2 ranks" "$work/p2nmhr.2.json" "${np2[@]}" "$ROMKIT_BIN" reproduce \
    "${p2nm[@]}" --method nm-lspg-hr --hr-basis 100 --hr-samples 100 --workdir "$work/p2np2" &&
  same "P2 (12 x 12) nm-lspg-hr" "$work/p2nmhr.1.json" "$work/p2nmhr.2.json"
$PY - "$work/p2nm.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
ok = abs(d["avg_error_pct"] - d["v_avg_error_pct"]) <= 1e-9 * d["avg_error_pct"]
print(("ok  " if ok else "FAIL") + f" P2 mirrored v network: u error {d['avg_error_pct']}, v error {d['v_avg_error_pct']}")
sys.exit(0 if ok else 1)
PY
grep -q "the u network mirrored" "$work/p2nm.json.log" ||
  { echo "FAIL: P2's v network was not the mirrored u network"; fail=1; }
"$ROMKIT_BIN" reproduce P1 --method nm-lspg --ae "$work/none.h5" --workdir "$work/bad" \
  >"$work/missing.log" 2>&1
rc=$?
{ [ $rc -eq 1 ] && grep -q "none.h5" "$work/missing.log"; } ||
  { echo "FAIL: a missing --ae file exited $rc (expected 1, naming the file)"; fail=1; }

# The second and later runs in a work directory reuse its files.
grep -q "state basis (5 vectors): cached" "$work/pod-lspg.1.json.log" ||
  { echo "FAIL: the second run did not reuse the cached basis"; fail=1; }
grep -q "training FOM at a = 0.9: cached" "$work/g2.json.log" ||
  { echo "FAIL: the p = 2 run did not reuse the cached training run"; fail=1; }

# Bad arguments: exit 2.
for args in "P3 --method pod-lspg" "P1 --method pod-foo" "P1 --method pod-lspg --dim 0" \
  "P1 --method pod-lspg --train-params 0.9,,1.1" "P1 --method pod-lspg --train-params abc" \
  "P1" "P1 --method pod-lspg --hr-basis 30" "P1 --method pod-lspg-hr --hr-basis 30 --hr-samples 20" \
  "P1 --method pod-lspg-hr --hr-method foo" "P1 --method pod-lspg --bogus 1" \
  "P1 --method pod-lspg --grid 20" "P2 --method pod-lspg-hr --hr-sample-mesh" \
  "P1 --method pod-lspg --ae x.h5" "P1 --method nm-lspg --ae a.h5 --ae b.h5" \
  "P1 --method nm-lspg --ae a.h5 --ae-epochs 3" "P1 --method nm-galerkin --hr-basis 31" \
  "P1 --method nm-lspg --ae-max-seconds -1" "P1 --method nm-lspg --ae a.h5 --dim 4"; do
  # shellcheck disable=SC2086
  "$ROMKIT_BIN" reproduce $args --workdir "$work/bad" >/dev/null 2>&1
  rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: 'romkit reproduce $args' exited $rc, expected 2"; fail=1; }
done
"$ROMKIT_BIN" reproduce --help >/dev/null 2>&1 || { echo "FAIL: --help did not exit 0"; fail=1; }

[ $fail -eq 0 ] && echo "reproduce.sh: all checks passed"
exit $fail
