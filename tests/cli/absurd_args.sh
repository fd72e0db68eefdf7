#!/usr/bin/env bash
# Absurd numbers on the command line and bad values in the files it reads
# (docs/reliability.md, "Values and sizes"): one table of cases, each
#   expected exit code | message fragment | romkit arguments
# run at one rank with a time limit. Every case must end with its exit code (2: bad argument,
# 1: the library refused; never a signal or a timeout) and print the fragment on stderr. The
# input files are written here with h5py: a snapshot file, an all-zero one, an affine ROM and
# copies of them with NaN / Inf poked into one dataset each, a basis with bad singular
# values, an autoencoder with a NaN weight.
set -u
py=/usr/bin/python3
dir="${ROMKIT_TEST_DIR:-.}/cli_absurd_args.$$"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0

$py - "$here" <<'PY' || { echo "cannot write the input files with h5py"; exit 1; }
import sys, shutil
import h5py, numpy as np
sys.path.insert(0, sys.argv[1])
from romkit_snapshots import write
rng = np.random.default_rng(5)
t = np.linspace(0, 1, 24)
X = np.array([np.sin(np.pi * t * (1 + 0.1 * j)) + 0.5 for j in range(30)])
write("snap.h5", X)
write("zero.h5", np.zeros((30, 24)))
Y = X.copy(); Y[4, 17] = np.nan; write("snap_nan.h5", Y)
Y = X.copy(); Y[29, 0] = -np.inf; write("snap_inf.h5", Y)
k, Qa = 6, 4
ops = []
for q in range(Qa):
    B = rng.standard_normal((k, k))
    ops.append(B @ B.T + k * np.eye(k))
rom = {"operators": np.array(ops), "operator_reference_terms": 0.1 * rng.standard_normal((Qa, k)),
       "rhs": rng.standard_normal((1, k)), "mass": np.eye(k), "mass_reference": np.zeros(k),
       "outputs": rng.standard_normal((2, k)), "output_offsets": np.array([0.5, -1.0])}
def write_rom(path, poison=None):
    with h5py.File(path, "w") as f:
        f.attrs.update(format="romkit", format_version=np.int64(1), kind="affine_rom",
                       romkit_version="0.1.0", created="2024-01-01T00:00:00Z",
                       ranks=np.int64(1), dim=np.int64(k), operator_terms=np.int64(Qa),
                       rhs_terms=np.int64(1), symmetric=np.int64(1), num_outputs=np.int64(2),
                       output_names="mean_T,probe")
        for name, value in rom.items():
            value = value.copy()
            if poison and poison[0] == name:
                value[poison[1]] = poison[2]
            f[name] = value
write_rom("rom.h5")
write_rom("rom_nan_operators.h5", ("operators", (2, 1, 3), np.nan))
write_rom("rom_inf_rhs.h5", ("rhs", (0, 4), np.inf))
write_rom("rom_nan_reference.h5", ("operator_reference_terms", (1, 5), -np.inf))
write_rom("rom_nan_outputs.h5", ("outputs", (1, 0), np.nan))
write_rom("rom_nan_mass.h5", ("mass", (3, 3), np.nan))
PY
ROMKIT="$ROMKIT_BIN"
# a basis and an autoencoder written by romkit itself, then poisoned
"$ROMKIT" pod snap.h5 -o basis.h5 --rank 4 --librom-out lr >/dev/null 2>&1 || { echo "romkit pod failed"; exit 1; }
for b in lr_nan lr_negsv lr_int; do cp lr.000000 $b.000000; done
"$ROMKIT" train snap.h5 -o ae.h5 --latent 2 --hidden 8 --mask band:6:2 --epochs 2 --quiet \
  >/dev/null 2>&1 || { echo "romkit train failed"; exit 1; }
$py - <<'PY' || { echo "cannot poison the files with h5py"; exit 1; }
import shutil, h5py, numpy as np
def poke(src, dst, name, index, value):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        f[name][index] = value
poke("basis.h5", "basis_nan.h5", "basis", (1, 7), np.nan)
poke("basis.h5", "basis_negsv.h5", "singular_values", 2, -1.0)
poke("basis.h5", "basis_rising.h5", "singular_values", 3, 1e9)
poke("ae.h5", "ae_nan.h5", "encoder/layer0/weights", (3, 5), np.nan)
poke("ae.h5", "ae_scale0.h5", "scaling/scale", 4, 0.0)
poke("ae.h5", "ae_history.h5", "history/loss", 1, np.inf)
with h5py.File("lr_nan.000000", "r+") as f:
    f["spatial_basis"][9] = np.nan
with h5py.File("lr_negsv.000000", "r+") as f:
    f["singular_value"][1] = -3.0
with h5py.File("lr_int.000000", "r+") as f:
    n = f["singular_value"].shape[0]
    del f["singular_value"]
    f["singular_value"] = np.arange(n, 0, -1, dtype=np.int32)
PY

