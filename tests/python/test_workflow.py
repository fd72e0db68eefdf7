"""romkit.workflow.reproduce (rom_reproduce_run, include/romkit/workflow.h) against the CLI:
a small P2 (12 x 12 grid, 20 steps) pod-lspg-hr run from Python must give exactly the numbers
of `romkit reproduce --json` (each run in its own work directory, so both compute everything);
the cache is reused; bad options raise RomkitError naming the field.

Needs ROMKIT_BIN (the romkit binary; ctest sets it) for the comparison with the CLI."""
import json
import os
import subprocess

import pytest

from conftest import library_or_skip

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")
TIMINGS = {"fom_seconds", "rom_seconds", "speedup", "fom_ms_per_step", "rom_ms_per_step",
           "fom_cpu_seconds", "rom_cpu_seconds", "ae_train_seconds", "workdir",
           "rom_decoder_ms_per_step", "rom_model_ms_per_step", "hr_sizes_seconds"}
SMALL = dict(grid=12, steps=20)


def cli_json(args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([ROMKIT_BIN, "reproduce"] + args + ["--json"], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN),
                    reason="ROMKIT_BIN is not set (run through ctest)")
def test_reproduce_equals_cli(tmp_path):
    rk = library_or_skip()
    cli = cli_json(["P2", "--grid", "12", "--steps", "20", "--method", "pod-lspg-hr",
                    "--workdir", str(tmp_path / "cli")])
    with rk.Context() as ctx:
        py = rk.workflow.reproduce("P2", "pod-lspg-hr", workdir=str(tmp_path / "py"), ctx=ctx,
                                   **SMALL)
        assert ctx.bytes_in_use == 0
    assert list(py) == list(cli)  # same keys, same order
    for key in cli:
        if key not in TIMINGS:
            assert py[key] == cli[key], key
    assert py["workdir"] == str(tmp_path / "py")
    assert py["problem"] == "P2" and py["steps"] == 20 and py["hr_basis"] == 55
    assert 0 < py["avg_error_pct"] < 5 and 0 < py["v_avg_error_pct"] < 5
    assert py["published_avg_pct"] is None  # reduced settings: no published row


@pytest.mark.skipif(not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN),
                    reason="ROMKIT_BIN is not set (run through ctest)")
def test_reproduce_fast_equals_cli(tmp_path):
    """P2's default recipe is the fast one (rom_reproduce_options_fast; docs/reproduction.md,
    "P2, the fast recipe"): Python without a recipe = the CLI without a flag = --fast;
    recipe="paper" = --paper; arguments given override the recipe."""
    rk = library_or_skip()
    small = ["P2", "--grid", "12", "--steps", "20", "--method", "nm-lspg-hr", "--ae-epochs", "4"]
    cli = cli_json(small + ["--fast", "--workdir", str(tmp_path / "cli")])
    py = rk.workflow.reproduce("P2", "nm-lspg-hr", workdir=str(tmp_path / "py"), ae_epochs=4,
                               **SMALL)
    for key in cli:
        if key not in TIMINGS and key not in ("workdir", "ae_train_seconds"):
            assert py[key] == cli[key], key
    assert py["initial_guess"] == "extrapolate" and py["convergence_check"] == "lagged"
    assert py["hr_sizes"] == "training"
    paper = cli_json(small + ["--paper", "--workdir", str(tmp_path / "clip")])
    pyp = rk.workflow.reproduce("P2", "nm-lspg-hr", workdir=str(tmp_path / "pyp"), ae_epochs=4,
                                recipe="paper", **SMALL)
    for key in paper:
        if key not in TIMINGS and key not in ("workdir", "ae_train_seconds"):
            assert pyp[key] == paper[key], key
    assert pyp["initial_guess"] == "previous" and pyp["convergence_check"] == "exact"
    given = rk.workflow.reproduce("P2", "nm-lspg-hr", workdir=str(tmp_path / "py"), ae_epochs=4,
                                  hr_basis=30, hr_samples=40, convergence_check="exact",
                                  **SMALL)
    assert (given["hr_basis"], given["hr_samples"], given["hr_sizes"]) == (30, 40, "given")
    assert given["convergence_check"] == "exact" and given["initial_guess"] == "extrapolate"
    for bad in (dict(initial_guess="bogus"), dict(ae_network="wide"), dict(ae_batch=0),
                dict(recipe="quick"), dict(convergence_check="sometimes"), dict(ae_patience=0)):
        with pytest.raises(ValueError):
            rk.workflow.reproduce("P2", "nm-lspg", workdir=str(tmp_path / "b"), **SMALL, **bad)


