#!/usr/bin/env python3
# Every number of bench/README-guest.md's section "Our host prefetches
# the guest's next packets", from the runs beside this file (and under
# probes/): per sweep,
# bench/ratio_table.py's table against the stock pair and against the
# build before the change (pairs "ref"), then the new build over the old
# one per repeat, median [min-max], per mode; and the runs that lost,
# reordered or duplicated a packet.
import glob
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import load, num, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv")) +
                glob.glob(os.path.join(HERE, "*", "*", "runs.csv"))):
    rows = load(d)
    print("## %s\n" % os.path.relpath(os.path.dirname(d), HERE))
    print(table(rows, "sat", digits=3) + "\n")
    by = {}
    for r in rows:
        by.setdefault(r["config"], {})[r["repeat"]] = num(r, "mpps")
    for c in by:
        if c.startswith("ours ") and "ref " + c[5:] in by:
            old = by["ref " + c[5:]]
            pr = sorted(v / old[k] for k, v in by[c].items() if k in old)
            print("%s / ref %s: %.3f [%.3f-%.3f]" % (
                c, c[5:], statistics.median(pr), pr[0], pr[-1]))
    bad = sum(int(r["lost"] or 0) + int(r["reordered"] or 0) +
              int(r["duplicates"] or 0) for r in rows)
    print("%d runs, packets lost, reordered or duplicated: %d\n" % (
        len(rows), bad))
