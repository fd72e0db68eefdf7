"""romkit.optimize: output gradients and rom_optimize from Python on a reduced P3 (n = 12).
Checks against independent truth: FOM gradients vs central differences of Heat2D.solve
(P3's own direct solver), and the three optimisers agree on the objective to 1e-6."""
import numpy as np
import pytest

import romkit

N = 12
PROBES = [3 + N * 3, 8 + N * 3, 3 + N * 8, 8 + N * 8, 6 + N * 6]


@pytest.fixture(scope="module")
def heat():
    h = romkit.Heat2D(n=N)
    L = np.zeros((h.local_rows, len(PROBES)), order="F")
    for o, g in enumerate(PROBES):
        L[g, o] = 1.0
    return h, L


def test_fom_gradients_match_central_differences(heat):
    h, L = heat
    mu = np.array([0.7, 2.0, 1.3, 0.4])
    s, g = romkit.optimize.fom_output_gradients(h.model, mu, L)
    np.testing.assert_allclose(s, L.T @ h.solve(mu), rtol=1e-12)
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-4 * mu[j]
        fd = (L.T @ h.solve(mu + e) - L.T @ h.solve(mu - e)) / (2 * e[j])
        assert np.all(np.abs(g[:, j] - fd) <= 1e-6 * np.abs(g).max(axis=1))


def test_three_optimisers_agree(heat):
    h, L = heat
    target = (L.T @ h.solve([2.0, 0.5, 1.0, 3.0])) * (1 + 0.05 * np.array([-1, 1, -1, 1, -1]))
    args = dict(lower=[0.1] * 4, upper=[10.0] * 4, start=[1.0] * 4, target=target)
    rng = np.random.default_rng(1)
    training = 10.0 ** rng.uniform(-1, 1, (24, 4))
    mu_f, rf = romkit.optimize.optimize(h.model, L, method="fom", **args)
    mu_r, rr = romkit.optimize.optimize(h.model, L, method="rom", training=training, **args)
    mu_t, rt = romkit.optimize.optimize(h.model, L, method="trust-region", **args)
    J = rf["objective"]
    assert J > 0
    assert abs(rr["fom_objective"] - J) <= 1e-6 * J
    assert abs(rt["objective"] - J) <= 1e-6 * J
    assert rt["fom_solves"] < rf["fom_solves"]
    np.testing.assert_allclose(mu_t, mu_f, rtol=1e-3)
    # The trust region's options: sensitivity enrichment (counted) and the direct bound.
    mu_s, rs = romkit.optimize.optimize(h.model, L, method="trust-region", tr_sensitivities=1,
                                        tr_direct_bound=1, **args)
    assert abs(rs["objective"] - J) <= 1e-6 * J
    assert rs["fom_sensitivity_solves"] > 0 and rs["fom_sensitivity_solves"] % 4 == 0
    assert rt["fom_sensitivity_solves"] == 0
    assert rs["iterations"] < rt["iterations"]


def test_bad_input(heat):
    h, L = heat
    with pytest.raises(romkit.RomkitError, match="lower < upper"):
        romkit.optimize.optimize(h.model, L, lower=[10.0] * 4, upper=[0.1] * 4,
                                 start=[1.0] * 4, target=np.zeros(5))
    with pytest.raises(romkit.RomkitError, match="NLOPT_MAXEVAL_REACHED"):
        romkit.optimize.optimize(h.model, L, lower=[0.1] * 4, upper=[10.0] * 4,
                                 start=[1.0] * 4, target=np.ones(5), max_evaluations=2)
    with pytest.raises(ValueError):
        romkit.optimize.optimize(h.model, L, lower=[0.1] * 4, upper=[10.0] * 4,
                                 start=[1.0] * 4, target=np.ones(5), method="nosuch")
