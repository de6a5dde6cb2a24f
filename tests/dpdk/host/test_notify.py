# SPDX-License-Identifier: BSD-3-Clause
"""Notifications under load and sleep when idle, net_vhost_spin as host.

load_ours_ours: net_virtio_spin and net_vhost_spin, both spin:50, under
  load each way (each measurement runs until the sender's count grew by
  three laps of the 16-bit ring indexes, 196,609 packets, at most 60 s:
  a count, not a time, on a machine that may be slow): guest kicks
  (guest xstats tx_q0_kicks) per million guest packets and host calls (host xstats tx_q0_calls, the
  library's count) per million host packets stay below 1000 (ideal 0; a
  consumer descheduled for longer than the window arms legitimately).
load_ours_ours_poll: the same pair in poll mode, where no consumer ever
  arms: over more than three laps of the 16-bit ring indexes each way,
  not one notification either way on either ring (guest tx_q0_kicks and
  rx_q0_kicks, host tx_q0_calls and rx_q0_calls): the consumers move
  their stale event indexes out of the producer's way
  (vspin_consumer_keep_quiet()), which would otherwise be crossed once
  a lap.
load_stock_guest: stock virtio_user -> net_vhost_spin spin:50 under load:
  the kicks the guest wrote into the host's kick eventfd (its counter in
  /proc, plus one per sleep: the host drains it before an arm) per
  million packets stay below 1000, and so do the host's arms (rx_q0_arms:
  a stock guest without EVENT_IDX can only kick while the host is armed,
  however many times it drained the counter).
load_stock_guest_hotplug: net_vhost_spin spin:50 (sleep_max_us=1000000,
  both ports of the host's lcore) asleep on an idle stock virtio_user
  guest (dynamic hugepage memory), which then attaches a second port
  with 32768-entry rings: its memory grows (port 0's table is sent
  again), and virtio_user disables port 0's vrings, sends the new table
  and enables them again while our queue is armed. Then load as in
  load_stock_guest: kicks per million below 1000 (the library re-applies
  the armed state it last had when it enables the vring; our first burst
  on the new ring quiets it, and a sleep-and-wake would later).
idle_GUEST_MODE[_2q]: host net_vhost_spin in MODE (spin:50, adaptive,
  notify or budget:20)
  with sleep_max_us=1000000, guest GUEST (stock or ours), both forwarding
  and idle (_2q: two queue pairs on one lcore, which sleeps only when both
  are armed): over 1.5 s the host's forwarding lcore uses < 20% of a core
  and every rx queue slept; then the guest sends one burst of 32 per
  queue and the host receives all of them within 200 ms of the guest's
  `start` returning, and its rx wake-up counters (rx_qN_wakeups, summed
  over the queues) grew: the guest's kick woke it, not the 1 s timeout;
  rx_qN_spurious_wakeups (summed) grew by at most queues - 1: the poll
  after the wake-up found the burst and the policy saw it.
  _2q, then on the last queue alone (the summed check cannot see a lost
  kick there: queue 0's kick wakes the shared sleep): the guest attaches
  a net_null port whose rx queues but the last are deferred (testpmd
  then leaves their io streams out; the stock virtio_user itself
  refuses a deferred start), the host sleeps again (two more sleeps of
  each queue), and the guest forwards net_null's last queue to its own
  last tx queue: the host's packets on that queue arrive within 200 ms
  of the guest's `start` returning, its rx_qN_wakeups (that queue's
  own) grew, and no other queue received anything.
"""

import time

import hostlib as hl
from hostlib import check

BOUND = 1000  # notifications per million packets
# Packets each measurement runs for (not a time: the machine may be
# slow), enough for three laps of the 16-bit ring indexes; and the most
# it may take.
WANT = 3 * 65536 + 1
LIMIT_S = 60.0


def per_million(n, pkts):
    return n * 1e6 / pkts if pkts else float("inf")


def notifications(X, port, names):
    xs = X.xstats(port)
    return {n: xs[n] for n in names}


def run_for(X, key, want, what):
    """Wait until X's port 0 counter `key` grew by `want` (checked every
    0.1 s, at most LIMIT_S); returns its value then."""
    s0 = X.port_stats(0)[key]
    ok, s1, _ = hl.h.wait_rx(X, s0 + want, key=key, timeout=LIMIT_S,
                             step=0.1)
    check(ok, "%s: %s grew by only %d in %.0f s"
          % (what, key, s1 - s0, LIMIT_S))
    return s1


