"""Row-distributed tall-skinny matrices (rom_dmat) over numpy arrays, without copies.

Each rank passes its own block of rows (any partition, zero rows allowed). The block
must be a float64 array in Fortran (column-major) order: romkit's rom_dmat_wrap uses
that memory directly, so what numpy writes C sees and vice versa. A column slice of a
Fortran array (``A[:, :k]``) is fine too (leading dimension = the parent's rows).
Anything else (float32, C order, a row slice, a non-array) is refused with an error
that says what was expected: romkit never copies silently.
"""
import numpy as np

from ._handles import Wrapper, c_view, dptr, out_vector, small_vector, \
    state_vector
from ._lib import address_of, lib, new
from .context import resolve
from .errors import call

__all__ = ["DistributedMatrix", "check_matrix_array", "as_matrix"]


def check_matrix_array(array, name="array"):
    """Checks that `array` can be wrapped without a copy; returns (rows, cols, ld).

    Requirements: numpy.ndarray, dtype float64, 2-D (or 1-D: one column), unit stride
    down a column (Fortran order), column stride a multiple of 8 bytes >= rows, aligned.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray (float64, Fortran order), got "
                        f"{type(array).__name__}")
    if array.dtype != np.float64:
        raise TypeError(f"{name} must have dtype float64, got {array.dtype}: romkit wraps "
                        "arrays without copying, so convert it yourself "
                        "(np.asfortranarray(a, dtype=np.float64))")
    if array.ndim == 1:
        rows, cols = array.shape[0], 1
        if rows > 1 and array.strides[0] != 8:
            raise ValueError(f"{name} is a strided 1-D view (stride {array.strides[0]} bytes); "
                             "expected contiguous float64")
        ld = max(rows, 1)
    elif array.ndim == 2:
        rows, cols = array.shape
        s0, s1 = array.strides
        if rows > 1 and s0 != 8:
            raise ValueError(f"{name} must be in Fortran (column-major) order: rows of one "
                             f"column must be adjacent (stride 8 bytes), got strides {array.strides}"
                             f" for shape {array.shape}; use np.asfortranarray({name}) or create it "
                             "with order='F'")
        if cols > 1 and rows > 0:
            if s1 % 8 != 0 or s1 < 8 * rows or s1 <= 0:
                raise ValueError(f"{name}: column stride {s1} bytes is not a multiple of 8 that is "
                                 f">= 8 x rows ({8 * rows}); expected a Fortran-ordered array or a "
                                 "column slice of one")
            ld = s1 // 8
        else:
            ld = max(rows, 1)
    else:
        raise ValueError(f"{name} must be 2-D (local rows x columns), got {array.ndim}-D "
                         f"with shape {array.shape}")
    if rows * cols > 0 and not array.flags.aligned:
        raise ValueError(f"{name} is not aligned to 8 bytes")
    return rows, cols, ld


class DistributedMatrix(Wrapper):
    """A global N x n matrix whose rows are split over the ranks of a context.

    ``DistributedMatrix(array, ctx)`` wraps this rank's block (local_rows x n, float64,
    Fortran order) without copying; the matrix keeps `array` alive. Collective.
    ``DistributedMatrix.zeros(local_rows, cols, ctx)`` allocates in C (rom_dmat_create).

    ``.array`` is a numpy view of the local block (the wrapped array itself, or a view
    of C memory): writes through it are seen by romkit.
    """

    _what = "DistributedMatrix"

    def __init__(self, array, ctx=None):
        ctx = resolve(ctx)
        rows, cols, ld = check_matrix_array(array, "array")
        out = new("rom_dmat **")
        data = dptr(array) if rows * cols > 0 else None
        call(ctx._h, "rom_dmat_wrap", ctx._h, rows, cols, data, ld, out)
        self._adopt(ctx, out[0], "rom_dmat_destroy", keep=(array,))
        self._init(array if array.ndim == 2 else array.reshape(rows, 1, order="F"))

    def _init(self, array=None, borrowed_from=None):
        self._array = array
        self._borrowed_from = borrowed_from
        self._view_owner = None  # what numpy views must keep alive besides the handle

    @classmethod
    def zeros(cls, local_rows, cols, ctx=None):
        """A new zero matrix allocated by romkit (local_rows on this rank). Collective."""
        ctx = resolve(ctx)
        out = new("rom_dmat **")
        call(ctx._h, "rom_dmat_create", ctx._h, int(local_rows), int(cols), out)
        m = cls.__new__(cls)
        m._adopt(ctx, out[0], "rom_dmat_destroy")
        m._init()
        return m

    @classmethod
    def _from_c(cls, parent, handle, destroy):
        """Internal: a matrix over a C rom_dmat created from `parent` (a Context or an
        object); `destroy` None: borrowed, owned by `parent`."""
        m = cls.__new__(cls)
        m._adopt(parent, handle, destroy)
        m._init(borrowed_from=parent._res if destroy is None else None)
        return m

    @property
    def _h(self):
        h = Wrapper._h.fget(self)
        b = self._borrowed_from
        if b is not None and b.handle is None:
            raise ValueError("this DistributedMatrix belonged to an object that is closed")
        return h

    # ---- shape -------------------------------------------------------------------------
    @property
    def local_rows(self):
        return lib().rom_dmat_local_rows(self._h)

    @property
    def global_rows(self):
        return lib().rom_dmat_global_rows(self._h)

    @property
    def cols(self):
        return lib().rom_dmat_cols(self._h)

    @property
    def row_offset(self):
        """Global index of this rank's first row."""
        return lib().rom_dmat_row_offset(self._h)

    @property
    def ld(self):
        """Leading dimension of the local block (column j starts at data + j*ld)."""
        return lib().rom_dmat_ld(self._h)

    @property
    def shape(self):
        """Global shape (N, n)."""
        return (self.global_rows, self.cols)

    @property
    def data_address(self):
        """Address of the local block as romkit sees it (rom_dmat_data)."""
        return address_of(lib().rom_dmat_data(self._h))

    @property
    def array(self):
        """The local block as a numpy array sharing romkit's memory (no copy)."""
        h = self._h
        if self._array is not None:
            return self._array
        f = lib()
        rows, cols, ld = f.rom_dmat_local_rows(h), f.rom_dmat_cols(h), f.rom_dmat_ld(h)
        owner = self._res if self._view_owner is None else (self._res, self._view_owner)
        return c_view(f.rom_dmat_data(h), (rows, cols), (8, 8 * ld), owner)

    # ---- operations (all in C) ------------------------------------------------------------
    def check_finite(self, what="matrix"):
        """Raises RomkitError(ROM_ERR_NOT_FINITE) naming `what`, row and column if any entry
        on any rank is NaN or Inf. Collective."""
        call(self._ctx_h, "rom_dmat_check_finite", self._h, str(what).encode())

    def gather(self, root=0):
        """The whole N x n matrix on `root` (a new Fortran array), None elsewhere. Copies by
        design (for tests and small problems). Collective."""
        N, n = self.global_rows, self.cols
        is_root = lib().rom_ctx_rank(self._ctx_h) == root
        out = np.zeros((N, n), dtype=np.float64, order="F") if is_root else None
        buf = dptr(out) if is_root and N * n > 0 else None
        call(self._ctx_h, "rom_dmat_gather", self._h, int(root), buf)
        return out

    def transpose_times(self, other):
        """A^T B (n_A x n_B), replicated on every rank. Collective."""
        if not isinstance(other, DistributedMatrix):
            raise TypeError(f"other must be a DistributedMatrix, got {type(other).__name__}")
        a, b = self.cols, other.cols
        out = np.zeros((a, b), dtype=np.float64, order="F")
        call(self._ctx_h, "rom_dmat_transpose_times", self._h, other._h,
             dptr(out) if a * b > 0 else None, max(a, 1))
        return out

    def transpose_times_vector(self, x):
        """A^T x for this rank's rows x (local_rows float64); n values, replicated.
        Collective."""
        x = state_vector(x, self.local_rows, "x")
        y = np.zeros(self.cols, dtype=np.float64)
        call(self._ctx_h, "rom_dmat_transpose_times_vector", self._h, dptr(x), dptr(y))
        return y

    def times_vector(self, x, out=None):
        """A x on this rank's rows for a replicated x (n values). Not collective."""
        x = small_vector(x, self.cols, "x")
        y = out_vector(out, self.local_rows, "out")
        call(self._ctx_h, "rom_dmat_times_vector", self._h, dptr(x), dptr(y))
        return y

    def __repr__(self):
        if self.closed:
            return "<romkit.DistributedMatrix closed>"
        return (f"<romkit.DistributedMatrix {self.global_rows} x {self.cols}, rows "
                f"{self.row_offset}..{self.row_offset + self.local_rows} on rank {lib().rom_ctx_rank(self._ctx_h)}>")


def as_matrix(x, ctx=None, name="matrix"):
    """A DistributedMatrix from a DistributedMatrix (as is) or a numpy array (wrapped,
    no copy)."""
    if isinstance(x, DistributedMatrix):
        return x
    if isinstance(x, np.ndarray):
        check_matrix_array(x, name)
        return DistributedMatrix(x, ctx)
    raise TypeError(f"{name} must be a romkit.DistributedMatrix or a float64 numpy array in "
                    f"Fortran order, got {type(x).__name__}")

