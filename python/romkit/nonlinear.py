"""Nonlinear host models with Python callbacks, and Galerkin / LSPG ROMs of them
(include/romkit/model.h nonlinear section, include/romkit/nonlinear_rom.h).

A nonlinear host FOM is du/dt = F(u, t; mu) on this rank's rows; romkit applies the time
discretisation (backward Euler, BDF2) itself. :class:`NonlinearModel` is a
:class:`romkit.Model` that also takes the nonlinear callbacks::

    def velocity(u, t, mu, F):          F[:] = F(u, t; mu)
    def jacobian(u, t, mu, X, Y):       Y[:] = dF/du(u, t; mu) @ X     # X, Y: n x ncols
    def jacobian_csr(u, t, mu):         return scipy.sparse.csr_matrix(dF/du)  # for the FOM
    def stencil(row):                   return [global rows F[row] depends on]
    def sampled_velocity(rows, needed, u_needed, t, mu, F_rows)        # hyper-reduction
    def sampled_jacobian(rows, needed, u_needed, t, mu, X, Y)          # Y = dF[rows, needed] X

The arguments are numpy views of romkit's buffers, valid only during the call (inputs
read-only; X and Y are Fortran-ordered column blocks); write outputs in place and return
None. Outputs hold NaN when the callback starts; one left unwritten (``F = ...`` instead
of ``F[:] = ...``) or NaN/Inf written is RomkitError(ROM_ERR_CALLBACK) naming the callback.
``setup(rows, needed)`` (or an override of :meth:`NonlinearModel.sample_mesh_setup`) is
called once per hyper-reduced ROM with the read-only arrays the sampled callbacks then
receive at every call. Exceptions propagate exactly as for the affine callbacks (romkit.Model): the C call
fails with ROM_ERR_CALLBACK and the original exception is raised again when it returns.

:class:`NonlinearROM` is the projection ROM (rom_nlrom): Galerkin (Newton on Phi^T r = 0)
or LSPG (Gauss-Newton on min ||r||), optionally with GNAT hyper-reduction
(:class:`romkit.HyperReduction`). :class:`ManifoldROM` is its nonlinear-manifold
counterpart on the decoder of a :class:`romkit.Autoencoder` (NM-Galerkin, NM-LSPG,
NM-LSPG-HR).
"""
import numpy as np

from ._handles import Wrapper, c_vector_view, c_view, dptr, iptr, out_vector, small_vector, \
    state_vector
from ._lib import address_of, ffi, lib, new, pointer_to, record_dict, require
from .affine import Model
from .errors import call
from .matrix import check_matrix_array
from .pod import Basis

__all__ = ["NonlinearModel", "NonlinearROM", "ManifoldROM", "PROJECTIONS", "TIME_SCHEMES",
           "LSPG_SOLVERS"]

PROJECTIONS = {"galerkin": 0, "lspg": 1}
TIME_SCHEMES = {"backward_euler": 0, "bdf2": 1}
LSPG_SOLVERS = {"normal_equations": 0, "tsqr": 1}


def choice(value, table, name):
    """The C enum value of `value`, one of the keys of `table`."""
    if not isinstance(value, str) or value not in table:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, table))}, got {value!r}")
    return table[value]


def _int_array(p, n):
    """A copy of n rom_int values at cdata pointer `p` (romkit's rows lists are short)."""
    if not address_of(p) or n == 0:
        return np.zeros(0, dtype=np.int64)
    return np.frombuffer(ffi.buffer(p, 8 * int(n)), dtype=np.int64).copy()


def _frozen_int_array(p, n):
    """A read-only copy of n rom_int values at `p`."""
    a = _int_array(p, n)
    a.flags.writeable = False
    return a


