#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vspin-traffic over the stock pair (virtio_user guest as vhost-user
server, net_vhost host as client):
what the generator sends, the sink counts exactly; the pacing and the
cost knob bound what they should; latency from the schedule counts the
generator's wait for ring room; bad options are refused by name.

usage: test_traffic.py <path to vspin-traffic> [CASE...]
(no CASE: every case). No check depends on how fast the machine is:
only counts and bounds that hold at any speed.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

APP = sys.argv[1] if len(sys.argv) > 1 else "build/app/vspin-traffic"
ONLY = sys.argv[2:]
FAILS = []
N = [0]


def eal(core, tag, vdev):
    N[0] += 1
    return [APP, "-l", core, "--no-huge", "--no-pci", "--no-telemetry",
            "--file-prefix", "vtt%d_%s%d" % (os.getpid(), tag, N[0]),
            "--vdev", vdev]


def runtime_dir(argv):
    """EAL's runtime directory for a process run as root (None otherwise:
    it lives under XDG_RUNTIME_DIR then)."""
    if os.geteuid() != 0 or "--file-prefix" not in argv:
        return None
    return "/var/run/dpdk/" + argv[argv.index("--file-prefix") + 1]


def interrupt_once_sending(gen, after, bound=60):
    """Read the generator's progress lines; `after` seconds after one
    counts packets sent, send it SIGINT. Returns all it wrote to stderr.
    If none does within `bound` seconds, SIGINT it anyway (the checks then
    report nothing sent)."""
    lines, sending = [], threading.Event()

    def read():
        for line in gen.stderr:
            lines.append(line)
            m = re.search(r"\btotal\s+(\d+)", line)
            if m and int(m.group(1)) > 0:
                sending.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sending.wait(bound)
    time.sleep(after)
    gen.send_signal(signal.SIGINT)
    try:
        gen.wait(timeout=120)
    except subprocess.TimeoutExpired:
        gen.kill()
        gen.wait()
    reader.join(10)
    return "".join(lines)


