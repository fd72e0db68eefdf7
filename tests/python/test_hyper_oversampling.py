"""Oversampled QDEIM ("qdeim-e", GappyPOD+E: Peherstorfer, Drmac, Gugercin, SIAM J. Sci.
Comput. 42, 2020, Algorithm 2) against an independent numpy/scipy re-implementation of the
paper's algorithm (scipy's column-pivoted QR for the QDEIM points, numpy's SVD for the
eigen-gap), and its known properties: the first nb rows are QDEIM's, each extra row raises
sigma_min(P^T U)^2 by at least the lemma's bound r/2, and the gappy error factor
||(P^T U)^+||_2 falls with oversampling and beats random extra rows.
The same selection at 1, 2 and 4 ranks: tests/mpi/hyper.c."""
import numpy as np
import pytest

scipy_linalg = pytest.importorskip("scipy.linalg")


def gpode_reference(U, ns):
    """The paper's Algorithm 2, written from the paper (not from romkit's C)."""
    nb = U.shape[1]
    p = list(scipy_linalg.qr(U.T, pivoting=True, mode="r")[1][:nb])
    bounds = []
    for _ in range(nb, ns):
        _, s, Wt = np.linalg.svd(U[p, :], full_matrices=False)
        g = s[-2] ** 2 - s[-1] ** 2 if nb > 1 else np.inf
        a = np.sum(U ** 2, axis=1)
        b = (U @ Wt[-1]) ** 2
        if np.isinf(g):
            r = 2 * b
        else:
            r = g + a - np.sqrt(np.maximum((g + a) ** 2 - 4 * g * b, 0))
        r[p] = -np.inf
        i = int(np.argmax(r))
        bounds.append(r[i] / 2)
        p.append(i)
    return np.array(p), bounds


def basis(rng, N, nb):
    # a POD-like basis: orthonormal columns of a graded random matrix
    A = rng.standard_normal((N, nb)) * 0.5 ** np.arange(nb)
    return np.asfortranarray(np.linalg.qr(A)[0])


def smin(U, rows):
    return np.linalg.svd(U[rows, :], compute_uv=False)[-1]


@pytest.mark.parametrize("N,nb,ns", [(60, 5, 5), (60, 5, 12), (80, 8, 20), (50, 1, 4)])
def test_qdeim_e_equals_reference(rk, ctx, N, nb, ns):
    U = basis(np.random.default_rng(N * 100 + nb), N, nb)
    ref, _ = gpode_reference(U, ns)
    got = rk.select_samples(U, "qdeim-e", ns, ctx=ctx)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(got[:nb], rk.select_samples(U, "qdeim", nb, ctx=ctx))


def test_qdeim_e_bound_and_oversampling(rk, ctx):
    rng = np.random.default_rng(7)
    N, nb, ns = 200, 10, 30
    U = basis(rng, N, nb)
    rows = rk.select_samples(U, "qdeim-e", ns, ctx=ctx)
    _, bounds = gpode_reference(U, ns)
    factors = []
    for s in range(nb, ns + 1):
        factors.append(1.0 / smin(U, rows[:s]))
        if s > nb:   # the lemma: lambda_min grows by at least r/2 with the picked row
            grow = smin(U, rows[:s]) ** 2 - smin(U, rows[:s - 1]) ** 2
            assert grow >= bounds[s - nb - 1] * (1 - 1e-10) - 1e-14, (s, grow, bounds)
    factors = np.array(factors)
    assert np.all(np.diff(factors) <= 1e-12), factors     # never worse with more rows
    assert factors[-1] < 0.5 * factors[0], factors          # clearly better at 3 nb
    # against random extra rows on top of the same QDEIM rows
    rand = []
    for t in range(30):
        rest = np.setdiff1d(np.arange(N), rows[:nb])
        extra = np.random.default_rng(t).choice(rest, ns - nb, replace=False)
        rand.append(1.0 / smin(U, np.concatenate([rows[:nb], extra])))
    assert factors[-1] <= np.median(rand), (factors[-1], np.median(rand))


def test_qdeim_e_rules(rk, ctx):
    U = basis(np.random.default_rng(3), 30, 4)
    assert "exact_samples" not in rk.HYPER_METHODS.rules("qdeim-e")
    with pytest.raises(rk.RomkitError):
        rk.select_samples(U, "qdeim-e", 3, ctx=ctx)      # ns < nb
    with pytest.raises(rk.RomkitError):
        rk.select_samples(U, "qdeim-e", 31, ctx=ctx)     # ns > N


# ---- S-OPT from initial samples ------------------------------------------------------------

def sopt_reference(U, ns, initial=()):
    """Greedy S-optimality written from its definition (Lauzon et al., arXiv:2203.16494):
    the next row maximises log det(Z^T Z) - sum_j log ||Z_j||^2 of the sampled basis Z
    extended by the row, on its first m = min(s + 1, nb) columns; brute force with
    numpy's slogdet (romkit uses Gram-Schmidt / determinant-lemma updates). The first
    pick without initial samples is argmax |u_1| (S is 1 for any single row)."""
    N, nb = U.shape
    p = [int(i) for i in initial]
    while len(p) < ns:
        s = len(p)
        if s == 0:
            p.append(int(np.argmax(np.abs(U[:, 0]))))
            continue
        m = min(s + 1, nb)
        best, best_i = -np.inf, -1
        for i in range(N):
            if i in p:
                continue
            Z = U[p + [i], :m]
            sign, logdet = np.linalg.slogdet(Z.T @ Z)
            score = logdet - np.sum(np.log(np.sum(Z ** 2, axis=0))) if sign > 0 else -np.inf
            if score > best:
                best, best_i = score, i
        p.append(best_i)
    return np.array(p)


