# SPDX-License-Identifier: BSD-3-Clause
"""Case: the README's first command (scripts/demo.sh) in small, so that CI
runs what it runs: the two-process ring benchmark in its --short form, and
bench/sweep.py on the stock pair and ours (adaptive) at saturation and at
10% of it, 0.3 s a run. Expect: both exit 0; the sweep reports no failed
run and writes a row per pair and load in runs.csv, each with packets
delivered and none lost, reordered or duplicated. Speed is not checked.
Usage: test_demo.py small
"""

import csv
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOADS = ("sat", "10%")
CONFIGS = ("stock", "ours adaptive")


def run(argv, timeout):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    out = p.stdout + p.stderr
    h.check(p.returncode == 0, "%s exited with %d:\n%s"
            % (" ".join(argv), p.returncode, out[-4000:]))
    return out


def main():
    build = os.environ["VSPIN_BUILD_DIR"]
    out = run([os.path.join(build, "bench", "ring_bench"), "--short"], 120)
    for mode in ("poll", "notify", "adaptive"):
        h.check(" %s " % mode in out, "ring_bench --short printed no %s "
                "row:\n%s" % (mode, out[-2000:]))
    with tempfile.TemporaryDirectory(prefix="vspin-demo-") as d:
        out = run([sys.executable, os.path.join(ROOT, "bench", "sweep.py"),
                   "--build", build, "--pairs", "stock,ours",
                   "--modes", "adaptive", "--loads", ",".join(LOADS),
                   "--repeats", "1", "--duration", "0.3", "--out", d], 300)
        h.check("failed runs: 0;" in out, "the sweep did not report 0 "
                "failed runs:\n%s" % out[-3000:])
        found = glob.glob(os.path.join(d, "*", "runs.csv"))
        h.check(len(found) == 1, "runs.csv files: %r" % found)
        with open(found[0]) as f:
            rows = {(r["config"], r["load"]): r for r in csv.DictReader(f)}
    for cfg in CONFIGS:
        for load in LOADS:
            r = rows.get((cfg, load))
            h.check(r is not None, "no row for %s at %s: %r"
                    % (cfg, load, sorted(rows)))
            h.check(int(r["packets"]) > 0, "%s at %s delivered nothing"
                    % (cfg, load))
            bad = {k: r[k] for k in ("lost", "reordered", "duplicates")
                   if int(r[k]) != 0}
            h.check(not bad, "%s at %s: %r" % (cfg, load, bad))
    print("demo in small: ring_bench and the sweep ran; %s"
          % ", ".join("%s %s %s packets" % (c, l, rows[(c, l)]["packets"])
                      for c in CONFIGS for l in LOADS))


if __name__ == "__main__":
    h.run_case({"small": main})
