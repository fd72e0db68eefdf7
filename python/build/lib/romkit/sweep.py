"""Many-query sweeps (romkit/sweep.h) and ROM outputs (rom_affine_rom_add_output).

Everything is computed in C: the designs (grid, Latin hypercube, Monte Carlo — sample i is
a pure function of the design and i, so any rank count gives the same samples), the ROM
solves, the outputs and the statistics. Python only passes arrays and, optionally, the
coefficient function theta(mu), phi(mu)::

    import romkit
    add_output(rom, basis, "T_average", np.full(basis.local_rows, 1 / N))
    design = romkit.Design.monte_carlo([(0.1, 10)] * 4, samples=10000, seed=42, log=True)
    result = romkit.sweep(rom, design)          # theta_q = mu_q, phi = 1 (the P3 map)
    result.statistics["mean"], result.outputs   # outputs: this rank's samples (a view)
    result.write("sweep.h5")                    # the same file as `romkit sweep`

docs/sweeps.md describes the designs and the file.
"""

import numpy as np

from ._handles import Wrapper, address, c_vector_view, c_view, dptr, iptr, small_vector, \
    state_vector
from ._lib import ffi, fspath, lib, new, out_arg, pointer, require
from .affine import AffineROM, Model
from .context import resolve
from .errors import RomkitError, call
from .pod import Basis

__all__ = ["Design", "SweepResult", "sweep", "add_output", "output_names",
           "evaluate_outputs", "read_sweep", "DESIGNS"]

DESIGNS = ("grid", "lhs", "mc")

def _lib():
    """The loaded library, which must have the sweep stage (romkit/sweep.h)."""
    require("rom_sweep_run", "romkit sweeps")
    return lib()


def _ranges(ranges):
    a = np.array(ranges, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 1:
        raise ValueError(f"ranges must be a sequence of (low, high) pairs, got shape {a.shape}")
    return np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1])


# ---- outputs of an affine ROM -------------------------------------------------------------

def add_output(rom, basis, name, weights):
    """Adds the output s = weights^T u to the ROM: stores Phi^T weights and weights^T u_ref
    (rom_affine_rom_add_output). `weights`: this rank's rows, float64 (not copied).
    Collective."""
    if not isinstance(rom, AffineROM):
        raise TypeError(f"rom must be a romkit.AffineROM, got {type(rom).__name__}")
    if not isinstance(basis, Basis):
        raise TypeError(f"basis must be a romkit.Basis, got {type(basis).__name__}")
    w = state_vector(weights, basis.local_rows, "weights")
    _lib()
    call(rom._ctx_h, "rom_affine_rom_add_output", rom._h, basis._h, str(name).encode(), dptr(w))


def output_names(rom):
    """The ROM's output names, in order."""
    f = _lib()
    return [f.rom_affine_rom_output_name(rom._h, o).decode()
            for o in range(f.rom_affine_rom_num_outputs(rom._h))]


def evaluate_outputs(rom, q):
    """The outputs l_0 + l^r . q for reduced coordinates q (from rom.solve). Not collective."""
    f = _lib()
    q = small_vector(q, rom.dim, "q")
    values = np.zeros(f.rom_affine_rom_num_outputs(rom._h))
    call(rom._ctx_h, "rom_affine_rom_evaluate_outputs", rom._h, dptr(q), dptr(values))
    return values


# ---- designs ----------------------------------------------------------------------------------

