#!/usr/bin/python3
"""Plots of the nonlinear-manifold ROM runs saved by `romkit reproduce ... --save PREFIX`
(docs/reproduction.md): latent trajectories, relative error over time, and FOM vs ROM
solution snapshots.

usage: scripts/plot_nm.py --problem P1|P2 --out docs/img/nm_p1 LABEL=PREFIX [LABEL=PREFIX ...]

Each PREFIX names PREFIX_fom.h5, PREFIX_rom.h5 (romkit snapshot files, one state per
row) and PREFIX_latent.txt. Writes OUT_latent.png, OUT_error.png and OUT_snapshots.png.
The error per step is ||u_FOM(t_n) - u_ROM(t_n)|| / ||u_FOM(t_n)|| (P1: over the 1000
unknowns; P2: the u component)."""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(prefix):
    with h5py.File(prefix + "_fom.h5", "r") as f:
        fom = f["snapshots"][...]
    with h5py.File(prefix + "_rom.h5", "r") as f:
        rom = f["snapshots"][...]
    lat = np.loadtxt(prefix + "_latent.txt")
    return fom, rom, lat[:, 1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problem", choices=["P1", "P2"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dt", type=float, default=None)
    ap.add_argument("runs", nargs="+", help="LABEL=PREFIX")
    a = ap.parse_args()
    dt = a.dt if a.dt else (0.001 if a.problem == "P1" else 2.0 / 1500)
    runs = []
    for r in a.runs:
        if "=" not in r:
            sys.exit("each run is LABEL=PREFIX, got " + r)
        label, prefix = r.split("=", 1)
        runs.append((label, *load(prefix)))
    fom = runs[0][1]
    nstates = fom.shape[0]
    t = dt * np.arange(nstates)
    comp = slice(None) if a.problem == "P1" else slice(0, fom.shape[1] // 2)

    # error over time
    plt.figure(figsize=(6, 3.6))
    lows = []
    for label, f, r, _ in runs:
        e = np.linalg.norm(f[:, comp] - r[:, comp], axis=1) / np.linalg.norm(f[:, comp], axis=1)
        plt.semilogy(t, 100 * np.maximum(e, 1e-16), label=label)
        lows.append(100 * e[1:].min())
    plt.ylim(bottom=0.3 * max(min(lows), 1e-12))  # state 0 is exact when q0 = 0
    plt.xlabel("t")
    plt.ylabel("relative error (%)" + (" of u" if a.problem == "P2" else ""))
    plt.title(a.problem + ": ROM error over time at the test parameter")
    plt.legend()
    plt.grid(True, which="both", alpha=0.3)
    plt.tight_layout()
    plt.savefig(a.out + "_error.png", dpi=110)

    # latent trajectories (first run that is a manifold ROM, else the first)
    label, _, _, lat = runs[0]
    plt.figure(figsize=(6, 3.6))
    for j in range(lat.shape[1]):
        plt.plot(t, lat[:, j], label="q%d" % (j + 1))
    plt.xlabel("t")
    plt.ylabel("latent coordinate")
    plt.title(a.problem + ": latent trajectory (" + label + ")")
    plt.legend(ncol=2, fontsize=7)
    plt.tight_layout()
    plt.savefig(a.out + "_latent.png", dpi=110)

    # snapshots FOM vs ROM
    if a.problem == "P1":
        x = np.linspace(0.0, 2.0, 1001)[:-1]
        plt.figure(figsize=(7, 3.6))
        for n, style in ((0, "-"), (nstates // 2, "-"), (nstates - 1, "-")):
            plt.plot(x, fom[n], "k" + style, lw=1.6, label="FOM" if n == 0 else None)
            for i, (label, _, r, _) in enumerate(runs):
                plt.plot(x, r[n], "--", lw=1.0, color="C%d" % i, label=label if n == 0 else None)
        plt.xlabel("x")
        plt.ylabel("u")
        plt.title("P1: FOM and ROM at t = 0, %.2f, %.2f" % (t[nstates // 2], t[-1]))
        plt.legend(fontsize=8)
        plt.tight_layout()
    else:
        g = int(round(np.sqrt(fom.shape[1] // 2)))
        cols = 1 + len(runs)
        fig, ax = plt.subplots(1, cols + len(runs), figsize=(3.0 * (cols + len(runs)), 3.0))
        uf = fom[-1, : g * g].reshape(g, g)
        vmin, vmax = uf.min(), uf.max()
        ax[0].imshow(uf, origin="lower", vmin=vmin, vmax=vmax, extent=[0, 1, 0, 1])
        ax[0].set_title("FOM u, t = %.2f" % t[-1], fontsize=9)
        for i, (label, _, r, _) in enumerate(runs):
            ur = r[-1, : g * g].reshape(g, g)
            ax[1 + i].imshow(ur, origin="lower", vmin=vmin, vmax=vmax, extent=[0, 1, 0, 1])
            ax[1 + i].set_title(label + " u", fontsize=9)
            im = ax[cols + i].imshow(np.abs(ur - uf), origin="lower", extent=[0, 1, 0, 1])
            ax[cols + i].set_title("|error| " + label, fontsize=9)
            fig.colorbar(im, ax=ax[cols + i], fraction=0.046)
        for x in ax:
            x.set_xticks([])
            x.set_yticks([])
        fig.tight_layout()
    plt.savefig(a.out + "_snapshots.png", dpi=110)
    print("wrote", a.out + "_error.png", a.out + "_latent.png", a.out + "_snapshots.png")


if __name__ == "__main__":
    main()
