"""romkit.dmd: the Python surface of include/romkit/dmd.h against numpy truth (a known linear
system), DMDc's (A, B), streaming = batch, files through h5py, the plots, bad input."""
import numpy as np
import pytest

N = 80
OMEGAS = np.array([-0.1 + 1.3j, -0.1 - 1.3j, 0.05 + 0.7j, 0.05 - 0.7j, -0.3])


def state(t):
    x = np.linspace(0.0, 1.0, N)
    v = np.zeros(N)
    for i, (s, f) in enumerate([(-0.1, 1.3), (0.05, 0.7), (-0.3, 0.0)]):
        a, c = np.sin((i + 1) * np.pi * x), np.cos((i + 1.5) * np.pi * x * x)
        v += np.exp(s * t) * ((a * np.cos(f * t) + c * np.sin(f * t)) if f else a)
    return v


def data(t):
    return np.asfortranarray(np.column_stack([state(s) for s in t]))


def match(found, expected):
    return max(min(abs(f - e) for e in expected) for f in found)


def test_exact_dmd_recovers_the_spectrum_and_predicts(rk, ctx):
    t = 0.1 * np.arange(40)
    d = rk.dmd(data(t), dt=0.1, ctx=ctx)
    assert d.rank == 5 and d.method == "exact"
    assert match(d.eigenvalues, np.exp(OMEGAS * 0.1)) < 1e-10
    assert match(d.omegas, OMEGAS) < 1e-9
    # numpy's exact DMD on the same data (independent implementation)
    X = data(t)
    U, s, Vh = np.linalg.svd(X[:, :-1], full_matrices=False)
    U, s, Vh = U[:, :5], s[:5], Vh[:5]
    lam = np.linalg.eigvals(U.T @ X[:, 1:] @ Vh.T / s)
    assert match(d.eigenvalues, lam) < 1e-10
    x6 = d.predict(6.0)
    assert np.linalg.norm(x6 - state(6.0)) / np.linalg.norm(state(6.0)) < 1e-8
    P = d.predict(np.array([0.0, 2.0, 6.0]))
    assert P.shape == (N, 3) and np.allclose(P[:, 2], x6)
    modes = d.modes
    assert modes.shape == (N, 5) and modes.dtype == np.complex128
    assert d.operator.shape == (5, 5) and np.allclose(np.sort_complex(np.linalg.eigvals(d.operator)),
                                                      np.sort_complex(d.eigenvalues))


def test_file_round_trip_and_h5py(rk, ctx, tmp_path):
    import h5py
    t = 0.1 * np.arange(30)
    d = rk.dmd(data(t), dt=0.1, ctx=ctx)
    path = str(tmp_path / "d.h5")
    d.write(path)
    with pytest.raises(rk.RomkitError):
        d.write(path)
    with h5py.File(path, "r") as f:
        assert f.attrs["kind"] == "dmd" and f.attrs["method"] == "exact"
        lam = f["eigenvalues"][()] @ np.array([1, 1j])
        phi = (f["modes_real"][()] + 1j * f["modes_imag"][()]).T
        b = f["amplitudes"][()] @ np.array([1, 1j])
        om = f["omegas"][()] @ np.array([1, 1j])
        t0 = f["scalars"][4]
    assert np.allclose(lam, d.eigenvalues)
    x = (phi @ (b * np.exp(om * (5.0 - t0)))).real   # the documented formula
    assert np.allclose(x, d.predict(5.0), atol=1e-12)
    d2 = rk.DMD.read(path, ctx=ctx)
    assert np.allclose(d2.predict(5.0), d.predict(5.0), atol=1e-13)


def test_dmdc_recovers_A_and_B(rk, ctx):
    rng = np.random.default_rng(3)
    A = 0.5 * np.eye(4) + 0.1 * rng.standard_normal((4, 4))
    B = rng.standard_normal((4, 2))
    u = rng.standard_normal((29, 2))
    X = [np.ones(4)]
    for k in range(29):
        X.append(A @ X[-1] + B @ u[k])
    X = np.asfortranarray(np.column_stack(X))
    d = rk.dmd(X, method="dmdc", control=u, ctx=ctx)
    U = d.basis
    assert np.abs(U @ d.operator @ U.T - A).max() < 1e-9
    assert np.abs(U @ d.control_operator - B).max() < 1e-9
    assert np.abs(d.predict_control(u) - X).max() < 1e-9
    with pytest.raises(rk.RomkitError, match="control"):
        rk.dmd(X, method="dmdc", ctx=ctx)
    with pytest.raises(rk.RomkitError, match="no control input"):
        rk.dmd(X, control=u, ctx=ctx)


def test_streaming_equals_batch_and_windows(rk, ctx):
    t = 0.1 * np.arange(40)
    X = data(t)
    d = rk.dmd(X, dt=0.1, ctx=ctx)
    s = rk.StreamingDMD(N, dt=0.1, ctx=ctx)
    for j in range(X.shape[1]):
        s.add(np.ascontiguousarray(X[:, j]))
    ds = s.finalize()
    assert len(s) == 40 and ds.rank == d.rank
    assert np.abs(ds.eigenvalues - d.eigenvalues).max() < 1e-9
    dw = rk.dmd(X, dt=0.1, window=15, rank=5, ctx=ctx)
    ws = dw.windows
    assert len(ws) == 3 and all(match(w.eigenvalues, np.exp(OMEGAS * 0.1)) < 1e-8 for w in ws)


def test_irregular_times(rk, ctx):
    t = 0.05 * np.arange(120) + 0.015 * np.sin(3.0 * np.arange(120))
    d = rk.dmd(data(t), times=t, ctx=ctx)
    assert match(d.omegas, OMEGAS) < 1e-5


def test_bad_input(rk, ctx):
    X = data(0.1 * np.arange(10))
    with pytest.raises(rk.RomkitError, match="at least 2 snapshots"):
        rk.dmd(np.asfortranarray(X[:, :1]), ctx=ctx)
    t = 0.1 * np.arange(10)
    t[4] = t[3]
    with pytest.raises(rk.RomkitError, match="increase strictly"):
        rk.dmd(X, times=t, ctx=ctx)
    Y = X.copy(order="F")
    Y[3, 2] = np.nan
    with pytest.raises(rk.RomkitError, match="NaN"):
        rk.dmd(Y, ctx=ctx)
    with pytest.raises(ValueError):
        rk.dmd(X, method="nope", ctx=ctx)
    assert list(rk.DMD_METHODS) == ["exact", "dmdc", "opt", "bop"]
    assert "control" in rk.DMD_METHODS.rules("dmdc")


def test_plots(rk, ctx, tmp_path):
    pytest.importorskip("matplotlib")
    import romkit.plot as rp
    t = 0.1 * np.arange(40)
    X = data(t)
    d = rk.dmd(X, dt=0.1, ctx=ctx)
    rp.dmd_eigenvalues(d, path=str(tmp_path / "eig.png"))
    rp.dmd_modes(d, path=str(tmp_path / "modes.png"))
    rp.dmd_prediction(t, X, d.predict(t), rows=[10, 40], path=str(tmp_path / "pred.png"))
    d.write(str(tmp_path / "d.h5"))
    rp.dmd_eigenvalues(str(tmp_path / "d.h5"))
    for name in ("eig", "modes", "pred"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
