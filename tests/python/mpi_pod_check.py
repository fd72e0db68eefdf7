"""Run under mpirun by test_mpi.py: a distributed POD through the Python package, with an
mpi4py communicator and an uneven row partition, checked against a serial POD of the
whole matrix on every rank. Prints "OK rank R of P" and exits 0 on success."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from mpi4py import MPI  # noqa: E402  (initialises MPI; romkit uses the communicator)
import numpy as np  # noqa: E402

import romkit  # noqa: E402


def main():
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    N, m = 103, 9
    rng = np.random.default_rng(123)            # the same global matrix on every rank
    S = rng.standard_normal((N, m)) * (0.6 ** np.arange(m))
    # uneven contiguous partition: rank r gets base + r rows, the last rank the rest
    counts = [N // size - size // 2 + r for r in range(size)]
    counts[-1] = N - sum(counts[:-1])
    start = sum(counts[:rank])
    local = np.asfortranarray(S[start:start + counts[rank]])

    with romkit.Context(comm) as ctx:
        assert ctx.size == size and ctx.rank == rank
        M = romkit.DistributedMatrix(local, ctx)
        assert M.global_rows == N and M.row_offset == start
        dist = romkit.pod(M, rank=6, center=True)
        with romkit.Context(MPI.COMM_SELF) as serial:
            ref = romkit.pod(np.asfortranarray(S), rank=6, center=True, ctx=serial)
            sv_d, sv_s = dist.singular_values, ref.singular_values
            assert sv_d.shape == sv_s.shape, (sv_d.shape, sv_s.shape)
            assert np.allclose(sv_d, sv_s, rtol=1e-12, atol=1e-12 * sv_s[0]), (sv_d, sv_s)
            rows = slice(start, start + counts[rank])
            assert np.allclose(dist.vectors, ref.vectors[rows], atol=1e-10)
            assert np.allclose(dist.reference, ref.reference[rows], atol=1e-13)
        # collective project / lift across ranks
        u = np.ascontiguousarray(local[:, 0])
        q = dist.project(u)
        qs = comm.allgather(q)
        assert all(np.array_equal(qs[0], x) for x in qs)
        assert np.allclose(dist.lift(q), dist.reference + dist.vectors @ q, atol=1e-12)
        # an error on one rank only is an error on every rank
        bad = local.copy(order="F")
        if rank == size - 1:
            bad[0, 1] = np.nan
        try:
            romkit.pod(romkit.DistributedMatrix(bad, ctx), rank=2)
            raise AssertionError("NaN on one rank was not reported")
        except romkit.RomkitError as e:
            assert e.name == "ROM_ERR_NOT_FINITE", e
        # a Python callback raising on one rank: that rank gets its exception back, the
        # others ROM_ERR_CALLBACK, and nobody hangs
        nloc = counts[rank]
        model = romkit.Model(nloc, 1, ctx)

        def apply(q, x, y):
            if rank == size - 1:
                raise KeyError("host failure on the last rank")
            y[:] = x

        model.set_affine_operator(1, apply)
        try:
            model.apply_operator_term(0, np.ones(nloc))
            raise AssertionError("the callback failure was not reported")
        except KeyError:
            assert rank == size - 1
        except romkit.RomkitError as e:
            assert rank != size - 1 and e.name == "ROM_ERR_CALLBACK", e
        # collective file output, read back with another partition
        path = os.environ.get("ROMKIT_MPI_BASIS")
        if path:
            dist.write(path, overwrite=True)
            back = romkit.Basis.read(path, ctx)
            assert np.allclose(back.singular_values, sv_s, rtol=1e-12)
    print(f"OK rank {rank} of {size}", flush=True)


if __name__ == "__main__":
    main()
