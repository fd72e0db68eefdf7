"""Parametric interpolation on matrix manifolds (include/romkit/interp.h, docs/interp.md).

Reduced models built at training parameters are combined at an unseen parameter by
interpolating their images in a tangent space (Amsallem and Farhat 2008, 2011)::

    import numpy as np, romkit
    from romkit import interp
    w = interp.weights([[0.0], [0.5], [1.0]], [0.3], method="lagrange")
    A = interp.interpolate_matrices([A0, A1, A2], [0.0, 0.5, 1.0], 0.3, manifold="spd")
    Y = interp.grassmann_interpolate([Y0, Y1, Y2], [0.0, 0.5, 1.0], 0.3)  # DistributedMatrix
    r = interp.heat_study(dim=6)  # `romkit interp heat`: P3X, interpolated ROMs and DMD

Method names come from the library's table (``interp.METHODS``); every option of
``rom_interp_options`` is a keyword: method, shape, closest_value, polynomial, idw_power,
outside ("refuse", "warn", "allow"), neighbours, reference.
"""
import numpy as np

from ._lib import new
from ._registry import Registry
from .context import resolve
from .errors import call
from .matrix import DistributedMatrix, as_matrix

__all__ = ["METHODS", "MANIFOLDS", "weights", "interpolate_matrices", "grassmann_interpolate",
           "basis_align", "heat_study"]

# "idw", "rbf-gaussian", ...: the library's table (romkit/interp.h).
METHODS = Registry("rom_interp_method", "interpolation method")
MANIFOLDS = {"general": 0, "spd": 1, "nonsingular": 2}
_OUTSIDE = {"refuse": 0, "warn": 1, "allow": 2}


def _options(ctx, method=None, shape=None, closest_value=None, polynomial=None, idw_power=None,
             outside=None, neighbours=None, reference=None):
    """A rom_interp_options record: the library's defaults, then the given keywords."""
    o = new("rom_interp_options *")
    o[0] = _default_options()
    if method is not None:
        o.method = METHODS.value(method)
    if shape is not None:
        o.shape = float(shape)
    if closest_value is not None:
        o.closest_value = float(closest_value)
    if polynomial is not None:
        o.polynomial = 1 if polynomial else 0
    if idw_power is not None:
        o.idw_power = float(idw_power)
    if outside is not None:
        if outside not in _OUTSIDE:
            raise ValueError(f"outside must be one of {', '.join(_OUTSIDE)}, got {outside!r}")
        o.outside = _OUTSIDE[outside]
    if neighbours is not None:
        o.neighbours = int(neighbours)
    if reference is not None:
        o.reference = int(reference)
    return o


def _default_options():
    from ._lib import lib
    return lib().rom_interp_options_default()


def _params(params):
    p = np.array(params, dtype=np.float64, copy=True)
    if p.ndim == 1:
        p = p.reshape(-1, 1)
    if p.ndim != 2:
        raise ValueError(f"params must be n values or an n x d array, got shape {p.shape}")
    return np.ascontiguousarray(p)


def _target(target, d):
    t = np.array(target, dtype=np.float64, copy=True).reshape(-1)
    if t.shape[0] != d:
        raise ValueError(f"target has {t.shape[0]} coordinates, the parameters {d}")
    return t


def _manifold(name):
    if name not in MANIFOLDS:
        raise ValueError(f"manifold must be one of {', '.join(MANIFOLDS)}, got {name!r}")
    return MANIFOLDS[name]


def _dp(a):
    from ._handles import dptr
    return dptr(a)


def weights(params, target, ctx=None, **options):
    """The interpolation weights of the n training parameters (n values, or n x d) at
    `target`: an interpolated quantity is sum_i w[i] X_i."""
    ctx = resolve(ctx)
    p = _params(params)
    n, d = p.shape
    t = _target(target, d)
    w = np.empty(n)
    call(ctx._h, "rom_interp_weights", ctx._h, n, d, _dp(p), _dp(t), _options(ctx, **options),
         _dp(w))
    return w


