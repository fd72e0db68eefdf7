#!/usr/bin/env bash
# Progress, timing summary, computed / cached and export-snapshots (docs/user-guide.md,
# "Progress and timing" and "Training sets for romkit train"), on a reduced P2 (12 x 12 grid,
# 30 steps):
# - export-snapshots computes the four training FOM runs (each says "computed", progress
#   lines "N/N (100%)" on stderr, the timing summary names the stage) and writes u's raw
#   states; `romkit train --problem P2` reads the file (epoch lines with count/total and ETA,
#   summary) and its network is bit for bit the one `reproduce` trains itself on the same
#   cache: the export is exactly reproduce's training set;
# - reproduce then says "cached" for every training run and the network, "computed" for the
#   bases on the first pod-lspg run and "cached" for everything on the second;
# - a FOM long enough for intermediate lines shows "k/N (p%), ... elapsed, ETA ...";
# - ROMKIT_LOG=2 silences progress and summary (rom_log's threshold);
# - sweep prints its progress and its stage at ROMKIT_LOG=3.
set -u
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_progress.$$"
mkdir -p "$dir" && dir="$(cd "$dir" && pwd)" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
ok() { # ok NAME COMMAND...: passes if the command succeeds
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
R="$ROMKIT_BIN"
p2=(P2 --grid 12 --steps 30)

# 1. export-snapshots: computed, progress, summary
"$R" export-snapshots "${p2[@]}" -o u.h5 --workdir W >exp.out 2>exp.err
ok "export-snapshots exit 0" [ $? -eq 0 ]
ok "export: every training run computed" [ "$(grep -c 'training FOM at a = .*: computed' exp.out exp.err | awk -F: '{s += $2} END {print s}')" -eq 4 ]
ok "export: progress lines count/total on stderr" grep -q '^\[romkit\] training FOM at a = 0.9, time steps: 30/30 (100%), done in' exp.err
ok "export: timing summary on stderr" grep -q 'timing summary' exp.err
ok "export: summary names the FOM stage" grep -Eq 'reproduce: training FOM runs +4 ' exp.err
ok "export: nothing cached on a fresh workdir" sh -c '! grep -q ": cached" exp.out exp.err'
ok "export: 124 snapshots reported" grep -q '124 snapshots of P2 component u -> u.h5' exp.out
$py - <<'PY'
import h5py, numpy as np, sys
f = h5py.File("u.h5", "r")
S = f["snapshots"][()]
# 4 runs x 31 raw states (P2's recipe: raw states, min-max scaling), 12 x 12 = 144 nodes... of u
assert S.shape == (124, 100) or S.shape == (124, 144), S.shape
g = h5py.File("W/P2_g12_s30_fom_a0.9.h5", "r")["snapshots"][()]
n = S.shape[1]
assert np.array_equal(S[:31], g[:, :n]), "the first run's u rows differ from the cached run"
PY
ok "export: the file holds the cached runs' u rows" [ $? -eq 0 ]
"$R" export-snapshots "${p2[@]}" -o u.h5 --workdir W >/dev/null 2>exp2.err
ok "export: an existing output is refused" [ $? -eq 1 ]

# 2. romkit train reads it: epoch lines with count/total and ETA, summary
"$R" train u.h5 -o ae.h5 --problem P2 --latent 5 --epochs 4 >train.out 2>train.err
ok "train on the export: exit 0" [ $? -eq 0 ]
ok "train: epoch lines with count/total and ETA" grep -Eq 'epoch +3 .*lr .*\(4/4 done, ETA ' train.err
ok "train: timing summary names the training" grep -Eq 'train: training +1 ' train.err

# 3. reproduce: cached training runs, the network equal to train's
"$R" reproduce "${p2[@]}" --method nm-galerkin --ae-epochs 4 --paper --workdir W >nm.out 2>nm.err
ok "reproduce nm-galerkin: exit 0" [ $? -eq 0 ]
ok "reproduce: every training run cached" [ "$(grep -c 'training FOM at a = .*: cached' nm.out)" -eq 4 ]
ok "reproduce: no training run computed" sh -c '! grep -q "training FOM at a = .*: computed" nm.out'
ok "reproduce: the network computed" grep -q 'autoencoder 0: computed, 4 epochs' nm.out
$py - ae.h5 W/P2_g12_s30_ae_c0_k5_seed42_e4_train0.9,0.95,1.05,1.1.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert len(names) >= 10, names
bad = [n for n in names if n != "history/seconds" and
       (n not in b or not np.array_equal(a[n][()], b[n][()]))]
assert not bad, bad
PY
ok "train on the export == reproduce's own network (bit for bit)" [ $? -eq 0 ]
"$R" reproduce "${p2[@]}" --method nm-galerkin --ae-epochs 4 --paper --workdir W >nm2.out 2>nm2.err
ok "reproduce nm-galerkin again: the network cached" grep -q 'autoencoder: .*_ae_c0_k5_seed42_e4_.*: cached' nm2.out
ok "reproduce nm-galerkin again: nothing computed" sh -c '! grep -q ": computed" nm2.out'
"$R" reproduce "${p2[@]}" --method pod-lspg --workdir W >pod1.out 2>pod1.err
ok "reproduce pod-lspg: exit 0" [ $? -eq 0 ]
ok "reproduce pod-lspg (first): basis computed" grep -q 'state basis (5 vectors per component): computed' pod1.out
"$R" reproduce "${p2[@]}" --method pod-lspg --workdir W >pod2.out 2>pod2.err
ok "reproduce pod-lspg (second): basis cached" grep -q 'state basis (5 vectors per component): cached' pod2.out
ok "reproduce pod-lspg (second): nothing computed" sh -c '! grep -q ": computed" pod2.out'
ok "reproduce: FOM progress at the test parameter" grep -q 'FOM at the test parameter, time steps: 30/30 (100%)' pod2.err
ok "reproduce: timing summary" grep -Eq 'reproduce: ROM at the test parameter +1 ' pod2.err

# 4. intermediate lines with an ETA: a FOM of about a second or more (one training run)
"$R" export-snapshots P2 --grid 30 --steps 120 --train-params 1 -o big.h5 --workdir W3 >big.out 2>big.err
ok "export (30 x 30): exit 0" [ $? -eq 0 ]
ok "an intermediate progress line with count/total, elapsed and ETA" \
  grep -Eq '^\[romkit\] training FOM at a = 1, time steps: [0-9]+/120 \([0-9]+%\), [0-9.]+ s elapsed, ETA [0-9.]+ s$' big.err

# 5. a quiet threshold silences progress and summary
ROMKIT_LOG=2 "$R" reproduce "${p2[@]}" --method pod-lspg --workdir W >q.out 2>q.err
ok "ROMKIT_LOG=2: exit 0" [ $? -eq 0 ]
ok "ROMKIT_LOG=2: no progress line" sh -c '! grep -q "(100%)" q.err'
ok "ROMKIT_LOG=2: no timing summary" sh -c '! grep -q "timing summary" q.err'

# 6. sweep: progress and stage
$py - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(3)
k, Qa = 4, 4
with h5py.File("rom.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.int64(1), kind="affine_rom",
                   romkit_version="0.1.0", created="2024-01-01T00:00:00Z", ranks=np.int64(1),
                   dim=np.int64(k), operator_terms=np.int64(Qa), rhs_terms=np.int64(1),
                   symmetric=np.int64(1))
    ops = []
    for q in range(Qa):
        B = rng.standard_normal((k, k))
        ops.append(B @ B.T + k * np.eye(k))
    f["operators"] = np.array(ops)
    f["operator_reference_terms"] = np.zeros((Qa, k))
    f["rhs"] = rng.standard_normal((1, k))
    f["mass"] = np.eye(k)
    f["mass_reference"] = np.zeros(k)
PY
ROMKIT_LOG=3 "$R" sweep rom.h5 --design mc --samples 200 -o sw.h5 >sw.out 2>sw.err
ok "sweep: exit 0" [ $? -eq 0 ]
ok "sweep: progress line" grep -q 'sweep: samples: 200/200 (100%)' sw.err
ok "sweep: timing summary" grep -Eq 'sweep: evaluation +1 ' sw.err

echo "progress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
