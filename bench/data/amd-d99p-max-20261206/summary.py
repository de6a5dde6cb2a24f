#!/usr/bin/env python3
"""Per round, build and configuration: the repeats within issue 10's bound
(the stock p99 of the same repeat + L + B), the consumer's CPU % and the
L / p99 ratio (min, median, max) over every load and sweep of the round.

    summary.py ROUND [LOAD...]    e.g. summary.py ab-10s 1% 10%
"""
import csv
import glob
import os
import statistics
import sys


def main():
    top, loads = sys.argv[1], sys.argv[2:]
    acc = {}
    for path in sorted(glob.glob(os.path.join(top, "*", "*", "runs.csv"))):
        side = "host_cpu" if "g2h" in path else "guest_cpu"
        with open(path, newline="") as f:
            runs = list(csv.DictReader(f))
        stock = {(r["load"], r["repeat"]): float(r["p99_us"])
                 for r in runs if r["config"] == "stock"}
        for r in runs:
            if "adaptive" not in r["config"] or \
                    (loads and r["load"] not in loads):
                continue
            p99 = float(r["p99_us"])
            lat = float(r["sink_latency_us"])
            bound = stock[(r["load"], r["repeat"])] + lat + \
                float(r["sink_sleep_cost_us"])
            a = acc.setdefault(r["config"], [0, 0, [], []])
            a[0] += p99 <= bound
            a[1] += 1
            a[2].append(float(r[side]))
            a[3].append(lat / p99)
    for cfg, (ok, n, cpu, ratio) in sorted(acc.items()):
        print(f"{cfg:32} within {ok:2}/{n:2}  cpu {min(cpu):5.1f}-"
              f"{max(cpu):5.1f}  L/p99 {min(ratio):.2f} "
              f"{statistics.median(ratio):.2f} {max(ratio):.2f}")


main()
