#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per direction, config and load: p99 from tx_burst (p99_us) and from
the schedule (p99_sched_us), every repeat, with the consumer's CPU."""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
for direction, cpu in (("g2h", "host_cpu"), ("h2g", "guest_cpu")):
    rows = list(csv.DictReader(open(os.path.join(HERE, direction,
                                                 "runs.csv"))))
    print("## %s (consumer CPU: %s)" % (direction, cpu))
    print("| config | load | p99 us | p99 from the schedule us | CPU % |")
    print("| --- | --- | --- | --- | --- |")
    for c in sorted({r["config"] for r in rows}):
        for load in ("1%", "10%", "50%"):
            sel = [r for r in rows if r["config"] == c and r["load"] == load]

            def col(k):
                return ", ".join("%.0f" % float(r[k]) for r in sel if r[k])
            print("| %s | %s | %s | %s | %s |" % (
                c, load, col("p99_us"), col("p99_sched_us"), col(cpu)))
    print()
