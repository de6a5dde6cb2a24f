# SPDX-License-Identifier: BSD-3-Clause
"""The tx ring's soft depth: how much of it the guest fills while the host
polls (vspin_vq_drv_room).

Case soft_depth: net_virtio_spin (client, txonly 64 B) against
net_vhost_spin with spin_mode=poll (server, rxonly), then against
Debian's stock net_vhost. Our polling host never arms its event index
and moves it half a lap away every 8192 entries; the stock one never
writes it (the guest's avail index laps the stale 0 every 65,536
entries). Either way the guest must see a host that polls. For each
host and guest setting in turn:
  1. the host forwards, the guest sends for 0.3 s and on until it sent
     more than 8192 + a ring of packets, stops; the host receives every
     one;
  2. the host stops forwarding (nothing is consumed any more);
  3. the guest sends for 0.3 s: its port takes exactly the expected
     number, then finds no room;
  4. the host forwards again and receives exactly what the guest took.
Expected: spin_mode=adaptive without queue_size= (tx ring 4096, soft depth
256) takes 256 with either host; spin_mode=adaptive,queue_size=1024 (no
soft depth) 1024; spin_mode=poll (ring 256) 256. What a sleeping host
opens (the whole ring) is tests/unit/test_vq.c's test_soft_depth.
"""

import sys

from guestlib import (check, drained, guest_pmd, harness, run, settle,
                      sock_path, vhost_pmd)

# (host, guest devargs) -> packets the guest's tx ring takes with nothing
# consumed. "stock": Debian's net_vhost, which never writes the index.
CASES = (("ours", "spin_mode=adaptive", 256),
         ("ours", "spin_mode=adaptive,queue_size=1024", 1024),
         ("ours", "spin_mode=poll", 256),
         ("stock", "spin_mode=adaptive", 256))
# keep_quiet() moves the event every 8192 entries; then the longest ring
# of CASES (adaptive's default tx ring) more.
MIN_FIRST = 8192 + 4096


def host_pmd(d, kind):
    if kind == "stock":
        return vhost_pmd(d, "rxonly")
    vdev = "net_vhost_spin0,iface=%s,spin_mode=poll" % sock_path(d)
    return harness.Testpmd("host", vdevs=[vdev], fwd_lcore=0,
                           plugins=[harness.plugin("vhost_spin")],
                           args=["--forward-mode=rxonly"])


def sent(guest, at_least=0, seconds=0.3, limit=60.0):
    """The guest's txonly for `seconds`, and on until its tx count grew by
    at_least (at most `limit` s: a count, not a rate, on a slow machine);
    returns what it sent."""
    t0 = guest.port_stats(0)["tx_packets"]
    guest.start_fwd()
    settle(seconds)
    harness.wait_rx(guest, t0 + at_least, key="tx_packets", timeout=limit,
                    step=0.05)
    guest.stop_fwd()
    return guest.port_stats(0)["tx_packets"] - t0


def one(d, kind, devargs, want):
    with host_pmd(d, kind) as host, \
            guest_pmd(d, "txonly", devargs) as guest:
        host.wait_link_up(0)
        guest.wait_link_up(0)
        host.start_fwd()
        n1 = sent(guest, MIN_FIRST)
        r1 = drained(host, n1)["rx_packets"]
        check(n1 >= MIN_FIRST, "'%s': the first phase sent only %d packets"
              " in 60 s (at least %d wanted)" % (devargs, n1, MIN_FIRST))
        check(r1 == n1, "'%s': sent %d, the host received %d" %
              (devargs, n1, r1))
        host.stop_fwd()
        n2 = sent(guest)
        check(n2 == want, "'%s': with the host not consuming the guest "
              "took %d packets, expected %d" % (devargs, n2, want))
        host.start_fwd()
        r2 = drained(host, n1 + n2)["rx_packets"]
        check(r2 == n1 + n2, "'%s': sent %d in all, the host received %d" %
              (devargs, n1 + n2, r2))
        host.stop_fwd()
        print("ok: %s host, '%s': %d then %d packets with the host "
              "stopped, all received" % (kind, devargs, n1, n2))


def main():
    check(sys.argv[1] == "soft_depth", "unknown case %r" % sys.argv[1])
    for kind, devargs, want in CASES:
        with harness.private_dir() as d:
            one(d, kind, devargs, want)


run(main)
