# SPDX-License-Identifier: BSD-3-Clause
"""A backend that misbehaves during the vhost-user handshake: the probe of
net_virtio_spin fails with an error naming the message, testpmd (told to
need one port: --nb-ports=1) exits with status 1, and nothing crashes.

The backend is a small vhost-user server written here (Python), replying
to GET_FEATURES wrongly in each case:
  wrong_size     a 4-byte payload where a u64 is due
  wrong_request  the reply carries another request code
  no_reply_flag  the reply lacks the REPLY flag
  closes         the backend closes the socket instead of answering
  silent         the backend never answers; with reply_timeout_ms=1000
                 the probe fails within seconds (not the 30 s default)
  refuses_ack    every REPLY_ACK says failure (status 1): the first
                 message asking for one is reported as refused

Cases with their own argv[1] (fake_backend.FakeBackend, an interactive
guest testpmd):
  bad_backend_slow_reply   the backend takes 2.5 s over SET_MEM_TABLE with
                           REPLY_ACK (the ack is late), and without (the
                           next GET_FEATURES answer is late; either is
                           past the old fixed 2 s timeout): the default
                           reply_timeout_ms (30 s) waits, the probe
                           succeeds and the link comes up.
  bad_backend_start_refused
                           the backend refuses the second SET_VRING_KICK
                           of the first start: the start fails ("Fail to
                           start port 0"), the rings are taken back
                           (GET_VRING_BASE of both vrings), every mbuf is
                           back in the pool, the link is down; the next
                           "port start 0" brings it up.
  bad_backend_start_closes the backend closes the socket on the second
                           SET_VRING_KICK of the first start, before the
                           guest's interrupt thread sees it go: the start
                           succeeds as with no backend (link down), the
                           guest resets the connection, connects again and
                           the link comes up on the second connection.
  bad_backend_stop_silent  GET_VRING_BASE gets no answer (reply_timeout_ms
                           =1000): "port stop 0" warns that the buffers
                           stay with the backend and does not free them
                           (the pool lacks at least one ring's worth),
                           and the connection is reset (the guest connects
                           again). That backend may still use the rings
                           too: "port start 0" hands the next one other
                           ring memory (SET_VRING_ADDR) and other kick
                           eventfds (a kick written to an old one does
                           not reach the new), and says so. Then the
                           second connection does not answer the stop
                           either, and "port config all txd 512" sets
                           the queues up again (new rings no backend
                           saw): the start moves no ring, and the ring
                           memzones grow by those two only
                           (dump_memzone).
  bad_backend_stop_closes  the backend closes the socket on GET_VRING_BASE:
                           it is gone, the buffers are freed (the pool is
                           full again) and the guest reconnects.
  bad_backend_close_race   five times: testpmd quits while the backend
                           closes the socket on GET_VRING_BASE, so the
                           socket event and dev_close() meet; testpmd
                           exits with status 0 every time.
  bad_backend_backlog_full the backend goes away and a listener that never
                           accepts takes its socket (backlog 0: its queue
                           holds one connection; reply_timeout_ms=500):
                           the guest's reconnects must not block EAL's
                           interrupt thread in connect() with the port's
                           lock held: "port stop 0" returns within 10 s;
                           then a real backend takes the socket and
                           "port start 0" brings the link up.
  bad_backend_table_silent dynamic hugepage memory: the backend never
                           answers a memory table sent again after the
                           guest's memory grew (a second port's big
                           rings; reply_timeout_ms=500): the guest resets
                           the connection and connects again (a second
                           connection, answered: link up), instead of
                           keeping one whose rings it left disabled.
  bad_backend_pause_refused the same, but the backend refuses (REPLY_ACK
                           status 1) to disable the first vring before
                           the table: the guest resets the connection
                           instead of keeping one whose rings it may have
                           left paused (a second connection, link up).
  bad_backend_table_refused the same, but the backend refuses (REPLY_ACK
                           status 1) the memory table: DPDK's vhost has
                           dropped its old table by then, so the guest
                           must not enable the rings again on that
                           connection, and resets it (a second
                           connection, link up).
                           In these three, connection 1 gets no
                           SET_VRING_ENABLE 1 after the bad answer.
  bad_backend_table_stop_closes a backend without PROTOCOL_FEATURES
                           closes the socket on GET_VRING_BASE when the
                           guest stops the rings to send the table again
                           after its memory grew, and takes no new
                           connection: the guest must not hand the rings
                           over again on the closed connection, so
                           "port stop 0" (after "port stop 1") warns
                           about no kept buffers and the pool is full.
  bad_backend_stray_byte   after the link is up the backend sends one byte
                           nobody asked for: the guest logs it, drops the
                           connection (link down), its interrupt thread
                           does not spin on the readable socket (under
                           0.5 s of CPU in 2 s) and it reconnects (link up
                           again, a second connection).
  bad_backend_stray_byte_then_stop the same, but the backend takes no
                           new connection, and the application stops the
                           port: the buffers stay out of the pool (the
                           dropped backend may still write them), and a
                           warning says so.
  bad_backend_stray_byte_reconnect_then_stop as bad_backend_stray_byte:
                           the backend connects again and gets the same
                           rings (the port runs); "port stop 0": the new
                           connection stops the rings, yet the buffers
                           stay in use (the dropped one never stopped
                           them); "port start 0": new rings, told in the
                           log, at other addresses than the dropped
                           backend's.
  bad_backend_hung_neighbour two ports, each with its own backend, the
                           default reply_timeout_ms (30 s): port 0's
                           backend drops the connection (a stray byte)
                           and never answers on the next one. While the
                           guest waits for that answer, port 1's backend
                           drops its connection too: port 1 must connect
                           again and finish its handshake within 10 s
                           (EAL's interrupt thread is not held by port 0's
                           wait). Then "port stop 0" and, once port 0
                           hangs in its next handshake, "port close 0"
                           must each return within 5 s, cutting the
                           handshake short, and testpmd must quit within
                           5 s.
  bad_backend_hung_neighbour_server the same with both ports in server
                           mode: port 0's backend connects and never
                           answers, then port 1's connects; testpmd's quit
                           (its stop) cuts port 0's handshake short.
  bad_backend_stop_cuts_handshake the backend closes its end, and the next
                           one never answers SET_VRING_ENABLE of the
                           started port's handshake: "port stop 0" must
                           return within 5 s, cutting it short, and leave
                           the rings' buffers with that backend (it has
                           not seen the connection end); the port
                           connects again and "port start 0" brings the
                           link up.
  bad_backend_slow_handshake_memory dynamic hugepage memory: port 0's
                           backend drops the connection (a stray byte) and
                           answers the next one's first SET_VRING_NUM
                           after 8 s. Meanwhile a second port is attached
                           and started with rings big enough to grow the
                           memory: that takes under 4 s (the memory's
                           growth does not wait for port 0's handshake);
                           once that handshake is done, its connection
                           (not a new one) gets a memory table covering
                           more than its first did.
  bad_backend_rings_past_table hugepages without --single-file-segments:
                           port 1's big rings take the memory past 8 files
                           (port 0's table cannot be built, its link shows
                           down); port 0 is stopped and started, handing
                           its rings over to a backend whose table may
                           lack them. Once port 1 is closed and the table
                           fits again, every vring of port 0 is handed
                           over anew after it (SET_VRING_KICK for all 16),
                           on the same connection: rte_vhost never maps a
                           vring it could not map at its kick again when
                           only the table changes.
"""

