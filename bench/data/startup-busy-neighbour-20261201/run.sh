#!/bin/sh
# The start-up measurement of two builds, each sample a fresh process,
# quiet and with a thread spinning on every other CPU (--busy), the builds
# and settings interleaved:
#   run.sh OLD_BUILD NEW_BUILD [REPEATS] > runs.csv
# OLD_BUILD: 994d604 with bench/startup_cost.c added; NEW_BUILD: 22b80e3.
set -e
old=$1 new=$2 reps=${3:-10}
echo "build,rep,busy,wake_ns,sleep_cpu_ns,notify_ns,bound_ns"
for r in $(seq 0 $((reps - 1))); do
	for b in old new; do
		eval dir=\$$b
		for busy in "" --busy; do
			"$dir/bench/startup_cost" $busy |
				sed "s/^busy=\([0-9]*\) wake_ns=\([0-9]*\) sleep_cpu_ns=\([0-9]*\) notify_ns=\([0-9]*\) bound_ns=\([0-9]*\)$/$b,$r,\1,\2,\3,\4,\5/"
		done
	done
done
