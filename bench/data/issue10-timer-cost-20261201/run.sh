#!/bin/sh
# The probe of README.md: builds the two programs in a temporary folder,
# then three interleaved repeats of every way to sleep at the shape of the
# 10 % cell (a batch every 113 us, bound 338 us) and of the 1 % cell (one
# every 480 us, bound 480 us: no expiry can be kept), the kept bound at
# longer bounds, and settime_cost twice. Output: stdout (results.txt).
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$bin/timer_cost" \
	"$here/timer_cost.c" -lpthread
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$bin/settime_cost" \
	"$here/settime_cost.c"
echo "# $(date -u '+%F %T UTC'), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in 1 2 3; do
	for shape in "113 338" "480 480"; do
		for way in none far each kept kept2 setcan ppoll slack; do
			"$bin/timer_cost" $way $shape 3
		done
	done
	for bound in 450 600 1000; do
		"$bin/timer_cost" kept 113 $bound 3
	done
done
"$bin/settime_cost"
"$bin/settime_cost"
echo "# end $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
