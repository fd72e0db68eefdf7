"""Sweeps and ROM outputs from Python (romkit.sweep, romkit.Design, romkit.add_output) and the
plot helpers (romkit.plot).

- the Python sweep writes the same file as `romkit sweep` on the same ROM file (every
  dataset bit for bit, every attribute but ranks and created), at 1 and 2 CLI ranks;
- outputs equal l^T u of the lifted ROM solution; custom coefficient callables and the
  model's coefficients give the default map's bits; errors (a singular sample, an exception
  in the callback, bad ranges) surface as Python exceptions with romkit's sentence;
- every plot helper writes a PNG (Agg, no display) without error.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")
MPIRUN = shutil.which("mpirun") or shutil.which("mpiexec")
N1D = 16


def run_cli(args, np_=1):
    launcher = [] if np_ == 1 else [MPIRUN, "-n", str(np_), "--allow-run-as-root", "--oversubscribe"]
    e = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
             OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return subprocess.run(launcher + [ROMKIT_BIN, "sweep"] + list(args), capture_output=True,
                          text=True, env=e, timeout=300)


@pytest.fixture
def heat(rk, ctx):
    """P3 on a 16 x 16 grid, a POD ROM with two outputs, and the output weights."""
    fom = rk.Heat2D(n=N1D, ctx=ctx)
    design = rk.Design.lhs([(0.1, 10.0)] * 4, samples=24, seed=3, log=True, ctx=ctx)
    S = np.asfortranarray(np.column_stack([fom.solve(mu) for mu in design.parameters()]))
    basis = rk.pod(S, energy=1 - 1e-10, ctx=ctx)
    rom = rk.AffineROM.build(fom.model, basis)
    N = fom.global_rows
    l_avg = np.full(N, 1.0 / N)
    l_probe = np.zeros(N)
    l_probe[(N1D // 2) * N1D + N1D // 4] = 1.0
    rk.add_output(rom, basis, "T_average", l_avg)
    rk.add_output(rom, basis, "T_probe", l_probe)
    return fom, basis, rom, (l_avg, l_probe)


def test_outputs_equal_weights_times_lifted_solution(rk, heat):
    fom, basis, rom, ls = heat
    assert rk.output_names(rom) == ["T_average", "T_probe"]
    mu = np.array([0.3, 2.0, 5.0, 0.7])
    theta, phi = fom.model.coefficients(mu)
    q = rom.solve(theta, phi)
    u = basis.lift(q)
    s = rk.evaluate_outputs(rom, q)
    assert np.allclose(s, [l @ u for l in ls], rtol=1e-12, atol=0)
    u_fom = fom.solve(mu)
    assert np.allclose(s, [l @ u_fom for l in ls], rtol=1e-3)   # within the ROM error (~2e-4)
    with pytest.raises(rk.RomkitError, match="already has an output"):
        rk.add_output(rom, basis, "T_average", ls[0])


def test_python_sweep_equals_cli_file(rk, heat, ctx, tmp_path):
    if not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN):
        pytest.skip("ROMKIT_BIN is not set (run through ctest)")
    _, _, rom, _ = heat
    rom_path = str(tmp_path / "rom.h5")
    rom.write(rom_path)
    back = rk.AffineROM.read(rom_path, ctx=ctx)
    assert rk.output_names(back) == ["T_average", "T_probe"]
    design = rk.Design.lhs([(0.1, 10.0)] * 4, samples=500, seed=5, log=True, ctx=ctx)
    result = rk.sweep(back, design)
    assert result.num_samples == 500 and result.output_names == ["T_average", "T_probe"]
    assert result.outputs.shape == (500, 2) and not result.outputs.flags.writeable
    py_path = str(tmp_path / "py.h5")
    result.write(py_path)
    for np_ in ([1, 2] if MPIRUN else [1]):
        cli_path = str(tmp_path / f"cli{np_}.h5")
        r = run_cli([rom_path, "--design", "lhs", "--samples", "500", "--seed", "5", "--log",
                     "-o", cli_path], np_)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "samples/s" in r.stdout and "T_probe" in r.stdout
        with h5py.File(py_path, "r") as a, h5py.File(cli_path, "r") as b:
            assert set(a) == set(b)
            for key in a:
                assert np.array_equal(a[key][...], b[key][...]), key
            for key in a.attrs:
                if key not in ("created", "ranks"):
                    assert a.attrs[key] == b.attrs[key], key
            assert b.attrs["ranks"] == np_
    d = rk.read_sweep(py_path)
    assert d["output_names"] == ["T_average", "T_probe"] and d["design"] == "lhs"
    assert np.array_equal(d["outputs"], result.outputs)
    assert np.array_equal(d["parameters"], design.parameters())
    st = result.statistics
    assert np.allclose(st["mean"], result.outputs.mean(0), rtol=1e-13)
    assert np.allclose(st["variance"], result.outputs.var(0, ddof=1), rtol=1e-12)
    assert np.array_equal(st["max"], result.outputs.max(0))


def test_coefficient_callables_and_model(rk, heat, ctx):
    fom, _, rom, _ = heat
    design = rk.Design.monte_carlo([(0.5, 2.0)] * 4, samples=50, seed=1, ctx=ctx)
    default = rk.sweep(rom, design).outputs.copy()

    def coef(mu, theta, phi):
        theta[:] = mu
        phi[:] = 1.0

    assert np.array_equal(rk.sweep(rom, design, coef).outputs, default)
    assert np.array_equal(rk.sweep(rom, design, fom.model).outputs, default)

    def broken(mu, theta, phi):
        raise KeyError("no coefficients for this mu")

    with pytest.raises(KeyError, match="no coefficients"):
        rk.sweep(rom, design, broken)

    third = design.sample(3)

    def singular(mu, theta, phi):
        theta[:] = 0.0 if np.array_equal(mu, third) else mu
        phi[:] = 1.0

    with pytest.raises(rk.RomkitError, match="sample 3 of 50") as err:
        rk.sweep(rom, design, singular)
    assert err.value.name == "ROM_ERR_SINGULAR"


def test_designs(rk, ctx):
    g = rk.Design.grid([(1.0, 2.0), (0.1, 10.0)], counts=[3, 2], log=[False, True], ctx=ctx)
    assert g.kind == "grid" and g.samples == 6
    assert np.allclose(g.parameters(), [[1, 0.1], [1.5, 0.1], [2, 0.1], [1, 10], [1.5, 10], [2, 10]])
    lhs = rk.Design.lhs([(0.0, 1.0)] * 3, samples=97, seed=11, ctx=ctx)
    strata = np.floor(lhs.parameters() * 97).astype(int)
    assert all(sorted(strata[:, j]) == list(range(97)) for j in range(3))
    with pytest.raises(rk.RomkitError, match="parameter 1") as err:
        rk.Design.monte_carlo([(0.0, 1.0), (2.0, 2.0)], samples=5, ctx=ctx)
    assert err.value.name == "ROM_ERR_ARG"
    with pytest.raises(rk.RomkitError, match="low > 0"):
        rk.Design.lhs([(0.0, 1.0)], samples=5, log=True, ctx=ctx)
    with pytest.raises(rk.RomkitError, match="samples >= 1"):
        rk.Design.monte_carlo([(0.0, 1.0)], samples=0, ctx=ctx)


def test_plot_helpers_write_pngs(rk, heat, ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    pytest.importorskip("matplotlib")
    from romkit import plot
    fom, basis, rom, _ = heat
    basis_path = str(tmp_path / "basis.h5")
    basis.write(basis_path)
    mu = np.array([0.2, 1.0, 4.0, 0.5])
    u = fom.solve(mu)
    ur = basis.lift(rom.solve(*fom.model.coefficients(mu)))
    result = rk.sweep(rom, rk.Design.monte_carlo([(0.1, 10)] * 4, samples=300, ctx=ctx))
    sweep_path = str(tmp_path / "sweep.h5")
    result.write(sweep_path)
    made = {
        "sv_file": plot.singular_values(basis_path, k=basis.dim, path=str(tmp_path / "a.png")),
        "sv_array": plot.singular_values(basis.singular_values, path=str(tmp_path / "b.png")),
        "err_k": plot.error_vs_basis_size([1, 2, 4], {"mean": [1e-1, 1e-2, 1e-4],
                                                       "max": [2e-1, 3e-2, 1e-3]},
                                          path=str(tmp_path / "c.png")),
        "err_t": plot.error_over_time(np.linspace(0, 1, 11), np.logspace(-6, -3, 11),
                                      path=str(tmp_path / "d.png")),
        "f2d": plot.fields_2d(u, ur, shape=(N1D, N1D), path=str(tmp_path / "e.png")),
        "f1d": plot.fields_1d(np.arange(N1D), u[:N1D], ur[:N1D], path=str(tmp_path / "f.png")),
        "hist_file": plot.histogram(sweep_path, output="T_probe", path=str(tmp_path / "g.png")),
        "hist_array": plot.histogram(result.outputs, output=0, reference=result.outputs[:50, 0],
                                     path=str(tmp_path / "h.png")),
    }
    for name, fig in made.items():
        assert fig is not None, name
    for png in "abcdefgh":
        with open(tmp_path / f"{png}.png", "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", png
    with pytest.raises(ValueError, match="no output"):
        plot.histogram(sweep_path, output="T_nowhere")