def one_way(P, C, p_names, c_names):
    """C rxonly, P txonly; after 0.3 s, until P sent WANT more packets:
    packets P sent, and how much each of P's counters p_names and C's
    c_names grew."""
    hl.fwd(C, "rxonly")
    hl.fwd(P, "txonly")
    time.sleep(0.3)
    p0, c0 = notifications(P, 0, p_names), notifications(C, 0, c_names)
    s0 = P.port_stats(0)["tx_packets"]
    run_for(P, "tx_packets", WANT, "txonly")
    p1, c1 = notifications(P, 0, p_names), notifications(C, 0, c_names)
    s1 = P.port_stats(0)["tx_packets"]
    P.stop_fwd()
    C.stop_fwd()
    grew = {n: p1[n] - p0[n] for n in p_names}
    grew.update({n: c1[n] - c0[n] for n in c_names})
    return s1 - s0, grew


def ours_ours(mode, check_counts):
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode) as H:
            with hl.guest("ours", sock, mode) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                # Guest transmit: the host consumes, the guest kicks; the
                # guest consumes the used entries, the host calls.
                pkts, g2h = one_way(G, H, ["tx_q0_kicks"], ["rx_q0_calls"])
                print("guest->host: %d packets, %s" % (pkts, g2h))
                # Host transmit: the guest consumes, the host calls; the
                # host consumes the guest's refills, the guest kicks.
                hpkts, h2g = one_way(H, G, ["tx_q0_calls"], ["rx_q0_kicks"])
                print("host->guest: %d packets, %s" % (hpkts, h2g))
                check_counts(pkts, g2h, hpkts, h2g)


def load_ours_ours():
    def bounded(pkts, g2h, hpkts, h2g):
        kicks = per_million(g2h["tx_q0_kicks"], pkts)
        calls = per_million(h2g["tx_q0_calls"], hpkts)
        check(kicks < BOUND, "guest kicks %.1f per million packets "
              "(bound %d)" % (kicks, BOUND))
        check(calls < BOUND, "host calls %.1f per million packets "
              "(bound %d)" % (calls, BOUND))

    ours_ours("spin:50", bounded)


def load_ours_ours_poll():
    def none(pkts, g2h, hpkts, h2g):
        # WANT: three laps of the 16-bit indexes each way, where a stale
        # event index would be crossed at least twice.
        for name, n in list(g2h.items()) + list(h2g.items()):
            check(n == 0, "poll mode: %s grew by %d (expected 0)"
                  % (name, n))

    ours_ours("poll", none)


def stock_guest_kicks(H, G, kickfd, what):
    hl.fwd(H, "rxonly")
    hl.fwd(G, "txonly")
    time.sleep(0.3)
    x0 = H.xstats(0)
    e0 = kick_count(H, kickfd)
    p0 = H.port_stats(0)["rx_packets"]
    run_for(H, "rx_packets", WANT, what)
    e1 = kick_count(H, kickfd)
    p1 = H.port_stats(0)["rx_packets"]
    x1 = H.xstats(0)
    G.stop_fwd()
    H.stop_fwd()
    pkts = p1 - p0
    sleeps = x1["rx_q0_sleeps"] - x0["rx_q0_sleeps"]
    arms = x1["rx_q0_arms"] - x0["rx_q0_arms"]
    # The host drains the counter before each arm: the counter's growth
    # alone misses the kicks it drained. The guest (flags, no EVENT_IDX)
    # can only kick while the host is armed, so the host's arms bound
    # how often notifications were on at all; check both.
    kicks = max(e1 - e0, 0) + sleeps
    pm, am = per_million(kicks, pkts), per_million(arms, pkts)
    print("%s: stock guest->host: %d packets, %d kicks (+%d sleeps), "
          "%.1f per million; host arms %d, %.1f per million" % (
              what, pkts, max(e1 - e0, 0), sleeps, pm, arms, am))
    check(pm < BOUND, "%s: stock guest kicks %.1f per million packets "
          "(bound %d)" % (what, pm, BOUND))
    check(am < BOUND, "%s: the host armed %.1f times per million packets "
          "(bound %d): notifications were on that often" % (what, am,
                                                           BOUND))


def kick_count(H, fd):
    counts = hl.h.eventfd_counts(H.pid)
    check(fd in counts, "the host holds no eventfd %d (its kick fd in its "
          "log): %s" % (fd, sorted(counts)))
    return counts[fd]


