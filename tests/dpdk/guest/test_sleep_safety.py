# SPDX-License-Identifier: BSD-3-Clause
"""net_virtio_spin blocks in rx_burst only when nothing else on the lcore
can be starved (lib/vspin/vspin_sleep_rule.h, default sleep=auto): the
guest-side twin of tests/dpdk/host/test_sleep_safety.py.

A case runs in a sleeping mode MODE: notify, budget (budget:20), spin
(spin:20) or adaptive; tests/dpdk/guest/meson.build lists the CASE_MODE
pairs that run (argv[1]).

pvp_MODE
    Topology: guest testpmd, io forwarding on ONE lcore polling port 0
    net_null0 (a NIC stand-in, rx never dry) and port 1 net_virtio_spin0
    (spin_mode=MODE, sleep=auto); stock net_vhost in rxonly on the host.
    The guest's rx queue is idle (the host sends nothing).
    Expect: the host's rx packets grow in each of three 0.4 s windows and
    the guest's rx_q0_sleeps (port 1 xstats) is 0.
pvp_null_last_MODE
    pvp_MODE with net_null0 probed after net_virtio_spin0 (ethdev
    announces a new port before it lists it). Same expectations.
pvp_always_MODE
    The same with sleep=always: the contrast, rx_q0_sleeps > 0.
flowgen_MODE
    Topology: guest testpmd with only net_virtio_spin (spin_mode=MODE,
    sleep=auto), forwarding engine flowgen (it polls the port, drops
    what came, and sends a burst it made, every loop); stock net_vhost in
    rxonly sends nothing. The thread sends packets of its own between
    two rx bursts: the idle rx queue must not block there.
    Expect: the host's rx grows in each window, rx_q0_sleeps does not.
twoq_MODE
    Topology: stock net_vhost queues=2 with testpmd --rxq=2 --txq=1
    txonly (transmits on queue 0 only); net_virtio_spin queues=2, testpmd
    --rxq=2 --txq=2 rxonly, both rx queues on one lcore. The host sends
    first, then the guest starts forwarding.
    Expect: guest rx grows in each window, all on queue 0; idle queue 1
    arms (rx_q1_arms grows); every sleep of the lcore follows an arm of
    queue 0 whose recheck found it empty (sleeps <= rx_q0_arms -
    rx_q0_arm_rechecks_hit): queue 1's armed state never puts the lcore
    to sleep while queue 0 has work.
    The port sleeps at most sleep_max_us=1000000: a sleep that missed
    queue 0's kick stalls a whole window; except in adaptive (whose
    batches end by a timer of their own), no sleep runs to that bound.
idle_MODE
    Topology: guest testpmd with only net_virtio_spin (rxonly), a
    connected stock host that sends nothing.
    Expect: over 2 s the guest's forwarding lcore uses at most 2% of a
    core and rx_q0_sleeps grows.
intr_MODE
    Topology: intr_sink (tests/dpdk/host/intr_sink.c, intr_conf.rxq set)
    on net_virtio_spin spin_mode=MODE; stock net_vhost sends 10 bursts
    of 32, one every 0.2 s (start tx_first / stop).
    Expect: rx_q0_sleeps stays 0 (the application sleeps by itself), all
    320 packets arrive through its rx-interrupt wake-ups, none lost.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as h  # noqa: E402
import intr_sink  # noqa: E402
import sleep_safety as ss  # noqa: E402
from guestlib import guest_pmd, sock_path, vhost_pmd  # noqa: E402


def guest_vdev(d, mode, extra=""):
    return "net_virtio_spin0,path=%s,spin_mode=%s%s" % (sock_path(d), mode,
                                                        extra)


def pvp(mode, sleep_rule, null_last=False):
    extra = ",sleep=%s" % sleep_rule if sleep_rule != "auto" else ""
    with h.private_dir() as d, vhost_pmd(d, "rxonly") as H:
        vdevs = ["net_null0", guest_vdev(d, mode, extra)]
        if null_last:
            vdevs.reverse()
        G = h.Testpmd("guest", vdevs=vdevs,
                      plugins=[h.plugin("virtio")], fwd_lcore=1,
                      args=["--forward-mode=io"])
        with G:
            vp = ss.port_of(G, "net_virtio_spin")
            H.wait_link_up(0)
            G.wait_link_up(vp)
            H.start_fwd()
            G.start_fwd()
            time.sleep(0.3)
            grow = ss.windows(lambda: H.port_stats(0)["rx_packets"])
            xs = G.xstats(vp)
            G.stop_fwd()
    print("sleep=%s %s: host rx per %.1f s window %s; guest rx_q0 sleeps "
          "%d (timeouts %d), arms %d" % (
              sleep_rule, mode, ss.WINDOW_S, grow, xs["rx_q0_sleeps"],
              xs["rx_q0_sleep_timeouts"], xs["rx_q0_arms"]))
    return grow, xs["rx_q0_sleeps"]


def pvp_auto(mode, null_last=False):
    grow, sleeps = pvp(mode, "auto", null_last)
    ss.check_pvp("guest pvp%s %s" % (" (null last)" if null_last else "",
                                      mode), grow, sleeps, "net_null")


def pvp_always(mode):
    grow, sleeps = pvp(mode, "always")
    ss.check(sleeps > 0,
             "sleep=always with an idle virtio rx queue: expected "
             "rx_q0_sleeps > 0 (the contrast to pvp), saw 0; host rx per "
             "window %s" % grow)


def flowgen(mode):
    with h.private_dir() as d, vhost_pmd(d, "rxonly") as H:
        with guest_pmd(d, "flowgen", devargs="spin_mode=" + mode) as G:
            H.wait_link_up(0)
            G.wait_link_up(0)
            H.start_fwd()
            G.start_fwd()
            grow, sleeps = ss.sleeps_in_windows(
                G, 0, lambda: H.port_stats(0)["rx_packets"])
            G.stop_fwd()
    print("flowgen %s: host rx per %.1f s window %s; guest rx_q0 sleeps "
          "over them %d" % (mode, ss.WINDOW_S, grow, sleeps))
    ss.check_pvp("guest flowgen " + mode, grow, sleeps,
                 "testpmd's flowgen engine, which sends its own packets")


def twoq(mode):
    with h.private_dir() as d:
        # Two queue pairs, one transmitting.
        H = h.Testpmd("host", vdevs=["net_vhost0,iface=%s,queues=2"
                                     % sock_path(d)], fwd_lcore=0,
                      args=["--forward-mode=txonly", "--rxq=2", "--txq=1"])
        with H, guest_pmd(d, "rxonly", devargs="spin_mode=%s,"
                          "sleep_max_us=%d" % (mode, h.SLEEP_MAX_US),
                          queues=2) as G:
            grow, x0, x1 = ss.twoq_run(H, G)
    ss.check_twoq("guest " + mode, mode, grow, x0, x1)


def idle(mode):
    with h.private_dir() as d, vhost_pmd(d, "rxonly"):
        with guest_pmd(d, "rxonly", devargs="spin_mode=" + mode) as G:
            s0, s1, cpu = ss.idle_run(G)
    ss.check_idle("guest idle " + mode, s0, s1, cpu)


def intr(mode):
    with h.private_dir() as d, vhost_pmd(d, "io") as H:
        def drive():
            H.wait_link_up(0)
            intr_sink.send_bursts(H)

        where = "guest intr " + mode
        res = intr_sink.run(d, "gssink", h.plugin("virtio"),
                            guest_vdev(d, mode), drive, where)
    ss.check_intr(where, res)


CASES = ss.cases({
    "pvp": pvp_auto,
    "pvp_null_last": lambda m: pvp_auto(m, null_last=True),
    "pvp_always": pvp_always,
    "flowgen": flowgen,
    "twoq": twoq,
    "idle": idle,
    "intr": intr,
})

if __name__ == "__main__":
    h.run_case(CASES)
