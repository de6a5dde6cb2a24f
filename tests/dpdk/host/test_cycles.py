# SPDX-License-Identifier: BSD-3-Clause
"""60 cycles of a second port on the lcore where the first one sleeps.

One host testpmd, rxonly on one forwarding lcore (core 1), two
net_vhost_spin ports (spin_mode=spin:20, sleep_max_us=1000000: a lost
wake-up costs up to a second): port 0's guest G0 (stock virtio_user) is
connected and silent except for bursts the test sends; port 1 is cycled:
  A  60 x: stop forwarding, port stop 1, port start 1, start forwarding
     (G1, a stock virtio_user guest, stays connected to port 1);
  B  60 x: stop forwarding, then port 1 is closed and re-probed, two ways
     testpmd 22.11 accepts, alternately: "port close 1" + "device detach
     net_vhost_spin1", and "port stop 1" + "port detach 1"; then "port
     attach net_vhost_spin1,iface=...", port start 1, start forwarding
     (no guest on port 1);
  C  60 reconnects of port 1's guest (a new G1 process re-probes its
     port: port stop/close 0, device detach net_virtio_user0, port attach
     net_virtio_user0,path=..., port start 0: each a new vhost-user
     connection, destroy_device and new_device on the host) while
     forwarding runs and port 0 sleeps;
  D  the same 60 while G0 sends to port 0 at full rate (txonly).
testpmd's "stop" waits for the forwarding lcore, which sleeps up to 1 s in
rx_burst: in A and B each stop is sent first and, once testpmd waits for
the lcore, G0 sends a burst of 32 to port 0; that burst must wake the
lcore, so the stop must end within DEADLINE_MS of the burst (a lost
wake-up on port 0 fails). In C, every 10th cycle G0 and G1 each send a
burst of 32, which the host must receive within DEADLINE_MS.
Checks: no crash (the host answers after every phase), port 0 receives
exactly what G0 sent (testpmd's counters, after G0 stops), the deadlines,
in A and B a kick's wake-up of port 0 per stop (rx_q0_wakeups: the lcore
really slept there; each stop waits for rx_q0_sleeps to grow first),
and no fd leak in the host: /proc/PID/fd before and after each phase, in
the same connection state, may differ by at most FD_SLACK.

VSPIN_CYCLES=N runs N cycles per phase instead of 60 (for debugging).
"""

import os
import sys
import threading
import time

import hostlib as hl
from hostlib import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import wakelib as wl  # noqa: E402

CYCLES = int(os.environ.get("VSPIN_CYCLES", "60"))
DEADLINE_MS = 300.0
FD_SLACK = 4
PORT_ARGS = "spin_mode=spin:20,sleep_max_us=1000000"
H = hl.h
ATTACHED1 = "port 1: frontend attached"
DETACHED1 = "port 1: frontend detached"


