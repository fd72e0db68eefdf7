"""The nonlinear-manifold ROMs through the package (romkit.ManifoldROM,
HyperReduction.attach_decoder):
 - with a linear decoder g(q) = Phi q they are the POD ROMs on Phi (Lee & Carlberg 2020;
   include/romkit/nonlinear_rom.h): NM-Galerkin = POD-Galerkin, NM-LSPG = POD-LSPG and
   NM-LSPG-HR = POD-LSPG-HR on the same samples, to round-off;
 - on P1 with the network `romkit reproduce` trains (3 epochs, cached), NM-Galerkin,
   NM-LSPG and NM-LSPG-HR from Python give the CLI's errors."""
import json
import os
import subprocess

import numpy as np
import pytest

from test_nonlinear import romkit_bin


def linear_autoencoder(rk, ctx, Phi):
    """An autoencoder whose decoder is exactly q -> Phi q: k -> k (identity weights) ->
    N (weights Phi), identity activations, no biases; the encoder is Phi^T."""
    n, k = Phi.shape
    ae = rk.Autoencoder.from_layers([{"in": n, "out": k}],
                                    [{"in": k, "out": k}, {"in": k, "out": n}], ctx=ctx)
    ae.weights(0)[:] = Phi.T
    ae.weights(1)[:] = np.eye(k)
    ae.weights(2)[:] = Phi
    return ae


@pytest.fixture(scope="module")
def small_burgers():
    from conftest import library_or_skip
    rk = library_or_skip()
    fom = rk.Burgers1D(unknowns=240, steps=120)
    S = np.asfortranarray(np.vstack([fom.solve(a)[1:] - fom.initial(a) for a in (0.9, 1.1)]).T)
    R = np.asfortranarray(np.vstack([fom.solve(a) for a in (0.9, 1.1)]).T)
    return dict(rk=rk, fom=fom, Phi=np.asfortranarray(rk.pod(S, rank=4).matrix.array),
                R=R)