import os
import re
import socket
import struct
import sys
import threading
import time

from fake_backend import FakeBackend, PF_REPLY_ACK, wait_until
from guestlib import check, harness, run

GET_FEATURES = 1
GET_PROTOCOL_FEATURES = 15
from vu_proto import NEED_REPLY, REPLY, VERSION  # noqa: E402
FEATURES = (1 << 32) | (1 << 30) | (1 << 29) | (1 << 15)
PROTOCOL_FEATURES = 1 << 3  # REPLY_ACK

CASES = {
    "wrong_size": "bad reply to GET_FEATURES",
    "wrong_request": "bad reply to GET_FEATURES",
    "no_reply_flag": "bad reply to GET_FEATURES",
    "closes": "no reply to GET_FEATURES",
    "silent": "no reply to GET_FEATURES within 1000 ms",
    "refuses_ack": "backend refused SET_FEATURES",
}


def serve(listener, case, done):
    conn, _ = listener.accept()
    conn.settimeout(10)
    try:
        while True:
            hdr = harness.recv_exact(conn, 12)
            if hdr is None:
                break
            req, flags, size = struct.unpack("<III", hdr)
            if size and harness.recv_exact(conn, size) is None:
                break
            if req == GET_FEATURES:
                if case == "closes":
                    break
                if case == "silent":
                    done.wait(10)
                    break
                rflags, rreq, body = VERSION | REPLY, req, \
                    struct.pack("<Q", FEATURES)
                if case == "wrong_size":
                    body = body[:4]
                elif case == "wrong_request":
                    rreq = req + 1
                elif case == "no_reply_flag":
                    rflags = VERSION
                conn.sendall(struct.pack("<III", rreq, rflags, len(body))
                             + body)
            elif req == GET_PROTOCOL_FEATURES:
                conn.sendall(struct.pack("<IIIQ", req, VERSION | REPLY, 8,
                                         PROTOCOL_FEATURES))
            elif flags & NEED_REPLY:
                status = 1 if case == "refuses_ack" else 0
                conn.sendall(struct.pack("<IIIQ", req, VERSION | REPLY, 8,
                                         status))
    except OSError:
        pass
    finally:
        conn.close()


DEVARGS = {"silent": ",reply_timeout_ms=1000"}


def guest(path, devargs="", name="guest"):
    return harness.Testpmd(
        name, vdevs=["net_virtio_spin0,path=" + path + devargs],
        plugins=[harness.plugin("virtio")], fwd_lcore=1,
        log_levels=["pmd.net.virtio_spin:debug"], timeout=60)


def slow_reply():
    with harness.private_dir() as d:
        for pf in (PF_REPLY_ACK, 0):
            what = "with REPLY_ACK" if pf else "without REPLY_ACK"
            path = os.path.join(d, "slow%d.sock" % pf)
            secs = 2.5
            slow = lambda conn, req: (("sleep", secs)  # noqa: E731
                                      if req == "SET_MEM_TABLE" else None)
            with FakeBackend(path, rule=slow, protocol_features=pf) as be:
                t0 = time.monotonic()
                with guest(path) as g:
                    g.wait_link_up(0, timeout=30)
                    took = time.monotonic() - t0
                    check(be.seen("SET_VRING_KICK"),
                          "%s: link up but the backend got no "
                          "SET_VRING_KICK: %r" % (what, be.requests))
                    check("no reply" not in g.log,
                          "%s: the guest gave up waiting:\n%s"
                          % (what, g.log[-1500:]))
                    print("ok: %s, link up after %.1f s" % (what, took))


