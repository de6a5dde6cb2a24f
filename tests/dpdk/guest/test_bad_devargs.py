# SPDX-License-Identifier: BSD-3-Clause
"""Bad devargs and a missing or refusing backend: the PMD's error names
the problem. At start-up (--vdev; a parse error, no path, no socket, a
refusing socket) testpmd, told to need one port (--nb-ports=1), exits with
status 1, not a signal; the other parse errors are attached one by one to
one running testpmd ("port attach"), each failing, no port left.

Cases: unknown key, bad numbers, bad spin_mode, bad or contradictory
spin_us, bad sleep_max_us, bad reply_timeout_ms, bad mac, an item with two
'=' (which rte_kvargs reads as another key), no path, socket absent,
socket refusing (a socket file nobody listens on), a path that is a
regular file or a directory (client and server mode).

Case keep_stdin (argv[1] == "bad_devargs_keep_stdin"): an interactive
testpmd with a good net_null0 port attaches net_virtio_spin1 with a bad
devarg; the attach fails, and testpmd's stdin (fd 0, a pipe) is still the
same pipe and testpmd still answers commands (the failed probe used to
close fds 0 of its zero-filled eventfd arrays).
"""

import os
import socket
import sys

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
    ("path={sock},mac=ff:ff:ff:ff:ff:ff",
     "invalid mac 'ff:ff:ff:ff:ff:ff': not a unicast"),
    ("path={sock},mac=00:00:00:00:00:00", "invalid mac '00:00:00:00:00:00'"),
    ("path={sock},spin_mode=notify,spin_us=20", "spin_us applies to"),
    ("path={sock},spin_mode=spin,latency_us=100", "latency_us applies to"),
    ("path={sock},spin_mode=spin:50,spin_us=20", "disagree"),
    ("path={sock},sleep_max_us=0", "invalid sleep_max_us '0'"),
    ("path={sock},spin_us=10,spin_us=20", "devarg 'spin_us' given twice"),
    ("path={sock},sleep=maybe", "invalid sleep 'maybe'"),
    ("path={sock},latency_us=0", "invalid latency_us '0'"),
    ("path={sock},reply_timeout_ms=99", "invalid reply_timeout_ms '99'"),
    ("path={sock},reply_timeout_ms=3600001",
     "invalid reply_timeout_ms '3600001'"),
    # rte_kvargs read "a=b=c" as "b=c": another key than the user's.
    ("path={sock},spin_us=spin_mode=adaptive",
     "devarg 'spin_us=spin_mode=adaptive' has more than one '='"),
    ("queues=1=path={sock}", "has more than one '='"),
    ("queues=1", "missing devarg path="),
    ("path={absent}", "cannot connect to the vhost-user socket: "
                      "No such file or directory"),
    ("path={refusing}", "cannot connect to the vhost-user socket: "
                        "Connection refused"),
    # A regular file or a directory: connect() says "Connection refused",
    # bind() "Address already in use".
    ("path={regular}", "cannot connect to the vhost-user socket: it "
                       "exists and is not a socket"),
    ("path={dir}", "cannot connect to the vhost-user socket: it exists "
                   "and is not a socket"),
    ("path={regular},server=1", "exists and is not a socket (left alone)"),
]


def keep_stdin():
    with harness.private_dir() as d:
        with harness.Testpmd("stdin", vdevs=["net_null0"],
                             plugins=[harness.plugin("virtio")],
                             fwd_lcore=1) as t:
            fd0 = "/proc/%d/fd/0" % t.pid
            before = os.readlink(fd0)
            t.attach_fails("net_virtio_spin1,path=%s,queues=abc"
                           % os.path.join(d, "x.sock"))
            check(os.path.exists(fd0),
                  "testpmd's fd 0 is closed after the failed probe")
            after = os.readlink(fd0)
            check(after == before, "testpmd's fd 0 was %s, is now %s"
                  % (before, after))
            out = t.cmd("show port summary all")
            check("net_null0" in out and "Number of available ports: 1"
                  in out, "testpmd answers oddly after the failed attach: "
                  "%r" % out)
            print("ok: fd 0 still %s, testpmd answers" % after)


# Run at start-up, each its own testpmd: a parse error, and the errors met
# after the parse (no path, no socket, a refusing socket), which undo
# more. The other parse errors are attached to one running testpmd.
AT_STARTUP = {"path={sock},foo=1", "queues=1", "path={absent}",
              "path={refusing}", "path={regular}"}


def startup(args, expect):
    rc, log = harness.run_testpmd(
        "bad", vdevs=["net_virtio_spin0," + args],
        plugins=[harness.plugin("virtio")], fwd_lcore=1,
        args=["--nb-ports=1"], timeout=20)
    check(rc == 1, "devargs %r: exit status %s, expected 1\n%s"
          % (args, rc, log[-1500:]))
    check(expect in log, "devargs %r: no %r in the log:\n%s"
          % (args, expect, log[-1500:]))


def main():
    if sys.argv[1:] == ["bad_devargs_keep_stdin"]:
        keep_stdin()
        return
    with harness.private_dir() as d:
        refusing = os.path.join(d, "refusing.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(refusing)  # bound, never listening: connect() is refused
        regular = os.path.join(d, "file")
        open(regular, "w").close()
        paths = {"sock": refusing, "absent": os.path.join(d, "absent.sock"),
                 "refusing": refusing, "regular": regular, "dir": d}
        later = []
        for raw, expect in CASES:
            args = raw.format(**paths)
            if raw not in AT_STARTUP:
                later.append((args, expect))
                continue
            startup(args, expect)
            print("ok: %-40s -> %s (start-up: exit 1)"
                  % (args.replace(d, "<dir>"), expect))
        with harness.Testpmd("bad", plugins=[harness.plugin("virtio")],
                             fwd_lcore=1) as t:
            for n, (args, expect) in enumerate(later):
                t.attach_fails("net_virtio_spin%d,%s" % (n, args), expect)
                print("ok: %-40s -> %s (attach)"
                      % (args.replace(d, "<dir>"), expect))
            out = t.cmd("show port summary all")
            check("Number of available ports: 0" in out,
                  "a port exists after only failed attaches: %r" % out)
        s.close()


run(main)
