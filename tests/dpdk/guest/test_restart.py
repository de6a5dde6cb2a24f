# SPDX-License-Identifier: BSD-3-Clause
"""Backend restart: the guest's link goes down when the backend leaves,
comes back when a new backend appears, and traffic resumes.

Cases (argv[1]):
  client  net_virtio_spin connects (stock net_vhost is the server); after
          the host quits, the guest reconnects by itself.
  server  net_virtio_spin server=1 (net_vhost client=1 connects to it);
          after the host quits, the guest accepts the new one.
  port    the guest's port is stopped and started again (GET_VRING_BASE,
          then the rings handed over afresh) while the backend stays.
  server_path_in_use
          a second guest with server=1 on the socket of a running one
          fails its probe (exit status 1) with an error naming the path;
          the socket file stays, the first guest's link stays up, and a
          restarted host still reaches the first guest through it.
  server_path_twice
          a running guest (server=1) attaches a second net_virtio_spin
          port with server=1 on the same socket file spelt otherwise
          (d/./s.sock): the attach fails naming port 0, and port 0 got
          no connection from it (no failed handshake in its log): a
          host then connects and gets port 0's traffic.
  server_out_of_fds
          net_virtio_spin server=1 with its descriptor limit at what it
          holds: a backend connects and cannot be accepted. The guest
          says so; the backend quits and another connects. The guest's
          interrupt thread does not spin (under 0.5 s of CPU in 2 s; it
          spun on the listening socket before), and once the limit is
          raised the second backend's connection is taken: link up,
          packets.
          Then a second guest out of them quits with the connection
          parked, and exits with status 0.
  server_reconnect_at_once
          a backend (fake_backend, client, serving the rings) closes its
          connection and connects again while the guest (server=1,
          rxonly) is stopped (SIGSTOP): the guest finds the old one's end
          and the new connection in one wake-up. It must take the new
          one (packets from it, nothing refused); before, it refused it
          as a second backend until the old one's clean-up ran. A third
          connection while the second is alive is refused (closed, and
          said), and the second goes on.
  server_failing_backend
          a backend the guest (server=1) cannot negotiate with (it lacks
          VIRTIO_F_VERSION_1) connects again the moment it is closed, for
          2.5 s: the guest says why, negotiates 3 to 8 times (it waits
          longer after each failure; thousands before, and as many
          handshakes logged by a real backend), and a stock net_vhost
          client that comes next gets the link up and packets.
  client_refused
          net_virtio_spin (client) loses its backend; the next one on the
          path closes each connection at GET_FEATURES (as a backend
          serving another frontend does), for 2.5 s: the guest's log
          hints at that, and it connects 3 to 8 times (it waits longer
          after each failure; every 200 ms before); then a good backend
          gets the link up.
  lsc_close_server
          an application (lsc_close.c) closes a server-mode port from its
          link-state callback when a backend connects: the callback runs
          inside the port's accept callback. The close returns (status 0)
          and the application exits 0; it hung before, waiting for the
          callback it ran in.
  features_change
          the backend (fake_backend, serving the rings) comes back
          without EVENT_IDX: while the guest's port runs it is refused
          ("stop the port to take them"), link down; after "port stop 0"
          it is taken, and "port start 0" brings the link up with
          EVENT_IDX off and packets flowing (rxonly).
Topology: guest txonly (forwarding all along) -> host rxonly.
Expect: link down within 5 s of the host quitting (or the port stopping),
up within 10 s of a new host starting (or the port starting), and the
host receives packets afterwards.
"""

import contextlib
import os
import resource
import signal
import socket
import sys
import time

from fake_backend import FEATURES, FakeBackend, wait_until
from vu_proto import F_VERSION_1
from guestlib import (EVENT_IDX, check, guest_pmd, harness, run, settle,
                      sock_path, vhost_pmd)
import lsc_close  # noqa: E402  (tests/dpdk, on the path through guestlib)


