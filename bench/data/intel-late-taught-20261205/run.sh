#!/bin/bash
# The sweeps of bench/README-adaptive.md, "What the wake-ups taught", on the
# Intel VM, hugepages, 3 repeats of 2 s, both directions.
#   run.sh plane NEW REF OUT [PATTERN]  short budgets and OVS's rule at 1%,
#                          the change (NEW) against REF (0b7acff)
#   run.sh ab NEW REF OUT [PATTERN]  the default and latency_us=40 at 1%,
#                          10% and 50%
#   run.sh ends NEW REF OUT  poll and the default, idle and saturation
#   run.sh sat NEW REF OUT  poll and the default at saturation, 7 repeats
# PATTERN: const (default) or poisson. Then: python3 show.py OUT.
what=$1
pattern=${5:-const}
out=$4
cd "$(dirname "$0")/../../.." || exit 1
sweep() {
	bench/sweep_both_ways.sh "$out" "$pattern" "$@" --build "$NEW" \
		--ref-build "$REF" --pairs stock,ours,ref \
		--repeats "${REPEATS:-3}" --duration 2 --huge || exit 1
}
NEW=$2
REF=$3
case $what in
plane)
	sweep --loads 1% --modes adaptive+latency_us=30,adaptive+latency_us=35,adaptive+latency_us=40,adaptive+latency_us=50,ovs_sleep:500
	;;
ab)
	sweep --loads 1%,10%,50% --modes adaptive,adaptive+latency_us=40
	;;
ends)
	sweep --loads idle,sat --modes poll,adaptive
	;;
sat)
	REPEATS=7 sweep --loads sat --modes poll,adaptive
	;;
*)
	echo "usage: run.sh plane|ab|ends|sat NEW REF OUT [PATTERN]" >&2
	exit 2
	;;
esac
