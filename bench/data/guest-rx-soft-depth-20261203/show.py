#!/usr/bin/env python3
# Every number of README.md and of bench/README-guest.md's section
# on this try, from the runs beside this file
# (bench/ratio_table.py's show_sweeps(): per sweep, its table against the
# stock pair, then each mode of the changed build over the
# unchanged one, per repeat, median [min-max]).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import show_sweeps  # noqa: E402

show_sweeps(HERE)
