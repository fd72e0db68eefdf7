"""Workflows of the C library (include/romkit/workflow.h): the pipelines the CLI runs, from
Python.

:func:`reproduce` is ``romkit reproduce`` (docs/reproduction.md): training FOM runs, POD
bases or autoencoders, hyper-reduction, then the FOM and the ROM at the test parameter, the
errors beside the published row. It returns the dict of the CLI's ``--json`` line (the same
C function writes both, so the numbers are the same bits)::

    import romkit
    r = romkit.workflow.reproduce("P1", "pod-lspg-hr", workdir="/tmp/p1")
    r["avg_error_pct"], r["speedup"], r["published_avg_pct"]
"""
import json
import sys

from ._lib import ffi, fspath, lib, new, out_arg, pointer_to, require
from ._registry import Registry
from .context import resolve
from .errors import RomkitError, call
from .hyper import HYPER_METHODS
from .problem import Problem

__all__ = ["reproduce", "greedy_nonlinear", "METHODS"]

# "pod-galerkin", ..., "nm-lspg-hr": the library's table (romkit/workflow.h).
METHODS = Registry("rom_reproduce_method", "method", ctx_first=True)


def _positive(name, value):
    if not float(value) > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def _c_string(keep, text):
    """A C copy of `text`, kept alive in `keep` for as long as the options point to it."""
    keep.append(new("char[]", str(text).encode()))
    return keep[-1]


def _c_path(keep, path):
    """Like _c_string for a file or directory name: NUL refused (fspath)."""
    keep.append(new("char[]", fspath(path)))
    return keep[-1]


