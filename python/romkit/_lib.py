"""Loading libromkit.so with the C declarations generated from its public header.

No prototype is written here: the declarations are ``romkit.cdef``, which the build
generates from include/romkit.h next to libromkit.so (python/romkit/_cdef.py, run by a
CMake custom command, installed beside the library). This module hands that text to cffi
in ABI mode (``ffi.cdef`` + ``ffi.dlopen``), so every function, struct, enum constant and
integer ``#define ROM_*`` of the public headers is reachable from Python with the types
the C compiler sees, and a function added to a header is callable with no Python edit.
ABI mode (not a compiled extension) keeps the package pure Python, like ctypes did: it
needs only the library and this text.

Modules call ``lib()`` and get the library's functions as attributes; ``ffi`` builds
arguments (``new("rom_basis **")`` for an out-handle; romkit._handles.dptr(array) for a
numpy array, zero-copy). As under ctypes, None passes NULL and functions returning
``const char *`` give ``bytes`` (None for NULL).
"""
import os

import cffi

ffi = cffi.FFI()

_lib = None
_path = None

_CDEF_NAME = "romkit.cdef"


def _python_call(fn, name):
    """`fn` with ctypes' conveniences the package relies on: None passes NULL for a pointer
    argument, and a ``const char *`` result comes back as bytes (None for NULL)."""
    t = ffi.typeof(fn)
    string_result = t.result.kind == "pointer" and t.result.item.cname == "char"

    def call(*args):
        if any(a is None for a in args):
            args = tuple(ffi.NULL if a is None else a for a in args)
        result = fn(*args)
        if string_result:
            return None if result == ffi.NULL else ffi.string(result)
        return result
    call.__name__ = call.__qualname__ = name
    call.cfunction = fn
    return call


class _Functions:
    """The functions and constants of one loaded library, as attributes.

    Attributes:
        path: the library's real path.
        cdll: the cffi library object (``ffi.dlopen``); ``_Functions`` adds only None ->
            NULL, ``const char *`` -> bytes and the string/float constants.
        cdef_path: the declarations it was loaded with.
        constants: the ``#define ROM_*`` macros that are not integers (strings, floats).
    """

    def __init__(self, clib, path, cdef_path, constants):
        self.path = path
        self.cdll = clib
        self.cdef_path = cdef_path
        self.constants = constants
        self.ffi = ffi

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self.constants:
            return self.constants[name]
        try:
            obj = getattr(self.cdll, name)
        except AttributeError:
            raise AttributeError(f"{self.path} has no {name} (declared in the public "
                                 "headers but not exported, or not declared at all)") from None
        if isinstance(obj, ffi.CData) and ffi.typeof(obj).kind == "function":
            obj = _python_call(obj, name)
        self.__dict__[name] = obj  # looked up once per name
        return obj


def _constants(text):
    """{NAME: value} of the ``/* romkit-constant NAME = literal */`` lines (see _cdef.py)."""
    import ast
    import re
    out = {}
    for m in re.finditer(r"/\* romkit-constant (\w+) = (.*?) \*/", text):
        out[m.group(1)] = ast.literal_eval(m.group(2))
    return out


def _check_records(functions):
    """The layouts come from the same headers the library was compiled with; this only
    catches a romkit.cdef left over from another build: every record the library can
    size (rom_binding_struct_size) must have the size cffi computes."""
    for name in ffi.list_types()[0]:
        if not name.startswith("rom_"):
            continue
        try:
            if ffi.typeof(name).kind != "struct":
                continue
            size = ffi.sizeof(name)
        except (cffi.CDefError, ValueError, TypeError):
            continue  # opaque handle (rom_ctx, rom_dmat, ...)
        c_size = functions.rom_binding_struct_size(name.encode())
        if c_size not in (0, size):
            raise OSError(f"{functions.path}: sizeof({name}) is {c_size} in the library but "
                          f"{size} in {functions.cdef_path}: the declarations belong to another "
                          "build of romkit; rebuild it (cmake --build build)")


def _cdef_candidates(candidate, real):
    return [os.environ.get("ROMKIT_CDEF"),
            os.path.join(os.path.dirname(os.path.abspath(candidate)), _CDEF_NAME),
            os.path.join(os.path.dirname(real), _CDEF_NAME)]


