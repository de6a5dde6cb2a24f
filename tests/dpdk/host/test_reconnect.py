# SPDX-License-Identifier: BSD-3-Clause
"""The frontend quits and comes back: the net_vhost_spin port survives.

Case server_GUEST: net_vhost_spin listens (server), the guest (stock
  virtio_user or net_virtio_spin) connects as client.
Case client_GUEST: net_vhost_spin connects (client=1, reconnecting), the
  guest listens (server=1).
The host forwards (rxonly, spin:50) the whole time. Two rounds: a guest
starts, the link comes up on both sides, the host idles 0.2 s (it sleeps
on the new kick fd), the guest sends one burst of 32 and the host must
receive it; the guest quits and the host link must go down. The host's
rx_q0_calls + rx_q0_calls_suppressed count this guest's publishes only:
0 before it sends, 1 to 32 after its 32 packets.
Wherever a burst goes to a sleeping host (reconnect, port_restart,
hotplug), the host runs with sleep_max_us=1000000 and must receive the
burst within 200 ms of the guest's `start` returning, with its
rx_q0_wakeups grown: woken by the kick, not by the 1 s timeout.
Case quit_under_load: the guest quits while the host is busy inside the
library (transmitting to it, or forwarding both ways); four rounds: the
host link must go down each time and the next guest must get traffic.
Case hotplug: the port is detached and attached again (testpmd), then a
new guest gets a burst through.
Case second_frontend: a second frontend on the same socket is refused;
the first keeps the port and its traffic.
Case xstats_while_guests_leave: a client of the host's telemetry socket
  reads /ethdev/xstats of the port (4 queue pairs: the library's
  statistics of 8 vrings each time) without pause while three stock
  guests in turn connect, receive traffic and quit. destroy_device waits
  for a reader inside a library call before the library frees the
  device; this case checks that the wait never hangs the host or the
  reader (it does not provoke the narrow race the wait closes). Expect:
  every round's guest gets traffic and the link goes down after it; the
  reader got replies all along (a reply in every round), and the host
  still answers once the last guest left: its process runs and port 0's
  xstats hold every queue's rx_qN_calls and rx_qN_sleeps, through testpmd
  and through a new telemetry client.
Case guest_restart_counts: the host sends (txonly) to net_virtio_spin in
  spin_mode=notify (rxonly), which arms its receive ring whenever it runs
  dry: the host's tx_q0_calls and tx_q0_calls_suppressed grow. The guest
  application stops and starts its port (GET_VRING_BASE, then the rings
  again, on the same connection, where the library keeps counting its
  notifications) and receives again. Expect tx_q0_calls_suppressed to
  keep growing after the restart, as before it (it read 0 for good when
  our publish count restarted while the library's did not).
Case xstats_reset_while_stopped: the host sends (txonly) to
  net_virtio_spin in spin_mode=notify (rxonly) until it received 200,000
  packets. The guest stops its port (GET_VRING_BASE: the host's port
  detaches, the connection stays, and DPDK's library keeps its rings'
  counters), the host's application resets the statistics ("clear port
  xstats 0"), and the guest starts its port again. Expect, before any
  new traffic, the host's tx_q0_good_packets, tx_q0_calls and
  tx_q0_calls_suppressed at 0 (the library's counters came back unreset:
  601,120 packets and 58 calls, with calls_suppressed stuck at 0), and
  after more traffic tx_q0_good_packets and tx_q0_calls_suppressed above
  0.
Case port_restart: the host application stops and restarts the port twice
under a connected stock guest; after each restart a burst sent to
the idle (sleeping) host arrives.
"""

import contextlib
import json
import os
import signal
import socket
import struct
import threading
import time

import hostlib as hl
from hostlib import check
from vu_proto import CODES, NEED_REPLY, VERSION  # noqa: E402

ROUNDS = 2


SLEEP = ",sleep_max_us=%d" % hl.h.SLEEP_MAX_US


def burst_wakes_host(H, G, total, what):
    """The guest (io, tx_first) sends 32 packets to the sleeping host:
    they arrive by the deadline, exactly once (no stale entry replayed
    after the reconnect or restart), and the kick woke the host. Returns
    the packets received."""
    w0 = hl.h.rx_wakeups(H.xstats(0))[0]
    G.cmd("start tx_first")
    ok, n, dt = hl.h.wait_rx(H, total + 32)
    G.stop_fwd()
    time.sleep(0.1)  # anything more would have arrived by now
    n = H.port_stats(0)["rx_packets"] - total
    w1 = hl.h.rx_wakeups(H.xstats(0))[0]
    check(ok, "%s: host received %d of 32 packets in %.0f ms (sleep_max_us "
          "%d)" % (what, n, dt * 1e3, hl.h.SLEEP_MAX_US))
    check(n == 32, "%s: the guest sent 32 packets, the host received %d"
          % (what, n))
    check(w1 > w0, "%s: host received the burst but rx_q0_wakeups stayed %d"
          % (what, w0))
    print("%s: 32 packets in %.0f ms, host rx_q0_wakeups %d -> %d" % (
        what, dt * 1e3, w0, w1))
    return n


