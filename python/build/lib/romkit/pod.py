"""POD (distributed SVD of a snapshot matrix) and the basis it produces.

``pod(S, energy=0.9999)`` or ``pod(S, rank=k)`` calls rom_pod_compute on a
DistributedMatrix, a Snapshots collection, or a float64 Fortran-ordered numpy array
(wrapped without a copy). The :class:`Basis` exposes romkit's memory as read-only numpy
views (``vectors``, ``singular_values``, ``reference``): no copies.

Singular vectors follow romkit's sign rule: the entry of largest magnitude of each
basis vector is positive (ties: the lowest global row).
"""

import numpy as np

from ._handles import Wrapper, c_vector_view, c_view, dptr, out_vector, \
    small_vector, state_vector
from ._lib import ffi, fspath, lib, new, out_arg, pointer_to, require  # noqa: F401
from ._registry import SVD_RULES, Registry
from .context import resolve
from .errors import call
from .matrix import DistributedMatrix, as_matrix

__all__ = ["pod", "pod_file", "Basis", "SVD_METHODS"]

# "auto", "tsqr", "scalapack", "randomized", "incremental", "wide": the library's table (pod.h).
SVD_METHODS = Registry("rom_svd_method", "method", SVD_RULES)


def _method(name):
    return SVD_METHODS.value(name)


def _reference(reference, matrix, center):
    """(center, reference array or None) for pod's `reference` argument."""
    if reference is None:
        return center, None
    if center:
        raise ValueError("give center=True or a reference, not both")
    if isinstance(reference, str):
        if reference == "mean":
            return True, None
        if reference == "first":
            if matrix.cols < 1:
                raise ValueError("reference='first' needs at least one snapshot")
            return False, np.array(matrix.array[:, 0], dtype=np.float64)
        raise ValueError(f"reference must be None, 'mean', 'first' or an array of this rank's "
                         f"rows, got {reference!r}")
    return False, state_vector(reference, matrix.local_rows, "reference")


def pod(snapshots, energy=None, rank=None, center=False, method="auto", ctx=None, *,
        reference=None, memory_budget=None, target_rank=None, oversampling=None,
        power_iterations=None, incremental_tolerance=None):
    """POD basis of a snapshot matrix (N x m, rows distributed). Collective.

    Args:
        snapshots: DistributedMatrix, Snapshots, or this rank's rows as a float64
            Fortran-ordered numpy array (wrapped, not copied; not modified).
        energy: keep the smallest k with sum_{i<k} s_i^2 >= energy * sum s_i^2
            (default 0.9999 when rank is not given).
        rank: keep exactly k = rank vectors (clipped to the number of singular values).
        center: subtract the row mean first (stored as the basis reference).
        reference: a reference state u_ref subtracted from every snapshot before the SVD
            and stored with the basis (as /reference), so ROMs built on the basis use it
            by default: this rank's rows (float64), "first" (the first snapshot) or
            "mean" (the same as center=True).
        method: "auto", "tsqr", "scalapack", "randomized", "incremental" or "wide"; what "auto"
            chose is logged at info level and kept as ``Basis.method``.
        ctx: context for a numpy array (default: the serial default context).
        memory_budget, target_rank, oversampling, power_iterations,
        incremental_tolerance: the other fields of rom_pod_options.

    Returns: a Basis. Raises RomkitError (e.g. ROM_ERR_NOT_FINITE naming row and column).
    """
    from .snapshots import Snapshots  # local import: snapshots imports matrix, not pod

    if energy is not None and rank is not None:
        raise ValueError("give energy or rank, not both")
    if isinstance(snapshots, Snapshots):
        matrix = snapshots.matrix()
    else:
        matrix = as_matrix(snapshots, ctx, "snapshots")
    center, ref = _reference(reference, matrix, center)
    opts = _options(energy, rank, center, method, memory_budget, target_rank, oversampling,
                    power_iterations, incremental_tolerance)
    if ref is not None:
        opts.reference_local = dptr(ref) if ref.size else ffi.NULL
        if not ref.size:  # a rank without rows still passes a reference (of no values)
            ref = np.zeros(1)
            opts.reference_local = dptr(ref)
    out = new("rom_basis **")
    call(matrix._ctx_h, "rom_pod_compute", matrix._h, opts, out)
    return Basis._from_handle(matrix, out[0])


