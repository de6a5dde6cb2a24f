#!/usr/bin/env python3
# Per repeat, the consumer of each adaptive configuration in the two sweeps
# beside this file (or in the directory given): its CPU, its packet p99
# against the bound (stock's p99 in that repeat + the L and B its
# queue reported; L is latency_us where it is set), D / D99 and its sleeps.
import csv
import glob
import os
import sys

HERE = (sys.argv[1] if len(sys.argv) > 1 else
        os.path.dirname(os.path.abspath(__file__)))

print("| sweep | load | config | repeat | CPU % | p99 us | bound us | "
      "within | L / B us | D / D99 us | sleeps |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name in ("poisson-g2h", "poisson-h2g"):
    rows = list(csv.DictReader(open(glob.glob(
        os.path.join(HERE, name, "*", "runs.csv"))[0])))
    side = "host" if name.endswith("g2h") else "guest"
    for load in ("1%", "10%"):
        for r in rows:
            if not r["config"].startswith("ours adaptive") or \
                    r["load"] != load:
                continue
            s = [x for x in rows if x["config"] == "stock" and
                 x["load"] == load and x["repeat"] == r["repeat"]][0]
            L, B = float(r["sink_latency_us"]), float(r["sink_sleep_cost_us"])
            bound = float(s["p99_us"]) + L + B
            p99 = float(r["p99_us"])
            print("| %s | %s | %s | %s | %.1f | %.0f | %.0f | %s | %.0f / %.0f"
                  " | %s / %s | %s |" % (
                      name, load, r["config"][len("ours "):], r["repeat"],
                      float(r[side + "_cpu"]), p99, bound,
                      "yes" if p99 <= bound else "**no**", L, B,
                      r["sink_wake_late_us"], r["sink_wake_late99_us"],
                      r[side + "_sleeps"]))
