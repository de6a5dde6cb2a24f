# SPDX-License-Identifier: BSD-3-Clause
"""Rx interrupts of net_virtio_spin lose no wake-up.

Guest: intr_sink (tests/dpdk/host/intr_sink.c, built there: an
l3fwd-power-style loop: poll; when empty rte_eth_dev_rx_intr_enable,
rte_epoll_wait up to 1 s, disable) on net_virtio_spin. Host: testpmd with
stock net_vhost sends 10 bursts of 32 (start tx_first / stop), one every
0.2 s; the host's call eventfd write is what must wake the sink, which
runs until SIGTERM.
Pass: all 320 packets arrive; no epoll timeout is followed by a poll
that finds packets (a lost wake-up); every burst woke the sink (at least
10 wake-ups); the sink slept between bursts (fewer than 200 wake-ups).
"""

import os
import re
import signal
import subprocess
import time

from guestlib import check, harness, run, sock_path, vhost_pmd

BURSTS = 10


def main():
    sink = os.path.join(harness.build_dir(), "tests/dpdk/host/intr_sink")
    check(os.path.isfile(sink), "intr_sink not built: " + sink)
    with harness.private_dir() as d, vhost_pmd(d, "io") as host:
        argv = [sink, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", "gsink-%d" % os.getpid(),
                "-d", harness.plugin("virtio"),
                "--vdev", "net_virtio_spin0,path=" + sock_path(d),
                "--", str(32 * BURSTS), "25"]
        with open(os.path.join(d, "sink.log"), "w+") as log:
            p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            try:
                host.wait_link_up(0)
                time.sleep(0.5)  # the sink is asleep in epoll now
                for _ in range(BURSTS):
                    host.cmd("start tx_first")
                    time.sleep(0.2)
                    host.stop_fwd()
                time.sleep(0.5)
                # The sink runs until told to stop (or its 25 s are up).
                p.send_signal(signal.SIGTERM)
                rc = p.wait(30)
            except subprocess.TimeoutExpired:
                rc = None
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                harness.remove_eal_files(harness.file_prefix(argv))
            log.seek(0)
            out = log.read()
    m = re.search(r"rx (\d+) wakeups (\d+) timeouts (\d+) lost (\d+)", out)
    check(m is not None, "intr_sink printed no result (exit %s):\n%s"
          % (rc, out[-2000:]))
    rx, wakeups, timeouts, lost = map(int, m.groups())
    print("intr_sink: %d packets, %d wake-ups, %d timeouts, %d lost"
          % (rx, wakeups, timeouts, lost))
    check(rc == 0 and rx >= 32 * BURSTS,
          "received %d of %d packets (exit %s)" % (rx, 32 * BURSTS, rc))
    check(lost == 0, "%d lost wake-ups: epoll timed out with packets "
          "waiting" % lost)
    # Bursts 0.2 s apart, the sink asleep in between (epoll bounded by 1 s):
    # every burst's notification must have woken it.
    check(wakeups >= BURSTS, "%d wake-ups (and %d epoll timeouts) for %d "
          "bursts: a burst did not wake the sleeping sink"
          % (wakeups, timeouts, BURSTS))
    check(wakeups < 200, "%d wake-ups for %d bursts: the sink never slept"
          % (wakeups, BURSTS))


run(main)
