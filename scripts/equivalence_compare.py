#!/usr/bin/env python3
"""Compares two output directories of scripts/equivalence_run.sh (before / after a change).

Bit-identical is required for: every HDF5 dataset (values, dtype, shape), every number in
the JSON lines except timings, the latent-state text files, and the lines of the logs and
`romkit info` outputs that carry results. Attributes that record when and how a file was
made (created, romkit_version, format_version) and timings are reported, not failed.
Exit 0 when equal, 1 otherwise.
    /usr/bin/python3 scripts/equivalence_compare.py BEFORE AFTER
"""
import json
import os
import re
import sys

import h5py
import numpy as np

TIMING_KEYS = re.compile(r"(seconds|speedup|ms_per_step|workdir|ae_files)")
SOFT_ATTRS = {"created", "romkit_version", "format_version"}
TIMING_DATASETS = {"history/seconds"}  # the autoencoder's per-epoch wall time


def version_change(A, B):
    """True when the root format_version attributes differ: a declared format change,
    whose layout differences are reported as notes (the datasets with numbers must still
    agree)."""
    a, b = A["/"][2].get("format_version"), B["/"][2].get("format_version")
    return a is not None and b is not None and not same_value(a, b)


def h5_items(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {k: obj.attrs[k] for k in obj.attrs}
            if isinstance(obj, h5py.Dataset):
                out[name] = ("d", obj[()], attrs)
            else:
                out[name] = ("g", None, attrs)
        out["/"] = ("g", None, {k: f.attrs[k] for k in f.attrs})
        f.visititems(visit)
    return out


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
    return np.array_equal(a, b)


def compare_h5(p, q, notes):
    ok = True
    A, B = h5_items(p), h5_items(q)
    layout_change = version_change(A, B)
    for name in sorted(set(A) | set(B)):
        if name not in A or name not in B:
            notes.append(f"{os.path.basename(p)}: {name} only in {'after' if name in B else 'before'}")
            ok = False
            continue
        ka, va, aa = A[name]
        kb, vb, ab = B[name]
        if ka == "d" and name in TIMING_DATASETS:
            continue
        if ka == "d" and not same_value(va, vb):
            if layout_change and name.endswith("/info"):
                notes.append(f"note {os.path.basename(p)}: dataset {name} {np.shape(va)} -> "
                             f"{np.shape(vb)} (format_version changed)")
                continue
            notes.append(f"{os.path.basename(p)}: dataset {name} differs")
            ok = False
        for k in sorted(set(aa) | set(ab)):
            if k in aa and k in ab and same_value(aa[k], ab[k]):
                continue
            msg = f"{os.path.basename(p)}: attribute {name}@{k}: {aa.get(k)!r} -> {ab.get(k)!r}"
            if k in SOFT_ATTRS or (layout_change and k not in aa):
                if k != "created":
                    notes.append("note " + msg)
            else:
                notes.append(msg)
                ok = False
    return ok


def compare_json(p, q, notes):
    try:
        a, b = json.load(open(p)), json.load(open(q))
    except ValueError:  # the last line of a command without --json: its result lines
        return result_lines(p) == result_lines(q) or notes.append(f"{p}: last line differs")
    ok = True
    for k in sorted(set(a) | set(b)):
        if TIMING_KEYS.search(k):
            continue
        if a.get(k) != b.get(k):
            notes.append(f"{os.path.basename(p)}: {k}: {a.get(k)!r} -> {b.get(k)!r}")
            ok = False
    return ok


def result_lines(path):
    """The lines of a log / info output that carry results: timings, paths, dates and
    versions masked."""
    keep = []
    for line in open(path, errors="replace"):
        line = re.sub(r"/[^\s,;:]*", "<path>", line)
        line = re.sub(r"\d+(\.\d+)?\s*(s|ms|us|x|/s|MiB|GiB|KiB)\b", "<t>", line)
        line = re.sub(r"\b(read|selection|write|decoder|read \+ POD) [\d.]+", r"\1 <t>", line)
        line = re.sub(r"\s+<t>", " <t>", line)
        line = re.sub(r"<t>\s+[\d.e+-]+\s*$", "<t> <t>", line)  # a speed-up column after a time
        line = re.sub(r"(created|romkit_version|format_version).*", r"\1 <masked>", line)
        if re.search(r"(second|wall|CPU|speed|throughput|per s|solves/s|ms per|ETA|epoch)", line, re.I):
            continue
        keep.append(line.rstrip())
    return keep


def main():
    before, after = sys.argv[1], sys.argv[2]
    notes, bad = [], 0
    names = sorted(set(os.listdir(before)) | set(os.listdir(after)))
    checked = 0
    for n in names:
        p, q = os.path.join(before, n), os.path.join(after, n)
        if os.path.isdir(p) or os.path.isdir(q):
            continue
        if not (os.path.exists(p) and os.path.exists(q)):
            notes.append(f"{n}: only in {'after' if os.path.exists(q) else 'before'}")
            bad += 1
            continue
        checked += 1
        if n.endswith(".h5"):
            ok = compare_h5(p, q, notes)
        elif n.endswith(".json"):
            ok = compare_json(p, q, notes)
        elif n.endswith(".txt"):
            ok = open(p).read() == open(q).read()
            if not ok:
                notes.append(f"{n}: text differs")
        else:  # .log, .info
            ok = result_lines(p) == result_lines(q)
            if not ok:
                import difflib
                d = list(difflib.unified_diff(result_lines(p), result_lines(q), lineterm="", n=0))
                notes.append(f"{n}: result lines differ:\n    " + "\n    ".join(d[2:12]))
        bad += 0 if ok else 1
    for line in notes:
        print(line)
    print(f"equivalence_compare: {checked} files compared, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
