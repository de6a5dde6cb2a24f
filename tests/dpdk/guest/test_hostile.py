# SPDX-License-Identifier: BSD-3-Clause
"""A hostile backend cannot make net_virtio_spin read or write out of
bounds, and each queue it breaks is stopped alone (issue 9, item 4).

The backend is fake_backend.FakeBackend serving the rings (serve=True)
of a guest with 2 queue pairs forwarding (io, spin_mode=poll). After 200
good entries on the hostile vring it writes, once, for each MODE in turn
(case hostile_used: all nine, one guest, one connection; case
hostile_used_MODE: that one alone):

  bad_id         rx q1: a used id >= the ring size
  not_in_flight  rx q1: a used id the guest has not lent
  twice          rx q1: one chain given back twice
  len            rx q1: a len past the posted buffer
  jump           rx q1: used idx a ring + 5 ahead
  nbuf_ring      rx q1: num_buffers > the ring size
  nbuf_used      rx q1: num_buffers 3, one entry used
  runt_nbuf      rx q1: a packet's first buffer used for 2 bytes past
                 the header (a VLAN-tagged frame's start) and num_buffers
                 2, the second buffer used too: a device fills the first
                 buffer first, so the guest must not take the second for
                 a packet (nor strip a VLAN tag from 2 bytes)
  tx_bad_id      tx q1: a used id >= the ring size

The guest strips VLAN tags (testpmd: vlan set strip on 0) throughout.

hostile_in_order_used (and _MODE): the same with VIRTIO_F_IN_ORDER
negotiated, where the guest reads no used id but a batch's last (the fake
backend writes each bad entry as the only one of its batch).

Each time: rx_q1_bad_used (tx_q1_bad_used) and rx_q1_errors count it, the
guest logs "rx queue 1 stopped" once more, queue 0 keeps receiving, a
port restart (stop, start) brings queue 1 back with packets moving and
bad_used no higher (the counters go on across a restart, as the packet
counts do), and the next mode breaks the restarted queue. At the end
testpmd exits with status 0.

hostile_runt: rx q1 gets a whole packet of 2 bytes (the buffer holds a
VLAN-tagged frame's start) while the guest strips VLAN tags: it is
dropped as a runt and counted in rx_q1_errors (not bad_used), queue 1
goes on receiving, nothing crashes (a strip of it reads a header the
packet does not have).

Malformed vhost-user replies after the probe: the guest logs the error,
resets the connection (connects again), does not crash, and recovers:

  hostile_reply_start_request  dev_start: the ack of SET_VRING_ADDR names
                               another request
  hostile_reply_start_fds      dev_start: the ack of SET_VRING_CALL
                               carries 2 fds
  hostile_reply_stop_size      dev_stop: GET_VRING_BASE's reply has a
                               4-byte payload
  hostile_reply_stop_short     dev_stop: GET_VRING_BASE's reply announces
                               8 bytes and sends 4 (reply_timeout_ms=1000)
  hostile_reply_stop_index     dev_stop: GET_VRING_BASE answers another
                               vring
  hostile_reply_stop_fds       dev_stop: GET_VRING_BASE's reply carries
                               an fd
  hostile_reply_reconnect      reconnect (after a stray byte): the second
                               connection's GET_FEATURES reply has
                               another request code, the third's
                               GET_PROTOCOL_FEATURES an fd, the fourth is
                               well-behaved: link up again

Runs against either build; on an ASan+UBSan one (suite dpdk-asan, or by
hand VSPIN_BUILD_DIR=build-san) testpmd gets the ASan runtime (harness.py)
and the test checks that no sanitizer reported anything.
"""

import os
import struct
import sys
import time

from fake_backend import FEATURES, FakeBackend, wait_until
from guestlib import check, harness, run

from vu_proto import REPLY, VERSION  # noqa: E402
IN_ORDER = 35
SAN_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
             "ERROR: LeakSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def guest(path, devargs="", queues=2, name="guest"):
    vdev = "net_virtio_spin0,path=%s,spin_mode=poll" % path
    if queues > 1:
        vdev += ",queues=%d" % queues
    return harness.Testpmd(
        name, vdevs=[vdev + devargs], plugins=[harness.plugin("virtio")],
        fwd_lcore=1, args=["--forward-mode=io", "--rxq=%d" % queues,
                           "--txq=%d" % queues],
        log_levels=["pmd.net.virtio_spin:info"], timeout=120)


