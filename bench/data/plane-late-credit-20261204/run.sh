#!/bin/bash
# The CPU-against-p99 plane at 1% and 10% with the lateness counted
# (/tmp/b-main: the working tree that became ab9c9fa),
# short budgets against OVS's rule and the stock pair; tables: python3
# bench/data/tradeoff-1491707-huge-20261202/show.py THIS_DIRECTORY
cd /work/main
out=${1:-/tmp/plane-late-credit}
common="--build /tmp/b-main --pairs stock,ours --modes adaptive+latency_us=40,adaptive+latency_us=50,adaptive+latency_us=60,ovs_sleep:500 --loads 1%,10% --repeats 3 --duration 2 --huge"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --out $out/const-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --reverse --out $out/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --out $out/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --reverse --out $out/poisson-h2g
echo done
# Then latency_us=60 at 1% for both builds beside OVS's rule (ab60-*):
# bench/sweep.py --build /tmp/b-main --ref-build /tmp/b-ref (d4d8190)
#   --pairs stock,ours,ref --modes adaptive+latency_us=60,ovs_sleep:500
#   --loads 1% --repeats 3 --duration 2 --huge --pattern const|poisson
#   [--reverse] --out $out/ab60-{const,poisson}-{g2h,h2g}
