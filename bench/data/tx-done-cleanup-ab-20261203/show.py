"""Per-repeat Mpps ratios, new build / the commit before (README.md)."""
import csv
import os
import statistics

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "runs.csv"))))
by = {}
for r in rows:
    by.setdefault(r["config"], {})[int(r["repeat"])] = float(r["mpps"])
for new, old in (("ours poll", "ref poll"),
                 ("guest-only poll", "ref-guest-only poll")):
    rat = [by[new][k] / by[old][k] for k in sorted(by[new])]
    print("%s / %s: %.3f [%.3f-%.3f]" % (new, old, statistics.median(rat),
                                         min(rat), max(rat)))
print("lost+reordered+duplicates: %d" % sum(
    int(float(r["lost"])) + int(float(r.get("reordered") or 0)) +
    int(float(r.get("duplicates") or 0)) for r in rows))
