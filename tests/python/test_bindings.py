"""The Python bindings are generated from the public headers (python/romkit/_cdef.py ->
romkit.cdef next to libromkit.so -> cffi), never written by hand: every exported public
function is declared, the declarations are those of the current headers, and a call with
the wrong arguments is refused before it reaches C."""
import glob
import os
import re
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PACKAGE = os.path.join(ROOT, "python", "romkit")
HEADERS = [os.path.join(ROOT, "include", "romkit.h")] + \
    sorted(glob.glob(os.path.join(ROOT, "include", "romkit", "*.h")))


def exported_functions(path):
    """The rom_* functions libromkit.so exports (nm -D: defined text symbols)."""
    nm = shutil.which("nm")
    assert nm, "nm (binutils) is needed to list the library's symbols"
    out = subprocess.run([nm, "-D", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    return {m.group(1) for m in re.finditer(r"^\S+\s+[TW]\s+(rom_\w+)$", out, re.M)}


def header_text():
    text = ""
    for h in HEADERS:
        with open(h) as f:
            text += f.read()
    # comments mention functions too ("see rom_foo"): only declarations count
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def test_every_exported_public_function_is_declared(rk):
    f = rk._lib.lib()
    declared = header_text()
    public = {name for name in exported_functions(f.path)
              if re.search(r"\b" + name + r"\s*\(", declared)}
    assert len(public) > 100  # the headers declare the whole API
    with open(f.cdef_path) as fh:
        cdef = fh.read()
    missing = sorted(n for n in public if not re.search(r"\b" + n + r"\s*\(", cdef))
    assert not missing, (f"declared in include/romkit/*.h and exported, but not in "
                         f"{f.cdef_path}: {missing} (is the header included by romkit.h?)")
    for name in sorted(public):  # and each resolves to a callable C function
        assert callable(getattr(f, name)), name
    assert "romkit-skipped" not in cdef, "a public declaration was left out of the bindings"


def test_cdef_is_generated_from_the_current_headers(rk):
    """romkit.cdef next to the library is what _cdef.py makes of the headers today."""
    from romkit import _cdef
    f = rk._lib.lib()
    if not f.cdef_path.endswith("romkit.cdef"):
        pytest.skip(f"the declarations were generated at import time ({f.cdef_path})")
    with open(f.cdef_path) as fh:
        text = fh.read()
    mpi_comm = re.search(r"/\* MPI_Comm: (.*?) \*/", text).group(1)
    build_include = os.path.join(os.path.dirname(f.cdef_path), "include")
    if not os.path.exists(os.path.join(build_include, "romkit", "version.h")):
        pytest.skip(f"{f.cdef_path} is not in a build tree (no include/romkit/version.h)")
    fresh = _cdef.generate(os.environ.get("CC", "cc"),
                           [os.path.join(ROOT, "include"), build_include], mpi_comm=mpi_comm)
    assert fresh == text, "romkit.cdef is stale: rebuild (cmake --build build)"


def test_no_prototype_is_written_by_hand():
    """No module of the package declares a C signature: no ctypes prototypes, no cdef."""
    for path in glob.glob(os.path.join(PACKAGE, "*.py")):
        if os.path.basename(path) == "_cdef.py":
            continue  # the generator itself
        with open(path) as fh:
            src = fh.read()
        for pattern in (r"\bargtypes\b", r"\brestype\b", r"CFUNCTYPE", r"^import ctypes",
                        r"ctypes\.Structure", r"_fields_", r"\.cdef\(\s*[\"']"):
            assert not re.search(pattern, src, re.M), f"{path}: {pattern} (hand-written binding)"


def test_wrong_calls_are_refused_before_c(rk, ctx):
    f = rk._lib.lib()
    with pytest.raises(TypeError):
        f.rom_ctx_rank()                          # missing argument
    with pytest.raises(TypeError):
        f.rom_ctx_rank(ctx._h, 1)                 # one too many
    import numpy as np
    b = rk.pod(np.asfortranarray(np.eye(4)[:, :2]), rank=1, ctx=ctx)
    with pytest.raises(TypeError):
        f.rom_ctx_rank(b._h)                      # a rom_basis * is not a rom_ctx *
    with pytest.raises(TypeError):
        f.rom_basis_dim(12345)                    # an int is not a pointer
    assert f.rom_ctx_rank(ctx._h) == 0


def test_constants_come_from_the_headers(rk):
    f = rk._lib.lib()
    text = header_text()
    # enums: the error table and the log levels
    for name, value in re.findall(r"X\((ROM_\w+), (-?\d+),", text):
        assert getattr(f, name) == int(value), name
    assert (f.ROM_LOG_SILENT, f.ROM_LOG_DEBUG) == (0, 4)
    # #define ROM_AUTO_ROWS ((rom_int)-1): an integer expression with a cast
    assert f.ROM_AUTO_ROWS == -1
    # the version, a string macro of the generated romkit/version.h
    assert re.fullmatch(r"\d+\.\d+\.\d+", f.ROM_VERSION_STRING)
    assert f.ROM_VERSION_STRING == f"{f.ROM_VERSION_MAJOR}.{f.ROM_VERSION_MINOR}." \
                                   f"{f.ROM_VERSION_PATCH}"


def test_generator_cleans_what_pycparser_cannot_read(tmp_path):
    """Inline functions, attributes, system headers, integer macros with casts and
    expressions, string and float macros, array sizes from macros; a declaration cffi
    cannot parse (va_list) is left out with a comment instead of failing the build."""
    pytest.importorskip("cffi")
    from romkit import _cdef
    (tmp_path / "romkit").mkdir()
    (tmp_path / "romkit.h").write_text('#include "romkit/extra.h"\n')
    (tmp_path / "romkit" / "extra.h").write_text(r'''
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <assert.h>
#include <mpi.h>
#define ROM_T_N 8
#define ROM_T_CAST ((int64_t)-1)
#define ROM_T_EXPR (ROM_T_N * 2 + (1u << 3))
#define ROM_T_NAME "heat; {braces}"
#define ROM_T_TOL 1e-8
#define ROM_T_FN(x) ((x) + 1)
typedef struct rom_t rom_t;
typedef struct { double a[ROM_T_N * ROM_T_N]; char name[32]; int64_t n; } rom_t_options;
typedef enum { ROM_T_A = 0, ROM_T_B = 2 } rom_t_kind;
static inline int rom_t_twice(int x) { if (x) { return 2 * x; } return 0; }
int rom_t_create(MPI_Comm comm, const rom_t_options *o, rom_t **out)
    __attribute__((nonnull(3), warn_unused_result));
size_t rom_t_size(const rom_t *t);
int rom_t_vlog(rom_t *t, const char *fmt, va_list ap);
void rom_t_print(rom_t *t, FILE *out);
_Static_assert(sizeof(int) == 4, "int is 32 bits");
static const char *const rom_t_private[] = {"a", "b"};
extern const char *const rom_t_names[];
bool rom_t_ok(const rom_t *t);
''')
    text = _cdef.generate(os.environ.get("CC", "cc"), [str(tmp_path)])
    assert "rom_t_twice" not in text and "__attribute__" not in text
    assert "_Static_assert" not in text and "rom_t_private" not in text
    assert "extern const char *const rom_t_names[];" in text
    assert "#define ROM_T_CAST -1" in text and "#define ROM_T_EXPR 24" in text
    assert "/* romkit-constant ROM_T_NAME = 'heat; {braces}' */" in text
    assert "/* romkit-constant ROM_T_TOL = 1e-08 */" in text
    assert "ROM_T_FN" not in text
    assert "typedef struct ompi_communicator_t * MPI_Comm;" in text
    assert re.search(r"/\* romkit-skipped: int rom_t_vlog\(.*\*/", text)
    import cffi
    ffi = cffi.FFI()
    ffi.cdef(text)  # everything that is left parses
    assert ffi.sizeof("rom_t_options") == 8 * 64 + 32 + 8
    assert ffi.typeof("rom_t_kind").relements == {"ROM_T_A": 0, "ROM_T_B": 2}
    assert ffi.typeof("int(*)(MPI_Comm, const rom_t_options *, rom_t **)")
