#!/bin/bash
# The issue-10 sweep of sweep-ab9c9fa-huge-20261204/run.sh, on an Intel
# machine (a clone of eb910ac built in /tmp/fc/build); the results are
# copied here after.
cd /tmp/fc || exit 1
common="--build /tmp/fc/build --pairs stock,ours --modes poll,adaptive,ovs_sleep:500 --repeats 3 --duration 2 --huge"
out=/tmp/sc-intel
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads idle,1%,10%,50%,sat --pattern const --out $out/const-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads idle,1%,10%,50%,sat --pattern const --reverse --out $out/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads 1%,10%,50% --pattern poisson --out $out/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads 1%,10%,50% --pattern poisson --reverse --out $out/poisson-h2g
echo done
