#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""rte_eth_get_monitor_addr() on both PMDs: the condition DPDK's power
management evaluates before each wait in monitor mode
(rte_power_ethdev_pmgmt_queue_enable(..., RTE_POWER_MGMT_TYPE_MONITOR)).

monitor_probe (monitor_probe.c) runs one of our ports on lcore 1 and
answers commands; a stock testpmd peer on lcore 0 sends exact numbers of
packets ("start tx_first", harness Testpmd.send_exact()).

Cases (argv[1]):
  guest   the probe's port is net_virtio_spin, the peer Debian's stock
          net_vhost (its txonly): the index is our rx ring's used->idx.
  host    the probe's port is net_vhost_spin, the peer Debian's stock
          net_virtio_user: the index is the guest's avail->idx, read
          through a mapping of the port's own. Three guests in turn:
          with no guest (yet, or any more) the probe waits (on the
          queue's gate) and wakes when the next attaches; then the
          checks below with it; the index lies in a mapping of one page
          (the library maps all of the guest's memory: 256 MB here); the
          probe's mappings do not grow from one guest to the next (the
          gone guest's page is unmapped); once the port is stopped (and
          started again for the next guest), the page is unmapped.
Expected, in order:
  - idle: the condition says wait (fn 0);
  - the peer makes a whole ring's worth (256) available while the probe
    does not poll: the index is 256 past the next entry and the condition
    says work is there (fn != 0; a comparison modulo the ring, as the
    stock PMDs' in DPDK 22.11, would say wait); the probe receives 256;
  - three times: the probe waits (it reports "waiting" before the peer
    sends), the peer sends 1, 32 or 7 packets, the probe wakes within
    WAIT_S (a long bound: a timeout is a wake-up lost, not a slow one)
    and receives them; the condition says wait again;
  - the probe received exactly what the peer sent.
On a CPU with a power monitor (WAITPKG) the probe really waits in
rte_power_monitor(); elsewhere it reads the line in a loop: the condition
and the writes to the address are the PMD's part either way.
"""

import os
import queue
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

RING = 256   # both peers' rings and our ports' default ring
WAIT_S = 30  # a wake-up's bound
GUESTS = 3   # host case: guests that attach in turn
OWN_MAP_MAX = 2 << 20  # one page: 4 KB (memfd), 2 MB (hugetlbfs)
TAG = "probe: "  # the probe's answers; the EAL logs on stdout too


class Probe:
    def __init__(self, d, vdev, plugin):
        exe = h.test_program("VSPIN_MONITOR_PROBE",
                             "tests/dpdk/monitor_probe")
        self.argv = [exe, "-l", "1", "--no-huge", "-m", "256", "--no-pci",
                     "--file-prefix", "probe-%d" % os.getpid(), "-d", plugin,
                     "--vdev", vdev]
        self.log = open(os.path.join(d, "probe.log"), "w+")
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.log,
                                  text=True, bufsize=1, env=h.testpmd_env(),
                                  start_new_session=True)
        self.lines = queue.Queue()
        self.other = []  # the EAL's and the PMD's log lines
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            if line.startswith(TAG):
                self.lines.put(line[len(TAG):].strip())
            else:
                self.other.append(line)
        self.lines.put(None)

    def answer(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None or line.startswith("error"):
            self.log.seek(0)
            raise h.Fail("monitor_probe: %s\n--- its log ---\n%s%s" % (
                line or "no answer (exit %s)" % self.p.poll(),
                "".join(self.other[-40:]), self.log.read()[-3000:]))
        return line

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def cond(self):
        self.send("cond")
        line = self.answer(10)
        m = re.match(r"cond fn=(-?\d+) idx=(\d+) next=(\d+) addr=(\S+)",
                     line)
        h.check(m is not None, "monitor_probe: not an answer to cond: %r"
                % line)
        fn, idx, nxt = map(int, m.groups()[:3])
        self.addr = int(m.group(4), 16)
        return fn, (idx - nxt) % 65536

    def mapping_of_addr(self):
        """The size of the probe's mapping that holds the last cond's
        address, and its name."""
        with open("/proc/%d/maps" % self.p.pid) as f:
            for line in f:
                parts = line.split()
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                if lo <= self.addr < hi:
                    return hi - lo, parts[5] if len(parts) > 5 else ""
        return 0, "none"

    def drain(self, n):
        self.send("drain %d 10" % n)
        got = int(self.answer(20).split()[1])
        h.check(got == n, "the probe received %d of %d packets" % (got, n))
        return got

    def close(self):
        try:
            if self.p.poll() is None:
                self.send("quit")
                self.p.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            h.remove_eal_files(h.file_prefix(self.argv))
            self.log.close()
        return self.p.returncode


def exercise(probe, peer):
    probe.send("link 30")
    probe.answer(40)
    fn, ahead = probe.cond()
    h.check(fn == 0 and ahead == 0, "idle: condition %d, index %d past "
            "the next entry (expected 0, 0)" % (fn, ahead))
    peer.send_exact(RING)
    fn, ahead = probe.cond()
    print("a ring's worth pending: condition %d, index %d past the next "
          "entry" % (fn, ahead))
    h.check(ahead == RING, "index %d past the next entry, not %d" % (
        ahead, RING))
    h.check(fn != 0, "%d entries pending (a whole ring), and the condition "
            "says wait" % RING)
    got = probe.drain(RING)
    for n in (1, 32, 7):
        h.check(probe.cond()[0] == 0, "the condition says work is there "
                "with nothing pending")
        probe.send("wait %d" % WAIT_S)
        line = probe.answer(10)
        h.check(line.startswith("waiting"), "the probe did not wait: %s"
                % line)
        peer.send_exact(n)
        line = probe.answer(WAIT_S + 10)
        print("%d packet(s): %s" % (n, line))
        h.check(line.startswith("woke"), "%d packet(s) sent and the "
                "waiting probe did not wake: %s" % (n, line))
        got += probe.drain(n)
    sent = peer.port_stats(0)["tx_packets"]
    h.check(got == sent, "the peer sent %d, the probe received %d" % (
        sent, got))
    return got


def guest():
    with h.private_dir() as d:
        sock = os.path.join(d, "vhost.sock")
        with h.Testpmd("host", vdevs=["net_vhost0,iface=%s" % sock],
                       fwd_lcore=0, args=["--forward-mode=rxonly"]) as peer:
            probe = Probe(d, "net_virtio_spin0,path=" + sock,
                          h.plugin("virtio_spin"))
            try:
                print("probe:", probe.answer(60))
                got = exercise(probe, peer)
            finally:
                rc = probe.close()
    h.check(rc == 0, "monitor_probe exited %s" % rc)
    print("ok: net_virtio_spin's monitor condition, %d packets" % got)


def maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return len(f.readlines())


def host():
    with h.private_dir() as d:
        sock = os.path.join(d, "vhost.sock")
        probe = Probe(d, "net_vhost_spin0,iface=" + sock,
                      h.plugin("vhost_spin"))
        got, mapped = 0, []
        try:
            print("probe:", probe.answer(60))
            for guest in range(GUESTS):
                # No guest (yet, or any more): the queue waits for one.
                fn, _ = probe.cond()
                h.check(fn == 0, "no guest, and the condition says work "
                        "is there")
                probe.send("wait %d" % WAIT_S)
                line = probe.answer(10)
                h.check(line.startswith("waiting"), "the probe did not "
                        "wait for a guest: %s" % line)
                with h.Testpmd("guest",
                               vdevs=["net_virtio_user0,path=" + sock],
                               fwd_lcore=0,
                               args=["--forward-mode=rxonly"]) as peer:
                    line = probe.answer(WAIT_S + 10)
                    print("guest %d attaches: %s" % (guest, line))
                    h.check(line.startswith("woke"), "a guest attached "
                            "and the waiting probe did not wake: %s" % line)
                    got += exercise(probe, peer)
                    mapped.append(maps(probe.p.pid))
                    # The index through the port's own mapping of its
                    # page, not the library's of all guest memory.
                    probe.cond()
                    size, name = probe.mapping_of_addr()
                    print("guest %d: the index in a mapping of %d bytes "
                          "(%s)" % (guest, size, name))
                    h.check(0 < size <= OWN_MAP_MAX, "the index is in a "
                            "mapping of %d bytes (%s), not one page of "
                            "the port's own" % (size, name))
                    # A stopped port keeps no page of the guest's memory
                    # (it would keep the guest's whole memory file).
                    probe.send("stop")
                    h.check(probe.answer(20) == "stopped", "stop failed")
                    size, name = probe.mapping_of_addr()
                    h.check(size == 0, "port stopped, and the index's page "
                            "is still mapped (%d bytes, %s)" % (size, name))
                    probe.send("start")
                    h.check(probe.answer(20) == "started", "start failed")
        finally:
            rc = probe.close()
    h.check(rc == 0, "monitor_probe exited %s" % rc)
    print("the probe's mappings with each guest attached: %s" % mapped)
    h.check(mapped[-1] <= mapped[0], "the probe's mappings grew from %d to "
            "%d over %d guests: a mapping of a gone guest's memory kept" % (
                mapped[0], mapped[-1], GUESTS))
    print("ok: net_vhost_spin's monitor condition, %d guests, %d packets" % (
        GUESTS, got))


if __name__ == "__main__":
    h.run_case({"guest": guest, "host": host})
