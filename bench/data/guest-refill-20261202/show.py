#!/usr/bin/env python3
# The tables of README.md from the runs beside this file: per sweep,
# each pair's median Mpps, its per-repeat ratio to the stock pair in the
# same repeat (median [min-max]), and the new build against the old one
# ("X / ref-X"); per profiled run, the host's CPU per packet and the
# samples at the host's load of the guest's avail->idx (librte_vhost
# 22.11.11 at 0x7dd81, the instruction after it), in ns a packet.
import csv
import glob
import json
import os
import re
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))
AVAIL_IDX = "0x000000000007dd81"


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
    for c in by:
        ref = "ref-" + c if c.startswith("guest-only") else "ref " + \
            c.split(" ", 1)[-1] if c.startswith("ours") else None
        if ref in by:
            print("  %s / %s: %s" % (c, ref, ratios(by[c], by[ref])))
    perf = sorted(glob.glob(os.path.join(os.path.dirname(d), "perf",
                                         "*.perf.txt")))
    for f in perf:
        txt = open(f).read()
        ev = int(re.search(r"Event count \(approx\.\): (\d+)", txt).group(1))
        sent = None
        m = re.search(r"^(\d+)-(.*)_sat_r(\d+)-host", os.path.basename(f))
        cfg, rep = m.group(2), m.group(3)
        for r in csv.DictReader(open(d)):
            key = r["config"].replace(" ", "_").replace("-", "_")
            if key == cfg and r["repeat"] == rep:
                sent = float(r["packets"])
        pct = 0.0
        for line in txt.splitlines():
            if AVAIL_IDX in line:
                pct = float(line.split("%")[0])
        ns = ev / sent
        print("  perf %-28s host %.1f ns/pkt, at the avail->idx load %.2f"
              % (cfg + " r" + rep, ns, ns * pct / 100))
