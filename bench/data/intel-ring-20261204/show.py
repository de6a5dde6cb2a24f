#!/usr/bin/env python3
# Adaptive per load and repeat, for each sweep directory given (default:
# those beside this file): the consumer's CPU, its p99 and whether that is
# within the stock pair's p99 + L + B of the same repeat; at saturation its
# rate against the same build's poll (or stock where poll did not run).
# ../intel-ring4096-ab-20261204/show.py prints that directory with this.
import csv
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
dirs = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "ring*")))
for d in dirs:
    rows = list(csv.DictReader(open(glob.glob(os.path.join(
        d, "*", "runs.csv"))[0])))
    cpu = "guest_cpu" if "h2g" in d else "host_cpu"
    by = {(r["config"], r["load"], r["repeat"]): r for r in rows}
    for cfg in ("ours adaptive", "ref adaptive"):
        for load in ("1%", "10%", "50%", "sat"):
            runs = [r for r in rows if r["config"] == cfg and
                    r["load"] == load]
            if not runs:
                continue
            line = "%s %s %s: CPU %s p99 %s" % (
                os.path.basename(d), cfg, load,
                " ".join("%.1f" % float(r[cpu]) for r in runs),
                " ".join("%.0f" % float(r["p99_us"]) for r in runs))
            if load == "sat":
                base = cfg.replace("adaptive", "poll")
                ref = [by.get((base, load, r["repeat"])) or
                       by[("stock", load, r["repeat"])] for r in runs]
                line += " / %s: %s" % (
                    ref[0]["config"], " ".join(
                        "%.3f" % (float(r["mpps"]) / float(s["mpps"]))
                        for r, s in zip(runs, ref)))
            else:
                within = sum(
                    float(r["p99_us"]) <=
                    float(by[("stock", load, r["repeat"])]["p99_us"]) +
                    float(r["sink_latency_us"]) +
                    float(r["sink_sleep_cost_us"]) for r in runs)
                line += " within %d of %d" % (within, len(runs))
            print(line)
    print("  %s: lost + reordered + duplicated %d in %d runs" % (
        os.path.basename(d), sum(int(r["lost"]) + int(r["reordered"]) +
                                 int(r["duplicates"]) for r in rows),
        len(rows)))
