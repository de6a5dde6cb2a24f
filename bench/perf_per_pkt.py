#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-packet cost of each library in the guest, from a sweep run with
--perf-record: for every run, the guest's cpu-clock samples per shared
object (perf report --sort dso) times the sampled time, divided by the
packets of the run; medians per configuration.

    bench/perf_per_pkt.py bench/results/<stamp>

The PMD's own ns per packet (librte_net_virtio*.so) is the number to
compare: it excludes the application, EAL's set-up and the kernel. Time a
PMD spends polling an empty ring or a full one (its peer slower or
descheduled) counts too: compare configurations of the same sweep.
"""

import csv
import glob
import os
import re
import statistics
import sys


def dso_table(path):
    """{dso: percent} and the event count (ns) of the dso-sorted report."""
    with open(path) as f:
        text = f.read()
    first = text.split("# Overhead", 2)
    m = re.search(r"Event count \(approx\.\): (\d+)", text)
    total = int(m.group(1)) if m else 0
    out = {}
    if len(first) < 2:
        return out, total
    for line in first[1].splitlines()[1:]:
        if line.startswith("#"):
            if out:
                break
            continue
        m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if m:
            out[m.group(2)] = float(m.group(1))
    return out, total


def profiled_runs(d, side="guest"):
    """(label, repeat, report path, packets) of every run of sweep d
    whose SIDE process was profiled: the report sweep.py wrote for the run
    (logs/NNN-TAG-SIDE.perf.txt, or beside runs.csv once copied out for
    committing), TAG being the run's config-load-rRepeat as sweep.py
    names it. label: the config, and its load unless saturation."""
    with open(os.path.join(d, "runs.csv")) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        tag = re.sub(r"[^A-Za-z0-9]+", "_", "%s-%s-r%s" %
                     (r["config"], r["load"], r["repeat"]))
        name = "[0-9][0-9][0-9]-%s-%s.perf.txt" % (tag, side)
        found = (glob.glob(os.path.join(d, "logs", name)) +
                 glob.glob(os.path.join(d, name)))
        if found and int(r["packets"]) > 0:
            label = r["config"]
            if r["load"] != "sat":
                label += " " + r["load"]
            yield label, int(r["repeat"]), found[0], int(r["packets"])


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: bench/perf_per_pkt.py SWEEP_DIR\n\n" +
              __doc__.strip())
        return 0 if sys.argv[1:] in (["-h"], ["--help"]) else 2
    per = {}
    for cfg, _, p, pkts in profiled_runs(sys.argv[1]):
        dsos, total = dso_table(p)
        pmd = sum(v for k, v in dsos.items() if "net_virtio" in k)
        app = dsos.get("vspin-traffic", 0.0)
        mb = sum(v for k, v in dsos.items()
                 if "mbuf" in k or "mempool" in k)
        per.setdefault(cfg, []).append((
            pmd / 100 * total / pkts, app / 100 * total / pkts,
            mb / 100 * total / pkts, total / pkts))
    print("| guest | runs | PMD ns/pkt | app ns/pkt | mbuf+mempool "
          "ns/pkt | all sampled ns/pkt |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for cfg, v in per.items():
        cols = [statistics.median(x[i] for x in v) for i in range(4)]
        print("| %s | %d | %s |" % (cfg, len(v), " | ".join(
            "%.1f" % c for c in cols)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
