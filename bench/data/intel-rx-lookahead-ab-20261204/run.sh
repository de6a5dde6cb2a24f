#!/bin/bash
# The receive-side lookahead choosing its depth (four lines or the whole
# packet) by an online A/B of its own loop (lib/vspin/vspin_ab.h), against
# a3c4010 (pair 'ref', four lines always), on the Intel machine: a clone
# of the change built in /tmp/ab-new/build, a clone of a3c4010 in
# /tmp/ref-a3c/build. The same sweeps as
# ../intel-rx-lookahead-small-pages-20261204/run.sh. Results copied here
# after; the host's rx_q0_lookahead_lines of each run is in its
# logs/*-host.json (not committed), summarised in depth.txt.
cd /tmp/ab-new || exit 1
out=/tmp/abla
common="--build /tmp/ab-new/build --ref-build /tmp/ref-a3c/build --pairs stock,ours,ref --modes poll,spin:20,adaptive --loads sat --repeats 5 --duration 1"
for mem in "" --huge; do
	tag=${mem:+huge-}
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --out $out/${tag}1518-g2h
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --reverse --out $out/${tag}1518-h2g
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --reverse --mbuf-size 512 --out $out/${tag}1518-h2g-mbuf512
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --out $out/${tag}64-g2h
done
echo done