def interpolate_matrices(mats, params, target, manifold="general", ctx=None, **options):
    """The matrix at `target` from matrices at the training parameters, interpolated on
    `manifold` ("general", "spd", "nonsingular")."""
    ctx = resolve(ctx)
    p = _params(params)
    n, d = p.shape
    t = _target(target, d)
    ms = [np.asfortranarray(np.array(m, dtype=np.float64)) for m in mats]
    if len(ms) != n:
        raise ValueError(f"{len(ms)} matrices for {n} training parameters")
    shape = ms[0].shape if ms[0].ndim == 2 else (ms[0].shape[0], 1)
    for i, m in enumerate(ms):
        if (m.shape if m.ndim == 2 else (m.shape[0], 1)) != shape:
            raise ValueError(f"matrix {i} has shape {m.shape}, matrix 0 {shape}")
    ptrs = new("double *[]", [_dp(m) for m in ms])
    out = np.empty(shape, order="F")
    call(ctx._h, "rom_interp_matrices", ctx._h, _manifold(manifold), n, shape[0], shape[1], ptrs,
         d, _dp(p), _dp(t), _options(ctx, **options), _dp(out))
    return out


def grassmann_interpolate(bases, params, target, ctx=None, **options):
    """The basis at `target` from orthonormal bases (DistributedMatrix or Fortran-ordered
    float64 arrays of this rank's rows, all N x k, partitioned alike) on the Grassmann
    manifold. Returns a DistributedMatrix (its .array is this rank's rows). Collective."""
    ctx = resolve(ctx)
    p = _params(params)
    n, d = p.shape
    t = _target(target, d)
    mats = [b if isinstance(b, DistributedMatrix) else as_matrix(b, ctx=ctx, name=f"basis {i}")
            for i, b in enumerate(bases)]
    if len(mats) != n:
        raise ValueError(f"{len(mats)} bases for {n} training parameters")
    out = DistributedMatrix.zeros(mats[0].local_rows, mats[0].cols, ctx=ctx)
    handles = new("rom_dmat *[]", [m._h for m in mats])
    call(ctx._h, "rom_grassmann_interpolate", n, handles, d, _dp(p), _dp(t),
         _options(ctx, **options), out._h)
    return out


def basis_align(reference, basis, ctx=None):
    """Rotates `basis` (a DistributedMatrix, in place) to the orthogonal Procrustes
    alignment with `reference`; returns the k x k rotation Q (transform a reduced matrix
    A of that basis as Q^T A Q). Collective."""
    ctx = resolve(ctx)
    q = np.empty((basis.cols, basis.cols), order="F")
    call(ctx._h, "rom_basis_align", reference._h, basis._h, _dp(q))
    return q


def heat_study(ctx=None, n=None, steps=None, dt=None, dim=None, train=None, test=None,
               manifold=None, dmd_manifold=None, dmd=None, **options):
    """`romkit interp heat` (rom_parametric_heat_run): interpolated POD-Galerkin ROMs and
    parametric DMD of the non-affine heat problem P3X at unseen parameters. Returns a dict
    of per-test arrays (mu, err_interp, err_basis_only, err_global, err_local, err_dmd, in
    percent) and scalars (train_reproduction, seconds_*). Collective."""
    from ._lib import lib
    ctx = resolve(ctx)
    o = new("rom_parametric_heat_options *")
    o[0] = lib().rom_parametric_heat_options_default()
    for name, value in (("n", n), ("steps", steps), ("dim", dim)):
        if value is not None:
            setattr(o, name, int(value))
    if dt is not None:
        o.dt = float(dt)
    for name, values in (("train", train), ("test", test)):
        if values is not None:
            v = [float(x) for x in values]
            if len(v) > 16:
                raise ValueError(f"{name}: at most 16 parameters, got {len(v)}")
            getattr(o, name)[0:len(v)] = v
            setattr(o, "ntrain" if name == "train" else "ntest", len(v))
    if manifold is not None:
        o.manifold = _manifold(manifold)
    if dmd_manifold is not None:
        o.dmd_manifold = _manifold(dmd_manifold)
    if dmd is not None:
        o.dmd = 1 if dmd else 0
    if options:
        base = _options(ctx, **options)
        o.interp = base[0]
    r = new("rom_parametric_heat_result *")
    call(ctx._h, "rom_parametric_heat_run", ctx._h, o, r)
    k = r.ntest
    out = {name: np.array([getattr(r, name)[i] for i in range(k)])
           for name in ("mu", "err_interp", "err_interp_max", "err_basis_only", "err_global",
                        "err_local", "err_dmd")}
    for name in ("train_reproduction", "seconds_offline", "seconds_interpolate",
                 "seconds_global_operator"):
        out[name] = float(getattr(r, name))
    return out
