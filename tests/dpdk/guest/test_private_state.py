# SPDX-License-Identifier: BSD-3-Clause
"""The guest's control state is not in memory the backend maps.

Every memseg of EAL memory goes into SET_MEM_TABLE, so anything allocated
there (rte_malloc, memzones) is readable and writable by the backend. The
rings and the tx headers must be there; the queue structs (with the
sleeper's function pointer) and their free lists and cookies must not.

Topology: net_virtio_spin with 2 queue pairs (log level debug) against
the stock net_vhost.
Check: for each rx and tx queue the PMD logs "<q> N control state at ...:
outside EAL memory" (rte_mem_virt2memseg() of the struct and of its priv
array is NULL), and traffic flows (the queues work from there).
"""

import re
import time

from guestlib import check, guest_pmd, harness, run, vhost_pmd


def main():
    with harness.private_dir() as d:
        with vhost_pmd(d, "rxonly", queues=2) as host, \
                guest_pmd(d, "txonly", queues=2, log="debug") as guest:
            guest.wait_link_up(0)
            lines = re.findall(r"(rxq|txq) (\d+) control state at \S+ "
                               r"\(priv \S+\): (\w+) EAL memory",
                               guest.log)
            seen = {(kind, int(q)): where for kind, q, where in lines}
            for kind in ("rxq", "txq"):
                for q in (0, 1):
                    check((kind, q) in seen, "no control state line for %s "
                          "%d in the guest log:\n%s"
                          % (kind, q, guest.log[-2000:]))
                    check(seen[(kind, q)] == "outside",
                          "%s %d control state is %s EAL memory (shared "
                          "with the backend)" % (kind, q, seen[(kind, q)]))
            guest.start_fwd()
            host.wait_link_up(0)
            host.start_fwd()
            deadline = 50
            n = 0
            while n == 0 and deadline > 0:
                n = host.port_stats(0)["rx_packets"]
                deadline -= 1
                time.sleep(0.1)
            host.stop_fwd()
            guest.stop_fwd()
            check(n > 0, "the host received nothing from the guest")
            print("ok: %s outside EAL memory, host received %d"
                  % (", ".join("%s%d" % k for k in sorted(seen)), n))


run(main)
