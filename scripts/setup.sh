#!/usr/bin/env bash
# Install what virtio-spin needs on Debian 12, as root. Idempotent: a second
# run checks and skips. Used by scripts/demo.sh and scripts/test.sh.
#   - Debian packages (DPDK 22.11, meson, the spin model checker,
#     clang-format, cppcheck and shellcheck for the lint suite, QEMU
#     with Debian's kernel for the Linux-guest interoperability test,
#     and OVS-DPDK for tests/dpdk/ovs and bench/ovs.py: the tests run
#     /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk on a private
#     database and never use the packaged service; ccache, which meson
#     uses by itself, so that a fresh clone at the same path (CI's)
#     rebuilds both builds in seconds rather than a minute and more)
#   - DPDK's driver-SDK headers, which libdpdk-dev lacks, taken from
#     Debian's dpdk source package of exactly the installed version and
#     cached outside git in /var/cache/virtio-spin, and DPDK's l3fwd-power
#     example built from that source with its own Makefile (a test runs
#     it on our ports, as users of rx interrupts do), cached there too.
#   - hugepages: hugetlbfs mounted on /dev/hugepages and at least
#     VSPIN_HUGEPAGES (600) 2 MB pages reserved (1.2 GB), for the PMDs and
#     the DPDK tests with hugepage memory. VSPIN_HUGEPAGES=0 skips it.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/setup.sh [-h|--help]
Installs the Debian packages virtio-spin needs and caches DPDK's
driver-SDK headers in /var/cache/virtio-spin (where the build looks for
them). Idempotent; run as root (or with sudo). Takes no options.
EOF
}
case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac

PKGS=(dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build pkg-config
      python3 python3-pyelftools spin gcc make libc6-dev dpkg-dev xz-utils
      libclang-rt-14-dev clang gnuplot-nox clang-format cppcheck shellcheck
      qemu-system-x86 linux-image-amd64 busybox-static
      openvswitch-switch-dpdk iproute2 procps ccache)
SDK_HEADERS=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h
             drivers/bus/vdev/bus_vdev_driver.h lib/eal/include/dev_driver.h)
# The build (meson.build, tests/dpdk/host/meson.build) looks here.
CACHE=/var/cache/virtio-spin
HUGEPAGES=${VSPIN_HUGEPAGES:-600}
HUGE_MNT=/dev/hugepages

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "run as root (or install sudo): $*"; fi
}

apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	log "apt-get update"
	as_root apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
	apt_updated=1
}

