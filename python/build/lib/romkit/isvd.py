"""Streaming (incremental) SVD: absorb snapshots one at a time, never store them (rom_isvd).

Brand's incremental SVD (include/romkit/isvd.h): after n snapshots the object holds the
leading singular values and left singular vectors of [a_1 ... a_n], truncated to
max_rank, in O(local_rows * max_rank) memory per rank whatever n is. Use it inside the
host's time loop instead of collecting snapshots::

    svd = romkit.StreamingSVD(local_rows, max_rank=20)
    for step in range(steps):
        ...
        svd.add(u)                       # this rank's rows, float64, not copied or kept
    basis = svd.basis(energy=0.9999)     # a romkit.Basis (sign-normalised like pod())
"""
import numpy as np

from ._handles import Wrapper, dptr, state_vector
from ._lib import ffi, lib, new, pointer_to, require
from .context import resolve
from .errors import call
from .matrix import check_matrix_array
from .pod import Basis, _options

__all__ = ["StreamingSVD"]


class StreamingSVD(Wrapper):
    """An incremental SVD of vectors with `local_rows` rows on this rank. Collective.

    Args:
        local_rows: this rank's rows (any partition, zero allowed).
        max_rank: most singular triplets kept (0: no limit).
        tolerance: a snapshot's component orthogonal to the current basis becomes a new
            direction only above tolerance * max(s_1, ||snapshot||), and singular values
            <= tolerance * s_1 are dropped (None: romkit's default, 1e-12).
        ctx: the context (default: the serial default context).
    """

    _what = "StreamingSVD"

    def __init__(self, local_rows, max_rank=0, tolerance=None, ctx=None):
        require("rom_isvd_create", "StreamingSVD")
        ctx = resolve(ctx)
        opts = pointer_to(lib().rom_isvd_options_default())
        opts.max_rank = int(max_rank)
        if tolerance is not None:
            opts.tolerance = float(tolerance)
        out = new("rom_isvd **")
        call(ctx._h, "rom_isvd_create", ctx._h, int(local_rows), opts, out)
        self._adopt(ctx, out[0], "rom_isvd_destroy")
        self._local_rows = int(local_rows)

    @property
    def local_rows(self):
        return self._local_rows

    @property
    def count(self):
        """Number of snapshots added (zero snapshots count too)."""
        return lib().rom_isvd_count(self._h)

    def __len__(self):
        return self.count

    def add(self, u):
        """Absorbs one snapshot (this rank's rows: float64, contiguous; read, not kept).
        Collective. RomkitError(ROM_ERR_NOT_FINITE) naming the row for NaN/Inf (the state
        is then unchanged)."""
        h = self._h
        u = state_vector(u, self._local_rows, "u")
        call(self._ctx_h, "rom_isvd_add", h, dptr(u))

    def add_block(self, U):
        """Absorbs the columns of U (local_rows x m, float64, Fortran order) one after the
        other, as add() would. Collective."""
        rows, cols, _ = check_matrix_array(U, "U")
        if rows != self._local_rows:
            raise ValueError(f"U has {rows} rows, expected {self._local_rows} (this rank's rows)")
        if U.ndim == 1:
            U = U.reshape(rows, 1)
        for j in range(cols):
            self.add(U[:, j])

    @property
    def singular_values(self):
        """The current singular values, descending (a copy: romkit's buffer changes with
        every add). Empty before any nonzero snapshot. Not collective."""
        r = new("rom_int *")
        ptr = lib().rom_isvd_singular_values(self._h, r)
        if not ptr or r[0] == 0:
            return np.zeros(0)
        return np.frombuffer(ffi.buffer(ptr, 8 * r[0]), dtype=np.float64).copy()

    def basis(self, energy=None, rank=None):
        """The POD basis of the snapshots so far: all current vectors (neither energy nor
        rank given), the first `rank`, or the fewest holding `energy` of the kept values'
        energy. The object stays usable. Collective. RomkitError(ROM_ERR_STATE) before any
        nonzero snapshot."""
        opts = None
        if energy is not None or rank is not None:
            opts = _options(energy=energy, rank=rank)
        out = new("rom_basis **")
        call(self._ctx_h, "rom_isvd_basis", self._h,
             opts if opts is not None else None, out)
        return Basis._from_handle(self, out[0])

    def __repr__(self):
        if self.closed:
            return "<romkit.StreamingSVD closed>"
        return (f"<romkit.StreamingSVD {self.count} snapshots, "
                f"{len(self.singular_values)} singular values>")
