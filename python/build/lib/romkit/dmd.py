"""Dynamic mode decomposition (include/romkit/dmd.h, docs/dmd.md): a linear model fitted to
snapshots alone, x(t) ~ Re sum_i phi_i b_i exp(omega_i (t - t0)), no residual callbacks::

    import numpy as np, romkit
    X = np.asfortranarray(snapshots)           # N x m, float64, column-major (this rank's rows)
    d = romkit.dmd(X, dt=0.1, energy=0.9999999999)   # exact DMD (TSQR + LAPACK in C)
    d.eigenvalues, d.omegas, d.amplitudes      # complex numpy arrays (copies)
    x = d.predict(6.0)                         # this rank's rows at t = 6
    Xp = d.predict(np.linspace(0, 10, 101))    # local_rows x 101
    d.write("dmd.h5"); d2 = romkit.DMD.read("dmd.h5")

Methods: ``romkit.DMD_METHODS`` ("exact", "dmdc", "opt", "bop"), the library's table.
DMDc takes ``control`` (one row of q inputs per step, (m - 1) x q); irregular ``times`` are
fitted in continuous time; ``window=w`` fits one DMD per w snapshots; :class:`StreamingDMD`
absorbs snapshots one at a time on the incremental SVD. Plots: romkit.plot.dmd_eigenvalues,
dmd_modes, dmd_prediction.
"""
import os

import numpy as np

from ._handles import Wrapper, c_view, dptr, state_vector
from ._lib import ffi, lib, new, pointer_to, require
from ._registry import Registry
from .context import resolve
from .errors import call
from .matrix import as_matrix
from .pod import SVD_METHODS

__all__ = ["dmd", "DMD", "StreamingDMD", "DMD_METHODS"]

# The rule flags of include/romkit/dmd.h (ROM_DMD_RULE_*).
DMD_RULES = {"control": 0x1, "nonuniform": 0x2, "uncertainty": 0x4}
# "exact", "dmdc", "opt", "bop": the library's table (dmd.h).
DMD_METHODS = Registry("rom_dmd_method", "DMD method", DMD_RULES)

_AMPLITUDES = {"first": 0, "all": 1}


def _options(energy=None, rank=None, method="exact", dt=1.0, t0=0.0, window=0,
             amplitudes="first", svd_method="auto", control_rank=0, max_iter=0, tol=0.0,
             bags=0, bag_size=0, seed=0):
    if energy is not None and rank is not None:
        raise ValueError("give energy or rank, not both")
    if amplitudes not in _AMPLITUDES:
        raise ValueError(f"amplitudes must be 'first' or 'all', got {amplitudes!r}")
    o = pointer_to(lib().rom_dmd_options_default())
    o.method = DMD_METHODS.value(method)
    if rank is not None:
        o.truncation = lib().ROM_POD_TRUNCATE_RANK
        o.rank = int(rank)
    elif energy is not None:
        o.energy = float(energy)
    o.dt = float(dt)
    o.t0 = float(t0)
    o.window = int(window)
    o.amplitudes = _AMPLITUDES[amplitudes]
    o.svd_method = SVD_METHODS.value(svd_method)
    o.control_rank = int(control_rank)
    o.opt.max_iter = int(max_iter)
    o.opt.tol = float(tol)
    o.opt.bags = int(bags)
    o.opt.bag_size = int(bag_size)
    o.opt.seed = int(seed)
    return o


def _control_array(control):
    """(steps, q) or (steps,) inputs -> a C-ordered float64 copy, i.e. q x steps column-major."""
    if control is None:
        return None, 0
    u = np.array(control, dtype=np.float64, copy=True)
    if u.ndim == 1:
        u = u.reshape(-1, 1)
    if u.ndim != 2:
        raise ValueError(f"control must be (steps, q), got shape {u.shape}")
    return np.ascontiguousarray(u), u.shape[1]


