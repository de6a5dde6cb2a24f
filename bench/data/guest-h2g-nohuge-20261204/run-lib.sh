#!/bin/bash
# 1518 B host -> guest, no-huge: Debian's librte_vhost vs the avail-line probe library, twice each.
cd /work/main
for round in 1 2; do
for lib in deb diag; do
  env_pre=""
  [ $lib = diag ] && env_pre="LD_LIBRARY_PATH=/tmp/vhost-diag-lib"
  flock /tmp/vspin-bench.lock env $env_pre python3 bench/sweep.py --pairs stock,guest-only,ref-guest-only --modes poll --loads sat --repeats 11 --duration 1 --size 1514 --reverse --build /tmp/b-main --ref-build /tmp/b-noev --out /tmp/h2g/$lib-$round > /tmp/h2g/$lib-$round.log 2>&1
done
done
