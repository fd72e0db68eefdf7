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

# The Python package: 'pip install ./python' into a venv that sees Debian's numpy and cffi,
# run outside the source tree; the library is found in the installed prefix (romkit on PATH),
# through LD_LIBRARY_PATH, after ROMKIT_LIB, and not at all (an error listing the places tried).
py=/usr/bin/python3
if "$py" -c 'import ensurepip, setuptools, cffi, numpy' 2>/dev/null; then
  check "python: venv" "$py" -m venv --system-site-packages "$work/venv"
  # From a copy: setuptools writes build/ and romkit.egg-info/ beside pyproject.toml.
  cp -r "$src_dir/python" "$work/python"
  rm -rf "$work/python/build" "$work/python/romkit.egg-info"
  check "python: pip install ./python" "$work/venv/bin/pip" install -q --no-build-isolation \
    --no-index --no-deps "$work/python"
  pod='import numpy as np, romkit
b = romkit.pod(np.asfortranarray(np.diag([3.0, 1.0, 0.0, 0.0])[:, :2]), rank=2)
assert np.allclose(b.singular_values[:2], [3, 1], rtol=0, atol=1e-12), b.singular_values
print(romkit.library_path())'
  check "python: finds the prefix of romkit on PATH" bash -c \
    "out=\$(cd '$work' && env -u ROMKIT_LIB -u LD_LIBRARY_PATH PATH='$prefix/bin':\$PATH '$work/venv/bin/python' -c '$pod') && echo \"\$out\" && [ \"\$(dirname \"\$out\")\" = \"\$(readlink -f '$libdir')\" ]"
  check "python: finds it through LD_LIBRARY_PATH" bash -c \
    "cd '$work' && env -u ROMKIT_LIB LD_LIBRARY_PATH='$libdir' '$work/venv/bin/python' -c '$pod'"
  check "python: ROMKIT_LIB first" bash -c \
    "cd '$work' && ROMKIT_LIB='$build_dir/libromkit.so' PATH='$prefix/bin':\$PATH '$work/venv/bin/python' -c '$pod' | grep -F '$build_dir/'"
  site=$(ls -d "$prefix"/lib/python3*/site-packages 2>/dev/null | head -n 1)
  check "python: cmake --install put the package in <prefix>/lib/python3.X/site-packages" \
    test -f "${site:-/nonexistent}/romkit/__init__.py"
  check "python: the package in the prefix finds the prefix's library" bash -c \
    "out=\$(cd '$work' && env -u ROMKIT_LIB -u LD_LIBRARY_PATH PYTHONPATH='$site' '$py' -c '$pod') && echo \"\$out\" && [ \"\$(dirname \"\$out\")\" = \"\$(readlink -f '$libdir')\" ]"
  check "python: not found names the places tried" bash -c \
    "cd '$work' && ! out=\$(env -u ROMKIT_LIB -u LD_LIBRARY_PATH '$work/venv/bin/python' -c 'import romkit; romkit.library_path()' 2>&1) && echo \"\$out\" | grep -q 'tried, in order' && echo \"\$out\" | grep -qF 'ROMKIT_LIB'"
else
  echo "python: skipped ($py lacks venv, setuptools, cffi or numpy)"
fi

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