def notified(H, most, what):
    """The host's rx queue has published at most `most` times to this
    frontend (one packet each at most): the library's notifications and
    those it suppressed count from this frontend's attach, not from the
    port's start (a previous guest's publishes are not this one's)."""
    xs = H.xstats(0)
    calls, supp = xs["rx_q0_calls"], xs["rx_q0_calls_suppressed"]
    print("%s: host rx_q0_calls %d, rx_q0_calls_suppressed %d" % (
        what, calls, supp))
    check(calls + supp <= most,
          "%s: rx_q0_calls + rx_q0_calls_suppressed = %d, more than the "
          "%d packets this frontend sent" % (what, calls + supp, most))
    check(most == 0 or calls + supp > 0,
          "%s: %d packets received, no publish counted" % (what, most))


def reconnect(host_client, guest_kind):
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", client=host_client,
                     extra=SLEEP) as H:
            hl.fwd(H, "rxonly")
            total = 0
            for r in range(1, ROUNDS + 1):
                gmode = "spin:50" if guest_kind == "ours" else None
                with hl.guest(guest_kind, sock, gmode,
                              server=host_client) as G:
                    H.wait_link_up(0, timeout=15)
                    G.wait_link_up(0, timeout=15)
                    time.sleep(0.2)
                    notified(H, 0, "round %d, before traffic" % r)
                    G.cmd("set fwd io")
                    n = burst_wakes_host(
                        H, G, total, "round %d, after the guest "
                        "(re)connected" % r)
                    total += n
                    notified(H, n, "round %d, after %d packets" % (r, n))
                H.wait_link_down(0, timeout=10)
                print("round %d: %d packets, link down after quit" % (r, n))
            H.stop_fwd()
            xs = H.xstats(0)
            print("host rx_q0: sleeps %d, wakeups %d, timeouts %d" % (
                xs["rx_q0_sleeps"], xs["rx_q0_wakeups"],
                xs["rx_q0_sleep_timeouts"]))


@contextlib.contextmanager
def spin_host_notify_guest():
    """Our host (spin:50) and our guest (notify), both links up: (H, G)."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50") as H, \
                hl.guest("ours", sock, "notify") as G:
            H.wait_link_up(0, timeout=15)
            G.wait_link_up(0, timeout=15)
            yield H, G


def send_to_guest(H, G, more):
    """The host sends (txonly) until the guest (rxonly) has received
    `more` packets more, then both stop."""
    rx0 = G.port_stats(0)["rx_packets"]
    hl.fwd(G, "rxonly")
    hl.fwd(H, "txonly")
    hl.h.wait_until("guest rx", lambda: G.port_stats(0)["rx_packets"]
                    > rx0 + more, timeout=30)
    H.stop_fwd()
    G.stop_fwd()


def guest_restart_counts():
    names = ("tx_q0_calls", "tx_q0_calls_suppressed")

    def counts(H):
        xs = H.xstats(0)
        return [xs[n] for n in names]

    def traffic(H, G, what):
        c0 = counts(H)
        send_to_guest(H, G, 2000000)
        c1 = counts(H)
        print("%s: host %s %s -> %s" % (what, "/".join(names), c0, c1))
        check(all(b > a for a, b in zip(c0, c1)), "%s: host %s went "
              "from %s to %s: the case needs both to grow" % (
                  what, "/".join(names), c0, c1))
        return c1

    with spin_host_notify_guest() as (H, G):
        before = traffic(H, G, "before the guest's restart")
        G.cmd("clear port stats 0")
        G.cmd("port stop 0")
        G.cmd("port start 0")
        H.wait_link_up(0, timeout=15)
        G.wait_link_up(0, timeout=15)
        after = counts(H)
        check(all(b >= a for a, b in zip(before, after)),
              "the guest restarted its port on the same connection: "
              "host %s went back from %s to %s" % (
                  "/".join(names), before, after))
        traffic(H, G, "after the guest's restart")


def xstats_reset_while_stopped():
    names = ("tx_q0_good_packets", "tx_q0_calls", "tx_q0_calls_suppressed")

    def counts(H):
        xs = H.xstats(0)
        return [xs[n] for n in names]

    with spin_host_notify_guest() as (H, G):
        send_to_guest(H, G, 200000)
        before = counts(H)
        G.cmd("port stop 0")
        H.wait_link_down(0, timeout=10)
        H.cmd("clear port xstats 0")
        G.cmd("port start 0")
        H.wait_link_up(0, timeout=15)
        G.wait_link_up(0, timeout=15)
        after = counts(H)
        send_to_guest(H, G, 200000)
        later = counts(H)
    print("host %s: %s before, %s after the reset while the guest's port "
          "was stopped, %s after more traffic"
          % ("/".join(names), before, after, later))
    check(before[0] > 0 and before[1] > 0,
          "no traffic or no call before the reset: %s" % before)
    check(after == [0, 0, 0], "the reset while the guest's rings were "
          "stopped did not hold once they started again: %s = %s"
          % ("/".join(names), after))
    check(later[0] > 0 and later[2] > 0,
          "no packets or suppressed calls counted after the reset: %s"
          % later)


def port_restart():
    """The application stops and restarts the port under a connected
    guest: the queues take the kick fd again and the host still wakes."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", extra=SLEEP) as H:
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                G.cmd("set fwd io")
                total = 0
                for r in range(1, 3):
                    hl.fwd(H, "rxonly")
                    time.sleep(0.2)  # asleep on the kick fd
                    n = burst_wakes_host(
                        H, G, total, "round %d, after port stop/start" % r)
                    total += n
                    H.stop_fwd()
                    H.cmd("port stop 0")
                    H.cmd("port start 0")
                    print("round %d: %d packets, then port stop/start" % (
                        r, n))


