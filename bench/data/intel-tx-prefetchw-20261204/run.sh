#!/bin/bash
# The committed change (the working tree of /work/main built in
# /tmp/b-main) as "ours" against eb910ac (/tmp/fc/build) as "ref", host ->
# guest, on the Intel machine. Results copied here.
cd /tmp/fc || exit 1
common="--build /tmp/b-main --ref-build /tmp/fc/build --pairs stock,ours,ref --modes poll,spin:20,adaptive --loads sat --repeats 7 --duration 1 --reverse"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --size 1514 --huge --out /tmp/pwc/1518-huge
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --size 1514 --out /tmp/pwc/1518-nohuge
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --size 1514 --mbuf-size 512 --out /tmp/pwc/1518-mrg-nohuge
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --out /tmp/pwc/64-nohuge
echo done
