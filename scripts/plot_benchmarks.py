"""Plots for docs/benchmarks.md from the JSON files that scripts/run_benchmarks.sh saves.

usage: /usr/bin/python3 scripts/plot_benchmarks.py DATA_DIR IMG_DIR
Needs python3-matplotlib (apt-get install python3-matplotlib).
"""
import json
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_benchmarks.py needs matplotlib: apt-get install python3-matplotlib")

# libROM StaticSVD on 20000 x 200, as published in docs/problems.md (not measured here).
LIBROM_STATIC_SVD_S = {1: 1.96, 2: 1.35}


def load(path):
    with open(path) as f:
        return json.load(f)


def plot_pod(data_dir, img_dir):
    runs = [load(os.path.join(data_dir, f"pod_np{np}.json")) for np in (1, 2)
            if os.path.exists(os.path.join(data_dir, f"pod_np{np}.json"))]
    if not runs:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = ["romkit TSQR POD", "LAPACK dgeqrf+dgesdd+dormqr\n(serial, same run)",
              "LAPACK dgesdd\n(serial, same run)", "libROM StaticSVD\n(published)"]
    width = 0.38
    for i, run in enumerate(runs):
        np_ = run["ranks"]
        values = [run["romkit_tsqr_pod_s"], run["lapack_geqrf_gesdd_ormqr_s"], run["lapack_gesdd_s"],
                  LIBROM_STATIC_SVD_S.get(np_, float("nan"))]
        xs = [x + (i - 0.5) * width for x in range(len(values))]
        bars = ax.bar(xs, values, width, label=f"{np_} rank(s)")
        for x, v in zip(xs, values):
            ax.text(x, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("seconds (median)")
    ax.set_yscale("log")
    ax.set_title(f"POD of a {runs[0]['rows']} x {runs[0]['cols']} matrix, all modes")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(img_dir, "pod_times.png"), dpi=110)
    plt.close(fig)


def plot_heat(data_dir, img_dir):
    path = os.path.join(data_dir, "heat.json")
    if not os.path.exists(path):
        return
    run = load(path)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    ks = [o["k"] for o in run["online"]]
    ax1.bar([str(k) for k in ks], [o["solves_per_second"] for o in run["online"]])
    ax1.axhline(1e5, color="k", linestyle="--", label="goal 1e5 / s")
    ax1.set_xlabel("ROM dimension k")
    ax1.set_ylabel("online solves per second (1 core)")
    ax1.set_yscale("log")
    ax1.legend()
    ax1.set_title(f"P3, N = {run['N']}: FOM {run['fom_solve_seconds'] * 1e3:.1f} ms / solve")
    flat = run["flat_in_N"]
    ax2.plot([f["N"] for f in flat], [f["solves_per_second"] for f in flat], "o-")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_ylim(1e4, 1e7)
    ax2.set_xlabel("FOM size N")
    ax2.set_ylabel("online solves per second, k = 20")
    ax2.set_title("online cost does not depend on N")
    fig.tight_layout()
    fig.savefig(os.path.join(img_dir, "heat_online.png"), dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data_dir, img_dir = sys.argv[1], sys.argv[2]
    os.makedirs(img_dir, exist_ok=True)
    plot_pod(data_dir, img_dir)
    plot_heat(data_dir, img_dir)


if __name__ == "__main__":
    main()
