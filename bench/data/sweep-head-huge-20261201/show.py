#!/usr/bin/env python3
# One table of the four sweeps beside this file (or in the directory
# given, which has the same four: const-g2h, const-h2g, poisson-g2h,
# poisson-h2g): per load, the consumer's CPU % / p99 us (medians of the
# repeats) for stock, adaptive and ovs_sleep:500, and adaptive's bound per
# repeat (stock's p99 in that repeat + the L and B its queue reported):
# how many repeats were within.
import csv
import glob
import os
import statistics as st
import sys

HERE = (sys.argv[1] if len(sys.argv) > 1 else
        os.path.dirname(os.path.abspath(__file__)))


def med(v):
    return st.median(v) if v else float("nan")


print("| sweep | load | stock | adaptive | ovs_sleep:500 | adaptive within "
      "stock p99 + L + B |")
print("| --- | --- | --- | --- | --- | --- |")
for name in ("const-g2h", "const-h2g", "poisson-g2h", "poisson-h2g"):
    rows = list(csv.DictReader(open(glob.glob(
        os.path.join(HERE, name, "*", "runs.csv"))[0])))
    cpu = "host_cpu" if name.endswith("g2h") else "guest_cpu"
    for load in ("idle", "1%", "10%", "50%", "sat"):
        def cell(config, rows=rows, load=load):
            rs = [r for r in rows if r["config"] == config and
                  r["load"] == load]
            if not rs:
                return None, rs
            c = med([float(r[cpu]) for r in rs])
            if load == "sat":
                return "%.2f Mpps" % med([float(r["mpps"]) for r in rs]), rs
            if load == "idle":
                return "%.1f%%" % c, rs
            return "%.1f%% / %.0f" % (c, med([float(r["p99_us"])
                                             for r in rs])), rs
        s, srs = cell("stock")
        a, ars = cell("ours adaptive")
        o, _ = cell("ours ovs_sleep:500")
        if a is None:
            continue
        within = "-"
        if load not in ("idle", "sat"):
            ok = 0
            for r in ars:
                st_r = [x for x in srs if x["repeat"] == r["repeat"]]
                bound = float(st_r[0]["p99_us"]) + \
                    float(r["sink_latency_us"]) + float(r["sink_sleep_cost_us"])
                ok += float(r["p99_us"]) <= bound
            within = "%d of %d" % (ok, len(ars))
        print("| %s | %s | %s | %s | %s | %s |" % (name, load, s, a, o,
                                                  within))
