# SPDX-License-Identifier: BSD-3-Clause
"""A frontend that sends what a stock one never would cannot crash
net_vhost_spin (fake_frontend.FakeFrontend, one queue pair, the host in
poll mode receiving: testpmd rxonly).

bad_mem_table: memory tables the vhost library could not use, each asked
to be acked (REPLY_ACK), so the connection stays open after a refusal:
  - before the rings are enabled, a region whose fd is an eventfd (mmap
    fails);
  - the same while a packet has gone through the rings;
  - a region longer than its file (mmap works, a read past the file's
    end faults).
Each must be refused (status 1), with the host saying why and keeping
none of the message's file descriptors, and a packet
sent after it must still arrive: the old table holds. DPDK 22.11's
library unmaps the old table before it maps the new one and keeps none
when a region fails, while the rings still point into the old one: the
host's next poll of the ring faulted. The short file it accepted, and
faulted on reading the ring in it. Then the unchanged table is sent
again and accepted (status 0) and a packet arrives. A last bad table,
with no ack asked for, is refused too and the host closes the connection;
at quit it exits with status 0.

early_refused_table: with EVENT_IDX, a memory table whose descriptors do
not match its regions (one region, no fd), acked: the library refuses it
(status 1) before it touches anything, and skips the hook after it. The
host must not have closed its queues' holds for it: it goes on keeping
the guest quiet, moving avail_event half a lap ahead once 0x2000 entries
have gone by (vspin_consumer_keep_quiet()). With the holds left closed
avail_event stayed where it was, and the lookahead and coalescing were
off, until a later message moved the rings.
"""

import contextlib
import os
import struct

import hostlib as hl
from fake_frontend import FakeFrontend
from vu_proto import F_EVENT_IDX, NEED_REPLY, VERSION

check = hl.check
FRAME = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + \
    b"\x08\x00" + bytes(46)


def packet_arrives(H, fe, n, when):
    fe.send_packet(FRAME)
    _, got, _ = hl.h.wait_rx(H, n)
    check(got == n, "%s: the host received %d packets, expected %d"
          % (when, got, n))
    check(hl.h.wait_until("used entry", lambda: fe.used() == n),
          "%s: the host gave back %d tx entries, expected %d"
          % (when, fe.used(), n))


def refused(H, fe, regions, what):
    logged = H.log.count("refusing a memory table")
    fds = [fd for _, _, fd in regions]
    check(not any(hl.h.holds_file(H.pid, fd) for fd in fds),
          "%s: the host holds a file of the table before it was sent"
          % what)
    status = fe.set_mem_table(regions)
    check(status == 1, "%s: the memory table got status %r, expected 1 "
          "(refused, the connection kept)" % (what, status))
    check(hl.h.wait_until("the log", lambda: H.log.count(
        "refusing a memory table") > logged),
          "%s: the host did not say why it refused the table" % what)
    check(not any(hl.h.holds_file(H.pid, fd) for fd in fds),
          "%s: the host still holds a file of the refused table" % what)


@contextlib.contextmanager
def host_and_frontend(frontend=FakeFrontend):
    """Our host (poll, rxonly) and a frontend set up on it: (H, fe)."""
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "poll") as H:
            hl.fwd(H, "rxonly")
            with frontend(sock) as fe:
                fe.setup()
                yield H, fe


def bad_mem_table():
    with host_and_frontend() as (H, fe):
        efd = os.eventfd(0)
        try:
            half = fe.MEM // 2  # a new size: a changed table
            refused(H, fe, [fe.region(size=half, fd=efd)],
                    "before the rings ran, an eventfd")
            fe.enable()
            H.wait_link_up(0)
            packet_arrives(H, fe, 1, "the first packet")
            refused(H, fe, [fe.region(size=half, fd=efd)],
                    "while the rings ran, an eventfd")
            packet_arrives(H, fe, 2, "after the eventfd")
        finally:
            os.close(efd)
        short = os.memfd_create("vspin-short")
        try:
            os.ftruncate(short, 4096)
            refused(H, fe, [fe.region(fd=short,
                                      addr=fe.base + 4096)],
                    "a region past the end of its file")
            packet_arrives(H, fe, 3, "after the short file")
        finally:
            os.close(short)
        check(fe.set_mem_table([fe.region()]) == 0,
              "the unchanged table was refused")
        packet_arrives(H, fe, 4, "after the unchanged table")
        # Without an ack asked for, a refusal ends the connection.
        logged = H.log.count("refusing a memory table")
        efd = os.eventfd(0)
        try:
            fe.set_mem_table([fe.region(size=half, fd=efd)],
                             ack=False)
        finally:
            os.close(efd)
        H.wait_link_down(0)
        check(H.log.count("refusing a memory table") > logged,
              "no ack asked: the host did not say why it refused "
              "the table")
        H.stop_fwd()
        stats = H.port_stats(0)
        check(stats["rx_packets"] == 4, "rx_packets %d after the "
              "frontend left, expected 4" % stats["rx_packets"])
        print("3 bad memory tables refused, 4 packets received")


class EventIdxFrontend(FakeFrontend):
    """FakeFrontend with EVENT_IDX."""

    def _u64(self, name, value=None):
        if name == "SET_FEATURES":
            value |= F_EVENT_IDX
        return super()._u64(name, value)

    def avail_event(self):
        """The tx vring's avail_event: the end of its used ring."""
        used = self.LAYOUT[1][2]
        return struct.unpack_from("<H", self.mem, used + 4 + 8 * self.RING)[0]


def send_all(fe, n):
    for _ in range(n // 128):
        fe.send_packet(FRAME, 128)
        check(hl.h.wait_until("used entries", lambda: fe.used() ==
                              fe.sent & 0xffff, 20, 0.005),
              "the host gave back %d tx entries of %d"
              % (fe.used(), fe.sent))


def early_refused_table():
    with host_and_frontend(EventIdxFrontend) as (H, fe):
        fe.enable()
        H.wait_link_up(0)
        send_all(fe, 256)
        a, size, _ = fe.region()
        fe._send("SET_MEM_TABLE", struct.pack("<II", 1, 0) +
                 struct.pack("<QQQQ", a, size, a, 0), [],
                 VERSION | NEED_REPLY)
        status = struct.unpack("<Q", fe._reply("SET_MEM_TABLE"))[0]
        check(status == 1, "a table of one region and no fd got status "
              "%d, expected 1 (refused)" % status)
        before = fe.avail_event()
        send_all(fe, 0x2000 + 512)
        after = fe.avail_event()
        check(after != before and (after - fe.sent) & 0xffff > 0x4000,
              "after the refused table and %d more entries, avail_event "
              "%d -> %d (next entry %d): the host no longer keeps the "
              "guest quiet, its holds stayed closed"
              % (0x2000 + 512, before, after, fe.sent & 0xffff))
        H.stop_fwd()
    print("refused table: avail_event %d -> %d, %d packets"
          % (before, after, fe.sent))


CASES = {"bad_mem_table": bad_mem_table,
         "early_refused_table": early_refused_table}

if __name__ == "__main__":
    hl.main(CASES)
