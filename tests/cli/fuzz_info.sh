#!/usr/bin/env bash
# romkit info on damaged files of every kind (docs/reliability.md, "Reader fuzzing"): the
# reader fuzzer (tests/unit/fuzz_readers.c) keeps one mutated copy per reader and
# mutation; the bit flips, attributes of another type or rank (format_version as an array
# overflowed info's stack) and datasets with huge declared dims go to `romkit info` (one
# process start each, so a subset), which must end each with exit code 0 or 1 within 30 s: never a signal (exit
# >= 128, e.g. 139 for a segfault, 134 for an ASan abort) or the timeout (124). Also a
# FIFO, which must be refused at once rather than block.
set -u
dir="${ROMKIT_TEST_DIR:-.}/cli_fuzz_info.$$"
mkdir -p "$dir/corpus" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
fuzz="$(dirname "$ROMKIT_BIN")/../tests/unit_fuzz_readers"
passed=0
failed=0
if ! ROMKIT_FUZZ_KEEP="$dir/corpus" ROMKIT_FUZZ_REPS=1 ROMKIT_FUZZ_FIRST_SEED=7 "$fuzz" >fuzz.log 2>&1; then
  echo "FAIL: the fuzzer itself failed"; tail -20 fuzz.log; exit 1
fi
# the mutations that crashed romkit info before (one file each per reader kind)
for f in corpus/*_bitflip.h5 corpus/*_attr_rank.h5 corpus/*_attr_type.h5 corpus/*_dset_huge.h5; do
  timeout 30 "$ROMKIT_BIN" info "$f" >info.out 2>info.err
  rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: romkit info $(basename "$f") exited $rc"; tail -3 info.err
  fi
done
# format_version as an array (it overflowed a stack variable of romkit info), and kind as
# an array of strings
/usr/bin/python3 - <<'PY' || { echo "FAIL: h5py"; exit 1; }
import h5py, numpy as np
with h5py.File("version_array.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.arange(1, 65, dtype=np.int64), kind="basis")
    f["basis"] = np.eye(3)
with h5py.File("kind_array.h5", "w") as f:
    f.attrs.update(format="romkit", format_version=np.int64(1), kind=np.array([b"basis"] * 40))
PY
for f in version_array.h5 kind_array.h5; do
  timeout 30 "$ROMKIT_BIN" info "$f" >/dev/null 2>info.err
  rc=$?
  if [ "$rc" -eq 1 ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: romkit info $f exited $rc (expected 1): $(cat info.err)"; fi
done
mkfifo fifo.h5
timeout 30 "$ROMKIT_BIN" info fifo.h5 >/dev/null 2>info.err
rc=$?
if [ "$rc" -eq 1 ] && grep -q "not a regular file" info.err; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: romkit info on a FIFO exited $rc: $(cat info.err)"; fi
echo "cli.fuzz_info: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
