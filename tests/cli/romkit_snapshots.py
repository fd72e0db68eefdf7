"""Helper of the CLI tests: write a romkit snapshot file (docs/file-format.md) with h5py."""
import h5py
import numpy as np


def write(name, X):
    """X: (num_snapshots, num_rows), one snapshot per row as romkit stores them."""
    with h5py.File(name, "w") as f:
        f.attrs.update(format="romkit", format_version=np.int64(1), kind="snapshots",
                       romkit_version="0.1.0", created="2024-01-01T00:00:00Z", ranks=np.int64(1),
                       num_snapshots=np.int64(X.shape[0]), num_rows=np.int64(X.shape[1]),
                       num_parameters=np.int64(0))
        f["snapshots"] = X
