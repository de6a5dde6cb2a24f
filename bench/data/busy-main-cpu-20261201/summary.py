#!/usr/bin/env python3
# Medians [min-max] of startup.csv (run.sh) per build and setting, in us.
import csv
import os
import statistics as st

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "startup.csv"))))
print("| build | setting | samples | wake-up (B) | round CPU (C/2) "
      "| notification (N) | bound move (M) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for b in ("old", "new"):
    for s in ("quiet", "busy", "busy-here"):
        rs = [r for r in rows if r["build"] == b and r["setting"] == s]
        cells = []
        for k in ("wake_ns", "sleep_cpu_ns", "notify_ns", "bound_ns"):
            v = [int(r[k]) / 1000 for r in rs]
            cells.append("%.1f [%.1f-%.1f]" % (st.median(v), min(v), max(v)))
        print("| %s | %s | %d | %s |" % (b, s, len(rs), " | ".join(cells)))
