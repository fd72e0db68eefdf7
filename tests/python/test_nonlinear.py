"""Nonlinear ROMs, hyper-reduction, the FOM integrator, the Burgers problems and the
streaming SVD through the package: P1 through Python reproduces `romkit reproduce P1`,
a nonlinear host written in numpy runs through the FOM integrator and the ROMs, and C
errors reach Python with romkit's message."""
import json
import os
import subprocess

import numpy as np
import pytest

TRAIN = (0.9, 1.1)
TEST = 1.0


def romkit_bin(rk):
    """$ROMKIT_BIN, else the CLI next to the library (build/bin/romkit)."""
    path = os.environ.get("ROMKIT_BIN") or os.path.join(os.path.dirname(rk.library_path()),
                                                         "bin", "romkit")
    if not os.path.exists(path):
        pytest.skip(f"the romkit CLI is not at {path} (set ROMKIT_BIN)")
    return path


def cli_reproduce(rk, workdir, method):
    """The JSON of `romkit reproduce P1 --method M --json` (its last line)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    run = subprocess.run([romkit_bin(rk), "reproduce", "P1", "--method", method, "--json",
                          "--workdir", str(workdir)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def p1(tmp_path_factory):
    """P1's offline stage in Python, as `romkit reproduce` does it: training runs at
    a = 0.9, 1.1, state basis (POD of w^n - w^0, p = 5), residual basis (POD of the raw
    states, 30 vectors), the FOM at the test parameter."""
    from conftest import library_or_skip
    rk = library_or_skip()
    fom = rk.Burgers1D()
    n, steps = fom.local_rows, fom.steps
    S = np.empty((n, len(TRAIN) * steps), order="F")
    R = np.empty((n, len(TRAIN) * (steps + 1)), order="F")
    for i, a in enumerate(TRAIN):
        T = fom.solve(a)
        assert T.shape == (steps + 1, n)
        S[:, i * steps:(i + 1) * steps] = (T[1:] - T[0]).T
        R[:, i * (steps + 1):(i + 1) * (steps + 1)] = T.T
    u0 = fom.initial(TEST)
    pod = rk.pod(S, rank=5)
    basis = rk.Basis.from_vectors(pod.matrix, reference=u0)
    return dict(rk=rk, fom=fom, u0=u0, basis=basis, residual=rk.pod(R, rank=30),
                truth=fom.solve(TEST), workdir=tmp_path_factory.mktemp("p1_cache"))


def python_errors(p1, projection, hyper=None):
    fom = p1["fom"]
    rom = p1["rk"].NonlinearROM(fom.model, p1["basis"], reference=p1["u0"], hyper=hyper,
                                projection=projection, max_iterations=4, tolerance=1e-8)
    q, stats = rom.run([TEST], fom.dt, fom.steps, return_stats=True)
    assert q.shape == (fom.steps + 1, 5) and stats["steps"] == fom.steps
    return fom.error_metric(p1["truth"], rom.lift(q))


@pytest.mark.parametrize("method, projection", [("pod-galerkin", "galerkin"),
                                                ("pod-lspg", "lspg")])
def test_p1_reproduces_the_cli(p1, method, projection):
    avg, mx = python_errors(p1, projection)
    ref = cli_reproduce(p1["rk"], p1["workdir"], method)
    assert ref["dim"] == 5
    assert avg == pytest.approx(ref["avg_error_pct"], rel=1e-10)
    assert mx == pytest.approx(ref["max_error_pct"], rel=1e-10)


def test_p1_lspg_hr_reproduces_the_cli(p1, tmp_path):
    rk = p1["rk"]
    hr = rk.HyperReduction.create(p1["residual"], model=p1["fom"].model, state_basis=p1["basis"],
                                  reference=p1["u0"], method="deim-os", num_samples=47,
                                  residual_dim=30)
    assert (hr.num_samples, hr.residual_dim, hr.state_dim) == (47, 30, 5)
    assert hr.gappy_pinv.shape == (30, 47) and hr.state_basis_rows.shape == (hr.num_needed, 5)
    assert set(hr.sample_rows) <= set(hr.needed_rows)
    hr.write(tmp_path / "hr.h5")
    again = rk.HyperReduction.read(tmp_path / "hr.h5")
    assert np.array_equal(again.needed_rows, hr.needed_rows)
    assert np.array_equal(again.gappy_pinv, hr.gappy_pinv)
    avg, mx = python_errors(p1, "lspg", hyper=hr)
    ref = cli_reproduce(rk, p1["workdir"], "pod-lspg-hr")
    assert ref["hr_needed_rows"] == hr.num_needed
    assert avg == pytest.approx(ref["avg_error_pct"], rel=1e-10)
    assert mx == pytest.approx(ref["max_error_pct"], rel=1e-10)


class Burgers:
    """A small periodic 1D inviscid Burgers host in numpy (P1's upwind velocity)."""

    def __init__(self, n=48):
        self.n, self.dx = n, 2.0 / n
        self.left = np.roll(np.arange(n), 1)
        self.fail = False

    def initial(self, a):
        x = np.arange(self.n) * self.dx
        return np.where(x <= 1.0, 1.0 + a * np.sin(np.pi * x) ** 2, 1.0)

    def velocity(self, u, t, mu, F):
        if self.fail:
            raise ZeroDivisionError("host velocity failed on purpose")
        F[:] = -(u * u - u * u[self.left]) / self.dx

    def jacobian_matrix(self, u):
        J = np.diag(-(2 * u - u[self.left]) / self.dx)
        J[np.arange(self.n), self.left] += u / self.dx
        return J

    def jacobian(self, u, t, mu, X, Y):
        Y[:] = self.jacobian_matrix(u) @ X

    def jacobian_csr(self, u, t, mu):
        import scipy.sparse
        return scipy.sparse.csr_matrix(self.jacobian_matrix(u))

    # hyper-reduction: F at sampled rows from the state at the needed rows only
    def stencil(self, row):
        return sorted({(row - 1) % self.n, row})

    def _at(self, rows, needed, u_needed):
        here = np.searchsorted(needed, rows)
        left = np.searchsorted(needed, (rows - 1) % self.n)
        return here, left, u_needed[here], u_needed[left]

    def sampled_velocity(self, rows, needed, u_needed, t, mu, F):
        _, _, u, ul = self._at(rows, needed, u_needed)
        F[:] = -(u * u - u * ul) / self.dx

    def sampled_jacobian(self, rows, needed, u_needed, t, mu, X, Y):
        here, left, u, ul = self._at(rows, needed, u_needed)
        Y[:] = (-(2 * u - ul) / self.dx)[:, None] * X[here] + (u / self.dx)[:, None] * X[left]


@pytest.fixture
def host(rk, ctx):
    b = Burgers()
    model = rk.NonlinearModel(b.n, 1, ctx)
    model.set_velocity(b.velocity, b.jacobian)
    model.set_jacobian_csr(b.jacobian_csr)
    model.set_sampled_velocity(b.stencil, b.sampled_velocity, b.sampled_jacobian)
    return b, model


def test_python_host_checked_calls(host):
    b, model = host
    u = b.initial(0.5)
    F = model.velocity(u, 0.0, [0.5])
    expected = np.empty(b.n)
    b.velocity(u, 0.0, None, expected)
    assert np.array_equal(F, expected)
    X = np.asfortranarray(np.random.default_rng(1).standard_normal((b.n, 3)))
    assert np.allclose(model.jacobian_action(u, X, mu=[0.5]), b.jacobian_matrix(u) @ X,
                       rtol=1e-14, atol=1e-12)


def test_full_galerkin_rom_reproduces_python_fom(rk, ctx, host):
    b, model = host
    dt, steps, a = 0.002, 40, 0.5
    u0 = b.initial(a)
    traj = np.empty((steps + 1, b.n))
    seen = []
    out = rk.fom.integrate(model, u0, dt, steps, mu=[a], tolerance=1e-12, max_iterations=20,
                           out=traj, observer=lambda s, i, u: seen.append((s, i)))
    assert out is traj and np.array_equal(traj[0], u0) and seen[-1][0] == steps
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((b.n, b.n)))
    basis = rk.Basis.from_vectors(np.asfortranarray(Q), ctx=ctx)
    rom = rk.NonlinearROM(model, basis, projection="galerkin", max_iterations=20,
                          tolerance=1e-12)
    q = rom.run([a], dt, steps, q0=basis.project(u0))
    U = rom.lift(q)
    assert np.linalg.norm(U - traj) <= 1e-10 * np.linalg.norm(traj)


