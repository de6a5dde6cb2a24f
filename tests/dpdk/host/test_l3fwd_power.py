# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's l3fwd-power on our ports: the application users of rx interrupts
run, unmodified (Debian's source of the installed DPDK, built by
scripts/setup.sh with its own Makefile).

l3fwd-power -P --interrupt-only --parse-ptype, on hugepages (DPDK's dynamic
memory, scripts/setup.sh reserves them), one lcore (core 1), two ports
of one of our PMDs, each rx queue on that lcore: it polls, and after a few
empty polls enables the rx interrupts (rte_eth_dev_rx_intr_enable) and
sleeps in rte_epoll_wait (10 ms at most), logging "is waked up from rx
interrupt on port P" for each interrupt. It routes 2.1.1.0/24 to port 1.

Case vhost
  ports net_vhost_spin0 (a.sock) and net_vhost_spin1 (b.sock),
  spin_mode=adaptive, sleep=auto; guests on core 0 (both lcores of
  each, and this script: l3fwd-power has core 1 to itself): G1 stock
  virtio_user on a.sock (io, --tx-ip=198.18.0.1,2.1.1.2), G2
  net_virtio_spin adaptive on b.sock (rxonly).
Case virtio
  ports net_virtio_spin0 (a.sock) and net_virtio_spin1 (b.sock),
  spin_mode=adaptive, EAL --single-file-segments (as a vhost-user
  frontend shares its memory); backends on core 0: H1 stock net_vhost on a.sock
  (io, --tx-ip as above), H2 net_vhost_spin adaptive on b.sock (rxonly).

Cases pause_vhost, pause_virtio
  the same ports and peers under DPDK's PMD power management instead
  (--pmd-mgmt=pause: an rx callback of the power library pauses the
  lcore after 512 empty polls; no rx interrupts). sleep=auto does not
  block inside rx_burst in l3fwd-power either: its tx buffers wait for
  its loop (vspin_sleep_rule.h).

