#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest side benchmark (issue 3): stock virtio_user against net_virtio_spin
# in poll mode, both against stock net_vhost (Debian's testpmd), two
# testpmd processes on different cores (host forwards on core 0, guest on
# core 1), --no-huge.
#
# Both host + guest pairs stay up for the whole run (a stopped testpmd does
# not poll); per round and metric, each pair in turn forwards, back to
# back (the order alternates between rounds, so a noisy neighbour hits
# both alike):
#   io   both io forwarding, the guest injects 4 bursts (start tx_first 4)
#        and packets loop through both PMDs: Mpps the guest received
#   g2h  guest txonly -> host rxonly: Mpps the host received
#   h2g  host txonly -> guest rxonly: Mpps the guest received
# Prints medians, spread ((max - min) / median), the ratio of the medians
# and the median of the per-round ratios spin/user;
# writes every sample to bench/results/virtio_user_vs_spin-<time>.csv.
# With --perf, also records where the guest's forwarding core spends its
# cycles in io mode for both frontends (perf report in bench/results/).
# Then, for scale, the CPU the guest's idle forwarding core uses (rxonly,
# no traffic, 3 s) with virtio_user and net_virtio_spin in poll, spin:20
# and adaptive modes.
#
# Usage: bench/virtio_user_vs_spin.sh [--repeat N] [--seconds S] [--perf]
#        [--no-idle] [--short] [--metrics io,g2h,h2g]
# Needs the build in build/ (or $VSPIN_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export VSPIN_BUILD_DIR=${VSPIN_BUILD_DIR:-$top/build}
mkdir -p bench/results
exec python3 - "$@" <<'PY'
import argparse
import contextlib
import csv
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, "tests/dpdk")
import harness as h  # noqa: E402

ap = argparse.ArgumentParser(prog="bench/virtio_user_vs_spin.sh")
ap.add_argument("--repeat", type=int, default=15)
ap.add_argument("--seconds", type=float, default=1.0)
ap.add_argument("--perf", action="store_true")
ap.add_argument("--no-idle", action="store_true")
ap.add_argument("--metrics", default="io,g2h,h2g",
                help="comma-separated subset of io,g2h,h2g (default all)")
ap.add_argument("--short", action="store_true",
                help="one round of 1 s: a smoke run")
a = ap.parse_args()
# A clone below a world-writable directory (/tmp): the harness copies the
# plugin to a private directory, or this stops now with the reason rather
# than in an EAL log.
try:
    h.plugin("virtio")
except (h.HarnessError, FileNotFoundError) as e:
    sys.exit("bench/virtio_user_vs_spin.sh: %s" % e)
if a.short:
    a.repeat, a.seconds = 1, 1.0
stamp = time.strftime("%Y%m%d-%H%M%S")
DRIVERS = ("virtio_user", "virtio_spin")
METRICS = tuple(a.metrics.split(","))
if not METRICS or any(m not in ("io", "g2h", "h2g") for m in METRICS):
    sys.exit("bench/virtio_user_vs_spin.sh: --metrics takes a comma-separated"
             " subset of io,g2h,h2g, not %r" % a.metrics)


def pair(drv, d, devargs=""):
    sock = os.path.join(d, "vhost.sock")
    host = h.Testpmd("host", vdevs=["net_vhost0,iface=%s,queues=1" % sock],
                     fwd_lcore=0)
    if drv == "virtio_user":
        guest = h.Testpmd("guest", vdevs=["net_virtio_user0,path=" + sock],
                          fwd_lcore=1)
    else:
        guest = h.Testpmd("guest", vdevs=["net_virtio_spin0,path=" + sock
                                          + devargs],
                          plugins=[h.plugin("virtio")], fwd_lcore=1)
    return host, guest


def measure(port_owner, key, seconds):
    s0 = port_owner.port_stats(0)[key]
    t0 = time.monotonic()
    time.sleep(seconds)
    s1 = port_owner.port_stats(0)[key]
    return (s1 - s0) / (time.monotonic() - t0) / 1e6


def io_loop(host, guest, seconds, during=None):
    host.cmd("set fwd io")
    guest.cmd("set fwd io")
    host.start_fwd()
    guest.cmd("start tx_first 4")
    time.sleep(0.3)
    if during:
        during(guest)
    r = measure(guest, "rx_packets", seconds)
    guest.stop_fwd()
    host.stop_fwd()
    return r


def oneway(sender, receiver, seconds):
    receiver.cmd("set fwd rxonly")
    sender.cmd("set fwd txonly")
    receiver.start_fwd()
    sender.start_fwd()
    time.sleep(0.3)
    r = measure(receiver, "rx_packets", seconds)
    sender.stop_fwd()
    receiver.stop_fwd()
    return r


def open_pairs(stack):
    """Both host+guest pairs, up for the whole run (idle when stopped)."""
    pairs = {}
    for drv in DRIVERS:
        d = stack.enter_context(h.private_dir())
        host, guest = pair(drv, d)
        stack.enter_context(host)
        stack.enter_context(guest)
        guest.wait_link_up(0)
        host.wait_link_up(0)
        pairs[drv] = (host, guest)
    return pairs


