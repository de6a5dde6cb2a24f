#!/usr/bin/env python3
# The tables of bench/README-adaptive.md, "A soft depth for the guest's tx
# ring" (guest -> host, the host consumes the guest's transmit ring).
#   ring-sizes/: --ring 256 or 1024 for both guests, saturation, 4 repeats,
#     with and without hugepages, each twice, at 6de055b;
#   sat-nohuge/, sat-huge/: the soft-depth build ("ours": adaptive's tx
#     ring 1024, 256 in flight while the host polls) against 6de055b
#     ("ref": tx ring 256) and the stock pair, saturation, 7 repeats;
#     sat-nohuge-15/: the same at 21fffd4 without the stock pair, 15;
#   light-1..3/: the same two builds, adaptive, at 10% and 50% of a fixed
#     17 Mpps, 4 repeats each;
#   guest-only-02764ce/: our guest with the stock host (4fdce69, the rule
#     of 02764ce) against 6de055b's, saturation, 7 repeats;
#   final-dbb44d6/: the final rule (the event index must have moved), the
#     guest-only and saturation sweeps again and one light sweep.
# Per-repeat ratios divide runs of the same repeat of one sweep.
import csv
import glob
import os
import statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))


def runs(pattern):
    out = []
    for f in sorted(glob.glob(os.path.join(HERE, pattern, "*", "runs.csv"))):
        sweep = os.path.basename(os.path.dirname(os.path.dirname(f)))
        for r in csv.DictReader(open(f)):
            r["sweep"] = sweep
            out.append(r)
    return out


def index(rs):
    return {(r["sweep"], r["config"], r["load"], r["repeat"]): r for r in rs}


def mrange(v, f="%.2f"):
    return (f + " [" + f + "-" + f + "]") % (st.median(v), min(v), max(v))


def per_repeat(rs, idx, cfg, other):
    v = []
    for r in rs:
        if r["config"] != cfg:
            continue
        o = idx.get((r["sweep"], other, r["load"], r["repeat"]))
        if o and float(o["mpps"]) > 0:
            v.append(float(r["mpps"]) / float(o["mpps"]))
    return mrange(v) if v else "-"


def sat_table(title, rs, configs, ratios):
    idx = index(rs)
    print("\n### %s\n" % title)
    print("| pair, mode | runs | Mpps | / stock per repeat | %s | p50 us "
          "(median) | lost+reord+dup (worst) |" % " | ".join(
              "%s per repeat" % n for n, _, _ in ratios))
    print("| --- | ---: | ---: | ---: | %s | ---: | ---: |" %
          " | ".join("---:" for _ in ratios))
    for cfg in configs:
        sel = [r for r in rs if r["config"] == cfg]
        if not sel:
            continue
        cells = [per_repeat(sel, idx, a, b) if a == cfg else ""
                 for _, a, b in ratios]
        bad = max(int(r["lost"]) + int(r["reordered"]) +
                  int(r["duplicates"]) for r in sel)
        print("| %s | %d | %s | %s | %s | %.1f | %d |" % (
            cfg, len(sel), mrange([float(r["mpps"]) for r in sel]),
            per_repeat(sel, idx, cfg, "stock") if cfg != "stock" else "1",
            " | ".join(cells), st.median(float(r["p50_us"]) for r in sel),
            bad))


# 1. Plain rings of 256 and 1024 entries (both guests), saturation.
for mem in ("nohuge", "huge"):
    rs = []
    for ring in ("256", "1024"):
        for r in runs("ring-sizes/%s-r%s-*" % (mem, ring)):
            r["config"] = "%s, ring %s" % (r["config"], ring)
            r["sweep"] = r["sweep"].replace("-r%s-" % ring, "-")
            rs.append(r)
    idx = index(rs)
    for r in rs:  # each ring against its own sweep's stock pair
        ring = r["config"].rsplit(" ", 1)[1]
        s = idx.get((r["sweep"], "stock, ring " + ring, r["load"],
                     r["repeat"]))
        r["stock_mpps"] = s["mpps"] if s else "0"
    print("\n### Plain rings, saturation, %s (2 sweeps of 4 repeats per "
          "ring)\n" % ("--no-huge" if mem == "nohuge" else "hugepages"))
    print("| pair, mode, ring | runs | Mpps | / stock (same ring) per "
          "repeat | p50 us (median) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for cfg in sorted(set(r["config"] for r in rs),
                      key=lambda c: (int(c.rsplit(" ", 1)[1]), c)):
        sel = [r for r in rs if r["config"] == cfg]
        rat = [float(r["mpps"]) / float(r["stock_mpps"]) for r in sel
               if float(r["stock_mpps"]) > 0]
        print("| %s | %d | %s | %s | %.1f |" % (
            cfg, len(sel), mrange([float(r["mpps"]) for r in sel]),
            mrange(rat) if not cfg.startswith("stock") else "1",
            st.median(float(r["p50_us"]) for r in sel)))

