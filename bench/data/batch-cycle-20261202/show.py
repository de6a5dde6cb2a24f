#!/usr/bin/env python3
"""Print the tables of README.md from the runs.csv files beside this script.

Per sweep (build, fixed rate, direction): the consumer's CPU and p99 at
the paced load, per repeat, for the new build (ours) and the one before
(ref), and at saturation adaptive / poll per repeat for each.
"""
import csv
import glob
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def cells(rows, cfg, load, key):
    return [float(r[key]) for r in rows
            if r["config"] == cfg and r["load"] == load and r[key] != ""]


def fmt(v, f="%.0f"):
    return "%s (med %s)" % (", ".join(f % x for x in v),
                            f % statistics.median(v) if v else "-")


print("| build | sweep | ours CPU % | ref CPU % | ours p99 us | ref p99 us "
      "| sat adaptive/poll ours | ref |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for build in ("quarter", "eighth"):
    for d in sorted(glob.glob(os.path.join(HERE, build, "s*-*", "*"))):
        sweep = os.path.basename(os.path.dirname(d))
        rows = list(csv.DictReader(open(os.path.join(d, "runs.csv"))))
        cpu = "guest_cpu" if sweep.endswith("h2g") else "host_cpu"
        mpps = int(sweep[1:3]) / 2
        out = [build, "%s, %.1f Mpps" % (sweep[4:], mpps)]
        for key in (cpu, "p99_us"):
            for cfg in ("ours adaptive", "ref adaptive"):
                out.append(fmt(cells(rows, cfg, "50%", key)))
        for side in ("ours", "ref"):
            a = cells(rows, side + " adaptive", "sat", "mpps")
            p = cells(rows, side + " poll", "sat", "mpps")
            out.append(fmt([x / y for x, y in zip(a, p)], "%.2f"))
        print("| " + " | ".join(out) + " |")

print()
print("| saturation, 01436ba (ours) against d8f750c (ref) | repeats | ours "
      "adaptive / poll | ref adaptive / poll | ours adaptive / ref "
      "adaptive | notifications per million, worst, ours / ref |")
print("| --- | --- | --- | --- | --- | --- |")


def spread(v):
    return "%.3f [%.2f-%.2f]" % (statistics.median(v), min(v), max(v))


for d in sorted(glob.glob(os.path.join(HERE, "sat", "*", "*"))):
    rows = list(csv.DictReader(open(os.path.join(d, "runs.csv"))))
    m = {c: cells(rows, c, "sat", "mpps") for c in
         ("ours adaptive", "ours poll", "ref adaptive", "ref poll")}

    def notes(cfg):
        return max(float(r["kicks_per_mpkt"] or 0) +
                   float(r["calls_per_mpkt"] or 0)
                   for r in rows if r["config"] == cfg)

    print("| %s | %d | %s | %s | %s | %.2f / %.2f |" % (
        os.path.basename(os.path.dirname(d)), len(m["ours poll"]),
        spread([a / b for a, b in zip(m["ours adaptive"], m["ours poll"])]),
        spread([a / b for a, b in zip(m["ref adaptive"], m["ref poll"])]),
        spread([a / b for a, b in zip(m["ours adaptive"],
                                      m["ref adaptive"])]),
        notes("ours adaptive"), notes("ref adaptive")))

print()
print("| Poisson, 9.5 Mpps, 01436ba (ours) against d8f750c (ref) | stock "
      "CPU % | ours CPU % | ref CPU % | stock p99 us | ours p99 us | ref "
      "p99 us |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for d in sorted(glob.glob(os.path.join(HERE, "poisson", "*", "*"))):
    direction = os.path.basename(os.path.dirname(d))
    rows = list(csv.DictReader(open(os.path.join(d, "runs.csv"))))
    cpu = "guest_cpu" if direction == "h2g" else "host_cpu"
    out = [direction]
    for key in (cpu, "p99_us"):
        for cfg in ("stock", "ours adaptive", "ref adaptive"):
            out.append(fmt(cells(rows, cfg, "50%", key)))
    print("| " + " | ".join(out) + " |")
