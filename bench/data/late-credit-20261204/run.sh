#!/bin/bash
# A/B: the wake-up's lateness counted as time away (new: /tmp/b-main, the
# working tree that became ab9c9fa) against d4d8190 (/tmp/b-ref).
# Tables: python3 show.py (in this directory).
cd /work/main
out=${1:-/tmp/late-credit}
common="--build /tmp/b-main --ref-build /tmp/b-ref --pairs ours,ref --modes poll,adaptive,adaptive+latency_us=50,adaptive+latency_us=70 --loads 1%,10%,50%,sat --repeats 3 --duration 2 --huge"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --out $out/const-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --reverse --out $out/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --out $out/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --reverse --out $out/poisson-h2g
echo done
# Then saturation alone, 7 repeats each way (sat-g2h, sat-h2g):
# bench/sweep.py --build /tmp/b-main --ref-build /tmp/b-ref --pairs ours,ref
#   --modes poll,adaptive --loads sat --repeats 7 --duration 2 --huge
#   [--reverse] --out $out/sat-{g2h,h2g}
