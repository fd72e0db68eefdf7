"""Output gradients and ROM-accelerated design optimisation (include/romkit/optimize.h,
docs/optimisation.md): thin wrappers over the C functions, which run NLopt themselves.

    import numpy as np, romkit
    h = romkit.Heat2D(n=32)
    L = np.zeros((h.local_rows, 2), order="F"); L[100, 0] = L[500, 1] = 1.0
    s, g = romkit.optimize.fom_output_gradients(h.model, [1, 2, 1, 1], L)
    mu, info = romkit.optimize.optimize(h.model, L, lower=[0.1] * 4, upper=[10] * 4,
                                        start=[1] * 4, target=[0.02, 0.03],
                                        method="trust-region")
"""

import numpy as np

from ._handles import dptr, small_vector
from ._lib import lib, new
from .errors import call

__all__ = ["METHODS", "fom_output_gradients", "rom_output_gradients", "optimize", "available"]

METHODS = ("fom", "rom", "trust-region")


def available():
    """True if libromkit was built with NLopt."""
    return bool(lib().rom_optimize_available())


def _weights(model, L):
    L = np.asarray(L, dtype=np.float64)
    if L.ndim == 1:
        L = L.reshape(-1, 1)
    L = np.asfortranarray(L)
    if L.shape[0] != model.local_rows:
        raise ValueError(f"the output weights have {L.shape[0]} rows, the model {model.local_rows}")
    return L


def fom_output_gradients(model, mu, L):
    """FOM outputs s = L^T u(mu) and their gradients (num_outputs x p) by the FOM adjoint.
    L: this rank's rows of the output weights, local_rows x num_outputs. Collective."""
    L = _weights(model, L)
    p = model.num_parameters
    mu = small_vector(mu, p, "mu")
    s = np.empty(L.shape[1])
    g = np.empty((L.shape[1], p))
    call(model._ctx_h, "rom_fom_output_gradients", model._h, dptr(mu), L.shape[1],
         dptr(L) if L.size else None, None, None, dptr(s), dptr(g))
    return s, g


def rom_output_gradients(rom, model, mu):
    """The ROM's outputs at mu and their gradients (num_outputs x p) by the reduced adjoint,
    through the model's coefficient functions. Not collective."""
    p = model.num_parameters
    mu = small_vector(mu, p, "mu")
    no = lib().rom_affine_rom_num_outputs(rom._h)
    s = np.empty(max(no, 1))
    g = np.empty((max(no, 1), p))
    call(rom._ctx_h, "rom_affine_rom_output_gradients", rom._h, model._h, dptr(mu), dptr(s),
         dptr(g))
    return s[:no], g[:no]


def optimize(model, L, lower, upper, start, target=None, misfit_weights=None,
             linear_weights=None, method="fom", algorithm="LD_SLSQP", training=None,
             **options):
    """Minimises J = c . s + 1/2 sum w (s - t)^2 over lower <= mu <= upper from `start`
    with rom_optimize. method: "fom", "rom" (needs `training`, n x p) or "trust-region".
    Other keywords set fields of rom_optimize_options (ftol_rel, xtol_rel, max_evaluations,
    pod_tolerance, tr_gradient_tolerance, tr_objective_tolerance, tr_bound_tolerance,
    tr_radius, tr_max_iterations, tr_sensitivities, tr_direct_bound). Returns (mu, result as
    a dict). Collective."""
    f = lib()
    L = _weights(model, L)
    p, no = model.num_parameters, L.shape[1]
    lower = small_vector(lower, p, "lower")
    upper = small_vector(upper, p, "upper")
    mu = small_vector(start, p, "start")
    keep = [None if a is None else small_vector(a, no, n)
            for a, n in ((target, "target"), (misfit_weights, "misfit_weights"),
                         (linear_weights, "linear_weights"))]
    d = new("rom_design *")  # zero-filled: absent arrays stay NULL
    d.num_outputs = no
    if L.size:
        d.L_local = dptr(L)
    for name, a in zip(("target", "misfit_weights", "linear_weights"), keep):
        if a is not None:
            setattr(d, name, dptr(a))
    d.lower, d.upper = dptr(lower), dptr(upper)
    o = new("rom_optimize_options *", f.rom_optimize_options_default())
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}': use one of {', '.join(METHODS)}")
    o.method = METHODS.index(method)
    alg = new("char[]", algorithm.encode())
    o.algorithm = alg
    tr = None
    if training is not None:
        tr = np.ascontiguousarray(np.asarray(training, dtype=np.float64).reshape(-1, p))
        o.num_training = tr.shape[0]
        o.training = dptr(tr)
    for k, v in options.items():
        setattr(o, k, v)
    r = new("rom_optimize_result *")
    call(model._ctx_h, "rom_optimize", model._h, d, o, dptr(mu), r)
    result = {k: getattr(r, k) for k in ("objective", "fom_objective", "nlopt_code",
                                         "evaluations", "fom_solves", "fom_adjoint_solves",
                                         "fom_sensitivity_solves", "estimator_solves", "rom_dim", "iterations",
                                         "rejected")}
    del keep, tr, alg
    return mu, result