RING = 256  # the default queue_size: mbufs in one rx ring


def pool_free(g):
    """Free mbufs of testpmd's pool (common pool plus lcore caches)."""
    out = g.cmd("dump_mempool")
    size = re.search(r"^\s*size=(\d+)", out, re.M)
    common = re.search(r"common_pool_count=(\d+)", out)
    cache = re.search(r"total_cache_count=(\d+)", out)
    if not (size and common and cache):
        g.fail("cannot parse dump_mempool: %r" % out[-600:])
    return int(size.group(1)), int(common.group(1)) + int(cache.group(1))


def start_refused():
    with harness.private_dir() as d:
        path = os.path.join(d, "refuse.sock")
        kicks = []

        def rule(conn, req):
            if req == "SET_VRING_KICK":
                kicks.append(conn)
                if len(kicks) == 2:
                    return ("status", 1)
            return None

        with FakeBackend(path, rule=rule) as be, guest(path) as g:
            log = g.log
            check("backend refused SET_VRING_KICK" in log,
                  "no refusal of SET_VRING_KICK logged:\n" + log[-2000:])
            check("Fail to start port 0" in log,
                  "testpmd did not see the start fail:\n" + log[-2000:])
            stops = [r for c, r in be.requests if r == "GET_VRING_BASE"]
            check(len(stops) == 2, "the failed start sent %d GET_VRING_BASE"
                  ", expected 2: %r" % (len(stops), be.requests))
            check(not g.link_up(0), "link up after a failed start")
            size, free = pool_free(g)
            check(free == size, "after the failed start %d of %d mbufs are"
                  " free: the rx ring kept some" % (free, size))
            g.cmd("port start 0", timeout=30)
            g.wait_link_up(0, timeout=10)
            print("ok: start failed cleanly (pool %d/%d), restart brings "
                  "the link up" % (free, size))


def start_closes():
    with harness.private_dir() as d:
        path = os.path.join(d, "gone.sock")
        kicks = []

        def rule(conn, req):
            if conn == 1 and req == "SET_VRING_KICK":
                kicks.append(conn)
                if len(kicks) == 2:
                    return "close"
            return None

        with FakeBackend(path, rule=rule) as be, guest(path) as g:
            check(wait_until(lambda: be.conns >= 2 and g.link_up(0), 10),
                  "no link up on a second connection (%d connections):\n%s"
                  % (be.conns, g.log[-2000:]))
            log = g.log
            check("Fail to start port 0" not in log,
                  "the start failed although the backend had only gone:\n"
                  + log[-2000:])
            check("resetting the connection" in log,
                  "no reset of the connection logged:\n" + log[-2000:])
            print("ok: the backend closed the socket during the start: the "
                  "port started, link up on connection %d" % be.conns)


def stop_misbehaving(action):
    silent = action == "silent"
    with harness.private_dir() as d:
        path = os.path.join(d, "stop.sock")
        # Silent: connection 2 too (silent_restarts()).
        rule = lambda conn, req: (action  # noqa: E731
                                  if req == "GET_VRING_BASE" and
                                  (conn == 1 or (silent and conn == 2))
                                  else None)
        with FakeBackend(path, rule=rule) as be, \
                guest(path, ",reply_timeout_ms=1000") as g:
            g.wait_link_up(0)
            size, free0 = pool_free(g)
            check(free0 <= size - RING, "port started, but %d of %d mbufs "
                  "are free: the rx ring holds none?" % (free0, size))
            g.cmd("port stop 0", timeout=30)
            log = g.log
            size, free = pool_free(g)
            if silent:
                check("no reply to GET_VRING_BASE within 1000 ms" in log,
                      "no timeout of GET_VRING_BASE logged:\n"
                      + log[-2000:])
                check("backend did not stop vring 0" in log,
                      "no warning about the kept buffers:\n" + log[-2000:])
                check(free <= size - RING,
                      "the backend never stopped the rx ring, yet %d of %d"
                      " mbufs are free again (were %d)"
                      % (free, size, free0))
            else:
                check("backend went away while stopping" in log,
                      "the closed socket was not seen as the backend "
                      "leaving:\n" + log[-2000:])
                check(free == size, "the backend is gone, yet only %d of %d"
                      " mbufs are free" % (free, size))
            check(wait_until(lambda: be.conns >= 2, 10),
                  "the guest did not connect again after the failed stop "
                  "(%d connections)" % be.conns)
            check(not g.link_up(0), "link up on a stopped port")
            moved = ""
            if silent:
                moved = silent_restarts(g, be)
            print("ok: GET_VRING_BASE %s: pool %d/%d free after the stop "
                  "(%d while running), reconnected%s"
                  % (action, free, size, free0, moved))


