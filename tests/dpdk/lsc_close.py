# SPDX-License-Identifier: BSD-3-Clause
"""lsc_close (tests/dpdk/lsc_close.c) on one of our ports: an application
that stops and closes its port from the link-state callback the first time
the link comes up.

run(d, plugin, vdev, sock, peer, event="lsc")
    Start lsc_close on lcore 1 (--no-huge, its log in d) with one --vdev
    whose vhost-user socket is sock, wait up to 10 s for the socket and
    for its port to start ("ready"), then start peer() (a context
    manager: the other side's testpmd) and wait for lsc_close to exit.
    Checks that it printed "closed from the callback (status 0)" and
    exited 0 (it gives up after 20 s: "no close within 20 s", exit 1).
    event "queue_state": the close comes from the first queue state
    event, after a read of rx queue 0's count.
"""

import os
import subprocess
import time

import harness as h


def _read(log):
    log.seek(0)
    return log.read()


def run(d, plugin, vdev, sock, peer, event="lsc"):
    app = h.test_program("VSPIN_LSC_CLOSE", "tests/dpdk/lsc_close")
    argv = [app, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
            "--file-prefix", "lsc-close-%d" % os.getpid(), "-d", plugin,
            "--vdev", vdev, "--", "20", event]
    rc = None
    with open(os.path.join(d, "lsc_close.log"), "w+") as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            # Its port started: the callback closes no port mid-set-up.
            deadline = time.monotonic() + 10
            while not (os.path.exists(sock) and "ready" in _read(log)):
                h.check(time.monotonic() < deadline and p.poll() is None,
                        "lsc_close made no socket or did not start its "
                        "port:\n" + _read(log)[-2000:])
                time.sleep(0.05)
            with peer():
                rc = p.wait(30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            h.remove_eal_files(h.file_prefix(argv))
        out = _read(log)
    h.check(rc == 0 and "closed from the callback (status 0)" in out,
            "the application's stop and close from its %s "
            "callback: exit status %s\n%s" % (event, rc, out[-2000:]))