# server_failing_backend, client_refused: how long the failing backend
# is there, and the most negotiations the guest may have with it meanwhile
# (it waits 0.2, 0.4, 0.8, then 1 s after each failure: 5 or 6 in 2.5 s;
# thousands before in server mode, 12 in client mode).
FAILING_FOR_S = 2.5
FAILING_MAX_TRIES = 8


def host_rx(d, host):
    host.wait_link_up(0)
    host.start_fwd()
    settle(0.5)
    host.stop_fwd()
    return host.port_stats(0)["rx_packets"]


def port_stop_start():
    with harness.private_dir() as d:
        with vhost_pmd(d, "rxonly") as host, \
                guest_pmd(d, "txonly") as guest:
            guest.wait_link_up(0)
            guest.start_fwd()
            n1 = host_rx(d, host)
            check(n1 > 0, "host received nothing before the stop")
            guest.stop_fwd()
            guest.cmd("port stop 0")
            guest.wait_link_down(0, timeout=5)
            host.wait_link_down(0, timeout=5)
            guest.cmd("port start 0")
            guest.wait_link_up(0, timeout=10)
            guest.start_fwd()
            n2 = host_rx(d, host) - n1
            guest.stop_fwd()
            check(n2 > 0, "no traffic after port stop/start")
            print("before %d, after %d" % (n1, n2))


def server_path_in_use():
    with harness.private_dir() as d:
        path = sock_path(d)
        with guest_pmd(d, "txonly", "server=1") as guest:
            with vhost_pmd(d, "rxonly", client=True) as host:
                guest.wait_link_up(0)
                rc, log = harness.run_testpmd(
                    "second", vdevs=["net_virtio_spin0,server=1,path="
                                     + path],
                    plugins=[harness.plugin("virtio")], fwd_lcore=1,
                    args=["--nb-ports=1"], timeout=30)
                check(rc == 1, "second server on a live socket: exit "
                      "status %s, expected 1\n%s" % (rc, log[-1500:]))
                expect = "%s: socket already in use" % path
                check(expect in log, "no %r in the second guest's log:\n%s"
                      % (expect, log[-1500:]))
                check(os.path.exists(path),
                      "the second guest removed the first one's socket")
                check(guest.link_up(0), "the first guest's link went down")
                guest.start_fwd()
                n1 = host_rx(d, host)
                check(n1 > 0, "the host received nothing from the first "
                      "guest after the second one failed")
            guest.wait_link_down(0, timeout=5)
            with vhost_pmd(d, "rxonly", client=True, name="host2"):
                guest.wait_link_up(0, timeout=10)
            guest.stop_fwd()
            print("ok: second server refused (%s), first guest sent %d "
                  "and accepted a new host" % (expect.replace(d, "<dir>"),
                                               n1))


def server_path_twice():
    with harness.private_dir() as d:
        path = sock_path(d)
        other = os.path.join(os.path.dirname(path), ".",
                             os.path.basename(path))
        with guest_pmd(d, "txonly", "server=1") as guest:
            start = len(guest.log)
            out = guest.cmd("port attach net_virtio_spin1,server=1,path="
                            + other, timeout=20)
            expect = "%s: already used by port 0 (path %s)" % (other, path)
            check(expect in guest.log, "no %r in the guest's log:\n%s"
                  % (expect, guest.log[-1500:]))
            check("is attached" not in out, "the second port attached: %r"
                  % out)
            settle(0.3)
            since = guest.log[start:]
            check("no reply" not in since and "backend" not in since,
                  "port 0 took the second port's check for a backend:\n"
                  + since[-1500:])
            with vhost_pmd(d, "rxonly", client=True) as host:
                guest.wait_link_up(0)
                guest.start_fwd()
                n = host_rx(d, host)
                check(n > 0, "the host received nothing from port 0")
                guest.stop_fwd()
            print("ok: a second server port on %s refused, port 0 sent %d"
                  % (other.replace(d, "<dir>"), n))


def intr_thread_cpu(pid):
    return sum(cpu for comm, cpu in harness.thread_cpu(pid).values()
               if comm == "eal-intr-thread")


