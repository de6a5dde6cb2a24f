#!/usr/bin/env python3
# Per repeat of adaptive at the light loads, in the four sweeps beside this
# file (or in the directory given): the consumer's packet p99 against its
# bound (stock's p99 in that repeat + the L and B its queue reported), and
# what its queue had learnt of its wake-ups' lateness by the end of the
# run: D (95th percentile) and D99 (99th).
import csv
import glob
import os
import sys

HERE = (sys.argv[1] if len(sys.argv) > 1 else
        os.path.dirname(os.path.abspath(__file__)))

print("| sweep | load | repeat | CPU % | p99 us | bound us (stock p99 + L "
      "+ B) | within | L / B us | D / D99 us | sleeps |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name in ("const-g2h", "const-h2g", "poisson-g2h", "poisson-h2g"):
    rows = list(csv.DictReader(open(glob.glob(
        os.path.join(HERE, name, "*", "runs.csv"))[0])))
    cpu = "host_cpu" if name.endswith("g2h") else "guest_cpu"
    sleeps = "host_sleeps" if name.endswith("g2h") else "guest_sleeps"
    for load in ("1%", "10%", "50%"):
        for r in rows:
            if r["config"] != "ours adaptive" or r["load"] != load:
                continue
            s = [x for x in rows if x["config"] == "stock" and
                 x["load"] == load and x["repeat"] == r["repeat"]][0]
            L, B = float(r["sink_latency_us"]), float(r["sink_sleep_cost_us"])
            bound = float(s["p99_us"]) + L + B
            p99 = float(r["p99_us"])
            print("| %s | %s | %s | %.1f | %.0f | %.0f | %s | %.0f / %.0f | "
                  "%s / %s | %s |" % (
                      name, load, r["repeat"], float(r[cpu]), p99, bound,
                      "yes" if p99 <= bound else "**no**", L, B,
                      r["sink_wake_late_us"], r["sink_wake_late99_us"],
                      r[sleeps]))
