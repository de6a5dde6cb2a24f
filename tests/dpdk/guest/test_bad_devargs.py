# SPDX-License-Identifier: BSD-3-Clause
"""Bad devargs and a missing or refusing backend: testpmd (told to need
one port: --nb-ports=1) exits with status 1, not a signal, and the PMD's
error names the problem.

Cases: unknown key, bad numbers, bad spin_mode, bad or contradictory
spin_us, bad sleep_max_us, bad mac, no path, socket absent, socket
refusing (a socket file nobody listens on).
"""

import os
import socket

from guestlib import check, harness, run

CASES = [
    # devargs (after the name), expected text in the log
    ("path={sock},foo=1", "unknown devarg 'foo'"),
    ("path={sock},queues=abc", "invalid queues 'abc'"),
    ("path={sock},queues=99", "invalid queues '99'"),
    ("path={sock},queue_size=100", "invalid queue_size '100': not a power"),
    ("path={sock},spin_mode=fast", "invalid spin_mode 'fast'"),
    ("path={sock},spin_us=-5", "invalid spin_us '-5'"),
    ("path={sock},mac=zz", "invalid mac 'zz'"),
    ("path={sock},spin_mode=spin:50,spin_us=20", "disagree"),
    ("path={sock},sleep_max_us=0", "invalid sleep_max_us '0'"),
    ("queues=1", "missing devarg path="),
    ("path={absent}", "cannot connect to the vhost-user socket: "
                      "No such file or directory"),
    ("path={refusing}", "cannot connect to the vhost-user socket: "
                        "Connection refused"),
]


def main():
    with harness.private_dir() as d:
        refusing = os.path.join(d, "refusing.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(refusing)  # bound, never listening: connect() is refused
        paths = {"sock": refusing, "absent": os.path.join(d, "absent.sock"),
                 "refusing": refusing}
        for args, expect in CASES:
            args = args.format(**paths)
            rc, log = harness.run_testpmd(
                "bad", vdevs=["net_virtio_spin0," + args],
                plugins=[harness.plugin("virtio")], fwd_lcore=1,
                args=["--nb-ports=1"], timeout=20)
            check(rc == 1, "devargs %r: exit status %s, expected 1\n%s"
                  % (args, rc, log[-1500:]))
            check(expect in log, "devargs %r: no %r in the log:\n%s"
                  % (args, expect, log[-1500:]))
            print("ok: %-40s -> %s" % (args.replace(d, "<dir>"), expect))
        s.close()


run(main)
