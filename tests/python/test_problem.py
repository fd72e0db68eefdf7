"""The problem registry from Python (romkit/problem.h, python/romkit/problem.py).

Checked against the direct FOM wrappers (Burgers1D, Burgers2D, Heat2D), which are
independent of the registry: layout, time grid, initial states and the error metric agree
bit for bit; the recipes hold the numbers of docs/problems.md; P2's symmetry is the
diagonal mirror; unknown names raise RomkitError naming the known ones.
"""
import numpy as np
import pytest


def test_registry(rk):
    names = rk.problem_names()
    assert names[:3] == ["P1", "P2", "P3"]
    assert rk.find_problem("p2") == "P2" and rk.find_problem("HEAT") == "P3"
    assert rk.find_problem("burgers1d") == "P1" and rk.find_problem("P4") is None
    assert "Burgers" in rk.problem_summary("P1")
    with pytest.raises(ValueError):
        rk.problem_summary("nope")


def test_unknown_name(rk, ctx):
    with pytest.raises(rk.RomkitError) as e:
        rk.Problem("burgers3d", ctx=ctx)
    assert "unknown problem 'burgers3d'" in str(e.value) and "P1, P2, P3" in str(e.value)


def test_p1_equals_direct(rk, ctx):
    with rk.Problem("P1", steps=40, ctx=ctx) as p, rk.Burgers1D(steps=40, ctx=ctx) as b:
        assert (p.name, p.global_rows, p.local_rows, p.row_offset) == \
            ("P1", b.global_rows, b.local_rows, b.row_offset)
        assert p.steps == b.steps == 40 and p.dt == b.dt
        assert p.num_components == 1 and p.component_rows == 1000
        assert p.component_local(0) == (1000, 0)
        assert p.cache_prefix == "P1_s40"
        lo, hi, lg = p.parameter_range
        assert lo.tolist() == [0.9] and hi.tolist() == [1.1] and not lg[0]
        u = p.initial([1.0])
        assert np.array_equal(u, b.initial(1.0))
        traj = rk.fom.integrate(p.model, u, p.dt, p.steps, mu=[1.0])
        rom = traj + 1e-3 * np.sin(np.arange(traj.size)).reshape(traj.shape)
        assert p.error(traj, rom) == b.error_metric(traj, rom)
        r = p.recipe()
        assert r["train"].tolist() == [[0.9], [1.1]] and r["test"].tolist() == [1.0]
        assert (r["dim"], r["hr_basis"], r["hr_basis_manifold"], r["hr_samples"]) == (5, 30, 31, 47)
        assert (r["tolerance"], r["tolerance_manifold"], r["max_iterations"]) == (1e-8, 1e-5, 4)
        assert (r["ae_activation"], r["ae_mask"], r["ae_batch"], r["ae_epochs"]) == \
            ("swish", "band:36:12", 20, 10000)
        with pytest.raises(rk.RomkitError):
            p.component_symmetry(0, 0)


def test_p2_equals_direct(rk, ctx):
    with rk.Problem("p2", resolution=12, steps=100, ctx=ctx) as p, \
            rk.Burgers2D(grid_points=12, steps=100, ctx=ctx) as b:
        assert p.global_rows == b.global_rows == 200 and p.component_rows == 100
        assert p.num_components == 2 and p.component_local(1) == (100, 100)
        assert p.dt == b.dt and p.cache_prefix == "P2_g12_s100"
        u = p.initial([1.05])
        assert np.array_equal(u, b.initial(1.05))
        traj = rk.fom.integrate(p.model, u, p.dt, p.steps, mu=[1.05])
        rom = traj * (1 + 1e-3 * np.cos(np.arange(traj.shape[1])))[None, :]
        for c in (0, 1):
            assert p.error(traj, rom, component=c) == b.error_metric(traj, rom, component=c)
        perm = p.component_symmetry(0, 1)
        n = 10
        assert all(perm[i + n * j] == j + n * i for i in range(n) for j in range(n))
        # v stays u mirrored across the diagonal (docs/problems.md)
        assert np.allclose(traj[-1, 100:], traj[-1, :100][perm], rtol=0, atol=1e-12)
        r = p.recipe()
        assert r["ae_mask"] == "stencil:10:10:100:10" and r["ae_minmax_scaling"]
        assert r["train"].ravel().tolist() == [0.9, 0.95, 1.05, 1.1]
        assert rk.recipe_for_rows("P2", 25, ctx=ctx)["ae_mask"] == "stencil:5:5:100:10"


def test_p3_equals_direct(rk, ctx):
    with rk.Problem("heat", resolution=9, ctx=ctx) as p, rk.Heat2D(n=9, ctx=ctx) as h:
        assert p.name == "P3" and p.global_rows == h.global_rows == 81
        assert p.num_parameters == h.num_parameters == 4 and p.steps == 0 and p.dt == 0.0
        lo, hi, lg = p.parameter_range
        assert lo.tolist() == [0.1] * 4 and hi.tolist() == [10.0] * 4 and lg.all()
        assert isinstance(p.model, rk.Model)
        mu = [0.5, 2.0, 3.0, 7.0]
        assert not p.initial(mu).any()
        u = h.solve(mu)
        v = u * (1 + 1e-2 * np.sin(np.arange(u.size)))
        avg, mx = p.error(u[None, :], v[None, :])
        assert avg == mx and avg == pytest.approx(100 * np.linalg.norm(u - v) / np.linalg.norm(u),
                                                  rel=1e-13)
        assert p.recipe()["dim"] == 0 and p.recipe()["train"].shape == (0, 4)
