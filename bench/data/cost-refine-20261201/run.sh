#!/bin/sh
# The start-up measurement with every CPU busy (a spinner on each, this
# process's own included), then 3 s later with them gone: what the later
# tries (1 and 2 s after the start-up) left held. Each sample a fresh
# process:
#   run.sh BUILD [REPEATS] > startup.csv
set -e
build=$1 reps=${2:-10}
echo "rep,when,generation,wake_ns,sleep_cpu_ns,notify_ns,bound_ns"
for r in $(seq 0 $((reps - 1))); do
	"$build/bench/startup_cost" --busy-everywhere --then 3 |
		sed -e "s/^busy=[0-9]* /$r,start,,/" \
			-e "s/^after_s=3 generation=\([0-9]*\) /$r,3s,\1,/" \
			-e "s/ *[a-z_]*=\([0-9]*\)/\1,/g" -e "s/,$//"
done
