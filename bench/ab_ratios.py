#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-repeat Mpps ratios of two configs of one sweep (runs.csv), new over
old, as median [min-max], at each load the sweep ran: an A/B of two
builds interleaved in one run (bench/sweep.py --ref-build).

usage: ab_ratios.py DIR NEW OLD [NEW OLD ...]
  e.g. ab_ratios.py bench/data/tx-remap-ab-20261203 "ours poll" "ref poll"
Also prints the runs' lost + reordered + duplicated packets.
"""
import csv
import os
import statistics
import sys


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__)
        return
    if len(argv) < 4 or len(argv) % 2:
        sys.exit(__doc__)
    with open(os.path.join(argv[1], "runs.csv")) as f:
        rows = list(csv.DictReader(f))
    # One rate per (load, config, repeat): a sweep of several loads has
    # a run of each config at each load in every repeat.
    by = {}
    for r in rows:
        by.setdefault(r["load"], {}).setdefault(r["config"], {})[
            int(r["repeat"])] = float(r["mpps"])
    for load in by:
        for new, old in zip(argv[2::2], argv[3::2]):
            a, b = by[load].get(new, {}), by[load].get(old, {})
            rat = [a[k] / b[k] for k in sorted(a) if k in b and b[k]]
            if not rat:
                continue
            print("%s: %s / %s: %.3f [%.3f-%.3f] over %d repeats" % (
                load, new, old, statistics.median(rat), min(rat),
                max(rat), len(rat)))
    bad = sum(int(float(r[k] or 0)) for r in rows
              for k in ("lost", "reordered", "duplicates"))
    print("lost+reordered+duplicates: %d in %d runs" % (bad, len(rows)))


if __name__ == "__main__":
    main(sys.argv)