def quit_under_load():
    """The guest quits while the host is inside the library: transmitting
    to it (txonly: rte_vhost_enqueue_burst() blocks on the queue lock that
    the vhost-user thread holds while it disables the vring) or both ways
    (io against a txonly guest, spin:50: arming takes that lock too). The
    host must let go: link down, and the next guest gets traffic."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50") as H:
            for r, (hmode, gmode) in enumerate(
                    [("txonly", "rxonly"), ("io", "txonly")] * 2, 1):
                hl.fwd(H, hmode)
                with hl.guest("stock", sock) as G:
                    H.wait_link_up(0, timeout=15)
                    G.wait_link_up(0, timeout=15)
                    # What the receiver counted (a sender's own count
                    # reaches a full ring with nobody taking from it).
                    if gmode == "rxonly":
                        def got():
                            return G.port_stats(0)["rx_packets"]
                    else:
                        def got():
                            return H.port_stats(0)["rx_packets"]
                    g0 = got()
                    hl.fwd(G, gmode)
                    time.sleep(0.2)
                    n = got() - g0
                    check(n > 0, "round %d: no traffic (guest %s)" % (
                        r, gmode))
                # The guest quit mid-traffic.
                H.wait_link_down(0, timeout=10)
                H.stop_fwd()
                print("round %d: host %s, guest %s: %d packets received, "
                      "link down after the guest quit" % (r, hmode, gmode,
                                                          n))


class XstatsReader(threading.Thread):
    """Reads /ethdev/xstats,PORT over the telemetry socket of a testpmd
    without pause; .replies counts the answers that hold xstats."""

    def __init__(self, prefix, port):
        super().__init__(daemon=True)
        self.path = os.path.join(hl.h.runtime_dir(prefix),
                                 "dpdk_telemetry.v2")
        self.cmd = ("/ethdev/xstats,%d" % port).encode()
        self.replies = 0
        self.error = None
        self.stop = threading.Event()

    def run(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                s.settimeout(20)
                s.connect(self.path)
                s.recv(1 << 16)  # the greeting
                while not self.stop.is_set():
                    s.send(self.cmd)
                    reply = json.loads(s.recv(1 << 20))
                    if reply.get("/ethdev/xstats"):
                        self.replies += 1
        except (OSError, ValueError) as e:
            self.error = e


def xstats_while_guests_leave():
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", extra=",queues=4",
                     args=["--rxq=4", "--txq=4"]) as H:
            reader = XstatsReader(H.prefix, 0)
            reader.start()
            try:
                for r in range(1, 4):
                    hl.fwd(H, "txonly")
                    before = reader.replies
                    with hl.guest("stock", sock) as G:
                        H.wait_link_up(0, timeout=15)
                        G.wait_link_up(0, timeout=15)
                        hl.fwd(G, "rxonly")
                        time.sleep(0.2)
                        got = G.port_stats(0)["rx_packets"]
                    H.wait_link_down(0, timeout=10)
                    H.stop_fwd()
                    check(got > 0, "round %d: the guest received nothing"
                          % r)
                    check(reader.is_alive() and reader.replies > before,
                          "round %d: the xstats reader got no reply (%s)"
                          % (r, reader.error))
                    print("round %d: guest received %d, xstats replies "
                          "%d" % (r, got, reader.replies))
            finally:
                reader.stop.set()
                reader.join(30)
            check(not reader.is_alive() and reader.error is None,
                  "the xstats reader hung or failed: %s" % reader.error)
            # The host still answers with no guest attached: its port's
            # xstats, every queue's, through testpmd and through a new
            # telemetry client.
            check(H.returncode is None, "the host exited (status %s)"
                  % H.returncode)
            want = ["rx_q%d_%s" % (q, c) for q in range(4)
                    for c in ("calls", "sleeps")]
            xs = H.xstats(0)
            missing = [k for k in want if k not in xs]
            check(not missing, "after the guests left, the host's xstats "
                  "lack %s: %s" % (missing, sorted(xs)[:40]))
            (reply,) = hl.h.telemetry(H.prefix, "/ethdev/xstats,0")
            tel = reply.get("/ethdev/xstats") or {}
            missing = [k for k in want if k not in tel]
            check(not missing, "after the guests left, /ethdev/xstats,0 "
                  "lacks %s: %r" % (missing, reply))


def hotplug():
    """The application detaches the port and attaches it again (testpmd
    port detach / port attach): the socket is freed and made again, a new
    guest connects and a burst sent to the sleeping host arrives."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", extra=SLEEP) as H:
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
            H.wait_link_down(0)
            H.cmd("port stop 0")
            out = H.cmd("port detach 0")
            check("Device is detached" in out, "detach failed: %r" % out)
            out = H.cmd("port attach net_vhost_spin0,iface=%s,"
                        "spin_mode=spin:50%s" % (sock, SLEEP))
            check("is attached" in out, "attach failed: %r" % out)
            H.cmd("port start all")
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                hl.fwd(H, "rxonly")
                time.sleep(0.2)
                G.cmd("set fwd io")
                burst_wakes_host(H, G, 0, "after detach/attach")
                H.stop_fwd()


