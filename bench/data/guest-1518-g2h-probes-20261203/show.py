#!/usr/bin/env python3
# Every number of README.md and of bench/README-guest.md's section on
# these probes, from the runs beside this file: per sweep, bench/
# ratio_table.py's table against the stock pair, then against the
# unchanged build's guest with the same stock host (its "median of
# per-repeat" column is the per-repeat ratio, median [min-max]), and the
# generator's transmit calls per packet sent.
import glob
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import load, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv"))):
    rows = load(d)
    print("## %s\n" % os.path.basename(os.path.dirname(d)))
    print(table(rows, "sat", digits=3) + "\n")
    print("against the unchanged build's guest-only poll:\n")
    print(table(rows, "sat", ref="ref-guest-only poll", digits=3) + "\n")
