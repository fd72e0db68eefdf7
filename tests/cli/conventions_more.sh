#!/usr/bin/env bash
# The command-line conventions (docs/user-guide.md, "Command-line conventions") on the
# commands tests/cli/conventions.sh does not cover: greedy, greedy-nonlinear (also through
# 'greedy --problem P1'), optimize and export-snapshots, on small settings:
#   - --json: exit 0, stdout is one JSON object that python3 -m json.tool reads, and its
#     numbers are the ones the human text (on stderr) prints;
#   - -q and --options FILE are accepted (the options file's flags merged under the command
#     line); -q silences greedy-nonlinear's progress lines;
#   - output paths are checked before any computation.
set -u
py=/usr/bin/python3
R=${ROMKIT_BIN:?ROMKIT_BIN is not set}
export OPENBLAS_NUM_THREADS=1
dir="${ROMKIT_TEST_DIR:-.}/cli_conventions_more.$$"
mkdir -p "$dir" && cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# json NAME -- COMMAND...: exit 0, stdout (NAME.out) is JSON that json.tool accepts and
# nothing else (one line); the human text is in NAME.err.
json() {
  local name=$1
  shift 2
  "$@" >"$name.out" 2>"$name.err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    bad "$name: exit $rc"
    cat "$name.err"
    return 1
  fi
  if ! $py -m json.tool "$name.out" >/dev/null 2>&1; then
    bad "$name: stdout is not JSON:"
    head -c 600 "$name.out"
    return 1
  fi
  [ "$(wc -l <"$name.out")" -eq 1 ] && ok || bad "$name: stdout holds more than the JSON line"
  ok
}
# pycheck NAME: a Python check (stdin) of NAME.out (as d) against NAME.err (as err).
pycheck() {
  local name=$1
  $py - "$name" && ok || bad "$name: the JSON does not match the text"
}

# ---- greedy (affine, P3), with --options, -q and --compare-pod ---------------------------------
printf -- '# small settings\n--resolution 8\n--samples 30   # training points\n--max-size 5\n' >greedy.opts
if json greedy -- "$R" greedy --options greedy.opts -q --out rom.h5 --compare-pod 2,4 \
  --test-samples 20 --json; then
  pycheck greedy <<'PY'
import json, re, sys
name = sys.argv[1]
d = json.load(open(name + ".out"))
err = open(name + ".err").read()
# "stopped (REASON): k = K, max estimate E, F FOM solves, S s"
m = re.search(r"stopped \(([^)]*)\): k = (\d+), max estimate (\S+), (\d+) FOM solves", err)
assert m, err
assert d["command"] == "greedy" and d["training_points"] == 30 and d["max_size"] == 5
assert d["stop_reason"] == m.group(1) and d["k"] == int(m.group(2)), (d, m.groups())
assert d["fom_solves"] == int(m.group(4))
assert abs(d["max_estimate"] - float(m.group(3))) <= 1e-3 * float(m.group(3))
# one "k = ..  point P" line per iteration, the same points
points = [int(p) for p in re.findall(r"k = +\d+  point +(\d+)", err)]
assert points == [it["point"] for it in d["iterations"]], (points, d["iterations"])
assert all(len(it["mu"]) == d["parameters"] == 4 for it in d["iterations"])
assert d["files"] == {"rom": "rom.h5"}
c = d["compare_pod"]
assert c["test_samples"] == 20 and [r["K"] for r in c["rows"]] == [2, 4]
row = re.search(r"^ +4 +(\S+) +(\S+) +(\S+) +(\S+)$", err, re.M)
assert row and abs(c["rows"][1]["pod_error_X"] - float(row.group(4))) <= 1e-3 * float(row.group(4))
PY
fi
[ -f rom.h5 ] && ok || bad "greedy --out rom.h5: not written"
out=$("$R" greedy --resolution 8 --samples 30 --max-size 5 --out missing_dir/r.h5 2>&1)
[ $? -eq 1 ] && ok || bad "greedy --out into a missing directory: not exit 1"
case $out in *"k =   1"*) bad "greedy ran before checking --out: $out" ;; *) ok ;; esac
"$R" greedy --resolution 8 --samples 30 --compare-pod 0 >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "greedy --compare-pod 0: not a usage error"

# ---- greedy-nonlinear (and greedy --problem P1), with -q --------------------------------------
small=(--resolution 200 --steps 40 --dim 4 --grid 9 --max-fom 3)
if json nlgreedy -- "$R" greedy-nonlinear "${small[@]}" --test 0.93,1.07 --json; then
  pycheck nlgreedy <<'PY'
