#!/usr/bin/env python3
# Every number of bench/README-adaptive.md's section "Tried and not kept:
# a 2048-entry tx ring for the adaptive guest", from the runs beside this
# file: at 10% and 50% of 19.2 Mpps the consumer's CPU, p99, sleeps and
# D per repeat, the 2048-entry build ("ours") against 978bf28 ("ref");
# at saturation each mode of ours over ref per repeat (against_ref()).
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import against_ref, load  # noqa: E402

for name, cpu in (("light-g2h", "host_cpu"), ("light-h2g", "guest_cpu")):
    rows = list(csv.DictReader(open(os.path.join(HERE, name, "runs.csv"))))
    print("## %s (consumer: %s)\n" % (name, cpu.split("_")[0]))
    print("| load | build | CPU % per repeat | p99 us | sleeps a 2 s run |"
          " D us |")
    print("| --- | --- | --- | --- | --- | --- |")
    sleeps = "host_sleeps" if cpu == "host_cpu" else "guest_sleeps"
    for lo in ("10%", "50%"):
        for pair in ("ours", "ref"):
            rs = [r for r in rows if r["load"] == lo and
                  r["config"] == pair + " adaptive"]
            print("| %s | %s | %s | %s | %s | %s |" % (
                lo, pair, ", ".join("%.1f" % float(r[cpu]) for r in rs),
                ", ".join("%.0f" % float(r["p99_us"]) for r in rs),
                ", ".join(r[sleeps] for r in rs),
                ", ".join(r["sink_wake_late_us"] for r in rs)))
    bad = [r for r in rows if int(r["lost"]) or int(r["reordered"]) or
           int(r["duplicates"])]
    print("\nruns that lost, reordered or duplicated: %d of %d\n" %
          (len(bad), len(rows)))
for name in ("sat-huge", "sat-nohuge"):
    print("## %s\n" % name)
    print(against_ref(load(os.path.join(HERE, name, "runs.csv"))) + "\n")
