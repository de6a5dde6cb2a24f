#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""OVS-DPDK: what an idle net_vhost_spin port costs the busy ports that
share its PMD thread.

Debian's OVS-DPDK (ovs-vswitchd-dpdk, OVS 3.1), run privately as in
tests/dpdk/ovs (no systemd; our plugins through dpdk-extra; the PMD thread
on core 1, the guests on core 0). One netdev bridge:

  port 2  busy source: net_null0 (default) or, with --source vhostuser, a
          stock dpdkvhostuser port fed by Debian's net_virtio_user in
          testpmd txonly
  port 3  net_null1,no-rx=1, the sink (flow in_port=2 -> output:3;
          everything else dropped. A sink that receives, as net_null does
          by default, would send its own packets up OVS's slow path)
  port 1  the idle port under test, with an idle guest connected
          (net_virtio_spin in testpmd, not forwarding):
            none      no port 1 at all (the reference)
            stock     OVS's own dpdkvhostuser
            poll      net_vhost_spin spin_mode=poll
            spin      net_vhost_spin spin_mode=spin
            adaptive  net_vhost_spin spin_mode=adaptive
          (sleep= left at its default, auto: inside ovs-vswitchd our PMD
          never blocks, so an idle port must cost like a polled one)

Each configuration is measured without pmd-maxsleep and with
pmd-maxsleep=N (--maxsleep, default 500 us): the busy rate (packets the
sink transmitted per second, from ovs-ofctl dump-ports) over --seconds,
--repeat rounds with the configurations interleaved. The table gives the
median Mpps (min-max) and its ratio to poll's median in the same run, and
the idle port's sleeps (telemetry), which must stay 0.

  bench/ovs.py [--repeat 3] [--seconds 3] [--maxsleep 500]
               [--configs none,stock,poll,spin,adaptive]
               [--source null|vhostuser] [--csv FILE] [--md FILE]
"""

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk", "ovs"))
import ovslib as o  # noqa: E402

h = o.h
CONFIGS = ("none", "stock", "poll", "spin", "adaptive")


def parse():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--maxsleep", type=int, default=500,
                    help="other_config:pmd-maxsleep in us (default 500)")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--source", choices=("null", "vhostuser"),
                    default="null")
    ap.add_argument("--csv", help="CSV output (default bench/results/"
                    "ovs-<time>.csv)")
    ap.add_argument("--md", help="also write the table (markdown) here")
    a = ap.parse_args()
    a.configs = a.configs.split(",")
    for c in a.configs:
        if c not in CONFIGS:
            ap.error("unknown config %r (one of %s)" % (c, ",".join(CONFIGS)))
    return a


def rate(ovs, seconds):
    a, t0 = ovs.ports()[3]["tx"], time.monotonic()
    time.sleep(seconds)
    b, t1 = ovs.ports()[3]["tx"], time.monotonic()
    return (b - a) / (t1 - t0)


def measure(ovs, cfg, k, a):
    """Attach config cfg as port 1 (device number k), measure without and
    with pmd-maxsleep, detach. Returns [(maxsleep, pps, sleeps)]."""
    name = "idle%d" % k
    guest = None
    if cfg == "stock":
        sock = ovs.add_vhostuser_port(name, 1)
    elif cfg != "none":
        sock = "%s/vs%d.sock" % (ovs.dir, k)
        ovs.add_dpdk_port(name, "net_vhost_spin%d,iface=%s,spin_mode=%s" % (
            k, sock, cfg), 1)
    try:
        if cfg != "none":
            guest = o.guest("idle%d" % k, "ours", sock)
            guest.start()
            guest.wait_link_up(0)
        res = []
        for ms in (0, a.maxsleep):
            if ms:
                ovs.set_config(pmd_maxsleep=ms)
            else:
                ovs.remove_config("pmd-maxsleep")
            time.sleep(0.5)
            pps = rate(ovs, a.seconds)
            sl = ""
            if cfg in ("poll", "spin", "adaptive"):
                sl = ovs.vspin_queue(ovs.dpdk_port_id(
                    "net_vhost_spin%d" % k))["sleeps"]
            res.append((ms, pps, sl))
        return res
    finally:
        if guest:
            guest.__exit__(None, None, None)
        if cfg != "none":
            ovs.vsctl("del-port", name)


def main():
    a = parse()
    why = o.missing()
    if why:
        sys.exit("ovs.py: " + why)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if not a.csv:
        os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
        a.csv = os.path.join(ROOT, "bench", "results", "ovs-%s.csv" % stamp)
    rows = []
    plugins = [h.plugin("vhost_spin"), h.plugin("virtio")]
    with o.Ovs("bench", plugins) as ovs:
        ovs.add_bridge()
        feeder = None
        try:
            # The sink first: a dpdkvhostuser port created before any dpdk
            # port gets a mempool (262144 mbufs) the next port cannot
            # share, and two do not fit in -m 1024.
            ovs.add_dpdk_port("sink", "net_null1,no-rx=1", 3)
            if a.source == "null":
                ovs.add_dpdk_port("src", "net_null0", 2)
            else:
                sock = ovs.add_vhostuser_port("src", 2)
            ovs.flows("in_port=2,actions=output:3", "priority=0,actions=drop")
            if a.source == "vhostuser":
                feeder = o.guest("feeder", "stock", sock, fwd="txonly")
                feeder.start()
                feeder.wait_link_up(0)
                feeder.start_fwd()
            time.sleep(1)       # warm up (first touch of --no-huge memory)
            k = 0
            for r in range(a.repeat):
                for cfg in a.configs:
                    for ms, pps, sl in measure(ovs, cfg, k, a):
                        rows.append({"round": r, "config": cfg,
                                     "maxsleep_us": ms, "pps": round(pps),
                                     "idle_port_sleeps": sl})
                        print("round %d %-9s maxsleep %4s: %.3f Mpps%s" % (
                            r, cfg, ms or "-", pps / 1e6,
                            "  sleeps %s" % sl if sl != "" else ""),
                            flush=True)
                    k += 1
        finally:
            if feeder:
                feeder.__exit__(None, None, None)
    with open(a.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    table = summary(rows, a)
    print()
    print(table)
    print("CSV: " + a.csv)
    if a.md:
        with open(a.md, "w") as f:
            f.write(table + "\n")


def summary(rows, a):
    def med(cfg, ms):
        v = [x["pps"] for x in rows if x["config"] == cfg
             and x["maxsleep_us"] == ms]
        return statistics.median(v), min(v), max(v)
    lines = ["| idle port 1 | pmd-maxsleep | busy Mpps median (min-max) | "
             "ratio to poll | idle port sleeps |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for ms in (0, a.maxsleep):
        ref = med("poll", ms)[0] if "poll" in a.configs else None
        for cfg in a.configs:
            m, lo, hi = med(cfg, ms)
            sl = [x["idle_port_sleeps"] for x in rows if x["config"] == cfg
                  and x["maxsleep_us"] == ms]
            lines.append("| %s | %s | %.3f (%.3f-%.3f) | %s | %s |" % (
                cfg, "%d us" % ms if ms else "unset", m / 1e6, lo / 1e6,
                hi / 1e6, "%.2f" % (m / ref) if ref else "-",
                max(sl) if sl[0] != "" else "-"))
    lines.append("")
    lines.append("Busy source %s, %g s per measurement, %d rounds, %s, "
                 "%s, %d CPUs." % (a.source, a.seconds, a.repeat,
                                   time.strftime("%Y-%m-%d %H:%M UTC",
                                                 time.gmtime()),
                                   platform.release(), os.cpu_count()))
    return "\n".join(lines)


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(1))
    main()
