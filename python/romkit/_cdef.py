"""Generates the cffi declarations of libromkit from the public header include/romkit.h.

The Python package declares no C prototype by hand: this module runs the C preprocessor
on ``#include "romkit.h"`` and turns the output into text that ``cffi.FFI.cdef`` accepts
(ABI mode: ``ffi.cdef(text)`` + ``ffi.dlopen("libromkit.so")``). The build runs it once
(a CMake custom command writes ``romkit.cdef`` next to libromkit.so and installs it);
the package runs it at import time only when that file is missing (a library built
without Python, or moved away from its build tree). Usage::

    python3 _cdef.py --cc cc -I include -I build/include [--mpi-comm TYPE] -o romkit.cdef

Why ABI mode and not cffi's API mode (a compiled extension module): API mode needs a C
compiler and Python's development headers wherever the package is used, and one build per
Python version; ABI mode needs only the library and this text, like ctypes did.

Why the output is cleaned, and how (pycparser, which cffi uses, reads plain C
declarations only):

- The system headers never get in. The preprocessor runs with ``-nostdinc`` and a
  directory of stub headers: every C99/C11 standard header is an empty file, because
  cffi knows ``int64_t``, ``uint64_t``, ``size_t``, ``bool``, ``FILE`` ... as built-in
  types; glibc's headers are full of ``__attribute__``, ``__extension__``, ``__asm__``,
  ``_Float128`` and inline functions that pycparser cannot read. ``mpi.h`` is a stub too:
  it declares only ``MPI_Comm``, with the C type of the MPI the library was built with
  (``--mpi-comm``; Open MPI's is ``struct ompi_communicator_t *``, the default), because
  the ABI of ``rom_ctx_create(MPI_Comm, ...)`` depends on it.
- GNU keywords a future public header might use (``__attribute__((...))``,
  ``__restrict``, ``__inline``, ``__extension__``, ``_Noreturn``, ``__declspec``) are
  defined away on the preprocessor's command line.
- The preprocessed text is split into top-level declarations (at ``;`` outside braces).
  Function definitions (``static inline`` helpers: they have a body and no symbol in
  the library), ``static`` objects and static assertions are dropped: ABI mode can only
  call what the shared library exports. ``extern`` objects (e.g. a registry's table) stay:
  cffi reads them from the library like functions.
- Every declaration is then checked with cffi itself (when cffi is importable): the whole
  text first and, only if that fails, declaration by declaration; one pycparser cannot
  read (e.g. a ``va_list`` argument) is left out with a comment saying why, instead of
  failing the build. The test tests/python/test_bindings.py fails if any exported
  ``rom_*`` function of the library is missing from the result.
- Object-like ``#define ROM_*`` macros of the public headers (``cc -dM``) become
  ``#define NAME <integer>`` lines, which cffi exposes like enum constants, when their
  value is an integer constant expression (casts to integer types such as
  ``((rom_int)-1)`` are stripped first); string and floating-point macros become
  ``/* romkit-constant NAME = <Python literal> */`` comments, read by romkit._lib.
  Function-like macros (the X-macro tables) are not constants and are skipped: the enums
  they expand to come through as enums.
"""
import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile

# Every header of C99 and C11 (7.1.2): empty stubs, see the module docstring.
STANDARD_HEADERS = (
    "assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h "
    "locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h "
    "stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h "
    "wchar.h wctype.h").split()

# Open MPI (the MPI romkit is built with on Debian): MPI_Comm is a pointer to an opaque
# struct. MPICH and its derivatives use `int`; CMake passes the right one.
DEFAULT_MPI_COMM = "struct ompi_communicator_t *"

# Compiler extensions pycparser does not know, defined away (see the docstring).
EXTENSION_DEFINES = [
    "-D__attribute__(x)=", "-D__extension__=", "-D__restrict=", "-D__restrict__=",
    "-D__inline=", "-D__inline__=", "-D__asm__(x)=", "-D__declspec(x)=", "-D_Noreturn=",
    "-D__THROW=", "-D__nonnull(x)=",
]

