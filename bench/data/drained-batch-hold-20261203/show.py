#!/usr/bin/env python3
# Every number of bench/README-adaptive.md's section "A drained batch
# ends at once", from the runs beside this file: at the paced loads the
# consumer's CPU, p99 and sleeps per repeat, the new build ("ours")
# against 978bf28 ("ref"); at saturation each mode of ours over ref per
# repeat (ratio_table.against_ref()); and the cost probe's per-packet
# times (cost-probe/pcost.txt, printed as it is).
import csv
import os
import statistics as st
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import against_ref, load  # noqa: E402

LIGHT = ("light-g2h", "light-h2g", "poisson-g2h", "poisson-h2g",
         "h2g-const-5", "h2g-poisson-5")
for name in LIGHT:
    rows = list(csv.DictReader(open(os.path.join(HERE, name, "runs.csv"))))
    h2g = "h2g" in name
    cpu = "guest_cpu" if h2g else "host_cpu"
    sleeps = "guest_sleeps" if h2g else "host_sleeps"
    print("## %s (consumer: %s)\n" % (name, cpu.split("_")[0]))
    print("| load | build | CPU % per repeat | median | ours - ref per "
          "repeat | p99 us | sleeps a 2 s run |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    loads = []
    for r in rows:
        if r["load"] not in loads:
            loads.append(r["load"])
    for lo in loads:
        got = {}
        for pair in ("ours", "ref"):
            got[pair] = [r for r in rows if r["load"] == lo and
                         r["config"] == pair + " adaptive"]
        for pair in ("ours", "ref"):
            rs = got[pair]
            c = [float(r[cpu]) for r in rs]
            diff = ""
            if pair == "ours":
                diff = ", ".join("%+.1f" % (a - float(b[cpu]))
                                 for a, b in zip(c, got["ref"]))
            print("| %s | %s | %s | %.1f | %s | %s | %s |" % (
                lo, pair, ", ".join("%.1f" % x for x in c), st.median(c),
                diff, ", ".join("%.0f" % float(r["p99_us"]) for r in rs),
                ", ".join(r[sleeps] for r in rs)))
    bad = [r for r in rows if int(r["lost"]) or int(r["reordered"]) or
           int(r["duplicates"])]
    print("\nruns that lost, reordered or duplicated: %d of %d\n" %
          (len(bad), len(rows)))
for name in ("sat-huge", "sat-nohuge", "sat-huge-h2g"):
    print("## %s\n" % name)
    print(against_ref(load(os.path.join(HERE, name, "runs.csv"))) + "\n")
print("## cost-probe (978bf28 + cost-probe.patch, ours poll and adaptive)\n")
print(open(os.path.join(HERE, "cost-probe", "pcost.txt")).read())
