# SPDX-License-Identifier: BSD-3-Clause
"""Telemetry: each rx queue's spin policy through our own commands.

Case telemetry_vhost_spin
  Topology: testpmd "host" with --vdev net_null0 and
  net_vhost_spin0,iface=SOCK,queues=2,spin_mode=adaptive,sleep=always
  (rxonly); testpmd "guest" with Debian's stock
  net_virtio_user0,path=SOCK,queues=2 (rxonly).
Case telemetry_virtio_spin
  Topology: testpmd "host" with Debian's stock net_vhost0,iface=SOCK;
  testpmd "guest" with net_null0 and
  net_virtio_spin0,path=SOCK,spin_mode=spin:50,sleep=always (rxonly).
In both, net_null0 (the port of another driver) is in the process, where
  the default sleep=auto would forbid our queues to arm or sleep, and the
  counters would all stay 0: sleep=always lets them, and testpmd forwards
  our port only ("set portlist"), so that net_null0 is kept off the
  lcore as sleep=always asks.
Commands: dpdk-telemetry.py -f <file prefix of our testpmd>, with "/",
  then /<pmd>/queues,<our port>, ,<the net_null port>, ,x and no port on
  stdin (the harness gives each testpmd its own --file-prefix; the socket
  is /var/run/dpdk/<prefix>/dpdk_telemetry.v2).
Expected: "/" lists the command; our port answers with one dict per rx
  queue (rx_q0, rx_q1, ...) holding mode (the devargs' mode), state (poll,
  spin, armed or sleep), window_us, sleep_cost_us, latency_us,
  wake_late_us, busy_pct, wake_cpu_us, wake_late_p99_us,
  wake_late_pkt_p99_us, budget,
  sleep_max_us, ring_size, arms, sleeps, wakeups, sleep_timeouts and
  spurious_wakeups; ring_size is the ring's (256 on both sides: what the
  policy bounds K by); the adaptive queue has measured its sleep cost and
  its latency budget (> 0), has a window of 0 (idle, each gap ran into a
  sleep, so it arms at once), busy_pct 0 and wake_cpu_us > 0 (measured)
  (its wake_late_us, wake_late_p99_us and wake_late_pkt_p99_us start at
  B and step down while no batch is woken: only compared with the
  xstats, as every setting), the spin:50 queue a
  50 us window, no latency budget, no wake_late_us, wake_late_p99_us,
  wake_late_pkt_p99_us or wake_cpu_us; the idle queues have armed, slept
  and ended sleeps by their timeout (arms, sleeps and sleep_timeouts > 0
  in the xstats read just after: each counter moves, so that comparing
  them means something); the counters lie between the port's
  xstats (rx_qN_sleeps, ...) read just before and just after, and the
  settings (sleep_cost_us, latency_us, wake_late_us, busy_pct,
  wake_cpu_us, wake_late_p99_us, wake_late_pkt_p99_us) equal the xstats
  of the same names (rx_qN_...), which
  "clear port xstats" leaves as they were; a port of
  another driver, a malformed or a missing port id gets null.
Case telemetry_many_queues
  A net_vhost_spin port of 48 rx queues (testpmd, no frontend): the
  port's reply holds rx_q0..rx_q31 and "more" naming queues 32 to 47;
  /vhost_spin/queues,0,40 and ,0,47 give that queue alone; ,0,48 and
  ,0,1x get null.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

FIELDS = ("mode", "state", "window_us", "sleep_cost_us", "latency_us",
          "wake_late_us", "busy_pct", "wake_cpu_us", "wake_late_p99_us",
          "wake_late_pkt_p99_us", "budget",
          "sleep_max_us", "ring_size",
          "arms", "sleeps", "wakeups", "sleep_timeouts", "spurious_wakeups")
COUNTERS = ("arms", "sleeps", "wakeups", "sleep_timeouts",
            "spurious_wakeups")
# What an idle queue that may sleep moves (sleep_max_us 10 ms, no peer
# traffic: its sleeps end by the timeout).
IDLE_MOVES = ("arms", "sleeps", "sleep_timeouts")
# Settings shown both ways: the xstats (truncated) and the telemetry
# (rounded) may differ by 1 us.
SETTINGS = ("sleep_cost_us", "latency_us", "wake_late_us", "busy_pct",
            "wake_cpu_us", "wake_late_p99_us", "wake_late_pkt_p99_us")
STATES = ("poll", "spin", "armed", "sleep")


check = harness.check


def port_of(tp, driver):
    out = tp.cmd("show port info all")
    port = None
    for line in out.splitlines():
        if "Infos for port" in line:
            port = int(line.split("Infos for port")[1].split()[0])
        elif "Driver name:" in line and line.split(":", 1)[1].strip() == \
                driver:
            return port
    tp.fail("no %s port in 'show port info all'" % driver)


def only_ours(tp, driver):
    """Forward our port only: net_null0 stays off the forwarding lcore,
    as sleep=always asks of the user."""
    tp.cmd("set portlist %d" % port_of(tp, driver))
    cfg = tp.cmd("show config fwd")
    check("RX P=%d" % port_of(tp, "net_null") not in cfg,
          "net_null0 is still forwarded: %r" % cfg)


def check_queues(ours, pmd, driver, nq, mode, expect):
    cmd = "/%s/queues" % pmd
    port = port_of(ours, driver)
    other = port_of(ours, "net_null")
    before = ours.xstats(port)
    listing, reply, wrong, bad, none = harness.telemetry(
        ours.prefix, "/", "%s,%d" % (cmd, port), "%s,%d" % (cmd, other),
        cmd + ",x", cmd)
    after = ours.xstats(port)
    check(cmd in listing["/"], "%s not among the commands: %s" % (
        cmd, listing["/"]))
    queues = reply[cmd]
    check(isinstance(queues, dict), "%s,%d: %r" % (cmd, port, reply))
    check(sorted(queues) == ["rx_q%d" % q for q in range(nq)],
          "%s,%d: queues %s, expected rx_q0..rx_q%d" % (
              cmd, port, sorted(queues), nq - 1))
    for name, q in queues.items():
        missing = [f for f in FIELDS if f not in q]
        check(not missing, "%s %s lacks %s: %s" % (cmd, name, missing, q))
        check(q["mode"] == mode, "%s %s: mode %r, expected %r" % (
            cmd, name, q["mode"], mode))
        check(q["state"] in STATES, "%s %s: state %r" % (cmd, name,
                                                          q["state"]))
        for f, test, what in expect:
            check(test(q[f]), "%s %s: %s=%r, expected %s" % (
                cmd, name, f, q[f], what))
        for c in IDLE_MOVES:
            x = "%s_%s" % (name, c)
            check(after[x] > 0, "%s %s: xstats %s=%d: the idle queue did "
                  "not arm, sleep and time out" % (cmd, name, x, after[x]))
        for c in COUNTERS:
            x = "%s_%s" % (name, c)
            check(before[x] <= q[c] <= after[x],
                  "%s %s: %s=%d, but xstats %s went %d -> %d around it" % (
                      cmd, name, c, q[c], x, before[x], after[x]))
        # Learnt while the queue runs: between the two reads around it.
        for f in SETTINGS:
            x = "%s_%s" % (name, f)
            lo, hi = sorted((before[x], after[x]))
            check(lo - 1 <= q[f] <= hi + 1,
                  "%s %s: %s=%d, but xstats %s went %d -> %d around it" % (
                      cmd, name, f, q[f], x, before[x], after[x]))
    for what, r in (("the net_null port %d" % other, wrong),
                    ("port 'x'", bad), ("no port", none)):
        check(r == {cmd: None}, "%s for %s: %r, expected null" % (
            cmd, what, r))
    # A user's xstats reset zeroes counts, not settings. With forwarding
    # stopped: a queue that runs learns its quantities all along.
    ours.stop_fwd()
    kept = ours.xstats(port)
    ours.cmd("clear port xstats %d" % port)
    cleared = ours.xstats(port)
    for name in queues:
        for f in SETTINGS:
            x = "%s_%s" % (name, f)
            check(cleared[x] == kept[x], "%s: %d after clear port xstats, "
                  "%d before" % (x, cleared[x], kept[x]))
        for c in COUNTERS:
            x = "%s_%s" % (name, c)
            check(cleared[x] == 0, "%s: %d after clear port xstats" % (
                x, cleared[x]))
    print("%s,%d: %s" % (cmd, port, json.dumps(queues)))


def case_vhost_spin(d):
    sock = os.path.join(d, "vhost.sock")
    host = harness.Testpmd(
        "tel-host", fwd_lcore=1, plugins=[harness.plugin("vhost_spin")],
        vdevs=["net_null0", "net_vhost_spin0,iface=%s,queues=2,"
               "spin_mode=adaptive,sleep=always" % sock],
        args=["--forward-mode=rxonly", "--rxq=2", "--txq=2"])
    guest = harness.Testpmd(
        "tel-guest", fwd_lcore=0,
        vdevs=["net_virtio_user0,path=%s,queues=2" % sock],
        args=["--forward-mode=rxonly", "--rxq=2", "--txq=2"])
    with host, guest:
        guest.wait_link_up(0, timeout=15)
        only_ours(host, "net_vhost_spin")
        host.start_fwd()
        time.sleep(0.5)  # idle: the adaptive queues arm and sleep
        check_queues(host, "vhost_spin", "net_vhost_spin", 2, "adaptive",
                     [("sleep_cost_us", lambda v: v > 0, "> 0 (measured)"),
                      ("latency_us", lambda v: v > 0, "> 0 (measured)"),
                      ("window_us", lambda v: v == 0,
                       "0 (idle, every gap ran into a sleep: it arms at "
                       "once)"),
                      ("busy_pct", lambda v: v == 0, "0 (idle)"),
                      ("wake_cpu_us", lambda v: v > 0, "> 0 (measured)"),
                      ("ring_size", lambda v: v == 256,
                       "256 (the stock guest's ring)")])


def case_virtio_spin(d):
    sock = os.path.join(d, "vhost.sock")
    host = harness.Testpmd(
        "tel-host", fwd_lcore=0, vdevs=["net_vhost0,iface=" + sock],
        args=["--forward-mode=rxonly"])
    guest = harness.Testpmd(
        "tel-guest", fwd_lcore=1, plugins=[harness.plugin("virtio")],
        vdevs=["net_null0",
               "net_virtio_spin0,path=%s,spin_mode=spin:50,sleep=always"
               % sock],
        args=["--forward-mode=rxonly"])
    with host, guest:
        guest.wait_link_up(port_of(guest, "net_virtio_spin"), timeout=15)
        only_ours(guest, "net_virtio_spin")
        guest.start_fwd()
        time.sleep(0.5)
        check_queues(guest, "virtio_spin", "net_virtio_spin", 1, "spin",
                     [("window_us", lambda v: v == 50, "50"),
                      ("latency_us", lambda v: v == 0, "0 (not adaptive)"),
                      ("wake_late_us", lambda v: v == 0, "0 (not adaptive)"),
                      ("wake_late_p99_us", lambda v: v == 0,
                       "0 (not adaptive)"),
                      ("wake_late_pkt_p99_us", lambda v: v == 0,
                       "0 (not adaptive)"),
                      ("wake_cpu_us", lambda v: v == 0, "0 (not adaptive)"),
                      ("ring_size", lambda v: v == 256,
                       "256 (queue_size's default)")])


def case_many_queues(d):
    """A port of 48 rx queues: one reply would not hold them all (16 KB,
    about 350 bytes a queue), and DPDK cuts what does not fit without a
    word. The port's reply has the first 32 and says which are left out;
    PORT,QUEUE gives any one of them; a queue past the last gets null."""
    cmd = "/vhost_spin/queues"
    host = harness.Testpmd(
        "tel-many", fwd_lcore=1, plugins=[harness.plugin("vhost_spin")],
        vdevs=["net_vhost_spin0,iface=%s,queues=48" %
               os.path.join(d, "vhost.sock")],
        args=["--rxq=48", "--txq=48"])
    with host:
        whole, one, last, past, junk = harness.telemetry(
            host.prefix, "%s,0" % cmd, "%s,0,40" % cmd, "%s,0,47" % cmd,
            "%s,0,48" % cmd, "%s,0,1x" % cmd)
    r = whole[cmd]
    check(isinstance(r, dict), "%s,0: %r" % (cmd, whole))
    want = ["rx_q%d" % q for q in range(32)]
    check(sorted(k for k in r if k != "more") == sorted(want),
          "%s,0: queues %s, expected rx_q0..rx_q31" % (cmd, sorted(r)))
    check(r.get("more", "").startswith("rx queues 32 to 47"),
          "%s,0: more=%r" % (cmd, r.get("more")))
    for reply, q in ((one, 40), (last, 47)):
        got = reply["%s" % cmd]
        check(isinstance(got, dict) and list(got) == ["rx_q%d" % q] and
              all(f in got["rx_q%d" % q] for f in FIELDS),
              "%s,0,%d: %r" % (cmd, q, reply))
    for what, reply in (("queue 48 of 48", past), ("queue '1x'", junk)):
        check(reply == {cmd: None}, "%s for %s: %r, expected null" % (
            cmd, what, reply))
    print("%s,0: 32 queues and more=%r; ,0,40 and ,0,47 one each" % (
        cmd, r["more"]))


CASES = {"telemetry_vhost_spin": case_vhost_spin,
         "telemetry_virtio_spin": case_virtio_spin,
         "telemetry_many_queues": case_many_queues}


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_telemetry.py %s" % "|".join(CASES))
    try:
        with harness.private_dir() as d:
            CASES[case](d)
    except (AssertionError, harness.HarnessError) as e:
        print("FAIL %s: %s" % (case, e))
        sys.exit(1)
    print("PASS " + case)


if __name__ == "__main__":
    main()