def silent_restarts(g, be):
    """Connection 1 did not answer the stop, and the guest is connected
    again. The silent backend may still use the rings themselves: the
    next backend gets others, and other kick eventfds. Then connection 2
    does the same, and the queues are set up again before the start:
    their new rings went to no backend and stay."""
    g.cmd("port start 0")
    g.wait_link_up(0)
    check("each gets a new kick eventfd, and 2 queue ring(s) new "
          "memory" in g.log, "no word of new rings:\n" + g.log[-2000:])
    old, new = ring_addrs(be, 1), ring_addrs(be, 2)
    check(len(old) == 2 and len(new) == 2 and
          all(old[v] != new[v] for v in (0, 1)),
          "rings (desc, avail, used) per vring: %r to the backend that "
          "did not stop them, %r to the next" % (old, new))
    check_own_kicks(be)
    g.cmd("port stop 0", timeout=30)
    check(wait_until(lambda: be.conns >= 3, 10),
          "the guest did not connect again after the second failed stop "
          "(%d connections)" % be.conns)
    zones = ring_zones(g)
    out = g.cmd("port config all txd 512")  # testpmd sets both up again
    check(out.strip() == "", "port config all txd 512: %r" % out)
    g.cmd("port start 0")
    g.wait_link_up(0)
    check("each gets a new kick eventfd, and 0 queue ring(s) new "
          "memory" in g.log, "no word of the kick eventfds alone:\n"
          + g.log[-2000:])
    # The two left to connection 2 stay, and one new per queue.
    check(ring_zones(g) == zones + 2,
          "ring memzones: %d before the queues' new set-up, %d after the "
          "start: expected 2 more (the new tx and rx rings)\n%s" % (
              zones, ring_zones(g), g.cmd("dump_memzone")))
    return ", new rings and kick eventfds at the next start, twice"


def ring_zones(g):
    """How many ring memzones (vspin<port>_<rx|tx><q>_<n>) testpmd has."""
    return len(re.findall(r"name:<vspin\d+_(?:rx|tx)\d+_\d+>",
                          g.cmd("dump_memzone")))


def check_own_kicks(be):
    """The kick eventfds of connections 1 and 2 are not the same: a kick
    written to the first does not show in the second (the backend that
    did not stop its rings may still drain the first)."""
    for v in (0, 1):
        old, new = be.kick_fds.get((1, v)), be.kick_fds.get((2, v))
        check(old is not None and new is not None,
              "no kick eventfd of vring %d on both connections: %r" % (
                  v, sorted(be.kick_fds)))
        read_count(new)  # the guest's own kicks since the start
        os.write(old, struct.pack("<Q", 1))
        got = read_count(new)
        check(got == 0, "vring %d: a kick on the silent backend's eventfd "
              "reached the next backend's: the same eventfd" % v)


def read_count(fd):
    """An eventfd's count, which the read clears (the guest's are
    non-blocking: 0 when there is none)."""
    try:
        return struct.unpack("<Q", os.read(fd, 8))[0]
    except BlockingIOError:
        return 0


def ring_addrs(be, conn):
    """vring -> (desc, avail, used) of connection conn's SET_VRING_ADDR."""
    out = {}
    for c, name, body, _ in list(be.messages):
        if c == conn and name == "SET_VRING_ADDR":
            i, _, desc, used, avail = struct.unpack_from("<IIQQQ", body)
            out[i] = (desc, avail, used)
    return out


def close_race():
    with harness.private_dir() as d:
        path = os.path.join(d, "race.sock")
        rule = lambda conn, req: ("close"  # noqa: E731
                                  if req == "GET_VRING_BASE" else None)
        with FakeBackend(path, rule=rule):
            for i in range(5):
                g = guest(path, name="race%d" % i)
                with g:
                    g.wait_link_up(0)
                rc = g.returncode
                check(rc == 0, "round %d: testpmd exit status %s while the "
                      "backend left during close:\n%s"
                      % (i, rc, g.log[-2000:]))
        print("ok: 5 closes while the backend leaves, exit status 0")


def intr_cpu(g):
    return sum(cpu for comm, cpu in harness.thread_cpu(g.pid).values()
               if comm.startswith("eal-intr"))


def stray_byte():
    with harness.private_dir() as d:
        path = os.path.join(d, "stray.sock")
        with FakeBackend(path) as be, guest(path) as g:
            g.wait_link_up(0)
            be.send_raw(b"\x5a")
            g.wait_link_down(0, timeout=5)
            check("unsolicited data from the backend (1 bytes, first 0x5a)"
                  in g.log, "the stray byte was not reported:\n"
                  + g.log[-2000:])
            c0 = intr_cpu(g)
            time.sleep(2)
            c1 = intr_cpu(g)
            check(c1 - c0 < 0.5, "the interrupt thread used %.2f s of CPU "
                  "in 2 s after the stray byte" % (c1 - c0))
            g.wait_link_up(0, timeout=10)
            check(be.conns >= 2, "link up but only %d connection(s)"
                  % be.conns)
            print("ok: stray byte dropped the connection, interrupt "
                  "thread %.2f s CPU in 2 s, reconnected" % (c1 - c0))


def in_use_mbufs(g):
    """Mbufs out of testpmd's one pool: its size less what its common
    pool and the lcore caches hold (DPDK 22.11's dump_mempool)."""
    out = g.cmd("dump_mempool")
    size = re.search(r"\n\s*size=(\d+)", out)
    common = re.search(r"common_pool_count=(\d+)", out)
    check(size is not None and common is not None,
          "dump_mempool printed no size or common_pool_count:\n" + out)
    cached = sum(int(n) for n in re.findall(r"cache_count\[\d+\]=(\d+)",
                                             out))
    return int(size.group(1)) - int(common.group(1)) - cached


