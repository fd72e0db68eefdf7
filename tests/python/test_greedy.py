"""romkit.greedy (python/romkit/greedy.py) against the CLI and against numpy.

- the numbers equal the CLI's: `romkit greedy` and romkit.greedy on the same problem and
  training set choose the same training points, print the same max estimates (to the
  CLI's 4 digits) and write the same ROM (solves agree to 1e-12);
- the basis is orthonormal (numpy) and the progress callback sees every iteration;
- the default first point is the argmax of the empty basis's estimate; first_index=0 the
  given point;
- adaptive refinement (adaptive_pool): the same choices as `romkit greedy --adaptive`, and
  the final ROM's bound at the last safety check's fresh points (recomputed from the pool
  design here) is below the tolerance;
- bad input raises RomkitError naming the argument.
"""
import os
import re
import subprocess

import numpy as np
import pytest

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")
N1D = 8


def training(rk, ctx, problem):
    lo, hi, log = problem.parameter_range
    return rk.Design.grid(list(zip(lo, hi)), counts=3, log=log, ctx=ctx)


@pytest.mark.parametrize("estimator", ["strong", "weak"])
def test_greedy_matches_cli(rk, ctx, tmp_path, estimator):
    if not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN):
        pytest.skip("ROMKIT_BIN is not set (run through ctest)")
    problem = rk.Problem("heat", resolution=N1D, ctx=ctx)
    seen = []
    g = rk.greedy(problem.model, training(rk, ctx, problem), estimator=estimator, tol=1e-300,
                  max_size=6, progress=lambda it, i, mu, e, s: seen.append((it, i, e)))
    assert g.size == 6 and g.stop_reason == "max-size"
    assert [s[0] for s in seen] == list(range(6))
    assert [s[1] for s in seen] == list(g.indices)
    np.testing.assert_array_equal([s[2] for s in seen], g.max_estimates)
    V = g.basis.vectors
    assert np.abs(V.T @ V - np.eye(6)).max() < 1e-12

    rom_path = tmp_path / "greedy_rom.h5"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    run = subprocess.run([ROMKIT_BIN, "greedy", "--problem", "heat", "--resolution", str(N1D),
                          "--design", "grid", "--samples", "81", "--estimator", estimator,
                          "--tol", "1e-300", "--max-size", "6", "--out", str(rom_path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = re.findall(r"k = +(\d+) +point +(\d+) .*max estimate (\S+)", run.stdout)
    assert len(rows) == 6, run.stdout
    assert [int(r[1]) for r in rows] == list(g.indices)
    for r, e in zip(rows, g.max_estimates):
        assert float(r[2]) == pytest.approx(e, rel=1e-3)
    rom = rk.AffineROM.read(rom_path, ctx=ctx)
    mu = np.array([0.3, 2.0, 7.0, 0.15])
    np.testing.assert_allclose(rom.solve(mu, [1.0]), g.rom.solve(mu, [1.0]), rtol=1e-12,
                               atol=1e-14)


def test_greedy_bad_input(rk, ctx):
    problem = rk.Problem("heat", resolution=N1D, ctx=ctx)
    design = training(rk, ctx, problem)
    with pytest.raises(rk.RomkitError, match="tolerance"):
        rk.greedy(problem.model, design, estimator="strong", tol=0.0)
    with pytest.raises(rk.RomkitError, match="max_size"):
        rk.greedy(problem.model, design, estimator="strong", max_size=0)
    with pytest.raises(rk.RomkitError, match="empty"):
        rk.greedy(problem.model, np.zeros((0, 4)), estimator="strong")
    with pytest.raises(ValueError, match="estimator"):
        rk.greedy(problem.model, design, estimator="best")


def test_greedy_first_and_adaptive_match_cli(rk, ctx):
    if not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN):
        pytest.skip("ROMKIT_BIN is not set (run through ctest)")
    problem = rk.Problem("heat", resolution=N1D, ctx=ctx)
    lo, hi, log = problem.parameter_range
    box = list(zip(lo, hi))
    design = rk.Design.lhs(box, samples=20, seed=42, log=log, ctx=ctx)
    g0 = rk.greedy(problem.model, design, tol=1e-8, max_size=3, first_index=0)
    assert g0.indices[0] == 0
    # P3: f fixed, theta = mu, X = A(1, 1, 1, 1): the empty basis's estimate is largest at
    # the smallest min_q mu_q
    mus = np.array([design.sample(i) for i in range(20)])
    ga = rk.greedy(problem.model, design, tol=1e-8, max_size=3)
    assert ga.indices[0] == int(np.argmin(mus.min(axis=1)))
    # adaptive, with the CLI's pool (Monte Carlo, seed + 3) and 100 fresh points per check
    pool = rk.Design.monte_carlo(box, samples=1 << 40, seed=45, log=log, ctx=ctx)
    g = rk.greedy(problem.model, design, tol=1e-8, max_size=40, adaptive_pool=pool,
                  adaptive_validation=100)
    assert g.stop_reason == "tolerance" and g.validations >= 1
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    run = subprocess.run([ROMKIT_BIN, "greedy", "--resolution", str(N1D), "--samples", "20",
                          "--seed", "42", "--tol", "1e-8", "--max-size", "40", "--adaptive",
                          "--validation-samples", "100"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = re.findall(r"k = +(\d+) +point +(\d+) .*max estimate (\S+)", run.stdout)
    assert [int(r[1]) for r in rows] == list(g.indices)
    drawn = g.pool_samples
    assert f"{drawn} fresh Monte Carlo points drawn" in run.stdout
    bounds = []
    for j in range(drawn - 100, drawn):
        mu = pool.sample(j)
        q = g.rom.solve(mu, [1.0])
        bounds.append(g.rom.error_bound(mu, [1.0], q)["x_bound"])
    assert max(bounds) <= 1e-8
    with pytest.raises(rk.RomkitError, match="adaptive_pool"):
        rk.greedy(problem.model, design, estimator="strong", adaptive_pool=pool)
    with pytest.raises(ValueError, match="first_index"):
        rk.greedy(problem.model, design, first_index="first")