def _generate_cdef(real):
    """The declarations made now (when no romkit.cdef lies next to the library): from the
    source tree's headers beside this package, or the installed ones next to the library."""
    from . import _cdef
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.abspath(os.path.join(here, "..", ".."))
    prefix = os.path.abspath(os.path.join(os.path.dirname(real), ".."))
    for includes in ([os.path.join(tree, "include"), os.path.join(tree, "build", "include")],
                     [os.path.join(prefix, "include")]):
        if os.path.exists(os.path.join(includes[0], "romkit.h")):
            try:
                return _cdef.generate(os.environ.get("CC", "cc"), includes), "generated from " + \
                    os.path.join(includes[0], "romkit.h")
            except RuntimeError as e:
                raise OSError(f"romkit: {_CDEF_NAME} is not next to {real} and generating it "
                              f"failed: {e}") from None
    raise OSError(f"romkit: {_CDEF_NAME} (the generated C declarations) is not next to {real} "
                  "and no romkit.h was found to generate it from: rebuild romkit (cmake --build "
                  "build) or set ROMKIT_CDEF to its path")


def _open(candidate, real):
    cdef_path = None
    for p in _cdef_candidates(candidate, real):
        if p and os.path.exists(p):
            cdef_path = p
            break
    if cdef_path is not None:
        with open(cdef_path) as f:
            text = f.read()
    else:
        text, cdef_path = _generate_cdef(real)
    ffi.cdef(text)
    # RTLD_GLOBAL so that Open MPI's plugins find MPI's symbols; RTLD_NODELETE because
    # cffi dlcloses the library when its object is collected at interpreter exit, and MPI
    # (finalised later, by mpi4py's atexit) may still call into romkit then (ctypes never
    # unloaded it either).
    clib = ffi.dlopen(real, ffi.RTLD_NOW | ffi.RTLD_GLOBAL | getattr(ffi, "RTLD_NODELETE", 0))
    functions = _Functions(clib, real, cdef_path, _constants(text))
    _check_records(functions)
    return functions


_SONAME = "libromkit.so"


def _prefix_candidates():
    """libromkit.so in the prefixes romkit may be installed in: the ancestors of this package
    (<prefix>/lib/python3.X/site-packages/romkit after 'cmake --install' or pip into that
    prefix), the prefix of a `romkit` program on PATH (<prefix>/bin/romkit) and the Python
    prefix (a venv)."""
    import shutil
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    # <prefix>/lib/python3.X/site-packages/romkit (or lib/python3/dist-packages/romkit)
    prefixes = [os.path.abspath(os.path.join(here, "..", "..", "..", ".."))]
    program = shutil.which("romkit")
    if program:
        prefixes.append(os.path.dirname(os.path.dirname(os.path.realpath(program))))
    prefixes += [sys.prefix, getattr(sys, "base_prefix", sys.prefix)]
    out = []
    for p in prefixes:
        c = os.path.join(p, "lib", _SONAME)
        if c not in out:
            out.append(c)
    return out


