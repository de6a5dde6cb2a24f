# SPDX-License-Identifier: BSD-3-Clause
"""Topology of the guest tests: net_virtio_spin in one testpmd (forwarding
on core 1) against Debian's stock net_vhost in another (forwarding on core
0), over a vhost-user socket in a private directory.

    host = vhost_pmd(d, fwd="rxonly")          # stock vhost, server
    guest = guest_pmd(d, fwd="txonly", devargs="spin_mode=spin:20")

mem= passes EAL memory flags (harness.Testpmd's mem), e.g.
["--single-file-segments"] for dynamic hugepage memory; the default is
--no-huge -m 256. Both are harness.Testpmd objects (not started: use them
in a `with`).
drained(receiver, want) waits for a receiver to catch up with a stopped
sender; turn_around(tx, rx) makes a stopped pair send the other way.
check(cond, msg) is harness's (it raises harness.Fail, an AssertionError);
run(main) runs a test body, printing PASS or the failure with the message.
"""

import os
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

EVENT_IDX = 29


def sock_path(d):
    return os.path.join(d, "vhost.sock")


def vhost_pmd(d, fwd, client=False, queues=1, name="host", mem=None):
    vdev = "net_vhost0,iface=%s,queues=%d" % (sock_path(d), queues)
    if client:
        vdev += ",client=1"
    # lib.vhost.config at debug: the negotiated features, the kick fds.
    return harness.Testpmd(
        name, vdevs=[vdev], fwd_lcore=0,
        args=["--forward-mode=" + fwd, "--rxq=%d" % queues,
              "--txq=%d" % queues],
        log_levels=["lib.vhost.config:debug"], mem=mem)


def guest_pmd(d, fwd, devargs="", queues=1, name="guest", log=None,
              mem=None, args=()):
    vdev = "net_virtio_spin0,path=%s" % sock_path(d)
    if queues > 1:
        vdev += ",queues=%d" % queues
    if devargs:
        vdev += "," + devargs
    return harness.Testpmd(
        name, vdevs=[vdev], fwd_lcore=1, plugins=[harness.plugin("virtio")],
        args=["--forward-mode=" + fwd, "--rxq=%d" % queues,
              "--txq=%d" % queues] + list(args),
        mem=mem,
        # VSPIN_GUEST_LOG=debug to see every vhost-user step.
        log_levels=["pmd.net.virtio_spin:"
                    + (log or os.environ.get("VSPIN_GUEST_LOG", "info"))])


check = harness.check


def negotiated_features(host):
    """The last feature set the stock vhost library logged."""
    feats = None
    for line in host.log.splitlines():
        if "negotiated Virtio features:" in line:
            feats = int(line.rsplit(":", 1)[1].strip(), 16)
    return feats


def check_event_idx(host):
    f = negotiated_features(host)
    check(f is not None,
          "the vhost side logged no 'negotiated Virtio features' line")
    check(f & (1 << EVENT_IDX),
          "EVENT_IDX not negotiated: vhost logged features 0x%x" % f)


def settle(seconds=0.3):
    time.sleep(seconds)


def turn_around(tx, rx):
    """Make tx the sender (txonly) and rx the receiver (rxonly) of a
    connection that may have run the other way, their port stats zeroed;
    both must be stopped."""
    for tp, fwd in ((tx, "txonly"), (rx, "rxonly")):
        tp.cmd("set fwd " + fwd)
        tp.cmd("clear port stats all")


def drained(receiver, want, port=0, timeout=3.0):
    """The receiver's port stats once its RX-packets reached want (the
    sender stopped, the rings drained) or timeout passed, taken 0.1 s
    later so that a packet too many shows too."""
    harness.wait_rx(receiver, want, port=port, timeout=timeout)
    settle(0.1)
    return receiver.port_stats(port)


def run(main):
    try:
        main()
    except (AssertionError, harness.HarnessError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        print("FAIL: unexpected error")
        sys.exit(1)
    print("PASS")
