"""Host models with Python callbacks, Galerkin ROMs, and P3 end to end via the package."""
import traceback

import numpy as np
import pytest


def laplacian_1d(n):
    h = 1.0 / (n + 1)
    return (np.diag(2.0 * np.ones(n)) - np.diag(np.ones(n - 1), 1) - np.diag(np.ones(n - 1), -1)) / h**2


class Host:
    """A tiny host FOM in numpy: (mu_0 K + mu_1 I) u = f_0 + mu_1 f_1 on 40 nodes."""

    def __init__(self, n=40):
        self.n = n
        self.A = [laplacian_1d(n), np.eye(n)]
        x = np.linspace(0.0, 1.0, n)
        self.f = [np.ones(n), x]
        self.M = np.diag(1.0 + x)
        self.fail_term = None
        self.calls = 0

    # callbacks, romkit's signatures: outputs written in place
    def apply(self, q, x, y):
        self.calls += 1
        if q == self.fail_term:
            raise ValueError(f"boom in A_{q}")
        y[:] = self.A[q] @ x

    def rhs(self, q, f):
        f[:] = self.f[q]

    def theta(self, mu, out):
        out[:] = mu

    def phi(self, mu, out):
        out[0], out[1] = 1.0, mu[1]

    def mass(self, x, y):
        y[:] = self.M @ x

    def solve(self, mu):
        A = mu[0] * self.A[0] + mu[1] * self.A[1]
        return np.linalg.solve(A, self.f[0] + mu[1] * self.f[1])


def make_model(rk, ctx, host, mass=False):
    model = rk.Model(host.n, 2, ctx)
    model.set_affine_operator(2, host.apply, host.theta)
    model.set_affine_rhs(2, host.rhs, host.phi)
    if mass:
        model.set_mass(host.mass)
    return model


def training_basis(rk, ctx, host, k):
    mus = [(a, b) for a in (0.5, 1.0, 2.0) for b in (0.1, 10.0, 100.0)]
    S = np.asfortranarray(np.column_stack([host.solve(mu) for mu in mus]))
    return rk.pod(S, rank=k, ctx=ctx)


def test_python_callbacks_build_a_correct_rom(rk, ctx, tmp_path):
    host = Host()
    model = make_model(rk, ctx, host)
    assert (model.local_rows, model.num_parameters, model.operator_terms, model.rhs_terms) == (40, 2, 2, 2)
    basis = training_basis(rk, ctx, host, 5)
    rom = rk.AffineROM.build(model, basis)
    assert host.calls > 0 and rom.dim == 5
    mu = np.array([1.3, 4.0])
    theta, phi = model.coefficients(mu)
    np.testing.assert_array_equal(theta, mu)
    np.testing.assert_array_equal(phi, [1.0, 4.0])
    q = rom.solve(theta, phi)
    # The same Galerkin system assembled in numpy from the host's matrices:
    V = basis.vectors
    Ar = sum(t * V.T @ A @ V for t, A in zip(theta, host.A))
    fr = sum(p * V.T @ f for p, f in zip(phi, host.f))
    np.testing.assert_allclose(q, np.linalg.solve(Ar, fr), rtol=1e-9)
    u = basis.lift(q)
    assert np.linalg.norm(u - host.solve(mu)) / np.linalg.norm(host.solve(mu)) < 1e-3
    # the ROM file holds everything the online stage needs
    rom.write(tmp_path / "rom.h5")
    back = rk.AffineROM.read(tmp_path / "rom.h5", ctx)
    np.testing.assert_allclose(back.solve(theta, phi), q, rtol=1e-13)
    # checked calls into the host
    x = np.linspace(0.0, 1.0, 40)
    np.testing.assert_allclose(model.apply_operator_term(0, x), host.A[0] @ x)
    np.testing.assert_array_equal(model.rhs_term(1), host.f[1])
    np.testing.assert_array_equal(model.apply_mass(x), x)       # identity by default


