"""romkit errors as Python exceptions.

Every fallible C call returns ROM_OK (0) or a negative code; the package turns any
non-zero return into :class:`RomkitError`, which carries the code, its name
(``"ROM_ERR_DIM"``) and romkit's full message from ``rom_ctx_last_error`` (the sentence
naming the argument, file, dataset or dimension at fault, with the C traceback).
"""
from ._lib import lib

__all__ = ["RomkitError", "strerror", "error_name", "check"]


def strerror(code):
    """romkit's one-line description of an error code ("dimension mismatch")."""
    return lib().rom_strerror(int(code)).decode()


def error_name(code):
    """romkit's name for an error code, e.g. ``'ROM_ERR_DIM'``."""
    return lib().rom_error_name(int(code)).decode()


class RomkitError(RuntimeError):
    """An error reported by libromkit.

    Attributes:
        code: the negative romkit error code (e.g. -7).
        name: its name (e.g. ``"ROM_ERR_NOT_FINITE"``).
        message: romkit's full message for this failure (``rom_ctx_last_error``), or the
            code's generic description when the library had no context to record one.
        call: the C function that failed.
    """

    def __init__(self, code, message=None, name=None, call=None):
        self.code = int(code)
        self.name = name or error_name(code)
        self.message = message or strerror(code)
        self.call = call
        text = self.message
        if not text.startswith(self.name):
            text = f"{self.name}: {text}"
        super().__init__(text)


def check(ctx_handle, rc, call):
    """Raises RomkitError if `rc` (the return of C function `call`) is non-zero.

    The message is the context's last error when the context recorded this failure
    (its last error code equals rc), else romkit's description of the code.
    """
    if rc == 0:
        return
    message = None
    if ctx_handle:
        f = lib()
        if f.rom_ctx_last_error_code(ctx_handle) == rc:
            message = f.rom_ctx_last_error(ctx_handle).decode(errors="replace") or None
    raise RomkitError(rc, message, call=call)


def call(ctx_handle, name, *args):
    """Calls C function `name` after clearing the context's last error, and raises
    RomkitError on a non-zero return. Returns the C return value (0)."""
    f = lib()
    if ctx_handle:
        f.rom_ctx_clear_error(ctx_handle)
    rc = getattr(f, name)(*args)
    check(ctx_handle, rc, name)
    return rc
