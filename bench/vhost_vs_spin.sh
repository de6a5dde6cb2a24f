#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Host side benchmark (issue 4): stock net_vhost against net_vhost_spin,
# with the same frontend (stock virtio_user), two testpmd processes on
# different cores, --no-huge.
#
# For each backend configuration, in turn, repeated (round robin, so that
# a noisy neighbour hits every configuration alike):
#   g2h  guest txonly -> host rxonly: Mpps the host received
#   h2g  host txonly -> guest rxonly: Mpps the guest received
#   idle host forwarding (rxonly), no traffic: CPU of the host's lcore
# Prints a table (medians, best in parentheses) and writes every run to
# bench/results/ as CSV. The machine is shared: compare configurations
# within one run of this script, never across runs.
#
# Usage: bench/vhost_vs_spin.sh [--repeat N] [--seconds S] [--short]
#        [--configs stock,poll,spin:50,adaptive,notify]
# Needs the build in build/ (or $VSPIN_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export VSPIN_BUILD_DIR=${VSPIN_BUILD_DIR:-$top/build}
mkdir -p bench/results
exec python3 - "$@" <<'PY'
import argparse
import csv
import os
import statistics
import sys
import time

sys.path.insert(0, "tests/dpdk")
import harness as h  # noqa: E402

ap = argparse.ArgumentParser(prog="bench/vhost_vs_spin.sh")
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--seconds", type=float, default=2.0)
ap.add_argument("--idle-seconds", type=float, default=3.0)
ap.add_argument("--short", action="store_true",
                help="one repetition of 1 s: a smoke run")
ap.add_argument("--configs", default="stock,poll,spin:50,adaptive,notify",
                help="stock (net_vhost) or a spin_mode of net_vhost_spin")
a = ap.parse_args()
# A clone below a world-writable directory (/tmp): the harness copies the
# plugin to a private directory, or this stops now with the reason rather
# than in an EAL log.
try:
    h.plugin("vhost_spin")
except (h.HarnessError, FileNotFoundError) as e:
    sys.exit("bench/vhost_vs_spin.sh: %s" % e)
if a.short:
    a.repeat, a.seconds, a.idle_seconds = 1, 1.0, 2.0
configs = a.configs.split(",")


def host_of(cfg, sock):
    if cfg == "stock":
        return h.Testpmd("host", vdevs=["net_vhost0,iface=" + sock],
                         fwd_lcore=1)
    return h.Testpmd("host", vdevs=["net_vhost_spin0,iface=%s,spin_mode=%s"
                                    % (sock, cfg)],
                     plugins=[h.plugin("vhost_spin")], fwd_lcore=1)


def rate(sender, receiver, seconds):
    """Mpps the receiver got while the sender ran for `seconds`."""
    receiver.cmd("set fwd rxonly")
    receiver.start_fwd()
    sender.cmd("set fwd txonly")
    sender.start_fwd()
    time.sleep(0.3)  # warm up
    p0, t0 = receiver.port_stats(0)["rx_packets"], time.monotonic()
    time.sleep(seconds)
    p1, t1 = receiver.port_stats(0)["rx_packets"], time.monotonic()
    sender.stop_fwd()
    receiver.stop_fwd()
    return (p1 - p0) / (t1 - t0) / 1e6


def idle_cpu(host, seconds):
    host.cmd("set fwd rxonly")
    host.start_fwd()
    time.sleep(0.5)

    def worker():
        return sum(v for k, v in h.lcore_cpu(host.pid).items()
                   if k != "main")
    c0, t0 = worker(), time.monotonic()
    time.sleep(seconds)
    c1, t1 = worker(), time.monotonic()
    host.stop_fwd()
    return 100.0 * (c1 - c0) / (t1 - t0)


def one(cfg):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with host_of(cfg, sock) as H:
            with h.Testpmd("guest", fwd_lcore=0, vdevs=[
                    "net_virtio_user0,path=%s,queues=1" % sock]) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                g2h = rate(G, H, a.seconds)
                h2g = rate(H, G, a.seconds)
                idle = idle_cpu(H, a.idle_seconds)
    return g2h, h2g, idle


stamp = time.strftime("%Y%m%d-%H%M%S")
out = "bench/results/vhost_vs_spin-%s.csv" % stamp
rows = []
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["config", "run", "g2h_mpps", "h2g_mpps", "idle_cpu_pct"])
    for run in range(1, a.repeat + 1):
        for cfg in configs:
            g2h, h2g, idle = one(cfg)
            rows.append((cfg, run, g2h, h2g, idle))
            w.writerow([cfg, run, "%.3f" % g2h, "%.3f" % h2g,
                        "%.1f" % idle])
            f.flush()
            print("run %d %-10s g2h %6.2f Mpps  h2g %6.2f Mpps  idle %5.1f%%"
                  % (run, cfg, g2h, h2g, idle), flush=True)


def med(cfg, i):
    return statistics.median(r[i] for r in rows if r[0] == cfg)


def best(cfg, i):
    return max(r[i] for r in rows if r[0] == cfg)


def paired(cfg, i):
    """Median over rounds of cfg / base within the same round: a slow
    drift of the machine's load hits both alike and cancels."""
    by = {(r[0], r[1]): r[i] for r in rows}
    return statistics.median(by[(cfg, n)] / by[(base, n)]
                             for n in range(1, a.repeat + 1)
                             if by.get((base, n)))


base = "stock" if "stock" in configs else configs[0]
print()
print("%d runs of %g s each, load average at the end %.1f; median (best);"
      % (a.repeat, a.seconds, os.getloadavg()[0]))
print("ratio: median over the rounds of the ratio to %s in the same round"
      % base)
print("| backend | g2h Mpps | h2g Mpps | g2h ratio | h2g ratio | "
      "idle CPU |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for cfg in configs:
    name = "net_vhost" if cfg == "stock" else "net_vhost_spin " + cfg
    print("| %s | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.2f | %.0f%% |" % (
        name, med(cfg, 2), best(cfg, 2), med(cfg, 3), best(cfg, 3),
        paired(cfg, 2), paired(cfg, 3),
        med(cfg, 4)))
print()
print("runs: " + out)
PY
