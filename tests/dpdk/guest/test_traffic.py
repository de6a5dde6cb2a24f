# SPDX-License-Identifier: BSD-3-Clause
"""Packets flow between net_virtio_spin and stock net_vhost, and the two
sides count the same packets; EVENT_IDX is negotiated.

Cases (argv[1]):
  oneway_poll / oneway_spin / oneway_notify / oneway_budget
      guest txonly -> host rxonly, then host txonly -> guest rxonly over
      the same connection (testpmd's "set fwd", stats cleared).
      Expect: packets > 0, sender's tx == receiver's rx after draining.
      In a sleeping mode (spin:20, notify, budget:20; sleep_max_us 1 s)
      the idle guest (rxonly, before the host sends) must sleep:
      rx_q0_sleeps > 0 and its forwarding lcore under 25% CPU; the host's
      first packets reach it by a wake-up (rx_q0_wakeups grew), not the
      timeout.
  io_poll / io_spin
      both io forwarding, one side injects a first burst (start
      tx_first): packets loop through both PMDs. After stopping the
      guest, letting the host drain, and draining the guest's rx ring
      (rxonly for a moment): guest tx == host rx and host tx == guest rx.
      io_poll: the guest injects. io_spin: the guest forwards, idle,
      first and must arm and sleep (rx_q0_arms and rx_q0_sleeps > 0
      within 3 s; a sleep is counted at the poll after it); then the
      host injects, and its first packets reach the guest within 200 ms
      with rx_q0_wakeups grown (the host's call woke it). Once the
      packets loop the guest is never idle: no sleep is expected during
      the loop.
  mq_spin
      queues=2 on both sides, host txonly -> guest rxonly, guest
      spin_mode=adaptive, both rx queues polled by one lcore. Idle, both
      queues must sleep together (one sleep group per lcore, even though
      testpmd first polls the queues from its main lcore: each has slept
      at least twice and as often as the other); then each queue receives
      packets and host tx == guest rx. Then the host restarts its port
      with queue 0 deferred (testpmd then sends on queue 1 only: the
      stock net_vhost has no txq_info_get), the guest sleeps again (two
      more sleeps of each queue), and the host sends on queue 1 alone:
      its first packets arrive within 200 ms and rx_q1_wakeups grew
      (queue 1's own call woke the guest: with both queues sending,
      queue 0's call would wake the shared sleep and hide a lost call on
      queue 1); rx_q0_packets did not move; host tx == guest rx.
  segments_poll
      multi-segment mbufs both ways: guest txonly with 2-segment 128-byte
      packets (a descriptor chain per packet), one a burst: more than
      1024 must go, so the ring's used chains are reclaimed even when a
      burst has fewer packets than the ring has room; host txonly with 3000-byte
      packets, more than one rx buffer: mergeable receive, num_buffers 2
      (the guest enables scatter: --enable-scatter). Then 9000-byte
      frames of 5 segments both ways, the guest's MTU set to 9000 first
      ("port config mtu", which must take it).
      Expect: counts and bytes agree, every packet has the size sent.
  longchain_poll
      the port reports 63 segments a packet (testpmd "show port info":
      tx_desc_lim.nb_seg_max). Guest txonly with 64 9-byte segments:
      nothing sent or received, every packet counted in TX-errors; then
      63 segments: every 567-byte packet delivered, no new error.
  cleanup_poll
      rte_eth_tx_done_cleanup (testpmd "port cleanup 0 txq 0 N"): the
      guest, io forwarding, sends 4 bursts of 32 (start tx_first 4) to a
      host in rxonly; they take 128 of 256 entries, so the burst path
      never reclaims them. Once the host has received all 128: cleanup
      of at most 10 frees 10, cleanup of all frees 118, and a third
      frees 0. The port must not answer "not supported".
  pooldry_poll
      a pool that runs dry: the guest (1024-entry rings, 1100 mbufs, no
      mempool cache) forwards what the host sends (io) back to a host
      that does not read it (txonly): its tx ring keeps 1024 mbufs and
      its rx ring cannot be refilled. Expect: RX-nombuf counts the failed
      refills, "clear port stats" zeroes it; once the host read the tx
      ring (rxonly) and the guest freed those mbufs (tx_done_cleanup),
      the guest receives again at its next poll.
  noscatter_poll
      the guest does not enable RTE_ETH_RX_OFFLOAD_SCATTER. With 700-byte
      mbufs (a 1518-byte frame of the default MTU does not fit one) the
      port does not start: testpmd exits and the log names the offload.
      With 2 KB mbufs the host sends 3000-byte packets (two buffers),
      then 1000-byte ones. Expect: no 3000-byte packet is delivered
      (a chain the application did not ask for), each is counted in
      rx-errors and the drop is logged once; every 1000-byte packet is
      delivered.
  rxcount_poll
      rte_eth_rx_queue_count() on the guest's rx queue: the stock host
      sends exact numbers of packets ("start tx_first") to a guest that
      is not polling: 100 used entries pending count 100, then 128 from
      65472 across the used index's wrap to 64 count 128, 0 after each
      drain, and every packet is received once
      (harness.rx_queue_count_across_wrap()).
  rings_default
      the ring each queue gets when the application asks for 0
      descriptors (testpmd's default): 256 with spin_mode=poll; with
      spin_mode=adaptive 1024 on rx and 4096 on tx (its tx ring with a
      soft depth of 256: test_soft_depth.py); queue_size=512 sets both
      in either mode.
      Read with testpmd's "show rxq info" and "show txq info", link up
      against one stock net_vhost that each guest connects to in turn.
  *_spin runs the guest with spin_mode=spin:20 (sleeps when idle); the
  guest's rx must then also have armed and slept during the idle period
  before traffic starts, and been woken by the host's call.
  Wake-ups (oneway_spin host -> guest, io_spin, mq_spin): the guest runs
  with sleep_max_us=1000000; the first packets (mq: on every queue)
  arrive within 200 ms of the host's `start` returning, and the guest's
  rx_qN_wakeups grew (summed over the queues; mq's queue-1-only phase:
  rx_q1_wakeups itself): the host's call woke the sleeping guest, not
  the 1 s timeout.
"""

