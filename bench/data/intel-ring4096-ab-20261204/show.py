#!/usr/bin/env python3
# This directory's two sweeps, printed by ../intel-ring-20261204/show.py.
import glob
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [sys.argv[0]] + sorted(glob.glob(os.path.join(HERE, "[gh]2*")))
runpy.run_path(os.path.join(HERE, "..", "intel-ring-20261204", "show.py"),
               run_name="__main__")
