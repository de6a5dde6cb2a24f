#!/bin/bash
# The sweeps of bench/README-adaptive.md, "A nap pays for the notifications it brings",
# on the Intel VM, hugepages, 3 repeats of 2 s, both directions.
#   run.sh plane REF OUT   latency_us against OVS's rule, one build (the
#                          section's first table: 05364dd)
#   run.sh ab NEW REF OUT  the change (NEW) against REF (05364dd), budgets
#                          (share/ab; c-alone/ also had latency_us=60 and
#                          ovs_sleep:500 in --modes)
#   run.sh ab-poisson NEW REF OUT  as ab, Poisson arrivals (share/poisson)
#   run.sh retry NEW REF OUT  the share halved every 256 ms (NEW, ce51f40)
#                          against every 16 ms (REF, effbe5d), both
#                          patterns (retry/)
#   run.sh plane-new BUILD OUT  short budgets against OVS's rule at 1%,
#                          one build (ce51f40; plane-new/)
#   run.sh ends NEW REF OUT  the same at idle and saturation (share/ends;
#                          c-alone/ends also had 50% in --loads)
# Then: python3 bound.py OUT (every repeat, with its bound).
what=$1
pattern=const
cd "$(dirname "$0")/../../.." || exit 1
sweep() {
	bench/sweep_both_ways.sh "$out" "$pattern" "$@" --repeats 3 \
		--duration 2 --huge || exit 1
}
case $what in
plane)
	out=$3
	sweep --build "$2" --pairs stock,ours --loads 1%,10% \
		--modes adaptive,adaptive+latency_us=100,adaptive+latency_us=80,adaptive+latency_us=60,ovs_sleep:500
	out=$3/low
	sweep --build "$2" --pairs stock,ours --loads 1% \
		--modes adaptive+latency_us=50,adaptive+latency_us=40,adaptive+latency_us=30,ovs_sleep:500
	;;
ab)
	out=$4
	sweep --build "$2" --ref-build "$3" --pairs stock,ours,ref \
		--loads 1%,10%,50% \
		--modes adaptive,adaptive+latency_us=50,adaptive+latency_us=40
	;;
ab-poisson)
	out=$4
	pattern=poisson
	sweep --build "$2" --ref-build "$3" --pairs stock,ours,ref \
		--loads 1%,10%,50% \
		--modes adaptive,adaptive+latency_us=50,adaptive+latency_us=40
	;;
plane-new)
	out=$3
	sweep --build "$2" --pairs stock,ours --loads 1% \
		--modes adaptive+latency_us=40,adaptive+latency_us=35,adaptive+latency_us=30,ovs_sleep:500
	;;
retry)
	out=$4
	for pattern in const poisson; do
		sweep --build "$2" --ref-build "$3" --pairs stock,ours,ref \
			--loads 1%,10%,50% --modes adaptive,adaptive+latency_us=40
	done
	;;
ends)
	out=$4
	sweep --build "$2" --ref-build "$3" --pairs stock,ours,ref \
		--loads idle,sat --modes poll,adaptive
	;;
*)
	echo "usage: run.sh plane|plane-new BUILD OUT |" \
		"ab|ab-poisson|retry|ends NEW REF OUT" >&2
	exit 2
	;;
esac