def second_frontend():
    """A second frontend connects to the socket of a port that serves one:
    it is refused, and the first keeps the port. Before, the second took
    the port over, and its leaving detached the first."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", extra=SLEEP) as H:
            hl.fwd(H, "rxonly")
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                G.cmd("set fwd io")
                total = burst_wakes_host(H, G, 0, "first frontend")
                with hl.h.Testpmd("second", fwd_lcore=0) as G2:
                    G2.attach_fails("net_virtio_user1,path=%s" % sock)
                # One whose first message asks for an ack (NEED_REPLY) is
                # closed too, not acked and kept.
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                    c.connect(sock)
                    c.settimeout(10)
                    c.sendall(struct.pack("<III", CODES["GET_FEATURES"],
                                          VERSION | NEED_REPLY, 0))
                    got = hl.h.recv_exact(c, 12 + 8)
                check(got is None, "a second frontend asking for an ack got "
                      "%r back, not its connection closed" % got)
                # One whose first message carries an fd: closed, and the
                # host keeps no copy of the fd.
                efd = os.eventfd(0)
                try:
                    with socket.socket(socket.AF_UNIX,
                                       socket.SOCK_STREAM) as c:
                        c.connect(sock)
                        c.settimeout(10)
                        c.sendmsg([struct.pack(
                            "<IIIQ", CODES["SET_VRING_CALL"], VERSION, 8,
                            0)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   struct.pack("<i", efd))])
                        got = hl.h.recv_exact(c, 12 + 8)
                    check(got is None, "a second frontend's SET_VRING_CALL "
                          "got %r back, not its connection closed" % got)
                    check(not hl.h.holds_file(H.pid, efd), "the host kept "
                          "the eventfd of the second frontend's "
                          "SET_VRING_CALL")
                finally:
                    os.close(efd)
                check("refusing another" in H.log,
                      "the host did not say why it refused the second "
                      "frontend")
                # The second one is gone; the first one's port is not.
                time.sleep(0.5)
                check(H.port_stats(0)["rx_packets"] == total,
                      "host rx changed while the first frontend was idle")
                H.wait_link_up(0, timeout=1)
                total += burst_wakes_host(H, G, total,
                                          "first frontend, after the "
                                          "second left")
            H.wait_link_down(0, timeout=10)
            H.stop_fwd()
            print("%d packets from the first frontend, the second refused"
                  % total)



def reconnect_at_once():
    """A frontend closes its connection and connects again while the
    host's vhost-user thread cannot run (the host process is stopped with
    SIGSTOP): when it runs again it finds the new connection and the old
    one's end in one pass, the listening socket first. The new connection
    must be served: its first message (GET_FEATURES) is answered. Before,
    the host refused it as a second frontend and closed it. (A second
    frontend while the first is alive is still refused: second_frontend.)
    """
    get_features = struct.pack("<III", CODES["GET_FEATURES"], VERSION, 0)
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50") as H:
            a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            a.connect(sock)
            check(hl.h.wait_until("the first connection",
                                  lambda: "new device, handle is" in H.log),
                  "the host did not take the first connection")
            time.sleep(0.3)  # the library's thread now watches it
            os.kill(H.pid, signal.SIGSTOP)
            try:
                a.close()
                b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                b.connect(sock)  # the kernel queues it for accept()
            finally:
                os.kill(H.pid, signal.SIGCONT)
            with b:
                b.settimeout(10)
                b.sendall(get_features)
                reply = hl.h.recv_exact(b, 12 + 8)
            refused = "refusing another" in H.log
            print("the new connection's GET_FEATURES: %s%s" % (
                "answered" if reply else "connection closed",
                ", refused" if refused else ""))
            check(reply is not None, "the host closed the new connection "
                  "(refused: %s)" % refused)
            req, flags, size = struct.unpack("<III", reply[:12])
            check(req == 1 and size == 8, "not a GET_FEATURES reply: %r"
                  % reply)
            # Gone too: the port takes the next frontend.
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0, timeout=15)
                G.wait_link_up(0, timeout=15)


def xstats_count_steady():
    """The port's extended statistics keep their names, and so their
    count, whether a frontend is attached or not: ethdev's
    rte_eth_xstats_get_by_id() sizes its buffer with one call and fills it
    with the next. The library's per-ring ones read 0 without a frontend
    and count the packets with one."""
    lib = "tx_q1_good_packets"  # the library's, of the host's tx queue 1
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50", extra=",queues=2",
                     args=["--rxq=2", "--txq=2"]) as H:
            alone = H.xstats(0)
            check(alone.get(lib) == 0, "no frontend yet: %s=%s, expected "
                  "0" % (lib, alone.get(lib)))
            hl.fwd(H, "txonly")
            with hl.guest("stock", sock, queues=2,
                          args=["--rxq=2", "--txq=2"]) as G:
                H.wait_link_up(0, timeout=15)
                G.wait_link_up(0, timeout=15)
                hl.fwd(G, "rxonly")
                hl.h.wait_until("tx on queue 1",
                                lambda: H.xstats(0)[lib] > 0, timeout=10)
                attached = H.xstats(0)
            H.wait_link_down(0, timeout=10)
            H.stop_fwd()
            gone = H.xstats(0)
            print("%d extended statistics alone, %d with a frontend, %d "
                  "after it left; %s %d with it" % (
                      len(alone), len(attached), len(gone), lib,
                      attached[lib]))
            for what, xs in (("with a frontend", attached),
                             ("after the frontend left", gone)):
                check(sorted(xs) == sorted(alone),
                      "%s the names changed: %d -> %d (added %s, gone %s)"
                      % (what, len(alone), len(xs),
                         sorted(set(xs) - set(alone))[:4],
                         sorted(set(alone) - set(xs))[:4]))
            check(attached[lib] > 0, "the host sent on queue 1 but %s "
                  "stayed 0" % lib)


CASES = {
    "xstats_while_guests_leave": xstats_while_guests_leave,
    "guest_restart_counts": guest_restart_counts,
    "second_frontend": second_frontend,
    "xstats_count_steady": xstats_count_steady,
    "reconnect_at_once": reconnect_at_once,
    "hotplug": hotplug,
    "quit_under_load": quit_under_load,
    "port_restart": port_restart,
    "xstats_reset_while_stopped": xstats_reset_while_stopped,
    "server_stock": lambda: reconnect(False, "stock"),
    "server_ours": lambda: reconnect(False, "ours"),
    "client_stock": lambda: reconnect(True, "stock"),
    "client_ours": lambda: reconnect(True, "ours"),
}

if __name__ == "__main__":
    hl.main(CASES)
