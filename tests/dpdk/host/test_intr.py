# SPDX-License-Identifier: BSD-3-Clause
"""Rx interrupts of net_vhost_spin lose no wake-up.

Host: intr_sink (an l3fwd-power-style loop: poll; when empty enable the rx
interrupt, rte_epoll_wait up to 1 s, disable) on net_vhost_spin in poll
mode. Guest: testpmd (stock virtio_user, or net_virtio_spin with
EVENT_IDX) sends 10 bursts of 32, one every 0.2 s.
Pass: all 320 packets arrive; no epoll timeout is followed by a poll that
finds packets (a lost wake-up); every burst woke the sink (at least 10
wake-ups); and the sink slept between bursts (fewer than 200 wake-ups,
where an fd left readable would wake it non-stop).
"""

import hostlib as hl
import intr_sink  # tests/dpdk/, on the path through hostlib


def intr(guest_kind):
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"

        def drive():
            intr_sink.wait_socket(sock)
            gmode = "poll" if guest_kind == "ours" else None
            with hl.guest(guest_kind, sock, gmode) as G:
                G.wait_link_up(0)
                G.cmd("set fwd io")
                intr_sink.send_bursts(G)
            # The frontend is gone: the sink reports at SIGINT.

        res = intr_sink.run(d, "sink", hl.h.plugin("vhost_spin"),
                            "net_vhost_spin0,iface=%s" % sock, drive,
                            "host, %s guest" % guest_kind)
    intr_sink.check_every_burst_woke(res)


CASES = {
    "stock_guest": lambda: intr("stock"),
    "ours_guest": lambda: intr("ours"),
}

if __name__ == "__main__":
    hl.main(CASES)
