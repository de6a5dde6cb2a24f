#!/bin/bash
# Adaptive's naps to the ring's room against naps to its half, in one
# sweep per direction and pattern. Usage: run.sh [NEW_BUILD [OUT]].
# /tmp/base-b is c5ede52's build. The top four directories: NEW_BUILD
# /tmp/kroom-b (c5ede52 with 0c736cc's change), OUT /tmp/nap-room;
# final/: run-final.sh. Results copied here after.
new=${1:-/tmp/kroom-b}
out=${2:-/tmp/nap-room}
cd /work/main || exit 1
common="--build $new --ref-build /tmp/base-b --pairs stock,ours,ref --repeats 3 --duration 2 --huge"
for d in g2h h2g; do
	rev=""
	[ $d = h2g ] && rev=--reverse
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes poll,adaptive --loads idle,1%,10%,50%,sat \
		--pattern const --out $out/const-$d
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $rev \
		--modes adaptive --loads 1%,10%,50% \
		--pattern poisson --out $out/poisson-$d
done
echo done
