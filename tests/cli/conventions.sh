#!/usr/bin/env bash
# The command-line conventions (docs/user-guide.md, "Command-line conventions"):
#   - --json on every command that produces results: stdout is one JSON object that
#     python3 -m json.tool reads, and it holds the numbers the command computed;
#   - --options FILE: merged under the command line (the command line wins), errors name
#     the file and the line;
#   - -q, --log-level and ROMKIT_LOG=0 silence the library's info lines (pod, train);
#   - romkit version / --version, both listed in --help;
#   - an error message names its error once (an inner failure quoted by an outer one);
#   - output paths are checked before any computation (reproduce --save into a missing
#     directory fails before the first FOM run, in about the time of 'romkit version').
set -u
mpiexec="${MPIEXEC:-mpirun}"
py=/usr/bin/python3
R=${ROMKIT_BIN:?ROMKIT_BIN is not set}
export OPENBLAS_NUM_THREADS=1
dir="${ROMKIT_TEST_DIR:-.}/cli_conventions.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" -eq "$3" ]; then ok; else bad "$1 (rc $3, expected $2)"; fi
}
# json NAME KEY VALUE -- COMMAND...: exit 0, stdout is JSON that json.tool accepts, and
# the top-level KEY equals VALUE ("-" : only present).
json() {
  local name=$1 key=$2 value=$3
  shift 4
  "$@" >"json.out" 2>"json.err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    bad "$name: exit $rc"
    cat json.err
    return
  fi
  if ! $py -m json.tool json.out >/dev/null 2>&1; then
    bad "$name: stdout is not JSON:"
    head -c 600 json.out
    return
  fi
  $py - "$key" "$value" <<'PY' && ok || bad "$name: JSON key $key != $value"
import json, sys
key, value = sys.argv[1], sys.argv[2]
d = json.load(open("json.out"))
sys.exit(0 if key in d and (value == "-" or str(d[key]) == value) else 1)
PY
}

# ---- inputs: the P3 demo's snapshots and affine ROM --------------------------------------
"$R" demo --n 16 --train 12 --test 2 --workdir demo >/dev/null 2>&1 ||
  { echo "FAIL: romkit demo could not make the inputs"; exit 1; }
snap=demo/snapshots.h5

# ---- --json on every command that produces results ---------------------------------------
json "pod --json" k 4 -- "$R" pod "$snap" -o basis.h5 --rank 4 --json
# the singular values in the JSON are the file's (independent reader: h5py)
$py - <<'PY' && ok || bad "pod --json: singular values differ from the file's"
import json, h5py, numpy as np
d = json.load(open("json.out"))
s = h5py.File("basis.h5", "r")["singular_values"][()]
assert d["N"] == 256 and len(d["singular_values"]) == len(s)
assert np.allclose(d["singular_values"], s, rtol=1e-10)
PY
json "info --json" kind basis -- "$R" info basis.h5 --json
json "--json before the command" kind basis -- "$R" --json info basis.h5
json "hyper --json" ns 4 -- "$R" hyper basis.h5 -o hr.h5 --json
json "sweep --json" samples 20 -- "$R" sweep demo/rom.h5 --design mc --samples 20 -o sweep.h5 --json
json "dmd fit --json" command "dmd fit" -- "$R" dmd fit "$snap" --dt 0.1 --rank 3 -o dmd.h5 --json
json "dmd predict --json" states 3 -- "$R" dmd predict dmd.h5 --times 0,0.1,0.2 -o pred.h5 --json
json "train --json" epochs 2 -- "$R" train "$snap" -o ae.h5 --latent 2 --hidden 8 \
  --mask band:4:2 --epochs 2 --json
json "reproduce --json" method pod-galerkin -- "$R" reproduce P2 --grid 12 --steps 20 \
  --method pod-galerkin --train-params 0.9,1.1 --workdir repro --json
grep -q "avg %" json.err && ok || bad "reproduce --json: the report is not on stderr"
[ "$(wc -l <json.out)" -eq 1 ] && ok || bad "reproduce --json: stdout holds more than the JSON line"
# the options file's flags go after the target's name ('bench pod'), under --cols 20
printf -- '--rows 300\n--cols 30\n--repeat 1\n' >bench.opts
json "bench pod --json with --options" cols 20 -- "$R" bench pod --options bench.opts --cols 20 --json
json "interp heat --json" command interp -- "$R" interp heat --n 6 --steps 8 --dim 2 --no-dmd --json
json "version --json" version - -- "$R" version --json
"$R" demo --json >/dev/null 2>&1
check "demo --json (no results): usage error" 2 $?

# ---- --options FILE ------------------------------------------------------------------------
cat >opts.txt <<'EOF'
# POD settings for the test
--rank 3      # three vectors