def dmd(snapshots, times=None, dt=1.0, t0=0.0, energy=None, rank=None, method="exact",
        control=None, window=0, amplitudes="first", svd_method="auto", ctx=None, **opt):
    """Fits a DMD to the snapshots (N x m, columns x_0 .. x_{m-1}). Collective.

    Args:
        snapshots: DistributedMatrix, Snapshots, or this rank's rows as a float64
            Fortran-ordered numpy array (wrapped, not copied; not modified).
        times: m increasing time stamps (None: t_j = t0 + j dt); irregular stamps are fitted
            in continuous time (method "exact") or by "opt"/"bop".
        energy / rank: the rank of the SVD (default energy 0.9999999999).
        method: one of DMD_METHODS.
        control: "dmdc": the inputs u_0 .. u_{m-2}, shape (m - 1, q).
        window: 0, or w >= 2 snapshots per window (windowed DMD).
        amplitudes: "first" (fit to x_0) or "all" (to every snapshot).
        opt: control_rank, max_iter, tol, bags, bag_size, seed (rom_dmd_options).

    Returns a DMD. Raises RomkitError with romkit's sentence on bad input.
    """
    from .snapshots import Snapshots

    matrix = snapshots.matrix() if isinstance(snapshots, Snapshots) else \
        as_matrix(snapshots, ctx, "snapshots")
    o = _options(energy, rank, method, dt, t0, window, amplitudes, svd_method, **opt)
    t = None
    if times is not None:
        t = np.array(times, dtype=np.float64, copy=True).reshape(-1)
        m = lib().rom_dmat_cols(matrix._h)
        if t.shape[0] != m:
            raise ValueError(f"times has {t.shape[0]} entries, the snapshots {m} columns")
    u, q = _control_array(control)
    out = new("rom_dmd **")
    call(matrix._ctx_h, "rom_dmd_fit", matrix._h, dptr(t), q, dptr(u), o, out)
    return DMD._from_handle(matrix, out[0])


def _complex(ptr, r):
    if not ptr or r == 0:
        return np.zeros(0, dtype=np.complex128)
    return np.frombuffer(ffi.buffer(ptr, 16 * r), dtype=np.complex128).copy()


