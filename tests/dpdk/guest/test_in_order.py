# SPDX-License-Identifier: BSD-3-Clause
"""VIRTIO_F_IN_ORDER: negotiated with both hosts, as many packets
delivered as sent, before and after a reconnect, with mergeable receive.

Cases (argv[1]): in_order_<host>_<mode>, host stock (Debian's net_vhost) or ours
(net_vhost_spin, same spin_mode as the guest), mode poll, spin or adaptive.
Topology: net_virtio_spin client (guest testpmd, 700-byte mbufs and
--enable-scatter: a 1500-byte frame arrives in 3 mergeable buffers) against a host testpmd
(server). For each of two hosts in turn (the second after the first quit,
the guest reconnecting by itself):
  - host txonly 64 B, then 1500 B (mergeable, 3 segments) -> guest rxonly;
  - guest txonly 1500 B as 3 segments (descriptor chains) -> host rxonly.
Case in_order_server_started_first: the guest is the server (server=1)
and its port is started before a (stock) backend connects: IN_ORDER is
left out (the rings predate the features), the rest as above.
Case in_order_restart_without_backend: the guest (client, rxonly) runs
with IN_ORDER against a stock host, its port is stopped, the host quits
and the port starts again with no backend; then a fake backend that does
not offer IN_ORDER and gives each batch of used entries back last head
first (fake_backend reverse=True, legal without IN_ORDER) takes the
socket. Expect: the guest logs "IN_ORDER off" for it, receives (rx
packets grow past 500) and finds no bad used entry (rx_q0_bad_used 0, no
"stopped" log): rings laid out with no backend are not in order.
Expect (the other cases): the host logged IN_ORDER (bit 35) in its negotiated features, the
guest logged "IN_ORDER on", and after each phase (traffic stopped, rings
drained) the receiver's packet count grew by exactly the sender's, with no
rx errors. testpmd's packets are all alike: each packet's identity,
order and duplicates are checked by the matrix's _inorder cases
(tests/dpdk/test_matrix.py, vspin-traffic's sink); here an out-of-order
completion would corrupt the rings and show as a count mismatch or an
error.
"""

import sys

from fake_backend import FakeBackend, wait_until
from guestlib import (check, drained, guest_pmd, harness,
                      negotiated_features, run, settle, sock_path)

IN_ORDER = 35
HOST_MODES = {"poll": "poll", "spin": "spin:20", "adaptive": "adaptive"}
# Frames in several mbufs: the application must take them (scatter).
SMALL_MBUFS = ["--mbuf-size=700", "--enable-scatter"]


def host_pmd(d, kind, mode, name, client=False):
    if kind == "stock":
        vdev = "net_vhost0,iface=%s" % sock_path(d)
        plugins = []
    else:
        vdev = "net_vhost_spin0,iface=%s,spin_mode=%s" % (sock_path(d),
                                                         mode)
        plugins = [harness.plugin("vhost_spin")]
    if client:
        vdev += ",client=1"
    return harness.Testpmd(name, vdevs=[vdev], fwd_lcore=0, plugins=plugins,
                           args=["--forward-mode=rxonly"],
                           log_levels=["lib.vhost.config:debug"])


def phase(sender, receiver, what, seconds=0.3):
    """Run the sender's forwarding, stop it, let the receiver drain, and
    check the receiver got exactly what the sender sent."""
    s0 = sender.port_stats(0)["tx_packets"]
    r0 = receiver.port_stats(0)
    sender.start_fwd()
    settle(seconds)
    sender.stop_fwd()
    sent = sender.port_stats(0)["tx_packets"] - s0
    r1 = drained(receiver, r0["rx_packets"] + sent)
    got = r1["rx_packets"] - r0["rx_packets"]
    check(sent > 0, "%s: nothing sent" % what)
    check(got == sent, "%s: sent %d, received %d (%+d)" %
          (what, sent, got, got - sent))
    check(r1.get("rx_errors", 0) == r0.get("rx_errors", 0),
          "%s: rx errors %d -> %d" % (what, r0.get("rx_errors", 0),
                                      r1.get("rx_errors", 0)))
    print("%s: %d sent, %d received" % (what, sent, got))


