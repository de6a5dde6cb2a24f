#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Issue 10, point 1, per adaptive repeat: the consumer's CPU against
load + 10 points, and its p99 (from the schedule and from tx_burst)
against the stock pair's median p99 at that load in the same sweep plus
the repeat's L (sink_latency_us) and B (sink_sleep_cost_us). Every
repeat of the other configs is listed with its CPU and p99s. The
consumer is the host guest -> host and the guest host -> guest (a
directory whose name has h2g in it). `python3 check.py [DIR...]`,
by default every sweep here."""
import csv
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LOADS = ("1%", "10%", "50%")


def num(r, k):
    return float(r[k]) if r.get(k) not in ("", None) else float("nan")


def verdict(ok):
    return "ok" if ok else "NO"


def check(d):
    rows = [r for r in csv.DictReader(open(os.path.join(d, "runs.csv")))
            if r["load"] in LOADS]
    cpu_key = ("guest_cpu" if "h2g" in os.path.basename(d)
               else "host_cpu")
    print("## %s (consumer CPU: %s)" % (os.path.basename(d), cpu_key))
    met = {"cpu": [0, 0], "sched": [0, 0]}
    for load in LOADS:
        stock = [r for r in rows if r["load"] == load and
                 r["config"] == "stock"]
        if not stock and not any(r["load"] == load for r in rows):
            continue
        # No stock pair in the sweep: nothing to check against.
        ref_sched = statistics.median(
            [num(r, "p99_sched_us") for r in stock] or [float("nan")])
        ref_tx = statistics.median(
            [num(r, "p99_us") for r in stock] or [float("nan")])
        for cfg in sorted({r["config"] for r in rows}):
            print("%s %s" % (load, cfg))
            for r in (x for x in rows
                      if x["load"] == load and x["config"] == cfg):
                cpu, tx, sched = (num(r, cpu_key), num(r, "p99_us"),
                                  num(r, "p99_sched_us"))
                line = ("    cpu %5.1f%%  p99 %6.0f us  from the schedule "
                        "%6.0f us  lost %s  minor faults %s" %
                        (cpu, tx, sched, r["lost"],
                         r.get("sink_minor_faults", "")))
                if cfg == "ours adaptive" and stock:
                    slack = num(r, "sink_latency_us") + num(
                        r, "sink_sleep_cost_us")
                    ok_cpu = cpu <= float(load[:-1]) + 10
                    ok_sched = sched <= ref_sched + slack
                    met["cpu"][0] += ok_cpu
                    met["sched"][0] += ok_sched
                    met["cpu"][1] += 1
                    met["sched"][1] += 1
                    line += ("  L + B %.0f us: CPU %s, p99 from the "
                             "schedule %s (stock %.0f), from tx_burst %s "
                             "(stock %.0f)" %
                             (slack, verdict(ok_cpu), verdict(ok_sched),
                              ref_sched, verdict(tx <= ref_tx + slack),
                              ref_tx))
                print(line)
    print("adaptive: CPU within load + 10 in %d of %d, p99 from the "
          "schedule within stock + L + B in %d of %d\n" %
          (met["cpu"][0], met["cpu"][1], met["sched"][0],
           met["sched"][1]))


def main():
    dirs = sys.argv[1:] or sorted(
        os.path.join(HERE, n) for n in os.listdir(HERE)
        if os.path.isfile(os.path.join(HERE, n, "runs.csv")))
    for d in dirs:
        check(d)


if __name__ == "__main__":
    main()
