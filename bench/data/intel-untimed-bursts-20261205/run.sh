#!/bin/bash
# The sweeps of bench/README-adaptive.md, "Full bursts go untimed", on the
# Intel VM: the change (NEW) against the commit before it (REF), both
# PMDs of each build, interleaved.
#   run.sh sat NEW REF OUT [--huge]  poll and adaptive at saturation, 9
#                                    repeats of 2 s, both directions
#   run.sh loads NEW REF OUT         adaptive at idle, 1%, 10% and 50%,
#                                    3 repeats, hugepages, both directions
#   run.sh perf NEW REF OUT          the host's profile at saturation
#                                    (stock guest, adaptive, 3 s)
# Then: python3 show.py OUT/*.
what=$1
NEW=$2
REF=$3
out=$4
shift 4
cd "$(dirname "$0")/../../.." || exit 1
case $what in
sat)
	bench/sweep_both_ways.sh "$out" const --build "$NEW" \
		--ref-build "$REF" --pairs ours,ref --modes poll,adaptive \
		--loads sat --repeats 9 --duration 2 "$@"
	;;
loads)
	bench/sweep_both_ways.sh "$out" const --build "$NEW" \
		--ref-build "$REF" --pairs ours,ref --modes adaptive \
		--loads idle,1%,10%,50% --repeats 3 --duration 2 --huge
	;;
perf)
	flock /tmp/vspin-bench.lock python3 bench/sweep.py --build "$NEW" \
		--ref-build "$REF" --pairs host-only,ref-host-only \
		--modes adaptive --loads sat --repeats 1 --duration 3 \
		--perf-record --perf-process host --out "$out/perf"
	;;
*)
	echo "usage: run.sh sat|loads|perf NEW REF OUT [--huge]" >&2
	exit 2
	;;
esac
