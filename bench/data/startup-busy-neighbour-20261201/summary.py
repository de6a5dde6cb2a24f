#!/usr/bin/env python3
# Medians [min-max] of runs.csv per build and setting, in us.
import csv
import os
import statistics as st

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "runs.csv"))))
print("| build | helper's CPU | samples | wake-up (B) | round CPU (C/2) "
      "| notification (N) | bound move (M) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for b in ("old", "new"):
    for busy in (False, True):
        rs = [r for r in rows if r["build"] == b and
              (r["busy"] != "0") == busy]
        cells = []
        for k in ("wake_ns", "sleep_cpu_ns", "notify_ns", "bound_ns"):
            v = [int(r[k]) / 1000 for r in rs]
            cells.append("%.1f [%.1f-%.1f]" % (st.median(v), min(v), max(v)))
        print("| %s | %s | %d | %s |" % (b, "busy" if busy else "idle",
                                        len(rs), " | ".join(cells)))
