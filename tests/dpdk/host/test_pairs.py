# SPDX-License-Identifier: BSD-3-Clause
"""Every pairing of frontend and backend, stock or ours, passes packets both
ways and the two sides count the same packets.

Case GUEST_HOST[_MODE][_2q]: GUEST and HOST are "stock" or "ours"; MODE
is the spin_mode of whichever side is ours (poll or spin:50); _2q: two
queue pairs, both polled by one forwarding lcore on each side.
Phase 1: guest txonly -> host rxonly for 1 s; guest stops; once the host
has drained the ring, host RX-packets must equal guest TX-packets (> 1000).
Phase 2: the same the other way (host txonly -> guest rxonly).
"""

import time

import hostlib as hl
from hostlib import check


def one_way(name, sender, receiver, seconds=1.0):
    for t in (sender, receiver):
        t.cmd("clear port stats all")
    hl.fwd(receiver, "rxonly")
    hl.fwd(sender, "txonly")
    time.sleep(seconds)
    sender.stop_fwd()
    got, sent = hl.settle(receiver, sender, "rx_packets", "tx_packets")
    receiver.stop_fwd()
    check(sent > 1000, "%s: only %d packets sent in %gs" % (
        name, sent, seconds))
    check(got == sent, "%s: %d packets sent, %d received" % (
        name, sent, got))
    print("%s: %d packets, %.2f Mpps offered" % (name, sent,
                                                  sent / seconds / 1e6))


def pair(guest_kind, host_kind, mode, queues=1):
    qa = hl.queue_args(queues)
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host(host_kind, sock, mode, args=qa,
                     extra=",queues=%d" % queues) as H:
            with hl.guest(guest_kind, sock, mode, queues=queues,
                          args=qa) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                one_way("guest->host", G, H)
                one_way("host->guest", H, G)


CASES = {
    "stock_stock": lambda: pair("stock", "stock", None),
    "stock_ours_poll": lambda: pair("stock", "ours", "poll"),
    "stock_ours_spin": lambda: pair("stock", "ours", "spin:50"),
    "ours_stock_spin": lambda: pair("ours", "stock", "spin:50"),
    "ours_ours_poll": lambda: pair("ours", "ours", "poll"),
    "ours_ours_spin": lambda: pair("ours", "ours", "spin:50"),
    "stock_ours_spin_2q": lambda: pair("stock", "ours", "spin:50", 2),
    "ours_ours_spin_2q": lambda: pair("ours", "ours", "spin:50", 2),
}

if __name__ == "__main__":
    hl.main(CASES)