def test_reproduce_cache_and_progress(tmp_path):
    rk = library_or_skip()
    work = str(tmp_path / "w")
    first = rk.workflow.reproduce("P2", "pod-galerkin", workdir=work, **SMALL)
    text = []
    again = rk.workflow.reproduce("P2", "pod-galerkin", workdir=work, progress=text.append,
                                  **SMALL)
    log = "".join(text)
    assert "state basis (5 vectors per component): cached" in log
    assert log.startswith("romkit reproduce P2 pod-galerkin: p = 5 per component")
    for key in ("avg_error_pct", "max_error_pct", "v_avg_error_pct", "rom_iterations"):
        assert first[key] == again[key]
    files = sorted(os.listdir(work))
    assert "P2_g12_s20_basis_c0_p5_train0.9,0.95,1.05,1.1.h5" in files
    assert "P2_g12_s20_newton_a0.9.h5" in files


@pytest.mark.parametrize("problem,method,options,words", [
    ("P2", "pod-lspg-hr", dict(hr_basis=30, hr_samples=20), "hr_samples"),
    ("P2", "pod-lspg", dict(hr_basis=30), "hr_basis"),
    ("P2", "pod-lspg", dict(dim=1000), "dim"),
    ("P2", "pod-foo", {}, "unknown method"),
    ("P3", "pod-lspg", {}, "reproduction recipe"),
    ("P9", "pod-lspg", {}, "P9"),
    ("P2", "pod-lspg", dict(ae_epochs=3), "nm-"),
])
def test_reproduce_bad_options(tmp_path, problem, method, options, words):
    rk = library_or_skip()
    with pytest.raises(rk.RomkitError) as e:
        rk.workflow.reproduce(problem, method, workdir=str(tmp_path / "w"), **SMALL, **options)
    assert words in str(e.value)


@pytest.mark.skipif(not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN),
                    reason="ROMKIT_BIN is not set (run through ctest)")
def test_reproduce_hr_sizes_equals_cli(tmp_path):
    """HR sizes from training data only (--hr-sizes holdout --hr-grid): Python's choice and
    numbers are the CLI's; bad values raise."""
    rk = library_or_skip()
    cli = cli_json(["P1", "--steps", "30", "--method", "pod-lspg-hr", "--hr-sizes", "holdout",
                    "--hr-grid", "6:10:12:2", "--workdir", str(tmp_path / "cli")])
    py = rk.workflow.reproduce("P1", "pod-lspg-hr", steps=30, hr_sizes="holdout",
                               hr_grid=(6, 10, 12, 2), workdir=str(tmp_path / "py"))
    assert list(py) == list(cli)
    for key in cli:
        if key not in TIMINGS and key != "hr_sizes_seconds":
            assert py[key] == cli[key], key
    assert py["hr_sizes"] == "holdout" and py["hr_sizes_candidates"] == 9
    with pytest.raises(rk.RomkitError, match="unknown HR size rule"):
        rk.workflow.reproduce("P1", "pod-lspg-hr", steps=30, hr_sizes="bogus",
                              workdir=str(tmp_path / "bad"))
    with pytest.raises(rk.RomkitError, match="chooses hr_basis and hr_samples"):
        rk.workflow.reproduce("P1", "pod-lspg-hr", steps=30, hr_sizes="holdout", hr_basis=8,
                              workdir=str(tmp_path / "bad"))
    with pytest.raises(ValueError, match="hr_grid"):
        rk.workflow.reproduce("P1", "pod-lspg-hr", steps=30, hr_sizes="holdout",
                              hr_grid=(6, 10), workdir=str(tmp_path / "bad"))