class Rig:
    def __init__(self, d):
        self.s0 = d + "/s0.sock"
        self.s1 = d + "/s1.sock"
        self.host = H.Testpmd(
            "host", vdevs=["net_vhost_spin0,iface=%s,%s" % (self.s0,
                                                             PORT_ARGS),
                           self.vdev1()],
            plugins=[H.plugin("vhost_spin")], fwd_lcore=1,
            log_levels=["pmd.net.vhost_spin:info"],
            args=["--forward-mode=rxonly", "--disable-link-check",
                  "--no-flush-rx"])
        self.g0 = None
        self.g1 = None
        self.sent0 = 0   # bursts' packets G0 sent, as G0 counts them
        self.sent1 = 0
        self.worst_ms = 0.0
        self.bursts = 0
        self.sleeps_mark = None  # port 0's sleeps when forwarding stopped

    def vdev1(self):
        return "net_vhost_spin1,iface=%s,%s" % (self.s1, PORT_ARGS)

    def guest(self, sock, name):
        return H.Testpmd(name, vdevs=["net_virtio_user0,path=%s" % sock],
                         fwd_lcore=0,
                         args=["--forward-mode=io", "--disable-link-check",
                               "--no-flush-rx"]).start()

    def alive(self, what):
        if self.host.returncode is not None:
            self.host.fail("host exited (status %s) %s" % (
                self.host.returncode, what))

    def host_rx(self, port):
        return self.host.port_stats(port)["rx_packets"]

    def guest_tx(self, g):
        return g.port_stats(0)["tx_packets"]

    def send_burst(self, g):
        """One burst (tx_first: 32 packets) from guest g; returns how
        many it sent."""
        before = self.guest_tx(g)
        g.cmd("start tx_first")
        g.cmd("stop", timeout=20)
        return self.guest_tx(g) - before

    def fd_check(self, before, what):
        after = wl.fd_count(self.host.pid)
        print("host fds %s: %d before, %d after" % (what, before[0], after))
        check(after - before[0] <= FD_SLACK,
              "host fd leak %s: %d fds before, %d after (by kind before "
              "%s, after %s)" % (what, before[0], after, before[1],
                                 wl.fd_kinds(self.host.pid)))

    def fds(self):
        return wl.fd_count(self.host.pid), wl.fd_kinds(self.host.pid)

    # -- the stop that only a wake-up on port 0 can end ----------------
    def stop_with_wake(self, cycle, what):
        # The lcore slept since forwarding started (a count, so no race
        # with its first sleep): the stop then finds it asleep.
        if self.sleeps_mark is not None:
            check(H.wait_until("a sleep", lambda: port0_sleeps(
                self.host) > self.sleeps_mark, timeout=10, step=0.005),
                "%s cycle %d: the idle lcore did not sleep within 10 s of "
                "the start" % (what, cycle))
        res = {}
        start = len(self.host.log)

        def stop():
            try:
                res["out"] = self.host.cmd("stop", timeout=20)
            except Exception as e:
                res["err"] = e
            res["t"] = time.monotonic()
        th = threading.Thread(target=stop, daemon=True)
        th.start()
        deadline = time.monotonic() + 10
        while "Waiting for lcores to finish" not in self.host.log[start:]:
            if time.monotonic() > deadline or not th.is_alive():
                break
            time.sleep(0.001)
        t_burst = time.monotonic()
        self.sent0 += self.send_burst(self.g0)
        t_sent = time.monotonic()
        th.join(20)
        if "err" in res:
            raise res["err"]
        check("t" in res, "%s cycle %d: testpmd's stop did not return "
              "within 20 s" % (what, cycle))
        # From the burst's end: G0 sent it within [t_burst, t_sent].
        lat = (res["t"] - t_sent) * 1000.0
        self.worst_ms = max(self.worst_ms, lat)
        self.bursts += 1
        check(lat <= DEADLINE_MS,
              "%s cycle %d: the host's forwarding lcore left rx_burst %.0f "
              "ms after G0's burst to port 0 ended (bound %.0f ms, "
              "sleep_max_us 1 s): lost wake-up on port 0" % (
                  what, cycle, lat, DEADLINE_MS))
        self.sleeps_mark = port0_sleeps(self.host)

    def wait_rx(self, port, want, what):
        """Port `port` of the host must count `want` received packets
        within DEADLINE_MS."""
        t0 = time.monotonic()
        while True:
            got = self.host_rx(port)
            now = time.monotonic()
            if got >= want:
                lat = (now - t0) * 1000.0
                self.worst_ms = max(self.worst_ms, lat)
                self.bursts += 1
                return
            if now - t0 > DEADLINE_MS / 1000.0:
                check(False, "%s: host port %d received %d of %d packets "
                      "%.0f ms after the guest's burst (bound %.0f ms, "
                      "sleep_max_us 1 s): lost wake-up" % (
                          what, port, got, want, (now - t0) * 1000.0,
                          DEADLINE_MS))
            time.sleep(0.002)


def phase_a(r):
    h = r.host
    for i in range(1, CYCLES + 1):
        r.stop_with_wake(i, "A (port stop/start)")
        out = h.cmd("port stop 1")
        check("Done" in out, "A cycle %d: port stop 1: %r" % (i, out))
        out = h.cmd("port start 1")
        check("Done" in out and "Fail" not in out,
              "A cycle %d: port start 1: %r" % (i, out))
        h.start_fwd()
    r.alive("after phase A")


def phase_b(r):
    h = r.host
    for i in range(1, CYCLES + 1):
        r.stop_with_wake(i, "B (close/re-probe)")
        if i % 2:
            h.cmd("port stop 1")
            out = h.cmd("port close 1")
            check("Port 1 is closed" in out,
                  "B cycle %d: port close 1: %r" % (i, out))
            out = h.cmd("device detach net_vhost_spin1")
            check("is detached" in out,
                  "B cycle %d: device detach net_vhost_spin1: %r" % (i, out))
        else:
            h.cmd("port stop 1")
            out = h.cmd("port detach 1")
            check("Device is detached" in out,
                  "B cycle %d: port detach 1: %r" % (i, out))
        out = h.cmd("port attach " + r.vdev1())
        check("Port 1 is attached" in out,
              "B cycle %d: port attach %s: %r" % (i, r.vdev1(), out))
        out = h.cmd("port start 1")
        check("Done" in out and "Fail" not in out,
              "B cycle %d: port start 1: %r" % (i, out))
        h.start_fwd()
    r.alive("after phase B")


