#!/bin/bash
# The sweeps of bench/README-adaptive.md, "A longer tx ring" (4096), on the
# Intel VM: NEW (the adaptive guest's tx ring 4096 entries) against REF
# (2048), both PMDs of each build, interleaved, 2 s runs.
#   run.sh NAME NEW REF OUT    NAME: one of the directories below, or all
# Then: python3 ../intel-late-taught-20261205/show.py OUT and
# python3 ../intel-untimed-bursts-20261205/show.py OUT/*sat*.
name=$1
NEW=$2
REF=$3
out=$4
cd "$(dirname "$0")/../../.." || exit 1
one() {
	local n=$1
	shift
	flock /tmp/vspin-bench.lock python3 bench/sweep.py --build "$NEW" \
		--ref-build "$REF" --duration 2 --out "$out/$n" "$@" || exit 1
}
for n in const-g2h sat-g2h nohuge-sat-g2h nohuge-g2h; do
	[ "$name" = all ] || [ "$name" = $n ] || continue
	case $n in
	const-g2h)
		one $n --pairs stock,ours,ref --modes adaptive \
			--loads 1%,10%,50% --repeats 4 --huge
		;;
	sat-g2h)
		one $n --pairs ours,ref --modes poll,adaptive --loads sat \
			--repeats 5 --huge
		;;
	nohuge-sat-g2h)
		one $n --pairs ours,ref --modes poll,adaptive --loads sat \
			--repeats 5
		;;
	nohuge-g2h)
		one $n --pairs stock,ours,ref --modes adaptive \
			--loads 10%,50% --repeats 3
		;;
	esac
done
