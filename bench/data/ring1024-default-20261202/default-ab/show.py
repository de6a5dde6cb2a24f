#!/usr/bin/env python3
# The table of bench/README-adaptive.md, "Ring 256 against 1024 at one
# offered load", second part: the build whose adaptive guest defaults to a
# 1024-entry ring ("ours") against the build before it ("ref", 256) and the
# stock pair (256), interleaved in each sweep ab[-rev]-<N>/. Per direction
# and load: the consumer's CPU, p99 (median [max]), the runs whose p99 is
# within the stock pair's in the same repeat plus the L and B the queue
# reported; at saturation Mpps and ours / ref per repeat; the worst lost +
# reordered + duplicated.
import csv
import glob
import os
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))
rows = {}
for f in sorted(glob.glob(os.path.join(HERE, "ab*", "*", "runs.csv"))):
    sweep = os.path.basename(os.path.dirname(os.path.dirname(f)))
    d = "h2g" if "-rev-" in sweep else "g2h"
    runs = list(csv.DictReader(open(f)))
    by = {(r["config"], r["load"], r["repeat"]): r for r in runs}
    for r in runs:
        r["stock"] = by.get(("stock", r["load"], r["repeat"]))
        r["ref"] = by.get(("ref adaptive", r["load"], r["repeat"]))
        rows.setdefault((d, r["load"], r["config"]), []).append(r)


def fmt(v):
    return "%.1f [%.1f-%.1f]" % (st.median(v), min(v), max(v))


print("| direction | load | build | ring | consumer CPU % | p99 us [max] | "
      "within stock p99 + L + B | Mpps | / ref per repeat | lost+reord+dup |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
order = {"1%": 0, "10%": 1, "50%": 2, "sat": 3}
for key in sorted(rows, key=lambda k: (k[0], order[k[1]], k[2])):
    d, load, cfg = key
    if cfg == "stock":
        continue
    rs = rows[key]
    side = "guest" if d == "h2g" else "host"
    cpu = [float(r[side + "_cpu"]) for r in rs]
    p99 = [float(r["p99_us"]) for r in rs]
    ok = sum(float(r["p99_us"]) <= float(r["stock"]["p99_us"]) +
             float(r["sink_latency_us"]) + float(r["sink_sleep_cost_us"])
             for r in rs)
    sat = load == "sat"
    mpps = [float(r["mpps"]) for r in rs]
    rat = [float(r["mpps"]) / float(r["ref"]["mpps"]) for r in rs]
    bad = max(int(r["lost"]) + int(r["reordered"]) + int(r["duplicates"])
              for r in rs)
    print("| %s | %s | %s | %s | %s | %.0f [%.0f] | %s | %s | %s | %d |" % (
        d, load, "new" if cfg.startswith("ours") else "old",
        "1024" if cfg.startswith("ours") else "256", fmt(cpu),
        st.median(p99), max(p99), "-" if sat else "%d of %d" % (ok, len(rs)),
        "%.2f [%.2f-%.2f]" % (st.median(mpps), min(mpps), max(mpps))
        if sat else "-",
        "%.3f [%.3f-%.3f]" % (st.median(rat), min(rat), max(rat))
        if sat and cfg.startswith("ours") else "-", bad))
