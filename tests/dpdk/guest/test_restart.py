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
Topology: guest txonly (forwarding all along) -> host rxonly.
Expect: link down within 5 s of the host quitting (or the port stopping),
up within 10 s of a new host starting (or the port starting), and the
host receives packets afterwards.
"""

import sys

from guestlib import check, guest_pmd, harness, run, settle, vhost_pmd


def host_rx(d, host):
    host.wait_link_up(0)
    host.start_fwd()
    settle(1.0)
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


def main():
    if sys.argv[1] == "port":
        port_stop_start()
        return
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
