#!/usr/bin/env python3
# Every table of README.md, from the runs beside this file: each sweep
# against the stock pair (the per-repeat column is the one read there).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import show_sweeps  # noqa: E402

show_sweeps(HERE, ref="guest-only poll")
