# SPDX-License-Identifier: BSD-3-Clause
"""net_vhost_spin blocks in rx_burst only when nothing else on the lcore
can be starved (lib/vspin/vspin_sleep_rule.h, default sleep=auto).

Every case runs in each sleeping mode MODE of the spin policy: notify,
budget (budget:20), spin (spin:20), adaptive. Case name CASE_MODE.

pvp_MODE
    Topology: one host testpmd, io forwarding on ONE lcore that polls two
    ports: port 0 net_null0 (a NIC stand-in whose rx never runs dry) and
    port 1 net_vhost_spin0 (spin_mode=MODE, sleep=auto); a stock
    virtio_user guest in rxonly. The vhost rx queue is idle (the guest
    sends nothing), so its policy would arm; the foreign net_null port
    forbids blocking.
    Expect: the guest's rx packets grow in each of four 0.5 s windows and
    the host's rx_q0_sleeps (port 1 xstats) is 0.
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
    Expect: host rx packets grow in each of four 0.5 s windows, all on
    queue 0; idle queue 1 arms (rx_q1_arms grows); and queue 1's armed
    state never puts the lcore to sleep while queue 0 has work: every
    sleep of the lcore follows an arm of queue 0 whose recheck found its
    ring empty (the growth of rx_q1_sleeps and rx_q0_sleeps is at most
    the growth of rx_q0_arms - rx_q0_arm_rechecks_hit). In spin and
    adaptive the stock guest's own stalls (longer than the window on this
    shared 2-core machine) still let queue 0 arm now and then: those
    sleeps are the policy's, and are printed.
idle_MODE
    Topology: host testpmd with only net_vhost_spin (sleep=auto: every
    port is ours), rxonly, a connected stock guest that sends nothing.
    Expect: over 3 s the forwarding lcore uses at most 2% of a core
    (harness.lcore_cpu) and rx_q0_sleeps grows.
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

import os
import re
import signal
import subprocess
import time

import hostlib as hl
from hostlib import check

h = hl.h

MODES = {
    "notify": "notify",
    "budget": "budget:20",
    "spin": "spin:20",
    "adaptive": "adaptive",
}
WINDOWS = 4
WINDOW_S = 0.5


def port_of(t, driver, nports=2):
    """The port id whose driver is `driver`, from 'show port info'."""
    for p in range(nports):
        out = t.cmd("show port info %d" % p)
        m = re.search(r"Driver name:\s*(\S+)", out)
        if m and m.group(1) == driver:
            return p
    t.fail("no port with driver %s among %d ports" % (driver, nports))


def windows(read, n=WINDOWS, seconds=WINDOW_S):
    """Growth of read() over n consecutive windows of `seconds`."""
    res, last = [], read()
    for _ in range(n):
        time.sleep(seconds)
        cur = read()
        res.append(cur - last)
        last = cur
    return res


def pvp(mode, sleep_rule="auto"):
    extra = ",sleep=%s" % sleep_rule if sleep_rule != "auto" else ""
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        H = h.Testpmd("host", vdevs=[
            "net_null0", hl.host_vdev("ours", sock, mode, extra=extra)],
            plugins=[h.plugin("vhost_spin")], fwd_lcore=1,
            args=["--forward-mode=io"])
        with H, hl.guest("stock", sock,
                         args=["--forward-mode=rxonly"]) as G:
            vp = port_of(H, "net_vhost_spin")
            H.wait_link_up(vp)
            G.wait_link_up(0)
            G.start_fwd()
            H.start_fwd()
            time.sleep(0.3)
            grow = windows(lambda: G.port_stats(0)["rx_packets"])
            xs = H.xstats(vp)
            H.stop_fwd()
    sleeps, arms = xs["rx_q0_sleeps"], xs["rx_q0_arms"]
    timeouts = xs["rx_q0_sleep_timeouts"]
    print("sleep=%s %s: guest rx per %.1f s window %s; host rx_q0 sleeps "
          "%d (timeouts %d), arms %d" % (sleep_rule, mode, WINDOW_S, grow,
                                         sleeps, timeouts, arms))
    return grow, sleeps


def pvp_auto(mode):
    grow, sleeps = pvp(mode)
    check(all(g > 0 for g in grow),
          "the guest's rx stalled: rx packets per %.1f s window %s"
          % (WINDOW_S, grow))
    check(sleeps == 0,
          "net_vhost_spin blocked %d times in rx_burst on an lcore that "
          "also polls net_null (sleep=auto must not block)" % sleeps)


def pvp_always(mode):
    grow, sleeps = pvp(mode, "always")
    check(sleeps > 0,
          "sleep=always with an idle vhost queue: expected rx_q0_sleeps > 0 "
          "(the contrast to pvp_%s), saw 0; guest rx per window %s"
          % (mode.split(":")[0], grow))


def qstats(xs, key, queues=2):
    return [xs["rx_q%d_%s" % (q, key)] for q in range(queues)]


def check_twoq(where, grow, x0, x1):
    """The two-queue checks on xstats taken before (x0) and after (x1)
    the traffic windows; queue 0 has the traffic."""
    def delta(key):
        return [b - a for a, b in zip(qstats(x0, key), qstats(x1, key))]
    pk, arms = delta("packets"), delta("arms")
    hits, sleeps = delta("arm_rechecks_hit"), delta("sleeps")
    empty_arms0 = arms[0] - hits[0]
    print("%s: rx per %.1f s window %s; per queue: packets %s, arms %s, "
          "rechecks hit %s, sleeps %s" % (where, WINDOW_S, grow, pk, arms,
                                          hits, sleeps))
    check(all(g > 0 for g in grow),
          "%s: rx stalled: rx packets per %.1f s window %s"
          % (where, WINDOW_S, grow))
    check(pk[0] > 0 and pk[1] == 0,
          "%s: expected traffic on rx queue 0 only, saw packets per queue "
          "%s" % (where, pk))
    check(arms[1] > 0,
          "%s: idle rx queue 1 never armed during traffic (rx_q1_arms "
          "%d -> %d)" % (where, qstats(x0, "arms")[1],
                         qstats(x1, "arms")[1]))
    check(max(sleeps) <= empty_arms0,
          "%s: the lcore slept while rx queue 0 had work: sleeps per queue "
          "%s, but queue 0 armed with an empty recheck only %d times "
          "(arms %d, rechecks hit %d)" % (where, sleeps, empty_arms0,
                                          arms[0], hits[0]))


def twoq(mode):
    qa = ["--rxq=2", "--txq=2", "--forward-mode=rxonly"]
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode, extra=",queues=2", args=qa) as H:
            # Two queue pairs negotiated, one tx queue used.
            with hl.guest("stock", sock, queues=2,
                          args=["--rxq=2", "--txq=1",
                                "--forward-mode=txonly"]) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                G.start_fwd()
                time.sleep(0.3)
                x0 = H.xstats(0)
                H.start_fwd()
                time.sleep(0.2)
                grow = windows(lambda: H.port_stats(0)["rx_packets"])
                x1 = H.xstats(0)
                G.stop_fwd()
                H.stop_fwd()
    check_twoq("host " + mode, grow, x0, x1)


def idle(mode):
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, mode,
                     args=["--forward-mode=rxonly"]) as H:
            with hl.guest("stock", sock) as G:
                H.wait_link_up(0)
                G.wait_link_up(0)
                H.start_fwd()
                time.sleep(0.5)  # let the policy reach its sleep
                s0 = H.xstats(0)["rx_q0_sleeps"]
                cpu = hl.cpu_of_worker(H.pid, 3.0)
                s1 = H.xstats(0)["rx_q0_sleeps"]
                H.stop_fwd()
    print("idle %s: host forwarding lcore %.2f%% of a core over 3 s, "
          "rx_q0_sleeps %d -> %d" % (mode, cpu * 100, s0, s1))
    check(s1 > s0, "the idle vspin-only lcore never slept (rx_q0_sleeps "
          "%d -> %d over 3 s)" % (s0, s1))
    check(cpu <= 0.02, "the idle vspin-only lcore used %.2f%% of a core "
          "over 3 s (bound 2%%)" % (cpu * 100))


BURSTS = 10


def sink_path():
    p = os.environ.get("VSPIN_INTR_SINK") or os.path.join(
        h.build_dir(), "tests/dpdk/host/intr_sink")
    if not os.path.isfile(p):
        raise FileNotFoundError("not built: " + p)
    return p


def run_sink(argv, log, drive):
    """Run intr_sink with argv, call drive() while it runs, then SIGINT
    it; returns (exit status or None, its output)."""
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    rc = None
    try:
        drive()
        p.send_signal(signal.SIGINT)
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        pass
    except h.HarnessError as e:
        p.terminate()
        p.wait(10)
        log.seek(0)
        raise hl.Fail("%s\n--- intr_sink log ---\n%s" % (
            e, log.read()[-3000:]))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    log.seek(0)
    return rc, log.read()


def check_sink(where, rc, out):
    m = re.search(r"rx (\d+) wakeups (\d+) timeouts (\d+) lost (\d+)", out)
    check(m is not None, "%s: intr_sink printed no result (exit %s):\n%s"
          % (where, rc, out[-2000:]))
    rx, wakeups, timeouts, lost = map(int, m.groups())
    xs = {k: int(v) for k, v in re.findall(r"^xstat (\S+) (\d+)$", out,
                                           re.M)}
    check("rx_q0_sleeps" in xs, "%s: intr_sink printed no rx_q0_sleeps "
          "xstat:\n%s" % (where, out[-2000:]))
    print("%s: %d packets, %d application wake-ups, %d timeouts, %d lost; "
          "rx_q0 sleeps %d, arms %d" % (where, rx, wakeups, timeouts, lost,
                                        xs["rx_q0_sleeps"],
                                        xs.get("rx_q0_arms", -1)))
    check(xs["rx_q0_sleeps"] == 0,
          "%s: rx_burst blocked %d times on a port with rx interrupts "
          "configured (the application sleeps by itself)"
          % (where, xs["rx_q0_sleeps"]))
    check(rc == 0 and rx >= 32 * BURSTS,
          "%s: received %d of %d packets (exit %s)"
          % (where, rx, 32 * BURSTS, rc))
    check(lost == 0, "%s: %d lost wake-ups: epoll timed out with packets "
          "waiting" % (where, lost))
    check(wakeups > 0, "%s: the application never woke by its rx "
          "interrupt (%d timeouts)" % (where, timeouts))


def intr(mode):
    sink, plugin = sink_path(), h.plugin("vhost_spin")
    with h.private_dir() as d:
        sock = d + "/vhost.sock"
        argv = [sink, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", "ssink-%d" % os.getpid(), "-d", plugin,
                "--vdev", hl.host_vdev("ours", sock, mode),
                "--", str(32 * BURSTS), "60"]

        def drive():
            if not hl.wait_until("socket", lambda: os.path.exists(sock),
                                 10):
                raise hl.Fail("intr_sink made no socket")
            with hl.guest("stock", sock) as G:
                G.wait_link_up(0)
                G.cmd("set fwd io")
                time.sleep(0.5)  # the sink is asleep in epoll now
                for _ in range(BURSTS):
                    G.cmd("start tx_first")
                    time.sleep(0.2)
                    G.stop_fwd()
                time.sleep(0.5)

        with open(d + "/sink.log", "w+") as log:
            rc, out = run_sink(argv, log, drive)
    check_sink("intr " + mode, rc, out)


CASES = {}
for _name, _mode in MODES.items():
    CASES["pvp_" + _name] = (lambda m: lambda: pvp_auto(m))(_mode)
    CASES["pvp_always_" + _name] = (lambda m: lambda: pvp_always(m))(_mode)
    CASES["twoq_" + _name] = (lambda m: lambda: twoq(m))(_mode)
    CASES["idle_" + _name] = (lambda m: lambda: idle(m))(_mode)
    CASES["intr_" + _name] = (lambda m: lambda: intr(m))(_mode)

if __name__ == "__main__":
    hl.main(CASES)
