#!/usr/bin/env bash
# The method registries seen from the command line (issue 11): for each family (SVD
# methods, hyper-reduction methods, activations) the names are asked from the library's
# table (ctypes on libromkit.so), and every one of them must appear in the help text of
# the options that take it (romkit pod --method, hyper --method, train --activation,
# reproduce --hr-method) and in the "unknown name" error (exit code 2), and every name must
# be accepted by the option's parser (no "unknown" error for it).
set -u
py=/usr/bin/python3
bin="$ROMKIT_BIN"
lib="$(cd "$(dirname "$bin")/.." && pwd)/libromkit.so"
dir="${ROMKIT_TEST_DIR:-.}/cli_registries.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
ok() { # ok NAME CONDITION-RESULT(0 = true)
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
# Under the sanitizer build the library needs the ASan runtime first in an (uninstrumented)
# Python: preload it, leaks off (Python's own allocations are not ours).
preload=$(ldd "$lib" 2>/dev/null | awk '/libasan/ {print $3}')
names() { # names PREFIX: the table's names, one per line
  LD_PRELOAD="$preload" ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" $py - "$lib" "$1" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_GLOBAL)
count = getattr(lib, sys.argv[2] + "_count")
name = getattr(lib, sys.argv[2] + "_name")
count.restype, name.restype, name.argtypes = ctypes.c_int, ctypes.c_char_p, [ctypes.c_int]
n = count()
assert n >= 1
print("\n".join(name(i).decode() for i in range(n)))
PY
}
# check_family LABEL PREFIX HELP-COMMAND... -- BAD-COMMAND... (with NAME where the name goes)
check_family() {
  local label=$1 prefix=$2
  shift 2
  local help=() bad=()
  while [ "$1" != "--" ]; do help+=("$1"); shift; done
  shift
  bad=("$@")
  local list
  list=$(names "$prefix") || { ok "$label: the library's table" 1; return; }
  "${help[@]}" > help.txt 2>&1
  ok "$label: --help exits 0" $?
  local cmd=("${bad[@]/NAME/no-such-name}")
  "${cmd[@]}" > /dev/null 2> err.txt
  local rc=$?
  [ $rc -eq 2 ]; ok "$label: an unknown name is a usage error (rc $rc)" $?
  grep -q "no-such-name" err.txt; ok "$label: the error names the input" $?
  for n in $list; do
    grep -qw -- "$n" help.txt; ok "$label: '$n' in the help text" $?
    grep -qw -- "$n" err.txt; ok "$label: '$n' in the unknown-name error: $(cat err.txt)" $?
    cmd=("${bad[@]/NAME/$n}")
    "${cmd[@]}" > /dev/null 2> accepted.txt
    ! grep -qE "not one of|unknown --hr-method|expected identity" accepted.txt
    ok "$label: '$n' is accepted by the parser" $?
  done
}

check_family "pod --method" rom_svd_method "$bin" pod --help -- \
  "$bin" pod missing.h5 -o out.h5 --method NAME
check_family "hyper --method" rom_hyper_method "$bin" hyper --help -- \
  "$bin" hyper missing.h5 -o out.h5 --method NAME
check_family "train --activation" rom_activation "$bin" train --help -- \
  "$bin" train missing.h5 -o out.h5 --latent 2 --activation NAME
check_family "reproduce --hr-method" rom_hyper_method "$bin" reproduce --help -- \
  "$bin" reproduce P1 --method pod-lspg-hr --hr-method NAME --hr-basis 3 --hr-samples 2

echo "cli.registries: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
