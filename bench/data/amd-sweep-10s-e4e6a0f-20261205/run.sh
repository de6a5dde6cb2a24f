#!/bin/bash
# The issue's sweep with runs of 10 s (bench/README-adaptive.md, "The
# issue's sweep with 10 s runs"): the stock pair, adaptive with default
# devargs and OVS's rule at 1%, 10% and 50%, both directions, constant and
# Poisson arrivals, 3 repeats of 10 s, hugepages.
#   run.sh BUILD OUT
# Then: python3 ../intel-late-taught-20261205/show.py OUT
build=$1
out=$2
cd "$(dirname "$0")/../../.." || exit 1
for p in const poisson; do
	bench/sweep_both_ways.sh "$out" $p --build "$build" \
		--pairs stock,ours --modes adaptive,ovs_sleep:500 \
		--loads 1%,10%,50% --repeats 3 --duration 10 --huge || exit 1
done