def lowest_free_fd(pid):
    held = set(int(fd) for fd in os.listdir("/proc/%d/fd" % pid))
    return next(n for n in range(len(held) + 1) if n not in held)


def limit_to_held(pid, hard):
    """Set pid's descriptor limit to its lowest free descriptor number
    (the kernel gives out the lowest: accept() then finds none); that
    number."""
    n = lowest_free_fd(pid)
    while True:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (n, hard))
        time.sleep(0.2)
        n, was = lowest_free_fd(pid), n
        if n == was:
            return n


def fd_listing(pid):
    base = "/proc/%d/fd" % pid
    out = []
    for fd in sorted(os.listdir(base), key=int):
        try:
            out.append("%s -> %s" % (fd, os.readlink(base + "/" + fd)))
        except OSError:
            pass
    return "\n".join(out)


def wait_parked(guest, n):
    """Wait until the guest, its descriptors limited to n, says it parks
    the backend's connection."""
    check(wait_until(lambda: "out of file descriptors" in guest.log, 10),
          "no 'out of file descriptors' in the guest's log (limit %d):\n%s"
          "\n--- its descriptors ---\n%s" % (n, guest.log[-1500:],
                                             fd_listing(guest.pid)))


def server_out_of_fds():
    with harness.private_dir() as d:
        with guest_pmd(d, "txonly", "server=1") as guest:
            guest.start_fwd()
            time.sleep(0.5)
            limits = resource.prlimit(guest.pid, resource.RLIMIT_NOFILE)
            n = limit_to_held(guest.pid, limits[1])
            # A backend whose connection is parked goes away, and a new
            # one connects: it takes the parked one's place.
            with vhost_pmd(d, "rxonly", client=True, name="host1"):
                wait_parked(guest, n)
            with vhost_pmd(d, "rxonly", client=True) as host:
                time.sleep(0.5)  # it has connected
                c0 = intr_thread_cpu(guest.pid)
                time.sleep(2)
                busy = intr_thread_cpu(guest.pid) - c0
                check(busy < 0.5, "the guest's interrupt thread used %.2f s "
                      "of CPU in 2 s while it could not accept" % busy)
                check(not guest.link_up(0), "link up without a connection")
                resource.prlimit(guest.pid, resource.RLIMIT_NOFILE, limits)
                guest.wait_link_up(0, timeout=10)
                check("descriptors are free again" in guest.log,
                      "the guest did not say it took the connection")
                n1 = host_rx(d, host)
                check(n1 > 0, "the host received nothing after the limit "
                      "was raised")
            guest.stop_fwd()
        # A new guest out of them, and the port closes (testpmd quits)
        # with the connection parked: a clean exit.
        with guest_pmd(d, "txonly", "server=1", name="guest2") as guest:
            time.sleep(0.5)
            hard = resource.prlimit(guest.pid, resource.RLIMIT_NOFILE)[1]
            n2 = limit_to_held(guest.pid, hard)
            with vhost_pmd(d, "rxonly", client=True, name="host2"):
                wait_parked(guest, n2)
                rc = guest.quit()
                check(rc == 0 and not guest.quit_killed,
                      "the guest quit with status %s%s with a connection "
                      "parked" % (rc, " (killed)" if guest.quit_killed
                                  else ""))
        print("ok: out of descriptors at %d, the interrupt thread used "
              "%.2f s in 2 s; %d packets once the limit was raised; "
              "closed with a connection parked" % (n, busy, n1))


