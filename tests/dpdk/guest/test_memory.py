# SPDX-License-Identifier: BSD-3-Clause
"""net_virtio_spin with each EAL memory mode (issue 9): the backend maps
what the guest's memory table says, so the table must cover the
application's pools, which dynamic memory allocates after probe.

The guest runs with the memory flags of the case, the stock net_vhost host
with --no-huge (it maps whatever the guest sends). Each side's EAL has its
own --file-prefix. (EAL leaves a guest's hugepage files at exit, for
secondary processes, whatever the PMD: the harness removes them.)

Cases (argv[1]):
  dynamic     --single-file-segments (DPDK's default dynamic memory, as
              DPDK's virtio_user guide prescribes)
  inmemory    --in-memory --single-file-segments
  nohuge      --no-huge -m 256
  legacy      --legacy-mem --no-huge -m 256 (what OVS-DPDK runs without
              hugepages)
      each: guest txonly -> host rxonly, then host txonly -> guest
      rxonly over the same connection (testpmd's "set fwd", stats
      cleared); packets > 0 and sender tx == receiver rx after draining.
      Dynamic memory: the guest logged a memory table re-sent on an
      allocation (testpmd's pools come after probe).
  legacy_huge_fails_cleanly
      --legacy-mem with 2 MB hugepages: every page is a file of its own,
      more than the 8 regions vhost-user carries: the probe fails with a
      message naming the cure, testpmd runs on without the port and
      quits cleanly (status 0), the host still running. IOVA as VA, so
      that EAL maps the pages as one run whatever their physical order
      (with IOVA as PA it maps only physically adjacent pages together,
      and testpmd's 6 MB of port tables may find no run long enough).
  hotplug
      dynamic memory, 8 queue pairs; the guest sends on port 0 (txonly).
      While it forwards, a second port is attached and started with eight
      32768-entry tx rings (about 10 MB, more than the heap has free):
      port 0 must re-send its table with its rings paused, and the host
      count exactly what it sent. Then, port 0 started, port 1 is closed
      (its rings' pages are freed): a re-send on the free, and exact
      counts in a new burst of traffic.
  hotplug_ours_host
      the same with our host (net_vhost_spin) and 1514-byte frames, which
      its receive and transmit paths prefetch through mappings of their
      own of the guest's rings, made when a ring comes up and unmapped
      when it goes down: the guest sends on port 0 while the second
      port's allocation re-sends the table (rings paused), then the host
      sends to the guest, then the same after the free. Exact counts each
      time, no crash, and the host's lookahead counters moved both ways.
  too_many_files_link_down
      hugepages with dynamic memory but without --single-file-segments:
      testpmd's pool takes the guest's memory past 8 files after probe.
      The port logs the error naming the cure, its link shows down (the
      backend cannot reach the pool), and testpmd quits cleanly.
  too_many_files_recovers
      the same memory with a pool small enough that port 0 (8 queue
      pairs) starts within 8 files, link up. A second port's big rings
      take the memory past 8 files: port 0's link goes down, with a
      link state change event and one error (not one a page). Closing that port frees the pages: port 0
      sends its table again, its link comes back up with an event, and
      the host counts exactly what the guest sends.
"""

import re
import sys

from guestlib import (check, drained, guest_pmd, harness, run, settle,
                      turn_around, vhost_pmd)

MODES = {
    "dynamic": ["--single-file-segments"],
    "inmemory": ["--in-memory", "--single-file-segments"],
    "nohuge": ["--no-huge", "-m", "256"],
    "legacy": ["--legacy-mem", "--no-huge", "-m", "256"],
}
QP = 8  # queue pairs of the hotplug case: 8 x 1.2 MB tx rings
RESENT = re.compile(r"memory table sent again \((allocation|free) ")


def resent(guest, kind):
    return sum(1 for m in RESENT.finditer(guest.log) if m.group(1) == kind)


def oneway(d, mem):
    """Guest -> host, then host -> guest, over one connection."""
    dynamic = "--single-file-segments" in mem
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "txonly", mem=mem) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        for tx, rx in ((guest, host), (host, guest)):
            turn_around(tx, rx)
            rx.start_fwd()
            tx.start_fwd()
            settle(0.5)
            exact(tx, rx, "memory %s, %s -> %s" % (" ".join(mem), tx.name,
                                                   rx.name))
        if dynamic:
            check(resent(guest, "allocation") > 0,
                  "dynamic memory but no table re-sent on allocation")


