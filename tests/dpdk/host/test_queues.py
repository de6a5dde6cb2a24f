# SPDX-License-Identifier: BSD-3-Clause
"""A guest that uses fewer queue pairs than the port has.

A Linux guest enables one queue pair per vCPU by default, so a port with
queues=2 may meet a guest that enables one; the application still sends on
every tx queue it configured (OVS on the one its PMD thread owns).

Case fewer_guest_queues
  Host: testpmd with net_vhost_spin0,queues=2 (adaptive), --rxq=2 --txq=2,
  txonly on both queues (core 1). Guests in turn (core 0, rxonly): stock
  virtio_user with one queue pair, net_virtio_spin with two, then
  net_virtio_spin with one. Each: the host sends for 0.3 s, stops, the
  guest drains. The host logs at level info.
Expected, each guest: guest rx == host tx exactly, both host tx queues sent
  (tx_q0_packets and tx_q1_packets > 0); with one guest queue pair the
  host's log says tx queue 1 sends on the guest's queue 0, and its
  bursts count on that vring (tx_q1_calls and tx_q1_calls_suppressed 0,
  tx_q0's not); with two, each guest rx queue received (the host's tx
  queue 1 is back on its own ring) and each vring counts bursts.

Case unpolled_guest_queue
  Host: net_vhost_spin0,queues=2 but testpmd --rxq=1 --txq=1 (rxonly):
  queue 1 is not polled, as in OVS with options:n_rxq below the devarg.
  Guest: net_virtio_spin with two queue pairs, txonly on both.
Expected: the host logs a warning that the guest sends on 1 queue from
  queue 1 on, which no rx queue polls; what the guest sent on queue 0
  arrives exactly (host rx == guest tx_q0_packets).

Case rx_queue_count
  Host: net_vhost_spin (rxonly); guest: stock virtio_user with
  queue_size=1024, which sends exact numbers of packets ("start
  tx_first"). First, before the guest connects, with it and after it
  left: "show rxq info 0 0" and "show txq info 0 0"
  (rte_eth_rx/tx_queue_info_get). Then rte_eth_rx_queue_count()
  ("show port 0 rxq 0 desc used count") with 100 entries pending, then
  with 128 pending from 65472 across the index's wrap to 64
  (harness.rx_queue_count_across_wrap()).
Expected: 100, then 128 (DPDK 22.11's rte_vhost_rx_queue_count()
  subtracts the 16-bit indexes as ints there: -65408, which testpmd
  reports as an invalid queue), 0 after each drain, and the host received
  exactly what the guest sent. The queue info names testpmd's pool and
  gives the guest's ring size as the number of descriptors, 1024 and 0
  with no guest (what testpmd asks for is ethdev's fallback, 512).

Case new_call_fd
  Host: net_vhost_spin0,queues=2, --rxq=2 --txq=2, logging at level info.
  Frontend: fake_frontend.FakeFrontend with two queue pairs, all four
  vrings enabled. It then gives vring 0 (the guest's first receive
  vring, where the host's tx queue 0 sends) a new call eventfd, as QEMU
  does when the guest masks or unmasks that vring's interrupt, then a new
  kick eventfd; then it disables vring 0.
Expected: once vring 0 is disabled, the log says tx queue 0 sends on
  the guest's queue 1, and only then: through the new fds the queue
  stayed on the guest's queue 0 (DPDK's library drops the vring's ready
  state during such a message, and the host sent nothing, or on the
  other queue, meanwhile). The log is read in order, so a move before
  the disable is in it once the disable's is.
"""

import os
import re
import struct
import time

import hostlib as hl
from fake_frontend import FakeFrontend
from hostlib import check
from vu_proto import F_MQ

h = hl.h
# The stock guest's ring size in rx_queue_count (not testpmd's default).
RING = 1024


def one_guest(host, kind, queues):
    args = hl.queue_args(queues) + ["--forward-mode=rxonly"]
    log0 = len(host.log)
    host.cmd("clear port stats 0")
    with hl.guest(kind, host.sock, "adaptive" if kind == "ours" else None,
                  queues=queues, args=args) as g:
        g.wait_link_up(0)
        host.wait_link_up(0)
        g.start_fwd()
        host.start_fwd()
        time.sleep(0.3)
        host.stop_fwd()
        got, sent = hl.settle(g, host, "rx_packets", "tx_packets")
        gx = g.xstats(0)
        hx = host.xstats(0)
        g.stop_fwd()
    label = "%s guest, %d queue pair(s)" % (kind, queues)
    per_q = [hx["tx_q%d_packets" % q] for q in (0, 1)]
    print("%s: host sent %d (tx_q0 %d, tx_q1 %d), guest received %d" % (
        label, sent, per_q[0], per_q[1], got))
    check(sent > 0 and got == sent,
          "%s: host sent %d, guest received %d" % (label, sent, got))
    check(min(per_q) > 0, "%s: a host tx queue sent nothing: %s" % (
        label, per_q))
    moved = ("tx queue 1 sends on the guest's queue 0 (its own not "
             "enabled)" in host.log[log0:])
    # The guest's notifications are counted per vring: tx queue 1's
    # bursts on queue 0's vring count there, none on its unused own.
    calls = [(hx["tx_q%d_calls" % q], hx["tx_q%d_calls_suppressed" % q])
             for q in (0, 1)]
    if queues == 1:
        check(moved, "%s: the host did not log that tx queue 1 sends on "
              "queue 0" % label)
        check(calls[1] == (0, 0) and sum(calls[0]) > 0,
              "%s: tx_qN_calls, _suppressed %s: expected queue 1's on "
              "queue 0's vring, 0 on its own" % (label, calls))
    else:
        check(min(sum(c) for c in calls) > 0, "%s: tx_qN_calls, "
              "_suppressed %s: a vring with no bursts" % (label, calls))
        check([gx["rx_q%d_packets" % q] > 0 for q in (0, 1)] == [True] * 2,
              "%s: a guest rx queue received nothing: %s" % (
                  label, [gx.get("rx_q%d_packets" % q) for q in (0, 1)]))


