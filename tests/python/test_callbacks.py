"""The host-callback contract and the API traps of issue 16 (docs/reliability.md,
"Callbacks and the Python API"): outputs a callback leaves unwritten or non-finite are
errors naming the callback, models without the callbacks a ROM needs are refused at
creation, the one-time sample-mesh setup, and the absolute divergence guards."""
import numpy as np
import pytest

from test_affine import Host, make_model, training_basis
from test_nonlinear import Burgers


def nonlinear_model(rk, ctx, b, velocity=None, jacobian="default"):
    model = rk.NonlinearModel(b.n, 1, ctx)
    model.set_velocity(velocity or b.velocity, b.jacobian if jacobian == "default" else jacobian)
    return model


def identity_basis(rk, ctx, n, k):
    return rk.Basis.from_vectors(np.asfortranarray(np.eye(n)[:, :k]), ctx=ctx)


@pytest.mark.parametrize("slip", ["returns_none", "rebinds"])
def test_velocity_that_writes_nothing_is_an_error(rk, ctx, slip):
    b = Burgers()

    def writes_nothing(u, t, mu, F):
        return None

    def rebinds(u, t, mu, F):
        F = -(u * u - u * u[b.left]) / b.dx  # noqa: F841 (the slip under test)

    model = nonlinear_model(rk, ctx, b, writes_nothing if slip == "returns_none" else rebinds)
    with pytest.raises(rk.RomkitError) as info:
        model.velocity(b.initial(0.5), 0.0, [0.5])
    e = info.value
    assert e.name == "ROM_ERR_CALLBACK"
    assert "velocity" in str(e) and "unwritten" in str(e) and "F_local[0]" in str(e)
    assert any("F[:] =" in n for n in getattr(e, "__notes__", []))
    # and through a ROM: an error, never the all-zero trajectory of the report
    rom = rk.NonlinearROM(model, identity_basis(rk, ctx, b.n, 4), reference=b.initial(0.5))
    with pytest.raises(rk.RomkitError, match="unwritten"):
        rom.run([0.5], 0.001, 3)


