#!/usr/bin/env python3
"""Per configuration and repeat: the consumer's CPU and p99, and how many
repeats of adaptive kept their p99 within stock p99 (the same repeat) + the
L and B the queue reported. Usage: bound.py DIR (const-g2h, const-h2g
beneath)."""
import csv
import glob
import os
import sys
here = sys.argv[1]
for name in sorted(os.listdir(here)):
    fs = glob.glob(os.path.join(here, name, "*", "runs.csv"))
    if not fs:
        continue
    rows = list(csv.DictReader(open(fs[0])))
    cpu = "host_cpu" if name.endswith("g2h") else "guest_cpu"
    configs = []
    for r in rows:
        if r["config"] not in configs:
            configs.append(r["config"])
    print(f"## {name}")
    print("| load | config | CPU % per repeat | p99 us per repeat | within bound |")
    print("| --- | --- | --- | --- | --- |")
    loads = []
    for r in rows:
        if r["load"] not in loads:
            loads.append(r["load"])
    for load in loads:
        for c in configs:
            rs = [r for r in rows if r["config"] == c and r["load"] == load]
            if not rs or c == "stock":
                continue
            ok = n = 0
            for r in rs:
                if "adaptive" not in c or r["sink_latency_us"] == "":
                    continue
                s = [x for x in rows if x["config"] == "stock" and
                     x["load"] == load and x["repeat"] == r["repeat"]][0]
                bound = float(s["p99_us"]) + float(r["sink_latency_us"]) + \
                    float(r["sink_sleep_cost_us"])
                n += 1
                ok += float(r["p99_us"]) <= bound
            cpus = ", ".join("%.1f" % float(r[cpu]) for r in rs)
            p99s = ", ".join("%.0f" % float(r["p99_us"]) for r in rs)
            print(f"| {load} | {c} | {cpus} | {p99s} | "
                  f"{f'{ok} of {n}' if n else '-'} |")