def fewer_guest_queues():
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "adaptive", extra=",queues=2",
                     args=hl.queue_args(2) + ["--forward-mode=txonly"],
                     log_levels=["pmd.net.vhost_spin:info"]) as host:
            host.sock = sock
            one_guest(host, "stock", 1)
            one_guest(host, "ours", 2)
            one_guest(host, "ours", 1)


def unpolled_guest_queue():
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "adaptive", extra=",queues=2",
                     args=["--forward-mode=rxonly"]) as host, \
                hl.guest("ours", sock, "adaptive", queues=2,
                         args=hl.queue_args(2) +
                         ["--forward-mode=txonly"]) as g:
            g.wait_link_up(0)
            host.wait_link_up(0)
            host.start_fwd()
            g.start_fwd()
            time.sleep(0.3)
            g.stop_fwd()
            q0 = g.xstats(0)["tx_q0_packets"]
            hl.wait_until("host rx", lambda: host.port_stats(0)[
                "rx_packets"] >= q0, 5)
            time.sleep(0.1)
            got = host.port_stats(0)["rx_packets"]
            log = host.log
    print("guest tx_q0 %d, host received %d" % (q0, got))
    check(q0 > 0 and got == q0, "guest sent %d on queue 0, host received "
          "%d" % (q0, got))
    check("the guest sends on 1 queue(s) from queue 1 on, which no rx "
          "queue polls (1 configured)" in log,
          "no warning about the guest's queue 1 in the host's log")


def queue_info(host, ring, what):
    """testpmd's "show rxq info" and "show txq info" of queue 0."""
    rx = host.cmd("show rxq info 0 0")
    tx = host.cmd("show txq info 0 0")
    print("%s: %s; %s" % (what, " ".join(rx.split()), " ".join(tx.split())))
    for out, key in ((rx, "RXDs"), (tx, "TXDs")):
        m = re.search(r"Number of %s: (\d+)" % key, out)
        check(m is not None and int(m.group(1)) == ring,
              "%s: %s, not %d: %r" % (what, key, ring, out[-400:]))
    check("Mempool: mb_pool_0" in rx, "%s: rxq info names no pool: %r" % (
        what, rx[-400:]))


def rx_queue_count():
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, args=["--forward-mode=rxonly"]) as host:
            queue_info(host, 0, "no guest")
            with hl.guest("stock", sock, extra=",queue_size=%d" % RING,
                          args=["--forward-mode=rxonly"]) as g:
                g.wait_link_up(0)
                host.wait_link_up(0)
                queue_info(host, RING, "stock guest")
                total = h.rx_queue_count_across_wrap(g, host)
            host.wait_link_down(0)
            queue_info(host, 0, "guest gone")
    print("ok: %d packets, each received once; the count right on both "
          "sides of the wrap" % total)


class TwoPairFrontend(FakeFrontend):
    """FakeFrontend with two queue pairs (MQ): vrings 2 and 3 below the
    packet buffers."""
    LAYOUT = {1: (0x0000, 0x1000, 0x2000), 0: (0x4000, 0x5000, 0x6000),
              3: (0x8000, 0x9000, 0xa000), 2: (0xc000, 0xd000, 0xe000)}

    def _u64(self, name, value=None):
        if name == "SET_FEATURES":
            value |= F_MQ
        return super()._u64(name, value)

    def new_fd(self, req, vring):
        fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.fds.append(fd)
        self._send(req, struct.pack("<Q", vring), [fd])
        self.sync()


def new_call_fd():
    moved = "tx queue 0 sends on the guest's queue 1"
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "poll", extra=",queues=2",
                     args=hl.queue_args(2) + ["--forward-mode=txonly"],
                     log_levels=["pmd.net.vhost_spin:info"]) as host:
            with TwoPairFrontend(sock) as fe:
                fe.setup()
                fe.enable()
                host.wait_link_up(0)
                log0 = len(host.log)
                for req in ("SET_VRING_CALL", "SET_VRING_KICK"):
                    fe.new_fd(req, 0)
                fe._send("SET_VRING_ENABLE", struct.pack("<II", 0, 0))
                fe.sync()
                check(h.wait_until("the move", lambda: moved in
                                   host.log[log0:], 5),
                      "vring 0 disabled, yet the host's tx queue 0 did not "
                      "move to the guest's queue 1:\n" + host.log[log0:])
                # The log is in order: all before the disable is in too.
                log = host.log[log0:]
                check(log.count(moved) == 1,
                      "through the new call and kick fds for vring 0 the "
                      "host's tx queue 0 left the guest's queue 0 (%d "
                      "moves in all):\n%s" % (log.count(moved), log))
    print("ok: new call and kick fds for vring 0 left the host's tx queue "
          "0 on it; disabling it moved the queue")


if __name__ == "__main__":
    hl.main({"fewer_guest_queues": fewer_guest_queues,
             "unpolled_guest_queue": unpolled_guest_queue,
             "rx_queue_count": rx_queue_count,
             "new_call_fd": new_call_fd})