class Design(Wrapper):
    """A parameter design (rom_sweep_design). Build one with :meth:`grid`, :meth:`lhs` or
    :meth:`monte_carlo`; every rank must build the same design. Not collective."""

    _what = "Design"

    @classmethod
    def _create(cls, kind, ranges, log, samples, counts, seed, ctx):
        f = _lib()
        ctx = resolve(ctx)
        low, high = _ranges(ranges)
        p = low.shape[0]
        if np.ndim(log) == 0:
            logs = np.full(p, 1 if log else 0, dtype=np.intc)
        else:
            logs = np.array([1 if b else 0 for b in log], dtype=np.intc)
            if logs.shape[0] != p:
                raise ValueError(f"log has {logs.shape[0]} flags for {p} parameters")
        kind_c = out_arg("rom_sweep_design_kind_from_name", 1)
        if f.rom_sweep_design_kind_from_name(kind.encode(), kind_c) != 0:
            raise ValueError(f"design must be one of {', '.join(DESIGNS)}, got {kind!r}")
        counts_c = None
        if counts is not None:
            c = np.array(np.broadcast_to(np.asarray(counts, dtype=np.int64), (p,)))
            counts_c = iptr(c)
        out = new("rom_sweep_design **")
        call(ctx._h, "rom_sweep_design_create", ctx._h, kind_c[0], p, dptr(low), dptr(high),
             pointer("int *", address(logs)), int(samples), counts_c,
             int(seed) & 0xFFFFFFFFFFFFFFFF, out)
        return cls.__new__(cls)._adopt(ctx, out[0], "rom_sweep_design_destroy")

    @classmethod
    def grid(cls, ranges, counts, log=False, ctx=None):
        """Tensor grid: counts[j] points on [low_j, high_j] (ends included; 1 point: the
        midpoint), parameter 0 varying fastest. `counts`: one int for all, or one per
        parameter. `log`: bool or one bool per parameter (log-spaced points)."""
        return cls._create("grid", ranges, log, 0, counts, 0, ctx)

    @classmethod
    def lhs(cls, ranges, samples, seed=42, log=False, ctx=None):
        """Latin hypercube of `samples` points: one per stratum of each parameter."""
        return cls._create("lhs", ranges, log, samples, None, seed, ctx)

    @classmethod
    def monte_carlo(cls, ranges, samples, seed=42, log=False, ctx=None):
        """Independent uniform (log=True: log-uniform) samples."""
        return cls._create("mc", ranges, log, samples, None, seed, ctx)

    @property
    def kind(self):
        """"grid", "lhs" or "mc"."""
        f = _lib()
        return f.rom_sweep_design_kind_name(f.rom_sweep_design_kind_of(self._h)).decode()

    @property
    def samples(self):
        return _lib().rom_sweep_design_samples(self._h)

    @property
    def num_parameters(self):
        return _lib().rom_sweep_design_num_parameters(self._h)

    @property
    def seed(self):
        return _lib().rom_sweep_design_seed(self._h)

    def __len__(self):
        return self.samples

    def sample(self, i):
        """mu of sample i (a new array). Not collective."""
        mu = np.zeros(self.num_parameters)
        call(self._ctx_h, "rom_sweep_design_sample", self._h, int(i), dptr(mu))
        return mu

    def parameters(self, start=0, stop=None):
        """Samples start..stop-1 as a (count x p) array, each computed by C."""
        stop = self.samples if stop is None else min(int(stop), self.samples)
        out = np.zeros((max(stop - start, 0), self.num_parameters))
        for row, i in enumerate(range(start, stop)):
            call(self._ctx_h, "rom_sweep_design_sample", self._h, i, dptr(out[row]))
        return out

    def __repr__(self):
        if self.closed:
            return "<romkit.Design closed>"
        return (f"<romkit.Design {self.kind}, {self.samples} samples, "
                f"{self.num_parameters} parameters, seed {self.seed}>")


# ---- sweeps ------------------------------------------------------------------------------------

class SweepResult(Wrapper):
    """The result of :func:`sweep` (rom_sweep): this rank's samples and outputs as read-only
    views of romkit's memory, and the statistics over all samples (the same on every rank)."""

    _what = "SweepResult"

    @property
    def num_samples(self):
        return _lib().rom_sweep_samples(self._h)

    @property
    def num_parameters(self):
        return _lib().rom_sweep_num_parameters(self._h)

    @property
    def num_outputs(self):
        return _lib().rom_sweep_num_outputs(self._h)

    @property
    def output_names(self):
        f = _lib()
        return [f.rom_sweep_output_name(self._h, o).decode() for o in range(self.num_outputs)]

    @property
    def local_offset(self):
        """Global index of this rank's first sample."""
        return _lib().rom_sweep_local_offset(self._h)

    @property
    def local_samples(self):
        return _lib().rom_sweep_local_samples(self._h)

    def _view(self, address, cols):
        n = self.local_samples
        return c_view(address, (n, cols), (8 * cols, 8), self._res, writeable=False)

    @property
    def parameters(self):
        """This rank's samples: (local_samples x p), row i = sample local_offset + i."""
        return self._view(_lib().rom_sweep_local_parameters(self._h), self.num_parameters)

    @property
    def outputs(self):
        """This rank's outputs: (local_samples x num_outputs)."""
        return self._view(_lib().rom_sweep_local_outputs(self._h), self.num_outputs)

    @property
    def statistics(self):
        """{"mean", "variance" (divisor n - 1), "min", "max"}: arrays over the outputs."""
        no = self.num_outputs
        st = {k: np.zeros(no) for k in ("mean", "variance", "min", "max")}
        call(self._ctx_h, "rom_sweep_statistics", self._h, dptr(st["mean"]),
             dptr(st["variance"]), dptr(st["min"]), dptr(st["max"]))
        return st

    @property
    def seconds(self):
        """Wall-clock seconds of the evaluation (slowest rank)."""
        return _lib().rom_sweep_seconds(self._h)

    def write(self, path, overwrite=False):
        """Writes the sweep file (kind "sweep"), as `romkit sweep -o` does. Collective."""
        call(self._ctx_h, "rom_sweep_write", self._h, fspath(path), 1 if overwrite else 0)

    def __repr__(self):
        if self.closed:
            return "<romkit.SweepResult closed>"
        return (f"<romkit.SweepResult {self.num_samples} samples, outputs "
                f"{', '.join(self.output_names)}; {self.local_samples} on this rank>")


