# SPDX-License-Identifier: BSD-3-Clause
"""net_vhost_spin blocks in rx_burst only when nothing else on the lcore
can be starved (lib/vspin/vspin_sleep_rule.h, default sleep=auto).

A case runs in a sleeping mode MODE of the spin policy: notify, budget
(budget:20), spin (spin:20) or adaptive; tests/dpdk/host/meson.build
lists the CASE_MODE pairs that run.

pvp_MODE
    Topology: one host testpmd, io forwarding on ONE lcore that polls two
    ports: port 0 net_null0 (a NIC stand-in whose rx never runs dry) and
    port 1 net_vhost_spin0 (spin_mode=MODE, sleep=auto); a stock
    virtio_user guest in rxonly. The vhost rx queue is idle (the guest
    sends nothing), so its policy would arm; the foreign net_null port
    forbids blocking.
    Expect: the guest's rx packets grow in each of three 0.4 s windows and
    the host's rx_q0_sleeps (port 1 xstats) is 0.
pvp_null_last_MODE
    pvp_MODE with the ports probed the other way round (net_vhost_spin0
    then net_null0 on the command line): ethdev announces a new port
    before it lists it, so a census that only walked the list missed a
    port probed after ours and let rx_burst block. Same expectations.
pvp_attach_MODE
    The host starts with net_vhost_spin0 alone (io forwarding, a stock
    guest in rxonly): every port is ours, and its idle queue sleeps. Then
    "port attach net_null0" at run time, port start, forwarding again.
    Expect the pvp_MODE checks over the windows after the attach: the
    guest's rx grows in each, and rx_q0_sleeps does not grow.
flowgen_MODE
    Topology: host testpmd with only net_vhost_spin0 (spin_mode=MODE,
    sleep=auto), forwarding engine flowgen: every loop it polls the port,
    drops what came, and sends a burst it made; a stock guest in rxonly
    sends nothing. Every port is ours and testpmd is a known
    application, but the thread sends packets of its own between two rx
    bursts, so the idle rx queue must not block there.
    Expect: the guest's rx grows in each window, rx_q0_sleeps does not.
pvp_always_MODE
    The same with sleep=always (the user's promise, broken here): the
    contrast that shows the check above can fail. Expect rx_q0_sleeps > 0
    (each sleep stalls the net_null -> guest flow for up to sleep_max_us).
twoq_MODE
    Topology: host net_vhost_spin queues=2, testpmd --rxq=2 --txq=2
    rxonly, both rx queues on one forwarding lcore; a stock virtio_user
    guest with queues=2 (two queue pairs negotiated: --rxq=2) but one tx
    queue (--txq=1), txonly, so only host rx queue 0 has traffic.
    The guest sends first, then the host starts forwarding.
    Expect: host rx packets grow in each of three 0.4 s windows, all on
    queue 0; idle queue 1 arms (rx_q1_arms grows); and queue 1's armed
    state never puts the lcore to sleep while queue 0 has work: every
    sleep of the lcore follows an arm of queue 0 whose recheck found its
    ring empty (the growth of rx_q1_sleeps and rx_q0_sleeps is at most
    the growth of rx_q0_arms - rx_q0_arm_rechecks_hit). In spin and
    adaptive the stock guest's own stalls (longer than the window on this
    shared 2-core machine) still let queue 0 arm now and then: those
    sleeps are the policy's, and are printed.
    The port sleeps at most sleep_max_us=1000000: a sleep that missed
    queue 0's kick stalls a whole window; except in adaptive (whose
    batches end by a timer of their own), no sleep runs to that bound.
idle_MODE
    Topology: host testpmd with only net_vhost_spin (sleep=auto: every
    port is ours), rxonly, a connected stock guest that sends nothing.
    Expect: over 2 s the forwarding lcore uses at most 2% of a core
    (harness.lcore_cpu) and rx_q0_sleeps grows.
unpolled_MODE
    Topology: host testpmd with net_vhost_spin0 and net_vhost_spin1
    (spin_mode=MODE, no frontend on either), io forwarding on one lcore:
    both detached queues sleep. Then "stop", "set nbport 1", "start":
    port 1 stays started but the lcore no longer polls it.
    Expect: over 1 s after that, port 0's rx_q0_sleeps grows and the
    lcore uses at most 2% of a core (a queue the thread stopped polling
    stops holding it awake once it has missed 1024 passes of the loop).
intr_MODE
    Topology: intr_sink (tests/dpdk/host/intr_sink.c: configures
    intr_conf.rxq, polls, and when empty enables the rx interrupt and
    epolls) on net_vhost_spin spin_mode=MODE; a stock guest sends 10
    bursts of 32, one every 0.2 s.
    Expect: rx_burst never blocks, the application sleeps by itself:
    rx_q0_sleeps stays 0, all 320 packets arrive through the
    application's own wake-ups, none lost (no epoll timeout followed by
    a poll that finds packets).
"""

