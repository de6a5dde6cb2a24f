#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every configuration but the stock pair, per load: the consumer's CPU %
and p99 us per repeat, its sleeps (in thousands) and, for adaptive, how
many repeats kept the p99 within the stock p99 of the same repeat + L +
B (the issue's bound), and the L (us) each repeat ended with. Then the
runs with a packet lost, reordered or duplicated.

    show.py DIR...   (DIR: before/ or ab/; ../amd-late-hist-20261205/'s)
"""
import csv
import glob
import os
import sys


def within(r, stock):
    if "adaptive" not in r["config"]:
        return None
    bound = (stock[(r["load"], r["repeat"])] + float(r["sink_latency_us"]) +
             float(r["sink_sleep_cost_us"]))
    return float(r["p99_us"]) <= bound


def show(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    side = "host" if "g2h" in path else "guest"
    stock = {(r["load"], r["repeat"]): float(r["p99_us"])
             for r in rows if r["config"] == "stock"}
    configs = sorted({r["config"] for r in rows} - {"stock"})
    for load in ("1%", "10%", "50%"):
        for cfg in configs:
            rs = [r for r in rows if r["config"] == cfg and r["load"] == load]
            if not rs:
                continue
            ok = [within(r, stock) for r in rs]
            print("  %4s %-30s cpu %-17s p99 %-16s sleeps k %-14s %s" % (
                load, cfg,
                " ".join("%.1f" % float(r[side + "_cpu"]) for r in rs),
                " ".join("%.0f" % float(r["p99_us"]) for r in rs),
                " ".join("%.1f" % (int(r[side + "_sleeps"]) / 1000)
                         for r in rs),
                "" if ok[0] is None else "within %d/%d L %s" % (
                    sum(ok), len(ok),
                    " ".join(r["sink_latency_us"] for r in rs))))
    bad = sum(any(r[k] not in ("0", "") for k in
                  ("lost", "reordered", "duplicates")) for r in rows)
    print("  runs with a packet lost, reordered or duplicated: %d of %d" %
          (bad, len(rows)))


def main():
    for top in sys.argv[1:]:
        for path in sorted(glob.glob(os.path.join(top, "*", "*",
                                                  "runs.csv"))):
            print(os.path.relpath(path, top))
            show(path)


if __name__ == "__main__":
    main()
