#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-round ratios of a bench/virtio_user_vs_spin.sh CSV: for each
metric, virtio_spin / virtio_user of the same round, as the median
[first quartile - third quartile] and min-max, then each frontend's
Mpps round by round.

usage: paired.py CSV
"""
import csv
import statistics
import sys


def main(path):
    with open(path) as f:
        d = {(int(r["round"]), r["frontend"], r["metric"]): float(r["mpps"])
             for r in csv.DictReader(f)}
    rounds = sorted({k[0] for k in d})
    present = {k[2] for k in d}  # a run with --metrics has fewer
    for m in [m for m in ("io", "g2h", "h2g") if m in present]:
        rat = sorted(d[(k, "virtio_spin", m)] / d[(k, "virtio_user", m)]
                     for k in rounds)
        q = [rat[int(f * (len(rat) - 1))] for f in (0.25, 0.75)]
        print("%s median %.3f [%.3f-%.3f] min %.3f max %.3f" % (
            m, statistics.median(rat), q[0], q[1], rat[0], rat[-1]))
        for fe in ("virtio_user", "virtio_spin"):
            print("  %-12s %s" % (fe, " ".join(
                "%.1f" % d[(k, fe, m)] for k in rounds)))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    main(sys.argv[1])
