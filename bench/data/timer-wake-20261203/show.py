# Consumer CPU % / p99 us per config and load of one sweep: python3 show.py DIR
import csv, glob, os, statistics, sys
# usage: show.py RESULTS_DIR [consumer host|guest]
d = sys.argv[1]
f = glob.glob(os.path.join(d, "**", "runs.csv"), recursive=True)[0]
meta = open(os.path.join(os.path.dirname(f), "table.md")).read()
rev = "--reverse" in meta
cons = "guest_cpu" if rev else "host_cpu"
rows = list(csv.DictReader(open(f)))
cfgs = []
for r in rows:
    if r["config"] not in cfgs: cfgs.append(r["config"])
loads = []
for r in rows:
    if r["load"] not in loads: loads.append(r["load"])
print("consumer", cons, "| cells: CPU% / p99 us (median of repeats) [Mpps] / kicks per M")
print("| load | " + " | ".join(cfgs) + " |")
for l in loads:
    cells = []
    for c in cfgs:
        rs = [r for r in rows if r["config"] == c and r["load"] == l]
        if not rs: cells.append("-"); continue
        med = lambda k: statistics.median(float(r[k]) for r in rs if r[k] not in ("", None))
        try:
            if l == "sat":
                cells.append("%.2f Mpps (%s)" % (med("mpps"), "%.1f" % med("kicks_per_mpkt") if any(r["kicks_per_mpkt"] for r in rs) else "-"))
            elif l == "idle":
                cells.append("%.1f" % med(cons))
            else:
                cells.append("%.1f / %.0f" % (med(cons), med("p99_us")) + ("" if abs(med("mpps")/med("offered_mpps")-1) < 0.02 else " [%.2f of offered]" % (med("mpps")/med("offered_mpps"))))
        except statistics.StatisticsError:
            cells.append("?")
    print("| %s | %s |" % (l, " | ".join(cells)))
lost = max(int(r["lost"] or 0) for r in rows); reo = max(int(r["reordered"] or 0) for r in rows); dup = max(int(r["duplicates"] or 0) for r in rows)
print("worst lost %d reordered %d duplicates %d over %d runs" % (lost, reo, dup, len(rows)))
