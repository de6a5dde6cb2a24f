#!/usr/bin/env python3
# The table of bench/README-adaptive.md, "Ring 256 against 1024 at one
# offered load": per direction, load and ring, over every sweep's repeats,
# the consumer's CPU (median [min-max]), its wake-ups a second, packets a
# wake-up, thread ns a packet, p99 (median [max]), the stock pair's p99,
# the runs whose p99 stays within the stock pair's in the same repeat plus
# the L and B the queue reported, Mpps (sat), and the worst lost +
# reordered + duplicated. Sweeps r<RING>[-rev]-<N>/: ring 0 is each PMD's
# default (256), 1024 is --ring 1024 for both pairs.
import csv
import glob
import os
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))
rows = {}
for f in glob.glob(os.path.join(HERE, "r*-*", "*", "runs.csv")):
    sweep = os.path.basename(os.path.dirname(os.path.dirname(f)))
    d = "h2g" if "-rev-" in sweep else "g2h"
    ring = sweep.split("-")[0][1:]
    runs = list(csv.DictReader(open(f)))
    stock = {(r["load"], r["repeat"]): float(r["p99_us"])
             for r in runs if r["config"] == "stock"}
    for r in runs:
        r["stock_p99"] = stock.get((r["load"], r["repeat"]), float("nan"))
        rows.setdefault((d, r["load"], ring, r["config"]), []).append(r)

print("| direction | load | ring | consumer CPU % | wake-ups/s | "
      "packets/wake-up | ns/pkt | p99 us [max] | stock p99 us | "
      "p99 within stock + L + B | Mpps | lost+reord+dup |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
      "| --- |")
order = {"1%": 0, "10%": 1, "50%": 2, "sat": 3}
for key in sorted(rows, key=lambda k: (k[0], order[k[1]], int(k[2]))):
    d, load, ring, cfg = key
    if cfg == "stock":
        continue
    rs = rows[key]
    side = "guest" if d == "h2g" else "host"
    cpu = [float(r[side + "_cpu"]) for r in rs]
    mpps = [float(r["mpps"]) for r in rs]
    secs = [float(r["packets"]) / (m * 1e6) for r, m in zip(rs, mpps)]
    wakes = [float(r[side + "_wakeups"] or 0) for r in rs]
    p99 = [float(r["p99_us"]) for r in rs]
    ok = sum(float(r["p99_us"]) <= r["stock_p99"] +
             float(r["sink_latency_us"]) + float(r["sink_sleep_cost_us"])
             for r in rs if r["sink_latency_us"])
    bad = max(int(r["lost"]) + int(r["reordered"]) + int(r["duplicates"])
              for r in rs)
    print("| %s | %s | %s | %.1f [%.1f-%.1f] | %.0f | %.0f | %.0f | "
          "%.0f [%.0f] | %.0f | %s | %s | %d |" % (
              d, load, "256" if ring == "0" else ring, st.median(cpu),
              min(cpu), max(cpu),
              st.median(w / s for w, s in zip(wakes, secs)),
              st.median(float(r["packets"]) / max(1.0, w)
                        for r, w in zip(rs, wakes)),
              st.median(c / 100 * 1e3 / m for c, m in zip(cpu, mpps)),
              st.median(p99), max(p99),
              st.median(r["stock_p99"] for r in rs),
              "%d of %d" % (ok, len(rs)) if load != "sat" else "-",
              "%.2f" % st.median(mpps) if load == "sat" else "-", bad))