@pytest.mark.parametrize("projection", ["galerkin", "lspg"])
def test_linear_decoder_equals_pod_rom(small_burgers, projection):
    rk, fom, Phi = small_burgers["rk"], small_burgers["fom"], small_burgers["Phi"]
    ctx = fom.ctx
    u0 = fom.initial(1.0)
    ae = linear_autoencoder(rk, ctx, Phi)
    g, J = ae.decode_jacobian([0.1, 0.2, -0.1, 0.05])
    np.testing.assert_allclose(J, Phi, rtol=0, atol=0)
    basis = rk.Basis.from_vectors(Phi, reference=u0)
    pod = rk.NonlinearROM(fom.model, basis, reference=u0, projection=projection,
                          max_iterations=10, tolerance=1e-12)
    nm = rk.ManifoldROM(fom.model, ae, reference=u0, projection=projection, max_iterations=10,
                        tolerance=1e-12)
    assert nm.dim == 4 and "nm-" + projection in repr(nm)
    qp = pod.run([1.0], fom.dt, fom.steps)
    qn, stats = nm.run([1.0], fom.dt, fom.steps, return_stats=True)
    assert stats["steps"] == fom.steps
    np.testing.assert_allclose(qn, qp, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(nm.lift(qn), pod.lift(qp), rtol=1e-9, atol=1e-11)
    assert np.abs(qp[-1]).max() > 0.1  # the trajectory moved


def test_linear_decoder_hr_equals_pod_hr(small_burgers):
    rk, fom, Phi, R = (small_burgers[k] for k in ("rk", "fom", "Phi", "R"))
    ctx = fom.ctx
    u0 = fom.initial(1.0)
    ae = linear_autoencoder(rk, ctx, Phi)
    residual = rk.pod(R, rank=12)
    basis = rk.Basis.from_vectors(Phi, reference=u0)
    hr_pod = rk.HyperReduction.create(residual, model=fom.model, state_basis=basis,
                                      reference=u0, method="gnat", num_samples=20)
    hr_nm = rk.HyperReduction.create(residual, method="gnat", num_samples=20, ctx=ctx)
    assert hr_nm.decoder is None
    hr_nm.attach_decoder(fom.model, ae, reference=u0)
    assert np.array_equal(hr_nm.needed_rows, hr_pod.needed_rows)
    assert hr_nm.state_dim == 4 and hr_nm.decoder.num_rows == hr_nm.num_needed
    g, J = hr_nm.decoder.decode(np.ones(4))
    np.testing.assert_allclose(J, Phi[hr_nm.needed_rows], rtol=0, atol=0)
    q = rk.NonlinearROM(fom.model, basis, hyper=hr_pod, max_iterations=10,
                        tolerance=1e-12).run([1.0], fom.dt, fom.steps)
    nm = rk.ManifoldROM(fom.model, None, hyper=hr_nm, max_iterations=10, tolerance=1e-12)
    qn = nm.run([1.0], fom.dt, fom.steps)
    np.testing.assert_allclose(qn, q, rtol=1e-9, atol=1e-11)
    with pytest.raises(ValueError, match="lift"):
        nm.lift(qn[0])
    with pytest.raises(rk.RomkitError):  # Galerkin with hyper-reduction: unsupported
        rk.ManifoldROM(fom.model, ae, hyper=hr_nm, projection="galerkin")


def cli_reproduce(rk, workdir, method):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    run = subprocess.run([romkit_bin(rk), "reproduce", "P1", "--method", method, "--ae-epochs",
                          "3", "--json", "--workdir", str(workdir)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_p1_manifold_roms_reproduce_the_cli(rk, ctx, tmp_path):
    """`romkit reproduce P1 --method nm-* --ae-epochs 3`: the CLI trains and caches the
    network and the residual basis; Python reads them and gets the same errors."""
    refs = {m: cli_reproduce(rk, tmp_path, m) for m in ("nm-lspg", "nm-galerkin", "nm-lspg-hr")}
    ae = rk.Autoencoder.read(tmp_path / "P1_ae_c0_k5_seed42_e3_train0.9,1.1.h5", ctx=ctx)
    recipe = rk.Problem("P1", ctx=ctx).recipe()
    fom = rk.Burgers1D(ctx=ctx)
    truth = fom.solve(1.0)
    u0 = fom.initial(1.0)
    common = dict(max_iterations=recipe["max_iterations"], tolerance=recipe["tolerance_manifold"])
    for method, projection in (("nm-lspg", "lspg"), ("nm-galerkin", "galerkin")):
        rom = rk.ManifoldROM(fom.model, ae, reference=u0, projection=projection, **common)
        q = rom.run([1.0], fom.dt, fom.steps)  # q0 = 0: u_ref = u0, g(0) = 0 (no biases)
        avg, mx = fom.error_metric(truth, rom.lift(q))
        assert avg == pytest.approx(refs[method]["avg_error_pct"], rel=1e-10), method
        assert mx == pytest.approx(refs[method]["max_error_pct"], rel=1e-10), method
    nb = recipe["hr_basis_manifold"]
    residual = rk.Basis.read(tmp_path / f"P1_resbasis_c0_nb{nb}_train0.9,1.1.h5", ctx=ctx)
    hr = rk.HyperReduction.create(residual, method="deim-os", num_samples=recipe["hr_samples"],
                                  residual_dim=nb, ctx=ctx)
    hr.attach_decoder(fom.model, ae, reference=u0)
    ref = refs["nm-lspg-hr"]
    assert hr.num_needed == ref["hr_needed_rows"]
    assert hr.decoder.num_hidden_units == ref["hr_decoder_hidden_units"]
    rom = rk.ManifoldROM(fom.model, ae, reference=u0, hyper=hr, **common)
    q = rom.run([1.0], fom.dt, fom.steps)
    avg, mx = fom.error_metric(truth, rom.lift(q))
    assert avg == pytest.approx(ref["avg_error_pct"], rel=1e-10)
    assert mx == pytest.approx(ref["max_error_pct"], rel=1e-10)


def test_bad_input(small_burgers):
    rk, fom = small_burgers["rk"], small_burgers["fom"]
    other = rk.Autoencoder(100, 3, ctx=fom.ctx)  # 100 outputs, the model has 240 rows
    with pytest.raises(rk.RomkitError, match="240|100"):
        rk.ManifoldROM(fom.model, other)
    with pytest.raises(TypeError):
        rk.ManifoldROM(fom.model, [other, "not a network"])
    with pytest.raises(ValueError):
        rk.ManifoldROM(fom.model, [])
    hr = rk.HyperReduction.create(rk.pod(small_burgers["R"], rank=6), method="gnat",
                                  num_samples=8, ctx=fom.ctx)
    with pytest.raises(rk.RomkitError):
        hr.attach_decoder(fom.model, other)
