#!/usr/bin/env python3
# Every number of bench/README-adaptive.md's section "A budget for the
# 99th percentile", from the runs beside this file: per repeat, the
# consumer's CPU and p99 for the new build ("ours", D99 plans the span
# and the default L) and 50debf9 ("ref", D), the bound stock p99 + L + B
# of the same repeat, and whether the p99 kept within it; then the
# lateness probe's percentiles (lateness-probe/percentiles.txt, as it is).
import csv
import os
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))
SWEEPS = ("default-g2h", "default-h2g", "latency300-g2h", "latency300-h2g")

for name in SWEEPS:
    rows = list(csv.DictReader(open(os.path.join(HERE, name, "runs.csv"))))
    h2g = name.endswith("h2g")
    cpu = "guest_cpu" if h2g else "host_cpu"
    stock = {(r["load"], r["repeat"]): float(r["p99_us"])
             for r in rows if r["config"] == "stock"}
    print("## %s (consumer: %s)\n" % (name, cpu.split("_")[0]))
    print("| load | build | CPU % per repeat | median | p99 us | "
          "bound us | within | L us |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    loads = []
    for r in rows:
        if r["load"] not in loads:
            loads.append(r["load"])
    for lo in loads:
        for pair in ("ours", "ref"):
            rs = [r for r in rows if r["load"] == lo and
                  r["config"].startswith(pair + " ")]
            c = [float(r[cpu]) for r in rs]
            bound = [stock[(lo, r["repeat"])] +
                     float(r["sink_latency_us"]) +
                     float(r["sink_sleep_cost_us"]) for r in rs]
            ok = sum(float(r["p99_us"]) <= b for r, b in zip(rs, bound))
            print("| %s | %s | %s | %.1f | %s | %s | %d of %d | %s |" % (
                lo, pair, ", ".join("%.1f" % x for x in c), st.median(c),
                ", ".join("%.0f" % float(r["p99_us"]) for r in rs),
                ", ".join("%.0f" % b for b in bound), ok, len(rs),
                ", ".join(r["sink_latency_us"] for r in rs)))
    bad = [r for r in rows if int(r["lost"]) or int(r["reordered"]) or
           int(r["duplicates"])]
    print("\nruns that lost, reordered or duplicated: %d of %d\n" %
          (len(bad), len(rows)))
print("## lateness-probe\n")
print(open(os.path.join(HERE, "lateness-probe", "percentiles.txt")).read())
