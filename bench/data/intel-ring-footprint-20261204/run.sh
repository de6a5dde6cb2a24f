#!/bin/bash
# Adaptive below poll at 1518 B host -> guest saturation on the Intel
# machine: the guest's ring size, not the policy. A clone at 6b1208a
# (the build of /work/main's HEAD then), both ring sizes, poll and
# adaptive, our pair and our guest with the stock host; 3 repeats.
cd /tmp/ab-new || exit 1
out=/tmp/ringfp
for r in 256 1024; do
	flock /tmp/vspin-bench.lock python3 bench/sweep.py --build /tmp/ab-new/build --pairs ours,guest-only --modes poll,adaptive --loads sat --repeats 3 --duration 1 --size 1514 --reverse --ring $r --out $out/ring$r
done
flock /tmp/vspin-bench.lock python3 bench/sweep.py --build /tmp/ab-new/build --pairs ours --modes poll,adaptive,adaptive+sleep=never --loads sat --repeats 3 --duration 1 --size 1514 --reverse --out $out/default
echo done