def load_stock_guest():
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:50",
                     log_levels=["lib.vhost.config:info"]) as H:
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                kickfd = hl.h.vhost_kick_fds(H.log).get(1)
                check(kickfd is not None,
                      "no 'vring kick idx:1' line in the host log")
                stock_guest_kicks(H, G, kickfd, "spin:50")


def load_stock_guest_hotplug():
    with hl.h.private_dir() as d:
        s0, s1 = d + "/vhost0.sock", d + "/vhost1.sock"
        H = hl.h.Testpmd(
            "host", fwd_lcore=1, plugins=[hl.h.plugin("vhost_spin")],
            vdevs=["net_vhost_spin0,iface=%s,spin_mode=spin:50,"
                   "sleep_max_us=%d" % (s0, hl.h.SLEEP_MAX_US),
                   "net_vhost_spin1,iface=%s,spin_mode=spin:50" % s1],
            log_levels=["lib.vhost.config:debug"])
        with H, hl.guest("stock", s0,
                         mem=["--single-file-segments"]) as G:
            H.wait_link_up(0)
            G.wait_link_up(0)
            kickfd = hl.h.vhost_kick_fds(H.log).get(1)
            check(kickfd is not None,
                  "no 'vring kick idx:1' line in the host log")
            hl.fwd(H, "rxonly")
            time.sleep(0.5)  # the policy reaches its sleep
            s0_ = H.xstats(0)["rx_q0_sleeps"]
            check(s0_ > 0, "the idle host queue never slept")
            H.stop_fwd()
            tables = H.log.count("VHOST_USER_SET_MEM_TABLE")
            G.cmd("port attach net_virtio_user1,path=%s,"
                  "queue_size=32768" % s1, timeout=20)
            G.cmd("port start 1", timeout=20)
            check(H.log.count("VHOST_USER_SET_MEM_TABLE") > tables + 1,
                  "the guest's memory did not grow: no table sent again "
                  "on port 0")
            stock_guest_kicks(H, G, kickfd, "after the guest's hotplug")


def sleeps(H, queues):
    xs = H.xstats(0)
    return [xs["rx_q%d_sleeps" % q] for q in range(queues)]


def idle(guest_kind, mode, queues=1):
    qa = hl.queue_args(queues)
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode, args=qa,
                     extra=",queues=%d,sleep_max_us=%d" % (
                         queues, hl.h.SLEEP_MAX_US)) as H:
            gmode = "spin:50" if guest_kind == "ours" else None
            with hl.guest(guest_kind, sock, gmode, queues=queues,
                          args=qa) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                hl.fwd(H, "rxonly")
                time.sleep(0.5)  # let the policy reach its sleep
                s0 = sleeps(H, queues)
                cpu = hl.h.worker_cpu(H.pid, 1.5)
                s1 = sleeps(H, queues)
                print("idle: host forwarding lcore %.1f%% of a core, "
                      "sleeps per rx queue in 1.5 s: %s" % (
                          cpu * 100, [b - a for a, b in zip(s0, s1)]))
                # With several queues the lcore sleeps on all at once.
                check(all(b > a for a, b in zip(s0, s1)),
                      "an rx queue never slept while idle (sleeps %s -> %s)"
                      % (s0, s1))
                check(cpu < 0.20, "idle host lcore used %.1f%% of a core "
                      "(bound 20%%)" % (cpu * 100))
                # One burst per queue from the guest: io mode, tx_first.
                want = 32 * queues
                G.cmd("set fwd io")
                x0 = H.xstats(0)
                w0 = hl.h.rx_wakeups(x0, queues)
                G.cmd("start tx_first")
                got, n, dt = hl.h.wait_rx(H, want)
                G.stop_fwd()
                time.sleep(0.1)  # the host polls its queues dry
                x1 = H.xstats(0)
                n = H.port_stats(0)["rx_packets"]
                w1 = hl.h.rx_wakeups(x1, queues)
                spurious = sum(x1["rx_q%d_spurious_wakeups" % q] -
                               x0["rx_q%d_spurious_wakeups" % q]
                               for q in range(queues))
                print("after idle: %d packets received in %.0f ms; host rx "
                      "wake-ups %s -> %s" % (n, dt * 1e3, w0, w1))
                check(got, "after idle the host received %d of %d packets "
                      "in %.0f ms (sleep_max_us %d)" % (
                          n, want, dt * 1e3, hl.h.SLEEP_MAX_US))
                check(n == want, "after idle the guest sent %d packets, "
                      "the host received %d" % (want, n))
                check(sum(w1) > sum(w0), "the host received the burst but "
                      "no rx queue counted a wake-up (rx_qN_wakeups %s -> "
                      "%s)" % (w0, w1))
                # The kick's wake-up found the burst: not spurious. (With
                # two queues the lcore's wake-up may come before the
                # other queue's burst: one spurious at most.)
                check(spurious <= queues - 1, "%d spurious wake-ups for "
                      "one burst per queue: the poll after a wake-up did "
                      "not reach the policy" % spurious)
                if queues > 1:
                    last_queue_wakes(H, G, queues)
                H.stop_fwd()


