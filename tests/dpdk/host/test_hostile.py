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
"""

import os

import hostlib as hl
from fake_frontend import FakeFrontend

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
    held = len(os.listdir("/proc/%d/fd" % H.pid))
    status = fe.set_mem_table(regions)
    check(status == 1, "%s: the memory table got status %r, expected 1 "
          "(refused, the connection kept)" % (what, status))
    check(hl.h.wait_until("the log", lambda: H.log.count(
        "refusing a memory table") > logged),
          "%s: the host did not say why it refused the table" % what)
    now = len(os.listdir("/proc/%d/fd" % H.pid))
    check(now == held, "%s: the host holds %d descriptors, %d before: "
          "the refused table's stayed open" % (what, now, held))


def bad_mem_table():
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        with hl.host("ours", sock, "poll") as H:
            hl.fwd(H, "rxonly")
            with FakeFrontend(sock) as fe:
                fe.setup()
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


CASES = {"bad_mem_table": bad_mem_table}

if __name__ == "__main__":
    hl.main(CASES)