def test_partial_and_non_finite_outputs_are_named(rk, ctx):
    b = Burgers()

    def half(u, t, mu, F):
        F[: b.n // 2] = 0.0

    model = nonlinear_model(rk, ctx, b, half)
    with pytest.raises(rk.RomkitError, match=rf"F_local\[{b.n // 2}\] unwritten"):
        model.velocity(b.initial(0.5), 0.0, [0.5])

    def jac_nan(u, t, mu, X, Y):
        Y[:] = 0.0
        Y[3, 1] = np.inf

    model = nonlinear_model(rk, ctx, b, jacobian=jac_nan)
    X = np.asfortranarray(np.ones((b.n, 2)))
    with pytest.raises(rk.RomkitError, match=r"non-finite value Y_local\[row 3, column 1\] = inf"):
        model.jacobian_action(b.initial(0.5), X, mu=[0.5])


def test_affine_callback_that_writes_nan_fails_the_build(rk, ctx):
    """Report: a host callback writing NaN let AffineROM.build succeed and solve() return
    NaN. Now build fails naming the callback and the term."""
    host = Host()
    model = make_model(rk, ctx, host)
    basis = training_basis(rk, ctx, host, 3)
    good = host.A[1].copy()
    host.A[1] = good.copy()
    host.A[1][5, 5] = np.nan
    with pytest.raises(rk.RomkitError, match=r"operator-term.*q = 1.*non-finite value y_local\[5\]"):
        rk.AffineROM.build(model, basis)
    host.A[1] = good
    rk.AffineROM.build(model, basis)  # the same model works again

    def rhs_unwritten(q, f):
        if q == 0:
            f[:] = 1.0

    model.set_affine_rhs(2, rhs_unwritten, host.phi)
    with pytest.raises(rk.RomkitError, match=r"rhs-term.*q = 1.*unwritten"):
        rk.AffineROM.build(model, basis)

    def theta_partial(mu, out):
        out[0] = mu[0]

    model.set_affine_operator(2, host.apply, theta_partial)
    with pytest.raises(rk.RomkitError, match=r"theta\(mu\).*theta\[1\] unwritten"):
        model.coefficients([1.0, 2.0])


def test_rom_without_jacobian_is_refused_at_creation(rk, ctx):
    b = Burgers()
    model = nonlinear_model(rk, ctx, b, jacobian=None)
    with pytest.raises(rk.RomkitError, match="Jacobian action") as info:
        rk.NonlinearROM(model, identity_basis(rk, ctx, b.n, 4))
    assert info.value.name == "ROM_ERR_STATE"


def gnat(rk, ctx, model, b, a=0.5, dt=0.002, steps=40):
    u0 = b.initial(a)
    T = rk.fom.integrate(model, u0, dt, steps, mu=[a])
    S = np.asfortranarray((T[1:] - T[0]).T)
    basis = rk.Basis.from_vectors(rk.pod(S, rank=4, ctx=ctx).matrix, reference=u0)
    residual = rk.pod(np.asfortranarray(T.T), rank=6, ctx=ctx)
    hr = rk.HyperReduction.create(residual, model=model, state_basis=basis, method="gnat",
                                  num_samples=9)
    return basis, hr


class MappedBurgers(Burgers):
    """The test host with its index map built once, in the sample-mesh setup."""

    def __init__(self, n=48):
        super().__init__(n)
        self.setups, self.seen = [], set()

    def setup(self, rows, needed):
        self.setups.append((rows, needed))
        self.map = (rows, needed, *Burgers._at(self, rows, needed, needed)[:2])

    def _at(self, rows, needed, u_needed):
        self.seen.add((id(rows), id(needed)))
        r, n, here, left = self.map
        assert rows is r and needed is n  # the same read-only arrays at every call
        return here, left, u_needed[here], u_needed[left]


def test_sample_mesh_setup_is_called_once_with_read_only_arrays(rk, ctx):
    b = MappedBurgers()
    model = rk.NonlinearModel(b.n, 1, ctx)
    model.set_velocity(b.velocity, b.jacobian)
    model.set_jacobian_csr(b.jacobian_csr)
    model.set_sampled_velocity(b.stencil, b.sampled_velocity, b.sampled_jacobian, setup=b.setup)
    basis, hr = gnat(rk, ctx, model, b)
    assert b.setups == []
    rom = rk.NonlinearROM(model, basis, hyper=hr)
    assert len(b.setups) == 1
    rows, needed = b.setups[0]
    assert not rows.flags.writeable and not needed.flags.writeable
    np.testing.assert_array_equal(needed, hr.needed_rows)
    np.testing.assert_array_equal(rows, hr.sample_rows)
    q = rom.run([0.5], 0.002, 40)
    assert len(b.setups) == 1 and len(b.seen) == 1
    # the same trajectory as the plain host (copies, searchsorted at every call)
    plain = Burgers()
    pm = rk.NonlinearModel(plain.n, 1, ctx)
    pm.set_velocity(plain.velocity, plain.jacobian)
    pm.set_sampled_velocity(plain.stencil, plain.sampled_velocity, plain.sampled_jacobian)
    assert np.array_equal(rk.NonlinearROM(pm, basis, hyper=hr).run([0.5], 0.002, 40), q)


def test_sample_mesh_setup_method_can_be_overridden(rk, ctx):
    b = Burgers()
    calls = []

    class Host(rk.NonlinearModel):
        def sample_mesh_setup(self, rows, needed):
            calls.append(len(needed))

    model = Host(b.n, 1, ctx)
    model.set_velocity(b.velocity, b.jacobian)
    model.set_jacobian_csr(b.jacobian_csr)
    model.set_sampled_velocity(b.stencil, b.sampled_velocity, b.sampled_jacobian)
    basis, hr = gnat(rk, ctx, model, b)
    rk.NonlinearROM(model, basis, hyper=hr)
    assert calls == [hr.num_needed]


def test_drifting_trajectory_raises_instead_of_finishing(rk, ctx):
    """du/dt = 50 u with dt = 0.01: backward Euler doubles the state every step and every
    step's Gauss-Newton converges, so only the absolute guards can stop it."""
    n, k = 30, 3

    def velocity(u, t, mu, F):
        F[:] = 50.0 * u

    def jacobian(u, t, mu, X, Y):
        Y[:] = 50.0 * X

    model = rk.NonlinearModel(n, 0, ctx)
    model.set_velocity(velocity, jacobian)
    basis = identity_basis(rk, ctx, n, k)
    q0 = [1.0, 0.0, 0.0]
    with pytest.raises(rk.RomkitError, match=r"step 21 .*growth_factor") as info:
        rk.NonlinearROM(model, basis).run(None, 0.01, 30, q0=q0)
    assert info.value.name == "ROM_ERR_NOT_CONVERGED"
    q = rk.NonlinearROM(model, basis, growth_factor=0).run(None, 0.01, 30, q0=q0)
    assert q[-1, 0] == pytest.approx(2.0**30, rel=1e-9)   # what the guard prevented
    with pytest.raises(rk.RomkitError, match=r"step 4 .*state_bound = 10"):
        rk.NonlinearROM(model, basis, state_bound=10.0).run(None, 0.01, 30, q0=q0)