def test_python_host_hyper_reduction_matches_c_burgers(rk, ctx, host):
    """The numpy host is P1's discretisation: its GNAT ROM (sampled callbacks in Python)
    equals the one on romkit.Burgers1D with the same sizes."""
    b, model = host
    dt, steps, a = 0.002, 40, 0.5
    c = rk.Burgers1D(unknowns=b.n, final_time=dt * steps, steps=steps, ctx=ctx)
    u0 = c.initial(a)
    assert np.allclose(u0, b.initial(a), rtol=0, atol=1e-15)
    T = c.solve(a)
    assert np.allclose(rk.fom.integrate(model, u0, dt, steps, mu=[a]), T, rtol=0, atol=1e-9)
    S = np.asfortranarray((T[1:] - T[0]).T)
    basis = rk.Basis.from_vectors(rk.pod(S, rank=4, ctx=ctx).matrix, reference=u0)
    residual = rk.pod(np.asfortranarray(T.T), rank=6, ctx=ctx)
    q = []
    for m in (model, c.model):
        hr = rk.HyperReduction.create(residual, model=m, state_basis=basis, method="gnat",
                                      num_samples=9)
        assert hr.num_needed > hr.num_samples
        rom = rk.NonlinearROM(m, basis, hyper=hr)
        q.append(rom.run([a], dt, steps))
    assert np.abs(q[0] - q[1]).max() <= 1e-10 * np.abs(q[1]).max()