def server_reconnect_at_once():
    refused = "a backend is already connected"
    with harness.private_dir() as d:
        path = sock_path(d)
        with guest_pmd(d, "rxonly", "server=1") as guest:
            guest.start_fwd()
            be = FakeBackend(path, serve=True, client=True).start()
            be2 = None
            try:
                guest.wait_link_up(0)
                check(wait_until(lambda: guest.port_stats(0)[
                    "rx_packets"] > 0, 10), "no packets from the backend")
                # The guest cannot run while the backend closes and
                # connects again: it finds both in one wake-up.
                os.kill(guest.pid, signal.SIGSTOP)
                try:
                    be.stop()
                    be2 = FakeBackend(path, serve=True, client=True)
                    be2.start()
                    check(wait_until(lambda: be2.conns == 1, 5),
                          "the second backend did not connect")
                finally:
                    os.kill(guest.pid, signal.SIGCONT)
                check(wait_until(lambda: be2.seen("SET_VRING_KICK"), 10),
                      "the guest did not set the new connection up (%s)"
                      % ("refused it" if refused in guest.log else
                         "nothing logged"))
                n = guest.port_stats(0)["rx_packets"]
                check(wait_until(lambda: guest.port_stats(0)[
                    "rx_packets"] > n, 10),
                    "no packets from the second backend")
                check(refused not in guest.log,
                      "the guest refused a connection")
                # A third one while the second is alive: refused, closed.
                with socket.socket(socket.AF_UNIX,
                                   socket.SOCK_STREAM) as third:
                    third.connect(path)
                    third.settimeout(10)
                    got = harness.recv_exact(third, 1)
                check(got is None, "a third backend got %r, not its "
                      "connection closed" % got)
                # Said before the close; the log may reach us after it.
                check(wait_until(lambda: refused in guest.log, 5),
                      "the guest did not say it refused the third backend")
                n = guest.port_stats(0)["rx_packets"]
                check(wait_until(lambda: guest.port_stats(0)[
                    "rx_packets"] > n, 10),
                    "no packets from the second backend after the third")
            finally:
                be.stop()
                if be2 is not None:
                    be2.stop()
            guest.stop_fwd()
            print("ok: the backend closed and connected again while the "
                  "guest was stopped; the new connection was taken")


def server_failing_backend():
    lacks = "backend lacks VIRTIO_F_VERSION_1"
    with harness.private_dir() as d:
        path = sock_path(d)
        with guest_pmd(d, "txonly", "server=1") as guest:
            # A client-mode backend the guest cannot negotiate with,
            # connecting again the moment it is closed, as rte_vhost's
            # reconnecting client does.
            end = time.monotonic() + FAILING_FOR_S
            tries = 0
            while time.monotonic() < end:
                be = FakeBackend(path, client=True,
                                 features=FEATURES & ~F_VERSION_1).start()
                check(be.wait_done(10), "the guest kept a failed "
                      "negotiation's connection open for 10 s")
                tries += be.seen("GET_FEATURES")
            check(lacks in guest.log, "the guest did not say why:\n"
                  + guest.log[-1500:])
            check(3 <= tries <= FAILING_MAX_TRIES,
                  "%d negotiations in %.1f s with a backend that fails "
                  "each (expected 3 to %d: one after another, 0.2 s "
                  "apart at first, up to 1 s)" % (tries, FAILING_FOR_S,
                                                 FAILING_MAX_TRIES))
            check(not guest.link_up(0), "link up without a negotiation")
            with vhost_pmd(d, "rxonly", client=True) as host:
                guest.wait_link_up(0, timeout=10)
                guest.start_fwd()
                n = host_rx(d, host)
                guest.stop_fwd()
            check(n > 0, "the host received nothing after the failures")
            print("ok: %d negotiations in %.1f s with a failing backend, "
                  "then %d packets to a good one" % (tries, FAILING_FOR_S,
                                                     n))


@contextlib.contextmanager
def guest_whose_backend_left(d):
    """A client-mode guest (rxonly) whose first backend (fake_backend,
    serving the rings) has left: its link down, the socket path free.
    Yields (path, guest)."""
    path = sock_path(d)
    be = FakeBackend(path, serve=True).start()
    with guest_pmd(d, "rxonly") as guest:
        guest.wait_link_up(0)
        be.stop()
        guest.wait_link_down(0, timeout=5)
        os.unlink(path)
        yield path, guest


