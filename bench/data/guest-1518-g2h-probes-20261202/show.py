#!/usr/bin/env python3
# Every number of README.md and of bench/README-guest.md's section on
# these probes, from the runs beside this file: per sweep, each pair's
# median Mpps and its per-repeat ratio to the stock pair in the same
# repeat (median [min-max]), the probe build against the unchanged one
# ("guest-only / ref-guest-only") where both ran; per profiled run, the
# host's samples on the copy out of guest memory (librte_vhost 22.11.11
# at 0x8dabc) and in rte_vhost_dequeue_burst itself.
import csv
import glob
import os
import re
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))


def ratios(a, b):
    r = [a[k] / b[k] for k in b if k in a]
    return "%.3f [%.3f-%.3f]" % (st.median(r), min(r), max(r))


for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv"))):
    name = os.path.basename(os.path.dirname(d))
    by = {}
    for r in csv.DictReader(open(d)):
        by.setdefault(r["config"], {})[r["repeat"]] = float(r["mpps"])
    print("## %s (%d repeats)" % (name, len(by["stock"])))
    for c, v in by.items():
        print("  %-20s %6.3f Mpps  / stock %s" % (
            c, st.median(v.values()), ratios(v, by["stock"])))
    for new, old in (("guest-only poll", "ref-guest-only poll"),
                     ("ours poll", "ref poll")):
        if new in by and old in by:
            print("  %s / %s: %s" % (new, old, ratios(by[new], by[old])))
    for f in sorted(glob.glob(os.path.join(os.path.dirname(d), "perf",
                                           "*.perf.txt"))):
        txt = open(f).read()
        copy = re.search(r"^\s+([\d.]+)%.*0x000000000008dabc", txt, re.M)
        deq = re.search(r"^\s+([\d.]+)%.*rte_vhost_dequeue_burst", txt,
                        re.M)
        print("  perf %s: copy %s%%, rte_vhost_dequeue_burst %s%%" % (
            os.path.basename(f), copy.group(1), deq.group(1)))
    dist = os.path.join(os.path.dirname(d), "distinct.txt")
    if os.path.exists(dist):
        for line in open(dist):
            run, n = line.split(":", 1)[0], line.rsplit(":", 1)[1].strip()
            print("  %s: %s distinct mbufs allocated" % (run, n))