import time

import hostlib as hl
import intr_sink  # tests/dpdk/, on the path through hostlib
import sleep_safety as ss

h = hl.h


def pvp(mode, sleep_rule="auto", null_last=False):
    extra = ",sleep=%s" % sleep_rule if sleep_rule != "auto" else ""
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        vdevs = ["net_null0", hl.host_vdev("ours", sock, mode, extra=extra)]
        if null_last:
            vdevs.reverse()
        H = h.Testpmd("host", vdevs=vdevs,
                      plugins=[h.plugin("vhost_spin")], fwd_lcore=1,
                      args=["--forward-mode=io"])
        with H, hl.guest("stock", sock,
                         args=["--forward-mode=rxonly"]) as G:
            vp = ss.port_of(H, "net_vhost_spin")
            H.wait_link_up(vp)
            G.wait_link_up(0)
            G.start_fwd()
            H.start_fwd()
            time.sleep(0.3)
            grow = ss.windows(lambda: G.port_stats(0)["rx_packets"])
            xs = H.xstats(vp)
            H.stop_fwd()
    sleeps, arms = xs["rx_q0_sleeps"], xs["rx_q0_arms"]
    timeouts = xs["rx_q0_sleep_timeouts"]
    print("sleep=%s %s: guest rx per %.1f s window %s; host rx_q0 sleeps "
          "%d (timeouts %d), arms %d" % (sleep_rule, mode, ss.WINDOW_S, grow,
                                         sleeps, timeouts, arms))
    return grow, sleeps


def pvp_auto(mode, null_last=False):
    grow, sleeps = pvp(mode, null_last=null_last)
    ss.check_pvp("host pvp%s %s" % (" (null last)" if null_last else "",
                                     mode), grow, sleeps, "net_null")


def pvp_attach(mode):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode, args=["--forward-mode=io"]) as H, \
                hl.guest("stock", sock,
                         args=["--forward-mode=rxonly"]) as G:
            H.wait_link_up(0)
            G.wait_link_up(0)
            G.start_fwd()
            H.start_fwd()
            # Every port is ours: the idle queue sleeps.
            ss.check(h.wait_until(
                "a sleep of the lone port",
                lambda: H.xstats(0)["rx_q0_sleeps"] > 0),
                "%s: the idle port never slept while it was the only "
                "one" % mode)
            H.stop_fwd()
            out = H.cmd("port attach net_null0")
            ss.check("is attached" in out, "port attach: %r" % out)
            np = ss.port_of(H, "net_null")
            H.cmd("port start %d" % np)
            H.start_fwd()
            grow, sleeps = ss.sleeps_in_windows(
                H, 0, lambda: G.port_stats(0)["rx_packets"])
            H.stop_fwd()
    print("attach %s: guest rx per %.1f s window %s; host rx_q0 sleeps "
          "over them %d" % (mode, ss.WINDOW_S, grow, sleeps))
    ss.check_pvp("host pvp, net_null attached, " + mode, grow, sleeps,
                 "net_null")


