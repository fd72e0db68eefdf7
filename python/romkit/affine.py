"""Host models with callbacks written in Python, and Galerkin ROMs of linear affine
problems (rom_model, rom_affine_rom).

A host FOM describes A(mu) = sum_q theta_q(mu) A_q, f(mu) = sum_q phi_q(mu) f_q and an
optional mass matrix M by callbacks that act on this rank's rows::

    def apply(q, x, y):   y[:] = A_q @ x        # x read-only, y written in place
    def rhs(q, f):        f[:] = f_q
    def theta(mu, out):   out[:] = ...          # coefficients of the operator terms
    def phi(mu, out):     out[:] = ...          # coefficients of the rhs terms
    def mass(x, y):       y[:] = M @ x

x, y, f, mu and out are numpy views of romkit's buffers, valid only during the call
(copy what you keep). Return None (or 0) on success; a non-zero int is a failure.
Outputs (y, f, out) hold NaN when the callback starts: write every value, in place
(``y[:] = ...``; ``y = ...`` only rebinds the name). An output left unwritten, or NaN/Inf
written, is RomkitError(ROM_ERR_CALLBACK) naming the callback and the first bad index. An
exception raised inside a callback never crosses into C: romkit sees a failure
(ROM_ERR_CALLBACK), and when the C call returns the original exception is raised again,
with its own traceback and romkit's message added as a note.
"""

import numpy as np

from ._handles import Wrapper, c_vector_view, dptr, out_vector, small_vector, \
    state_vector
from ._lib import ffi, fspath, lib, new
from .context import resolve
from .errors import RomkitError, call
from .pod import Basis

__all__ = ["Model", "AffineROM"]


def _status(result, name):
    if result is None:
        return 0
    if isinstance(result, (bool, np.bool_)):
        return 0 if result is True or result == np.True_ else 1
    if isinstance(result, (int, np.integer)):
        return 0 if int(result) == 0 else 1
    raise TypeError(f"the {name} callback must write its output in place and return None "
                    f"(or an int status), but it returned a {type(result).__name__}")


