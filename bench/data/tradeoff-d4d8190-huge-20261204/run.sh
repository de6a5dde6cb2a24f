#!/bin/bash
# latency_us against OVS's rule at d4d8190 (build of /work/main at that
# commit in /tmp/b-main); the tables: python3
# bench/data/tradeoff-1491707-huge-20261202/show.py THIS_DIRECTORY
cd /work/main
out=${1:-/tmp/tradeoff-d4d}
common="--build /tmp/b-main --pairs stock,ours --modes adaptive,adaptive+latency_us=100,adaptive+latency_us=70,adaptive+latency_us=50,adaptive+latency_us=30,ovs_sleep:500 --loads 1%,10%,50% --repeats 3 --duration 2 --huge"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --out $out/const-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern const --reverse --out $out/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --out $out/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --reverse --out $out/poisson-h2g
echo done
