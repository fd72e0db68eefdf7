"""`romkit pod` end to end: a snapshot file written with h5py, the basis read back with h5py
and checked against numpy.linalg.svd; exit codes for bad arguments and existing outputs.

Needs ROMKIT_BIN (the romkit binary; ctest sets it). Runs at 1 rank, and at 2 ranks too
when mpirun is on PATH."""
import os
import shutil
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

ROMKIT_BIN = os.environ.get("ROMKIT_BIN")
pytestmark = pytest.mark.skipif(not ROMKIT_BIN or not os.path.exists(ROMKIT_BIN),
                                reason="ROMKIT_BIN is not set (run through ctest)")

MPIRUN = shutil.which("mpirun") or shutil.which("mpiexec")
LAUNCHERS = [[]]
if MPIRUN:
    LAUNCHERS.append([MPIRUN, "-n", "2", "--allow-run-as-root", "--oversubscribe"])


def env():
    e = dict(os.environ)
    e.update(OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
             OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return e


def romkit(args, launcher=()):
    return subprocess.run(list(launcher) + [ROMKIT_BIN] + list(args), capture_output=True,
                          text=True, env=env(), timeout=300)


def write_snapshots(path, S):
    """S: N x m (columns = snapshots); stored as /snapshots {m, N} (docs/file-format.md)."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "romkit"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["kind"] = "snapshots"
        f.attrs["romkit_version"] = "test"
        f.attrs["created"] = "2024-01-01T00:00:00Z"
        f.attrs["ranks"] = np.int64(1)
        f.attrs["num_snapshots"] = np.int64(S.shape[1])
        f.attrs["num_rows"] = np.int64(S.shape[0])
        f.attrs["num_parameters"] = np.int64(0)
        f.create_dataset("snapshots", data=np.ascontiguousarray(S.T))


def sign_rule(U):
    """pod.h: in each column the entry of largest magnitude is positive (ties: lowest row)."""
    U = U.copy()
    for j in range(U.shape[1]):
        i = int(np.argmax(np.abs(U[:, j])))  # first maximum = lowest row
        if U[i, j] < 0:
            U[:, j] = -U[:, j]
    return U


def snapshot_matrix(N=300, m=24, seed=3):
    rng = np.random.default_rng(seed)
    # graded, well separated spectrum so the vectors are well determined
    X = np.linalg.qr(rng.standard_normal((N, m)))[0]
    Y = np.linalg.qr(rng.standard_normal((m, m)))[0]
    s = 10.0 ** (-3.0 * np.arange(m) / m)
    return (X * s) @ Y.T + 0.5  # the offset makes centering matter


@pytest.mark.parametrize("launcher", LAUNCHERS, ids=lambda l: "np2" if l else "np1")
@pytest.mark.parametrize("center", [False, True], ids=["plain", "center"])
def test_pod_matches_numpy(tmp_path, launcher, center):
    S = snapshot_matrix()
    N, m = S.shape
    snap, out = tmp_path / "snap.h5", tmp_path / "basis.h5"
    write_snapshots(snap, S)
    args = ["pod", str(snap), "-o", str(out), "--rank", str(m)]
    if center:
        args.append("--center")
    p = romkit(args, launcher)
    assert p.returncode == 0, p.stderr
    assert "k = %d" % m in p.stdout and "N = %d" % N in p.stdout, p.stdout

    A = S - S.mean(axis=1, keepdims=True) if center else S
    U_ref, s_ref, _ = np.linalg.svd(A, full_matrices=False)
    U_ref = sign_rule(U_ref)
    with h5py.File(out, "r") as f:
        assert f.attrs["kind"] in ("basis", b"basis")
        assert f.attrs["format"] in ("romkit", b"romkit")
        assert int(f.attrs["num_rows"]) == N and int(f.attrs["dim"]) == m
        assert int(f.attrs["center"]) == int(center)
        assert f.attrs["truncation"] in ("rank", b"rank")
        assert f["basis"].shape == (m, N)
        U = f["basis"][...].T
        s = f["singular_values"][...]
        if center:
            np.testing.assert_allclose(f["mean"][...], S.mean(axis=1), rtol=0, atol=1e-14)
        else:
            assert "mean" not in f and "reference" not in f
    assert s.shape == (min(N, m),)
    # centered data has one zero singular value: compare relative to s_0 for that one
    lead = m - 1 if center else m
    np.testing.assert_allclose(s[:lead], s_ref[:lead], rtol=1e-10, atol=0)
    assert abs(s[-1] - s_ref[-1]) <= 1e-10 * s_ref[0]
    assert np.max(np.abs(U.T @ U - np.eye(m))) < 1e-12
    np.testing.assert_allclose(U[:, :lead], U_ref[:, :lead], rtol=0, atol=1e-9)


def test_energy_truncation(tmp_path):
    S = snapshot_matrix()
    snap, out = tmp_path / "snap.h5", tmp_path / "basis.h5"
    write_snapshots(snap, S)
    p = romkit(["pod", str(snap), "-o", str(out), "--energy", "0.99"])
    assert p.returncode == 0, p.stderr
    s = np.linalg.svd(S, compute_uv=False)
    cum = np.cumsum(s ** 2)
    k = int(np.argmax(cum >= 0.99 * cum[-1])) + 1  # smallest k with sum_{i<k} s_i^2 >= E sum s_i^2
    with h5py.File(out, "r") as f:
        assert f["basis"].shape[0] == k
        assert f.attrs["truncation"] in ("energy", b"energy")
        assert float(f.attrs["energy"]) == 0.99


@pytest.mark.parametrize("args", [
    [],                                                 # no input, no output
    ["SNAP"],                                           # missing -o
    ["SNAP", "-o", "OUT", "--energy", "0.9", "--rank", "3"],
    ["SNAP", "-o", "OUT", "--energy", "0"],
    ["SNAP", "-o", "OUT", "--energy", "1.5"],
    ["SNAP", "-o", "OUT", "--energy", "abc"],
    ["SNAP", "-o", "OUT", "--rank", "x"],
    ["SNAP", "-o", "OUT", "--rank", "0"],
    ["SNAP", "-o", "OUT", "--bogus"],
    ["-o", "OUT"],                                      # missing input
])
def test_bad_arguments_exit_2(tmp_path, args):
    snap = tmp_path / "snap.h5"
    write_snapshots(snap, snapshot_matrix(N=20, m=4))
    args = [str(snap) if a == "SNAP" else str(tmp_path / "out.h5") if a == "OUT" else a for a in args]
    p = romkit(["pod"] + args)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "out.h5").exists()


def test_help_exits_0():
    p = romkit(["pod", "--help"])
    assert p.returncode == 0 and "usage" in p.stdout


@pytest.mark.parametrize("launcher", LAUNCHERS, ids=lambda l: "np2" if l else "np1")
def test_existing_output_exit_1_untouched(tmp_path, launcher):
    snap, out = tmp_path / "snap.h5", tmp_path / "basis.h5"
    write_snapshots(snap, snapshot_matrix(N=40, m=5))
    out.write_bytes(b"precious")
    p = romkit(["pod", str(snap), "-o", str(out)], launcher)
    assert p.returncode == 1, p.stderr
    assert "exists" in p.stderr
    assert out.read_bytes() == b"precious"
    p = romkit(["pod", str(snap), "-o", str(out), "--overwrite"], launcher)
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        assert f["basis"].shape[1] == 40


def test_missing_input_file_exit_1(tmp_path):
    p = romkit(["pod", str(tmp_path / "nope.h5"), "-o", str(tmp_path / "out.h5")])
    assert p.returncode == 1
    assert "nope.h5" in p.stderr
    assert not (tmp_path / "out.h5").exists()
