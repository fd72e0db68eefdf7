#!/usr/bin/env python3
"""The include graph of librom/ follows the stage order (ctest: arch.include_graph).

docs/design.md, "Layout and data flow": data flows one way through the stages of
librom/, in the order of ROMKIT_STAGES in CMakeLists.txt (read from there, so the build
and this test cannot disagree). The rules, checked on every `#include "..."` of every
librom/<stage>/*.c and *.h:

  1. every folder under librom/ is a stage of ROMKIT_STAGES (a new folder must be placed
     in the order);
  2. an internal include names its stage folder ("pod/basis_impl.h", not "basis_impl.h")
     and that folder is a stage; public headers ("romkit/...", include/romkit/) are
     allowed from anywhere;
  3. a stage includes no header of a stage later in the order;
  4. a stage includes no `*_impl.h` of another stage: those hold a stage's fields; what a
     later stage may use is declared in the stage's other internal headers
     (e.g. manifold/subnet_file.h, affine/affine_rom_internal.h);
  5. the public headers include/romkit/*.h include only public headers.

Before checking the tree, the script checks itself on small synthetic trees that break
each rule once, so it is not a test that cannot fail. Prints "N passed, N failed" and
exits non-zero on a failure, naming file and line of every offending include.

Usage: include_graph.py [--root REPO]   (default: the repository holding this file)
"""
import argparse
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
STAGES = re.compile(r"set\(\s*ROMKIT_STAGES\s+([^)]*)\)", re.S)


def read_stages(root):
    """The stage order: the words of set(ROMKIT_STAGES ...) in CMakeLists.txt."""
    path = os.path.join(root, "CMakeLists.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = STAGES.search(text)
    if not m:
        raise SystemExit(f"{path}: no set(ROMKIT_STAGES ...)")
    words = [w for line in m.group(1).splitlines() for w in line.split("#", 1)[0].split()]
    if not words or len(set(words)) != len(words):
        raise SystemExit(f"{path}: ROMKIT_STAGES is empty or names a stage twice: {words}")
    return words


def includes(path):
    """(line number, included name) of every #include "..." of a file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1)


def check(root, stages):
    """Every violation of the rules in the tree at root, as 'file:line: why' sentences."""
    order = {s: i for i, s in enumerate(stages)}
    bad = []
    librom = os.path.join(root, "librom")
    for folder in sorted(os.listdir(librom)):
        if os.path.isdir(os.path.join(librom, folder)) and folder not in order:
            bad.append(f"librom/{folder}/: not a stage of ROMKIT_STAGES in CMakeLists.txt "
                       f"({' '.join(stages)}); place it in the data-flow order")
    for stage in stages:
        folder = os.path.join(librom, stage)
        if not os.path.isdir(folder):
            continue  # an optional stage not written yet
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            rel = f"librom/{stage}/{name}"
            for line, inc in includes(os.path.join(folder, name)):
                where = f"{rel}:{line}: #include \"{inc}\""
                if inc.startswith("romkit/"):
                    continue
                parts = inc.split("/")
                if len(parts) != 2 or parts[0] not in order:
                    bad.append(f"{where}: an internal include must name a stage folder "
                               f"(\"stage/header.h\") or be a public \"romkit/...\" header")
                    continue
                other, header = parts
                if order[other] > order[stage]:
                    bad.append(f"{where}: stage '{stage}' includes a header of the later "
                               f"stage '{other}' (order: {' -> '.join(stages)})")
                elif other != stage and header.endswith("_impl.h"):
                    bad.append(f"{where}: stage '{stage}' includes the fields of stage "
                               f"'{other}'; use its public header or a non-_impl internal "
                               f"header of '{other}' that declares functions")
    public = os.path.join(root, "include", "romkit")
    if os.path.isdir(public):
        for name in sorted(os.listdir(public)):
            if not name.endswith((".h", ".h.in")):
                continue
            for line, inc in includes(os.path.join(public, name)):
                if not inc.startswith("romkit/"):
                    bad.append(f"include/romkit/{name}:{line}: #include \"{inc}\": a public "
                               f"header includes only public \"romkit/...\" headers")
    return bad


def self_test():
    """Each rule, broken once in a synthetic tree, must be reported: (passed, failed)."""
    stages = ["core", "model", "pod", "hyper"]
    cases = {
        "later stage": ("librom/pod/a.c", '#include "hyper/hyper_impl.h"\n', "later stage"),
        "later stage (non-impl)": ("librom/model/a.c", '#include "pod/basis.h"\n', "later stage"),
        "another's _impl.h": ("librom/hyper/a.c", '#include "pod/basis_impl.h"\n', "fields of"),
        "unknown folder": ("librom/extra/a.c", "\n", "librom/extra/: not a stage"),
        "unprefixed include": ("librom/pod/a.h", '#include "basis_impl.h"\n', "name a stage"),
        "public includes internal": ("include/romkit/a.h", '#include "core/check.h"\n',
                                     "public"),
    }
    allowed = [("librom/pod/b.c", '#include "pod/basis_impl.h"\n#include "core/check.h"\n'
                '  #  include "romkit/pod.h"\n#include <math.h>\n'),
               ("librom/hyper/b.c", '#include "pod/basis_file.h"\n')]
    passed = failed = 0
    for what, (path, text, expect) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            for p, t in allowed + [(path, text)]:
                full = os.path.join(root, p)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "a", encoding="utf-8") as f:
                    f.write(t)
            os.makedirs(os.path.join(root, "librom", "core"), exist_ok=True)
            bad = check(root, stages)
            ok = len(bad) == 1 and expect in bad[0] and path.split("/")[1] in bad[0]
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL self-test '{what}': expected one violation about '{expect}' "
                      f"in {path}, got {bad}")
    with tempfile.TemporaryDirectory() as root:
        for p, t in allowed:
            full = os.path.join(root, p)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(t)
        bad = check(root, stages)
        if bad:
            failed += 1
            print(f"FAIL self-test 'allowed includes': reported {bad}")
        else:
            passed += 1
    return passed, failed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    args = ap.parse_args()
    passed, failed = self_test()
    stages = read_stages(args.root)
    bad = check(args.root, stages)
    for b in bad:
        print(b)
    if bad:
        failed += 1
        print(f"FAIL include graph: {len(bad)} include(s) against the stage order")
    else:
        passed += 1
        print(f"include graph follows {' -> '.join(stages)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
