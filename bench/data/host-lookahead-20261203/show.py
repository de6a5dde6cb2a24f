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
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import against_ref, load, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv")) +
                glob.glob(os.path.join(HERE, "*", "*", "runs.csv"))):
    rows = load(d)
    print("## %s\n" % os.path.relpath(os.path.dirname(d), HERE))
    print(table(rows, "sat", digits=3) + "\n")
    print(against_ref(rows) + "\n")
