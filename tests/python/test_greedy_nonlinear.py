"""romkit.workflow.greedy_nonlinear (rom_nlgreedy_run, include/romkit/greedy_nonlinear.h) on a
small P1 (200 unknowns, 40 steps): the first point is the box centre, the picks are distinct
points of the candidate grid with the largest indicators first, the result matches the
`romkit greedy-nonlinear` CLI's choice, and bad options raise. The indicator appears in the
NonlinearROM statistics."""
import os
import subprocess

import pytest

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")


def test_greedy_small_p1(rk, ctx):
    with rk.Problem("P1", resolution=200, steps=40, ctx=ctx) as p:
        r = rk.workflow.greedy_nonlinear(p, dim=4, grid=9, max_fom_runs=3, ctx=ctx)
        with pytest.raises(ValueError):
            rk.workflow.greedy_nonlinear(p, stall_ratio=-1, ctx=ctx)
        with pytest.raises(rk.RomkitError):
            rk.workflow.greedy_nonlinear(p, stall_ratio=1.5, ctx=ctx)
    assert r["nfom"] == 3 and r["iterations"] == 3
    train = [t[0] for t in r["train"]]
    assert train[0] == 1.0 and len(set(train)) == 3
    grid = [0.9 + 0.2 * i / 8 for i in range(9)]
    assert all(min(abs(a - g) for g in grid) < 1e-12 for a in train)
    assert r["max_indicator"][0] > r["max_indicator"][1] > 0
    if ROMKIT_BIN and os.path.exists(ROMKIT_BIN):
        out = subprocess.run([ROMKIT_BIN, "greedy-nonlinear", "--resolution", "200", "--steps",
                              "40", "--dim", "4", "--grid", "9", "--max-fom", "3"],
                             capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        assert out.returncode == 0, out.stdout + out.stderr
        line = [s for s in out.stdout.splitlines() if s.startswith("chosen")][0]
        cli = [float(v) for v in line.split(":")[1].split(",")]
        assert cli == pytest.approx(train, abs=1e-9)
