"""romkit.interp (include/romkit/interp.h) against numpy: weights reproduce data and linear
functions, SPD interpolation of a log-linear family is exact, Grassmann interpolation
returns the training subspaces, bad input raises, and the P3X study runs."""
import numpy as np
import pytest


def test_methods_table(rk):
    names = list(rk.interp.METHODS)
    assert names == ["idw", "rbf-gaussian", "rbf-multiquadric", "rbf-inverse-quadratic",
                     "lagrange"]
    assert "Shepard" in rk.interp.METHODS.description("idw")


@pytest.mark.parametrize("method", ["idw", "rbf-gaussian", "rbf-multiquadric",
                                    "rbf-inverse-quadratic", "lagrange"])
def test_weights(rk, ctx, method):
    p = np.array([0.0, 0.3, 0.5, 1.1, 2.0])
    for i in range(len(p)):
        w = rk.interp.weights(p, [p[i]], method=method, ctx=ctx)
        assert np.allclose(w, np.eye(len(p))[i], atol=1e-11)
    w = rk.interp.weights(p, [0.77], method=method, ctx=ctx)
    assert abs(w.sum() - 1.0) < 1e-12
    f = 0.7 + 1.5 * p
    if method != "idw":
        assert abs(w @ f - (0.7 + 1.5 * 0.77)) < 1e-11


def test_spd_log_linear_exact(rk, ctx):
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    s = np.array([1.0, -0.5, 0.3, 2.0])
    family = lambda mu: (Q * np.exp(mu * s)) @ Q.T  # exp(mu S), S = Q diag(s) Q^T
    mus = [0.0, 0.5, 1.0]
    A = rk.interp.interpolate_matrices([family(m) for m in mus], mus, 0.8, manifold="spd",
                                       method="lagrange", ctx=ctx)
    assert np.allclose(A, family(0.8), rtol=1e-12, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(A) > 0)


def test_grassmann_training_subspaces(rk, ctx):
    rng = np.random.default_rng(5)
    N, k = 40, 3
    bases = [np.asfortranarray(np.linalg.qr(rng.standard_normal((N, k)) +
                                            np.eye(N, k) * 4)[0]) for _ in range(3)]
    mus = [0.0, 1.0, 2.0]
    for i, m in enumerate(mus):
        Y = rk.interp.grassmann_interpolate(bases, mus, m, ctx=ctx).array
        assert np.linalg.norm(Y - bases[i] @ (bases[i].T @ Y)) < 1e-12


def test_bad_input(rk, ctx):
    with pytest.raises(rk.RomkitError, match="outside the training range"):
        rk.interp.weights([0.0, 1.0], [2.0], ctx=ctx)
    with pytest.raises(rk.RomkitError, match="same point"):
        rk.interp.weights([0.0, 1.0, 1.0], [0.5], ctx=ctx)
    with pytest.raises(rk.RomkitError):
        rk.interp.weights([0.0, 1.0], [float("nan")], ctx=ctx)
    with pytest.raises(ValueError):
        rk.interp.weights([0.0, 1.0], [0.5], method="kriging", ctx=ctx)
    w = rk.interp.weights([0.0, 1.0], [2.0], outside="allow", method="lagrange", ctx=ctx)
    assert np.allclose(w, [-1.0, 2.0])


def test_heat_study(rk, ctx):
    r = rk.interp.heat_study(n=10, steps=15, dim=3, train=[-1, -0.5, 0, 0.5, 1], test=[0.7],
                             ctx=ctx)
    assert r["train_reproduction"] < 1e-10
    assert 0 < r["err_interp"][0] < 5 and 0 <= r["err_dmd"][0] < 10
    assert r["err_local"][0] <= r["err_basis_only"][0] * 1.0001
