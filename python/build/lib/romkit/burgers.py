"""The Burgers reference FOMs in C (docs/problems.md) and the paper's error metric.

:class:`Burgers1D` is P1, 1D inviscid Burgers on [0, 2] (periodic, N = 1000, 500 steps to
T = 0.5); :class:`Burgers2D` is P2, 2D viscous Burgers on the unit square (u block, then
v block). Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), sec. 5. The parameter
mu = {a} enters the initial condition only. ``.model`` is the host-model view (velocity,
Jacobian action, CSR Jacobian, stencils, sampled rows) for :func:`romkit.fom.integrate`,
:class:`romkit.NonlinearROM` and :class:`romkit.HyperReduction`.

:func:`error_metric` is the metric of the paper's tables (avg and max relative error in
percent over the stored states).
"""
import numpy as np

from ._handles import Wrapper, dptr, out_vector
from ._lib import lib, new, pointer_to, require
from .context import resolve
from .errors import call
from .fom import integrate
from .nonlinear import NonlinearModel

__all__ = ["Burgers1D", "Burgers2D", "error_metric"]


def _states(x, n, name):
    """A stored trajectory: float64, C-contiguous, nstates x n (or n values for one state)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of float64 (states x local rows), got "
                        f"{type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"{name} must have dtype float64, got {x.dtype}")
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != n:
        raise ValueError(f"{name} must have shape (states, {n}) (this rank's rows), got {x.shape}")
    if not x.flags.c_contiguous or not x.flags.aligned:
        raise ValueError(f"{name} must be C-contiguous (state i in row i): pass "
                         f"np.ascontiguousarray({name})")
    return x


def _pair(fom, rom, n):
    fom = _states(fom, n, "fom")
    rom = _states(rom, n, "rom")
    if fom.shape != rom.shape:
        raise ValueError(f"fom and rom have shapes {fom.shape} and {rom.shape}; they must match")
    return fom, rom


def error_metric(fom, rom, include_periodic_copy=False, ctx=None):
    """(avg %, max %) of e_n = fom_n - rom_n over the states (rows of the nstates x
    local_rows arrays): avg = 100 sqrt(sum ||e_n||^2 / sum ||fom_n||^2), max = 100
    max_n ||e_n|| / ||fom_n||. include_periodic_copy counts global row 0 twice (P1).
    Collective (rom_burgers_error_metric)."""
    require("rom_burgers_error_metric", "error_metric")
    ctx = resolve(ctx)
    if not isinstance(fom, np.ndarray) or fom.ndim not in (1, 2):
        raise TypeError("fom must be a float64 numpy array (states x local rows)")
    fom, rom = _pair(fom, rom, fom.shape[-1])
    avg, mx = new("double *"), new("double *")
    call(ctx._h, "rom_burgers_error_metric", ctx._h, fom.shape[0], fom.shape[1],
         dptr(fom) if fom.size else None, dptr(rom) if rom.size else None,
         1 if include_periodic_copy else 0, avg, mx)
    return avg[0], mx[0]


class _Burgers(Wrapper):
    """What P1 and P2 share."""

    _prefix = None  # "rom_burgers1d" / "rom_burgers2d"

    def _fn(self, name):
        return getattr(lib(), f"{self._prefix}_{name}")

    @property
    def global_rows(self):
        return self._fn("global_rows")(self._h)

    @property
    def local_rows(self):
        return self._fn("local_rows")(self._h)

    @property
    def row_offset(self):
        """Global index of this rank's first row."""
        return self._fn("row_offset")(self._h)

    @property
    def dt(self):
        """The time step T / steps."""
        return self._fn("time_step")(self._h)

    @property
    def steps(self):
        return self._fn("steps")(self._h)

    @property
    def model(self):
        """The host-model view of the FOM (owned by it; 1 parameter, a)."""
        return NonlinearModel._borrowed(self, self._fn("model")(self._h))

    def initial(self, a, out=None):
        """u0(x; a) on this rank's rows (into `out` if given). Not collective."""
        u = out_vector(out, self.local_rows, "out")
        call(self._ctx_h, f"{self._prefix}_initial", self._h, float(a), dptr(u))
        return u

    def solve(self, a, return_stats=False, **options):
        """The FOM trajectory at parameter a from u0(a): (steps + 1) x local_rows, by
        :func:`romkit.fom.integrate` (options: scheme, solver, tolerance, ...). Collective."""
        return integrate(self.model, self.initial(a), self.dt, self.steps, mu=[a],
                         return_stats=return_stats, **options)


