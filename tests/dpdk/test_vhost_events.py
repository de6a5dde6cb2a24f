# SPDX-License-Identifier: BSD-3-Clause
"""Case: vhost_events.wake() makes DPDK 22.11's vhost event thread watch a
new server socket at once, and the connection that follows works.

Setup: a host testpmd with stock net_vhost (server, core 0), started
without the harness's own wake (vhost_wake=False).
Checks:
  - ROUNDS times, a server socket the thread does not watch yet (the
    port of the command line, then ports added with "port attach" and
    "port start"):
    wake(host) finds the thread and writes to its pipe (True), and the
    thread then polls one fd more within DEADLINE_S. The library's own
    1 s poll timeout would bring that fd in too, but within DEADLINE_S
    only one time in ten: a wake that does nothing passes all ROUNDS
    with odds of 1 in 1000. A round whose socket the thread already
    watched before the wake (its timeout came between the attach and
    the look) does not count, and another port is attached;
  - a stock virtio_user guest (core 1) connects to the first port: link
    up on both sides, and 32 packets it sends reach the host (the
    thread accepted and served the connection normally);
  - wake() of a process without a vhost event thread (the guest) returns
    False.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import vhost_events  # noqa: E402

DEADLINE_S = 0.1
ROUNDS = 3
MAX_PORTS = 8


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def wake_round(host, want):
    """Wake the thread for the newest socket, the want-th fd it should
    poll: False if it polled it already (not a round), else True once it
    does within DEADLINE_S (a failure otherwise)."""
    before = vhost_events.watched(host.pid)
    if before is None:
        host.fail("no vhost event thread in poll()")
    if before >= want:
        return False
    if not vhost_events.wake(host.pid):
        host.fail("wake() found no vhost event thread, or no pipe it polls")
    t0 = time.monotonic()
    n = vhost_events.watched(host.pid)
    while (n or 0) < want and time.monotonic() - t0 < DEADLINE_S:
        time.sleep(0.002)
        n = vhost_events.watched(host.pid)
    dt = time.monotonic() - t0
    print("event thread: %d fd(s) before the wake, %s %.3f s after" % (
        before, n, dt))
    if (n or 0) < want:
        host.fail("the event thread polls %s fd(s) %.1f s after the wake, "
                  "not %d" % (n, DEADLINE_S, want))
    return True


def main():
    with h.private_dir() as d:
        sock = os.path.join(d, "vhost.sock")
        host = h.Testpmd("evhost", vdevs=["net_vhost0,iface=" + sock],
                         fwd_lcore=0, args=["--forward-mode=rxonly"],
                         vhost_wake=False)
        guest = h.Testpmd("evguest", fwd_lcore=1,
                          vdevs=["net_virtio_user0,path=" + sock],
                          args=["--forward-mode=txonly"])
        with host:
            rounds = 0
            for port in range(MAX_PORTS):
                if port > 0:
                    # The stock PMD listens from its configure.
                    host.cmd("port attach net_vhost%d,iface=%s" % (
                        port, os.path.join(d, "v%d.sock" % port)))
                    host.cmd("port start %d" % port)
                # The thread's pipe and port + 1 server sockets.
                if wake_round(host, port + 2):
                    rounds += 1
                    if rounds == ROUNDS:
                        break
            print("%d informative rounds of %d" % (rounds, port + 1))
            if rounds < ROUNDS:
                host.fail("only %d of %d ports gave a round the thread had "
                          "not seen yet" % (rounds, port + 1))
            with guest:
                guest.wait_link_up(0)
                host.wait_link_up(0)
                host.start_fwd()
                guest.cmd("start tx_first")
                guest.cmd("stop")
                rx = h.wait_until("host rx", lambda: host.port_stats(0)[
                    "rx_packets"] >= 32)
                if not rx:
                    host.fail("the guest's packets did not arrive")
                if vhost_events.wake(guest.pid):
                    fail("wake() of a process without a vhost event "
                         "thread returned True")
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    except (h.HarnessError, AssertionError) as e:
        fail(e)
