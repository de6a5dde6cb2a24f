# SPDX-License-Identifier: BSD-3-Clause
"""VLAN offloads in software (drivers/common/vspin/vspin_vlan.h), set with
testpmd's commands, in both directions.

The sender has RTE_ETH_TX_OFFLOAD_VLAN_INSERT with a tag ("port stop 0",
"tx_vlan set 0 TCI", "port start 0") and sends 4 bursts of 32 ("start
tx_first 4" in io mode: exactly 128 packets, flagged RTE_MBUF_F_TX_VLAN);
the receiver (rxonly, "set verbose 1": a line per packet) strips tags or
not, and stops 0.5 s later. A round expects: the receiver counts exactly
the 128 sent, and each packet line shows, stripped, the sender's TCI
("VLAN tci=0x..."), IPv4 (type 0x0800) and 64 bytes, and
RTE_MBUF_F_RX_VLAN_STRIPPED; not stripped, the tag still in the frame
(type 0x8100) and 68 bytes; the receiver's rx bytes count 64 or 68 a
packet, what the application received.

Case vlan_ours
  our guest (TCI 5) and our host (TCI 7). Stripping on, at configure
  time on the host (--enable-hw-vlan-strip), at run time on the guest
  ("vlan set strip on 0": rte_eth_dev_set_vlan_offload()), a round each
  way; then off on both at run time ("vlan set strip off 0"), a round
  each way. Then
  each side sends packets whose first segment is 8 bytes ("set txpkts
  8,56"), too short to take a tag: none reaches the peer, the sender
  counts each in its tx errors, nothing crashes.
Case vlan_stock
  each of ours against Debian's stock PMDs, so the tag is 802.1Q as
  others read and write it. Our guest (TCI 5) and stock net_vhost (TCI
  7, stripping set at start with --enable-hw-vlan-strip: it cannot switch
  at run time): a round each way, both stripping. Our host (TCI 9) to
  stock virtio_user stripping ("vlan set strip on 0"). (Stock
  virtio_user tags only in rte_eth_tx_prepare(), which testpmd 22.11's
  txonly does not call, so it sends no tag to our host.)
Cases vlan_refused_guest, vlan_refused_host
  vlan_refused (vlan_refused.c) on our port with the insert offload,
  against a stock testpmd that never forwards (net_vhost, net_virtio_user),
  so the ring fills: exit 0, a burst taken in part, and every packet
  refused back as it was handed over (bytes, lengths, l2_len, ol_flags).
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

PACKETS = 128
SETTLE_S = 0.5  # for 128 packets to cross, in every mode
# testpmd's line for a received packet (verbose 1): ethertype, length and,
# when stripped, the TCI.
PKT_LINE = re.compile(r"src=\S+ - dst=\S+ - pool=\S+ - type=(0x[0-9a-f]+) "
                      r"- length=(\d+) - nb_segs=\d+"
                      r"(?: - VLAN tci=(0x[0-9a-f]+))?")


check = harness.check


def tag_with(tp, tci):
    """RTE_ETH_TX_OFFLOAD_VLAN_INSERT with tci on port 0 (testpmd sets it
    on a stopped port and sets the queues up again)."""
    tp.cmd("port stop 0")
    out = tp.cmd("tx_vlan set 0 %d" % tci)
    check("rror" not in out, "tx_vlan set 0 %d: %r" % (tci, out[-300:]))
    tp.cmd("port start 0")
    tp.wait_link_up(0)


def strip(tp, on):
    out = tp.cmd("vlan set strip %s 0" % ("on" if on else "off"))
    check("failed" not in out, "vlan set strip: %r" % out[-300:])


def exchange(snd, rcv):
    """snd sends PACKETS (start tx_first) to rcv, which stops SETTLE_S
    later. Returns the sender's tx packets and errors, the receiver's rx
    packets, what the receiver printed, and its rx bytes (all since the
    start)."""
    mark = len(rcv.log)
    r0 = rcv.port_stats(0)
    s0 = snd.port_stats(0)
    snd.cmd("set fwd io")
    rcv.start_fwd()
    snd.cmd("start tx_first %d" % (PACKETS // 32))
    snd.stop_fwd()
    # Not polled meanwhile: its lcore prints a line per packet, which can
    # split the prompt of a command the main lcore answers. Once stopped,
    # it prints no more.
    time.sleep(SETTLE_S)
    rcv.stop_fwd()
    snd.cmd("set fwd rxonly")
    s1 = snd.port_stats(0)
    r1 = rcv.port_stats(0)
    return (s1["tx_packets"] - s0["tx_packets"],
            s1["tx_errors"] - s0["tx_errors"],
            r1["rx_packets"] - r0["rx_packets"],
            rcv.log[mark:], r1["rx_bytes"] - r0["rx_bytes"])


def round_(snd, rcv, tci, stripped, what):
    """PACKETS tagged tci, snd -> rcv; every one as expected."""
    sent, _, got, log, rx_bytes = exchange(snd, rcv)
    check(sent == got == PACKETS, "%s: sent %d, received %d (expected %d)"
          % (what, sent, got, PACKETS))
    # What the application received, tags stripped or not.
    length = 64 if stripped else 68
    check(rx_bytes == PACKETS * length, "%s: the receiver counted %d rx "
          "bytes for %d packets of %d bytes" % (what, rx_bytes, PACKETS,
                                                length))
    lines = PKT_LINE.findall(log)
    check(len(lines) == PACKETS, "%s: %d packet lines for %d packets:\n%s"
          % (what, len(lines), PACKETS, log[-1500:]))
    want = (("0x0800", "64", "0x%x" % tci) if stripped
            else ("0x8100", "68", ""))
    bad = [x for x in lines if x != want]
    check(not bad, "%s: %d packets not (type, length, VLAN tci) %s, e.g. "
          "%s" % (what, len(bad), want, bad[:3]))
    flagged = log.count("RTE_MBUF_F_RX_VLAN_STRIPPED")
    check(flagged == (PACKETS if stripped else 0),
          "%s: RTE_MBUF_F_RX_VLAN_STRIPPED on %d packets" % (what, flagged))
    print("ok %s: %d packets, %s" % (
        what, PACKETS, "tag %s stripped" % want[2] if stripped else
        "tag kept in the frame"))


def untaggable(snd, rcv, what):
    """Packets whose first segment is shorter than two addresses cannot
    take a tag: dropped, counted in the sender's tx errors, none sent."""
    snd.cmd("set txpkts 8,56")
    sent, errors, got, _, _ = exchange(snd, rcv)
    snd.cmd("set txpkts 64")
    check(sent == got == 0 and errors == PACKETS,
          "%s, first segments of 8 bytes: %d sent, %d received, %d tx "
          "errors (expected none sent, %d errors)"
          % (what, sent, got, errors, PACKETS))
    print("ok %s: untaggable packets dropped, %d tx errors" % (what, errors))


