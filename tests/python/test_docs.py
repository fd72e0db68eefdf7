"""Docs that stay true: every fenced block in README.md and docs/*.md marked runnable runs
as written.

The marker is an HTML comment on the line right before the opening fence (invisible in
the rendered page):

    <!-- runnable -->                  run it (time limit 120 s)
    <!-- runnable timeout=300 -->      another time limit, in seconds
    <!-- runnable expect=REGEX -->     its output must also match REGEX (Python's re)

Fences tagged sh, bash or shell run with `bash -e -o pipefail`, python ones with
/usr/bin/python3. The marked blocks of one document form a session: they run in order in
one fresh temporary directory, so a block may read the files an earlier block of the same
document wrote. In that directory `build` links to the build tree under test (so
`build/bin/romkit` works) and `python` to the package, `romkit` is on PATH, and the
environment is the one the other Python tests use (ROMKIT_LIB, PYTHONPATH,
OPENBLAS_NUM_THREADS=1, Open MPI allowed to run as root). mpirun is NOT told to
oversubscribe: an example with more ranks than a small machine's cores must say
`mpirun --oversubscribe` itself, as the docs ask (README.md, "The command-line program").
Mark a block only if it runs in seconds on small settings; docs/design.md ("Docs that
stay true") says so too.
"""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = ["README.md"] + sorted(os.path.relpath(p, ROOT)
                              for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
MARKER = re.compile(r"^<!--\s*runnable(?P<opts>(?:\s+\w+=(?:\"[^\"]*\"|\S+?))*)\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
LANGS = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "python"}


def marked_blocks(path):
    """[(line, lang, options, code)] of the runnable blocks of a Markdown file; raises
    ValueError for a marker that is not right before a fence of a supported language."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    in_fence = False   # markers shown inside a fenced block (docs/design.md) are text
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        m = None if in_fence else MARKER.match(line)
        if not m:
            if in_fence:
                continue
            if "runnable" in line and line.lstrip().startswith("<!--"):
                raise ValueError(f"{path}:{i + 1}: malformed runnable marker: {line!r}")
            continue
        opts = {k: a or b for k, a, b in
                re.findall(r"(\w+)=(?:\"([^\"]*)\"|(\S+))", m.group("opts"))}
        unknown = set(opts) - {"timeout", "expect"}
        if unknown:
            raise ValueError(f"{path}:{i + 1}: unknown runnable option(s) {sorted(unknown)}")
        f = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if not f or f.group(1) not in LANGS:
            raise ValueError(f"{path}:{i + 1}: a runnable marker must be followed directly by "
                             f"a ```sh, ```bash, ```shell or ```python fence")
        end = next((j for j in range(i + 2, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise ValueError(f"{path}:{i + 2}: the runnable block is never closed")
        blocks.append((i + 2, LANGS[f.group(1)], opts, "\n".join(lines[i + 2:end]) + "\n"))
    return blocks


def session_env(rk, workdir):
    build = os.path.dirname(os.path.abspath(rk.library_path()))
    os.symlink(build, os.path.join(workdir, "build"))
    os.symlink(os.path.join(ROOT, "python"), os.path.join(workdir, "python"))
    env = dict(os.environ)
    for var in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                "OMPI_MCA_rmaps_base_oversubscribe"):
        env.pop(var, None)
    env.update(PYTHONPATH=os.path.join(ROOT, "python"), ROMKIT_LIB=rk.library_path(),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PATH=os.path.join(build, "bin") + os.pathsep + os.environ.get("PATH", ""))
    return env


def test_markers_are_well_formed(tmp_path):
    """Every marker sits on a supported fence; a marker elsewhere is an error (the parser
    can fail), and the docs mark a useful number of blocks."""
    total = sum(len(marked_blocks(os.path.join(ROOT, d))) for d in DOCS)
    assert total >= 10, f"only {total} runnable blocks in the docs"
    bad = tmp_path / "bad.md"
    bad.write_text("<!-- runnable -->\n```c\nint x;\n```\n")
    with pytest.raises(ValueError, match="must be followed"):
        marked_blocks(str(bad))
    bad.write_text("<!-- runnable tiemout=3 -->\n```sh\ntrue\n```\n")
    with pytest.raises(ValueError, match="unknown runnable option"):
        marked_blocks(str(bad))
    good = tmp_path / "good.md"
    good.write_text("```\n<!-- runnable shown as text -->\n```\n"
                    "<!-- runnable timeout=5 expect=\"a b\" -->\n```python\nprint(1)\n```\n")
    assert marked_blocks(str(good)) == [(5, "python", {"timeout": "5", "expect": "a b"},
                                         "print(1)\n")]


@pytest.mark.parametrize("doc", [d for d in DOCS if marked_blocks(os.path.join(ROOT, d))])
def test_runnable_blocks(rk, tmp_path, doc):
    env = session_env(rk, str(tmp_path))
    for line, lang, opts, code in marked_blocks(os.path.join(ROOT, doc)):
        cmd = (["bash", "-e", "-o", "pipefail", "-c", code] if lang == "sh"
               else ["/usr/bin/python3", "-c", code])
        try:
            run = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=float(opts.get("timeout", 120)))
        except subprocess.TimeoutExpired:
            pytest.fail(f"{doc}:{line}: the block ran past {opts.get('timeout', 120)} s")
        out = run.stdout + run.stderr
        assert run.returncode == 0, f"{doc}:{line}: exit {run.returncode}\n{code}\n---\n{out}"
        if "expect" in opts:
            assert re.search(opts["expect"], out), \
                f"{doc}:{line}: output does not match {opts['expect']!r}\n{out}"
