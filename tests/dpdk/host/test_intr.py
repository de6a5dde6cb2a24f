# SPDX-License-Identifier: BSD-3-Clause
"""Rx interrupts of net_vhost_spin lose no wake-up.

Host: intr_sink (an l3fwd-power-style loop: poll; when empty enable the rx
interrupt, rte_epoll_wait up to 1 s, disable) on net_vhost_spin in poll
mode. Guest: testpmd (stock virtio_user, or net_virtio_spin with
EVENT_IDX) sends 10 bursts of 32, one every 0.2 s.
Pass: all 320 packets arrive; no epoll timeout is followed by a poll that
finds packets (a lost wake-up); every burst woke the sink (at least 10
wake-ups); and the sink slept between bursts (fewer than 200 wake-ups,
where an fd left readable would wake it non-stop).
"""

import os
import re
import signal
import subprocess
import time

import hostlib as hl
from hostlib import check

BURSTS = 10


def intr(guest_kind):
    sink = hl.h.test_program("VSPIN_INTR_SINK", "tests/dpdk/host/intr_sink")
    plugin = hl.h.plugin("vhost_spin")
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        argv = [sink, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", "sink-%d" % os.getpid(), "-d", plugin,
                "--vdev", "net_vhost_spin0,iface=%s" % sock,
                "--", str(32 * BURSTS), "60"]
        log = open(d + "/sink.log", "w+")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            if not hl.wait_until("socket", lambda: os.path.exists(sock),
                                 10):
                log.seek(0)
                raise hl.Fail("intr_sink made no socket:\n" + log.read())
            gmode = "poll" if guest_kind == "ours" else None
            with hl.guest(guest_kind, sock, gmode) as G:
                G.wait_link_up(0)
                G.cmd("set fwd io")
                time.sleep(0.5)  # the sink is asleep in epoll now
                for _ in range(BURSTS):
                    G.cmd("start tx_first")
                    time.sleep(0.2)
                    G.stop_fwd()
                time.sleep(0.5)
            # The frontend is gone: let the sink report.
            p.send_signal(signal.SIGINT)
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        except hl.h.HarnessError as e:
            p.terminate()
            p.wait(10)
            log.seek(0)
            raise hl.Fail("%s\n--- intr_sink log ---\n%s" % (
                e, log.read()[-3000:]))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            hl.h.remove_eal_files(hl.h.file_prefix(argv))
            log.seek(0)
            out = log.read()
            log.close()
    m = re.search(r"rx (\d+) wakeups (\d+) timeouts (\d+) lost (\d+)", out)
    check(m is not None, "intr_sink printed no result (exit %s):\n%s" % (
        rc, out[-2000:]))
    rx, wakeups, timeouts, lost = map(int, m.groups())
    print("intr_sink: %d packets, %d wake-ups, %d timeouts, %d lost" % (
        rx, wakeups, timeouts, lost))
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


CASES = {
    "stock_guest": lambda: intr("stock"),
    "ours_guest": lambda: intr("ours"),
}

if __name__ == "__main__":
    hl.main(CASES)
