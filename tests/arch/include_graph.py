#!/usr/bin/env python3
"""The include graph of librom/ follows the stage order (ctest: arch.include_graph).

docs/design.md, "Layout and data flow": data flows one way through the stages of
librom/, in the order of ROMKIT_STAGES in CMakeLists.txt (read from there, so the build
and this test cannot disagree). The rules, checked on every `#include "..."` of every
librom/<stage>/**/*.c and *.h (sub-folders belong to their stage):

  1. every folder under librom/ is a stage of ROMKIT_STAGES (a new folder must be placed
     in the order);
  2. an internal include starts with its stage folder ("pod/basis_impl.h", not
     "basis_impl.h") and that folder is a stage; public headers ("romkit/...",
     include/romkit/) are allowed from anywhere;
  3. a stage includes no header of a stage later in the order;
  4. a stage includes no `*_impl.h` of another stage: those hold a stage's fields; what a
     later stage may use is declared in the stage's other internal headers
     (e.g. manifold/subnet_file.h, affine/affine_rom_internal.h);
  5. the public headers include/romkit/*.h include only public headers.

With --library libromkit.a (ctest: arch.link_graph) it also checks what the includes
cannot see, since public headers may be included from anywhere: no object file of a stage
uses a symbol defined by a later stage (nm's undefined symbols against their definitions),
so the calls, too, flow one way.

Before checking the tree, the script checks itself on small synthetic trees that break
each rule once, so it is not a test that cannot fail. Prints "N passed, N failed" and
exits non-zero on a failure, naming file and line of every offending include.

Usage: include_graph.py [--root REPO] [--library libromkit.a]
       (REPO defaults to the repository holding this file)
"""
import argparse
import os
import re
import subprocess
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


def sources(folder, suffixes):
    """The files of a stage folder and its sub-folders, as paths relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(suffixes):
                found.append(os.path.relpath(os.path.join(dirpath, name), folder))
    return found


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
        for name in sources(folder, (".c", ".h")):
            rel = f"librom/{stage}/{name}"
            for line, inc in includes(os.path.join(folder, name)):
                where = f"{rel}:{line}: #include \"{inc}\""
                if inc.startswith("romkit/"):
                    continue
                parts = inc.split("/")
                if len(parts) < 2 or parts[0] not in order:
                    bad.append(f"{where}: an internal include must name a stage folder "
                               f"(\"stage/header.h\") or be a public \"romkit/...\" header")
                    continue
                other, header = parts[0], parts[-1]
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


def stage_of_members(root, stages):
    """Archive member (basename.c.o) -> (stage, source path), from librom/<stage>/."""
    where, bad = {}, []
    for stage in stages:
        folder = os.path.join(root, "librom", stage)
        if not os.path.isdir(folder):
            continue
        for rel in sources(folder, (".c",)):
            member, path = os.path.basename(rel) + ".o", f"librom/{stage}/{rel}"
            if member in where:
                bad.append(f"{path}: the same file name as {where[member][1]}; the archive's "
                           f"members could not be told apart (rename one)")
            where[member] = (stage, path)
    return where, bad


def link_violations(nm_text, stage_of, stages):
    """Uses of a later stage's symbols in `nm -A libromkit.a` output, as sentences."""
    order = {s: i for i, s in enumerate(stages)}
    defined, used = {}, []
    for line in nm_text.splitlines():
        head, _, rest = line.rpartition(":")
        member = head.rsplit(":", 1)[-1]
        parts = rest.split()
        if member not in stage_of or not parts:
            continue
        if len(parts) == 2 and parts[0] == "U":
            used.append((member, parts[1]))
        elif len(parts) == 3 and parts[1] in "TDBRGSVW":
            defined[parts[2]] = member
    bad = []
    for member, sym in sorted(set(used)):
        if sym not in defined:
            continue
        (a, path), (b, where) = stage_of[member], stage_of[defined[sym]]
        if order[b] > order[a]:
            bad.append(f"{path}: calls {sym} of the later stage '{b}' ({where}; order: "
                       f"{' -> '.join(stages)})")
    return bad


def check_library(root, stages, library):
    stage_of, bad = stage_of_members(root, stages)
    nm = subprocess.run(["nm", "-A", library], capture_output=True, text=True)
    if nm.returncode != 0:
        return bad + [f"{library}: nm failed: {nm.stderr.strip()}"]
    return bad + link_violations(nm.stdout, stage_of, stages)


def self_test():
    """Each rule, broken once in a synthetic tree, must be reported: (passed, failed)."""
    stages = ["core", "model", "pod", "hyper"]
    cases = {
        "later stage": ("librom/pod/a.c", '#include "hyper/hyper_impl.h"\n', "later stage"),
        "later stage (non-impl)": ("librom/model/a.c", '#include "pod/basis.h"\n', "later stage"),
        "another's _impl.h": ("librom/hyper/a.c", '#include "pod/basis_impl.h"\n', "fields of"),
        "unknown folder": ("librom/extra/a.c", "\n", "librom/extra/: not a stage"),
        "unprefixed include": ("librom/pod/a.h", '#include "basis_impl.h"\n', "name a stage"),
        "sub-folder, later stage": ("librom/pod/svd/a.c", '#include "hyper/methods/x.h"\n',
                                    "later stage"),
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
    nm_text = ("lib.a:basis.c.o:0000000000000000 T rom_basis_create\n"
               "lib.a:basis.c.o:                 U rom_ctx_comm\n"
               "lib.a:basis.c.o:                 U memcpy\n"
               "lib.a:context.c.o:0000000000000040 T rom_ctx_comm\n"
               "lib.a:hyper.c.o:0000000000000000 T rom_hyper_create\n"
               "lib.a:hyper.c.o:                 U rom_basis_create\n")
    stage_of = {"basis.c.o": ("pod", "librom/pod/basis.c"),
                "context.c.o": ("core", "librom/core/context.c"),
                "hyper.c.o": ("hyper", "librom/hyper/hyper.c")}
    upward = nm_text + "lib.a:context.c.o:                 U rom_hyper_create\n"
    if link_violations(nm_text, stage_of, stages):
        failed += 1
        print(f"FAIL self-test 'allowed calls': {link_violations(nm_text, stage_of, stages)}")
    else:
        passed += 1
    bad = link_violations(upward, stage_of, stages)
    if len(bad) == 1 and "rom_hyper_create" in bad[0] and "librom/core/context.c" in bad[0]:
        passed += 1
    else:
        failed += 1
        print(f"FAIL self-test 'call to a later stage': expected one violation, got {bad}")
    return passed, failed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--library", help="libromkit.a: check the calls between stages instead")
    args = ap.parse_args()
    passed, failed = self_test()
    stages = read_stages(args.root)
    if args.library:
        what, bad = "calls between stages", check_library(args.root, stages, args.library)
    else:
        what, bad = "include graph", check(args.root, stages)
    for b in bad:
        print(b)
    if bad:
        failed += 1
        print(f"FAIL {what}: {len(bad)} against the stage order")
    else:
        passed += 1
        print(f"{what}: follows {' -> '.join(stages)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
