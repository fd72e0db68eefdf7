"""The problem registry (romkit/problem.h; docs/problems.md, "The problem interface").

Every reference problem — P1, P2 (Kim, Choi, Widemann, Zohdi 2022), P3 (heat conduction)
and any problem a C program registered with ``rom_problem_register`` — is reached by name
through one interface, so code that holds a :class:`Problem` never branches on which one:

    import romkit
    romkit.problem_names()                  # ['P1', 'P2', 'P3']
    p = romkit.Problem("P2", resolution=20, steps=60)
    u0 = p.initial([1.0])                   # this rank's rows
    traj = romkit.fom.integrate(p.model, u0, p.dt, p.steps, mu=[1.0])
    p.error(traj, traj_rom, component=0)    # (avg %, max %) of the published tables
    p.recipe()["train"]                     # the paper's training parameters

Names and aliases ("heat" for P3) are matched case-insensitively.
"""
import ctypes

import numpy as np

from ._handles import Wrapper, dptr, out_vector, small_vector
from ._lib import ROM_AUTO_ROWS, P_int, lib, require, rom_int
from .burgers import _pair
from .affine import Model
from .context import resolve
from .errors import call
from .nonlinear import NonlinearModel

__all__ = ["Problem", "problem_names", "find_problem", "problem_summary", "recipe_for_rows"]

_MAX_PARAMETERS = 64  # ROM_PROBLEM_MAX_PARAMETERS
_MAX_TRAIN = 64       # ROM_PROBLEM_MAX_TRAIN


class ProblemOptions(ctypes.Structure):
    """Mirror of rom_problem_options (include/romkit/problem.h)."""
    _fields_ = [("local_rows", rom_int), ("resolution", rom_int), ("steps", rom_int)]


class ProblemRecipe(ctypes.Structure):
    """Mirror of rom_problem_recipe (include/romkit/problem.h)."""
    _fields_ = [("train", ctypes.c_double * (_MAX_TRAIN * _MAX_PARAMETERS)),
                ("ntrain", ctypes.c_int), ("test", ctypes.c_double * _MAX_PARAMETERS),
                ("dim", rom_int), ("hr_basis", rom_int), ("hr_basis_manifold", rom_int),
                ("hr_samples", rom_int), ("tolerance", ctypes.c_double),
                ("tolerance_manifold", ctypes.c_double), ("max_iterations", ctypes.c_int),
                ("ae_activation", ctypes.c_char * 32), ("ae_mask", ctypes.c_char * 96),
                ("ae_hidden", rom_int), ("ae_decoder_bias", ctypes.c_int),
                ("ae_minmax_scaling", ctypes.c_int), ("ae_batch", rom_int),
                ("ae_epochs", rom_int), ("hr_newton_snapshots", ctypes.c_int),
                ("resolution_is_grid", ctypes.c_int)]


def _recipe_dict(r, p):
    """The recipe as a dict; `p` parameters per training point (the problem's count)."""
    n = r.ntrain
    return {"train": np.array(r.train[:n * p], dtype=np.float64).reshape(n, p),
            "test": np.array(r.test[:p], dtype=np.float64), "dim": r.dim,
            "hr_basis": r.hr_basis, "hr_basis_manifold": r.hr_basis_manifold,
            "hr_samples": r.hr_samples, "tolerance": r.tolerance,
            "tolerance_manifold": r.tolerance_manifold, "max_iterations": r.max_iterations,
            "ae_activation": r.ae_activation.decode(), "ae_mask": r.ae_mask.decode(),
            "ae_hidden": r.ae_hidden, "ae_decoder_bias": bool(r.ae_decoder_bias),
            "ae_minmax_scaling": bool(r.ae_minmax_scaling), "ae_batch": r.ae_batch,
            "ae_epochs": r.ae_epochs, "hr_newton_snapshots": bool(r.hr_newton_snapshots),
            "resolution_is_grid": bool(r.resolution_is_grid)}


def problem_names():
    """The registered problems' names, in registration order (the library's first)."""
    require("rom_problem_count", "problem_names")
    f = lib()
    return [f.rom_problem_name(i).decode() for i in range(f.rom_problem_count())]


def find_problem(name):
    """The registered name for `name` (a name or alias, any case), or None."""
    require("rom_problem_find", "find_problem")
    ops = lib().rom_problem_find(str(name).encode())
    if not ops:
        return None
    return ctypes.cast(ops, ctypes.POINTER(ctypes.c_char_p))[0].decode()  # ops->name


def problem_summary(name):
    """The one-line summary the help texts show for problem `name`."""
    require("rom_problem_find", "problem_summary")
    ops = lib().rom_problem_find(str(name).encode())
    if not ops:
        raise ValueError(f"unknown problem {name!r} (known: {', '.join(problem_names())})")
    return ctypes.cast(ops, ctypes.POINTER(ctypes.c_char_p))[1].decode()  # ops->summary


def recipe_for_rows(name, component_rows, ctx=None):
    """The recipe of problem `name` at the resolution whose components have
    `component_rows` rows (e.g. P2 with 25: the 5 x 5 interior grid). Collective."""
    require("rom_problem_recipe_for_rows", "recipe_for_rows")
    ctx = resolve(ctx)
    r = ProblemRecipe()
    call(ctx._h, "rom_problem_recipe_for_rows", ctx._h, str(name).encode(), int(component_rows),
         ctypes.addressof(r))
    with Problem(name, ctx=ctx) as p:  # only for the parameter count
        return _recipe_dict(r, p.num_parameters)