def test_transient_with_a_python_mass_matrix(rk, ctx):
    host = Host()
    model = make_model(rk, ctx, host, mass=True)
    np.testing.assert_allclose(model.apply_mass(np.ones(40)), host.M @ np.ones(40))
    basis = training_basis(rk, ctx, host, 4)
    rom = rk.AffineROM.build(model, basis)
    theta, phi, dt, steps = [1.0, 2.0], [1.0, 2.0], 1e-3, 5
    traj = rom.transient(theta, phi, dt, steps)
    assert traj.shape == (steps + 1, 4)
    V = basis.vectors
    Mr = V.T @ host.M @ V
    Ar = sum(t * V.T @ A @ V for t, A in zip(theta, host.A))
    fr = sum(p * V.T @ f for p, f in zip(phi, host.f))
    q = np.zeros(4)
    for n in range(steps):
        q = np.linalg.solve(Mr + dt * Ar, Mr @ q + dt * fr)
        np.testing.assert_allclose(traj[n + 1], q, rtol=1e-9, atol=1e-12)


def test_exception_in_a_python_callback_propagates_after_the_c_call(rk, ctx):
    host = Host()
    model = make_model(rk, ctx, host)
    basis = training_basis(rk, ctx, host, 3)
    host.fail_term = 1
    with pytest.raises(ValueError, match="boom in A_1") as info:
        rk.AffineROM.build(model, basis)
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "apply" in frames                     # the original traceback, into the callback
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "ROM_ERR_CALLBACK" in notes
    with pytest.raises(ValueError, match="boom"):
        model.apply_operator_term(1, np.zeros(40))
    host.fail_term = None                        # the model is still usable afterwards
    assert rk.AffineROM.build(model, basis).dim == 3


def test_callback_status_and_misuse(rk, ctx):
    model = rk.Model(10, 1, ctx)
    model.set_affine_operator(1, lambda q, x, y: 5)            # non-zero status: failure
    with pytest.raises(rk.RomkitError) as info:
        model.apply_operator_term(0, np.zeros(10))
    assert info.value.name == "ROM_ERR_CALLBACK"
    model.set_affine_operator(1, lambda q, x, y: x * 2)        # returns instead of writing
    with pytest.raises(TypeError, match="write its output in place"):
        model.apply_operator_term(0, np.zeros(10))

    def write_into_input(q, x, y):
        x[0] = 1.0                                              # x is read-only

    model.set_affine_operator(1, write_into_input)
    with pytest.raises(ValueError, match="read-only"):
        model.apply_operator_term(0, np.zeros(10))
    with pytest.raises(TypeError, match="callable"):
        model.set_affine_operator(1, "not a function")


