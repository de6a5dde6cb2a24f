#!/bin/bash
# Our host's transmit-side lookahead on the Intel machine: a probe build
# without it (/tmp/fcnotx, no-tx-lookahead.patch on eb910ac) as "ours",
# eb910ac (/tmp/fc) as "ref", 1518 B host -> guest. Results copied here.
cd /tmp/fc || exit 1
common="--build /tmp/fcnotx/build --ref-build /tmp/fc/build --pairs stock,ours,ref --modes poll,adaptive --loads sat --repeats 7 --duration 1 --size 1514 --reverse"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --huge --out /tmp/notx/huge
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --out /tmp/notx/nohuge
# Then the lookahead with a real prefetchw (prefetchw.patch on eb910ac,
# /tmp/fcpw) as "ours" against the probe without it (/tmp/fcnotx) as "ref".
common="--build /tmp/fcpw/build --ref-build /tmp/fcnotx/build --pairs stock,ours,ref --modes poll,adaptive --loads sat --repeats 7 --duration 1 --size 1514 --reverse"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --huge --out /tmp/pw/huge
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --out /tmp/pw/nohuge
echo done
