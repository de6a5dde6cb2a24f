#!/usr/bin/env python3
# Per repeat, for each sweep directory given (default: those beside this
# file) and each mode: ours / ref (new / old), ours / stock and ref / stock,
# median [min-max]; then the runs' lost + reordered + duplicated packets.
import csv
import glob
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def spread(xs):
    return "%.3f [%.3f-%.3f]" % (statistics.median(xs), min(xs), max(xs))


for d in sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "*-*huge"))):
    path = (glob.glob(os.path.join(d, "runs.csv")) or
            glob.glob(os.path.join(d, "*", "runs.csv")))[0]
    rows = list(csv.DictReader(open(path)))
    mpps = {(r["config"], r["repeat"]): float(r["mpps"]) for r in rows}
    reps = sorted({r["repeat"] for r in rows})
    modes = sorted({r["config"][5:] for r in rows
                    if r["config"].startswith("ours ")})
    for m in modes:
        def ratio(a, b):
            return [mpps[(a, k)] / mpps[(b, k)] for k in reps
                    if (a, k) in mpps and (b, k) in mpps]
        print("%s %-9s new/old %s  new/stock %s  old/stock %s" % (
            os.path.relpath(d, HERE), m,
            spread(ratio("ours " + m, "ref " + m)),
            spread(ratio("ours " + m, "stock")),
            spread(ratio("ref " + m, "stock"))))
    bad = sum(int(r["lost"]) + int(r["reordered"]) + int(r["duplicates"])
              for r in rows)
    print("  lost + reordered + duplicated: %d in %d runs" % (bad,
                                                            len(rows)))