class DMD(Wrapper):
    """A fitted (or read) dynamic mode decomposition. Create one with :func:`dmd`,
    :meth:`DMD.read` or :meth:`StreamingDMD.finalize`."""

    _what = "DMD"

    @classmethod
    def _from_handle(cls, parent, handle, owned=True):
        return cls.__new__(cls)._adopt(parent, handle, "rom_dmd_destroy" if owned else None)

    @classmethod
    def read(cls, path, ctx=None, local_rows=None):
        """Reads a DMD file (kind "dmd") on any number of ranks. Collective."""
        ctx = resolve(ctx)
        out = new("rom_dmd **")
        rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        call(ctx._h, "rom_dmd_read", ctx._h, os.fsencode(path), rows, out)
        return cls._from_handle(ctx, out[0])

    @classmethod
    def projected(cls, basis, Atilde, dt, x0, t0=0.0):
        """A DMD from a reduced model y_{k+1} = Atilde y_k on an orthonormal basis (N x r,
        this rank's rows, float64 Fortran order, or a DistributedMatrix), with x0 the state
        at t0 (this rank's rows). For parametric DMD. Collective."""
        B = as_matrix(basis, None, "basis")
        r = lib().rom_dmat_cols(B._h)
        A = np.asfortranarray(np.array(Atilde, dtype=np.float64))
        if A.shape != (r, r):
            raise ValueError(f"Atilde must be {r} x {r}, got {A.shape}")
        x0 = state_vector(x0, lib().rom_dmat_local_rows(B._h), "x0")
        out = new("rom_dmd **")
        call(B._ctx_h, "rom_dmd_create_projected", B._h, dptr(A), float(dt), float(t0),
             dptr(x0), out)
        return cls._from_handle(B, out[0])

    def write(self, path, overwrite=False):
        """Writes the DMD file (kind "dmd"); ROM_ERR_EXISTS if it exists and not overwrite.
        Collective."""
        call(self._ctx_h, "rom_dmd_write", self._h, os.fsencode(path), 1 if overwrite else 0)

    # ---- sizes and scalars ---------------------------------------------------------------
    @property
    def rank(self):
        return lib().rom_dmd_rank(self._h)

    @property
    def method(self):
        return DMD_METHODS[lib().rom_dmd_get_method(self._h)]

    @property
    def global_rows(self):
        return lib().rom_dmd_global_rows(self._h)

    @property
    def local_rows(self):
        return lib().rom_dmd_local_rows(self._h)

    @property
    def control_dim(self):
        return lib().rom_dmd_control_dim(self._h)

    @property
    def dt(self):
        return lib().rom_dmd_dt(self._h)

    @property
    def t0(self):
        return lib().rom_dmd_t0(self._h)

    @property
    def t_end(self):
        return lib().rom_dmd_t_end(self._h)

    # ---- spectrum (copies) ---------------------------------------------------------------
    @property
    def eigenvalues(self):
        """lambda_i (complex, |lambda| descending)."""
        return _complex(lib().rom_dmd_eigenvalues(self._h), self.rank)

    @property
    def omegas(self):
        """omega_i = log(lambda_i) / dt (complex), same order."""
        return _complex(lib().rom_dmd_omegas(self._h), self.rank)

    @property
    def amplitudes(self):
        return _complex(lib().rom_dmd_amplitudes_of(self._h), self.rank)

    @property
    def eigenvalue_std(self):
        """"bop": standard deviation of Re and Im of omega_i over the bags, as complex
        (std Re + 1j std Im); None for the other methods."""
        ptr = lib().rom_dmd_eigenvalue_std(self._h)
        return None if not ptr else _complex(ptr, self.rank)

    @property
    def singular_values(self):
        n = new("rom_int *")
        ptr = lib().rom_dmd_singular_values(self._h, n)
        if not ptr or n[0] == 0:
            return np.zeros(0)
        return np.frombuffer(ffi.buffer(ptr, 8 * n[0]), dtype=np.float64).copy()

    @property
    def modes(self):
        """This rank's rows of the modes Phi (local_rows x r, complex; a copy)."""
        f = lib()
        re, im = new("rom_dmat **"), new("rom_dmat **")
        call(self._ctx_h, "rom_dmd_modes", self._h, re, im)
        if re[0] == ffi.NULL:
            return np.zeros((self.local_rows, 0), dtype=np.complex128)
        parts = []
        for M in (re[0], im[0]):
            rows, cols, ld = f.rom_dmat_local_rows(M), f.rom_dmat_cols(M), f.rom_dmat_ld(M)
            parts.append(c_view(f.rom_dmat_data(M), (rows, cols), (8, 8 * ld), self._res,
                                writeable=False))
        return parts[0] + 1j * parts[1]

    @property
    def basis(self):
        """This rank's rows of the POD basis U (local_rows x r, read-only view), or None."""
        f = lib()
        M = f.rom_dmd_basis(self._h)
        if M == ffi.NULL:
            return None
        rows, cols, ld = f.rom_dmat_local_rows(M), f.rom_dmat_cols(M), f.rom_dmat_ld(M)
        return c_view(f.rom_dmat_data(M), (rows, cols), (8, 8 * ld), self._res, writeable=False)

    @property
    def operator(self):
        """Atilde (r x r, a copy), or None ("opt"/"bop", irregular stamps, windows)."""
        ptr = lib().rom_dmd_operator(self._h)
        r = self.rank
        if not ptr:
            return None
        return np.frombuffer(ffi.buffer(ptr, 8 * r * r), dtype=np.float64).reshape(r, r).T.copy()

    @property
    def control_operator(self):
        """"dmdc": Btilde (r x q, a copy), else None."""
        ptr = lib().rom_dmd_control_operator(self._h)
        r, q = self.rank, self.control_dim
        if not ptr:
            return None
        return np.frombuffer(ffi.buffer(ptr, 8 * r * q), dtype=np.float64).reshape(q, r).T.copy()

    @property
    def windows(self):
        """The windows (a list of DMD; [self] for an unwindowed DMD)."""
        n = lib().rom_dmd_window_count(self._h)
        out = []
        for k in range(n):
            w = new("const rom_dmd **")
            call(self._ctx_h, "rom_dmd_window", self._h, k, w)
            if w[0] == self._h:
                out.append(self)
            else:
                out.append(DMD._from_handle(self, ffi.cast("rom_dmd *", w[0]), owned=False))
        return out

    # ---- prediction ----------------------------------------------------------------------
    def predict(self, t):
        """The state at time t (this rank's rows), or at each of an array of times
        (local_rows x nt, Fortran order). Not collective."""
        scalar = np.ndim(t) == 0
        ts = np.array(t, dtype=np.float64, copy=True).reshape(-1)
        n = self.local_rows
        X = np.zeros((n, ts.shape[0]), dtype=np.float64, order="F")
        call(self._ctx_h, "rom_dmd_predict_many", self._h, ts.shape[0], dptr(ts),
             dptr(X) if X.size else None, max(n, 1))
        return X[:, 0] if scalar else X

    def predict_control(self, control=None, steps=None, x0=None):
        """Steps the reduced model y_{k+1} = Atilde y_k + Btilde u_k from x0 (this rank's
        rows; None: the first snapshot fitted). control: (steps, q) ("dmdc"); without
        control give `steps`. Returns local_rows x (steps + 1). Collective."""
        u, q = _control_array(control)
        if u is not None:
            steps = u.shape[0]
        if steps is None:
            raise ValueError("give control or steps")
        n = self.local_rows
        if x0 is not None:
            x0 = state_vector(x0, n, "x0")
        X = np.zeros((n, int(steps) + 1), dtype=np.float64, order="F")
        call(self._ctx_h, "rom_dmd_predict_control", self._h, dptr(x0), int(steps), dptr(u),
             dptr(X) if X.size else None, max(n, 1))
        return X

    def __repr__(self):
        if self.closed:
            return "<romkit.DMD closed>"
        return (f"<romkit.DMD {self.method}, N = {self.global_rows}, r = {self.rank}, "
                f"windows = {lib().rom_dmd_window_count(self._h)}>")


