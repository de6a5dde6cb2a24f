# SPDX-License-Identifier: BSD-3-Clause
"""Bad input to net_vhost_spin gets a clear error and no port, no crash.

Case socket: server socket paths that cannot work (a missing directory, a
  path in use by a live server, one whose server accepts nothing (its
  backlog full), a regular file, a read-only file system; a stale socket
  file is replaced), client=1 on a regular file or a directory, and
  a path used twice in one process, also spelt two ways (d/s.sock and
  d/./s.sock). Each must fail the probe with a
  message naming the problem; testpmd itself must stay up.
Case devargs: each bad devarg must be rejected with a message naming the
  key or value: the first at start-up (--vdev), the others attached to
  one running testpmd ("port attach"); no port is left.
"""

import os
import socket
import subprocess

import hostlib as hl
from hostlib import check


def expect_error(vdevs, want, what):
    """Start a host testpmd with vdevs; its log must contain every string
    of want, and no port may exist."""
    t = hl.h.Testpmd("host", vdevs=vdevs, plugins=[hl.h.plugin("vhost_spin")],
                     fwd_lcore=1)
    with t:
        out = t.cmd("show port summary all")
        log = t.log
    for w in want:
        check(w in log, "%s: no %r in the log; log tail:\n%s" % (
            what, w, log[-1500:]))
    print("%s: rejected (%s)" % (what, want[0]))
    return out, log


def vdev(sock, extra=""):
    return "net_vhost_spin0,iface=%s%s" % (sock, extra)


def socket_errors():
    with hl.h.private_dir() as d:
        out, _ = expect_error([vdev(d + "/no/such/dir.sock")],
                              ["does not exist", "not created"],
                              "missing directory")
        check("net_vhost_spin0" not in out,
              "a port exists although its socket cannot be created: " + out)

        # A socket nobody listens on (a server that died) is replaced.
        stale = d + "/stale.sock"
        s = socket.socket(socket.AF_UNIX)
        s.bind(stale)
        s.close()  # the file stays, nobody listens
        with hl.h.Testpmd("stale", vdevs=[vdev(stale)],
                          plugins=[hl.h.plugin("vhost_spin")],
                          fwd_lcore=1) as t:
            out = t.cmd("show port summary all")
            log = t.log
        check("removed a stale socket" in log and "not created" not in log
              and "net_vhost_spin0" in out,
              "a stale socket file was not replaced: %s\n%s" % (
                  out, log[-800:]))
        print("stale socket file: replaced, port created")

        regular = d + "/file"
        open(regular, "w").close()
        expect_error([vdev(regular)], ["not a socket", "not created"],
                     "regular file")
        # In client mode the library retried there every second, silently.
        for what, path in (("regular file", regular), ("directory", d)):
            expect_error([vdev(path, ",client=1")],
                         ["exists and is not a socket (client=1",
                          "not created"], "client=1 on a " + what)

        busy = d + "/busy.sock"
        with hl.h.Testpmd("owner", vdevs=[vdev(busy)],
                          plugins=[hl.h.plugin("vhost_spin")],
                          fwd_lcore=0):
            check(os.path.exists(busy), "the first server made no socket")
            expect_error([vdev(busy)], ["busy", "not created"],
                         "socket of a live server")

        # A live server that accepts nothing (stopped, hung): its backlog
        # full, a blocking connect() to it waits for ever, and held the
        # probe (OVS's main thread) with it.
        full = d + "/full.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(full)
            listener.listen(0)
            waiting.connect(full)  # the one place the backlog has
            expect_error([vdev(full)], ["busy", "not created"],
                         "socket of a server whose backlog is full")
        finally:
            waiting.close()
            listener.close()

        # A directory bind() refuses (a read-only file system): said
        # before the vhost library's start, whose bind failure closes its
        # socket twice (DPDK 22.11). Mounting needs root (as the suite
        # runs on CI).
        if os.geteuid() == 0:
            ro = d + "/ro"
            os.mkdir(ro)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k",
                            "vspin-ro", ro], check=True)
            try:
                _, log = expect_error(
                    [vdev(ro + "/x.sock")],
                    ["cannot bind a socket in %s: Read-only file system"
                     % ro, "not created"], "read-only file system")
            finally:
                if subprocess.run(["umount", "-l", ro]).returncode != 0:
                    print("warning: %s is still mounted" % ro)
            check("failed to bind" not in log, "the vhost library met the "
                  "bind failure itself:\n" + log[-1500:])
        else:
            print("read-only file system: not tried (mounting needs root)")

        twice = d + "/twice.sock"
        expect_error([vdev(twice), "net_vhost_spin1,iface=" + twice],
                     ["already used by another port"], "one path, two ports")
        # The same file spelt otherwise: not taken for another process's
        # server (the check would connect to port 0's socket).
        other = d + "/./twice.sock"
        _, log = expect_error([vdev(twice), "net_vhost_spin1,iface=" + other],
                              ["iface %s: already used by another port "
                               "(iface %s)" % (other, twice)],
                              "one socket file spelt two ways, two ports")
        check("busy" not in log, "the second port connected to the first's "
              "socket:\n" + log[-1500:])