def _count(name, value):
    value = int(value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def reproduce(problem, method, *, grid=None, steps=None, dim=None, hr_basis=None,
              hr_samples=None, hr_method=None, hr_sample_mesh=False, hr_sizes=None,
              hr_grid=None, hr_sizes_tolerance=None, train_params=None,
              test_param=None, workdir=None, max_iterations=None, tolerance=None, ae_files=(),
              ae_seed=42, ae_epochs=None, ae_max_seconds=None, save=None, progress=None,
              ctx=None, ae_precision=None, ae_network=None, ae_batch=None,
              initial_guess=None, ae_patience=None, convergence_check=None, recipe=None):
    """Runs the reproduction pipeline (rom_reproduce_run) and returns its JSON record as a dict.

    Args:
        problem: a registered problem's name ("P1", "P2", ...; romkit/problem.h) or a
            romkit.Problem (on the same context).
        method: one of METHODS.
        grid, steps: the problem's resolution and time steps (None: the paper's; no
            published row then), as ``--grid`` / ``--steps``.
        dim, hr_basis, hr_samples, hr_method, hr_sample_mesh, train_params, test_param,
        max_iterations, tolerance, ae_files, ae_seed, ae_epochs, ae_max_seconds, save: the
            options of ``romkit reproduce`` (None: the problem's recipe).
        ae_precision: "double" or "single", ``--precision`` (None: double).
        ae_network: "paper", "masked" or "narrow", ``--network`` (None: the recipe's).
        ae_batch: the training's mini-batch, ``--ae-batch`` (None: the recipe's).
        recipe: None (the problem's default: the fast recipe for the nm-* methods of a
            problem whose recipe has nm_fast_default, P2, when a network is trained here;
            the paper's otherwise), "fast" (``--fast``) or "paper" (``--paper``). The fast
            recipe is rom_reproduce_options_fast; the other arguments given override it.
        ae_patience: the training's learning-rate patience, ``--ae-patience`` (None: the
            recipe's).
        initial_guess: "previous" (None: the paper's) or "extrapolate", ``--initial-guess``.
        convergence_check: "exact" (None) or "lagged" (HR methods), ``--convergence-check``.
            ``--fast`` is ae_network="narrow", ae_precision="single", ae_batch=60,
            ae_patience=30, initial_guess="extrapolate" and, for the HR methods,
            convergence_check="lagged".
        hr_sizes, hr_grid, hr_sizes_tolerance: HR sizes from training data only
            (``--hr-sizes``, ``--hr-grid``, ``--hr-sizes-tolerance``): hr_sizes "given"
            (default), "holdout" or "training"; hr_grid (nb_min, nb_max, ns_max[, step]).
        workdir: the cache directory (None: a new one under $TMPDIR or /tmp).
        progress: None (silent; the context's logger at level "info" gets the lines),
            True (print to stdout) or a callable taking each text fragment.
        ctx: the context (default: the serial default context). Collective on it.
    Raises:
        RomkitError with romkit's message (a bad option names the field), ValueError for
        Python-side argument errors.
    """
    require("rom_reproduce_run", "romkit.workflow.reproduce")
    ctx = resolve(ctx)
    f = lib()
    o = pointer_to(f.rom_reproduce_options_default())
    m = out_arg("rom_reproduce_method_from_name", 2)
    call(ctx._h, "rom_reproduce_method_from_name", ctx._h, str(method).encode(), m)
    o.method = m[0]
    keep = []  # buffers the options point to, alive until the run returns
    if recipe not in (None, "fast", "paper"):
        raise ValueError(f"recipe must be None, 'fast' or 'paper', got {recipe!r}")
    if recipe == "fast" or (recipe is None and not list(ae_files)
                            and f.rom_reproduce_method_is_manifold(o.method)
                            and _nm_fast_default(problem, grid, steps, ctx)):
        o.num_ae_files = len(list(ae_files))  # none trained with ae_files
        f.rom_reproduce_options_fast(o)
        o.num_ae_files = 0
        if (hr_basis is not None or hr_samples is not None) and hr_sizes is None:
            o.hr_sizes = f.ROM_REPRODUCE_HR_SIZES_GIVEN  # sizes given: no rule
            o.hr_grid_basis_min = o.hr_grid_basis_max = o.hr_grid_samples_max = 0
            o.hr_grid_step = o.hr_grid_clamp = 0
    if dim is not None:
        o.dim = _count("dim", dim)
    if hr_basis is not None:
        o.hr_basis = _count("hr_basis", hr_basis)
    if hr_samples is not None:
        o.hr_samples = _count("hr_samples", hr_samples)
    if hr_method is not None:
        if not isinstance(hr_method, str) or hr_method not in HYPER_METHODS:
            raise ValueError(f"unknown hr_method {hr_method!r} ({', '.join(HYPER_METHODS)})")
        o.hr_method = HYPER_METHODS.value(hr_method)
    o.hr_sample_mesh = 1 if hr_sample_mesh else 0
    if hr_sizes is not None:
        rule = out_arg("rom_reproduce_hr_sizes_from_name", 2)
        call(ctx._h, "rom_reproduce_hr_sizes_from_name", ctx._h, str(hr_sizes).encode(), rule)
        o.hr_sizes = rule[0]
    if hr_grid is not None:
        g = [int(v) for v in hr_grid]
        if len(g) not in (3, 4) or min(g) < 1:
            raise ValueError(f"hr_grid must be (nb_min, nb_max, ns_max[, step]) >= 1, got {hr_grid!r}")
        o.hr_grid_basis_min, o.hr_grid_basis_max, o.hr_grid_samples_max = g[:3]
        o.hr_grid_step = g[3] if len(g) == 4 else 1
    if hr_sizes_tolerance is not None:
        tol = float(hr_sizes_tolerance)
        if not tol >= 0 or tol == float("inf"):
            raise ValueError(f"hr_sizes_tolerance must be >= 0 and finite, got {hr_sizes_tolerance!r}")
        o.hr_sizes_tolerance = tol
    if train_params is not None:
        values = [float(a) for a in train_params]
        if not values:
            raise ValueError("train_params must not be empty")
        train = new("double[]", values)
        keep.append(train)
        o.train = train
        o.ntrain = len(values)
    if test_param is not None:
        test = new("double[]", [float(test_param)])
        keep.append(test)
        o.test = test
    if max_iterations is not None:
        o.max_iterations = _count("max_iterations", max_iterations)
    if tolerance is not None:
        o.tolerance = _positive("tolerance", tolerance)
    if workdir is not None:
        o.workdir = _c_path(keep, workdir)
    files = list(ae_files)
    if len(files) > f.ROM_PROBLEM_MAX_COMPONENTS:
        raise ValueError(f"at most {f.ROM_PROBLEM_MAX_COMPONENTS} ae_files, got {len(files)}")
    for i, name in enumerate(files):
        o.ae_files[i] = _c_path(keep, name)
    o.num_ae_files = len(files)
    ae_seed = int(ae_seed)
    if ae_seed < 0 or ae_seed >= 2**64:
        raise ValueError(f"ae_seed must be in [0, 2**64), got {ae_seed}")
    o.ae_seed = ae_seed
    if ae_epochs is not None:
        o.ae_epochs = _count("ae_epochs", ae_epochs)
    if ae_max_seconds is not None:
        o.ae_max_seconds = _positive("ae_max_seconds", ae_max_seconds)
    if ae_precision is not None:
        names = {"double": f.ROM_PRECISION_DOUBLE, "single": f.ROM_PRECISION_SINGLE}
        if ae_precision not in names:
            raise ValueError(f"ae_precision must be 'double' or 'single', got {ae_precision!r}")
        o.ae_precision = names[ae_precision]
    if ae_network is not None:
        if ae_network not in ("paper", "masked", "narrow"):
            raise ValueError(f"ae_network must be 'paper', 'masked' or 'narrow', got {ae_network!r}")
        o.ae_network = _c_string(keep, ae_network)
    if ae_batch is not None:
        o.ae_batch = _count("ae_batch", ae_batch)
    if ae_patience is not None:
        o.ae_patience = _count("ae_patience", ae_patience)
    if convergence_check is not None:
        checks = {"exact": f.ROM_NLROM_CHECK_EXACT, "lagged": f.ROM_NLROM_CHECK_LAGGED}
        if convergence_check not in checks:
            raise ValueError("convergence_check must be 'exact' or 'lagged', got "
                             f"{convergence_check!r}")
        o.convergence_check = checks[convergence_check]
    if initial_guess is not None:
        guesses = {"previous": f.ROM_NLROM_GUESS_PREVIOUS,
                   "extrapolate": f.ROM_NLROM_GUESS_EXTRAPOLATE}
        if initial_guess not in guesses:
            raise ValueError(f"initial_guess must be 'previous' or 'extrapolate', got {initial_guess!r}")
        o.initial_guess = guesses[initial_guess]
    if save is not None:
        o.save = _c_path(keep, save)
    if progress is not None and progress is not False:
        sink = progress if callable(progress) else (lambda text: (sys.stdout.write(text),
                                                                   sys.stdout.flush()))
        fn = ffi.callback("rom_reproduce_progress_fn",
                          lambda user, text: sink(ffi.string(text).decode(errors="replace")))
        keep.append(fn)
        o.progress = fn

    if isinstance(problem, Problem):
        if grid is not None or steps is not None:
            raise ValueError("grid and steps are the Problem's: give them to Problem(...)")
        return _run(ctx, problem, o, keep)
    with Problem(str(problem), resolution=None if grid is None else _count("grid", grid),
                 steps=None if steps is None else _count("steps", steps), ctx=ctx) as p:
        return _run(ctx, p, o, keep)


def _nm_fast_default(problem, grid, steps, ctx):
    """The problem's recipe's nm_fast_default (a Problem, or a name at grid / steps)."""
    if isinstance(problem, Problem):
        return bool(problem.recipe().get("nm_fast_default"))
    with Problem(str(problem), resolution=None if grid is None else _count("grid", grid),
                 steps=None if steps is None else _count("steps", steps), ctx=ctx) as p:
        return bool(p.recipe().get("nm_fast_default"))


def _run(ctx, problem, o, keep):
    result = new("rom_reproduce_result *")
    call(ctx._h, "rom_reproduce_run", ctx._h, problem._h, o, result)
    need = new("size_t *")
    call(None, "rom_reproduce_result_json", result, None, 0, need)
    text = new("char[]", need[0])
    call(None, "rom_reproduce_result_json", result, text, need[0], None)
    assert keep is not None  # the buffers the options point to live until here
    try:
        return json.loads(ffi.string(text).decode())
    except ValueError as e:  # pragma: no cover - the C writer's contract
        raise RomkitError(-1, f"rom_reproduce_result_json wrote invalid JSON ({e})",
                          call="rom_reproduce_result_json") from e


def greedy_nonlinear(problem, *, hyper=False, dim=None, grid=None, candidates=None,
                     initial=None, max_fom_runs=None, tolerance=None, indicator_tolerance=None,
                     stall_ratio=None, progress=None, ctx=None):
    """The greedy choice of training parameters of a POD-LSPG(-HR) ROM driven by the residual
    error indicator (rom_nlgreedy_run, romkit/greedy_nonlinear.h; docs/nonlinear.md,
    "Residual error indicator and greedy training"), as ``romkit greedy-nonlinear``.

    Args:
        problem: a romkit.Problem (a time-dependent one-component problem such as P1).
        hyper: POD-LSPG-HR (GNAT) instead of POD-LSPG.
        dim, grid, max_fom_runs, tolerance, indicator_tolerance, stall_ratio: the options of
            rom_nlgreedy_options (None: the library's defaults / the problem's recipe).
        candidates, initial: sequences of parameter points (each a sequence of
            num_parameters values); None: the grid / the box centre.
        progress: None (silent), True (stdout) or a callable taking each line.
        ctx: the context (default: the serial default context). Collective on it.
    Returns:
        a dict: "train" (the chosen points, in order), "nfom", "max_indicator",
        "estimate_pct", "true_error_pct", "calibration" (one per iteration), "converged",
        "failed_candidates" and the timings.
    """
    require("rom_nlgreedy_run", "romkit.workflow.greedy_nonlinear")
    ctx = resolve(ctx)
    if not isinstance(problem, Problem):
        raise TypeError("problem must be a romkit.Problem")
    f = lib()
    o = pointer_to(f.rom_nlgreedy_options_default())
    keep = []
    np_ = f.rom_problem_num_parameters(problem._h)
    o.hyper = 1 if hyper else 0
    if dim is not None:
        o.dim = _count("dim", dim)
    if grid is not None:
        o.grid = _count("grid", grid)
    if max_fom_runs is not None:
        o.max_fom_runs = _count("max_fom_runs", max_fom_runs)
    if tolerance is not None:
        o.tolerance = _positive("tolerance", tolerance)
    if indicator_tolerance is not None:
        o.indicator_tolerance = _positive("indicator_tolerance", indicator_tolerance)
    if stall_ratio is not None:
        o.stall_ratio = _positive("stall_ratio", stall_ratio)

    def points(name, pts):
        values = [float(v) for p in pts for v in p]
        if not values or len(values) % np_:
            raise ValueError(f"{name}: give points of {np_} value(s) each")
        arr = new("double[]", values)
        keep.append(arr)
        return arr, len(values) // np_

    if candidates is not None:
        o.candidates, o.ncandidates = points("candidates", candidates)
    if initial is not None:
        o.initial, o.ninitial = points("initial", initial)
    if progress is not None and progress is not False:
        sink = progress if callable(progress) else (lambda text: (sys.stdout.write(text),
                                                                   sys.stdout.flush()))
        fn = ffi.callback("rom_nlgreedy_progress_fn",
                          lambda user, text: sink(ffi.string(text).decode(errors="replace")))
        keep.append(fn)
        o.progress = fn
    r = new("rom_nlgreedy_result *")
    call(ctx._h, "rom_nlgreedy_run", ctx._h, problem._h, o, r)
    it, n = r.iterations, r.nfom
    return {
        "train": [[r.train[t * np_ + i] for i in range(np_)] for t in range(n)],
        "nfom": n,
        "iterations": it,
        "max_indicator": [r.max_indicator[i] for i in range(it)],
        "estimate_pct": [r.estimate_pct[i] for i in range(it)],
        "true_error_pct": [r.true_error_pct[i] for i in range(it)],
        "calibration": [r.calibration[i] for i in range(it)],
        "ninitial": r.ninitial,
        "converged": r.converged,
        "failed_candidates": r.failed_candidates,
        "fom_seconds": r.fom_seconds,
        "offline_seconds": r.offline_seconds,
        "rom_seconds": r.rom_seconds,
    }