class StreamingDMD(Wrapper):
    """Streaming exact DMD on the incremental SVD: snapshots at a uniform step dt are
    absorbed one at a time and not stored (rom_dmd_stream). Collective."""

    _what = "StreamingDMD"

    def __init__(self, local_rows, dt=1.0, t0=0.0, energy=None, rank=None, max_rank=0,
                 ctx=None):
        require("rom_dmd_stream_create", "StreamingDMD")
        ctx = resolve(ctx)
        o = _options(energy=energy, rank=rank, dt=dt, t0=t0)
        out = new("rom_dmd_stream **")
        call(ctx._h, "rom_dmd_stream_create", ctx._h, int(local_rows), int(max_rank), o, out)
        self._adopt(ctx, out[0], "rom_dmd_stream_destroy")
        self._local_rows = int(local_rows)

    @property
    def count(self):
        return lib().rom_dmd_stream_count(self._h)

    def __len__(self):
        return self.count

    def add(self, x):
        """Absorbs the next snapshot (this rank's rows, float64, contiguous)."""
        x = state_vector(x, self._local_rows, "x")
        call(self._ctx_h, "rom_dmd_stream_add", self._h, dptr(x))

    def finalize(self):
        """The DMD of the snapshots so far; the stream stays usable."""
        out = new("rom_dmd **")
        call(self._ctx_h, "rom_dmd_stream_finalize", self._h, out)
        return DMD._from_handle(self, out[0])