def client_refused():
    hint = "as a backend serving another frontend does"
    with harness.private_dir() as d:
        with guest_whose_backend_left(d) as (path, guest):
            # A backend that closes each connection at GET_FEATURES, as
            # one serving another frontend refuses ours.
            with FakeBackend(path, rule=lambda n, name: "close"
                             if name == "GET_FEATURES" else None) as be2:
                time.sleep(FAILING_FOR_S)
                tries = be2.conns
            check(hint in guest.log, "the guest did not say how a backend "
                  "closes:\n" + guest.log[-1500:])
            check(3 <= tries <= FAILING_MAX_TRIES,
                  "%d connections in %.1f s to a backend that closes each "
                  "(expected 3 to %d: 0.2 s apart at first, up to 1 s)"
                  % (tries, FAILING_FOR_S, FAILING_MAX_TRIES))
            os.unlink(path)
            with FakeBackend(path, serve=True):
                guest.wait_link_up(0, timeout=10)
            print("ok: %d connections in %.1f s to a refusing backend, "
                  "then the link up with a good one" % (tries,
                                                        FAILING_FOR_S))


def lsc_close_server():
    with harness.private_dir() as d:
        path = sock_path(d)
        lsc_close.run(d, harness.plugin("virtio"),
                      "net_virtio_spin0,server=1,path=" + path, path,
                      lambda: vhost_pmd(d, "rxonly", client=True))
        print("ok: port closed from the callback raised by the accept")


def features_change():
    refused = "stop the port to take them"
    with harness.private_dir() as d:
        with guest_whose_backend_left(d) as (path, guest):
            with FakeBackend(path, serve=True,
                             features=FEATURES & ~(1 << EVENT_IDX)) as be2:
                check(wait_until(lambda: refused in guest.log, 10),
                      "a backend with other features was not refused "
                      "while the port ran:\n" + guest.log[-1500:])
                check(not guest.link_up(0), "link up with other features")
                guest.cmd("port stop 0")
                guest.cmd("port start 0")
                guest.wait_link_up(0, timeout=10)
                check("EVENT_IDX off" in guest.log,
                      "the port did not take the new features:\n"
                      + guest.log[-1500:])
                guest.start_fwd()
                check(wait_until(lambda: guest.xstats(0).get(
                    "rx_q0_packets", 0) > 100, 10),
                    "no packets after the restart: %r" % guest.xstats(0))
                guest.stop_fwd()
                print("ok: refused while running, taken after a stop "
                      "(%d connections), %d packets"
                      % (be2.conns, guest.xstats(0)["rx_q0_packets"]))


CASES = {
    "features_change": features_change,
    "port": port_stop_start,
    "server_path_in_use": server_path_in_use,
    "server_path_twice": server_path_twice,
    "server_reconnect_at_once": server_reconnect_at_once,
    "server_failing_backend": server_failing_backend,
    "client_refused": client_refused,
    "lsc_close_server": lsc_close_server,
    "server_out_of_fds": server_out_of_fds,
}


def main():
    if sys.argv[1] in CASES:
        CASES[sys.argv[1]]()
        return
    if sys.argv[1] not in ("client", "server"):
        raise AssertionError("unknown case " + sys.argv[1])
    server = sys.argv[1] == "server"
    with harness.private_dir() as d:
        guest = guest_pmd(d, "txonly", "server=1" if server else "")
        host = vhost_pmd(d, "rxonly", client=server)
        if server:
            guest.start()  # listens; the host connects to it
            host.start()
        else:
            host.start()
            guest.start()
        with guest:
            with host:
                guest.wait_link_up(0)
                guest.start_fwd()
                n1 = host_rx(d, host)
                check(n1 > 0, "first host received nothing")
            # host quit
            guest.wait_link_down(0, timeout=5)
            with vhost_pmd(d, "rxonly", client=server,
                           name="host2") as host2:
                guest.wait_link_up(0, timeout=10)
                n2 = host_rx(d, host2)
                check(n2 > 0, "traffic did not resume after the restart: "
                      "the new host received nothing")
            guest.stop_fwd()
            print("host 1 received %d, host 2 received %d" % (n1, n2))
            check("link state change event" in guest.log,
                  "guest reported no link state change event")


run(main)
