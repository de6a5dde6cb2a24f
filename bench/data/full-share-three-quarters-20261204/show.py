#!/usr/bin/env python3
"""Three quarters of full bursts against a half: every number of the A/B.

usage: show.py DIR (the sweeps' directories under it: */*/runs.csv)
Per sweep and load, per repeat: the consumer's CPU %, p99 us, and its
idle periods (batches / busy spins / of them full) for the new build
("ours") and the old one ("ref"); at saturation adaptive over poll per
repeat and the producer's notifications per million packets.
"""
import csv
import glob
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)
lost = runs = 0
for f in sorted(glob.glob(os.path.join(d, "*", "*", "runs.csv"))):
    sweep = f.split(os.sep)[-3]
    rows = list(csv.DictReader(open(f)))
    h2g = "h2g" in sweep
    cpu = "guest_cpu" if h2g else "host_cpu"
    note = "calls_per_mpkt" if h2g else "kicks_per_mpkt"
    for r in rows:
        runs += 1
        lost += sum(int(float(r[k])) for k in ("lost", "reordered",
                                                "duplicates"))
    print("## %s" % sweep)
    for load in ("10%", "50%"):
        for pair in ("ours", "ref"):
            cells = [r for r in rows if r["load"] == load and
                     r["config"] == pair + " adaptive"]
            print("%s %-4s CPU %s | p99 %s | batches/busy/full %s" % (
                load, pair,
                " ".join("%.1f" % float(r[cpu]) for r in cells),
                " ".join("%.0f" % float(r["p99_us"]) for r in cells),
                " ".join("%s/%s/%s" % (r["sink_idle_batches"],
                                       r["sink_idle_busy_spins"],
                                       r["sink_idle_full_spins"])
                         for r in cells)))
    for pair in ("ours", "ref"):
        sat = [r for r in rows if r["load"] == "sat" and
               r["config"].startswith(pair + " ")]
        out = []
        for rep in sorted({r["repeat"] for r in sat}):
            c = {r["config"]: r for r in sat if r["repeat"] == rep}
            a, p = c[pair + " adaptive"], c[pair + " poll"]
            out.append("%.2f (%.2f/M)" % (float(a["mpps"]) / float(p["mpps"]),
                                          float(a[note] or 0)))
        print("sat  %-4s adaptive/poll %s" % (pair, ", ".join(out)))
print("runs %d, lost+reordered+duplicated %d" % (runs, lost))
