"""The reduced-basis greedy (romkit/greedy.h, docs/greedy.md), computed in C.

The estimator is evaluated at every training point (split over the ranks), the FOM is
solved at the worst one through the model's solver (rom_model_set_affine_solve; P3 has
one), the snapshot is orthonormalised (classical Gram-Schmidt twice, Euclidean inner
product) and the ROM updated, until the max estimate reaches the tolerance::

    import romkit
    problem = romkit.Problem("heat", resolution=32)
    lo, hi, log = problem.parameter_range
    training = romkit.Design.lhs(list(zip(lo, hi)), samples=1000, seed=42, log=log)
    g = romkit.greedy(problem.model, training, tol=1e-6, max_size=40)
    g.size, g.max_estimates, g.indices, g.parameters, g.stop_reason
    g.rom.write("greedy_rom.h5")    # the same numbers as `romkit greedy --out`

The numbers are the CLI's: `romkit greedy` calls the same C function.
"""

import numpy as np

from ._handles import Wrapper, dptr
from ._lib import ffi, lib, new, pointer_to, require
from .affine import AffineROM, Model
from .pod import Basis
from .sweep import Design

__all__ = ["greedy", "GreedyResult", "ESTIMATORS", "STOP_REASONS"]

ESTIMATORS = ("weak", "strong")
STOP_REASONS = ("none", "tolerance", "max-size", "span", "pool")


def _lib():
    require("rom_greedy_run", "the reduced-basis greedy")
    return lib()


class GreedyResult(Wrapper):
    """The result of :func:`greedy` (rom_greedy): the basis and ROM (owned by the result:
    they live as long as it does), the training indices and parameters chosen, and the max
    estimate after each iteration."""

    _what = "GreedyResult"

    @property
    def size(self):
        """k, the basis size."""
        return _lib().rom_greedy_size(self._h)

    @property
    def num_parameters(self):
        return _lib().rom_greedy_num_parameters(self._h)

    @property
    def basis(self):
        """The greedy basis (a :class:`romkit.Basis` owned by this result)."""
        return Basis.__new__(Basis)._adopt(self, _lib().rom_greedy_basis(self._h), None)

    @property
    def rom(self):
        """The affine ROM on the basis (a :class:`romkit.AffineROM` owned by this result)."""
        return AffineROM.__new__(AffineROM)._adopt(self, _lib().rom_greedy_rom(self._h), None)

    @property
    def indices(self):
        """The training indices chosen, in order (a copy)."""
        f = _lib()
        p = f.rom_greedy_indices(self._h)
        return np.array([p[i] for i in range(self.size)], dtype=np.int64)

    @property
    def parameters(self):
        """The parameters chosen: a (k x p) copy."""
        f = _lib()
        k, p = self.size, self.num_parameters
        ptr = f.rom_greedy_parameters(self._h)
        return np.frombuffer(ffi.buffer(ptr, 8 * k * p), dtype=np.float64).reshape(k, p).copy()

    @property
    def max_estimates(self):
        """Max estimate over the training set after iteration j (basis of j + 1 vectors)."""
        f = _lib()
        ptr = f.rom_greedy_max_estimates(self._h)
        return np.frombuffer(ffi.buffer(ptr, 8 * self.size), dtype=np.float64).copy()

    @property
    def stop_reason(self):
        """"tolerance", "max-size" or "span"."""
        f = _lib()
        return f.rom_greedy_stop_name(f.rom_greedy_stop_reason(self._h)).decode()

    @property
    def fom_solves(self):
        return _lib().rom_greedy_fom_solves(self._h)

    @property
    def pool_samples(self):
        """Adaptive refinement: the fresh pool samples drawn (index ns + j in indices)."""
        return _lib().rom_greedy_pool_samples(self._h)

    @property
    def validations(self):
        """Adaptive refinement: the safety checks made on fresh points."""
        return _lib().rom_greedy_validations(self._h)

    @property
    def seconds(self):
        return _lib().rom_greedy_seconds(self._h)

    def __repr__(self):
        if self.closed:
            return "<romkit.GreedyResult closed>"
        return (f"<romkit.GreedyResult k = {self.size}, stop {self.stop_reason}, "
                f"{self.fom_solves} FOM solves>")


