#!/bin/bash
# The sweeps of bench/README-adaptive.md, "Exploring at the least C", on the
# Intel VM, hugepages, 3 repeats of 2 s, both directions.
#   run.sh ab NEW REF OUT [PATTERN]   the default at 1%, 10% and 50%
#   run.sh plane NEW REF OUT [PATTERN]  short budgets and OVS's rule at 1%
#   run.sh sat NEW REF OUT            poll and the default at idle and
#                                     saturation, 7 repeats
# NEW is the change, REF the commit before it. PATTERN: const (default) or
# poisson. Then: python3 ../intel-late-taught-20261205/show.py OUT.
what=$1
out=$4
pattern=${5:-const}
cd "$(dirname "$0")/../../.." || exit 1
sweep() {
	bench/sweep_both_ways.sh "$out" "$pattern" "$@" --build "$NEW" \
		--ref-build "$REF" --pairs stock,ours,ref \
		--repeats "${REPEATS:-3}" --duration 2 --huge || exit 1
}
NEW=$2
REF=$3
case $what in
ab)
	sweep --loads 1%,10%,50% --modes adaptive
	;;
plane)
	sweep --loads 1% --modes adaptive+latency_us=30,adaptive+latency_us=40,ovs_sleep:500
	;;
sat)
	REPEATS=7 sweep --loads idle,sat --modes poll,adaptive
	;;
*)
	echo "usage: run.sh ab|plane|sat NEW REF OUT [PATTERN]" >&2
	exit 2
	;;
esac