def pair(tmp, gen_args, sink_args, interrupt_after=None):
    """Run gen (guest, core 0, vhost-user server) and sink (host, core 1,
    client); return reports. The guest serves: the host's client connects
    at once, where DPDK 22.11's vhost server would take up to 1 s to
    accept. interrupt_after: send the generator SIGINT that many seconds
    after its first progress line (a second into sending) counts packets
    sent: a fixed delay from start-up raced a slow start (ASan, a busy
    machine) and interrupted a generator that had sent nothing."""
    sock = os.path.join(tmp, "s%d.sock" % N[0])
    gj, sj = sock + ".gen.json", sock + ".sink.json"
    quiet = [] if interrupt_after is not None else ["--quiet"]
    gen = subprocess.Popen(
        eal("0", "g", "net_virtio_user0,server=1,path=" + sock) +
        ["--", "--role", "gen", "--json", gj,
         "--warmup-ms", "50", "--linger-ms", "200"] + quiet + gen_args,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not os.path.exists(sock) and time.monotonic() - t0 < 20:
        if gen.poll() is not None:
            break
        time.sleep(0.02)
    sink = subprocess.Popen(
        eal("1", "h", "net_vhost0,client=1,iface=" + sock) +
        ["--", "--role", "sink", "--quiet", "--json", sj, "--wait", "30"] +
        sink_args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    if interrupt_after is not None:
        gerr = interrupt_once_sending(gen, interrupt_after)
    else:
        try:
            _, gerr = gen.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            gen.kill()
            _, gerr = gen.communicate()
    try:
        _, serr = sink.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        sink.kill()
        _, serr = sink.communicate()
    out = []
    for path, rc, err in ((gj, gen.returncode, gerr),
                          (sj, sink.returncode, serr)):
        try:
            with open(path) as f:
                out.append(json.load(f))
        except (OSError, ValueError) as e:
            raise AssertionError("no JSON report %s (rc %s): %s\n%s" %
                                 (path, rc, e, err[-2000:]))
    out.append((gen.returncode, sink.returncode))
    for argv in (gen.args, sink.args):
        run = runtime_dir(argv)
        check(run is None or not os.path.isdir(run),
              "%s left EAL's runtime directory %s behind" % (argv[0], run))
    return out


CASE_NAMES = []


def case(fn):
    def run(tmp):
        try:
            fn(tmp)
            print("PASS", fn.__name__)
        except AssertionError as e:
            print("FAIL", fn.__name__ + ":", e)
            FAILS.append(fn.__name__)
    run.name = fn.__name__
    CASE_NAMES.append(fn.__name__)
    return run


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def exact_accounting(g, s, what):
    check(g["eos_sent"], "%s: generator could not send end-of-stream" % what)
    check(s["eos"], "%s: sink never saw end-of-stream" % what)
    check(g["sent"] > 0, "%s: nothing sent" % what)
    check(s["expected"] == g["sent"],
          "%s: end-of-stream says %d sent, generator says %d" %
          (what, s["expected"], g["sent"]))
    check(s["data_packets"] == g["sent"] and s["lost"] == 0,
          "%s: sent %d, sink got %d, lost %d" %
          (what, g["sent"], s["data_packets"], s["lost"]))
    check(s["duplicates"] == 0 and s["reordered"] == 0,
          "%s: %d duplicates, %d reordered on one in-order queue" %
          (what, s["duplicates"], s["reordered"]))
    check(s["bad_length"] == 0 and s["after_eos"] == 0,
          "%s: %d frames of the wrong length, %d packets after the "
          "end-of-stream" % (what, s["bad_length"], s["after_eos"]))
    check(s["foreign_packets"] == 0 and s["misrouted"] == 0 and
          s["beyond_eos"] == 0,
          "%s: %d foreign packets, %d misrouted, %d numbers never sent" %
          (what, s["foreign_packets"], s["misrouted"], s["beyond_eos"]))
    check(not s["payload_checked"] or s["bad_payload"] == 0,
          "%s: %d packets whose payload is not their pattern" %
          (what, s["bad_payload"]))
    for who, r, key in (("gen", g, "cpu_pct"), ("sink", s, "cpu_pct"),
                        ("sink", s, "traffic_cpu_pct")):
        check(0 < r[key] <= 101, "%s: %s %s is not a share of one core "
              "in (0, 101]" % (what, who, key + "=" + str(r[key])))
    check("xstats" in s and "rx_q0_packets" in s["xstats"],
          "%s: sink JSON lacks the port's xstats" % what)


@case
def every_packet_sent_is_counted_once_per_pattern(tmp):
    for pattern in ("const", "poisson", "onoff"):
        g, s, _ = pair(tmp, ["--rate", "200k", "--duration", "0.3",
                          "--pattern", pattern, "--on-us", "500",
                          "--off-us", "500"], [])
        exact_accounting(g, s, pattern)


@case
def unpaced_generator_is_counted_exactly(tmp):
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.3"], [])
    exact_accounting(g, s, "max")


@case
def payload_pattern_is_checked(tmp):
    # Both sides: every payload byte arrives as sent.
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.2", "--size",
                      "1000", "--payload"], ["--payload"])
    exact_accounting(g, s, "payload")
    check(s["payload_checked"], "the sink did not check the payload")
    # A generator that did not write it: the sink must see every packet
    # as bad, or its check could not fail.
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.2", "--size",
                      "1000"], ["--payload"])
    check(s["data_packets"] > 0 and s["bad_payload"] == s["data_packets"],
          "payload not written: %d of %d packets seen as bad" %
          (s["bad_payload"], s["data_packets"]))
    # Frames sent in 3 segments (the generator splits each after
    # writing it): every byte still in its place.
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.2", "--size",
                      "1000", "--payload", "--segs", "3"], ["--payload"])
    check(g["config"]["segs"] == 3, "the generator's report: %s"
          % g["config"])
    exact_accounting(g, s, "payload in 3 segments")
    check(s["payload_checked"], "the sink did not check the payload")


@case
def paced_generator_never_exceeds_its_schedule(tmp):
    rate, burst = 100000, 32
    g, s, _ = pair(tmp, ["--rate", str(rate), "--duration", "0.5",
                      "--burst", str(burst)], [])
    bound = rate * g["active_s"] + burst
    check(0 < g["sent"] <= bound,
          "sent %d in %.3f s at %d pps: bound %.0f" %
          (g["sent"], g["active_s"], rate, bound))


@case
def cost_knob_slows_the_consumer_to_its_budget(tmp):
    # 50000 busy cycles per packet (about 20 us at 2.5 GHz): the sink's
    # active time is at least (packets - last burst) * cost, whatever
    # the machine.
    cycles, burst = 50000, 32
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.3", "--burst",
                      str(burst)], ["--cost", str(cycles), "--burst",
                                    str(burst)])
    cost = s["config"]["cost_cycles"] / s["tsc_hz"]
    floor = (s["data_packets"] - burst) * cost
    check(s["data_packets"] > burst, "only %d packets" % s["data_packets"])
    check(s["active_s"] >= floor,
          "%d packets at %.1f us each took only %.4f s (floor %.4f s)" %
          (s["data_packets"], cost * 1e6, s["active_s"], floor))
    exact_accounting(g, s, "slow consumer")


