#!/usr/bin/env python3
"""The wake-up's lateness counted as time away: every number of the A/B.

usage: show.py [DIR] (the sweeps' directories under it: */*/runs.csv;
default: this directory)
Per sweep, load and mode: the consumer's CPU % and p99 us, medians of the
repeats, new build ("ours") then old ("ref"), with each repeat in
brackets; at saturation each mode's Mpps over the same build's poll per
repeat and the producer's notifications per million packets.
"""
import csv
import glob
import os
import statistics
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
MODES = ("adaptive", "adaptive+latency_us=50", "adaptive+latency_us=70")
bad = runs = 0
for f in sorted(glob.glob(os.path.join(d, "*", "*", "runs.csv"))):
    sweep = f.split(os.sep)[-3]
    rows = list(csv.DictReader(open(f)))
    h2g = "h2g" in sweep
    cpu = "guest_cpu" if h2g else "host_cpu"
    note = "calls_per_mpkt" if h2g else "kicks_per_mpkt"
    for r in rows:
        runs += 1
        bad += sum(int(float(r[k])) for k in ("lost", "reordered",
                                               "duplicates")) > 0
    print("\n## %s" % sweep)
    loads = [x for x in ("1%", "10%", "50%") if any(
        r["load"] == x for r in rows)]
    modes = [m for m in MODES if any(
        r["config"] == "ours " + m for r in rows)]
    if loads:
        print("\n| load | mode | new: CPU % / p99 us | old: CPU % / p99 us |")
        print("| --- | --- | --- | --- |")
    for load in loads:
        for mode in modes:
            out = []
            for pair in ("ours", "ref"):
                cs = [r for r in rows if r["load"] == load and
                      r["config"] == "%s %s" % (pair, mode)]
                c = [float(r[cpu]) for r in cs]
                p = [float(r["p99_us"]) for r in cs]
                out.append("%.1f / %.0f (%s)" % (
                    statistics.median(c), statistics.median(p),
                    ", ".join("%.1f/%.0f" % x for x in zip(c, p))))
            print("| %s | %s | %s | %s |" % (load, mode, out[0], out[1]))
    for pair in ("ours", "ref"):
        sat = [r for r in rows if r["load"] == "sat" and
               r["config"].startswith(pair + " ")]
        for mode in modes:
            out = []
            for rep in sorted({r["repeat"] for r in sat}):
                c = {r["config"]: r for r in sat if r["repeat"] == rep}
                a, p = c["%s %s" % (pair, mode)], c[pair + " poll"]
                out.append("%.2f (%.2f/M)" % (
                    float(a["mpps"]) / float(p["mpps"]),
                    float(a[note] or 0)))
            print("\nsat %s %s / poll: %s" % (pair, mode, ", ".join(out)))
print("\nruns %d, with a packet lost, reordered or duplicated: %d"
      % (runs, bad))
