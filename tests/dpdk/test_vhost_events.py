# SPDX-License-Identifier: BSD-3-Clause
"""Case: vhost_events.wake() makes DPDK 22.11's vhost event thread watch a
new server socket at once, and the connection that follows works.

Setup: a host testpmd with stock net_vhost (server, core 0), started
without the harness's own wake (vhost_wake=False).
Checks:
  - wake(host) finds the thread and writes to its pipe (True), and the
    thread then polls 2 fds (its pipe and the socket) within 0.5 s: half
    the library's own 1 s timeout, which it would otherwise wait for;
  - a stock virtio_user guest (core 1) connects: link up on both sides,
    and 32 packets it sends reach the host (the thread accepted and
    served the connection normally);
  - wake() of a process without a vhost event thread (the guest) returns
    False.
Without a working wake the first check fails (the helper finds nothing
and returns False, or the thread never rebuilds its set before 0.5 s).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import vhost_events  # noqa: E402

DEADLINE_S = 0.5


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


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
            before = vhost_events.watched(host.pid)
            if not vhost_events.wake(host.pid):
                host.fail("wake() found no vhost event thread, or no pipe "
                          "it polls")
            t0 = time.monotonic()
            n = vhost_events.watched(host.pid)
            while (n or 0) < 2 and time.monotonic() - t0 < DEADLINE_S:
                time.sleep(0.005)
                n = vhost_events.watched(host.pid)
            print("event thread polled %s fd(s) at the prompt, %s %.3f s "
                  "after the wake" % (before, n, time.monotonic() - t0))
            if (n or 0) < 2:
                host.fail("the event thread still polls %s fd(s) %.1f s "
                          "after the wake" % (n, DEADLINE_S))
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