def stop_keeps_buffers(g):
    """Stop port 0; the mbufs in use before and after, which must not
    drop: a dropped backend may still write into the rings' buffers."""
    before = in_use_mbufs(g)
    g.cmd("port stop 0", timeout=10)
    after = in_use_mbufs(g)
    check(after >= before and before >= 64,
          "mbufs in use %d before the stop, %d after: the stop freed "
          "buffers the dropped backend may still write" % (before, after))
    return before, after


def stray_byte_then_stop():
    """The PMD drops a backend that still runs (a stray byte) and none
    comes back; then the application stops the port. The backend never
    stopped the rings and may still write into their buffers: the stop
    must leave them (a leak), not free them into the pool."""
    with harness.private_dir() as d:
        path = os.path.join(d, "stray-stop.sock")
        with FakeBackend(path) as be, guest(path) as g:
            g.wait_link_up(0)
            be.stop_listening()
            be.send_raw(b"\x5a")
            g.wait_link_down(0, timeout=5)
            before, after = stop_keeps_buffers(g)
            check("did not stop vrings 0 to 1" in g.log,
                  "the stop did not say which buffers stay with the "
                  "backend:\n" + g.log[-2000:])
            print("ok: %d mbufs in use before the stop, %d after (left "
                  "to the dropped backend)" % (before, after))


def stray_byte_reconnect_then_stop():
    """The PMD drops a backend that still runs (a stray byte); it comes
    back on a new connection and gets the same rings (the port runs).
    Then the application stops the port: the new connection stops the
    rings, but the dropped one never did and may still write into their
    buffers: the stop must leave them, and the next start must give the
    queues rings and kick eventfds the dropped backend never had."""
    with harness.private_dir() as d:
        path = os.path.join(d, "stray-again.sock")
        with FakeBackend(path) as be, guest(path) as g:
            g.wait_link_up(0)
            be.send_raw(b"\x5a")
            g.wait_link_down(0, timeout=5)
            g.wait_link_up(0, timeout=10)
            check(be.conns == 2, "%d connections, expected 2" % be.conns)
            before, after = stop_keeps_buffers(g)
            g.cmd("port start 0", timeout=10)
            g.wait_link_up(0, timeout=10)
            check("each gets a new kick eventfd, and 2 queue ring(s) new "
                  "memory" in g.log, "no word of new rings:\n"
                  + g.log[-2000:])
            old, new = ring_addrs(be, 1), ring_addrs(be, 2)
            check(len(old) == 2 and len(new) == 2 and
                  all(old[v] != new[v] for v in (0, 1)),
                  "rings (desc, avail, used) per vring: %r to the dropped "
                  "backend, %r to the next after the restart" % (old, new))
            print("ok: %d mbufs in use before the stop, %d after; new "
                  "rings at the next start" % (before, after))


def backlog_full():
    with harness.private_dir() as d:
        path = os.path.join(d, "backlog.sock")
        be = FakeBackend(path).start()
        with guest(path, ",reply_timeout_ms=500") as g:
            g.wait_link_up(0)
            be.stop()
            g.wait_link_down(0, timeout=5)
            os.unlink(path)
            stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                stuck.bind(path)
                stuck.listen(0)
                # Reconnects every 200 ms: the first one fills the
                # queue and times out, the next ones find it full.
                time.sleep(2)
                t0 = time.monotonic()
                g.cmd("port stop 0", timeout=10)
                took = time.monotonic() - t0
            finally:
                stuck.close()
                os.unlink(path)
            with FakeBackend(path) as be2:
                g.cmd("port start 0", timeout=30)
                g.wait_link_up(0, timeout=10)
                check(be2.conns >= 1, "link up without a connection")
            print("ok: port stop took %.1f s with the backlog full; a "
                  "new backend got the guest back" % took)


def growing_guest(path, devargs="", mem=("--single-file-segments",),
                  args=()):
    """A guest whose port 0 (8 queue pairs) is on path, on dynamic
    hugepage memory that grow_memory() makes grow."""
    return harness.Testpmd(
        "guest", vdevs=["net_virtio_spin0,path=%s,queues=8%s"
                        % (path, devargs)],
        plugins=[harness.plugin("virtio")], fwd_lcore=1,
        mem=list(mem), args=["--rxq=8", "--txq=8"] + list(args),
        log_levels=["pmd.net.virtio_spin:info"], timeout=60)


def grow_memory(g, other):
    """Attach and start a second port (its backend on other) whose rings
    take more memory than EAL has mapped."""
    g.cmd("port attach net_virtio_spin1,path=%s,queues=8" % other,
          timeout=60)
    for q in range(8):
        g.cmd("port config 1 txq %d ring_size 32768" % q)
    g.cmd("port start 1", timeout=60)