def test_callback_exception_propagates(rk, ctx, host):
    b, model = host
    basis = rk.Basis.from_vectors(np.asfortranarray(np.eye(b.n)[:, :4]), ctx=ctx)
    rom = rk.NonlinearROM(model, basis, reference=b.initial(0.5), projection="lspg")
    b.fail = True
    with pytest.raises(ZeroDivisionError, match="on purpose"):
        rom.run([0.5], 0.001, 3)
    b.fail = False
    assert rom.run([0.5], 0.001, 3).shape == (4, 4)


def test_streaming_svd_matches_numpy(rk, ctx):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((120, 6)) @ np.diag([9, 5, 3, 1, 0.5, 0.1]) @ \
        rng.standard_normal((6, 40))
    A = np.asfortranarray(A)
    svd = rk.StreamingSVD(120, ctx=ctx)
    svd.add_block(A)
    assert svd.count == 40
    s = np.linalg.svd(A, compute_uv=False)
    assert np.allclose(svd.singular_values, s[:6], rtol=1e-12, atol=0)
    basis = svd.basis(rank=6)
    U = np.linalg.svd(A, full_matrices=False)[0][:, :6]
    assert np.allclose(np.abs(basis.vectors.T @ U), np.eye(6), atol=1e-10)
    batch = rk.pod(A, rank=6, ctx=ctx)
    assert np.allclose(basis.vectors, batch.vectors, atol=1e-10)


def test_pod_file_streams_a_snapshot_file(rk, ctx, tmp_path):
    rng = np.random.default_rng(3)
    A = np.asfortranarray(rng.standard_normal((80, 4)) @ rng.standard_normal((4, 30)))
    snaps = rk.Snapshots(80, ctx)
    snaps.add_block(A)
    snaps.write(tmp_path / "s.h5")
    b = rk.pod_file(tmp_path / "s.h5", rank=4, method="incremental", memory_budget=1 << 20,
                    ctx=ctx)
    assert np.allclose(b.vectors, rk.pod(A, rank=4, ctx=ctx).vectors, atol=1e-10)


def test_c_errors_raise_romkit_error(rk, ctx):
    U = np.asfortranarray(np.linalg.qr(np.random.default_rng(2).standard_normal((50, 6)))[0])
    with pytest.raises(rk.RomkitError, match="samples cannot determine") as e:
        rk.select_samples(U, "gnat", num_samples=4, residual_dim=6, ctx=ctx)
    assert e.value.name == "ROM_ERR_ARG"
    assert len(rk.select_samples(U, "gnat", num_samples=9, ctx=ctx)) == 9
    with pytest.raises(ValueError, match="method must be one of"):
        rk.select_samples(U, "nope", ctx=ctx)
    with pytest.raises(ValueError, match="projection must be one of"):
        rk.NonlinearROM(rk.NonlinearModel(50, 0, ctx), rk.Basis.from_vectors(U, ctx=ctx),
                        projection="petrov")
    with pytest.raises(TypeError, match="float64"):
        rk.StreamingSVD(50, ctx=ctx).add(np.ones(50, dtype=np.float32))