Each of 5 rounds, 0.3 s apart (l3fwd-power or our port asleep by then): the
sender sends 4 bursts of 32 (start tx_first 4) into port 0.
Every port of ours has sleep_max_us=1000000.
Expected: the receiver counts every packet of each round (exactly 128 more,
within 0.5 s: a sleep ended by its 1 s bound shows), sender tx ==
receiver rx == 640 at the end; at least 4 of the 5 rounds woke
l3fwd-power through port 0's interrupt (a lost wake-up leaves the
packets to its 10 ms timeout and logs no wake-up; a round can also be
found by a poll in the few microseconds between two such timeouts,
longer if core 1 is taken away then: one round in a CI run, none in 200
rounds of a loop here; an arm-and-recheck that loses wake-ups for good
fails every round); at most 16 interrupt wake-ups a round (an fd left
readable would wake it on every epoll); our port never blocked inside
rx_burst (xstat rx_q0_sleeps 0, read through DPDK telemetry: the
application asked for rx interrupts, so sleep=auto leaves sleeping to
it); l3fwd-power exits 0 on SIGINT. Under --pmd-mgmt=pause: every packet
of each round, as above, and port 0 never blocked inside rx_burst
(rx_q0_sleeps 0: the power library's pauses are the only sleep, and
lose no packet).
"""

import contextlib
import os
import re
import signal
import subprocess
import time

import hostlib as hl
from hostlib import Fail, check

h = hl.h
ROUNDS = 5
# The peers (both their lcores) and this script stay on core 0, so that
# l3fwd-power's core 1 is its own. Where a peer's command-line thread
# shared it, l3fwd-power's 10 ms epoll timeout sometimes ran out while
# that thread held core 1 as the round's packets were sent; l3fwd-power
# then found them late, in the poll after its timeout, the guest's kick
# pending on the fd: a round of 0 wake-ups without a lost one (case
# vhost: 2 rounds of 150 before, 0 of 300 with this layout).
PEER_CORE = {"lcores": "0@0,1@0", "main_lcore": 1}
BURSTS = 4  # of 32 packets a round
# Rounds that may arrive while l3fwd-power polls between two epoll
# timeouts, so wake nobody (see the docstring).
MAX_POLLED_ROUNDS = 1
# Our ports here sleep at most h.SLEEP_MAX_US (1 s): a round whose packets
# all arrive well within that was carried by wake-ups, not timeouts.
ROUND_DEADLINE_S = 0.5
SLEEP_MAX = ",sleep_max_us=%d" % h.SLEEP_MAX_US
TX_IP = "--tx-ip=198.18.0.1,2.1.1.2"  # l3fwd-power routes it to port 1


def l3fwd_power_path():
    p = os.environ.get("VSPIN_L3FWD_POWER", "")
    check(p and os.access(p, os.X_OK),
          "no DPDK l3fwd-power at %r: run scripts/setup.sh (it builds "
          "Debian's examples/l3fwd-power into /var/cache/virtio-spin)" % p)
    return p


def xstat(prefix, port, name):
    xs = h.telemetry(prefix, "/ethdev/xstats,%d" % port)[0]["/ethdev/xstats"]
    check(name in xs, "telemetry: no %s for port %d: %s" % (
        name, port, sorted(xs)[:20]))
    return xs[name]


def wakeups(log):
    return len(re.findall(r"waked up from rx interrupt on port 0 ", log))


# l3fwd-power's mode: its option and the line it logs entering its loop.
MODES = {
    "interrupt": ("--interrupt-only", "entering main interrupt loop"),
    "pause": ("--pmd-mgmt=pause", "entering main telemetry loop"),
}


def run(kind, d, app_vdevs, plugin, snd, rcv, peers_first, mem,
        mode="interrupt", orphans=()):
    """l3fwd-power on app_vdevs with EAL memory flags mem; snd and rcv:
    Testpmds on a.sock and b.sock, started before l3fwd-power
    (peers_first: they are the vhost-user servers) or after it.
    orphans: peers quit right after l3fwd-power exited, their exit
    status unchecked (see case_vhost)."""
    prefix = "l3fwd-%d" % os.getpid()
    # Inherited by the peers and by l3fwd-power, whose EAL moves its lcore.
    os.sched_setaffinity(0, {0})
    option, loop_line = MODES[mode]
    argv = [l3fwd_power_path(), "-l", "1"] + mem + [
        "--no-pci", "--file-prefix", prefix, "-d", plugin]
    for v in app_vdevs:
        argv += ["--vdev", v]
    argv += ["--", "-p", "0x3", "-P", "--config=(0,0,1),(1,0,1)",
             option, "--parse-ptype"]
    logf = open(os.path.join(d, "l3fwd-power.log"), "w+")

    def log():
        logf.seek(0)
        return logf.read()

    p = None
    rc = None
    try:
        with contextlib.ExitStack() as peers:
            if peers_first:
                peers.enter_context(snd)
                peers.enter_context(rcv)
            p = subprocess.Popen(argv, stdout=logf,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True,
                                 env=h.testpmd_env())
            if not peers_first:
                if not hl.wait_until("l3fwd-power's sockets", lambda: all(
                        os.path.exists(os.path.join(d, x))
                        for x in ("a.sock", "b.sock")), 20):
                    raise Fail("l3fwd-power made no vhost-user sockets")
                peers.enter_context(snd)
                peers.enter_context(rcv)
            snd.wait_link_up(0, timeout=20)
            rcv.wait_link_up(0, timeout=20)
            if not hl.wait_until("l3fwd-power's loop",
                                 lambda: loop_line in log(), 30):
                raise Fail("l3fwd-power did not start its loop")
            rounds(snd, rcv, log, mode == "interrupt")
            sleeps = xstat(prefix, 0, "rx_q0_sleeps")
            check(sleeps == 0, "port 0 blocked inside rx_burst %d times "
                  "in l3fwd-power (%s), which sleeps by itself and holds "
                  "packets in tx buffers its loop drains" % (sleeps, option))
            print("%s, %s: %d rounds of %d packets through l3fwd-power, "
                  "%d interrupt wake-ups on port 0, rx_q0_sleeps %d"
                  % (kind, option, ROUNDS, 32 * BURSTS, wakeups(log()),
                     sleeps))
            p.send_signal(signal.SIGINT)
            rc = p.wait(20)
            for t in orphans:
                t.quit()
    except subprocess.TimeoutExpired:
        rc = None
    except (Fail, h.HarnessError) as e:
        raise Fail("%s\n--- l3fwd-power log (tail) ---\n%s" % (
            e, log()[-3000:]))
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        h.remove_eal_files(prefix)
        out = log()
        logf.close()
    check(rc == 0, "l3fwd-power exit status %s on SIGINT:\n%s" % (
        rc, out[-2000:]))


def rounds(snd, rcv, log, by_interrupt):
    """ROUNDS rounds of BURSTS x 32 packets, snd -> l3fwd-power -> rcv;
    by_interrupt: each must wake l3fwd-power through port 0's interrupt."""
    polled = []  # rounds l3fwd-power found without an interrupt
    rcv.start_fwd()
    for r in range(ROUNDS):
        time.sleep(0.3)
        w0 = wakeups(log())
        snd.cmd("start tx_first %d" % BURSTS)
        snd.stop_fwd()
        want = 32 * BURSTS * (r + 1)
        _, _, took = h.wait_rx(rcv, want, timeout=5.0)
        time.sleep(0.05)
        got = rcv.port_stats(0)["rx_packets"]
        check(got == want, "round %d: the receiver has %d packets, "
              "expected %d" % (r, got, want))
        # Our sleeps end at 1 s at the latest: a round that needed one
        # to end by its bound lost a wake-up.
        check(took < ROUND_DEADLINE_S, "round %d took %.3f s: a sleep "
              "ended by its bound, not by a wake-up" % (r, took))
        w = wakeups(log()) - w0
        check(w <= 16 if by_interrupt else w == 0,
              "round %d: %d interrupt wake-ups of l3fwd-power on port 0 "
              "(expected %s)" % (r, w, "1 to 16" if by_interrupt else 0))
        if by_interrupt and w == 0:
            polled.append(r)
    check(len(polled) <= MAX_POLLED_ROUNDS,
          "rounds %s: no interrupt wake-up of l3fwd-power on port 0 "
          "(at most %d round may be found by a poll between two of its "
          "10 ms timeouts)" % (polled, MAX_POLLED_ROUNDS))
    sent = snd.port_stats(0)["tx_packets"]
    check(sent == 32 * BURSTS * ROUNDS, "the sender sent %d packets, "
          "expected %d" % (sent, 32 * BURSTS * ROUNDS))


