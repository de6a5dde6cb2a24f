#!/bin/bash
# A variant of D99p's histogram (halflife-1s.patch or hist-only-4s.patch,
# applied to a fresh clone of 68c63e7 and built) against 68c63e7,
# interleaved, hugepages: Poisson runs of 2 s at 1% and 10%, both
# directions, default devargs, latency_us=100 and 200, and OVS's rule.
#   run.sh NEW_BUILD REF_BUILD OUT
# Then: python3 ../amd-budget-tail-20261205/show.py OUT
new=$1
ref=$2
out=$3
cd "$(dirname "$0")/../../.." || exit 1
bench/sweep_both_ways.sh "$out" poisson --build "$new" \
	--ref-build "$ref" --pairs stock,ours,ref \
	--modes adaptive,adaptive+latency_us=100,adaptive+latency_us=200,ovs_sleep:500 \
	--loads 1%,10% --repeats 3 --duration 2 --huge