def check_clean(g):
    log = g.log
    rep = harness.sanitizer_report(log)
    check(rep is None, "sanitizer report in the guest's log: %s\n%s"
          % (rep, log[-6000:]))
    for mark in SAN_MARKS:
        check(mark not in log, "sanitizer report in the guest's log:\n"
              + log[max(0, log.find(mark) - 2000):][:6000])


def finish(g):
    rc = g.quit(timeout=60)
    check_clean(g)
    check(rc == 0, "testpmd exit status %s:\n%s" % (rc, g.log[-3000:]))


def grows(g, key, secs=2.0):
    """(before, after): after is the first count above before, or the
    count secs later."""
    a = g.xstats(0).get(key, 0)
    last = [a]

    def moved():
        last[0] = g.xstats(0).get(key, 0)
        return last[0] > a
    wait_until(moved, secs, 0.02)
    return a, last[0]


def stays(g, key, secs=0.3):
    """(before, after) of key over secs."""
    a = g.xstats(0).get(key, 0)
    time.sleep(secs)
    return a, g.xstats(0).get(key, 0)


def wait_xstat(g, key, minimum, timeout):
    seen = {}

    def ok():
        seen.update(g.xstats(0))
        return seen.get(key, 0) >= minimum
    check(wait_until(ok, timeout, 0.05), "%s stayed below %d: %r" % (
        key, minimum, {k: v for k, v in seen.items() if "_q" in k
                       and k.split("_", 2)[2] in ("packets", "errors",
                                                  "bad_used")}))
    return seen


# The modes of hostile_used and hostile_in_order_used, in the order one
# guest meets them.
USED_MODES = ("bad_id", "not_in_flight", "twice", "len", "jump",
              "nbuf_ring", "nbuf_used", "runt_nbuf", "tx_bad_id")


def vring_of(mode):
    return 3 if mode.startswith("tx_") else 2


def used_case(modes, in_order=False):
    """One guest, one connection: each mode breaks its vring once, in
    turn, and each time the queue stops alone and a port restart brings
    it back (the next mode breaks the restarted rings)."""
    with harness.private_dir() as d:
        path = os.path.join(d, "hostile.sock")
        feats = FEATURES | (1 << IN_ORDER if in_order else 0)
        with FakeBackend(path, serve=True, queues=2,
                         features=feats) as be, \
                guest(path) as g:
            g.wait_link_up(0, timeout=30)
            check(not in_order or "IN_ORDER on" in g.log,
                  "IN_ORDER offered but the guest did not log "
                  "'IN_ORDER on'")
            g.cmd("vlan set strip on 0")
            g.start_fwd()
            for mode in modes:
                used_round(g, be, mode)
            g.stop_fwd()
            finish(g)


