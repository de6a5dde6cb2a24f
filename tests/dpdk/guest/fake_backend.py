# SPDX-License-Identifier: BSD-3-Clause
"""A small vhost-user backend (server side) in Python for the guest tests
that need a backend which is slow, silent or misbehaving on purpose.

    be = FakeBackend(path, rule=lambda conn, req: ...)
    be.start()          # listens on path, serves connections in a thread
    ...
    be.send_raw(b"x")   # bytes the frontend did not ask for
    be.stop()

By default it answers like a well-behaved net backend: GET_FEATURES,
GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_VRING_BASE get a reply; any
message with NEED_REPLY gets status 0. File descriptors that come with a
message (SCM_RIGHTS: memory regions, kick and call eventfds) are received
and closed. rule(conn, req) is asked before each answer (conn counts the
accepted connections from 1) and returns None (default answer) or one of
    ("sleep", seconds)   wait, then give the default answer
    ("status", n)        REPLY_ACK with status n
    "silent"             never answer this (the connection stays open)
    "close"              close the connection instead of answering
The backend records (conn, request name) of every message in .requests.
"""

import array
import socket
import struct
import threading
import time

VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
NAMES = {
    1: "GET_FEATURES", 2: "SET_FEATURES", 3: "SET_OWNER",
    5: "SET_MEM_TABLE", 8: "SET_VRING_NUM", 9: "SET_VRING_ADDR",
    10: "SET_VRING_BASE", 11: "GET_VRING_BASE", 12: "SET_VRING_KICK",
    13: "SET_VRING_CALL", 15: "GET_PROTOCOL_FEATURES",
    16: "SET_PROTOCOL_FEATURES", 17: "GET_QUEUE_NUM",
    18: "SET_VRING_ENABLE",
}
CODES = {v: k for k, v in NAMES.items()}
# VERSION_1, PROTOCOL_FEATURES, EVENT_IDX, MRG_RXBUF
FEATURES = (1 << 32) | (1 << 30) | (1 << 29) | (1 << 15)
PF_REPLY_ACK = 1 << 3


def _recv_exact(conn, n):
    """n bytes (None at EOF); descriptors that come along are closed."""
    buf = b""
    while len(buf) < n:
        data, anc, _, _ = conn.recvmsg(n - len(buf), socket.CMSG_SPACE(
            8 * 4))
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                for fd in fds:
                    try:
                        socket.close(fd)
                    except OSError:
                        pass
        if not data:
            return None
        buf += data
    return buf


class FakeBackend:
    def __init__(self, path, rule=None, features=FEATURES,
                 protocol_features=PF_REPLY_ACK):
        self.path = path
        self.rule = rule or (lambda conn, req: None)
        self.features = features
        self.protocol_features = protocol_features
        self.requests = []
        self.conns = 0
        self._conn = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        self._listener.listen(4)
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(15)
        self._listener.close()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def seen(self, name, conn=None):
        return any(r == name and (conn is None or c == conn)
                   for c, r in list(self.requests))

    def send_raw(self, data):
        with self._lock:
            if self._conn is None:
                raise RuntimeError("fake backend: no connection")
            self._conn.sendall(data)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns += 1
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                self._conn = conn
            self._talk(conn, self.conns)
            with self._lock:
                if self._conn is conn:
                    self._conn = None
            conn.close()

    def _talk(self, conn, n):
        conn.settimeout(0.2)
        hdr = b""
        while not self._stop.is_set():
            try:
                part = _recv_exact(conn, 12 - len(hdr))
            except socket.timeout:
                continue
            except OSError:
                return
            if part is None:
                return
            hdr += part
            req, flags, size = struct.unpack("<III", hdr)
            hdr = b""
            conn.settimeout(5)
            try:
                body = _recv_exact(conn, size) if size else b""
            except OSError:
                return
            conn.settimeout(0.2)
            if body is None:
                return
            name = NAMES.get(req, str(req))
            self.requests.append((n, name))
            action = self.rule(n, name)
            if action == "close":
                return
            if action == "silent":
                continue
            if isinstance(action, tuple) and action[0] == "sleep":
                if self._stop.wait(action[1]):
                    return
            reply = self._answer(req, flags, body, action)
            if reply is not None:
                try:
                    conn.sendall(reply)
                except OSError:
                    return

    def _answer(self, req, flags, body, action):
        def u64(v):
            return struct.pack("<IIIQ", req, VERSION | REPLY, 8, v)

        name = NAMES.get(req)
        if name == "GET_FEATURES":
            return u64(self.features)
        if name == "GET_PROTOCOL_FEATURES":
            return u64(self.protocol_features)
        if name == "GET_QUEUE_NUM":
            return u64(1)
        if name == "GET_VRING_BASE":
            index = struct.unpack("<I", body[:4])[0]
            return struct.pack("<IIIII", req, VERSION | REPLY, 8, index, 0)
        if flags & NEED_REPLY:
            status = 0
            if isinstance(action, tuple) and action[0] == "status":
                status = action[1]
            return u64(status)
        return None


def wait_until(cond, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