import json, re, sys
name = sys.argv[1]
d = json.load(open(name + ".out"))
err = open(name + ".err").read()
m = re.search(r"^chosen training parameters \((\d+) FOM runs, ([^)]*)\): (\S+)$", err, re.M)
assert m, err
assert d["command"] == "greedy-nonlinear" and d["fom_runs"] == int(m.group(1)) == 3
assert d["stop_reason"] == {"tolerance reached": "tolerance", "stalled": "stalled",
                           "max FOM runs": "max-fom-runs"}[m.group(2)], (d["stop_reason"], m.group(2))
chosen = [float(x) for x in m.group(3).split(",")]
assert [p[0] for p in d["chosen"]] == chosen, (d["chosen"], chosen)
assert d["chosen"][0] == [1.0]  # the box centre first
assert len(d["iterations"]) >= 2 and all("indicator" in it for it in d["iterations"])
# the error lines: "greedy   FOM runs  3   test avg error: mean X %, worst Y %; max error: worst Z %"
for key in ("greedy", "fixed"):
    e = re.search(r"^%s +FOM runs +(\d+) .*mean (\S+) %%, worst (\S+) %%;.*worst (\S+) %%$" % key,
                  err, re.M)
    t = d["test"][key]
    assert e and t["fom_runs"] == int(e.group(1)), (key, err)
    assert abs(t["mean_avg_error_pct"] - float(e.group(2))) <= 1e-4 + 1e-3 * float(e.group(2))
    assert abs(t["worst_max_error_pct"] - float(e.group(4))) <= 1e-4 + 1e-3 * float(e.group(4))
assert d["test"]["points"] == [[0.93], [1.07]]
assert d["test"]["fixed"]["train"] == [[0.9], [1.1]]
PY
fi
grep -q "iteration 0:" nlgreedy.err && ok || bad "greedy-nonlinear: no progress lines at the default level"
if json routed -- "$R" greedy --problem P1 "${small[@]}" --max-fom 2 -q --json; then
  pycheck routed <<'PY'
import json, sys
name = sys.argv[1]
d = json.load(open(name + ".out"))
err = open(name + ".err").read()
assert d["command"] == "greedy-nonlinear" and d["fom_runs"] == 2, d
assert "iteration 0:" not in err, "-q: progress lines printed: " + err
PY
fi

# ---- optimize -------------------------------------------------------------------------------
if json optimize -- "$R" optimize --n 16 --method all --json; then
  pycheck optimize <<'PY'
import json, sys
name = sys.argv[1]
d = json.load(open(name + ".out"))
err = open(name + ".err").read()
rows = {l.split()[0]: l.split() for l in err.splitlines() if l.split() and l.split()[0] in
        ("fom", "rom", "trust-region")}
assert [m["method"] for m in d["methods"]] == ["fom", "rom", "trust-region"], d
assert d["n"] == 16 and d["N"] == 256
for m in d["methods"]:
    r = rows[m["method"]]
    assert abs(m["J"] - float(r[1])) <= 1e-11 * abs(float(r[1])), (m, r)
    assert abs(m["fom_J"] - float(r[2])) <= 1e-11 * abs(float(r[2])), (m, r)
    assert (m["fom_solves"], m["adjoints"], m["k"], m["iterations"]) == tuple(map(int, r[3:7]))
    assert [float(x) for x in r[8].split(",")] == [float("%g" % v) for v in m["mu"]]
PY
fi

# ---- export-snapshots (P1, small), with --options ----------------------------------------------
printf -- '--grid 200\n--steps 40\n' >export.opts
if json export -- "$R" export-snapshots P1 --options export.opts --train-params 0.95 -o train.h5 \
  --workdir W --json; then
  pycheck export <<'PY'
import json, re, sys, h5py
name = sys.argv[1]
d = json.load(open(name + ".out"))
err = open(name + ".err").read()
m = re.search(r"export-snapshots: (\d+) snapshots of (\S+) -> (\S+)", err)
assert m, err
with h5py.File("train.h5", "r") as f:
    shape = f["snapshots"].shape  # {m, N}: snapshots x rows
assert d["path"] == m.group(3) == "train.h5"
assert d["columns"] == int(m.group(1)) == shape[0] == 40, (d, shape)
assert d["rows"] == shape[1] == 200, (d, shape)
assert d["component"] == 0 and d["states"] == "diff", d
PY
fi
out=$("$R" export-snapshots P1 --grid 200 --steps 40 -o missing_dir/t.h5 --workdir W2 2>&1)
[ $? -eq 1 ] && ok || bad "export-snapshots -o into a missing directory: not exit 1"
ls W2/*.h5 >/dev/null 2>&1 && bad "export-snapshots ran a FOM before checking -o: $out" || ok

echo "cli conventions (more): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
