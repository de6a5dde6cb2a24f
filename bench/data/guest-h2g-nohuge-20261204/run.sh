#!/bin/bash
# Issue 11, host -> guest without hugepages: both sizes, 11 repeats, two rounds.
cd /work/main
for round in 1 2; do
  for size in 64 1514; do
    sz=""; [ $size = 1514 ] && sz="--size 1514"
    flock /tmp/vspin-bench.lock python3 bench/sweep.py --pairs stock,ours,guest-only --modes poll,spin:20,adaptive --loads sat --repeats 11 --duration 1 --reverse $sz --build /tmp/b-main --out /tmp/h2g/s$size-$round > /tmp/h2g/s$size-$round.log 2>&1
  done
done
