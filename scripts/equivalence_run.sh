#!/usr/bin/env bash
# Runs a fixed set of romkit commands (P1, P2, P3 reproductions and the offline tools)
# with the given binary and keeps every output: JSON lines, logs, HDF5 files. Run it
# before and after a refactor, then compare with scripts/equivalence_compare.py: the
# numbers and datasets must be bit-identical (timings and timestamps excepted).
#   scripts/equivalence_run.sh ROMKIT_BIN OUTDIR [quick]
# quick: leave out the full-size P2 POD rows (minutes each).
set -u
BIN=$(readlink -f "${1:?romkit binary}")
OUT=${2:?output directory}
QUICK=${3:-}
export OPENBLAS_NUM_THREADS=1
MPI="mpirun --allow-run-as-root --oversubscribe -n 2"
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
W=$OUT/work
mkdir -p "$W"
fail=0
run() { # run NAME CMD...: stdout+stderr to NAME.log, the JSON line (else the last) to NAME.json
  local name=$1
  shift
  "$@" >"$OUT/$name.log" 2>&1 || { echo "FAIL $name (exit $?)"; fail=1; }
  # under mpirun the ranks' stderr may come after rank 0's JSON line on stdout
  { grep '^{' "$OUT/$name.log" || tail -n 1 "$OUT/$name.log"; } | tail -n 1 >"$OUT/$name.json"
}
# P1, the paper's POD rows (own workdir per rank count: everything is recomputed)
for m in pod-galerkin pod-lspg pod-lspg-hr; do
  run p1_$m $BIN reproduce P1 --method $m --json --workdir "$W/p1" --save "$OUT/p1_$m"
done
run p1_pod-galerkin_p2 $BIN reproduce P1 --method pod-galerkin --dim 2 --json --workdir "$W/p1"
run p1_pod-lspg-hr_np2 $MPI $BIN reproduce P1 --method pod-lspg-hr --json --workdir "$W/p1np2" \
  --save "$OUT/p1np2_pod-lspg-hr"
# P1 NM rows with a short training (deterministic: fixed seed)
for m in nm-galerkin nm-lspg nm-lspg-hr; do
  run p1_$m $BIN reproduce P1 --method $m --ae-epochs 4 --json --workdir "$W/p1nm" \
    --save "$OUT/p1_$m"
done
# P2 on a reduced grid, POD and NM, 1 and 2 ranks
for m in pod-galerkin pod-lspg-hr nm-lspg nm-lspg-hr; do
  extra=""
  case $m in nm-*) extra="--ae-epochs 2" ;; esac
  run p2s_$m $BIN reproduce P2 --grid 16 --steps 40 --method $m $extra --json \
    --workdir "$W/p2s" --save "$OUT/p2s_$m"
done
run p2s_nm-lspg-hr_np2 $MPI $BIN reproduce P2 --grid 16 --steps 40 --method nm-lspg-hr \
  --ae-epochs 2 --json --workdir "$W/p2snp2" --save "$OUT/p2snp2_nm-lspg-hr"
# P2 at the paper's size, POD rows
if [ "$QUICK" != quick ]; then
  for m in pod-galerkin pod-lspg-hr; do
    run p2_$m $BIN reproduce P2 --method $m --json --workdir "$W/p2" --save "$OUT/p2_$m"
  done
fi
# P3: the demo's files, a sweep, the offline tools on them
run p3_demo $BIN demo --n 24 --train 20 --test 4 --workdir "$W/p3" --seed 7
run p3_sweep $BIN sweep "$W/p3/rom.h5" --design lhs --samples 500 -o "$OUT/p3_sweep.h5"
run p3_sweep_np2 $MPI $BIN sweep "$W/p3/rom.h5" --design grid --samples 81 -o "$OUT/p3_sweep_grid.h5"
for m in tsqr scalapack randomized incremental; do
  run pod_$m $BIN pod "$W/p3/snapshots.h5" -o "$OUT/pod_$m.h5" --rank 8 --method $m
done
for m in deim qdeim gnat sopt deim-os; do
  ns=12
  case $m in deim | qdeim) ns=8 ;; esac
  run hyper_$m $BIN hyper "$OUT/pod_tsqr.h5" -o "$OUT/hyper_$m.h5" --method $m --samples $ns --basis-dim 8
done
run train_p1 $BIN train "$W/p1/P1_fom_a0.9.h5" -o "$OUT/train_p1.h5" --latent 3 --problem P1 \
  --epochs 3 --quiet
run train_tanh $BIN train "$W/p1/P1_fom_a0.9.h5" -o "$OUT/train_tanh.h5" --latent 3 \
  --activation tanh --mask band:36:12 --epochs 3 --quiet
run hyper_manifold $BIN hyper "$W/p1/P1_resbasis_c0_nb30_train0.9,1.1.h5" -o "$OUT/hyper_manifold.h5" \
  --method deim-os --samples 20 --basis-dim 10 --manifold "$OUT/train_p1.h5" --stencil P1
for f in "$OUT"/*.h5; do
  $BIN info "$f" >"$f.info" 2>&1
done
echo "equivalence_run: done, fail=$fail"
exit $fail
