#!/bin/bash
# The kept rule (19d6c17: naps to the ring's room where the room outlasts
# D99 and C) against c5ede52, as run.sh. /tmp/fc6 is a fresh clone of
# 19d6c17 (build /tmp/fc6/build); /tmp/base-b is c5ede52. Results copied
# to final/ after.
cd /work/main || exit 1
common="--build /tmp/fc6/build --ref-build /tmp/base-b --pairs stock,ours,ref --repeats 3 --duration 2 --huge"
for d in g2h h2g; do
	rev=""
	[ $d = h2g ] && rev=--reverse
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes poll,adaptive --loads idle,1%,10%,50%,sat \
		--pattern const --out /tmp/nap-final/const-$d
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes adaptive --loads 1%,10%,50% \
		--pattern poisson --out /tmp/nap-final/poisson-$d
done
echo done
