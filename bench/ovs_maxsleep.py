#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real OVS-DPDK with pmd-maxsleep against our emulation of its rule
(net_vhost_spin spin_mode=ovs_sleep:US), same offered loads, same run.

Real: Debian's OVS-DPDK 3.1, run privately through tests/dpdk/ovs/ovslib
(one PMD thread on core 1), a dpdkvhostuserclient port 2 fed by
vspin-traffic --role gen on net_virtio_spin (server=1, core 0), a
net_null1,no-rx=1 sink port 3, flow in_port=2 -> output:3. With one
generator running, the PMD thread is measured twice, with
other_config:pmd-maxsleep=US and without it (the reference, ~100%).
Emulated: bench/sweep.py's topology, vspin-traffic gen on net_virtio_spin
(core 0) -> vspin-traffic sink on net_vhost_spin (core 1), both
spin_mode=ovs_sleep:US; two ways: as sweep.py runs it ("emu"), and with
--cost = OVS's processing cycles per packet measured just before
("emu+cost"). The mode naps with OVS's PMD timer slack, 1 us (the table
shows each thread's). Meanwhile OVS naps 10 ms at a time
(pmd-maxsleep=10000, no guest): out of core 1's way.

Per run: after --warmup s of traffic, the polling thread's CPU (utime +
stime from /proc/TID/stat, and schedstat's ns) over a --window s window;
for OVS also the packets its sink port transmitted in that window
(ovs-ofctl dump-ports) and its own count of sleep iterations and sleep
time (dpif-netdev/pmd-perf-show, cleared at the window's start); for the
emulation the sink's delivered rate, its own traffic CPU% (sweep.py's
"host CPU") and its naps (rx_q0_sleeps, rx_q0_sleep_us). Loads: idle and
each of --rates (Mpps, constant pacing); real and emulated interleaved,
--repeat rounds. Every run of traffic holds /tmp/vspin-bench.lock only if
the caller wraps the command in flock.

  flock /tmp/vspin-bench.lock bench/ovs_maxsleep.py [--rates idle,0.154,1.54,7.7]
      [--repeat 3] [--window 2] [--warmup 1] [--maxsleep 500]
      [--csv FILE] [--md FILE]
"""

import argparse
import csv
import os
import platform
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk", "ovs"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import ovslib as o  # noqa: E402
import sweep  # noqa: E402

h = o.h
APP = os.path.join(h.build_dir(), "app", "vspin-traffic")
SETTLE = 0.5           # after changing pmd-maxsleep
HZ = os.sysconf("SC_CLK_TCK")
PREFIXES = set()       # our processes' DPDK runtime directories


def parse():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--rates", default="idle,0.154,1.54,7.7",
                    help="comma-separated loads: 'idle' or Mpps")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--window", type=float, default=2.0,
                    help="seconds measured per run (default 2)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="seconds of traffic before the window (default 1)")
    ap.add_argument("--maxsleep", type=int, default=500,
                    help="pmd-maxsleep and ovs_sleep:US, in us (default 500)")
    ap.add_argument("--csv", help="one row per run (default bench/results/"
                    "ovs-maxsleep-<time>.csv)")
    ap.add_argument("--md", help="also write the table (markdown) here")
    a = ap.parse_args()
    a.loads = []
    for r in a.rates.split(","):
        try:
            v = None if r == "idle" else float(r)
        except ValueError:
            ap.error("--rates: %r is neither 'idle' nor a number of Mpps" % r)
        if v is not None and not 0 < v <= 20:
            ap.error("--rates: %r Mpps is outside (0, 20]" % r)
        a.loads.append(v)
    if a.repeat < 1 or a.window <= 0 or a.warmup < 0:
        ap.error("--repeat must be >= 1, --window > 0, --warmup >= 0")
    if not 1 <= a.maxsleep <= 10000:
        ap.error("--maxsleep must be within 1..10000 us (OVS's range)")
    return a


def thread_cpu(tid):
    """(seconds from /proc/TID/stat utime+stime, seconds from schedstat)."""
    with open("/proc/%d/stat" % tid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    with open("/proc/%d/schedstat" % tid) as f:
        ns = int(f.read().split()[0])
    return (int(fields[11]) + int(fields[12])) / HZ, ns / 1e9


def timerslack(tid):
    with open("/proc/%d/timerslack_ns" % tid) as f:
        return int(f.read())


def window(tid, seconds, counter=None):
    """CPU % of thread tid over `seconds` (stat, schedstat) and, when given,
    counter()'s increase per second."""
    c0, a0, t0 = counter() if counter else 0, thread_cpu(tid), time.monotonic()
    time.sleep(seconds)
    a1, t1, c1 = thread_cpu(tid), time.monotonic(), counter() if counter else 0
    dt = t1 - t0
    return ((a1[0] - a0[0]) / dt * 100, (a1[1] - a0[1]) / dt * 100,
            (c1 - c0) / dt)


