#!/usr/bin/env python3
# Per repeat, new / old and each against stock, for the four sweeps here
# (notx/: no transmit lookahead against eb910ac; pw/: prefetchw against
# no lookahead), printed by ../intel-tx-prefetchw-20261204/show.py.
import glob
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [sys.argv[0]] + sorted(glob.glob(os.path.join(HERE, "*", "*huge")))
runpy.run_path(os.path.join(HERE, "..", "intel-tx-prefetchw-20261204",
                            "show.py"), run_name="__main__")