def _options(energy=None, rank=None, center=False, method="auto", memory_budget=None,
             target_rank=None, oversampling=None, power_iterations=None,
             incremental_tolerance=None):
    """A rom_pod_options record: romkit's defaults with the given fields set."""
    if energy is not None and rank is not None:
        raise ValueError("give energy or rank, not both")
    opts = pointer_to(lib().rom_pod_options_default())
    if rank is not None:
        if isinstance(rank, bool) or int(rank) != rank:
            raise TypeError(f"rank must be an integer, got {rank!r}")
        opts.truncation = 1
        opts.rank = int(rank)
    elif energy is not None:
        opts.truncation = 0
        opts.energy = float(energy)
    opts.center = 1 if center else 0
    opts.method = _method(method)
    if memory_budget is not None:
        opts.memory_budget = float(memory_budget)
    if target_rank is not None:
        opts.target_rank = int(target_rank)
    if oversampling is not None:
        opts.oversampling = int(oversampling)
    if power_iterations is not None:
        opts.power_iterations = int(power_iterations)
    if incremental_tolerance is not None:
        opts.incremental_tolerance = float(incremental_tolerance)
    return opts


def pod_file(path, energy=None, rank=None, center=False, method="auto", ctx=None, *,
             reference=None, memory_budget=None, target_rank=None, oversampling=None,
             power_iterations=None, incremental_tolerance=None):
    """Out-of-core POD of the /snapshots dataset of a romkit snapshot file
    (rom_pod_compute_file). Collective.

    The file is read in blocks on an even row partition (the basis is distributed
    likewise). With method "auto" or "incremental" the blocks stream through the
    incremental SVD, with blocks as large as `memory_budget` bytes per rank allows
    (0 or None: no limit); other methods read the whole matrix. The arguments are those
    of :func:`pod`; a reference array holds this rank's rows of the even partition ("first"
    is not available here: read the first snapshot yourself). Raises RomkitError:
    ROM_ERR_IO (missing file), ROM_ERR_FORMAT (not a snapshot file), ROM_ERR_NOMEM (budget
    too small, naming the bytes needed).
    """
    require("rom_pod_compute_file", "pod_file")
    ctx = resolve(ctx)
    ref = None
    if isinstance(reference, str) and reference == "mean":
        center, reference = True, None
    if reference is not None:
        if center:
            raise ValueError("give center=True or a reference, not both")
        if isinstance(reference, str):
            raise ValueError(f"pod_file's reference must be None, 'mean' or an array, got "
                             f"{reference!r}")
        ref = np.ascontiguousarray(reference, dtype=np.float64).reshape(-1)
        if ref.size == 0:
            ref = np.zeros(1)
    opts = _options(energy, rank, center, method, memory_budget, target_rank, oversampling,
                    power_iterations, incremental_tolerance)
    if ref is not None:
        opts.reference_local = dptr(ref)
    out = new("rom_basis **")
    call(ctx._h, "rom_pod_compute_file", ctx._h, fspath(path), opts, out)
    return Basis._from_handle(ctx, out[0])


