#!/usr/bin/env python3
# Every number of bench/README-guest.md's section "Our host prefetches
# the guest's next packets", from the runs beside this file (and under
# probes/): per sweep,
# bench/ratio_table.py's table against the stock pair and against the
# build before the change (pairs "ref"), then the new build over the old
# one per repeat, median [min-max], per mode; and the runs that lost,
# reordered or duplicated a packet.
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from ratio_table import against_ref, load, table  # noqa: E402

for d in sorted(glob.glob(os.path.join(HERE, "*", "runs.csv")) +
                glob.glob(os.path.join(HERE, "*", "*", "runs.csv"))):
    rows = load(d)
    print("## %s\n" % os.path.relpath(os.path.dirname(d), HERE))
    print(table(rows, "sat", digits=3) + "\n")
    print(against_ref(rows) + "\n")
    # Profiled runs: the host's samples on the library's copy (librte_vhost
    # 22.11.11 at 0x8dabc) and in our rx_burst (the lookahead is inlined
    # there), as % of samples and as ns per packet (the host core is busy
    # all the time at saturation).
    mpps = {"%s_sat_r%s" % (r["config"].replace(" ", "_"), r["repeat"]):
            float(r["mpps"]) for r in rows}
    for f in sorted(glob.glob(os.path.join(os.path.dirname(d), "perf",
                                           "*.perf.txt"))):
        txt = open(f).read()
        run = re.search(r"\d+-(.*)-host", os.path.basename(f)).group(1)
        for what, pat in (("copy", "0x000000000008dabc"),
                          ("vhost_spin_rx_burst", "vhost_spin_rx_burst")):
            pct = float(re.search(r"^\s+([\d.]+)%.*" + pat, txt,
                                  re.M).group(1))
            print("perf %s: %s %.2f%% of samples, %.1f ns a packet at "
                  "%.2f Mpps" % (run, what, pct, pct * 10 / mpps[run],
                                 mpps[run]))
    print()