def pair(d, guest_vdev, guest_plugins, host_vdev, host_plugins,
         host_args=(), guest_args=()):
    host = harness.Testpmd(
        "host", vdevs=[host_vdev % d], plugins=host_plugins, fwd_lcore=1,
        args=["--forward-mode=rxonly"] + list(host_args))
    guest = harness.Testpmd(
        "guest", vdevs=[guest_vdev % d], plugins=guest_plugins,
        fwd_lcore=0, args=["--forward-mode=rxonly"] + list(guest_args))
    return host, guest


def linked(host, guest, tags):
    """Both links up, the tx tags of tags ((testpmd, tci), ...), and
    testpmd's per-packet lines (verbose 1: what each side receives)."""
    guest.wait_link_up(0)
    host.wait_link_up(0)
    for tp, tci in tags:
        tag_with(tp, tci)
    for tp in (host, guest):
        tp.cmd("set verbose 1")


OUR_HOST = "net_vhost_spin0,iface=%s/v.sock"
OUR_GUEST = "net_virtio_spin0,path=%s/v.sock"
STOCK_HOST = "net_vhost0,iface=%s/v.sock"
STOCK_GUEST = "net_virtio_user0,path=%s/v.sock"


def vlan_ours():
    with harness.private_dir() as d:
        host, guest = pair(d, OUR_GUEST, [harness.plugin("virtio_spin")],
                           OUR_HOST, [harness.plugin("vhost_spin")],
                           host_args=["--enable-hw-vlan-strip"])
        with host, guest:
            linked(host, guest, ((guest, 5), (host, 7)))
            for on in (True, False):
                if not on:
                    strip(host, on)
                strip(guest, on)
                round_(guest, host, 5, on, "our guest -> our host, strip "
                       + ("on" if on else "off"))
                round_(host, guest, 7, on, "our host -> our guest, strip "
                       + ("on" if on else "off"))
            for snd, rcv, what in ((guest, host, "our guest"),
                                   (host, guest, "our host")):
                untaggable(snd, rcv, what)


