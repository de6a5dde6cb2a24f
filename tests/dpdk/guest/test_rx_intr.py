# SPDX-License-Identifier: BSD-3-Clause
"""Rx interrupts of net_virtio_spin lose no wake-up.

Guest: intr_sink (tests/dpdk/host/intr_sink.c, built there: an
l3fwd-power-style loop: poll; when empty rte_eth_dev_rx_intr_enable,
rte_epoll_wait up to 1 s, disable) on net_virtio_spin. Host: testpmd with
stock net_vhost sends 10 bursts of 32 (start tx_first / stop), one every
0.2 s; the host's call eventfd write is what must wake the sink, which
runs until SIGINT.
Pass: all 320 packets arrive; no epoll timeout is followed by a poll
that finds packets (a lost wake-up); every burst woke the sink (at least
10 wake-ups); the sink slept between bursts (fewer than 200 wake-ups).
"""

from guestlib import harness, run, sock_path, vhost_pmd
import intr_sink  # tests/dpdk/, on the path through guestlib


def main():
    with harness.private_dir() as d, vhost_pmd(d, "io") as host:
        def drive():
            host.wait_link_up(0)
            intr_sink.send_bursts(host)

        res = intr_sink.run(d, "gsink", harness.plugin("virtio"),
                            "net_virtio_spin0,path=" + sock_path(d), drive,
                            "guest")
    intr_sink.check_every_burst_woke(res)


run(main)
