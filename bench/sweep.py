#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark sweep: real DPDK processes, guest and host, side by side.

One command runs the host (vspin-traffic sink on the vhost-user backend,
core 1) and the guest (vspin-traffic gen on the virtio frontend, core 0)
for every pair and mode, at every offered load, several times with the
modes interleaved, and writes to bench/results/<stamp>/:

  runs.csv      one row per run (every repeat)
  summary.csv   per pair/mode and load: median, min, max
  table.md      the side-by-side table, the claims checked, the set-up
  *.png         throughput, CPU and p99 latency against offered load
  logs/         each process's output, JSON reports

  bench/sweep.py            the full sweep (about 10 minutes)
  bench/sweep.py --short    under a minute: fewer modes and loads, 1 repeat

Both processes run with --no-huge unless --huge is given (hugepages
mounted and reserved: DPDK's dynamic memory, the guest with
--single-file-segments); sockets live in a private temporary directory.
Without hugepages the consumer's first touch of each 4 KiB page of its
peer's buffers is a page fault (sink_minor_faults): a mode whose deeper
ring goes round more of the peer's mempool pays more of them within the
run, and the producer waits behind them (on an AMD VM they took
adaptive's p99 from the schedule to 1.5-10 ms, 0.4-0.7 ms on hugepages:
bench/data/latency-sched-huge-20261208/). Latency is best compared with
--huge.

