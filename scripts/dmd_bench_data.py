#!/usr/bin/python3
"""dmd_bench_data.py OUTDIR [--nx 250] [--ny 200] [--m 200] [--dt 0.05] [--q 40] [--noise 0.01]

The data of the DMD side-by-side benchmark (scripts/dmd_librom_compare.sh, docs/dmd.md,
"Side by side with libROM"): a synthetic linear problem with a known answer, damped
standing waves and decaying modes on the unit square,

    u(x, y, t) = sum_p exp(s_p t) (a_p(x, y) cos(w_p t) + c_p(x, y) sin(w_p t))
               + sum_q exp(d_q t) e_q(x, y),

with Fourier shapes sin(i pi x) sin(j pi y) (distinct (i, j) for every shape), so that the
data are exactly rank 10 with the continuous-time eigenvalues s_p +- i w_p and d_q. On an
nx x ny grid (N = nx ny rows), m snapshots at t_j = j dt are the training data; the truth
at q later times t = m dt + (j + 1) (m dt) / q (extrapolation over one more training span)
is what the predictions are measured against.

Writes to OUTDIR:
  train.bin         N x m raw float64, column-major (column j = snapshot j), clean
  train_noisy.bin   the same with Gaussian noise of `noise` times the RMS of the clean data
                    (numpy default_rng(2026))
  truth.bin         N x q raw float64, column-major, the clean truth at the test times
  train.h5, train_noisy.h5, truth.h5   the same as romkit snapshot files
                    (docs/file-format.md, kind "snapshots": /snapshots {m, N}, /times {m})
  test_times.txt    the q test times, one per line
  omega.txt         the 10 true continuous-time eigenvalues (re im per line)
  meta.txt          N m dt q
"""
import argparse
import datetime
import os

import h5py
import numpy as np

# (s, w, (i, j) of a, (i, j) of c) for the oscillating pairs; (d, (i, j)) for the decaying
# modes.
PAIRS = [(-0.05, 1.0, (1, 1), (1, 2)), (-0.10, 2.3, (2, 1), (2, 3)),
         (-0.08, 3.7, (3, 1), (1, 4)), (-0.20, 5.1, (3, 2), (4, 3))]
DECAYS = [(-0.3, (2, 2)), (-0.6, (4, 1))]


def shape(x, y, ij):
    return np.outer(np.sin(ij[0] * np.pi * x), np.sin(ij[1] * np.pi * y)).ravel()


def field(x, y, times):
    n = x.size * y.size
    out = np.zeros((n, len(times)))
    for s, w, ia, ic in PAIRS:
        a, c = shape(x, y, ia), shape(x, y, ic)
        out += np.outer(a, np.exp(s * times) * np.cos(w * times))
        out += np.outer(c, np.exp(s * times) * np.sin(w * times))
    for d, ie in DECAYS:
        out += np.outer(shape(x, y, ie), np.exp(d * times))
    return out


def write_snapshots(path, U, times):
    m, n = U.shape[1], U.shape[0]
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "romkit"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["kind"] = "snapshots"
        f.attrs["romkit_version"] = "0.1.0"
        f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        f.attrs["ranks"] = np.int64(1)
        f.attrs["num_snapshots"] = np.int64(m)
        f.attrs["num_rows"] = np.int64(n)
        f.attrs["num_parameters"] = np.int64(0)
        f["snapshots"] = np.ascontiguousarray(U.T)
        f["times"] = times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--nx", type=int, default=250)
    ap.add_argument("--ny", type=int, default=200)
    ap.add_argument("--m", type=int, default=200)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--q", type=int, default=40)
    ap.add_argument("--noise", type=float, default=0.01)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    x = (np.arange(a.nx) + 0.5) / a.nx
    y = (np.arange(a.ny) + 0.5) / a.ny
    t_train = a.dt * np.arange(a.m)
    span = a.m * a.dt
    t_test = span + span * (np.arange(a.q) + 1) / a.q
    U = field(x, y, t_train)
    rms = np.sqrt(np.mean(U * U))
    Un = U + a.noise * rms * np.random.default_rng(2026).standard_normal(U.shape)
    T = field(x, y, t_test)
    U.T.tofile(os.path.join(a.outdir, "train.bin"))  # column-major N x m = row-major m x N
    Un.T.tofile(os.path.join(a.outdir, "train_noisy.bin"))
    T.T.tofile(os.path.join(a.outdir, "truth.bin"))
    write_snapshots(os.path.join(a.outdir, "train.h5"), U, t_train)
    write_snapshots(os.path.join(a.outdir, "train_noisy.h5"), Un, t_train)
    write_snapshots(os.path.join(a.outdir, "truth.h5"), T, t_test)
    np.savetxt(os.path.join(a.outdir, "test_times.txt"), t_test, fmt="%.17g")
    om = [complex(s, w) for s, w, _, _ in PAIRS] + [complex(s, -w) for s, w, _, _ in PAIRS]
    om += [complex(d, 0) for d, _ in DECAYS]
    with open(os.path.join(a.outdir, "omega.txt"), "w") as f:
        for w in om:
            f.write(f"{w.real:.17g} {w.imag:.17g}\n")
    with open(os.path.join(a.outdir, "meta.txt"), "w") as f:
        f.write(f"{x.size * y.size} {a.m} {a.dt:.17g} {a.q}\n")
    print(f"dmd_bench_data: N = {x.size * y.size}, m = {a.m}, dt = {a.dt}, q = {a.q} test times "
          f"in ({span}, {2 * span}], noise {a.noise} x rms {rms:.4g}, written to {a.outdir}")


if __name__ == "__main__":
    main()
