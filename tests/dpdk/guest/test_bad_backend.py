# SPDX-License-Identifier: BSD-3-Clause
"""A backend that misbehaves during the vhost-user handshake: the probe of
net_virtio_spin fails with an error naming the message, testpmd (told to
need one port: --nb-ports=1) exits with status 1, and nothing crashes.

The backend is a small vhost-user server written here (Python), replying
to GET_FEATURES wrongly in each case:
  wrong_size     a 4-byte payload where a u64 is due
  wrong_request  the reply carries another request code
  no_reply_flag  the reply lacks the REPLY flag
  closes         the backend closes the socket instead of answering
  silent         the backend never answers; with reply_timeout_ms=1000
                 the probe fails within seconds (not the 30 s default)
  refuses_ack    every REPLY_ACK says failure (status 1): the first
                 message asking for one is reported as refused

Cases with their own argv[1] (fake_backend.FakeBackend, an interactive
guest testpmd):
  bad_backend_slow_reply   the backend takes 5 s over SET_MEM_TABLE, once
                           with REPLY_ACK (the ack is late) and once
                           without (the next GET_FEATURES answer is late):
                           the default reply_timeout_ms (30 s) waits, the
                           probe succeeds and the link comes up.
"""

import os
import socket
import struct
import sys
import threading
import time

from fake_backend import FakeBackend, PF_REPLY_ACK
from guestlib import check, harness, run

GET_FEATURES = 1
GET_PROTOCOL_FEATURES = 15
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
FEATURES = (1 << 32) | (1 << 30) | (1 << 29) | (1 << 15)
PROTOCOL_FEATURES = 1 << 3  # REPLY_ACK

CASES = {
    "wrong_size": "bad reply to GET_FEATURES",
    "wrong_request": "bad reply to GET_FEATURES",
    "no_reply_flag": "bad reply to GET_FEATURES",
    "closes": "no reply to GET_FEATURES",
    "silent": "no reply to GET_FEATURES within 1000 ms",
    "refuses_ack": "backend refused SET_FEATURES",
}


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        data, _, _, _ = conn.recvmsg(n - len(buf), socket.CMSG_SPACE(64))
        if not data:
            return None
        buf += data
    return buf


def serve(listener, case, done):
    conn, _ = listener.accept()
    conn.settimeout(10)
    try:
        while True:
            hdr = recv_exact(conn, 12)
            if hdr is None:
                break
            req, flags, size = struct.unpack("<III", hdr)
            if size and recv_exact(conn, size) is None:
                break
            if req == GET_FEATURES:
                if case == "closes":
                    break
                if case == "silent":
                    done.wait(10)
                    break
                rflags, rreq, body = VERSION | REPLY, req, \
                    struct.pack("<Q", FEATURES)
                if case == "wrong_size":
                    body = body[:4]
                elif case == "wrong_request":
                    rreq = req + 1
                elif case == "no_reply_flag":
                    rflags = VERSION
                conn.sendall(struct.pack("<III", rreq, rflags, len(body))
                             + body)
            elif req == GET_PROTOCOL_FEATURES:
                conn.sendall(struct.pack("<IIIQ", req, VERSION | REPLY, 8,
                                         PROTOCOL_FEATURES))
            elif flags & NEED_REPLY:
                status = 1 if case == "refuses_ack" else 0
                conn.sendall(struct.pack("<IIIQ", req, VERSION | REPLY, 8,
                                         status))
    except OSError:
        pass
    finally:
        conn.close()


DEVARGS = {"silent": ",reply_timeout_ms=1000"}


def guest(path, devargs="", name="guest"):
    return harness.Testpmd(
        name, vdevs=["net_virtio_spin0,path=" + path + devargs],
        plugins=[harness.plugin("virtio")], fwd_lcore=1,
        log_levels=["pmd.net.virtio_spin:debug"], timeout=60)


def slow_reply():
    with harness.private_dir() as d:
        for pf in (PF_REPLY_ACK, 0):
            what = "with REPLY_ACK" if pf else "without REPLY_ACK"
            path = os.path.join(d, "slow%d.sock" % pf)
            slow = lambda conn, req: (("sleep", 5.0)  # noqa: E731
                                      if req == "SET_MEM_TABLE" else None)
            with FakeBackend(path, rule=slow, protocol_features=pf) as be:
                t0 = time.monotonic()
                with guest(path) as g:
                    g.wait_link_up(0, timeout=30)
                    took = time.monotonic() - t0
                    check(be.seen("SET_VRING_KICK"),
                          "%s: link up but the backend got no "
                          "SET_VRING_KICK: %r" % (what, be.requests))
                    check("no reply" not in g.log,
                          "%s: the guest gave up waiting:\n%s"
                          % (what, g.log[-1500:]))
                    print("ok: %s, link up after %.1f s" % (what, took))


def main():
    if sys.argv[1] == "bad_backend_slow_reply":
        slow_reply()
        return
    with harness.private_dir() as d:
        for case, expect in CASES.items():
            path = os.path.join(d, case + ".sock")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(1)
            done = threading.Event()
            t = threading.Thread(target=serve, args=(listener, case, done),
                                 daemon=True)
            t.start()
            t0 = time.monotonic()
            rc, log = harness.run_testpmd(
                "badbe",
                vdevs=["net_virtio_spin0,path=" + path
                       + DEVARGS.get(case, "")],
                plugins=[harness.plugin("virtio")], fwd_lcore=1,
                args=["--nb-ports=1"], timeout=30)
            took = time.monotonic() - t0
            done.set()
            t.join(15)
            listener.close()
            check(rc == 1, "%s: exit status %s, expected 1\n%s"
                  % (case, rc, log[-1500:]))
            check(expect in log, "%s: no %r in the log:\n%s"
                  % (case, expect, log[-1500:]))
            # Bounds far from the values, against a loaded machine.
            check(case != "silent" or took < 15,
                  "silent: reply_timeout_ms=1000 but the probe took %.1f s"
                  % took)
            print("ok: %-14s -> %s (%.1f s)" % (case, expect, took))


run(main)
