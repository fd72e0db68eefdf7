"""Run under mpirun by test_autoencoder.py: the autoencoder trained through the Python
package on every rank of an mpi4py communicator, once from the replicated data
(rom_ae_train) and once from this rank's rows (a DistributedMatrix, rom_ae_train_dmat),
with reproducible chunks (bit-identical on any rank count). Writes both networks to the
paths given; the test compares them with a serial `romkit train`. Prints "OK rank R of P"."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, HERE)

from mpi4py import MPI  # noqa: E402  (initialises MPI; romkit uses the communicator)
import numpy as np  # noqa: E402

import romkit  # noqa: E402
from test_autoencoder import K, N, data  # noqa: E402


def main(out_replicated, out_distributed, epochs, batch, chunks, seed):
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    X = data()
    counts = [N // size + (r < N % size) for r in range(size)]
    start = sum(counts[:rank])
    local = np.asfortranarray(X[start:start + counts[rank]])
    with romkit.Context(comm) as ctx:
        opts = dict(epochs=epochs, batch=batch, reproducible=chunks)
        a = romkit.Autoencoder(N, K, problem="P1", seed=seed, ctx=ctx)
        a.train(X, **opts)
        a.write(out_replicated)
        b = romkit.Autoencoder(N, K, problem="P1", seed=seed, ctx=ctx)
        b.train(romkit.DistributedMatrix(local, ctx), **opts)
        b.write(out_distributed)
        assert np.array_equal(a.params, b.params)
    print(f"OK rank {rank} of {size}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7]))
