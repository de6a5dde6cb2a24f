#!/usr/bin/env python3
# Per repeat, both runs beside this file: the host's CPU (the consumer,
# guest -> host), p99 and its bound (the L + B the queue reported; the
# stock pair did not run), D99 and the sleeps, for the 2048-entry tx ring
# ("ours") and the unchanged build ("ref"), at 10% and 50% of 19.5 Mpps.
import csv
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
for run in ("first", "second"):
    rows = list(csv.DictReader(open(glob.glob(
        os.path.join(HERE, run, "*", "runs.csv"))[0])))
    for load in ("10%", "50%"):
        for cfg, name in (("ours adaptive", "2048"), ("ref adaptive",
                                                      "1024")):
            rs = [r for r in rows if r["load"] == load and
                  r["config"] == cfg]
            print("%s %s %s: CPU %% %s; p99 us %s; L + B us %s; D99 us %s; "
                  "sleeps %s; lost %d" % (
                      run, load, name,
                      ", ".join("%.1f" % float(r["host_cpu"]) for r in rs),
                      ", ".join("%.0f" % float(r["p99_us"]) for r in rs),
                      ", ".join("%.0f" % (float(r["sink_latency_us"]) +
                                          float(r["sink_sleep_cost_us"]))
                                for r in rs),
                      ", ".join(r["sink_wake_late99_us"] for r in rs),
                      ", ".join(r["host_sleeps"] for r in rs),
                      max(int(r["lost"]) for r in rs)))