def table_misbehaving(request, action):
    """The memory grows, the guest pauses the rings, sends the table
    again and resumes them; the backend answers `request` with `action`
    on the first connection from then on. The guest must enable no vring
    on that connection after the bad answer, and reset it (the link comes
    up on a second one)."""
    tables = []  # sent to the first connection once the link was up
    seen = []    # `request` on the first connection once the link was up
    armed = False

    def rule(conn, req):
        if not armed or conn != 1:
            return None
        if req == "SET_MEM_TABLE":
            tables.append(conn)
        if req != request:
            return None
        seen.append(req)
        return action

    with harness.private_dir() as d:
        path, other = (os.path.join(d, n) for n in ("a.sock", "b.sock"))
        with FakeBackend(path, rule=rule, queues=8) as be, \
                FakeBackend(other, queues=8), \
                growing_guest(path, ",reply_timeout_ms=500") as g:
            g.wait_link_up(0)
            armed = True
            grow_memory(g, other)
            check(seen, "the guest's memory did not grow: no %s to port 0 "
                  "(tables sent again: %d)" % (request, len(tables)))
            # Acked (REPLY_ACK): all recorded once "port start 1" is back.
            msgs = [m for m in be.messages if m[0] == 1]
            bad = next(i for i, m in enumerate(msgs) if m[3] == action)
            enables = [vring for vring, num in (
                struct.unpack_from("<II", m[2]) for m in msgs[bad:]
                if m[1] == "SET_VRING_ENABLE") if num == 1]
            check(not enables, "connection 1 got SET_VRING_ENABLE 1 %d "
                  "times after %s got %r (vrings %r...)"
                  % (len(enables), request, action, enables[:16]))
            check(wait_until(lambda: be.conns >= 2 and g.link_up(0), 10),
                  "no new connection after %s got %r (%d connections):"
                  "\n%s" % (request, action, be.conns, g.log[-2000:]))
            print("ok: with the memory grown, %s got %r: connection reset, "
                  "link up on connection %d" % (request, action, be.conns))


def table_stop_closes():
    """Without PROTOCOL_FEATURES (so one queue) the guest stops the rings
    (GET_VRING_BASE) around a new memory table; the backend closes the
    socket on it, and no backend comes back. The memory grows with more
    ports (server mode, no backend), each with a tx ring of 32768 entries
    (about 1.3 MB), until port 0 gets GET_VRING_BASE."""
    armed = False
    seen = []

    def rule(conn, req):
        if armed and conn == 1 and req == "GET_VRING_BASE":
            seen.append(req)
            return "close"
        return None

    with harness.private_dir() as d:
        path = os.path.join(d, "a.sock")
        with FakeBackend(path, rule=rule,
                         features=FEATURES & ~(1 << 30)) as be, \
                harness.Testpmd(
                    "guest", vdevs=["net_virtio_spin0,path=%s,"
                                    "reply_timeout_ms=500" % path],
                    plugins=[harness.plugin("virtio")], fwd_lcore=1,
                    mem=["--single-file-segments"],
                    log_levels=["pmd.net.virtio_spin:info"]) as g:
            g.wait_link_up(0)
            be.stop_listening()
            armed = True
            ports = 0
            while not seen and ports < 8:
                ports += 1
                g.cmd("port attach net_virtio_spin%d,path=%s,server=1"
                      % (ports, os.path.join(d, "s%d.sock" % ports)),
                      timeout=20)
                g.cmd("port config %d txq 0 ring_size 32768" % ports)
                g.cmd("port start %d" % ports, timeout=20)
            check(seen, "the guest's memory did not grow with %d more "
                  "ports: no GET_VRING_BASE to port 0:\n%s"
                  % (ports, g.log[-2000:]))
            check(not g.link_up(0), "link up with the backend gone")
            for p in range(ports, -1, -1):
                g.cmd("port stop %d" % p, timeout=20)
            log = g.log
            check("did not stop vrings" not in log,
                  "the stop found vrings handed to the closed connection:"
                  "\n" + log[-2000:])
            size, free = pool_free(g)
            check(free == size, "every port stopped, the backend gone, yet "
                  "only %d of %d mbufs are free" % (free, size))
            print("ok: GET_VRING_BASE closed during the table update (%d "
                  "more ports): no rings handed over after it, pool %d/%d"
                  % (ports, free, size))


