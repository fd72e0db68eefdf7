"""The romkit context: a communicator, a seed, a log level and the last error.

``Context(comm)`` takes an mpi4py communicator (``MPI.COMM_WORLD`` or any other); romkit
duplicates it (rom_ctx_create). ``Context()`` without one is the serial default: a
one-rank context on MPI_COMM_SELF. If MPI is not initialised yet (no mpi4py imported),
romkit initialises it (rom_mpi_init_serial) and finalises it at interpreter exit.
The C library itself never touches MPI_COMM_WORLD.

Under ``mpirun -np N`` (N > 1), ``Context()`` without a communicator refuses with a
RomkitError (ROM_ERR_MPI) instead of running N identical serial jobs that each compute
the whole problem and write the same output file (a corrupt or silently duplicated
result, not an error anyone would see). Refusing, not warning: the warning would be
printed N times while the N jobs race on the file. The launch is recognised from the
launcher's environment (OMPI_COMM_WORLD_SIZE: Open MPI; PMI_SIZE: MPICH/Hydra, Intel
MPI, srun --mpi=pmi2; MV2_COMM_WORLD_SIZE: MVAPICH2; PMIX_RANK > 0: any PMIx launcher)
or, when mpi4py is imported, from MPI.COMM_WORLD's size. Pass ``MPI.COMM_WORLD`` for one
parallel run, ``MPI.COMM_SELF`` for deliberately independent serial runs per rank, or
set ROMKIT_SERIAL_UNDER_MPI=1 (no mpi4py needed) for the latter.
"""
import os
import sys

from ._handles import Resource, Wrapper
from ._lib import lib, new
from .errors import RomkitError

__all__ = ["Context", "default_context"]

LOG_LEVELS = {"silent": 0, "error": 1, "warn": 2, "info": 3, "debug": 4}


_LAUNCH_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE")


def _int_env(name):
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return None


def _mpirun_launch(mpi):
    """(ranks, evidence) if this process is one of several ranks an MPI launcher started,
    else None. ranks may be a lower bound (">= 2" from PMIX_RANK alone)."""
    for name in _LAUNCH_SIZE_VARS:
        n = _int_env(name)
        if n is not None and n > 1:
            return str(n), f"{name}={n}"
    r = _int_env("PMIX_RANK")
    if r is not None and r > 0:
        return ">= 2", f"PMIX_RANK={r}"
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        n = mpi.COMM_WORLD.Get_size()
        if n > 1:
            return str(n), f"mpi4py MPI.COMM_WORLD.Get_size() = {n}"
    return None


def _refuse_serial_under_mpirun(mpi):
    """Raises RomkitError if a serial context is asked for in a multi-rank launch (see the
    module docstring for why this refuses rather than warns)."""
    if os.environ.get("ROMKIT_SERIAL_UNDER_MPI", "") not in ("", "0"):
        return
    launch = _mpirun_launch(mpi)
    if launch is None:
        return
    ranks, evidence = launch
    raise RomkitError(
        -3, f"this process is one of {ranks} MPI ranks ({evidence}) but no communicator "
        "was given, so every rank would run the whole problem serially and write the same "
        "files. Pass comm=MPI.COMM_WORLD (mpi4py) to Context(comm) for one parallel run, "
        "or comm=MPI.COMM_SELF (or set ROMKIT_SERIAL_UNDER_MPI=1) for independent serial "
        "runs per rank (docs/python.md, \"MPI with mpi4py\")", name="ROM_ERR_MPI", call="Context")


def _fortran_handle(comm):
    """The Fortran handle of an mpi4py communicator (or an int handle passed as is)."""
    if isinstance(comm, int):
        return comm
    py2f = getattr(comm, "py2f", None)
    if py2f is None:
        raise TypeError("comm must be an mpi4py communicator (mpi4py.MPI.Comm), a Fortran "
                        f"communicator handle (int) or None for serial, got {type(comm).__name__}")
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and comm == mpi.COMM_NULL:
        raise ValueError("comm is MPI.COMM_NULL")
    return int(py2f())