class _SampleMesh:
    """The sample mesh's rows and needed arrays, copied once per hyper-reduced ROM creation
    (the model's sample-mesh setup call) and handed to every sampled call after that as
    the same read-only arrays, so the host can key an index map on them (no copy per
    call). An address seen at no setup call (or whose ends changed) gets a fresh copy."""

    def __init__(self):
        self._arrays = {}  # (address, n) -> read-only int64 array

    def remember(self, p, n):
        a = _frozen_int_array(p, n)
        if a.size:
            self._arrays[(address_of(p), int(n))] = a
        return a

    def get(self, p, n):
        a = self._arrays.get((address_of(p), int(n)))
        if a is not None and a[0] == p[0] and a[-1] == p[int(n) - 1]:
            return a
        return _frozen_int_array(p, n)


def _block(address, rows, cols, ld, writeable):
    """A rows x cols Fortran-ordered view of C memory with leading dimension ld."""
    return c_view(address, (int(rows), int(cols)), (8, 8 * max(int(ld), 1)), None, writeable)


def _csr_arrays(result, n, global_cols, name):
    """(row_ptr, col_index, values, global_cols) from a scipy.sparse matrix or a tuple."""
    if hasattr(result, "indptr") and hasattr(result, "indices") and hasattr(result, "data"):
        if getattr(result, "format", "csr") != "csr":
            raise TypeError(f"the {name} callback returned a {result.format} matrix; return "
                            "a CSR matrix (m.tocsr())")
        arrays = (result.indptr, result.indices, result.data)
        global_cols = result.shape[1]
    elif isinstance(result, tuple) and len(result) in (3, 4):
        arrays = result[:3]
        if len(result) == 4:
            global_cols = int(result[3])
    else:
        raise TypeError(f"the {name} callback must return a scipy.sparse CSR matrix or a tuple "
                        f"(row_ptr, col_index, values[, global_cols]), got {type(result).__name__}")
    if global_cols is None:
        raise ValueError(f"the {name} callback must return global_cols (the 4th tuple entry) "
                         "when the context has more than one rank")
    row_ptr = np.ascontiguousarray(arrays[0], dtype=np.int64)
    col_index = np.ascontiguousarray(arrays[1], dtype=np.int64)
    values = np.ascontiguousarray(arrays[2], dtype=np.float64)
    if row_ptr.shape != (n + 1,):
        raise ValueError(f"the {name} callback returned row_ptr of shape {row_ptr.shape}, "
                         f"expected ({n + 1},) (this rank's rows + 1)")
    nnz = int(row_ptr[-1]) if n >= 0 else 0
    if col_index.shape[0] < nnz or values.shape[0] < nnz:
        raise ValueError(f"the {name} callback returned {col_index.shape[0]} column indices and "
                         f"{values.shape[0]} values, but row_ptr[-1] = {nnz}")
    return row_ptr, col_index, values, int(global_cols)