--method tsqr
-o from_file.h5
--json
EOF
json "--options file" k 3 -- "$R" pod "$snap" --options opts.txt
[ -f from_file.h5 ] && ok || bad "--options: -o from the file not used"
json "--options: the command line wins" k 5 -- "$R" --options opts.txt pod "$snap" -o cl.h5 --rank 5 --json
printf -- '--rank 3\nrank 4\n' >bad_opts.txt
out=$("$R" pod "$snap" -o x.h5 --options bad_opts.txt 2>&1)
check "--options: a line that is not a flag" 2 $?
case $out in *"'bad_opts.txt', line 2"*) ok ;; *) bad "--options error does not name file and line: $out" ;; esac
out=$("$R" pod "$snap" -o x.h5 --options missing_opts.txt 2>&1)
check "--options: missing file" 2 $?
case $out in *missing_opts.txt*) ok ;; *) bad "--options: missing file not named: $out" ;; esac

# ---- verbosity -------------------------------------------------------------------------------
"$R" pod "$snap" -o v0.h5 --rank 2 >/dev/null 2>v0.err
grep -q '^\[romkit\]' v0.err && ok || bad "pod: no library info line at the default level"
"$R" pod "$snap" -o v1.h5 --rank 2 -q >/dev/null 2>v1.err
[ ! -s v1.err ] && ok || bad "pod -q: stderr not empty: $(cat v1.err)"
ROMKIT_LOG=0 "$R" pod "$snap" -o v2.h5 --rank 2 >/dev/null 2>v2.err
[ ! -s v2.err ] && ok || bad "ROMKIT_LOG=0 pod: stderr not empty: $(cat v2.err)"
ROMKIT_LOG=0 "$R" train "$snap" -o v3.h5 --latent 2 --hidden 8 --mask band:4:2 --epochs 2 >/dev/null 2>v3.err
grep -q 'epoch' v3.err && bad "ROMKIT_LOG=0 train: epoch lines printed" || ok
"$R" --log-level bogus version >/dev/null 2>&1
check "--log-level bogus" 2 $?

# ---- version ---------------------------------------------------------------------------------
"$R" --help | grep -q -- '--version' && "$R" --help | grep -q '^  version' && ok ||
  bad "--help does not list version and --version"
[ "$("$R" version)" = "$("$R" --version)" ] && ok || bad "romkit version != romkit --version"
# 'romkit -h CMD' is the command's help, as 'romkit CMD -h' is (not the global text)
[ "$("$R" -h pod 2>&1)" = "$("$R" pod -h 2>&1)" ] && "$R" -h pod | grep -q 'romkit pod' && ok ||
  bad "romkit -h pod is not pod's help"

# ---- the error name once ---------------------------------------------------------------------
# an autoencoder whose decoder mask has a repeated column: the outer error (ROM_ERR_FORMAT,
# rom_ae_read) quotes the inner one (rom_mask_from_csr's)
$py - <<'PY' || bad "cannot damage the autoencoder file"
import h5py, shutil
shutil.copy("ae.h5", "bad_ae.h5")
with h5py.File("bad_ae.h5", "r+") as f:
    g = f["decoder/layer1"]
    ci = g["col_index"][()]
    ci[1] = ci[0]
    g["col_index"][...] = ci
PY
out=$("$R" hyper basis.h5 -o hr_bad.h5 --manifold bad_ae.h5 --stencil offsets:-1,0 2>&1)
check "hyper with a damaged autoencoder" 1 $?
n=$(printf '%s' "$out" | grep -o 'ROM_ERR_[A-Z_]*' | wc -l)
[ "$n" -eq 1 ] && ok || bad "the error name is printed $n times: $out"

# ---- outputs checked before the work ---------------------------------------------------------
t0=$(date +%s%N)
"$R" version >/dev/null
t1=$(date +%s%N)
out=$("$R" reproduce P2 --grid 12 --steps 20 --method pod-galerkin --train-params 0.9,1.1 \
  --workdir repro_new --save missing_dir/traj 2>&1)
rc=$?
t2=$(date +%s%N)
check "reproduce --save into a missing directory" 1 $rc
case $out in *"training FOM"*) bad "reproduce ran a FOM before checking --save: $out" ;; *) ok ;; esac
ls repro_new/*.h5 >/dev/null 2>&1 && bad "reproduce wrote training files before checking --save" || ok
# the time of a start-up and little more (lenient: the machine may be loaded)
[ $(((t2 - t1) - (t1 - t0))) -lt 2000000000 ] && ok ||
  bad "reproduce --save check took $(((t2 - t1) / 1000000)) ms against $(((t1 - t0) / 1000000)) ms for version"
for c in "pod $snap -o missing_dir/b.h5" "dmd predict dmd.h5 --times 0,1 -o pred.h5" \
  "interp dmd dmd.h5 dmd.h5 --params 0,1 --at 0.5 -o missing_dir/i.h5"; do
  # shellcheck disable=SC2086
  "$R" $c >/dev/null 2>&1
  check "output check: $c" 1 $?
done

# ---- two ranks: one JSON object ----------------------------------------------------------------
json "pod --json at 2 ranks" k 4 -- "$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$R" \
  pod "$snap" -o basis2.h5 --rank 4 --json

echo "cli conventions: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
