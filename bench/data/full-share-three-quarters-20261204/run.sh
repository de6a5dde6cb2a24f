#!/bin/bash
cd /work/main
c="--build /tmp/b-main --ref-build /tmp/b-ref2 --pairs ours,ref --modes poll,adaptive --loads 10%,50%,sat --repeats 3 --duration 2 --huge"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $c --pattern poisson --reverse --out /tmp/ab-full/poisson-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $c --pattern poisson --out /tmp/ab-full/poisson-g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $c --pattern const --reverse --out /tmp/ab-full/const-h2g
flock /tmp/vspin-bench.lock python3 bench/sweep.py $c --pattern const --out /tmp/ab-full/const-g2h
echo done