class NonlinearModel(Model):
    """A host model (rom_model) with nonlinear callbacks written in Python. Collective.

    ``NonlinearModel(local_rows, num_parameters, ctx)``; everything of
    :class:`romkit.Model` applies (it is one). Set the callbacks with
    :meth:`set_velocity`, :meth:`set_jacobian_csr` (needed by the reference FOM
    integrator, :func:`romkit.fom.integrate`) and :meth:`set_sampled_velocity` (needed by
    hyper-reduction).
    """

    _what = "NonlinearModel"

    def sample_mesh_setup(self, rows, needed):
        """Called once when a hyper-reduced ROM is created on this model, with the sample
        rows and the sample mesh `needed` (sorted) as read-only int64 arrays; every later
        sampled call gets these same array objects. Override it (or pass ``setup`` to
        :meth:`set_sampled_velocity`) to build the host's index map once, e.g. each
        row's neighbours' positions in `needed`. The default does nothing."""

    def set_velocity(self, velocity, jacobian=None):
        """velocity(u, t, mu, F) sets F = F(u, t; mu); jacobian(u, t, mu, X, Y) sets
        Y = dF/du X for a block of columns (X, Y: local_rows x ncols, Fortran order).
        The Jacobian action is needed by the ROMs."""
        require("rom_model_set_velocity", "NonlinearModel.set_velocity")
        n, h, nparam = self.local_rows, self._h, self.num_parameters

        def velocity_body(user, u, t, mu, F):
            return velocity(c_vector_view(u, n, writeable=False), t,
                            c_vector_view(mu, nparam, writeable=False), c_vector_view(F, n))

        cvel = self._trampoline("velocity", velocity, "rom_velocity_fn", velocity_body)
        cjac = ffi.NULL
        if jacobian is not None:
            def jacobian_body(user, u, t, mu, ncols, X, ldx, Y, ldy):
                return jacobian(c_vector_view(u, n, writeable=False), t,
                                c_vector_view(mu, nparam, writeable=False),
                                _block(X, n, ncols, ldx, False), _block(Y, n, ncols, ldy, True))
            cjac = self._trampoline("jacobian", jacobian, "rom_velocity_jacobian_fn",
                                    jacobian_body)
        call(self._ctx_h, "rom_model_set_velocity", h, cvel, cjac)
        self._keep()

    def set_jacobian_csr(self, jacobian_csr):
        """jacobian_csr(u, t, mu) returns dF/du on this rank's rows, assembled: a
        scipy.sparse CSR matrix (local_rows x N), or a tuple (row_ptr, col_index, values
        [, global_cols]) with global column indices (global_cols may be left out on one
        rank). Indices are converted to int64 (copied if they are not); romkit reads them
        before the next call."""
        require("rom_model_set_velocity_jacobian_csr", "NonlinearModel.set_jacobian_csr")
        n, h, nparam = self.local_rows, self._h, self.num_parameters
        single = lib().rom_ctx_size(self._ctx_h) == 1

        def csr_body(user, u, t, mu, J):
            result = jacobian_csr(c_vector_view(u, n, writeable=False), t,
                                  c_vector_view(mu, nparam, writeable=False))
            row_ptr, col_index, values, ncols = _csr_arrays(result, n, n if single else None,
                                                            "jacobian_csr")
            self._csr_arrays = (row_ptr, col_index, values)  # valid until the next call
            J.local_rows = n
            J.global_cols = ncols
            J.row_ptr = iptr(row_ptr)
            J.col_index = iptr(col_index)
            J.values = dptr(values)
            return 0

        ccsr = self._trampoline("jacobian_csr", jacobian_csr, "rom_velocity_jacobian_csr_fn",
                                 csr_body)
        call(self._ctx_h, "rom_model_set_velocity_jacobian_csr", h, ccsr)
        self._keep()

    def set_sampled_velocity(self, stencil, velocity, jacobian=None, setup=None):
        """Callbacks of hyper-reduction (global row indices, int64 arrays):
        stencil(row) returns the global rows F[row] depends on (itself included);
        velocity(rows, needed, u_needed, t, mu, F_rows) sets F at the sampled `rows` from
        the state at the `needed` rows only; jacobian(rows, needed, u_needed, t, mu, X, Y)
        sets Y (nrows x ncols) = dF/du[rows, needed] X (nneeded x ncols);
        setup(rows, needed) (default: the :meth:`sample_mesh_setup` method) is called once
        per hyper-reduced ROM creation with the read-only arrays every sampled call then
        receives (the same objects: no copy per call)."""
        require("rom_model_set_sampled_velocity", "NonlinearModel.set_sampled_velocity")
        h, nparam = self._h, self.num_parameters
        mesh = self._sample_mesh = _SampleMesh()
        if setup is None:
            setup = self.sample_mesh_setup
        elif not callable(setup):
            raise TypeError(f"setup must be callable, got {type(setup).__name__}")

        def stencil_body(user, row, cap, cols, count):
            result = np.asarray(stencil(int(row)), dtype=np.int64).reshape(-1)
            count[0] = result.shape[0]
            m = min(result.shape[0], int(cap))
            for i in range(m):
                cols[i] = int(result[i])
            return 0

        def setup_body(user, nrows, rows, nneeded, needed):
            return setup(mesh.remember(rows, nrows), mesh.remember(needed, nneeded))

        def velocity_body(user, nrows, rows, nneeded, needed, u_needed, t, mu, F):
            return velocity(mesh.get(rows, nrows), mesh.get(needed, nneeded),
                            c_vector_view(u_needed, nneeded, writeable=False), t,
                            c_vector_view(mu, nparam, writeable=False), c_vector_view(F, nrows))

        cst = self._trampoline("stencil", stencil, "rom_stencil_fn", stencil_body)
        cvel = self._trampoline("sampled_velocity", velocity, "rom_velocity_sampled_fn",
                                velocity_body)
        cjac = ffi.NULL
        if jacobian is not None:
            def jacobian_body(user, nrows, rows, nneeded, needed, u_needed, t, mu, ncols, X, ldx,
                              Y, ldy):
                return jacobian(mesh.get(rows, nrows), mesh.get(needed, nneeded),
                                c_vector_view(u_needed, nneeded, writeable=False), t,
                                c_vector_view(mu, nparam, writeable=False),
                                _block(X, nneeded, ncols, ldx, False),
                                _block(Y, nrows, ncols, ldy, True))
            cjac = self._trampoline("sampled_jacobian", jacobian,
                                    "rom_velocity_jacobian_sampled_fn", jacobian_body)
        csetup = self._trampoline("sample_mesh_setup", setup, "rom_sample_mesh_setup_fn",
                                  setup_body)
        call(self._ctx_h, "rom_model_set_sampled_velocity", h, cst, cvel, cjac)
        call(self._ctx_h, "rom_model_set_sample_mesh_setup", h, csetup)
        self._keep()

    # ---- checked calls into the host ---------------------------------------------------------
    def _mu(self, mu):
        nparam = self.num_parameters
        if mu is None:
            if nparam:
                raise ValueError(f"mu ({nparam} values) is required")
            return None
        return small_vector(mu, nparam, "mu")

    def velocity(self, u, t=0.0, mu=None, out=None):
        """F(u, t; mu) on this rank's rows through romkit's checked call. Collective."""
        require("rom_model_velocity", "NonlinearModel.velocity")
        u = state_vector(u, self.local_rows, "u")
        mu = self._mu(mu)
        F = out_vector(out, self.local_rows, "out")
        self._call("rom_model_velocity", self._h, dptr(u), float(t), dptr(mu), dptr(F))
        return F

    def jacobian_action(self, u, X, t=0.0, mu=None):
        """dF/du(u, t; mu) X for X (local_rows x ncols, float64, Fortran order, or one
        vector); a new Fortran array. Collective."""
        require("rom_model_velocity_jacobian", "NonlinearModel.jacobian_action")
        n = self.local_rows
        u = state_vector(u, n, "u")
        rows, cols, ldx = check_matrix_array(X, "X")
        if rows != n:
            raise ValueError(f"X has {rows} rows, expected {n} (this rank's rows)")
        mu = self._mu(mu)
        Y = np.zeros((n, cols), order="F")
        self._call("rom_model_velocity_jacobian", self._h, dptr(u), float(t), dptr(mu), cols,
                   dptr(X), ldx, dptr(Y), max(n, 1))
        return Y[:, 0] if X.ndim == 1 else Y


