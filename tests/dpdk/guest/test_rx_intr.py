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

Case rx_intr_broken_queue: intr_sink on net_virtio_spin, backend
fake_backend.FakeBackend serving the rings (it writes the call fd at each
publish); once 200 entries came back on the receive vring it moves used
idx a ring + 5 ahead, which breaks the queue (rx_q0_bad_used). The sink
runs 2 s more. Pass: it received at least 200 packets, counted the bad
entry, and woke fewer than 200 times in all: a broken queue's interrupt
must not fire at every enable (its used idx stays ahead of the guest's,
so arming it would find "work" at once, for ever).

Case rx_intr_short_pool: as the first case, but the sink's pool has 64
mbufs (its ring 256) and it holds each awake period's packets until the
next period's first ones came, so it sleeps with the pool dry and only
the buffers it got back posted (32 of 256). Pass: the first case's
checks, and the pool ran dry (rx_mbuf_allocation_errors above 0): the
queue posts what it has when it arms, never sleeps for a buffer it could
not post, and wakes for every burst that fits.
"""

import os
import sys
import time

from fake_backend import FakeBackend, wait_until
from guestlib import check, harness, run, sock_path, vhost_pmd
import intr_sink  # tests/dpdk/, on the path through guestlib

GOOD = 200  # entries the fake backend gives back before it breaks the ring


def broken_queue():
    with harness.private_dir() as d:
        path = os.path.join(d, "fake.sock")
        with FakeBackend(path, serve=True, after=GOOD) as be:
            def drive():
                check(wait_until(lambda: be.ring is not None, 20),
                      "intr_sink never connected")
                be.arm(0, "jump")
                check(wait_until(lambda: 0 in be.hostile_done, 30),
                      "the backend never broke the receive vring")
                time.sleep(2)

            res = intr_sink.run_sink(d, "gsinkbrk", harness.plugin("virtio"),
                                     "net_virtio_spin0,path=" + path, drive,
                                     "guest, broken queue", GOOD)
    bad = res["xstats"].get("rx_q0_bad_used", 0)
    check(bad >= 1, "the guest did not count the bad used index")
    check(res["wakeups"] < 200, "%d wake-ups in about 2 s on a broken "
          "queue: its interrupt fires at every enable" % res["wakeups"])


def bursts(sink_args=(), where="guest"):
    with harness.private_dir() as d, vhost_pmd(d, "io") as host:
        def drive():
            host.wait_link_up(0)
            intr_sink.send_bursts(host)

        res = intr_sink.run(d, "gsink", harness.plugin("virtio"),
                            "net_virtio_spin0,path=" + sock_path(d), drive,
                            where, sink_args)
    intr_sink.check_every_burst_woke(res)
    return res


def short_pool():
    res = bursts(("pool=64", "hold"), "guest, 64 mbufs held")
    dry = res["xstats"].get("rx_mbuf_allocation_errors", 0)
    check(dry > 0, "the sink's pool of 64 never ran dry (%d allocation "
          "errors): the case did not test a part-filled ring" % dry)


CASES = {
    "rx_intr_loses_no_wakeup": bursts,
    "rx_intr_broken_queue": broken_queue,
    "rx_intr_short_pool": short_pool,
}
run(CASES[sys.argv[1]])
