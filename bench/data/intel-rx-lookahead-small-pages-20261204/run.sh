#!/bin/bash
# The receive-side lookahead fetching whole packets in guest memory of
# small pages, against a3c4010 (pair 'ref'), on the Intel machine: a
# clone of the change built in /tmp/rxla-new/build, a clone of a3c4010
# in /tmp/ref-a3c/build. The 1518 B sweeps are the cells the change
# touches (receive side) or could (transmit side: the lookahead is now
# inlined into each burst function); 64 B is below the lookahead's
# threshold, a control. Results copied here after.
cd /tmp/rxla-new || exit 1
out=/tmp/rxla
common="--build /tmp/rxla-new/build --ref-build /tmp/ref-a3c/build --pairs stock,ours,ref --modes poll,spin:20,adaptive --loads sat --repeats 5 --duration 1"
for mem in "" --huge; do
	tag=${mem:+huge-}
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --out $out/${tag}1518-g2h
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --reverse --out $out/${tag}1518-h2g
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --size 1514 --reverse --mbuf-size 512 --out $out/${tag}1518-h2g-mbuf512
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --out $out/${tag}64-g2h
done
echo done
