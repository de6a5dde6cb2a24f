#!/usr/bin/env python3
# Each run's largest and 99th-percentile latency, from a bench/sweep.py
# output directory's logs (the sink's JSON report: the consumer's side),
# as CSV: sweep,run,max_ms,p99_us. The logs stay out of git; this file's
# output for the sweeps cited in README.md is max_latency.csv.
#   max_latency.py NAME=SWEEP_DIR...
import glob
import json
import os
import sys

print("sweep,run,max_ms,p99_us")
for arg in sys.argv[1:]:
    name, d = arg.split("=", 1)
    for f in sorted(glob.glob(os.path.join(d, "logs", "*_r*-*.json"))):
        lat = json.load(open(f)).get("latency_ns")
        if not isinstance(lat, dict):
            continue  # the generator's report
        run = os.path.basename(f)[:-len(".json")]
        print("%s,%s,%.1f,%.0f" % (name, run, lat["max"] / 1e6,
                                   lat["p99"] / 1e3))
