"""Snapshot collection inside the host's own time loop (rom_snapshots).

Each rank adds its own rows of each solution vector; romkit checks every snapshot for
NaN/Inf on every rank (ROM_ERR_NOT_FINITE names the row) and can stream them to an HDF5
snapshot file as they arrive.
"""
import weakref

import numpy as np

from ._handles import Wrapper, dptr, small_vector, state_vector
from ._lib import ffi, fspath, lib, new, pointer_to
from .context import resolve
from .errors import call
from .matrix import DistributedMatrix, check_matrix_array

__all__ = ["Snapshots", "read_snapshots"]


class Snapshots(Wrapper):
    """A growing collection of snapshots with `local_rows` rows on this rank. Collective.

    Args:
        local_rows: this rank's number of rows (any partition).
        ctx: the context (default: the serial default context).
        num_parameters: length of the parameter vector of add(u, params=...).
        stream_path: write every snapshot to this HDF5 file as it arrives.
        overwrite: replace stream_path if it exists.
        keep_in_memory: False keeps only the file (needs stream_path).
        capacity_hint: expected number of snapshots.
    """

    _what = "Snapshots"

    def __init__(self, local_rows, ctx=None, num_parameters=0, stream_path=None,
                 overwrite=False, keep_in_memory=True, capacity_hint=0):
        ctx = resolve(ctx)
        f = lib()
        opts = pointer_to(f.rom_snapshots_options_default())
        opts.capacity_hint = int(capacity_hint)
        opts.num_parameters = int(num_parameters)
        # a char array the object keeps: romkit may read the path after create
        self._path = new("char[]", fspath(stream_path)) if stream_path is not None \
            else None
        opts.stream_path = self._path if self._path is not None else ffi.NULL
        opts.overwrite = 1 if overwrite else 0
        opts.keep_in_memory = 1 if keep_in_memory else 0
        out = new("rom_snapshots **")
        call(ctx._h, "rom_snapshots_create", ctx._h, int(local_rows), opts, out)
        self._adopt(ctx, out[0], "rom_snapshots_destroy")
        self._local_rows = int(local_rows)
        self._num_parameters = int(num_parameters)
        self._borrowed = weakref.WeakSet()
        self._leases = weakref.WeakSet()

    def _invalidate_views(self):
        # rom_snapshots_matrix's matrix handle is valid until the next add: retire handed-out
        # wrappers (using one then raises "closed"). The numpy views of their data stay valid:
        # each holds a lease on this collection, and while any lease is alive romkit keeps
        # the buffers growth replaces (rom_snapshots_matrix); with none alive they are freed.
        for m in list(self._borrowed):
            if m._res is not None:
                m._res.release()
        self._borrowed.clear()
        if len(self._leases) == 0 and self._res is not None:
            lib().rom_snapshots_release_views(self._h)

    @property
    def local_rows(self):
        return self._local_rows

    @property
    def count(self):
        """Number of snapshots added so far."""
        return lib().rom_snapshots_count(self._h)

    def __len__(self):
        return self.count

    def add(self, u, time=None, params=None):
        """Appends one snapshot (this rank's rows, float64, contiguous). With `time` or
        `params` the snapshot is tagged (written to /times and /parameters). Collective."""
        h = self._h
        u = state_vector(u, self._local_rows, "u")
        self._invalidate_views()
        if time is None and params is None:
            call(self._ctx_h, "rom_snapshots_add", h, dptr(u))
        else:
            p = None
            if self._num_parameters > 0:
                if params is None:
                    raise ValueError(f"params ({self._num_parameters} values) is required with "
                                     "num_parameters > 0")
                p = small_vector(params, self._num_parameters, "params")
            elif params is not None and len(np.atleast_1d(params)) > 0:
                raise ValueError("params given but the collection has num_parameters = 0")
            call(self._ctx_h, "rom_snapshots_add_tagged", h, dptr(u),
                 float(time if time is not None else 0.0), dptr(p))

    def add_block(self, U):
        """Appends the columns of U (local_rows x count, float64, Fortran order, not
        copied by Python). Collective."""
        h = self._h
        rows, cols, ld = check_matrix_array(U, "U")
        if rows != self._local_rows:
            raise ValueError(f"U has {rows} rows, expected {self._local_rows} (this rank's rows)")
        self._invalidate_views()
        call(self._ctx_h, "rom_snapshots_add_block", h, cols,
             dptr(U) if rows * cols > 0 else None, ld)

    def matrix(self):
        """The in-memory snapshots as an N x m DistributedMatrix owned by the collection,
        valid until the next add (then it reports itself closed). Not collective."""
        out = new("rom_dmat **")
        call(self._ctx_h, "rom_snapshots_matrix", self._h, out)
        m = DistributedMatrix._from_c(self, out[0], None)
        lease = _Lease(self._res)
        m._view_owner = lease  # numpy views of m.array keep the lease, hence the memory
        self._leases.add(lease)
        self._borrowed.add(m)
        return m

    def write(self, path, overwrite=False):
        """Writes the in-memory snapshots to a new HDF5 snapshot file. Collective."""
        call(self._ctx_h, "rom_snapshots_write", self._h, fspath(path),
             1 if overwrite else 0)

    def close(self):
        """Destroys the collection now (closes the stream file, which stays valid).
        Collective when streaming."""
        if self._res is None:
            return
        self._invalidate_views()
        res, self._res = self._res, None
        rc = res.release()
        if rc != 0:
            from .errors import check
            check(self._ctx_h, rc, "rom_snapshots_destroy")

    def __repr__(self):
        if self.closed:
            return "<romkit.Snapshots closed>"
        return f"<romkit.Snapshots {self.count} x {self._local_rows} local rows>"


class _Lease:
    """Held by the numpy views of one matrix() of a Snapshots: keeps the collection's C
    object (and so every buffer those views point into) alive."""

    __slots__ = ("res", "__weakref__")

    def __init__(self, res):
        self.res = res


def read_snapshots(path, ctx=None, local_rows=None):
    """Reads /snapshots of a romkit snapshot file into a new N x m DistributedMatrix
    (local_rows None: even partition). Collective. Raises RomkitError (ROM_ERR_IO naming
    the path for a missing file, ROM_ERR_FORMAT for another kind of file)."""
    ctx = resolve(ctx)
    out = new("rom_dmat **")
    rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
    call(ctx._h, "rom_snapshots_read", ctx._h, fspath(path), rows, out)
    return DistributedMatrix._from_c(ctx, out[0], "rom_dmat_destroy")
