#!/usr/bin/env python3
# Every number of bench/README-guest.md's section "Our host
# prefetches the guest's avail line", from the runs beside this file
# (bench/ratio_table.py's show_sweeps(): per sweep, its table against the
# stock pair, then the new build over the old one
# per repeat, median [min-max], per mode; and the runs that lost,
# reordered or duplicated a packet).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import show_sweeps  # noqa: E402

show_sweeps(HERE)