import os
import re
import sys
import time

from guestlib import (check, check_event_idx, drained, guest_pmd, harness, run,
                      settle, turn_around, vhost_pmd)

SPIN = "spin_mode=spin:20,sleep_max_us=%d" % harness.SLEEP_MAX_US
# The sleeping modes a case name may end in, by their devargs.
SLEEPING = {"spin": SPIN,
            "notify": "spin_mode=notify,sleep_max_us=%d"
            % harness.SLEEP_MAX_US,
            "budget": "spin_mode=budget:20,sleep_max_us=%d"
            % harness.SLEEP_MAX_US}


def oneway(d, devargs, spin):
    # guest -> host, then host -> guest over the same connection
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "txonly", devargs) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        check_event_idx(host)
        host.start_fwd()
        guest.start_fwd()
        settle(0.4)
        guest.stop_fwd()
        drained(host, guest.port_stats(0)["tx_packets"])
        host.stop_fwd()
        g, h = guest.port_stats(0), host.port_stats(0)
        check(g["tx_packets"] > 0, "guest sent nothing: %s" % g)
        check(g["tx_packets"] == h["rx_packets"],
              "guest tx %d != host rx %d" % (g["tx_packets"],
                                             h["rx_packets"]))
        # host -> guest, the same connection
        turn_around(host, guest)
        guest.start_fwd()
        if spin:
            settle(0.5)  # idle: the guest arms and sleeps
            c0, t0 = _fwd_cpu(guest), time.monotonic()
            settle(1.0)
            cpu = (_fwd_cpu(guest) - c0) / (time.monotonic() - t0)
            xs = guest.xstats(0)
            check(xs["rx_q0_sleeps"] > 0,
                  "idle spin-mode guest never slept: %s" % _spin_xs(xs))
            # A polling lcore would use what the scheduler gives it
            # (here 40-100%); a sleeping one about 1%.
            check(cpu < 0.25, "idle spin-mode forwarding lcore used %.0f%% "
                  "of a core" % (100 * cpu))
            w0 = harness.rx_wakeups(guest.xstats(0))
        host.start_fwd()
        if spin:
            ok, n, dt = harness.wait_rx(guest, 1)
            w1 = harness.rx_wakeups(guest.xstats(0))
            print("host -> sleeping guest: first packets in %.0f ms, guest "
                  "rx_q0_wakeups %s -> %s" % (dt * 1e3, w0, w1))
            check(ok, "the sleeping guest received %d packets in %.0f ms "
                  "after the host started sending (sleep_max_us %d)"
                  % (n, dt * 1e3, harness.SLEEP_MAX_US))
            check(sum(w1) > sum(w0), "the host's call never woke the "
                  "guest: rx_q0_wakeups %s -> %s" % (w0, w1))
        settle(0.4)
        host.stop_fwd()
        drained(guest, host.port_stats(0)["tx_packets"])
        guest.stop_fwd()
        g, h = guest.port_stats(0), host.port_stats(0)
        check(h["tx_packets"] > 0, "host sent nothing: %s" % h)
        check(h["tx_packets"] == g["rx_packets"],
              "host tx %d != guest rx %d" % (h["tx_packets"],
                                             g["rx_packets"]))


