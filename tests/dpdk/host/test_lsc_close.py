# SPDX-License-Identifier: BSD-3-Clause
"""lsc_close: an application (tests/dpdk/lsc_close.c) stops and closes a
net_vhost_spin port from its link-state callback when a guest (ours: the
stock one dies of SIGPIPE at quit once its backend has gone)
connects. The stop and the close return (status 0) and the application
exits 0. The event was raised in the vhost library's thread, inside the
library's callback for the guest's message, and closing the port
(rte_vhost_driver_unregister()) waited for that callback to end: it hung,
as it does with stock net_vhost. Events now come from EAL's interrupt
thread.

queue_state_close: the same from the first queue state event, after the
callback read rx queue 0's count. Raised inside the library's callback
for SET_VRING_ENABLE, with every vring lock held, the count waited for
a lock its own thread held, for ever (as with stock net_vhost).
"""

import hostlib as hl
import lsc_close  # tests/dpdk, on the path through hostlib


def lsc_close_host():
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        lsc_close.run(d, hl.h.plugin("vhost_spin"),
                      "net_vhost_spin0,iface=" + sock, sock,
                      lambda: hl.guest("ours", sock))
        print("ok: port closed from the callback raised by the attach")


def queue_state_close():
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        lsc_close.run(d, hl.h.plugin("vhost_spin"),
                      "net_vhost_spin0,iface=" + sock, sock,
                      lambda: hl.guest("ours", sock), event="queue_state")
        print("ok: port closed from the callback of a queue state event")


CASES = {"lsc_close": lsc_close_host, "queue_state_close": queue_state_close}

if __name__ == "__main__":
    hl.main(CASES)