def stats_dict(stats):
    """A statistics record (a pointer to a C struct) as a plain dict."""
    return record_dict(stats)


class NonlinearROM(Wrapper):
    """A Galerkin or LSPG ROM of a nonlinear model (rom_nlrom). Collective to create.

    Args:
        model: a NonlinearModel (or a reference problem's .model) with the velocity and
            Jacobian action (without hyper) or the sampled callbacks (with hyper).
        basis: the state basis Phi (N x k), partitioned like the model; may be None with
            hyper (k is then hyper's state dimension).
        reference: u_ref on this rank's rows (float64); None: the basis's reference or 0
            (with hyper: hyper's stored reference rows).
        hyper: a HyperReduction (GNAT), LSPG only.
        projection: "lspg" (default) or "galerkin".
        scheme: "backward_euler" (default) or "bdf2".
        lspg_solver: "normal_equations" (default) or "tsqr".
        max_iterations, tolerance, fail_if_not_converged, divergence_factor: the rest of
            rom_nlrom_options (None: romkit's defaults, 4, 1e-8, False, 1e8).
        growth_factor: the trajectory guard: any projected residual above growth_factor
            times the first step's initial residual stops the run (None: 1e6; 0: off).
        state_bound: the host's bound on max |u_i| at the end of every step (None: none).
            Both raise RomkitError(ROM_ERR_NOT_CONVERGED) naming the step
            (docs/nonlinear.md, "Divergence guards").

    Creation fails with ROM_ERR_STATE if the model lacks a callback the ROM needs (the
    Jacobian action without hyper, the sampled Jacobian with it).

    The ROM keeps the model, basis and hyper-reduction alive.
    """

    _what = "NonlinearROM"

    def __init__(self, model, basis=None, reference=None, hyper=None, projection="lspg",
                 scheme="backward_euler", lspg_solver="normal_equations", max_iterations=None,
                 tolerance=None, fail_if_not_converged=False, divergence_factor=None,
                 growth_factor=None, state_bound=None):
        from .hyper import HyperReduction
        require("rom_nlrom_create", "NonlinearROM")
        if not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
        if basis is not None and not isinstance(basis, Basis):
            raise TypeError(f"basis must be a romkit.Basis or None, got {type(basis).__name__}")
        if hyper is not None and not isinstance(hyper, HyperReduction):
            raise TypeError(f"hyper must be a romkit.HyperReduction or None, got "
                            f"{type(hyper).__name__}")
        if basis is None and hyper is None:
            raise ValueError("give a basis (or a HyperReduction that holds the basis rows)")
        opts = _options(projection, scheme, lspg_solver, max_iterations, tolerance,
                        fail_if_not_converged, divergence_factor, growth_factor, state_bound)
        ref = None
        if reference is not None:
            ref = state_vector(reference, model.local_rows, "reference")
        out = new("rom_nlrom **")
        model._call("rom_nlrom_create", model._h, basis._h if basis is not None else None,
                    dptr(ref), hyper._h if hyper is not None else None, opts,
                    out)
        keep = [model._res, ref] + [x._res for x in (basis, hyper) if x is not None]
        self._adopt(model, out[0], "rom_nlrom_destroy", keep=keep)
        self._model = model
        self._has_basis = basis is not None
        self._local_rows = model.local_rows
        self.projection = projection
        self.last_stats = None

    @property
    def dim(self):
        """k, the reduced dimension."""
        return lib().rom_nlrom_dim(self._h)

    def _mu(self, mu):
        return self._model._mu(mu)

    def run(self, mu, dt, steps, t0=0.0, q0=None, out=None, return_stats=False):
        """`steps` steps of size dt from t0 and q0 (k values; None: 0). Returns the
        reduced trajectory, an array (steps + 1) x k (row n = q at step n; into `out` if
        given: C-contiguous float64 of that shape, written in place); with return_stats
        also a dict of rom_nlrom_stats (also kept as .last_stats). Collective.
        Exceptions raised by the model's Python callbacks propagate from here."""
        k, steps = self.dim, int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        mu = self._mu(mu)
        q0 = None if q0 is None else small_vector(q0, k, "q0")
        traj = _trajectory_out(out, steps + 1, k, "out")
        stats = new("rom_nlrom_stats *")
        self._model._call("rom_nlrom_run", self._h, dptr(mu), float(t0), float(dt), steps,
                          dptr(q0), dptr(traj), stats)
        self.last_stats = stats_dict(stats)
        return (traj, self.last_stats) if return_stats else traj

    def step(self, mu, t, dt, q_old, q_older=None, q_guess=None, step=1):
        """One step from t to t + dt: the new q (k values) from q_old (and q_older for
        BDF2; None: a backward-Euler step), starting Newton from q_guess (default q_old).
        Collective."""
        k = self.dim
        mu = self._mu(mu)
        q_old = small_vector(q_old, k, "q_old")
        q_older = None if q_older is None else small_vector(q_older, k, "q_older")
        q_new = small_vector(q_old if q_guess is None else q_guess, k, "q_guess")
        stats = new("rom_nlrom_stats *")
        self._model._call("rom_nlrom_step", self._h, dptr(mu), float(t), float(dt), int(step),
                          dptr(q_old), dptr(q_older), dptr(q_new), stats)
        self.last_stats = stats_dict(stats)
        return q_new

    def lift(self, q, out=None):
        """u = u_ref + Phi q on this rank's rows (into `out` if given); q may also be a
        trajectory (m x k), giving m x local_rows. Needs the basis. Not collective."""
        if not self._has_basis:
            raise ValueError("this NonlinearROM was created without a basis: it cannot lift")
        k, n = self.dim, self._local_rows
        arr = np.asarray(q, dtype=np.float64)
        if arr.ndim == 2:
            U = _trajectory_out(out, arr.shape[0], n, "out")
            for i in range(arr.shape[0]):
                self.lift(arr[i], U[i])
            return U
        q = small_vector(q, k, "q")
        u = out_vector(out, n, "out")
        call(self._ctx_h, "rom_nlrom_lift", self._h, dptr(q), dptr(u))
        return u

    def __repr__(self):
        if self.closed:
            return "<romkit.NonlinearROM closed>"
        return f"<romkit.NonlinearROM {self.projection}, k = {self.dim}>"


