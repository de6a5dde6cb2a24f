# SPDX-License-Identifier: BSD-3-Clause
"""Shared part of host/test_sleep_safety.py and guest/test_sleep_safety.py:
when may rx_burst of our PMDs block (lib/vspin/vspin_sleep_rule.h).

MODES                       case suffix -> spin_mode, the sleeping modes
windows(read)               growth of read() over WINDOWS windows
sleeps_in_windows(t, port, read)
                            0.3 s into forwarding: read()'s growth per
                            window and t's rx_q0_sleeps growth over them
port_of(t, driver)          port id of a driver in a testpmd
twoq_run(tx, rx), check_twoq(where, mode, grow, x0, x1)
                            two queue pairs, one busy: run, check
idle_run(rx), check_idle(where, s0, s1, cpu)
                            a silent peer: the lcore sleeps, at <= 2%
check_intr(where, res)      an intr_sink run (intr_sink.py) on a sleeping
                            mode: rx_burst never blocked
cases(makers)               {CASE_MODE: fn} for every mode, for
                            harness.run_case()
Fail / check(cond, msg)     harness's
"""

import re
import time

import harness as h

MODES = {
    "notify": "notify",
    "budget": "budget:20",
    "spin": "spin:20",
    "adaptive": "adaptive",
}
WINDOWS = 3
WINDOW_S = 0.4


Fail, check = h.Fail, h.check


def windows(read, n=WINDOWS, seconds=WINDOW_S):
    """Growth of read() over n consecutive windows of `seconds`."""
    res, last = [], read()
    for _ in range(n):
        time.sleep(seconds)
        cur = read()
        res.append(cur - last)
        last = cur
    return res


def sleeps_in_windows(t, port, read):
    """Forwarding has started: after 0.3 s, read()'s growth in each
    window and how many times t's port slept (rx_q0_sleeps) over them."""
    time.sleep(0.3)
    s0 = t.xstats(port)["rx_q0_sleeps"]
    grow = windows(read)
    return grow, t.xstats(port)["rx_q0_sleeps"] - s0


def port_of(t, driver, nports=2):
    """The port id whose driver is `driver`, from 'show port info'."""
    for p in range(nports):
        out = t.cmd("show port info %d" % p)
        m = re.search(r"Driver name:\s*(\S+)", out)
        if m and m.group(1) == driver:
            return p
    t.fail("no port with driver %s among %d ports" % (driver, nports))


def qstats(xs, key, queues=2):
    return [xs["rx_q%d_%s" % (q, key)] for q in range(queues)]


def check_pvp(where, grow, sleeps, other):
    check(all(g > 0 for g in grow),
          "%s: the flow stalled: rx packets per %.1f s window %s"
          % (where, WINDOW_S, grow))
    check(sleeps == 0,
          "%s: rx_burst blocked %d times on an lcore that also polls %s "
          "(sleep=auto must not block)" % (where, sleeps, other))


def twoq_run(tx, rx):
    """Two queue pairs, traffic on one: tx sends, then rx forwards.
    Returns rx's packet growth per window and its xstats before and
    after the windows."""
    tx.wait_link_up(0)
    rx.wait_link_up(0)
    tx.start_fwd()
    time.sleep(0.3)
    x0 = rx.xstats(0)
    rx.start_fwd()
    time.sleep(0.2)
    grow = windows(lambda: rx.port_stats(0)["rx_packets"])
    x1 = rx.xstats(0)
    tx.stop_fwd()
    rx.stop_fwd()
    return grow, x0, x1


def idle_run(rx):
    """rx forwards from a silent peer: its rx_q0_sleeps before and after 2
    s, and the CPU of its forwarding lcore over them."""
    rx.wait_link_up(0)
    rx.start_fwd()
    time.sleep(0.5)  # let the policy reach its sleep
    s0 = rx.xstats(0)["rx_q0_sleeps"]
    cpu = h.worker_cpu(rx.pid, 2.0)
    s1 = rx.xstats(0)["rx_q0_sleeps"]
    rx.stop_fwd()
    return s0, s1, cpu