def legacy_huge(d):
    with vhost_pmd(d, "rxonly") as host:
        with harness.Testpmd(
                "guest", vdevs=["net_virtio_spin0,path=%s/vhost.sock" % d],
                plugins=[harness.plugin("virtio")], fwd_lcore=1,
                mem=["--legacy-mem", "--iova-mode=va", "-m", "64"],
                timeout=60) as guest:
            log = guest.log
            check("failed to initialize net_virtio_spin0" in log,
                  "the probe did not fail:\n" + log[-2000:])
            check("more memory regions than vhost-user carries" in log and
                  "--single-file-segments" in log,
                  "no clear error about memory regions:\n" + log[-2000:])
            rc = guest.quit()
        check(rc == 0, "testpmd without the port did not quit cleanly "
              "(status %s)" % rc)
        check(host.returncode is None, "the host died")


def paused_resends(guest, sock, kind):
    """Tables the port on sock sent again while its rings ran."""
    return len(re.findall(re.escape(sock) + r": memory table sent again \(" +
                          kind + r" [^)]*rings paused\)", guest.log))


def exact(tx, rx, what):
    """Stop the sender; once drained, the receiver counted exactly what
    it sent."""
    tx.stop_fwd()
    t = tx.port_stats(0)
    r = drained(rx, t["tx_packets"])
    rx.stop_fwd()
    check(t["tx_packets"] > 0,
          "%s: %s sent nothing: %s" % (what, tx.name, t))
    check(t["tx_packets"] == r["rx_packets"],
          "%s: %s tx %d != %s rx %d" % (what, tx.name, t["tx_packets"],
                                        rx.name, r["rx_packets"]))


def two_ports(d, mem, guest_args=(), ours=False, host_args=()):
    """A host (stock, or ours) with two ports of QP queue pairs, and a
    guest (txonly) with our port 0 on the first: (host, guest, socket 0,
    socket 1)."""
    s0, s1 = d + "/vhost0.sock", d + "/vhost1.sock"
    qs = ["--rxq=%d" % QP, "--txq=%d" % QP]
    kind = "net_vhost_spin" if ours else "net_vhost"
    host = harness.Testpmd(
        "host", fwd_lcore=0,
        args=["--forward-mode=rxonly"] + list(host_args) + qs,
        plugins=[harness.plugin("vhost_spin")] if ours else [],
        vdevs=["%s%d,iface=%s,queues=%d" % (kind, i, s, QP)
               for i, s in enumerate((s0, s1))])
    guest = harness.Testpmd(
        "guest", fwd_lcore=1, plugins=[harness.plugin("virtio")],
        vdevs=["net_virtio_spin0,path=%s,queues=%d" % (s0, QP)],
        args=["--forward-mode=txonly"] + list(guest_args) + qs, mem=mem,
        log_levels=["pmd.net.virtio_spin:info"])
    return host, guest, s0, s1


def start_big_port(guest, s1):
    """Port 1 on s1 with QP tx rings of 32768 entries (about 10 MB)."""
    guest.cmd("port attach net_virtio_spin1,path=%s,queues=%d" % (s1, QP),
              timeout=20)
    for q in range(QP):
        guest.cmd("port config 1 txq %d ring_size 32768" % q)
    guest.cmd("port start 1", timeout=20)


def exact_both_ways(guest, host, what):
    """Guest -> host, then host -> guest, each counted exactly."""
    exact(guest, host, what)
    for tp, fwd in ((guest, "rxonly"), (host, "txonly")):
        tp.cmd("set fwd " + fwd)
    guest.cmd("clear port stats all")
    host.cmd("clear port stats all")
    guest.start_fwd()
    host.start_fwd()
    settle(0.5)
    exact(host, guest, what)
    for tp, fwd in ((guest, "txonly"), (host, "rxonly")):
        tp.cmd("set fwd " + fwd)