@case
def latency_from_the_schedule_counts_the_senders_wait(tmp):
    # 200k pps offered to a sink that takes about 20 us a packet: the
    # ring fills and packets wait in the generator. Latency from the
    # schedule counts that wait, latency from tx_burst does not.
    g, s, _ = pair(tmp, ["--rate", "200k", "--duration", "0.3"],
                   ["--cost", "50000", "--interval-ms", "20"])
    exact_accounting(g, s, "paced into a slow consumer")
    lat, sched = s["latency_ns"], s["latency_sched_ns"]
    check(sched["count"] == s["data_packets"],
          "%d latencies from the schedule for %d packets"
          % (sched["count"], s["data_packets"]))
    check(sched["p99"] > 2 * lat["p99"],
          "p99 from the schedule %.0f us, from tx_burst %.0f us: the "
          "generator's wait is missing" % (sched["p99"] / 1e3,
                                          lat["p99"] / 1e3))
    # Per interval, the worst of it: the wait grows as the sink falls
    # behind, so the series rises and its top is past tx_burst's p99.
    worst = s["interval_sched_max_us"]
    check(len(worst) == len(s["interval_mpps"]) >= 3,
          "%d intervals of the worst latency for %d of the rate"
          % (len(worst), len(s["interval_mpps"])))
    check(worst[-1] > worst[0] and max(worst) * 1e3 > 2 * lat["p99"],
          "worst latency from the schedule per interval %s us, p99 from "
          "tx_burst %.0f us" % ([round(w) for w in worst], lat["p99"] / 1e3))
    check(isinstance(s.get("traffic_minor_faults"), int),
          "no count of the sink's minor faults: %r"
          % s.get("traffic_minor_faults"))
    # Unpaced: nothing was scheduled, nothing measured from it.
    g, s, _ = pair(tmp, ["--rate", "max", "--duration", "0.2"], [])
    check(s["latency_sched_ns"]["count"] == 0,
          "unpaced: %d latencies from a schedule"
          % s["latency_sched_ns"]["count"])


@case
def idle_generator_sends_only_end_of_stream(tmp):
    g, s, _ = pair(tmp, ["--rate", "idle", "--duration", "0.3"], [])
    check(g["sent"] == 0 and s["data_packets"] == 0 and s["eos"],
          "idle: sent %d, sink got %d data packets, eos %s" %
          (g["sent"], s["data_packets"], s["eos"]))
    check(0 < g["cpu_s"] and 0 < s["wall_s"],
          "idle: no CPU or wall time recorded (%s, %s)" %
          (g["cpu_s"], s["wall_s"]))


@case
def sigint_ends_the_run_with_an_exact_count(tmp):
    g, s, rcs = pair(tmp, ["--rate", "20k", "--duration", "60"], [],
                     interrupt_after=0.5)
    check(g["active_s"] < 30,
          "generator ran %.1f s of 60 despite SIGINT" % g["active_s"])
    check(rcs == (0, 0), "exit status gen %d, sink %d" % rcs)
    exact_accounting(g, s, "interrupted")


@case
def bad_options_are_refused_by_name(tmp):
    for args, name in ((["--role", "gen", "--rate", "fast"], "--rate"),
                       (["--role", "gen", "--size", "10"], "--size"),
                       (["--role", "both"], "--role"),
                       (["--role", "gen", "--pattern", "bursty"],
                        "--pattern"),
                       (["--rate", "1M"], "--role"),
                       (["--role", "gen", "--size", "1514", "--mbuf-size",
                         "256"], "--mbuf-size"),
                       (["--role", "sink", "--idle-ms", "0"], "--idle-ms"),
                       (["--role", "gen", "--segs", "9"], "--segs"),
                       (["--role", "gen", "--segs", "8", "--size", "60"],
                        "--segs")):
        r = subprocess.run(eal("0", "b", "net_null0") + ["--"] + args,
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 2 and name in r.stderr,
              "%s: rc %d, stderr does not name %s: %s" %
              (" ".join(args), r.returncode, name, r.stderr[-300:]))


def main():
    tmp = tempfile.mkdtemp(prefix="vspin-traffic-test-")
    try:
        for c in (every_packet_sent_is_counted_once_per_pattern,
                  unpaced_generator_is_counted_exactly,
                  payload_pattern_is_checked,
                  paced_generator_never_exceeds_its_schedule,
                  cost_knob_slows_the_consumer_to_its_budget,
                  latency_from_the_schedule_counts_the_senders_wait,
                  idle_generator_sends_only_end_of_stream,
                  sigint_ends_the_run_with_an_exact_count,
                  bad_options_are_refused_by_name):
            if not ONLY or c.name in ONLY:
                c(tmp)
        unknown = set(ONLY) - set(CASE_NAMES)
        if unknown:
            print("FAIL unknown case(s): %s" % sorted(unknown))
            FAILS.append("unknown")
    finally:
        subprocess.run(["rm", "-rf", tmp])
    print("%d failed" % len(FAILS) if FAILS else "all passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