class ManifoldROM(NonlinearROM):
    """The nonlinear-manifold ROMs of Kim, Choi, Widemann, Zohdi (J. Comput. Phys. 451,
    2022; Lee & Carlberg, J. Comput. Phys. 404, 2020), rom_nlrom_create_manifold: the
    state is u = u_ref + g(q), g the stacked decoders of `autoencoders` (one
    romkit.Autoencoder, or one per component as P2's u and v), q the latent state.

    projection "galerkin": NM-Galerkin (Newton on q - q_hist - beta dt J_g^+ F = 0);
    "lspg": NM-LSPG (Gauss-Newton on min ||r(q)||); with `hyper` (a HyperReduction on
    which :meth:`~romkit.HyperReduction.attach_decoder` was called): NM-LSPG-HR, every
    step on the sample mesh through the decoder sub-network.

    reference: u_ref on this rank's rows (None: 0, e.g. when the autoencoder's scaling
    holds the reference; with hyper the steps use hyper's stored reference rows, but
    :meth:`lift` still adds `reference`, so give it there too). The initial latent
    state is the caller's q0 in :meth:`run`: 0 when u_ref is the initial condition and
    g(0) = 0 (P1), or ``ae.encode(u0 - u_ref)`` (P2). The other arguments are
    :class:`NonlinearROM`'s. The autoencoders are copied (sub-networks) by the C
    library; hyper is kept alive by the ROM. Collective to create.
    """

    _what = "ManifoldROM"

    def __init__(self, model, autoencoders, reference=None, hyper=None, projection="lspg",
                 scheme="backward_euler", lspg_solver="normal_equations", max_iterations=None,
                 tolerance=None, fail_if_not_converged=False, divergence_factor=None,
                 growth_factor=None, state_bound=None):
        from .autoencoder import Autoencoder
        from .hyper import HyperReduction
        require("rom_nlrom_create_manifold", "ManifoldROM")
        if not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
        if isinstance(autoencoders, Autoencoder):
            autoencoders = [autoencoders]
        aes = list(autoencoders) if autoencoders is not None else []
        if not all(isinstance(a, Autoencoder) for a in aes):
            raise TypeError("autoencoders must be a romkit.Autoencoder or a list of them")
        if hyper is not None and not isinstance(hyper, HyperReduction):
            raise TypeError(f"hyper must be a romkit.HyperReduction or None, got "
                            f"{type(hyper).__name__}")
        if not aes and hyper is None:
            raise ValueError("give the autoencoders (or a HyperReduction with a decoder attached)")
        opts = _options(projection, scheme, lspg_solver, max_iterations, tolerance,
                        fail_if_not_converged, divergence_factor, growth_factor, state_bound)
        ref = None
        if reference is not None:
            ref = state_vector(reference, model.local_rows, "reference")
        handles = ffi.new("rom_ae *[]", [a._h for a in aes]) if aes else None
        out = new("rom_nlrom **")
        model._call("rom_nlrom_create_manifold", model._h, len(aes), handles, dptr(ref),
                    hyper._h if hyper is not None else None, opts, out)
        keep = [model._res, ref] + ([hyper._res] if hyper is not None else [])
        self._adopt(model, out[0], "rom_nlrom_destroy", keep=keep)
        self._model = model
        self._has_basis = bool(aes)
        self._local_rows = model.local_rows
        self.projection = projection
        self.last_stats = None

    def lift(self, q, out=None):
        """u = u_ref + g(q) on this rank's rows (into `out` if given); q may also be a
        trajectory (m x k), giving m x local_rows. Needs the autoencoders. Not collective."""
        if not self._has_basis:
            raise ValueError("this ManifoldROM was created without autoencoders: it cannot lift")
        return NonlinearROM.lift(self, q, out)

    def __repr__(self):
        if self.closed:
            return "<romkit.ManifoldROM closed>"
        return f"<romkit.ManifoldROM nm-{self.projection}, k = {self.dim}>"


