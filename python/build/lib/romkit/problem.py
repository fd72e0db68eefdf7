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
import numpy as np

from ._handles import Wrapper, dptr, iptr, out_vector, small_vector
from ._lib import ffi, lib, new, pointer_to, record_dict, require
from .burgers import _pair
from .affine import Model
from .context import resolve
from .errors import call
from .nonlinear import NonlinearModel

__all__ = ["Problem", "problem_names", "find_problem", "problem_summary", "recipe_for_rows"]


def _recipe_dict(r, p):
    """The recipe (a rom_problem_recipe *, the header's record) as a dict; `p` parameters
    per training point (the problem's count)."""
    d = record_dict(r)
    n = d["ntrain"]
    d["train"] = np.frombuffer(ffi.buffer(r.train), dtype=np.float64)[:n * p].reshape(n, p).copy()
    d["test"] = np.frombuffer(ffi.buffer(r.test), dtype=np.float64)[:p].copy()
    for key in ("ae_activation", "ae_mask"):
        d[key] = ffi.string(getattr(r, key)).decode()
    for key, value in d.items():
        if key.startswith(("ae_decoder_bias", "ae_minmax_scaling", "hr_newton", "resolution_is")):
            d[key] = bool(value)
    return d


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
    return ffi.string(ops.name).decode()


def problem_summary(name):
    """The one-line summary the help texts show for problem `name`."""
    require("rom_problem_find", "problem_summary")
    ops = lib().rom_problem_find(str(name).encode())
    if not ops:
        raise ValueError(f"unknown problem {name!r} (known: {', '.join(problem_names())})")
    return ffi.string(ops.summary).decode()


def recipe_for_rows(name, component_rows, ctx=None):
    """The recipe of problem `name` at the resolution whose components have
    `component_rows` rows (e.g. P2 with 25: the 5 x 5 interior grid). Collective."""
    require("rom_problem_recipe_for_rows", "recipe_for_rows")
    ctx = resolve(ctx)
    r = new("rom_problem_recipe *")
    call(ctx._h, "rom_problem_recipe_for_rows", ctx._h, str(name).encode(), int(component_rows),
         r)
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
        opts = pointer_to(lib().rom_problem_options_default())
        opts.local_rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        opts.resolution = 0 if resolution is None else int(resolution)
        opts.steps = 0 if steps is None else int(steps)
        out = new("rom_problem **")
        call(ctx._h, "rom_problem_create", ctx._h, str(name).encode(), opts, out)
        self._adopt(ctx, out[0], "rom_problem_destroy")

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
        count, first = new("rom_int *"), new("rom_int *")
        lib().rom_problem_component_local(self._h, int(component), count, first)
        return count[0], first[0]

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
        lg = new("int[]", max(p, 1))
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
        avg, mx = new("double *"), new("double *")
        call(self._ctx_h, "rom_problem_error", self._h, fom.shape[0],
             dptr(fom) if fom.size else None, dptr(rom) if rom.size else None, int(component),
             avg, mx)
        return avg[0], mx[0]

    def recipe(self):
        """The problem's default ROM settings as a dict (train: ntrain x p array, test, dim,
        hr_basis, hr_samples, tolerances, and the autoencoder's ae_* fields)."""
        r = new("rom_problem_recipe *")
        call(self._ctx_h, "rom_problem_recipe_of", self._h, r)
        return _recipe_dict(r, self.num_parameters)

    def component_symmetry(self, source, target):
        """perm (component_rows int64): row i of component `target` equals row perm[i] of
        component `source` under the problem's symmetry (P2: the diagonal mirror). Raises
        RomkitError (ROM_ERR_UNSUPPORTED) for a problem without one."""
        perm = np.zeros(self.component_rows, dtype=np.int64)
        call(self._ctx_h, "rom_problem_component_symmetry", self._h, int(source), int(target),
             iptr(perm))
        return perm

    def __repr__(self):
        if self.closed:
            return "<romkit.Problem closed>"
        return (f"<romkit.Problem {self.name}: N = {self.global_rows}, "
                f"{self.num_components} component(s), {self.num_parameters} parameter(s), "
                f"{self.steps} steps>")
