#!/bin/sh
# The start-up measurement of two builds, each sample a fresh process:
# quiet, with a thread spinning on every other CPU (--busy), and with one
# spinning on the process's own CPU (--busy-here); builds and settings
# interleaved:
#   run.sh OLD_BUILD NEW_BUILD [REPEATS] > startup.csv
# OLD_BUILD: 248d18a with this bench/startup_cost.c; NEW_BUILD: the tries
# on every CPU in turn.
set -e
old=$1 new=$2 reps=${3:-10}
echo "build,rep,setting,wake_ns,sleep_cpu_ns,notify_ns,bound_ns"
for r in $(seq 0 $((reps - 1))); do
	for b in old new; do
		eval dir=\$$b
		for s in quiet --busy --busy-here; do
			arg=$s
			[ "$s" = quiet ] && arg=
			"$dir/bench/startup_cost" $arg |
				sed "s/^busy=[0-9]* wake_ns=\([0-9]*\) sleep_cpu_ns=\([0-9]*\) notify_ns=\([0-9]*\) bound_ns=\([0-9]*\)$/$b,$r,${s#--},\1,\2,\3,\4/"
		done
	done
done