def last_queue_wakes(H, G, queues):
    """The host asleep on all its queues; the guest sends on the last
    queue only: that queue's own kick must wake the host (with a burst
    on every queue, queue 0's kick wakes the shared sleep and a lost
    kick of another queue goes unseen).

    The stock virtio_user refuses a deferred start (and has no queue
    stop), so testpmd cannot be told to leave its other queues out.
    Instead the guest forwards (io) from a net_null port attached for
    this, whose rx queues but the last are deferred: testpmd disables
    their streams (net_null has no rxq_info_get: the state stays
    "stopped"), and only the last queue's stream feeds the virtio_user
    port, on its last tx queue (an io stream keeps the queue index)."""
    last = queues - 1
    G.stop_fwd()
    out = G.cmd("port attach net_null0", timeout=20)
    check("is attached" in out, "port attach net_null0: %r" % out)
    null = 1
    hl.h.defer_queues(G, range(last), port=null, kind="rxq")
    # Asleep (again): two sleeps of every queue from here (the first
    # may have begun before).
    s0 = sleeps(H, queues)
    hl.wait_until("sleeps", lambda: all(
        b >= a + 2 for a, b in zip(s0, sleeps(H, queues))), timeout=5.0)
    s1 = sleeps(H, queues)
    check(all(b >= a + 2 for a, b in zip(s0, s1)),
          "the idle host queues did not sleep (sleeps %s -> %s)" % (s0, s1))
    x0 = H.xstats(0)
    key = "rx_q%d_packets" % last
    G.start_fwd()  # io: net_null's last rx queue -> the guest's last txq
    got, n, dt = hl.h.wait_xstat(H, key, x0[key] + 1)
    x1 = H.xstats(0)
    G.stop_fwd()
    time.sleep(0.1)  # the host polls its queues dry
    x2 = H.xstats(0)
    grew = {k: x2[k] - x0[k] for k in (
        ["rx_q%d_packets" % q for q in range(queues)] +
        ["rx_q%d_wakeups" % q for q in range(queues)])}
    print("guest sends on queue %d only: first packets there after "
          "%.0f ms, rx_q%d_wakeups %d -> %d; host growth in all %s" % (
              last, dt * 1e3, last, x0["rx_q%d_wakeups" % last],
              x1["rx_q%d_wakeups" % last], grew))
    check(got, "the guest sending on queue %d alone: nothing arrived "
          "there in %.0f ms (sleep_max_us %d)" % (
              last, dt * 1e3, hl.h.SLEEP_MAX_US))
    check(x1["rx_q%d_wakeups" % last] > x0["rx_q%d_wakeups" % last],
          "the guest sending on queue %d alone: its own kick never woke "
          "the host (rx_q%d_wakeups %d -> %d)" % (
              last, last, x0["rx_q%d_wakeups" % last],
              x1["rx_q%d_wakeups" % last]))
    check(all(grew["rx_q%d_packets" % q] == 0 for q in range(last)),
          "the guest sent on queues other than %d: %s" % (last, grew))


CASES = {
    "load_ours_ours": load_ours_ours,
    "load_ours_ours_poll": load_ours_ours_poll,
    "load_stock_guest": load_stock_guest,
    "load_stock_guest_hotplug": load_stock_guest_hotplug,
    "idle_stock_spin": lambda: idle("stock", "spin:50"),
    "idle_ours_spin": lambda: idle("ours", "spin:50"),
    "idle_stock_adaptive": lambda: idle("stock", "adaptive"),
    "idle_stock_spin_2q": lambda: idle("stock", "spin:50", 2),
    "idle_ours_notify": lambda: idle("ours", "notify"),
    "idle_stock_budget": lambda: idle("stock", "budget:20"),
}

if __name__ == "__main__":
    hl.main(CASES)
