#!/bin/bash
# The issue's sweep at 0ea51df on the Intel VM (bench/README-adaptive.md,
# "The issue's sweep at 0ea51df"): the stock pair, adaptive with default
# devargs and OVS's rule at idle, 1%, 10% and 50%, both directions,
# constant and Poisson arrivals, 4 repeats of 2 s, hugepages.
#   run.sh BUILD OUT
# Then: python3 ../intel-late-taught-20261205/show.py OUT
build=$1
out=$2
cd "$(dirname "$0")/../../.." || exit 1
for p in const poisson; do
	bench/sweep_both_ways.sh "$out" $p --build "$build" \
		--pairs stock,ours --modes adaptive,ovs_sleep:500 \
		--loads idle,1%,10%,50% --repeats 4 --duration 2 --huge || exit 1
done
