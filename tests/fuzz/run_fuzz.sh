#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run a libFuzzer target for a bounded time over the committed seed corpus
# (read-only: new inputs go to a scratch directory); fails on any crash,
# leak, sanitizer report or timeout. Artifacts (crash-*) land in ARTIFACTS.
# usage: run_fuzz.sh FUZZER CORPUS ARTIFACTS [SECONDS [RUNS]]
set -eu
case "${1:-}" in
-h | --help | "")
	echo "usage: run_fuzz.sh FUZZER CORPUS ARTIFACTS [SECONDS [RUNS]]"
	echo "Runs FUZZER (libFuzzer) for SECONDS (30) or RUNS (2000000) over"
	echo "CORPUS (read-only); fails on a crash, whose input goes to ARTIFACTS."
	[ -n "${1:-}" ]
	exit
	;;
esac
fuzzer=$1 corpus=$2 artifacts=$3 secs=${4:-30} runs=${5:-2000000}
if [ ! -x "$fuzzer" ]; then
	echo "fuzzer not built: $fuzzer" >&2
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$secs" -runs="$runs" -max_len=4097 \
	-timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$work" "$corpus"