big=9223372036854775807
# expected rc | fragment | arguments (split on spaces)
cases=(
  # train: sizes (overflowing products, the machine's memory, k >= N, masks)
  "2|must be smaller than the snapshots' N = 24|train snap.h5 -o x.h5 --latent 24"
  "2|must be smaller than the snapshots' N = 24|train snap.h5 -o x.h5 --latent $big"
  "1|overflow a 64-bit size|train snap.h5 -o x.h5 --latent 2 --hidden $big"
  "1|overflow a 64-bit size|train snap.h5 -o x.h5 --latent 2 --hidden 4611686018427387904"
  "1|memory of this machine|train snap.h5 -o x.h5 --latent 2 --hidden 1000000000000"
  "1|memory of this machine|train snap.h5 -o x.h5 --latent 2 --mask dense:100000000000"
  "2|overflow a 64-bit size|train snap.h5 -o x.h5 --latent 2 --mask band:$big:1"
  "2|overflow a 64-bit size|train snap.h5 -o x.h5 --latent 2 --mask band:1:$big"
  "2|memory of this machine|train snap.h5 -o x.h5 --latent 2 --mask band:100000000000:1"
  "2|overflow a 64-bit size|train snap.h5 -o x.h5 --latent 2 --mask stencil:4:6:$big:1"
  "2|the grid has 4294967296 x 4294967296 nodes|train snap.h5 -o x.h5 --latent 2 --mask stencil:4294967296:4294967296:1:1"
  "2|expected an integer in 1..|train snap.h5 -o x.h5 --latent 0"
  "2|expected an integer in 1..|train snap.h5 -o x.h5 --latent -3"
  "2|expected an integer in 1..|train snap.h5 -o x.h5 --latent 2 --epochs 0"
  "2|expected an integer in 1..|train snap.h5 -o x.h5 --latent 2 --batch -1"
  "2|expected an integer in 1..|train snap.h5 -o x.h5 --latent 2 --hidden 99999999999999999999"
  "2|expected an integer in 0..65536|train snap.h5 -o x.h5 --latent 2 --reproducible 4294967297"
  "2|value out of range|train snap.h5 -o x.h5 --latent 2 --lr nan"
  "2|value out of range|train snap.h5 -o x.h5 --latent 2 --lr inf"
  "2|value out of range|train snap.h5 -o x.h5 --latent 2 --lr 0"
  "2|value out of range|train snap.h5 -o x.h5 --latent 2 --validation 1"
  "2|value out of range|train snap.h5 -o x.h5 --latent 2 --max-seconds -1"
  "2|expected an integer >= 0|train snap.h5 -o x.h5 --latent 2 --seed -1"
  # train: values in the files
  "1|are zero|train zero.h5 -o x.h5 --latent 2 --hidden 8 --mask band:6:2 --epochs 1"
  "1|holds NaN at [4, 17]|train snap_nan.h5 -o x.h5 --latent 2"
  "1|holds -Inf at [29, 0]|train snap_inf.h5 -o x.h5 --latent 2"
  "1|'encoder/layer0/weights' in 'ae_nan.h5' holds NaN at [3, 5]|train snap.h5 -o x.h5 --init ae_nan.h5 --epochs 1"
  "1|'scaling/scale' in 'ae_scale0.h5' holds 0 at [4]|train snap.h5 -o x.h5 --init ae_scale0.h5 --epochs 1"
  "1|'history/loss' in 'ae_history.h5' holds +Inf at [1]|train snap.h5 -o x.h5 --init ae_history.h5 --epochs 1"
  # pod
  "2|is not a number|pod snap.h5 -o x.h5 --energy nan"
  "2|is not a number|pod snap.h5 -o x.h5 --energy inf"
  "2|is outside (0, 1]|pod snap.h5 -o x.h5 --energy 0"
  "2|must be >= 1|pod snap.h5 -o x.h5 --rank 0"
  "2|is not a whole number|pod snap.h5 -o x.h5 --rank 1e3"
  "2|is not a size > 0|pod snap.h5 -o x.h5 --memory -1"
  "2|is not a size > 0|pod snap.h5 -o x.h5 --memory 1e308GiB"
  "2|is not a size > 0|pod snap.h5 -o x.h5 --memory nan"
  "2|is not a whole number >= 1|pod snap.h5 -o x.h5 --target-rank 0"
  "1|exceeds min(N, m)|pod snap.h5 -o x.h5 --target-rank $big --method randomized"
  "1|'snap_nan.h5' holds NaN at [4, 17]|pod snap_nan.h5 -o x.h5"
  "1|'snap_nan.h5' holds NaN at [4, 17]|pod snap_nan.h5 -o x.h5 --method incremental --memory 210000"
  "1|'/basis' in 'basis_nan.h5' holds NaN at [1, 7]|hyper basis_nan.h5 -o x.h5"
  "1|negative singular value|hyper basis_negsv.h5 -o x.h5"
  "1|descending|hyper basis_rising.h5 -o x.h5"
  "1|'spatial_basis' in 'lr_nan.000000' holds NaN at [9]|pod --librom-in lr_nan -o x.h5"
  "1|'singular_value' in 'lr_negsv.000000' holds the negative singular value -3|pod --librom-in lr_negsv -o x.h5"
  "1|dataset 'singular_value' holds integers|pod --librom-in lr_int -o x.h5"
  # hyper
  "2|must be between NB = 4 and N = 24|hyper basis.h5 -o x.h5 --samples $big"
  "2|exceeds the 4 vectors|hyper basis.h5 -o x.h5 --basis-dim $big"
  "2|is not a whole number >= 1|hyper basis.h5 -o x.h5 --samples -3"
  # sweep: sample counts, designs and the ROM file's values
  "1|memory of this machine|sweep rom.h5 --design mc --samples 4611686018427387904 -o x.h5"
  "1|memory of this machine|sweep rom.h5 --design lhs --samples 1000000000000 -o x.h5"
  "1|beyond 2^62|sweep rom.h5 --design mc --samples 4611686018427387905 -o x.h5"
  "1|more than 2^62 points|sweep rom.h5 --design grid --counts 1e9 -o x.h5"
  "2|expects an integer >= 1|sweep rom.h5 --design mc --samples 0 -o x.h5"
  "2|expects an integer >= 1|sweep rom.h5 --design mc --samples -5 -o x.h5"
  "2|is not an integer >= 1|sweep rom.h5 --design grid --counts 2.5 -o x.h5"
  "2|is not a list of integers|sweep rom.h5 --design grid --counts nan -o x.h5"
  "2|is not two finite numbers|sweep rom.h5 --design mc --samples 5 --range nan:1 -o x.h5"
  "2|is not two finite numbers|sweep rom.h5 --design mc --samples 5 --range 0:inf -o x.h5"
  "2|expects an integer >= 0|sweep rom.h5 --design mc --samples 5 --seed -1 -o x.h5"
  "1|'operators' in 'rom_nan_operators.h5' holds NaN at [2, 1, 3]|sweep rom_nan_operators.h5 --design mc --samples 5 -o x.h5"
  "1|'rhs' in 'rom_inf_rhs.h5' holds +Inf at [0, 4]|sweep rom_inf_rhs.h5 --design mc --samples 5 -o x.h5"
  "1|'operator_reference_terms' in 'rom_nan_reference.h5' holds -Inf at [1, 5]|sweep rom_nan_reference.h5 --design mc --samples 5 -o x.h5"
  "1|'outputs' in 'rom_nan_outputs.h5' holds NaN at [1, 0]|sweep rom_nan_outputs.h5 --design mc --samples 5 -o x.h5"
  "1|'mass' in 'rom_nan_mass.h5' holds NaN at [3, 3]|sweep rom_nan_mass.h5 --design mc --samples 5 -o x.h5"
  # demo, reproduce, bench: bounded counts
  "2|--n must be in 8..1024|demo --n $big"
  "2|--train must be in 2..10000|demo --train -1"
  "2|--seed must be >= 0|demo --seed -4"
  "2|--n must be in 8..2048|bench heat --n -5"
  "2|--repeat must be in 1..1000|bench heat --repeat $big"
  "2|exceeds the 1000 snapshots|reproduce P1 --method pod-galerkin --dim $big"
  "2|exceeds the 1000 rows|reproduce P1 --method pod-lspg-hr --hr-samples $big"
  "2|expects comma-separated numbers|reproduce P1 --method pod-galerkin --train-params nan"
  "2|expects a number|reproduce P1 --method pod-galerkin --test-param inf"
  "2|expects a number > 0|reproduce P1 --method pod-galerkin --tolerance 0"
  "2|expects 1..1000|reproduce P1 --method pod-galerkin --max-iterations 0"
  "2|expects 5..1000 grid points|reproduce P2 --method pod-galerkin --grid $big"
  "2|expects 1..1000000|reproduce P1 --method pod-galerkin --steps -1"
)
# Each case runs in the background (8 at a time: they mostly wait for MPI's start-up), with
# its own output name x.<i>.h5 and its own stderr, then the results are read in order.
run_case() { # run_case INDEX ARGS
  local extra=""
  case "$2" in demo* | reproduce*) extra="--workdir $dir/wd.$1" ;; esac # never the user's /tmp
  # shellcheck disable=SC2086
  timeout 60 "$ROMKIT" ${2//x.h5/x.$1.h5} $extra >"out.$1" 2>"err.$1"
  echo $? >"rc.$1"
}
i=0
for c in "${cases[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 8 ]; do wait -n; done
  run_case $i "${c#*|*|}" &
  i=$((i + 1))
done
wait
i=0
for c in "${cases[@]}"; do
  want="${c%%|*}"
  rest="${c#*|}"
  fragment="${rest%%|*}"
  args="${rest#*|}"
  rc=$(cat "rc.$i" 2>/dev/null || echo missing)
  if [ "$rc" = "$want" ] && grep -qF -- "$fragment" "err.$i" && [ ! -e "x.$i.h5" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: romkit $args: rc $rc (expected $want), stderr: $(head -c 400 "err.$i")"
    [ -e "x.$i.h5" ] && echo "      and it wrote x.$i.h5"
  fi
  i=$((i + 1))
done
echo "cli absurd_args: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
