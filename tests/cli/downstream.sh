#!/usr/bin/env bash
# Downstream use of an installed romkit (issue 15, "Install and link"): installs this build
# into a temporary prefix with 'cmake --install', then
#   - bin/romkit --version runs from the prefix without LD_LIBRARY_PATH, and loads the
#     prefix's libromkit (RUNPATH $ORIGIN/../lib), not the build tree's;
#   - tests/downstream/ built as a CMake project (find_package(romkit), romkit::romkit)
#     and as a Makefile + pkg-config project (romkit.pc), linked to libromkit.so and
#     statically to libromkit.a (pkg-config --static), each run at 1 and 2 ranks
#     (hello.c checks a tiny POD against the exact singular values);
#   - a project that adds our tree with add_subdirectory() does not get -Werror.
set -u
build_dir="$(cd "$(dirname "$ROMKIT_BIN")/.." && pwd)"
src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cmake="${CMAKE:-cmake}"
# A Sanitize build's libromkit needs the ASan runtime loaded first, which the plain
# downstream programs do not do; the Release suite covers install and link.
if grep -q '^CMAKE_BUILD_TYPE:STRING=Sanitize' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  echo "downstream: skipped in a Sanitize build (run in the Release suite)"
  exit 0
fi
mpiexec="${MPIEXEC:-mpirun}"
work="$(mktemp -d "${ROMKIT_TEST_DIR:-/tmp}/downstream.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
passed=0
failed=0
check() { # check NAME COMMAND...: runs it, counts, prints its output on failure
  local name="$1" out
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    echo "$out" | tail -n 30
  fi
}
run_ranks() { # run_ranks EXE: 1 and 2 ranks, with the output checked for "ok"
  local np out
  for np in 1 2; do
    out=$(env -u LD_LIBRARY_PATH "$mpiexec" --allow-run-as-root --oversubscribe -n "$np" "$1" 2>&1) || {
      echo "$out"
      return 1
    }
    echo "$out"
    echo "$out" | grep -q 'POD singular values 3 1: ok' || return 1
  done
}

check "cmake --install --prefix" "$cmake" --install "$build_dir" --prefix "$prefix"
libdir="$(dirname "$(find "$prefix" -name 'libromkit.so' | head -n 1)")"
for f in include/romkit.h include/romkit/version.h include/romkit/pod.h bin/romkit; do
  check "installed $f" test -f "$prefix/$f"
done
check "installed libromkit.so and libromkit.a" test -f "$libdir/libromkit.so" -a -f "$libdir/libromkit.a"
check "installed romkit.pc" test -f "$libdir/pkgconfig/romkit.pc"
check "installed romkitConfig.cmake" test -f "$libdir/cmake/romkit/romkitConfig.cmake" \
  -a -f "$libdir/cmake/romkit/romkitConfigVersion.cmake" -a -f "$libdir/cmake/romkit/romkitTargets.cmake"

# bin/romkit from the prefix, no LD_LIBRARY_PATH, and the prefix's library.
check "prefix/bin/romkit --version" env -u LD_LIBRARY_PATH "$prefix/bin/romkit" --version
# ldd's path of libromkit.so.N (the RUNPATH's $ORIGIN expanded), resolved to a real file.
loaded=$(env -u LD_LIBRARY_PATH ldd "$prefix/bin/romkit" | awk '/libromkit\.so/ { print $3 }')
loaded_dir=$(dirname "$(readlink -f "${loaded:-/nonexistent}")")
echo "prefix/bin/romkit loads ${loaded:-no libromkit}"
check "prefix/bin/romkit loads the prefix's libromkit" test "$loaded_dir" = "$(readlink -f "$libdir")"

# The CMake project.
check "cmake project: configure" "$cmake" -S "$src_dir/tests/downstream" -B "$work/cmake" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
check "cmake project: build" "$cmake" --build "$work/cmake"
check "cmake project: runs (1, 2 ranks)" run_ranks "$work/cmake/hello"

# The Makefile + pkg-config project, dynamic and static.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
check "pkg-config --modversion romkit" pkg-config --modversion romkit
check "make hello (pkg-config)" make -s -C "$work" -f "$src_dir/tests/downstream/Makefile" hello
check "make hello: runs (1, 2 ranks)" run_ranks "$work/hello"
check "make hello_static (pkg-config --static)" \
  make -s -C "$work" -f "$src_dir/tests/downstream/Makefile" hello_static
check "hello_static has no libromkit.so" bash -c "! ldd '$work/hello_static' | grep -q libromkit"
check "make hello_static: runs (1, 2 ranks)" run_ranks "$work/hello_static"

# add_subdirectory(): ROMKIT_WERROR defaults to OFF (configure only; a full build of the
# library again would take minutes).
mkdir -p "$work/sub"
cat > "$work/sub/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(romkit_sub LANGUAGES C)
set(BUILD_TESTING OFF CACHE BOOL "" FORCE)
add_subdirectory("$src_dir" romkit)
CMAKE
check "add_subdirectory: configure" "$cmake" -S "$work/sub" -B "$work/sub/build"
check "add_subdirectory: ROMKIT_WERROR is OFF" grep -q '^ROMKIT_WERROR:BOOL=OFF' "$work/sub/build/CMakeCache.txt"
check "top level: ROMKIT_WERROR is ON" grep -q '^ROMKIT_WERROR:BOOL=ON' "$build_dir/CMakeCache.txt"

echo "downstream: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
