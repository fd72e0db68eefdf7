"""The package under MPI: mpi4py communicators, a distributed POD at 2 ranks equal to the
serial one, and the serial default's own MPI initialisation and finalisation."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def env_with_library(rk):
    env = dict(os.environ)
    env["ROMKIT_LIB"] = rk.library_path()
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return env


def has_mpi4py():
    return subprocess.run([PYTHON, "-c", "import mpi4py"], capture_output=True).returncode == 0


def test_distributed_pod_at_2_ranks_equals_serial(rk, tmp_path):
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    if mpirun is None:
        pytest.skip("mpirun not found (apt-get install openmpi-bin)")
    if not has_mpi4py():
        pytest.skip("mpi4py not installed for /usr/bin/python3 (apt-get install python3-mpi4py)")
    env = env_with_library(rk)
    env["ROMKIT_MPI_BASIS"] = str(tmp_path / "basis_np2.h5")
    cmd = [mpirun, "--oversubscribe", "-n", "2", PYTHON, os.path.join(HERE, "mpi_pod_check.py")]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "OK rank 0 of 2" in out and "OK rank 1 of 2" in out, out
    # the file written by 2 ranks reads back serially
    with rk.Context() as ctx:
        b = rk.Basis.read(tmp_path / "basis_np2.h5", ctx)
        assert b.dim == 6 and b.global_rows == 103
        np.testing.assert_allclose(b.vectors.T @ b.vectors, np.eye(6), atol=1e-12)


def test_mpi4py_world_without_mpirun(rk):
    if not has_mpi4py():
        pytest.skip("mpi4py not installed for /usr/bin/python3 (apt-get install python3-mpi4py)")
    code = ("from mpi4py import MPI\nimport romkit, numpy as np\n"
            "ctx = romkit.Context(MPI.COMM_WORLD)\nassert ctx.size == 1\n"
            "b = romkit.pod(np.asfortranarray(np.eye(6)[:, :3]), rank=2, ctx=ctx)\n"
            "assert b.dim == 2\nprint('done')\n")
    env = env_with_library(rk)
    env["PYTHONPATH"] = os.path.join(HERE, "..", "..", "python")
    run = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "done" in run.stdout, run.stdout + run.stderr


def test_serial_default_initialises_and_finalises_mpi(rk):
    """Without mpi4py romkit initialises MPI itself and finalises it at exit, after
    destroying what is still alive (objects left for the garbage collector included)."""
    code = ("import romkit, numpy as np\n"
            "b = romkit.pod(np.asfortranarray(np.eye(5)[:, :2]), rank=1)\n"
            "v = b.vectors\n"
            "s = romkit.Snapshots(5)\n"
            "s.add(np.ones(5))\n"
            "print('done', b.dim)\n")
    env = env_with_library(rk)
    env["PYTHONPATH"] = os.path.join(HERE, "..", "..", "python")
    run = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "done 1" in run.stdout
    assert "Exception" not in run.stderr and "Error" not in run.stderr, run.stderr
