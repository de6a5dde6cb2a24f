#!/bin/bash
cd /work/main
common="--build /tmp/b-main --pairs stock,ours --modes adaptive,adaptive+latency_us=150,adaptive+latency_us=100 --repeats 3 --duration 2 --huge --loads 1%,10%"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --out /tmp/h1/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --pattern poisson --reverse --out /tmp/h1/poisson-h2g
echo done
