#!/bin/bash
# D99p as the larger of a histogram's p99 and the steps' (bench/README-
# adaptive.md, "D99p: the faster of two trackers up, the slower down"),
# against the code before, interleaved: Poisson runs of 2 s with default
# devargs and latency_us=200 at 1% and 10% (OUT/ab-2s), then the issue's
# sweep with runs of 10 s, default devargs (OUT/ab-10s). Hugepages.
#   run.sh NEW_BUILD REF_BUILD OUT
# Then: python3 summary.py OUT/ab-2s [LOAD...], the same for ab-10s, and
# python3 ../amd-budget-tail-20261205/show.py OUT/ab-2s for every repeat.
new=$1
ref=$2
out=$3
cd "$(dirname "$0")/../../.." || exit 1
bench/sweep_both_ways.sh "$out/ab-2s" poisson --build "$new" \
	--ref-build "$ref" --pairs stock,ours,ref \
	--modes adaptive,adaptive+latency_us=200 --loads 1%,10% \
	--repeats 3 --duration 2 --huge || exit 1
for p in const poisson; do
	bench/sweep_both_ways.sh "$out/ab-10s" $p --build "$new" \
		--ref-build "$ref" --pairs stock,ours,ref --modes adaptive \
		--loads 1%,10%,50% --repeats 3 --duration 10 --huge || exit 1
done
