#!/usr/bin/env python3
# The numbers of bench/README-adaptive.md's section "Full bursts most
# times" (and, given the directory, of "Tried and not kept: u priced from
# batches", whose runs have the same layout): per sweep beside this file,
# the consumer's CPU per repeat for the new build ("ours") and the
# reference ("ref"), at each paced load, and at saturation adaptive over
# poll per repeat with the notifications (kicks and calls) per million
# packets; then probe/regimes.txt as it is.
import csv
import os
import sys

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
for name in sorted(os.listdir(HERE)):
    path = os.path.join(HERE, name, "runs.csv")
    if not os.path.exists(path):
        continue
    rows = list(csv.DictReader(open(path)))
    cpu = "guest_cpu" if name.startswith("h2g") else "host_cpu"
    print("## %s (consumer: %s)\n" % (name, cpu.split("_")[0]))
    loads = []
    for r in rows:
        if r["load"] not in loads:
            loads.append(r["load"])
    for lo in loads:
        if lo == "sat":
            for pair in ("ours", "ref"):
                ratio, notes = [], []
                reps = sorted({r["repeat"] for r in rows if r["load"] == lo})
                for rep in reps:
                    got = {r["config"]: r for r in rows
                           if r["load"] == lo and r["repeat"] == rep}
                    a, p = got[pair + " adaptive"], got[pair + " poll"]
                    ratio.append(float(a["mpps"]) / float(p["mpps"]))
                    notes.append(float(a["kicks_per_mpkt"]) +
                                 float(a["calls_per_mpkt"]))
                print("sat %s: adaptive / poll %s; notifications per "
                      "million packets at most %.2f" % (
                          pair, ", ".join("%.2f" % x for x in ratio),
                          max(notes)))
            continue
        print("%s offered %.2f Mpps:" % (lo, float(
            [r for r in rows if r["load"] == lo][0]["offered_mpps"])))
        for pair in ("ours", "ref"):
            rs = [r for r in rows if r["load"] == lo and
                  r["config"] == pair + " adaptive"]
            print("  %s CPU %s (sleeps %s)" % (
                pair, ", ".join("%.1f" % float(r[cpu]) for r in rs),
                ", ".join(r["host_sleeps" if cpu == "host_cpu" else
                            "guest_sleeps"] for r in rs)))
    bad = [r for r in rows if int(r["lost"]) or int(r["reordered"]) or
           int(r["duplicates"])]
    print("runs that lost, reordered or duplicated: %d of %d\n" %
          (len(bad), len(rows)))
probe = os.path.join(HERE, "probe", "regimes.txt")
if os.path.exists(probe):
    print(open(probe).read())