class Basis(Wrapper):
    """A POD basis Phi (N x k, rows distributed like the snapshots), the singular values
    computed, and an optional reference (mean) vector.

    Create one with :func:`pod`, :meth:`Basis.read` or :meth:`Basis.from_vectors`.
    """

    _what = "Basis"

    @classmethod
    def _from_handle(cls, parent, handle):
        return cls.__new__(cls)._adopt(parent, handle, "rom_basis_destroy")

    @classmethod
    def from_vectors(cls, vectors, singular_values=None, reference=None, ctx=None):
        """A basis from your own orthonormal vectors (this rank's rows, float64 Fortran
        order, or a DistributedMatrix); romkit copies them (rom_basis_create). Collective."""
        m = as_matrix(vectors, ctx, "vectors")
        sv = None
        r = 0
        if singular_values is not None:
            sv = np.array(singular_values, dtype=np.float64).reshape(-1)
            r = sv.shape[0]
        ref = None
        if reference is not None:
            ref = state_vector(reference, m.local_rows, "reference")
        out = new("rom_basis **")
        call(m._ctx_h, "rom_basis_create", m._h, dptr(sv) if r else None, r,
             dptr(ref) if ref is not None and ref.size else None, out)
        return cls._from_handle(m, out[0])

    @classmethod
    def read(cls, path, ctx=None, local_rows=None):
        """Reads a basis file on any number of ranks (local_rows None: even partition).
        Collective. Raises RomkitError(ROM_ERR_IO) naming the path if it cannot be read."""
        ctx = resolve(ctx)
        out = new("rom_basis **")
        rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        call(ctx._h, "rom_basis_read", ctx._h, fspath(path), rows, out)
        return cls._from_handle(ctx, out[0])

    def write(self, path, overwrite=False):
        """Writes the basis file (kind "basis"); ROM_ERR_EXISTS if it exists and not
        overwrite. Collective."""
        call(self._ctx_h, "rom_basis_write", self._h, fspath(path), 1 if overwrite else 0)

    def write_librom(self, base, overwrite=False):
        """Writes the basis as libROM's BasisWriter does: one HDF5 file per rank,
        "<base>.000000", ... (docs/pod.md, "libROM interop"). Collective."""
        require("rom_basis_write_librom", "Basis.write_librom")
        call(self._ctx_h, "rom_basis_write_librom", self._h, fspath(base),
             1 if overwrite else 0)

    @classmethod
    def read_librom(cls, base, ctx=None):
        """Reads a libROM basis ("<base>.000000", ...) written on any number of ranks,
        with an even partition of the rows. Collective."""
        require("rom_basis_read_librom", "Basis.read_librom")
        ctx = resolve(ctx)
        out = new("rom_basis **")
        call(ctx._h, "rom_basis_read_librom", ctx._h, fspath(base), out)
        return cls._from_handle(ctx, out[0])

    # ---- sizes ---------------------------------------------------------------------------
    @property
    def dim(self):
        """k, the number of basis vectors."""
        return lib().rom_basis_dim(self._h)

    @property
    def global_rows(self):
        return lib().rom_basis_global_rows(self._h)

    @property
    def local_rows(self):
        return lib().rom_basis_local_rows(self._h)

    @property
    def energy(self):
        """Energy fraction kept by the k vectors: sum_{i<k} s_i^2 / ||S - shift||_F^2 for a
        basis from :func:`pod` (true even when the method computed only the largest
        values); for a user basis or an old file, over the stored values. nan without
        singular values."""
        return lib().rom_basis_energy(self._h)

    @property
    def total_energy(self):
        """||S - shift||_F^2 of the snapshots (the sum of all squared singular values);
        0.0 if unknown."""
        require("rom_basis_total_energy", "Basis.total_energy")
        return lib().rom_basis_total_energy(self._h)

    @property
    def method(self):
        """The SVD method that computed the basis (what "auto" chose), or "user"."""
        require("rom_basis_method", "Basis.method")
        return lib().rom_basis_method(self._h).decode()

    # ---- zero-copy views -----------------------------------------------------------------
    @property
    def matrix(self):
        """The basis vectors as a DistributedMatrix (owned by the basis)."""
        h = self._h
        return DistributedMatrix._from_c(self, lib().rom_basis_vectors(h), None)

    @property
    def vectors(self):
        """This rank's rows of Phi (local_rows x k), a read-only view of romkit's memory."""
        f = lib()
        h = self._h
        V = f.rom_basis_vectors(h)
        rows, cols, ld = f.rom_dmat_local_rows(V), f.rom_dmat_cols(V), f.rom_dmat_ld(V)
        return c_view(f.rom_dmat_data(V), (rows, cols), (8, 8 * ld), self._res, writeable=False)

    @property
    def singular_values(self):
        """All singular values computed (r >= k), descending, read-only view; an empty
        array if none are stored."""
        r = new("rom_int *")
        ptr = lib().rom_basis_singular_values(self._h, r)
        return c_vector_view(ptr, r[0] if ptr else 0, self._res, writeable=False)

    @property
    def reference(self):
        """This rank's rows of the reference / mean vector (read-only view), or None."""
        ptr = lib().rom_basis_reference(self._h)
        if not ptr:
            return None
        return c_vector_view(ptr, self.local_rows, self._res, writeable=False)

    # ---- maps --------------------------------------------------------------------------------
    def project(self, u):
        """q = Phi^T (u - ref) for this rank's rows u (float64, local_rows); k values,
        replicated. Collective."""
        u = state_vector(u, self.local_rows, "u")
        q = np.zeros(self.dim, dtype=np.float64)
        call(self._ctx_h, "rom_basis_project", self._h, dptr(u), dptr(q))
        return q

    def lift(self, q, out=None):
        """u = ref + Phi q on this rank's rows (into `out` if given). Not collective."""
        q = small_vector(q, self.dim, "q")
        u = out_vector(out, self.local_rows, "out")
        call(self._ctx_h, "rom_basis_lift", self._h, dptr(q), dptr(u))
        return u

    def truncated(self, k):
        """A new basis of the first k vectors with the same singular values (all of them),
        reference and total energy, so its ``energy`` is the fraction k vectors keep
        (rom_basis_truncate). Collective."""
        k = int(k)
        if not 1 <= k <= self.dim:
            raise ValueError(f"k must be in 1..{self.dim}, got {k}")
        require("rom_basis_truncate", "Basis.truncated")
        out = new("rom_basis **")
        call(self._ctx_h, "rom_basis_truncate", self._h, k, out)
        return Basis._from_handle(self, out[0])

    def __repr__(self):
        if self.closed:
            return "<romkit.Basis closed>"
        return f"<romkit.Basis N = {self.global_rows}, k = {self.dim}>"