def gen(prefix, vdev, rate, duration, json_path, log):
    PREFIXES.add(prefix)
    argv = [APP, "-l", "0", "--no-huge", "--no-pci", "--no-telemetry",
            "--file-prefix", prefix, "-d", h.plugin("virtio"), "--vdev", vdev,
            "--", "--role", "gen", "--quiet", "--json", json_path,
            "--rate", "idle" if rate is None else "%.0f" % (rate * 1e6),
            "--duration", "%g" % duration, "--pattern", "const",
            "--warmup-ms", "100", "--linger-ms", "150"]
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def wait_for(cond, what, timeout=15, procs=()):
    t0 = time.monotonic()
    while not cond():
        for p in procs:
            if p.poll() is not None:
                raise o.Fail("%s: a process exited (%d)" % (what, p.returncode))
        if time.monotonic() - t0 > timeout:
            raise o.Fail("%s: not within %d s" % (what, timeout))
        time.sleep(0.02)


def perf_show(ovs):
    out = ovs.appctl("dpif-netdev/pmd-perf-show")

    def num(pat):
        m = re.search(pat, out)
        return int(m.group(1)) if m else 0
    m = re.search(r"avg processing cycles per packet: ([\d.]+)",
                  ovs.appctl("dpif-netdev/pmd-stats-show"))
    return num(r"Iterations:\s+(\d+)"), num(r"sleep iterations:\s+(\d+)"), \
        num(r"Sleep time \(us\):\s+(\d+)"), float(m.group(1)) if m else 0


def real_point(ovs, a, rate, rnd, tmp, log):
    """One generator, the PMD thread measured with and without maxsleep
    (the order alternates by round). Returns two rows."""
    sock = os.path.join(ovs.dir, "src.sock")
    dur = a.warmup + 2 * (SETTLE + a.window) + 1.5
    status = lambda: "status=connected" in ovs.vsctl(
        "get", "interface", "src", "status")
    wait_for(lambda: not status(), "OVS: previous guest gone")
    tx = lambda: ovs.ports()[3]["tx"]
    tx0 = tx()
    g = gen("vsomg%d_%d" % (os.getpid(), rnd), "net_virtio_spin0,path=%s,"
            "server=1,spin_mode=ovs_sleep:%d" % (sock, a.maxsleep), rate, dur,
            os.path.join(tmp, "g.json"), log)
    rows = []
    try:
        wait_for(status, "OVS connecting to the guest", procs=[g])
        if rate:
            wait_for(lambda: tx() > tx0, "traffic through OVS", procs=[g])
        time.sleep(a.warmup)
        tid = ovs.pmd_tid()
        for ms in ([a.maxsleep, 0] if rnd % 2 == 0 else [0, a.maxsleep]):
            if ms:
                ovs.set_config(pmd_maxsleep=ms)
            else:
                ovs.remove_config("pmd-maxsleep")
            time.sleep(SETTLE)
            ovs.appctl("dpif-netdev/pmd-stats-clear")
            cpu, cpu_ns, pps = window(tid, a.window, tx)
            it, sl_it, sl_us, cyc = perf_show(ovs)
            if g.poll() is not None:
                raise o.Fail("the generator ended inside the window: raise "
                             "its duration")
            rows.append({"system": "ovs", "maxsleep_us": ms, "cpu_pct": cpu,
                         "cpu_ns_pct": cpu_ns, "mpps": pps / 1e6,
                         "sleeps_per_s": sl_it / a.window,
                         "sleep_pct": sl_us / 1e6 / a.window * 100,
                         "ovs_sleep_iter_pct": 100 * sl_it / it if it else 0,
                         "ovs_cyc_pkt": cyc,
                         "timerslack_ns": timerslack(tid)})
        g.wait(dur + 30)
    finally:
        o.end(g)
    return rows


