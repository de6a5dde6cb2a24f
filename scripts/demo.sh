#!/usr/bin/env bash
# The main job: a short side-by-side demonstration of the spin modes.
# Installs what is missing (scripts/setup.sh), builds, then runs:
#   1. the two-process ring benchmark (lib/vspin alone, no DPDK), short;
#   2. the DPDK benchmark: our two PMDs in four modes and the stock pair,
#      short (on hugepages when the set-up reserved them, as users run;
#      sockets in a private directory).
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/demo.sh [-h|--help]
Installs what is missing (scripts/setup.sh, as root), builds in build/,
then runs the short ring benchmark and the short DPDK sweep
(bench/sweep.py --short, with --huge when 300 or more hugepages are
free). Takes no options.
EOF
}
case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Quiet unless it fails; then the log says why.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f build/build.ninja ]; then
	rm -rf build # a set-up cut short: meson would take it for configured
	meson setup build -Ddpdk=enabled >"$log" 2>&1 ||
		{ cat "$log" >&2; echo "demo: meson setup failed" >&2; exit 1; }
fi
ninja -C build >"$log" 2>&1 ||
	{ cat "$log" >&2; echo "demo: the build failed" >&2; exit 1; }
# EAL will not load -d plugins below a world-writable directory (a clone
# under /tmp): the benchmark then uses private copies; stop now if even
# that cannot work, with the reason.
shopt -s nullglob
plugins=(build/drivers/net/*/librte_net_*.so)
if [ ${#plugins[@]} -gt 0 ]; then
	python3 scripts/private_plugins.py "${plugins[@]}" >/dev/null ||
		{ echo "demo: cannot run the DPDK benchmark from $(pwd)" >&2; exit 1; }
fi

echo
echo "== 1. Two processes on one split ring, five modes (bench/ring_bench --short)"
build/bench/ring_bench --short
if [ ! -x build/app/vspin-traffic ]; then
	echo "demo: build/app/vspin-traffic was not built (is build/ configured" \
		"with -Ddpdk=enabled? meson configure build -Ddpdk=enabled)" >&2
	exit 1
fi
echo
# Hugepages if the set-up could reserve them: without, the consumer's
# first touch of each 4 KiB page of its peer's buffers is a page fault
# inside the short runs, more of them for a mode with a deeper ring
# (bench/data/latency-sched-huge-20261208/).
memory=(--huge)
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "${free:-0}" -lt 300 ] || ! grep -qs ' hugetlbfs ' /proc/mounts; then
	echo "demo: fewer than 300 free hugepages (or hugetlbfs not mounted):" \
		"the DPDK benchmark runs with --no-huge"
	memory=()
fi
echo "== 2. DPDK: stock virtio_user/net_vhost and ours in four modes (bench/sweep.py --short ${memory[*]})"
python3 bench/sweep.py --short "${memory[@]}"