A run whose loss count cannot be trusted (no end-of-stream through,
packets on the wrong queue, of the wrong length or after the
end-of-stream: bench/accounting.py) is a failed run: it is listed under
the table, left out of it, and the sweep exits 1. Loss itself is a
column (the worst repeat), as are reordering and duplicates.
"""

import argparse
import csv
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import harness  # noqa: E402
import private_plugins  # noqa: E402
from accounting import accounting_error  # noqa: E402

GUEST_CORE = "0"
HOST_CORE = "1"

ALL_MODES = ["poll", "notify", "budget:20", "spin:20", "spin:100",
             "adaptive"]
SHORT_MODES = ["poll", "notify", "spin:20", "adaptive"]

# Offered loads: a name, and the rate as a fraction of saturation (None:
# idle, 'max': unpaced). 'fast-consumer' is the original report's regime:
# the producer paced just below the consumer's capacity, so the consumer
# keeps running dry and, in notify mode, arms and sleeps between bursts.
LOADS = [
    ("idle", None),
    ("1%", 0.01),
    ("10%", 0.10),
    ("50%", 0.50),
    ("fast-consumer", 0.90),
    ("sat", "max"),
]
# Not in the default sweep (--loads ...,bursty): 10% on average, in on/off
# bursts at saturation rate (100 us on, 900 us off): idle gaps of 900 us
# between bursts, where the spin window decides everything.
EXTRA_LOADS = [("bursty", 0.10)]
LOAD_ARGS = {"bursty": ["--pattern", "onoff", "--on-us", "100",
                        "--off-us", "900"]}
SHORT_LOADS = ["idle", "fast-consumer", "sat"]


class Config:
    """One pair: how the guest and the host open their ports."""

    def __init__(self, name, guest_vdev, host_vdev, guest_so=None,
                 host_so=None):
        self.name = name
        self.guest_vdev = guest_vdev  # format with sock=
        self.host_vdev = host_vdev
        self.guest_so = guest_so
        self.host_so = host_so


def stock_config():
    return Config("stock", "net_virtio_user0,path={sock}",
                  "net_vhost0,iface={sock}")


def ours_config(mode, guest_so, host_so):
    pol = harness.policy_devargs(mode)
    return Config("ours " + mode, "net_virtio_spin0,path={sock}," + pol,
                  "net_vhost_spin0,iface={sock}," + pol, guest_so, host_so)


def host_only_config(mode, host_so):
    """Stock guest (virtio_user, no EVENT_IDX) against our host: what our
    host PMD alone buys."""
    pol = harness.policy_devargs(mode)
    return Config("host-only " + mode, "net_virtio_user0,path={sock}",
                  "net_vhost_spin0,iface={sock}," + pol, None, host_so)


def guest_only_config(mode, guest_so):
    """Our guest against the stock host (net_vhost): what our guest PMD
    alone buys."""
    pol = harness.policy_devargs(mode)
    return Config("guest-only " + mode, "net_virtio_spin0,path={sock}," + pol,
                  "net_vhost0,iface={sock}", guest_so, None)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_cmd(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def dirty():
    """The build may hold changes not yet committed: say which."""
    out = run_cmd(["git", "-C", ROOT, "status", "--porcelain",
                   "--untracked-files=no"])
    files = [l.split(None, 1)[1] for l in out.splitlines() if l.strip()]
    return " + uncommitted changes in %s" % ", ".join(files) if files else ""


def machine_facts():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "dpdk_version": run_cmd(["pkg-config", "--modversion", "libdpdk"]),
        "git_commit": run_cmd(["git", "-C", ROOT, "rev-parse", "--short",
                               "HEAD"]) + dirty(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


class Runner:
    """Starts one host and one guest process per run, and collects both
    JSON reports."""

    def __init__(self, app, outdir, sockdir, args):
        self.app = app
        self.logdir = os.path.join(outdir, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.sockdir = sockdir
        self.args = args
        self.n = 0
        self.procs = []

    def eal(self, core, prefix, vdev, so, guest=False):
        if not self.args.huge:
            mem = ["--no-huge"]
        else:
            mem = ["--single-file-segments"] if guest else []
        argv = [self.app, "-l", core] + mem + [
            "--no-pci", "--no-telemetry", "--file-prefix", prefix,
            "--vdev", vdev]
        if so:
            argv += ["-d", so]
        return argv

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def run(self, cfg, rate, duration, tag, extra=()):
        """rate: 'idle', 'max' or packets/s. Returns the host's and the
        guest's JSON reports and an error or None."""
        self.n += 1
        base = "%03d-%s" % (self.n, re.sub(r"[^A-Za-z0-9]+", "_", tag))
        sock = os.path.join(self.sockdir, "%d.sock" % self.n)
        hjson = os.path.join(self.logdir, base + "-host.json")
        gjson = os.path.join(self.logdir, base + "-guest.json")
        pid = os.getpid()
        host = self.eal(HOST_CORE, "vsbh%d_%d" % (pid, self.n),
                        cfg.host_vdev.format(sock=sock), cfg.host_so)
        guest = self.eal(GUEST_CORE, "vsbg%d_%d" % (pid, self.n),
                         cfg.guest_vdev.format(sock=sock), cfg.guest_so,
                         guest=True)
        sink_args = ["--", "--role", "sink", "--quiet", "--wait", "20",
                     "--mbuf-size", str(self.args.mbuf_size),
                     "--ring", str(self.args.ring),
                     "--idle-ms", "2000", "--cost", str(self.args.cost),
                     "--burst", str(self.args.burst)]
        gen_args = ["--", "--role", "gen", "--quiet",
                    "--rate", rate if isinstance(rate, str) else
                    "%.0f" % rate,
                    "--duration", "%g" % duration,
                    "--burst", str(self.args.burst),
                    "--size", str(self.args.size),
                    "--segs", str(self.args.segs),
                    "--ring", str(self.args.ring),
                    "--warmup-ms", "100", "--linger-ms", "150"]
        gen_args += list(extra)
        # Default: the original report's direction, the host consuming
        # the guest's transmit ring; --reverse swaps the roles.
        if self.args.reverse:
            # The guest stays attached until the host has read its
            # counters (net_vhost's calls need the frontend there).
            host += gen_args + ["--json", hjson]
            guest += sink_args + ["--json", gjson, "--linger-ms", "400"]
        else:
            host += sink_args + ["--json", hjson]
            guest += gen_args + ["--json", gjson]
        side = self.args.perf_process
        if self.args.perf_record:
            # A profile of one process (cpu-clock: no PMU needed):
            # logs/NNN-*-SIDE.perf.txt after the run.
            rec = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4999",
                   "-o", os.path.join(self.logdir, "%s-%s.perf.data" %
                                      (base, side)), "--"]
            if side == "host":
                host = rec + host
            else:
                guest = rec + guest
        with open(os.path.join(self.logdir, base + "-host.log"), "w") as hl:
            hl.write(shlex.join(host) + "\n")
            hl.flush()
            hp = subprocess.Popen(host, stdout=hl, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
            self.procs = [hp]
            err = None
            t0 = time.monotonic()
            # The host (vhost-user server) must listen before the guest
            # connects.
            while not os.path.exists(sock):
                if hp.poll() is not None:
                    err = "host exited (%d) before listening" % hp.returncode
                    break
                if time.monotonic() - t0 > 15:
                    err = "host socket did not appear in 15 s"
                    break
                time.sleep(0.02)
            if err is None:
                with open(os.path.join(self.logdir, base + "-guest.log"),
                          "w") as gl:
                    gl.write(shlex.join(guest) + "\n")
                    gl.flush()
                    gp = subprocess.Popen(guest, stdout=gl,
                                          stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
                    self.procs.append(gp)
                    err = wait_pair(hp, gp, duration, (hjson, gjson))
            self.kill_all()
        # vspin-traffic removes its EAL runtime directory when it exits;
        # one that crashed (a development build) leaves it, 2 MB on /run.
        for argv in (host, guest):
            harness.remove_eal_files(harness.file_prefix(argv))
        if os.path.exists(sock):
            os.unlink(sock)
        hrep = load_json(hjson)
        grep_ = load_json(gjson)
        if err is None and (hrep is None or grep_ is None):
            err = "no JSON report from %s (see %s)" % (
                "guest" if grep_ is None else "host",
                os.path.join(self.logdir, base + "-*.log"))
        if self.args.perf_record:
            perf_report(os.path.join(self.logdir,
                                     "%s-%s.perf" % (base, side)))
        return hrep, grep_, err


def perf_report(base):
    """A process's profile as text: self time per module, then per
    symbol."""
    out = ""
    for sort in ("dso", "dso,symbol"):
        try:
            out += subprocess.run(
                ["perf", "report", "-i", base + ".data", "--stdio",
                 "--no-children", "--sort", sort, "--percent-limit", "0.3"],
                capture_output=True, text=True, timeout=120).stdout
        except (OSError, subprocess.SubprocessError) as e:
            out += "perf report failed: %s\n" % e
    with open(base + ".txt", "w") as f:
        f.write(out)
    try:
        os.unlink(base + ".data")
    except OSError:
        pass


def wait_pair(hp, gp, duration, reports):
    """Wait for both processes. When one fails, the other (waiting for a
    link or for traffic) gets a few seconds, then SIGTERM: it still
    writes its report. Once both reports are written, a process that
    does not exit within 5 s (a hang in port close) is stopped and the
    run kept, with a warning. Returns an error or None."""
    deadline = time.monotonic() + duration + 60
    failed_at = reported_at = None
    timed_out = False
    while hp.poll() is None or gp.poll() is None:
        now = time.monotonic()
        if failed_at is None and any(p.poll() not in (None, 0)
                                     for p in (hp, gp)):
            failed_at = now
        if reported_at is None and all(load_json(r) for r in reports):
            reported_at = now
        if now > deadline:
            timed_out = True
        if timed_out or (failed_at is not None and now - failed_at > 3) \
                or (reported_at is not None and now - reported_at > 5):
            for p in (hp, gp):
                if p.poll() is None:
                    log("sweep: %s still running %.0f s after the "
                        "reports: stopping it" %
                        ("host" if p is hp else "guest",
                         now - (reported_at or now)))
                    p.send_signal(signal.SIGTERM)
            break
        time.sleep(0.05)
    for p in (hp, gp):
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if reported_at is not None or all(load_json(r) for r in reports):
        if hp.returncode != 0 or gp.returncode != 0:
            log("sweep: reports written, but exit status host %d, guest "
                "%d" % (hp.returncode, gp.returncode))
        return None
    if timed_out:
        return "timed out"
    if hp.returncode != 0 or gp.returncode != 0:
        return "exit status host %d, guest %d" % (hp.returncode,
                                                  gp.returncode)
    return None


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def xsum(report, suffixes, exclude=()):
    """Sum of a report's xstats whose name ends with one of suffixes;
    None when the port has no such counter (e.g. stock virtio_user has no
    kick counter)."""
    total, found = 0, False
    for k, v in (report or {}).get("xstats", {}).items():
        name = k.split("#")[0]
        if any(name.endswith(s) for s in suffixes) and \
                not any(name.endswith(s) for s in exclude):
            total += v
            found = True
    return total if found else None


def xmax(report, suffix):
    vals = [v for k, v in (report or {}).get("xstats", {}).items()
            if k.split("#")[0].endswith(suffix)]
    return max(vals) if vals else None


def per_mpkt(count, pkts):
    if count is None:
        return None
    return count * 1e6 / pkts if pkts else None


def cpu_pct(report):
    """The sink's CPU over the traffic (from its first data packet: the
    wait for the generator left out), the generator's over its run. At
    idle there is no traffic: the whole run counts."""
    if report["role"] == "sink" and report["data_packets"] > 0:
        return report["traffic_cpu_pct"]
    return report["cpu_pct"]


def traffic_pkts(report):
    return report["sent"] if report["role"] == "gen" else \
        report["data_packets"]


def per_pkt(report, key):
    """A process's user-mode count of key over its traffic window
    (vspin-traffic reads its thread's perf counters at the window's
    edges, where the machine has a PMU) per packet of that window."""
    v = report.get(key)
    n = traffic_pkts(report)
    return v / n if v is not None and n else None


def cpu_ns_pkt(report):
    """The polling thread's CPU time over the traffic per packet, in ns:
    what a packet costs that thread, descheduled time left out. A thread
    that waits on its peer (ring full or empty) spins, and that counts:
    compare configurations run interleaved."""
    n = traffic_pkts(report)
    if not n:
        return None
    if report["role"] == "gen":
        cpu = report["cpu_s"]
    else:
        cpu = report.get("traffic_cpu_pct", 0) / 100.0 * \
            report.get("traffic_wall_s", 0)
    return cpu * 1e9 / n


def generator_starved(host, guest):
    """Why a run measured nothing at its offered load, or None: a generator
    whose pool ran dry (a tx ring keeps its mbufs until the PMD cleans it,
    so rings longer than the pool was sized for can hold them all) stops
    sending, and its sink then reports a short, quiet run without loss."""
    gen = host if host["role"] == "gen" else guest
    if gen.get("alloc_fail", 0) > 0:
        return ("the generator could not allocate %d packets (its pool "
                "ran dry)" % gen["alloc_fail"])
    return None


def run_accounting_error(host, guest):
    """Why the run's loss count cannot be trusted, or None
    (bench/accounting.py)."""
    if host["role"] == "gen":
        return accounting_error(host, guest)
    return accounting_error(guest, host)


def metrics(host, guest):
    """The numbers of one run, from the two JSON reports."""
    gen, sink = (host, guest) if host["role"] == "gen" else (guest, host)
    pkts = sink["data_packets"]
    lat = sink["latency_ns"]
    # Producers count their notifications: the guest kicks, the host calls.
    kicks = xsum(guest, ["_kicks"])
    # Ours counts each call twice over (rx/tx_qN_calls, and the library's
    # tx_qN_guest_notifications): one of them; the stock PMD has only the
    # library's.
    calls = xsum(host, ["_calls"])
    if calls is None:
        calls = xsum(host, ["_guest_notifications"])
    # Instability within the run: the delivered rate per interval (the
    # first is a warm-up, the last may be partial: both left out).
    ivl = sink.get("interval_mpps", [])[1:-1]
    ivl_cv = (statistics.pstdev(ivl) / statistics.mean(ivl) * 100
              if len(ivl) >= 2 and statistics.mean(ivl) > 0 else None)
    return {
        "ivl_min_mpps": min(ivl) if ivl else None,
        "ivl_max_mpps": max(ivl) if ivl else None,
        "ivl_cv_pct": ivl_cv,
        "offered_mpps": (gen["config"]["rate_pps"] * 1e-6
                         if gen["config"]["rate_pps"] >= 0
                         else gen["sent_mpps"]),
        "sent_mpps": gen["sent_mpps"],
        "mpps": sink["mpps"],
        "packets": pkts,
        "lost": sink["lost"],
        "loss_exact": sink["loss_exact"],
        "reordered": sink["reordered"],
        "duplicates": sink["duplicates"],
        # Packets stamped later than the sink saw them (the two cores'
        # TSCs disagree): their latency reads 0, so p50 reads low.
        "clock_skew": sink.get("clock_skew"),
        "host_cpu": cpu_pct(host),
        "guest_cpu": cpu_pct(guest),
        "kicks": kicks,
        "calls": calls,
        "kicks_per_mpkt": per_mpkt(kicks, pkts),
        "calls_per_mpkt": per_mpkt(calls, pkts),
        "host_sleeps": xsum(host, ["_sleeps"]),
        "host_wakeups": xsum(host, ["_wakeups"], ["_spurious_wakeups"]),
        "guest_sleeps": xsum(guest, ["_sleeps"]),
        "guest_wakeups": xsum(guest, ["_wakeups"], ["_spurious_wakeups"]),
        "host_window_us": xmax(host, "_window_us"),
        "guest_window_us": xmax(guest, "_window_us"),
        # The consumer's B and L (adaptive; 0 in other modes, None for
        # the stock PMDs): the p99 bound is stock's p99 + L + B.
        "sink_sleep_cost_us": xmax(sink, "rx_q0_sleep_cost_us"),
        "sink_latency_us": xmax(sink, "rx_q0_latency_us"),
        # What it learnt by the end of the run: D and D99, the 95th and
        # 99th percentiles of a batch's wake-up lateness, and u, its busy
        # fraction (adaptive).
        "sink_wake_late_us": xmax(sink, "rx_q0_wake_late_us"),
        "sink_wake_late99_us": xmax(sink, "rx_q0_wake_late_p99_us"),
        "sink_wake_late99p_us": xmax(sink, "rx_q0_wake_late_pkt_p99_us"),
        "sink_busy_pct": xmax(sink, "rx_q0_busy_pct"),
        # C, the CPU it prices one wake-up at (measured at start-up).
        "sink_wake_cpu_us": xmax(sink, "rx_q0_wake_cpu_us"),
        # How it planned its idle periods (adaptive): coalesced batches,
        # spins near saturation, and of those the ones it spun because
        # the producer published full bursts back to back.
        "sink_idle_batches": xmax(sink, "rx_q0_idle_batches"),
        "sink_idle_busy_spins": xmax(sink, "rx_q0_idle_busy_spins"),
        "sink_idle_full_spins": xmax(sink, "rx_q0_idle_full_spins"),
        "p50_us": lat["p50"] * 1e-3,
        "p99_us": lat["p99"] * 1e-3,
        # From each packet's scheduled departure (paced loads): the
        # generator's own wait for ring room counted too.
        "p99_sched_us": (sink["latency_sched_ns"]["p99"] * 1e-3
                         if sink.get("latency_sched_ns", {}).get("count")
                         else None),
        "p999_us": lat["p999"] * 1e-3,
        "guest_ns_pkt": cpu_ns_pkt(guest),
        "host_ns_pkt": cpu_ns_pkt(host),
        "guest_cyc_pkt": per_pkt(guest, "traffic_cycles"),
        "guest_ins_pkt": per_pkt(guest, "traffic_instructions"),
        # Share of the generator's tx bursts the ring did not take whole
        # (it was full): near 0, the producer is the slower side.
        "gen_full_pct": (gen["tx_short_bursts"] * 100.0 / gen["tx_calls"]
                         if gen.get("tx_calls") else None),
        # The sink thread's first touches of 4 KiB pages (--no-huge: its
        # peer's buffers as it copies them) over the traffic.
        "sink_minor_faults": sink.get("traffic_minor_faults"),
        "host_wall_s": host["wall_s"],
        "guest_wall_s": guest["wall_s"],
    }


FIELDS = ["offered_mpps", "sent_mpps", "mpps", "ivl_min_mpps",
          "ivl_max_mpps", "ivl_cv_pct", "packets", "lost",
          "reordered", "duplicates", "host_cpu", "guest_cpu", "kicks",
          "calls", "kicks_per_mpkt", "calls_per_mpkt", "host_sleeps",
          "host_wakeups", "guest_sleeps", "guest_wakeups",
          "host_window_us", "guest_window_us", "sink_sleep_cost_us",
          "sink_latency_us", "sink_wake_late_us", "sink_busy_pct",
          "sink_wake_cpu_us", "p50_us", "p99_us", "p999_us",
          "guest_ns_pkt", "host_ns_pkt", "guest_cyc_pkt", "guest_ins_pkt",
          "gen_full_pct", "sink_wake_late99_us", "sink_idle_batches",
          "sink_idle_busy_spins", "sink_idle_full_spins",
          "sink_wake_late99p_us", "clock_skew", "p99_sched_us",
          "sink_minor_faults"]


def summarize(runs):
    """Median, min and max of every field over the repeats of a point."""
    out = {}
    for f in FIELDS:
        vals = [r[f] for r in runs if r.get(f) is not None]
        if vals:
            out[f] = (statistics.median(vals), min(vals), max(vals))
        else:
            out[f] = None
    out["n"] = len(runs)
    return out


def fmt(v, prec=2):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "%.0f" % v
    return "%.*f" % (prec, v)


def fmt_spread(s, prec=2):
    if s is None:
        return "-"
    med, lo, hi = s
    if lo == hi:
        return fmt(med, prec)
    return "%s [%s-%s]" % (fmt(med, prec), fmt(lo, prec), fmt(hi, prec))


def med(s):
    return None if s is None else s[0]


def worst(s):
    """The largest of the repeats: a loss in one run must show."""
    return None if s is None else s[2]


def table_rows(configs, loads, summ):
    head = ["load", "pair / mode", "offered Mpps", "delivered Mpps "
            "med [min-max]", "per-100ms Mpps min-max (CV%)", "host CPU %", "guest CPU %", "kicks/Mpkt",
            "calls/Mpkt", "sleeps host/guest", "wake-ups host/guest",
            "consumer L / B us", "consumer D / D99 us / u %",
            "p50 us",
            "p99 us", "p99.9 us", "lost (worst run)",
            "reordered (worst run)", "duplicates (worst run)"]
    rows = []
    for load in loads:
        for cfg in configs:
            s = summ.get((cfg, load))
            if s is None:
                continue
            rows.append([load, cfg, fmt(med(s["offered_mpps"]), 3),
                         fmt_spread(s["mpps"], 3),
                         "-" if s["ivl_min_mpps"] is None else
                         "%s-%s (%s)" % (fmt(med(s["ivl_min_mpps"]), 2),
                                         fmt(med(s["ivl_max_mpps"]), 2),
                                         fmt(med(s["ivl_cv_pct"]), 0)),
                         fmt(med(s["host_cpu"]), 1),
                         fmt(med(s["guest_cpu"]), 1),
                         fmt(med(s["kicks_per_mpkt"]), 0),
                         fmt(med(s["calls_per_mpkt"]), 0),
                         "%s/%s" % (fmt(med(s["host_sleeps"]), 0),
                                    fmt(med(s["guest_sleeps"]), 0)),
                         "%s/%s" % (fmt(med(s["host_wakeups"]), 0),
                                    fmt(med(s["guest_wakeups"]), 0)),
                         "-" if not med(s["sink_latency_us"]) else
                         "%s / %s" % (fmt(med(s["sink_latency_us"]), 0),
                                      fmt(med(s["sink_sleep_cost_us"]), 0)),
                         "-" if not med(s["sink_latency_us"]) or
                         med(s["sink_wake_late_us"]) is None else
                         "%s / %s / %s" % (
                             fmt(med(s["sink_wake_late_us"]), 0),
                             fmt(med(s["sink_wake_late99_us"]), 0),
                             fmt(med(s["sink_busy_pct"]), 0)),
                         *([fmt(med(s[k]), 1) for k in
                            ("p50_us", "p99_us", "p999_us")]
                           if med(s["packets"]) else ["-"] * 3),
                         *[fmt(worst(s[k]), 0) for k in
                           ("lost", "reordered", "duplicates")]])
    return head, rows


def markdown(head, rows):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(" --- " for _ in head) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


# The terminal table: the columns that fit one screen (table.md has all).
TEXT_COLS = {"load": "load", "pair / mode": "pair / mode",
             "offered Mpps": "offered",
             "delivered Mpps med [min-max]": "delivered Mpps",
             "host CPU %": "host%", "guest CPU %": "guest%",
             "kicks/Mpkt": "kicks/M", "calls/Mpkt": "calls/M",
             "wake-ups host/guest": "wakeups h/g", "p99 us": "p99 us",
             "lost (worst run)": "lost"}


def text_table(head, rows):
    keep = [i for i, h in enumerate(head) if h in TEXT_COLS]
    head = [TEXT_COLS[head[i]] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    out.append("  ".join("-" * w for w in widths))
    prev = None
    for r in rows:
        if prev is not None and r[0] != prev:
            out.append("")
        prev = r[0]
        out.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    return "\n".join(out)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def pct(a, b):
    r = ratio(a, b)
    return None if r is None else r * 100


def claims(summ, loads, fam, repeats=None):
    """The issue's four claims, computed from this run's medians. Each
    line states what was measured; whether it holds is read from it."""
    lines = []
    poll = fam + " poll"

    def get(cfg, load, f):
        s = summ.get((cfg, load))
        return None if s is None else s.get(f)

    # 1. notify collapse in the consumer-faster-than-producer regime.
    if "fast-consumer" in loads:
        off = med(get(poll, "fast-consumer", "offered_mpps"))
        parts = []
        for m in ["poll", "notify", "budget:20", "spin:20", "spin:100",
                  "adaptive"]:
            cfg = fam + " " + m
            d = get(cfg, "fast-consumer", "mpps")
            if not d:
                continue
            parts.append(
                "%s %s Mpps (%s%% of offered; per-100ms %s-%s, CV %s%%; "
                "kicks/Mpkt %s, host wake-ups %s)" % (
                    m, fmt_spread(d, 3), fmt(pct(d[0], off), 1),
                    fmt(med(get(cfg, "fast-consumer", "ivl_min_mpps")), 2),
                    fmt(med(get(cfg, "fast-consumer", "ivl_max_mpps")), 2),
                    fmt(med(get(cfg, "fast-consumer", "ivl_cv_pct")), 0),
                    fmt(med(get(cfg, "fast-consumer", "kicks_per_mpkt")), 0),
                    fmt(med(get(cfg, "fast-consumer", "host_wakeups")), 0)))
        if parts:
            lines.append("1. consumer faster than producer (offered %s "
                         "Mpps), delivered median [min-max over repeats]:"
                         "\n   - " % fmt(off, 3) + "\n   - ".join(parts))
    # 2. saturation: spin and adaptive against poll, as a ratio.
    if "sat" in loads:
        p = get(poll, "sat", "mpps")
        parts = []
        for m in ["spin:20", "spin:100", "adaptive", "budget:20"]:
            s = get(fam + " " + m, "sat", "mpps")
            if p and s:
                parts.append("%s %s%%" % (m, fmt(pct(s[0], p[0]), 1)))
        if parts:
            # One short run per mode (--short) says little at
            # saturation: this machine's rate swings between runs.
            caveat = (" One repeat: saturation swings by 15-30% between "
                      "runs on a shared machine; 5 or more interleaved "
                      "repeats resolve a few percent "
                      "(bench/README-adaptive.md)." if repeats == 1
                      else "")
            lines.append("2. saturation, delivered Mpps as %% of poll "
                         "(%s Mpps; medians over the repeats of this "
                         "sweep): %s.%s" % (
                             fmt(p[0], 3), ", ".join(parts), caveat))
    # 3. idle CPU.
    if "idle" in loads:
        parts = []
        for cfg in ["stock", poll, fam + " spin:20", fam + " spin:100",
                    fam + " adaptive"]:
            h = get(cfg, "idle", "host_cpu")
            g = get(cfg, "idle", "guest_cpu")
            if h and g:
                parts.append("%s host %s%% / guest %s%%" % (
                    cfg, fmt(h[0], 1), fmt(g[0], 1)))
        if parts:
            lines.append("3. idle CPU (thread CPU time over wall time): " +
                         "; ".join(parts) + ".")
    # 4. adaptive against the best fixed window, load by load.
    parts = []
    for load in loads:
        a = get(fam + " adaptive", load, "mpps")
        fixed = [(m, get(fam + " " + m, load, "mpps"),
                  get(fam + " " + m, load, "host_cpu"),
                  get(fam + " " + m, load, "p99_us"))
                 for m in ["spin:20", "spin:100", "budget:20"]]
        fixed = [f for f in fixed if f[1] and f[2] and f[3]]
        if not a or not fixed:
            continue
        ac = get(fam + " adaptive", load, "host_cpu")
        ap = get(fam + " adaptive", load, "p99_us")
        win = get(fam + " adaptive", load, "host_window_us")
        best_tp = max(fixed, key=lambda f: f[1][0])
        best_cpu = min(fixed, key=lambda f: f[2][0])
        best_lat = min(fixed, key=lambda f: f[3][0])
        parts.append(
            "%s: Mpps %s vs best %s %s; host CPU %s%% vs best %s %s%%; "
            "p99 %s us vs best %s %s us; learned window %s us" % (
                load, fmt(a[0], 3), best_tp[0], fmt(best_tp[1][0], 3),
                fmt(med(ac), 1), best_cpu[0], fmt(best_cpu[2][0], 1),
                fmt(med(ap), 1), best_lat[0], fmt(best_lat[3][0], 1),
                fmt(med(win), 1)))
    if parts:
        lines.append("4. adaptive vs the best fixed window at each load "
                     "(medians):\n   - " + "\n   - ".join(parts))
    return lines


def gnuplot(outdir, configs, loads, summ, sat, ref, consumer):
    """Four PNGs, one line per pair/mode, loads on the x axis, and the
    CPU-against-p99 plane of the consumer (consumer: its CPU field)."""
    if shutil.which("gnuplot") is None:
        log("gnuplot not found: no plots")
        return []
    term = "pngcairo size 900,560 font 'sans,10'"
    if "pngcairo" not in run_cmd(["gnuplot", "-e", "set terminal"]) and \
            "pngcairo" not in subprocess.run(
                ["gnuplot", "-e", "set terminal"], capture_output=True,
                text=True).stderr:
        term = "png size 900,560"
    datdir = os.path.join(outdir, "plotdata")
    os.makedirs(datdir, exist_ok=True)
    # Tic labels are gnuplot format strings: a literal % is %%.
    xt = ", ".join('"%s" %d' % (l.replace("%", "%%"), i)
                   for i, l in enumerate(loads))
    rev = consumer == "guest_cpu"
    host_role, guest_role = ("generator", "sink") if rev else \
        ("sink", "generator")
    path = "host tx stamp to guest rx" if rev else \
        "guest tx stamp to host rx"
    xlabel = ("offered load (saturation = %.2f Mpps, measured with "
              "%s)" % (sat, ref))
    plots = [
        ("throughput.png", "mpps", "delivered throughput (Mpps)",
         "Delivered throughput vs offered load", False),
        ("host_cpu.png", "host_cpu", "host CPU (% of one core)",
         "Host (vhost %s) CPU vs offered load" % host_role, False),
        ("guest_cpu.png", "guest_cpu", "guest CPU (% of one core)",
         "Guest (virtio %s) CPU vs offered load" % guest_role, False),
        ("p99_latency.png", "p99_us", "p99 latency (us, log scale)",
         "p99 latency (%s) vs offered load" % path, True),
        # The generator's wait for ring room counted too (paced loads).
        ("p99_sched_latency.png", "p99_sched_us",
         "p99 latency from the schedule (us, log scale)",
         "p99 latency (scheduled departure to %s rx) vs offered load" %
         ("guest" if rev else "host"), True),
    ]
    made = []
    for png, field, ylabel, title, logy in plots:
        series = []
        for ci, cfg in enumerate(configs):
            path = os.path.join(datdir, "%s-%d.dat" % (field, ci))
            with open(path, "w") as f:
                for i, load in enumerate(loads):
                    s = summ.get((cfg, load))
                    v = s and s.get(field)
                    if v is None or (logy and v[0] <= 0):
                        continue
                    # Small offset per series so error bars do not overlap.
                    x = i + (ci - (len(configs) - 1) / 2) * 0.04
                    f.write("%g %g %g %g\n" % (x, v[0], v[1], v[2]))
            series.append("'%s' using 1:2:3:4 with yerrorlines lw 2 "
                          "title '%s'" % (path, cfg))
        script = "\n".join([
            "set terminal %s" % term,
            "set output '%s'" % os.path.join(outdir, png),
            "set termoption noenhanced",
            "set title '%s'" % title,
            "set xlabel '%s'" % xlabel,
            "set ylabel '%s'" % ylabel,
            "set xtics (%s)" % xt,
            "set xrange [-0.5:%g]" % (len(loads) - 0.5),
            "set logscale y" if logy else "set yrange [0:*]",
            "set grid",
            "set key outside right top",
            "plot " + ", ".join(series),
        ])
        r = subprocess.run(["gnuplot"], input=script, text=True,
                           capture_output=True)
        if r.returncode != 0:
            log("gnuplot failed for %s: %s" % (png, r.stderr.strip()))
        else:
            made.append(png)
    for field, name in (("p99_us", "cpu_vs_p99.png"),
                        ("p99_sched_us", "cpu_vs_p99_sched.png")):
        if cpu_p99_plot(datdir, outdir, configs, loads, summ, consumer,
                        term, field, name):
            made.append(name)
    return made


def cpu_p99_plot(datdir, outdir, configs, loads, summ, consumer, term,
                 field, png):
    """The CPU-against-p99 plane, one panel per paced load: each
    pair/mode a point (median, bars min-max); down and left is better.
    field: p99_us (from tx_burst) or p99_sched_us (from the schedule)."""
    paced = [l for l in loads if l not in ("idle", "sat") and
             any(summ.get((c, l)) for c in configs)]
    if not paced:
        return None
    who = "guest" if consumer == "guest_cpu" else "host"
    sched = " from the schedule" if field == "p99_sched_us" else ""
    panels = []
    for li, load in enumerate(paced):
        series = []
        for ci, cfg in enumerate(configs):
            s = summ.get((cfg, load))
            if not s or not s.get(consumer) or not s.get(field) or \
                    s[field][0] <= 0:
                continue
            path = os.path.join(datdir, "%s-%d-%d.dat" % (field, li, ci))
            c, p = s[consumer], s[field]
            with open(path, "w") as f:
                f.write("%g %g %g %g %g %g\n" % (c[0], p[0], c[1], c[2],
                                                 p[1], p[2]))
            series.append("'%s' using 1:2:3:4:5:6 with xyerrorbars pt 7 "
                          "ps 1.2 lc %d title '%s'" % (path, ci + 1, cfg))
        if series:
            panels.append("\n".join([
                "set title '%s load'" % load,
                "plot " + ", ".join(series)]))
    script = "\n".join([
        "set terminal %s" % term.replace("900,560", "%d,480" %
                                         (420 * len(panels) + 200)),
        "set output '%s'" % os.path.join(outdir, png),
        "set termoption noenhanced",
        "set multiplot layout 1,%d title 'Consumer (%s) CPU against p99 "
        "latency%s, per offered load (medians, bars min-max; lower left "
        "is better)'" % (len(panels), who, sched),
        "set xlabel '%s CPU (%% of one core)'" % who,
        "set ylabel 'p99 latency%s (us, log scale)'" % sched,
        "set xrange [0:105]", "set logscale y", "set grid",
        "set key bottom right font ',8'"] + panels + ["unset multiplot"])
    r = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if r.returncode != 0:
        log("gnuplot failed for %s: %s" % (png, r.stderr.strip()))
        return None
    return png


def help_text(text):
    """argparse expands %(default)s-style fields in help strings: a help
    text built from data (load names such as "1%") needs its % doubled."""
    return text.replace("%", "%%")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--short", action="store_true",
                    help=help_text("under a minute: %s, loads %s, 1 repeat" %
                                   (", ".join(SHORT_MODES),
                                    ", ".join(SHORT_LOADS))))
    ap.add_argument("--repeats", type=int, default=None,
                    help="repeats per point (default 3, --short 1)")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds of traffic per run (default 2, "
                    "--short 0.5)")
    ap.add_argument("--modes", default=None,
                    help="comma-separated modes of our pair (default "
                    "all); '+' adds devargs to a mode, e.g. "
                    "adaptive+latency_us=50")
    ap.add_argument("--loads", default=None,
                    help=help_text("comma-separated loads among %s" %
                                   ", ".join(l for l, _ in
                                             LOADS + EXTRA_LOADS)))
    ap.add_argument("--pattern", choices=["const", "poisson"],
                    default="const",
                    help="arrivals of the paced loads (default const); "
                    "poisson draws repeat N's gaps from seed N + 1, the "
                    "same for every mode")
    ap.add_argument("--pairs", default=None,
                    help="comma-separated among stock (virtio_user + "
                    "net_vhost), ours (both our PMDs, every mode), "
                    "host-only (stock guest + our host, every mode), "
                    "guest-only (our guest + stock host, every mode); "
                    "default stock,ours (host-only if the guest PMD is "
                    "not built)")
    ap.add_argument("--reverse", action="store_true",
                    help="host generates, guest sinks (default: the guest "
                    "generates and the host consumes its transmit ring)")
    ap.add_argument("--cost", type=int, default=0,
                    help="sink busy cycles per packet (default 0)")
    ap.add_argument("--sat-mpps", type=float, default=None,
                    help="scale the paced loads to this saturation rate "
                    "instead of the calibration's (which still runs and "
                    "is reported): this machine has slow phases that can "
                    "halve a calibration")
    ap.add_argument("--huge", action="store_true",
                    help="hugepages (mounted and reserved) instead of "
                    "--no-huge")
    ap.add_argument("--burst", type=int, default=32)
    ap.add_argument("--ring", type=int, default=0,
                    help="descriptors per queue (default 0: each PMD's "
                    "own default, 256 for both guests)")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--segs", type=int, default=1,
                    help="mbuf segments a frame the generator sends "
                    "(default 1): a chain of segs + 1 descriptors on a "
                    "virtio ring")
    ap.add_argument("--mbuf-size", type=int, default=0,
                    help="packet bytes per mbuf of the sink (default 0: "
                    "DPDK's 2048); below --size a packet arrives in "
                    "several segments (mergeable buffers, guest sink "
                    "with --reverse)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--perf-record", action="store_true",
                    help="profile each run's guest (or --perf-process) "
                    "with perf record (cpu-clock): logs/*-SIDE.perf.txt")
    ap.add_argument("--perf-process", choices=("guest", "host"),
                    default="guest",
                    help="the process --perf-record profiles (default "
                    "guest)")
    ap.add_argument("--ref-build", default=None, metavar="DIR",
                    help="a build of other code (e.g. the commit before a "
                    "change) for pairs 'ref' (its guest and host, every "
                    "mode), 'ref-guest-only' (its guest, stock host) and "
                    "'ref-host-only' (stock guest, its host): old and new "
                    "measured interleaved in one run")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--replot", metavar="DIR",
                    help="no runs: rebuild summary, table and plots from "
                    "DIR/runs.csv and DIR/meta.json")
    args = ap.parse_args()
    if args.replot:
        with open(os.path.join(args.replot, "meta.json")) as f:
            meta = json.load(f)
        write_report(args.replot, read_runs(args.replot), meta)
        return 0

    repeats = args.repeats or (1 if args.short else 3)
    duration = args.duration or (0.5 if args.short else 2.0)
    modes = args.modes.split(",") if args.modes else (
        SHORT_MODES if args.short else ALL_MODES)
    load_names = args.loads.split(",") if args.loads else (
        SHORT_LOADS if args.short else [l for l, _ in LOADS])
    known = dict(LOADS + EXTRA_LOADS)
    for l in load_names:
        if l not in known:
            ap.error("unknown load %r (known: %s)" %
                     (l, ", ".join(known)))

    app = os.path.join(args.build, "app", "vspin-traffic")
    if not os.access(app, os.X_OK):
        sys.exit("sweep: %s not built: cd %s && ninja -C build" %
                 (app, ROOT))
    guest_so = os.path.join(args.build, "drivers", "net", "virtio",
                            "librte_net_virtio_spin.so")
    host_so = os.path.join(args.build, "drivers", "net", "vhost_spin",
                           "librte_net_vhost_spin.so")
    have_guest = os.path.exists(guest_so)
    have_host = os.path.exists(host_so)
    # EAL will not load a plugin below a world-writable directory (a clone
    # under /tmp) and says so only in each process's log: use a private
    # copy then, or stop here with the reason.
    try:
        if have_guest:
            guest_so = private_plugins.usable(guest_so)
        if have_host:
            host_so = private_plugins.usable(host_so)
    except private_plugins.PluginDirError as e:
        sys.exit("sweep: %s" % e)
    if args.pairs:
        pairs = args.pairs.split(",")
    elif have_guest and have_host:
        pairs = ["stock", "ours"]
    elif have_host:
        log("sweep: %s not built: stock guest against our host" % guest_so)
        pairs = ["stock", "host-only"]
    else:
        log("sweep: our PMDs are not built: stock pair only")
        pairs = ["stock"]
    configs = []
    for p in pairs:
        if p == "stock":
            configs.append(stock_config())
        elif p == "ours" and have_guest and have_host:
            configs += [ours_config(m, guest_so, host_so) for m in modes]
        elif p == "host-only" and have_host:
            configs += [host_only_config(m, host_so) for m in modes]
        elif p == "guest-only" and have_guest:
            configs += [guest_only_config(m, guest_so) for m in modes]
        elif p in ("ref", "ref-guest-only", "ref-host-only") and \
                args.ref_build:
            rg = private_plugins.usable(os.path.join(
                args.ref_build, "drivers", "net", "virtio",
                "librte_net_virtio_spin.so"))
            rh = private_plugins.usable(os.path.join(
                args.ref_build, "drivers", "net", "vhost_spin",
                "librte_net_vhost_spin.so"))
            for m in modes:
                c = ours_config(m, rg, rh) if p == "ref" else \
                    guest_only_config(m, rg) if p == "ref-guest-only" else \
                    host_only_config(m, rh)
                c.name = p + " " + m
                configs.append(c)
        else:
            ap.error("pair %r unknown or not built" % p)
    if not configs:
        sys.exit("sweep: nothing to run")

    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    outdir = os.path.join(args.out, stamp + ("-short" if args.short else ""))
    os.makedirs(outdir, exist_ok=True)
    facts = machine_facts()
    facts["command"] = shlex.join([os.path.relpath(sys.argv[0], ROOT)] +
                                  sys.argv[1:])
    sockdir = tempfile.mkdtemp(prefix="vspin-bench-")
    runner = Runner(app, outdir, sockdir, args)
    t_start = time.monotonic()
    load0 = loadavg()

    def on_term(sig, frame):
        runner.kill_all()
        shutil.rmtree(sockdir, ignore_errors=True)
        sys.exit(130)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGTERM, on_term)

    # Saturation, first, with pure polling: ours if built, else stock.
    ref = next((c for c in configs if c.name.endswith(" poll")),
               configs[0])
    need_sat = any(isinstance(known[l], float) for l in load_names)
    sat = sat_measured = None
    if need_sat:
        # At least a second: a short run on a shared machine is noisy.
        # This machine has slow phases (a neighbour on a core, or the
        # hypervisor: the same pair runs at ~9 or ~18 Mpps for seconds at
        # a time): take the better of two runs, each its median per-100ms
        # rate (the sustained rate: the best 100 ms overshot it by up to
        # 40%, which put "50%" at 70% of what the pair sustains).
        rates = []
        for k in range(2):
            hrep, grep_, err = runner.run(ref, "max", max(duration, 1.0),
                                          "calibrate%d" % k)
            if err:
                sys.exit("sweep: saturation run failed: %s" % err)
            sink = hrep if hrep["role"] == "sink" else grep_
            ivl = sink.get("interval_mpps", [])[1:-1]
            rates.append(statistics.median(ivl) if ivl else sink["mpps"])
        sat_measured = sat = max(rates)
        if args.sat_mpps:
            sat = args.sat_mpps
        if sat < 1e-3:
            sys.exit("sweep: saturation run delivered nothing")
        log("sweep: saturation measured %.3f Mpps (%s, unpaced), loads "
            "scaled to %.3f" % (sat_measured, ref.name, sat))

    runs = []
    failures = []
    for rep in range(repeats):
        for load in load_names:
            frac = known[load]
            if frac is None:
                rate = "idle"
            elif frac == "max":
                rate = "max"
            else:
                rate = frac * sat * 1e6
            # Modes interleaved within each repeat: drift on a shared
            # machine spreads over all of them alike.
            for cfg in configs:
                extra = LOAD_ARGS.get(load, [])
                if not extra and isinstance(frac, float):
                    extra = ["--pattern", args.pattern]
                    if args.pattern == "poisson":
                        # One arrival sequence per repeat, the same for
                        # every mode: paired within a repeat, repeats
                        # independent samples.
                        extra += ["--seed", str(rep + 1)]
                hrep, grep_, err = runner.run(cfg, rate, duration,
                                              "%s-%s-r%d" % (cfg.name, load,
                                                             rep), extra)
                if not err:
                    err = generator_starved(hrep, grep_)
                if not err:
                    err = run_accounting_error(hrep, grep_)
                if err:
                    log("sweep: %-16s %-13s rep %d: FAILED: %s" %
                        (cfg.name, load, rep, err))
                    failures.append((cfg.name, load, rep, err))
                    continue
                m = metrics(hrep, grep_)
                m.update(config=cfg.name, load=load, repeat=rep)
                runs.append(m)
                log("sweep: %-16s %-13s rep %d: %7.3f Mpps  host %5.1f%%"
                    "  guest %5.1f%%  p99 %8.1f us  lost %d" %
                    (cfg.name, load, rep, m["mpps"], m["host_cpu"],
                     m["guest_cpu"], m["p99_us"], m["lost"]))
    shutil.rmtree(sockdir, ignore_errors=True)
    elapsed = time.monotonic() - t_start

    setup = [
        "- command: `%s`" % facts["command"],
        "- DPDK %s; CPU %s (%s CPUs); Linux %s; commit %s; %s UTC" % (
            facts["dpdk_version"], facts["cpu_model"], facts["cpus"],
            facts["kernel"], facts["git_commit"], facts["date_utc"]),
        "- host: vspin-traffic %s on core %s; guest: vspin-traffic %s "
        "on core %s; %s; %g s of traffic per run; %d repeat(s), "
        "modes interleaved; burst %d; %d-byte frames in %d segment(s); "
        "sink cost %d "
        "cycles/packet; %s arrivals at paced loads; rings: %s" % ("gen" if args.reverse else "sink", HOST_CORE,
                           "sink" if args.reverse else "gen", GUEST_CORE,
                           "hugepages (dynamic memory; guest "
                           "--single-file-segments)" if args.huge else
                           "--no-huge",
                           duration, repeats,
                           args.burst, args.size, args.segs, args.cost,
                           args.pattern,
                           "%d descriptors" % args.ring if args.ring
                           else "each PMD's default"),
    ]
    if sat:
        setup.append("- saturation (reference for the loads): %.3f Mpps "
                     "%s; calibration (%s, unpaced, the better of two runs' "
                     "median per-100ms rates) measured %.3f Mpps" % (
                         sat, "given with --sat-mpps" if args.sat_mpps
                         else "measured", ref.name, sat_measured))
    setup.append("- wall time of the sweep: %.0f s; failed runs: %d; "
                 "load average (1 min) at start %s, at end %s: anything "
                 "above ~2 means other processes shared the two cores" %
                 (elapsed, len(failures), load0, loadavg()))
    for fl in failures:
        setup.append("  - %s %s rep %d: %s" % fl)
    meta = dict(facts, saturation_mpps=sat, reference=ref.name,
                reverse=args.reverse,
                duration_s=duration, repeats=repeats, elapsed_s=elapsed,
                failures=failures, configs=[c.name for c in configs],
                loads=load_names, setup=setup)
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    cols = ["config", "load", "repeat"] + FIELDS
    with open(os.path.join(outdir, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in runs:
            w.writerow(r)
    write_report(outdir, runs, meta)
    return 1 if failures else 0


def read_runs(outdir):
    """runs.csv back into the dicts the sweep made."""
    runs = []
    with open(os.path.join(outdir, "runs.csv")) as f:
        for r in csv.DictReader(f):
            for fl in FIELDS:
                r[fl] = float(r[fl]) if r.get(fl) not in (None, "") \
                    else None
            runs.append(r)
    return runs


def write_report(outdir, runs, meta):
    """summary.csv, table.md, the plots, and the table on stdout."""
    names, load_names = meta["configs"], meta["loads"]
    setup = meta["setup"]
    summ = {}
    for cfg in names:
        for load in load_names:
            sel = [r for r in runs if r["config"] == cfg and
                   r["load"] == load]
            if sel:
                summ[(cfg, load)] = summarize(sel)
    with open(os.path.join(outdir, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["config", "load", "n"] +
                   ["%s_%s" % (fl, s) for fl in FIELDS
                    for s in ("median", "min", "max")])
        for (cfg, load), s in summ.items():
            row = [cfg, load, s["n"]]
            for fl in FIELDS:
                row += list(s[fl]) if s[fl] else ["", "", ""]
            w.writerow(row)

    ref_sat = summ.get((meta["reference"], "sat"))
    if meta["saturation_mpps"] and ref_sat and \
            abs(ref_sat["mpps"][0] / meta["saturation_mpps"] - 1) > 0.15:
        setup = setup + [
            "- warning: %s delivered %.2f Mpps (median) at sat, %.0f%% of "
            "the %.2f Mpps the loads were scaled to: the paced loads are "
            "off by that much" % (
                meta["reference"], ref_sat["mpps"][0],
                100 * ref_sat["mpps"][0] / meta["saturation_mpps"],
                meta["saturation_mpps"])]
    head, rows = table_rows(names, load_names, summ)
    fam = "ours" if any(n.startswith("ours ") for n in names) else \
        "host-only"
    claim_lines = claims(summ, load_names, fam, meta.get("repeats"))
    # The consumer: the host's sink, or the guest's with --reverse (older
    # meta.json files say so only in the set-up line).
    reverse = meta.get("reverse",
                       "host: vspin-traffic gen" in " ".join(setup))
    plots = gnuplot(outdir, names, load_names, summ,
                    meta["saturation_mpps"] or 0, meta["reference"],
                    "guest_cpu" if reverse else "host_cpu")
    md = ["# virtio-spin benchmark sweep", ""] + setup + [
        "", markdown(head, rows), "",
        "Delivered Mpps: data packets over the sink's first-to-last "
        "packet time; per-100ms: the delivered rate in each 100 ms of "
        "the run (the first and the last left out), its lowest and "
        "highest, and its coefficient of variation, each the median over "
        "the repeats; lost, reordered and "
        "duplicates: the worst of the repeats; consumer L / B: the "
        "latency budget and sleep cost the consumer's queue computed "
        "(adaptive); consumer D / D99 / u: what it had learnt at the end "
        "of the run, its batches' wake-up lateness (95th and 99th "
        "percentiles) and its busy fraction (adaptive); CPU: the polling thread's CPU time over wall time; "
        "kicks/calls per million delivered packets from the ports' xstats "
        "('-': the stock PMD does not count it); latency from the "
        "guest's TSC stamp at tx_burst to the host's rx_burst.", "",
        "## The claims, as measured", ""] + claim_lines + [""]
    if plots:
        md += ["## Plots", ""] + ["![%s](%s)" % (p, p) for p in plots] + [""]
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write("\n".join(md))

    print(text_table(head, rows))
    print()
    print("\n".join(claim_lines))
    print()
    print("\n".join(setup))
    print("results: %s" % os.path.relpath(outdir, os.getcwd()))

if __name__ == "__main__":
    sys.exit(main())
