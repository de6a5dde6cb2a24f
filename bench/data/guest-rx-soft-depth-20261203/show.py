#!/usr/bin/env python3
# Every number of README.md and of bench/README-guest.md's section on
# this try, from the runs beside this file: per sweep, bench/
# ratio_table.py's table against the stock pair, then each mode of the
# changed build over the unchanged one, per repeat, median [min-max].
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import against_ref, load, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv"))):
    rows = load(d)
    print("## %s\n" % os.path.basename(os.path.dirname(d)))
    print(table(rows, "sat", digits=3) + "\n")
    print(against_ref(rows) + "\n")