def flowgen(mode):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode,
                     args=["--forward-mode=flowgen"]) as H, \
                hl.guest("stock", sock,
                         args=["--forward-mode=rxonly"]) as G:
            H.wait_link_up(0)
            G.wait_link_up(0)
            G.start_fwd()
            H.start_fwd()
            grow, sleeps = ss.sleeps_in_windows(
                H, 0, lambda: G.port_stats(0)["rx_packets"])
            H.stop_fwd()
    print("flowgen %s: guest rx per %.1f s window %s; host rx_q0 sleeps "
          "over them %d" % (mode, ss.WINDOW_S, grow, sleeps))
    ss.check_pvp("host flowgen " + mode, grow, sleeps,
                 "testpmd's flowgen engine, which sends its own packets")


def pvp_always(mode):
    grow, sleeps = pvp(mode, "always")
    ss.check(sleeps > 0,
             "sleep=always with an idle vhost queue: expected rx_q0_sleeps "
             "> 0 (the contrast to pvp), saw 0; guest rx per window %s"
             % grow)


def twoq(mode):
    qa = ["--rxq=2", "--txq=2", "--forward-mode=rxonly"]
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode, args=qa,
                     extra=",queues=2,sleep_max_us=%d" % h.SLEEP_MAX_US) as H:
            # Two queue pairs negotiated, one tx queue used.
            with hl.guest("stock", sock, queues=2,
                          args=["--rxq=2", "--txq=1",
                                "--forward-mode=txonly"]) as G:
                grow, x0, x1 = ss.twoq_run(G, H)
    ss.check_twoq("host " + mode, mode, grow, x0, x1)


def idle(mode):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode,
                     args=["--forward-mode=rxonly"]) as H:
            with hl.guest("stock", sock):
                s0, s1, cpu = ss.idle_run(H)
    ss.check_idle("host idle " + mode, s0, s1, cpu)


def unpolled(mode):
    with h.private_dir() as d:
        vdevs = [hl.host_vdev("ours", "%s/vhost%d.sock" % (d, i), mode)
                 .replace("net_vhost_spin0", "net_vhost_spin%d" % i)
                 for i in range(2)]
        H = h.Testpmd("host", vdevs=vdevs, plugins=[h.plugin("vhost_spin")],
                      fwd_lcore=1, args=["--forward-mode=io"])
        with H:
            H.start_fwd()
            time.sleep(0.3)
            H.stop_fwd()
            H.cmd("set nbport 1")
            H.start_fwd()
            time.sleep(0.3)
            s0 = H.xstats(0)["rx_q0_sleeps"]
            cpu = h.worker_cpu(H.pid, 1.0)
            s1 = H.xstats(0)["rx_q0_sleeps"]
            H.stop_fwd()
    print("unpolled %s: port 0 rx_q0_sleeps %d -> %d, forwarding lcore "
          "%.2f%% of a core" % (mode, s0, s1, 100 * cpu))
    ss.check(s1 > s0, "%s: port 0 never slept once port 1, started, was "
             "no longer polled (rx_q0_sleeps %d -> %d)" % (mode, s0, s1))
    ss.check(cpu <= 0.02, "%s: the lcore used %.2f%% of a core with "
             "port 0 idle and port 1 no longer polled (bound 2%%)"
             % (mode, 100 * cpu))


def intr(mode):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"

        def drive():
            intr_sink.wait_socket(sock)
            with hl.guest("stock", sock) as G:
                G.wait_link_up(0)
                G.cmd("set fwd io")
                intr_sink.send_bursts(G)

        where = "intr " + mode
        res = intr_sink.run(d, "ssink", h.plugin("vhost_spin"),
                            hl.host_vdev("ours", sock, mode), drive, where)
    ss.check_intr(where, res)


CASES = ss.cases({
    "pvp": pvp_auto,
    "pvp_null_last": lambda m: pvp_auto(m, null_last=True),
    "pvp_attach": pvp_attach,
    "flowgen": flowgen,
    "unpolled": unpolled,
    "pvp_always": pvp_always,
    "twoq": twoq,
    "idle": idle,
    "intr": intr,
})

if __name__ == "__main__":
    h.run_case(CASES)