def test_sopt_initial_samples_against_reference(rk, ctx, tmp_path):
    U = basis(np.random.default_rng(11), 50, 6)
    np.testing.assert_array_equal(rk.select_samples(U, "sopt", 12, ctx=ctx),
                                  sopt_reference(U, 12))       # the reference itself
    init = [7, 31, 2]
    got = rk.select_samples(U, "sopt", 12, ctx=ctx, initial_samples=init)
    np.testing.assert_array_equal(got[:3], init)
    np.testing.assert_array_equal(got, sopt_reference(U, 12, init))
    # more initial samples than vectors (the determinant-lemma branch from the start)
    init8 = [0, 5, 10, 15, 20, 25, 30, 35]
    got = rk.select_samples(U, "sopt", 14, ctx=ctx, initial_samples=init8)
    np.testing.assert_array_equal(got, sopt_reference(U, 14, init8))
    # all samples given: returned as they are
    np.testing.assert_array_equal(
        rk.select_samples(U, "sopt", 6, ctx=ctx, initial_samples=init8[:6]), init8[:6])
    # the object keeps them (sample_rows ascending)
    hr = rk.HyperReduction.create(U, method="sopt", num_samples=10, ctx=ctx,
                                  initial_samples=np.array(init))
    assert set(init) <= set(hr.sample_rows.tolist()) and hr.num_samples == 10
    np.testing.assert_array_equal(hr.initial_samples, sorted(init))
    # ... and the file records them; a selection without them has none
    hr.write(tmp_path / "hr_init.h5")
    back = rk.HyperReduction.read(tmp_path / "hr_init.h5", ctx=ctx)
    np.testing.assert_array_equal(back.initial_samples, sorted(init))
    np.testing.assert_array_equal(back.sample_rows, hr.sample_rows)
    plain = rk.HyperReduction.create(U, method="sopt", num_samples=10, ctx=ctx)
    assert plain.initial_samples.size == 0
    plain.write(tmp_path / "hr_plain.h5")
    assert rk.HyperReduction.read(tmp_path / "hr_plain.h5", ctx=ctx).initial_samples.size == 0


def test_sopt_initial_samples_errors(rk, ctx):
    U = basis(np.random.default_rng(12), 30, 4)
    assert "initial_samples" in rk.HYPER_METHODS.rules("sopt")
    assert "initial_samples" not in rk.HYPER_METHODS.rules("gnat")
    for method, ns, init, what in [("gnat", 6, [1], "only sopt"),
                                   ("sopt", 6, [3, 3], "distinct"),
                                   ("sopt", 6, [30], "not in 0..29"),
                                   ("sopt", 4, [1, 2, 3, 4, 5], "must be 0 .. ns")]:
        with pytest.raises(rk.RomkitError, match=what) as e:
            rk.select_samples(U, method, ns, ctx=ctx, initial_samples=init)
        assert e.value.name == "ROM_ERR_ARG"
    V = U.copy(order="F")
    V[9] = V[8]                                  # two equal rows: dependent initial samples
    with pytest.raises(rk.RomkitError, match="initial samples") as e:
        rk.select_samples(V, "sopt", 6, ctx=ctx, initial_samples=[8, 9])
    assert e.value.name == "ROM_ERR_SINGULAR"
    with pytest.raises(TypeError):
        rk.select_samples(U, "sopt", 6, ctx=ctx, initial_samples=[1.5])


def test_sopt_initial_samples_cli(rk, ctx, tmp_path):
    import os
    import subprocess
    exe = os.environ.get("ROMKIT_BIN")
    if not exe or not os.path.exists(exe):
        pytest.skip("ROMKIT_BIN is not set (run through ctest)")
    h5py = pytest.importorskip("h5py")
    U = basis(np.random.default_rng(13), 40, 5)
    rk.pod(np.asfortranarray(U * [5, 4, 3, 2, 1]), rank=5, center=False,
           ctx=ctx).write(tmp_path / "res.h5")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    run = subprocess.run([exe, "hyper", str(tmp_path / "res.h5"), "-o", str(tmp_path / "hr.h5"),
                          "--method", "sopt", "--samples", "9", "--initial-samples", "3,17,29"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    with h5py.File(tmp_path / "hr.h5", "r") as f:
        rows = f["sample_rows"][()].astype(int).tolist()
        assert f["initial_samples"][()].astype(int).tolist() == [3, 17, 29]
        assert int(f.attrs["num_initial_samples"]) == 3
    assert len(rows) == 9 and {3, 17, 29} <= set(rows), rows
    # a damaged record is refused, naming the file
    import shutil
    shutil.copy(tmp_path / "hr.h5", tmp_path / "hr_bad.h5")
    with h5py.File(tmp_path / "hr_bad.h5", "r+") as f:
        d = f["initial_samples"][()]
        d[0] = next(v for v in range(4, 17) if v not in rows)   # ascending, not a sample
        f["initial_samples"][...] = d
    with pytest.raises(rk.RomkitError, match="initial sample row"):
        rk.HyperReduction.read(tmp_path / "hr_bad.h5", ctx=ctx)
    bad = subprocess.run([exe, "hyper", str(tmp_path / "res.h5"), "-o", str(tmp_path / "x.h5"),
                          "--method", "sopt", "--samples", "9", "--initial-samples", "3,x"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode != 0 and "--initial-samples" in bad.stderr, bad.stderr
    assert not (tmp_path / "x.h5").exists()