def greedy(model, training, estimator="weak", tol=1e-6, max_size=50, first_index="argmax",
           span_tolerance=1e-10, progress=None, energy_norm=False, adaptive_pool=None,
           adaptive_validation=0):
    """Builds a reduced basis by the greedy (rom_greedy_run). Collective.

    model     an affine :class:`romkit.Model` with a solver (e.g. ``Problem("heat").model``)
    training  a :class:`romkit.Design`, or an (ns x p) array of training parameters
    estimator "weak" (the a-posteriori error bound) or "strong" (the true error: a FOM
              solve at every training point, for small training sets)
    first_index "argmax" (the default: where the estimate of the empty basis is largest,
              ROM_GREEDY_FIRST_ARGMAX) or a training index
    progress  optional callable(iteration, index, mu, max_estimate, seconds), called after
              every iteration on every rank; an exception stops the greedy
    energy_norm  weak: bound the energy norm instead of the X norm
    adaptive_pool  a :class:`romkit.Design` (e.g. Monte Carlo with many samples): adaptive
              refinement of the training set (Hesthaven, Stamm, Zhang 2014; weak only):
              resolved points are replaced by the pool's next samples, and the tolerance
              must hold on ``adaptive_validation`` fresh points (0: the training set's size)
              before the greedy stops
    """
    f = _lib()
    if not isinstance(model, Model):
        raise TypeError(f"model must be a romkit.Model, got {type(model).__name__}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    opts = pointer_to(f.rom_greedy_options_default())
    est = new("rom_greedy_estimator *")
    f.rom_greedy_estimator_from_name(estimator.encode(), est)
    opts.estimator = est[0]
    opts.tolerance = float(tol)
    opts.max_size = int(max_size)
    if isinstance(first_index, str):
        if first_index != "argmax":
            raise ValueError(f"first_index must be 'argmax' or a training index, got "
                             f"{first_index!r}")
        opts.first_index = -1  # ROM_GREEDY_FIRST_ARGMAX
    else:
        opts.first_index = int(first_index)
    opts.energy_norm = 1 if energy_norm else 0
    if adaptive_pool is not None:
        if not isinstance(adaptive_pool, Design):
            raise TypeError(f"adaptive_pool must be a romkit.Design, got "
                            f"{type(adaptive_pool).__name__}")
        opts.adaptive_pool = adaptive_pool._h
    opts.adaptive_validation = int(adaptive_validation)
    opts.span_tolerance = float(span_tolerance)
    failure = []
    cb = None
    if progress is not None:
        def body(user, iteration, index, mu, max_estimate, seconds):
            try:
                m = np.frombuffer(ffi.buffer(mu, 8 * model.num_parameters), dtype=np.float64)
                progress(int(iteration), int(index), m.copy(), float(max_estimate),
                         float(seconds))
                return 0
            except BaseException as e:  # reported after the C call returns
                failure.append(e)
                return 1
        cb = ffi.callback("rom_greedy_progress_fn", body)
        opts.progress = cb
    out = new("rom_greedy **")
    try:
        if isinstance(training, Design):
            model._call("rom_greedy_run", model._h, training._h, opts, out)
        else:
            mu = np.ascontiguousarray(np.asarray(training, dtype=np.float64))
            if mu.ndim != 2 or (mu.shape[0] > 0 and mu.shape[1] != model.num_parameters):
                raise ValueError(f"training must be a Design or an (ns x {model.num_parameters})"
                                 f" array, got shape {mu.shape}")
            model._call("rom_greedy_run_points", model._h, mu.shape[0],
                        dptr(mu) if mu.size else ffi.NULL, opts, out)
    except Exception:
        if failure:
            raise failure[0]
        raise
    keep = tuple(x for x in (cb, adaptive_pool) if x is not None)
    return GreedyResult.__new__(GreedyResult)._adopt(model, out[0], "rom_greedy_destroy",
                                                     keep=keep)
