#!/usr/bin/env python3
# Per sweep and load: the consumer's CPU per repeat and its median, its
# p99 beside the stock pair's in the same repeat, L and B as the consumer
# reported them, how many repeats kept p99 <= stock p99 + L + B, and the
# packets lost, reordered or duplicated over all pairs.
import csv
import glob
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(HERE, "**", "runs.csv"),
                             recursive=True)):
    name = os.path.relpath(os.path.dirname(os.path.dirname(path)), HERE)
    rows = list(csv.DictReader(open(path)))
    cons = "guest_cpu" if name.split("/")[-1].startswith("h2g") else \
        "host_cpu"
    for load in sorted({r["load"] for r in rows}, key=lambda v: float(
            v.rstrip("%"))):
        ours = [r for r in rows if r["load"] == load and
                r["config"].startswith("ours")]
        stock = {r["repeat"]: r for r in rows if r["load"] == load and
                 r["config"].startswith("stock")}
        cpu = [float(r[cons]) for r in ours]
        within = sum(1 for r in ours if r["repeat"] in stock and
                     float(r["p99_us"]) <= float(stock[r["repeat"]]["p99_us"])
                     + int(r["sink_latency_us"]) + int(r["sink_sleep_cost_us"]))
        bad = sum(int(r["lost"]) + int(r["reordered"]) + int(r["duplicates"])
                  for r in rows if r["load"] == load)
        print("%-20s %4s CPU %s median %.1f | p99 %s stock %s | L %s B %s | "
              "within %d/%d | lost+reordered+dup %d" % (
                  name, load, [round(c, 1) for c in cpu],
                  statistics.median(cpu),
                  [round(float(r["p99_us"])) for r in ours],
                  [round(float(stock[r["repeat"]]["p99_us"])) for r in ours
                   if r["repeat"] in stock],
                  [r["sink_latency_us"] for r in ours],
                  [r["sink_sleep_cost_us"] for r in ours], within, len(ours),
                  bad))
