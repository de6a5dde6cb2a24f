# SPDX-License-Identifier: BSD-3-Clause
"""intr_sink on one of our ports, woken by bursts from a testpmd peer: the
rx-interrupt cases of host/test_intr.py, guest/test_rx_intr.py and both
sleep-safety tests.

intr_sink (tests/dpdk/host/intr_sink.c) is an l3fwd-power-style loop on
lcore 1: poll; when the queue is empty, enable its rx interrupt,
rte_epoll_wait up to 1 s, disable. At SIGINT it prints "rx N wakeups N
timeouts N lost N most N" (lost: an epoll timeout followed by a poll that
found packets, a wake-up that never came; most: the most packets received
between two sleeps, over 32 when a burst's wake-up was lost and the next
burst's came) and "xstat NAME VALUE" lines.

BURSTS
    bursts of 32 packets the peer sends, 0.2 s apart
run(d, prefix, plugin, vdev, drive, where, sink_args=()) -> dict
    intr_sink with one --vdev (--no-huge, its log in d) and sink_args
    after its count and time limit (pool=N, hold), drive() called
    while it runs, then SIGINT. Returns rx, wakeups, timeouts, lost and
    xstats (a dict), once it is checked that intr_sink reported, exited
    0, received exactly 32 x BURSTS packets and lost no wake-up (no
    timeout with packets waiting, no awake period with two bursts).
run_sink(d, prefix, plugin, vdev, drive, where, expected, sink_args=())
        -> dict
    the same run, checked only for a report and exit 0 (at least
    `expected` packets received): for peers that do not send BURSTS.
wait_socket(path)
    wait up to 10 s for intr_sink's vhost-user server socket
send_bursts(tp)
    the BURSTS bursts from a stopped testpmd tp: start tx_first, stop
check_every_burst_woke(res)
    a run's sink was woken by every burst (BURSTS wake-ups or more) and
    slept between them (fewer than 200: an fd left readable would wake it
    without end)
"""

import os
import re
import signal
import subprocess
import time

import harness as h

BURSTS = 10
SECONDS = 60  # intr_sink's own limit, should SIGINT never come


def run(d, prefix, plugin, vdev, drive, where, sink_args=()):
    res = run_sink(d, prefix, plugin, vdev, drive, where, 32 * BURSTS,
                   sink_args)
    h.check(res["rx"] == 32 * BURSTS, "%s: received %d packets, %d sent"
            % (where, res["rx"], 32 * BURSTS))
    h.check(res["lost"] == 0, "%s: %d lost wake-ups: epoll timed out with "
            "packets waiting" % (where, res["lost"]))
    # Bursts come 0.2 s apart: an awake period that took more than one
    # slept through a burst, woken only by the next one.
    h.check(res["most"] <= 32, "%s: %d packets received between two "
            "sleeps, more than a burst of 32: a burst's wake-up was lost "
            "and the next burst's woke the sink" % (where, res["most"]))
    return res


def run_sink(d, prefix, plugin, vdev, drive, where, expected, sink_args=()):
    sink = h.test_program("VSPIN_INTR_SINK", "tests/dpdk/host/intr_sink")
    argv = [sink, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
            "--file-prefix", "%s-%d" % (prefix, os.getpid()), "-d", plugin,
            "--vdev", vdev, "--", str(expected), str(SECONDS)]
    argv += sink_args
    with open(os.path.join(d, "sink.log"), "w+") as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        rc = None
        try:
            drive()
            p.send_signal(signal.SIGINT)
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            pass
        except (h.HarnessError, h.Fail) as e:
            p.terminate()
            p.wait(10)
            log.seek(0)
            raise h.Fail("%s: %s\n--- intr_sink log ---\n%s" % (
                where, e, log.read()[-3000:]))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            h.remove_eal_files(h.file_prefix(argv))
        log.seek(0)
        out = log.read()
    m = re.search(r"rx (\d+) wakeups (\d+) timeouts (\d+) lost (\d+) "
                  r"most (\d+)", out)
    h.check(m is not None, "%s: intr_sink printed no result (exit %s):\n%s"
            % (where, rc, out[-2000:]))
    res = dict(zip(("rx", "wakeups", "timeouts", "lost", "most"),
                   map(int, m.groups())))
    res["xstats"] = {k: int(v) for k, v in
                     re.findall(r"^xstat (\S+) (\d+)$", out, re.M)}
    print("%s: intr_sink received %d packets, %d wake-ups, %d timeouts, "
          "%d lost, at most %d between two sleeps" % (
              where, res["rx"], res["wakeups"], res["timeouts"],
              res["lost"], res["most"]))
    h.check(rc == 0, "%s: intr_sink exit %s with %d packets received "
            "(it needs %d)" % (where, rc, res["rx"], expected))
    return res


def wait_socket(path):
    deadline = time.monotonic() + 10
    while not os.path.exists(path):
        h.check(time.monotonic() < deadline, "intr_sink made no socket")
        time.sleep(0.05)


def send_bursts(tp):
    time.sleep(0.5)  # the sink is asleep in epoll now
    for _ in range(BURSTS):
        tp.cmd("start tx_first")
        time.sleep(0.2)
        tp.stop_fwd()
    time.sleep(0.5)


def check_every_burst_woke(res):
    h.check(res["wakeups"] >= BURSTS, "%d wake-ups (and %d epoll timeouts) "
            "for %d bursts: a burst did not wake the sleeping sink"
            % (res["wakeups"], res["timeouts"], BURSTS))
    h.check(res["wakeups"] < 200, "%d wake-ups for %d bursts: the sink "
            "never slept" % (res["wakeups"], BURSTS))