def _options(projection, scheme, lspg_solver, max_iterations, tolerance, fail_if_not_converged,
             divergence_factor, growth_factor, state_bound):
    """rom_nlrom_options from the keyword arguments (None: romkit's default)."""
    opts = pointer_to(lib().rom_nlrom_options_default())
    opts.projection = choice(projection, PROJECTIONS, "projection")
    opts.scheme = choice(scheme, TIME_SCHEMES, "scheme")
    opts.lspg_solver = choice(lspg_solver, LSPG_SOLVERS, "lspg_solver")
    if max_iterations is not None:
        opts.max_iterations = int(max_iterations)
    if tolerance is not None:
        opts.tolerance = float(tolerance)
    opts.fail_if_not_converged = 1 if fail_if_not_converged else 0
    if divergence_factor is not None:
        opts.divergence_factor = float(divergence_factor)
    if growth_factor is not None:
        opts.growth_factor = float(growth_factor)
    if state_bound is not None:
        opts.state_bound = float(state_bound)
    return opts


def _trajectory_out(out, nstates, n, name):
    """A nstates x n C-contiguous float64 array: new, or the caller's `out` (checked, no
    copy: romkit writes state i at out[i])."""
    if out is None:
        return np.zeros((nstates, n))
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != np.float64:
        raise TypeError(f"{name} must have dtype float64, got {out.dtype}")
    if out.shape != (nstates, n):
        raise ValueError(f"{name} has shape {out.shape}, expected ({nstates}, {n})")
    if not out.flags.c_contiguous or not out.flags.aligned:
        raise ValueError(f"{name} must be C-contiguous (state i in row i), got strides "
                         f"{out.strides}: pass np.ascontiguousarray({name})")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only but romkit writes into it")
    return out
