# SPDX-License-Identifier: BSD-3-Clause
"""A small vhost-user frontend (client side) in Python, for host tests that
need one which sends what a stock frontend never would.

    fe = FakeFrontend(path)     # connects; guest memory is a memfd
    fe.setup()                  # features, memory table, one queue pair
    fe.enable()                 # SET_VRING_ENABLE 1 on both vrings
    fe.sync()                   # the host has handled all sent so far
    fe.send_packet(frame, n=1)  # n frames on the tx vring (vring 1)
    fe.set_mem_table(regions)   # -> the REPLY_ACK status (0: accepted)
    fe.close()

Guest addresses are the frontend's own virtual addresses, as DPDK's
virtio_user gives them. Only the tx vring carries packets; the rx vring
(vring 0) has no buffers, so the host's sends on it are dropped.
"""

import ctypes
import mmap
import os
import socket
import struct

import harness  # tests/dpdk, on the path through hostlib
from vu_proto import (CODES, F_PROTOCOL_FEATURES, F_VERSION_1, NEED_REPLY,
                      PF_REPLY_ACK, VERSION)

HDR = 12  # virtio_net_hdr with num_buffers (VERSION_1)


class FakeFrontend:
    RING = 256
    MEM = 4 << 20
    # Offsets in guest memory: the tx vring's desc, avail and used rings,
    # the rx vring's, then packet buffers of 2 KiB each.
    LAYOUT = {1: (0x0000, 0x1000, 0x2000), 0: (0x4000, 0x5000, 0x6000)}
    BUFS = 0x10000

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.memfd = os.memfd_create("vspin-fake-frontend")
        os.ftruncate(self.memfd, self.MEM)
        self.mem = mmap.mmap(self.memfd, self.MEM)
        self.base = ctypes.addressof(ctypes.c_char.from_buffer(self.mem))
        self.kicks = {}  # vring -> its kick eventfd
        self.fds = []  # every eventfd handed to the host
        self.sent = 0  # entries made available on the tx vring

    def region(self, size=None, fd=None, addr=None):
        """One memory region (guest phys = user addr, offset, size, fd):
        the frontend's own memory unless told otherwise."""
        a = self.base if addr is None else addr
        return (a, self.MEM if size is None else size,
                self.memfd if fd is None else fd)

    def _send(self, name, payload=b"", fds=(), flags=VERSION):
        msg = struct.pack("<III", CODES[name], flags, len(payload)) + payload
        anc = []
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    struct.pack("<%di" % len(fds), *fds))]
        self.sock.sendmsg([msg], anc)

    def _reply(self, name):
        head = self._recv(12)
        got, _, size = struct.unpack("<III", head)
        if got != CODES[name]:
            raise RuntimeError("reply to %d, expected %s" % (got, name))
        return self._recv(size)

    def _recv(self, n):
        buf = harness.recv_exact(self.sock, n)
        if buf is None:
            raise ConnectionError("the host closed the connection")
        return buf

    def _u64(self, name, value=None):
        if value is None:
            self._send(name)
            return struct.unpack("<Q", self._reply(name))[0]
        self._send(name, struct.pack("<Q", value))
        return None

    def set_mem_table(self, regions, ack=True):
        """regions: (address, size, fd) each. With ack, the REPLY_ACK
        status (0: accepted), or None if the host closed the
        connection."""
        body = struct.pack("<II", len(regions), 0)
        for addr, size, _ in regions:
            body += struct.pack("<QQQQ", addr, size, addr, 0)
        self._send("SET_MEM_TABLE", body, [fd for _, _, fd in regions],
                   VERSION | (NEED_REPLY if ack else 0))
        if not ack:
            return None
        try:
            return struct.unpack("<Q", self._reply("SET_MEM_TABLE"))[0]
        except ConnectionError:
            return None

    def setup(self):
        """Features (VERSION_1 and PROTOCOL_FEATURES with REPLY_ACK), the
        memory table and both vrings, not enabled yet."""
        offered = self._u64("GET_FEATURES")
        want = F_VERSION_1 | F_PROTOCOL_FEATURES
        if offered & want != want:
            raise RuntimeError("features %#x lack %#x" % (offered, want))
        self._send("SET_OWNER")
        if not self._u64("GET_PROTOCOL_FEATURES") & PF_REPLY_ACK:
            raise RuntimeError("no REPLY_ACK offered")
        self._u64("SET_PROTOCOL_FEATURES", PF_REPLY_ACK)
        self._u64("SET_FEATURES", want)
        status = self.set_mem_table([self.region()])
        if status != 0:
            raise RuntimeError("the first memory table: status %r" % status)
        for vring, (desc, avail, used) in self.LAYOUT.items():
            self._send("SET_VRING_NUM", struct.pack("<II", vring, self.RING))
            self._send("SET_VRING_BASE", struct.pack("<II", vring, 0))
            self._send("SET_VRING_ADDR", struct.pack(
                "<IIQQQQ", vring, 0, self.base + desc, self.base + used,
                self.base + avail, 0))
            for req in ("SET_VRING_KICK", "SET_VRING_CALL"):
                fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
                self.fds.append(fd)
                if req == "SET_VRING_KICK":
                    self.kicks[vring] = fd
                self._send(req, struct.pack("<Q", vring), [fd])
        self.sync()

    def enable(self):
        for vring in self.LAYOUT:
            self._send("SET_VRING_ENABLE", struct.pack("<II", vring, 1))
        self.sync()

    def sync(self):
        """Return once the host has handled every message sent so far (it
        handles a connection's messages in order)."""
        self._u64("GET_FEATURES")

    def send_packet(self, frame, n=1):
        """n copies of frame (with no virtio-net header) on the tx vring,
        one index store and one kick for them all."""
        desc, avail, _ = self.LAYOUT[1]
        for _ in range(n):
            head = self.sent % self.RING
            buf = self.BUFS + head * 2048
            self.mem[buf:buf + HDR + len(frame)] = bytes(HDR) + frame
            struct.pack_into("<QIHH", self.mem, desc + 16 * head,
                             self.base + buf, HDR + len(frame), 0, 0)
            struct.pack_into("<H", self.mem, avail + 4 + 2 * head, head)
            self.sent += 1
        # The index last: a store after the entries (x86 keeps the order).
        struct.pack_into("<H", self.mem, avail + 2, self.sent & 0xffff)
        os.eventfd_write(self.kicks[1], 1)

    def used(self):
        """How many tx entries the host has given back (used->idx)."""
        return struct.unpack_from("<H", self.mem, self.LAYOUT[1][2] + 2)[0]

    def close(self):
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        self.mem.close()
        os.close(self.memfd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