def _fwd_cpu(tp):
    """CPU seconds of testpmd's forwarding lcores (not the main one)."""
    return sum(v for k, v in harness.lcore_cpu(tp.pid).items()
               if k != "main")


def _spin_xs(xs):
    return {k: v for k, v in xs.items() if k.startswith("rx_q0_")}


def io(d, devargs, spin):
    with vhost_pmd(d, "io") as host, guest_pmd(d, "io", devargs) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        check_event_idx(host)
        if spin:
            io_wake(host, guest)
        else:
            host.start_fwd()
            guest.cmd("start tx_first")
        # The first burst alone is 32 packets: wait for real looping (a
        # count, not a rate: the machine may be slow).
        harness.wait_until("looping", lambda: min(
            guest.port_stats(0)["rx_packets"],
            host.port_stats(0)["rx_packets"]) > 1000, timeout=30)
        guest.stop_fwd()
        drained(host, guest.port_stats(0)["tx_packets"])
        host.stop_fwd()
        guest.cmd("set fwd rxonly")
        guest.start_fwd()
        drained(guest, host.port_stats(0)["tx_packets"])
        guest.stop_fwd()
        g, h = guest.port_stats(0), host.port_stats(0)
        check(g["rx_packets"] > 1000 and h["rx_packets"] > 1000,
              "packets did not loop: guest %s host %s" % (g, h))
        check(g["tx_packets"] == h["rx_packets"],
              "guest tx %d != host rx %d" % (g["tx_packets"],
                                             h["rx_packets"]))
        check(h["tx_packets"] == g["rx_packets"],
              "host tx %d != guest rx %d" % (h["tx_packets"],
                                             g["rx_packets"]))
        check(g["rx_errors"] == 0, "guest rx errors: %s" % g)


def io_wake(host, guest):
    """io_spin: both io forwarding and idle, the guest arms and sleeps;
    the host's first burst (its start tx_first) must wake it by the
    host's call, not its 1 s timeout; the guest forwards it back, and
    the packets loop (where the guest, always busy, need not sleep)."""
    guest.start_fwd()
    # Idle, the guest arms and sleeps; a sleep is counted at the poll
    # after it, up to sleep_max_us (1 s) later.
    harness.wait_until("a sleep", lambda: guest.xstats(0)[
        "rx_q0_sleeps"] > 0, timeout=3.0)
    x0 = guest.xstats(0)
    check(x0["rx_q0_arms"] > 0 and x0["rx_q0_sleeps"] > 0,
          "idle spin-mode guest (io) never armed or slept: %s"
          % _spin_xs(x0))
    host.cmd("start tx_first")
    ok, n, dt = harness.wait_rx(guest, 1)
    x1 = guest.xstats(0)
    print("host's first burst -> sleeping io guest: first packets in "
          "%.0f ms, guest rx_q0_wakeups %d -> %d" % (
              dt * 1e3, x0["rx_q0_wakeups"], x1["rx_q0_wakeups"]))
    check(ok, "the sleeping guest received %d packets in %.0f ms after "
          "the host's first burst (sleep_max_us %d)"
          % (n, dt * 1e3, harness.SLEEP_MAX_US))
    check(x1["rx_q0_wakeups"] > x0["rx_q0_wakeups"],
          "the host's call never woke the guest: rx_q0_wakeups %d -> %d"
          % (x0["rx_q0_wakeups"], x1["rx_q0_wakeups"]))


