#!/bin/bash
# bench/sweep.py once each way under the bench lock: the guest generating
# (OUT/PATTERN-g2h), then the host (--reverse, OUT/PATTERN-h2g). The data
# directories' run.sh call it with their sweeps' arguments.
#   sweep_both_ways.sh OUT PATTERN [sweep.py arguments...]
# OUT is taken from the repository's top directory.
out=$1
pattern=$2
shift 2
cd "$(dirname "$0")/.." || exit 1
for d in g2h h2g; do
	rev=""
	[ $d = h2g ] && rev=--reverse
	flock /tmp/vspin-bench.lock python3 bench/sweep.py "$@" $rev \
		--pattern "$pattern" --out "$out/$pattern-$d" || exit 1
done