class Model(Wrapper):
    """A host full-order model (rom_model) with `local_rows` unknowns on this rank.

    Collective. Set its callbacks with :meth:`set_affine_operator`,
    :meth:`set_affine_rhs` and :meth:`set_mass`; the model keeps the Python functions
    and their C trampolines alive.
    """

    _what = "Model"

    def __init__(self, local_rows, num_parameters, ctx=None):
        ctx = resolve(ctx)
        out = new("rom_model **")
        call(ctx._h, "rom_model_create", ctx._h, int(local_rows), int(num_parameters), None,
             out)
        self._adopt(ctx, out[0], "rom_model_destroy")
        self._init()

    def _init(self):
        self._callbacks = {}   # name -> (python function, cffi trampoline)
        self._pending = []     # exceptions raised inside callbacks during the current C call

    @classmethod
    def _borrowed(cls, owner, handle):
        """A view of a C-owned model (e.g. a reference problem's), owned by `owner`."""
        m = cls.__new__(cls)
        m._adopt(owner, handle, None)
        m._init()
        return m

    # ---- sizes ---------------------------------------------------------------------------
    @property
    def local_rows(self):
        return lib().rom_model_local_rows(self._h)

    @property
    def num_parameters(self):
        return lib().rom_model_num_parameters(self._h)

    @property
    def operator_terms(self):
        return lib().rom_model_operator_terms(self._h)

    @property
    def rhs_terms(self):
        return lib().rom_model_rhs_terms(self._h)

    # ---- callbacks -------------------------------------------------------------------------
    def _trampoline(self, name, fn, ctype, body):
        """A C callback of type `ctype` (a function-pointer typedef of the headers, e.g.
        "rom_apply_fn") running body(*args) for the Python function `fn`."""
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")

        def tramp(*args):
            try:
                return _status(body(*args), name)
            except BaseException as e:  # never let an exception unwind through C frames
                self._pending.append(e)
                return 1

        c = ffi.callback(ctype, tramp)
        self._callbacks[name] = (fn, c)
        return c

    def set_affine_operator(self, nterms, apply, theta=None):
        """A(mu) = sum_q theta_q(mu) A_q: apply(q, x, y) sets y = A_q x; theta(mu, out)
        sets out[q] = theta_q(mu) (optional)."""
        n, h = self.local_rows, self._h
        nparam, nterms = self.num_parameters, int(nterms)

        def apply_body(user, q, x, y):
            return apply(q, c_vector_view(x, n, writeable=False), c_vector_view(y, n))

        capply = self._trampoline("apply", apply, "rom_apply_term_fn", apply_body)
        ctheta = ffi.NULL
        if theta is not None:
            def theta_body(user, mu, out):
                return theta(c_vector_view(mu, nparam, writeable=False),
                             c_vector_view(out, nterms))
            ctheta = self._trampoline("theta", theta, "rom_coefficients_fn", theta_body)
        call(self._ctx_h, "rom_model_set_affine_operator", h, nterms, capply, ctheta)
        self._keep()

    def set_affine_rhs(self, nterms, rhs, phi=None):
        """f(mu) = sum_q phi_q(mu) f_q: rhs(q, f) sets f = f_q; phi(mu, out) sets
        out[q] = phi_q(mu) (optional)."""
        n, h = self.local_rows, self._h
        nparam, nterms = self.num_parameters, int(nterms)

        def rhs_body(user, q, f):
            return rhs(q, c_vector_view(f, n))

        crhs = self._trampoline("rhs", rhs, "rom_vector_term_fn", rhs_body)
        cphi = ffi.NULL
        if phi is not None:
            def phi_body(user, mu, out):
                return phi(c_vector_view(mu, nparam, writeable=False),
                           c_vector_view(out, nterms))
            cphi = self._trampoline("phi", phi, "rom_coefficients_fn", phi_body)
        call(self._ctx_h, "rom_model_set_affine_rhs", h, nterms, crhs, cphi)
        self._keep()

    def set_mass(self, mass):
        """Mass matrix for transient problems: mass(x, y) sets y = M x (default: identity)."""
        n, h = self.local_rows, self._h

        def mass_body(user, x, y):
            return mass(c_vector_view(x, n, writeable=False), c_vector_view(y, n))

        cmass = self._trampoline("mass", mass, "rom_apply_fn", mass_body)
        call(self._ctx_h, "rom_model_set_mass", h, cmass)
        self._keep()

    def _keep(self):
        # The resource (destroyed last) holds the trampolines: C may call them as long as
        # the rom_model exists.
        self._res.keep = tuple(c for _, c in self._callbacks.values())

    def _call(self, name, *args):
        """Calls C function `name`, which may run this model's callbacks; re-raises the
        first exception a callback raised, after the C call has returned."""
        self._pending.clear()
        try:
            call(self._ctx_h, name, *args)
        except RomkitError as err:
            if self._pending:
                exc = self._pending[0]
                self._pending.clear()
                if hasattr(exc, "add_note"):
                    exc.add_note(f"(raised in a romkit host callback; romkit reported: {err})")
                raise exc from None
            if "unwritten" in str(err) and hasattr(err, "add_note"):
                # romkit filled the output with NaN and the callback left it: the usual
                # Python slip is rebinding the argument (F = f(u)) instead of writing it.
                err.add_note("a Python callback must write into the array it is given, "
                             "e.g. F[:] = f(u) or np.copyto(F, f(u)); `F = f(u)` only "
                             "rebinds the local name and leaves romkit's buffer unwritten")
            raise
        if self._pending:  # a failure romkit did not report must not be lost either
            exc = self._pending[0]
            self._pending.clear()
            raise exc

    # ---- checked calls into the host (handy for testing callbacks) ---------------------------
    def apply_operator_term(self, q, x, out=None):
        """y = A_q x through romkit's checked call. Collective."""
        x = state_vector(x, self.local_rows, "x")
        y = out_vector(out, self.local_rows, "out")
        self._call("rom_model_apply_operator_term", self._h, int(q), dptr(x), dptr(y))
        return y

    def rhs_term(self, q, out=None):
        """f_q through romkit's checked call. Collective."""
        f = out_vector(out, self.local_rows, "out")
        self._call("rom_model_rhs_term", self._h, int(q), dptr(f))
        return f

    def apply_mass(self, x, out=None):
        """y = M x (identity without a mass callback). Collective."""
        x = state_vector(x, self.local_rows, "x")
        y = out_vector(out, self.local_rows, "out")
        self._call("rom_model_apply_mass", self._h, dptr(x), dptr(y))
        return y

    def coefficients(self, mu):
        """(theta(mu), phi(mu)) from the model's coefficient callbacks."""
        mu = small_vector(mu, self.num_parameters, "mu")
        theta = np.zeros(self.operator_terms)
        phi = np.zeros(self.rhs_terms)
        self._call("rom_model_operator_coefficients", self._h, dptr(mu), dptr(theta))
        self._call("rom_model_rhs_coefficients", self._h, dptr(mu), dptr(phi))
        return theta, phi

    def __repr__(self):
        if self.closed:
            return "<romkit.Model closed>"
        return (f"<romkit.Model {self.local_rows} local rows, {self.num_parameters} parameters, "
                f"{self.operator_terms} operator + {self.rhs_terms} rhs terms>")