class Context(Wrapper):
    """A romkit context (rom_ctx).

    Args:
        comm: an mpi4py communicator; romkit works on a duplicate. None: serial (one rank,
            MPI_COMM_SELF; MPI is initialised by romkit if nobody did).
        seed: seed of every random choice romkit makes (same on every rank).
        log_level: "silent" (default), "error", "warn", "info" or "debug"; romkit logs to
            stderr.

    Use it as a context manager or call close(). Objects created from a context keep it
    alive; it is destroyed when it is closed and the last of them is gone.
    """

    _what = "Context"

    def __init__(self, comm=None, seed=None, log_level=None):
        f = lib()
        out = new("rom_ctx **")
        mpi = sys.modules.get("mpi4py.MPI")
        if comm is None:
            _refuse_serial_under_mpirun(mpi)
            if mpi is not None and not mpi.Is_initialized():
                raise RomkitError(-13, "mpi4py is imported but MPI is not initialised "
                                  "(mpi4py.rc.initialize = False?): call MPI.Init() first",
                                  call="Context")
            rc = f.rom_mpi_init_serial()
            if rc < 0:
                raise RomkitError(rc, "cannot initialise MPI for a serial context "
                                  "(rom_mpi_init_serial): MPI was finalised already?",
                                  call="rom_mpi_init_serial")
            rc = f.rom_ctx_create_serial(out)
            what = "rom_ctx_create_serial"
            self.comm = mpi.COMM_SELF if mpi is not None else None
        else:
            handle = _fortran_handle(comm)
            rc = f.rom_ctx_create_fortran(handle, out)
            what = "rom_ctx_create_fortran"
            self.comm = comm
        if rc != 0:
            raise RomkitError(rc, "cannot create a romkit context (is MPI initialised and "
                              "the communicator valid?)", call=what)
        self._res = Resource(out[0], "rom_ctx_destroy")
        if seed is not None:
            self.seed = seed
        if log_level is not None:
            self.log_level = log_level

    @property
    def ctx(self):
        return self

    @property
    def _cres(self):
        return self._res

    @property
    def _ctx_h(self):
        return self._h

    @property
    def rank(self):
        """This process's rank in the context's communicator."""
        return lib().rom_ctx_rank(self._h)

    @property
    def size(self):
        """Number of ranks of the context's communicator."""
        return lib().rom_ctx_size(self._h)

    @property
    def seed(self):
        """Seed of romkit's random choices (default 42)."""
        return lib().rom_ctx_seed(self._h)

    @seed.setter
    def seed(self, value):
        value = int(value)
        if value < 0 or value >= 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {value}")
        lib().rom_ctx_set_seed(self._h, value)

    @property
    def log_level(self):
        """"silent", "error", "warn", "info" or "debug"."""
        level = lib().rom_ctx_log_level(self._h)
        return {v: k for k, v in LOG_LEVELS.items()}[level]

    @log_level.setter
    def log_level(self, level):
        if level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        lib().rom_ctx_set_log_level(self._h, LOG_LEVELS[level])

    @property
    def last_error(self):
        """romkit's message for the last failure on this rank ("" if none)."""
        return lib().rom_ctx_last_error(self._h).decode(errors="replace")

    @property
    def bytes_in_use(self):
        """Bytes romkit currently has allocated through this context."""
        return lib().rom_ctx_bytes_in_use(self._h)

    @property
    def bytes_peak(self):
        """Peak of bytes_in_use."""
        return lib().rom_ctx_bytes_peak(self._h)

    def __repr__(self):
        if self.closed:
            return "<romkit.Context closed>"
        return f"<romkit.Context rank {self.rank} of {self.size}>"


_default = None


def default_context():
    """The context used when a function is given numpy arrays and no context: created on
    first use as ``Context()`` (serial, or MPI_COMM_SELF under mpi4py)."""
    global _default
    if _default is None or _default.closed:
        _default = Context()
    return _default


def resolve(ctx):
    """`ctx`, or the default context for None."""
    if ctx is None:
        return default_context()
    if not isinstance(ctx, Context):
        raise TypeError(f"ctx must be a romkit.Context, got {type(ctx).__name__}")
    ctx._h  # raises ValueError if it is closed
    return ctx
