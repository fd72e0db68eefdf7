"""Lifetimes of C objects, numpy views of C memory, and argument checks.

A C object (rom_ctx, rom_dmat, rom_basis, ...) is owned by one :class:`Resource`, which
destroys it exactly once. Whatever needs the object alive holds a strong reference to
its resource: the Python wrapper, the resources of objects created from it (a basis
holds its context), and the numpy views of its memory. ``close()`` on a wrapper drops
the wrapper's reference, so the C object is destroyed as soon as nothing that depends
on it remains (at once in the common case): a numpy view never points at freed memory.

At interpreter exit every live resource is destroyed, newest first (children before
their context), and then MPI is finalised if romkit initialised it.
"""
import atexit
import itertools
import weakref

import numpy as np

from ._lib import address_of, ffi, lib, pointer

_live = {}
_serial = itertools.count()
_atexit_registered = False


class Resource:
    """Owns one C handle; destroys it with `destroy` (the C ``rom_*_destroy`` name).

    `parent` (a Resource) and `keep` (any objects, e.g. a wrapped numpy array or cffi
    callbacks) are kept alive as long as this resource.
    """

    __slots__ = ("handle", "destroy", "destroy_fn", "parent", "keep", "serial", "__weakref__")

    def __init__(self, handle, destroy, parent=None, keep=()):
        self.handle = handle
        self.destroy = destroy
        # Looked up now, not in release(): the first attribute access of a cffi function
        # takes the FFI's (non-reentrant) lock, and release() runs from __del__, i.e. from
        # a garbage collection that can start while this thread holds that lock inside
        # ffi.new/ffi.typeof (parsing a type string): a deadlock, seen in the test suite.
        # ffi.new with an already-parsed ctype (below) takes no lock.
        self.destroy_fn = getattr(lib().cdll, destroy) if destroy is not None else None
        self.parent = parent
        self.keep = tuple(keep)
        self.serial = next(_serial)
        _live[self.serial] = weakref.ref(self)
        _register_atexit()

    def release(self):
        """Destroys the C object now (idempotent). Returns the C return code."""
        handle, self.handle = self.handle, None
        rc = 0
        if handle is not None and self.destroy_fn is not None:
            destroy = self.destroy_fn
            # rom_foo_destroy(rom_foo **): a box of the type the header declares
            box = ffi.new(ffi.typeof(destroy).args[0], handle)
            rc = destroy(box)
        _live.pop(self.serial, None)
        self.parent = None
        self.keep = ()
        return rc

    def __del__(self):
        try:
            self.release()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass


def _release_all():
    for serial in sorted(_live, reverse=True):
        ref = _live.get(serial)
        res = ref() if ref is not None else None
        if res is not None:
            try:
                res.release()
            except Exception:
                pass


def _register_atexit():
    # Registered when the first C object is created, i.e. after the user imported
    # mpi4py (if at all), so it runs before mpi4py finalises MPI (atexit is LIFO).
    global _atexit_registered
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_at_exit)


def _at_exit():
    _release_all()
    try:
        lib().rom_mpi_finalize_if_initialized_by_romkit()
    except Exception:
        pass


class _CMemory:
    """Exposes C memory to numpy (``__array_interface__``) and keeps its owner alive:
    numpy stores this object as the array's base."""

    def __init__(self, address, shape, strides, owner, writeable):
        self.__array_interface__ = {"version": 3, "typestr": "<f8", "shape": tuple(shape),
                                    "strides": tuple(strides),
                                    "data": (int(address), not writeable)}
        self.owner = owner


def c_view(address, shape, strides, owner, writeable=True):
    """A numpy float64 array over C memory at `address` (an int or a cdata pointer; no
    copy), which keeps `owner` (a Resource) alive. Empty shapes or a NULL address give an
    empty array."""
    address = address_of(address)
    if not address or any(s == 0 for s in shape):
        out = np.zeros(shape, dtype=np.float64, order="F")
        out.flags.writeable = writeable
        return out
    return np.asarray(_CMemory(address, shape, strides, owner, writeable))


