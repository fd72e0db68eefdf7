"""romkit's HDF5 format as docs/file-format.md specifies it, written from Python
(h5py/numpy) and read by `romkit info`: the format is what the spec says, not only
what the C writer happens to do. Also the exit codes of `romkit info`."""
import os
import subprocess

import h5py
import numpy as np
import pytest

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")
pytestmark = pytest.mark.skipif(
    not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN),
    reason="ROMKIT_BIN is not set to the romkit binary (ctest sets it)",
)


def romkit(*args):
    # romkit runs without mpirun as an MPI singleton.
    return subprocess.run([ROMKIT_BIN, *args], capture_output=True, text=True, timeout=120)


def write_root_attributes(f, kind):
    f.attrs["format"] = "romkit"
    f.attrs["format_version"] = np.int64(1)
    f.attrs["kind"] = kind
    f.attrs["romkit_version"] = "0.1.0"
    f.attrs["created"] = "2024-01-01T00:00:00Z"
    f.attrs["ranks"] = np.int64(1)


def test_snapshot_file_from_python(tmp_path):
    m, N, p = 6, 50, 2
    path = tmp_path / "snaps.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f, "snapshots")
        f.attrs["num_snapshots"] = np.int64(m)
        f.attrs["num_rows"] = np.int64(N)
        f.attrs["num_parameters"] = np.int64(p)
        f["snapshots"] = np.arange(m * N, dtype=np.float64).reshape(m, N)
        f["times"] = np.linspace(0.0, 1.0, m)
        f["parameters"] = np.ones((m, p))
    result = romkit("info", str(path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "snapshots" in out.splitlines()[1], out  # the kind line
    assert "/snapshots" in out and "{6, 50} float64" in out, out
    assert "/times" in out and "{6}" in out, out
    assert "/parameters" in out and "{6, 2}" in out, out
    assert "num_rows" in out and "50" in out, out


def test_energy_line(tmp_path):
    # Cumulative energy 0.95, 0.995, 0.99995, 0.9999999, ...: each threshold is crossed
    # well clear of rounding, so the mode counts are known exactly.
    sigma2 = np.array([0.95, 0.045, 0.00495, 0.0000499, 0.00000009, 0.00000001, 0.0, 0.0])
    path = tmp_path / "basis.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f, "basis")
        f.attrs["method"] = "svd"
        f["basis"] = np.zeros((3, 10))
        f["singular_values"] = np.sqrt(sigma2)
    result = romkit("info", str(path))
    assert result.returncode == 0, result.stderr
    energy = [ln for ln in result.stdout.splitlines() if ln.startswith("modes for energy")]
    assert len(energy) == 1, result.stdout
    assert "90% -> 1," in energy[0] and "99% -> 2," in energy[0], energy[0]
    assert "99.99% -> 3," in energy[0] and "99.9999% -> 4" in energy[0], energy[0]
    assert "singular values: 8" in result.stdout, result.stdout
    assert "basis" in result.stdout and "{3, 10}" in result.stdout


def test_non_romkit_file(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["group/data"] = np.zeros(4)
    result = romkit("info", str(path))
    assert result.returncode == 1
    assert "/group/data" in result.stdout and "{4}" in result.stdout, result.stdout
    assert "not a romkit file (no 'format' attribute)" in result.stderr


def test_missing_file_and_bad_arguments(tmp_path):
    missing = tmp_path / "missing.h5"
    result = romkit("info", str(missing))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "no such file" in lines[0], lines
    assert romkit("info").returncode == 2
    assert romkit("info", "a.h5", "b.h5").returncode == 2
    assert romkit("info", "--frobnicate").returncode == 2
    help_result = romkit("info", "--help")
    assert help_result.returncode == 0 and "usage" in help_result.stdout