install_packages() {
	local missing=() p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { log "packages: all present"; return; }
	# An earlier install that was interrupted leaves dpkg half done, and
	# apt refuses to install until it is finished.
	as_root env DEBIAN_FRONTEND=noninteractive \
		dpkg --force-confold --configure -a >/dev/null ||
		die "dpkg --configure -a failed (an interrupted install?)"
	apt_update
	log "installing: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# deb-src entries mirroring the machine's own deb entries (no host name is
# written here: whatever mirror the machine uses, its sources come from it).
add_deb_src() {
	local f out=/etc/apt/sources.list.d/virtio-spin-src
	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
		/etc/apt/sources.list.d/; then
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -q '^Types:.*\bdeb\b' "$f" || continue
		log "adding deb-src entries derived from $f"
		sed -E 's/^Types:.*/Types: deb-src/' "$f" |
			as_root tee "$out.sources" >/dev/null
		apt_updated=0
		return
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -q '^deb ' "$f" || continue
		log "adding deb-src entries derived from $f"
		sed -n 's/^deb /deb-src /p' "$f" | as_root tee "$out.list" >/dev/null
		apt_updated=0
		return
	done
	die "no apt source to derive a deb-src entry from"
}

# Debian's dpdk source of exactly the installed version, unpacked once per
# run in $src_dir (removed on exit).
src_dir=
dpdk_source() {
	[ -n "$src_dir" ] && return
	add_deb_src
	apt_update
	src_dir=$(mktemp -d)
	trap 'rm -rf "$src_dir"' EXIT
	log "fetching Debian source of dpdk $PKGVER"
	(cd "$src_dir" && apt-get source -q "dpdk=$PKGVER" >"$src_dir/log" 2>&1) ||
		{ cat "$src_dir/log" >&2; die "apt-get source dpdk=$PKGVER failed"; }
}

install_sdk_headers() {
	local dir="$CACHE/dpdk-sdk-$UPVER/include" h
	if [ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$PKGVER" ]; then
		log "DPDK SDK headers: cached in $dir"
		return
	fi
	dpdk_source
	as_root mkdir -p "$dir"
	for h in "${SDK_HEADERS[@]}"; do
		as_root cp "$src_dir"/dpdk-*/"$h" "$dir/" ||
			die "$h missing from the dpdk source"
	done
	echo "$PKGVER" | as_root tee "$dir/.version" >/dev/null
	log "DPDK SDK headers: installed in $dir"
}

# examples/l3fwd-power, built with its own Makefile (make, against the
# installed libdpdk), into $CACHE/dpdk-examples-$UPVER/dpdk-l3fwd-power.
build_l3fwd_power() {
	local dir="$CACHE/dpdk-examples-$UPVER" ex
	if [ -x "$dir/dpdk-l3fwd-power" ] && [ -f "$dir/.version" ] &&
		[ "$(cat "$dir/.version")" = "$PKGVER" ]; then
		log "DPDK l3fwd-power: cached in $dir"
		return
	fi
	dpdk_source
	ex=$(echo "$src_dir"/dpdk-*/examples/l3fwd-power)
	[ -f "$ex/Makefile" ] || die "examples/l3fwd-power missing from the dpdk source"
	make -C "$ex" -s >"$src_dir/make.log" 2>&1 ||
		{ cat "$src_dir/make.log" >&2; die "make of examples/l3fwd-power failed"; }
	as_root mkdir -p "$dir"
	as_root cp "$ex/build/l3fwd-power-shared" "$dir/dpdk-l3fwd-power"
	echo "$PKGVER" | as_root tee "$dir/.version" >/dev/null
	log "DPDK l3fwd-power: built in $dir"
}

# Mount hugetlbfs if no mount of it exists, and reserve 2 MB pages up to
# $HUGEPAGES (never lowers a bigger reservation). The kernel may grant
# fewer than asked (fragmented memory): say so.
setup_hugepages() {
	local nr f=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	[ "$HUGEPAGES" = 0 ] && { log "hugepages: skipped (VSPIN_HUGEPAGES=0)"; return; }
	[ -f "$f" ] || { log "hugepages: no 2 MB pages on this kernel, skipped"; return; }
	if grep -qs ' hugetlbfs ' /proc/mounts; then
		log "hugepages: hugetlbfs mounted on $(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)"
	else
		as_root mkdir -p "$HUGE_MNT"
		as_root mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MNT"
		log "hugepages: mounted hugetlbfs on $HUGE_MNT"
	fi
	nr=$(cat "$f")
	if [ "$nr" -ge "$HUGEPAGES" ]; then
		log "hugepages: $nr 2 MB pages reserved (>= $HUGEPAGES)"
		return
	fi
	echo "$HUGEPAGES" | as_root tee "$f" >/dev/null
	nr=$(cat "$f")
	if [ "$nr" -lt "$HUGEPAGES" ]; then
		log "hugepages: asked for $HUGEPAGES 2 MB pages, the kernel gave $nr"
	else
		log "hugepages: reserved $nr 2 MB pages (was fewer)"
	fi
}

install_packages
PKGVER=$(dpkg-query -W -f='${Version}' libdpdk-dev)
UPVER=$(pkg-config --modversion libdpdk)
install_sdk_headers
build_l3fwd_power
setup_hugepages
