#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per load, the new build's (ours) and the old build's (ref) adaptive
runs side by side: the consumer's CPU %, p99 us and L us per repeat, and
how many repeats kept the p99 within the stock p99 of the same repeat +
L + B (the issue's bound).

    show.py DIR...   (DIR: first/ or final/)
"""
import csv
import glob
import os
import sys


def cell(rows, stock, cfg, load, side):
    rs = [r for r in rows if r["config"] == cfg and r["load"] == load]
    within = sum(float(r["p99_us"]) <= stock[(load, r["repeat"])] +
                 float(r["sink_latency_us"]) + float(r["sink_sleep_cost_us"])
                 for r in rs)
    return "%s cpu %s p99 %s L %s within %d/%d" % (
        cfg.split()[0],
        " ".join("%.1f" % float(r[side + "_cpu"]) for r in rs),
        " ".join("%.0f" % float(r["p99_us"]) for r in rs),
        " ".join("%.0f" % float(r["sink_latency_us"]) for r in rs),
        within, len(rs))


def main():
    for top in sys.argv[1:]:
        for path in sorted(glob.glob(os.path.join(top, "*", "*",
                                                  "runs.csv"))):
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
            side = "host" if "g2h" in path else "guest"
            stock = {(r["load"], r["repeat"]): float(r["p99_us"])
                     for r in rows if r["config"] == "stock"}
            print(os.path.relpath(path, top))
            for load in ("1%", "10%", "50%"):
                print("  %4s | %s | %s" % (
                    load, cell(rows, stock, "ours adaptive", load, side),
                    cell(rows, stock, "ref adaptive", load, side)))
            bad = sum(any(r[k] not in ("0", "") for k in
                          ("lost", "reordered", "duplicates")) for r in rows)
            print("  runs with a packet lost, reordered or duplicated: %d"
                  " of %d" % (bad, len(rows)))


if __name__ == "__main__":
    main()
