#!/usr/bin/env python3
"""Print the tables of bench/README-adaptive.md, "Full bursts go untimed",
from the sweeps in this directory (or the directories given): at
saturation the rate of each pair and mode and the per-repeat ratios; at
the lighter loads the consumer's CPU and p99 per repeat."""
import csv
import glob
import os
import statistics as st
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def runs(d):
    f = sorted(glob.glob(os.path.join(d, "*", "runs.csv")))[-1]
    by = {}
    for r in csv.DictReader(open(f)):
        by.setdefault((r["load"], r["config"]), {})[int(r["repeat"])] = r
    return by


def ratios(by, load, a, b):
    ra, rb = by.get((load, a), {}), by.get((load, b), {})
    return [float(ra[i]["mpps"]) / float(rb[i]["mpps"])
            for i in sorted(ra) if i in rb]


def show(d):
    by = runs(d)
    h2g = "h2g" in os.path.basename(d)
    cpu = "guest_cpu" if h2g else "host_cpu"
    print("==", os.path.relpath(d, HERE), "(consumer:",
          "guest" if h2g else "host", ")")
    bad = sum(int(r[k]) for v in by.values() for r in v.values()
              for k in ("lost", "reordered", "duplicates"))
    print("   runs %d, lost + reordered + duplicated: %d" %
          (sum(len(v) for v in by.values()), bad))
    for load, cfg in sorted(by):
        rs = by[(load, cfg)]
        if load == "sat":
            v = [float(r["mpps"]) for r in rs.values()]
            print("   %-4s %-14s %6.2f Mpps [%.2f-%.2f]" %
                  (load, cfg, st.median(v), min(v), max(v)))
        else:
            print("   %-4s %-14s CPU %s  p99 us %s  sleeps %s" % (
                load, cfg,
                " ".join("%.1f" % float(rs[i][cpu]) for i in sorted(rs)),
                " ".join("%.0f" % float(rs[i]["p99_us"]) for i in sorted(rs)),
                " ".join(rs[i]["guest_sleeps" if h2g else "host_sleeps"]
                         for i in sorted(rs))))
    for a, b in (("ours adaptive", "ours poll"), ("ref adaptive", "ref poll"),
                 ("ours adaptive", "ref adaptive"), ("ours poll", "ref poll")):
        x = ratios(by, "sat", a, b)
        if x:
            print("   %s / %s per repeat: median %.3f [%.3f-%.3f] (%s)" % (
                a, b, st.median(x), min(x), max(x),
                " ".join("%.3f" % y for y in x)))


for d in sys.argv[1:] or sorted(
        p for p in glob.glob(os.path.join(HERE, "*")) if os.path.isdir(p)
        and glob.glob(os.path.join(p, "*", "runs.csv"))):
    show(d)
