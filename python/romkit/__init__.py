"""romkit — Python access to libromkit (placeholder until the Python-package issue).

Today: locate and load libromkit.so with ctypes, report its version and turn romkit
error codes into messages. The full package (snapshots, POD, ROMs, callbacks, zero-copy
numpy arrays, mpi4py communicators) is its own issue.
"""
import ctypes
import os

__all__ = ["load_library", "strerror", "error_name", "RomkitError"]


class RomkitError(RuntimeError):
    """An error reported by libromkit: carries the code and romkit's message."""

    def __init__(self, code, message):
        super().__init__(f"{error_name(code)}: {message}")
        self.code = code


_lib = None


def load_library(path=None):
    """Load libromkit.so from `path`, $ROMKIT_LIB, or the default build tree."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    candidates = [path, os.environ.get("ROMKIT_LIB"),
                  os.path.join(os.path.dirname(__file__), "..", "..", "build", "libromkit.so")]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            lib = ctypes.CDLL(os.path.abspath(candidate))
            lib.rom_strerror.restype = ctypes.c_char_p
            lib.rom_strerror.argtypes = [ctypes.c_int]
            lib.rom_error_name.restype = ctypes.c_char_p
            lib.rom_error_name.argtypes = [ctypes.c_int]
            _lib = lib
            return lib
    raise OSError("libromkit.so not found: build romkit (make build) or set ROMKIT_LIB")


def strerror(code):
    """romkit's message for an error code."""
    return load_library().rom_strerror(int(code)).decode()


def error_name(code):
    """romkit's name for an error code, e.g. 'ROM_ERR_DIM'."""
    return load_library().rom_error_name(int(code)).decode()