def exercise(host, guest, tag, in_order=True):
    host.wait_link_up(0)
    guest.wait_link_up(0, timeout=10)
    f = negotiated_features(host)
    check(f is not None and bool(f & (1 << IN_ORDER)) == in_order,
          "%s: IN_ORDER %s negotiated (host logged features %s)" %
          (tag, "not" if in_order else "", None if f is None else
           "0x%x" % f))
    # Host -> guest: rx in order, single buffers then mergeable.
    guest.cmd("set fwd rxonly")
    guest.start_fwd()
    host.cmd("set fwd txonly")
    for size in (64, 1500):
        host.cmd("set txpkts %d" % size)
        phase(host, guest, "%s host->guest %d B" % (tag, size))
    guest.stop_fwd()
    # Guest -> host: 3-segment mbufs, 4-descriptor chains in order.
    host.cmd("set fwd rxonly")
    host.start_fwd()
    guest.cmd("set fwd txonly")
    guest.cmd("set txpkts 500,500,500")
    phase(guest, host, "%s guest->host 1500 B in 3 segments" % tag)
    host.stop_fwd()


def server_started_first():
    """net_virtio_spin server=1, port started before any backend: its
    rings were laid out before the features were known, so the port runs
    without IN_ORDER, before and after the backend reconnects."""
    with harness.private_dir() as d:
        guest = guest_pmd(d, "rxonly", "server=1", args=SMALL_MBUFS)
        with guest:
            with host_pmd(d, "stock", None, "host", client=True) as host:
                exercise(host, guest, "host 1", in_order=False)
            guest.wait_link_down(0, timeout=5)
            with host_pmd(d, "stock", None, "host2", client=True) as host2:
                exercise(host2, guest, "host 2 (reconnected)",
                         in_order=False)
            check("IN_ORDER off" in guest.log,
                  "the guest did not log 'IN_ORDER off'")


def restart_without_backend():
    with harness.private_dir() as d:
        host = host_pmd(d, "stock", None, "host").start()
        try:
            guest = guest_pmd(d, "rxonly", "", args=SMALL_MBUFS).start()
        except BaseException:
            host.quit()
            raise
        with guest:
            with host:
                guest.wait_link_up(0)
                check("IN_ORDER on" in guest.log,
                      "no 'IN_ORDER on' with the stock host")
                guest.cmd("port stop 0", timeout=30)
            guest.cmd("port start 0", timeout=30)
            off = guest.log.count("IN_ORDER off")
            with FakeBackend(sock_path(d), serve=True, reverse=True):
                guest.wait_link_up(0, timeout=10)
                check(guest.log.count("IN_ORDER off") > off,
                      "the new backend's features were not logged with "
                      "IN_ORDER off:\n" + guest.log[-1500:])
                guest.start_fwd()
                ok = wait_until(lambda: guest.xstats(0).get(
                    "rx_q0_packets", 0) > 500, 10)
                xs = guest.xstats(0)
                guest.stop_fwd()
                check(ok and xs.get("rx_q0_bad_used", 0) == 0 and
                      "queue 0 stopped" not in guest.log,
                      "rings still in order for a backend without it: "
                      "rx_q0_packets %d, rx_q0_bad_used %d\n%s"
                      % (xs.get("rx_q0_packets", 0),
                         xs.get("rx_q0_bad_used", 0), guest.log[-1500:]))
                print("ok: restarted with no backend, then %d packets "
                      "from a backend without IN_ORDER, none bad"
                      % xs["rx_q0_packets"])


def main():
    if sys.argv[1] == "in_order_restart_without_backend":
        restart_without_backend()
        return
    if sys.argv[1] == "in_order_server_started_first":
        server_started_first()
        return
    kind, mode = sys.argv[1][len("in_order_"):].split("_", 1)
    mode = HOST_MODES[mode]
    if kind != "stock":
        try:
            harness.plugin("vhost_spin")
        except FileNotFoundError as e:
            print("SKIP: %s" % e)
            sys.exit(77)
    with harness.private_dir() as d:
        guest = guest_pmd(d, "rxonly", "spin_mode=" + mode, args=SMALL_MBUFS)
        with host_pmd(d, kind, mode, "host") as host:
            with guest:
                exercise(host, guest, "host 1")
                host.quit()
                guest.wait_link_down(0, timeout=5)
                with host_pmd(d, kind, mode, "host2") as host2:
                    exercise(host2, guest, "host 2 (reconnected)")
                check("IN_ORDER on" in guest.log,
                      "the guest did not log 'IN_ORDER on'")


run(main)