def hotplug(d, ours=False):
    """The stock host (64-byte frames, guest -> host), or ours (1514-byte
    frames, which it prefetches through its own mapping of the rings,
    both ways)."""
    frames = ["--txpkts=1514"] if ours else []
    count = exact_both_ways if ours else exact
    host, guest, s0, s1 = two_ports(d, MODES["dynamic"], frames, ours=ours,
                                    host_args=frames)
    with host, guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        # Allocation while port 0 forwards: a second port, big rings.
        host.start_fwd()
        guest.start_fwd()
        settle(0.5)
        a0 = paused_resends(guest, s0, "allocation")
        start_big_port(guest, s1)
        check(paused_resends(guest, s0, "allocation") > a0,
              "8 rings of 32768 allocated no memory while port 0 ran")
        settle(0.5)
        count(guest, host, "allocation while running")
        # Free while port 0 is started (forwarding stopped: testpmd
        # closes no port it forwards on).
        f0 = paused_resends(guest, s0, "free")
        guest.cmd("port stop 1", timeout=20)
        guest.cmd("port close 1", timeout=20)
        check(paused_resends(guest, s0, "free") > f0,
              "closing port 1 freed no memory while port 0 was started")
        guest.cmd("clear port stats all")
        host.cmd("clear port stats all")
        host.start_fwd()
        guest.start_fwd()
        settle(0.5)
        count(guest, host, "after a free")
        if ours:
            xs = host.xstats(0)
            for side in ("rx", "tx"):
                n = sum(v for k, v in xs.items() if k.startswith(side) and
                        k.endswith("_lookahead_bursts"))
                check(n > 0, "our host's %s lookahead never ran" % side)
            lines = xs.get("rx_q0_lookahead_lines")
            check(lines in (4, 32), "rx_q0_lookahead_lines = %s: the "
                  "receive side's depth is neither of its two" % lines)


def too_many_files(d):
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "txonly", mem=[]) as guest:
        log = guest.log
        check("more memory regions than vhost-user carries" in log and
              "--single-file-segments" in log,
              "no clear error about memory regions:\n" + log[-2000:])
        check("the link shows down" in log,
              "the error does not say the link is down:\n" + log[-2000:])
        settle(1)
        check(not guest.link_up(0),
              "the link shows up while the backend lacks the pool")
        rc = guest.quit()
        check(rc == 0, "testpmd did not quit cleanly (status %s)" % rc)
        check(host.returncode is None, "the host died")


def lsc_events(guest, port):
    return guest.log.count("Port %d: link state change event" % port)


def too_many_files_recovers(d):
    # 4096 mbufs of 256 bytes: the pool fits in one 2 MB page.
    host, guest, s0, s1 = two_ports(
        d, [], ["--total-num-mbufs=4096", "--mbuf-size=256",
                "--enable-scatter"])
    with host, guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        ev = lsc_events(guest, 0)
        start_big_port(guest, s1)
        check("%s: the backend did not take the memory table" % s0
              in guest.log, "port 1's rings kept the memory within 8 files")
        guest.wait_link_down(0)
        # Past 8 files every page is an event: said once, not per event.
        for what in ("EAL memory is in more than 8 files",
                     "the backend did not take the memory table"):
            n = guest.log.count("%s: %s" % (s0, what))
            check(n == 1, "%r logged %d times for port 0" % (what, n))
        check(harness.wait_until("event", lambda: lsc_events(guest, 0) > ev,
                                 5),
              "no link state change event for the link down")
        ev = lsc_events(guest, 0)
        guest.cmd("port stop 1", timeout=20)
        guest.cmd("port close 1", timeout=20)
        guest.wait_link_up(0)
        check(harness.wait_until("event", lambda: lsc_events(guest, 0) > ev,
                                 5),
              "no link state change event for the link up")
        guest.cmd("clear port stats all")
        host.cmd("clear port stats all")
        host.start_fwd()
        guest.start_fwd()
        settle(0.5)
        exact(guest, host, "after the memory fit again")


def main():
    case = sys.argv[1]
    with harness.private_dir() as d:
        if case in MODES:
            oneway(d, MODES[case])
        elif case == "legacy_huge_fails_cleanly":
            legacy_huge(d)
        elif case == "hotplug":
            hotplug(d)
        elif case == "hotplug_ours_host":
            hotplug(d, ours=True)
        elif case == "too_many_files_link_down":
            too_many_files(d)
        elif case == "too_many_files_recovers":
            too_many_files_recovers(d)
        else:
            raise AssertionError("unknown case " + case)


run(main)
