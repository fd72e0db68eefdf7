#!/usr/bin/env python3
"""Generates the P3 plots of docs/ with the romkit Python package (docs/sweeps.md):

  docs/img/p3_singular_values.png  POD singular-value decay of P3 snapshots
  docs/img/p3_error_vs_k.png       ROM error (mean and max over unseen parameters) vs k
  docs/img/p3_fom_vs_rom.png       FOM and ROM temperature fields at one unseen parameter
  docs/img/p3_uq_histogram.png     ROM Monte Carlo (10000 samples) of the average
                                   temperature, with the FOM Monte Carlo (200) as outline

P3: -div(kappa grad u) = 1 on the unit square, kappa = mu_q on 2 x 2 subdomains, mu
log-uniform on [0.1, 10]^4, n x n grid (default 48). The library comes from $ROMKIT_LIB or
build/libromkit.so. Run from the repository root:

  ROMKIT_LIB=build/libromkit.so /usr/bin/python3 scripts/make_doc_plots.py [--n 48] [--out docs/img]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import numpy as np  # noqa: E402

import romkit  # noqa: E402
from romkit import plot  # noqa: E402

RANGE = [(0.1, 10.0)] * 4


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=48, help="interior grid nodes per direction")
    ap.add_argument("--train", type=int, default=60, help="training FOM solves (LHS)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "docs", "img"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731
    print(f"romkit {romkit.__version__} from {romkit.library_path()}")

    n = args.n
    fom = romkit.Heat2D(n=n)
    N = fom.global_rows
    train = romkit.Design.lhs(RANGE, samples=args.train, seed=7, log=True)
    t0 = time.perf_counter()
    S = np.asfortranarray(np.column_stack([fom.solve(mu) for mu in train.parameters()]))
    basis = romkit.pod(S, rank=args.train)
    print(f"P3 {n} x {n} (N = {N}): {args.train} FOM solves + POD in {time.perf_counter() - t0:.2f} s")
    s = basis.singular_values

    # ---- error versus k on unseen parameters ----
    test = romkit.Design.monte_carlo(RANGE, samples=20, seed=1234, log=True).parameters()
    U = [fom.solve(mu) for mu in test]
    ks = [k for k in (1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40) if k <= basis.dim]
    mean_err, max_err = [], []
    for k in ks:
        bk = basis.truncated(k)
        rom = romkit.AffineROM.build(fom.model, bk)
        e = [np.linalg.norm(bk.lift(rom.solve(mu, [1.0])) - u) / np.linalg.norm(u)
             for mu, u in zip(test, U)]
        mean_err.append(np.mean(e))
        max_err.append(np.max(e))
        print(f"  k = {k:3d}: mean relative error {mean_err[-1]:.3e}, max {max_err[-1]:.3e}")
    k_uq = next((k for k, e in zip(ks, max_err) if e < 1e-4), ks[-1])
    plot.singular_values(s, k=k_uq, path=out("p3_singular_values.png"),
                         title=f"P3 ({n} x {n} grid): POD of {args.train} steady solutions")
    plot.error_vs_basis_size(ks, {"mean over 20 unseen mu": mean_err,
                                  "max over 20 unseen mu": max_err},
                             path=out("p3_error_vs_k.png"),
                             ylabel="relative error ||u_ROM - u_FOM|| / ||u_FOM||",
                             title="P3: Galerkin ROM error versus basis size")

    # ---- FOM vs ROM fields at one unseen parameter, small k so the error is visible ----
    k_show = 8
    bk = basis.truncated(k_show)
    rom = romkit.AffineROM.build(fom.model, bk)
    mu = test[0]
    u_rom = bk.lift(rom.solve(mu, [1.0]))
    err = np.linalg.norm(u_rom - U[0]) / np.linalg.norm(U[0])
    plot.fields_2d(U[0], u_rom, shape=(n, n), path=out("p3_fom_vs_rom.png"),
                   titles=(f"FOM (N = {N})", f"ROM (k = {k_show})",
                           f"|ROM - FOM| (rel. error {err:.1e})"))
    print(f"fields at mu = {np.array2string(mu, precision=3)}: k = {k_show}, relative error {err:.2e}")

    # ---- UQ: ROM Monte Carlo with outputs vs a FOM Monte Carlo on the first 200 samples ----
    bk = basis.truncated(k_uq)
    rom = romkit.AffineROM.build(fom.model, bk)
    romkit.add_output(rom, bk, "T_average", np.full(N, 1.0 / N))
    mc = romkit.Design.monte_carlo(RANGE, samples=10000, seed=42, log=True)
    result = romkit.sweep(rom, mc)
    t0 = time.perf_counter()
    fom_avg = np.array([fom.solve(m).mean() for m in mc.parameters(0, 200)])
    t_fom = (time.perf_counter() - t0) / 200
    st = result.statistics
    print(f"UQ (k = {k_uq}): ROM 10000 samples in {result.seconds:.3f} s; mean {st['mean'][0]:.5e}, "
          f"std {np.sqrt(st['variance'][0]):.5e}; FOM 200 samples: mean {fom_avg.mean():.5e}, "
          f"std {fom_avg.std(ddof=1):.5e}; speed-up per sample "
          f"{t_fom / (result.seconds / 10000):.0f}x")
    plot.histogram(result.outputs[:, 0], reference=fom_avg, bins=40, path=out("p3_uq_histogram.png"),
                   xlabel="average temperature",
                   title=f"P3 Monte Carlo, ROM with k = {k_uq}")
    for name in ("p3_singular_values", "p3_error_vs_k", "p3_fom_vs_rom", "p3_uq_histogram"):
        print("wrote", os.path.normpath(out(name + ".png")))


if __name__ == "__main__":
    main()
