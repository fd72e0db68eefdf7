"""API traps of issue 16 found from outside (docs/reliability.md, "Callbacks and the Python
API"): POD energy against the Frobenius norm and the 'auto' choice, truncated() keeping
the singular values, POD with a reference state, and numpy views of a growing snapshot
collection. Independent truth: numpy's SVD."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest


def low_rank(rng, n, m, decay=0.5):
    U, _ = np.linalg.qr(rng.standard_normal((n, min(n, m))))
    V, _ = np.linalg.qr(rng.standard_normal((m, min(n, m))))
    s = decay ** np.arange(min(n, m))
    return np.asfortranarray(U @ np.diag(s) @ V.T)


def test_energy_is_against_the_frobenius_norm_for_every_method(rk, ctx):
    """The report: pod(rank=k) on 256 rows picked randomized and Basis.energy said 1.0
    (true 0.9999). The energy now divides by ||S||_F^2, so a method that computes only the
    top values still reports the true fraction."""
    rng = np.random.default_rng(3)
    S = low_rank(rng, 256, 300, decay=0.93)
    s = np.linalg.svd(S, compute_uv=False)
    k = 12
    truth = (s[:k] ** 2).sum() / (s ** 2).sum()
    assert truth < 0.99   # a case where reporting 1.0 would be badly wrong
    for method in ("tsqr", "randomized", "incremental", "auto"):
        b = rk.pod(S, rank=k, method=method, ctx=ctx,
                   **({"target_rank": k} if method == "randomized" else {}))
        assert b.total_energy == pytest.approx((s ** 2).sum(), rel=1e-12)
        assert b.energy == pytest.approx(truth, rel=1e-6 if method == "tsqr" else 1e-3), method
    # 'auto' on 256 rows: exact, and it says which method it chose
    b = rk.pod(S, rank=k, ctx=ctx)
    assert b.method == "tsqr"
    wide = low_rank(rng, 256, 5000, decay=0.9)
    assert rk.pod(wide, rank=8, ctx=ctx).method != "randomized"


def test_auto_choice_is_logged_at_info(rk, tmp_path):
    code = textwrap.dedent("""
        import numpy as np, romkit as rk
        with rk.Context(log_level="info") as c:
            rk.pod(np.asfortranarray(np.random.default_rng(0).standard_normal((64, 10))),
                   rank=3, ctx=c)
    """)
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "python"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "method 'auto' chose 'tsqr'" in out.stdout + out.stderr


def test_truncated_keeps_the_singular_values(rk, ctx, tmp_path):
    rng = np.random.default_rng(5)
    S = low_rank(rng, 80, 30, decay=0.7)
    s = np.linalg.svd(S, compute_uv=False)
    b = rk.pod(S, rank=10, ctx=ctx, reference="first")
    t = b.truncated(4)
    assert t.dim == 4
    np.testing.assert_array_equal(t.singular_values, b.singular_values)
    np.testing.assert_array_equal(t.reference, b.reference)
    np.testing.assert_array_equal(t.vectors, b.vectors[:, :4])
    assert t.method == b.method and t.total_energy == b.total_energy
    sr = np.linalg.svd(S - S[:, :1], compute_uv=False)
    assert t.energy == pytest.approx((sr[:4] ** 2).sum() / (sr ** 2).sum(), rel=1e-10)
    # the energy and the total survive a round trip through the file
    t.write(tmp_path / "t.h5")
    back = rk.Basis.read(tmp_path / "t.h5", ctx)
    assert back.energy == pytest.approx(t.energy, rel=1e-14)
    np.testing.assert_array_equal(back.singular_values, b.singular_values)


def test_pod_with_a_reference_state(rk, ctx, tmp_path):
    rng = np.random.default_rng(9)
    n, m = 60, 20
    u0 = np.sin(np.linspace(0, 3, n))
    S = np.asfortranarray(u0[:, None] + low_rank(rng, n, m, decay=0.6))
    for ref, expect in (("first", S[:, 0]), (u0, u0)):
        b = rk.pod(S, rank=5, ctx=ctx, reference=ref)
        np.testing.assert_array_equal(b.reference, expect)
        U, s, _ = np.linalg.svd(S - expect[:, None], full_matrices=False)
        np.testing.assert_allclose(b.singular_values, s[: b.singular_values.size], rtol=1e-10,
                                   atol=1e-12 * s[0])
        # the same subspace as numpy's, and lift/project use the reference
        P = b.vectors @ b.vectors.T
        np.testing.assert_allclose(P @ U[:, :5], U[:, :5], atol=1e-9)
        np.testing.assert_allclose(b.lift(b.project(S[:, 3])),
                                   expect + P @ (S[:, 3] - expect), atol=1e-12)
        b.write(tmp_path / "b.h5", overwrite=True)
        np.testing.assert_array_equal(rk.Basis.read(tmp_path / "b.h5", ctx).reference, expect)
    # ROMs built on the basis use it by default: NonlinearROM lifts q = 0 to u_ref
    from test_nonlinear import Burgers
    h = Burgers(n)
    model = rk.NonlinearModel(n, 1, ctx)
    model.set_velocity(h.velocity, h.jacobian)
    b = rk.pod(S, rank=5, ctx=ctx, reference=u0)
    np.testing.assert_array_equal(rk.NonlinearROM(model, b).lift(np.zeros(5)), u0)
    # "mean" is centring; a reference with center=True is refused
    np.testing.assert_allclose(rk.pod(S, rank=3, ctx=ctx, reference="mean").reference,
                               S.mean(axis=1), rtol=1e-13)
    with pytest.raises(ValueError, match="not both"):
        rk.pod(S, rank=3, ctx=ctx, reference=u0, center=True)
    with pytest.raises(rk.RomkitError, match="not finite"):
        rk.pod(S, rank=3, ctx=ctx, reference=np.full(n, np.nan))


def test_pod_file_with_a_reference_state(rk, ctx, tmp_path):
    rng = np.random.default_rng(11)
    n, m = 50, 40
    u0 = np.cos(np.linspace(0, 2, n))
    S = np.asfortranarray(u0[:, None] + low_rank(rng, n, m, decay=0.5))
    snaps = rk.Snapshots(n, ctx)
    snaps.add_block(S)
    snaps.write(tmp_path / "s.h5")
    for method in ("incremental", "tsqr"):
        b = rk.pod_file(tmp_path / "s.h5", rank=6, method=method, ctx=ctx, reference=u0)
        s = np.linalg.svd(S - u0[:, None], compute_uv=False)
        np.testing.assert_array_equal(b.reference, u0)
        # incremental keeps min(2k, m) triplets: the top values to its truncation error
        tol = 1e-10 if method == "tsqr" else 1e-2
        np.testing.assert_allclose(b.singular_values[:4], s[:4], rtol=tol)
        assert b.energy == pytest.approx((s[:6] ** 2).sum() / (s ** 2).sum(), rel=tol)
        assert b.total_energy == pytest.approx((s ** 2).sum(), rel=1e-12)


VIEW_SCRIPT = """
import gc, sys
import numpy as np, romkit as rk
n = int(sys.argv[1])
with rk.Context() as c:
    snaps = rk.Snapshots(n, c)
    first = np.arange(n, dtype=float)
    snaps.add(first)
    a = snaps.matrix().array          # a view into romkit's buffer
    for i in range(200):              # grows the buffer several times (capacity doubles)
        snaps.add(np.full(n, float(i)))
        assert np.array_equal(a[:, 0], first), (i, a[:5, 0])  # after every growth
    junk = [np.full(n, -1.0) for _ in range(8)]   # reuse freed memory, if any
    gc.collect()
    assert a.shape == (n, 1), a.shape
    assert np.array_equal(a[:, 0], first), (a[:5, 0], first[:5])
    b = snaps.matrix().array
    assert b.shape == (n, 201) and np.array_equal(b[:, 0], first) and b[0, 200] == 199.0
    del a, b
    snaps.close()
print("ok")
"""


@pytest.mark.parametrize("n", [4, 20_000])   # small: freed memory reused (NaN); large: munmap'd
def test_snapshot_views_survive_growth(rk, n):
    """Report: a numpy view from snaps.matrix().array read after more add() calls
    segfaulted (large sets: the old buffer was unmapped) or read NaN/garbage (small sets:
    reused). Run in a subprocess so that a crash is a test failure, not a dead runner."""
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "python"))
    out = subprocess.run([sys.executable, "-c", VIEW_SCRIPT, str(n)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", \
        f"exit {out.returncode}: {out.stderr[-2000:]}"


def test_snapshot_matrix_wrapper_is_invalidated_loudly(rk, ctx):
    snaps = rk.Snapshots(4, ctx)
    snaps.add(np.ones(4))
    M = snaps.matrix()
    snaps.add(np.zeros(4))
    with pytest.raises(ValueError, match="closed"):
        M.array