class AffineROM(Wrapper):
    """The Galerkin reduced model of a linear affine problem (k x k matrices only).

    Build it from a model and a basis (offline, collective), or read it from a file;
    solve and transient are online and not collective.
    """

    _what = "AffineROM"

    @classmethod
    def _from_handle(cls, parent, handle):
        return cls.__new__(cls)._adopt(parent, handle, "rom_affine_rom_destroy")

    @classmethod
    def build(cls, model, basis):
        """Projects the model's affine terms onto the basis. Collective. Exceptions raised
        by the model's Python callbacks propagate from here."""
        if not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.Model, got {type(model).__name__}")
        if not isinstance(basis, Basis):
            raise TypeError(f"basis must be a romkit.Basis, got {type(basis).__name__}")
        out = new("rom_affine_rom **")
        model._call("rom_affine_rom_build", model._h, basis._h, out)
        return cls._from_handle(model, out[0])

    @classmethod
    def read(cls, path, ctx=None):
        """Reads an affine ROM file. Collective."""
        ctx = resolve(ctx)
        out = new("rom_affine_rom **")
        call(ctx._h, "rom_affine_rom_read", ctx._h, fspath(path), out)
        return cls._from_handle(ctx, out[0])

    def write(self, path, overwrite=False):
        """Writes the ROM file (kind "affine_rom"). Collective."""
        call(self._ctx_h, "rom_affine_rom_write", self._h, fspath(path),
             1 if overwrite else 0)

    @property
    def dim(self):
        """k."""
        return lib().rom_affine_rom_dim(self._h)

    @property
    def operator_terms(self):
        return lib().rom_affine_rom_operator_terms(self._h)

    @property
    def rhs_terms(self):
        return lib().rom_affine_rom_rhs_terms(self._h)

    def solve(self, theta, phi):
        """Steady reduced solve: q (k values) for operator coefficients theta and rhs
        coefficients phi. Not collective."""
        theta = small_vector(theta, self.operator_terms, "theta")
        phi = small_vector(phi, self.rhs_terms, "phi")
        q = np.zeros(self.dim)
        call(self._ctx_h, "rom_affine_rom_solve", self._h, dptr(theta), dptr(phi), dptr(q))
        return q

    def transient(self, theta, phi, dt, steps, q0=None):
        """Implicit Euler from q0 (default 0): an array (steps + 1) x k, row n = state n.
        Not collective."""
        theta = small_vector(theta, self.operator_terms, "theta")
        phi = small_vector(phi, self.rhs_terms, "phi")
        k, steps = self.dim, int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        q0 = None if q0 is None else small_vector(q0, k, "q0")
        traj = np.zeros((steps + 1, k))
        call(self._ctx_h, "rom_affine_rom_transient", self._h, dptr(theta), dptr(phi),
             float(dt), steps, dptr(q0), dptr(traj))
        return traj

    # ---- a-posteriori error bounds (docs/many-query.md) ----

    def build_estimator(self, model, basis, theta_bar=None, scm_train=None, scm_eps=None,
                        scm_m_alpha=None, scm_m_plus=None, scm_max_points=None):
        """The error estimator for the ROM built from `basis` (residual Riesz representers
        through the model's affine solver, X = A(theta_bar), default all ones). Coercivity:
        min-theta (the default), or with `scm_train` (ntrain x Qa coefficient vectors) the
        successive constraint method with its options (None: the C defaults, eps 0.75;
        docs/many-query.md). Collective."""
        opts = new("rom_estimator_options *")
        opts[0] = lib().rom_estimator_options_default()
        tb = train = None
        if theta_bar is not None:
            tb = small_vector(theta_bar, self.operator_terms, "theta_bar")
            opts.theta_bar = dptr(tb)
        if scm_train is not None:
            train = np.array(scm_train, dtype=np.float64, copy=True)
            if train.ndim != 2 or train.shape[1] != self.operator_terms:
                raise ValueError(f"scm_train must be ntrain x {self.operator_terms} (one "
                                 f"coefficient vector theta per row), got shape {train.shape}")
            train = np.ascontiguousarray(train)
            opts.coercivity = lib().ROM_COERCIVITY_SCM
            opts.scm_train = dptr(train)
            opts.scm_ntrain = train.shape[0]
            for name, value in (("scm_eps", scm_eps), ("scm_m_alpha", scm_m_alpha),
                                ("scm_m_plus", scm_m_plus), ("scm_max_points", scm_max_points)):
                if value is not None:
                    setattr(opts, name, value)
        call(self._ctx_h, "rom_affine_rom_build_estimator", self._h, model._h, basis._h, opts)

    def coercivity_lower_bound(self, theta):
        """alpha_LB(theta) of the ROM's estimator (min-theta, callback or SCM). Not
        collective."""
        theta = small_vector(theta, self.operator_terms, "theta")
        out = new("double *")
        call(self._ctx_h, "rom_affine_rom_coercivity_lower_bound", self._h, dptr(theta), out)
        return float(out[0])

    @property
    def has_estimator(self):
        return bool(lib().rom_affine_rom_has_estimator(self._h))

    def error_bound(self, theta, phi, q):
        """A dict with x_bound (||u - u_r||_X <= x_bound), energy_bound, residual_norm,
        residual_norm_naive (the Gram form, for comparison) and alpha_lb. Not collective."""
        theta = small_vector(theta, self.operator_terms, "theta")
        phi = small_vector(phi, self.rhs_terms, "phi")
        q = small_vector(q, self.dim, "q")
        info = new("rom_error_bound_info *")
        call(self._ctx_h, "rom_affine_rom_error_bound_info", self._h, dptr(theta), dptr(phi),
             dptr(q), info)
        return {name: float(getattr(info, name)) for name in
                ("x_bound", "energy_bound", "residual_norm", "residual_norm_naive", "alpha_lb")}

    def transient_bound(self, theta, phi, dt, trajectory, e0=0.0):
        """Bounds of ||e^n||_M for an implicit-Euler trajectory ((steps + 1) x k, from
        transient()): an array of steps + 1 values. Not collective."""
        theta = small_vector(theta, self.operator_terms, "theta")
        phi = small_vector(phi, self.rhs_terms, "phi")
        traj = np.ascontiguousarray(trajectory, dtype=float)
        if traj.ndim != 2 or traj.shape[1] != self.dim:
            raise ValueError(f"trajectory must be (steps + 1) x {self.dim}, got {traj.shape}")
        out = np.zeros(traj.shape[0])
        call(self._ctx_h, "rom_affine_rom_transient_bound", self._h, dptr(theta), dptr(phi),
             float(dt), traj.shape[0] - 1, dptr(traj), float(e0), dptr(out))
        return out

    def __repr__(self):
        if self.closed:
            return "<romkit.AffineROM closed>"
        return (f"<romkit.AffineROM k = {self.dim}, {self.operator_terms} operator + "
                f"{self.rhs_terms} rhs terms>")
