"""Per config: the consumer's CPU (host in guest -> host, guest in
host -> guest directories, *-h2g) and the p99, median [min-max] over the
repeats, and the most packets lost in a repeat.
    python3 show.py DIR [DIR...]"""
import csv
import statistics as st
import sys

for d in sys.argv[1:]:
    rows = list(csv.DictReader(open(d.rstrip("/") + "/runs.csv")))
    key = "guest_cpu" if d.rstrip("/").endswith("h2g") else "host_cpu"
    print("%s (consumer CPU: %s)" % (d, key))
    for c in sorted(set(r["config"] for r in rows)):
        rs = [r for r in rows if r["config"] == c]
        cpu = [float(r[key]) for r in rs]
        p99 = [float(r["p99_us"]) for r in rs]
        print("  %-30s CPU %5.1f [%5.1f-%5.1f] %%  p99 %7.1f [%7.1f-%8.1f]"
              " us  lost %d" % (c, st.median(cpu), min(cpu), max(cpu),
                                st.median(p99), min(p99), max(p99),
                                max(int(r["lost"]) for r in rs)))