def check_idle(where, s0, s1, cpu):
    print("%s: forwarding lcore %.2f%% of a core over 2 s, rx_q0_sleeps "
          "%d -> %d" % (where, cpu * 100, s0, s1))
    check(s1 > s0, "%s: the idle vspin-only lcore never slept "
          "(rx_q0_sleeps %d -> %d over 2 s)" % (where, s0, s1))
    check(cpu <= 0.02, "%s: the idle vspin-only lcore used %.2f%% of a "
          "core over 2 s (bound 2%%)" % (where, cpu * 100))


def check_twoq(where, mode, grow, x0, x1):
    """The two-queue checks on xstats taken before (x0) and after (x1)
    the traffic windows; rx queue 0 has the traffic, queue 1 none. The
    port runs with sleep_max_us=SLEEP_MAX_US (1 s): a sleep that missed
    queue 0's kick lasts longer than a window, so a window shows no
    growth."""
    def delta(key):
        return [b - a for a, b in zip(qstats(x0, key), qstats(x1, key))]
    pk, arms = delta("packets"), delta("arms")
    hits, sleeps = delta("arm_rechecks_hit"), delta("sleeps")
    timeouts = delta("sleep_timeouts")
    empty_arms0 = arms[0] - hits[0]
    print("%s: rx per %.1f s window %s; per queue: packets %s, arms %s, "
          "rechecks hit %s, sleeps %s, timeouts %s" % (
              where, WINDOW_S, grow, pk, arms, hits, sleeps, timeouts))
    # Under steady traffic every sleep ends by queue 0's kick; only
    # adaptive also ends its batches' sleeps by a timer of its own.
    if mode != "adaptive":
        check(sum(timeouts) == 0,
              "%s: %s sleep(s) ran to the %d us bound while queue 0 had "
              "traffic: a kick was lost" % (where, timeouts,
                                           h.SLEEP_MAX_US))
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
    # A sleep of the lcore needs queue 0 armed with an empty recheck: one
    # such arm at least per sleep, or queue 1 alone put it to sleep. One
    # may fall on either side of the last snapshot, read one counter after
    # another while the lcore forwards: queue 0's arm read before it came,
    # the sleep it allowed (counted on queue 1 at once, on queue 0 at its
    # next poll) read after.
    check(max(sleeps) <= empty_arms0 + 1,
          "%s: the lcore slept while rx queue 0 had work: sleeps per queue "
          "%s, but queue 0 armed with an empty recheck only %d times "
          "(arms %d, rechecks hit %d)" % (where, sleeps, empty_arms0,
                                          arms[0], hits[0]))


def check_intr(where, res):
    """An intr_sink run (intr_sink.run()) on a sleeping mode: the
    application sleeps by itself, so rx_burst must never block."""
    xs = res["xstats"]
    check("rx_q0_sleeps" in xs, "%s: intr_sink printed no rx_q0_sleeps "
          "xstat: %s" % (where, xs))
    print("%s: rx_q0 sleeps %d, arms %d" % (where, xs["rx_q0_sleeps"],
                                            xs.get("rx_q0_arms", -1)))
    check(xs["rx_q0_sleeps"] == 0,
          "%s: rx_burst blocked %d times on a port with rx interrupts "
          "configured (the application sleeps by itself)"
          % (where, xs["rx_q0_sleeps"]))
    check(res["wakeups"] > 0, "%s: the application never woke by its rx "
          "interrupt (%d timeouts)" % (where, res["timeouts"]))


def cases(makers):
    """makers: {case: fn(spin_mode)} -> {case_MODE: thunk} for MODES."""
    res = {}
    for case, fn in makers.items():
        for name, mode in MODES.items():
            res["%s_%s" % (case, name)] = (
                lambda f, m: lambda: f(m))(fn, mode)
    return res