def c_vector_view(address, n, owner=None, writeable=True):
    """A 1-D float64 view of `n` doubles at `address`."""
    return c_view(address, (int(n),), (8,), owner, writeable)


def dptr(array):
    """``double *`` to the first element of a float64 array (None for None), zero-copy:
    the address numpy reports (any layout: the callers check strides and leading
    dimensions; ``ffi.from_buffer`` would refuse Fortran-ordered matrices)."""
    if array is None:
        return None
    return pointer("double *", address(array))


def iptr(array):
    """``rom_int *`` to the first element of an int64 array (None for None), zero-copy."""
    if array is None:
        return None
    return pointer("rom_int *", address(array))


def address(array):
    """The data pointer numpy reports for `array` (``__array_interface__['data'][0]``)."""
    return array.__array_interface__["data"][0]


def state_vector(x, n, name, writeable=False):
    """Checks a state-sized vector (`n` local rows): a float64 numpy array, 1-D (or
    n x 1), contiguous, aligned. Never copies: raises TypeError/ValueError instead."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of float64 with {n} entries "
                        f"(this rank's rows), got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"{name} must have dtype float64, got {x.dtype} (romkit does not "
                        "convert state vectors: use x.astype(np.float64) yourself)")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must be 1-D with {n} entries, got shape {x.shape}")
    if x.shape[0] != n:
        raise ValueError(f"{name} has {x.shape[0]} entries, expected {n} (this rank's rows)")
    # One entry has no stride to respect: numpy gives a 1-element column slice of a
    # C-ordered array the row pitch as its stride, and a rank that owns one row must not
    # be refused for it (found by libROM's unit tests at 1 row per rank).
    if (n > 1 and x.strides[0] != 8) or (n > 0 and not x.flags.aligned):
        raise ValueError(f"{name} must be contiguous and aligned (stride 8 bytes), got "
                         f"stride {x.strides[0]}: pass np.ascontiguousarray({name})")
    if writeable and not x.flags.writeable:
        raise ValueError(f"{name} is read-only but romkit writes into it")
    return x


def small_vector(x, n, name):
    """A short input vector (parameters, coefficients, reduced coordinates): anything
    array-like with `n` finite-or-not float entries; converted to a fresh float64 array."""
    try:
        a = np.array(x, dtype=np.float64, copy=True).reshape(-1)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a sequence of {n} numbers: {e}") from None
    if a.shape[0] != n:
        raise ValueError(f"{name} has {a.shape[0]} entries, expected {n}")
    return a


def out_vector(out, n, name):
    """The output vector: a new float64 array, or the caller's `out` (checked, no copy)."""
    if out is None:
        return np.empty(n, dtype=np.float64)
    return state_vector(out, n, name, writeable=True)


class Wrapper:
    """Base of the Python objects that own a C object through a Resource."""

    _res = None
    _what = "object"
    ctx = None     # the Context this object was created from (for the user)
    _cres = None   # that context's Resource: kept alive by this object's own resource

    def _adopt(self, parent, handle, destroy, keep=()):
        """Takes ownership of C object `handle` created from `parent` (a Context or an
        object built on one); `destroy` None: borrowed (owned by `parent`)."""
        self.ctx = parent.ctx
        self._cres = parent._cres
        owner = parent._cres if destroy is not None else parent._res
        self._res = Resource(handle, destroy, owner, keep)
        return self

    @property
    def _ctx_h(self):
        """The context handle for error messages; valid while this object exists, even
        after the user closed the Context."""
        res = self._cres
        if res is None or res.handle is None:
            raise ValueError(f"the context of this {self._what} was destroyed")
        return res.handle

    @property
    def _h(self):
        res = self._res
        if res is None or res.handle is None:
            raise ValueError(f"this {self._what} is closed")
        return res.handle

    @property
    def closed(self):
        """True after close()."""
        return self._res is None or self._res.handle is None

    def close(self):
        """Releases this object: the C object is destroyed now, or, if numpy views of
        its memory or objects built from it still exist, when the last of them goes."""
        self._res = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
