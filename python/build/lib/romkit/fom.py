"""The reference full-order time integrator for nonlinear host models (rom_fom_integrate).

``integrate(model, u0, dt, steps, mu=...)`` marches du/dt = F(u, t; mu) with implicit
steps (backward Euler or BDF2), Newton's method with the model's assembled (CSR)
Jacobian and a sparse direct solver, all in C. The model is a reference problem's
(``romkit.Burgers1D(...).model``) or a :class:`romkit.NonlinearModel` with
``set_velocity`` and ``set_jacobian_csr`` callbacks in Python.

The trajectory is an array (steps + 1) x local_rows, row n = state n on this rank's rows;
pass ``out`` (C-contiguous float64 of that shape) and romkit writes into it directly.
"""
from ._handles import c_vector_view, dptr, state_vector
from ._lib import ffi, lib, new, pointer_to, require
from .affine import Model
from .nonlinear import NonlinearModel, _trajectory_out, choice, stats_dict

__all__ = ["integrate", "FOM_SCHEMES", "FOM_SOLVERS"]

FOM_SCHEMES = {"backward_euler": 0, "bdf2": 1}
FOM_SOLVERS = {"default": 0, "umfpack": 1, "klu": 2, "banded": 3}


def integrate(model, u0, dt, steps, mu=None, t0=0.0, scheme="backward_euler",
              max_iterations=None, tolerance=None, solver="default", observer=None,
              trajectory=True, out=None, return_stats=False):
    """`steps` implicit steps of size dt from u0 (this rank's rows) at time t0. Collective.

    Args:
        model: a NonlinearModel (or a reference problem's .model) with velocity and CSR
            Jacobian.
        u0: initial state, float64, local_rows values (not copied).
        mu: the parameters (None for a model without any).
        scheme: "backward_euler" (default) or "bdf2".
        max_iterations, tolerance: Newton corrections per step and the stopping rule
            ||r||_2 < tolerance (None: romkit's defaults, 10 and 1e-8).
        solver: "default" (KLU), "umfpack", "klu" or "banded".
        observer: observer(step, iteration, u) after every Newton correction (u: a
            read-only view, valid during the call). An exception it raises is re-raised
            when the integration returns.
        trajectory: False keeps no trajectory (returns None in its place).
        out: the trajectory array to write into ((steps + 1) x local_rows, C order).
        return_stats: also return a dict of rom_fom_stats.

    Returns the trajectory, or (trajectory, stats). Raises RomkitError
    (ROM_ERR_NOT_CONVERGED naming step, iteration and residual; ROM_ERR_STATE without a
    velocity or CSR Jacobian), or the exception a Python callback raised.
    """
    require("rom_fom_integrate", "fom.integrate")
    if not isinstance(model, Model):
        raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
    n = model.local_rows
    u0 = state_vector(u0, n, "u0")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    mu = NonlinearModel._mu(model, mu)
    opts = pointer_to(lib().rom_fom_options_default())
    opts.scheme = choice(scheme, FOM_SCHEMES, "scheme")
    opts.solver = choice(solver, FOM_SOLVERS, "solver")
    if max_iterations is not None:
        opts.max_iterations = int(max_iterations)
    if tolerance is not None:
        opts.tolerance = float(tolerance)
    cobs = None
    if observer is not None:
        if not callable(observer):
            raise TypeError(f"observer must be callable, got {type(observer).__name__}")

        def observe(user, step, iteration, u):
            if model._pending:       # an earlier call failed: do not call again
                return
            try:
                observer(int(step), int(iteration), c_vector_view(u, n, writeable=False))
            except BaseException as e:  # never unwind through C frames
                model._pending.append(e)

        cobs = ffi.callback("rom_fom_observer_fn", observe)
        opts.observer = cobs
    traj = _trajectory_out(out, steps + 1, n, "out") if trajectory else None
    stats = new("rom_fom_stats *")
    model._call("rom_fom_integrate", model._h, dptr(mu), dptr(u0), float(t0), float(dt), steps,
                opts, dptr(traj) if traj is not None and traj.size else None,
                stats)
    del cobs
    return (traj, stats_dict(stats)) if return_stats else traj