def hung_neighbour(server):
    """Client mode: each backend drops its first connection (a stray
    byte); port 0's never answers on the next. Server mode: the backends
    connect (clients), port 0's never answers, port 1's comes after."""
    with harness.private_dir() as d:
        pa = os.path.join(d, "hung.sock")
        pb = os.path.join(d, "good.sock")
        first = 1 if server else 2
        hang = lambda conn, req: "silent" if conn >= first else None  # noqa
        mode = ",server=1" if server else ""
        a = FakeBackend(pa, rule=hang, client=server)
        b = FakeBackend(pb, client=server)
        if not server:
            a.start()
            b.start()
        try:
            with harness.Testpmd(
                    "guest", vdevs=["net_virtio_spin0,path=" + pa + mode,
                                    "net_virtio_spin1,path=" + pb + mode],
                    plugins=[harness.plugin("virtio")], fwd_lcore=1,
                    log_levels=["pmd.net.virtio_spin:debug"],
                    timeout=60) as g:
                if server:
                    a.start()
                else:
                    g.wait_link_up(0)
                    g.wait_link_up(1)
                    a.send_raw(b"\x5a")
                check(wait_until(lambda: a.seen("GET_FEATURES", conn=first),
                                 10),
                      "port 0 did not connect to its backend again: %r"
                      % a.requests)
                t0 = time.monotonic()
                if server:
                    b.start()
                else:
                    b.send_raw(b"\x5a")
                came = wait_until(lambda: b.seen("SET_VRING_KICK",
                                                 conn=first), 10)
                took = time.monotonic() - t0
                check(came, "port 1 did not finish a handshake with its "
                      "backend within 10 s, while port 0 waited for its "
                      "hung backend (requests %r):\n%s"
                      % (b.requests, g.log[-2000:]))
                g.wait_link_up(1, timeout=5)
                check(not g.link_up(0), "port 0 shows its link up, its "
                      "backend never answered")
                if not server:
                    # The stop cuts the handshake short, the port connects
                    # again (and hangs again); the close cuts that one.
                    for what, conn in (("stop", 2), ("close", 3)):
                        check(wait_until(lambda c=conn: a.seen(
                            "GET_FEATURES", conn=c), 10),
                              "port 0 did not connect again before the "
                              "%s: %r" % (what, a.requests))
                        t1 = time.monotonic()
                        g.cmd("port %s 0" % what, timeout=30)
                        took_s = time.monotonic() - t1
                        check(took_s < 5, "port %s waited %.1f s for the "
                              "hung handshake" % (what, took_s))
                        cut = ("port %s: the handshake under way is cut "
                               "short" % what)
                        check(wait_until(lambda c=cut: c in g.log, 5),
                              "the %s cut no handshake short:\n%s"
                              % (what, g.log[-2000:]))
                t1 = time.monotonic()
                rc = g.quit(timeout=10)
                quit_s = time.monotonic() - t1
                check(rc == 0 and quit_s < 5,
                      "quit with port 0's handshake hung: status %s after "
                      "%.1f s:\n%s" % (rc, quit_s, g.log[-2000:]))
                check("cut short" in g.log, "no handshake cut short "
                      "logged:\n" + g.log[-2000:])
        finally:
            a.stop()
            b.stop()
        print("ok: %s mode: port 1 connected in %.1f s while port 0's "
              "backend hung; quit in %.1f s"
              % ("server" if server else "client", took, quit_s))


def stop_cuts_handshake():
    with harness.private_dir() as d:
        path = os.path.join(d, "cut.sock")
        with FakeBackend(path) as be, guest(path) as g:
            g.wait_link_up(0)
            size, free0 = pool_free(g)
            be.stop()  # closed its end: it has let go of the rings
            g.wait_link_down(0, timeout=10)
            os.unlink(path)
            hang = lambda conn, req: ("silent"  # noqa: E731
                                      if conn == 1
                                      and req == "SET_VRING_ENABLE"
                                      else None)
            with FakeBackend(path, rule=hang) as be2:
                check(wait_until(lambda: be2.seen("SET_VRING_ENABLE"), 10),
                      "the guest did not hand the rings to the new "
                      "backend: %r" % be2.requests)
                t0 = time.monotonic()
                g.cmd("port stop 0", timeout=30)
                took = time.monotonic() - t0
                check(took < 5, "port stop waited %.1f s for the hung "
                      "handshake" % took)
                log = g.log
                check("cut short" in log, "no handshake cut short logged:"
                      "\n" + log[-2000:])
                check("did not stop vrings 0 to 1" in log,
                      "no warning that the cut handshake's rings stay with"
                      " the backend:\n" + log[-2000:])
                size, free = pool_free(g)
                check(free <= size - RING,
                      "the cut handshake's backend still holds the rings, "
                      "yet %d of %d mbufs are free (were %d)"
                      % (free, size, free0))
                check(wait_until(lambda: be2.conns >= 2, 10),
                      "no new connection after the cut")
                g.cmd("port start 0", timeout=30)
                g.wait_link_up(0, timeout=10)
        print("ok: port stop cut a hung handshake in %.1f s, its rings "
              "left with the backend (pool %d/%d), next start link up"
              % (took, free, size))

def table_bytes(body):
    """The memory a SET_MEM_TABLE payload covers (sum of region sizes)."""
    n = struct.unpack_from("<I", body)[0]
    return sum(struct.unpack_from("<QQQQ", body, 8 + 32 * i)[1]
               for i in range(n))


def slow_handshake_memory():
    delayed = []
    delay = 8

    def slow(conn, req):
        if conn == 2 and req == "SET_VRING_NUM" and not delayed:
            delayed.append(time.monotonic())
            return ("sleep", delay)
        return None

    with harness.private_dir() as d:
        pa, pb = (os.path.join(d, n) for n in ("slow.sock", "b.sock"))
        with FakeBackend(pa, rule=slow, queues=8) as a, \
                FakeBackend(pb, queues=8), growing_guest(pa) as g:
            g.wait_link_up(0)
            a.send_raw(b"\x5a")
            check(wait_until(lambda: delayed, 10),
                  "port 0's second handshake did not reach SET_VRING_NUM:"
                  " %r" % a.requests)
            t0 = time.monotonic()
            grow_memory(g, pb)
            took = time.monotonic() - t0
            check(took < delay / 2, "port 1's attach and start took %.1f s:"
                  " the memory's growth waited for port 0's handshake (its"
                  " backend answers after %d s)" % (took, delay))
            g.wait_link_up(1, timeout=10)
            g.wait_link_up(0, timeout=delay + 10)
            tables = [table_bytes(m[2]) for m in a.messages
                      if m[0] == 2 and m[1] == "SET_MEM_TABLE"]
            check(wait_until(lambda: len([
                m for m in a.messages if m[0] == 2
                and m[1] == "SET_MEM_TABLE"]) >= 2, 10),
                "connection 2 got no memory table after the memory grew "
                "during its handshake (tables of %r bytes)" % tables)
            tables = [table_bytes(m[2]) for m in a.messages
                      if m[0] == 2 and m[1] == "SET_MEM_TABLE"]
            check(tables[-1] > tables[0], "connection 2's last table covers"
                  " %d bytes, its first %d: the memory's growth is not in"
                  " it" % (tables[-1], tables[0]))
            check(a.conns == 2, "port 0 connected %d times: the handshake "
                  "was dropped, not finished" % a.conns)
        print("ok: the memory grew by %d bytes during port 0's slow "
              "handshake: port 1 attached and started in %.1f s, port 0's "
              "connection got the new table after it" % (
                  tables[-1] - tables[0], took))