class Burgers1D(_Burgers):
    """P1, the 1D inviscid Burgers FOM (rom_burgers1d). Collective.

    Args:
        unknowns: N (default 1000); length: the domain [0, length] (default 2);
        final_time: T (default 0.5); steps: time steps (default 500). None: C defaults.
        ctx: the context; local_rows: this rank's rows (None: even partition).
    """

    _what = "Burgers1D"
    _prefix = "rom_burgers1d"

    def __init__(self, unknowns=None, length=None, final_time=None, steps=None, ctx=None,
                 local_rows=None):
        require("rom_burgers1d_create", "Burgers1D")
        ctx = resolve(ctx)
        opts = pointer_to(lib().rom_burgers1d_options_default())
        if unknowns is not None:
            opts.unknowns = int(unknowns)
        if length is not None:
            opts.length = float(length)
        if final_time is not None:
            opts.final_time = float(final_time)
        if steps is not None:
            opts.steps = int(steps)
        out = new("rom_burgers1d **")
        rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        call(ctx._h, "rom_burgers1d_create", ctx._h, opts, rows, out)
        self._adopt(ctx, out[0], "rom_burgers1d_destroy")

    def error_metric(self, fom, rom):
        """(avg %, max %) of the paper's P1 table: the norms include the periodic copy of
        node 0. fom, rom: (states x local_rows). Collective."""
        return error_metric(fom, rom, include_periodic_copy=True, ctx=self.ctx)

    def __repr__(self):
        if self.closed:
            return "<romkit.Burgers1D closed>"
        return f"<romkit.Burgers1D N = {self.global_rows}, {self.steps} steps of {self.dt:g}>"


class Burgers2D(_Burgers):
    """P2, the 2D viscous Burgers FOM (rom_burgers2d); 2 n^2 unknowns, the u block then the
    v block. Collective.

    Args:
        grid_points: per direction, boundary included (default 60); reynolds: Re (default
        1e4); final_time: T (default 2); steps (default 1500). None: C defaults.
        ctx: the context; local_rows: this rank's rows (None: even partition).
    """

    _what = "Burgers2D"
    _prefix = "rom_burgers2d"

    def __init__(self, grid_points=None, reynolds=None, final_time=None, steps=None, ctx=None,
                 local_rows=None):
        require("rom_burgers2d_create", "Burgers2D")
        ctx = resolve(ctx)
        opts = pointer_to(lib().rom_burgers2d_options_default())
        if grid_points is not None:
            opts.grid_points = int(grid_points)
        if reynolds is not None:
            opts.reynolds = float(reynolds)
        if final_time is not None:
            opts.final_time = float(final_time)
        if steps is not None:
            opts.steps = int(steps)
        out = new("rom_burgers2d **")
        rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        call(ctx._h, "rom_burgers2d_create", ctx._h, opts, rows, out)
        self._adopt(ctx, out[0], "rom_burgers2d_destroy")

    @property
    def component_rows(self):
        """n^2: u is global rows 0..n^2-1, v the next n^2."""
        return lib().rom_burgers2d_component_rows(self._h)

    def error_metric(self, fom, rom, component=0):
        """(avg %, max %) over the rows of one component (0: u, 1: v) of full trajectories
        (states x local_rows). Collective."""
        if component not in (0, 1):
            raise ValueError(f"component must be 0 (u) or 1 (v), got {component!r}")
        fom, rom = _pair(fom, rom, self.local_rows)
        avg, mx = new("double *"), new("double *")
        call(self._ctx_h, "rom_burgers2d_error_metric", self._h, fom.shape[0],
             dptr(fom) if fom.size else None, dptr(rom) if rom.size else None, int(component),
             avg, mx)
        return avg[0], mx[0]

    def __repr__(self):
        if self.closed:
            return "<romkit.Burgers2D closed>"
        return f"<romkit.Burgers2D N = {self.global_rows}, {self.steps} steps of {self.dt:g}>"