# 2. The soft depth at saturation.
for d, what in (("sat-nohuge", "--no-huge, 7 repeats"),
                ("sat-huge", "hugepages, 7 repeats"),
                ("sat-nohuge-15", "--no-huge, 15 repeats, no stock pair")):
    sat_table("Soft depth at saturation, %s" % what, runs(d),
              ("stock", "ours poll", "ours adaptive", "ref poll",
               "ref adaptive"),
              (("/ ref adaptive", "ours adaptive", "ref adaptive"),
               ("/ ours poll", "ours adaptive", "ours poll"),
               ("/ ref poll", "ref adaptive", "ref poll")))

# 3. Light loads: the host consumer's CPU, p99 and wake-ups.
def light_table(pattern, title):
    rs = runs(pattern)
    idx = index(rs)
    print("\n### %s\n" % title)
    print("| load | build | host CPU % median [min-max] | ours - ref per "
          "repeat (points) | p99 us median [max] | within L + B (no "
          "stock pair) | host wake-ups a run (2 s) median | "
          "lost+reord+dup (worst) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for load in ("10%", "50%"):
        for cfg in ("ours adaptive", "ref adaptive"):
            sel = [r for r in rs if r["config"] == cfg and r["load"] == load]
            cpu = [float(r["host_cpu"]) for r in sel]
            p99 = [float(r["p99_us"]) for r in sel]
            diff = "-"
            if cfg == "ours adaptive":
                dv = []
                for r in sel:
                    o = idx.get((r["sweep"], "ref adaptive", load,
                                 r["repeat"]))
                    if o:
                        dv.append(float(r["host_cpu"]) -
                                  float(o["host_cpu"]))
                diff = "%+.1f [%+.1f to %+.1f]" % (st.median(dv), min(dv),
                                                  max(dv))
            ok = sum(float(r["p99_us"]) <= float(r["sink_latency_us"]) +
                     float(r["sink_sleep_cost_us"]) for r in sel)
            wk = [float(r["host_wakeups"]) for r in sel]
            bad = max(int(r["lost"]) + int(r["reordered"]) +
                      int(r["duplicates"]) for r in sel)
            print("| %s | %s | %s | %s | %.0f [%.0f] | %d of %d | %.0f | %d |"
                  % (load, cfg, mrange(cpu, "%.1f"), diff, st.median(p99),
                     max(p99), ok, len(sel), st.median(wk), bad))


light_table("light-*", "Light loads, hugepages, 17 Mpps fixed (3 sweeps of "
            "4 repeats)")

# 4. A stock host (guest-only pair): the rule of 02764ce, then dbb44d6's.
GO = ("stock", "guest-only poll", "guest-only adaptive",
      "ref-guest-only poll", "ref-guest-only adaptive")
GO_RATIOS = (("/ ref-guest-only adaptive", "guest-only adaptive",
              "ref-guest-only adaptive"),)
sat_table("A stock host, saturation, --no-huge, at 4fdce69 (02764ce's "
          "rule; 7 repeats)", runs("guest-only-02764ce"), GO, GO_RATIOS)

# 5. The final rule (dbb44d6), against 6de055b again.
sat_table("dbb44d6: a stock host, saturation, --no-huge (7 repeats)",
          runs("final-dbb44d6/guest-only-sat"), GO, GO_RATIOS)
sat_table("dbb44d6: saturation, --no-huge (7 repeats)",
          runs("final-dbb44d6/sat-nohuge"),
          ("stock", "ours poll", "ours adaptive", "ref poll",
           "ref adaptive"),
          (("/ ref adaptive", "ours adaptive", "ref adaptive"),
           ("/ ours poll", "ours adaptive", "ours poll")))
light_table("final-dbb44d6/light", "dbb44d6: light loads, hugepages, 17 "
            "Mpps fixed (1 sweep of 4 repeats)")
