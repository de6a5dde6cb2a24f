#!/usr/bin/env python3
"""Print the tables of bench/README-adaptive.md's "latency_us against OVS's
rule" section from the four sweeps in this directory (or DIR): consumer
CPU % / p99 us, medians over the repeats; a setting in bold reaches lower
CPU than ovs_sleep at an equal or lower p99 (medians)."""
import csv
import glob
import json
import os
import statistics
import sys

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
OVS = "ours ovs_sleep:500"
total = bad = 0
for sweep in ("const-g2h", "const-h2g", "poisson-g2h", "poisson-h2g"):
    run = glob.glob(os.path.join(here, sweep, "*", "runs.csv"))[0]
    meta = json.load(open(os.path.join(os.path.dirname(run), "meta.json")))
    rows = list(csv.DictReader(open(run)))
    cpu_key = "guest_cpu" if meta["reverse"] else "host_cpu"
    configs = meta["configs"]
    print("\n%s (loads scaled to %.1f Mpps, %s)\n" % (
        sweep, meta["saturation_mpps"], meta["reference"]))
    print("| load | " + " | ".join(c.replace("ours ", "") for c in configs)
          + " |")
    print("| --- |" + " --- |" * len(configs))
    for load in meta["loads"]:
        cell = {}
        for c in configs:
            rs = [r for r in rows if r["config"] == c and r["load"] == load]
            cell[c] = (statistics.median(float(r[cpu_key]) for r in rs),
                       statistics.median(float(r["p99_us"]) for r in rs))
            for r in rs:
                total += 1
                bad += int(r["lost"]) + int(r["reordered"]) + \
                    int(r["duplicates"]) > 0
        out = []
        for c in configs:
            cp, p99 = cell[c]
            s = "%.1f%% / %.0f" % (cp, p99)
            if c.startswith("ours adaptive") and OVS in cell and \
                    cp < cell[OVS][0] and p99 <= cell[OVS][1]:
                s = "**%s**" % s
            out.append(s)
        print("| %s | %s |" % (load, " | ".join(out)))
print("\nruns: %d, with a packet lost, reordered or duplicated: %d"
      % (total, bad))
