#!/usr/bin/python3
"""Records `romkit reproduce` runs and compares two recordings (issue 11: no behaviour change).

    scripts/compare_reproduce.py record ROMKIT_BIN OUTDIR   # runs the cases below into OUTDIR
    scripts/compare_reproduce.py compare BEFORE AFTER       # exit 0 iff everything agrees

A recording holds, per case and rank count, the JSON line, the log (stdout + stderr), the
--save trajectories (PREFIX_fom.h5, PREFIX_rom.h5, PREFIX_latent.txt) and the work
directory's cached files (training runs, bases, residual bases, autoencoders).

The comparison is exact: every JSON value except the timings and the work directory's path,
every dataset of every HDF5 file (read with h5py and compared bit for bit: the files carry
creation timestamps, so their bytes differ; the autoencoders' history/seconds, the wall time
of each training epoch, is skipped), the latent text files byte for byte, and the
logs with the timings (seconds, speed-ups) masked. It prints one line per item and the
largest difference it found.
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

# (name, ranks, arguments); the cases of one rank count share a work directory, in this
# order, so the cache hits ("... cached") are the same in both recordings.
P2 = ["P2", "--grid", "14", "--steps", "30"]
CASES = [
    ("p1_pod-galerkin", ["P1", "--method", "pod-galerkin"]),
    ("p1_pod-lspg", ["P1", "--method", "pod-lspg"]),
    ("p1_pod-lspg-hr", ["P1", "--method", "pod-lspg-hr"]),
    ("p1_pod-lspg-hr_qdeim", ["P1", "--method", "pod-lspg-hr", "--hr-method", "qdeim"]),
    ("p1_pod-lspg-hr_mesh", ["P1", "--method", "pod-lspg-hr", "--hr-sample-mesh"]),
    ("p1_nm-lspg-hr", ["P1", "--method", "nm-lspg-hr", "--ae-epochs", "3"]),
    ("p1_nm-galerkin", ["P1", "--method", "nm-galerkin", "--ae-epochs", "3"]),
    ("p2_pod-lspg-hr", P2 + ["--method", "pod-lspg-hr"]),
    ("p2_pod-galerkin", P2 + ["--method", "pod-galerkin"]),
    ("p2_nm-lspg", P2 + ["--method", "nm-lspg", "--ae-epochs", "2"]),
    ("p2_nm-lspg-hr", P2 + ["--method", "nm-lspg-hr", "--ae-epochs", "20", "--hr-basis", "40",
                            "--hr-samples", "60"]),
]
# the autoencoder files' training history holds the wall seconds of each epoch
TIMING_DATASETS = {"history/seconds"}
TIMING_KEYS = {"fom_seconds", "rom_seconds", "speedup", "fom_ms_per_step", "rom_ms_per_step",
               "fom_cpu_seconds", "rom_cpu_seconds", "ae_train_seconds", "workdir"}


def record(binary, out):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    os.makedirs(out, exist_ok=False)
    for ranks in (1, 2):
        work = os.path.join(out, f"work_np{ranks}")
        for name, args in CASES:
            tag = f"{name}_np{ranks}"
            cmd = [binary, "reproduce"] + args + ["--json", "--workdir", work, "--save",
                                                  os.path.join(out, tag)]
            if ranks > 1:
                cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", str(ranks)] + cmd
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            with open(os.path.join(out, tag + ".log"), "w") as f:
                f.write(r.stdout.replace(work, "WORKDIR"))
                f.write(r.stderr)
            if r.returncode != 0:
                sys.exit(f"{tag}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
            with open(os.path.join(out, tag + ".json"), "w") as f:
                f.write(r.stdout.strip().splitlines()[-1] + "\n")
            print(f"recorded {tag}")


def datasets(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset)
                     else None)
    return out


def mask_log(text):
    # the JSON line is compared key by key above
    text = "".join(l for l in text.splitlines(True) if not l.startswith("{"))
    text = re.sub(r"\d+\.\d+(e[-+]\d+)? ?(s|ms|x)\b", "T", text)
    return re.sub(r"ms per step", "", text)


def compare(a, b):
    bad = 0
    items = 0
    for ranks in (1, 2):
        for name, _ in CASES:
            tag = f"{name}_np{ranks}"
            ja = json.load(open(os.path.join(a, tag + ".json")))
            jb = json.load(open(os.path.join(b, tag + ".json")))
            keys = sorted(set(ja) | set(jb))
            diff = [k for k in keys if k not in TIMING_KEYS and ja.get(k, "MISSING") !=
                    jb.get(k, "MISSING")]
            if list(ja) != list(jb):
                diff.append("(key order)")
            items += 1
            if diff:
                bad += 1
                print(f"DIFF {tag}.json: " + ", ".join(f"{k}: {ja.get(k)!r} / {jb.get(k)!r}"
                                                       for k in diff))
            else:
                print(f"same {tag}.json: avg {ja['avg_error_pct']!r}, max {ja['max_error_pct']!r}, "
                      f"rom iterations {ja['rom_iterations']}, fom iterations "
                      f"{ja['fom_newton_iterations']}")
            la = mask_log(open(os.path.join(a, tag + ".log")).read())
            lb = mask_log(open(os.path.join(b, tag + ".log")).read())
            items += 1
            if la != lb:
                bad += 1
                print(f"DIFF {tag}.log (timings masked)")
                import difflib
                sys.stdout.writelines(difflib.unified_diff(la.splitlines(True), lb.splitlines(True)))
            for suffix in ("_fom.h5", "_rom.h5"):
                bad += compare_h5(os.path.join(a, tag + suffix), os.path.join(b, tag + suffix))
                items += 1
            ta = open(os.path.join(a, tag + "_latent.txt"), "rb").read()
            tb = open(os.path.join(b, tag + "_latent.txt"), "rb").read()
            items += 1
            if ta != tb:
                bad += 1
                print(f"DIFF {tag}_latent.txt")
        wa, wb = os.path.join(a, f"work_np{ranks}"), os.path.join(b, f"work_np{ranks}")
        fa, fb = sorted(os.listdir(wa)), sorted(os.listdir(wb))
        items += 1
        if fa != fb:
            bad += 1
            print(f"DIFF work_np{ranks}: files {sorted(set(fa) ^ set(fb))}")
        for f in sorted(set(fa) & set(fb)):
            bad += compare_h5(os.path.join(wa, f), os.path.join(wb, f))
            items += 1
    print(f"{items} items compared, {bad} differ")
    return 1 if bad else 0


def compare_h5(pa, pb):
    da, db = datasets(pa), datasets(pb)
    name = os.path.join(os.path.basename(os.path.dirname(pa)), os.path.basename(pa))
    if sorted(da) != sorted(db):
        print(f"DIFF {name}: datasets {sorted(da)} / {sorted(db)}")
        return 1
    for k in da:
        if k in TIMING_DATASETS:
            continue
        x, y = np.asarray(da[k]), np.asarray(db[k])
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            print(f"DIFF {name}:{k} (max |diff| "
                  f"{np.max(np.abs(x.astype(float) - y.astype(float))) if x.shape == y.shape else 'shape'})")
            return 1
    skipped = len(set(da) & TIMING_DATASETS)
    print(f"same {name}: {len(da) - skipped} datasets bit-identical" +
          (f" (timings skipped: {sorted(set(da) & TIMING_DATASETS)})" if skipped else ""))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "record":
        record(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
