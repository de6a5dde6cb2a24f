#!/bin/bash
# Adaptive's naps to the ring's room (the event index at the room's end)
# against naps to its half, in one sweep per direction and pattern.
# /tmp/base is c5ede52 (build /tmp/base-b); /tmp/kroom the same with the
# change (build /tmp/kroom-b). Results copied here after.
cd /work/main || exit 1
common="--build /tmp/kroom-b --ref-build /tmp/base-b --pairs stock,ours,ref --repeats 3 --duration 2 --huge"
for d in g2h h2g; do
	rev=""
	[ $d = h2g ] && rev=--reverse
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes poll,adaptive --loads idle,1%,10%,50%,sat \
		--pattern const --out /tmp/nap-room/const-$d
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes adaptive --loads 1%,10%,50% \
		--pattern poisson --out /tmp/nap-room/poisson-$d
done
echo done