def mq(d, devargs, spin):
    with vhost_pmd(d, "txonly", queues=2) as host, \
            guest_pmd(d, "rxonly", "spin_mode=adaptive,sleep_max_us=%d"
                      % harness.SLEEP_MAX_US, queues=2) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        check_event_idx(host)
        guest.start_fwd()
        # A sleep is counted in a queue's xstats on the queue's next poll
        # after it, and a sleep lasts up to 1 s here: wait for two sleeps
        # of each queue on the forwarding lcore (the first may have been
        # the main lcore's, at `start`), then they must be in step.
        t0 = time.monotonic()
        while True:
            xs = guest.xstats(0)
            sl = [xs["rx_q%d_sleeps" % q] for q in range(2)]
            if min(sl) >= 2 or time.monotonic() - t0 > 4.0:
                break
            time.sleep(0.1)
        if sl[0] != sl[1]:  # read between the two queues' polls: again
            time.sleep(0.01)
            xs = guest.xstats(0)
            sl = [xs["rx_q%d_sleeps" % q] for q in range(2)]
        check(min(sl) >= 2 and sl[0] == sl[1],
              "idle rx queues did not sleep together: q0 %d q1 %d sleeps "
              "in %.1f s" % (sl[0], sl[1], time.monotonic() - t0))
        w0 = harness.rx_wakeups(xs, 2)
        host.start_fwd()
        t0 = time.monotonic()
        while True:
            xs = guest.xstats(0)
            got = [xs["rx_q%d_packets" % q] for q in range(2)]
            dt = time.monotonic() - t0
            if min(got) > 0 or dt > harness.WAKE_DEADLINE_S:
                break
            time.sleep(0.005)
        w1 = harness.rx_wakeups(xs, 2)
        print("host -> sleeping guest, 2 queues: packets per queue %s after "
              "%.0f ms, guest rx wake-ups %s -> %s" % (got, dt * 1e3, w0, w1))
        check(min(got) > 0, "%.0f ms after the host started sending, the "
              "sleeping guest's queues had %s packets (sleep_max_us %d)"
              % (dt * 1e3, got, harness.SLEEP_MAX_US))
        check(sum(w1) > sum(w0), "the host's calls never woke the guest: "
              "rx_qN_wakeups %s -> %s" % (w0, w1))
        settle(0.4)
        host.stop_fwd()
        drained(guest, host.port_stats(0)["tx_packets"])
        xs = guest.xstats(0)
        check(xs["rx_q0_packets"] > 0 and xs["rx_q1_packets"] > 0,
              "a queue got nothing: q0 %d q1 %d"
              % (xs["rx_q0_packets"], xs["rx_q1_packets"]))
        g, h = guest.port_stats(0), host.port_stats(0)
        check(h["tx_packets"] == g["rx_packets"],
              "host tx %d != guest rx %d" % (h["tx_packets"],
                                             g["rx_packets"]))
        mq_last_queue(host, guest)
        guest.stop_fwd()


def mq_last_queue(host, guest):
    """The guest asleep on both queues; the host sends on queue 1 only:
    queue 1's own call must wake the guest (with traffic on both queues,
    queue 0's call wakes the shared sleep and a lost call on queue 1
    goes unseen). The host is stock net_vhost, without txq_info_get:
    testpmd disables its queue-0 txonly stream once tx queue 0 is
    deferred (harness.defer_queues)."""
    def sleeps():
        xs = guest.xstats(0)
        return [xs["rx_q%d_sleeps" % q] for q in range(2)]

    harness.defer_queues(host, [0])
    host.wait_link_up(0)
    guest.wait_link_up(0)
    # The restart set up the host's queues again, and their counts.
    h0, g0 = host.port_stats(0)["tx_packets"], guest.port_stats(0)[
        "rx_packets"]
    # The adaptive guest, just out of traffic, sleeps again: two sleeps
    # of each queue (a sleep is counted at the poll after it).
    s0 = sleeps()
    harness.wait_until("sleeps", lambda: all(
        b >= a + 2 for a, b in zip(s0, sleeps())), timeout=5.0)
    s1 = sleeps()
    check(all(b >= a + 2 for a, b in zip(s0, s1)),
          "after the traffic the idle guest queues did not sleep again "
          "(sleeps %s -> %s)" % (s0, s1))
    x0 = guest.xstats(0)
    host.start_fwd()
    ok, n, dt = harness.wait_xstat(guest, "rx_q1_packets",
                                   x0["rx_q1_packets"] + 1)
    x1 = guest.xstats(0)
    grew = {k: x1[k] - x0[k] for k in ("rx_q0_packets", "rx_q1_packets",
                                       "rx_q0_wakeups", "rx_q1_wakeups")}
    print("host -> sleeping guest, queue 1 only: first packets after "
          "%.0f ms; guest growth %s" % (dt * 1e3, grew))
    check(ok, "%.0f ms after the host started sending on queue 1 alone, "
          "the sleeping guest had received nothing there (sleep_max_us %d)"
          % (dt * 1e3, harness.SLEEP_MAX_US))
    check(grew["rx_q1_wakeups"] > 0, "queue 1's own call never woke the "
          "guest: rx_q1_wakeups %d -> %d" % (x0["rx_q1_wakeups"],
                                             x1["rx_q1_wakeups"]))
    settle(0.4)
    host.stop_fwd()
    drained(guest, g0 + host.port_stats(0)["tx_packets"] - h0)
    x2 = guest.xstats(0)
    check(x2["rx_q0_packets"] == x0["rx_q0_packets"] and
          x2["rx_q1_packets"] > x1["rx_q1_packets"],
          "the host was to send on queue 1 only: guest rx_q0_packets "
          "%d -> %d, rx_q1_packets %d -> %d" % (
              x0["rx_q0_packets"], x2["rx_q0_packets"],
              x0["rx_q1_packets"], x2["rx_q1_packets"]))
    sent = host.port_stats(0)["tx_packets"] - h0
    got = guest.port_stats(0)["rx_packets"] - g0
    check(sent == got, "queue 1 alone: host tx %d != guest rx %d"
          % (sent, got))


