"""Bad values through the Python package (docs/reliability.md, "Values and sizes"): files
whose datasets hold NaN, Inf or impossible singular values, written with h5py, are refused by
the readers with RomkitError naming the file, the dataset and the index (numpy's index, so
f[name][index] finds the value); randomized POD refuses power_iterations above
ROM_POD_MAX_POWER_ITERATIONS (100) instead of running for hours."""
import shutil

import h5py
import numpy as np
import pytest


def affine_rom_file(path, k=5, Qa=2):
    rng = np.random.default_rng(11)
    ops = []
    for _ in range(Qa):
        B = rng.standard_normal((k, k))
        ops.append(B @ B.T + k * np.eye(k))
    with h5py.File(path, "w") as f:
        f.attrs.update(format="romkit", format_version=np.int64(1), kind="affine_rom",
                       romkit_version="0.1.0", created="2024-01-01T00:00:00Z",
                       ranks=np.int64(1), dim=np.int64(k), operator_terms=np.int64(Qa),
                       rhs_terms=np.int64(1), symmetric=np.int64(1))
        f["operators"] = np.array(ops)
        f["operator_reference_terms"] = 0.1 * rng.standard_normal((Qa, k))
        f["rhs"] = rng.standard_normal((1, k))
        f["mass"] = np.eye(k)
        f["mass_reference"] = np.zeros(k)


def poke(src, dst, name, index, value):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        f[name][index] = value


@pytest.mark.parametrize("name, index, value, text", [
    ("operators", (1, 2, 3), np.nan, "NaN at [1, 2, 3]"),
    ("rhs", (0, 4), np.inf, "+Inf at [0, 4]"),
    ("operator_reference_terms", (1, 0), -np.inf, "-Inf at [1, 0]"),
    ("mass", (2, 2), np.nan, "NaN at [2, 2]"),
])
def test_affine_rom_file_with_nan(rk, tmp_path, name, index, value, text):
    good, bad = str(tmp_path / "rom.h5"), str(tmp_path / f"bad_{name}.h5")
    affine_rom_file(good)
    rom = rk.AffineROM.read(good)               # the clean file reads and solves
    q = rom.solve([1.0, 2.0], [1.0])
    assert np.all(np.isfinite(q))
    poke(good, bad, name, index, value)
    with pytest.raises(rk.RomkitError) as e:
        rk.AffineROM.read(bad)
    assert e.value.name == "ROM_ERR_NOT_FINITE"
    for fragment in (bad, f"'{name}'", text):
        assert fragment in str(e.value)
    with h5py.File(bad, "r") as f:              # the index is numpy's
        assert not np.isfinite(f[name][index])


def basis_file(rk, path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 8)) @ np.diag(0.5 ** np.arange(8)) @ rng.standard_normal((8, 12))
    b = rk.pod(np.asfortranarray(X), rank=4)          # N = 30 rows, 12 snapshots
    b.write(path)
    return b


@pytest.mark.parametrize("name, index, value, code, text", [
    ("basis", (2, 11), np.nan, "ROM_ERR_NOT_FINITE", "NaN at [2, 11]"),
    ("singular_values", 3, np.inf, "ROM_ERR_NOT_FINITE", "+Inf at [3]"),
    ("singular_values", 1, -0.5, "ROM_ERR_FORMAT", "negative singular value"),
    ("singular_values", 2, 1e6, "ROM_ERR_FORMAT", "descending"),
])
def test_basis_file_with_bad_values(rk, tmp_path, name, index, value, code, text):
    good, bad = str(tmp_path / "basis.h5"), str(tmp_path / "bad.h5")
    basis_file(rk, good)
    rk.Basis.read(good)
    poke(good, bad, name, index, value)
    with pytest.raises(rk.RomkitError) as e:
        rk.Basis.read(bad)
    assert e.value.name == code
    assert bad in str(e.value) and text in str(e.value)


def test_power_iterations_bounded(rk):
    X = np.asfortranarray(np.random.default_rng(4).standard_normal((40, 10)))
    for bad in (101, 10**9):
        with pytest.raises(rk.RomkitError) as e:
            rk.pod(X, rank=2, method="randomized", power_iterations=bad)
        assert e.value.name == "ROM_ERR_ARG" and "power_iterations" in str(e.value)
    b = rk.pod(X, rank=2, method="randomized", power_iterations=100)
    s = np.linalg.svd(X, compute_uv=False)
    assert np.allclose(b.singular_values[:2], s[:2], rtol=1e-10)