INTEGER_CASTS = re.compile(
    r"\(\s*(?:const\s+)?(?:rom_int|u?int(?:8|16|32|64)_t|size_t|ptrdiff_t|"
    r"(?:unsigned\s+|signed\s+)?(?:char|short|int|long\s+long|long)|unsigned)\s*\)")


def _write_stubs(directory, mpi_comm):
    for name in STANDARD_HEADERS:
        with open(os.path.join(directory, name), "w") as f:
            f.write("/* romkit cdef stub: cffi knows the standard types itself */\n")
    with open(os.path.join(directory, "signal.h"), "w") as f:
        # cffi's parser lacks sig_atomic_t (rom_ae_train_options.stop_flag); glibc's is int
        f.write("/* romkit cdef stub: sig_atomic_t as glibc defines it */\n"
                "typedef int sig_atomic_t;\n")
    with open(os.path.join(directory, "mpi.h"), "w") as f:
        f.write("/* romkit cdef stub: only the communicator type, as the library's MPI has it */\n"
                f"typedef {mpi_comm} MPI_Comm;\n")


def _preprocess(cc, includes, extra_flags, mpi_comm):
    """(declarations, macro definitions) of romkit.h, through `cc -E`."""
    with tempfile.TemporaryDirectory(prefix="romkit-cdef-") as tmp:
        stubs = os.path.join(tmp, "stubs")
        os.mkdir(stubs)
        _write_stubs(stubs, mpi_comm)
        wrapper = os.path.join(tmp, "romkit_cdef.c")
        with open(wrapper, "w") as f:
            f.write('#include "romkit.h"\n')
        base = [cc, "-E", "-nostdinc", "-std=c99", "-U__GNUC__", "-I", stubs]
        for d in includes:
            base += ["-I", d]
        base += EXTENSION_DEFINES + list(extra_flags)
        decls = _run(base + ["-P", wrapper])
        macros = _run(base + ["-dM", wrapper])
    return decls, macros


def _run(command):
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
    except OSError as e:
        raise RuntimeError(f"cannot run the C preprocessor {command[0]!r}: {e}") from None
    if done.returncode != 0:
        raise RuntimeError(f"the C preprocessor failed ({' '.join(command)}):\n{done.stderr}")
    return done.stdout


def split_declarations(text):
    """Top-level declarations of preprocessed C text, each ending in ';' (function
    definitions, which end in a brace block, are returned as they are)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "\"'":  # skip literals: a ';' or brace inside one is not syntax
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                # a function body ends the definition here; a struct/enum/union body does
                # not (its declaration goes on to the ';')
                head = text[start:i]
                body_start = _matching_open(text, i)
                if re.search(r"\)\s*$", text[start:body_start]) and not re.match(
                        r"\s*(typedef\b|struct\b|union\b|enum\b)", head):
                    out.append(text[start:i + 1].strip())
                    start = i + 1
        elif c == ";" and depth == 0:
            out.append(text[start:i + 1].strip())
            start = i + 1
        i += 1
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [d for d in out if d and d != ";"]


def _matching_open(text, close):
    depth = 0
    for j in range(close, -1, -1):
        if text[j] == "}":
            depth += 1
        elif text[j] == "{":
            depth -= 1
            if depth == 0:
                return j
    return 0


def keep_declaration(decl):
    """Whether `decl` belongs in an ABI-mode cdef: no function bodies, no static
    objects, no static assertions."""
    if decl.endswith("}"):
        return False  # a function definition (static inline helper): no symbol to call
    if re.match(r"\s*(static\b|_Static_assert\b|static_assert\b)", decl):
        return False
    return True


def _evaluate(expr, known):
    """The integer value of a C integer constant expression, or None (anything but
    integer literals, known macros and arithmetic: None). Division is Python's floor
    division, C's for the non-negative operands of sizes and flags."""
    expr = INTEGER_CASTS.sub(" ", expr)
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
    expr = expr.replace("&&", " and ").replace("||", " or ").replace("/", "//")
    expr = re.sub(r"!(?!=)", " not ", expr)
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        return None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Name,
               ast.Load, ast.Constant, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            return None
        if isinstance(node, ast.Name) and node.id not in known:
            return None
        if isinstance(node, ast.Constant) and not isinstance(node.value, int):
            return None
    try:
        value = eval(compile(tree, "<macro>", "eval"), {"__builtins__": {}}, dict(known))
    except Exception:
        return None
    return int(value) if isinstance(value, (int, bool)) else None


