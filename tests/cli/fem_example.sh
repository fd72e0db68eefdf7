#!/usr/bin/env bash
# The DOLFINx embedding example (examples/fem_dolfinx/heat_rom.py) runs at 1 and 2 ranks:
# exit status 0, the ROM error it prints at the unseen parameters within its tolerance,
# and the same FEM solution norms and ROM errors on 1 and 2 ranks (the mesh partition must
# not change the answer: this catches a missing ghost update in the host's assembly).
#
# DOLFINx (python3-dolfinx) is a test dependency: without it this test FAILS and prints the
# install line, unless ROMKIT_SKIP_FEM=1 is set (then it says so and passes).
set -u
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
example="$repo/examples/fem_dolfinx/heat_rom.py"
python=/usr/bin/python3
lib="$(dirname "$ROMKIT_BIN")/../libromkit.so"
mpiexec="${MPIEXEC:-mpirun}"

if ! "$python" -c 'import dolfinx' >/dev/null 2>&1; then
  if [ "${ROMKIT_SKIP_FEM:-0}" = "1" ]; then
    echo "fem_example: SKIPPED (ROMKIT_SKIP_FEM=1): dolfinx is not importable by $python"
    exit 0
  fi
  echo "FAIL: fem_example needs DOLFINx for $python (python3-dolfinx). Install it with:"
  echo "  apt-get install -y python3-dolfinx      (or: sudo bash scripts/install-deps.sh)"
  echo "or set ROMKIT_SKIP_FEM=1 to skip this test."
  exit 1
fi
[ -f "$lib" ] || { echo "FAIL: $lib not found (ROMKIT_BIN=$ROMKIT_BIN)"; exit 1; }

failed=0
for np in 1 2; do
  log="fem_example.np$np.log"
  if ! OPENBLAS_NUM_THREADS=1 PYTHONPATH="$repo/python" ROMKIT_LIB="$lib" \
       "$mpiexec" --allow-run-as-root --oversubscribe -n "$np" "$python" "$example" \
       >"$log" 2>&1; then
    echo "FAIL: heat_rom.py at $np rank(s) exited non-zero:"
    cat "$log"
    failed=1
    continue
  fi
  # "worst relative ROM error at unseen parameters: 8.130e-04 (tolerance 0.01): PASS"
  line=$(grep '^worst relative ROM error' "$log")
  if [ -z "$line" ] || ! awk -v l="$line" 'BEGIN {
        split(l, w, " "); err = w[8] + 0; tol = w[10]; sub(/\)/, "", tol); tol = tol + 0;
        exit !(err > 0 && err <= tol && tol <= 0.01) }'; then
    echo "FAIL: heat_rom.py at $np rank(s): no error line, or error above the tolerance:"
    cat "$log"
    failed=1
    continue
  fi
  echo "np=$np: $line"
done
[ "$failed" -eq 0 ] || exit 1

# Table rows: "(mu...)  |u_h(T)|  ROM error  best fit  ...": compare 1 and 2 ranks.
rows() { grep '^ *(' "$1" | sed 's/^ *([^)]*) *//' | awk '{print $1, $2}'; }
if ! paste -d' ' <(rows fem_example.np1.log) <(rows fem_example.np2.log) | awk '
    NF != 4 { bad = 1 }
    { dn = $1 - $3; if (dn < 0) dn = -dn; de = $2 - $4; if (de < 0) de = -de
      if (dn > 1e-8 * $1 || de > 0.02 * $2) bad = 1; n++ }
    END { exit (bad || n == 0) }'; then
  echo "FAIL: 1 and 2 ranks disagree (FEM norm to 1e-8, ROM error to 2%):"
  paste <(rows fem_example.np1.log) <(rows fem_example.np2.log)
  exit 1
fi
echo "fem_example: 1 and 2 ranks agree; PASS"