def rings_past_table():
    with harness.private_dir() as d:
        pa, pb = (os.path.join(d, n) for n in ("a.sock", "b.sock"))
        # Each hugepage a file; a pool of one 2 MB page: port 0 starts
        # within vhost-user's 8 regions, port 1's rings take it past.
        small = ["--total-num-mbufs=4096", "--mbuf-size=256",
                 "--enable-scatter"]
        with FakeBackend(pa, queues=8) as a, FakeBackend(pb, queues=8), \
                growing_guest(pa, mem=(), args=small) as g:
            g.wait_link_up(0)
            grow_memory(g, pb)
            g.wait_link_down(0)
            g.cmd("port stop 0", timeout=20)
            g.cmd("port start 0", timeout=20)
            n = len(a.messages)
            g.cmd("port stop 1", timeout=20)
            g.cmd("port close 1", timeout=20)
            g.wait_link_up(0, timeout=10)
            after = [m for m in a.messages[n:] if m[0] == a.conns]
            tables = [i for i, m in enumerate(after)
                      if m[1] == "SET_MEM_TABLE"]
            check(tables, "no memory table after port 1 closed: %r"
                  % [m[1] for m in after])
            kicked = {struct.unpack_from("<Q", m[2])[0] & 0xff
                      for m in after[tables[-1]:]
                      if m[1] == "SET_VRING_KICK"}
            check(kicked == set(range(16)), "vrings handed over after the "
                  "table that fits: %s, expected all 16 (requests since "
                  "port 0 started: %r)" % (sorted(kicked),
                                           [m[1] for m in after]))
            check(a.conns == 1, "port 0 connected %d times" % a.conns)
        print("ok: port 0's rings, handed over past 8 files, were handed "
              "over again after the table that fits")


def main():
    cases = {
        "bad_backend_table_silent":
            lambda: table_misbehaving("SET_MEM_TABLE", "silent"),
        "bad_backend_pause_refused":
            lambda: table_misbehaving("SET_VRING_ENABLE", ("status", 1)),
        "bad_backend_table_refused":
            lambda: table_misbehaving("SET_MEM_TABLE", ("status", 1)),
        "bad_backend_table_stop_closes": table_stop_closes,
        "bad_backend_backlog_full": backlog_full,
        "bad_backend_slow_reply": slow_reply,
        "bad_backend_start_refused": start_refused,
        "bad_backend_start_closes": start_closes,
        "bad_backend_stop_silent": lambda: stop_misbehaving("silent"),
        "bad_backend_stop_closes": lambda: stop_misbehaving("close"),
        "bad_backend_close_race": close_race,
        "bad_backend_stray_byte": stray_byte,
        "bad_backend_stray_byte_then_stop": stray_byte_then_stop,
        "bad_backend_stray_byte_reconnect_then_stop":
            stray_byte_reconnect_then_stop,
        "bad_backend_hung_neighbour": lambda: hung_neighbour(False),
        "bad_backend_hung_neighbour_server": lambda: hung_neighbour(True),
        "bad_backend_stop_cuts_handshake": stop_cuts_handshake,
        "bad_backend_slow_handshake_memory": slow_handshake_memory,
        "bad_backend_rings_past_table": rings_past_table,
    }
    if sys.argv[1] in cases:
        cases[sys.argv[1]]()
        return
    with harness.private_dir() as d:
        for case, expect in CASES.items():
            path = os.path.join(d, case + ".sock")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(1)
            done = threading.Event()
            t = threading.Thread(target=serve, args=(listener, case, done),
                                 daemon=True)
            t.start()
            t0 = time.monotonic()
            rc, log = harness.run_testpmd(
                "badbe",
                vdevs=["net_virtio_spin0,path=" + path
                       + DEVARGS.get(case, "")],
                plugins=[harness.plugin("virtio")], fwd_lcore=1,
                args=["--nb-ports=1"], timeout=30)
            took = time.monotonic() - t0
            done.set()
            t.join(15)
            listener.close()
            check(rc == 1, "%s: exit status %s, expected 1\n%s"
                  % (case, rc, log[-1500:]))
            check(expect in log, "%s: no %r in the log:\n%s"
                  % (case, expect, log[-1500:]))
            # Bounds far from the values, against a loaded machine.
            check(case != "silent" or took < 15,
                  "silent: reply_timeout_ms=1000 but the probe took %.1f s"
                  % took)
            print("ok: %-14s -> %s (%.1f s)" % (case, expect, took))


run(main)