def _system_candidates():
    """libromkit.so where the system's dynamic loader looks: $LD_LIBRARY_PATH, the ldconfig
    cache (/etc/ld.so.conf), then the default directories."""
    import subprocess
    import sysconfig
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    out = [os.path.join(d, _SONAME) for d in dirs]
    try:
        cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True,
                               timeout=10).stdout
        for line in cache.splitlines():
            name, _, target = line.strip().partition(" => ")
            if name.startswith(_SONAME) and target:
                out.append(target.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    multiarch = sysconfig.get_config_var("MULTIARCH")
    for d in ["/usr/local/lib", "/usr/lib"] + ([f"/usr/lib/{multiarch}"] if multiarch else []):
        out.append(os.path.join(d, _SONAME))
    return out


def _candidates(path):
    """Where libromkit.so is looked for, in order: the `path` argument, $ROMKIT_LIB, the build
    tree beside this source package (python/../build), an installed prefix, the system
    loader path."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    build_tree = os.path.abspath(os.path.join(here, "..", "..", "build", _SONAME))
    for c in ([path, os.environ.get("ROMKIT_LIB"), build_tree] + _prefix_candidates()
              + _system_candidates()):
        if c and c not in out:
            out.append(c)
    return out


def load_library(path=None):
    """Loads libromkit.so from `path`, $ROMKIT_LIB, ../../build/libromkit.so next to the
    package (the build tree), an installed prefix (the ancestors of the package, the prefix
    of `romkit` on PATH, the Python prefix), or the system loader path ($LD_LIBRARY_PATH,
    the ldconfig cache, /usr/local/lib, /usr/lib), with the declarations of romkit.cdef next
    to it, and returns the cffi library object (``ffi.dlopen``): every public function by
    name.

    The library is loaded with RTLD_GLOBAL so that Open MPI's plugins find MPI's symbols.
    Loading a second, different library in one process is refused.
    """
    return _load(path).cdll


def _load(path=None):
    global _lib, _path
    if _lib is not None:
        if path is None or os.path.realpath(path) == _path:
            return _lib
        raise OSError(f"romkit: {_path} is already loaded; cannot also load {path}")
    tried = []
    for candidate in _candidates(path):
        if not candidate:
            continue
        tried.append(candidate)
        if os.path.exists(candidate):
            real = os.path.realpath(candidate)
            _lib = _open(candidate, real)
            _path = real
            return _lib
        if candidate == path:
            raise OSError(f"romkit: library '{path}' does not exist")
    raise OSError("romkit: libromkit.so not found; tried, in order:\n  " + "\n  ".join(tried) +
                  "\nBuild romkit (make build, or cmake --build build) and install it "
                  "(cmake --install build --prefix P), or set ROMKIT_LIB to the path of "
                  "libromkit.so")


def has(name):
    """Whether the loaded library provides the function `name`."""
    try:
        getattr(lib(), name)
    except AttributeError:
        return False
    return True


def require(name, what):
    """Raises NotImplementedError naming `what` if the library lacks `name`."""
    if not has(name):
        raise NotImplementedError(f"{what} needs {name}, which {lib().path} does not provide "
                                  "(an older romkit): rebuild romkit")


def fspath(path):
    """A file name for the C library: os.fsencode(path), refusing a NUL character, which C
    would take as the end of the name (so 'dir/a\\0b.h5' would write 'dir/a'). ValueError
    names the path."""
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise ValueError(f"file name {path!r} contains a NUL character")
    if not encoded:
        raise ValueError("the file name is empty")
    return encoded


def lib():
    """The loaded library's functions (loading it on first use)."""
    return _lib if _lib is not None else _load()


# ---- arguments --------------------------------------------------------------------------
def new(ctype, init=None):
    """``ffi.new`` once the declarations are loaded: ``new("rom_basis **")`` is an
    out-handle, ``out[0]`` the handle after the call."""
    lib()
    return ffi.new(ctype, init)


def out_arg(function, index):
    """A zero-initialised out-argument for argument `index` of C function `function`, of
    the pointer type the header declares there (``out[0]`` is the value after the call):
    ``m = out_arg("rom_hyper_method_from_name", 1)`` gets a ``rom_hyper_method *``."""
    return ffi.new(ffi.typeof(getattr(lib().cdll, function)).args[index])


def pointer_to(record):
    """A pointer to a copy of struct `record` (e.g. what ``rom_pod_options_default()``
    returned), to pass as ``const rom_pod_options *`` and to set fields on."""
    return ffi.new(ffi.getctype(ffi.typeof(record), "*"), record)


def pointer(ctype, addr):
    """``(ctype)addr`` for an integer address (NULL for 0 or None)."""
    return ffi.cast(ctype, addr or 0)


def address_of(p):
    """The integer address of cdata pointer `p` (0 for NULL or None); ints pass through."""
    if p is None:
        return 0
    if isinstance(p, int):
        return p
    return int(ffi.cast("uintptr_t", p))


def record_dict(record):
    """A struct (or pointer to one) as a plain dict of its fields."""
    t = ffi.typeof(record)
    if t.kind == "pointer":
        t, record = t.item, record[0]
    return {name: getattr(record, name) for name, _ in t.fields}