def send(tx, rx, segs):
    """tx txonly -> rx rxonly with txpkts SEGS, drained; both port stats."""
    tx.cmd("set txpkts " + segs)
    rx.start_fwd()
    tx.start_fwd()
    settle(0.4)
    tx.stop_fwd()
    # Every packet sent is received or counted as an rx error (noscatter).
    sent = tx.port_stats(0)["tx_packets"]
    harness.wait_until("drained", lambda: sum(
        rx.port_stats(0)[k] for k in ("rx_packets", "rx_errors")) >= sent,
        timeout=3.0)
    settle(0.1)  # then a packet too many shows too
    rx.stop_fwd()
    return tx.port_stats(0), rx.port_stats(0)


JUMBO = "2000,2000,2000,2000,1000"


def segments(d, devargs, spin):
    # The first: one packet a burst, so the burst never has more packets
    # than the ring has room, but after 85 chains of 3 descriptors (the
    # header's and two segments') 1 of 256 entries is left: too few.
    for sender, size, segs, burst in (("guest", 128, "64,64", 1),
                                      ("host", 3000, "2000,1000", 32),
                                      ("guest", 9000, JUMBO, 32),
                                      ("host", 9000, JUMBO, 32)):
        fwd = {"guest": ("txonly", "rxonly"), "host": ("rxonly", "txonly")}
        with vhost_pmd(d, fwd[sender][1]) as host, \
                guest_pmd(d, fwd[sender][0], devargs,
                          args=["--enable-scatter"]) as guest:
            guest.wait_link_up(0)
            host.wait_link_up(0)
            if size > 1518:
                # As OVS's mtu_request and ip link set mtu would.
                out = guest.cmd("port config mtu 0 %d" % size)
                info = guest.cmd("show port info 0")
                check("failed" not in out.lower() and
                      re.search(r"MTU: %d\b" % size, info),
                      "MTU %d not taken: %r; %r" % (size, out, info[-600:]))
            tx, rx = (guest, host) if sender == "guest" else (host, guest)
            tx.cmd("set burst %d" % burst)
            t, r = send(tx, rx, segs)
            # Past the ring's 256 entries: its used ones were reclaimed.
            check(t["tx_packets"] > 1024, "%s sent %d packets, expected "
                  "more than 1024: %s" % (sender, t["tx_packets"], t))
            check((r["rx_packets"], r["rx_bytes"]) ==
                  (t["tx_packets"], t["tx_bytes"]),
                  "%s -> peer: sent %d packets %d bytes, received %d "
                  "packets %d bytes" % (sender, t["tx_packets"],
                                        t["tx_bytes"], r["rx_packets"],
                                        r["rx_bytes"]))
            check(r["rx_bytes"] == size * r["rx_packets"],
                  "received %d bytes in %d packets, expected %d each"
                  % (r["rx_bytes"], r["rx_packets"], size))
            check(r["rx_errors"] == 0, "rx errors: %s" % r)


