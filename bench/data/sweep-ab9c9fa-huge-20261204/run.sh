#!/bin/bash
cd /work/main
common="--build /tmp/b-main --pairs stock,ours --modes poll,adaptive,ovs_sleep:500 --repeats 3 --duration 2 --huge"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads idle,1%,10%,50%,sat --pattern const --out /tmp/sc-ab9/const-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads idle,1%,10%,50%,sat --pattern const --reverse --out /tmp/sc-ab9/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads 1%,10%,50% --pattern poisson --out /tmp/sc-ab9/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --loads 1%,10%,50% --pattern poisson --reverse --out /tmp/sc-ab9/poisson-h2g
echo done