def sweep(rom, design, coefficients=None):
    """Evaluates the ROM at every sample of the design, distributed over the ranks of the
    ROM's context (rom_sweep_run). Collective.

    coefficients:
        None: theta_q = mu_q (one parameter per operator term) and phi_q = 1 — the P3 map,
            what `romkit sweep --problem heat` uses;
        a romkit.Model: its coefficient callbacks (rom_sweep_model_coefficients);
        a callable f(mu, theta, phi) writing theta and phi in place (numpy views valid
            during the call). An exception raised in it stops the sweep and is raised
            here after the C call returns.
    Returns a SweepResult. Raises RomkitError (e.g. ROM_ERR_SINGULAR naming the sample and
    its mu).
    """
    f = _lib()
    if not isinstance(rom, AffineROM):
        raise TypeError(f"rom must be a romkit.AffineROM, got {type(rom).__name__}")
    if not isinstance(design, Design):
        raise TypeError(f"design must be a romkit.Design, got {type(design).__name__}")
    out = new("rom_sweep **")
    pending = []
    if coefficients is None:
        call(rom._ctx_h, "rom_sweep_run", rom._h, design._h, ffi.NULL, None, out)
    elif isinstance(coefficients, Model):
        cfn = f.cdll.rom_sweep_model_coefficients  # a C function passed as the callback
        coefficients._call("rom_sweep_run", rom._h, design._h, cfn, coefficients._h,
                           out)
    elif callable(coefficients):
        p, qa, qf = design.num_parameters, rom.operator_terms, rom.rhs_terms

        def tramp(user, mu, theta, phi):
            try:
                rc = coefficients(c_vector_view(mu, p, writeable=False),
                                  c_vector_view(theta, qa), c_vector_view(phi, qf))
                return 0 if rc is None else int(rc)
            except BaseException as e:  # never unwind through C frames
                pending.append(e)
                return 1

        cfn = ffi.callback("rom_sweep_coefficients_fn", tramp)
        try:
            call(rom._ctx_h, "rom_sweep_run", rom._h, design._h, cfn, None, out)
        except RomkitError as err:
            if pending:
                exc = pending[0]
                if hasattr(exc, "add_note"):
                    exc.add_note(f"(raised in the sweep's coefficient callback; romkit reported: "
                                 f"{err})")
                raise exc from None
            raise
    else:
        raise TypeError("coefficients must be None, a romkit.Model or a callable "
                        f"f(mu, theta, phi), got {type(coefficients).__name__}")
    return SweepResult.__new__(SweepResult)._adopt(rom, out[0], "rom_sweep_destroy")


def read_sweep(path):
    """A sweep file (kind "sweep") as a dict of numpy arrays and attributes (with h5py):
    parameters, outputs, statistics, ranges, log_scale, output_names (list), design, seed."""
    import h5py
    with h5py.File(path, "r") as fh:
        if fh.attrs.get("kind") != "sweep":
            raise ValueError(f"{path} is not a romkit sweep file (kind {fh.attrs.get('kind')!r})")
        d = {key: fh[key][...] for key in fh}
        d.update({key: fh.attrs[key] for key in ("design", "seed", "num_samples")})
        d["output_names"] = str(fh.attrs["output_names"]).split(",")
    return d
