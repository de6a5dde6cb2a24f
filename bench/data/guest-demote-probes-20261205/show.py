#!/usr/bin/env python3
# Every number of bench/README-guest.md's section on these probes, from
# the runs beside this file. In each sweep the unchanged build's pairs
# are 'ours' and 'guest-only', the probe's are 'ref' and 'ref-guest-only'
# (its guest with the stock host): probe / unchanged per repeat, median
# [min-max], and how many repeats the probe was ahead in.
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import per_repeat, sweeps, table  # noqa: E402

PAIRS = (("ref poll", "ours poll", "ours-ours"),
         ("ref-guest-only poll", "guest-only poll", "with the stock host"))

for d, rows, by in sweeps(HERE):
    print("## %s\n" % d)
    print(table(rows, "sat", digits=3) + "\n")
    for probe, base, what in PAIRS:
        pr = per_repeat(by[probe], by[base])
        print("probe / unchanged, %s: %.3f [%.3f-%.3f], ahead in %d of %d"
              % (what, statistics.median(pr), pr[0], pr[-1],
                 sum(x > 1 for x in pr), len(pr)))
    bad = sum(int(r["lost"] or 0) + int(r["reordered"] or 0) +
              int(r["duplicates"] or 0) for r in rows)
    print("%d runs, packets lost, reordered or duplicated: %d\n"
          % (len(rows), bad))
