#!/bin/bash
# Adaptive with longer rings on the Intel machine of
# ../sweep-eb910ac-intel-huge-20261204 (clone of eb910ac in /tmp/fc).
cd /tmp/fc || exit 1
common="--build /tmp/fc/build --pairs stock,ours --modes adaptive --repeats 3 --duration 2 --huge --loads 1%,10%,50%,sat"
out=/tmp/ring-intel
for ring in 4096 2048; do
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --ring $ring --pattern const --out $out/ring$ring-const-g2h
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --ring $ring --pattern const --reverse --out $out/ring$ring-const-h2g
done
echo done
