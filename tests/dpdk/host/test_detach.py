# SPDX-License-Identifier: BSD-3-Clause
"""A net_vhost_spin port with no frontend sleeps, and a connect wakes it.

The host (net_vhost_spin0, spin_mode=spin:20, sleep_max_us=1000000) forwards
(rxonly) with no frontend: its forwarding lcore must use at most 2% of a
core over 1.5 s. A guest (case ours: net_virtio_spin; case stock: Debian's
virtio_user) then starts with txonly forwarding on at once (--auto-start):
the host's first packets must arrive within 100 ms of the moment the host's
link is up (its "frontend attached" line) and the guest forwards (its
"Start automatic packet forwarding" line), each seen as the process prints
it; the host's rx counter is polled every 5 ms. (The guest's own start-up
after its port start takes 0.1-0.4 s here: it is not the host's delay.)
100 ms is a tenth of sleep_max_us: a connect that does not wake the
sleeping lcore fails. Then the guest quits: the host
goes back to <= 2%, and a second guest gets traffic through within 100 ms
of link up again.
"""

import os
import sys
import time

import hostlib as hl
from hostlib import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import wakelib as wl  # noqa: E402

CPU_MAX = 0.02
WAKE_MAX_MS = 100.0
ATTACHED = "frontend attached"
GUEST_FWD = "Start automatic packet forwarding"


def host_cpu(H, what):
    cpu = wl.harness.worker_cpu(H.pid, 1.5)
    print("host lcore %s: %.2f%% of a core over 1.5 s" % (what, cpu * 100))
    check(cpu <= CPU_MAX, "host forwarding lcore %s used %.1f%% of a core "
          "over 1.5 s (bound %.0f%%)" % (what, cpu * 100, CPU_MAX * 100))


def fmt(v):
    return "-" if v is None else "%.1f" % v


def connect_and_send(H, sock, kind, rnd):
    """Start a txonly guest; return it (running) after the host's first
    packets, checking the delay from the moment the host's link is up and
    the guest forwards."""
    gmode = "spin:20" if kind == "ours" else None
    G = hl.guest(kind, sock, gmode,
                 args=["--forward-mode=txonly", "--auto-start",
                       "--disable-link-check", "--no-flush-rx"])
    w = wl.FirstRx(H, marks=[(H, ATTACHED), (G, GUEST_FWD)]).start()
    try:
        g0 = time.monotonic()
        G.start()
        ready_t, rx_t = w.result(timeout=15)
    except BaseException:
        G.__exit__(None, None, None)
        raise
    link_t, fwd_t = w.mark_t
    lat = wl.ms(ready_t, rx_t)
    print("round %d (%s guest): host link up and guest forwarding -> host's "
          "first packets %s ms (%d polls of 5 ms; guest launch -> host link "
          "up %s ms, -> guest forwarding %s ms)" % (
              rnd, kind, fmt(lat), w.polls, fmt(wl.ms(g0, link_t)),
              fmt(wl.ms(g0, fwd_t))))
    if ready_t is None or rx_t is None:
        G.__exit__(None, None, None)
        check(False, "round %d: %s; host log has %d '%s' lines, guest "
              "log %d '%s'" % (
                  rnd, "no packet reached the host within 15 s"
                  if rx_t is None else "a start line was not seen",
                  H.log.count(ATTACHED), ATTACHED, G.log.count(GUEST_FWD),
                  GUEST_FWD))
    if lat > WAKE_MAX_MS:
        G.__exit__(None, None, None)
        check(False, "round %d (%s guest): the host's first packets came "
              "%.1f ms after its link was up and the guest forwarding "
              "(bound %.0f ms, sleep_max_us 1 s): the connect did not wake "
              "the sleeping lcore" % (rnd, kind, lat, WAKE_MAX_MS))
    return G


def detach(kind):
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "spin:20", extra=",sleep_max_us=1000000",
                     log_levels=["pmd.net.vhost_spin:info"],
                     args=["--forward-mode=rxonly"]) as H:
            H.start_fwd()
            host_cpu(H, "with no frontend")
            for rnd in (1, 2):
                G = connect_and_send(H, sock, kind, rnd)
                with G:
                    pass  # quits the guest
                H.wait_link_down(0, timeout=10)
                if rnd == 1:  # round 2 leaves the same state
                    host_cpu(H, "after the guest quit")
            H.stop_fwd()
            xs = H.xstats(0)
            print("host rx_q0: sleeps %d, wakeups %d, timeouts %d" % (
                xs.get("rx_q0_sleeps", -1), xs.get("rx_q0_wakeups", -1),
                xs.get("rx_q0_sleep_timeouts", -1)))


CASES = {
    "detach_ours": lambda: detach("ours"),
    "detach_stock": lambda: detach("stock"),
}

if __name__ == "__main__":
    hl.h.run_case(CASES)