def longchain(d, devargs, spin):
    """63 segments a packet go; 64 are dropped, counted as tx errors,
    never as sent packets."""
    # 64 segments only on testpmd's own command line: "set txpkts" takes
    # at most 63 items (its line editor).
    seg64 = ",".join(["9"] * 64)
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "txonly", devargs,
                      args=["--txpkts=" + seg64]) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        info = guest.cmd("show port info 0")
        check(re.search(r"Max segment number per packet: 63\b", info),
              "the port does not report 63 segments: %r" % info[-800:])
        conf = guest.cmd("show config txpkts")
        check("Number of segments: 64" in conf,
              "testpmd did not take 64 segments: %r" % conf)
        guest.start_fwd()
        host.start_fwd()
        settle(0.4)
        guest.stop_fwd()
        drained(host, guest.port_stats(0)["tx_packets"])
        host.stop_fwd()
        t, r = guest.port_stats(0), host.port_stats(0)
        check(t["tx_packets"] == 0 and r["rx_packets"] == 0 and
              t["tx_errors"] > 0,
              "64 segments: sent %d, received %d, tx errors %d (expected "
              "0, 0, > 0)" % (t["tx_packets"], r["rx_packets"],
                              t["tx_errors"]))
        t2, r2 = send(guest, host, ",".join(["9"] * 63))
        check(t2["tx_packets"] > 0 and t2["tx_errors"] == t["tx_errors"]
              and (r2["rx_packets"], r2["rx_bytes"]) ==
              (t2["tx_packets"], t2["tx_bytes"]) and
              r2["rx_bytes"] == 567 * r2["rx_packets"],
              "63 segments: sent %s, received %s" % (t2, r2))
        print("64 segments: %d dropped as tx errors; 63 segments: %d "
              "packets of 567 bytes delivered" % (t["tx_errors"],
                                                   r2["rx_packets"]))


def cleanup(d, devargs, spin):
    """The mbufs of packets the host has read come back on request."""
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "io", devargs) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        host.start_fwd()
        guest.cmd("start tx_first 4")
        r = drained(host, 128)
        guest.stop_fwd()
        t = guest.port_stats(0)
        check(t["tx_packets"] == 128 and r["rx_packets"] == 128,
              "guest sent %d, host received %d (expected 128 each)"
              % (t["tx_packets"], r["rx_packets"]))
        freed = []
        for n in (10, 0, 0):
            out = guest.cmd("port cleanup 0 txq 0 %d" % n)
            m = re.search(r"mbuf nums: (\d+)", out)
            check(m is not None, "port cleanup 0 txq 0 %d: %r" % (n, out))
            freed.append(int(m.group(1)))
        check(freed == [10, 118, 0],
              "cleanup of 10, all, all freed %s (expected [10, 118, 0])"
              % freed)
        print("tx_done_cleanup: 10, then 118, then 0 of the 128 sent")


def pooldry(d, devargs, spin):
    """RX-nombuf counts a dry pool; freeing mbufs ends it."""
    with vhost_pmd(d, "txonly") as host, \
            guest_pmd(d, "io", devargs + ",queue_size=1024",
                      args=["--total-num-mbufs=1100", "--mbcache=0"]) \
            as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        guest.start_fwd()
        host.start_fwd()
        check(harness.wait_until(
            "the guest's RX-nombuf",
            lambda: guest.port_stats(0)["rx_nombuf"] > 0),
              "RX-nombuf stayed 0 with 1100 mbufs for two 1024-entry "
              "rings: %s" % guest.port_stats(0))
        host.stop_fwd()
        guest.stop_fwd()
        dry = guest.port_stats(0)
        check(0 < dry["tx_packets"] <= 1024,
              "the guest sent %d into a tx ring of 1024 nobody reads"
              % dry["tx_packets"])
        guest.cmd("clear port stats 0")
        cleared = guest.port_stats(0)
        check(all(v == 0 for v in cleared.values()),
              "after clear port stats: %s" % cleared)
        host.cmd("set fwd rxonly")
        host.start_fwd()
        drained(host, dry["tx_packets"])
        host.stop_fwd()
        out = guest.cmd("port cleanup 0 txq 0 0")
        m = re.search(r"mbuf nums: (\d+)", out)
        check(m is not None and int(m.group(1)) > 0,
              "tx_done_cleanup freed nothing: %r" % out)
        host.cmd("set fwd txonly")
        guest.start_fwd()
        host.start_fwd()
        check(harness.wait_until(
            "the guest receiving again",
            lambda: guest.port_stats(0)["rx_packets"] > 0),
              "nothing received after tx_done_cleanup: %s"
              % guest.port_stats(0))
        host.stop_fwd()
        guest.stop_fwd()
        print("dry pool: %d refills failed, %d packets received; %s mbufs "
              "freed, then %d received"
              % (dry["rx_nombuf"], dry["rx_packets"], m.group(1),
                 guest.port_stats(0)["rx_packets"]))