def case_vhost(mode="interrupt"):
    with h.private_dir() as d:
        a, b = d + "/a.sock", d + "/b.sock"
        vdevs = ["net_vhost_spin%d,iface=%s,spin_mode=adaptive%s"
                 % (i, s, SLEEP_MAX) for i, s in enumerate((a, b))]
        g1 = h.Testpmd("g1", vdevs=["net_virtio_user0,path=" + a],
                       **PEER_CORE, args=["--forward-mode=io", TX_IP])
        g2 = h.Testpmd("g2", vdevs=["net_virtio_spin0,path=%s,"
                                    "spin_mode=adaptive%s" % (b, SLEEP_MAX)],
                       plugins=[h.plugin("virtio_spin")], **PEER_CORE,
                       args=["--forward-mode=rxonly"])
        # l3fwd-power, the backend, exits first; then the stock
        # virtio_user of g1 writes to its closed socket at quit and dies
        # of SIGPIPE (DPDK 22.11 sends without MSG_NOSIGNAL): stock
        # behaviour, so g1's exit status is not checked. Our guest, g2,
        # must still quit cleanly (harness.Testpmd.__exit__).
        run("vhost", d, vdevs, h.plugin("vhost_spin"), g1, g2, False,
            ["-m", "512"], mode, orphans=[g1])


def case_virtio(mode="interrupt"):
    with h.private_dir() as d:
        a, b = d + "/a.sock", d + "/b.sock"
        h1 = h.Testpmd("h1", vdevs=["net_vhost0,iface=" + a], **PEER_CORE,
                       args=["--forward-mode=io", TX_IP])
        h2 = h.Testpmd("h2", vdevs=["net_vhost_spin0,iface=%s,"
                                    "spin_mode=adaptive%s" % (b, SLEEP_MAX)],
                       plugins=[h.plugin("vhost_spin")], **PEER_CORE,
                       args=["--forward-mode=rxonly"])
        vdevs = ["net_virtio_spin%d,path=%s,spin_mode=adaptive%s"
                 % (i, s, SLEEP_MAX) for i, s in enumerate((a, b))]
        run("virtio", d, vdevs, h.plugin("virtio_spin"), h1, h2, True,
            ["-m", "512", "--single-file-segments"], mode)


if __name__ == "__main__":
    hl.main({"l3fwd_power_vhost": case_vhost,
             "l3fwd_power_virtio": case_virtio,
             "l3fwd_power_pause_vhost": lambda: case_vhost("pause"),
             "l3fwd_power_pause_virtio": lambda: case_virtio("pause")})
