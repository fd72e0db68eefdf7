"""The package under `mpirun -np 2` without a communicator refuses (RomkitError
ROM_ERR_MPI on every rank, nothing written) instead of running two serial jobs that write
the same file; with a communicator, MPI.COMM_SELF or ROMKIT_SERIAL_UNDER_MPI=1 it runs.
Why it refuses rather than warns: python/romkit/context.py, docs/python.md."""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
LAUNCH_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE", "PMIX_RANK",
               "ROMKIT_SERIAL_UNDER_MPI")

# Each rank: a POD of a small matrix written to OUT (the file the serial jobs would share),
# through the default context (no ctx) or a context built as MODE says.
SCRIPT = r'''
import os, sys
mode = os.environ["MODE"]
if mode.startswith("mpi4py"):
    from mpi4py import MPI
import numpy as np
import romkit
S = np.asfortranarray(np.vander(np.linspace(0, 1, 40), 5, increasing=True))
try:
    if mode == "default":
        ctx = None
    elif mode == "mpi4py-none":
        ctx = romkit.Context()
    elif mode == "mpi4py-world":
        ctx = romkit.Context(MPI.COMM_WORLD)
    elif mode == "mpi4py-self":
        ctx = romkit.Context(MPI.COMM_SELF)
    if mode == "mpi4py-world":   # one parallel run: each rank its half of the rows
        r, p = ctx.rank, ctx.size
        S = np.asfortranarray(S[r * 40 // p:(r + 1) * 40 // p])
        b = romkit.pod(romkit.DistributedMatrix(S, ctx), rank=3)
        b.write(os.environ["OUT"], overwrite=True)
        size = ctx.size
    else:
        b = romkit.pod(S, rank=3, ctx=ctx)
        size = (ctx or romkit.default_context()).size
    print(f"RAN size {size}", flush=True)
except romkit.RomkitError as e:
    print(f"REFUSED {e.name}: {e}", flush=True)
'''


def mpirun_or_skip():
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    if mpirun is None:
        pytest.skip("mpirun not found (apt-get install openmpi-bin)")
    return mpirun


def has_mpi4py():
    return subprocess.run([PYTHON, "-c", "import mpi4py"], capture_output=True).returncode == 0


def run_np2(rk, tmp_path, mode, extra_env=None):
    mpirun = mpirun_or_skip()
    script = tmp_path / "guard.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
    env.update(ROMKIT_LIB=rk.library_path(), MODE=mode, OUT=str(tmp_path / "basis.h5"),
               PYTHONPATH=os.path.join(HERE, "..", "..", "python"), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.update(extra_env or {})
    cmd = [mpirun, "-np", "2", "--oversubscribe", PYTHON, str(script)]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    return out


def test_default_context_refused_on_every_rank(rk, tmp_path):
    out = run_np2(rk, tmp_path, "default")
    assert out.count("REFUSED ROM_ERR_MPI") == 2, out
    assert "one of 2 MPI ranks" in out and "COMM_WORLD" in out, out
    assert "RAN" not in out, out


def test_serial_under_mpi_opt_in(rk, tmp_path):
    out = run_np2(rk, tmp_path, "default", {"ROMKIT_SERIAL_UNDER_MPI": "1"})
    assert out.count("RAN size 1") == 2, out


def test_mpi4py_without_communicator_refused(rk, tmp_path):
    if not has_mpi4py():
        pytest.skip("mpi4py not installed (apt-get install python3-mpi4py)")
    out = run_np2(rk, tmp_path, "mpi4py-none")
    assert out.count("REFUSED ROM_ERR_MPI") == 2, out


def test_mpi4py_world_and_self_run(rk, tmp_path):
    if not has_mpi4py():
        pytest.skip("mpi4py not installed (apt-get install python3-mpi4py)")
    out = run_np2(rk, tmp_path, "mpi4py-world")
    assert out.count("RAN size 2") == 2, out
    assert (tmp_path / "basis.h5").exists()
    out = run_np2(rk, tmp_path, "mpi4py-self")
    assert out.count("RAN size 1") == 2, out


@pytest.mark.parametrize("var,value,refused", [
    ("OMPI_COMM_WORLD_SIZE", "3", True), ("PMI_SIZE", "2", True),
    ("MV2_COMM_WORLD_SIZE", "4", True), ("PMIX_RANK", "1", True),
    ("OMPI_COMM_WORLD_SIZE", "1", False), ("PMI_SIZE", "1", False), ("PMIX_RANK", "0", False),
])
def test_launch_environment(rk, monkeypatch, var, value, refused):
    """The detection itself, in this process: only a launch of more than one rank counts."""
    for v in LAUNCH_VARS:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv(var, value)
    if refused:
        with pytest.raises(rk.RomkitError) as e:
            rk.Context()
        assert e.value.name == "ROM_ERR_MPI" and f"{var}={value}" in str(e.value)
        monkeypatch.setenv("ROMKIT_SERIAL_UNDER_MPI", "1")
    with rk.Context() as c:
        assert c.size == 1
