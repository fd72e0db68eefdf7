#!/usr/bin/env bash
# The examples/ programs run and succeed at 1 and 2 ranks (each checks its own result
# and exits non-zero when it is wrong).
set -u
examples_dir="$(dirname "$ROMKIT_BIN")/../examples"
mpiexec="${MPIEXEC:-mpirun}"
passed=0
failed=0
for exe in "$examples_dir"/example_*; do
  for np in 1 2; do
    if out=$("$mpiexec" --allow-run-as-root --oversubscribe -n "$np" "$exe" 2>&1); then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $(basename "$exe") at $np ranks:"
      echo "$out"
    fi
  done
done
[ $((passed + failed)) -gt 0 ] || { echo "no examples found in $examples_dir"; exit 1; }
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