def used_round(g, be, mode):
    """While the guest forwards, the backend breaks mode's vring (once
    more: done breaks of it in all)."""
    vring = vring_of(mode)
    d_ = "tx" if vring == 3 else "rx"
    done = be.hostile_done.count(vring) + 1
    x0 = g.xstats(0)
    errors = x0.get("%s_q1_errors" % d_, 0)
    bad = x0.get("%s_q1_bad_used" % d_, 0)
    be.arm(vring, mode)
    check(wait_until(lambda: be.hostile_done.count(vring) >= done, 60),
          "%s: the backend never broke vring %d (xstats %r)\n%s"
          % (mode, vring, g.xstats(0), g.log[-3000:]))
    xs = wait_xstat(g, "%s_q1_bad_used" % d_, bad + 1, 20)
    bad = xs["%s_q1_bad_used" % d_]
    check(xs.get("%s_q1_errors" % d_, 0) > errors,
          "%s: %s_q1_errors is %d after a bad used entry, %d before"
          % (mode, d_, xs.get("%s_q1_errors" % d_, 0), errors))
    check(xs.get("%s_q0_bad_used" % d_, 0) == 0,
          "%s: queue 0 counted bad entries too: %r\n%s"
          % (mode, xs, g.log[-3000:]))
    stopped = "%s queue 1 stopped" % d_
    check(wait_until(lambda: g.log.count(stopped) >= done, 5),
          "%s: no new '%s' in the log:\n%s" % (mode, stopped,
                                               g.log[-2000:]))
    a, b = grows(g, "rx_q0_packets")
    check(b > a, "%s: queue 0 stopped receiving after queue 1 broke "
          "(%d then %d)" % (mode, a, b))
    a1, b1 = stays(g, "%s_q1_packets" % d_)
    check(a1 == b1, "%s: queue 1 still moves after it broke (%d then "
          "%d)" % (mode, a1, b1))
    check(g.proc.poll() is None, "testpmd died")
    g.stop_fwd()
    # A restart sets the queue up again; the backend behaves now.
    g.cmd("port stop 0", timeout=30)
    g.cmd("port start 0", timeout=30)
    g.wait_link_up(0, timeout=30)
    q1 = g.xstats(0).get("%s_q1_packets" % d_, 0)
    g.start_fwd()
    xs = wait_xstat(g, "%s_q1_packets" % d_, q1 + 1, 20)
    check(xs.get("%s_q1_bad_used" % d_, 0) == bad,
          "%s: bad_used went from %d to %d over the restart and good "
          "traffic: %r" % (mode, bad, xs.get("%s_q1_bad_used" % d_, 0),
                           xs))
    print("ok: %s: %s_q1 stopped (bad_used, errors counted), q0 went on "
          "(%d -> %d packets), restart recovered q1" % (mode, d_, a, b))


def runt_case():
    with harness.private_dir() as d:
        path = os.path.join(d, "hostile.sock")
        with FakeBackend(path, serve=True, queues=2) as be, \
                guest(path) as g:
            g.wait_link_up(0, timeout=30)
            g.cmd("vlan set strip on 0")
            g.start_fwd()
            errors = g.xstats(0).get("rx_q1_errors", 0)
            be.arm(2, "runt")
            check(wait_until(lambda: 2 in be.hostile_done, 60),
                  "the backend never sent the runt (xstats %r)\n%s"
                  % (g.xstats(0), g.log[-3000:]))
            xs = wait_xstat(g, "rx_q1_errors", errors + 1, 20)
            check(xs.get("rx_q1_bad_used", 0) == 0,
                  "a runt counted as a bad used entry: %r" % xs)
            a, b = grows(g, "rx_q1_packets")
            check(b > a and "rx queue 1 stopped" not in g.log,
                  "queue 1 stopped after a runt (%d then %d packets)\n%s"
                  % (a, b, g.log[-3000:]))
            check(g.proc.poll() is None, "testpmd died:\n"
                  + g.log[-3000:])
            g.stop_fwd()
            finish(g)
    print("ok: a runt dropped and counted in rx_q1_errors, queue 1 went "
          "on (%d -> %d packets)" % (a, b))


def raw(req, size, body, flags=VERSION | REPLY):
    return struct.pack("<III", req, flags, size) + body


U64 = struct.pack("<Q", 0)
REPLY_CASES = {
    # name: (connection, request, action, expected log text, phase)
    "start_request": (1, "SET_VRING_ADDR", ("raw", raw(8, 8, U64)),
                      "bad reply to SET_VRING_ADDR: request 8", "start"),
    "start_fds": (1, "SET_VRING_CALL", ("raw_fds", raw(13, 8, U64), 2),
                  "bad reply to SET_VRING_CALL: it carried file descriptors",
                  "start"),
    "stop_size": (1, "GET_VRING_BASE", ("raw", raw(11, 4, b"\0" * 4)),
                  "bad reply to GET_VRING_BASE: request 11 flags 0x5 "
                  "size 4 (expected size 8)", "stop"),
    "stop_short": (1, "GET_VRING_BASE", ("raw", raw(11, 8, b"\0" * 4)),
                   "truncated reply to GET_VRING_BASE: timed out", "stop"),
    "stop_index": (1, "GET_VRING_BASE",
                   ("raw", raw(11, 8, struct.pack("<II", 1, 0))),
                   "GET_VRING_BASE answered vring 1, not 0", "stop"),
    "stop_fds": (1, "GET_VRING_BASE",
                 ("raw_fds", raw(11, 8, struct.pack("<II", 0, 0)), 1),
                 "bad reply to GET_VRING_BASE: it carried file descriptors",
                 "stop"),
}


