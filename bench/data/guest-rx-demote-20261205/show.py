#!/usr/bin/env python3
# Every number of bench/README-guest.md's section "The host's writes into
# our receive buffers, from the shared cache", from the runs beside this
# file. In each sweep the build under test gives the pairs 'ours' and
# 'guest-only' (its guest with our host and with stock net_vhost), the
# unchanged build 9ee13d2 gives 'ref' and 'ref-guest-only': new / old
# per repeat, median [min-max], how many repeats the new build was ahead
# in, and each guest with the stock host against the stock pair.
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import num, per_repeat, sweeps, table  # noqa: E402


def show(name, pr):
    print("%-44s %.3f [%.3f-%.3f], ahead in %d of %d"
          % (name, statistics.median(pr), pr[0], pr[-1],
             sum(x > 1 for x in pr), len(pr)))


for d, rows, by in sweeps(HERE):
    print("## %s\n" % d)
    if not any(r["load"] == "sat" for r in rows):
        # paced loads: the receiving guest's thread and the p99, per run
        for r in rows:
            print("%-4s %-14s repeat %s: guest CPU %5.1f%%, p99 %6.1f us"
                  % (r["load"], r["config"], r["repeat"],
                     num(r, "guest_cpu"), num(r, "p99_us")))
        print()
        bad = sum(int(r["lost"] or 0) + int(r["reordered"] or 0) +
                  int(r["duplicates"] or 0) for r in rows)
        print("%d runs, packets lost, reordered or duplicated: %d\n"
              % (len(rows), bad))
        continue
    print(table(rows, "sat", digits=3) + "\n")
    for mode in ("poll", "adaptive"):
        for new, old, what in (("ours", "ref", "ours-ours"),
                               ("guest-only", "ref-guest-only",
                                "with the stock host")):
            a, b = "%s %s" % (new, mode), "%s %s" % (old, mode)
            if a in by and b in by:
                show("new / old, %s, %s" % (what, mode),
                     per_repeat(by[a], by[b]))
        for g in ("guest-only", "ref-guest-only"):
            c = "%s %s" % (g, mode)
            if c in by and "stock" in by:
                show("%s %s / stock" % (g, mode),
                     per_repeat(by[c], by["stock"]))
    bad = sum(int(r["lost"] or 0) + int(r["reordered"] or 0) +
              int(r["duplicates"] or 0) for r in rows)
    print("%d runs, packets lost, reordered or duplicated: %d\n"
          % (len(rows), bad))