def devargs_errors():
    """The first bad devarg at start-up (EAL --vdev), the others attached
    one by one to one running testpmd ("port attach", rte_dev_probe(), as
    OVS adds a port): each must fail with its message and leave no
    port."""
    with hl.h.private_dir() as d:
        sock = d + "/x.sock"
        bad = [(",foo=1", "unknown devarg 'foo'"),
               (",spin_mode=fast", "invalid spin_mode 'fast'"),
               (",spin_mode=budget:0", "invalid spin_mode 'budget:0'"),
               (",queues=0", "invalid queues '0'"),
               (",queues=x", "invalid queues 'x'"),
               (",queues=129", "invalid queues '129': expected 1 to 128"),
               (",client=2", "invalid client '2'"),
               (",sleep_max_us=0", "invalid sleep_max_us '0'"),
               (",spin_us=-5", "invalid spin_us '-5'"),
               (",spin_mode=spin:10,spin_us=20", "disagree"),
               (",spin_mode=budget:5,spin_us=50", "spin_us applies to"),
               (",spin_mode=notify,latency_us=100",
                "latency_us applies to"),
               (",sleep_max_us=500", "sleep_max_us applies to"),
               (",queues=1,queues=2", "given twice"),
               (",sleep=maybe", "invalid sleep 'maybe'"),
               (",latency_us=0", "invalid latency_us '0'"),
               # rte_kvargs read "a=b=c" as "b=c": another key.
               (",spin_us=sleep=never", "has more than one '='"),
               (",queues=8=client=1", "has more than one '='")]
        extra, want = bad[0]
        expect_error([vdev(sock, extra)], [want], "devargs " + extra)
        # A new name each time: a device whose probe failed stays known
        # to the vdev bus, unprobed.
        devs = [("net_vhost_spin%d,iface=%s%s" % (i, sock, extra), want,
                 "devargs " + extra) for i, (extra, want) in
                enumerate(bad[1:], 1)]
        devs += [("net_vhost_spin20,queues=1", "'iface'", "no iface"),
                 ("net_vhost_spin21,iface=" + "/x" * 60, "invalid iface",
                  "long iface")]
        with hl.h.Testpmd("host", plugins=[hl.h.plugin("vhost_spin")],
                          fwd_lcore=1) as t:
            for dev, want, what in devs:
                t.attach_fails(dev, want)
                print("%s: rejected at attach (%s)" % (what, want))
            out = t.cmd("show port summary all")
            check("net_vhost_spin" not in out,
                  "a port exists after only failed attaches:\n" + out)


CASES = {
    "socket": socket_errors,
    "devargs": devargs_errors,
}

if __name__ == "__main__":
    hl.main(CASES)