def reply_case(case):
    conn, req, action, expect, phase = REPLY_CASES[case]
    with harness.private_dir() as d:
        path = os.path.join(d, "reply.sock")
        rule = lambda c, r: (action if c == conn and r == req  # noqa: E731
                             else None)
        with FakeBackend(path, rule=rule, serve=True, queues=1) as be, \
                guest(path, ",reply_timeout_ms=1000", queues=1) as g:
            if phase == "start":
                check("Fail to start port 0" in g.log,
                      "the start did not fail:\n" + g.log[-2000:])
            else:
                g.wait_link_up(0, timeout=30)
                g.cmd("port stop 0", timeout=30)
                check("backend did not stop vring 0" in g.log,
                      "no warning about the kept buffers:\n"
                      + g.log[-2000:])
            check(expect in g.log, "no %r in the log:\n%s"
                  % (expect, g.log[-2000:]))
            check("resetting the connection" in g.log,
                  "the connection was not reset:\n" + g.log[-2000:])
            check(wait_until(lambda: be.conns >= 2, 10),
                  "the guest did not connect again (%d connections)"
                  % be.conns)
            g.cmd("port stop 0", timeout=30)
            g.cmd("port start 0", timeout=30)
            g.wait_link_up(0, timeout=30)
            g.start_fwd()
            wait_xstat(g, "rx_q0_packets", 1, 20)
            g.stop_fwd()
            check(g.proc.poll() is None, "testpmd died")
            finish(g)
            print("ok: %s: %r logged, connection reset, port works again "
                  "after a restart" % (case, expect))


def reconnect_case():
    def rule(c, r):
        if c == 2 and r == "GET_FEATURES":
            return ("raw", raw(15, 8, U64))
        if c == 3 and r == "GET_PROTOCOL_FEATURES":
            return ("raw_fds", raw(15, 8, struct.pack("<Q", 1 << 3)), 1)
        return None

    with harness.private_dir() as d:
        path = os.path.join(d, "reconnect.sock")
        with FakeBackend(path, rule=rule, serve=True, queues=1) as be, \
                guest(path, queues=1) as g:
            g.wait_link_up(0, timeout=30)
            be.send_raw(b"\x5a")
            check(wait_until(lambda: be.conns >= 4, 20),
                  "the guest stopped reconnecting after %d connections:\n%s"
                  % (be.conns, g.log[-2000:]))
            g.wait_link_up(0, timeout=30)
            for expect in ("bad reply to GET_FEATURES: request 15",
                           "bad reply to GET_PROTOCOL_FEATURES: it carried "
                           "file descriptors"):
                check(expect in g.log, "no %r in the log:\n%s"
                      % (expect, g.log[-2000:]))
            g.start_fwd()
            wait_xstat(g, "rx_q0_packets", 1, 20)
            g.stop_fwd()
            finish(g)
            print("ok: reconnect: two malformed handshakes refused, the "
                  "fourth connection works")


def main():
    case = sys.argv[1]
    if case == "hostile_used":
        used_case(USED_MODES)
    elif case == "hostile_in_order_used":
        used_case(USED_MODES, in_order=True)
    elif case.startswith("hostile_used_"):
        used_case([case[len("hostile_used_"):]])
    elif case.startswith("hostile_in_order_used_"):
        used_case([case[len("hostile_in_order_used_"):]], in_order=True)
    elif case == "hostile_runt":
        runt_case()
    elif case == "hostile_reply_reconnect":
        reconnect_case()
    elif case.startswith("hostile_reply_"):
        reply_case(case[len("hostile_reply_"):])
    else:
        raise SystemExit("unknown case " + case)


run(main)