class Problem(Wrapper):
    """A registered problem's FOM (rom_problem_create). Collective.

    Args:
        name: a registered name or alias, any case (see :func:`problem_names`).
        resolution: the problem's resolution (P1: unknowns, P2: grid points per direction,
            P3: interior nodes per direction); None: its default.
        steps: time steps over the same final time; None: the default.
        ctx: the context; local_rows: this rank's rows (None: even partition).
    """

    _what = "Problem"

    def __init__(self, name, resolution=None, steps=None, ctx=None, local_rows=None):
        require("rom_problem_create", "Problem")
        ctx = resolve(ctx)
        opts = ProblemOptions(ROM_AUTO_ROWS if local_rows is None else int(local_rows),
                              0 if resolution is None else int(resolution),
                              0 if steps is None else int(steps))
        out = ctypes.c_void_p()
        call(ctx._h, "rom_problem_create", ctx._h, str(name).encode(), ctypes.addressof(opts),
             ctypes.byref(out))
        self._adopt(ctx, out.value, "rom_problem_destroy")

    # ---- layout ----------------------------------------------------------------------------
    @property
    def name(self):
        """The registered name (an alias given to the constructor resolves to it)."""
        return lib().rom_problem_name_of(self._h).decode()

    @property
    def global_rows(self):
        return lib().rom_problem_global_rows(self._h)

    @property
    def local_rows(self):
        return lib().rom_problem_local_rows(self._h)

    @property
    def row_offset(self):
        """Global index of this rank's first row."""
        return lib().rom_problem_row_offset(self._h)

    @property
    def num_components(self):
        """Separately reduced row blocks (P2: u and v)."""
        return lib().rom_problem_num_components(self._h)

    @property
    def component_rows(self):
        return lib().rom_problem_component_rows(self._h)

    def component_local(self, component):
        """(count, first): this rank's rows of the component and the local index of the
        first."""
        count, first = rom_int(), rom_int()
        lib().rom_problem_component_local(self._h, int(component), ctypes.byref(count),
                                          ctypes.byref(first))
        return count.value, first.value

    # ---- parameters and time grid ----------------------------------------------------------
    @property
    def num_parameters(self):
        return lib().rom_problem_num_parameters(self._h)

    @property
    def parameter_range(self):
        """(lower, upper, log_scale): arrays of num_parameters entries; log_scale[i] is True
        where the problem samples parameter i log-uniformly."""
        p = self.num_parameters
        lo, hi = np.zeros(p), np.zeros(p)
        lg = (ctypes.c_int * max(p, 1))()
        lib().rom_problem_parameter_range(self._h, dptr(lo), dptr(hi), lg)
        return lo, hi, np.array([bool(lg[i]) for i in range(p)])

    @property
    def steps(self):
        """Time steps (0: steady)."""
        return lib().rom_problem_steps(self._h)

    @property
    def dt(self):
        """The time step (0 for a steady problem)."""
        return lib().rom_problem_time_step(self._h)

    @property
    def cache_prefix(self):
        """The settings-dependent prefix of cached files, e.g. 'P2_g20_s60'."""
        return lib().rom_problem_cache_prefix(self._h).decode()

    @property
    def model(self):
        """The host-model view (owned by the problem): an affine :class:`romkit.Model` when
        it has operator terms (P3), else a :class:`romkit.NonlinearModel` (P1, P2)."""
        h = lib().rom_problem_model(self._h)
        cls = Model if lib().rom_model_operator_terms(h) > 0 else NonlinearModel
        return cls._borrowed(self, h)

    # ---- states and errors -----------------------------------------------------------------
    def initial(self, mu, out=None):
        """The initial state at parameters mu, on this rank's rows. Not collective."""
        mu = small_vector(mu, self.num_parameters, "mu")
        u = out_vector(out, self.local_rows, "out")
        call(self._ctx_h, "rom_problem_initial", self._h, dptr(mu),
             dptr(u) if u.size else None)
        return u

    def error(self, fom, rom, component=0):
        """(avg %, max %) of the problem's published tables over the stored states of one
        component; fom, rom: (states x local_rows) float64, C order. Collective."""
        fom, rom = _pair(fom, rom, self.local_rows)  # checked, never copied
        avg, mx = ctypes.c_double(), ctypes.c_double()
        call(self._ctx_h, "rom_problem_error", self._h, fom.shape[0],
             dptr(fom) if fom.size else None, dptr(rom) if rom.size else None, int(component),
             ctypes.byref(avg), ctypes.byref(mx))
        return avg.value, mx.value

    def recipe(self):
        """The problem's default ROM settings as a dict (train: ntrain x p array, test, dim,
        hr_basis, hr_samples, tolerances, and the autoencoder's ae_* fields)."""
        r = ProblemRecipe()
        call(self._ctx_h, "rom_problem_recipe_of", self._h, ctypes.addressof(r))
        return _recipe_dict(r, self.num_parameters)

    def component_symmetry(self, source, target):
        """perm (component_rows int64): row i of component `target` equals row perm[i] of
        component `source` under the problem's symmetry (P2: the diagonal mirror). Raises
        RomkitError (ROM_ERR_UNSUPPORTED) for a problem without one."""
        perm = np.zeros(self.component_rows, dtype=np.int64)
        call(self._ctx_h, "rom_problem_component_symmetry", self._h, int(source), int(target),
             perm.ctypes.data_as(P_int))
        return perm

    def __repr__(self):
        if self.closed:
            return "<romkit.Problem closed>"
        return (f"<romkit.Problem {self.name}: N = {self.global_rows}, "
                f"{self.num_components} component(s), {self.num_parameters} parameter(s), "
                f"{self.steps} steps>")
