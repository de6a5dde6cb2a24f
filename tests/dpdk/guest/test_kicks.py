# SPDX-License-Identifier: BSD-3-Clause
"""The kick counters in net_virtio_spin's xstats equal what the host
received: the counts of the host's kick eventfds.

Topology: guest txonly -> stock net_vhost rxonly, guest in poll mode.
The stock vhost PMD never reads the kick fds (no rx interrupts), so each
fd's eventfd counter (/proc/HOST/fdinfo) is the number of kicks sent on
that vring. The host names its kick fd of each vring in its log ("vring
kick idx:N file:FD"). Expect, read while the guest is still connected:
  host count of vring 2q+1 == tx_q<q>_kicks, of vring 2q == rx_q<q>_kicks;
  tx kicks > 0 (the check is not vacuous) and far fewer than bursts:
  kicks_suppressed > kicks (EVENT_IDX suppresses them).
"""

from guestlib import check, guest_pmd, harness, run, settle, vhost_pmd


def main():
    with harness.private_dir() as d:
        with vhost_pmd(d, "rxonly") as host, \
                guest_pmd(d, "txonly") as guest:
            guest.wait_link_up(0)
            host.wait_link_up(0)
            host.start_fwd()
            guest.start_fwd()
            settle(0.5)
            guest.stop_fwd()
            settle()
            xs = guest.xstats(0)
            counts = harness.eventfd_counts(host.pid)
            kick_fds = harness.vhost_kick_fds(host.log)
            host.stop_fwd()
            check(set(kick_fds) == {0, 1},
                  "host log names kick fds for vrings %s, expected 0 and 1"
                  % sorted(kick_fds))
            for vring, name in ((0, "rx_q0_kicks"), (1, "tx_q0_kicks")):
                fd = kick_fds[vring]
                check(fd in counts,
                      "host fd %d (kick of vring %d) is not an eventfd: "
                      "host eventfds %s" % (fd, vring, counts))
                check(counts[fd] == xs[name],
                      "vring %d: host kick eventfd count %d != guest %s %d"
                      % (vring, counts[fd], name, xs[name]))
            check(xs["tx_q0_kicks"] > 0,
                  "no tx kick at all: %d packets" % xs["tx_q0_packets"])
            check(xs["tx_q0_kicks_suppressed"] > xs["tx_q0_kicks"],
                  "kicks not suppressed: %d sent, %d suppressed"
                  % (xs["tx_q0_kicks"], xs["tx_q0_kicks_suppressed"]))
            print("tx packets %d, kicks %d (host counted %d), suppressed %d"
                  % (xs["tx_q0_packets"], xs["tx_q0_kicks"],
                     counts[kick_fds[1]], xs["tx_q0_kicks_suppressed"]))


run(main)
