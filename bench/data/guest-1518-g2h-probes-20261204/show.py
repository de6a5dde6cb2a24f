#!/usr/bin/env python3
# Every number of bench/README-guest.md's section on these probes, from
# the runs beside this file. In each sweep the unchanged build's guest
# is pair guest-only and the probe's guest is ref-guest-only (both with
# the stock host): the table against "guest-only poll" gives probe /
# unchanged per repeat in its "median of per-repeat" column.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import show_sweeps  # noqa: E402

show_sweeps(HERE, ref="guest-only poll")
