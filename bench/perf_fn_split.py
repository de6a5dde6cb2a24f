#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ns per delivered packet by function, from a sweep run with
--perf-record: Debian's DPDK libraries ship without symbols for their
static functions (perf shows bare addresses), so the samples of LIB are
grouped by the function ranges of its .eh_frame (readelf) and named by the
nearest exported symbol where there is one (fn_<start> otherwise).

    bench/perf_fn_split.py DIR [--side host|guest] [--lib PATH] [--top N]

DIR holds runs.csv and the per-run reports (DIR/logs/*-SIDE.perf.txt or,
once copied out for committing, DIR/*-SIDE.perf.txt). Prints, per
configuration, the median over repeats of each function's ns a packet.
"""

import argparse
import bisect
import collections
import os
import re
import statistics
import subprocess

from perf_per_pkt import profiled_runs

DEFAULT_LIB = "/lib/x86_64-linux-gnu/librte_vhost.so.23"


def function_ranges(lib):
    """Sorted (start, end) of every FDE, and {start: exported name}."""
    frames = subprocess.run(["readelf", "-wf", lib], capture_output=True,
                            text=True, check=True).stdout
    ranges = sorted((int(a, 16), int(b, 16)) for a, b in re.findall(
        r"FDE cie=\w+ pc=([0-9a-f]+)\.\.([0-9a-f]+)", frames))
    names = {}
    nm = subprocess.run(["nm", "-D", "--defined-only", lib],
                        capture_output=True, text=True, check=True).stdout
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names[int(parts[0], 16)] = parts[2]
    return ranges, names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--side", default="host", choices=("host", "guest"))
    ap.add_argument("--lib", default=DEFAULT_LIB)
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()

    ranges, names = function_ranges(args.lib)
    starts = [r[0] for r in ranges]
    libname = os.path.basename(args.lib).split(".so")[0]

    def function(addr):
        i = bisect.bisect_right(starts, addr) - 1
        if i < 0 or addr >= ranges[i][1]:
            return "?0x%x" % addr
        return names.get(ranges[i][0], "fn_%x" % ranges[i][0])

    cost = collections.defaultdict(lambda: collections.defaultdict(list))
    configs = []
    for config, _, path, npkt in profiled_runs(args.dir, args.side):
        if config not in configs:
            configs.append(config)
        with open(path) as f:
            text = f.read()
        events = re.findall(r"Event count \(approx\.\): (\d+)", text)
        if not events:
            continue
        ns_total = int(events[-1])  # cpu-clock: ns sampled
        acc = collections.Counter()
        # The last table of the report is sorted by symbol.
        for line in text.split("# Overhead")[-1].splitlines():
            m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)", line)
            if not m:
                continue
            pct, dso, kind, sym = m.groups()
            if kind == "k":
                sym = "[kernel]"
            elif dso.split(".so")[0] == libname and sym.startswith("0x"):
                sym = function(int(sym, 16))
            else:
                sym = "%s:%s" % (dso.split(".so")[0], sym)
            acc[sym] += float(pct)
        for sym, pct in acc.items():
            cost[config][sym].append(pct / 100 * ns_total / npkt)

    configs = [c for c in configs if c in cost]
    med = {c: {s: statistics.median(v) for s, v in cost[c].items()}
           for c in configs}
    syms = sorted({s for c in configs for s in med[c]},
                  key=lambda s: -max(med[c].get(s, 0) for c in configs))
    width = [max(16, len(c) + 2) for c in configs]
    print("%-44s" % "ns/packet (median of repeats)" +
          "".join("%*s" % (w, c) for w, c in zip(width, configs)))
    for s in syms[:args.top]:
        print("%-44s" % s[:44] + "".join(
            "%*.1f" % (w, med[c].get(s, 0)) for w, c in zip(width, configs)))
    print("%-44s" % "all sampled" + "".join(
        "%*.1f" % (w, sum(med[c].values())) for w, c in zip(width, configs)))


if __name__ == "__main__":
    main()
