"""Markdown tables of `romkit bench svd` runs, for docs/benchmarks.md.

usage: /usr/bin/python3 scripts/svd_tables.py docs/data/svd_*.json
One table per JSON file (one `romkit bench svd --json` run): every method's median time,
the ratio to serial LAPACK measured in the same run, memory, errors and orthogonality;
then the LAPACK rows and libROM's published numbers (quoted, never measured).
"""
import json
import sys


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def table(path):
    d = json.load(open(path))
    lap = d.get("lapack", {})
    out = ["**%s** — %d x %d, %d rank%s, repeat %d; load average %s -> %s" % (
        path.split("/")[-1], d["rows"], d["cols"], d["ranks"], "" if d["ranks"] == 1 else "s",
        d["repeat"], d["loadavg_start"], d["loadavg_end"]), "",
        "| method | k | median [s] (min-max) | / LAPACK (a) | beyond input, x local block "
        "| err s_1..s_20 | err s_1..s_k | err all | orth |",
        "|---|---|---|---|---|---|---|---|---|"]
    for m in d["methods"]:
        name = m["name"]
        if name == "incremental":
            name += " (tracks %d)" % min(2 * m["k"], d["cols"], d["rows"])
        out.append("| %s | %d | %.4g (%.4g-%.4g) | %s | %.2f | %s | %s | %s | %s |" % (
            name, m["k"], m["time_s"], m["time_min_s"], m["time_max_s"],
            fmt(m["ratio_vs_lapack_qr_svd"], ".2f"), m["romkit_extra_local_blocks"],
            fmt(m["sv_rel_error_first20"], ".1e"), fmt(m["sv_rel_error_firstk"], ".1e"),
            fmt(m["sv_rel_error_all_computed"], ".1e"), fmt(m["orthogonality_max"], ".1e")))
    if lap.get("measured"):
        out.append("| LAPACK (a) dgeqrf + dgesdd(R) + dormqr, serial, same run | all | %.4g | 1 | | | | | |"
                   % lap["geqrf_gesdd_ormqr_s"])
        out.append("| LAPACK (b) dgesdd jobz=S, serial, same run | all | %.4g | %.2f | | | | | |"
                   % (lap["gesdd_s"], lap["gesdd_s"] / lap["geqrf_gesdd_ormqr_s"]))
    pub = d.get("librom_published") or {}
    if d["rows"] == 20000 and d["cols"] == 200 and pub:
        t = pub["static_svd_s"] if d["ranks"] == 1 else 1.35
        out.append("| libROM StaticSVD, *published in docs/problems.md, not measured* | all | %.3g | | | | | | |" % t)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print("\n".join(table(p) for p in sys.argv[1:]))
