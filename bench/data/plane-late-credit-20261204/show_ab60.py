#!/usr/bin/env python3
"""latency_us=60 at 1%, new build ("ours") and d4d8190 ("ref") beside
OVS's rule and the stock pair: consumer CPU % / p99 us, medians of the
repeats, then every repeat.

usage: show_ab60.py [DIR] (default: this directory; reads ab60-*/*/runs.csv)
"""
import csv
import glob
import json
import os
import statistics
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
bad = 0
for f in sorted(glob.glob(os.path.join(d, "ab60-*", "*", "runs.csv"))):
    meta = json.load(open(os.path.join(os.path.dirname(f), "meta.json")))
    rows = list(csv.DictReader(open(f)))
    cpu = "guest_cpu" if meta["reverse"] else "host_cpu"
    print("\n%s (loads scaled to %.1f Mpps)" % (
        f.split(os.sep)[-3], meta["saturation_mpps"]))
    for c in meta["configs"]:
        rs = [r for r in rows if r["config"] == c]
        bad += sum(int(r["lost"]) + int(r["reordered"]) +
                   int(r["duplicates"]) > 0 for r in rs)
        print("  %-28s %5.1f%% / %4.0f us  (%s)" % (
            c, statistics.median(float(r[cpu]) for r in rs),
            statistics.median(float(r["p99_us"]) for r in rs),
            ", ".join("%.1f/%.0f" % (float(r[cpu]), float(r["p99_us"]))
                      for r in rs)))
print("\nruns with a packet lost, reordered or duplicated: %d" % bad)
