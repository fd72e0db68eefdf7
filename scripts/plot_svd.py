#!/usr/bin/env python3
"""Plots and cost model of `romkit bench svd` (docs/svd-cost-model.md).

Reads docs/data/svd_*.json (one object per `romkit bench svd --json` run), fits the machine
constants of the cost model from those measurements, and writes
  docs/img/svd_times.png   measured time per method, 1 vs 2 ranks, every shape measured;
  docs/img/svd_model.png   model vs measurement, and the model's prediction for P = 1..1024;
and prints the markdown tables of docs/svd-cost-model.md on stdout.

    python3 scripts/plot_svd.py [--data docs/data] [--img docs/img]

Fitted constants (all from the JSON files, nothing assumed):
  gamma_qr   = LAPACK dgeqrf time / (2 N m^2 - 2/3 m^3)       (serial, same run as romkit)
  gamma_orm  = LAPACK dormqr time / (4 N m^2 - 2 m^3)
  gamma_svd  = LAPACK dgesdd(R) time / m^3                      (m x m SVD, all vectors)
  gamma_rand = randomized 1-rank time / its flop count          (calibrated at P = 1)
  gamma_mv   = incremental 1-rank time / its flop count         (calibrated at P = 1)
  alpha      = half round trip of an 8-byte ping-pong (2 ranks)
  beta       = half round trip of an 8 MiB ping-pong / 8 MiB   (seconds per byte)
The 64- and 1024-rank predictions replace alpha and beta by ASSUMED network constants
(ALPHA_NET, BETA_NET below: 2 us latency, 100 Gb/s links), and keep the per-core rates.
"""
import argparse
import glob
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ALPHA_NET = 2e-6          # s per message, ASSUMED (typical InfiniBand/Slingshot MPI latency)
BETA_NET = 8.0 / 100e9    # s per byte, ASSUMED (100 Gb/s = 12.5 GB/s per link)
NB = 64                   # ScaLAPACK block size (librom/pod/svd_scalapack.c)
OVERSAMPLING, POWER_ITERATIONS = 10, 2
METHODS = ["tsqr", "scalapack", "randomized", "incremental"]
COLORS = {"tsqr": "C0", "scalapack": "C1", "randomized": "C2", "incremental": "C3", "lapack": "k"}


def log2(p):
    return math.ceil(math.log2(p)) if p > 1 else 0


def choose_grid(N, m, P):
    """librom/pod/svd_scalapack.c choose_grid: the most nearly square Pr x Pc, Pc <= Pr,
    at least 8 columns per process column."""
    best = 1
    d = 1
    while d * d <= P:
        if P % d == 0 and (d == 1 or d * 8 <= m):
            best = d
        d += 1
    return P // best, best


def qr_flops(n, m):
    """Householder QR of an n x m matrix (LAPACK Working Note 41)."""
    if n >= m:
        return 2.0 * n * m * m - 2.0 / 3.0 * m ** 3
    return 2.0 * m * n * n - 2.0 / 3.0 * n ** 3


def orm_flops(n, m, k):
    """Applying the m reflectors of an n x m QR to an n x k matrix."""
    r = min(n, m)
    return max(4.0 * n * r * k - 2.0 * r * r * k, 0.0)


