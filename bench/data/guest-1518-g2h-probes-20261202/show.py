#!/usr/bin/env python3
# Every number of README.md and of bench/README-guest.md's section on
# these probes, from the runs beside this file: per sweep, bench/
# ratio_table.py's table against the stock pair and, where the unchanged
# build ran too, against it (its "median of per-repeat" column is the
# per-repeat ratio, median [min-max]); per profiled run, the host's
# samples on the copy out of guest memory (librte_vhost 22.11.11 at
# 0x8dabc), in rte_vhost_dequeue_burst itself and after its load of
# avail->idx (0x8ca5e; "0": not among the reported); the distinct mbufs.
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import load, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv"))):
    run = os.path.dirname(d)
    rows = load(d)
    print("## %s\n" % os.path.basename(run))
    print(table(rows, "sat", digits=3) + "\n")
    for ref in ("ref-guest-only poll", "ref poll"):
        if any(r["config"] == ref for r in rows):
            print("against the unchanged build's %s:\n" % ref)
            print(table(rows, "sat", ref=ref, digits=3) + "\n")
    for f in sorted(glob.glob(os.path.join(run, "perf", "*.perf.txt"))):
        txt = open(f).read()
        copy = re.search(r"^\s+([\d.]+)%.*0x000000000008dabc", txt, re.M)
        deq = re.search(r"^\s+([\d.]+)%.*rte_vhost_dequeue_burst", txt,
                        re.M)
        idx = re.search(r"^\s+([\d.]+)%.*0x000000000008ca5e", txt, re.M)
        print("perf %s: copy %s%%, rte_vhost_dequeue_burst %s%%, after "
              "the load of avail->idx (0x8ca5e) %s%%" % (
                  os.path.basename(f), copy.group(1), deq.group(1),
                  idx.group(1) if idx else "under 0.3"))
    dist = os.path.join(run, "distinct.txt")
    if os.path.exists(dist):
        for line in open(dist):
            name, n = line.split(":", 1)[0], line.rsplit(":", 1)[1].strip()
            print("%s: %s distinct mbufs allocated" % (name, n))
    print()
