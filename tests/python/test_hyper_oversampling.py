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