def reconnects(r, what, probe_every):
    """CYCLES vhost-user reconnects of port 1's guest (port stop/start in
    G1); every probe_every cycles, bursts on both ports must arrive."""
    g1 = r.g1
    att0 = r.host.log.count(ATTACHED1)
    det0 = r.host.log.count(DETACHED1)
    for i in range(1, CYCLES + 1):
        # A full vhost-user reconnect: the socket closes and a new
        # connection brings new rings and fds (virtio_user's port
        # stop/start alone does not reset the device).
        for c, want in (("port stop 0", "Done"),
                        ("port close 0", "is closed"),
                        ("device detach net_virtio_user0", "is detached"),
                        ("port attach net_virtio_user0,path=" + r.s1,
                         "Port 0 is attached"),
                        ("port start 0", "Done")):
            out = g1.cmd(c)
            check(want in out and "Fail" not in out,
                  "%s cycle %d: G1 %s: %r" % (what, i, c, out))
        if probe_every and i % probe_every == 0:
            base0 = r.host_rx(0)
            n = r.send_burst(r.g0)
            check(n > 0, "%s cycle %d: G0 sent nothing" % (what, i))
            r.sent0 += n
            r.wait_rx(0, base0 + n, "%s cycle %d, port 0" % (what, i))
            # Port 1 was reconnected just now: its burst must come too.
            base1 = r.host_rx(1)
            n = r.send_burst(g1)
            check(n > 0, "%s cycle %d: G1 sent nothing" % (what, i))
            r.sent1 += n
            r.wait_rx(1, base1 + n, "%s cycle %d, port 1" % (what, i))
    r.alive("after " + what)
    wait_link(r.host, 1, True, "port 1 after " + what)
    att = r.host.log.count(ATTACHED1) - att0
    det = r.host.log.count(DETACHED1) - det0
    print("%s: host port 1 saw %d detaches and %d attaches" % (
        what, det, att))
    check(att == CYCLES and det == CYCLES,
          "%s: %d guest re-probe cycles, but the host's port 1 "
          "logged %d 'frontend detached' and %d 'frontend attached'" % (
              what, CYCLES, det, att))


def wait_link(t, port, up, what, timeout=10):
    try:
        (t.wait_link_up if up else t.wait_link_down)(port, timeout=timeout)
    except H.HarnessError as e:
        check(False, "%s: %s" % (what, e))


def exact_port0(r, what):
    """G0 is silent: every packet it counted as sent is counted by the
    host's port 0, no more, no less."""
    sent = r.guest_tx(r.g0)
    check(sent > 0, "port 0 %s: G0 sent nothing" % what)
    hl.wait_until("drained", lambda: r.host_rx(0) >= sent, 5.0, 0.05)
    time.sleep(0.1)  # one packet too many would come now
    got = r.host_rx(0)
    print("port 0 %s: G0 sent %d, host received %d" % (what, sent, got))
    check(got == sent, "port 0 %s: G0 sent %d packets, the host received "
          "%d" % (what, sent, got))


def port0_sleeps(h):
    return h.xstats(0)["rx_q0_sleeps"]


def port0_wakes(h):
    return h.xstats(0)["rx_q0_wakeups"]


def check_woken(phase, h, before):
    """Each of the phase's stops found the lcore asleep on port 0, and
    only G0's burst could end that sleep in time: a kick's wake-up each
    (else rx_burst no longer slept, and the deadlines held for nothing).
    A wake-up counts at port 0's next poll, which may come at the next
    start: forwarding runs again now."""
    H.wait_until("wake-ups", lambda: port0_wakes(h) - before >= CYCLES,
                 timeout=5)
    wakes = port0_wakes(h) - before
    print("phase %s: port 0 rx_q0 woken %d times for %d stops" % (
        phase, wakes, CYCLES))
    check(wakes >= CYCLES, "phase %s: port 0 was woken %d times by a kick "
          "for %d stops that each waited for one: the lcore did not sleep "
          "on port 0" % (phase, wakes, CYCLES))


