#!/usr/bin/python3
"""Online cost of the P1 ROMs against basis size and sample count (docs/reproduction.md).

    scripts/plot_reproduce.py --measure build-repro/bin/romkit   # runs the CLI, writes
                                                                 # docs/data/online_cost.json
    scripts/plot_reproduce.py                                    # plots it into
                                                                 # docs/img/online_cost.png

Measurement: `romkit reproduce P1` at the paper's settings (train 0.9, 1.1; test 1.0),
serially with OPENBLAS_NUM_THREADS=1, all runs in one work directory (the training runs
and bases are cached, so only the FOM and ROM at the test parameter run each time); the
ROM time per step is `rom_cpu_seconds / steps` of the JSON line (process CPU time: the
development machine is shared and loaded, so wall time mostly measures the other jobs;
the wall-time medians are kept in the JSON too), median of REPEAT runs.
  - POD-LSPG without HR and POD-LSPG-HR (deim-os, 30 residual vectors / 47 samples) for
    p = 2, 5, 10, 20, 30;
  - POD-LSPG-HR at p = 5, 30 residual vectors, ns = 30 ... 800 samples.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "docs", "data", "online_cost.json")
IMG = os.path.join(ROOT, "docs", "img", "online_cost.png")
DIMS = [2, 5, 10, 20, 30]
SAMPLES = [30, 47, 100, 200, 400, 800]
REPEAT = 5


def run(binary, workdir, args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = []
    for _ in range(REPEAT):
        out = subprocess.run([binary, "reproduce", "P1", "--json", "--workdir", workdir] + args,
                             check=True, capture_output=True, text=True, env=env).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    med = lambda k: statistics.median(r[k] for r in rows)
    steps = rows[0]["steps"]
    return {"args": args, "rom_ms_per_step": med("rom_ms_per_step"),
            "fom_ms_per_step": med("fom_ms_per_step"),
            "rom_cpu_ms_per_step": 1e3 * med("rom_cpu_seconds") / steps,
            "fom_cpu_ms_per_step": 1e3 * med("fom_cpu_seconds") / steps, "avg_error_pct": rows[0]["avg_error_pct"],
            "max_error_pct": rows[0]["max_error_pct"],
            "hr_needed_rows": rows[0].get("hr_needed_rows"), "repeat": REPEAT}


def measure(binary):
    workdir = tempfile.mkdtemp(prefix="romkit-online-cost-")
    res = {"lspg": [], "lspg_hr": [], "samples": [],
           "load": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    for p in DIMS:
        res["lspg"].append(dict(dim=p, **run(binary, workdir, ["--method", "pod-lspg", "--dim", str(p)])))
        res["lspg_hr"].append(dict(dim=p, **run(binary, workdir, ["--method", "pod-lspg-hr", "--dim", str(p)])))
        print(f"p = {p}: LSPG {res['lspg'][-1]['rom_cpu_ms_per_step']:.4f} ms, "
              f"LSPG-HR {res['lspg_hr'][-1]['rom_cpu_ms_per_step']:.4f} ms per step (CPU)", flush=True)
    for ns in SAMPLES:
        res["samples"].append(dict(samples=ns, **run(binary, workdir, [
            "--method", "pod-lspg-hr", "--hr-samples", str(ns)])))
        print(f"ns = {ns}: LSPG-HR {res['samples'][-1]['rom_cpu_ms_per_step']:.4f} ms per step (CPU)",
              flush=True)
    res["load_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    os.makedirs(os.path.dirname(DATA), exist_ok=True)
    with open(DATA, "w") as f:
        json.dump(res, f, indent=1)
    print("wrote", DATA)


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = json.load(open(DATA))
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    fom = statistics.median(r["fom_cpu_ms_per_step"] for r in res["lspg"])
    a.plot([r["dim"] for r in res["lspg"]], [r["rom_cpu_ms_per_step"] for r in res["lspg"]], "o-",
           label="POD-LSPG (full residual, N = 1000)")
    a.plot([r["dim"] for r in res["lspg_hr"]], [r["rom_cpu_ms_per_step"] for r in res["lspg_hr"]],
           "s-", label="POD-LSPG-HR (30 / 47)")
    a.axhline(fom, color="gray", ls="--", label=f"FOM (KLU), {fom:.3f} ms")
    a.set_xlabel("reduced dimension p")
    a.set_ylabel("CPU ms per time step")
    a.set_yscale("log")
    a.set_title("P1: online cost vs basis size")
    a.legend(fontsize=8)
    b.plot([r["samples"] for r in res["samples"]], [r["rom_cpu_ms_per_step"] for r in res["samples"]],
           "s-", color="C1", label="POD-LSPG-HR, p = 5, nb = 30")
    b.axhline(fom, color="gray", ls="--", label="FOM (KLU)")
    b.set_xlabel("samples ns")
    b.set_ylabel("CPU ms per time step")
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_title("P1: online cost vs sample count")
    b.legend(fontsize=8)
    fig.suptitle("romkit reproduce P1, serial, median of %d runs (%s)" %
                 (res["samples"][0]["repeat"], "load " + res["load"].split("load")[-1].strip()), fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(IMG), exist_ok=True)
    fig.savefig(IMG, dpi=110)
    print("wrote", IMG)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measure", metavar="ROMKIT", help="run the CLI first (path of the romkit binary)")
    opts = ap.parse_args()
    if opts.measure:
        measure(opts.measure)
    plot()
    sys.exit(0)