def constants(macros, prefix="ROM_"):
    """(integer constants, other constants) of the object-like `prefix` macros in the
    `cc -dM` output: {name: int} and {name: str or float}."""
    defs = {}
    for line in macros.splitlines():
        m = re.match(r"#define\s+(" + prefix + r"\w*)(\(?)\s*(.*)$", line)
        if m and not m.group(2):  # "(" right after the name: function-like, skipped
            defs[m.group(1)] = m.group(3).strip()
    ints, others = {}, {}
    # macros may use each other: repeat until nothing new evaluates
    changed = True
    while changed:
        changed = False
        for name, value in defs.items():
            if name in ints or name in others:
                continue
            v = _evaluate(value, ints)
            if v is not None:
                ints[name] = v
                changed = True
    for name, value in defs.items():
        if name in ints:
            continue
        text = value.strip()
        while text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        if re.fullmatch(r'"(?:[^"\\]|\\.)*"', text):
            others[name] = ast.literal_eval(text)
        elif re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?[fFlL]?", text) and \
                re.search(r"[.eE]", text):
            others[name] = float(text.rstrip("fFlL"))
    return ints, others


def _cffi_accepts(text):
    """None if cffi's parser accepts `text`, else its message (True: cffi missing)."""
    try:
        import cffi
    except ImportError:
        return True
    try:
        cffi.FFI().cdef(text)
    except Exception as e:  # CDefError, pycparser's ParseError, ...
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    return None


def checked(declarations):
    """`declarations` that cffi accepts, and a comment for each left out."""
    whole = "\n".join(declarations)
    if _cffi_accepts(whole) in (None, True):
        return declarations, []
    good, skipped = [], []
    for decl in declarations:
        err = _cffi_accepts("\n".join(good + [decl]))
        if err is None:
            good.append(decl)
        else:
            first = " ".join(decl.split())[:100].replace("*/", "* /")
            skipped.append(f"/* romkit-skipped: {first} -- {err.replace('*/', '* /')} */")
    return good, skipped


def generate(cc, includes, extra_flags=(), mpi_comm=DEFAULT_MPI_COMM):
    """The cdef text of romkit.h (see the module docstring)."""
    text, macros = _preprocess(cc, includes, extra_flags, mpi_comm)
    decls = [" ".join(d.split()) for d in split_declarations(text)]
    decls = [d for d in decls if keep_declaration(d)]
    decls, skipped = checked(decls)
    ints, others = constants(macros)
    lines = ["/* Generated by python/romkit/_cdef.py from include/romkit.h: do not edit. */",
             f"/* MPI_Comm: {mpi_comm} */"]
    lines += decls
    lines += [f"#define {name} {value}" for name, value in sorted(ints.items())]
    lines += [f"/* romkit-constant {name} = {value!r} */" for name, value in
              sorted(others.items())]
    lines += skipped
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cc", default=os.environ.get("CC", "cc"), help="the C compiler")
    p.add_argument("-I", dest="includes", action="append", default=[],
                   help="include directory (the one with romkit.h; the one with the "
                   "generated romkit/version.h)")
    p.add_argument("--mpi-comm", default=DEFAULT_MPI_COMM,
                   help=f"the C type of MPI_Comm (default: {DEFAULT_MPI_COMM!r}, Open MPI)")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    try:
        text = generate(args.cc, args.includes, mpi_comm=args.mpi_comm)
    except RuntimeError as e:
        print(f"romkit _cdef.py: {e}", file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