def vlan_stock():
    with harness.private_dir() as d:
        host, guest = pair(d, OUR_GUEST, [harness.plugin("virtio_spin")],
                           STOCK_HOST, [],
                           host_args=["--enable-hw-vlan-strip"])
        with host, guest:
            linked(host, guest, ((guest, 5), (host, 7)))
            strip(guest, True)
            round_(guest, host, 5, True, "our guest -> stock net_vhost")
            round_(host, guest, 7, True, "stock net_vhost -> our guest")
    with harness.private_dir() as d:
        host, guest = pair(d, STOCK_GUEST, [], OUR_HOST,
                           [harness.plugin("vhost_spin")])
        with host, guest:
            linked(host, guest, ((host, 9),))
            strip(guest, True)
            round_(host, guest, 9, True, "our host -> stock virtio_user")


def refused(ours, plugin, peer_vdev, ours_is_server):
    """vlan_refused (vlan_refused.c) on our port `ours`, tagging in
    software, against a stock testpmd on peer_vdev that never forwards:
    the packets the full ring refuses come back untouched."""
    with harness.private_dir() as d:
        prefix = "vlanref-%d" % os.getpid()
        prog = harness.test_program("VSPIN_VLAN_REFUSED",
                                    "tests/dpdk/plugins/vlan_refused")
        argv = [prog, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", prefix, "-d", harness.plugin(plugin),
                "--vdev", ours % d]
        peer = harness.Testpmd("peer", vdevs=[peer_vdev % d], fwd_lcore=0)
        p = None
        try:
            if not ours_is_server:
                peer.start()
            p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True,
                                 env=harness.testpmd_env())
            if ours_is_server:
                check(harness.wait_until(
                    "vlan_refused's socket",
                    lambda: os.path.exists(d + "/v.sock") or
                    p.poll() is not None, 20) and p.poll() is None,
                      "vlan_refused made no socket")
                peer.start()
            out, _ = p.communicate(timeout=60)
        finally:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
            peer.quit()
            harness.remove_eal_files(prefix)
    print(out[-3000:])
    san = harness.sanitizer_report(out)
    check(san is None, "sanitizer: " + str(san))
    m = re.search(r"^sent (\d+) refused (\d+)$", out, re.M)
    check(p.returncode == 0 and m is not None and int(m.group(2)) > 0,
          "exit %d; FAIL lines:\n%s" % (p.returncode, "\n".join(
              line for line in out.splitlines() if "FAIL" in line)))
    print("ok %s: %s packets sent, %s refused and returned untouched"
          % (plugin, m.group(1), m.group(2)))


CASES = {
    "vlan_ours": vlan_ours,
    "vlan_stock": vlan_stock,
    "vlan_refused_guest": lambda: refused(OUR_GUEST, "virtio_spin",
                                          STOCK_HOST, False),
    "vlan_refused_host": lambda: refused(OUR_HOST, "vhost_spin",
                                         STOCK_GUEST, True),
}

if __name__ == "__main__":
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_vlan.py %s" % "|".join(CASES))
    try:
        CASES[case]()
    except (AssertionError, harness.HarnessError) as e:
        print("FAIL %s: %s" % (case, e))
        sys.exit(1)
    print("PASS " + case)
