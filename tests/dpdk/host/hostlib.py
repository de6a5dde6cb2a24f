# SPDX-License-Identifier: BSD-3-Clause
"""Shared set-up of the net_vhost_spin tests (tests/dpdk/host).

A host testpmd (the vhost-user backend: stock net_vhost or our
net_vhost_spin) forwards on core 1, a guest testpmd (the frontend: stock
virtio_user or net_virtio_spin) on core 0, over a socket in a private
directory. Each test file runs one case named on its command line and exits
0 (pass), 1 (fail, with what was seen) or 77 (skip: a plugin not built).
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as h  # noqa: E402

Fail, check = h.Fail, h.check


def host_vdev(kind, sock, mode=None, client=False, extra=""):
    if kind == "stock":
        v = "net_vhost0,iface=%s" % sock
    else:
        v = "net_vhost_spin0,iface=%s" % sock
        if mode:
            v += ",spin_mode=%s" % mode
    if client:
        v += ",client=1"
    return v + extra


def guest_vdev(kind, sock, mode=None, server=False, queues=1, extra=""):
    if kind == "stock":
        v = "net_virtio_user0,path=%s,queues=%d" % (sock, queues)
    else:
        v = "net_virtio_spin0,path=%s" % sock
        if mode:
            v += ",spin_mode=%s" % mode
        if queues > 1:
            v += ",queues=%d" % queues
    if server:
        v += ",server=1"
    return v + extra


def host(kind, sock, mode=None, client=False, extra="", **kw):
    plugins = [] if kind == "stock" else [h.plugin("vhost_spin")]
    return h.Testpmd("host", vdevs=[host_vdev(kind, sock, mode, client,
                                              extra)],
                     plugins=plugins, fwd_lcore=1, **kw)


def guest(kind, sock, mode=None, server=False, queues=1, extra="", **kw):
    plugins = [] if kind == "stock" else [h.plugin("virtio_spin")]
    return h.Testpmd("guest", vdevs=[guest_vdev(kind, sock, mode, server,
                                                queues, extra)],
                     plugins=plugins, fwd_lcore=0, **kw)


def queue_args(queues):
    """testpmd arguments for `queues` queue pairs on one forwarding core."""
    return ["--rxq=%d" % queues, "--txq=%d" % queues] if queues > 1 else []


def fwd(t, mode):
    """Switch a testpmd to forwarding mode `mode` and start it."""
    t.cmd("set fwd %s" % mode)
    t.start_fwd()


wait_until = h.wait_until


def settle(rx_side, tx_side, rx_key, tx_key, timeout=10.0):
    """After the sender stopped: wait until the receiver counted all.

    Returns (received, sent)."""
    sent = tx_side.port_stats(0)[tx_key]
    last = [None]

    def done():
        last[0] = rx_side.port_stats(0)[rx_key]
        return last[0] >= sent
    if wait_until("drained", done, timeout):
        time.sleep(0.1)  # one packet too many would come now
        last[0] = rx_side.port_stats(0)[rx_key]
    return last[0], sent


def main(cases):
    """Run the case named in argv[1] (a key of `cases`)."""
    h.run_case(cases, skip_missing=True)
