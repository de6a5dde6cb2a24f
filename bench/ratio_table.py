#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Side-by-side table of one or more bench/sweep.py runs against the stock
pair of the same run: Mpps median [min-max], the ratio of medians to stock,
the median of the per-repeat ratios (each repeat's run divided by the
stock run of the same repeat, measured minutes apart at most), and the
guest thread's CPU time per packet (guest_ns_pkt), the number that other
load on the machine changes least, and how often the generator's bursts
met a full ring (gen_full_pct, sweeps since 2026-12-01: the share of its
tx_burst calls that took fewer packets than offered). The generator
retries at once, so a consumer that falls behind for a millisecond adds
every retry of that millisecond: at 1% load the stock pair, its
consumer polling throughout, read 0-21% on the AMD VM
(bench/data/amd-sweep-d9517d8-20261206/). Read it as whether the ring
filled, not how often.

    bench/ratio_table.py bench/results/<stamp>[/runs.csv] ...
    bench/ratio_table.py --scorecard bench/results/<stamp> ...

One markdown table per load, the rows in the order of the first run.
--scorecard: one table for several sweeps at saturation (those of
bench/guest_sweeps.sh), a row per sweep and a column per pair and mode:
ratio of medians / median of per-repeat ratios [min-max], all to stock.
"""

import csv
import glob
import json
import os
import statistics
import sys


def f(v, d=2):
    return "-" if v is None else "%.*f" % (d, v)


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "runs.csv")
    with open(path) as fh:
        return list(csv.DictReader(fh))


def num(r, k):
    try:
        return float(r[k])
    except (KeyError, TypeError, ValueError):
        return None


def per_repeat(runs, base):
    """Sorted ratios run / base over the repeats both have, each a dict
    repeat -> Mpps (a run without a rate is left out)."""
    return sorted(v / base[k] for k, v in runs.items() if v and base.get(k))


def mpps_by_repeat(runs):
    return {k: num(r, "mpps") for k, r in runs.items()}


def table(rows, load_name, ref="stock", digits=2):
    rows = [r for r in rows if r["load"] == load_name]
    order = []
    for r in rows:
        if r["config"] not in order:
            order.append(r["config"])
    by = {}
    for r in rows:
        by.setdefault(r["config"], {})[r["repeat"]] = r
    stock = by.get(ref, {})
    smed = statistics.median([num(r, "mpps") for r in stock.values()]) \
        if stock else None
    sns = [num(r, "guest_ns_pkt") for r in stock.values()
           if num(r, "guest_ns_pkt")]
    sns = statistics.median(sns) if sns else None
    out = ["| pair, mode | n | Mpps median [min-max] | / stock (medians) "
           "| / stock (median of per-repeat) [min-max] | guest ns/pkt "
           "median | / stock | generator's bursts to a full ring % |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in order:
        runs = by[c]
        mpps = sorted(num(r, "mpps") for r in runs.values())
        med = statistics.median(mpps)
        pr = per_repeat(mpps_by_repeat(runs), mpps_by_repeat(stock))
        ns = [num(r, "guest_ns_pkt") for r in runs.values()
              if num(r, "guest_ns_pkt")]
        nsm = statistics.median(ns) if ns else None
        full = [num(r, "gen_full_pct") for r in runs.values()
                if num(r, "gen_full_pct") is not None]
        out.append("| %s | %d | %s [%s-%s] | %s | %s [%s-%s] | %s | %s | %s |"
                   % (
            c, len(mpps), f(med), f(mpps[0]), f(mpps[-1]),
            f(med / smed if smed else None, digits),
            f(statistics.median(pr) if pr else None, digits),
            f(pr[0] if pr else None, digits),
            f(pr[-1] if pr else None, digits),
            f(nsm, 0), f(nsm / sns if nsm and sns else None),
            f(statistics.median(full) if full else None, 1)))
    return "\n".join(out)


def sat_rates(rows):
    """config -> repeat -> Mpps of the saturation runs (a sweep of
    several loads has a run of each config at each load per repeat)."""
    by = {}
    for r in rows:
        if r["load"] == "sat":
            by.setdefault(r["config"], {})[r["repeat"]] = num(r, "mpps")
    return by


def against_ref(rows):
    """Lines: each 'ours MODE' over 'ref MODE' per repeat at saturation, median
    [min-max], then the runs and the packets they lost, reordered or
    duplicated (for the show.py scripts beside committed data)."""
    by = sat_rates(rows)
    out = []
    for c in by:
        if c.startswith("ours ") and "ref " + c[5:] in by:
            old = by["ref " + c[5:]]
            pr = per_repeat(by[c], old)
            out.append("%s / ref %s: %.3f [%.3f-%.3f]" % (
                c, c[5:], statistics.median(pr), pr[0], pr[-1]))
    bad = sum(int(r["lost"] or 0) + int(r["reordered"] or 0) +
              int(r["duplicates"] or 0) for r in rows)
    out.append("%d runs, packets lost, reordered or duplicated: %d" % (
        len(rows), bad))
    return "\n".join(out)


def sweeps(here):
    """Each sweep directory under here, in name order: its name, its runs,
    and their Mpps as config -> repeat -> Mpps."""
    for d in sorted(glob.glob(os.path.join(here, "*", "runs.csv")),
                    key=os.path.dirname):
        rows = load(d)
        yield os.path.basename(os.path.dirname(d)), rows, sat_rates(rows)


def show_sweeps(here, ref=None):
    """For the show.py scripts beside committed data: per sweep directory
    under here, its table against the stock pair at saturation, then
    against the pair ref if given, else each 'ours' mode over 'ref' per
    repeat (against_ref())."""
    for name, rows, _ in sweeps(here):
        print("## %s\n" % name)
        print(table(rows, "sat", digits=3) + "\n")
        if ref:
            print("against %s:\n" % ref)
            print(table(rows, "sat", ref=ref, digits=3) + "\n")
        else:
            print(against_ref(rows) + "\n")


def sweep_label(path):
    """What a sweep measured, from its command line in meta.json."""
    with open(os.path.join(path, "meta.json")) as fh:
        argv = json.load(fh)["command"].split()
    size = argv[argv.index("--size") + 1] if "--size" in argv else "60"
    label = "%d B, %s" % (int(size) + 4, "host -> guest" if "--reverse"
                          in argv else "guest -> host")
    if "--mbuf-size" in argv:
        label += ", %s-byte mbufs" % argv[argv.index("--mbuf-size") + 1]
    return label + (", hugepages" if "--huge" in argv else "")


def scorecard(paths):
    configs, rows = [], []
    for path in paths:
        if path.endswith("runs.csv"):
            path = os.path.dirname(path)
        by = {}
        for r in load(path):
            if r["load"] == "sat":
                by.setdefault(r["config"], {})[r["repeat"]] = num(r, "mpps")
                if r["config"] not in configs and r["config"] != "stock":
                    configs.append(r["config"])
        rows.append((sweep_label(path), by))
    out = ["| sweep | %s |" % " | ".join(configs),
           "| --- |" + " --- |" * len(configs)]
    for label, by in rows:
        stock, cells = by.get("stock", {}), []
        for c in configs:
            runs = by.get(c, {})
            per = per_repeat(runs, stock)
            if not per:
                cells.append("-")
                continue
            med = statistics.median(runs.values()) / \
                statistics.median(stock.values())
            cells.append("%.2f / %.2f [%.2f-%.2f]" % (
                med, statistics.median(per), per[0], per[-1]))
        out.append("| %s | %s |" % (label, " | ".join(cells)))
    return "\n".join(out)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--scorecard":
        print(scorecard(sys.argv[2:]))
        return 0
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help", "--scorecard"):
        print("usage: bench/ratio_table.py [--scorecard] SWEEP_DIR "
              "[SWEEP_DIR...]\n\n" + __doc__.strip())
        return 0 if sys.argv[1:] in (["-h"], ["--help"]) else 2
    for path in sys.argv[1:]:
        rows = load(path)
        print("### %s\n" % path)
        loads = []
        for r in rows:
            if r["load"] not in loads:
                loads.append(r["load"])
        for l in loads:
            print("load %s:\n" % l)
            print(table(rows, l))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
