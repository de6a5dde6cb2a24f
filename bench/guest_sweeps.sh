#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Issue 11's measurements in one command: the guest data path against the
# stock pair (virtio_user + net_vhost) at saturation, every pair and mode
# interleaved within each sweep, then the ratio tables.
#
#   bench/guest_sweeps.sh [REF_BUILD] [REPEATS] [SWEEP_ARGS...]
#
# REF_BUILD: a build of older code (e.g. the commit before issue 11) whose
# guest and host run as pairs 'ref' and 'ref-guest-only' in the same
# sweeps; "" or omitted for stock, ours and guest-only only. REPEATS
# default 5. SWEEP_ARGS go to every sweep, e.g. --huge (users run
# hugepages; the issue's command does not).
# Results: bench/results/<stamp>/ per sweep; on stdout each sweep's
# table, then one row per sweep (ratio_table.py --scorecard).
set -e
case "${1:-}" in
-h | --help)
	echo "usage: bench/guest_sweeps.sh [REF_BUILD] [REPEATS] [SWEEP_ARGS...]"
	sed -n '3,15s/^# \{0,1\}//p' "$0"
	exit 0
	;;
esac
cd "$(dirname "$0")/.."
REF=${1:-}
REPEATS=${2:-5}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
PAIRS=stock,ours,guest-only
if [ -n "$REF" ]; then
	PAIRS=$PAIRS,ref,ref-guest-only
	set -- --ref-build "$REF" "$@"
fi
run() {
	python3 bench/sweep.py --pairs "$PAIRS" --modes poll,spin:20,adaptive \
		--loads sat --repeats "$REPEATS" --duration 1 "$@" 2>&1 |
		sed -n 's/^results: //p' | tail -1
}
OUT=""
OUT="$OUT $(run "$@")"                                     # 64 B, guest -> host
OUT="$OUT $(run "$@" --reverse)"                           # 64 B, host -> guest
OUT="$OUT $(run "$@" --size 1514)"                         # 1518 B frames
OUT="$OUT $(run "$@" --size 1514 --reverse)"
OUT="$OUT $(run "$@" --size 1514 --mbuf-size 512 --reverse)" # mergeable, 3 segments
for d in $OUT; do
	python3 bench/ratio_table.py "$d"
done
# shellcheck disable=SC2086 # one directory per word
python3 bench/ratio_table.py --scorecard $OUT