def check_sanitizer_runtime(t):
    """In a sanitizer run, the ASan runtime must really be in testpmd."""
    pre = os.environ.get("VSPIN_TESTPMD_PRELOAD")
    if not pre:
        return
    with open("/proc/%d/maps" % t.pid) as f:
        maps = f.read()
    lib = os.path.basename(os.path.realpath(pre))
    check(lib in maps, "VSPIN_TESTPMD_PRELOAD=%s, but %s is not mapped in "
          "the host testpmd" % (pre, lib))
    print("host testpmd runs with %s and %s" % (
        lib, H.plugin("vhost_spin")))


def host_cycles():
    with H.private_dir() as d:
        r = Rig(d)
        with r.host as h:
            r.g0 = r.guest(r.s0, "g0")
            r.g1 = r.guest(r.s1, "g1")
            try:
                check_sanitizer_runtime(h)
                wait_link(h, 0, True, "port 0 with G0")
                wait_link(h, 1, True, "port 1 with G1")
                h.start_fwd()
                time.sleep(0.3)
                # A: port stop/start under a connected G1.
                fds = r.fds()
                t0 = time.monotonic()
                w0 = port0_wakes(h)
                phase_a(r)
                check_woken("A", h, w0)
                print("A: %d x port stop/start in %.1f s" % (
                    CYCLES, time.monotonic() - t0))
                r.fd_check(fds, "over phase A")
                exact_port0(r, "after phase A")
                # B: close and re-probe, no guest on port 1.
                r.g1.__exit__(None, None, None)
                wait_link(h, 1, False, "port 1 after G1 quit")
                fds = r.fds()
                t0 = time.monotonic()
                w0 = port0_wakes(h)
                phase_b(r)
                check_woken("B", h, w0)
                print("B: %d x close/re-probe in %.1f s" % (
                    CYCLES, time.monotonic() - t0))
                r.fd_check(fds, "over phase B")
                exact_port0(r, "after phase B")
                # C: G1 reconnects while port 0 sleeps.
                r.g1 = r.guest(r.s1, "g1b")
                wait_link(h, 1, True, "port 1 with the new G1")
                fds = r.fds()
                t0 = time.monotonic()
                reconnects(r, "C (reconnects, port 0 asleep)", 10)
                print("C: %d reconnects of port 1's guest in %.1f s" % (
                    CYCLES, time.monotonic() - t0))
                exact_port0(r, "after phase C")
                # D: the same while G0 sends at full rate.
                r.g0.cmd("set fwd txonly")
                r.g0.start_fwd()
                t0 = time.monotonic()
                reconnects(r, "D (reconnects, port 0 busy)", 0)
                r.g0.stop_fwd()
                r.g0.cmd("set fwd io")
                print("D: %d reconnects under traffic in %.1f s" % (
                    CYCLES, time.monotonic() - t0))
                exact_port0(r, "after phase D")
                wait_link(h, 1, True, "port 1 after phase D")
                r.fd_check(fds, "over phases C and D")
                r.alive("at the end")
                print("wake-up bursts: %d, slowest %.1f ms (bound %.0f)" % (
                    r.bursts, r.worst_ms, DEADLINE_MS))
                h.stop_fwd()
                xs = h.xstats(0)
                print("host port 0 rx_q0: sleeps %d, wakeups %d, timeouts "
                      "%d" % (xs.get("rx_q0_sleeps", -1),
                              xs.get("rx_q0_wakeups", -1),
                              xs.get("rx_q0_sleep_timeouts", -1)))
                # The ports' close paths run at quit: check them too.
                rc = h.quit(timeout=30)
                rep = H.sanitizer_report(h.log)
                check(rep is None, "sanitizer report in the host: %s\n%s" % (
                    rep, h.log[-6000:]))
                check(rc == 0, "host testpmd exited with status %s at quit"
                      "\n%s" % (rc, h.log[-3000:]))
            finally:
                # The host quit first: the stock virtio_user guests then
                # write to their closed sockets at quit and may die of
                # SIGPIPE (DPDK 22.11 sends without MSG_NOSIGNAL), stock
                # behaviour: quit them here, their status unchecked.
                for g in (r.g0, r.g1):
                    if g is not None:
                        g.quit()
                        g.__exit__(None, None, None)


CASES = {"cycles": host_cycles}

if __name__ == "__main__":
    H.run_case(CASES)