def noscatter(d, devargs, spin):
    rc, log = harness.run_testpmd(
        "small", vdevs=["net_virtio_spin0,server=1,path=%s"
                        % os.path.join(d, "none.sock")],
        plugins=[harness.plugin("virtio")], fwd_lcore=1,
        args=["--mbuf-size=700"], timeout=20)
    check(rc not in (None, 0) and "RTE_ETH_RX_OFFLOAD_SCATTER" in log,
          "700-byte mbufs without scatter: exit status %s, expected a "
          "refused rx queue:\n%s" % (rc, log[-1500:]))
    with vhost_pmd(d, "txonly") as host, \
            guest_pmd(d, "rxonly", devargs) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        t, r = send(host, guest, "2000,1000")
        check(t["tx_packets"] > 0, "the host sent nothing: %s" % t)
        check(r["rx_packets"] == 0,
              "%d packets of 3000 bytes delivered without scatter"
              % r["rx_packets"])
        check(r["rx_errors"] == t["tx_packets"],
              "host sent %d 3000-byte packets, guest rx-errors %d"
              % (t["tx_packets"], r["rx_errors"]))
        check(guest.log.count("did not enable RTE_ETH_RX_OFFLOAD_SCATTER")
              == 1, "the drop was not logged exactly once:\n%s"
              % guest.log[-1500:])
        t2, r2 = send(host, guest, "1000")
        sent = t2["tx_packets"] - t["tx_packets"]
        check(sent > 0, "the host sent no 1000-byte packet")
        check((r2["rx_packets"], r2["rx_bytes"]) ==
              (sent, t2["tx_bytes"] - t["tx_bytes"]),
              "1000-byte packets: sent %d (%d bytes), received %d (%d "
              "bytes)" % (sent, t2["tx_bytes"] - t["tx_bytes"],
                          r2["rx_packets"], r2["rx_bytes"]))
        check(r2["rx_errors"] == r["rx_errors"],
              "rx-errors grew with 1000-byte packets: %s" % r2)


def rings(d, devargs, spin):
    # One host; each guest connects in turn.
    with vhost_pmd(d, "rxonly") as host:
        for extra, want in (("", (256, 256)),
                            ("spin_mode=adaptive", (1024, 4096)),
                            ("spin_mode=adaptive,queue_size=512", (512, 512)),
                            ("queue_size=512", (512, 512))):
            with guest_pmd(d, "rxonly", extra) as guest:
                guest.wait_link_up(0)
                host.wait_link_up(0)
                for kind, what, n in (("rxq", "RXDs", want[0]),
                                      ("txq", "TXDs", want[1])):
                    out = guest.cmd("show %s info 0 0" % kind)
                    m = re.search(r"Number of %s: (\d+)" % what, out)
                    check(m is not None, "no ring size in 'show %s info': "
                          "%r" % (kind, out[-800:]))
                    check(int(m.group(1)) == n,
                          "devargs '%s': %s ring %s, expected %d"
                          % (extra, kind, m.group(1), n))
                print("ok: devargs '%s': rx ring %d, tx ring %d"
                      % ((extra,) + want))


def rxcount(d, devargs, spin):
    with vhost_pmd(d, "rxonly") as host, \
            guest_pmd(d, "rxonly", devargs) as guest:
        guest.wait_link_up(0)
        host.wait_link_up(0)
        total = harness.rx_queue_count_across_wrap(host, guest)
    print("ok: %d packets, each received once; the count right on both "
          "sides of the wrap" % total)


def main():
    case = sys.argv[1]
    kind, mode = case.rsplit("_", 1)
    spin = mode in SLEEPING
    devargs = SLEEPING.get(mode, "")
    with harness.private_dir() as d:
        {"oneway": oneway, "io": io, "mq": mq, "rings": rings,
         "segments": segments, "noscatter": noscatter, "cleanup": cleanup,
         "pooldry": pooldry, "rxcount": rxcount,
         "longchain": longchain}[kind](d, devargs, spin)


run(main)