def one_metric(m, host, guest, seconds):
    if m == "io":
        return io_loop(host, guest, seconds)
    if m == "g2h":
        return oneway(guest, host, seconds)
    return oneway(host, guest, seconds)


def perf_profile(drv):
    out = "bench/results/perf-%s-%s" % (drv, stamp)

    def record(guest):
        tids = [t for t, (comm, _) in h.thread_cpu(guest.pid).items()
                if comm.startswith(("rte-worker", "lcore-worker"))]
        subprocess.run(["perf", "record", "-q", "-F", "2999", "-o",
                        out + ".data", "-t", ",".join(map(str, tids)),
                        "--", "sleep", "2"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    with h.private_dir() as d:
        host, guest = pair(drv, d)
        with host, guest:
            guest.wait_link_up(0)
            host.wait_link_up(0)
            io_loop(host, guest, 0.5, during=record)
    # Debian's DPDK libraries are stripped: per library first, then per
    # symbol where there are symbols (ours, libc, the kernel).
    rep = ""
    for sort in ("dso", "dso,sym"):
        rep += subprocess.run(["perf", "report", "-i", out + ".data",
                               "--stdio", "--no-children", "--sort", sort,
                               "--percent-limit", "1.5"],
                              capture_output=True, text=True).stdout
    with open(out + ".txt", "w") as f:
        f.write(rep)
    os.unlink(out + ".data")
    return out + ".txt", [l for l in rep.splitlines()
                          if l.strip() and not l.startswith("#")]


def idle_cpu(drv, devargs, seconds=3.0):
    """CPU share of the guest's forwarding lcore, rxonly, no traffic."""
    with h.private_dir() as d:
        host, guest = pair(drv, d, devargs)
        with host, guest:
            guest.wait_link_up(0)
            guest.cmd("set fwd rxonly")
            guest.start_fwd()
            time.sleep(0.5)
            c0, t0 = h.lcore_cpu(guest.pid), time.monotonic()
            time.sleep(seconds)
            c1, t1 = h.lcore_cpu(guest.pid), time.monotonic()
            guest.stop_fwd()
    busy = sum(c1[k] - c0.get(k, 0) for k in c1 if k != "main")
    return busy / (t1 - t0)


samples = {(drv, m): [] for drv in DRIVERS for m in METRICS}
csv_path = "bench/results/virtio_user_vs_spin-%s.csv" % stamp
with open(csv_path, "w", newline="") as f, contextlib.ExitStack() as stack:
    w = csv.writer(f)
    w.writerow(["round", "frontend", "metric", "mpps"])
    pairs = open_pairs(stack)
    for rnd in range(a.repeat):
        order = DRIVERS if rnd % 2 == 0 else DRIVERS[::-1]
        # Each metric on both pairs back to back: this machine's phases
        # (the rate can move by half for seconds) then hit both alike.
        for m in METRICS:
            for drv in order:
                r = one_metric(m, *pairs[drv], a.seconds)
                samples[(drv, m)].append(r)
                w.writerow([rnd, drv, m, "%.4f" % r])
        print("round %d %s" % (rnd, " ".join(
            "%s=%.2f/%.2f" % (m, samples[(DRIVERS[1], m)][-1],
                              samples[(DRIVERS[0], m)][-1])
            for m in METRICS)), flush=True)


def summary(xs):
    med = statistics.median(xs)
    return med, (max(xs) - min(xs)) / med if med else 0.0


print()
print("Mpps, median of %d rounds of %.1f s (spread = (max-min)/median)"
      % (a.repeat, a.seconds))
print("| metric | virtio_user | spread | virtio_spin (poll) | spread "
      "| ratio of medians | median of paired ratios |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for m in METRICS:
    mu, su = summary(samples[("virtio_user", m)])
    ms, ss = summary(samples[("virtio_spin", m)])
    # Same round, back to back: the two saw about the same neighbours.
    paired = statistics.median(
        s_ / u_ for s_, u_ in zip(samples[("virtio_spin", m)],
                                  samples[("virtio_user", m)]) if u_ > 0)
    print("| %s | %.2f | %.0f%% | %.2f | %.0f%% | %.2f | %.2f |"
          % (m, mu, su * 100, ms, ss * 100, ms / mu if mu else 0, paired))
print("samples: " + csv_path)
print("load average: %s" % open("/proc/loadavg").read().strip())
if not a.no_idle:
    print("\nidle guest forwarding core (rxonly, no traffic), CPU share:")
    for drv, devargs, label in (
            ("virtio_user", "", "virtio_user"),
            ("virtio_spin", "", "virtio_spin poll"),
            ("virtio_spin", ",spin_mode=spin:20", "virtio_spin spin:20"),
            ("virtio_spin", ",spin_mode=adaptive", "virtio_spin adaptive")):
        print("| %s | %.0f%% |" % (label, 100 * idle_cpu(drv, devargs)),
              flush=True)
if a.perf:
    for drv in DRIVERS:
        path, lines = perf_profile(drv)
        print("\nperf, guest forwarding core, io, %s (%s):" % (drv, path))
        print("\n".join(lines[:22]))
PY
