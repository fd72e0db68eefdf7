"""The Python examples in README.md and docs/python.md run as written."""
import os
import re
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def first_python_block(path, after=None):
    text = open(path, encoding="utf-8").read()
    if after:
        text = text[text.index(after):]
    return re.findall(r"```python\n(.*?)```", text, re.S)[0]


@pytest.mark.parametrize("doc, after", [("README.md", "## Python"), ("docs/python.md", None)])
def test_example_runs(rk, tmp_path, doc, after):
    code = first_python_block(os.path.join(ROOT, doc), after)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), ROMKIT_LIB=rk.library_path(),
               OPENBLAS_NUM_THREADS="1")
    run = subprocess.run(["/usr/bin/python3", "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    if doc == "docs/python.md":
        error = float(re.search(r"relative error (\S+)", run.stdout).group(1))
        assert error < 1e-2
