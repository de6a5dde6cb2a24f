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
    ("raw", bytes)       send these bytes instead of the answer (a
                         malformed reply: wrong request, size, flags...)
    ("raw_fds", bytes, n) the same with n descriptors (/dev/null)
                         attached, where a reply carries none
The backend records (conn, request name) of every message in .requests,
and (conn, request name, payload bytes, rule's action) in .messages; it
keeps a copy of each kick eventfd it was given in .kick_fds[(conn,
vring)] (closed at stop()).

serve=True makes it a device that serves the rings (RingServer): it maps
the guest's memory from SET_MEM_TABLE (the fds, at their offsets; guest
addresses are the guest's virtual addresses), takes SET_VRING_NUM/BASE/
ADDR/CALL/KICK, and from the kick on (polling, every millisecond) puts a
small packet into each rx buffer the guest posts (vring 2q) and gives back
each tx buffer (vring 2q+1), signalling the call eventfd. GET_VRING_BASE
stops the vring and answers where it stopped. .arm(vring, mode) makes
it break one vring of the current connection on purpose, once, after
`after` good entries (see RingServer.MODES); .hostile_done lists the
vrings it has broken, once per break, over every connection.
queues=N answers GET_QUEUE_NUM (and offers MQ when N > 1).
client=True connects to path (a guest with server=1 listens there),
retrying until it is there, instead of listening; one connection.
.avail_flags(vring) reads a served vring's avail->flags.
reverse=True gives each batch of used entries back last head first (what
a device may do without VIRTIO_F_IN_ORDER, which it does not offer).
"""

import array
import ctypes
import mmap
import os
import socket
import struct
import threading
import time

from guestlib import harness  # tests/dpdk on the path

from vu_proto import (F_EVENT_IDX, F_MQ, F_MRG_RXBUF,
                      F_PROTOCOL_FEATURES, F_VERSION_1, NAMES, NEED_REPLY,
                      PF_MQ, PF_REPLY_ACK, REPLY, VERSION)

FEATURES = F_VERSION_1 | F_PROTOCOL_FEATURES | F_EVENT_IDX | F_MRG_RXBUF


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


class Vring:
    """The device's view of one split ring in the guest's memory."""

    def __init__(self):
        self.num = 0
        self.base = 0
        self.addrs = None  # (desc, avail, used) guest addresses
        self.callfd = -1
        self.ready = False
        self.last_avail = 0
        self.used_idx = 0
        self.held = set()  # heads taken from avail, not given back
        self.good = 0  # entries given back
        self.stalled = False  # broken on purpose, until set up again


class RingServer:
    """Serves the rings of one connection (see FakeBackend: serve=True).

    MODES of a hostile vring (rx unless named tx_), each done once:
      bad_id         a used entry with id = ring size + 3
      not_in_flight  a used entry naming a head the guest has not lent
                     (after a pause in which the guest collected all)
      twice          one head given back in two used entries at once
      len            an rx used entry longer than its buffer by 100
      jump           used idx moved ring size + 5 ahead, no entries
      nbuf_ring      an rx header with num_buffers = ring size + 1
      nbuf_used      an rx header with num_buffers = 3, one entry used
      tx_bad_id      a tx used entry with id = ring size + 3
    """

    MODES = ("bad_id", "not_in_flight", "twice", "len", "jump",
             "nbuf_ring", "nbuf_used", "runt_nbuf", "tx_bad_id", "runt")
    # Legal, if odd: the backend goes on serving the vring afterwards.
    KEEP_SERVING = ("runt",)
    HDR = 12  # virtio_net_hdr_mrg_rxbuf
    FRAME = (b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
             + bytes(46))

    def __init__(self, after=200, batch=32, reverse=False):
        self.hostile = {}  # vring -> mode, set by FakeBackend.arm()
        self.after = after
        self.reverse = reverse  # each batch given back last head first
        self.batch = batch
        self.regions = []  # (gpa, size, mmap, anchor, base address)
        self.vrings = {}
        self.done = []  # vrings broken on purpose
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    # -- control messages (the connection's thread) --------------------
    def vring(self, i):
        return self.vrings.setdefault(i, Vring())

    def message(self, name, body, fds):
        """Take what a message says; returns the fds it keeps."""
        with self.lock:
            if name == "SET_MEM_TABLE":
                self._mem_table(body, fds)
                return True
            if name in ("SET_VRING_NUM", "SET_VRING_BASE"):
                i, n = struct.unpack_from("<II", body)
                if name == "SET_VRING_NUM":
                    self.vring(i).num = n
                else:
                    v = self.vring(i)
                    v.base = v.last_avail = v.used_idx = n & 0xffff
                    v.held = set()
                    v.stalled = False
            elif name == "SET_VRING_ADDR":
                i, _, desc, used, avail = struct.unpack_from("<IIQQQ", body)
                self.vring(i).addrs = (desc, avail, used)
            elif name == "SET_VRING_CALL":
                u = struct.unpack_from("<Q", body)[0]
                v = self.vring(u & 0xff)
                if v.callfd >= 0:
                    _close(v.callfd)
                v.callfd = fds.pop(0) if fds and not u & 0x100 else -1
            elif name == "SET_VRING_KICK":
                u = struct.unpack_from("<Q", body)[0]
                self.vring(u & 0xff).ready = True
            elif name == "GET_VRING_BASE":
                i = struct.unpack_from("<I", body)[0]
                v = self.vring(i)
                v.ready = False
                return v.last_avail
        return None

    def _unmap(self):
        for r in self.regions:
            r[3] = None  # the export goes first, then the map can close
            r[2].close()
        self.regions = []

    def _mem_table(self, body, fds):
        self._unmap()
        n = struct.unpack_from("<I", body)[0]
        for k in range(min(n, len(fds))):
            gpa, size, _, off = struct.unpack_from("<QQQQ", body, 8 + 32 * k)
            m = mmap.mmap(fds[k], size, mmap.MAP_SHARED,
                          mmap.PROT_READ | mmap.PROT_WRITE, offset=off)
            anchor = ctypes.c_char.from_buffer(m)
            self.regions.append([gpa, size, m, anchor,
                                 ctypes.addressof(anchor)])
        for fd in fds:
            _close(fd)
        del fds[:]

    def close(self):
        self.stop.set()
        self.thread.join(10)
        with self.lock:
            for v in self.vrings.values():
                if v.callfd >= 0:
                    _close(v.callfd)
            self._unmap()

    # -- guest memory ----------------------------------------------------
    def _region(self, addr, length):
        for r in self.regions:
            if r[0] <= addr and addr + length <= r[0] + r[1]:
                return r
        raise ValueError("guest address 0x%x+%d outside the memory table"
                         % (addr, length))

    def _at(self, addr, length):
        r = self._region(addr, length)
        return r[2], addr - r[0]

    # Ring indexes: one aligned 16-bit load or store (struct would go
    # byte by byte, and the other side would see torn values).
    def _r16(self, addr):
        r = self._region(addr, 2)
        return ctypes.c_uint16.from_address(r[4] + addr - r[0]).value

    def _w16(self, addr, v):
        r = self._region(addr, 2)
        ctypes.c_uint16.from_address(r[4] + addr - r[0]).value = v & 0xffff

    def _used_elem(self, v, slot, head, length):
        m, o = self._at(v.addrs[2] + 4 + 8 * (slot % v.num), 8)
        struct.pack_into("<II", m, o, head, length)

    def _publish(self, v, new_idx):
        self._w16(v.addrs[2] + 2, new_idx)  # x86: after the entries
        v.used_idx = new_idx & 0xffff
        if v.callfd >= 0:
            try:
                os.write(v.callfd, struct.pack("<Q", 1))
            except OSError:
                pass

    # -- the device ------------------------------------------------------
    def _run(self):
        while not self.stop.wait(0.001):
            with self.lock:
                for i, v in sorted(self.vrings.items()):
                    if v.ready and v.addrs and v.num and self.regions:
                        try:
                            self._serve(i, v)
                        except (ValueError, struct.error):
                            v.ready = False

    def _take(self, v):
        """The next head the guest made available, or None."""
        desc, avail, _ = v.addrs
        if v.last_avail == self._r16(avail + 2):
            return None
        head = self._r16(avail + 4 + 2 * (v.last_avail % v.num))
        v.last_avail = (v.last_avail + 1) & 0xffff
        v.held.add(head)
        return head

    def _desc(self, v, head):
        m, o = self._at(v.addrs[0] + 16 * head, 16)
        return struct.unpack_from("<QIHH", m, o)  # addr, len, flags, next

    def _serve(self, i, v):
        mode = self.hostile.get(i)
        if mode and v.good >= self.after:
            self._break(i, v, mode)
            return
        if v.stalled:
            return  # broken on purpose: the guest stopped it
        self._serve_n(i, v, self.batch)

    def _serve_n(self, i, v, limit):
        heads = []
        while len(heads) < limit:
            head = self._take(v)
            if head is None:
                break
            heads.append(head)
        if self.reverse:
            heads.reverse()  # legal without VIRTIO_F_IN_ORDER
        idx = v.used_idx
        for head in heads:
            length = 0
            if i % 2 == 0:
                length = self._fill_rx(v, head, 1)
            self._used_elem(v, idx, head, length)
            v.held.discard(head)
            idx += 1
        if heads:
            v.good += len(heads)
            self._publish(v, idx)

    def _fill_rx(self, v, head, nbuf, extra=0, frame=None):
        addr, length, _, _ = self._desc(v, head)
        pkt = (struct.pack("<BBHHHHH", 0, 0, 0, 0, 0, 0, nbuf)
               + (frame or self.FRAME))
        if length < len(pkt):
            return 0
        m, o = self._at(addr, len(pkt))
        m[o:o + len(pkt)] = pkt
        return len(pkt) + extra

    def _break(self, i, v, mode):
        # Let the guest collect everything first: then the bad entry is
        # the first of its burst and nothing it frees is lent again.
        self.lock.release()
        try:
            time.sleep(0.3)
        finally:
            self.lock.acquire()
        idx = v.used_idx
        if mode == "jump":
            self._publish(v, idx + v.num + 5)
        elif mode in ("bad_id", "tx_bad_id"):
            self._used_elem(v, idx, v.num + 3, 0)
            self._publish(v, idx + 1)
        elif mode == "not_in_flight":
            pending = set()
            desc, avail, _ = v.addrs
            end = self._r16(avail + 2)
            k = v.last_avail
            while k != end:
                pending.add(self._r16(avail + 4 + 2 * (k % v.num)))
                k = (k + 1) & 0xffff
            free = sorted(set(range(v.num)) - v.held - pending)
            if not free:
                self._serve_n(i, v, 1)  # then one is free: next round
                return
            self._used_elem(v, idx, free[0], 0)
            self._publish(v, idx + 1)
        else:
            head = self._take(v)
            if head is None:
                return  # the next round
            if mode == "twice":
                n = self._fill_rx(v, head, 1)
                self._used_elem(v, idx, head, n)
                self._used_elem(v, idx + 1, head, n)
                self._publish(v, idx + 2)
            elif mode in ("runt", "runt_nbuf"):
                # The buffer holds a VLAN-tagged frame's start, its used
                # len says 2 bytes of it: a runt (runt: the whole packet;
                # runt_nbuf: the first of 2 buffers, both used, a lie:
                # a device fills a packet's first buffer first).
                second = self._take(v) if mode == "runt_nbuf" else None
                if mode == "runt_nbuf" and second is None:
                    n = self._fill_rx(v, head, 1)  # a good one, then
                    self._used_elem(v, idx, head, n)
                    self._publish(v, idx + 1)
                    return  # the next round
                self._fill_rx(v, head, 2 if second is not None else 1,
                              frame=self.FRAME[:12] + b"\x81\x00"
                              + self.FRAME[12:])
                self._used_elem(v, idx, head, self.HDR + 2)
                if second is not None:
                    self._used_elem(v, idx + 1, second, 60)
                self._publish(v, idx + (2 if second is not None else 1))
            elif mode == "len":
                _, length, _, _ = self._desc(v, head)
                self._fill_rx(v, head, 1)
                self._used_elem(v, idx, head, length + 100)
                self._publish(v, idx + 1)
            else:
                nbuf = v.num + 1 if mode == "nbuf_ring" else 3
                n = self._fill_rx(v, head, nbuf)
                self._used_elem(v, idx, head, n)
                self._publish(v, idx + 1)
        self.done.append(i)
        del self.hostile[i]
        v.stalled = mode not in self.KEEP_SERVING


class FakeBackend:
    def __init__(self, path, rule=None, features=FEATURES,
                 protocol_features=PF_REPLY_ACK, serve=False, after=200,
                 queues=1, client=False, reverse=False):
        self.path = path
        self.rule = rule or (lambda conn, req: None)
        self.features = features | (F_MQ if queues > 1 else 0)
        self.protocol_features = protocol_features | (
            PF_MQ if queues > 1 else 0)
        self.queues = queues
        self.serve = serve
        self.reverse = reverse
        self.after = after
        self._hostile_done = []  # earlier connections
        self.ring = None  # the RingServer of the current connection
        self.requests = []
        self.messages = []
        self.kick_fds = {}
        self.conns = 0
        self._conn = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = None
        if not client:
            self._listener = socket.socket(socket.AF_UNIX,
                                           socket.SOCK_STREAM)
            self._listener.bind(path)
            self._listener.listen(4)
            self._listener.settimeout(0.2)
        self._thread = threading.Thread(
            target=self._connect if client else self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(15)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        for fd in self.kick_fds.values():
            _close(fd)
        self.kick_fds = {}

    def wait_done(self, timeout):
        """True once a client's one connection is over (timeout s)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def arm(self, vring, mode):
        """Break vring of the current connection once, when it has given
        back `after` good entries (at once if it has already)."""
        ring = self.ring
        if ring is None:
            raise RuntimeError("fake backend: no connection")
        with ring.lock:
            ring.hostile[vring] = mode

    @property
    def hostile_done(self):
        """The vrings broken on purpose so far, over every connection."""
        ring = self.ring
        return self._hostile_done + (list(ring.done) if ring else [])

    def stop_listening(self):
        """Take no more connections; the current one goes on."""
        if self._listener is not None:
            self._listener.close()

    def seen(self, name, conn=None):
        return any(r == name and (conn is None or c == conn)
                   for c, r in list(self.requests))

    def send_raw(self, data):
        with self._lock:
            if self._conn is None:
                raise RuntimeError("fake backend: no connection")
            self._conn.sendall(data)

    def avail_flags(self, vring):
        ring = self.ring
        if ring is None:
            raise RuntimeError("fake backend: no connection")
        with ring.lock:
            return ring._r16(ring.vring(vring).addrs[1])

    def _connect(self):
        while not self._stop.is_set():
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.connect(self.path)
            except OSError:
                conn.close()
                time.sleep(0.05)
                continue
            self._session(conn)
            return

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._session(conn)

    def _session(self, conn):
        self.conns += 1
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = conn
        if self.serve:
            self.ring = RingServer(self.after, reverse=self.reverse)
        try:
            self._talk(conn, self.conns)
        finally:
            if self.ring is not None:
                self.ring.close()
                self._hostile_done += self.ring.done
                self.ring = None
        with self._lock:
            if self._conn is conn:
                self._conn = None
        conn.close()

    def _send_raw(self, conn, action):
        data = action[1]
        nfds = action[2] if action[0] == "raw_fds" else 0
        fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
        try:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    array.array("i", fds))] if fds else []
            conn.sendmsg([data], anc)
        except OSError:
            return False
        finally:
            for fd in fds:
                _close(fd)
        return True

    def _talk(self, conn, n):
        conn.settimeout(0.2)
        hdr = b""
        fds = []
        while not self._stop.is_set():
            try:
                part = harness.recv_exact(conn, 12 - len(hdr), fds)
            except socket.timeout:
                continue
            except OSError:
                return
            if part is None:
                return
            hdr += part
            if len(hdr) < 12:
                continue
            req, flags, size = struct.unpack("<III", hdr)
            hdr = b""
            conn.settimeout(5)
            try:
                body = harness.recv_exact(conn, size, fds) if size else b""
            except OSError:
                return
            conn.settimeout(0.2)
            if body is None:
                return
            name = NAMES.get(req, str(req))
            self.requests.append((n, name))
            action = self.rule(n, name)
            self.messages.append((n, name, body, action))
            if name == "SET_VRING_KICK" and fds:
                vring = struct.unpack_from("<Q", body)[0] & 0xff
                old = self.kick_fds.pop((n, vring), -1)
                _close(old)
                self.kick_fds[(n, vring)] = os.dup(fds[0])
            base = None
            if self.ring is not None and action not in ("close", "silent"):
                base = self.ring.message(name, body, fds)
            for fd in fds:
                _close(fd)
            fds = []
            if action == "close":
                return
            if action == "silent":
                continue
            if isinstance(action, tuple) and action[0] == "sleep":
                if self._stop.wait(action[1]):
                    return
            if isinstance(action, tuple) and action[0] in ("raw",
                                                            "raw_fds"):
                if not self._send_raw(conn, action):
                    return
                continue
            reply = self._answer(req, flags, body, action, base)
            if reply is not None:
                try:
                    conn.sendall(reply)
                except OSError:
                    return

    def _answer(self, req, flags, body, action, base=None):
        def u64(v):
            return struct.pack("<IIIQ", req, VERSION | REPLY, 8, v)

        name = NAMES.get(req)
        if name == "GET_FEATURES":
            return u64(self.features)
        if name == "GET_PROTOCOL_FEATURES":
            return u64(self.protocol_features)
        if name == "GET_QUEUE_NUM":
            return u64(self.queues)
        if name == "GET_VRING_BASE":
            index = struct.unpack("<I", body[:4])[0]
            return struct.pack("<IIIII", req, VERSION | REPLY, 8, index,
                               base or 0)
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
