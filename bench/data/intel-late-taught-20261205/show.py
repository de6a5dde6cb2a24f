#!/usr/bin/env python3
"""Every repeat of the sweeps under DIR (run.sh): per direction, load and
configuration, the consumer's CPU %, the p99 latency, its sleeps and
the idle periods it planned as batches or spun through (busy), and for
adaptive runs the issue's bound, the stock p99 of the same repeat + L + B.

    show.py DIR [LOAD...]
"""
import csv
import glob
import os
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    top = sys.argv[1]
    loads = sys.argv[2:]
    for path in sorted(glob.glob(os.path.join(top, "*", "*", "runs.csv"))):
        g2h = "g2h" in path
        print(os.path.relpath(path, top))
        runs = rows(path)
        stock = {(r["load"], r["repeat"]): r for r in runs
                 if r["config"] == "stock"}
        for r in runs:
            if r["config"] == "stock" or (loads and r["load"] not in loads):
                continue
            side = "host" if g2h else "guest"
            cpu = float(r[side + "_cpu"])
            line = (f"  {r['load']:>4} {r['config']:34} {r['repeat']} "
                    f"cpu {cpu:5.1f}")
            if r["load"] == "sat":
                # The producer's notifications: the guest's kicks (g2h)
                # or the host's calls (h2g), per million packets.
                note = r["kicks_per_mpkt" if g2h else "calls_per_mpkt"]
                note = f"{float(note):.2f}" if note else "-"
                line += f" {float(r['mpps']):.3f} Mpps, {note} notif/Mpkt"
            else:
                line += f" p99 {float(r['p99_us']):6.1f}"
            line += f" sleeps {r[side + '_sleeps'] or '-':>6}"
            if r["sink_idle_batches"]:
                line += (f" batches {r['sink_idle_batches']:>6}"
                         f" busy {r['sink_idle_busy_spins']:>6}")
            s = stock.get((r["load"], r["repeat"]))
            if "adaptive" in r["config"] and s and s["p99_us"] and \
                    r["sink_latency_us"]:
                bound = (float(s["p99_us"]) + float(r["sink_latency_us"])
                         + float(r["sink_sleep_cost_us"]))
                ok = "within" if float(r["p99_us"]) <= bound else "OVER"
                line += f" bound {bound:.0f} {ok}"
            if int(r["lost"]) or int(r["reordered"]) or int(r["duplicates"]):
                line += " LOST/REORDERED/DUPLICATED"
            print(line)
        saturation(runs)
        against_ovs(runs, "host_cpu" if g2h else "guest_cpu")


def against_ovs(runs, cpu):
    """Issue 10's third point, per pair, load and repeat: the budgets
    whose run used less CPU than OVS's rule at an equal or lower p99."""
    for pair in ("ours", "ref"):
        ovs = {(r["load"], r["repeat"]): r for r in runs
               if r["config"] == f"{pair} ovs_sleep:500"}
        for (load, rep), o in sorted(ovs.items()):
            ahead = [r["config"].split("+")[-1] for r in runs
                     if r["config"].startswith(f"{pair} adaptive")
                     and r["load"] == load and r["repeat"] == rep
                     and float(r[cpu]) < float(o[cpu])
                     and float(r["p99_us"]) <= float(o["p99_us"])]
            print(f"  {load} {pair} repeat {rep}: OVS's rule "
                  f"{float(o[cpu]):.1f}% at {float(o['p99_us']):.1f} us; "
                  f"ahead: {', '.join(ahead) or 'none'}")


def saturation(runs):
    """Adaptive / poll of the same pair and repeat at saturation."""
    mpps = {(r["config"], r["repeat"]): float(r["mpps"]) for r in runs
            if r["load"] == "sat"}
    for pair in ("ours", "ref"):
        ratios = [mpps[(f"{pair} adaptive", rep)] / mpps[(f"{pair} poll", rep)]
                  for (cfg, rep) in sorted(mpps)
                  if cfg == f"{pair} poll" and (f"{pair} adaptive", rep) in mpps]
        if ratios:
            med = sorted(ratios)[len(ratios) // 2]
            print(f"  sat {pair} adaptive / poll per repeat: "
                  + ", ".join(f"{x:.3f}" for x in ratios)
                  + f" (median {med:.3f})")


if __name__ == "__main__":
    main()