def incremental_sizes(m, k, N):
    max_rank = min(2 * k, m, N)
    cap = max_rank + max(8, max_rank // 2)
    return max_rank, cap


def model(method, N, m, k, P, c):
    """Predicted seconds and its parts {compute, latency, bandwidth}; c: the constants."""
    a, b = c["alpha"], c["beta"]
    L = log2(P)
    n = math.ceil(N / P)
    w = 8.0  # bytes per double
    if method == "tsqr":
        kk = m
        comp = (c["gamma_qr"] * qr_flops(n, m) + c["gamma_orm"] * orm_flops(n, m, kk)
                + L * (c["gamma_qr"] * 10.0 / 3.0 * m ** 3 + c["gamma_orm"] * 8.0 * m * m * kk)
                + c["gamma_svd"] * m ** 3)
        lat = 2 * L * a
        bw = L * b * w * (m * m / 2.0 + m * kk)
    elif method == "scalapack":
        kk = m
        Pr, Pc = choose_grid(N, m, P)
        lr, lc = log2(Pr), log2(Pc)
        comp = (c["gamma_qr"] * qr_flops(N, m) / P + c["gamma_orm"] * orm_flops(N, m, kk) / P
                + c["gamma_svd"] * m ** 3)
        # pdgeqrf (Demmel et al. 2012, Table 3) + pdormqr (one V broadcast along the process
        # row and one W reduction along the process column per block of nb reflectors)
        msgs = (3 * m * lr + 2 * m / NB * lc) + (m / NB) * (2 * lr + lc)
        words = ((m * m / Pc + m * NB) * lr + ((N * m - m * m / 2.0) / Pr + m * NB / 2.0) * lc
                 + (m * kk / Pc + m * NB) * lr + (N * m / Pr) * lc)
        # two all-to-alls (host rows <-> block-cyclic) and R to rank 0 / U_R back
        msgs += 2 * (P - 1) + 2 * (P - 1)
        words += (N * m + N * kk) / P * (1 - 1.0 / P) + (m * m + m * kk) * (1 - 1.0 / P)
        lat, bw = msgs * a, words * w * b
    elif method == "randomized":
        q, l = POWER_ITERATIONS, min(k + OVERSAMPLING, m)
        comp = c["gamma_rand"] * ((4 * q + 4) * N * m * l / P + (q + 1) * 6.0 * N * l * l / P
                                  + q * 2.0 * m * l * l + 4.0 * l * l * m)
        lat = (q + 1) * (L + 2 * L) * a
        bw = (q + 1) * L * b * w * (m * l + 1.5 * l * l)
    elif method == "incremental":
        r, cap = incremental_sizes(m, k, N)
        per_col_flops = 8.0 * N * cap / P
        comp = m * (c["gamma_mv"] * per_col_flops + c["gamma_svd"] * (r + 1) ** 3)
        lat = m * 3 * L * a
        bw = m * L * b * w * (2 * (cap + 2) + r * r)
    else:
        raise ValueError(method)
    return comp + lat + bw, {"compute": comp, "latency": lat, "bandwidth": bw}


def load(data_dir):
    runs = []
    for path in sorted(glob.glob(os.path.join(data_dir, "svd_*.json"))):
        with open(path) as f:
            text = f.read()
        if not text.strip():
            continue  # a run still in progress, or one that failed
        d = json.loads(text)
        d["_file"] = os.path.basename(path)
        runs.append(d)
    return runs


def fit(runs):
    """Machine constants from the measurements (see the module docstring)."""
    c = {}
    base = [r for r in runs if r["ranks"] == 1 and r["rows"] == 20000 and r["cols"] == 200
            and r["lapack"]["measured"]]
    if not base:
        base = [r for r in runs if r["lapack"]["measured"]]
    # LAPACK rates from the quietest of them (the machine is shared): the smallest serial
    # LAPACK time; the randomized / incremental calibration from the k = 20 run
    rl = min(base, key=lambda r: r["lapack"]["geqrf_gesdd_ormqr_s"])
    r0 = ([r for r in base if r["rank_k"] == 20] or base)[0]
    N, m, lp = rl["rows"], rl["cols"], rl["lapack"]
    c["gamma_qr"] = lp["geqrf_s"] / qr_flops(N, m)
    c["gamma_orm"] = lp["ormqr_s"] / orm_flops(N, m, m)
    c["gamma_svd"] = lp["gesdd_of_R_s"] / m ** 3
    c["fit_run"] = "LAPACK rates from %s, randomized / incremental from %s" % (rl["_file"], r0["_file"])
    N, m = r0["rows"], r0["cols"]
    nets = [r["network"] for r in runs if r["ranks"] >= 2 and r["network"]["pingpong_8B_s"]]
    c["alpha"] = sorted(x["pingpong_8B_s"] for x in nets)[len(nets) // 2]
    c["beta"] = sorted(x["pingpong_8MiB_s"] / (8.0 * 2 ** 20) for x in nets)[len(nets) // 2]
    c["allreduce"] = sorted(x["allreduce_1double_s"] for x in nets)[len(nets) // 2]
    # one-parameter calibrations at P = 1 (the 2-rank runs then test the model)
    for meth, key in (("randomized", "gamma_rand"), ("incremental", "gamma_mv")):
        cc = dict(c, gamma_rand=1.0, gamma_mv=1.0, gamma_svd=0.0)
        mm = [x for x in r0["methods"] if x["name"] == meth]
        if mm:
            flops, _ = model(meth, N, m, r0["rank_k"], 1, dict(cc, alpha=0.0, beta=0.0))
            svd_part = 0.0
            if meth == "incremental":
                rk, _cap = incremental_sizes(m, r0["rank_k"], N)
                svd_part = m * c["gamma_svd"] * (rk + 1) ** 3
            c[key] = (mm[0]["time_s"] - svd_part) / flops
    return c


def comparisons(runs, c):
    rows = []
    for r in runs:
        for meth in r["methods"]:
            if meth["time_s"] is None:
                continue
            pred, parts = model(meth["name"], r["rows"], r["cols"], r["rank_k"], r["ranks"], c)
            rows.append((r["rows"], r["cols"], r["rank_k"], r["ranks"], meth["name"], meth["time_s"],
                         pred, parts, r["_file"], r.get("loadavg_start")))
        if r["lapack"]["measured"]:
            N, m = r["rows"], r["cols"]
            pred = (c["gamma_qr"] * qr_flops(N, m) + c["gamma_orm"] * orm_flops(N, m, m)
                    + c["gamma_svd"] * m ** 3)
            rows.append((N, m, r["rank_k"], r["ranks"], "lapack", r["lapack"]["geqrf_gesdd_ormqr_s"],
                         pred, {}, r["_file"], r.get("loadavg_start")))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="docs/data")
    ap.add_argument("--img", default="docs/img")
    args = ap.parse_args()
    runs = load(args.data)
    if not runs:
        raise SystemExit("no docs/data/svd_*.json")
    os.makedirs(args.img, exist_ok=True)
    c = fit(runs)
    print("## fitted constants (%s; network from the 2-rank runs)\n" % c["fit_run"])
    for key in ("gamma_qr", "gamma_orm", "gamma_svd", "gamma_rand", "gamma_mv", "alpha", "beta", "allreduce"):
        if key in c:
            extra = ""
            if key.startswith("gamma") and key != "gamma_svd":
                extra = " (%.1f GFlop/s)" % (1e-9 / c[key])
            if key == "beta":
                extra = " (%.2f GB/s)" % (1e-9 / c[key])
            print("- %s = %.3e%s" % (key, c[key], extra))
    rows = comparisons(runs, c)
    print("\n## model vs measured\n")
    print("| N x m | k | P | method | measured [s] | model [s] | model / measured | load at start |")
    print("|---|---|---|---|---|---|---|---|")
    for (N, m, k, P, name, meas, pred, _parts, _f, load_) in rows:
        print("| %d x %d | %s | %d | %s | %.4g | %.4g | %.2f | %s |" % (
            N, m, k if name in ("randomized", "incremental") else "-", P, name, meas, pred,
            pred / meas, load_))
    print("\n## predictions at P = 64 and 1024 (ASSUMED network: alpha = %.0e s, 100 Gb/s)\n" % ALPHA_NET)
    cn = dict(c, alpha=ALPHA_NET, beta=BETA_NET / 8.0)
    print("| N x m | method | P | model [s] | compute | latency | bandwidth |")
    print("|---|---|---|---|---|---|---|")
    for (N, m) in ((20000, 200), (200000, 2000)):
        for meth in METHODS:
            for P in (1, 64, 1024):
                cc = c if P == 1 else cn
                t, parts = model(meth, N, m, 20, P, cc)
                print("| %d x %d | %s%s | %d | %.3g | %.3g | %.3g | %.3g |" % (
                    N, m, meth, " (k = 20)" if meth in ("randomized", "incremental") else "", P, t,
                    parts["compute"], parts["latency"], parts["bandwidth"]))

    # plot 1: measured times, 1 vs 2 ranks, per shape
    shapes = sorted({(r["rows"], r["cols"], r["rank_k"]) for r in runs})
    fig, axes = plt.subplots(1, len(shapes), figsize=(4.2 * len(shapes), 4.2), squeeze=False)
    for ax, (N, m, k) in zip(axes[0], shapes):
        names = METHODS + ["lapack"]
        for j, P in enumerate((1, 2)):
            rr = [r for r in runs if (r["rows"], r["cols"], r["rank_k"], r["ranks"]) == (N, m, k, P)]
            for i, name in enumerate(names):
                t = None
                for r in rr:
                    if name == "lapack":
                        if r["lapack"]["measured"]:
                            t = r["lapack"]["geqrf_gesdd_ormqr_s"]
                    else:
                        for x in r["methods"]:
                            if x["name"] == name:
                                t = x["time_s"]
                if t is not None:
                    ax.bar(i + (j - 0.5) * 0.38, t, 0.36, color=COLORS[name], alpha=1.0 if P == 1 else 0.5,
                           edgecolor="k", linewidth=0.5)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(["TSQR", "ScaLAPACK", "rand.", "incr.", "LAPACK\n(serial)"], fontsize=8)
        ax.set_yscale("log")
        ax.set_title("%d x %d%s" % (N, m, ", k = %d" % k), fontsize=9)
        ax.set_ylabel("median time [s]")
        if (N, m) == (20000, 200):
            ax.axhline(1.96 / 10, color="gray", ls="--", lw=0.8)
            ax.text(-0.4, 1.96 / 10 * 1.05, "libROM 1-rank / 10 (quoted)", fontsize=7, color="gray")
    axes[0][0].legend(handles=[plt.Rectangle((0, 0), 1, 1, color="gray", alpha=1.0),
                               plt.Rectangle((0, 0), 1, 1, color="gray", alpha=0.5)],
                      labels=["1 rank", "2 ranks"], fontsize=8)
    fig.suptitle("romkit bench svd: measured (2-core machine, OPENBLAS_NUM_THREADS=1)", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(args.img, "svd_times.png"), dpi=110)

    # plot 2: model vs measured, and the P-scaling prediction
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4.4))
    for (N, m, k, P, name, meas, pred, _parts, _f, _l) in rows:
        ax1.loglog(meas, pred, "o" if P == 1 else "s", color=COLORS[name], mfc="none" if P == 2 else COLORS[name])
    lo = min(min(r[5], r[6]) for r in rows) / 1.5
    hi = max(max(r[5], r[6]) for r in rows) * 1.5
    ax1.plot([lo, hi], [lo, hi], "k-", lw=0.6)
    ax1.plot([lo, hi], [lo * 1.5, hi * 1.5], "k:", lw=0.6)
    ax1.plot([lo, hi], [lo / 1.5, hi / 1.5], "k:", lw=0.6)
    ax1.set_xlabel("measured [s]")
    ax1.set_ylabel("model [s]")
    ax1.set_title("model vs measured (filled: 1 rank, open: 2 ranks)", fontsize=9)
    for name in METHODS + ["lapack"]:
        ax1.plot([], [], "o", color=COLORS[name], label=name)
    ax1.legend(fontsize=7)
    Ps = [2 ** i for i in range(0, 11)]
    for ax, (N, m) in ((ax2, (20000, 200)), (ax3, (200000, 2000))):
        for meth in METHODS:
            ts = [model(meth, N, m, 20, P, c if P <= 2 else cn)[0] for P in Ps]
            ax.loglog(Ps, ts, "-o", ms=3, color=COLORS[meth], label=meth + (" (k = 20)" if meth in ("randomized", "incremental") else ""))
        ax.set_xlabel("ranks P")
        ax.set_ylabel("predicted time [s]")
        ax.set_title("model, %d x %d (P > 2: assumed 2 us, 100 Gb/s)" % (N, m), fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(args.img, "svd_model.png"), dpi=110)


if __name__ == "__main__":
    main()
