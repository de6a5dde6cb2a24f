# SPDX-License-Identifier: BSD-3-Clause
"""Notifications between net_virtio_spin and its backend.

Case kicks_equal_host_eventfd_counts: the kick counters in
net_virtio_spin's xstats equal what the host received: the counts of the
host's kick eventfds.

Topology: guest txonly -> stock net_vhost rxonly, guest in poll mode.
The stock vhost PMD never reads the kick fds (no rx interrupts), so each
fd's eventfd counter (/proc/HOST/fdinfo) is the number of kicks sent on
that vring. The host names its kick fd of each vring in its log ("vring
kick idx:N file:FD"). Expect, read while the guest is still connected:
  host count of vring 2q+1 == tx_q<q>_kicks, of vring 2q == rx_q<q>_kicks;
  tx kicks > 0 (the check is not vacuous) and far fewer than bursts:
  kicks_suppressed > kicks (EVENT_IDX suppresses them).

Case counters_across_restart: the same traffic, then the application
stops and starts the port ("port stop 0", "port start 0"). Expect every
count (packets, kicks, kicks suppressed) to be no lower after
the restart than before it and to grow with the next traffic: counters
go on across a restart, as the packet counts and every stock PMD's do.

Case server_first_no_event_idx: the guest listens (server=1, poll mode,
rxonly) and its port starts before any backend, so its rings start
assuming EVENT_IDX; then a backend without EVENT_IDX (fake_backend,
connecting as a client, serving the rings) comes. Expect: the guest
logs "EVENT_IDX off", packets arrive, and then both vrings' avail->flags
carry VRING_AVAIL_F_NO_INTERRUPT: a polling guest asks not to be
notified (without EVENT_IDX that flag is the only way; left at 0 the
backend would write the call eventfd at every used update).
"""

import sys

from fake_backend import FEATURES, FakeBackend, wait_until
from guestlib import (EVENT_IDX, check, guest_pmd, harness, run, settle,
                      sock_path, vhost_pmd)

NO_INTERRUPT = 1


def server_first_no_event_idx():
    with harness.private_dir() as d:
        with guest_pmd(d, "rxonly", "server=1,spin_mode=poll") as guest, \
                FakeBackend(sock_path(d), client=True, serve=True,
                            features=FEATURES & ~(1 << EVENT_IDX)) as be:
            guest.wait_link_up(0, timeout=30)
            check("EVENT_IDX off" in guest.log,
                  "the guest did not log 'EVENT_IDX off':\n" + guest.log)
            guest.start_fwd()
            check(wait_until(
                lambda: guest.xstats(0).get("rx_q0_packets", 0) > 500, 20),
                "no packets from the fake backend: %r" % guest.xstats(0))
            flags = {v: be.avail_flags(v) for v in (0, 1)}
            guest.stop_fwd()
            for v, name in ((0, "rx"), (1, "tx")):
                check(flags[v] & NO_INTERRUPT,
                      "%s vring avail->flags 0x%x: a polling guest without "
                      "EVENT_IDX did not ask to be left alone" %
                      (name, flags[v]))
            print("EVENT_IDX off; avail->flags rx 0x%x, tx 0x%x; %d packets"
                  % (flags[0], flags[1],
                     guest.xstats(0).get("rx_q0_packets", 0)))


def kicks_equal_host_eventfd_counts():
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


def counters_across_restart():
    names = ("tx_q0_packets", "tx_q0_kicks", "tx_q0_kicks_suppressed",
             "rx_q0_kicks")

    def counts(guest):
        xs = guest.xstats(0)
        return [xs[n] for n in names]

    with harness.private_dir() as d:
        with vhost_pmd(d, "rxonly") as host, \
                guest_pmd(d, "txonly", "spin_mode=notify") as guest:
            guest.wait_link_up(0)
            host.wait_link_up(0)
            host.start_fwd()
            guest.start_fwd()
            settle(0.3)
            guest.stop_fwd()
            before = counts(guest)
            guest.cmd("port stop 0")
            guest.cmd("port start 0")
            guest.wait_link_up(0)
            after = counts(guest)
            guest.start_fwd()
            settle(0.3)
            guest.stop_fwd()
            later = counts(guest)
            host.stop_fwd()
    print("%s: %s before the restart, %s after, %s after more traffic"
          % ("/".join(names), before, after, later))
    check(all(v > 0 for v in before),
          "a count stayed 0 before the restart: %s = %s"
          % ("/".join(names), before))
    check(all(b >= a for a, b in zip(before, after)),
          "a count went back over the port restart: %s from %s to %s"
          % ("/".join(names), before, after))
    check(later[0] > after[0] and later[1] > after[1],
          "no packets or kicks counted after the restart: %s" % later)


def main():
    if sys.argv[1] == "server_first_no_event_idx":
        server_first_no_event_idx()
    elif sys.argv[1] == "counters_across_restart":
        counters_across_restart()
    elif sys.argv[1] == "kicks_equal_host_eventfd_counts":
        kicks_equal_host_eventfd_counts()
    else:
        raise AssertionError("unknown case " + sys.argv[1])


run(main)