def rx_packets(prefix):
    """Port 0's ipackets, live, through the process's telemetry socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as t:
        t.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
        t.recv(1024)  # the greeting
        t.send(b"/ethdev/stats,0")
        return json.loads(t.recv(65536))["/ethdev/stats"]["ipackets"]


def emu_point(a, rate, rnd, system, cost, tmp, log):
    """The sweep's topology; cost: the sink's busy cycles per packet."""
    sock = os.path.join(tmp, "emu.sock")
    hj = os.path.join(tmp, "h.json")
    if os.path.exists(hj):
        os.unlink(hj)
    prefix = "vsomh%d_%d" % (os.getpid(), rnd)
    PREFIXES.add(prefix)
    host = subprocess.Popen(
        [APP, "-l", "1", "--no-huge", "--no-pci", "--file-prefix", prefix,
         "-d", h.plugin("vhost_spin"), "--vdev", "net_vhost_spin0,iface=%s,"
         "spin_mode=ovs_sleep:%d" % (sock, a.maxsleep), "--", "--role",
         "sink", "--quiet", "--wait", "20", "--idle-ms", "2000",
         "--cost", "%d" % cost,
         "--json", hj], stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    g = None
    try:
        wait_for(lambda: os.path.exists(sock), "sink listening", procs=[host])
        rx = lambda: rx_packets(prefix)
        g = gen("vsomg%d_%d" % (os.getpid(), rnd), "net_virtio_spin0,path=%s,"
                "spin_mode=ovs_sleep:%d" % (sock, a.maxsleep), rate,
                a.warmup + a.window + 1.5, os.path.join(tmp, "g.json"), log)
        if rate:
            wait_for(lambda: rx() > 0, "traffic to the sink", procs=[host, g])
        time.sleep(a.warmup)
        cpu, cpu_ns, pps = window(host.pid, a.window, rx)
        if g.poll() is not None:
            raise o.Fail("the generator ended inside the window")
        slack = timerslack(host.pid)
        host.wait(a.warmup + a.window + 60)
        g.wait(30)
    finally:
        for p in (g, host):
            if p:
                o.end(p)
    rep = sweep.load_json(hj)
    if rep is None:
        raise o.Fail("no report from the emulation's sink")
    span = rep["traffic_wall_s"] if rep["data_packets"] else rep["wall_s"]
    return {"system": system, "sink_cost": cost, "maxsleep_us": a.maxsleep, "cpu_pct": cpu,
            "cpu_ns_pct": cpu_ns, "mpps": pps / 1e6,
            "sleeps_per_s": (sweep.xsum(rep, ["_sleeps"]) or 0) / span,
            "sleep_pct": (sweep.xsum(rep, ["_sleep_us"]) or 0) / 1e4 / span,
            "sink_traffic_cpu_pct": sweep.cpu_pct(rep),
            "timerslack_ns": slack}


FIELDS = ["round", "load", "system", "maxsleep_us", "cpu_pct", "cpu_ns_pct",
          "mpps", "sleeps_per_s", "sleep_pct", "ovs_sleep_iter_pct",
          "sink_traffic_cpu_pct", "timerslack_ns", "ovs_cyc_pkt",
          "sink_cost"]


def main():
    a = parse()
    why = o.missing() or (None if os.access(APP, os.X_OK) else
                          "%s not built (ninja -C build)" % APP)
    if why:
        sys.exit("ovs_maxsleep.py: " + why)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if not a.csv:
        os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
        a.csv = os.path.join(ROOT, "bench", "results",
                             "ovs-maxsleep-%s.csv" % stamp)
    rows, t0 = [], time.monotonic()
    with h.private_dir("vspin-ovsm-") as tmp, \
            open(os.path.join(tmp, "procs.log"), "w+") as log, \
            o.Ovs("maxsleep", [h.plugin("vhost_spin"),
                               h.plugin("virtio")]) as ovs:
        ovs.add_bridge()
        ovs.add_dpdk_port("sink", "net_null1,no-rx=1", 3)
        ovs.vsctl("add-port", ovs.br, "src", "--", "set", "interface", "src",
                  "type=dpdkvhostuserclient", "options:vhost-server-path=" +
                  os.path.join(ovs.dir, "src.sock"), "ofport_request=2")
        ovs.flows("in_port=2,actions=output:3", "priority=0,actions=drop")
        try:
            for rnd in range(a.repeat):
                for rate in a.loads:
                    try:
                        runs = real_point(ovs, a, rate, rnd, tmp, log)
                    except o.Fail as e:  # seen once: the guest's link
                        print("retrying once: %s" % e, file=sys.stderr)
                        runs = real_point(ovs, a, rate, rnd, tmp, log)
                    # Out of the emulation's way on core 1: OVS's longest
                    # nap on a port with no guest (~0.3% of the core).
                    ovs.set_config(pmd_maxsleep=10000)
                    # OVS's cost per packet, to give the sink (idle: 0).
                    cost = round(runs[0 if runs[0]["maxsleep_us"] else 1]
                                 ["ovs_cyc_pkt"] if rate else 0)
                    for system, c in (("emu", 0), ("emu+cost", cost)):
                        runs.append(emu_point(a, rate, rnd, system, c, tmp,
                                              log))
                    for r in runs:
                        r.update(round=rnd, load="idle" if rate is None
                                 else "%g" % rate)
                        rows.append(r)
                        print("%4.0fs round %d %5s %s maxsleep %3s: CPU %5.1f%% "
                              "(ns %5.1f%%) %.3f Mpps, %6.0f sleeps/s" % (
                                  time.monotonic() - t0, rnd, r["load"],
                                  r["system"],
                                  r["maxsleep_us"] or "-", r["cpu_pct"],
                                  r["cpu_ns_pct"], r["mpps"],
                                  r["sleeps_per_s"]), flush=True)
        except BaseException:
            log.seek(0)
            sys.stderr.write("--- process output (tail) ---\n" +
                             log.read()[-12000:])
            raise
        finally:
            for p in PREFIXES:
                shutil.rmtree("/var/run/dpdk/" + p, ignore_errors=True)
    with open(a.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: round(v, 3) if isinstance(v, float) else v
                        for k, v in r.items()})
    table = summary(rows, a)
    print("\n" + table + "\nCSV: " + a.csv)
    if a.md:
        with open(a.md, "w") as f:
            f.write(table + "\n")


def summary(rows, a):
    def cell(sel, key, prec=1):
        v = [r[key] for r in sel if r.get(key) is not None]
        if not v:
            return "-"
        return "%.*f (%.*f-%.*f)" % (prec, statistics.median(v), prec,
                                     min(v), prec, max(v))
    lines = ["| load (Mpps) | system | CPU % (stat) | CPU % (schedstat) | "
             "delivered Mpps | sleeps/s | asleep % | timer slack |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    names = {("ovs", a.maxsleep): "OVS pmd-maxsleep=%d" % a.maxsleep,
             ("ovs", 0): "OVS, no pmd-maxsleep",
             ("emu", a.maxsleep): "emulation ovs_sleep:%d" % a.maxsleep,
             ("emu+cost", a.maxsleep): "emulation, sink cost = OVS's "
             "cycles/packet"}
    for rate in a.loads:
        load = "idle" if rate is None else "%g" % rate
        for (system, ms), name in names.items():
            sel = [r for r in rows if r["load"] == load and
                   r["system"] == system and r["maxsleep_us"] == ms]
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s us |" % (
                load, name, cell(sel, "cpu_pct"), cell(sel, "cpu_ns_pct"),
                cell(sel, "mpps", 3), cell(sel, "sleeps_per_s", 0),
                cell(sel, "sleep_pct"), "%g" % (sel[0]["timerslack_ns"] /
                                                1e3)))
    lines += ["", "Median (min-max) of %d rounds, %g s windows after %g s "
              "of traffic; %s, Linux %s, %d CPUs." % (
                  a.repeat, a.window, a.warmup,
                  time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  platform.release(), os.cpu_count())]
    return "\n".join(lines)


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(1))
    main()