def test_p3_pipeline_error_decreases_with_k(rk, ctx, tmp_path):
    """The demo pipeline on P3 through the Python API: FOM snapshots -> POD -> basis file
    -> Galerkin ROMs -> errors at unseen parameters, decreasing with k."""
    rng = np.random.default_rng(42)
    fom = rk.Heat2D(n=20, ctx=ctx)
    assert fom.global_rows == 400 and fom.num_parameters == 4
    train = 10.0 ** rng.uniform(-1.0, 1.0, (24, 4))
    test = 10.0 ** rng.uniform(-1.0, 1.0, (4, 4))
    with rk.Snapshots(fom.local_rows, ctx, num_parameters=4,
                      stream_path=tmp_path / "snapshots.h5") as snaps:
        for mu in train:
            snaps.add(fom.solve(mu), time=0.0, params=mu)
        pod = rk.pod(snaps, rank=20)
    pod.write(tmp_path / "basis.h5")
    basis = rk.Basis.read(tmp_path / "basis.h5", ctx)
    s = basis.singular_values
    assert np.all(np.diff(s) <= 0)
    reference = [fom.solve(mu) for mu in test]
    errors = []
    for k in (1, 2, 4, 8, 16):
        bk = basis.truncated(k)
        rom = rk.AffineROM.build(fom.model, bk)
        rom.write(tmp_path / f"rom_{k}.h5")
        rom = rk.AffineROM.read(tmp_path / f"rom_{k}.h5", ctx)
        worst = 0.0
        for mu, u in zip(test, reference):
            theta, phi = fom.model.coefficients(mu)
            u_rom = bk.lift(rom.solve(theta, phi))
            worst = max(worst, np.linalg.norm(u_rom - u) / np.linalg.norm(u))
        errors.append(worst)
    assert all(b < a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-2, errors
    # transient P3 with the steady basis: the ROM trajectory follows the FOM's (loosely: the
    # early transient states are not in the span of the steady snapshots)
    traj = fom.transient(test[0], 0.01, 10)
    assert traj.shape == (11, fom.local_rows)
    rom = rk.AffineROM.build(fom.model, basis)
    theta, phi = fom.model.coefficients(test[0])
    q = rom.transient(theta, phi, 0.01, 10)
    u_last = basis.lift(q[-1])
    assert np.linalg.norm(u_last - traj[-1]) / np.linalg.norm(traj[-1]) < 0.1


def test_p3_error_bounds(rk, ctx):
    """The estimator through Python on P3 (n = 16): the X-norm bound holds against the FOM
    (||e||_X^2 = e^T A(1) e by the term callbacks), the transient bound holds, bad input
    raises."""
    rng = np.random.default_rng(5)
    fom = rk.Heat2D(n=16, ctx=ctx)
    train = 10.0 ** rng.uniform(-1.0, 1.0, (12, 4))
    S = np.asfortranarray(np.column_stack([fom.solve(mu) for mu in train]))
    basis = rk.pod(S, rank=6, ctx=ctx)
    rom = rk.AffineROM.build(fom.model, basis)
    assert not rom.has_estimator
    rom.build_estimator(fom.model, basis)
    assert rom.has_estimator
    for mu in 10.0 ** rng.uniform(-1.0, 1.0, (10, 4)):
        theta, phi = fom.model.coefficients(mu)
        q = rom.solve(theta, phi)
        e = fom.solve(mu) - basis.lift(q)
        ex = np.sqrt(sum(e @ fom.model.apply_operator_term(t, e) for t in range(4)))
        b = rom.error_bound(theta, phi, q)
        assert ex <= b["x_bound"] and b["alpha_lb"] == min(mu)
    theta, phi = fom.model.coefficients(train[0])
    traj = rom.transient(theta, phi, 0.01, 5)
    tb = rom.transient_bound(theta, phi, 0.01, traj)
    ufom = fom.transient(train[0], 0.01, 5)
    for n in range(1, 6):
        assert np.linalg.norm(ufom[n] - basis.lift(traj[n])) <= tb[n]
    with pytest.raises(rk.RomkitError):
        rom.error_bound(-np.ones(4), phi, q)
    # the successive constraint method instead of min-theta (exact on P3): 0 < LB <= min(mu),
    # the bound still holds, bad input raises
    scm = rk.AffineROM.build(fom.model, basis)
    scm.build_estimator(fom.model, basis, scm_train=10.0 ** rng.uniform(-1.0, 1.0, (30, 4)))
    for mu in 10.0 ** rng.uniform(-1.0, 1.0, (10, 4)):
        theta, phi = fom.model.coefficients(mu)
        lb = scm.coercivity_lower_bound(theta)
        assert 0.0 < lb <= min(mu) * (1 + 1e-9)
        q = scm.solve(theta, phi)
        e = fom.solve(mu) - basis.lift(q)
        ex = np.sqrt(sum(e @ fom.model.apply_operator_term(t, e) for t in range(4)))
        assert ex <= scm.error_bound(theta, phi, q)["x_bound"]
    with pytest.raises(rk.RomkitError, match="scm_eps"):
        scm.build_estimator(fom.model, basis, scm_train=np.ones((3, 4)), scm_eps=0.0)
    with pytest.raises(ValueError):
        scm.build_estimator(fom.model, basis, scm_train=np.ones((3, 2)))
