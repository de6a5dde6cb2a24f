#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing (scripts/setup.sh), builds twice (plain, and with AddressSanitizer
# and UndefinedBehaviorSanitizer) and runs every suite. The DPDK suites run
# on the plain build, and a subset of them (suite dpdk-asan) on the
# sanitizer build: the plugins load into Debian's stock testpmd, with the
# ASan runtime preloaded for the latter.
# Ends with one line "tests: N passed, N failed, N skipped".
set -uo pipefail

case "${1:-}" in
-h | --help)
	cat <<'EOF'
usage: scripts/test.sh [meson test options and test names]
Installs what is missing (scripts/setup.sh), builds build/ and build-san/
(ASan+UBSan) and runs every suite; arguments go to `meson test`, e.g.
  scripts/test.sh --suite unit
  scripts/test.sh guest_io_spin
Ends with one line "tests: N passed, N failed, N skipped"; a skipped test
fails the run unless VSPIN_ALLOW_SKIP=1.
EOF
	exit 0
	;;
esac
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)

bash scripts/setup.sh || exit 1

# What EAL leaves after a process exits (its runtime directory, about 2 MB
# on /run, and its hugepage files): every test must remove those of the
# DPDK processes it starts, or a machine's /run fills over many runs.
eal_leftovers() {
	ls -1 /var/run/dpdk 2>/dev/null | sed 's|^|/var/run/dpdk/|'
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r m; do
		ls -1 "$m" 2>/dev/null | sed "s|^|$m/|"
	done
}
eal_before=$(eal_leftovers | sort)

build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		# A set-up cut short leaves a directory meson takes for
		# configured ("already configured") that has no build.ninja.
		rm -rf "$dir"
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
		rm -f "$dir.setup.log"
	elif [ $# -gt 0 ]; then
		# An existing build dir gets this script's options too.
		meson configure "$dir" "$@" >/dev/null ||
			{ echo "meson configure $dir $* failed"; return 1; }
	fi
	ninja -C "$dir" >"$dir/ninja.log" 2>&1 || { cat "$dir/ninja.log"; return 1; }
}

status=0
# -Ddpdk=enabled: the DPDK half (both PMDs, the app) must build; a missing
# prerequisite fails here instead of silently shrinking the suite.
build build -Ddpdk=enabled || exit 1
build build-san -Db_sanitize=address,undefined -Db_lundef=false \
	-Ddpdk=enabled || exit 1

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1
# A run with no matching test writes no log: never count an older one.
rm -f build/meson-logs/testlog.json build-san/meson-logs/testlog.json
# Two tests at a time where a test allows it: every test that starts DPDK
# processes, threads on both cores or checks a wall-clock bound says
# is_parallel: false, and meson runs it alone.
meson test -C build --print-errorlogs --num-processes 2 \
	--no-suite asan-only "$@" || status=1
meson test -C build-san --print-errorlogs --num-processes 2 \
	--no-suite dpdk --no-suite dpdk-asan --no-suite model --no-suite scripts \
	--no-suite fuzz --no-suite lint \
	"$@" || status=1
# The PMDs under ASan+UBSan, loaded into stock testpmd (the harness preloads
# the ASan runtime): a subset of the DPDK tests that covers both PMDs' paths
# (suite dpdk-asan; its tests in suite asan-only run here only). A full run
# runs all of it; given test names, those of them in it; given options,
# only when they name suite dpdk-asan or asan-only.
rm -f build-san/meson-logs/asan-dpdk.json
asan_dpdk=yes
case " $* " in
*" dpdk-asan "* | *" asan-only "* | *"=dpdk-asan "* | *"=asan-only "*) ;;
*" -"*) asan_dpdk=no ;;
esac
if [ $asan_dpdk = yes ]; then
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		meson test -C build-san --print-errorlogs --num-processes 1 \
		--suite dpdk-asan --logbase asan-dpdk "$@" || status=1
fi

left=$(comm -13 <(echo "$eal_before") <(eal_leftovers | sort) | grep -v '^$')
if [ -n "$left" ]; then
	echo "left behind by the tests ($(echo "$left" | wc -l)):"
	echo "$left" | head -20 | sed 's/^/  /'
	# On CI this fails the run.
	[ -z "${CI:-}" ] || status=1
fi

python3 - "$top/build/meson-logs/testlog.json" \
	"$top/build-san/meson-logs/testlog.json" \
	"$top/build-san/meson-logs/asan-dpdk.json" <<'PY' || status=1
import json, os, sys
passed = failed = skipped = 0
names = []
for log in sys.argv[1:]:
    try:
        lines = open(log).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
            names.append(json.loads(line).get("name"))
        else:
            failed += 1
for n in names:
    print("skipped:", n)
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
# scripts/setup.sh installs every prerequisite: a skip means one is
# missing, and the suite must not shrink unnoticed, on CI or not.
# VSPIN_ALLOW_SKIP=1 accepts skips (a machine that cannot run some part).
if skipped and os.environ.get("VSPIN_ALLOW_SKIP") != "1":
    print("%d test(s) skipped: a prerequisite is missing (scripts/setup.sh "
          "installs them; VSPIN_ALLOW_SKIP=1 to accept skips)" % skipped)
    sys.exit(1)
PY
exit $status
